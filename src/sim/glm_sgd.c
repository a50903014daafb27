/* sim/glm_sgd.c — one-pass SGD on a single-index model with formula loss and target. */
#include "sim/glm_sgd.h"

#include <math.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/lsq_kernel.h"

/* state: x (d) | a (d) | batch accumulator (d, only when B > 1) */
size_t glm_sgd_state_size(const struct glm_sgd *S)
{
  return (S->batch > 1 ? 3 : 2) * S->d * sizeof(double);
}

void glm_sgd_start(const struct glm_sgd *S, uint64_t run, double *x)
{
  if (S->init_random) {
    struct hd_rng r;
    hd_rng_init(&r, S->seed, run, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, x, S->d);
    const double s = S->init_scale / sqrt((double)S->d);
    for (size_t i = 0; i < S->d; i++) x[i] *= s;
  } else {
    memset(x, 0, S->d * sizeof(double));
  }
  if (S->init_overlap != 0)
    for (size_t i = 0; i < S->d; i++) x[i] += S->init_overlap * S->teacher[i];
}

int glm_sgd_advance(const struct glm_sgd *S, struct glm_funcs *F, uint64_t run, double *x,
                    uint64_t k0, uint64_t k1, uint64_t *bad_step, const char **bad_what)
{
  const size_t d = S->d, B = S->batch;
  const double dd = (double)d, delta = S->ridge;
  double *a = x + d, *acc = a + d;
  struct hd_rng rf, rl;
  hd_rng_init(&rf, S->seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, S->seed, run, HD_STREAM_LABEL, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);
    hd_rng_seek(&rl, k);
    const double gamma = hd_schedule_lr((double)k / dd, S->schedule);
    const double c = gamma / (dd * (double)B), shrink = 1.0 - gamma * delta / dd;
    if (B > 1) memset(acc, 0, d * sizeof(double));
    for (size_t b = 0; b < B; b++) {
      /* a batch of 10^6 samples is seconds of work: SIGINT must not wait for it */
      if ((b & 1023) == 1023 && hd_interrupted()) return 0;
      hd_rng_normal_array_scaled(&rf, a, S->sqrt_lambda, d);
      const double tv[2] = {hd_dot(S->teacher, a, d), hd_rng_normal(&rl)};
      const double y = hd_formula_eval(F->target, tv);
      const double v[2] = {hd_dot(x, a, d), y};
      const double g = hd_formula_eval(F->dloss, v);
      if (!isfinite(g) || !isfinite(y)) {
        *bad_step = k;
        *bad_what = !isfinite(y) ? "target" : isfinite(v[0]) ? "d loss / d r" : "r";
        return 1;
      }
      if (B == 1) {
        const double cg = c * g;
        if (delta != 0)
          for (size_t i = 0; i < d; i++) x[i] = shrink * x[i] - cg * a[i];
        else
          for (size_t i = 0; i < d; i++) x[i] -= cg * a[i];
      } else {
        for (size_t i = 0; i < d; i++) acc[i] += g * a[i];
      }
    }
    if (B > 1)
      for (size_t i = 0; i < d; i++) x[i] = shrink * x[i] - c * acc[i];
  }
  return 0;
}
