/* lsq_stationary.c — stationary covariances in the pixel basis with FFTW (see
 * lsq_stationary.h).  IEEE-strict and in a fixed order: FFTW_ESTIMATE plans depend only
 * on the sizes, and every thread executes the same plans on its own 64-byte aligned
 * buffers (fftw_execute_dft_r2c / _c2r are thread-safe; planning is not, so plan
 * creation and destruction hold a lock).  No fftw_cleanup: it would invalidate every
 * other FFTW plan alive in the process (ode/lsq_volterra.c uses FFTW too), and the
 * planner's memory stays reachable, so LeakSanitizer is quiet without it (checked). */
#include "lsq_stationary.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"

struct hd_stationary {
  int dims;
  size_t n, d, nh, m;  /* side, dimension, complex entries of r2c, last-axis length */
  double *lambda;      /* d eigenvalues in eigen order */
  double *scale;       /* nh: sqrt(lambda_h) / d */
  size_t *pos;         /* d: half-spectrum position of eigen index i */
  unsigned char *part; /* d: 0 self-conjugate, 1 cos (Re), 2 sin (Im) */
  long *mirror;        /* nh: position of the conjugate representative, or -1 */
  fftw_plan fwd, bwd;  /* r2c and c2r, out of place */
};

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t isqrt_exact(size_t d)
{
  size_t n = (size_t)llround(sqrt((double)d));
  while (n * n > d) n--;
  while ((n + 1) * (n + 1) <= d) n++;
  return n * n == d ? n : 0;
}

struct hd_stationary *hd_stationary_create(int dims, size_t d, double exponent, double f0,
                                           char *msg, size_t msglen)
{
  if (dims != 1 && dims != 2) {
    snprintf(msg, msglen, "signal_dims must be 1 or 2, got %d", dims);
    return NULL;
  }
  size_t n = dims == 1 ? d : isqrt_exact(d);
  if (n == 0 || d < 2) {
    snprintf(msg, msglen,
             "a 2-D stationary signal is a sqrt(d) x sqrt(d) image: d = %zu is "
             "not a perfect square >= 4",
             d);
    return NULL;
  }
  if (!(f0 > 0) || !(exponent >= 0)) {
    snprintf(msg, msglen, "need corner_frequency > 0 and spectral_exponent >= 0");
    return NULL;
  }
  struct hd_stationary *S = calloc(1, sizeof *S);
  S->dims = dims;
  S->n = n;
  S->d = d;
  S->m = n / 2 + 1;
  S->nh = dims == 1 ? S->m : n * S->m;
  S->lambda = malloc(d * sizeof *S->lambda);
  S->scale = malloc(S->nh * sizeof *S->scale);
  S->pos = malloc(d * sizeof *S->pos);
  S->part = malloc(d);
  S->mirror = malloc(S->nh * sizeof *S->mirror);

  /* S(f) at each half-spectrum position, the eigen map, and the conjugate mirrors */
  double *spec = malloc(S->nh * sizeof *spec), nf = (double)n * (double)n * f0 * f0;
  size_t i = 0;
  for (size_t h = 0; h < S->nh; h++) {
    size_t k1 = dims == 2 ? h / S->m : 0, k2 = h % S->m;
    long long w1 = 2 * k1 <= n ? (long long)k1 : (long long)k1 - (long long)n;
    long long w2 = (long long)k2; /* k2 <= n/2 */
    long long ksq = w1 * w1 + w2 * w2;
    spec[h] = pow(1.0 + (double)ksq / nf, -0.5 * exponent);
    size_t n1 = (n - k1) % n;
    S->mirror[h] = -1;
    if (k2 == 0 || 2 * k2 == n) { /* -k is in the array too */
      if (n1 == k1) {
        S->pos[i] = h;
        S->part[i++] = 0;
      } else if (k1 < n1) {
        S->pos[i] = h;
        S->part[i++] = 1;
        S->pos[i] = h;
        S->part[i++] = 2;
      } else {
        S->mirror[h] = (long)(n1 * S->m + k2);
      }
    } else {
      S->pos[i] = h;
      S->part[i++] = 1;
      S->pos[i] = h;
      S->part[i++] = 2;
    }
  }
  if (i != d) { /* cannot happen: the real Fourier basis has d vectors */
    snprintf(msg, msglen, "internal error: %zu real Fourier modes for d = %zu", i, d);
    free(spec);
    free(S->lambda), free(S->scale), free(S->pos), free(S->part), free(S->mirror), free(S);
    return NULL;
  }
  double sum = 0;
  for (i = 0; i < d; i++) sum += spec[S->pos[i]];
  double c = (double)d / sum; /* mean eigenvalue 1 */
  for (i = 0; i < d; i++) S->lambda[i] = spec[S->pos[i]] * c;
  for (size_t h = 0; h < S->nh; h++) S->scale[h] = sqrt(spec[h] * c) / (double)d;
  free(spec);

  pthread_mutex_lock(&planner_lock);
  double *re = fftw_malloc(d * sizeof(double));
  fftw_complex *cx = fftw_malloc(S->nh * sizeof(fftw_complex));
  if (dims == 1) {
    S->fwd = fftw_plan_dft_r2c_1d((int)n, re, cx, FFTW_ESTIMATE);
    S->bwd = fftw_plan_dft_c2r_1d((int)n, cx, re, FFTW_ESTIMATE);
  } else {
    S->fwd = fftw_plan_dft_r2c_2d((int)n, (int)n, re, cx, FFTW_ESTIMATE);
    S->bwd = fftw_plan_dft_c2r_2d((int)n, (int)n, cx, re, FFTW_ESTIMATE);
  }
  fftw_free(re);
  fftw_free(cx);
  pthread_mutex_unlock(&planner_lock);
  return S;
}

void hd_stationary_destroy(struct hd_stationary *S)
{
  if (!S) return;
  pthread_mutex_lock(&planner_lock);
  fftw_destroy_plan(S->fwd);
  fftw_destroy_plan(S->bwd);
  pthread_mutex_unlock(&planner_lock);
  free(S->lambda);
  free(S->scale);
  free(S->pos);
  free(S->part);
  free(S->mirror);
  free(S);
}

void hd_stationary_lambda(const struct hd_stationary *S, double *lambda)
{
  memcpy(lambda, S->lambda, S->d * sizeof *lambda);
}

void hd_stationary_to_eigen(const struct hd_stationary *S, const double *x, double *coords)
{
  size_t d = S->d;
  double *re = fftw_malloc(d * sizeof(double));
  fftw_complex *Y = fftw_malloc(S->nh * sizeof(fftw_complex));
  memcpy(re, x, d * sizeof(double));
  fftw_execute_dft_r2c(S->fwd, re, Y);
  double s1 = 1.0 / sqrt((double)d), s2 = sqrt(2.0 / (double)d);
  for (size_t i = 0; i < d; i++) {
    const double *y = Y[S->pos[i]];
    coords[i] = S->part[i] == 0 ? s1 * y[0] : S->part[i] == 1 ? s2 * y[0] : -s2 * y[1];
  }
  fftw_free(re);
  fftw_free(Y);
}

void hd_stationary_from_eigen(const struct hd_stationary *S, const double *coords, double *x)
{
  size_t d = S->d;
  double *re = fftw_malloc(d * sizeof(double));
  fftw_complex *Y = fftw_malloc(S->nh * sizeof(fftw_complex));
  memset(Y, 0, S->nh * sizeof(fftw_complex));
  /* Y_k = sqrt(d) a (self-conjugate), sqrt(d/2) (a - i b) (pair) */
  double s1 = sqrt((double)d), s2 = sqrt(0.5 * (double)d);
  for (size_t i = 0; i < d; i++) {
    double *y = Y[S->pos[i]];
    if (S->part[i] == 0) y[0] = s1 * coords[i];
    else if (S->part[i] == 1) y[0] = s2 * coords[i];
    else y[1] = -s2 * coords[i];
  }
  for (size_t h = 0; h < S->nh; h++) /* Hermitian redundancy of the k2 = 0, n/2 columns */
    if (S->mirror[h] >= 0) {
      Y[h][0] = Y[S->mirror[h]][0];
      Y[h][1] = -Y[S->mirror[h]][1];
    }
  fftw_execute_dft_c2r(S->bwd, Y, re);
  for (size_t j = 0; j < d; j++) x[j] = re[j] / (double)d;
  fftw_free(re);
  fftw_free(Y);
}

/* work: [pad to 64 bytes] z/x (d doubles, rounded up to 8) | Y (2 nh doubles) [pad] */
size_t hd_stationary_work_size(const struct hd_stationary *S)
{
  return (S->d + 7) / 8 * 8 + 2 * S->nh + 16;
}

static double *aligned64(double *w)
{
  uintptr_t p = (uintptr_t)w;
  return (double *)((p + 63) & ~(uintptr_t)63);
}

/* x = C^{1/2} z for the z already in buf; Y is the complex scratch. */
static void colour(const struct hd_stationary *S, double *buf, fftw_complex *Y)
{
  fftw_execute_dft_r2c(S->fwd, buf, Y);
  const double *s = S->scale;
  for (size_t h = 0; h < S->nh; h++) {
    Y[h][0] *= s[h];
    Y[h][1] *= s[h];
  }
  fftw_execute_dft_c2r(S->bwd, Y, buf); /* out of place: Y -> buf */
}

void hd_stationary_features(const struct hd_stationary *S, uint64_t seed, uint64_t run, uint64_t k,
                            double *work, double *x)
{
  double *buf = aligned64(work);
  fftw_complex *Y = (fftw_complex *)(buf + (S->d + 7) / 8 * 8);
  struct hd_rng r;
  hd_rng_init(&r, seed, run, HD_STREAM_FEATURES, k);
  hd_rng_normal_array(&r, buf, S->d);
  colour(S, buf, Y);
  if (x != buf) memcpy(x, buf, S->d * sizeof *x);
}

int hd_stationary_advance(const struct hd_stationary *S, const struct hd_lsq_kernel *K,
                          uint64_t seed, uint64_t run, double *e, double *work, uint64_t k0,
                          uint64_t k1, uint64_t *bad_step)
{
  const size_t d = S->d;
  double *x = aligned64(work);
  fftw_complex *Y = (fftw_complex *)(x + (d + 7) / 8 * 8);
  struct hd_rng rf, rl;
  hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);            /* z: the eigenbasis kernel's draw of step k */
    hd_rng_normal_array(&rf, x, d);
    colour(S, x, Y);                                /* x = C^{1/2} z  (LS-1, pixel basis) */
    if (hd_lsq_kernel_step(K, &rl, k, x, e) != 0) { /* the rest of step k, as LS-1 */
      if (bad_step) *bad_step = k;
      return 1;
    }
  }
  if (!hd_all_finite(e, d)) {
    if (bad_step) *bad_step = k1;
    return 1;
  }
  return 0;
}
