/* grok_linear_estimator.c — the d_in -> infinity limit of the Levi et al. linear
 * estimator (grok.md §4.1): closed forms, the Marchenko-Pastur averages and the gradient
 * flow's one ODE.  See grok_linear_estimator.h for the model. */
#include "ode/grok_linear_estimator.h"

#include <math.h>

double gle_i1e(double x)
{
  if (x < 40) {
    double term = 0.5 * x, sum = term, q = 0.25 * x * x;
    for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
      term *= q / ((double)k * (double)(k + 1));
      sum += term;
    }
    return sum * exp(-x);
  }
  /* e^{-x} I_1(x) ~ (2 pi x)^{-1/2} sum_k (-1)^k prod_{j<=k} (4 - (2j-1)^2) / (8 j x)^k */
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 60; k++) {
    double f = -(4.0 - (double)((2 * k - 1) * (2 * k - 1))) / (8.0 * k * x);
    if (fabs(f) >= 1) break; /* the asymptotic series starts to diverge */
    term *= f;
    sum += term;
    if (fabs(term) < 1e-17 * fabs(sum)) break;
  }
  return sum / sqrt(2 * M_PI * x);
}

/* L_tr(t) = e^{-4 eta (1 - sqrt(lambda))^2 t} i1e(x) / (x/2),  x = 8 eta t sqrt(lambda) */
double gle_train_flow(double eta, double lambda, double t)
{
  if (t <= 0) return 1.0;
  double sl = sqrt(lambda), x = 8 * eta * t * sl;
  return exp(-4 * eta * (1 - sl) * (1 - sl) * t) * gle_i1e(x) / (0.5 * x);
}

/* With s = 1 + lambda + 2 sqrt(lambda) cos(theta), rho(s) ds = (2/pi) sin^2(theta) / s dtheta
 * on (0, pi): the midpoint rule on this periodic analytic integrand converges
 * exponentially. */
void gle_mp_average(double eta, double lambda, double t, bool gd, size_t nodes, double *train,
                    double *gen)
{
  double c = 1 + lambda, r = 2 * sqrt(lambda), h = M_PI / (double)nodes, st = 0, sg = 0;
  for (size_t j = 0; j < nodes; j++) {
    double th = h * ((double)j + 0.5), s = c + r * cos(th), sn = sin(th);
    double decay = gd ? pow(1 - 2 * eta * s, 2 * t) : exp(-4 * eta * s * t);
    st += decay * sn * sn;
    sg += s > 0 ? decay * sn * sn / s : 0.0;
  }
  *train = (2 / M_PI) * h * st;
  *gen = (2 / M_PI) * h * sg + (lambda > 1 ? 1 - 1 / lambda : 0.0); /* null space: never learned */
}

static int flow_rhs(double t, const double *y, double *dy, void *params)
{
  (void)y;
  const struct gle_limit *L = params;
  dy[0] = -4 * L->eta * gle_train_flow(L->eta, L->lambda, t);
  return 0;
}

int gle_flow_ode(struct gle_limit *L, struct hd_ode_system *sys, double *y0)
{
  y0[0] = 1.0;
  *sys = (struct hd_ode_system){.dimension = 1, .rhs = flow_rhs, .params = L};
  return 0;
}

void gle_gd_losses(const struct gle_limit *L, double t, double *train, double *gen)
{
  gle_mp_average(L->eta, L->lambda, t, true, L->nodes, train, gen);
}
