/* sam_sde.c — the SDEs of SGD, USAM, DNSAM and SAM on a quadratic with additive noise, as
 * drift and diffusion for the engine's Euler-Maruyama helper (src/sde_paths.c).
 * In H's eigenbasis (H = diag(lambda)), with S S^T = Sigma / B and n(x) = ||H x|| + eps:
 *   (S0)  SGD   : dX = -H X dt + sqrt(eta) S dW
 *   (S1b) USAM  : dX = -(H + rho H^2) X dt + sqrt(eta) (I + rho H) S dW
 *   (S1a) USAM  : same drift, diffusion [Sigma + rho (H Sigma + Sigma H)]^1/2 (constant,
 *                 square root precomputed with clipping in the plan)
 *   (S2)  DNSAM : dX = -(I + rho H / n(x)) H X dt + sqrt(eta) (I + rho H / n(x)) S dW  (factor)
 *                 or  sqrt(eta) [Sigma + (rho / n(x)) (H Sigma + Sigma H)]^1/2 dW  (truncated;
 *                 isotropic Sigma = s^2 I only, where it is diagonal:
 *                 s sqrt(1 + 2 rho lambda_i / n), negative entries clipped to 0, spec §2.7 item 4)
 *   (S3)  SAM   : isotropic Sigma = s^2 I, spec §3.5: with v = H x, a = ||v||, e = v / a,
 *                 dX = -(H X + rho phi_1 H e) dt + sqrt(eta) M(x)^1/2 dW,
 *                 M = s^2 I + rho (P H + H P)  (truncated, the paper's S3, clipped if indefinite)
 *                 M = s^2 I + rho (P H + H P) + rho^2 H Q H  (factor: exact one-step covariance)
 *                 with phi_1, P, Q the conditional moments of u = g / ||g||, g = v + Z, from a
 *                 Gauss-Hermite (z) x generalised Gauss-Laguerre (w ~ chi^2_{d-1}) rule.
 * The noise enters as -G xi (same law as +G xi): with h = eta and synchronous coupling the
 * EM step is then the algorithm's own step Q1/Q2/Q3 with Z = S xi (spec §2.8), term by term. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "../ode/sam.h"
#include "gauss.h"
#include "sde_paths.h"

/* Context of one EM call: the plan and the run's scratch (the plan is shared by threads). */
struct sde_ctx {
  const struct samq_plan *P;
  double *M, *V, *w; /* d*d, d*d, d: SAM's diffusion matrix and its eigen-decomposition */
};

static double grad_norm(const struct samq_plan *P, const double *x)
{
  double g2 = 0;
  for (size_t i = 0; i < P->d; i++) g2 += P->lambda[i] * P->lambda[i] * x[i] * x[i];
  return sqrt(g2);
}

/* Perturbation coefficient c(x) in (I + c H): rho (USAM), rho / n(x) (DNSAM), 0 (SGD). */
static double perturb_coef(const struct samq_plan *P, const double *x)
{
  switch (P->p.algorithm) {
  case SAM_ALG_USAM: return P->p.rho;
  case SAM_ALG_DNSAM: return P->p.rho / (grad_norm(P, x) + P->p.norm_eps);
  default: return 0.0;
  }
}

/* out = S xi (S lower triangular, or s_iso I) */
void samq_apply_S(const struct samq_plan *P, const double *xi, double *out)
{
  size_t d = P->d;
  if (!P->S) {
    for (size_t i = 0; i < d; i++) out[i] = P->s_iso * xi[i];
    return;
  }
  for (size_t i = 0; i < d; i++) {
    double s = 0;
    for (size_t j = 0; j <= i; j++) s += P->S[i * d + j] * xi[j];
    out[i] = s;
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

/* ---- SAM: conditional moments of u = g/||g|| (spec §3.5) ------------------------- */

int samq_sam_quadrature(struct samq_plan *P)
{
  size_t n = SAMQ_NQ;
  int info = hd_gauss_hermite(n, P->gh_x, P->gh_w);
  if (info == 0 && P->d > 1) {
    info = hd_gauss_gamma(n, 0.5 * (double)(P->d - 1), P->gl_x, P->gl_w);
    for (size_t k = 0; k < n; k++) P->gl_x[k] *= 2; /* w = 2 Gamma((d-1)/2) = chi^2_{d-1} */
  }
  return info;
}

void samq_sam_moments(const struct samq_plan *P, double a, struct samq_sam_mom *m)
{
  const double s = P->s_iso, s2 = s * s, dm1 = (double)P->d - 1;
  const size_t nz = SAMQ_NQ, nw = P->d > 1 ? SAMQ_NQ : 1;
  double phi = 0, al = 0, be = 0, g1 = 0;
  for (size_t i = 0; i < nz; i++) {
    double z = s * P->gh_x[i], az = a + z;
    for (size_t j = 0; j < nw; j++) {
      double w = P->d > 1 ? P->gl_x[j] : 0.0, wt = P->gh_w[i] * (P->d > 1 ? P->gl_w[j] : 1.0);
      double n2 = az * az + s2 * w, n = sqrt(n2);
      if (!(n > 0)) continue; /* measure zero */
      phi += wt * az / n;
      al += wt * z * az / n;
      if (P->d > 1) be += wt * s2 * w / (dm1 * n);
      g1 += wt * az * az / n2;
    }
  }
  m->phi1 = phi;
  m->alpha = al;
  m->beta = be;
  m->gamma1 = g1;
  m->gamma2 = P->d > 1 ? (1 - g1) / dm1 : 0.0;
}

/* Unit gradient direction e (H x / ||H x||; e_0 when H x = 0) and a = ||H x||. */
static double direction(const struct samq_plan *P, const double *x, double *e)
{
  double a = grad_norm(P, x);
  for (size_t i = 0; i < P->d; i++) e[i] = a > 0 ? P->lambda[i] * x[i] / a : (i == 0);
  return a;
}

/* The SAM diffusion matrix M(x) of (S3), truncated or exact, into M (d x d). */
void samq_sam_covariance(const struct samq_plan *P, const double *x, double *M, double *e)
{
  size_t d = P->d;
  double a = direction(P, x, e), r = P->p.rho, s2 = P->s_iso * P->s_iso;
  struct samq_sam_mom m;
  samq_sam_moments(P, a, &m);
  bool exact = P->p.diffusion == SAM_DIFF_FACTOR;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double ee = e[i] * e[j], id = i == j ? 1.0 : 0.0, li = P->lambda[i], lj = P->lambda[j];
      double Pij = m.alpha * ee + m.beta * (id - ee);
      double Qij = (m.gamma1 - m.phi1 * m.phi1) * ee + m.gamma2 * (id - ee);
      M[i * d + j] = s2 * id + r * Pij * (li + lj) + (exact ? r * r * li * Qij * lj : 0.0);
    }
}

/* ---- drift and diffusion ----------------------------------------------------------- */

static void drift(const double *x, double *b, const void *vctx)
{
  const struct sde_ctx *c = vctx;
  const struct samq_plan *P = c->P;
  if (P->p.algorithm == SAM_ALG_SAM) {
    double a = direction(P, x, b); /* b holds e for a moment */
    struct samq_sam_mom m;
    samq_sam_moments(P, a, &m);
    for (size_t i = 0; i < P->d; i++)
      b[i] = -P->lambda[i] * (x[i] + P->p.rho * m.phi1 * b[i]);
    return;
  }
  double k = perturb_coef(P, x);
  for (size_t i = 0; i < P->d; i++) b[i] = -(1 + k * P->lambda[i]) * P->lambda[i] * x[i];
}

static void diffuse(const double *x, const double *xi, double *out, const double *b,
                    const void *vctx)
{
  (void)b;
  const struct sde_ctx *c = vctx;
  const struct samq_plan *P = c->P;
  size_t d = P->d;
  const double *G = P->G_trunc;
  if (P->p.algorithm == SAM_ALG_SAM) {
    samq_sam_covariance(P, x, c->M, out); /* out: scratch for e */
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
  double k = perturb_coef(P, x);
  if (P->p.algorithm == SAM_ALG_DNSAM && P->p.diffusion == SAM_DIFF_TRUNCATED) {
    for (size_t i = 0; i < d; i++)
      out[i] = -P->s_iso * sqrt(fmax(0.0, 1 + 2 * k * P->lambda[i])) * xi[i];
    return;
  }
  samq_apply_S(P, xi, out);
  for (size_t i = 0; i < d; i++) out[i] *= -(1 + k * P->lambda[i]);
}

size_t samq_sde_work_size(const struct samq_plan *P)
{
  size_t d = P->d;
  return 2 * d + (P->p.algorithm == SAM_ALG_SAM ? 3 * d * d + d : 0);
}

void samq_sde_step(const struct samq_plan *P, double *x, const double *xi, double *work)
{
  size_t d = P->d, m = (size_t)P->p.substeps;
  struct sde_ctx c = {.P = P, .M = work + 2 * d, .V = work + 2 * d + 2 * d * d,
                      .w = work + 2 * d + 3 * d * d};
  struct hd_sde s = {.dim = d, .eps = P->p.lr, .drift = drift, .diffuse = diffuse, .ctx = &c};
  hd_em_advance(&s, x, P->p.lr / (double)m, m, xi, work);
}
