/* test_lsq_kernel.c — the one-pass SGD hot loop (src/sim/lsq_kernel.c).
 *
 * (a) hd_dot vs a long-double reference, deterministic;  (b) splitting a run into several
 * advance() calls is bit-identical;  (c) one step by hand with the same rng calls;
 * (d) E[e_1] = (1 - gamma lambda/d) e_0 within 4 s.e.;  (e) divergence is reported. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim/lsq_kernel.h"

#include "check.h"

static int same_bits(const double *a, const double *b, size_t n)
{
  return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

static double lr_const(double t, const void *ctx)
{
  (void)t;
  return *(const double *)ctx;
}

/* gamma(t) = g0 / (1 + t): exercises the t = k/d argument */
static double lr_decay(double t, const void *ctx) { return *(const double *)ctx / (1.0 + t); }

/* ------------------------------------------------------------------ (a) hd_dot ----- */

static void test_dot(void)
{
  static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 1001, 12345};
  const size_t nmax = 12345;
  double *a = malloc(nmax * sizeof *a), *b = malloc(nmax * sizeof *b);
  double *p = malloc(nmax * sizeof *p), *q = malloc(nmax * sizeof *q);
  struct hd_rng r;
  hd_rng_init(&r, 1, 0, HD_STREAM_EXTRA, 0);
  hd_rng_normal_array(&r, a, nmax);
  hd_rng_normal_array(&r, b, nmax);
  for (size_t i = 0; i < nmax; i++) {
    p[i] = hd_rng_uniform(&r);
    q[i] = hd_rng_uniform(&r) + 0.5;
  }
  int ok_pos = 1, ok_signed = 1, ok_repeat = 1, ok_order = 1;
  double worst_pos = 0, worst_signed = 0;
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    const size_t n = sizes[si];
    long double ref = 0, refabs = 0, refp = 0;
    for (size_t i = 0; i < n; i++) {
      ref += (long double)a[i] * b[i];
      refabs += fabsl((long double)a[i] * b[i]);
      refp += (long double)p[i] * q[i];
    }
    const double d1 = hd_dot(a, b, n), d2 = hd_dot(a, b, n), dp = hd_dot(p, q, n);
    const double ep = n ? (double)(fabsl(dp - refp) / refp) : fabs(dp);
    const double es = n ? (double)(fabsl(d1 - ref) / refabs) : fabs(d1);
    if (ep > worst_pos) worst_pos = ep;
    if (es > worst_signed) worst_signed = es;
    ok_pos &= ep <= 1e-14;
    ok_signed &= es <= 1e-14;
    ok_repeat &= memcmp(&d1, &d2, sizeof d1) == 0;
    /* the documented order: element i -> partial sum i mod 8, combined pairwise */
    double s[8] = {0};
    for (size_t i = 0; i < n; i++) s[i % 8] += a[i] * b[i];
    const double o = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    ok_order &= memcmp(&o, &d1, sizeof o) == 0;
  }
  CHECK(ok_pos, "hd_dot of positive vectors within 1e-14 relative of long double (worst %.2g)",
        worst_pos);
  CHECK(ok_signed, "hd_dot of signed vectors within 1e-14 of sum|a_i b_i| (worst %.2g)",
        worst_signed);
  CHECK(ok_repeat, "hd_dot identical across calls");
  CHECK(ok_order, "hd_dot == 8 partial sums (i mod 8) combined ((01)(23))((45)(67))");
  free(a);
  free(b);
  free(p);
  free(q);
}

/* ---------------------------------------------------------------- problems -------- */

struct problem {
  size_t d;
  double *sl, *th, *e0;
  double g0;
  struct hd_lsq_kernel K;
};

static void problem_make(struct problem *P, size_t d, double ridge, double noise,
                         enum hd_feature_law law, int isotropic, int decay)
{
  P->d = d;
  P->sl = malloc(d * sizeof(double));
  P->th = malloc(d * sizeof(double));
  P->e0 = malloc(d * sizeof(double));
  for (size_t i = 0; i < d; i++) {
    const double lam = 2.5 * pow((double)(i + 1) / (double)d, 1.5);
    P->sl[i] = sqrt(lam);
    P->th[i] = 1.0 / sqrt((double)d) * (i % 2 ? -1.0 : 1.0);
    P->e0[i] = -P->th[i] + 0.1 * sin((double)i);
  }
  P->g0 = 0.5;
  P->K = (struct hd_lsq_kernel){.d = d,
                                .sqrt_lambda = isotropic ? NULL : P->sl,
                                .theta_star = P->th,
                                .ridge = ridge,
                                .label_noise = noise,
                                .law = law,
                                .lr = decay ? lr_decay : lr_const,
                                .lr_ctx = &P->g0};
}

static void problem_free(struct problem *P)
{
  free(P->sl);
  free(P->th);
  free(P->e0);
}

/* ------------------------------------------------------------------ (b) split ------ */

static void test_split(void)
{
  static const struct {
    size_t d;
    double ridge, noise;
    enum hd_feature_law law;
    int iso, decay;
  } cases[] = {
      {100, 0.0, 0.5, HD_FEATURES_GAUSSIAN, 0, 0},    {1000, 0.0, 0.5, HD_FEATURES_GAUSSIAN, 0, 1},
      {37, 0.1, 0.3, HD_FEATURES_GAUSSIAN, 0, 1},     {64, 0.0, 0.0, HD_FEATURES_GAUSSIAN, 1, 0},
      {130, 0.05, 0.5, HD_FEATURES_RADEMACHER, 0, 0}, {77, 0.0, 0.2, HD_FEATURES_RADEMACHER, 1, 1},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    struct problem P;
    problem_make(&P, cases[c].d, cases[c].ridge, cases[c].noise, cases[c].law, cases[c].iso,
                 cases[c].decay);
    const size_t d = P.d;
    double *e1 = malloc(d * sizeof *e1), *e2 = malloc(d * sizeof *e2), *e3 = malloc(d * sizeof *e3);
    double *w = malloc(hd_lsq_kernel_work_size(&P.K) * sizeof *w);
    memcpy(e1, P.e0, d * sizeof *e1);
    memcpy(e2, P.e0, d * sizeof *e2);
    memcpy(e3, P.e0, d * sizeof *e3);
    int rc = 0;
    rc |= hd_lsq_kernel_advance(&P.K, 2024, 5, e1, w, 0, 100, NULL);
    rc |= hd_lsq_kernel_advance(&P.K, 2024, 5, e2, w, 0, 37, NULL);
    rc |= hd_lsq_kernel_advance(&P.K, 2024, 5, e2, w, 37, 100, NULL);
    for (uint64_t k = 0; k < 100; k += 1 + k % 5) { /* uneven pieces, some empty */
      const uint64_t k1 = k + 1 + k % 5 > 100 ? 100 : k + 1 + k % 5;
      rc |= hd_lsq_kernel_advance(&P.K, 2024, 5, e3, w, k, k, NULL);
      rc |= hd_lsq_kernel_advance(&P.K, 2024, 5, e3, w, k, k1, NULL);
    }
    CHECK(rc == 0, "case %zu: no divergence", c);
    CHECK(same_bits(e1, e2, d), "case %zu (d=%zu): advance(0,100) == advance(0,37)+advance(37,100)",
          c, d);
    CHECK(same_bits(e1, e3, d), "case %zu (d=%zu): advance in uneven pieces is bit-identical", c,
          d);
    /* another run or seed gives a different path */
    memcpy(e2, P.e0, d * sizeof *e2);
    hd_lsq_kernel_advance(&P.K, 2024, 6, e2, w, 0, 100, NULL);
    CHECK(!same_bits(e1, e2, d), "case %zu: runs 5 and 6 differ", c);
    free(e1);
    free(e2);
    free(e3);
    free(w);
    problem_free(&P);
  }
}

/* ------------------------------------------------------------- (c) by hand -------- */

static void test_by_hand(void)
{
  const double th = 0.7, sl = 1.3, noise = 0.4, g0 = 0.5;
  const uint64_t seed = 77, run = 3, k = 12;
  for (int variant = 0; variant < 4; variant++) {
    const double ridge = variant & 1 ? 0.25 : 0.0;
    const enum hd_feature_law law = variant & 2 ? HD_FEATURES_RADEMACHER : HD_FEATURES_GAUSSIAN;
    struct hd_lsq_kernel K = {.d = 1,
                              .sqrt_lambda = &sl,
                              .theta_star = &th,
                              .ridge = ridge,
                              .label_noise = noise,
                              .law = law,
                              .lr = lr_const,
                              .lr_ctx = &g0};
    double e = -0.3, w;
    const double e0 = e;
    int rc = hd_lsq_kernel_advance(&K, seed, run, &e, &w, k, k + 1, NULL);
    /* by hand */
    struct hd_rng rf, rl;
    hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k);
    double z;
    if (law == HD_FEATURES_GAUSSIAN) z = hd_rng_normal(&rf);
    else z = (hd_rng_u64(&rf) & 1) ? -1.0 : 1.0;
    hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k);
    const double eps = noise * hd_rng_normal(&rl);
    const double x = sl * z;
    const double r = x * e0 - eps;
    const double g = g0 / 1.0;
    double eh;
    if (ridge != 0.0) eh = e0 - g * (r * x + ridge * (e0 + th));
    else eh = e0 - (g * r) * x;
    CHECK(rc == 0 && memcmp(&e, &eh, sizeof e) == 0,
          "d=1 step by hand (ridge %g, %s): kernel %.17g, hand %.17g", ridge,
          law == HD_FEATURES_GAUSSIAN ? "gaussian" : "rademacher", e, eh);
  }
  /* label_noise = 0 draws nothing from the label stream and eps = 0 */
  {
    struct hd_lsq_kernel K = {.d = 1,
                              .sqrt_lambda = NULL,
                              .theta_star = &th,
                              .ridge = 0.0,
                              .label_noise = 0.0,
                              .law = HD_FEATURES_GAUSSIAN,
                              .lr = lr_const,
                              .lr_ctx = &g0};
    double e = 0.9, w;
    hd_lsq_kernel_advance(&K, seed, run, &e, &w, k, k + 1, NULL);
    struct hd_rng rf;
    hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k);
    const double x = hd_rng_normal(&rf);
    const double eh = 0.9 - (g0 * (x * 0.9)) * x;
    CHECK(memcmp(&e, &eh, sizeof e) == 0, "d=1 noiseless isotropic step by hand");
  }
  /* d = 5: step k uses block k of FEATURES as an array and g = lr(k/d)/d */
  {
    const size_t d = 5;
    double sl5[5] = {0.3, 0.7, 1.1, 1.3, 1.7}, th5[5] = {0}, e[5] = {0.1, -0.2, 0.3, -0.4, 0.5};
    double eh[5], x[5], w[5];
    memcpy(eh, e, sizeof e);
    struct hd_lsq_kernel K = {.d = d,
                              .sqrt_lambda = sl5,
                              .theta_star = th5,
                              .ridge = 0.0,
                              .label_noise = noise,
                              .law = HD_FEATURES_GAUSSIAN,
                              .lr = lr_decay,
                              .lr_ctx = &g0};
    hd_lsq_kernel_advance(&K, seed, run, e, w, k, k + 1, NULL);
    struct hd_rng rf, rl;
    hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k);
    for (size_t i = 0; i < d; i++) x[i] = sl5[i] * hd_rng_normal(&rf);
    hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k);
    const double eps = noise * hd_rng_normal(&rl);
    const double r = hd_dot(x, eh, d) - eps;
    const double g = lr_decay((double)k / (double)d, &g0) / (double)d;
    for (size_t i = 0; i < d; i++) eh[i] = eh[i] - (g * r) * x[i];
    CHECK(memcmp(e, eh, sizeof e) == 0, "d=5 step by hand with gamma(k/d)/d");
  }
}

/* ------------------------------------------------------- (d) one-step mean -------- */

static void test_one_step_mean(void)
{
  const size_t d = 6;
  const long runs = 200000;
  struct problem P;
  problem_make(&P, d, 0.0, 0.5, HD_FEATURES_GAUSSIAN, 0, 0);
  P.g0 = 0.9;
  double e[6], w[6];
  long double s1[6] = {0}, s2[6] = {0};
  for (long run = 0; run < runs; run++) {
    memcpy(e, P.e0, sizeof e);
    hd_lsq_kernel_advance(&P.K, 31337, (uint64_t)run, e, w, 0, 1, NULL);
    for (size_t i = 0; i < d; i++) {
      s1[i] += e[i];
      s2[i] += (long double)e[i] * e[i];
    }
  }
  int ok = 1;
  double worst = 0;
  for (size_t i = 0; i < d; i++) {
    const double mean = (double)(s1[i] / runs);
    const double var = (double)(s2[i] / runs) - mean * mean;
    const double se = sqrt(var / (double)runs);
    const double lam = P.sl[i] * P.sl[i];
    const double expect = (1.0 - P.g0 * lam / (double)d) * P.e0[i];
    const double zs = fabs(mean - expect) / se;
    if (zs > worst) worst = zs;
    ok &= zs < 4.0;
  }
  CHECK(ok, "E[e_1] = (1 - gamma lambda/d) e_0 within 4 s.e. (worst %.2f s.e.)", worst);
  printf("one-step mean: worst deviation %.2f s.e. over %zu coordinates, %ld runs\n", worst, d,
         runs);
  problem_free(&P);
}

/* ---------------------------------------------------------- (e) divergence -------- */

static void test_divergence(void)
{
  struct problem P;
  problem_make(&P, 50, 0.0, 0.5, HD_FEATURES_GAUSSIAN, 0, 0);
  P.g0 = 1e6;
  double *e = malloc(50 * sizeof *e), *w = malloc(50 * sizeof *w);
  memcpy(e, P.e0, 50 * sizeof *e);
  uint64_t bad = UINT64_MAX;
  int rc = hd_lsq_kernel_advance(&P.K, 1, 0, e, w, 10, 10000, &bad);
  CHECK(rc == 1, "huge learning rate: advance returns 1 (got %d)", rc);
  CHECK(bad >= 10 && bad < 10000, "bad_step %" PRIu64 " within [k0, k1)", bad);
  /* step by step: the same bad step */
  memcpy(e, P.e0, 50 * sizeof *e);
  uint64_t bad2 = UINT64_MAX, k = 10;
  for (; k < 10000; k++)
    if (hd_lsq_kernel_advance(&P.K, 1, 0, e, w, k, k + 1, &bad2)) break;
  CHECK(bad2 == bad, "step-by-step calls report the same bad_step (%" PRIu64 " vs %" PRIu64 ")",
        bad2, bad);
  /* NULL bad_step is allowed */
  memcpy(e, P.e0, 50 * sizeof *e);
  CHECK(hd_lsq_kernel_advance(&P.K, 1, 0, e, w, 10, 10000, NULL) == 1, "bad_step may be NULL");
  /* a stable learning rate does not diverge */
  P.g0 = 0.5;
  memcpy(e, P.e0, 50 * sizeof *e);
  CHECK(hd_lsq_kernel_advance(&P.K, 1, 0, e, w, 0, 2000, &bad) == 0, "lr 0.5 stays finite");
  free(e);
  free(w);
  problem_free(&P);
}

int main(void)
{
  test_dot();
  test_split();
  test_by_hand();
  test_one_step_mean();
  test_divergence();
  return check_finish();
}
