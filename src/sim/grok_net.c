/* grok_net.c — the real training (grok.md §1.1): a width-N network, its own initialisation
 * W0 ~ N(0, sigma^2) drawn from the run's INIT stream keyed by (seed, run), trained by
 * full-batch GD on the system's fixed dataset.  Two algorithms give the same iterates:
 *
 *   neurons  literal GD on W (N x D): H = X W^T, Delta = f~ - y,
 *            W <- W - eta grad, grad_i = (2 alpha/(N P)) sum_mu Delta_mu phi'(H_mu i) x_mu,
 *            eta = eta0 N / alpha^2, i.e. W <- W - c E^T X, E = Delta .* phi'(H)   (4 N P D)
 *            (minibatch SGD: the same on the step's B points; weight decay: W <- (1 - omega) W)
 *   closure  the exact (wbar, Z) map of §2.1 seeded with this run's wbar0 and
 *            Sigma0 = L L^T (L = centred W0^T / sqrt(N) when N <= D, else from the
 *            eigendecomposition of Sigma0): cost 4 P D min(N, D), independent of N >= D.
 *   samples  the same map in sample space (§2.4, kernels/grok_sample.c): wbar = s wbar0 +
 *            X^T b, Z = U L with U = s I + X^T R X; the run enters through a0 = X wbar0
 *            and Gam = (X L)(X L)^T, so a step costs 4 P^3 whatever N and D; wbar and Z
 *            are rebuilt (Z = s L + X^T (R X L)) only at output times.
 *
 * The test of grok.md §7.1 runs both on the same seed and requires agreement to 1e-12. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/grok_net.h"

/* Per-run state, carved out of the engine's buffer (all doubles). */
struct net_state {
  double *wbar, *wbar0, *M0, *f0, *f0t, *dy; /* common */
  double *batch;                             /* minibatch gather (grok_batch_size) */
  double *Z, *L;                             /* closure, samples: D x r each */
  double *vel;                               /* momentum: velocities of (wbar, Z), W, or y */
  double *W, *W0, *H, *E;                    /* neurons: N x D, N x D, P x N, P x N */
  double *y, *a0, *Gam, *Gd, *C, *RC;        /* samples: state, P, P x P, P, P x r, P x r */
  struct grok_sample_work sw;                /* samples: step scratch */
  struct grok_work w;
};

static bool neurons(const struct grok_net *net) { return net->algorithm == GROK_NET_NEURONS; }
static bool samples(const struct grok_net *net) { return net->algorithm == GROK_NET_SAMPLES; }

/* Columns of the closure's Z (the observation scratch needs r = 1 for neurons). */
static size_t cols(const struct grok_net *net) { return neurons(net) ? 1 : net->r; }

static size_t layout(const struct grok_net *net, double *base, struct net_state *s)
{
  const struct grok_system *S = net->sys;
  size_t D = S->D, Pn = S->P, Pt = S->Pt, N = net->N, r = cols(net), k = 0;
#define TAKE(ptr, n) (s->ptr = base ? base + k : NULL, k += (n))
  TAKE(wbar, D);
  TAKE(wbar0, D);
  TAKE(M0, D * D);
  TAKE(f0, Pn);
  TAKE(f0t, Pt);
  TAKE(batch, samples(net) ? 0 : grok_batch_size(S));
  s->y = s->a0 = s->Gam = s->Gd = s->C = s->RC = NULL;
  if (samples(net)) {
    size_t n = grok_sample_state_size(Pn);
    TAKE(Z, D * r);
    TAKE(L, D * r);
    TAKE(y, n);
    TAKE(vel, S->momentum > 0 ? n : 0);
    TAKE(a0, Pn);
    TAKE(Gam, Pn * Pn);
    TAKE(Gd, Pn);
    TAKE(C, Pn * r);
    TAKE(RC, Pn * r);
    if (base) grok_sample_work_bind(&s->sw, base + k, Pn);
    k += grok_sample_work_size(Pn);
    s->dy = s->sw.dy;
    s->W = s->W0 = s->H = s->E = NULL;
  } else if (neurons(net)) {
    TAKE(W, N * D);
    TAKE(W0, N * D);
    TAKE(H, Pn * N);
    TAKE(E, Pn * N);
    TAKE(vel, S->momentum > 0 ? N * D : 0);
    TAKE(dy, S->momentum > 0 ? N * D : 0);
    s->Z = s->L = NULL;
  } else {
    TAKE(Z, D * r);
    TAKE(L, D * r);
    TAKE(dy, D + D * r);
    TAKE(vel, S->momentum > 0 ? D + D * r : 0);
    s->W = s->W0 = s->H = s->E = NULL;
  }
#undef TAKE
  size_t nw = grok_work_size(Pn, Pt, D, r, (S->slot_cka >= 0));
  if (base) grok_work_bind(&s->w, base + k, Pn, Pt, D, r, (S->slot_cka >= 0));
  return k + nw;
}

size_t grok_net_state_size(const struct grok_net *net)
{
  if (net->model == GROK_MODEL_READOUTS) return grok_readout_net_state_size(net);
  if (net->model == GROK_MODEL_LINEARISED) return grok_linearised_net_state_size(net);
  struct net_state s;
  return layout(net, NULL, &s) * sizeof(double);
}

static double phi(double h, double eps) { return h + 0.5 * eps * h * h; }

/* f(x_m) = (alpha/N) sum_i phi(w_i . x_m) for the rows of Xs (n x D), H = Xs W^T. */
static void net_predict(const struct grok_net *net, const double *W, const double *Xs, size_t n,
                        double *H, double *f)
{
  const struct grok_system *S = net->sys;
  size_t N = net->N, D = S->D;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)N, (int)D, 1.0, Xs, (int)D, W,
              (int)D, 0.0, H, (int)N);
  for (size_t m = 0; m < n; m++) {
    double s = 0;
    for (size_t i = 0; i < N; i++) s += phi(H[m * N + i], S->eps);
    f[m] = S->alpha * s / (double)N;
  }
}

static void moments_of(const struct grok_net *net, const double *W, double *wbar, double *M)
{
  const struct grok_system *S = net->sys;
  size_t N = net->N, D = S->D;
  for (size_t j = 0; j < D; j++) wbar[j] = 0;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < D; j++) wbar[j] += W[i * D + j];
  for (size_t j = 0; j < D; j++) wbar[j] /= (double)N;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)D, (int)N, 1.0 / (double)N, W, (int)D,
              0.0, M, (int)D);
  for (size_t i = 0; i < D; i++)
    for (size_t j = i + 1; j < D; j++) M[j * D + i] = M[i * D + j];
}

/* Sigma0 = L L^T with L = V diag(sqrt(max(lam, 0))) (D x D), for N > D. */
static void factor_sigma0(size_t D, const double *Sigma0, double *L)
{
  double *V = malloc(D * D * sizeof *V), *lam = malloc(D * sizeof *lam);
  memcpy(V, Sigma0, D * D * sizeof *V);
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)D, V, (lapack_int)D,
                                   lam);
  for (size_t i = 0; i < D; i++)
    for (size_t j = 0; j < D; j++)
      L[i * D + j] = info == 0 ? V[i * D + j] * sqrt(fmax(lam[j], 0.0)) : NAN;
  free(V);
  free(lam);
}

#define START_BLOCK ((size_t)1 << 20)

void grok_net_initial_weights(const struct grok_net *net, uint64_t run, double *W0)
{
  size_t n = net->N * net->sys->D;
  if (net->W0) {
    memcpy(W0, net->W0, n * sizeof *W0);
    return;
  }
  struct hd_rng rng;
  hd_rng_init(&rng, net->seed, run, HD_STREAM_INIT, 0);
  /* in blocks, so that a signal is seen within a block at any width (N = 1e7 draws for
   * seconds; the caller sees the flag); consecutive calls give exactly the deviates of
   * one call */
  for (size_t k0 = 0; k0 < n && !hd_interrupted(); k0 += START_BLOCK) {
    size_t m = n - k0 < START_BLOCK ? n - k0 : START_BLOCK;
    hd_rng_normal_array(&rng, W0 + k0, m);
    for (size_t k = k0; k < k0 + m; k++) W0[k] *= net->sys->sigma;
  }
}

void grok_net_initial_readouts(const struct grok_net *net, uint64_t run, double *a0)
{
  size_t N = net->N;
  if (net->a0) memcpy(a0, net->a0, N * sizeof *a0);
  else if (net->readout_init == GROK_READOUT_ONES)
    for (size_t i = 0; i < N; i++) a0[i] = 1.0;
  else {
    struct hd_rng rng;
    hd_rng_init(&rng, net->seed, run, HD_STREAM_INIT, 1);
    hd_rng_normal_array(&rng, a0, N);
  }
}

void grok_net_start(const struct grok_net *net, uint64_t run, void *state)
{
  if (net->model == GROK_MODEL_READOUTS) {
    grok_readout_net_start(net, run, state);
    return;
  }
  if (net->model == GROK_MODEL_LINEARISED) {
    grok_linearised_net_start(net, run, state);
    return;
  }
  const struct grok_system *S = net->sys;
  struct net_state s;
  layout(net, state, &s);
  size_t N = net->N, D = S->D, Pn = S->P, Pt = S->Pt;
  double *W0 = neurons(net) ? s.W0 : malloc(N * D * sizeof *W0);
  grok_net_initial_weights(net, run, W0);
  if (hd_interrupted()) { /* the engine abandons the run */
    if (!neurons(net)) free(W0);
    return;
  }
  moments_of(net, W0, s.wbar0, s.M0);
  memcpy(s.wbar, s.wbar0, D * sizeof *s.wbar);
  if (S->momentum > 0 && !samples(net))
    memset(s.vel, 0, (neurons(net) ? N * D : D + D * net->r) * sizeof *s.vel);

  if (neurons(net)) {
    memcpy(s.W, W0, N * D * sizeof *W0);
    /* f0 from the neurons themselves (independent of the moment algebra) */
    net_predict(net, W0, S->X, Pn, s.H, s.f0);
    double *Ht = malloc(Pt * N * sizeof *Ht);
    net_predict(net, W0, S->Xt, Pt, Ht, s.f0t);
    free(Ht);
    return;
  }
  size_t r = net->r;
  if (N <= D) {
    /* L = (W0 - wbar0)^T / sqrt(N): Z's columns are the centred neurons */
    double sn = 1.0 / sqrt((double)N);
    for (size_t i = 0; i < D; i++)
      for (size_t j = 0; j < N; j++) s.L[i * r + j] = (W0[j * D + i] - s.wbar0[i]) * sn;
  } else {
    double *S0 = malloc(D * D * sizeof *S0);
    for (size_t i = 0; i < D; i++)
      for (size_t j = 0; j < D; j++) S0[i * D + j] = s.M0[i * D + j] - s.wbar0[i] * s.wbar0[j];
    factor_sigma0(D, S0, s.L);
    free(S0);
  }
  memcpy(s.Z, s.L, D * r * sizeof *s.Z);
  /* f0 = alpha wbar0.x + (alpha eps/2) x^T M0 x: the residual with f0 = 0, plus y */
  struct grok_batch all = grok_full_batch(S, NULL);
  grok_residual(S, &all, s.wbar0, s.L, r, &s.w);
  for (size_t m = 0; m < Pn; m++) s.f0[m] = s.w.Delta[m] + S->y[m];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, S->Xt,
              (int)D, s.M0, (int)D, 0.0, s.w.tXM, (int)D);
  for (size_t m = 0; m < Pt; m++)
    s.f0t[m] = S->alpha * cblas_ddot((int)D, S->Xt + m * D, 1, s.wbar0, 1) +
               0.5 * S->alpha * S->eps * cblas_ddot((int)D, s.w.tXM + m * D, 1, S->Xt + m * D, 1);
  free(W0);
  if (!samples(net)) return;
  /* sample space: a0 = X wbar0, C = X L, Gam = C C^T; y = (b, s, R) = (0, 1, 0) */
  size_t ns = grok_sample_state_size(Pn);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pn, (int)D, 1.0, S->X, (int)D, s.wbar0, 1, 0.0,
              s.a0, 1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pn, (int)r, (int)D, 1.0, S->X, (int)D,
              s.L, (int)r, 0.0, s.C, (int)r);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Pn, (int)Pn, (int)r, 1.0, s.C, (int)r,
              s.C, (int)r, 0.0, s.Gam, (int)Pn);
  for (size_t m = 0; m < Pn; m++) s.Gd[m] = s.Gam[m * Pn + m];
  memset(s.y, 0, ns * sizeof *s.y);
  s.y[Pn] = 1.0;
  if (S->momentum > 0) memset(s.vel, 0, ns * sizeof *s.vel);
}

/* This run's start as the sample-space closure sees it. */
static struct grok_sample_seed run_seed(const struct grok_net *net, const struct net_state *s)
{
  const struct grok_system *S = net->sys;
  return (struct grok_sample_seed){
      .a0 = s->a0, .Gam = s->Gam, .Gd = s->Gd, .f0 = S->center ? s->f0 : NULL, .gscale = 1.0};
}

/* wbar = s wbar0 + X^T b and Z = s L + X^T (R C) from the sample-space state. */
static void rebuild_weights(const struct grok_net *net, struct net_state *s)
{
  const struct grok_system *S = net->sys;
  size_t D = S->D, Pn = S->P, r = net->r;
  const double *b = s->y, *R = s->y + Pn + 1, sc = s->y[Pn];
  for (size_t i = 0; i < D; i++) s->wbar[i] = sc * s->wbar0[i];
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)Pn, (int)D, 1.0, S->X, (int)D, b, 1, 1.0, s->wbar, 1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pn, (int)r, (int)Pn, 1.0, R, (int)Pn,
              s->C, (int)r, 0.0, s->RC, (int)r);
  for (size_t k = 0; k < D * r; k++) s->Z[k] = sc * s->L[k];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)r, (int)Pn, 1.0, S->X, (int)D,
              s->RC, (int)r, 1.0, s->Z, (int)r);
}

/* Delta on the batch from the neurons (H on the batch rows); returns the batch loss. */
static double net_residual(const struct grok_net *net, const struct grok_batch *b,
                           struct net_state *s)
{
  double *f = s->w.Delta;
  net_predict(net, s->W, b->X, b->n, s->H, f);
  double loss = 0;
  for (size_t m = 0; m < b->n; m++) {
    f[m] -= (b->f0 ? b->f0[m] : 0.0) + b->y[m];
    loss += f[m] * f[m];
  }
  return loss / (double)b->n;
}

int grok_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step)
{
  if (net->model == GROK_MODEL_READOUTS)
    return grok_readout_net_advance(net, state, k0, k1, bad_step);
  if (net->model == GROK_MODEL_LINEARISED)
    return grok_linearised_net_advance(net, state, k0, k1, bad_step);
  const struct grok_system *S = net->sys;
  struct net_state s;
  layout(net, state, &s);
  size_t N = net->N, D = S->D;
  const double *f0 = S->center ? s.f0 : NULL;
  if (samples(net)) {
    struct grok_sample_seed z = run_seed(net, &s);
    for (uint64_t k = k0; k < k1; k++) {
      if (hd_interrupted()) return 0; /* the engine abandons the run */
      grok_sample_step(S, &z, k, s.y, &s.sw);
      double check = 0;
      for (size_t i = 0; i <= S->P; i++) check += s.sw.dy[i];
      if (!isfinite(check)) {
        *bad_step = k;
        return 1;
      }
    }
    return 0;
  }
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    struct grok_batch b = grok_step_batch(S, k, f0, s.batch);
    double check = 0;
    if (neurons(net)) {
      check = net_residual(net, &b, &s);
      for (size_t m = 0; m < b.n; m++) {
        double dm = s.w.Delta[m];
        for (size_t i = 0; i < N; i++) s.E[m * N + i] = dm * (1.0 + S->eps * s.H[m * N + i]);
      }
      /* increment -c E^T X - omega W  (eta grad with eta = eta0 N / alpha^2, §1.1, §1.5) */
      if (S->momentum > 0) {
        for (size_t k2 = 0; k2 < N * D; k2++) s.dy[k2] = -S->decay * s.W[k2];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)D, (int)b.n, -S->c, s.E,
                    (int)N, b.X, (int)D, 1.0, s.dy, (int)D);
        grok_apply_step(S->momentum, s.dy, s.W, s.vel, N * D);
      } else {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)D, (int)b.n, -S->c, s.E,
                    (int)N, b.X, (int)D, 1.0 - S->decay, s.W, (int)D);
      }
    } else {
      size_t r = net->r;
      grok_closure_rhs(S, &b, s.wbar, s.Z, r, s.dy, s.dy + D, &s.w);
      for (size_t i = 0; i < D; i++) check += s.dy[i];
      /* wbar and Z are adjacent in the state, so one update covers both */
      grok_apply_step(S->momentum, s.dy, s.wbar, s.vel, D);
      grok_apply_step(S->momentum, s.dy + D, s.Z, s.vel ? s.vel + D : NULL, D * r);
    }
    if (!isfinite(check)) {
      *bad_step = k;
      return 1;
    }
  }
  return 0;
}

void grok_net_observe(const struct grok_net *net, const void *state, double *out)
{
  if (net->model == GROK_MODEL_READOUTS) {
    grok_readout_net_observe(net, state, out);
    return;
  }
  if (net->model == GROK_MODEL_LINEARISED) {
    grok_linearised_net_observe(net, state, out);
    return;
  }
  const struct grok_system *S = net->sys;
  struct net_state s;
  layout(net, (double *)(uintptr_t)state, &s);
  size_t D = S->D, N = net->N;
  double move2 = 0;
  struct grok_batch all = grok_full_batch(S, S->center ? s.f0 : NULL);
  if (neurons(net)) {
    out[GROK_OBS_TRAIN] = net_residual(net, &all, &s);
    moments_of(net, s.W, s.wbar, s.w.M);
    for (size_t k = 0; k < N * D; k++) move2 += (s.W[k] - s.W0[k]) * (s.W[k] - s.W0[k]);
    move2 /= (double)N;
  } else {
    size_t r = net->r;
    if (samples(net)) rebuild_weights(net, &s);
    out[GROK_OBS_TRAIN] = grok_residual(S, &all, s.wbar, s.Z, r, &s.w);
    grok_moment(D, s.wbar, s.Z, r, s.w.M);
    /* |W - W0|^2 / N = |wbar - wbar0|^2 + ||Z - L||_F^2 (w_i - w_i0 = wbar - wbar0 + (U - I) delta_i) */
    for (size_t i = 0; i < D; i++) move2 += (s.wbar[i] - s.wbar0[i]) * (s.wbar[i] - s.wbar0[i]);
    for (size_t k = 0; k < D * r; k++) move2 += (s.Z[k] - s.L[k]) * (s.Z[k] - s.L[k]);
  }
  grok_observe_moments(S, s.wbar, s.w.M, s.wbar0, s.M0, move2, S->center ? s.f0t : NULL, &s.w, out);
}
