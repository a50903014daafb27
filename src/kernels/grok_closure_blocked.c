/* grok_closure_blocked.c — the closure increment of grok.md §2.1/§2.2 with half the flops of
 * the plain form (grok_closure.c), for batches with n > 1.5 D, and shared among threads in
 * blocks fixed by the sizes alone.
 *
 * The plain form spends 4 n D r flops on two dgemm (X Z, then X^T diag(Delta) X Z).  Here
 * (grok.md §2.8's table):
 *   M = Z Z^T                  dsyrk + dgemm per panel, D^2 r   (wbar enters through a^2)
 *   q_mu = x_mu^T M x_mu       = rowsum(X .* (X T)), T = triu(M) with its strict upper
 *                                part doubled: one dtrmm, n D^2 (half a dgemm)
 *   G = X^T diag(Delta) X      dsyrk on diag(sqrt|Delta|) X, split by the sign of Delta:
 *                                n D^2 in all
 *   dZ = -omega Z - c eps G Z  dgemm, 2 D^2 r                                 (§2.2)
 * i.e. 2 n D^2 + 3 D^2 r against 4 n D r.  At D = 100, P = 550: 14 against 22 Mflop.
 *
 * Column panels (D <= GROK_PANEL_MAX_D): at small D, OpenBLAS's dtrmm and dsyrk run at
 * 60-75 % of its dgemm rate.  There the triangles are cut into column panels of
 * GROK_PANEL = 16 and each panel is one dgemm over the rows it needs: X T as
 * X[:, 0:c1] T[0:c1, c0:c1] (T's W x W diagonal blocks then need zero lower parts), G's
 * upper part as X[:, 0:c1]^T (diag(Delta) X)[:, c0:c1], which needs no sign split, and
 * T as (2 Z Z^T)[s0:s1, s0:D] by row panels.  About 12 % more flops (the whole diagonal
 * blocks) in small dgemm calls that OpenBLAS runs without packing.  Measured here
 * (OpenBLAS 0.3.21, one thread, 275 rows, D = 100): X T 59 against 77 us, G 56 against
 * 80 us; at D = 150 about 17 % faster; at D = 200 and 400, 25-40 % slower, hence the
 * threshold.  Whole step at D = 100, P = 550: 0.79 of the dtrmm/dsyrk form's time on 2
 * threads, 0.81 on one (medians of 20 and 10 interleaved pairs).
 *
 * Blocks: nb, a power of two set by n only (>= 256 rows each, at most GROK_MAX_BLOCKS),
 * cuts three things:
 *   - the rows of the upper triangle of T into panels of equal area, each made whole
 *     (inner dimension r) by its own thread, so T needs no partial sums;
 *   - the n rows of the batch: a = X wbar, X T, Delta and the partial G_k, g_k;
 *   - the rows of dZ: panel k adds up its own full rows of G = sum_k G_k, so no thread
 *     waits for another's, and multiplies them into Z with one dgemm (dsymm would
 *     expand G's triangle into a full matrix at every call anyway).
 * Each block is single-threaded BLAS, and the partial sums (G, g) are added in block
 * order, so the bits are the same for any number of threads.  Inside a simulated run (one
 * thread per run already) the blocks run in turn.  Two barriers per increment, after T
 * and after the rows.  Measured against the previous layout (T from column-block partial
 * sums, a separate G sum, dsymm on column blocks of Z; four barriers): 9 % less time
 * per step at D = 100, P = 550 on 2 threads (median of 30 interleaved pairs). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "blas_threads.h"
#include "kernels/grok_closure.h"

size_t grok_blocks(size_t n)
{
  size_t nb = 1;
  while (nb < GROK_MAX_BLOCKS && n / (2 * nb) >= 256) nb *= 2;
  return nb;
}

size_t grok_panel_width(size_t D) { return D <= GROK_PANEL_MAX_D ? GROK_PANEL : 0; }

bool grok_blocked_pays(size_t n, size_t D, size_t r)
{
  return 2 * n * D * D + 3 * D * D * r < 4 * n * D * r;
}

size_t grok_blocked_size(size_t n, size_t D, size_t r)
{
  if (!grok_blocked_pays(n, D, r)) return 0;
  return n * D + grok_blocks(n) * (D * D + D);
}

void grok_blocked_bind(struct grok_work *w, double *buf, size_t n, size_t D, size_t r)
{
  w->blocks = 0;
  if (!grok_blocked_pays(n, D, r)) return;
  w->blocks = grok_blocks(n);
  w->panel = grok_panel_width(D);
  w->XT = buf, buf += n * D;
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

/* q_mu, Delta_mu and Delta_mu (1 + eps a_mu) of rows [r0, r1), then those rows scaled,
 * written over their own X T rows (read by then): with column panels by Delta_mu in
 * place; else by sqrt|Delta_mu|, Delta >= 0 from r0 upward and Delta < 0 from r1
 * downward.  Returns the count of non-negative rows (the dsyrk split). */
static size_t residual_rows(const struct grok_system *S, const struct grok_batch *b, size_t r0,
                            size_t r1, struct grok_work *w)
{
  size_t D = S->D, np = 0, nm = 0;
  double al = S->alpha, eps = S->eps, hae = 0.5 * al * eps;
  for (size_t m = r0; m < r1; m++) {
    const double *x = b->X + m * D, *xt = w->XT + m * D;
    double q = w->a[m] * w->a[m] + dot8(D, xt, x); /* x^T (wbar wbar^T + Z Z^T) x */
    double d = al * w->a[m] + hae * q - (b->f0 ? b->f0[m] : 0.0) - b->y[m]; /* §2.1 */
    w->Delta[m] = d;
    w->Da[m] = d * (1.0 + eps * w->a[m]);
  }
  for (size_t m = r0; m < r1; m++) {
    const double *x = b->X + m * D;
    double d = w->Delta[m];
    if (w->panel) { /* the panels' dgemm takes diag(Delta) X as it is */
      double *dst = w->XT + m * D;
      for (size_t j = 0; j < D; j++) dst[j] = d * x[j];
      continue;
    }
    double s = sqrt(fabs(d));
    double *dst = d >= 0 ? w->XT + (r0 + np++) * D : w->XT + (r1 - ++nm) * D;
    for (size_t j = 0; j < D; j++) dst[j] = s * x[j];
  }
  return np;
}

/* End of the panel of width W that starts at c0, cut at n. */
static int panel_end(int c0, int W, int n) { return c0 + W < n ? c0 + W : n; }

/* First row of panel k when the rows of the upper triangle (diagonal included) of a
 * D x D matrix are cut into nb panels of about equal area: row i holds D - i entries. */
static int tri_row(int D, int nb, int k)
{
  if (k >= nb) return D;
  double target = (double)k / nb * 0.5 * D * (D + 1.0);
  int i = 0;
  while (i < D && (double)i * D - 0.5 * i * (i - 1.0) < target) i++;
  return i;
}

/* The shapes of one blocked increment, shared by its three steps. */
struct blocked_call {
  const struct grok_system *S;
  const struct grok_batch *b;
  const double *wbar, *Z;
  double *dZ, *T, *G; /* T = w->M, G = w->Mp: D x D each */
  struct grok_work *w;
  int n, D, R, nb, W;
};

/* Step 1, panel k: T = triu(M) with the strict upper triangle doubled, M = Z Z^T, so
 * x^T M x = x^T T x (dtrmm reads only this triangle).  Rows [i0, i1): a dsyrk for the
 * diagonal block and a dgemm (alpha = 2) for the rest of the rows; with column panels,
 * one dgemm per W rows, (2 Z Z^T)[s0:s1, s0:D], then the diagonal halved and the lower
 * parts of T's W x W diagonal blocks zeroed. */
static void triangle_panel(const struct blocked_call *q, int k)
{
  const int D = q->D, R = q->R, W = q->W;
  const double *Z = q->Z;
  double *T = q->T;
  int i0 = tri_row(D, q->nb, k), i1 = tri_row(D, q->nb, k + 1);
  if (i1 == i0) return;
  if (W) {
    for (int s0 = i0; s0 < i1; s0 += W) {
      int s1 = panel_end(s0, W, i1);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s1 - s0, D - s0, R, 2.0,
                  Z + (size_t)s0 * R, R, Z + (size_t)s0 * R, R, 0.0, T + (size_t)s0 * D + s0, D);
      for (int i = s0; i < s1; i++) {
        T[(size_t)i * D + i] *= 0.5;
        for (int j = i / W * W; j < i; j++) T[(size_t)i * D + j] = 0.0;
      }
    }
    return;
  }
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, i1 - i0, R, 1.0, Z + (size_t)i0 * R, R, 0.0,
              T + (size_t)i0 * D + i0, D);
  for (int i = i0; i < i1; i++)
    for (int j = i + 1; j < i1; j++) T[(size_t)i * D + j] *= 2.0;
  if (i1 < D)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, i1 - i0, D - i1, R, 2.0,
                Z + (size_t)i0 * R, R, Z + (size_t)i1 * R, R, 0.0, T + (size_t)i0 * D + i1, D);
}

/* Step 2, block k of the batch rows: a = X wbar, X T, q, Delta, G_k (by panels, or
 * sign-split) and g_k. */
static void row_block(const struct blocked_call *q, int k)
{
  const int n = q->n, D = q->D, nb = q->nb, W = q->W;
  struct grok_work *w = q->w;
  size_t r0 = (size_t)k * (size_t)n / (size_t)nb, r1 = (size_t)(k + 1) * (size_t)n / (size_t)nb;
  int rows = (int)(r1 - r0);
  const double *Xk = q->b->X + r0 * (size_t)D;
  double *Gk = w->part + (size_t)k * D * D, *XTk = w->XT + r0 * (size_t)D;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, D, 1.0, Xk, D, q->wbar, 1, 0.0, w->a + r0, 1);
  if (W) { /* X T by column panels: X[:, 0:c1] T[0:c1, c0:c1] */
    for (int c0 = 0; c0 < D; c0 += W) {
      int c1 = panel_end(c0, W, D);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, c1 - c0, c1, 1.0, Xk, D,
                  q->T + c0, D, 0.0, XTk + c0, D);
    }
  } else {
    memcpy(XTk, Xk, (size_t)rows * (size_t)D * sizeof *XTk);
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, rows, D, 1.0,
                q->T, D, XTk, D);
  }
  int np = (int)residual_rows(q->S, q->b, r0, r1, w);
  if (W) { /* G_k[0:c1, c0:c1] = X[:, 0:c1]^T diag(Delta) X[:, c0:c1] */
    for (int c0 = 0; c0 < D; c0 += W) {
      int c1 = panel_end(c0, W, D);
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c1, c1 - c0, rows, 1.0, Xk, D, XTk + c0,
                  D, 0.0, Gk + c0, D);
    }
  } else {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, np, 1.0, XTk, D, 0.0, Gk, D);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, rows - np, -1.0,
                XTk + (size_t)np * (size_t)D, D, 1.0, Gk, D);
  }
  cblas_dgemv(CblasRowMajor, CblasTrans, rows, D, 1.0, Xk, D, w->Da + r0, 1, 0.0,
              w->gpart + (size_t)k * D, 1);
}

/* Step 3, row panel k of dZ = -omega Z - c eps G Z (§2.2; weight decay §1.5): the panel
 * first adds up its full rows of G = sum_k G_k (the G_k hold upper triangles: row i is
 * G_k[i][j] for j >= i and G_k[j][i] for j < i), so no thread waits for another's rows
 * of G. */
static void dz_panel(const struct blocked_call *q, int k)
{
  const int D = q->D, R = q->R, nb = q->nb;
  const double ce = q->S->c * q->S->eps, om = q->S->decay, *part = q->w->part, *Z = q->Z;
  double *G = q->G, *dZ = q->dZ;
  int i0 = k * D / nb, i1 = (k + 1) * D / nb;
  for (int i = i0; i < i1; i++) {
    double *g = G + (size_t)i * D;
    for (int j = 0; j < i; j++) {
      double v = part[(size_t)j * D + i];
      for (int l = 1; l < nb; l++) v += part[(size_t)l * D * D + (size_t)j * D + i];
      g[j] = v;
    }
    sum_parts(part + (size_t)i * D, nb, (size_t)D * D, i, D, g);
    for (int j = 0; j < R; j++) dZ[(size_t)i * R + j] = -om * Z[(size_t)i * R + j];
  }
  if (i1 > i0)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, i1 - i0, R, D, -ce, G + (size_t)i0 * D,
                D, Z, R, 1.0, dZ + (size_t)i0 * R, R);
}

/* The team for nb blocks: one thread per block at most, and no more than w->threads
 * (the run's thread count) or, when that is 0, OpenMP's default. */
static int team_size(const struct grok_work *w, int nb)
{
  int team = 1;
#ifdef _OPENMP
  if (w->parallel && nb > 1) {
    int most = w->threads > 0 ? w->threads : omp_get_max_threads();
    team = most < nb ? most : nb;
  }
#else
  (void)w, (void)nb;
#endif
  return team;
}

void grok_closure_rhs_blocked(const struct grok_system *S, const struct grok_batch *b,
                              const double *wbar, const double *Z, size_t r, double *dwbar,
                              double *dZ, struct grok_work *w)
{
  const struct blocked_call q = {.S = S,
                                 .b = b,
                                 .wbar = wbar,
                                 .Z = Z,
                                 .dZ = dZ,
                                 .T = w->M,
                                 .G = w->Mp,
                                 .w = w,
                                 .n = (int)b->n,
                                 .D = (int)S->D,
                                 .R = (int)r,
                                 .nb = (int)grok_blocks(b->n),
                                 .W = (int)w->panel};
  const int nb = q.nb, D = q.D;
  /* one BLAS thread per block whatever the team: OpenBLAS's sums depend on its own
   * thread count, and its threads would compete with the team's */
  int team = team_size(w, nb), blas = nb > 1 ? hd_blas_one_thread() : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(team) if (team > 1)
#endif
  {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) triangle_panel(&q, k);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) row_block(&q, k);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int k = 0; k < nb; k++) dz_panel(&q, k);
  }
  (void)team;
  hd_blas_restore(blas);
  /* dwbar = -omega wbar - c (g + eps G wbar) = -omega wbar - c X^T (Delta .* (1 + eps a)) */
  const double c = S->c, om = S->decay;
  for (int i = 0; i < D; i++) {
    double g = 0;
    for (int k = 0; k < nb; k++) g += w->gpart[(size_t)k * D + i];
    dwbar[i] = -om * wbar[i] - c * g;
  }
}
