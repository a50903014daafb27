/* sam_quadratic.c — the discrete algorithms on f = 1/2 x^T H x with additive noise
 * (docs/theory/sam.md §1, Q1–Q4).  Same gradient noise Z inside and outside the perturbed
 * gradient (§1.2):
 *   g = H x + Z,   x <- x - eta (H (x + c g) + Z) = x - eta (I + c H) g,
 *   c = 0 (Q1 SGD), rho (Q2 USAM), rho / (||H x|| + eps) (Q3 DNSAM), rho / (||g|| + eps) (Q4 SAM).
 */
#include "sim/sam_quadratic.h"

#include <math.h>

static double norm2(const double *v, const double *w, size_t d) /* sum (w v)^2, w may be NULL */
{
  double s = 0;
  for (size_t i = 0; i < d; i++) {
    double t = w ? w[i] * v[i] : v[i];
    s += t * t;
  }
  return s;
}

/* xi_1 <- (xi_1 + ... + xi_m) / sqrt(m), in the scratch slot */
static void sum_substeps(size_t d, size_t m, double *xi)
{
  if (m > 1) {
    double inv = 1 / sqrt((double)m);
    for (size_t i = 0; i < d; i++) {
      double s = xi[i];
      for (size_t j = 1; j < m; j++) s += xi[j * d + i];
      xi[i] = s * inv;
    }
  }
}

/* out = M v, M d x d row-major, in a fixed order */
static void matvec(const double *M, const double *v, double *out, size_t d)
{
  for (size_t i = 0; i < d; i++) {
    double acc = 0;
    for (size_t j = 0; j < d; j++) acc += M[i * d + j] * v[j];
    out[i] = acc;
  }
}

void samq_sim_step_dense(const struct samq_sim *A, double *x, double *xi, double *g)
{
  size_t d = A->d;
  double rho = A->rho, eps = A->norm_eps;
  sum_substeps(d, A->substeps, xi);
  matvec(A->R, xi, g, d); /* Z = R xi */
  matvec(A->H, x, xi, d); /* H x, in xi's slot (the noise is drawn) */
  double c = 0;
  if (A->algorithm == SAM_ALG_DNSAM) c = rho / (sqrt(norm2(xi, NULL, d)) + eps);
  for (size_t i = 0; i < d; i++) g[i] += xi[i]; /* g = H x + Z */
  if (A->algorithm == SAM_ALG_USAM) c = rho;
  if (A->algorithm == SAM_ALG_SAM) c = rho / (sqrt(norm2(g, NULL, d)) + eps);
  if (c == 0) {
    for (size_t i = 0; i < d; i++) x[i] -= A->lr * g[i];
    return;
  }
  matvec(A->H, g, xi, d); /* H g */
  for (size_t i = 0; i < d; i++) x[i] -= A->lr * (g[i] + c * xi[i]);
}

void samq_sim_step(const struct samq_sim *A, double *x, double *xi, double *g)
{
  size_t d = A->d, m = A->substeps;
  const double *lam = A->lambda;
  double eta = A->lr, rho = A->rho, eps = A->norm_eps;
  sum_substeps(d, m, xi);
  sam_noise_apply(d, A->S, A->s_iso, xi, g);
  for (size_t i = 0; i < d; i++) g[i] += lam[i] * x[i]; /* g = H x + Z */
  double c = 0;
  switch (A->algorithm) {
  case SAM_ALG_USAM: c = rho; break;
  case SAM_ALG_DNSAM: c = rho / (sqrt(norm2(x, lam, d)) + eps); break;
  case SAM_ALG_SAM: c = rho / (sqrt(norm2(g, NULL, d)) + eps); break;
  default: break;
  }
  for (size_t i = 0; i < d; i++) x[i] -= eta * (1 + c * lam[i]) * g[i];
}
