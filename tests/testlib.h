/* testlib.h — small helpers shared by the C tests: build a session from model-file
 * text, run theory / simulation on its grid, and count checks. */
#ifndef HDSIM_TESTLIB_H
#define HDSIM_TESTLIB_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "driver.h"
#include "grid.h"
#include "mc.h"
#include "theory.h"

static int tl_passed, tl_failed;

static void tl_check(int ok, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("%s: ", ok ? "ok  " : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (ok) tl_passed++;
  else tl_failed++;
  fflush(stdout);
}

static int tl_finish(void)
{
  printf("%d passed, %d failed\n", tl_passed, tl_failed);
  return tl_failed ? 1 : 0;
}

/* HDSIM_TEST_SEED=N replaces the model's "seed = ..." line with "seed = N": for measuring
 * how often a statistical test fails over seeds (its false-alarm rate), never in the suite. */
static void tl_override_seed(char *text, size_t cap)
{
  const char *v = getenv("HDSIM_TEST_SEED");
  char *p = v ? strstr(text, "\nseed = ") : NULL;
  if (!p) return;
  char *rest = strchr(p + 1, '\n');
  if (!rest) return;
  char tail[8192];
  snprintf(tail, sizeof tail, "%s", rest);
  snprintf(p, cap - (size_t)(p - text), "\nseed = %s%s", v, tail);
}

/* A prepared session from model text (printf-style); exits on bad input. */
static struct hd_session *tl_session(const char *fmt, ...)
{
  char text[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  tl_override_seed(text, sizeof text);
  struct hd_session *s = malloc(sizeof *s);
  if (hd_session_from_text(s, "test.ini", text) != 0) {
    fprintf(stderr, "model text:\n%s\n", text);
    exit(2);
  }
  return s;
}

static void tl_session_free(struct hd_session *s)
{
  hd_session_free(s);
  free(s);
}

static void tl_grid(struct hd_session *s, struct hd_output_grid *g)
{
  char msg[256];
  if (hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), g, msg,
                           sizeof msg) != 0) {
    fprintf(stderr, "grid: %s\n", msg);
    exit(2);
  }
}

/* Theory with the method the session asks for (or `method` if >= 0). */
static void tl_theory(struct hd_session *s, const struct hd_output_grid *g, int method,
                      struct hd_theory_result *th)
{
  struct hd_run_params run = s->run;
  if (method >= 0) run.method = method;
  if (hd_theory_run(s->pb, s->plan, g, &run, th) != 0) {
    fprintf(stderr, "theory failed: %s\n", th->message);
    exit(1);
  }
}

/* Largest |a - b| over O observables of n values each ([obs][n] layout), relative to each
 * observable's largest |ref| (ref: a or b), so that quantities starting at exactly 0 are
 * compared at their own scale; *worst_obs gets the observable (an all-zero one is
 * skipped). */
static inline double tl_max_scaled_diff(const double *a, const double *b, const double *ref,
                                        size_t O, size_t n, size_t *worst_obs)
{
  double worst = 0;
  *worst_obs = 0;
  for (size_t o = 0; o < O; o++) {
    double scale = 0;
    for (size_t k = 0; k < n; k++) scale = fmax(scale, fabs(ref[o * n + k]));
    if (scale == 0) continue;
    for (size_t k = 0; k < n; k++) {
      double rel = fabs(a[o * n + k] - b[o * n + k]) / scale;
      if (!(rel <= worst)) worst = rel, *worst_obs = o;
    }
  }
  return worst;
}

/* Builds the grid of a and runs both sessions' theories on it (results left in ta, tb);
 * returns the largest |a - b| / |b| over every observable and time. */
static inline double tl_theory_maxrel(struct hd_session *a, struct hd_session *b,
                                      struct hd_output_grid *g, struct hd_theory_result *ta,
                                      struct hd_theory_result *tb)
{
  tl_grid(a, g);
  tl_theory(a, g, -1, ta);
  tl_theory(b, g, -1, tb);
  double worst = 0;
  for (size_t k = 0; k < ta->n_obs * g->n; k++)
    worst = fmax(worst, fabs(ta->values[k] - tb->values[k]) / fabs(tb->values[k]));
  return worst;
}

/* P(|T| > k) for Student's t with nu degrees of freedom: the density integrated by
 * Simpson's rule in u = atan(t / sqrt(nu)), where it is c cos(u)^(nu - 1), smooth and on
 * a finite interval (relative error < 1e-9 for nu >= 2 with 4000 panels). */
static inline double tl_student_tail2(double k, double nu)
{
  const double pi = 3.14159265358979323846;
  const double c = exp(lgamma(0.5 * (nu + 1)) - lgamma(0.5 * nu)) / sqrt(pi);
  const double a = atan(k / sqrt(nu)), b = 0.5 * pi;
  const int n = 4000;
  const double h = (b - a) / n;
  double sum = 0;
  for (int i = 0; i <= n; i++) {
    const double w = i == 0 || i == n ? 1 : i % 2 ? 4 : 2;
    sum += w * pow(cos(a + i * h), nu - 1);
  }
  return 2 * c * sum * h / 3;
}

/* The k with P(|T_nu| > k) = p (bisection; k in [0, 1000]). */
static inline double tl_student_k(double p, double nu)
{
  double lo = 0, hi = 1000;
  for (int it = 0; it < 60; it++) {
    const double mid = 0.5 * (lo + hi);
    if (tl_student_tail2(mid, nu) > p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Family-wise false-alarm rate of a theory-vs-simulation bound over all its checks. */
#define TL_FALSE_ALARM 1e-3

/* The s.e. multiplier of a theory-vs-simulation bound with `checks` comparisons, each
 * mean's s.e. estimated from `runs` runs: (mean - E mean) / s.e. is Student-t with runs - 1
 * degrees of freedom, and Bonferroni over the checks keeps a correct code's chance of
 * failing below TL_FALSE_ALARM.  (k = 4.7 at 32 runs and 20 checks, 6.0 at 16 runs and 40
 * checks; 8.8 at 8 runs and 20 checks, which is why these tests use 16-32 runs.) */
static inline double tl_bound_k(long runs, size_t checks)
{
  return tl_student_k(TL_FALSE_ALARM / (double)checks, (double)(runs - 1));
}

/* The error scale of a Monte Carlo mean shrinks like d^-1/2: `ratio` = relative s.e. at the
 * smaller d over that at the larger d must be near `expected` = sqrt(d_large / d_small).
 * An s.e. from R runs is uncertain by ~1/sqrt(2(R - 1)) relative, so log(ratio) has s.d.
 * ~1/sqrt(R - 1); 3.3 s.d. either side is a ~1e-3 false alarm.  (The error itself is a
 * random O(s.e.) number at each d, too noisy to compare; the bound checks it against k s.e.
 * at every d.) */
static inline int tl_se_scaling_ok(double ratio, double expected, long runs)
{
  return ratio > 0 && fabs(log(ratio / expected)) <= 3.3 / sqrt((double)(runs - 1));
}

/* The theory-vs-simulation bound of the tests on the least-squares path: the Monte Carlo
 * mean differs from the ODE by its sampling error (the run-to-run s.e.) and by the exact
 * finite-d bias (NS-2 recursion minus ODE, O(1/d)); at every output time t > 0 and for
 * observables [0, n_obs) we require
 *     |mean - ODE| <= k s.e. + |NS-2 - ODE| + extra_rel |ODE|,
 * with k the two-sided Student-t quantile on runs - 1 degrees of freedom at
 * TL_FALSE_ALARM / (number of checks): (mean - NS-2) / s.e. is t-distributed (s.e. from
 * the same runs), and Bonferroni over the times and observables keeps the chance that a
 * correct code fails the whole bound below 1e-3 (k = 4.9 at 32 runs and 20 times; k = 4
 * with 8 runs, used before, failed ~15% of seeds at d = 8000 with a correct code).
 * extra_rel covers a quenched dataset, 0 otherwise.  Runs the ODE, the recursion and
 * `runs` Monte Carlo runs; returns 1 if the bound holds (and no run diverged), with the
 * worst err/bound, the sup relative error and the sup relative s.e. of observable 0. */
static inline int tl_within_bound(struct hd_session *s, long runs, size_t n_obs, double extra_rel,
                                  double *worst, double *sup_rel, double *sup_rse)
{
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result ode, rec;
  tl_theory(s, &g, HD_THEORY_ODE, &ode);
  tl_theory(s, &g, HD_THEORY_RECURSION, &rec);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  int ok = mc.n_diverged == 0;
  *worst = *sup_rel = *sup_rse = 0;
  const double k = tl_bound_k(runs, n_obs * (g.n - 1));
  for (size_t o = 0; o < n_obs; o++) {
    for (size_t j = 1; j < g.n; j++) {
      size_t i = o * g.n + j;
      double err = fabs(mc.mean[i] - ode.values[i]);
      double bound = k * mc.stderr_[i] + fabs(rec.values[i] - ode.values[i]) +
                     extra_rel * fabs(ode.values[i]);
      *worst = fmax(*worst, err / bound);
      if (o == 0) *sup_rel = fmax(*sup_rel, err / ode.values[i]);
      if (o == 0) *sup_rse = fmax(*sup_rse, mc.stderr_[i] / ode.values[i]);
      ok = ok && err <= bound;
    }
  }
  hd_mc_result_free(&mc);
  hd_theory_result_free(&ode);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  return ok;
}

#endif
