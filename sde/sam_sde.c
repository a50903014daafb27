/* sam_sde.c — the SDEs of SGD, USAM and DNSAM on a quadratic with additive noise, as
 * drift and diffusion for the engine's Euler-Maruyama helper (src/sde_paths.c).
 * In H's eigenbasis (H = diag(lambda)), with S S^T = Sigma / B and n(x) = ||H x|| + eps:
 *   (S0)  SGD   : dX = -H X dt + sqrt(eta) S dW
 *   (S1b) USAM  : dX = -(H + rho H^2) X dt + sqrt(eta) (I + rho H) S dW
 *   (S1a) USAM  : same drift, diffusion [Sigma + rho (H Sigma + Sigma H)]^1/2 (constant,
 *                 square root precomputed with clipping in the plan)
 *   (S2)  DNSAM : dX = -(I + rho H / n(x)) H X dt + sqrt(eta) (I + rho H / n(x)) S dW  (factor)
 *                 or  sqrt(eta) [Sigma + (rho / n(x)) (H Sigma + Sigma H)]^1/2 dW  (truncated;
 *                 isotropic Sigma = s^2 I only, where it is diagonal: s sqrt(1 + 2 rho lambda_i / n),
 *                 negative entries clipped to 0, spec §2.7 item 4)
 * The noise enters as -G xi (same law as +G xi): with h = eta and synchronous coupling the
 * EM step is then the algorithm's own step Q1/Q2/Q3 with Z = S xi (spec §2.8), term by term. */
#include <math.h>

#include "../ode/sam.h"
#include "sde_paths.h"

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

static void drift(const double *x, double *b, const void *ctx)
{
  const struct samq_plan *P = ctx;
  double c = perturb_coef(P, x);
  for (size_t i = 0; i < P->d; i++) b[i] = -(1 + c * P->lambda[i]) * P->lambda[i] * x[i];
}

static void diffuse(const double *x, const double *xi, double *out, const double *b,
                    const void *ctx)
{
  (void)b;
  const struct samq_plan *P = ctx;
  size_t d = P->d;
  if (P->G_trunc) { /* S1a, constant */
    for (size_t i = 0; i < d; i++) {
      double s = 0;
      for (size_t j = 0; j < d; j++) s += P->G_trunc[i * d + j] * xi[j];
      out[i] = -s;
    }
    return;
  }
  double c = perturb_coef(P, x);
  if (P->p.algorithm == SAM_ALG_DNSAM && P->p.diffusion == SAM_DIFF_TRUNCATED) {
    for (size_t i = 0; i < d; i++)
      out[i] = -P->s_iso * sqrt(fmax(0.0, 1 + 2 * c * P->lambda[i])) * xi[i];
    return;
  }
  samq_apply_S(P, xi, out);
  for (size_t i = 0; i < d; i++) out[i] *= -(1 + c * P->lambda[i]);
}

size_t samq_sde_work_size(const struct samq_plan *P) { return 2 * P->d; }

void samq_sde_step(const struct samq_plan *P, double *x, const double *xi, double *work)
{
  struct hd_sde s = {.dim = P->d, .eps = P->p.lr, .drift = drift, .diffuse = diffuse, .ctx = P};
  size_t m = (size_t)P->p.substeps;
  hd_em_advance(&s, x, P->p.lr / (double)m, m, xi, work);
}
