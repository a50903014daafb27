/* sam_streaming.c — the d -> infinity ODEs (H4)-(H8) of SGD / USAM / DNSAM / SAM on
 * streaming least squares, their Jacobian for the engine's diagonal-plus-low-rank solver
 * (§4.7), observables and the stationary closed forms (§4.4). */
#include "ode/sam_streaming.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ---- coefficients of H4-H8 ---------------------------------------------------- */

void sams_coefficients(const struct sams_system *S, double v, double G2, struct sams_coef *c)
{
  const double B = (double)S->batch, rb = S->rho_bar, tau = S->tau;
  const bool exact = S->form == SAMS_FORM_EXACT;
  memset(c, 0, sizeof *c);
  switch (S->algorithm) {
  case SAM_ALG_SGD: /* (H4) */
    c->A = 1;
    c->Q = v / B;
    c->Q_v = 1 / B;
    break;
  case SAM_ALG_USAM: { /* (H5): gamma -> gamma (1 + rho_bar tau / B); truncated: the noise
                        * factor is 1 + 2 rho_bar tau / B instead of its square (§4.5) */
    double u = 1 + rb * tau / B, q = exact ? u * u : 2 * u - 1;
    c->A = u;
    c->Q = q * v / B;
    c->Q_v = q / B;
    break;
  }
  case SAM_ALG_DNSAM: { /* (H6): gamma_D = gamma (1 + rho_bar tau / (B G)) */
    double G = sqrt(G2), u = 1 + rb * tau / (B * G), u_G2 = -0.5 * rb * tau / (B * G * G2);
    double q = exact ? u * u : 2 * u - 1, dq = exact ? 2 * u : 2;
    c->A = u;
    c->A_G2 = u_G2;
    c->Q = q * v / B;
    c->Q_v = q / B;
    c->Q_G2 = dq * u_G2 * v / B;
    break;
  }
  case SAM_ALG_SAM: { /* (H7) B = 1, (H8) B > 1; c = rho_bar sqrt(tau) */
    double cc = rb * sqrt(tau), k1, k2;
    if (S->batch == 1) {
      k1 = k2 = sqrt(2 / M_PI);
    } else {
      double mum1 = exp(lgamma((B - 1) / 2) - lgamma(B / 2)) / sqrt(2.0); /* E 1/chi_B */
      double mu1 = sqrt(2.0) * exp(lgamma((B + 1) / 2) - lgamma(B / 2));  /* E chi_B */
      k1 = (1 - 1 / B) * mum1;
      k2 = mu1 / B;
    }
    double sv = sqrt(v);
    c->A = 1 + cc * k1 / sv;
    c->A_v = -0.5 * cc * k1 / (v * sv);
    c->Q = (v + 2 * cc * k2 * sv + (exact ? cc * cc / B : 0.0)) / B; /* N(v) / B */
    c->Q_v = (1 + cc * k2 / sv) / B;                                 /* N'(v) = M(v) */
    break;
  }
  }
}

static void moments(const struct sams_system *S, const double *a, double *v, double *G2, double *r2)
{
  double s1 = 0, s2 = 0, s0 = 0;
  for (size_t g = 0; g < S->n_groups; g++) {
    double wl = S->g_weight[g] * S->g_lambda[g];
    s0 += S->g_weight[g] * a[g];
    s1 += wl * a[g];
    s2 += wl * S->g_lambda[g] * a[g];
  }
  *v = s1 + S->label_noise * S->label_noise;
  *G2 = s2;
  if (r2) *r2 = s0;
}

static int sams_rhs(double t, const double *a, double *da, void *params)
{
  (void)t;
  const struct sams_system *S = params;
  double v, G2, gam = S->lr;
  struct sams_coef c;
  moments(S, a, &v, &G2, NULL);
  if (!(v > 0) || !(G2 > 0)) return 1; /* recoverable: CVODE retries with a smaller step */
  sams_coefficients(S, v, G2, &c);
  for (size_t g = 0; g < S->n_groups; g++) {
    double l = S->g_lambda[g];
    da[g] = -2 * gam * l * a[g] * c.A + gam * gam * l * c.Q;
  }
  return 0;
}

/* J = diag(-2 gamma lambda_g A) + U1 V1^T + U2 V2^T (sam.md §4.6–4.7: rank 1, rank 2 for DNSAM):
 * U1_g = lambda_g (-2 gamma a_g A_v + gamma^2 Q_v),    V1_h = w_h lambda_h      (through v)
 * U2_g = lambda_g (-2 gamma a_g A_G2 + gamma^2 Q_G2),  V2_h = w_h lambda_h^2    (through G^2) */
static int sams_jac(double t, const double *a, struct hd_sjac *J, void *params)
{
  (void)t;
  const struct sams_system *S = params;
  double v, G2, gam = S->lr;
  struct sams_coef c;
  moments(S, a, &v, &G2, NULL);
  if (!(v > 0) || !(G2 > 0)) return 1;
  sams_coefficients(S, v, G2, &c);
  size_t n = S->n_groups;
  for (size_t g = 0; g < n; g++) {
    double l = S->g_lambda[g];
    double u1 = l * (-2 * gam * a[g] * c.A_v + gam * gam * c.Q_v);
    double u2 = l * (-2 * gam * a[g] * c.A_G2 + gam * gam * c.Q_G2);
    double v1 = S->g_weight[g] * l, v2 = S->g_weight[g] * l * l;
    J->blocks[g] = -2 * gam * l * c.A;
    if (J->rank == 0) { /* a single group (isotropic): the 1 x 1 Jacobian in full */
      J->blocks[g] += u1 * v1 + u2 * v2;
      continue;
    }
    J->U[g] = u1;
    J->U[n + g] = u2;
    J->V[g] = v1;
    J->V[n + g] = v2;
  }
  return 0;
}

void sams_initial(const struct sams_system *S, double *a)
{
  for (size_t g = 0; g < S->n_groups; g++) a[g] = S->g_c[g]; /* theta_0 = 0: D_i = theta*_i^2 */
}

void sams_ode_fill(const struct sams_system *S, struct hd_ode_system *sys, double *y0)
{
  memset(sys, 0, sizeof *sys);
  sys->dimension = S->n_groups;
  sys->rhs = sams_rhs;
  sys->jac_structured = sams_jac;
  sys->block = 1;
  sys->rank = S->n_groups >= 2 ? 2 : 0;
  sys->params = (void *)S; /* read-only: the right-hand sides take it as const */
  sams_initial(S, y0);
}

/* risk, distance, grad_sq, effective step gamma A(v, G^2) */
void sams_observe_moments(const struct sams_system *S, double v, double G2, double r2, double *out)
{
  struct sams_coef c;
  sams_coefficients(S, v, G2, &c);
  out[0] = 0.5 * v;
  out[1] = r2;
  out[2] = G2;
  out[3] = S->lr * c.A;
}

void sams_observe(const struct sams_system *S, const double *a, double *out)
{
  double v, G2, r2;
  moments(S, a, &v, &G2, &r2);
  sams_observe_moments(S, v, G2, r2, out);
}

/* ---- stationary closed forms (§4.4) -------------------------------------------- */

double sams_stationary_risk(const struct sams_system *S)
{
  const double s2 = S->label_noise * S->label_noise;
  const double gam = S->lr, tau = S->tau, kap = gam * tau / 2;
  struct sams_coef c;
  switch (S->algorithm) {
  case SAM_ALG_SGD:
  case SAM_ALG_USAM: { /* v = sigma^2 / (1 - gamma_e tau / (2B)) with the noise factor q */
    sams_coefficients(S, 1.0, 1.0, &c); /* A = gamma_e / gamma, Q(1) = q / B */
    double den = 1 - gam * tau * c.Q / (2 * c.A);
    return den > 0 ? 0.5 * s2 / den : NAN;
  }
  case SAM_ALG_SAM: { /* v - sigma^2 = kappa N(v) / M(v): bisection (monotone for kappa < 1) */
    if (S->batch != 1 || !(kap < 1)) return NAN;
    if (s2 == 0 && S->form == SAMS_FORM_TRUNCATED) return 0.0; /* §4.5: no c^2 floor */
    double lo = s2 > 0 ? s2 : 1e-300, hi = fmax(1.0, 4 * s2);
    for (int it = 0; it < 200; it++) {
      sams_coefficients(S, hi, 1.0, &c);
      if (hi - s2 - kap * c.Q / c.A > 0) break;
      hi *= 2;
    }
    for (int it = 0; it < 200; it++) {
      double mid = 0.5 * (lo + hi);
      sams_coefficients(S, mid, 1.0, &c);
      if (mid - s2 - kap * c.Q / c.A > 0) hi = mid;
      else lo = mid;
    }
    return 0.25 * (lo + hi);
  }
  case SAM_ALG_DNSAM:
    if (S->batch != 1 || !(gam * tau < 2) || S->form != SAMS_FORM_EXACT) return NAN;
    if (s2 == 0) { /* edge-of-stability lock: gamma_D -> 2/tau */
      double Ginf = S->rho_bar * tau / (2 / (gam * tau) - 1);
      return 0.5 * tau * Ginf * Ginf / S->kappa2;
    }
    { /* sigma > 0: gamma_D = gamma (1 + rho_bar tau / G), G^2 = gamma_D v kappa_2 / 2,
       * v = sigma^2 / (1 - gamma_D tau / 2): the residual below increases from < 0 at
       * gamma_D = gamma to +infinity at 2/tau, so bisection finds the unique root. */
      double lo = gam, hi = 2 / tau;
      for (int it = 0; it < 200; it++) {
        double gd = 0.5 * (lo + hi), v = s2 / (1 - gd * tau / 2);
        double G = sqrt(gd * v * S->kappa2 / 2);
        if (gd - gam * (1 + S->rho_bar * tau / G) > 0) hi = gd;
        else lo = gd;
      }
      double gd = 0.5 * (lo + hi);
      return 0.5 * s2 / (1 - gd * tau / 2);
    }
  }
  return NAN;
}
