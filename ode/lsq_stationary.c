/* lsq_stationary.c — the t = infinity limit of the streaming least-squares ODE (LS-3,
 * with the injected noise of NS-4) in closed form: its fixed point
 * (docs/theory/lsq.md, "Stationary values"; the risk is NS-6 of docs/theory/noisy.md).
 *
 * With a constant gamma and no clipping the right-hand side is linear in the state given
 * R, so the fixed point is solved group by group in terms of R, and R itself from
 * R = (sum_g w_g lam_g a_g + sigma^2) / 2:
 *   b_g = -delta c_g / k_g,
 *   a_g = (delta^2 c_g / k_g + gamma lam_g R + gamma s_n^2 / 2) / k_g,   k_g = lam_g + delta,
 *   R   = (sum_g w_g lam_g delta^2 c_g / k_g^2 + gamma s_n^2 <lam/k> / 2 + sigma^2)
 *         / (2 - gamma <lam^2/k>),
 * s_n^2 = sigma_n^2 / B.  Clipped gradients (NS-12) make R enter the drift through
 * mu_c(R), so there is no closed form: returns 2, the engine's Newton on the ODE.  A group with k_g = 0 (lam = delta = 0) never moves without
 * injected noise (a_g stays at its start) and grows without bound with it.  It is stable
 * (every trajectory converges to it) exactly when gamma <lam^2/k> < 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ode/lsq_limit.h"

int lsq_stationary(const struct lsq_limit *L, double *out, char *note, size_t len)
{
  for (size_t o = 0; o < L->n_obs; o++) out[o] = NAN;
  if (L->schedule->kind != HD_SCHEDULE_CONSTANT) {
    snprintf(note, len, "none: the learning rate is not constant");
    return 0;
  }
  if (L->clip > 0) { /* autonomous at constant gamma: the engine's fixed point */
    snprintf(note, len, "NS-12 (clipped gradients)");
    return 2;
  }
  const double gamma = L->schedule->lr, delta = L->ridge;
  const double sn2 = L->noise * L->noise / (double)L->batch, s2 = L->label_noise * L->label_noise;
  double num = 0, a1 = 0, a2 = 0;
  for (size_t g = 0; g < L->n_groups; g++) {
    double lam = L->g_lambda[g], w = L->g_weight[g], k = lam + delta;
    if (!(k > 0)) continue;
    num += w * lam * delta * delta * L->g_c[g] / (k * k);
    a1 += w * lam / k;
    a2 += w * lam * lam / k;
  }
  double den = 2 - gamma * a2;
  if (!(den > 0)) {
    for (size_t o = 0; o < L->n_obs; o++) out[o] = INFINITY;
    snprintf(note, len,
             "the limit diverges: gamma <lambda^2/(lambda+delta)> = %.6g >= 2 (fixed point of "
             "LS-3 unstable)",
             gamma * a2);
    return 1;
  }
  double R = (num + 0.5 * gamma * sn2 * a1 + s2) / den;
  double *y = malloc(2 * L->n_groups * sizeof *y);
  if (!y) {
    snprintf(note, len, "none: out of memory");
    return 0;
  }
  lsq_recursion_init(L, y); /* the start, (b_g, a_g): kept by groups that never move */
  for (size_t g = 0; g < L->n_groups; g++) {
    double lam = L->g_lambda[g], c = L->g_c[g], k = lam + delta;
    if (!(k > 0)) {
      if (sn2 > 0) y[2 * g + 1] = INFINITY;
      continue;
    }
    y[2 * g] = -delta * c / k;
    y[2 * g + 1] = (delta * delta * c / k + gamma * lam * R + 0.5 * gamma * sn2) / k;
  }
  lsq_observe_state(L, y, 2, out);
  free(y);
  snprintf(note, len,
           "fixed point of LS-3%s in closed form (risk: NS-6); the d -> infinity limit at "
           "constant gamma = %.17g",
           sn2 > 0 ? " with injected noise NS-4" : "", gamma);
  return 1;
}
