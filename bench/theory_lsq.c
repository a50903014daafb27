/* theory_lsq.c — benchmark (not a test) of the CVODE driver on LS-3, the streaming
 * least-squares limit with one equation per eigenvalue:
 *   nu_i' = -2 g lam_i nu_i + g^2 lam_i (<lam, nu>/d + s^2),   risk = (<lam, nu>/d + s^2)/2,
 * whose Jacobian is diagonal plus rank one.  Spectrum lam_i = 2.5 (i/d)^1.5 (power law,
 * exponent 1.5, mean 1 up to O(1/d)), g = 0.5 (g * mean(lam) / 2 < 1: the fixed point is
 * stable), s^2 = 0.25, nu(0) = 1.  BDF, rtol 1e-8, atol 1e-10, outputs on a log grid
 * 1e-3 .. 1e5 with 6 points per decade (CVODE's cost is set by steps, not outputs).
 *
 * d = 1e3 runs dense, gmres, structured and woodbury (the ratios are what matters:
 * notes 7.3 measured dense 326x slower than Jacobi-preconditioned GMRES); d = 1e4 ..
 * max_d runs structured (SPGMR + exact Woodbury preconditioner) and woodbury (the same
 * inverse as a direct solver), prints their ratio and the largest relative difference
 * of their final states.  Targets: d = 1e5 under 1 s, d = 1e6 under 10 s.
 *
 * "seconds" is wall time (best of up to 5 runs for short cases), "cpu" the process CPU
 * time of that run: on a shared machine the CPU time is the steadier of the two.
 *
 *   theory_lsq [--max-d N] [--skip-dense]
 */
#include "integrate.h"
#include "nv_fused.h"

#include "driver.h"
#include "grid.h"
#include "theory.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ls3 {
  size_t d;
  double g, s2;
  double *lam;
};

/* Written as the engine's streaming least-squares right-hand side is (ode/lsq.c,
 * lsq_coef_a and lsq_rhs_a): the coefficients from the sum, then lam_i (A nu_i + B) + C,
 * which the driver fuses with CVODE's vector passes (hd_affine_rhs); ls3_rhs is the same
 * arithmetic as a plain function (the sum through hd_par_dot, a threaded elementwise
 * pass), used where the driver needs one. */
static int ls3_coef(double t, double wy, double abc[3], void *p)
{
  (void)t;
  const struct ls3 *q = p;
  abc[0] = -2 * q->g;
  abc[1] = q->g * q->g * (wy / (double)q->d + q->s2);
  abc[2] = 0.0;
  return 0;
}

static int ls3_rhs(double t, const double *nu, double *f, void *p)
{
  const struct ls3 *q = p;
  const size_t d = q->d;
  const double *lam = q->lam;
  double abc[3];
  ls3_coef(t, hd_par_dot(d, lam, nu), abc, p);
  const double a = abc[0], b = abc[1], c = abc[2];
  if (hd_par_worth(d)) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (size_t i = 0; i < d; i++) f[i] = lam[i] * (a * nu[i] + b) + c;
  } else {
    for (size_t i = 0; i < d; i++) f[i] = lam[i] * (a * nu[i] + b) + c;
  }
  return 0;
}

static int ls3_jac(double t, const double *nu, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)nu;
  const struct ls3 *q = p;
  const size_t d = q->d;
  const double g2 = q->g * q->g, invd = 1.0 / (double)d;
  for (size_t i = 0; i < d; i++) {
    J->blocks[i] = -2 * q->g * q->lam[i];
    J->U[i] = g2 * q->lam[i];
    J->V[i] = q->lam[i] * invd;
  }
  return 0;
}

struct final {
  const struct ls3 *q;
  double risk;
  size_t last; /* index of the last output */
  double *nu;  /* NULL, or d values: the state at the last output */
};

static int on_output(size_t k, double t, const double *nu, void *ctx)
{
  (void)t;
  struct final *f = ctx;
  double R = 0;
  for (size_t i = 0; i < f->q->d; i++) R += f->q->lam[i] * nu[i];
  f->risk = 0.5 * (R / (double)f->q->d + f->q->s2);
  if (f->nu && k == f->last) memcpy(f->nu, nu, f->q->d * sizeof(double));
  return 0;
}

static double clock_s(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

struct result {
  double sec, cpu; /* -1 on failure */
};

/* Runs one case and, if final is not NULL, stores the state at t = 1e5 there. */
static double bench_rtol = 1e-8, bench_atol = 1e-10;

static struct result bench(size_t d, enum hd_linsol ls, const double *tout, size_t nout,
                           double *final)
{
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .lam = malloc(d * sizeof(double))};
  double *nu0 = malloc(d * sizeof(double));
  if (!q.lam || !nu0) {
    fprintf(stderr, "out of memory at d = %zu\n", d);
    exit(1);
  }
  for (size_t i = 0; i < d; i++) {
    q.lam[i] = 2.5 * pow((double)(i + 1) / (double)d, 1.5);
    nu0[i] = 1.0;
  }
  struct hd_affine_rhs affine = {.lam = q.lam, .w = q.lam, .coef = ls3_coef};
  struct hd_ode_system sys = {.dimension = d,
                              .rhs = ls3_rhs,
                              .jac_structured = ls3_jac,
                              .block = 1,
                              .rank = 1,
                              .affine = &affine,
                              .params = &q};
  struct hd_integrate_opts o = {
      .rtol = bench_rtol, .atol = bench_atol, .max_steps = 1000000, .linsol = ls};
  struct hd_integrate_stats st;
  struct final fin = {.q = &q, .risk = NAN, .last = nout - 1, .nu = final};
  /* Short runs are repeated (best of up to 5, within about half a second) so that the
   * d = 1e3 ratios are not dominated by first-touch page faults and timer noise. */
  double sec = INFINITY, cpu = INFINITY, spent = 0;
  int rc = 0;
  for (int rep = 0; rep < 5 && spent < 0.5 && rc == 0; rep++) {
    double t0 = now(), c0 = cpu_now();
    rc = hd_integrate(&sys, nu0, tout, nout, &o, on_output, &fin, &st);
    double dt = now() - t0, dc = cpu_now() - c0;
    spent += dt;
    if (dt < sec) sec = dt;
    if (dc < cpu) cpu = dc;
  }
  if (rc != 0) {
    printf("%9zu  %-10s  FAILED: %s\n", d, st.linsol, st.message);
    sec = cpu = -1;
  } else {
    /* fixed point (Sherman-Morrison on the rank-one term): nu_i* = g s^2 / (2 - g m),
     * risk* = s^2 / (2 - g m) with m = mean(lam); the slowest modes (rate 2 g lam_1 ~
     * 2.5 d^-1.5) are still relaxing at t = 1e5, so risk(1e5) sits slightly above it */
    double m = 0;
    for (size_t i = 0; i < d; i++) m += q.lam[i];
    m /= (double)d;
    double risk_inf = q.s2 / (2 - q.g * m);
    printf("%9zu  %-10s  %8.3f  %8.3f  %6ld  %6ld  %6ld  %6ld  %6ld  %.10f  %.10f  %7.1f\n", d,
           st.linsol, sec, cpu, st.steps, st.nonlin_iters, st.lin_iters, st.rhs_evals,
           st.prec_setups, fin.risk, risk_inf, 1e9 * cpu / ((double)d * (double)st.steps));
  }
  fflush(stdout);
  free(q.lam);
  free(nu0);
  return (struct result){sec, cpu};
}

/* largest |a - b| / max(|a|, |b|) */
static double maxrel(const double *a, const double *b, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double s = fmax(fabs(a[i]), fabs(b[i]));
    double e = s == 0 ? 0 : fabs(a[i] - b[i]) / s;
    if (!(e <= m)) m = e;
  }
  return m;
}

static size_t ref_max_d = 10000;

/* structured and woodbury at one d: their times, ratio and final-state difference */
static void pair(size_t d, const double *tout, size_t nout, struct result *rs, struct result *rw)
{
  double *a = malloc(d * sizeof(double)), *b = malloc(d * sizeof(double));
  if (!a || !b) {
    fprintf(stderr, "out of memory at d = %zu\n", d);
    exit(1);
  }
  *rs = bench(d, HD_LINSOL_STRUCTURED, tout, nout, a);
  *rw = bench(d, HD_LINSOL_WOODBURY, tout, nout, b);
  if (rs->sec > 0 && rw->sec > 0)
    printf("%9zu  structured / woodbury: wall %.2f, cpu %.2f; final states differ by %.2g "
           "(relative)\n",
           d, rs->sec / rw->sec, rs->cpu / rw->cpu, maxrel(a, b, d));
  if (d <= ref_max_d && rs->sec > 0 && rw->sec > 0) {
    /* accuracy: both against a reference run at rtol 1e-12, atol 1e-14 (woodbury) */
    double *ref = malloc(d * sizeof(double));
    double r0 = bench_rtol, a0 = bench_atol;
    bench_rtol = 1e-12;
    bench_atol = 1e-14;
    printf("  reference:\n");
    struct result rr = bench(d, HD_LINSOL_WOODBURY, tout, nout, ref);
    bench_rtol = r0;
    bench_atol = a0;
    if (rr.sec > 0)
      printf("%9zu  error at t = 1e5 against the reference: structured %.2g, woodbury %.2g\n", d,
             maxrel(a, ref, d), maxrel(b, ref, d));
    free(ref);
  }
  fflush(stdout);
  free(a);
  free(b);
}

/* What the vector kernels of src/nv_fused.c buy, woodbury at one d, in this run: one pass
 * per operation on one thread (as before the queue), the queued passes on one thread, and
 * on all threads.  The three final states must be the same bits. */
static void passes(size_t d, const double *tout, size_t nout)
{
  int nthr = 1;
#ifdef _OPENMP
  nthr = omp_get_max_threads();
#endif
  const char *name[3] = {"one pass per operation, 1 thread", "fused passes, 1 thread",
                         "fused passes, all threads"};
  double *fin[3];
  struct result r[3];
  printf("vector passes at d = %zu (woodbury; %d threads available):\n", d, nthr);
  for (int m = 0; m < 3; m++) {
    fin[m] = malloc(d * sizeof(double));
    if (!fin[m]) exit(1);
    hd_nv_set_immediate(m == 0);
#ifdef _OPENMP
    omp_set_num_threads(m == 2 ? nthr : 1);
#endif
    printf("  %s:\n", name[m]);
    r[m] = bench(d, HD_LINSOL_WOODBURY, tout, nout, fin[m]);
  }
  hd_nv_set_immediate(0);
#ifdef _OPENMP
  omp_set_num_threads(nthr);
#endif
  int same = memcmp(fin[0], fin[1], d * sizeof(double)) == 0 &&
             memcmp(fin[0], fin[2], d * sizeof(double)) == 0;
  if (r[0].sec > 0 && r[1].sec > 0 && r[2].sec > 0)
    printf("%9zu  wall: fused / one-pass = %.2fx faster on 1 thread, %.2fx on %d threads; "
           "final states %s\n",
           d, r[0].sec / r[1].sec, r[0].sec / r[2].sec, nthr, same ? "bit-identical" : "DIFFER");
  for (int m = 0; m < 3; m++) free(fin[m]);
  fflush(stdout);
}

/* The user's view: a streaming_lsq model file (power law alpha = 1.5, lr 0.5, label noise
 * 0.5, no ridge: the ODE carries one equation per eigenvalue) through the engine, t in
 * [1e-3, 1e5] with 6 outputs per decade, rtol 1e-8, default linear solver. */
static void model_run(long d)
{
  char text[1024];
  snprintf(text, sizeof text,
           "[model]\nproblem = streaming_lsq\nseed = 9\n"
           "[data]\nd = %ld\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.5\n"
           "[optimizer]\nlr = 0.5\n[simulation]\nenabled = false\nhorizon = 1e5\n"
           "[theory]\nmethod = ode\nrtol = 1e-8\n[output]\ntimes = log(1e-3, 1e5, 49)\n",
           d);
  struct hd_session s;
  if (hd_session_from_text(&s, "bench.ini", text) != 0) exit(2);
  struct hd_output_grid g;
  char msg[256];
  if (hd_output_grid_build(&s.run.times, s.run.horizon, s.pb->steps_per_time(s.plan), &g, msg,
                           sizeof msg) != 0)
    exit(2);
  struct hd_theory_result th;
  double c0 = cpu_now();
  int rc = hd_theory_run(s.pb, s.plan, &g, &s.run, &th);
  double c1 = cpu_now();
  if (rc == 0)
    printf("%9ld  model       %8.3f  %8.3f  %6ld  state %zu, %s, risk(1e5) = %.10f\n", d,
           th.seconds, c1 - c0, th.stats.steps, th.dimension, th.stats.linsol, th.values[g.n - 1]);
  else printf("%9ld  model       FAILED: %s\n", d, th.message);
  fflush(stdout);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  hd_session_free(&s);
}

int main(int argc, char **argv)
{
  size_t max_d = 1000000;
  int skip_dense = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--max-d") == 0 && i + 1 < argc) {
      max_d = (size_t)strtod(argv[++i], NULL);
    } else if (strcmp(argv[i], "--skip-dense") == 0) {
      skip_dense = 1;
    } else {
      fprintf(stderr, "usage: %s [--max-d N] [--skip-dense]\n", argv[0]);
      return 2;
    }
  }

  double tout[64];
  size_t nout = 0;
  tout[nout++] = 0;
  for (int k = 0; k <= 8 * 6; k++) tout[nout++] = pow(10.0, -3.0 + k / 6.0);

  printf("LS-3 (streaming least squares), lam_i = 2.5 (i/d)^1.5, g = 0.5, s^2 = 0.25; BDF rtol "
         "1e-8 atol 1e-10; t = 1e-3..1e5, 6 outputs/decade\n");
  printf("%9s  %-10s  %8s  %8s  %6s  %6s  %6s  %6s  %6s  %-12s  %-12s  %7s\n", "d", "linsol",
         "seconds", "cpu", "steps", "newton", "lin_it", "rhs", "setups", "risk(1e5)", "risk(inf)",
         "ns/d/st");
  /* ns/d/st: CPU nanoseconds per state component per step */
  struct result rs, rw;
  pair(1000, tout, nout, &rs, &rw);
  struct result rg = bench(1000, HD_LINSOL_GMRES, tout, nout, NULL);
  struct result rd = {-1, -1};
  if (!skip_dense) rd = bench(1000, HD_LINSOL_DENSE, tout, nout, NULL);
  if (rs.cpu > 0 && rw.cpu > 0) {
    if (rd.cpu > 0)
      printf("d = 1000 (cpu): dense / structured = %.1f, dense / woodbury = %.1f\n",
             rd.cpu / rs.cpu, rd.cpu / rw.cpu);
    if (rg.cpu > 0)
      printf("d = 1000 (cpu): gmres / structured = %.1f, gmres / woodbury = %.1f\n",
             rg.cpu / rs.cpu, rg.cpu / rw.cpu);
  }
  for (size_t d = 10000; d <= max_d; d *= 10) pair(d, tout, nout, &rs, &rw);
  for (size_t d = 100000; d <= max_d; d *= 10) passes(d, tout, nout);
  printf("streaming_lsq model files through the engine (seconds = wall, then CPU, steps):\n");
  for (size_t d = 100000; d <= max_d; d *= 10) model_run((long)d);
  return 0;
}
