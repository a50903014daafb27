/* gmm_sgd.c — the real algorithm: one-pass (mini-batch) SGD on a Gaussian mixture,
 * simulated in the shared eigenbasis (gmm.md §1.1, exact, O(d q) per sample):
 *   c ~ Cat(p) (uniform from block k of the run's LABEL stream),
 *   x = mu_c + sqrt(lambda^(c)) .* z,  z = block k of the run's FEATURES stream,
 *   r = X^T x,  X <- (1 - gamma delta / d) X - (gamma / (d B)) sum_batch x grad_r f(r; c)^T
 * (gmm.md §1.3, §2.8).  Least squares with a teacher adds <theta*, x> to the label, and label
 * noise comes from block k of the run's EXTRA stream.  Every number a step uses is a pure
 * function of (seed, run, k), so runs are bit-identical for any thread count and any
 * split of a run into advance() calls.  Dot products use hd_dot (8 fixed partial sums). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/gmm_sgd.h"
#include "sim/lsq_kernel.h"

#define STREAM_LABEL_NOISE (HD_STREAM_EXTRA + 0)

/* state: X (q columns of d) | x (d) | batch accumulator (q d, only when B > 1) |
 * G, AdaGrad-Norm's d^-2 sum_{j<k} ||grad_j||^2 (one value) */
static size_t adagrad_slot(const struct gmm_sgd *S)
{
  size_t qd = S->q * S->d;
  return qd + S->d + (S->batch > 1 ? qd : 0);
}

size_t gmm_sgd_state_size(const struct gmm_sgd *S)
{
  return (adagrad_slot(S) + 1) * sizeof(double);
}

void gmm_sgd_start(const struct gmm_sgd *S, uint64_t run, void *state)
{
  double *X = state;
  size_t n = S->q * S->d;
  if (S->init_random) {
    struct hd_rng r;
    hd_rng_init(&r, S->seed, run, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, X, n);
    double s = S->init_scale / sqrt((double)S->d);
    for (size_t i = 0; i < n; i++) X[i] *= s;
  } else if (S->X0) {
    memcpy(X, S->X0, n * sizeof(double));
  } else {
    memset(X, 0, n * sizeof(double));
  }
  X[adagrad_slot(S)] = 0.0;
}

static double sigmoid(double r) { return r >= 0 ? 1 / (1 + exp(-r)) : exp(r) / (1 + exp(r)); }

/* grad_r f(r; c) into gr (q values); y is the q = 1 label (teacher and noise included). */
static void loss_grad(const struct gmm_sgd *S, size_t c, const double *r, double y, double *gr)
{
  const size_t q = S->q;
  switch (S->loss) {
  case GMM_LOSS_LS: gr[0] = r[0] - y; return;
  case GMM_LOSS_LOGISTIC: gr[0] = sigmoid(r[0]) - y; return;
  case GMM_LOSS_ONEHOT_LS:
    for (size_t j = 0; j < q; j++) gr[j] = r[j] - (j == c ? 1.0 : 0.0);
    return;
  case GMM_LOSS_SOFTMAX: {
    double mx = r[0], z = 0;
    for (size_t j = 1; j < q; j++) mx = fmax(mx, r[j]);
    for (size_t j = 0; j < q; j++) z += (gr[j] = exp(r[j] - mx));
    for (size_t j = 0; j < q; j++) gr[j] = gr[j] / z - (j == c ? 1.0 : 0.0);
    return;
  }
  }
}

int gmm_sgd_advance(const struct gmm_sgd *S, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step)
{
  const size_t d = S->d, q = S->q, l = S->l, B = S->batch;
  const double dd = (double)d, noise = S->label_noise, delta = S->ridge;
  const double *theta = S->teacher ? S->u + l * d : NULL;
  double *X = state, *x = X + q * d, *acc = x + d, *G = X + adagrad_slot(S);
  double r[GMM_MAX_Q], gr[GMM_MAX_Q];
  struct hd_rng rf, rl, rn;
  hd_rng_init(&rf, S->seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, S->seed, run, HD_STREAM_LABEL, k0);
  hd_rng_init(&rn, S->seed, run, STREAM_LABEL_NOISE, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);
    hd_rng_seek(&rl, k);
    if (noise != 0) hd_rng_seek(&rn, k);
    const double gamma = S->adaptive ? S->schedule->lr / sqrt(S->adagrad_b * S->adagrad_b + *G)
                                     : hd_schedule_lr((double)k / dd, S->schedule);
    double gsum = 0; /* sum over the batch of ||x||^2 ||grad_r f||^2 */
    const double g = gamma / (dd * (double)B), shrink = 1.0 - gamma * delta / dd;
    if (B > 1) memset(acc, 0, q * d * sizeof(double));
    for (size_t b = 0; b < B; b++) {
      /* a batch of 1e6 samples is seconds of work: the flag is polled within it too */
      if ((b & 4095) == 4095 && hd_interrupted()) return 0;
      double uc = hd_rng_uniform(&rl);
      size_t c = 0;
      while (c + 1 < l && uc > S->cum[c]) c++;
      hd_rng_normal_array_scaled(&rf, x, S->sqrt_lambda + c * d, d);
      const double *mu = S->u + c * d;
      for (size_t i = 0; i < d; i++) x[i] += mu[i];
      for (size_t j = 0; j < q; j++) r[j] = hd_dot(X + j * d, x, d);
      double y = S->label[c];
      if (theta) y += hd_dot(theta, x, d);
      if (noise != 0) y += noise * hd_rng_normal(&rn);
      if (!isfinite(r[0]) || (q > 1 && !isfinite(r[q - 1]))) {
        if (bad_step) *bad_step = k;
        return 1;
      }
      loss_grad(S, c, r, y, gr);
      if (S->adaptive) {
        double g2 = 0;
        for (size_t j = 0; j < q; j++) g2 += gr[j] * gr[j];
        gsum += hd_dot(x, x, d) * g2;
      }
      if (B == 1) {
        for (size_t j = 0; j < q; j++) {
          double *Xj = X + j * d, cj = g * gr[j];
          if (delta != 0)
            for (size_t i = 0; i < d; i++) Xj[i] = shrink * Xj[i] - cj * x[i];
          else
            for (size_t i = 0; i < d; i++) Xj[i] -= cj * x[i];
        }
      } else {
        for (size_t j = 0; j < q; j++) {
          double *Aj = acc + j * d, cj = gr[j];
          for (size_t i = 0; i < d; i++) Aj[i] += cj * x[i];
        }
      }
    }
    if (B > 1)
      for (size_t i = 0; i < q * d; i++) X[i] = shrink * X[i] - g * acc[i];
    if (S->adaptive) *G += gsum / ((double)B * dd * dd); /* used from step k + 1 on */
  }
  double chk = 0;
  for (size_t i = 0; i < q * d; i++) chk += X[i] - X[i];
  if (chk != 0.0) {
    if (bad_step) *bad_step = k1;
    return 1;
  }
  return 0;
}

/* Exact observables of X (gmm.md §1.4): the run's per-group projected norms and overlaps,
 * in the theory's state layout, which the package reads through the theory's observables. */
void gmm_sgd_project(const struct gmm_sgd *S, const void *state, double *y)
{
  const size_t d = S->d, q = S->q, A = S->A, nv = q * (q + 1) / 2, b = nv + A * q;
  const double *X = state;
  const double *theta = S->teacher ? S->u + S->l * d : NULL;
  if (S->adaptive) y[S->n_groups * b] = X[adagrad_slot(S)];
  double e[GMM_MAX_Q];
  for (size_t i = 0; i < d; i++) {
    double *yg = y + S->mode_group[i] * b;
    for (size_t j = 0; j < q; j++) e[j] = X[j * d + i];
    if (theta) e[0] -= theta[i];
    for (size_t j = 0; j < q; j++)
      for (size_t k = j; k < q; k++) yg[gmm_sym(q, j, k)] += e[j] * e[k];
    for (size_t a = 0; a < A; a++) {
      double ua = S->u[a * d + i];
      if (ua != 0)
        for (size_t j = 0; j < q; j++) yg[nv + a * q + j] += ua * e[j];
    }
  }
}
