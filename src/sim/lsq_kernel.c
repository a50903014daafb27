/* lsq_kernel.c — one-pass SGD on streaming least squares, the hot loop (see lsq_kernel.h).
 *
 * Per step k:
 *   x = sqrt_lambda .* z,  z = block k of the run's FEATURES stream (d normals or signs);
 *   eps = label_noise * (first normal of block k of the LABEL stream)   [0, no draw, if
 *         label_noise == 0];
 *   r = hd_dot(x, e) - eps;  g = lr(k/d)/d;
 *   ridge == 0:  e_i <- e_i - (g r) x_i
 *   ridge != 0:  e_i <- e_i - g (r x_i + ridge (e_i + theta*_i))
 * Everything is IEEE-strict and in a fixed order, so the bits depend only on
 * (seed, run, k0, k1, e) and never on how a run is split into calls.
 *
 * Divergence: *bad_step is the first k in [k0, k1] with r_k or e_k non-finite (r is
 * checked every step, e_{k1} once at the end); e is then left at e_k. */
#include "lsq_kernel.h"

#include <math.h>

#include "interrupt.h"
#include "rng.h"

double hd_dot(const double *a, const double *b, size_t n)
{
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += a[i + 0] * b[i + 0];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
    s4 += a[i + 4] * b[i + 4];
    s5 += a[i + 5] * b[i + 5];
    s6 += a[i + 6] * b[i + 6];
    s7 += a[i + 7] * b[i + 7];
  }
  /* tail: element i + j goes to partial sum j */
  switch (n - i) {
  case 7: s6 += a[i + 6] * b[i + 6]; /* fall through */
  case 6: s5 += a[i + 5] * b[i + 5]; /* fall through */
  case 5: s4 += a[i + 4] * b[i + 4]; /* fall through */
  case 4: s3 += a[i + 3] * b[i + 3]; /* fall through */
  case 3: s2 += a[i + 2] * b[i + 2]; /* fall through */
  case 2: s1 += a[i + 1] * b[i + 1]; /* fall through */
  case 1: s0 += a[i + 0] * b[i + 0]; /* fall through */
  default: break;
  }
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

size_t hd_lsq_kernel_work_size(const struct hd_lsq_kernel *K) { return K->d; }

static void update_plain(double *restrict e, const double *restrict x, double c, size_t d)
{
  for (size_t i = 0; i < d; i++) e[i] = e[i] - c * x[i];
}

static void update_ridge(double *restrict e, const double *restrict x, const double *restrict th,
                         double g, double r, double ridge, size_t d)
{
  for (size_t i = 0; i < d; i++) e[i] = e[i] - g * (r * x[i] + ridge * (e[i] + th[i]));
}

static void scale_inplace(double *restrict x, const double *restrict s, size_t d)
{
  for (size_t i = 0; i < d; i++) x[i] = s[i] * x[i];
}

static int all_finite(const double *e, size_t d)
{
  double acc = 0.0; /* NaN iff some e_i is inf or NaN */
  for (size_t i = 0; i < d; i++) acc += e[i] - e[i];
  return acc == 0.0;
}

/* The part of step k after the feature vector x is drawn: label noise from block k of
 * the LABEL stream, residual, and the update (LS-1).  Shared by every feature basis (the
 * eigenbasis here, the pixel basis of lsq_stationary.c). */
int hd_lsq_kernel_step(const struct hd_lsq_kernel *K, struct hd_rng *label, uint64_t k,
                       const double *x, double *e)
{
  const size_t d = K->d;
  const double dd = (double)d;
  double eps = 0.0;
  if (K->label_noise != 0.0) {
    hd_rng_seek(label, k);
    eps = K->label_noise * hd_rng_normal(label);
  }
  const double r = hd_dot(x, e, d) - eps;
  if (!isfinite(r)) return 1;
  const double g = K->lr((double)k / dd, K->lr_ctx) / dd;
  if (K->ridge != 0.0) update_ridge(e, x, K->theta_star, g, r, K->ridge, d);
  else update_plain(e, x, g * r, d);
  return 0;
}

int hd_all_finite(const double *e, size_t d) { return all_finite(e, d); }

int hd_lsq_kernel_advance(const struct hd_lsq_kernel *K, uint64_t seed, uint64_t run, double *e,
                          double *work, uint64_t k0, uint64_t k1, uint64_t *bad_step)
{
  const size_t d = K->d;
  const double *sl = K->sqrt_lambda;
  double *x = work;
  struct hd_rng rf, rl;

  hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k0);

  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);
    if (K->law == HD_FEATURES_RADEMACHER) {
      hd_rng_rademacher_array(&rf, x, d);
      if (sl) scale_inplace(x, sl, d);
    } else {
      hd_rng_normal_array_scaled(&rf, x, sl, d); /* x = sqrt_lambda .* z in one pass */
    }

    if (hd_lsq_kernel_step(K, &rl, k, x, e) != 0) {
      if (bad_step) *bad_step = k;
      return 1;
    }
  }

  if (!all_finite(e, d)) {
    if (bad_step) *bad_step = k1;
    return 1;
  }
  return 0;
}
