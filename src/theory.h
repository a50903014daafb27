/* theory.h — evaluate a problem's deterministic theory on the output grid: the ODE limit
 * through the CVODE driver, or an exact discrete recursion stepped to each output. */
#ifndef HDSIM_THEORY_H
#define HDSIM_THEORY_H

#include "grid.h"
#include "integrate.h"
#include "problem.h"
#include "run_params.h"

struct hd_theory_result {
  size_t n_obs, n_times;
  double *values;                  /* [obs][time]; NaN where the theory failed */
  int method;                      /* enum hd_theory_method */
  size_t dimension;                /* state size */
  int failed;                      /* 1 if it stopped early */
  double t_fail;                   /* time it failed at (NaN if not) */
  char message[512];               /* failure description, "" if none */
  struct hd_integrate_stats stats; /* ODE only */
  double seconds;
  double *binning_error; /* [obs] sup_t |theory(N bins) - theory(2N)| / |theory(2N)|, or NULL */
  char binning_note[160];
  /* t = infinity (problem->stationary, or the fixed point of the limit ODE): with
   * has_stationary, stationary[obs] (NaN: none for that observable) and how in
   * stationary_note; without, stationary_note says why there is none ("" when the
   * question does not arise: a recursion or no theory) */
  int has_stationary;
  double *stationary;
  char stationary_note[384];
};

/* Returns 0, or 1 if the theory failed part-way (values after the failure are NaN and
 * message says where and why). */
int hd_theory_run(const struct hd_problem *pb, void *plan, const struct hd_output_grid *g,
                  const struct hd_run_params *run, struct hd_theory_result *res);
void hd_theory_result_free(struct hd_theory_result *res);

/* With [theory] bins = N > 0: solves the theory again with 2N bins and stores, per
 * observable, the sup over t of the relative difference (the binning error estimate).
 * A problem that does not bin, or a spectrum with at most N distinct eigenvalues, gives
 * the same state dimension twice: then the estimate is 0 and binning_note says why. */
void hd_theory_binning_error(const struct hd_problem *pb, const void *params,
                             const struct hd_run_params *run, const struct hd_config *cfg,
                             const struct hd_output_grid *g, struct hd_theory_result *res);

#endif
