/* grok_population.c — the population limit P -> infinity at infinite width (grok.md §2.6).
 * With wbar0 = 0, M0 = sigma^2 I and the centred predictor, u stays 0 and
 * M = a (I - P_par) + m P_par, P_par = betahat betahat^T, evolves by
 *     A_par = b* D - alpha eps (m - sigma^2),   A_perp = -alpha eps (a - sigma^2)
 *     TrA = A_par + (D - 1) A_perp
 *     g_par = -TrA/(2D^2) - A_par/D^2,   g_perp = -TrA/(2D^2) - A_perp/D^2
 *     dm/dt = -(4 eta0 eps/alpha) g_par m,   da/dt = -(4 eta0 eps/alpha) g_perp a   (§2.6)
 * (from G_pop = E[Delta x x^T] = -TrA I/(2D^2) - A/D^2 and c P = 2 eta0/alpha), with the
 * fixed point m* = sigma^2 + b* D/(alpha eps), a* = sigma^2, b* = s_y |beta|^2 / D.
 * Discrete GD on the population loss multiplies each direction by B^2, B = 1 + dt rate/2:
 *     m+ = (1 - (2 eta0 eps/alpha) g_par)^2 m,   a+ = (1 - (2 eta0 eps/alpha) g_perp)^2 a.
 * "train" is the population loss itself (there is no training set in this limit). */
#include <math.h>
#include <string.h>

#include "ode/grok_limit.h"

static void directions(const struct grok_limit *L, double m, double a, double *gpar, double *gperp)
{
  const struct grok_system *S = L->sys;
  double D = (double)S->D, ae = S->alpha * S->eps, s2 = S->sigma * S->sigma;
  double bstar = S->s_y * S->beta2 / D;
  double Apar = bstar * D - ae * (m - s2), Aperp = -ae * (a - s2);
  double trA = Apar + (D - 1) * Aperp;
  *gpar = -trA / (2 * D * D) - Apar / (D * D);
  *gperp = -trA / (2 * D * D) - Aperp / (D * D);
}

static double kappa(const struct grok_limit *L)
{
  return 2.0 * L->sys->eta0_eff * L->sys->eps / L->sys->alpha;
}

void grok_pop_rates(const struct grok_limit *L, double m, double a, double *dm, double *da)
{
  double gpar, gperp;
  directions(L, m, a, &gpar, &gperp);
  *dm = -2 * kappa(L) * gpar * m;
  *da = -2 * kappa(L) * gperp * a;
}

double grok_pop_fixed_point(const struct grok_limit *L)
{
  const struct grok_system *S = L->sys;
  double D = (double)S->D, bstar = S->s_y * S->beta2 / D;
  return S->sigma * S->sigma + bstar * D / (S->alpha * S->eps);
}

size_t grok_pop_dimension(const struct grok_limit *L)
{
  (void)L;
  return 2;
}

static int pop_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  grok_pop_rates(params, y[0], y[1], &dy[0], &dy[1]);
  return 0;
}

int grok_pop_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0)
{
  y0[0] = y0[1] = L->sys->sigma * L->sys->sigma;
  *sys = (struct hd_ode_system){.dimension = 2, .rhs = pop_rhs, .params = L};
  return 0;
}

void grok_pop_rec_step(const struct grok_limit *L, uint64_t k, double *y)
{
  (void)k;
  double gpar, gperp;
  directions(L, y[0], y[1], &gpar, &gperp);
  double bp = 1 - kappa(L) * gpar, bq = 1 - kappa(L) * gperp;
  y[0] *= bp * bp;
  y[1] *= bq * bq;
}

void grok_pop_observe(const struct grok_limit *L, const double *y, double *out)
{
  const struct grok_system *S = L->sys;
  size_t D = S->D;
  struct grok_work w = L->tw;
  double m = y[0], a = y[1], sig = S->sigma;
  /* M = a I + (m - a) betahat betahat^T */
  for (size_t i = 0; i < D; i++)
    for (size_t j = 0; j < D; j++)
      w.M[i * D + j] = (i == j ? a : 0.0) + (m - a) * S->beta[i] * S->beta[j] / S->beta2;
  /* U = sqrt(M / sigma^2) in both directions: |W - W0|^2/N = sum (sqrt(eig) - sigma)^2 */
  double move2 = (sqrt(m) - sig) * (sqrt(m) - sig) +
                 (double)(D - 1) * (sqrt(a) - sig) * (sqrt(a) - sig);
  grok_observe_moments(S, L->zero, w.M, L->zero, L->M0, move2, L->f0t, &w, out);
  out[GROK_OBS_TRAIN] = out[GROK_OBS_TEST_POP];
}

void grok_pop_rec_init(const struct grok_limit *L, double *y)
{
  y[0] = y[1] = L->sys->sigma * L->sys->sigma;
}
