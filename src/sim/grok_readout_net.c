/* grok_readout_net.c — finite networks with both layers trained (docs/theory/grok.md §5):
 * the run's W0 (file or drawn) and readouts a0 (file, all 1, or N(0, 1)), then literal
 * full-batch GD on (W, a) through kernels/grok_readout.h.  The observables are those of
 * §1.4 read off the function's moments (m, Q) in place of (wbar, M); relchange is the
 * relative change of all parameters (§5.3). */
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interrupt.h"
#include "kernels/grok_readout.h"
#include "sim/grok_net.h"

struct readout_state {
  double *W, *a, *W0, *a0; /* N x D, N, N x D, N */
  double *m0, *Q0;         /* D, D x D: the initial function's moments */
  double *f0, *f0t;        /* P, P_test: initial predictions */
  struct grok_readout_work rw;
  struct grok_work ow; /* the shared observables' scratch (one column) */
};

static size_t layout(const struct grok_net *net, double *base, struct readout_state *s)
{
  const struct grok_system *S = net->sys;
  size_t D = S->D, P = S->P, Pt = S->Pt, N = net->N, k = 0;
#define TAKE(ptr, n) (s->ptr = base ? base + k : NULL, k += (n))
  TAKE(W, N * D);
  TAKE(a, N);
  TAKE(W0, N * D);
  TAKE(a0, N);
  TAKE(m0, D);
  TAKE(Q0, D * D);
  TAKE(f0, P);
  TAKE(f0t, Pt);
#undef TAKE
  if (base) grok_readout_work_bind(&s->rw, base + k, N, P, D);
  k += grok_readout_work_size(N, P, D);
  if (base) grok_work_bind(&s->ow, base + k, P, Pt, D, 1, false);
  return k + grok_work_size(P, Pt, D, 1, false);
}

size_t grok_readout_net_state_size(const struct grok_net *net)
{
  struct readout_state s;
  return layout(net, NULL, &s) * sizeof(double);
}

/* f(x) = alpha m.x + (alpha eps/2) x^T Q x on the n rows of Xs, scratch XQ (n x D). */
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

void grok_readout_net_start(const struct grok_net *net, uint64_t run, void *state)
{
  const struct grok_system *S = net->sys;
  struct readout_state s;
  layout(net, state, &s);
  size_t N = net->N, D = S->D;
  grok_net_initial_weights(net, run, s.W0);
  grok_net_initial_readouts(net, run, s.a0);
  memcpy(s.W, s.W0, N * D * sizeof *s.W);
  memcpy(s.a, s.a0, N * sizeof *s.a);
  grok_readout_moments(N, D, s.W0, s.a0, s.m0, s.Q0, s.rw.V);
  predict(S, s.m0, s.Q0, S->X, S->P, s.rw.XQ, s.f0);
  predict(S, s.m0, s.Q0, S->Xt, S->Pt, s.ow.tXM, s.f0t);
}

int grok_readout_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                             uint64_t *bad_step)
{
  const struct grok_system *S = net->sys;
  struct readout_state s;
  layout(net, state, &s);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    double loss = grok_readout_step(S, S->center ? s.f0 : NULL, net->N, s.W, s.a, &s.rw);
    if (!isfinite(loss)) {
      *bad_step = k;
      return 1;
    }
  }
  return 0;
}

void grok_readout_net_observe(const struct grok_net *net, const void *state, double *out)
{
  const struct grok_system *S = net->sys;
  struct readout_state s;
  layout(net, (double *)(uintptr_t)state, &s);
  bool c = S->center;
  grok_readout_observe(S, net->N, s.W, s.a, s.W0, s.a0, s.m0, s.Q0, c ? s.f0 : NULL,
                       c ? s.f0t : NULL, &s.rw, &s.ow, out);
}
