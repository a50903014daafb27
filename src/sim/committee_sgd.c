/* committee_sgd.c — the simulated algorithm of the committee family (CM-1): a run's state is
 * the student's K x d weights followed by one sample's scratch. */
#include "sim/committee_sgd.h"

#include <math.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/lsq_kernel.h"

size_t cm_sgd_state_size(const struct cm_sgd *S) { return (S->K + 1) * S->d * sizeof(double); }

void cm_sgd_start(const struct cm_sgd *S, void *state)
{
  memcpy(state, S->w0, S->K * S->d * sizeof(double));
}

int cm_sgd_advance(const struct cm_sgd *S, uint64_t seed, uint64_t run, void *state, uint64_t k0,
                   uint64_t k1, uint64_t *bad_step)
{
  const size_t d = S->d, K = S->K, M = S->M;
  double *W = state, *a = W + K * d, coefk[16];
  struct hd_rng rf, rl;
  hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);
    hd_rng_normal_array_scaled(&rf, a, S->sqrt_lambda, d);
    double e = 0;
    if (S->noise != 0) {
      hd_rng_seek(&rl, k);
      e = S->noise * hd_rng_normal(&rl);
    }
    for (size_t m = 0; m < M; m++)
      e += S->vstar[m] * cm_g(&S->act, hd_dot(S->teacher + m * d, a, d));
    double pre[16];
    for (size_t j = 0; j < K; j++) {
      pre[j] = hd_dot(W + j * d, a, d);
      e -= S->v[j] * cm_g(&S->act, pre[j]);
    }
    const double eta = hd_schedule_lr((double)k / (double)d, S->schedule) / (double)d;
    int finite = isfinite(e);
    for (size_t j = 0; j < K; j++) {
      coefk[j] = eta * S->v[j] * cm_dg(&S->act, pre[j]) * e;
      finite = finite && isfinite(coefk[j]);
    }
    if (!finite) {
      if (bad_step) *bad_step = k;
      return 1;
    }
    for (size_t j = 0; j < K; j++) {
      double *w = W + j * d, c = coefk[j];
      for (size_t i = 0; i < d; i++) w[i] += c * a[i];
    }
  }
  return 0;
}

void cm_sgd_covariance(const struct cm_sgd *S, const void *state, double *C)
{
  const size_t d = S->d, K = S->K, n = K + S->M;
  const double *W = state;
  for (size_t p = 0; p < n; p++) {
    const double *wp = p < K ? W + p * d : S->teacher + (p - K) * d;
    for (size_t q = p; q < n; q++) {
      const double *wq = q < K ? W + q * d : S->teacher + (q - K) * d;
      double acc = 0;
      for (size_t i = 0; i < d; i++) acc += S->lambda[i] * wp[i] * wq[i];
      C[p * n + q] = C[q * n + p] = acc;
    }
  }
}
