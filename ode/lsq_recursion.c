/* lsq_recursion.c — the exact finite-d moment recursion (docs/theory/noisy.md §2.1,
 * NS-2, with injected noise sigma = 0), per eigen-group.  Exact in expectation at every
 * d, with no O(1/d) bias: the sharpest reference for the simulator.
 *
 * In the ODE's normalisation (a = d <v>, b = d <theta* m>, c = d <theta*^2>), with
 * eta = gamma(k/d)/d and alpha_g = 1 - eta (lambda_g + delta):
 *   b_g' = alpha_g b_g - eta delta c_g
 *   a_g' = [alpha_g^2 + (m4 - 2) eta^2 lambda_g^2] a_g + eta^2 lambda_g d (2 R_k)
 *          + eta^2 delta^2 c_g - 2 eta delta alpha_g b_g                         (NS-2)
 *   R_k  = 1/2 ( sum_g w_g lambda_g a_g + sigma_eps^2 )
 * (2R d eta^2 lambda collects eta^2 lambda_i sum_j lambda_j v_j and eta^2 lambda_i
 * sigma_eps^2 of NS-2.)  m4 = E z^4: 3 for Gaussian features, 1 for Rademacher.
 *
 * Noisy SGD extends it (docs/theory/noisy.md §1.2): with mini-batch B the step is
 * eta = gamma(kB/d) B / d, the data variance terms are averaged over the batch (divided by
 * B), and the injected noise (eta sigma_n / B) xi adds d eta^2 sigma_n^2 / B^2 to a_g.
 * B = 1, sigma_n = 0 is bit-for-bit the streaming recursion above. */
#include "ode/lsq_limit.h"

size_t lsq_recursion_dimension(const struct lsq_limit *L)
{
  return 2 * L->n_groups; /* (b_g, a_g) */
}

void lsq_recursion_step(const struct lsq_limit *P, uint64_t k, double *y)
{
  double d = (double)P->d, Bt = (double)P->batch;
  double eta = hd_schedule_lr((double)(k * P->batch) / d, P->schedule) / d * Bt;
  double delta = P->ridge;
  double noise = P->noise != 0 ? d * eta * eta * P->noise * P->noise / (Bt * Bt) : 0.0;
  double s2 = 0;
  for (size_t g = 0; g < P->n_groups; g++) s2 += P->g_weight[g] * P->g_lambda[g] * y[2 * g + 1];
  double twoR = s2 + P->label_noise * P->label_noise;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], b = y[2 * g], a = y[2 * g + 1], c = P->g_c[g];
    double al = 1 - eta * (lam + delta);
    y[2 * g] = al * b - eta * delta * c;
    y[2 * g + 1] = (al * al + (P->m4 - 2) * eta * eta * lam * lam / Bt) * a +
                   eta * eta * lam * d * twoR / Bt + eta * eta * delta * delta * c -
                   2 * eta * delta * al * b;
    if (noise != 0.0) y[2 * g + 1] += noise;
  }
}

void lsq_recursion_observe(const struct lsq_limit *L, const double *state, double *out)
{
  lsq_observe_state(L, state, 2, out);
}
