/* h5out.h — the HDF5 schema (design.md), written to a temporary name and renamed on
 * success, so a crash or Ctrl-C never leaves a half file under the requested name.
 *
 *   /                 attrs: hdsim_version, problem, spec, command_line, model_file,
 *                            model_text (the whole file), created, seed, status, rng_kernel
 *   /parameters       attrs: every resolved parameter as "section.key", typed
 *   /theory/t, /theory/<obs>                        (attrs: description, unit, plot hints)
 *   /simulation/t, /simulation/steps, /simulation/<obs>/{runs, mean, stderr}
 *   /simulation/count, /simulation/diverged, /simulation/diverged_t
 *   /compare/<obs>/{abs, rel, z}                    (attrs: sup_abs, sup_rel, sup_z)
 *   /experiment/<obs>/{t, runs, mean, stderr}, /compare/experiment_<obs>/...  (experiment.h)
 *   /diagnostics      attrs: CVODE statistics, failures; datasets of divergence events
 */
#ifndef HDSIM_H5OUT_H
#define HDSIM_H5OUT_H

#include "grid.h"
#include "mc.h"
#include "problem.h"
#include "run_params.h"
#include "theory.h"

struct hd_provenance;

struct hd_output {
  const char *path;   /* final file name */
  const char *status; /* "complete", "diverged", "theory_failed", ... */
  const char *command_line;
  const char *model_path;
  const char *model_text;
  const struct hd_problem *problem;
  const void *problem_params;
  void *plan; /* for problem->write_extra (NULL: not called) */
  const struct hd_run_params *run;
  const struct hd_output_grid *grid;
  const struct hd_observable *obs;
  size_t n_obs;
  const struct hd_theory_result *theory;  /* NULL: method = none */
  const struct hd_mc_result *mc;          /* NULL: simulation disabled */
  const char *theory_note;                /* or NULL */
  const char *const *warnings;            /* NULL-terminated, or NULL */
  const struct hd_provenance *provenance; /* what the result depends on (provenance.h) */
  const struct hd_experiment *experiment; /* measured curves, or NULL */
  char *extra_failure;                    /* out: write_extra's message when it failed */
  size_t extra_failure_len;
};

/* hd_h5_write's answer when a signal stopped the problem's post-processing (write_extra):
 * nothing is written; the caller writes the run again as interrupted. */
#define HD_H5_INTERRUPTED 1

/* Returns 0, HD_H5_INTERRUPTED, or -1 with a message (nothing is left under path or the
 * temporary name).  With status "interrupted" every run is stored (whatever store_runs
 * says), with /simulation/completed, so that `hdsim run --resume` can continue from the
 * file. */
int hd_h5_write(const struct hd_output *o, char *msg, size_t msglen);

/* Loads the completed runs of an interrupted file into res (allocated by hd_mc_alloc for
 * the same model): checks that the file was written by the same model text, seed, runs,
 * observables and output steps.  Returns the number of runs loaded, or -1 with a message. */
long hd_h5_read_partial(const char *path, const struct hd_output *expect, struct hd_mc_result *res,
                        char *msg, size_t msglen);

/* Checks a finished output (a sweep point kept for --resume): its provenance record
 * matches `expect` and every dataset reads back through its checksum.  Copies its status
 * into status.  0, or -1 with a message. */
struct hd_provenance;
int hd_h5_verify_finished(const char *path, const struct hd_provenance *expect, char *status,
                          size_t status_len, char *msg, size_t msglen);

/* A sweep: root attributes and /parameters from base (status included), /sweep with the
 * table of swept values, and /points/K copied from each point's own output file. */
struct hd_sweep;
int hd_h5_write_sweep(const struct hd_output *base, const struct hd_sweep *sw,
                      const char *const *point_files, char *msg, size_t msglen);

/* Creates a temporary file next to path, lets fill() write it (an HDF5 file id), and
 * renames it to path only if fill returned 0 and the file closed cleanly.  fill's
 * HD_H5_INTERRUPTED is passed on (the temporary removed). */
int hd_h5_write_atomic(const char *path, int (*fill)(long long file, const void *ctx),
                       const void *ctx, char *msg, size_t msglen);

/* Call before any other HDF5 use: HDF5 1.10 closes files left open at exit, and a file
 * whose close already failed (disk full) crashes it there; hdsim closes every file itself. */
void hd_h5_library_init(void);

/* Small typed writers (HDF5 ids passed as long long so callers need not include
 * hdf5.h); each returns 0 or -1. */
int hd_h5_attr_str(long long obj, const char *name, const char *value);
int hd_h5_attr_f64(long long obj, const char *name, double v);
int hd_h5_attr_i64(long long obj, const char *name, long long v);
int hd_h5_dset1(long long loc, const char *name, const double *data, size_t n);

/* Checks that a file can be created next to path (the directory exists and is writable)
 * before any work is done.  Returns 0 or -1 with a message. */
int hd_h5_check_writable(const char *path, char *msg, size_t msglen);

#endif
