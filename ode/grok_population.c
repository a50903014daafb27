/* grok_population.c — the population limit P -> infinity at infinite width (spec §2.6).
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

#include "grok.h"

static void directions(const struct grok_plan *P, double m, double a, double *gpar,
                       double *gperp)
{
  double D = (double)P->D, ae = P->p.alpha * P->p.eps, s2 = P->p.sigma * P->p.sigma;
  double bstar = P->s_y * P->beta2 / D;
  double Apar = bstar * D - ae * (m - s2), Aperp = -ae * (a - s2);
  double trA = Apar + (D - 1) * Aperp;
  *gpar = -trA / (2 * D * D) - Apar / (D * D);
  *gperp = -trA / (2 * D * D) - Aperp / (D * D);
}

static double kappa(const struct grok_plan *P) { return 2.0 * P->eta0_eff * P->p.eps / P->p.alpha; }

void grok_pop_rates(const struct grok_plan *P, double m, double a, double *dm, double *da)
{
  double gpar, gperp;
  directions(P, m, a, &gpar, &gperp);
  *dm = -2 * kappa(P) * gpar * m;
  *da = -2 * kappa(P) * gperp * a;
}

double grok_pop_fixed_point(const struct grok_plan *P)
{
  double D = (double)P->D, bstar = P->s_y * P->beta2 / D;
  return P->p.sigma * P->p.sigma + bstar * D / (P->p.alpha * P->p.eps);
}

size_t grok_pop_dimension(const void *plan)
{
  (void)plan;
  return 2;
}

static int pop_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  grok_pop_rates(params, y[0], y[1], &dy[0], &dy[1]);
  return 0;
}

int grok_pop_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct grok_plan *P = plan;
  y0[0] = y0[1] = P->p.sigma * P->p.sigma;
  *sys = (struct hd_ode_system){.dimension = 2, .rhs = pop_rhs, .params = P};
  return 0;
}

void grok_pop_rec_step(const void *plan, uint64_t k, double *y)
{
  (void)k;
  const struct grok_plan *P = plan;
  double gpar, gperp;
  directions(P, y[0], y[1], &gpar, &gperp);
  double bp = 1 - kappa(P) * gpar, bq = 1 - kappa(P) * gperp;
  y[0] *= bp * bp;
  y[1] *= bq * bq;
}

void grok_pop_observe(const void *plan, const double *y, double *out)
{
  const struct grok_plan *P = plan;
  size_t D = P->D;
  struct grok_work w = P->tw;
  double m = y[0], a = y[1], sig = P->p.sigma;
  /* M = a I + (m - a) betahat betahat^T */
  for (size_t i = 0; i < D; i++)
    for (size_t j = 0; j < D; j++)
      w.M[i * D + j] = (i == j ? a : 0.0) + (m - a) * P->beta[i] * P->beta[j] / P->beta2;
  /* U = sqrt(M / sigma^2) in both directions: |W - W0|^2/N = sum (sqrt(eig) - sigma)^2 */
  double move2 = (sqrt(m) - sig) * (sqrt(m) - sig) + (double)(D - 1) * (sqrt(a) - sig) * (sqrt(a) - sig);
  grok_observe_moments(P, P->zero_D, w.M, P->zero_D, P->M0_inf, move2, P->f0t_inf, &w, out);
  out[GROK_OBS_TRAIN] = out[GROK_OBS_TEST_POP];
}

void grok_pop_rec_init(const void *plan, double *y)
{
  const struct grok_plan *P = plan;
  y[0] = y[1] = P->p.sigma * P->p.sigma;
}
