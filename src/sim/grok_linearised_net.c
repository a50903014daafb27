/* grok_linearised_net.c — the finite-width linearised (lazy) network (docs/theory/grok.md
 * §5.4): f linearised around the run's W0,
 *     f~(x) = (alpha/N) sum_i phi'(w_i0.x) x.delta_i,   delta_i = w_i - w_i0,
 * trained by the same full-batch GD on the N x D weights (centred, readouts fixed to 1):
 *     delta <- delta - c E^T X,   E_{mu i} = Delta_mu phi'(w_i0.x_mu),   Delta = f~ - y.
 * A step is two P x N x D products (4 N P D flops) with Phi0 = phi'(X W0^T) kept.  Its
 * observables are those of §1.2 with u = mean delta_i and M' = C + C^T,
 * C = (1/N) sum_i delta_i w_i0^T — the function's moments, as the lazy limit reports them
 * (§2.5). */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "interrupt.h"
#include "sim/grok_net.h"

struct linearised_state {
  double *delta, *W0;       /* N x D each */
  double *Phi0, *T;         /* P x N each: phi'(X W0^T) and X delta^T, then E */
  double *wbar0, *M0, *f0t; /* D, D x D, P_test */
  double *wbar, *M, *Delta; /* D, D x D, P */
  struct grok_work ow;
};

static size_t layout(const struct grok_net *net, double *base, struct linearised_state *s)
{
  const struct grok_system *S = net->sys;
  size_t D = S->D, P = S->P, Pt = S->Pt, N = net->N, k = 0;
#define TAKE(ptr, n) (s->ptr = base ? base + k : NULL, k += (n))
  TAKE(delta, N * D);
  TAKE(W0, N * D);
  TAKE(Phi0, P * N);
  TAKE(T, P * N);
  TAKE(wbar0, D);
  TAKE(M0, D * D);
  TAKE(f0t, Pt);
  TAKE(wbar, D);
  TAKE(M, D * D);
  TAKE(Delta, P);
#undef TAKE
  if (base) grok_work_bind(&s->ow, base + k, P, Pt, D, 1, false);
  return k + grok_work_size(P, Pt, D, 1, false);
}

size_t grok_linearised_net_state_size(const struct grok_net *net)
{
  struct linearised_state s;
  return layout(net, NULL, &s) * sizeof(double);
}

static void column_mean(size_t N, size_t D, const double *A, double *mean)
{
  memset(mean, 0, D * sizeof *mean);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < D; j++) mean[j] += A[i * D + j];
  for (size_t j = 0; j < D; j++) mean[j] /= (double)N;
}

void grok_linearised_net_start(const struct grok_net *net, uint64_t run, void *state)
{
  const struct grok_system *S = net->sys;
  struct linearised_state s;
  layout(net, state, &s);
  size_t N = net->N, D = S->D, P = S->P, Pt = S->Pt;
  grok_net_initial_weights(net, run, s.W0);
  memset(s.delta, 0, N * D * sizeof *s.delta);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)N, (int)D, S->eps, S->X, (int)D,
              s.W0, (int)D, 0.0, s.Phi0, (int)N);
  for (size_t k = 0; k < P * N; k++) s.Phi0[k] += 1.0;
  /* W0's moments and f(x; W0) on the test points: the observables subtract it */
  double in = 1.0 / (double)N;
  column_mean(N, D, s.W0, s.wbar0);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)D, (int)N, in, s.W0, (int)D,
              s.W0, (int)D, 0.0, s.M0, (int)D);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, S->Xt,
              (int)D, s.M0, (int)D, 0.0, s.ow.tXM, (int)D);
  for (size_t m = 0; m < Pt; m++)
    s.f0t[m] = S->alpha * cblas_ddot((int)D, S->Xt + m * D, 1, s.wbar0, 1) +
               0.5 * S->alpha * S->eps * cblas_ddot((int)D, s.ow.tXM + m * D, 1, S->Xt + m * D, 1);
}

/* Delta = f~ - y on the training points (T = X delta^T left in s->T); returns mean(Delta^2). */
static double residual(const struct grok_net *net, struct linearised_state *s)
{
  const struct grok_system *S = net->sys;
  size_t N = net->N, D = S->D, P = S->P;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)N, (int)D, 1.0, S->X, (int)D,
              s->delta, (int)D, 0.0, s->T, (int)N);
  double loss = 0, an = S->alpha / (double)N;
  for (size_t mu = 0; mu < P; mu++) {
    double f = 0;
    for (size_t i = 0; i < N; i++) f += s->Phi0[mu * N + i] * s->T[mu * N + i];
    double d = an * f - S->y[mu];
    s->Delta[mu] = d;
    loss += d * d;
  }
  return loss / (double)P;
}

int grok_linearised_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                                uint64_t *bad_step)
{
  const struct grok_system *S = net->sys;
  struct linearised_state s;
  layout(net, state, &s);
  size_t N = net->N, D = S->D, P = S->P;
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    double loss = residual(net, &s);
    if (!isfinite(loss)) {
      *bad_step = k;
      return 1;
    }
    for (size_t mu = 0; mu < P; mu++)
      for (size_t i = 0; i < N; i++) s.T[mu * N + i] = s.Delta[mu] * s.Phi0[mu * N + i];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)D, (int)P, -S->c, s.T, (int)N,
                S->X, (int)D, 1.0, s.delta, (int)D);
  }
  return 0;
}

void grok_linearised_net_observe(const struct grok_net *net, const void *state, double *out)
{
  const struct grok_system *S = net->sys;
  struct linearised_state s;
  layout(net, (double *)(uintptr_t)state, &s);
  size_t N = net->N, D = S->D;
  double train = residual(net, &s), in = 1.0 / (double)N, move2 = 0;
  /* wbar = wbar0 + mean delta; M = M0 + C + C^T with C = (1/N) delta^T W0 */
  column_mean(N, D, s.delta, s.wbar);
  for (size_t j = 0; j < D; j++) s.wbar[j] += s.wbar0[j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)D, (int)N, in, s.delta, (int)D,
              s.W0, (int)D, 0.0, s.M, (int)D);
  for (size_t i = 0; i < D; i++)
    for (size_t j = i; j < D; j++) {
      double v = s.M[i * D + j] + s.M[j * D + i];
      s.M[i * D + j] = s.M0[i * D + j] + v;
      s.M[j * D + i] = s.M0[j * D + i] + v;
    }
  for (size_t k = 0; k < N * D; k++) move2 += s.delta[k] * s.delta[k];
  grok_observe_moments(S, s.wbar, s.M, s.wbar0, s.M0, move2 * in, s.f0t, &s.ow, out);
  out[GROK_OBS_TRAIN] = train;
}
