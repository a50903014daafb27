/* noisy_theory.c — closed forms and the mean/variance split of the noisy_sgd risk
 * (docs/theory/noisy.md §2.2, §2.4).  Notation: mu_i = sqrt(d) E e_i, c_i = Var part,
 * p_i = sqrt(d) theta*_i, <f> = (1/d) sum_i f_i, Gamma(t) = int_0^t gamma. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode/noisy_privacy.h"

/* mean of the group's mu(0)^2 and p mu(0) (lsq.c's initial values) */
static void group_init(const struct lsq_limit *P, size_t g, double *m00, double *m0p)
{
  if (P->theta_0) {
    *m00 = P->g_m00[g];
    *m0p = P->g_m0p[g];
  } else { /* theta_0 = 0 or random: mean mu(0) = -p */
    *m00 = P->g_c[g];
    *m0p = -P->g_c[g];
  }
}

static double c_initial(const struct lsq_limit *P)
{
  return P->init == LSQ_INIT_RANDOM ? P->init_scale * P->init_scale : 0.0;
}

double noisy_mu0(const struct lsq_limit *P, size_t i)
{
  double sd = sqrt((double)P->d);
  return P->theta_0 ? sd * (P->theta_0[i] - P->theta_star[i]) : -sd * P->theta_star[i];
}

void noisy_mean_factors(const struct lsq_limit *P, double Gamma, double lam, double *phi,
                        double *psi)
{
  double k = lam + P->ridge;
  *phi = exp(-k * Gamma);
  *psi = k > 0 ? -P->ridge / k * -expm1(-k * Gamma) : 0.0;
}

static double noise2(const struct lsq_limit *P) { return P->noise * P->noise / (double)P->batch; }

double noisy_stationary_risk(const struct lsq_limit *P) /* (NS-6) */
{
  if (P->schedule->kind != HD_SCHEDULE_CONSTANT || P->clip > 0) return NAN;
  double gamma = P->schedule->lr, delta = P->ridge, num = 0, a1 = 0, a2 = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], w = P->g_weight[g], k = lam + delta;
    if (!(k > 0)) continue; /* lambda = delta = 0: a flat direction, no risk contribution */
    num += w * lam * delta * delta * P->g_c[g] / (k * k);
    a1 += w * lam / k;
    a2 += w * lam * lam / k;
  }
  double den = 2 - gamma * a2;
  if (!(den > 0)) return INFINITY;
  return (num + 0.5 * gamma * noise2(P) * a1 + P->label_noise * P->label_noise) / den;
}

double noisy_ridge_reference(const struct lsq_limit *P)
{
  double delta = P->ridge, s = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], k = lam + delta;
    if (k > 0) s += P->g_weight[g] * lam * delta * delta * P->g_c[g] / (k * k);
  }
  return 0.5 * (s + P->label_noise * P->label_noise);
}

/* Phi(x, y; t) = (e^{-xt} - e^{-yt}) / (y - x), in the expm1 form of docs/theory/noisy.md. */
static double Phi(double x, double y, double t)
{
  if (y == x) return t * exp(-x * t);
  return exp(-x * t) * -expm1(-(y - x) * t) / (y - x);
}

double noisy_isotropic_risk(const struct lsq_limit *P, double t) /* (NS-7) */
{
  if (P->n_groups != 1 || P->schedule->kind != HD_SCHEDULE_CONSTANT || P->clip > 0) return NAN;
  double lam = P->g_lambda[0], gamma = P->schedule->lr, delta = P->ridge,
         se2 = P->label_noise * P->label_noise;
  double rho = gamma * (lam + delta), kappa = 2 * rho - gamma * gamma * lam * lam;
  double m00, m0p, cpp = P->g_c[0];
  group_init(P, 0, &m00, &m0p);
  double beta = lam + delta > 0 ? -delta / (lam + delta) : 0; /* b_i = beta p_i */
  double A0 = beta * beta * cpp, mb = beta * m0p;             /* <b^2>, <mu0 b> */
  double A2 = m00 - 2 * mb + A0, A1 = mb - A0;
  double B = A2 * exp(-2 * rho * t) + 2 * A1 * exp(-rho * t) + A0;
  double F0 = lam * lam * A0 + lam * se2 + noise2(P);
  double c = exp(-kappa * t) * c_initial(P) +
             gamma * gamma *
                 (F0 * (kappa != 0 ? -expm1(-kappa * t) / kappa : t) +
                  lam * lam * A2 * Phi(2 * rho, kappa, t) +
                  2 * lam * lam * A1 * Phi(rho, kappa, t));
  return 0.5 * (lam * (B + c) + se2);
}

/* ---- the c-form (NS-4') ---------------------------------------------------------- */

struct cform {
  const struct lsq_limit *P;
};

/* 2 R_b = <lambda mu^2> + sigma_eps^2 at Gamma. */
static double two_bias(const struct lsq_limit *P, double Gamma)
{
  double s = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], phi, psi, m00, m0p;
    noisy_mean_factors(P, Gamma, lam, &phi, &psi);
    group_init(P, g, &m00, &m0p);
    s += P->g_weight[g] * lam * (phi * phi * m00 + 2 * phi * psi * m0p + psi * psi * P->g_c[g]);
  }
  return s + P->label_noise * P->label_noise;
}

static double two_risk(const struct lsq_limit *P, double t, const double *c)
{
  double s = 0;
  for (size_t g = 0; g < P->n_groups; g++) s += P->g_weight[g] * P->g_lambda[g] * c[g];
  return two_bias(P, hd_schedule_integral(t, P->schedule)) + s;
}

/* dc_g/dt = -2 gamma (lambda_g + delta) c_g + 2 gamma^2 lambda_g R + gamma^2 sigma^2 / B */
static int cform_rhs(double t, const double *c, double *dc, void *params)
{
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule), R = 0.5 * two_risk(P, t, c);
  double forcing = gamma * gamma * noise2(P);
  for (size_t g = 0; g < P->n_groups; g++)
    dc[g] = -2 * gamma * (P->g_lambda[g] + P->ridge) * c[g] +
            2 * gamma * gamma * P->g_lambda[g] * R + forcing;
  return 0;
}

/* J = diag(-2 gamma (lambda + delta)) + u v^T, u = 2 gamma^2 lambda, v = w lambda / 2 */
static int cform_jac(double t, const double *c, struct hd_sjac *J, void *params)
{
  (void)c;
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule);
  for (size_t g = 0; g < P->n_groups; g++) {
    J->blocks[g] = -2 * gamma * (P->g_lambda[g] + P->ridge);
    J->U[g] = 2 * gamma * gamma * P->g_lambda[g];
    J->V[g] = 0.5 * P->g_weight[g] * P->g_lambda[g];
  }
  return 0;
}

struct path_ctx {
  const struct lsq_limit *P;
  double *c, *risk, *bias;
};

static int path_out(size_t k, double t, const double *y, void *ctx)
{
  struct path_ctx *x = ctx;
  size_t G = x->P->n_groups;
  memcpy(x->c + k * G, y, G * sizeof(double));
  double tb = two_bias(x->P, hd_schedule_integral(t, x->P->schedule));
  if (x->bias) x->bias[k] = 0.5 * tb;
  if (x->risk) x->risk[k] = 0.5 * two_risk(x->P, t, y);
  return 0;
}

int noisy_variance_path(const struct lsq_limit *P, const struct hd_run_params *run, const double *t,
                        size_t n_t, double *c, double *risk, double *bias, char *msg, size_t msglen)
{
  size_t G = P->n_groups;
  double *y0 = malloc(G * sizeof *y0);
  for (size_t g = 0; g < G; g++) y0[g] = c_initial(P);
  struct hd_ode_system sys = {.dimension = G,
                              .rhs = cform_rhs,
                              .jac_structured = cform_jac,
                              .block = 1,
                              .rank = 1,
                              .breakpoints = P->n_breakpoints ? P->breakpoints : NULL,
                              .n_breakpoints = P->n_breakpoints,
                              .params = (void *)P};
  struct hd_integrate_opts opts = {
      .rtol = run->rtol, .atol = run->atol, .max_steps = run->max_steps, .linsol = HD_LINSOL_AUTO};
  struct path_ctx ctx = {P, c, risk, bias};
  struct hd_integrate_stats st;
  int rc = 0;
  if (n_t == 1 || (n_t > 0 && t[0] == t[n_t - 1])) { /* only t[0]: no integration needed */
    path_out(0, t[0], y0, &ctx);
  } else if (t[0] > 0) { /* integrate from 0 and drop the first output */
    double *tt = malloc((n_t + 1) * sizeof *tt);
    tt[0] = 0;
    memcpy(tt + 1, t, n_t * sizeof *t);
    double *cc = malloc((n_t + 1) * G * sizeof *cc), *rr = malloc((n_t + 1) * sizeof *rr),
           *bb = malloc((n_t + 1) * sizeof *bb);
    struct path_ctx c2 = {P, cc, rr, bb};
    rc = hd_integrate(&sys, y0, tt, n_t + 1, &opts, path_out, &c2, &st);
    memcpy(c, cc + G, n_t * G * sizeof *c);
    if (risk) memcpy(risk, rr + 1, n_t * sizeof *rr);
    if (bias) memcpy(bias, bb + 1, n_t * sizeof *bb);
    free(tt), free(cc), free(rr), free(bb);
  } else {
    rc = hd_integrate(&sys, y0, t, n_t, &opts, path_out, &ctx, &st);
  }
  free(y0);
  if (rc != 0) {
    snprintf(msg, msglen, "variance ODE (NS-4') failed at t = %g: %s", st.t_fail, st.message);
    return -1;
  }
  return 0;
}
