/* noisy_package.h — the noisy_sgd package's private header (src/problems/noisy): the
 * plan is streaming least squares' (problems/lsq/lsq_plan.h); this package adds its
 * keys, their validation and the results beyond the observables (noisy_output.c). */
#ifndef HDSIM_PROBLEMS_NOISY_PACKAGE_H
#define HDSIM_PROBLEMS_NOISY_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ode/noisy_privacy.h"
#include "problems/lsq/lsq_plan.h"

/* noisy_output.c: the privacy computations of ode/noisy_privacy.c on the plan's limit,
 * with the plan's dataset (records drawn as the simulation draws them), quadrature and
 * (eps, delta) conversion; and /risk_parts and /privacy (the write_extra op). */
int noisy_plan_privacy_curve(const struct lsq_plan *P, const struct hd_run_params *run,
                             const struct noisy_pair *pair, const double *orders, size_t n_orders,
                             const double *t, size_t n_t, int formula,
                             struct noisy_privacy_result *res, char *msg, size_t msglen);
int noisy_plan_worst_pair(const struct lsq_plan *P, const struct hd_run_params *run, double alpha,
                          double t0, size_t top, long *best_1, long *best_2, double *best_eps,
                          size_t n_random, double *random_eps, char *msg, size_t msglen);
int noisy_write_extra(void *plan, const struct hd_run_params *run, const double *grid_t,
                      size_t n_times, int64_t h5file, char *msg, size_t msglen);

#endif
