/* schedule.h — learning-rate schedules gamma(t), t = steps/d (LS-1), and the
 * [optimizer] keys that give them, declared once for every family.
 *
 * struct hd_schedule is both what the model file says and the schedule itself: the
 * table fills it, and gamma(t), its integral, maximum and breakpoints are closed forms
 * of its fields, so the learning rate has one home (nothing copies `lr` beside it).
 *
 * A family adopts the keys by embedding the struct in its parameter struct and
 * expanding the rows in its table (SPEC: the family's doc label of gamma, or NULL):
 *
 *   struct my_params { ...; struct hd_schedule schedule; ... };
 *   static const struct hd_param my_table[] = {
 *     ...,
 *     HD_SCHEDULE_ROWS(struct my_params, schedule, "LS-1"),
 *     ...
 *   };
 *
 * then hands &params->schedule (or its plan's copy of the params) to whatever evaluates
 * gamma: hd_schedule_lr has the signature of a kernel's lr callback. */
#ifndef HDSIM_SCHEDULE_H
#define HDSIM_SCHEDULE_H

#include <stddef.h>

#include "params.h"

enum hd_schedule_kind {
  HD_SCHEDULE_CONSTANT,     /* gamma(t) = lr */
  HD_SCHEDULE_STEP,         /* gamma(t) = lr * factor^floor(t / every) */
  HD_SCHEDULE_INVERSE_POWER /* gamma(t) = lr / (1 + t/t0)^power */
};

extern const char *const hd_schedule_names[]; /* constant, step, inverse_power */

struct hd_schedule {
  int kind;             /* enum hd_schedule_kind ([optimizer] schedule) */
  double lr;            /* gamma ([optimizer] lr) */
  double every, factor; /* step: lr_every, lr_factor */
  double t0, power;     /* inverse_power: lr_t0, lr_power */
};

/* The lr row alone, for a family whose gamma is constant (its schedule keeps kind =
 * constant, the zero the engine's calloc'd parameter struct starts with). */
#define HD_SCHEDULE_LR_ROW(T, m, SPEC)                                                             \
  {                                                                                                \
    "optimizer", "lr", HD_REAL, offsetof(T, m.lr), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",            \
        "learning rate gamma; the SGD step is gamma/d", SPEC                                       \
  }

#define HD_SCHEDULE_ROWS(T, m, SPEC)                                                               \
  HD_SCHEDULE_LR_ROW(T, m, SPEC),                                                                  \
      {"optimizer",                                                                                \
       "schedule",                                                                                 \
       HD_ENUM,                                                                                    \
       offsetof(T, m.kind),                                                                        \
       "constant",                                                                                 \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       hd_schedule_names,                                                                          \
       "",                                                                                         \
       "learning-rate schedule gamma(t): constant, step (lr * lr_factor^floor(t/lr_every)), "      \
       "inverse_power (lr / (1 + t/lr_t0)^lr_power)",                                              \
       NULL},                                                                                      \
      {"optimizer", "lr_every", HD_REAL, offsetof(T, m.every),          "1", 0, 1e9,               \
       HD_MIN_EXCL, NULL,       "t",     "period of the step schedule", NULL},                     \
      {"optimizer", "lr_factor", HD_REAL, offsetof(T, m.factor),         "0.5", 0, 1e3,            \
       HD_MIN_EXCL, NULL,        "",      "factor of the step schedule", NULL},                    \
      {"optimizer",                                                                                \
       "lr_t0",                                                                                    \
       HD_REAL,                                                                                    \
       offsetof(T, m.t0),                                                                          \
       "1",                                                                                        \
       0,                                                                                          \
       1e9,                                                                                        \
       HD_MIN_EXCL,                                                                                \
       NULL,                                                                                       \
       "t",                                                                                        \
       "time scale t0 of the inverse_power schedule",                                              \
       NULL},                                                                                      \
  {                                                                                                \
    "optimizer", "lr_power", HD_REAL, offsetof(T, m.power), "1", 0, 10, 0, NULL, "",               \
        "exponent of the inverse_power schedule", NULL                                             \
  }

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
