/* grok_closure.c — the increment of the exact two-moment closure of grok.md §2.1 in
 * propagator form, which is also its gradient flow's right-hand side (§2.2).  At
 * N = infinity (wbar0 = 0, M0 = sigma^2 I, so L = sigma I and Z(0) = sigma I) it is the
 * infinite-width DMFT of the network (§2.3, ode/grok_width.c); the finite-N simulation
 * (src/sim/grok_net.c) runs the same increment from the run's own W0.
 *
 * Per step (cost 4 P D r + O(P D) flops, all BLAS; P -> B for minibatch SGD):
 *   a = X wbar,  XZ = X Z,  Delta_mu = alpha a_mu + (alpha eps/2)(a_mu^2 + |XZ_mu|^2)
 *                                       - f0_mu - y_mu                          (§2.1)
 *   dwbar = -c (g + eps G wbar) = -c X^T (Delta .* (1 + eps a))
 *   dZ    = -c eps G Z          = -c eps X^T (diag(Delta) XZ)
 * G itself (D x D) is never formed.  Batches of more than 1.5 D rows take the blocked form
 * instead (grok_closure_blocked.c: 2 n D^2 + 3 D^2 r flops, threaded in fixed blocks). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kernels/grok_closure.h"
#include "rng.h"

struct grok_batch grok_full_batch(const struct grok_system *S, const double *f0)
{
  return (struct grok_batch){.X = S->X, .y = S->y, .f0 = f0, .n = S->P};
}

size_t grok_batch_size(const struct grok_system *S)
{
  return S->B < S->P ? S->B * (S->D + 2) + S->P : 0;
}

/* Partial Fisher-Yates shuffle of 0..P-1 from the data seed's EXTRA stream at block k:
 * perm[0..B) are the points of step k. */
static void batch_perm(const struct grok_system *S, uint64_t k, double *perm)
{
  size_t n = S->P, B = S->B;
  for (size_t i = 0; i < n; i++) perm[i] = (double)i;
  struct hd_rng r;
  hd_rng_init(&r, S->data_seed, UINT64_MAX, HD_STREAM_EXTRA, k);
  for (size_t i = 0; i < B; i++) {
    size_t j = i + (size_t)(hd_rng_uniform(&r) * (double)(n - i));
    if (j >= n) j = n - 1;
    double t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

void grok_step_mask(const struct grok_system *S, uint64_t k, double *perm, double *inb)
{
  memset(inb, 0, S->P * sizeof *inb);
  batch_perm(S, k, perm);
  for (size_t i = 0; i < S->B; i++) inb[(size_t)perm[i]] = 1.0;
}

struct grok_batch grok_step_batch(const struct grok_system *S, uint64_t k, const double *f0,
                                  double *buf)
{
  if (S->B >= S->P) return grok_full_batch(S, f0);
  size_t B = S->B, D = S->D;
  double *Xb = buf, *yb = Xb + B * D, *fb = yb + B, *perm = fb + B;
  batch_perm(S, k, perm);
  for (size_t i = 0; i < B; i++) {
    size_t m = (size_t)perm[i];
    memcpy(Xb + i * D, S->X + m * D, D * sizeof *Xb);
    yb[i] = S->y[m];
    fb[i] = f0 ? f0[m] : 0.0;
  }
  return (struct grok_batch){.X = Xb, .y = yb, .f0 = f0 ? fb : NULL, .n = B};
}

double grok_residual(const struct grok_system *S, const struct grok_batch *b, const double *wbar,
                     const double *Z, size_t r, struct grok_work *w)
{
  size_t Pn = b->n, D = S->D;
  double al = S->alpha, hae = 0.5 * S->alpha * S->eps;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pn, (int)D, 1.0, b->X, (int)D, wbar, 1, 0.0, w->a,
              1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pn, (int)r, (int)D, 1.0, b->X, (int)D,
              Z, (int)r, 0.0, w->XZ, (int)r);
  double loss = 0;
  for (size_t m = 0; m < Pn; m++) {
    const double *row = w->XZ + m * r;
    double q = w->a[m] * w->a[m];
    for (size_t j = 0; j < r; j++) q += row[j] * row[j];
    double d = al * w->a[m] + hae * q - (b->f0 ? b->f0[m] : 0.0) - b->y[m];
    w->Delta[m] = d;
    loss += d * d;
  }
  return loss / (double)Pn;
}

void grok_closure_rhs(const struct grok_system *S, const struct grok_batch *b, const double *wbar,
                      const double *Z, size_t r, double *dwbar, double *dZ, struct grok_work *w)
{
  size_t Pn = b->n, D = S->D;
  if (w->blocks && grok_blocked_pays(Pn, D, r)) {
    grok_closure_rhs_blocked(S, b, wbar, Z, r, dwbar, dZ, w);
    return;
  }
  double c = S->c, eps = S->eps, om = S->decay;
  grok_residual(S, b, wbar, Z, r, w);
  for (size_t m = 0; m < Pn; m++) {
    w->Da[m] = w->Delta[m] * (1.0 + eps * w->a[m]);
    double dm = w->Delta[m];
    double *src = w->XZ + m * r, *dst = w->DXZ + m * r;
    for (size_t j = 0; j < r; j++) dst[j] = dm * src[j];
  }
  /* weight decay (§1.5): the affine map gains -omega w_i, so -omega wbar and -omega Z */
  for (size_t i = 0; i < D; i++) dwbar[i] = -om * wbar[i];
  for (size_t i = 0; i < D * r; i++) dZ[i] = -om * Z[i];
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)Pn, (int)D, -c, b->X, (int)D, w->Da, 1, 1.0, dwbar,
              1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)r, (int)Pn, -c * eps, b->X,
              (int)D, w->DXZ, (int)r, 1.0, dZ, (int)r);
}

void grok_moment(size_t D, const double *wbar, const double *Z, size_t r, double *M)
{
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)D, (int)r, 1.0, Z, (int)r, 0.0, M,
              (int)D);
  for (size_t i = 0; i < D; i++)
    for (size_t j = i; j < D; j++) {
      double v = M[i * D + j] + wbar[i] * wbar[j];
      M[i * D + j] = v;
      M[j * D + i] = v;
    }
}

void grok_apply_step(double mu, const double *inc, double *x, double *vel, size_t n)
{
  if (mu > 0) {
    for (size_t i = 0; i < n; i++) {
      vel[i] = mu * vel[i] + inc[i];
      x[i] += vel[i];
    }
  } else {
    for (size_t i = 0; i < n; i++) x[i] += inc[i];
  }
}

int grok_rhs_status(const double *dy, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(dy[i])) return 1;
  return 0;
}
