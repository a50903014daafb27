/* compare.h — errors of the Monte Carlo mean against the theory, on the common grid. */
#ifndef HDSIM_COMPARE_H
#define HDSIM_COMPARE_H

#include <stddef.h>

struct hd_compare {
  size_t n_times;
  double *abs_err; /* mean - theory */
  double *rel_err; /* (mean - theory) / |theory| */
  double *z;       /* (mean - theory) / stderr */
  double *scaled;  /* sqrt(size) * (mean - theory): O(1) if the gap closes like size^-1/2 */
  double *run_rms; /* sqrt(mean over runs of (run - theory)^2) / |theory|: one run's
                       relative deviation, ~ size^-1/2 whatever the number of runs */
  double sup_abs, sup_rel, sup_z, sup_scaled, sup_run_rms; /* sup over finite times */
};

/* theory, mean, stderr_: n values each; runs: R x n values (row per run; NaN = not
 * available) or NULL; size: the finite-size parameter (d or N; NaN: no scaled error). */
void hd_compare_compute(const double *theory, const double *mean, const double *stderr_,
                        const double *runs, size_t R, size_t n, double size, struct hd_compare *c);
void hd_compare_free(struct hd_compare *c);

#endif
