/* experiment.h — a user's own measured curves ("compare with my experiment"): read from an
 * HDF5 group or a CSV table, checked against the model's observables and horizon, written
 * to /experiment beside theory and simulation, and compared with the theory on its times
 * (/compare/experiment_<obs>).
 *
 * Input (one time axis t shared by every curve of the file):
 *   HDF5  FILE.h5 or FILE.h5:/group — datasets t (n,) and, per observable, (n,) or
 *         (runs, n); float or integer types; nothing else in the group.
 *   CSV   a header line naming the columns, t first, then observables; a name repeated is
 *         one more run of that observable; '#' starts a comment; every field a number.
 *   pairs t=ARRAY,OBS=ARRAY,... with each ARRAY a .npy file, FILE.h5:/dataset or a text
 *         vector (array_input.h): t a vector, each observable (n,) or (runs, n).
 * Refused with a message naming the file (and dataset or line): an unknown observable, a
 * shape that does not fit t, a dtype that is not numeric, a value that is not finite, t
 * not strictly increasing, t < 0 or t beyond the horizon.  The bytes read are registered
 * for the provenance record. */
#ifndef HDSIM_EXPERIMENT_H
#define HDSIM_EXPERIMENT_H

#include <stddef.h>

#include "config.h"
#include "problem.h"

struct hd_experiment_curve {
  size_t obs;      /* index among the model's observables */
  size_t runs;     /* >= 1 */
  double *values;  /* runs x n, row per run */
  double *mean;    /* n: mean over runs */
  double *stderr_; /* n: sample s.d. / sqrt(runs); NaN with one run */
};

struct hd_experiment {
  char source[1024];  /* the argument as given (FILE or FILE:/group) */
  const char *format; /* "hdf5" or "csv" */
  size_t n;           /* measured times */
  double *t;
  size_t n_curves; /* in the model's observable order */
  struct hd_experiment_curve *curves;
};

/* Reads spec (FILE, FILE.h5:/group, or t=ARRAY,OBS=ARRAY,...); with cfg, every file part
 * is resolved against the model file's directory (a model key), else used as given.  0,
 * or -1 with a message (e left empty). */
int hd_experiment_read(const char *spec, const struct hd_config *cfg,
                       const struct hd_observable *obs, size_t n_obs, double horizon,
                       struct hd_experiment *e, char *msg, size_t msglen);
void hd_experiment_free(struct hd_experiment *e);

/* y, given at the n increasing times t, at the G times tg: linear interpolation in t
 * between the two measured times around each tg (exact where tg is a measured time);
 * NaN outside [t[0], t[n-1]] (no extrapolation).  A NaN y stays NaN where it is used. */
void hd_experiment_interp(const double *t, const double *y, size_t n, const double *tg, size_t G,
                          double *out);

/* /experiment/<obs>/{t, runs, mean, stderr} and, when theory is given (n_obs x G values
 * on the times tg), /compare/experiment_<obs>/{t, abs, rel, z, scaled, run_rms} with the
 * sup attributes: the experiment interpolated onto the theory times, minus the theory.
 * size: the model's finite-size parameter (NaN: none).  0 or -1. */
int hd_experiment_write(long long h5file, const struct hd_experiment *e,
                        const struct hd_observable *obs, const double *tg, size_t G,
                        const double *theory, double size, const char *time_meaning);

#endif
