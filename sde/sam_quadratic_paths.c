/* sam_quadratic_paths.c — the SDEs of SGD, USAM, DNSAM and SAM on a quadratic with additive noise, as
 * drift and diffusion for the engine's Euler-Maruyama helper (src/sde_paths.c).
 * In H's eigenbasis (H = diag(lambda)), with S S^T = Sigma / B and n(x) = ||H x|| + eps:
 *   (S0)  SGD   : dX = -H X dt + sqrt(eta) S dW
 *   (S1b) USAM  : dX = -(H + rho H^2) X dt + sqrt(eta) (I + rho H) S dW
 *   (S1a) USAM  : same drift, diffusion [Sigma + rho (H Sigma + Sigma H)]^1/2 (constant,
 *                 square root precomputed with clipping by the package)
 *   (S2)  DNSAM : dX = -(I + rho H / n(x)) H X dt + sqrt(eta) (I + rho H / n(x)) S dW  (factor)
 *                 or  sqrt(eta) [Sigma + (rho / n(x)) (H Sigma + Sigma H)]^1/2 dW  (truncated;
 *                 isotropic Sigma = s^2 I only, where it is diagonal:
 *                 s sqrt(1 + 2 rho lambda_i / n), negative entries clipped to 0, sam.md §2.7 item 4)
 *   (S3)  SAM   : isotropic Sigma = s^2 I, sam.md §3.5: with v = H x, a = ||v||, e = v / a,
 *                 dX = -(H X + rho phi_1 H e) dt + sqrt(eta) M(x)^1/2 dW,
 *                 M = s^2 I + rho (Q H + H Q)  (truncated, the paper's S3, clipped if indefinite)
 *                 M = s^2 I + rho (Q H + H Q) + rho^2 H Q H  (factor: exact one-step covariance)
 *                 with phi_1, Q, Q the conditional moments of u = g / ||g||, g = v + Z, from a
 *                 Gauss-Hermite (z) x generalised Gauss-Laguerre (w ~ chi^2_{d-1}) rule.
 * The noise enters as -G xi (same law as +G xi): with h = eta and synchronous coupling the
 * EM step is then the algorithm's own step Q1/Q2/Q3 with Z = S xi (sam.md §2.8), term by term. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "gauss.h"
#include "sde/sam_quadratic.h"
#include "sde_paths.h"

/* Context of one EM call: the system and the run's scratch (the system is shared by threads). */
struct sde_ctx {
  const struct samq_system *Q;
  double *M, *V, *w; /* d*d, d*d, d: SAM's diffusion matrix and its eigen-decomposition */
};

static double grad_norm(const struct samq_system *Q, const double *x)
{
  double g2 = 0;
  for (size_t i = 0; i < Q->d; i++) g2 += Q->lambda[i] * Q->lambda[i] * x[i] * x[i];
  return sqrt(g2);
}

/* Perturbation coefficient c(x) in (I + c H): rho (USAM), rho / n(x) (DNSAM), 0 (SGD). */
static double perturb_coef(const struct samq_system *Q, const double *x)
{
  switch (Q->algorithm) {
  case SAM_ALG_USAM: return Q->rho;
  case SAM_ALG_DNSAM: return Q->rho / (grad_norm(Q, x) + Q->norm_eps);
  default: return 0.0;
  }
}

long samq_sym_sqrt(size_t d, const double *M, double *R, double *V, double *w)
{
  memcpy(V, M, d * d * sizeof *V);
  LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, V, (lapack_int)d, w);
  long clipped = 0;
  for (size_t k = 0; k < d; k++) {
    if (w[k] < 0) {
      clipped++;
      w[k] = 0;
    }
    w[k] = sqrt(w[k]);
  }
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double s = 0;
      for (size_t k = 0; k < d; k++) s += V[i * d + k] * w[k] * V[j * d + k];
      R[i * d + j] = s;
    }
  return clipped;
}

/* ---- SAM: conditional moments of u = g/||g|| (sam.md §3.5) ------------------------- */

int samq_sam_quadrature(struct samq_system *Q)
{
  size_t n = SAMQ_NQ;
  int info = hd_gauss_hermite(n, Q->gh_x, Q->gh_w);
  if (info == 0 && Q->d > 1) {
    info = hd_gauss_gamma(n, 0.5 * (double)(Q->d - 1), Q->gl_x, Q->gl_w);
    for (size_t k = 0; k < n; k++) Q->gl_x[k] *= 2; /* w = 2 Gamma((d-1)/2) = chi^2_{d-1} */
  }
  return info;
}

void samq_sam_moments(const struct samq_system *Q, double a, struct samq_sam_mom *m)
{
  const double s = Q->s_iso, s2 = s * s, dm1 = (double)Q->d - 1;
  const size_t nz = SAMQ_NQ, nw = Q->d > 1 ? SAMQ_NQ : 1;
  double phi = 0, al = 0, be = 0, g1 = 0;
  for (size_t i = 0; i < nz; i++) {
    double z = s * Q->gh_x[i], az = a + z;
    for (size_t j = 0; j < nw; j++) {
      double w = Q->d > 1 ? Q->gl_x[j] : 0.0, wt = Q->gh_w[i] * (Q->d > 1 ? Q->gl_w[j] : 1.0);
      double n2 = az * az + s2 * w, n = sqrt(n2);
      if (!(n > 0)) continue; /* measure zero */
      phi += wt * az / n;
      al += wt * z * az / n;
      if (Q->d > 1) be += wt * s2 * w / (dm1 * n);
      g1 += wt * az * az / n2;
    }
  }
  m->phi1 = phi;
  m->alpha = al;
  m->beta = be;
  m->gamma1 = g1;
  m->gamma2 = Q->d > 1 ? (1 - g1) / dm1 : 0.0;
}

/* Unit gradient direction e (H x / ||H x||; e_0 when H x = 0) and a = ||H x||. */
static double direction(const struct samq_system *Q, const double *x, double *e)
{
  double a = grad_norm(Q, x);
  for (size_t i = 0; i < Q->d; i++) e[i] = a > 0 ? Q->lambda[i] * x[i] / a : (i == 0);
  return a;
}

/* The SAM diffusion matrix M(x) of (S3), truncated or exact, into M (d x d). */
void samq_sam_covariance(const struct samq_system *Q, const double *x, double *M, double *e)
{
  size_t d = Q->d;
  double a = direction(Q, x, e), r = Q->rho, s2 = Q->s_iso * Q->s_iso;
  struct samq_sam_mom m;
  samq_sam_moments(Q, a, &m);
  bool exact = Q->diffusion == SAMQ_DIFF_FACTOR;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double ee = e[i] * e[j], id = i == j ? 1.0 : 0.0, li = Q->lambda[i], lj = Q->lambda[j];
      double Pij = m.alpha * ee + m.beta * (id - ee);
      double Qij = (m.gamma1 - m.phi1 * m.phi1) * ee + m.gamma2 * (id - ee);
      M[i * d + j] = s2 * id + r * Pij * (li + lj) + (exact ? r * r * li * Qij * lj : 0.0);
    }
}

/* ---- drift and diffusion ----------------------------------------------------------- */

static void drift(const double *x, double *b, const void *vctx)
{
  const struct sde_ctx *c = vctx;
  const struct samq_system *Q = c->Q;
  if (Q->algorithm == SAM_ALG_SAM) {
    double a = direction(Q, x, b); /* b holds e for a moment */
    struct samq_sam_mom m;
    samq_sam_moments(Q, a, &m);
    for (size_t i = 0; i < Q->d; i++) b[i] = -Q->lambda[i] * (x[i] + Q->rho * m.phi1 * b[i]);
    return;
  }
  double k = perturb_coef(Q, x);
  for (size_t i = 0; i < Q->d; i++) b[i] = -(1 + k * Q->lambda[i]) * Q->lambda[i] * x[i];
}

static void diffuse(const double *x, const double *xi, double *out, const double *b,
                    const void *vctx)
{
  (void)b;
  const struct sde_ctx *c = vctx;
  const struct samq_system *Q = c->Q;
  size_t d = Q->d;
  const double *G = Q->G_trunc;
  if (Q->algorithm == SAM_ALG_SAM) {
    samq_sam_covariance(Q, x, c->M, out); /* out: scratch for e */
    samq_sym_sqrt(d, c->M, c->M + d * d, c->V, c->w);
    G = c->M + d * d;
  }
  if (G) { /* a full square root: S1a (constant) or S3 */
    for (size_t i = 0; i < d; i++) {
      double s = 0;
      for (size_t j = 0; j < d; j++) s += G[i * d + j] * xi[j];
      out[i] = -s;
    }
    return;
  }
  double k = perturb_coef(Q, x);
  if (Q->algorithm == SAM_ALG_DNSAM && Q->diffusion == SAMQ_DIFF_TRUNCATED) {
    for (size_t i = 0; i < d; i++)
      out[i] = -Q->s_iso * sqrt(fmax(0.0, 1 + 2 * k * Q->lambda[i])) * xi[i];
    return;
  }
  sam_noise_apply(d, Q->S, Q->s_iso, xi, out);
  for (size_t i = 0; i < d; i++) out[i] *= -(1 + k * Q->lambda[i]);
}

size_t samq_sde_work_size(const struct samq_system *Q)
{
  size_t d = Q->d;
  return 2 * d + (Q->algorithm == SAM_ALG_SAM ? 3 * d * d + d : 0);
}

void samq_sde_step(const struct samq_system *Q, double *x, const double *xi, double *work)
{
  size_t d = Q->d, m = Q->substeps;
  struct sde_ctx c = {
      .Q = Q, .M = work + 2 * d, .V = work + 2 * d + 2 * d * d, .w = work + 2 * d + 3 * d * d};
  struct hd_sde s = {.dim = d, .eps = Q->lr, .drift = drift, .diffuse = diffuse, .ctx = &c};
  hd_em_advance(&s, x, Q->lr / (double)m, m, xi, work);
}
