/* grok_width.c — the N = infinity limit of DMFT grokking: the exact (wbar, Z) closure of
 * grok.md §2.1 started at wbar0 = 0, L = sigma I (§2.3), state y = (wbar, Z) with Z of size
 * D x D (then their velocities with momentum).  Discrete GD is the kernel's increment
 * applied once per step, gradient flow the same right-hand side under CVODE (§2.2). */
#include <cblas.h>
#include <string.h>

#include "blas_threads.h"
#include "ode/grok_limit.h"

/* (wbar, Z), followed with momentum by their velocities (ubar, Zu), which start at 0. */
size_t grok_width_dimension(const struct grok_limit *L)
{
  size_t D = L->sys->D;
  return (D + D * D) * (L->sys->momentum > 0 ? 2 : 1);
}

void grok_width_rec_init(const struct grok_limit *L, double *y)
{
  size_t D = L->sys->D;
  memset(y, 0, grok_width_dimension(L) * sizeof *y);
  for (size_t i = 0; i < D; i++) y[D + i * D + i] = L->sys->sigma; /* Z(0) = L = sigma I */
}

static int width_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  struct grok_limit *L = params;
  const struct grok_system *S = L->sys;
  size_t D = S->D;
  struct grok_batch b = grok_full_batch(S, S->center ? L->f0 : NULL);
  grok_closure_rhs(S, &b, y, y + D, D, dy, dy + D, &L->tw);
  return grok_rhs_status(dy, D + D * D);
}

int grok_width_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0)
{
  grok_width_rec_init(L, y0);
  *sys = (struct hd_ode_system){
      .dimension = grok_width_dimension(L), .rhs = width_rhs, .params = L};
  return 0;
}

/* Discrete GD = forward Euler with unit step of the same right-hand side (§2.2). */
void grok_width_rec_step(const struct grok_limit *L, uint64_t k, double *y)
{
  const struct grok_system *S = L->sys;
  size_t D = S->D, n = D + D * D;
  struct grok_work w = L->tw; /* the limit's scratch (one theory at a time) */
  struct grok_batch b = grok_step_batch(S, k, S->center ? L->f0 : NULL, L->tbatch);
  grok_closure_rhs(S, &b, y, y + D, D, L->tdy, L->tdy + D, &w);
  grok_apply_step(S->momentum, L->tdy, y, y + n, n);
}

/* While the theory's increment shares its blocks among OpenMP threads, its observables
 * keep OpenBLAS on one thread too: after a multi-threaded call OpenBLAS's idle threads
 * spin in sched_yield for ~0.1 s, and with an output every few steps they held a core
 * the team needed (measured on a Fig. 3(e) point: 35 % of the time in libgomp waits,
 * 2 threads slower than 1). */
void grok_width_rec_observe(const struct grok_limit *L, const double *y, double *out)
{
  const struct grok_system *S = L->sys;
  int blas = L->tw.parallel && L->tw.blocks > 1 ? hd_blas_one_thread() : 1;
  size_t D = S->D;
  struct grok_work w = L->tw;
  const double *wbar = y, *Z = y + D;
  struct grok_batch all = grok_full_batch(S, S->center ? L->f0 : NULL);
  out[GROK_OBS_TRAIN] = grok_residual(S, &all, wbar, Z, D, &w);
  grok_moment(D, wbar, Z, D, w.M);
  /* |W - W0|^2 / N = |wbar - wbar0|^2 + ||Z - L||_F^2 with wbar0 = 0, L = sigma I */
  double move2 = cblas_ddot((int)D, wbar, 1, wbar, 1);
  for (size_t i = 0; i < D; i++)
    for (size_t j = 0; j < D; j++) {
      double v = Z[i * D + j] - (i == j ? S->sigma : 0.0);
      move2 += v * v;
    }
  grok_observe_moments(S, wbar, w.M, L->zero, L->M0, move2, S->center ? L->f0t : NULL, &w, out);
  hd_blas_restore(blas);
}
