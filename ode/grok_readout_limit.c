/* grok_readout_limit.c — the N = infinity theory of the trained-readout network
 * (docs/theory/grok.md §5.2).  With both layers trained phi' a is no longer affine in a
 * neuron's state, so the moments do not close; the mean-field (DMFT) limit is a flow of
 * the single-neuron law, each neuron moved by the same fields (g, G).  It is computed as
 * that flow acting on a quadrature of the initial law: M particles (w_k, a_k) drawn once
 * from the data seed, then
 *   - symmetrised: (+-w_k, 1) for a = 1, (+-w_k, +-a_k) for a ~ N(0, 1), so every odd
 *     moment of the initial law is exact (m0 = 0, and Q0 = 0 for normal readouts);
 *   - whitened: (1/h) sum_k w_k w_k^T = sigma^2 I exactly (h base draws, Cholesky), and
 *     (1/q) sum a_k^2 = 1,
 * so the start is the N = infinity start (Q0 = sigma^2 I, f0 = (alpha eps/2) sigma^2 |x|^2
 * for a = 1) to rounding, and the remaining error is the quadrature's, O(M^-1/2) in the
 * higher moments the dynamics reach (§5.2 gives its measured size).  Each step is the
 * kernel's (kernels/grok_readout.h): 4 M D^2 + 4 P D^2 flops. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/grok_readout.h"
#include "ode/grok_limit.h"
#include "rng.h"

struct grok_readout_limit {
  size_t M;
  double *start;    /* M (D + 1): W0 then a0 */
  double *m0, *Q0;  /* D, D x D */
  double *f0, *f0t; /* P, P_test */
  double *buf;      /* the kernel's scratch */
  struct grok_readout_work rw;
};

/* The stream of the particle draw: the data seed's, at a purpose no other draw uses. */
enum { PARTICLE_STREAM = HD_STREAM_EXTRA + 7 };

void grok_readout_limit_free(struct grok_readout_limit *R)
{
  if (!R) return;
  free(R->start);
  free(R->m0);
  free(R->Q0);
  free(R->f0);
  free(R->f0t);
  free(R->buf);
  free(R);
}

size_t grok_readout_limit_dimension(const struct grok_limit *L)
{
  return L->particles * (L->sys->D + 1);
}

size_t grok_readout_limit_bytes(const struct grok_limit *L)
{
  const struct grok_system *S = L->sys;
  size_t M = L->particles, D = S->D;
  return (M * (D + 1) + D + D * D + S->P + S->Pt + grok_readout_work_size(M, S->P, D)) *
         sizeof(double);
}

/* h rows of W (h x D): (1/h) W^T W = sigma^2 I, by W <- sigma W L^-T, (1/h) W^T W = L L^T. */
static int whiten(size_t h, size_t D, double sigma, double *W)
{
  double *C = malloc(D * D * sizeof *C);
  if (!C) return -1;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)D, (int)h, 1.0 / (double)h, W, (int)D,
              0.0, C, (int)D);
  lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)D, C, (lapack_int)D);
  if (info == 0)
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)h, (int)D,
                sigma, C, (int)D, W, (int)D);
  free(C);
  return info == 0 ? 0 : -1;
}

/* f = alpha m.x + (alpha eps/2) x^T Q x on the n rows of Xs (scratch XQ: n x D). */
static void predict(const struct grok_system *S, const double *m, const double *Q, const double *Xs,
                    size_t n, double *XQ, double *f)
{
  size_t D = S->D;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)D, (int)D, 1.0, Xs, (int)D, Q,
              (int)D, 0.0, XQ, (int)D);
  for (size_t mu = 0; mu < n; mu++)
    f[mu] = S->alpha * cblas_ddot((int)D, Xs + mu * D, 1, m, 1) +
            0.5 * S->alpha * S->eps * cblas_ddot((int)D, XQ + mu * D, 1, Xs + mu * D, 1);
}

int grok_readout_limit_prepare(struct grok_limit *L)
{
  const struct grok_system *S = L->sys;
  size_t M = L->particles, D = S->D, P = S->P, Pt = S->Pt;
  bool normal = L->readout_init == 1;
  size_t base = normal ? M / 4 : M / 2; /* distinct draws before the sign images */
  struct grok_readout_limit *R = calloc(1, sizeof *R);
  if (!R) return -1;
  L->ro = R;
  R->M = M;
  R->start = malloc(M * (D + 1) * sizeof(double));
  R->m0 = malloc(D * sizeof(double));
  R->Q0 = malloc(D * D * sizeof(double));
  R->f0 = malloc(P * sizeof(double));
  R->f0t = malloc(Pt * sizeof(double));
  R->buf = malloc(grok_readout_work_size(M, P, D) * sizeof(double));
  double *Wb = malloc(base * D * sizeof(double)), *ab = malloc(base * sizeof(double));
  int rc = -1;
  if (!R->start || !R->m0 || !R->Q0 || !R->f0 || !R->f0t || !R->buf || !Wb || !ab) goto out;
  grok_readout_work_bind(&R->rw, R->buf, M, P, D);
  struct hd_rng r;
  hd_rng_init(&r, S->data_seed, UINT64_MAX, PARTICLE_STREAM, 0);
  hd_rng_normal_array(&r, Wb, base * D);
  hd_rng_seek(&r, 1);
  hd_rng_normal_array(&r, ab, base);
  if (whiten(base, D, S->sigma, Wb) != 0) goto out;
  double a2 = 0;
  for (size_t k = 0; k < base; k++) a2 += ab[k] * ab[k];
  double as = sqrt((double)base / a2);
  double *W = R->start, *a = R->start + M * D;
  size_t images = M / base; /* 2: (+-w, 1); 4: (+-w, +-a) */
  for (size_t im = 0; im < images; im++)
    for (size_t k = 0; k < base; k++) {
      size_t i = im * base + k;
      double sw = (im & 1) ? -1.0 : 1.0, sa = (im & 2) ? -1.0 : 1.0;
      for (size_t j = 0; j < D; j++) W[i * D + j] = sw * Wb[k * D + j];
      a[i] = normal ? sa * as * ab[k] : 1.0;
    }
  grok_readout_moments(M, D, W, a, R->m0, R->Q0, R->rw.V);
  predict(S, R->m0, R->Q0, S->X, P, R->rw.XQ, R->f0);
  double *XQt = malloc(Pt * D * sizeof *XQt);
  if (!XQt) goto out;
  predict(S, R->m0, R->Q0, S->Xt, Pt, XQt, R->f0t);
  free(XQt);
  rc = 0;
out:
  free(Wb);
  free(ab);
  return rc;
}

void grok_readout_limit_rec_init(const struct grok_limit *L, double *state)
{
  memcpy(state, L->ro->start, grok_readout_limit_dimension(L) * sizeof *state);
}

void grok_readout_limit_rec_step(const struct grok_limit *L, uint64_t k, double *state)
{
  (void)k;
  const struct grok_system *S = L->sys;
  struct grok_readout_limit *R = L->ro;
  size_t M = R->M;
  grok_readout_step(S, S->center ? R->f0 : NULL, M, state, state + M * S->D, &R->rw);
}

void grok_readout_limit_observe(const struct grok_limit *L, const double *state, double *out)
{
  const struct grok_system *S = L->sys;
  struct grok_readout_limit *R = L->ro;
  size_t M = R->M, D = S->D;
  struct grok_work w = L->tw;
  bool c = S->center;
  grok_readout_observe(S, M, state, state + M * D, R->start, R->start + M * D, R->m0, R->Q0,
                       c ? R->f0 : NULL, c ? R->f0t : NULL, &R->rw, &w, out);
}
