/* grok_limit.h — the deterministic limits of DMFT grokking (docs/theory/grok.md),
 * all at infinite width, each as a CVODE system (gradient flow, §2.2) and as a recursion
 * (discrete GD, exact):
 *   ode/grok_width.c         the exact (wbar, Z) closure at N = infinity (§2.1, §2.3)
 *   ode/grok_sample_limit.c  the same closure in sample space (§2.4): O(P^3) a step, P < D
 *   ode/grok_lazy.c          the lazy limit alpha -> infinity (§2.5)
 *   ode/grok_population.c    the population limit P -> infinity (§2.6)
 *   ode/grok_readout_limit.c both layers trained: the N = infinity DMFT sampled by a
 *                            symmetrised particle population (§5.2), discrete GD only
 * They step the kernel of kernels/grok_closure.h on the system the package filled, and
 * read every observable through its grok_observe_moments. */
#ifndef HDSIM_ODE_GROK_LIMIT_H
#define HDSIM_ODE_GROK_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "integrate.h"
#include "kernels/grok_closure.h"

/* The first three are [theory] limit's choices; READOUTS is the width limit of the
 * trained-readout model, chosen by the package. */
enum grok_limit_kind {
  GROK_LIMIT_WIDTH,
  GROK_LIMIT_LAZY,
  GROK_LIMIT_POPULATION,
  GROK_LIMIT_READOUTS
};

struct grok_sample_limit;  /* ode/grok_sample_limit.c */
struct grok_readout_limit; /* ode/grok_readout_limit.c */

/* One limit of one system (plain fields, filled by the package; the arrays are the
 * package's except those the prepare functions below allocate). */
struct grok_limit {
  const struct grok_system *sys;
  int kind;         /* enum grok_limit_kind */
  bool sample_form; /* kind = width: the closure in sample space */
  /* the N = infinity start: wbar0 = 0, M0 = sigma^2 I, f0 = (alpha eps/2) sigma^2 |x|^2 on
   * the training (f0) and test (f0t) points */
  const double *f0, *f0t;
  const double *M0, *zero; /* sigma^2 I (D x D) and 0 (D) */
  const double *K0;        /* the initial NTK on the training points (lazy limit) */
  /* lazy limit (grok_lazy_prepare): K0 = V diag(lam) V^T, yhat = V^T y */
  double *V, *lam, *yhat;
  /* scratch (one theory at a time): observables and increment (grok_work: D columns),
   * the increment's output (D + D^2) and a minibatch gather */
  struct grok_work tw;
  double *tdy, *tbatch;
  struct grok_sample_limit *smp; /* sample form (grok_sample_limit_prepare) */
  /* trained readouts (grok_readout_limit_prepare): M particles, initial readouts
   * (enum grok_readout_init of sim/grok_net.h: 0 all 1, 1 N(0, 1)) */
  size_t particles;
  int readout_init;
  struct grok_readout_limit *ro;
};

/* ---- ode/grok_width.c ---- */
size_t grok_width_dimension(const struct grok_limit *L);
int grok_width_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0);
void grok_width_rec_init(const struct grok_limit *L, double *state);
void grok_width_rec_step(const struct grok_limit *L, uint64_t k, double *state);
void grok_width_rec_observe(const struct grok_limit *L, const double *state, double *out);

/* ---- ode/grok_sample_limit.c ---- */
/* Its set-up (the cross Gram matrices and scratch, once; sys->K must be set) and release. */
int grok_sample_limit_prepare(struct grok_limit *L);
void grok_sample_limit_free(struct grok_sample_limit *S);
/* Bytes it holds. */
size_t grok_sample_limit_bytes(const struct grok_limit *L);
size_t grok_sample_limit_dimension(const struct grok_limit *L);
void grok_sample_limit_rec_init(const struct grok_limit *L, double *state);
void grok_sample_limit_rec_step(const struct grok_limit *L, uint64_t k, double *state);
int grok_sample_limit_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0);
void grok_sample_limit_observe(const struct grok_limit *L, const double *state, double *out);

/* ---- ode/grok_lazy.c ---- */
int grok_lazy_prepare(struct grok_limit *L);
size_t grok_lazy_dimension(const struct grok_limit *L);
int grok_lazy_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0);
void grok_lazy_observe(const struct grok_limit *L, const double *ahat, double *out);
void grok_lazy_rec_step(const struct grok_limit *L, uint64_t k, double *state);
/* The closed form (GD or gradient flow) at step/time t: fills ahat (P). */
void grok_lazy_closed_form(const struct grok_limit *L, double t, bool gd, double *ahat);

/* ---- ode/grok_population.c ---- */
size_t grok_pop_dimension(const struct grok_limit *L);
int grok_pop_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0);
void grok_pop_observe(const struct grok_limit *L, const double *ma, double *out);
void grok_pop_rec_init(const struct grok_limit *L, double *state);
void grok_pop_rec_step(const struct grok_limit *L, uint64_t k, double *state);
/* dm/dt, da/dt of §2.6 at (m, a). */
void grok_pop_rates(const struct grok_limit *L, double m, double a, double *dm, double *da);
/* Fixed point m* = sigma^2 + b_* D/(alpha eps) (§2.6). */
double grok_pop_fixed_point(const struct grok_limit *L);

/* ---- ode/grok_readout_limit.c ---- */
/* The symmetrised, whitened particle start (M = L->particles, a multiple of 4, >= 4 D)
 * drawn from the data seed's stream, and the scratch; 0, or -1 (out of memory or a
 * singular draw). */
int grok_readout_limit_prepare(struct grok_limit *L);
void grok_readout_limit_free(struct grok_readout_limit *R);
size_t grok_readout_limit_bytes(const struct grok_limit *L);
size_t grok_readout_limit_dimension(const struct grok_limit *L);
void grok_readout_limit_rec_init(const struct grok_limit *L, double *state);
void grok_readout_limit_rec_step(const struct grok_limit *L, uint64_t k, double *state);
void grok_readout_limit_observe(const struct grok_limit *L, const double *state, double *out);

#endif
