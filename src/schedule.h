/* schedule.h — learning-rate schedules gamma(t), t = steps/d (LS-1). */
#ifndef HDSIM_SCHEDULE_H
#define HDSIM_SCHEDULE_H

#include <stddef.h>

enum hd_schedule_kind {
  HD_SCHEDULE_CONSTANT,      /* gamma(t) = lr */
  HD_SCHEDULE_STEP,          /* gamma(t) = lr * factor^floor(t / every) */
  HD_SCHEDULE_INVERSE_POWER  /* gamma(t) = lr / (1 + t/t0)^power */
};

struct hd_schedule {
  enum hd_schedule_kind kind;
  double lr, every, factor, t0, power;
};

double hd_schedule_lr(double t, const void *schedule); /* signature fits hd_lsq_kernel.lr */

/* Gamma(t) = integral of gamma over [0, t], in closed form for every schedule (the
 * intrinsic time of the noisy_sgd privacy theory, NS-5/NS-10). */
double hd_schedule_integral(double t, const struct hd_schedule *s);

/* sup over [0, horizon] of gamma(t) (every schedule here is non-increasing when factor
 * <= 1, but a step factor > 1 is allowed). */
double hd_schedule_max(const struct hd_schedule *s, double horizon);

/* Discontinuities of gamma in (0, horizon): written to out (up to max), count returned. */
size_t hd_schedule_breakpoints(const struct hd_schedule *s, double horizon, double *out,
                               size_t max);

#endif
