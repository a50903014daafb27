/* sam_moments.c — exact moment theory of SGD / USAM on a quadratic with additive noise
 * (spec §3.1-3.3), and the full-batch flows (F1, F2) of DNSAM / SAM.
 *
 * In H's eigenbasis, with mu_i = lambda_i (1 + rho lambda_i), beta_i = 1 + rho lambda_i
 * (SGD: rho = 0) and Sigma~ already divided by the batch size:
 *   SDE  (O1) m_i'  = -mu_i m_i
 *        (O2) C_ij' = -(mu_i + mu_j) C_ij + eta Phi_ij Sigma~_ij,
 *             Phi_ij = beta_i beta_j (S1b, factor) or 1 + rho lambda_i + rho lambda_j (S1a)
 *   discrete USAM (U1) m_i <- a_i m_i,  (U2) C_ij <- a_i a_j C_ij + eta^2 beta_i beta_j Sigma~_ij,
 *             a_i = 1 - eta mu_i   (exact: Q2 is linear)
 *   (U3) E f = 1/2 sum_i lambda_i (C_ii + m_i^2).
 * State y = (m_0..m_{d-1}, C packed by rows of its upper triangle): the ODE's Jacobian is
 * diagonal, solved exactly by the engine's structured solver (rank 0).
 *
 * Noise-free DNSAM / SAM (g = grad f, so DNSAM = SAM): the flow (F2)
 *   x' = -(I + rho H / ||H x||) H x          state y = x,
 * the gradient flow of f + rho ||grad f||, which reaches the minimum in finite time (§3.6). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

/* packed offset of row i of the upper triangle: sum_{k<i} (d - k) */
static size_t row_off(size_t d, size_t i) { return i * d - i * (i - 1) / 2; }
#define IDX(d, i, j) ((d) + row_off(d, i) + ((j) - (i)))

size_t samq_moment_dimension(const struct samq_plan *P) { return P->d + P->d * (P->d + 1) / 2; }

void samq_moment_init(const struct samq_plan *P, double *y)
{
  size_t d = P->d;
  memset(y, 0, samq_moment_dimension(P) * sizeof *y);
  if (P->x0)
    for (size_t i = 0; i < d; i++) y[i] = P->x0[i];
  else
    for (size_t i = 0; i < d; i++) y[IDX(d, i, i)] = P->p.init_scale * P->p.init_scale;
}

/* Observables from E x_i^2 = s_i: a moment state (s_i = C_ii + m_i^2) or a point x
 * (moments = false, s_i = x_i^2). */
static void observe(const struct samq_plan *P, const double *y, bool moments, double *out)
{
  size_t d = P->d;
  double f = 0, n2 = 0, g2 = 0;
  for (size_t i = 0; i < d; i++) {
    double l = P->lambda[i], si = moments ? y[IDX(d, i, i)] + y[i] * y[i] : y[i] * y[i];
    f += l * si;
    n2 += si;
    g2 += l * l * si;
    if (P->p.per_direction) out[3 + i] = si;
  }
  out[0] = 0.5 * f;
  out[1] = n2;
  out[2] = g2;
}

void samq_moment_observe(const struct samq_plan *P, const double *y, double *out)
{
  observe(P, y, true, out);
}

void samq_point_observe(const struct samq_plan *P, const double *x, double *out)
{
  observe(P, x, false, out);
}

double sam_loglog_slope(const double *x, const double *y, int n)
{
  double mx = 0, my = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    mx += log(x[i]) / n;
    my += log(y[i]) / n;
  }
  for (int i = 0; i < n; i++) {
    sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    sxy += (log(x[i]) - mx) * (log(y[i]) - my);
  }
  return sxy / sxx;
}

/* ---- SDE moments (O1-O2) -------------------------------------------------------- */

static int moment_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  const struct samq_plan *P = params;
  size_t d = P->d;
  double eta = P->p.lr;
  for (size_t i = 0; i < d; i++) {
    double mi = samq_mu(P, i);
    dy[i] = -mi * y[i];
    for (size_t j = i; j < d; j++) {
      size_t k = IDX(d, i, j);
      dy[k] = -(mi + samq_mu(P, j)) * y[k] + eta * samq_noise_factor(P, i, j) * P->Sigma[i * d + j];
    }
  }
  return 0;
}

static int moment_jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  (void)t;
  (void)y;
  const struct samq_plan *P = params;
  size_t d = P->d;
  for (size_t i = 0; i < d; i++) {
    J->blocks[i] = -samq_mu(P, i);
    for (size_t j = i; j < d; j++) J->blocks[IDX(d, i, j)] = -(samq_mu(P, i) + samq_mu(P, j));
  }
  return 0;
}

void samq_ou_exact(const struct samq_plan *P, double t, double *y)
{
  size_t d = P->d;
  samq_moment_init(P, y);
  double eta = P->p.lr;
  for (size_t i = 0; i < d; i++) {
    double mi = samq_mu(P, i);
    y[i] *= exp(-mi * t);
    for (size_t j = i; j < d; j++) {
      size_t k = IDX(d, i, j);
      double s = mi + samq_mu(P, j);
      /* (1 - e^{-s t}) / s, continuous at s = 0 */
      double w = s != 0 ? -expm1(-s * t) / s : t;
      y[k] = exp(-s * t) * y[k] + eta * samq_noise_factor(P, i, j) * P->Sigma[i * d + j] * w;
    }
  }
}

/* ---- full-batch flow (F2) ------------------------------------------------------- */

static int flow_rhs(double t, const double *x, double *dx, void *params)
{
  (void)t;
  const struct samq_plan *P = params;
  double g2 = 0;
  for (size_t i = 0; i < P->d; i++) g2 += P->lambda[i] * P->lambda[i] * x[i] * x[i];
  double c = P->p.rho / (sqrt(g2) + P->p.norm_eps);
  for (size_t i = 0; i < P->d; i++) dx[i] = -(1 + c * P->lambda[i]) * P->lambda[i] * x[i];
  return 0;
}

size_t samq_ode_dimension(const void *plan)
{
  const struct samq_plan *P = plan;
  return samq_closed_moments(P) ? samq_moment_dimension(P) : P->d;
}

int samq_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct samq_plan *P = plan;
  memset(sys, 0, sizeof *sys);
  sys->params = P;
  if (samq_closed_moments(P)) {
    sys->dimension = samq_moment_dimension(P);
    sys->rhs = moment_rhs;
    sys->jac_structured = moment_jac;
    sys->block = 1;
    sys->rank = 0;
    samq_moment_init(P, y0);
  } else {
    sys->dimension = P->d;
    sys->rhs = flow_rhs;
    for (size_t i = 0; i < P->d; i++) y0[i] = P->x0 ? P->x0[i] : 0.0;
  }
  return 0;
}

void samq_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  const struct samq_plan *P = plan;
  if (samq_closed_moments(P)) {
    samq_moment_observe(P, y, out);
    return;
  }
  observe(P, y, false, out);
}

/* ---- exact discrete recursion (U1-U2) ------------------------------------------- */

size_t samq_recursion_dimension(const void *plan) { return samq_moment_dimension(plan); }
void samq_recursion_init(const void *plan, double *state) { samq_moment_init(plan, state); }

void samq_recursion_step(const void *plan, uint64_t k, double *y)
{
  (void)k;
  const struct samq_plan *P = plan;
  size_t d = P->d;
  double eta = P->p.lr, rho = P->p.algorithm == SAM_ALG_USAM ? P->p.rho : 0.0;
  for (size_t i = 0; i < d; i++) {
    double ai = 1 - eta * samq_mu(P, i), bi = 1 + rho * P->lambda[i];
    y[i] *= ai;
    for (size_t j = i; j < d; j++) {
      double aj = 1 - eta * samq_mu(P, j), bj = 1 + rho * P->lambda[j];
      size_t q = IDX(d, i, j);
      y[q] = ai * aj * y[q] + eta * eta * bi * bj * P->Sigma[i * d + j];
    }
  }
}

void samq_recursion_observe(const void *plan, const double *state, double *out)
{
  samq_moment_observe(plan, state, out);
}

/* ---- stationary losses (§3.3) --------------------------------------------------- */

double samq_stationary_loss_discrete(const struct samq_plan *P)
{
  double eta = P->p.lr, rho = P->p.algorithm == SAM_ALG_USAM ? P->p.rho : 0.0, s = 0;
  for (size_t i = 0; i < P->d; i++) {
    if (P->lambda[i] == 0) continue;
    double mu = samq_mu(P, i), beta = 1 + rho * P->lambda[i];
    if (!(mu > 0 && eta * mu < 2)) return NAN;
    s += beta * P->Sigma[i * P->d + i] / (2 - eta * mu);
  }
  return 0.5 * eta * s;
}

double samq_stationary_loss_sde(const struct samq_plan *P)
{
  double s = 0;
  for (size_t i = 0; i < P->d; i++) {
    if (P->lambda[i] == 0) continue;
    double mu = samq_mu(P, i);
    if (!(mu > 0)) return NAN;
    /* C_ii = eta Phi_ii Sigma_ii / (2 mu_i) */
    s += P->lambda[i] * P->p.lr * samq_noise_factor(P, i, i) * P->Sigma[i * P->d + i] / (2 * mu);
  }
  return 0.5 * s;
}

/* ---- weak error from closed forms (§3.4) ---------------------------------------- */

/* max_{k <= T/eta} |E f(x_k) - E f(X_{k eta})| with x_k from P's exact recursion (U1-U3)
 * and X from Q's exact OU moments (O1-O2).  P and Q must share d, eta and the start. */
double samq_weak_error_loss(const struct samq_plan *P, const struct samq_plan *Q, double T)
{
  size_t n = samq_moment_dimension(P);
  double *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z), a[3 + 64], b[3 + 64];
  samq_moment_init(P, y);
  double eta = P->p.lr, worst = 0;
  uint64_t K = (uint64_t)llround(T / eta);
  for (uint64_t k = 0; k <= K; k++) {
    samq_ou_exact(Q, (double)k * eta, z);
    samq_moment_observe(P, y, a);
    samq_moment_observe(Q, z, b);
    worst = fmax(worst, fabs(a[0] - b[0]));
    samq_recursion_step(P, k, y);
  }
  free(y);
  free(z);
  return worst;
}
