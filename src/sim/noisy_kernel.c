/* noisy_kernel.c — noisy SGD, clipping, mini-batches and fixed datasets (see
 * noisy_kernel.h).  IEEE-strict and in a fixed order: the bits depend only on
 * (seed, run, k0, k1, e). */
#include "noisy_kernel.h"

#include <math.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"

/* work layout: x[d] | xi[d] | acc[d] | epoch (uint64) | perm[n] (uint32) */
struct work_view {
  double *x, *xi, *acc;
  uint64_t *epoch;
  uint32_t *perm;
};

static struct work_view view(const struct hd_noisy_kernel_cfg *K, void *work)
{
  size_t d = K->base->d;
  double *w = work;
  struct work_view v = {w, w + d, w + 2 * d, (uint64_t *)(w + 3 * d), NULL};
  v.perm = (uint32_t *)(v.epoch + 1);
  return v;
}

size_t hd_noisy_kernel_work_bytes(const struct hd_noisy_kernel_cfg *K)
{
  size_t n = K->records && K->shuffle ? K->records : 0;
  return 3 * K->base->d * sizeof(double) + sizeof(uint64_t) + n * sizeof(uint32_t);
}

void hd_noisy_kernel_start(const struct hd_noisy_kernel_cfg *K, void *work)
{
  *view(K, work).epoch = UINT64_MAX; /* no permutation drawn yet */
}

/* z of the given law into x, scaled by sqrt(lambda). */
static void draw_features(const struct hd_noisy_kernel_cfg *K, struct hd_rng *r, double *x)
{
  const size_t d = K->base->d;
  const double *sl = K->base->sqrt_lambda;
  switch (K->law) {
  case HD_FEATURES_RADEMACHER: hd_rng_rademacher_array(r, x, d); break;
  case 2: /* U[-sqrt3, sqrt3] */
    for (size_t i = 0; i < d; i++) x[i] = sqrt(3.0) * (2 * hd_rng_uniform(r) - 1);
    break;
  case 3: /* U[0, sqrt12]: the paper's features, not centred */
    for (size_t i = 0; i < d; i++) x[i] = sqrt(12.0) * hd_rng_uniform(r);
    break;
  default: hd_rng_normal_array_scaled(r, x, sl, d); return;
  }
  if (sl)
    for (size_t i = 0; i < d; i++) x[i] *= sl[i];
}

/* One sample from the (seed, key) FEATURES / LABEL streams, block `block`. */
static double draw_sample(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t key,
                          uint64_t block, double *x)
{
  struct hd_rng r;
  hd_rng_init(&r, seed, key, HD_STREAM_FEATURES, block);
  draw_features(K, &r, x);
  if (K->base->label_noise == 0.0) return 0.0;
  hd_rng_init(&r, seed, key, HD_STREAM_LABEL, block);
  double z = hd_rng_normal(&r);
  if (K->label_clip > 0) z = fmin(fmax(z, -K->label_clip), K->label_clip);
  return K->base->label_noise * z;
}

/* Record i of the fixed dataset: a row of the user's data, or drawn from the dataset key. */
static double fixed_record(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t i,
                           double *x)
{
  if (!K->rows) return draw_sample(K, seed, UINT64_MAX, i, x);
  const size_t d = K->base->d;
  memcpy(x, K->rows + i * d, d * sizeof *x);
  return K->row_eps[i];
}

void hd_noisy_record(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t i, double *x,
                     double *eps)
{
  *eps = fixed_record(K, seed, i, x);
}

/* Fisher-Yates permutation of epoch `ep` of this run. */
static void draw_permutation(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t run,
                             uint64_t ep, uint32_t *perm)
{
  size_t n = K->records;
  struct hd_rng r;
  hd_rng_init(&r, seed, run, HD_STREAM_ORDER, ep);
  for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)(hd_rng_uniform(&r) * (double)(i + 1));
    if (j > i) j = i;
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

static double norm2(const double *a, size_t n) { return hd_dot(a, a, n); }

static int all_finite(const double *e, size_t d)
{
  double acc = 0.0;
  for (size_t i = 0; i < d; i++) acc += e[i] - e[i];
  return acc == 0.0;
}

int hd_noisy_kernel_advance(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t run,
                            double *e, void *work, uint64_t k0, uint64_t k1, uint64_t *bad_step)
{
  const struct hd_lsq_kernel *L = K->base;
  const size_t d = L->d, B = K->batch;
  const double dd = (double)d, Bd = (double)B, ridge = L->ridge;
  const double *ts = L->theta_star;
  const double C = K->clip_norm;
  struct work_view w = view(K, work);
  struct hd_rng rn;
  hd_rng_init(&rn, seed, run, HD_STREAM_NOISE, k0);

  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    const double eta = L->lr((double)(k * B) / dd, L->lr_ctx) / dd * Bd;
    if (B > 1) memset(w.acc, 0, d * sizeof(double));
    double theta2 = 0; /* ||theta||^2, only for clip_full */
    if (C > 0 && K->clip_full) {
      theta2 = 0;
      for (size_t i = 0; i < d; i++) theta2 += (e[i] + ts[i]) * (e[i] + ts[i]);
    }
    double f_full = 1.0, r_single = 0.0;
    for (size_t b = 0; b < B; b++) {
      uint64_t j = k * B + b;
      double eps;
      if (K->records) {
        uint64_t ep = j / K->records, pos = j % K->records;
        if (K->shuffle) {
          if (*w.epoch != ep) {
            draw_permutation(K, seed, run, ep, w.perm);
            *w.epoch = ep;
          }
          pos = w.perm[pos];
        }
        eps = fixed_record(K, seed, pos, w.x);
      } else {
        eps = draw_sample(K, seed, run, j, w.x);
      }
      double r = hd_dot(w.x, e, d) - eps;
      if (!isfinite(r)) {
        if (bad_step) *bad_step = k;
        return 1;
      }
      double f = 1.0;
      if (C > 0) { /* clipping with the actual gradient norm */
        double gn2;
        if (K->clip_full) {
          double xt = hd_dot(w.x, e, d) + hd_dot(w.x, ts, d);
          gn2 = r * r * norm2(w.x, d) + 2 * r * ridge * xt + ridge * ridge * theta2;
        } else {
          gn2 = r * r * norm2(w.x, d);
        }
        if (gn2 > C * C) f = C / sqrt(gn2);
      }
      if (B == 1) {
        f_full = f;
        r_single = r;
      } else {
        double fr = f * r;
        for (size_t i = 0; i < d; i++) w.acc[i] += fr * w.x[i];
        if (C > 0 && K->clip_full)
          for (size_t i = 0; i < d; i++) w.acc[i] += f * ridge * (e[i] + ts[i]);
      }
    }
    double sn = 0.0;
    if (K->noise != 0.0) {
      hd_rng_seek(&rn, k);
      hd_rng_normal_array(&rn, w.xi, d);
      sn = K->noise / Bd;
    }
    /* the ridge term: inside the clipped gradient (clip_full) or added as is */
    const int inside = C > 0 && K->clip_full;
    if (B == 1) {
      const double fr = f_full * r_single, fd = inside ? f_full * ridge : ridge;
      if (sn != 0.0)
        for (size_t i = 0; i < d; i++)
          e[i] -= eta * (fr * w.x[i] + fd * (e[i] + ts[i]) + sn * w.xi[i]);
      else
        for (size_t i = 0; i < d; i++) e[i] -= eta * (fr * w.x[i] + fd * (e[i] + ts[i]));
    } else {
      const double rid = inside ? 0.0 : ridge;
      for (size_t i = 0; i < d; i++)
        e[i] -= eta * (w.acc[i] / Bd + rid * (e[i] + ts[i]) + (sn != 0.0 ? sn * w.xi[i] : 0.0));
    }
  }
  if (!all_finite(e, d)) {
    if (bad_step) *bad_step = k1;
    return 1;
  }
  return 0;
}
