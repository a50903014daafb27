/* grok_closure.c — the exact two-moment closure of spec §2.1 in propagator form, and its
 * gradient flow (§2.2).  At N = infinity (wbar0 = 0, M0 = sigma^2 I, so L = sigma I and
 * Z(0) = sigma I) this is the infinite-width DMFT of the network (§2.3); the finite-N
 * simulation (src/sim/grok_net.c) runs the same right-hand side from the run's own W0.
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

#include "grok.h"
#include "blas_threads.h"
#include "rng.h"

struct grok_batch grok_full_batch(const struct grok_plan *P, const double *f0)
{
  return (struct grok_batch){.X = P->X, .y = P->y, .f0 = f0, .n = P->P};
}

size_t grok_batch_size(const struct grok_plan *P)
{
  return P->B < P->P ? P->B * (P->D + 2) + P->P : 0;
}

/* Partial Fisher-Yates shuffle of 0..P-1 from the data seed's EXTRA stream at block k:
 * perm[0..B) are the points of step k. */
static void batch_perm(const struct grok_plan *P, uint64_t k, double *perm)
{
  size_t n = P->P, B = P->B;
  for (size_t i = 0; i < n; i++) perm[i] = (double)i;
  struct hd_rng r;
  hd_rng_init(&r, P->data_seed, UINT64_MAX, HD_STREAM_EXTRA, k);
  for (size_t i = 0; i < B; i++) {
    size_t j = i + (size_t)(hd_rng_uniform(&r) * (double)(n - i));
    if (j >= n) j = n - 1;
    double t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

void grok_step_mask(const struct grok_plan *P, uint64_t k, double *perm, double *inb)
{
  memset(inb, 0, P->P * sizeof *inb);
  batch_perm(P, k, perm);
  for (size_t i = 0; i < P->B; i++) inb[(size_t)perm[i]] = 1.0;
}

struct grok_batch grok_step_batch(const struct grok_plan *P, uint64_t k, const double *f0,
                                  double *buf)
{
  if (P->B >= P->P) return grok_full_batch(P, f0);
  size_t B = P->B, D = P->D;
  double *Xb = buf, *yb = Xb + B * D, *fb = yb + B, *perm = fb + B;
  batch_perm(P, k, perm);
  for (size_t i = 0; i < B; i++) {
    size_t m = (size_t)perm[i];
    memcpy(Xb + i * D, P->X + m * D, D * sizeof *Xb);
    yb[i] = P->y[m];
    fb[i] = f0 ? f0[m] : 0.0;
  }
  return (struct grok_batch){.X = Xb, .y = yb, .f0 = f0 ? fb : NULL, .n = B};
}

double grok_residual(const struct grok_plan *P, const struct grok_batch *b, const double *wbar,
                     const double *Z, size_t r, struct grok_work *w)
{
  size_t Pn = b->n, D = P->D;
  double al = P->p.alpha, hae = 0.5 * P->p.alpha * P->p.eps;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pn, (int)D, 1.0, b->X, (int)D, wbar, 1, 0.0,
              w->a, 1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pn, (int)r, (int)D, 1.0, b->X,
              (int)D, Z, (int)r, 0.0, w->XZ, (int)r);
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

void grok_closure_rhs(const struct grok_plan *P, const struct grok_batch *b, const double *wbar,
                      const double *Z, size_t r, double *dwbar, double *dZ,
                      struct grok_work *w)
{
  size_t Pn = b->n, D = P->D;
  if (w->blocks && grok_blocked_pays(Pn, D, r)) {
    grok_closure_rhs_blocked(P, b, wbar, Z, r, dwbar, dZ, w);
    return;
  }
  double c = P->c, eps = P->p.eps, om = P->decay;
  grok_residual(P, b, wbar, Z, r, w);
  for (size_t m = 0; m < Pn; m++) {
    w->Da[m] = w->Delta[m] * (1.0 + eps * w->a[m]);
    double dm = w->Delta[m];
    double *src = w->XZ + m * r, *dst = w->DXZ + m * r;
    for (size_t j = 0; j < r; j++) dst[j] = dm * src[j];
  }
  /* weight decay (§1.5): the affine map gains -omega w_i, so -omega wbar and -omega Z */
  for (size_t i = 0; i < D; i++) dwbar[i] = -om * wbar[i];
  for (size_t i = 0; i < D * r; i++) dZ[i] = -om * Z[i];
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)Pn, (int)D, -c, b->X, (int)D, w->Da, 1, 1.0,
              dwbar, 1);
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

/* ---- N = infinity theory: state y = (wbar, Z), Z of size D x D ------------------- */

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

/* (wbar, Z), followed with momentum by their velocities (ubar, Zu), which start at 0. */
size_t grok_width_dimension(const void *plan)
{
  const struct grok_plan *P = plan;
  return (P->D + P->D * P->D) * (P->p.momentum > 0 ? 2 : 1);
}

void grok_width_rec_init(const void *plan, double *y)
{
  const struct grok_plan *P = plan;
  size_t D = P->D;
  memset(y, 0, grok_width_dimension(P) * sizeof *y);
  for (size_t i = 0; i < D; i++) y[D + i * D + i] = P->p.sigma; /* Z(0) = L = sigma I */
}

int grok_rhs_status(const double *dy, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(dy[i])) return 1;
  return 0;
}

static int width_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  struct grok_plan *P = params;
  size_t D = P->D;
  struct grok_batch b = grok_full_batch(P, P->p.center ? P->f0_inf : NULL);
  grok_closure_rhs(P, &b, y, y + D, D, dy, dy + D, &P->tw);
  return grok_rhs_status(dy, D + D * D);
}

int grok_width_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct grok_plan *P = plan;
  grok_width_rec_init(P, y0);
  *sys = (struct hd_ode_system){.dimension = grok_width_dimension(P), .rhs = width_rhs,
                                .params = P};
  return 0;
}

/* Discrete GD = forward Euler with unit step of the same right-hand side (§2.2). */
void grok_width_rec_step(const void *plan, uint64_t k, double *y)
{
  const struct grok_plan *P = plan;
  size_t n = P->D + P->D * P->D;
  struct grok_work w = P->tw; /* the plan's theory scratch (one theory at a time) */
  struct grok_batch b = grok_step_batch(P, k, P->p.center ? P->f0_inf : NULL, P->tbatch);
  grok_closure_rhs(P, &b, y, y + P->D, P->D, P->tdy, P->tdy + P->D, &w);
  grok_apply_step(P->p.momentum, P->tdy, y, y + n, n);
}

/* While the theory's increment shares its blocks among OpenMP threads, its observables
 * keep OpenBLAS on one thread too: after a multi-threaded call OpenBLAS's idle threads
 * spin in sched_yield for ~0.1 s, and with an output every few steps they held a core
 * the team needed (measured on a Fig. 3(e) point: 35 % of the time in libgomp waits,
 * 2 threads slower than 1). */
void grok_width_rec_observe(const void *plan, const double *y, double *out)
{
  const struct grok_plan *P = plan;
  int blas = P->tw.parallel && P->tw.blocks > 1 ? hd_blas_one_thread() : 1;
  size_t D = P->D;
  struct grok_work w = P->tw;
  const double *wbar = y, *Z = y + D;
  struct grok_batch all = grok_full_batch(P, P->p.center ? P->f0_inf : NULL);
  out[GROK_OBS_TRAIN] = grok_residual(P, &all, wbar, Z, D, &w);
  grok_moment(D, wbar, Z, D, w.M);
  /* |W - W0|^2 / N = |wbar - wbar0|^2 + ||Z - L||_F^2 with wbar0 = 0, L = sigma I */
  double move2 = cblas_ddot((int)D, wbar, 1, wbar, 1);
  for (size_t i = 0; i < D; i++)
    for (size_t j = 0; j < D; j++) {
      double v = Z[i * D + j] - (i == j ? P->p.sigma : 0.0);
      move2 += v * v;
    }
  grok_observe_moments(P, wbar, w.M, P->zero_D, P->M0_inf, move2,
                       P->p.center ? P->f0t_inf : NULL, &w, out);
  hd_blas_restore(blas);
}
