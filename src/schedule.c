/* schedule.c — learning-rate schedules. */
#include "schedule.h"

#include <math.h>

const char *const hd_schedule_names[] = {"constant", "step", "inverse_power", NULL};

double hd_schedule_lr(double t, const void *schedule)
{
  const struct hd_schedule *s = schedule;
  switch (s->kind) {
  case HD_SCHEDULE_CONSTANT: return s->lr;
  case HD_SCHEDULE_STEP: return s->lr * pow(s->factor, floor(t / s->every));
  case HD_SCHEDULE_INVERSE_POWER: return s->lr / pow(1.0 + t / s->t0, s->power);
  }
  return s->lr;
}

double hd_schedule_max(const struct hd_schedule *s, double horizon)
{
  if (s->kind == HD_SCHEDULE_STEP && s->factor > 1) return hd_schedule_lr(horizon, s);
  return s->lr;
}

size_t hd_schedule_breakpoints(const struct hd_schedule *s, double horizon, double *out, size_t max)
{
  size_t n = 0;
  if (s->kind != HD_SCHEDULE_STEP) return 0;
  for (double t = s->every; t < horizon && n < max; t += s->every) out[n++] = t;
  return n;
}

double hd_schedule_integral(double t, const struct hd_schedule *s)
{
  switch (s->kind) {
  case HD_SCHEDULE_CONSTANT: return s->lr * t;
  case HD_SCHEDULE_STEP: {
    double periods = floor(t / s->every), G = 0, f = 1;
    for (double k = 0; k < periods; k++, f *= s->factor) G += f * s->every;
    return s->lr * (G + f * (t - periods * s->every));
  }
  case HD_SCHEDULE_INVERSE_POWER:
    if (fabs(s->power - 1) < 1e-12) return s->lr * s->t0 * log1p(t / s->t0);
    return s->lr * s->t0 * (pow(1 + t / s->t0, 1 - s->power) - 1) / (1 - s->power);
  }
  return s->lr * t;
}
