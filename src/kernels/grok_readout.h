/* grok_readout.h — both layers trained (docs/theory/grok.md §5): the numerical kernel that
 * the N = infinity particle theory (ode/grok_readout_limit.c) and the finite networks
 * (sim/grok_net.c) both run.  A population of n neurons (w_i, a_i),
 *     f(x) = (alpha/n) sum_i a_i phi(w_i.x) = alpha m.x + (alpha eps/2) x^T Q x,
 *     m = (1/n) sum_i a_i w_i,   Q = (1/n) sum_i a_i w_i w_i^T                 (§5.1)
 * is trained by full-batch GD on both layers with the learning rate eta0 n / alpha^2 of
 * the hidden layer; with c = 2 eta0 / (alpha P) (the system's c), g = X^T Delta and
 * G = X^T diag(Delta) X every neuron moves by
 *     a_i <- a_i - c (g.w_i + (eps/2) w_i^T G w_i),   w_i <- w_i - c a_i (g + eps G w_i)
 * (both from the old values, §5.1).  A step costs 4 n D^2 + 4 P D^2 flops: G is formed
 * once and applied to every neuron, which beats the neuron-by-point form (4 n P D) when
 * D < P. */
#ifndef HDSIM_KERNELS_GROK_READOUT_H
#define HDSIM_KERNELS_GROK_READOUT_H

#include <stddef.h>

#include "kernels/grok_closure.h"

/* Scratch of one step or one observation of an n-neuron population. */
struct grok_readout_work {
  double *m, *g, *Q, *G; /* D, D, D x D, D x D */
  double *XQ, *XD;       /* P x D each */
  double *Delta;         /* P */
  double *V;             /* n x D: diag(a) W, then W G */
  double *Wg;            /* n */
};

size_t grok_readout_work_size(size_t n, size_t P, size_t D);
void grok_readout_work_bind(struct grok_readout_work *w, double *buf, size_t n, size_t P, size_t D);

/* m = (1/n) W^T a and Q = (1/n) W^T diag(a) W of the population (W: n x D). */
void grok_readout_moments(size_t n, size_t D, const double *W, const double *a, double *m,
                          double *Q, double *V);

/* Delta on the training points from (m, Q) (f0: the initial predictions, NULL when not
 * centred); fills w->Delta and returns the train loss mean(Delta^2). */
double grok_readout_residual(const struct grok_system *S, const double *f0, const double *m,
                             const double *Q, struct grok_readout_work *w);

/* One GD step of both layers.  Returns the train loss before the step (not finite when the
 * population diverged). */
double grok_readout_step(const struct grok_system *S, const double *f0, size_t n, double *W,
                         double *a, struct grok_readout_work *w);

/* Every observable of the population (W, a) that started at (W0, a0), whose initial
 * function had moments (m0, Q0) and predictions f0 (train) and f0t (test; both NULL when
 * not centred): §1.4 read off (m, Q) in place of (wbar, M), wnorm = ||W||_F / sqrt(n)
 * and relchange over all parameters (§5.3).  ow: observation scratch bound for at least one column. */
void grok_readout_observe(const struct grok_system *S, size_t n, const double *W, const double *a,
                          const double *W0, const double *a0, const double *m0, const double *Q0,
                          const double *f0, const double *f0t, struct grok_readout_work *w,
                          struct grok_work *ow, double *out);

#endif
