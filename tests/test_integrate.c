/* test_integrate.c — the CVODE driver (src/integrate.c) on systems with known answers.
 *
 * Every system is integrated with rtol 1e-11 and compared with an exact solution, a
 * closed-form fixed point, or the dense direct solver, to relative 1e-8 or better.  The
 * structured (Woodbury-preconditioned) solver and the woodbury direct solver (the same
 * inverse as a SUNLinearSolver) are checked on block sizes 1, 2, 3 and ranks 0..3, so
 * every branch of the block inversion and of the capacitance solve runs. */
#include "integrate.h"
#include "nv_fused.h"

#include <nvector/nvector_serial.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* An error check that also prints the measured error, so the margin is visible. */
#define CHECK_ERR(err, bound, ...)                                                                 \
  do {                                                                                             \
    printf("  ");                                                                                  \
    printf(__VA_ARGS__);                                                                           \
    printf(" (bound %.0e)\n", (double)(bound));                                                    \
    CHECK((err) < (bound), __VA_ARGS__);                                                           \
  } while (0)

static double relerr(double a, double b)
{
  double s = fmax(fabs(a), fabs(b));
  return s == 0 ? 0 : fabs(a - b) / s;
}

/* ---------------------------------------------------------------------------------- */
/* output recorder */

struct rec {
  size_t dim, nout, calls, last_k;
  double *y;                /* nout * dim */
  int stop_at_k, stop_code; /* stop_code returned at k == stop_at_k (if stop_code != 0) */
};

static void rec_init(struct rec *r, size_t dim, size_t nout)
{
  memset(r, 0, sizeof *r);
  r->dim = dim;
  r->nout = nout;
  r->y = calloc(dim * nout, sizeof(double));
  r->last_k = (size_t)-1;
}

static int rec_out(size_t k, double t, const double *y, void *ctx)
{
  (void)t;
  struct rec *r = ctx;
  r->calls++;
  r->last_k = k;
  if (k < r->nout) memcpy(r->y + k * r->dim, y, r->dim * sizeof(double));
  if (r->stop_code != 0 && (int)k == r->stop_at_k) return r->stop_code;
  return 0;
}

/* Exact-solution checks run at rtol 1e-11.  Cross-solver comparisons run at 1e-12: two
 * solvers take different (equally valid) Newton paths, so their answers differ by the
 * global error, which at rtol 1e-11 reaches ~1e-9 on components passing near zero; at
 * 1e-12 the differences are ~3e-11, well under the 1e-9 the comparisons demand. */
#define RTOL_EXACT 1e-11
#define RTOL_CMP   1e-12

static struct hd_integrate_opts tight_rtol(enum hd_linsol ls, double rtol)
{
  struct hd_integrate_opts o = {.rtol = rtol, .atol = 1e-14, .max_steps = 100000, .linsol = ls};
  return o;
}

static struct hd_integrate_opts tight(enum hd_linsol ls) { return tight_rtol(ls, RTOL_EXACT); }

/* Max over outputs and components of |a - b| / max(|a|, |b|, floor): relative for
 * components above floor, absolute (in units of floor) below it.  Components that have
 * decayed to ~0 are resolved only to atol and carry no information about the linear
 * algebra; floor = 1e-3 of the O(1) state scale keeps them from dominating. */
static double maxrel(const struct rec *a, const struct rec *b, double floor)
{
  double m = 0;
  for (size_t i = 0; i < a->dim * a->nout; i++) {
    double s = fmax(fmax(fabs(a->y[i]), fabs(b->y[i])), floor);
    double e = fabs(a->y[i] - b->y[i]) / s;
    if (!(e <= m)) m = e; /* NaN propagates as a failure */
  }
  return m;
}

/* log grid: 0, then 10^lo .. 10^hi with per_decade points per decade */
static size_t log_grid(double *t, double lo, double hi, int per_decade)
{
  size_t n = 0;
  t[n++] = 0;
  int m = (int)lround((hi - lo) * per_decade);
  for (int i = 0; i <= m; i++) t[n++] = pow(10.0, lo + (double)i / per_decade);
  return n;
}

/* ---------------------------------------------------------------------------------- */
/* (1) y' = -a y + b, exact y = b/a + (y0 - b/a) e^{-a t} */

struct lin1 {
  double a, b;
};

static int lin1_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  const struct lin1 *q = p;
  f[0] = -q->a * y[0] + q->b;
  return 0;
}

static int lin1_jac(double t, const double *y, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)y;
  const struct lin1 *q = p;
  J->blocks[0] = -q->a;
  return 0;
}

static void test_scalar_linear(void)
{
  struct lin1 q = {.a = 2.0, .b = 0.7};
  struct hd_ode_system sys = {.dimension = 1, .rhs = lin1_rhs, .params = &q};
  const double tout[] = {0, 0.1, 0.5, 1, 2, 5, 10, 30};
  const size_t nout = sizeof tout / sizeof tout[0];
  const double y0 = 3.0;
  const enum hd_linsol lss[] = {HD_LINSOL_AUTO, HD_LINSOL_GMRES, HD_LINSOL_STRUCTURED,
                                HD_LINSOL_WOODBURY};
  for (size_t s = 0; s < 4; s++) {
    /* structured and woodbury here run with rank 0: a pure block-diagonal inverse */
    const bool has_jac = lss[s] == HD_LINSOL_STRUCTURED || lss[s] == HD_LINSOL_WOODBURY;
    sys.jac_structured = has_jac ? lin1_jac : NULL;
    sys.block = 1;
    sys.rank = 0;
    struct rec r;
    rec_init(&r, 1, nout);
    struct hd_integrate_opts o = tight(lss[s]);
    struct hd_integrate_stats st;
    int rc = hd_integrate(&sys, &y0, tout, nout, &o, rec_out, &r, &st);
    CHECK(rc == 0, "scalar %s: rc %d (%s)", hd_linsol_name(lss[s]), rc, st.message);
    CHECK(r.calls == nout, "scalar: %zu output calls", r.calls);
    CHECK(strcmp(st.linsol, s == 0 ? "dense" : hd_linsol_name(lss[s])) == 0, "scalar: linsol %s",
          st.linsol);
    double worst = 0;
    for (size_t k = 0; k < nout; k++) {
      double ex = q.b / q.a + (y0 - q.b / q.a) * exp(-q.a * tout[k]);
      worst = fmax(worst, relerr(r.y[k], ex));
    }
    CHECK_ERR(worst, 1e-8, "scalar %s: max relative error %.3g", st.linsol, worst);
    CHECK(st.steps > 0 && st.rhs_evals > st.steps && st.nonlin_iters > 0 && st.last_step > 0 &&
              st.flag == 0 && isnan(st.t_fail) && st.message[0] == 0,
          "scalar %s: stats steps %ld rhs %ld nni %ld h %g flag %d", st.linsol, st.steps,
          st.rhs_evals, st.nonlin_iters, st.last_step, st.flag);
    if (has_jac)
      CHECK(st.prec_setups > 0 && st.prec_solves > 0, "scalar %s: setups %ld solves %ld", st.linsol,
            st.prec_setups, st.prec_solves);
    if (lss[s] == HD_LINSOL_WOODBURY)
      CHECK(st.lin_iters == 0 && st.lin_conv_fails == 0 && st.prec_solves == st.nonlin_iters,
            "scalar woodbury: %ld linear iterations, %ld fails, %ld solves for %ld Newton "
            "iterations",
            st.lin_iters, st.lin_conv_fails, st.prec_solves, st.nonlin_iters);
    free(r.y);
  }
}

/* ---------------------------------------------------------------------------------- */
/* (2) LS-3: the streaming least-squares limit, one equation per eigenvalue,
 *   nu_i' = -2 g lam_i nu_i + g^2 lam_i (<lam, nu>/d + s^2),
 * with J = diag(-2 g lam) + (g^2 lam)(lam/d)^T: diagonal plus rank one.  Optional extras:
 * a second rank-one term kappa w (w.nu)/d (rank 2), used by test (4). */

struct ls3 {
  size_t d;
  double g, s2, kappa;
  double eps;      /* optional nonlinearity -eps nu_i^2 (J then depends on nu) */
  double *lam, *w; /* w NULL: rank 1 */
};

static int ls3_rhs(double t, const double *nu, double *f, void *p)
{
  (void)t;
  const struct ls3 *q = p;
  const size_t d = q->d;
  double R = 0, Q = 0;
  for (size_t i = 0; i < d; i++) R += q->lam[i] * nu[i];
  R /= (double)d;
  if (q->w) {
    for (size_t i = 0; i < d; i++) Q += q->w[i] * nu[i];
    Q /= (double)d;
  }
  const double g = q->g, c = g * g * (R + q->s2);
  for (size_t i = 0; i < d; i++)
    f[i] = -2 * g * q->lam[i] * nu[i] + c * q->lam[i] - q->eps * nu[i] * nu[i];
  if (q->w)
    for (size_t i = 0; i < d; i++) f[i] += q->kappa * q->w[i] * Q;
  return 0;
}

static int ls3_jac(double t, const double *nu, struct hd_sjac *J, void *p)
{
  (void)t;
  const struct ls3 *q = p;
  const size_t d = q->d;
  for (size_t i = 0; i < d; i++) {
    J->blocks[i] = -2 * q->g * q->lam[i] - 2 * q->eps * nu[i];
    J->U[i] = q->g * q->g * q->lam[i];
    J->V[i] = q->lam[i] / (double)d;
  }
  if (q->w)
    for (size_t i = 0; i < d; i++) {
      J->U[d + i] = q->kappa * q->w[i];
      J->V[d + i] = q->w[i] / (double)d;
    }
  return 0;
}

static double *power_law(size_t d)
{
  double *lam = malloc(d * sizeof *lam);
  for (size_t i = 0; i < d; i++) lam[i] = 2.5 * pow((double)(i + 1) / (double)d, 1.5);
  return lam;
}

static struct hd_ode_system ls3_system(struct ls3 *q)
{
  struct hd_ode_system s = {.dimension = q->d,
                            .rhs = ls3_rhs,
                            .jac_structured = ls3_jac,
                            .block = 1,
                            .rank = q->w ? 2 : 1,
                            .params = q};
  return s;
}

static int run_rtol(const struct hd_ode_system *sys, const double *y0, const double *tout,
                    size_t nout, enum hd_linsol ls, double rtol, struct rec *r,
                    struct hd_integrate_stats *st)
{
  rec_init(r, sys->dimension, nout);
  struct hd_integrate_opts o = tight_rtol(ls, rtol);
  int rc = hd_integrate(sys, y0, tout, nout, &o, rec_out, r, st);
  if (rc != 0) printf("  %s: %s\n", hd_linsol_name(ls), st->message);
  return rc;
}

/* one run at the comparison tolerance */
static int run(const struct hd_ode_system *sys, const double *y0, const double *tout, size_t nout,
               enum hd_linsol ls, struct rec *r, struct hd_integrate_stats *st)
{
  return run_rtol(sys, y0, tout, nout, ls, RTOL_CMP, r, st);
}

/* The woodbury direct solver on the same system, against a dense run rd of it: the same
 * answer to bound, one exact solve per Newton iteration and no linear iterations. */
static void check_woodbury(const struct hd_ode_system *sys, const double *y0, const double *tout,
                           size_t nout, const struct rec *rd, double bound, const char *name,
                           struct hd_integrate_stats *sw)
{
  struct rec rw;
  CHECK(run(sys, y0, tout, nout, HD_LINSOL_WOODBURY, &rw, sw) == 0, "%s woodbury: %s", name,
        sw->message);
  double e = maxrel(&rw, rd, 1e-3);
  CHECK_ERR(e, bound, "%s: woodbury vs dense %.3g", name, e);
  CHECK(sw->lin_iters == 0 && sw->lin_conv_fails == 0 && sw->prec_solves == sw->nonlin_iters &&
            sw->prec_setups > 0,
        "%s woodbury: %ld linear iterations, %ld fails, %ld solves, %ld setups for %ld Newton "
        "iterations",
        name, sw->lin_iters, sw->lin_conv_fails, sw->prec_solves, sw->prec_setups,
        sw->nonlin_iters);
  free(rw.y);
}

static void test_ls3_small(void)
{
  /* LS-3 at d = 50: structured against dense over 1e-3..1e5. */
  const size_t d = 50;
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .lam = power_law(d)};
  struct hd_ode_system sys = ls3_system(&q);
  double nu0[50];
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0;
  double tout[64];
  size_t nout = log_grid(tout, -3, 5, 2);
  struct rec rs, rd, rg, rw;
  struct hd_integrate_stats ss, sd, sg, sw;
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "LS-3 d=50 structured");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "LS-3 d=50 dense");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_GMRES, &rg, &sg) == 0, "LS-3 d=50 gmres");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_WOODBURY, &rw, &sw) == 0, "LS-3 d=50 woodbury");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "LS-3 d=50: structured vs dense %.3g", e);
  e = maxrel(&rw, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "LS-3 d=50: woodbury vs dense %.3g", e);
  /* a direct solver: one exact solve per Newton iteration, no Krylov iterations; setups
   * only when CVODE asks for them (fewer than steps), with the factors re-formed at every
   * new gamma in between */
  CHECK(sw.lin_iters == 0 && sw.lin_conv_fails == 0 && sw.prec_solves == sw.nonlin_iters &&
            sw.prec_setups > 0 && sw.prec_setups < sw.steps,
        "LS-3 d=50 woodbury: %ld linear iterations, %ld fails, %ld solves, %ld setups for %ld "
        "Newton iterations, %ld steps",
        sw.lin_iters, sw.lin_conv_fails, sw.prec_solves, sw.prec_setups, sw.nonlin_iters, sw.steps);
  e = maxrel(&rg, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "LS-3 d=50: gmres vs dense %.3g", e);
  /* The preconditioner is the exact inverse of the Newton matrix (J is constant here), so
   * each Newton iteration costs at most one GMRES iteration and GMRES never fails. */
  CHECK(ss.lin_iters <= ss.nonlin_iters && ss.lin_conv_fails == 0,
        "LS-3 d=50 structured: %ld linear iterations for %ld Newton iterations, %ld fails",
        ss.lin_iters, ss.nonlin_iters, ss.lin_conv_fails);
  printf("  LS-3 d=50: structured %ld steps %ld lin iters; dense %ld steps; gmres %ld steps "
         "%ld lin iters; woodbury %ld steps %ld Newton iters %ld setups\n",
         ss.steps, ss.lin_iters, sd.steps, sg.steps, sg.lin_iters, sw.steps, sw.nonlin_iters,
         sw.prec_setups);
  free(rs.y);
  free(rd.y);
  free(rg.y);
  free(rw.y);
  free(q.lam);
}

static void test_ls3_large(void)
{
  /* LS-3 at d = 2000.  The fixed point of nu' = M nu + g^2 s^2 lam with
   * M = -2 g Lam + (g^2/d) lam lam^T is, by Sherman-Morrison (the rank-one term only
   * shifts the scalar R = <lam, nu>/d):  nu_i* = g (R* + s^2)/2 for every i, so
   * R* = m g (R* + s^2)/2 with m = mean(lam), i.e. R* = m g s^2 / (2 - m g), and
   * nu_i* = g s^2 / (2 - m g).  The slowest mode decays at 2 g lam_min ~ 3e-5, so by
   * t = 1e10 the transient is below e^{-3e5}. */
  const size_t d = 2000;
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .lam = power_law(d)};
  struct hd_ode_system sys = ls3_system(&q);
  double *nu0 = malloc(d * sizeof *nu0);
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0 + 0.5 * sin((double)i);
  double m = 0;
  for (size_t i = 0; i < d; i++) m += q.lam[i];
  m /= (double)d;
  const double nustar = q.g * q.s2 / (2 - m * q.g);

  double tout[80];
  size_t nout = log_grid(tout, -3, 10, 2);
  struct rec rs;
  struct hd_integrate_stats ss;
  CHECK(run_rtol(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, RTOL_EXACT, &rs, &ss) == 0,
        "LS-3 d=2000 structured");
  double e = 0;
  const double *last = rs.y + (nout - 1) * d;
  for (size_t i = 0; i < d; i++) e = fmax(e, relerr(last[i], nustar));
  CHECK_ERR(e, 1e-9, "LS-3 d=2000: steady state error %.3g (nu* = %.12g)", e, nustar);
  CHECK(ss.lin_iters <= ss.nonlin_iters && ss.lin_conv_fails == 0,
        "LS-3 d=2000 structured: %ld linear iterations for %ld Newton iterations, %ld fails",
        ss.lin_iters, ss.nonlin_iters, ss.lin_conv_fails);
  free(rs.y);
  struct rec rw;
  struct hd_integrate_stats sw;
  CHECK(run_rtol(&sys, nu0, tout, nout, HD_LINSOL_WOODBURY, RTOL_EXACT, &rw, &sw) == 0,
        "LS-3 d=2000 woodbury");
  e = 0;
  last = rw.y + (nout - 1) * d;
  for (size_t i = 0; i < d; i++) e = fmax(e, relerr(last[i], nustar));
  CHECK_ERR(e, 1e-9, "LS-3 d=2000: woodbury steady state error %.3g", e);
  free(rw.y);

  /* Linear-iteration counts (not times) against unpreconditioned GMRES on 1e-3..1e5: the
   * exact preconditioner needs one iteration per Newton iteration, GMRES alone needs
   * more and more as h grows and gamma J spreads over ~2.5 h .. 3e-5 h. */
  nout = log_grid(tout, -3, 5, 2);
  struct rec r1, r2;
  struct hd_integrate_stats s1, s2;
  CHECK(run_rtol(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, RTOL_EXACT, &r1, &s1) == 0,
        "LS-3 structured");
  CHECK(run_rtol(&sys, nu0, tout, nout, HD_LINSOL_GMRES, RTOL_EXACT, &r2, &s2) == 0, "LS-3 gmres");
  e = maxrel(&r1, &r2, 1e-3);
  CHECK_ERR(e, 1e-8, "LS-3 d=2000: structured vs gmres %.3g", e);
  CHECK(4 * s1.lin_iters < s2.lin_iters, "LS-3 d=2000: structured %ld linear iterations, gmres %ld",
        s1.lin_iters, s2.lin_iters);
  printf("  LS-3 d=2000 to 1e5: structured %ld steps %ld lin iters, gmres %ld steps %ld lin "
         "iters (%ld conv fails)\n",
         s1.steps, s1.lin_iters, s2.steps, s2.lin_iters, s2.lin_conv_fails);
  free(r1.y);
  free(r2.y);
  free(nu0);
  free(q.lam);
}

/* ---------------------------------------------------------------------------------- */
/* (3) block size 2: pairs (mu_i, nu_i) stored interleaved,
 *   mu_i' = -g lam_i mu_i + om nu_i
 *   nu_i' = -2 g lam_i nu_i - 2 g c lam_i mu_i + g^2 lam_i (<lam, nu>/d + s^2),
 * a full 2x2 block per mode plus rank one acting on the nu's only. */

struct pair2 {
  size_t d;
  double g, s2, c, om;
  double *lam;
};

static int pair2_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  const struct pair2 *q = p;
  double R = 0;
  for (size_t i = 0; i < q->d; i++) R += q->lam[i] * y[2 * i + 1];
  R /= (double)q->d;
  for (size_t i = 0; i < q->d; i++) {
    double l = q->lam[i], mu = y[2 * i], nu = y[2 * i + 1];
    f[2 * i] = -q->g * l * mu + q->om * nu;
    f[2 * i + 1] = -2 * q->g * l * nu - 2 * q->g * q->c * l * mu + q->g * q->g * l * (R + q->s2);
  }
  return 0;
}

static int pair2_jac(double t, const double *y, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)y;
  const struct pair2 *q = p;
  const size_t n = 2 * q->d;
  for (size_t i = 0; i < q->d; i++) {
    double l = q->lam[i], *B = J->blocks + 4 * i;
    B[0] = -q->g * l;
    B[1] = q->om;
    B[2] = -2 * q->g * q->c * l;
    B[3] = -2 * q->g * l;
    J->U[2 * i] = 0;
    J->U[2 * i + 1] = q->g * q->g * l;
    J->V[2 * i] = 0;
    J->V[2 * i + 1] = l / (double)q->d;
  }
  (void)n;
  return 0;
}

static void test_block2(void)
{
  const size_t d = 40;
  struct pair2 q = {.d = d, .g = 0.5, .s2 = 0.25, .c = 0.3, .om = 0.05, .lam = power_law(d)};
  struct hd_ode_system sys = {.dimension = 2 * d,
                              .rhs = pair2_rhs,
                              .jac_structured = pair2_jac,
                              .block = 2,
                              .rank = 1,
                              .params = &q};
  double y0[80];
  for (size_t i = 0; i < d; i++) {
    y0[2 * i] = cos((double)i);
    y0[2 * i + 1] = 1.0;
  }
  double tout[64];
  size_t nout = log_grid(tout, -3, 5, 2);
  struct rec rs, rd;
  struct hd_integrate_stats ss, sd;
  CHECK(run(&sys, y0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "block2 structured");
  CHECK(run(&sys, y0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "block2 dense");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "block2 d=40: structured vs dense %.3g", e);
  CHECK(ss.lin_iters <= ss.nonlin_iters && ss.lin_conv_fails == 0,
        "block2 structured: %ld linear iterations for %ld Newton iterations", ss.lin_iters,
        ss.nonlin_iters);
  struct hd_integrate_stats sw;
  check_woodbury(&sys, y0, tout, nout, &rd, 1e-9, "block2 d=40", &sw);
  free(rs.y);
  free(rd.y);
  free(q.lam);
}

/* ---------------------------------------------------------------------------------- */
/* (4) rank 2 (LS-3 plus kappa w (w.nu)/d), and block size 3 with rank 3 (general block
 * inversion and the LAPACK capacitance path). */

static void test_rank2(void)
{
  const size_t d = 50;
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .kappa = -0.3, .lam = power_law(d)};
  q.w = malloc(d * sizeof *q.w);
  for (size_t i = 0; i < d; i++) q.w[i] = cos(0.7 * (double)i);
  struct hd_ode_system sys = ls3_system(&q);
  CHECK(sys.rank == 2, "rank2 system");
  double nu0[50];
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0;
  double tout[64];
  size_t nout = log_grid(tout, -3, 5, 2);
  struct rec rs, rd;
  struct hd_integrate_stats ss, sd;
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "rank2 structured");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "rank2 dense");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "rank2 d=50: structured vs dense %.3g", e);
  CHECK(ss.lin_iters <= ss.nonlin_iters && ss.lin_conv_fails == 0,
        "rank2 structured: %ld linear iterations for %ld Newton iterations", ss.lin_iters,
        ss.nonlin_iters);
  struct hd_integrate_stats sw;
  check_woodbury(&sys, nu0, tout, nout, &rd, 1e-9, "rank2 d=50", &sw);
  free(rs.y);
  free(rd.y);
  free(q.lam);
  free(q.w);
}

/* LS-3 with a nonlinear term -eps nu_i^2: J now depends on the state, so CVODE works with
 * a preconditioner built from an older J and GMRES may need more than one iteration. */
static void test_nonlinear(void)
{
  const size_t d = 50;
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .eps = 0.2, .lam = power_law(d)};
  struct hd_ode_system sys = ls3_system(&q);
  double nu0[50];
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0 + 0.5 * cos((double)i);
  double tout[64];
  size_t nout = log_grid(tout, -3, 5, 2);
  struct rec rs, rd;
  struct hd_integrate_stats ss, sd;
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "nonlinear structured");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "nonlinear dense");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "nonlinear d=50: structured vs dense %.3g", e);
  printf("  nonlinear structured: %ld steps, %ld Newton iterations, %ld linear iterations, %ld "
         "preconditioner setups\n",
         ss.steps, ss.nonlin_iters, ss.lin_iters, ss.prec_setups);
  /* woodbury: between setups it solves with the J of the last setup (modified Newton, like
   * the dense solver), so it may take more Newton iterations but must agree as well */
  struct hd_integrate_stats sw;
  check_woodbury(&sys, nu0, tout, nout, &rd, 1e-9, "nonlinear d=50", &sw);
  printf("  nonlinear woodbury: %ld steps, %ld Newton iterations, %ld setups, %ld convergence "
         "failures\n",
         sw.steps, sw.nonlin_iters, sw.prec_setups, sw.nonlin_conv_fails);
  free(rs.y);
  free(rd.y);
  free(q.lam);
}

/* triples x_i = (a, b, c): x_i' = B_i x_i + sum_j u_j (v_j . x)/n + src, B_i a damped
 * rotation with mode-dependent rates, u_j, v_j three fixed smooth vectors; the constant
 * source keeps the state O(1) instead of decaying into atol territory. */
struct trip {
  size_t m;            /* number of triples */
  double *lam, *u, *v; /* u, v: 3 columns of length 3m */
};

static void trip_block(const struct trip *q, size_t i, double *B)
{
  double l = q->lam[i];
  double M[9] = {-l, 0.4, 0.1, -0.4, -2 * l, 0.2, 0.05, -0.3, -0.5 - l};
  memcpy(B, M, sizeof M);
}

static int trip_rhs(double t, const double *x, double *f, void *p)
{
  (void)t;
  const struct trip *q = p;
  const size_t n = 3 * q->m;
  double c[3] = {0, 0, 0};
  for (size_t j = 0; j < 3; j++) {
    for (size_t l = 0; l < n; l++) c[j] += q->v[j * n + l] * x[l];
    c[j] /= (double)n;
  }
  for (size_t i = 0; i < q->m; i++) {
    double B[9];
    trip_block(q, i, B);
    for (size_t a = 0; a < 3; a++) {
      double s = 0;
      for (size_t b = 0; b < 3; b++) s += B[3 * a + b] * x[3 * i + b];
      f[3 * i + a] = s;
    }
  }
  for (size_t j = 0; j < 3; j++)
    for (size_t l = 0; l < n; l++) f[l] += q->u[j * n + l] * c[j];
  for (size_t l = 0; l < n; l++) f[l] += 0.1 * (double)(1 + l % 3);
  return 0;
}

static int trip_jac(double t, const double *x, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)x;
  const struct trip *q = p;
  const size_t n = 3 * q->m;
  for (size_t i = 0; i < q->m; i++) trip_block(q, i, J->blocks + 9 * i);
  for (size_t l = 0; l < 3 * n; l++) {
    J->U[l] = q->u[l];
    J->V[l] = q->v[l] / (double)n;
  }
  return 0;
}

static void test_block3_rank3(void)
{
  const size_t m = 20, n = 3 * m;
  struct trip q = {.m = m, .lam = power_law(m)};
  q.u = malloc(3 * n * sizeof(double));
  q.v = malloc(3 * n * sizeof(double));
  for (size_t j = 0; j < 3; j++)
    for (size_t l = 0; l < n; l++) {
      q.u[j * n + l] = 0.3 * sin(0.37 * (double)(l + 1) * (double)(j + 1));
      q.v[j * n + l] = cos(0.11 * (double)l + (double)j);
    }
  struct hd_ode_system sys = {.dimension = n,
                              .rhs = trip_rhs,
                              .jac_structured = trip_jac,
                              .block = 3,
                              .rank = 3,
                              .params = &q};
  double x0[60];
  for (size_t l = 0; l < n; l++) x0[l] = 1.0 + 0.1 * (double)(l % 7);
  double tout[64];
  size_t nout = log_grid(tout, -3, 3, 2);
  struct rec rs, rd;
  struct hd_integrate_stats ss, sd;
  CHECK(run(&sys, x0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "block3 structured");
  CHECK(run(&sys, x0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "block3 dense");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "block3 rank3: structured vs dense %.3g", e);
  CHECK(ss.lin_iters <= ss.nonlin_iters && ss.lin_conv_fails == 0,
        "block3 structured: %ld linear iterations for %ld Newton iterations", ss.lin_iters,
        ss.nonlin_iters);
  struct hd_integrate_stats sw;
  check_woodbury(&sys, x0, tout, nout, &rd, 1e-9, "block3 rank3", &sw);
  free(rs.y);
  free(rd.y);
  free(q.lam);
  free(q.u);
  free(q.v);
}

/* ---------------------------------------------------------------------------------- */
/* (5) breakpoints: y' = -g(t) y with g = 1 before t = 1 and 3 from t = 1 on (a
 * learning-rate step), y = exp(-int_0^t g).  The RHS also records whether CVODE ever
 * evaluated it beyond the breakpoint and then came back before it: that is what
 * stepping over a discontinuity looks like. */

struct brk {
  double tb, g1, g2;
  double tmax;
  int went_back;
};

static int brk_rhs(double t, const double *y, double *f, void *p)
{
  struct brk *q = p;
  if (t < q->tb && q->tmax > q->tb) q->went_back = 1;
  if (t > q->tmax) q->tmax = t;
  f[0] = -(t < q->tb ? q->g1 : q->g2) * y[0];
  return 0;
}

static double brk_exact(const struct brk *q, double t)
{
  return t <= q->tb ? exp(-q->g1 * t) : exp(-q->g1 * q->tb - q->g2 * (t - q->tb));
}

static void test_breakpoints(void)
{
  struct brk q = {.tb = 1.0, .g1 = 1.0, .g2 = 3.0, .tmax = -1};
  /* the breakpoint list also holds one before the start and one after the end; both
   * must be ignored */
  const double bps[] = {-1.0, 1.0, 10.0};
  struct hd_ode_system sys = {
      .dimension = 1, .rhs = brk_rhs, .breakpoints = bps, .n_breakpoints = 3, .params = &q};
  const double y0 = 1.0;
  /* (a) the breakpoint coincides with an output time; (b) it falls between two */
  const double ta[] = {0, 0.5, 1.0, 1.5, 2.0, 3.0};
  const double tb[] = {0, 0.3, 0.9, 1.2, 2.0, 3.0};
  const double *ts[2] = {ta, tb};
  for (int c = 0; c < 2; c++) {
    q.tmax = -1;
    q.went_back = 0;
    struct rec r;
    struct hd_integrate_stats st;
    int rc = run_rtol(&sys, &y0, ts[c], 6, HD_LINSOL_DENSE, RTOL_EXACT, &r, &st);
    CHECK(rc == 0 && r.calls == 6, "breakpoints case %d: rc %d calls %zu", c, rc, r.calls);
    double worst = 0;
    for (size_t k = 0; k < 6; k++) worst = fmax(worst, relerr(r.y[k], brk_exact(&q, ts[c][k])));
    CHECK_ERR(worst, 1e-8, "breakpoints case %d: max relative error %.3g", c, worst);
    CHECK(!q.went_back, "breakpoints case %d: the RHS was evaluated past t = 1 and then before", c);
    CHECK(q.tmax <= 3.0, "breakpoints case %d: RHS evaluated at t = %g beyond the last output", c,
          q.tmax);
    free(r.y);
  }
}

/* (5b) LS-3 under a learning-rate schedule: g(t) = g0 / (1 + t/tau), halved from t = tb
 * on (a breakpoint).  J depends on t, so every setup must evaluate it at the current
 * time, and the solvers restart with fresh factors after the breakpoint; gamma changes
 * all the time (the step size follows the decaying rates). */

struct sched {
  struct ls3 q; /* q.g unused: g comes from the schedule */
  double g0, tau, tb;
};

static double sched_g(const struct sched *s, double t)
{
  double g = s->g0 / (1.0 + t / s->tau);
  return t < s->tb ? g : 0.5 * g;
}

static int sched_rhs(double t, const double *nu, double *f, void *p)
{
  struct sched *s = p;
  s->q.g = sched_g(s, t);
  return ls3_rhs(t, nu, f, &s->q);
}

static int sched_jac(double t, const double *nu, struct hd_sjac *J, void *p)
{
  struct sched *s = p;
  s->q.g = sched_g(s, t);
  return ls3_jac(t, nu, J, &s->q);
}

static void test_schedule(void)
{
  const size_t d = 30;
  struct sched s = {
      .q = {.d = d, .s2 = 0.25, .lam = power_law(d)}, .g0 = 0.8, .tau = 5.0, .tb = 2.0};
  const double bps[] = {2.0};
  struct hd_ode_system sys = {.dimension = d,
                              .rhs = sched_rhs,
                              .jac_structured = sched_jac,
                              .block = 1,
                              .rank = 1,
                              .breakpoints = bps,
                              .n_breakpoints = 1,
                              .params = &s};
  double nu0[30];
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0 + 0.3 * cos((double)i);
  double tout[64];
  size_t nout = log_grid(tout, -3, 3, 3);
  struct rec rs, rd;
  struct hd_integrate_stats ss, sd;
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_DENSE, &rd, &sd) == 0, "schedule dense");
  CHECK(run(&sys, nu0, tout, nout, HD_LINSOL_STRUCTURED, &rs, &ss) == 0, "schedule structured");
  double e = maxrel(&rs, &rd, 1e-3);
  CHECK_ERR(e, 1e-9, "schedule d=30: structured vs dense %.3g", e);
  struct hd_integrate_stats sw;
  check_woodbury(&sys, nu0, tout, nout, &rd, 1e-9, "schedule d=30", &sw);
  printf("  schedule woodbury: %ld steps, %ld Newton iterations, %ld setups\n", sw.steps,
         sw.nonlin_iters, sw.prec_setups);
  free(rs.y);
  free(rd.y);
  free(s.q.lam);
}

/* ---------------------------------------------------------------------------------- */
/* (6) a RHS that produces NaN for t > 1 */

static int nan_rhs(double t, const double *y, double *f, void *p)
{
  (void)p;
  f[0] = t > 1.0 ? NAN : -y[0];
  return 0;
}

static int nan_jac(double t, const double *y, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)y;
  (void)p;
  J->blocks[0] = -1.0;
  return 0;
}

static void test_nan(void)
{
  struct hd_ode_system sys = {.dimension = 1, .rhs = nan_rhs, .block = 1};
  const double tout[] = {0, 0.5, 1.5, 2.0, 3.0};
  const double y0 = 1.0;
  const enum hd_linsol lss[] = {HD_LINSOL_DENSE, HD_LINSOL_GMRES, HD_LINSOL_WOODBURY};
  for (int s = 0; s < 3; s++) {
    sys.jac_structured = lss[s] == HD_LINSOL_WOODBURY ? nan_jac : NULL;
    struct rec r;
    rec_init(&r, 1, 5);
    struct hd_integrate_opts o = tight(lss[s]);
    struct hd_integrate_stats st;
    int rc = hd_integrate(&sys, &y0, tout, 5, &o, rec_out, &r, &st);
    printf("  NaN RHS (%s): rc %d, t_fail %.9g, message: %s\n", st.linsol, rc, st.t_fail,
           st.message);
    CHECK(rc < 0 && st.flag == rc, "NaN: rc %d flag %d", rc, st.flag);
    CHECK(st.t_fail <= 1.0 && st.t_fail > 0.9, "NaN: t_fail %.9g", st.t_fail);
    CHECK(st.message[0] != 0 && strstr(st.message, "non-finite"), "NaN: message '%s'", st.message);
    CHECK(r.calls == 2 && r.last_k == 1, "NaN: %zu output calls, last k %zu", r.calls, r.last_k);
    CHECK(st.steps > 0, "NaN: stats filled on failure (steps %ld)", st.steps);
    free(r.y);
  }
}

/* (6b) the affine right-hand side (integrate.h, hd_affine_rhs): the driver's fused form
 * against the same system given as a plain function.  f_i = lam_i (A y_i + B) + C with
 * A = -2 g, B = g^2 (<w, y>/d + s2), C = c0 cos t (NaN for t > 1 when nan_after is set).
 * Same steps, same evaluations, the same bits at every output; and a non-finite
 * coefficient is reported as a non-finite right-hand side. */
struct aff {
  size_t d;
  double g, s2, c0;
  int nan_after;
  double *lam, *w;
};

static int aff_coef(double t, double wy, double abc[3], void *p)
{
  const struct aff *q = p;
  abc[0] = -2 * q->g;
  abc[1] = q->g * q->g * (wy / (double)q->d + q->s2);
  abc[2] = q->nan_after && t > 1.0 ? NAN : q->c0 * cos(t);
  return 0;
}

static int aff_rhs(double t, const double *y, double *f, void *p)
{
  const struct aff *q = p;
  double abc[3];
  aff_coef(t, hd_par_dot(q->d, q->w, y), abc, p);
  for (size_t i = 0; i < q->d; i++) f[i] = q->lam[i] * (abc[0] * y[i] + abc[1]) + abc[2];
  return 0;
}

static int aff_jac(double t, const double *y, struct hd_sjac *J, void *p)
{
  (void)t;
  (void)y;
  const struct aff *q = p;
  for (size_t i = 0; i < q->d; i++) {
    J->blocks[i] = -2 * q->g * q->lam[i];
    J->U[i] = q->g * q->g * q->lam[i];
    J->V[i] = q->w[i] / (double)q->d;
  }
  return 0;
}

static void test_affine_rhs(void)
{
  /* one thread; blocks shared among threads; and the solvers whose Jacobian CVODE forms
   * itself: the dense one perturbs y through its data pointer, behind the vector queue */
  const struct {
    size_t d;
    enum hd_linsol ls;
  } cases[] = {{5000, HD_LINSOL_WOODBURY},
               {70000, HD_LINSOL_WOODBURY},
               {120, HD_LINSOL_DENSE},
               {1000, HD_LINSOL_GMRES}};
  double tout[25];
  tout[0] = 0;
  for (int k = 1; k < 25; k++) tout[k] = pow(10.0, -3.0 + 0.25 * k);
  for (size_t di = 0; di < sizeof cases / sizeof cases[0]; di++) {
    size_t d = cases[di].d;
    struct aff q = {.d = d,
                    .g = 0.5,
                    .s2 = 0.25,
                    .c0 = 0.01,
                    .lam = power_law(d),
                    .w = malloc(d * sizeof(double))};
    double *y0 = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) q.w[i] = 1.0 + 0.5 * sin((double)i), y0[i] = 1.0;
    struct hd_affine_rhs affine = {.lam = q.lam, .w = q.w, .coef = aff_coef};
    struct hd_ode_system sys = {.dimension = d,
                                .rhs = aff_rhs,
                                .jac_structured = aff_jac,
                                .block = 1,
                                .rank = 1,
                                .params = &q};
    struct rec r[2];
    struct hd_integrate_stats st[2];
    int rc[2];
    for (int m = 0; m < 2; m++) {
      sys.affine = m ? &affine : NULL;
      rc[m] = run_rtol(&sys, y0, tout, 25, cases[di].ls, 1e-8, &r[m], &st[m]);
    }
    CHECK(rc[0] == 0 && rc[1] == 0 && st[0].steps == st[1].steps &&
              st[0].rhs_evals == st[1].rhs_evals && st[0].steps > 100 &&
              memcmp(r[0].y, r[1].y, 25 * d * sizeof(double)) == 0,
          "affine right-hand side, d = %zu, %s: %ld steps, %ld evaluations, 25 outputs the "
          "same bits as the plain function (rc %d %d, %ld %ld steps)",
          d, hd_linsol_name(cases[di].ls), st[1].steps, st[1].rhs_evals, rc[0], rc[1], st[0].steps,
          st[1].steps);
    for (int m = 0; m < 2; m++) free(r[m].y);
    if (di == 0) { /* a NaN coefficient: the plain function's check reports it */
      q.nan_after = 1;
      sys.affine = &affine;
      const double tn[] = {0, 0.5, 1.5, 2.0, 3.0};
      struct rec rn;
      struct hd_integrate_stats sn;
      int rcn = run_rtol(&sys, y0, tn, 5, HD_LINSOL_WOODBURY, 1e-8, &rn, &sn);
      CHECK(rcn < 0 && sn.t_fail <= 1.0 && sn.t_fail > 0.9 && strstr(sn.message, "non-finite") &&
                rn.calls == 2,
            "affine right-hand side with NaN coefficients after t = 1: rc %d, t_fail %.9g, "
            "%zu outputs, message '%s'",
            rcn, sn.t_fail, rn.calls, sn.message);
      free(rn.y);
    }
    free(q.lam), free(q.w), free(y0);
  }
}

/* (7) max_steps exhausted */
static void test_max_steps(void)
{
  struct lin1 q = {.a = 1.0, .b = 0.0};
  struct hd_ode_system sys = {.dimension = 1, .rhs = lin1_rhs, .block = 1, .params = &q};
  const double tout[] = {0, 1e-3, 1e3};
  const double y0 = 1.0;
  const enum hd_linsol lss[] = {HD_LINSOL_DENSE, HD_LINSOL_WOODBURY};
  for (int s = 0; s < 2; s++) {
    sys.jac_structured = lss[s] == HD_LINSOL_WOODBURY ? lin1_jac : NULL;
    struct rec r;
    rec_init(&r, 1, 3);
    struct hd_integrate_opts o = tight(lss[s]);
    o.max_steps = 60; /* enough for the first output interval, not for the second */
    struct hd_integrate_stats st;
    int rc = hd_integrate(&sys, &y0, tout, 3, &o, rec_out, &r, &st);
    printf("  max_steps (%s): rc %d, message: %s\n", st.linsol, rc, st.message);
    CHECK(rc < 0 && st.flag < 0 && strstr(st.message, "CV_TOO_MUCH_WORK"),
          "max_steps: rc %d flag %d message '%s'", rc, st.flag, st.message);
    CHECK(st.t_fail > 1e-3 && st.t_fail < 1e3, "max_steps: t_fail %g", st.t_fail);
    CHECK(r.calls == 2, "max_steps: %zu output calls", r.calls);
    free(r.y);
  }
}

/* (7b) the structured Jacobian itself fails: unrecoverably from t = 0.5 on (reported as
 * a linear-solver setup failure), or recoverably every time (CVODE retries with smaller
 * steps and gives up) */
struct jfail {
  double t_bad;
  int code;
};

static int jfail_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  (void)p;
  f[0] = -y[0];
  return 0;
}

static int jfail_jac(double t, const double *y, struct hd_sjac *J, void *p)
{
  (void)y;
  const struct jfail *q = p;
  if (t >= q->t_bad) return q->code;
  J->blocks[0] = -1.0;
  return 0;
}

static void test_jac_failure(void)
{
  const double tout[] = {0, 0.25, 1.0, 2.0};
  const double y0 = 1.0;
  const enum hd_linsol lss[] = {HD_LINSOL_STRUCTURED, HD_LINSOL_WOODBURY};
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 2; c++) {
      struct jfail q = {.t_bad = c == 0 ? 0.5 : 0.0, .code = c == 0 ? -1 : 1};
      struct hd_ode_system sys = {
          .dimension = 1, .rhs = jfail_rhs, .jac_structured = jfail_jac, .block = 1, .params = &q};
      struct rec r;
      rec_init(&r, 1, 4);
      struct hd_integrate_opts o = tight(lss[s]);
      struct hd_integrate_stats st;
      int rc = hd_integrate(&sys, &y0, tout, 4, &o, rec_out, &r, &st);
      printf("  Jacobian failure (%s, %s): rc %d, message: %s\n", st.linsol,
             c == 0 ? "unrecoverable" : "recoverable", rc, st.message);
      CHECK(rc < 0 && st.flag == rc && st.message[0] && isfinite(st.t_fail),
            "Jacobian failure %s case %d: rc %d flag %d t_fail %g", st.linsol, c, rc, st.flag,
            st.t_fail);
      if (c == 0)
        CHECK(r.calls == 2 && st.t_fail >= 0.25 && st.t_fail <= 1.0 &&
                  strstr(st.message, "CV_LSETUP_FAIL"),
              "Jacobian failure %s: %zu output calls, t_fail %g, message '%s'", st.linsol, r.calls,
              st.t_fail, st.message);
      else
        CHECK(r.calls == 1, "Jacobian failure %s (recoverable): %zu output calls", st.linsol,
              r.calls);
      free(r.y);
    }
}

/* (8) the output callback stops the run; bad input; names */
static void test_misc(void)
{
  struct lin1 q = {.a = 1.0, .b = 0.0};
  struct hd_ode_system sys = {.dimension = 1, .rhs = lin1_rhs, .params = &q};
  const double tout[] = {0, 1, 2, 3};
  const double y0 = 1.0;
  struct rec r;
  rec_init(&r, 1, 4);
  r.stop_at_k = 2;
  r.stop_code = 7;
  struct hd_integrate_opts o = tight(HD_LINSOL_AUTO);
  struct hd_integrate_stats st;
  int rc = hd_integrate(&sys, &y0, tout, 4, &o, rec_out, &r, &st);
  CHECK(rc == 7 && st.flag == 7 && r.calls == 3 && st.message[0],
        "callback stop: rc %d flag %d calls %zu", rc, st.flag, r.calls);
  free(r.y);

  const double bad[] = {0, 1, 1, 2};
  rc = hd_integrate(&sys, &y0, bad, 4, &o, NULL, NULL, &st);
  CHECK(rc < 0 && st.message[0], "non-increasing tout: rc %d", rc);
  o.linsol = HD_LINSOL_STRUCTURED;
  rc = hd_integrate(&sys, &y0, tout, 4, &o, NULL, NULL, &st);
  CHECK(rc < 0 && st.message[0], "structured without a Jacobian: rc %d", rc);
  o.linsol = HD_LINSOL_WOODBURY;
  rc = hd_integrate(&sys, &y0, tout, 4, &o, NULL, NULL, &st);
  CHECK(rc < 0 && strstr(st.message, "woodbury"), "woodbury without a Jacobian: rc %d '%s'", rc,
        st.message);
  sys.jac_structured = lin1_jac;
  sys.block = 2; /* does not divide the dimension 1 */
  rc = hd_integrate(&sys, &y0, tout, 4, &o, NULL, NULL, &st);
  CHECK(rc < 0 && st.message[0], "woodbury with a bad block size: rc %d", rc);
  sys.block = 1;
  o.linsol = HD_LINSOL_AUTO;
  rc = hd_integrate(&sys, &y0, tout, 4, &o, NULL, NULL, &st);
  CHECK(rc == 0 && strcmp(st.linsol, "woodbury") == 0, "auto with jac_structured: rc %d, linsol %s",
        rc, st.linsol);
  o.linsol = (enum hd_linsol)(HD_LINSOL_WOODBURY + 1);
  rc = hd_integrate(&sys, &y0, tout, 4, &o, NULL, NULL, &st);
  CHECK(rc < 0 && st.message[0], "unknown linear solver: rc %d", rc);
  sys.jac_structured = NULL;
  o.linsol = HD_LINSOL_AUTO;
  rc = hd_integrate(&sys, &y0, tout, 1, &o, NULL, NULL, &st);
  CHECK(rc == 0, "single output time: rc %d", rc);

  CHECK(strcmp(hd_linsol_name(HD_LINSOL_AUTO), "auto") == 0 &&
            strcmp(hd_linsol_name(HD_LINSOL_DENSE), "dense") == 0 &&
            strcmp(hd_linsol_name(HD_LINSOL_GMRES), "gmres") == 0 &&
            strcmp(hd_linsol_name(HD_LINSOL_STRUCTURED), "structured") == 0 &&
            strcmp(hd_linsol_name(HD_LINSOL_WOODBURY), "woodbury") == 0,
        "linsol names");
  /* the enum is part of the model-file format (run_params): values never move */
  CHECK(HD_LINSOL_AUTO == 0 && HD_LINSOL_DENSE == 1 && HD_LINSOL_GMRES == 2 &&
            HD_LINSOL_STRUCTURED == 3 && HD_LINSOL_WOODBURY == 4,
        "linsol enum values");
}

/* The deferred, fused, threaded vector kernels (src/nv_fused.c) change no bit: LS-3 at
 * d = 60000 (long enough for the threaded path) integrated with one operation per pass on
 * one thread, with the fused queue on one thread and on two, for the structured (SPGMR)
 * and the woodbury solver: every output of every run is the same double. */
static void test_fused_kernels_bitwise(void)
{
  const size_t d = 60000;
  struct ls3 q = {.d = d, .g = 0.5, .s2 = 0.25, .lam = power_law(d)};
  struct hd_ode_system sys = ls3_system(&q);
  double *nu0 = malloc(d * sizeof *nu0);
  for (size_t i = 0; i < d; i++) nu0[i] = 1.0 + 0.5 * sin((double)i);
  double tout[80];
  size_t nout = log_grid(tout, -3, 3, 2);
  const enum hd_linsol lss[2] = {HD_LINSOL_STRUCTURED, HD_LINSOL_WOODBURY};
  for (int s = 0; s < 2; s++) {
    struct rec r[3];
    struct hd_integrate_stats st;
    int ok = 1;
    for (int m = 0; m < 3; m++) {
      hd_nv_set_immediate(m == 0);
#ifdef _OPENMP
      omp_set_num_threads(m == 2 ? 2 : 1);
#endif
      ok &= run_rtol(&sys, nu0, tout, nout, lss[s], 1e-8, &r[m], &st) == 0;
    }
    hd_nv_set_immediate(0);
    size_t bytes = d * nout * sizeof(double);
    CHECK(ok && memcmp(r[0].y, r[1].y, bytes) == 0 && memcmp(r[0].y, r[2].y, bytes) == 0,
          "LS-3 d=%zu %s: one pass per operation = fused (1 thread) = fused (2 threads), "
          "bit for bit over %zu outputs",
          d, hd_linsol_name(lss[s]), nout);
    for (int m = 0; m < 3; m++) free(r[m].y);
  }
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
  free(nu0);
  free(q.lam);
}

/* The queue's dependency closure (a value runs only the queued operations it depends on,
 * plus those on arrays it crosses anyway), its reads of queued constants, its dropped
 * dead stores and its prediction kernel, against one operation per pass exactly as
 * asked: a random
 * stream of CVODE's vector operations on a few vectors, in place and aliased, with
 * norms, dot products and data accesses (a read and a write through the pointer)
 * interleaved.  Every reduction and every final vector must be the same bits. */
static unsigned long long lcg_state;
static unsigned lcg(unsigned m)
{
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(lcg_state >> 33) % m;
}

enum { QV = 7, QSTEPS = 3000 };

/* Runs the stream on fresh vectors; returns the number of values written to out. */
static size_t queue_stream(size_t n, unsigned long long seed, double *out, double *finals,
                           SUNContext ctx)
{
  N_Vector v[QV];
  v[0] = N_VNew_Serial((sunindextype)n, ctx);
  hd_nv_install(v[0]);
  for (int k = 1; k < QV; k++) v[k] = N_VClone(v[0]);
  for (int k = 0; k < QV; k++) {
    double *p = N_VGetArrayPointer(v[k]);
    for (size_t i = 0; i < n; i++) p[i] = 1.0 + 0.25 * sin((double)(i * (k + 3)));
  }
  lcg_state = seed;
  size_t nout = 0;
  for (int s = 0; s < QSTEPS; s++) {
    N_Vector x = v[lcg(QV)], y = v[lcg(QV)], z = v[lcg(QV)];
    double a = 0.5 * ((double)lcg(9) - 4.0) / 4.0 + 0.5, b = ((double)lcg(7) - 3.0) / 8.0;
    N_Vector X[4], Y[4];
    double c[4] = {a, b, 0.25, -0.5};
    for (int j = 0; j < 4; j++) X[j] = v[lcg(QV)], Y[j] = v[(lcg(QV) + (unsigned)j) % QV];
    switch (lcg(18)) {
    case 0: N_VLinearSum(a, x, b, y, z); break;
    case 1: N_VLinearSum(1.0, x, -1.0, y, z); break;
    case 2: N_VLinearSum(1.0, x, b, y, z); break;
    case 3: N_VConst(a, z); break;
    case 4: N_VProd(x, y, z); break;
    case 5: N_VScale(a, x, z); break;
    case 6: N_VScale(1.0, x, z); break;
    case 7: N_VAbs(x, z); break;
    case 8: N_VAddConst(x, b, z); break;
    case 9: N_VLinearCombination(3, c, X, z); break;
    case 10: N_VScaleAddMulti(3, c, x, X, X); break; /* in place, as CVODE does */
    case 11: N_VScaleAddMulti(2, c, x, X, Y); break;
    case 12: N_VScaleVectorArray(2, c, X, Y); break;
    case 13: out[nout++] = N_VDotProd(x, y); break;
    case 14: {
      N_VAbs(y, z); /* positive weights */
      N_VAddConst(z, 0.5, z);
      out[nout++] = N_VWrmsNorm(x, z);
    } break;
    case 15: out[nout++] = N_VGetArrayPointer(x)[lcg((unsigned)n)]; break;
    case 17: { /* CVODE's history update then prediction (nv_fused.c runs them as one
                  kernel): zn[j] += l_j acor for some j, then the Pascal triangle */
      int q = 2 + (int)lcg(4), perm[QV];
      for (int k = 0; k < QV; k++) perm[k] = k;
      for (int k = QV - 1; k > 0; k--) {
        int j = (int)lcg((unsigned)k + 1), t = perm[k];
        perm[k] = perm[j], perm[j] = t;
      }
      N_Vector zn[6], acor = v[perm[QV - 1]];
      for (int j = 0; j <= q; j++) zn[j] = v[perm[j]];
      if (lcg(2))
        for (int j = 0; j <= q; j++)
          if (lcg(3)) N_VLinearSum(0.25 * (double)(j + 1), acor, 1.0, zn[j], zn[j]);
      for (int k = 1; k <= q; k++)
        for (int j = q; j >= k; j--) N_VLinearSum(1.0, zn[j - 1], 1.0, zn[j], zn[j - 1]);
    } break;
    default: { /* the caller writes through the pointer: queued readers of x go first */
      double *p = N_VGetArrayPointer(x);
      size_t i = lcg((unsigned)n);
      p[i] = 0.5 * p[i] + 0.125;
    } break;
    }
    /* keep the values bounded: the stream is about order, not overflow */
    if (lcg(50) == 0) {
      for (int k = 0; k < QV; k++) {
        N_VAbs(v[k], v[k]);
        N_VAddConst(v[k], 1.0, v[k]);
        N_VInv(v[k], v[k]);
      }
    }
  }
  for (int k = 0; k < QV; k++)
    memcpy(finals + (size_t)k * n, N_VGetArrayPointer(v[k]), n * sizeof(double));
  for (int k = 0; k < QV; k++) N_VDestroy(v[k]);
  return nout;
}

static void test_fused_queue_random(void)
{
  SUNContext ctx;
  if (SUNContext_Create(NULL, &ctx) != 0) {
    CHECK(0, "SUNContext_Create");
    return;
  }
  const size_t lens[2] = {5000, 70000}; /* one thread; blocks shared among threads */
  for (int l = 0; l < 2; l++) {
    const size_t n = lens[l];
    for (unsigned long long seed = 1; seed <= 3; seed++) {
      double *out[2], *fin[2];
      size_t nout[2];
      long f0, d0, t0, f1, d1, t1;
      for (int m = 0; m < 2; m++) {
        out[m] = malloc(QSTEPS * sizeof(double));
        fin[m] = malloc(QV * n * sizeof(double));
        hd_nv_set_immediate(m == 0);
#ifdef _OPENMP
        omp_set_num_threads(m == 0 ? 1 : 2);
#endif
        hd_nv_rewrites(&f0, &d0, &t0);
        nout[m] = queue_stream(n, seed, out[m], fin[m], ctx);
      }
      hd_nv_rewrites(&f1, &d1, &t1);
      hd_nv_set_immediate(0);
      /* the fused run read queued constants, dropped dead stores and ran prediction
       * triangles as one kernel (immediate: never) */
      CHECK(nout[0] == nout[1] && nout[0] > 100 &&
                memcmp(out[0], out[1], nout[0] * sizeof(double)) == 0 &&
                memcmp(fin[0], fin[1], QV * n * sizeof(double)) == 0 && f1 - f0 >= 10 &&
                d1 - d0 >= 10 && t1 - t0 >= 10,
            "queue closure, n = %zu, stream %llu: %zu reductions and accesses and %d final "
            "vectors the same bits as one operation per pass (%ld constants read, %ld dead "
            "stores dropped, %ld triangle kernels)",
            n, seed, nout[0], QV, f1 - f0, d1 - d0, t1 - t0);
      for (int m = 0; m < 2; m++) free(out[m]), free(fin[m]);
    }
  }
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
  SUNContext_Free(&ctx);
}

/* ---------------------------------------------------------------------------------- */
/* atol = HD_ATOL_AUTO: relative accuracy while components decay over many decades */

/* y_i' = -k_i y_i, rates from slow to stiff */
enum { NDECAY = 6 };
static const double decay_k[NDECAY] = {0.25, 0.5, 1, 10, 100, 1000};

static int decay_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  (void)p;
  for (int i = 0; i < NDECAY; i++) f[i] = -decay_k[i] * y[i];
  return 0;
}

/* harmonic oscillator: both components cross zero twice a period */
static int osc_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  (void)p;
  f[0] = y[1];
  f[1] = -y[0];
  return 0;
}

/* y0' = -y0, and y1' = ((y0 + 1) - 1) - y0: zero in exact arithmetic, rounding noise of
 * order eps in floating point (a component zero by symmetry, a difference of large
 * terms) */
static int noisy_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  volatile double one = *(const double *)p; /* keeps the compiler from folding it */
  f[0] = -y[0];
  f[1] = ((y[0] + one) - one) - y[0];
  return 0;
}

/* y0' = -y0, y1' = noise of size 1e-13 that changes at every evaluation (the rounding of
 * a right-hand side that adds up large terms), from a counter in *p */
static int jitter_rhs(double t, const double *y, double *f, void *p)
{
  (void)t;
  unsigned long long *c = p;
  *c = *c * 6364136223846793005ULL + 1442695040888963407ULL;
  f[0] = -y[0];
  f[1] = 1e-13 * ((double)(*c >> 11) * 0x1p-53 - 0.5);
  return 0;
}

/* Worst relative error of the decay system over the outputs where the exact value is at
 * least `depth` times its start. */
static double decay_err(const struct rec *r, const double *tout, size_t nout, double depth)
{
  double worst = 0;
  for (size_t k = 0; k < nout; k++)
    for (int i = 0; i < NDECAY; i++) {
      double ex = exp(-decay_k[i] * tout[k]);
      if (ex < depth) continue;
      double e = fabs(r->y[k * NDECAY + i] - ex) / ex;
      if (!(e <= worst)) worst = e;
    }
  return worst;
}

static void test_auto_tolerance(void)
{
  printf("atol = auto\n");
  struct hd_ode_system sys = {.dimension = NDECAY, .rhs = decay_rhs};
  double y0[NDECAY], tout[64];
  for (int i = 0; i < NDECAY; i++) y0[i] = 1;
  size_t nout = log_grid(tout, -3, log10(110.0), 6); /* the slowest mode falls 12 decades */
  struct hd_integrate_opts autoo = {.rtol = 1e-8, .atol = HD_ATOL_AUTO, .max_steps = 100000};
  struct hd_integrate_opts fixed = autoo;
  fixed.atol = 1e-12;
  struct rec ra, rf;
  struct hd_integrate_stats sa, sf;
  rec_init(&ra, NDECAY, nout);
  rec_init(&rf, NDECAY, nout);
  int rc = hd_integrate(&sys, y0, tout, nout, &autoo, rec_out, &ra, &sa);
  rc |= hd_integrate(&sys, y0, tout, nout, &fixed, rec_out, &rf, &sf);
  CHECK(rc == 0, "decay system integrates (%s%s)", sa.message, sf.message);
  /* The global error of relative control grows with the number of steps, so the
   * yardstick is the error over the first 4 decades, where atol = 1e-12 is inactive too
   * (both about 1e-6 at rtol 1e-8): over 12 decades auto stays within a few times it. */
  double e4 = decay_err(&ra, tout, nout, 1e-4), ea = decay_err(&ra, tout, nout, 1e-12),
         ef = decay_err(&rf, tout, nout, 1e-12);
  CHECK_ERR(ea, 6 * e4,
            "auto: relative error %.1e over 12 decades of decay against %.1e over the first 4 "
            "(%ld steps; atol 1e-12: error %.1e, %ld steps)",
            ea, e4, sa.steps, ef, sf.steps);
  CHECK(ea < 1e-5, "auto: relative error %.1e < 1e-5 at rtol 1e-8", ea);
  /* an explicit atol means what it says: below atol / rtol the control is absolute */
  CHECK(ef > 1e-3, "atol = 1e-12 loses the tail (relative error %.1e)", ef);
  /* each stiff mode is followed over 14 decades, then dies out without holding the step
   * at its own time scale */
  CHECK(sa.steps < 3 * sf.steps, "auto costs %ld steps against %ld with atol 1e-12", sa.steps,
        sf.steps);
  CHECK(isnan(sa.t_guard), "no rounding guard needed (t_guard = %g)", sa.t_guard);
  free(ra.y);
  free(rf.y);

  /* signed components crossing zero 20 times: no collapse of the step at the crossings */
  struct hd_ode_system osc = {.dimension = 2, .rhs = osc_rhs};
  const double pi = 3.14159265358979323846;
  double y2[2] = {1, 0}, t2[41];
  for (int k = 0; k <= 40; k++) t2[k] = k * pi / 4;
  rec_init(&ra, 2, 41);
  rec_init(&rf, 2, 41);
  rc = hd_integrate(&osc, y2, t2, 41, &autoo, rec_out, &ra, &sa);
  rc |= hd_integrate(&osc, y2, t2, 41, &fixed, rec_out, &rf, &sf);
  double worst = 0;
  for (int k = 0; k <= 40; k++)
    worst = fmax(worst, fmax(fabs(ra.y[2 * k] - cos(t2[k])), fabs(ra.y[2 * k + 1] + sin(t2[k]))));
  CHECK(rc == 0, "oscillator integrates");
  CHECK_ERR(worst, 3e-6, "auto on an oscillator: max error %.1e (%ld steps; atol 1e-12: %ld)",
            worst, sa.steps, sf.steps);
  CHECK(sa.steps < 1.5 * sf.steps, "zero crossings cost %ld steps against %ld", sa.steps,
        sf.steps);
  free(ra.y);
  free(rf.y);

  /* rounding noise in a component that starts at zero: its absolute floor (100 eps of the
   * state's scale) covers it, and y0 keeps its relative accuracy */
  {
    double one = 1.0, yn[2] = {1, 0}, tn[3] = {0, 5, 20};
    struct hd_ode_system ns = {.dimension = 2, .rhs = noisy_rhs, .params = &one};
    rec_init(&ra, 2, 3);
    rc = hd_integrate(&ns, yn, tn, 3, &autoo, rec_out, &ra, &sa);
    double e = fabs(ra.y[4] - exp(-20.0)) / exp(-20.0);
    CHECK(rc == 0 && isnan(sa.t_guard) && e < 1e-5 && fabs(ra.y[5]) < 1e-12,
          "rounding noise from zero: %ld steps, no guard (t_guard %g), y0(20) to %.1e (< 1e-5), "
          "y1 = %.1e %s",
          sa.steps, sa.t_guard, e, ra.y[5], sa.message);
    free(ra.y);
    /* noise in a component that starts at 1e-10: relative control chases it until the
     * error test fails or max_steps runs out; the driver then adds its rounding floor once
     * and finishes, y0 now held to that floor (2e-14 against y0(20) = 2e-9) */
    unsigned long long counter = 1;
    yn[1] = 1e-10;
    ns.rhs = jitter_rhs;
    ns.params = &counter;
    struct hd_integrate_opts few = autoo;
    few.max_steps = 3000;
    rec_init(&ra, 2, 3);
    rc = hd_integrate(&ns, yn, tn, 3, &few, rec_out, &ra, &sa);
    e = fabs(ra.y[4] - exp(-20.0)) / exp(-20.0);
    CHECK(rc == 0 && sa.t_guard > 0 && sa.t_guard < 5 && e < 1e-3,
          "rounding noise from 1e-10: guard added at t = %g, %ld steps, y0(20) to %.1e (< 1e-3) %s",
          sa.t_guard, sa.steps, e, sa.message);
    free(ra.y);
  }

  /* a component that starts at zero, and a state that is all zero */
  double z[NDECAY] = {0};
  rec_init(&ra, NDECAY, nout);
  rc = hd_integrate(&sys, z, tout, nout, &autoo, rec_out, &ra, &sa);
  CHECK(rc == 0 && ra.y[(nout - 1) * NDECAY] == 0, "all-zero state stays zero (%s)", sa.message);
  free(ra.y);
  struct hd_integrate_opts bad = autoo;
  bad.rtol = 0;
  rc = hd_integrate(&sys, y0, tout, nout, &bad, NULL, NULL, &sa);
  CHECK(rc < 0 && strstr(sa.message, "rtol > 0") != NULL,
        "auto with rtol = 0 refused: %s", sa.message);
}

int main(void)
{
  test_fused_queue_random();
  test_fused_kernels_bitwise();
  test_scalar_linear();
  test_ls3_small();
  test_ls3_large();
  test_block2();
  test_rank2();
  test_nonlinear();
  test_block3_rank3();
  test_breakpoints();
  test_schedule();
  test_nan();
  test_affine_rhs();
  test_max_steps();
  test_jac_failure();
  test_misc();
  test_auto_tolerance();
  printf("%d passed, %d failed\n", n_pass, n_fail);
  return n_fail ? 1 : 0;
}
