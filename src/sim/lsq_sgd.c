/* lsq_sgd.c — the real algorithm for streaming least squares: one-pass SGD (LS-1) at
 * dimension d, one run at a time.  The hot loop lives in lsq_kernel.c (noisy SGD with
 * injected noise, clipping, mini-batches or a fixed dataset: noisy_kernel.c, NS-1); this
 * file sets a run's initial point and reads its observables off e = theta - theta*. */
#include <math.h>
#include <string.h>

#include "../../ode/lsq.h"
#include "rng.h"

size_t lsq_sim_state_size(const void *plan)
{
  const struct lsq_plan *P = plan;
  if (P->noisy_kernel) return P->d * sizeof(double) + hd_noisy_kernel_work_bytes(P->noisy);
  return (P->d + hd_lsq_kernel_work_size(&P->kernel)) * sizeof(double);
}

/* theta_0 = 0, or theta_0 ~ N(0, sigma_0^2 / d I) from the run's own INIT stream, or the
 * fixed theta_0 of the plan (one draw per seed, shared by all runs: the paper's case). */
void lsq_sim_start(const void *plan, uint64_t run, void *state)
{
  const struct lsq_plan *P = plan;
  double *e = state;
  size_t d = P->d;
  if (P->noisy_kernel) hd_noisy_kernel_start(P->noisy, e + d);
  if (P->p.init == LSQ_INIT_FIXED) {
    for (size_t i = 0; i < d; i++) e[i] = P->theta_0[i] - P->theta_star[i];
  } else if (P->p.init == LSQ_INIT_RANDOM) {
    struct hd_rng r;
    hd_rng_init(&r, P->seed, run, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, e, d);
    double s = P->p.init_scale / sqrt((double)d);
    for (size_t i = 0; i < d; i++) e[i] = s * e[i] - P->theta_star[i];
  } else {
    for (size_t i = 0; i < d; i++) e[i] = -P->theta_star[i];
  }
}

int lsq_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step)
{
  const struct lsq_plan *P = plan;
  double *e = state;
  if (P->noisy_kernel)
    return hd_noisy_kernel_advance(P->noisy, P->seed, run, e, e + P->d, k0, k1, bad_step);
  return hd_lsq_kernel_advance(&P->kernel, P->seed, run, e, e + P->d, k0, k1, bad_step);
}

/* risk = 1/2 (sum lambda_i e_i^2 + sigma^2) (the exact population risk of theta),
 * distance = ||e||^2, band shares of the distance. */
void lsq_sim_observe(const void *plan, const void *state, double *out)
{
  const struct lsq_plan *P = plan;
  const double *e = state;
  double r = 0, D = 0;
  if (P->n_bands > 1) memset(out + 2, 0, P->n_bands * sizeof(double));
  for (size_t i = 0; i < P->d; i++) {
    double e2 = e[i] * e[i];
    r += P->lambda[i] * e2;
    D += e2;
    if (P->n_bands > 1) out[2 + P->mode_band[i]] += e2;
  }
  out[0] = 0.5 * (r + P->p.label_noise * P->p.label_noise);
  out[1] = D;
}
