/* sam_quadratic_moments.c — exact moment theory of SGD / USAM on a quadratic with additive
 * noise (docs/theory/sam.md §3.1-3.3), and the full-batch flows (F1, F2) of DNSAM / SAM.
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

#include "sde/sam_quadratic.h"

double samq_mu(const struct samq_system *Q, size_t i)
{
  double l = Q->lambda[i];
  return Q->algorithm == SAM_ALG_USAM ? l * (1 + Q->rho * l) : l;
}

/* Phi_ij / Sigma~_ij of the SDE's diffusion in the eigenbasis: beta_i beta_j (S1b), or
 * 1 + rho lambda_i + rho lambda_j (S1a); 1 for SGD (S0). */
double samq_noise_factor(const struct samq_system *Q, size_t i, size_t j)
{
  if (Q->algorithm != SAM_ALG_USAM) return 1.0;
  double r = Q->rho, li = Q->lambda[i], lj = Q->lambda[j];
  return Q->diffusion == SAMQ_DIFF_FACTOR ? (1 + r * li) * (1 + r * lj) : 1 + r * li + r * lj;
}

bool samq_closed_moments(const struct samq_system *Q)
{
  return Q->algorithm == SAM_ALG_SGD || Q->algorithm == SAM_ALG_USAM;
}

/* packed offset of row i of the upper triangle: sum_{k<i} (d - k) */
static size_t row_off(size_t d, size_t i) { return i * d - i * (i - 1) / 2; }
#define IDX(d, i, j) ((d) + row_off(d, i) + ((j) - (i)))

size_t samq_moment_dimension(const struct samq_system *Q) { return Q->d + Q->d * (Q->d + 1) / 2; }

void samq_moment_init(const struct samq_system *Q, double *y)
{
  size_t d = Q->d;
  memset(y, 0, samq_moment_dimension(Q) * sizeof *y);
  if (Q->x0)
    for (size_t i = 0; i < d; i++) y[i] = Q->x0[i];
  else
    for (size_t i = 0; i < d; i++) y[IDX(d, i, i)] = Q->init_scale * Q->init_scale;
}

/* Observables from E x_i^2 = s_i: a moment state (s_i = C_ii + m_i^2) or a point x
 * (moments = false, s_i = x_i^2). */
static void observe(const struct samq_system *Q, const double *y, bool moments, double *out)
{
  size_t d = Q->d;
  double f = 0, n2 = 0, g2 = 0;
  for (size_t i = 0; i < d; i++) {
    double l = Q->lambda[i], si = moments ? y[IDX(d, i, i)] + y[i] * y[i] : y[i] * y[i];
    f += l * si;
    n2 += si;
    g2 += l * l * si;
    if (Q->per_direction) out[3 + i] = si;
  }
  out[0] = 0.5 * f;
  out[1] = n2;
  out[2] = g2;
}

void samq_moment_observe(const struct samq_system *Q, const double *y, double *out)
{
  observe(Q, y, true, out);
}

void samq_point_observe(const struct samq_system *Q, const double *x, double *out)
{
  observe(Q, x, false, out);
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
  const struct samq_system *Q = params;
  size_t d = Q->d;
  double eta = Q->lr;
  for (size_t i = 0; i < d; i++) {
    double mi = samq_mu(Q, i);
    dy[i] = -mi * y[i];
    for (size_t j = i; j < d; j++) {
      size_t k = IDX(d, i, j);
      dy[k] = -(mi + samq_mu(Q, j)) * y[k] + eta * samq_noise_factor(Q, i, j) * Q->Sigma[i * d + j];
    }
  }
  return 0;
}

static int moment_jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  (void)t;
  (void)y;
  const struct samq_system *Q = params;
  size_t d = Q->d;
  for (size_t i = 0; i < d; i++) {
    J->blocks[i] = -samq_mu(Q, i);
    for (size_t j = i; j < d; j++) J->blocks[IDX(d, i, j)] = -(samq_mu(Q, i) + samq_mu(Q, j));
  }
  return 0;
}

void samq_ou_exact(const struct samq_system *Q, double t, double *y)
{
  size_t d = Q->d;
  samq_moment_init(Q, y);
  double eta = Q->lr;
  for (size_t i = 0; i < d; i++) {
    double mi = samq_mu(Q, i);
    y[i] *= exp(-mi * t);
    for (size_t j = i; j < d; j++) {
      size_t k = IDX(d, i, j);
      double s = mi + samq_mu(Q, j);
      /* (1 - e^{-s t}) / s, continuous at s = 0 */
      double w = s != 0 ? -expm1(-s * t) / s : t;
      y[k] = exp(-s * t) * y[k] + eta * samq_noise_factor(Q, i, j) * Q->Sigma[i * d + j] * w;
    }
  }
}

/* (O3) in the eigenbasis: m = 0 and C_ij = eta Phi_ij Sigma~_ij / (mu_i + mu_j), the
 * fixed point of O1-O2, stable exactly when every mu_i > 0. */
int samq_ou_stationary(const struct samq_system *Q, double *y, size_t *bad)
{
  size_t d = Q->d;
  for (size_t i = 0; i < d; i++)
    if (!(samq_mu(Q, i) > 0)) {
      *bad = i;
      return -1;
    }
  double eta = Q->lr;
  for (size_t i = 0; i < d; i++) {
    y[i] = 0;
    for (size_t j = i; j < d; j++)
      y[IDX(d, i, j)] = eta * samq_noise_factor(Q, i, j) * Q->Sigma[i * d + j] /
                        (samq_mu(Q, i) + samq_mu(Q, j));
  }
  return 0;
}

/* ---- full-batch flow (F2) ------------------------------------------------------- */

static int flow_rhs(double t, const double *x, double *dx, void *params)
{
  (void)t;
  const struct samq_system *Q = params;
  double g2 = 0;
  for (size_t i = 0; i < Q->d; i++) g2 += Q->lambda[i] * Q->lambda[i] * x[i] * x[i];
  double c = Q->rho / (sqrt(g2) + Q->norm_eps);
  for (size_t i = 0; i < Q->d; i++) dx[i] = -(1 + c * Q->lambda[i]) * Q->lambda[i] * x[i];
  return 0;
}

size_t samq_ode_dimension(const struct samq_system *Q)
{
  return samq_closed_moments(Q) ? samq_moment_dimension(Q) : Q->d;
}

void samq_ode_fill(const struct samq_system *Q, struct hd_ode_system *sys, double *y0)
{
  memset(sys, 0, sizeof *sys);
  sys->params = (void *)Q; /* read-only: the right-hand sides take it as const */
  if (samq_closed_moments(Q)) {
    sys->dimension = samq_moment_dimension(Q);
    sys->rhs = moment_rhs;
    sys->jac_structured = moment_jac;
    sys->block = 1;
    sys->rank = 0;
    samq_moment_init(Q, y0);
  } else {
    sys->dimension = Q->d;
    sys->rhs = flow_rhs;
    for (size_t i = 0; i < Q->d; i++) y0[i] = Q->x0 ? Q->x0[i] : 0.0;
  }
}

void samq_ode_observe(const struct samq_system *Q, const double *y, double *out)
{
  if (samq_closed_moments(Q)) {
    samq_moment_observe(Q, y, out);
    return;
  }
  observe(Q, y, false, out);
}

/* ---- exact discrete recursion (U1-U2) ------------------------------------------- */

void samq_recursion_step(const struct samq_system *Q, double *y)
{
  size_t d = Q->d;
  double eta = Q->lr, rho = Q->algorithm == SAM_ALG_USAM ? Q->rho : 0.0;
  for (size_t i = 0; i < d; i++) {
    double ai = 1 - eta * samq_mu(Q, i), bi = 1 + rho * Q->lambda[i];
    y[i] *= ai;
    for (size_t j = i; j < d; j++) {
      double aj = 1 - eta * samq_mu(Q, j), bj = 1 + rho * Q->lambda[j];
      size_t q = IDX(d, i, j);
      y[q] = ai * aj * y[q] + eta * eta * bi * bj * Q->Sigma[i * d + j];
    }
  }
}

/* ---- stationary losses (§3.3) --------------------------------------------------- */

double samq_stationary_loss_discrete(const struct samq_system *Q)
{
  double eta = Q->lr, rho = Q->algorithm == SAM_ALG_USAM ? Q->rho : 0.0, s = 0;
  for (size_t i = 0; i < Q->d; i++) {
    if (Q->lambda[i] == 0) continue;
    double mu = samq_mu(Q, i), beta = 1 + rho * Q->lambda[i];
    if (!(mu > 0 && eta * mu < 2)) return NAN;
    s += beta * Q->Sigma[i * Q->d + i] / (2 - eta * mu);
  }
  return 0.5 * eta * s;
}

double samq_stationary_loss_sde(const struct samq_system *Q)
{
  double s = 0;
  for (size_t i = 0; i < Q->d; i++) {
    if (Q->lambda[i] == 0) continue;
    double mu = samq_mu(Q, i);
    if (!(mu > 0)) return NAN;
    /* C_ii = eta Phi_ii Sigma_ii / (2 mu_i) */
    s += Q->lambda[i] * Q->lr * samq_noise_factor(Q, i, i) * Q->Sigma[i * Q->d + i] / (2 * mu);
  }
  return 0.5 * s;
}

/* ---- weak error from closed forms (§3.4) ---------------------------------------- */

/* max_{k <= T/eta} |E f(x_k) - E f(X_{k eta})| with x_k from A's exact recursion (U1-U3)
 * and X from S's exact OU moments (O1-O2).  A and S must share d, eta and the start. */
double samq_weak_error_loss(const struct samq_system *A, const struct samq_system *S, double T)
{
  size_t n = samq_moment_dimension(A);
  double *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z), a[3 + 64], b[3 + 64];
  samq_moment_init(A, y);
  double eta = A->lr, worst = 0;
  uint64_t K = (uint64_t)llround(T / eta);
  for (uint64_t k = 0; k <= K; k++) {
    samq_ou_exact(S, (double)k * eta, z);
    samq_moment_observe(A, y, a);
    samq_moment_observe(S, z, b);
    worst = fmax(worst, fabs(a[0] - b[0]));
    samq_recursion_step(A, y);
  }
  free(y);
  free(z);
  return worst;
}
