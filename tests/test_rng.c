/* test_rng.c — Philox streams and the ziggurat (src/rng.c).
 *
 * Statistical checks use 4 standard errors (each fails with probability ~6e-5 for a
 * correct generator) and the seeds are fixed, so the test is deterministic. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "rng.h"

#include "check.h"

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* --------------------------------------------------------------------------------- */

/* Random123 known answers for philox4x32-10 (kat_vectors): counter, key -> output. */
static void test_kat(void)
{
  static const struct {
    uint32_t ctr[4], key[2], out[4];
  } kat[3] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}, {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (int t = 0; t < 3; t++) {
    philox4x32_ctr_t c = {{kat[t].ctr[0], kat[t].ctr[1], kat[t].ctr[2], kat[t].ctr[3]}};
    philox4x32_key_t k = {{kat[t].key[0], kat[t].key[1]}};
    philox4x32_ctr_t y = philox4x32(c, k);
    int ok = 1;
    for (int j = 0; j < 4; j++) ok &= y.v[j] == kat[t].out[j];
    CHECK(ok, "Random123 philox4x32-10 KAT vector %d", t);
  }
  /* the same through the stream API: seed 0, run 0, purpose 0, step 0 is counter 0, key 0,
   * and the words pair the 32-bit outputs low half first */
  struct hd_rng r;
  hd_rng_init(&r, 0, 0, 0, 0);
  const uint64_t w0 = hd_rng_u64(&r), w1 = hd_rng_u64(&r);
  CHECK(w0 == (0x6627e8d5ull | 0xe169c58dull << 32) && w1 == (0xbc57ac4cull | 0x9b00dbd8ull << 32),
        "hd_rng_u64 reproduces the zero KAT vector");
}

/* Counter layout: words 2m, 2m+1 of (seed, run, purpose, step) come from
 * philox4x32({m, step_lo, step_hi | purpose << 24, seed_hi}, {seed_lo, run}) = y as
 * y0 | y1 << 32 and y2 | y3 << 32; run = UINT64_MAX is key word 0xFFFFFFFF. */
static void philox_words(uint64_t seed, uint32_t run32, uint64_t purpose, uint64_t step, size_t nb,
                         uint64_t *w)
{
  philox4x32_key_t k = {{(uint32_t)seed, run32}};
  for (size_t m = 0; m < nb; m++) {
    philox4x32_ctr_t c = {{(uint32_t)m, (uint32_t)step,
                           (uint32_t)(step >> 32) | (uint32_t)purpose << 24,
                           (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t y = philox4x32(c, k);
    w[2 * m] = y.v[0] | (uint64_t)y.v[1] << 32;
    w[2 * m + 1] = y.v[2] | (uint64_t)y.v[3] << 32;
  }
}

static void test_layout(void)
{
  const uint64_t seed = 0x1234567890abcdefULL, purpose = HD_STREAM_LABEL, step = 0x12345678901ULL;
  const uint64_t runs[2] = {77, UINT64_MAX};
  const uint32_t run32[2] = {77, 0xFFFFFFFFu};
  enum { NB = 40 };
  uint64_t want[2 * NB];
  for (int q = 0; q < 2; q++) {
    philox_words(seed, run32[q], purpose, step, NB, want);
    struct hd_rng r;
    hd_rng_init(&r, seed, runs[q], purpose, step);
    int ok = 1;
    for (int i = 0; i < 2 * NB; i++) ok &= hd_rng_u64(&r) == want[i];
    CHECK(ok,
          "run %d: stream words follow key {seed_lo, run}, counter {block, step_lo, "
          "step_hi | purpose << 24, seed_hi}",
          q);
  }
}

/* The bulk Philox pass (vectorised: groups of 12 blocks with AVX2, 6 with SSE2) against
 * Random123's scalar call, through the deviates it feeds: every length from 1 to 70
 * deviates, starting 0 or 1 words into a block, must equal the one-at-a-time draws. */
static void test_bulk_words(void)
{
  int bad = 0, cases = 0;
  for (int start = 0; start < 2; start++)
    for (size_t n = 1; n <= 70; n++) {
      double a[70], b[70];
      struct hd_rng r, s;
      hd_rng_init(&r, 0xfeedbeef12345ULL, 3, HD_STREAM_FEATURES, 1000 + n);
      hd_rng_init(&s, 0xfeedbeef12345ULL, 3, HD_STREAM_FEATURES, 1000 + n);
      for (int k = 0; k < start; k++) {
        (void)hd_rng_normal(&r);
        (void)hd_rng_normal(&s);
      }
      hd_rng_normal_array(&r, a, n);
      for (size_t i = 0; i < n; i++) b[i] = hd_rng_normal(&s);
      bad += memcmp(a, b, n * sizeof a[0]) != 0 || hd_rng_u64(&r) != hd_rng_u64(&s);
      cases++;
    }
  CHECK(bad == 0, "bulk Philox pass == scalar blocks: %d of %d lengths differ (%s)", bad, cases,
        hd_rng_kernel_name());
}

static uint64_t first_word(uint64_t seed, uint64_t run, uint64_t purpose, uint64_t step)
{
  struct hd_rng r;
  hd_rng_init(&r, seed, run, purpose, step);
  return hd_rng_u64(&r);
}

static void test_streams_differ(void)
{
  const uint64_t base = first_word(1, 2, 3, 4);
  CHECK(first_word(2, 2, 3, 4) != base, "different seed -> different stream");
  CHECK(first_word(1, 3, 3, 4) != base, "different run -> different stream");
  CHECK(first_word(1, 2, 4, 4) != base, "different purpose -> different stream");
  CHECK(first_word(1, 2, 3, 5) != base, "different step -> different block");
  CHECK(first_word(2, 1, 3, 4) != base, "seed and run are not interchangeable");
  CHECK(first_word(1, UINT64_MAX, 3, 4) != first_word(1, 0xFFFFFFFEu, 3, 4),
        "the problem-level run differs from the last ordinary run");
  /* whole arrays differ in (almost) every position */
  enum { N = 1000 };
  double a[N], b[N];
  struct hd_rng r;
  hd_rng_init(&r, 5, 0, HD_STREAM_FEATURES, 0);
  hd_rng_normal_array(&r, a, N);
  hd_rng_init(&r, 5, 1, HD_STREAM_FEATURES, 0);
  hd_rng_normal_array(&r, b, N);
  int equal = 0;
  for (int i = 0; i < N; i++) equal += a[i] == b[i];
  CHECK(equal < 5, "runs 0 and 1 share %d of %d normals", equal, N);
}

static void test_seek(void)
{
  enum { N = 37 };
  uint64_t a[N], b[N], c[N];
  struct hd_rng r, s;
  hd_rng_init(&r, 9, 4, HD_STREAM_FEATURES, 7);
  for (int i = 0; i < N; i++) a[i] = hd_rng_u64(&r);
  hd_rng_seek(&r, 1000);
  (void)hd_rng_u64(&r);
  hd_rng_seek(&r, 7);
  for (int i = 0; i < N; i++) b[i] = hd_rng_u64(&r);
  hd_rng_init(&s, 9, 4, HD_STREAM_FEATURES, 0);
  (void)hd_rng_normal(&s);
  hd_rng_seek(&s, 7);
  for (int i = 0; i < N; i++) c[i] = hd_rng_u64(&s);
  CHECK(memcmp(a, b, sizeof a) == 0, "seek back to a block reproduces it");
  CHECK(memcmp(a, c, sizeof a) == 0, "init at a block == seek to it");

  /* normals after a seek */
  double x[100], y[100];
  hd_rng_seek(&r, 3);
  hd_rng_normal_array(&r, x, 100);
  hd_rng_seek(&r, 4);
  hd_rng_normal_array(&r, y, 50);
  hd_rng_seek(&r, 3);
  hd_rng_normal_array(&r, y, 100);
  CHECK(memcmp(x, y, sizeof x) == 0, "normal_array after seek is reproducible");
}

/* hd_rng_normal_array (and _scaled) == n calls of hd_rng_normal, bit for bit, and leave the
 * stream at the same position. */
static void test_array_equals_scalar(void)
{
  static const size_t sizes[] = {0,    1,    2,    3,    4,     5,     7,    8,
                                 63,   64,   100,  255,  1000,  1023,  1024, 1025,
                                 1030, 4095, 4096, 4097, 10000, 100003};
  double *a = malloc(100003 * sizeof *a), *b = malloc(100003 * sizeof *b);
  double *sc = malloc(100003 * sizeof *sc), *c = malloc(100003 * sizeof *c);
  for (size_t i = 0; i < 100003; i++) sc[i] = 0.5 + (double)(i % 17) * 0.125;
  int ok_vals = 1, ok_pos = 1, ok_scaled = 1, ok_split = 1;
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    for (unsigned pre = 0; pre < 6; pre++) { /* start mid-block */
      const size_t n = sizes[si];
      const uint64_t step = 1000 * si + pre;
      struct hd_rng r1, r2, r3;
      hd_rng_init(&r1, 42, 3, HD_STREAM_FEATURES, step);
      hd_rng_init(&r2, 42, 3, HD_STREAM_FEATURES, step);
      hd_rng_init(&r3, 42, 3, HD_STREAM_FEATURES, step);
      for (unsigned p = 0; p < pre; p++) {
        (void)hd_rng_u64(&r1);
        (void)hd_rng_u64(&r2);
        (void)hd_rng_u64(&r3);
      }
      hd_rng_normal_array(&r1, a, n);
      for (size_t i = 0; i < n; i++) b[i] = hd_rng_normal(&r2);
      hd_rng_normal_array_scaled(&r3, c, sc, n);
      for (size_t i = 0; i < n; i++) {
        ok_vals &= same_bits(a[i], b[i]);
        ok_scaled &= same_bits(c[i], sc[i] * b[i]);
      }
      const uint64_t w1 = hd_rng_u64(&r1), w2 = hd_rng_u64(&r2), w3 = hd_rng_u64(&r3);
      ok_pos &= w1 == w2 && w2 == w3;
      /* split into two array calls */
      if (n > 2) {
        hd_rng_init(&r1, 42, 3, HD_STREAM_FEATURES, step);
        for (unsigned p = 0; p < pre; p++) (void)hd_rng_u64(&r1);
        const size_t n1 = n / 3;
        hd_rng_normal_array(&r1, a, n1);
        hd_rng_normal_array(&r1, a + n1, n - n1);
        for (size_t i = 0; i < n; i++) ok_split &= same_bits(a[i], b[i]);
      }
    }
  }
  CHECK(ok_vals, "normal_array == repeated hd_rng_normal, bit for bit");
  CHECK(ok_scaled, "normal_array_scaled == scale * hd_rng_normal, bit for bit");
  CHECK(ok_pos, "stream position after normal_array == after n scalar draws");
  CHECK(ok_split, "normal_array split in two calls == one sequence");

  /* a long run, where slow paths cross chunk ends many times */
  const size_t n = 100003;
  int ok_long = 1;
  for (uint64_t step = 0; step < 20; step++) {
    struct hd_rng r1, r2;
    hd_rng_init(&r1, 7, 0, HD_STREAM_EXTRA, step);
    hd_rng_init(&r2, 7, 0, HD_STREAM_EXTRA, step);
    hd_rng_normal_array(&r1, a, n);
    for (size_t i = 0; i < n; i++) b[i] = hd_rng_normal(&r2);
    for (size_t i = 0; i < n; i++) ok_long &= same_bits(a[i], b[i]);
    ok_long &= hd_rng_u64(&r1) == hd_rng_u64(&r2);
  }
  CHECK(ok_long, "2e6 normals: array == scalar");
  free(a);
  free(b);
  free(sc);
  free(c);
}

/* Phi^-1 by bisection on the exact CDF */
static double norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double norm_quantile(double p)
{
  double lo = -40, hi = 40;
  for (int it = 0; it < 200; it++) {
    const double m = 0.5 * (lo + hi);
    if (norm_cdf(m) < p) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

static void test_moments(void)
{
  const size_t n = 2000000;
  double *z = malloc(n * sizeof *z);
  struct hd_rng r;
  hd_rng_init(&r, 2024, 0, HD_STREAM_FEATURES, 0);
  /* in several arrays of mixed sizes, from consecutive steps */
  size_t i = 0;
  for (uint64_t step = 0; i < n; step++) {
    size_t m = 1 + (size_t)(step * 7919 % 20000);
    if (m > n - i) m = n - i;
    hd_rng_seek(&r, step);
    hd_rng_normal_array(&r, z + i, m);
    i += m;
  }
  long double s1 = 0, s2 = 0, s4 = 0;
  size_t t3 = 0, t45 = 0;
  enum { NB = 50 };
  double edges[NB - 1];
  for (int b = 1; b < NB; b++) edges[b - 1] = norm_quantile((double)b / NB);
  size_t counts[NB] = {0};
  int finite = 1;
  for (i = 0; i < n; i++) {
    const double x = z[i];
    finite &= isfinite(x);
    s1 += x;
    s2 += (long double)x * x;
    s4 += (long double)x * x * x * x;
    t3 += fabs(x) > 3.0;
    t45 += fabs(x) > 4.5;
    int lo = 0, hi = NB - 1; /* bin = number of edges <= x */
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (edges[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  CHECK(finite, "all normals finite");
  const double dn = (double)n;
  const double mean = (double)(s1 / n), m2 = (double)(s2 / n), m4 = (double)(s4 / n);
  const double var = m2 - mean * mean;
  CHECK(fabs(mean) < 4 * sqrt(1.0 / dn), "mean %.3g (s.e. %.3g)", mean, sqrt(1.0 / dn));
  CHECK(fabs(var - 1) < 4 * sqrt(2.0 / dn), "variance %.6f (s.e. %.3g)", var, sqrt(2.0 / dn));
  CHECK(fabs(m4 - 3) < 4 * sqrt(96.0 / dn), "4th moment %.5f (s.e. %.3g)", m4, sqrt(96.0 / dn));
  const double p3 = erfc(3.0 / sqrt(2.0)), p45 = erfc(4.5 / sqrt(2.0));
  const double f3 = (double)t3 / dn, f45 = (double)t45 / dn;
  CHECK(fabs(f3 - p3) < 4 * sqrt(p3 * (1 - p3) / dn), "P(|z|>3) = %.6g, exact %.6g", f3, p3);
  CHECK(fabs(f45 - p45) < 4 * sqrt(p45 * (1 - p45) / dn), "P(|z|>4.5) = %.4g, exact %.4g", f45,
        p45);
  double chi2 = 0;
  const double expct = dn / NB;
  for (int b = 0; b < NB; b++)
    chi2 += ((double)counts[b] - expct) * ((double)counts[b] - expct) / expct;
  /* 1e-4 upper quantile of chi^2 with 49 d.o.f. (Wilson-Hilferty, z = 3.719) */
  const double k = NB - 1, zq = 3.7190164854556804;
  const double thr = k * pow(1 - 2 / (9 * k) + zq * sqrt(2 / (9 * k)), 3);
  CHECK(chi2 < thr, "chi-square over %d equiprobable bins %.2f (threshold %.2f)", NB, chi2, thr);
  printf("normals: mean %.2e var %.6f m4 %.5f P>3 %.3e (%.3e) P>4.5 %.3e (%.3e) chi2 %.1f/%.1f\n",
         mean, var, m4, f3, p3, f45, p45, chi2, thr);
  free(z);
}

static void test_uniform(void)
{
  struct hd_rng r;
  hd_rng_init(&r, 11, 12, HD_STREAM_EXTRA, 0);
  const size_t n = 1000000;
  int inside = 1;
  long double s = 0;
  double mn = 1, mx = 0;
  for (size_t i = 0; i < n; i++) {
    const double u = hd_rng_uniform(&r);
    inside &= u > 0.0 && u < 1.0;
    s += u;
    if (u < mn) mn = u;
    if (u > mx) mx = u;
  }
  CHECK(inside, "uniform in the open interval (0,1)");
  const double mean = (double)(s / n);
  CHECK(fabs(mean - 0.5) < 4 * sqrt(1.0 / 12 / (double)n), "uniform mean %.6f", mean);
  CHECK(mn < 1e-5 && mx > 1 - 1e-5, "uniform covers (0,1): min %.3g max %.8f", mn, mx);
}

static void test_rademacher(void)
{
  const size_t n = 1000001;
  double *x = malloc(n * sizeof *x);
  struct hd_rng r, s;
  hd_rng_init(&r, 3, 1, HD_STREAM_FEATURES, 5);
  hd_rng_rademacher_array(&r, x, n);
  int pm1 = 1;
  long double s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    pm1 &= x[i] == 1.0 || x[i] == -1.0;
    s1 += x[i];
    s2 += x[i] * x[i];
  }
  CHECK(pm1, "Rademacher values are +-1");
  const double mean = (double)(s1 / n), var = (double)(s2 / n) - mean * mean;
  CHECK(fabs(mean) < 4 * sqrt(1.0 / (double)n), "Rademacher mean %.3g", mean);
  CHECK(fabs(var - 1) < 4 * 2 * sqrt(1.0 / (double)n), "Rademacher variance %.6f", var);
  /* bit b of word w -> element 64 w + b, 1 -> -1 */
  hd_rng_init(&s, 3, 1, HD_STREAM_FEATURES, 5);
  int bits_ok = 1;
  for (size_t w = 0; w < 100; w++) {
    const uint64_t u = hd_rng_u64(&s);
    for (int b = 0; b < 64; b++) bits_ok &= x[64 * w + b] == (((u >> b) & 1) ? -1.0 : 1.0);
  }
  CHECK(bits_ok, "Rademacher signs are the bits of the stream words");
  /* partial last word is dropped: the next word follows */
  double y[70];
  hd_rng_init(&r, 3, 1, HD_STREAM_FEATURES, 5);
  hd_rng_rademacher_array(&r, y, 70);
  hd_rng_init(&s, 3, 1, HD_STREAM_FEATURES, 5);
  (void)hd_rng_u64(&s);
  (void)hd_rng_u64(&s);
  CHECK(hd_rng_u64(&r) == hd_rng_u64(&s), "Rademacher uses ceil(n/64) words");
  free(x);
}

/* First use from two threads at once: the tables are built once, results identical. */
struct thr_arg {
  double out[2000];
};
static void *thr_main(void *p)
{
  struct thr_arg *a = p;
  struct hd_rng r;
  hd_rng_init(&r, 99, 0, HD_STREAM_FEATURES, 0);
  hd_rng_normal_array(&r, a->out, 2000);
  return NULL;
}
static void test_threads_first_use(void)
{
  static struct thr_arg a, b;
  pthread_t ta, tb;
  pthread_create(&ta, NULL, thr_main, &a);
  pthread_create(&tb, NULL, thr_main, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CHECK(memcmp(a.out, b.out, sizeof a.out) == 0, "concurrent first use gives identical streams");
}

int main(void)
{
  test_threads_first_use(); /* must come first: exercises the one-time table setup */
  test_kat();
  test_layout();
  test_bulk_words();
  test_streams_differ();
  test_seek();
  test_array_equals_scalar();
  test_moments();
  test_uniform();
  test_rademacher();
  const char *name = hd_rng_kernel_name();
  CHECK(name && strlen(name) > 0, "kernel name");
  printf("kernel: %s\n", name);
  return check_finish();
}
