/* grok_closure_blocked.c — the closure increment of spec §2.1/§2.2 with half the flops of
 * the plain form (grok_closure.c), for batches with n > 1.5 D, and shared among threads in
 * blocks fixed by the sizes alone.
 *
 * The plain form spends 4 n D r flops on two dgemm (X Z, then X^T diag(Delta) X Z).  Here
 * (spec §2.8's table):
 *   M = Z Z^T                  dsyrk, D^2 r      (the wbar part enters through a^2)
 *   q_mu = x_mu^T M x_mu       = rowsum(X .* (X T)), T = triu(M) with its strict upper
 *                                part doubled: one dtrmm, n D^2 (half a dgemm)
 *   G = X^T diag(Delta) X      dsyrk on diag(sqrt|Delta|) X, split by the sign of Delta:
 *                                n D^2 in all
 *   dZ = -omega Z - c eps G Z  dsymm, 2 D^2 r                                (§2.2)
 * i.e. 2 n D^2 + 3 D^2 r against 4 n D r.  At D = 100, P = 550: 14 against 22 Mflop.
 *
 * Blocks: the n rows are cut into nb blocks and the r columns of Z into nb blocks, nb a
 * power of two set by n only (>= 256 rows each, at most GROK_MAX_BLOCKS).  Each block is
 * one single-threaded BLAS call and the partial sums (M, G, g) are added in block order,
 * so the bits are the same for any number of threads.  Inside a simulated run (one thread
 * per run already) the blocks run in turn. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "blas_threads.h"
#include "grok.h"

size_t grok_blocks(size_t n)
{
  size_t nb = 1;
  while (nb < GROK_MAX_BLOCKS && n / (2 * nb) >= 256) nb *= 2;
  return nb;
}

bool grok_blocked_pays(size_t n, size_t D, size_t r)
{
  return 2 * n * D * D + 3 * D * D * r < 4 * n * D * r;
}

size_t grok_blocked_size(size_t n, size_t D, size_t r)
{
  if (!grok_blocked_pays(n, D, r)) return 0;
  return 2 * n * D + grok_blocks(n) * (D * D + D);
}

void grok_blocked_bind(struct grok_work *w, double *buf, size_t n, size_t D, size_t r)
{
  w->blocks = 0;
  if (!grok_blocked_pays(n, D, r)) return;
  w->blocks = grok_blocks(n);
  w->XT = buf, buf += n * D;
  w->Xs = buf, buf += n * D;
  w->part = buf, buf += w->blocks * D * D;
  w->gpart = buf;
}

/* out[j] = sum_k part[k stride + j] for j in [j0, j1), added in block order (contiguous in
 * j, so it vectorises). */
static void sum_parts(const double *part, int nb, size_t stride, int j0, int j1, double *out)
{
  for (int j = j0; j < j1; j++) out[j] = part[j];
  for (int k = 1; k < nb; k++) {
    const double *p = part + (size_t)k * stride;
    for (int j = j0; j < j1; j++) out[j] += p[j];
  }
}

/* x . y with 8 running sums (a fixed order): one sum would wait on the adder's latency at
 * every element, and this loop runs n D times per step. */
static double dot8(size_t D, const double *x, const double *y)
{
  double s[8] = {0};
  size_t j = 0;
  for (; j + 8 <= D; j += 8)
    for (int l = 0; l < 8; l++) s[l] += x[j + l] * y[j + l];
  for (; j < D; j++) s[j % 8] += x[j] * y[j];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* q_mu, Delta_mu, Delta_mu (1 + eps a_mu) of rows [r0, r1), and those rows scaled by
 * sqrt|Delta_mu| into Xs: Delta >= 0 from r0 upward, Delta < 0 from r1 downward.
 * Returns the count of non-negative rows. */
static size_t residual_rows(const struct grok_plan *P, const struct grok_batch *b, size_t r0,
                            size_t r1, struct grok_work *w)
{
  size_t D = P->D, np = 0, nm = 0;
  double al = P->p.alpha, eps = P->p.eps, hae = 0.5 * al * eps;
  for (size_t m = r0; m < r1; m++) {
    const double *x = b->X + m * D, *xt = w->XT + m * D;
    double q = w->a[m] * w->a[m] + dot8(D, xt, x); /* x^T (wbar wbar^T + Z Z^T) x */
    double d = al * w->a[m] + hae * q - (b->f0 ? b->f0[m] : 0.0) - b->y[m]; /* §2.1 */
    w->Delta[m] = d;
    w->Da[m] = d * (1.0 + eps * w->a[m]);
    double s = sqrt(fabs(d)), *dst = d >= 0 ? w->Xs + (r0 + np++) * D : w->Xs + (r1 - ++nm) * D;
    for (size_t j = 0; j < D; j++) dst[j] = s * x[j];
  }
  return np;
}

void grok_closure_rhs_blocked(const struct grok_plan *P, const struct grok_batch *b,
                              const double *wbar, const double *Z, size_t r, double *dwbar,
                              double *dZ, struct grok_work *w)
{
  const int n = (int)b->n, D = (int)P->D, R = (int)r, nb = (int)grok_blocks(b->n);
  const double c = P->c, ce = P->c * P->p.eps, om = P->decay;
  double *T = w->M, *G = w->Mp; /* D x D each */
  /* one BLAS thread per block whatever the team: OpenBLAS's sums depend on its own
   * thread count, and its threads would compete with the team's */
  int team = 1, blas = nb > 1 ? hd_blas_one_thread() : 1;
#ifdef _OPENMP
  if (w->parallel && nb > 1) team = omp_get_max_threads() < nb ? omp_get_max_threads() : nb;
#endif
#ifdef _OPENMP
#pragma omp parallel num_threads(team) if (team > 1)
#endif
  {
    /* M = Z Z^T in column blocks of Z, kept in the part slots */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) {
      int c0 = k * R / nb, c1 = (k + 1) * R / nb;
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, D, c1 - c0, 1.0, Z + c0, R, 0.0,
                  w->part + (size_t)k * D * D, D);
    }
    /* T = triu(M) with the strict upper triangle doubled: x^T M x = x^T T x (dtrmm reads
     * only this triangle).  Blocks are added in order, row by row. */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int i = 0; i < D; i++) {
      double *t = T + (size_t)i * D;
      sum_parts(w->part + (size_t)i * D, nb, (size_t)D * D, i, D, t);
      for (int j = i + 1; j < D; j++) t[j] *= 2.0;
    }
    /* rows: a = X wbar, X T, q, Delta, the sign-split G_k and g_k of the block */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) {
      size_t r0 = (size_t)k * (size_t)n / (size_t)nb, r1 = (size_t)(k + 1) * (size_t)n / (size_t)nb;
      int rows = (int)(r1 - r0);
      const double *Xk = b->X + r0 * (size_t)D;
      double *Gk = w->part + (size_t)k * D * D, *XTk = w->XT + r0 * (size_t)D;
      cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, D, 1.0, Xk, D, wbar, 1, 0.0, w->a + r0, 1);
      memcpy(XTk, Xk, (size_t)rows * (size_t)D * sizeof *XTk);
      cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, rows, D,
                  1.0, T, D, XTk, D);
      int np = (int)residual_rows(P, b, r0, r1, w);
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, np, 1.0, w->Xs + r0 * (size_t)D, D,
                  0.0, Gk, D);
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, rows - np, -1.0,
                  w->Xs + (r0 + (size_t)np) * (size_t)D, D, 1.0, Gk, D);
      cblas_dgemv(CblasRowMajor, CblasTrans, rows, D, 1.0, Xk, D, w->Da + r0, 1, 0.0,
                  w->gpart + (size_t)k * D, 1);
    }
    /* G = sum_k G_k (upper triangle, as dsymm reads it) */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int i = 0; i < D; i++)
      sum_parts(w->part + (size_t)i * D, nb, (size_t)D * D, i, D, G + (size_t)i * D);
    /* dZ = -omega Z - c eps G Z, in column blocks (§2.2; weight decay §1.5) */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) {
      int c0 = k * R / nb, c1 = (k + 1) * R / nb;
      for (int i = 0; i < D; i++)
        for (int j = c0; j < c1; j++) dZ[(size_t)i * R + j] = -om * Z[(size_t)i * R + j];
      cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, D, c1 - c0, -ce, G, D, Z + c0, R, 1.0,
                  dZ + c0, R);
    }
  }
  hd_blas_restore(blas);
  /* dwbar = -omega wbar - c (g + eps G wbar) = -omega wbar - c X^T (Delta .* (1 + eps a)) */
  for (int i = 0; i < D; i++) {
    double g = 0;
    for (int k = 0; k < nb; k++) g += w->gpart[(size_t)k * D + i];
    dwbar[i] = -om * wbar[i] - c * g;
  }
}
