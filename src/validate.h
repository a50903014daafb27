/* validate.h — `hdsim validate`: the same model over a ladder of sizes (d, or the width
 * N), the theory-vs-simulation error at each rung, and the fitted slope of that error
 * against the size on log-log axes.
 *
 * Statistics per rung (for one observable, the primary one by default), sup over t > 0:
 *   fluctuation  one run's rms relative deviation from the theory (compare/run_rms): it
 *                falls like size^-1/2 whatever the number of runs — the default fit
 *   mean         |mean - theory| / |theory|: (runs size)^-1/2 noise plus the O(1/size)
 *                bias; fit it (expected -1) with many runs, where the bias dominates
 * The slope comes from weighted least squares on log-log axes with the statistical error
 * of each point (delta method over the runs), and a 95% interval. */
#ifndef HDSIM_VALIDATE_H
#define HDSIM_VALIDATE_H

#include "driver.h"

struct hd_validate_opts {
  const double *sizes;
  size_t n_sizes;
  const long *runs;       /* n_sizes values, or NULL: runs scaled as runs0 * size0 / size (>= 4) */
  const char *observable; /* NULL: the primary observable */
  int fit_mean;           /* fit the mean error instead of the fluctuation */
};

int hd_driver_validate(const struct hd_cli *cli, const struct hd_validate_opts *v);

/* Weighted least squares y = a + b x with standard deviations s (NULL: unweighted,
 * error from the residuals).  Returns b; *se its standard error. */
double hd_fit_slope(const double *x, const double *y, const double *s, size_t n, double *se);

#endif
