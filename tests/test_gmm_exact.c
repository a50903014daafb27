/* test_gmm_exact.c — the gmm_multiclass theory against exact answers
 * (docs/theory/gmm.md §2.4, §3.3, §4.1) and its quadrature against
 * independent integrals.  Tolerances are set by the accuracy of the reference: closed
 * forms tightly (CVODE rtol 1e-11), gmm.md's 4-5-digit ODE values to their last digit. */
#include <string.h>

#include "testlib.h"

#define HDSIM_GMM_FRIEND
#include "problems/gmm/gmm_plan.h"

static const char *model = "[model]\nproblem = gmm_multiclass\nseed = %d\n"
                           "[data]\nd = %d\n%s\n"
                           "[loss]\nkind = %s\n"
                           "[optimizer]\nlr = %.17g\n%s\n"
                           "[simulation]\nenabled = false\nhorizon = %g\n"
                           "[theory]\nrtol = %g\natol = 1e-14\n%s\n"
                           "[output]\ntimes = %s\n";

struct run {
  struct hd_session *s;
  struct hd_output_grid g;
  struct hd_theory_result th;
};

static void theory(struct run *r, int seed, int d, const char *data, const char *loss, double lr,
                   const char *opt, double horizon, double rtol, const char *theory_extra,
                   const char *times)
{
  r->s = tl_session(model, seed, d, data, loss, lr, opt, horizon, rtol, theory_extra, times);
  tl_grid(r->s, &r->g);
  struct hd_run_params run = r->s->run;
  memset(&r->th, 0, sizeof r->th);
  (void)tl_theory; /* failures are results here, so not tl_theory (which exits) */
  hd_theory_run(r->s->pb, r->s->plan, &r->g, &run, &r->th);
}

static void done(struct run *r)
{
  hd_theory_result_free(&r->th);
  hd_output_grid_free(&r->g);
  tl_session_free(r->s);
}

static double at(const struct run *r, const char *name, size_t j)
{
  const struct hd_observable *obs;
  size_t n = r->s->pb->observables(r->s->plan, &obs);
  for (size_t o = 0; o < n; o++)
    if (strcmp(obs[o].name, name) == 0) return r->th.values[o * r->g.n + j];
  fprintf(stderr, "no observable %s\n", name);
  exit(1);
}

/* §2.4 / §4.1: isotropic LS, +-mu with ||mu|| = 1 (normalised), lambda = 1, p = 1/2:
 * R_inf = 1 / (2 (2 - gamma)); and the whole trajectory against the reduced closed
 * system dm/dt = -g k (m-1) - g l m, dV/dt = -2g m (m-1) - 2 g l V + g^2 l ((m-1)^2 + l V),
 * integrated here by RK4 with a tiny step. */
static void ls_isotropic(void)
{
  const double gammas[3] = {0.5, 1.0, 1.5}, want[3] = {1.0 / 3, 0.5, 1.0};
  for (int k = 0; k < 3; k++) {
    struct run r;
    double g = gammas[k];
    theory(&r, 3, 500, "covariance = isotropic\nmeans = antipodal\nmean_normalise = true",
           "least_squares", g, "", 200, 1e-11, "", "linear(0, 200, 41)");
    double R = at(&r, "risk", r.g.n - 1);
    tl_check(fabs(R - want[k]) < 1e-9 * want[k],
             "LS isotropic gamma = %g: R(200) = %.12f vs "
             "1/(2(2-gamma)) = %.12f",
             g, R, want[k]);
    /* reduced system, RK4 with h = 1e-3 (error ~1e-13) */
    double m = 0, V = 0, worst = 0, h = 1e-3;
    size_t j = 1;
    for (long step = 1; j < r.g.n; step++) {
      double y[2] = {m, V}, kk[4][2];
      for (int st = 0; st < 4; st++) {
        double c = st == 0 ? 0 : st == 3 ? 1 : 0.5;
        double mm = y[0] + (st ? c * h * kk[st - 1][0] : 0),
               vv = y[1] + (st ? c * h * kk[st - 1][1] : 0);
        kk[st][0] = -g * (mm - 1) - g * mm;
        kk[st][1] = -2 * g * mm * (mm - 1) - 2 * g * vv + g * g * ((mm - 1) * (mm - 1) + vv);
      }
      m += h / 6 * (kk[0][0] + 2 * kk[1][0] + 2 * kk[2][0] + kk[3][0]);
      V += h / 6 * (kk[0][1] + 2 * kk[1][1] + 2 * kk[2][1] + kk[3][1]);
      if (fabs(step * h - r.g.t[j]) < 1e-9) {
        double Rr = 0.5 * ((m - 1) * (m - 1) + V);
        worst = fmax(worst, fabs(at(&r, "risk", j) - Rr) / Rr);
        worst = fmax(worst, fabs(at(&r, "overlap_1", j) - m) / fmax(m, 1e-3));
        j++;
      }
    }
    tl_check(worst < 1e-8, "LS isotropic gamma = %g: trajectory = reduced (m, V) system to %.1e", g,
             worst);
    done(&r);
  }
}

/* §4.1: gamma = 2 is marginal (R grows linearly), gamma = 5 blows up.  For kappa = lambda
 * = 1 the reduced system solves in closed form: m = (1 - e^{-4t})/2, dV/dt = 4(1 - m), so
 * R(t) = ((1 - m)^2 + 2t + (1 - e^{-4t})/2) / 2 and R(10) = 10.375.  (The spec's 10.307 is
 * the same ODE at its realised kappa = 1.0134: the slope of R is 2/(kappa + 1).) */
static void ls_marginal(void)
{
  struct run r;
  theory(&r, 3, 500, "covariance = isotropic\nmeans = antipodal\nmean_normalise = true",
         "least_squares", 2.0, "", 10, 1e-10, "", "linear(0, 10, 11)");
  double R10 = at(&r, "risk", r.g.n - 1), R5 = at(&r, "risk", 5);
  double m10 = 0.5 * (1 - exp(-40.0)), want = 0.5 * ((1 - m10) * (1 - m10) + 20 + m10);
  tl_check(fabs(R10 - want) < 1e-8 * want, "gamma = 2: R(10) = %.10f vs closed form %.10f", R10,
           want);
  tl_check(fabs((R10 - R5) / 5 - (R5 - at(&r, "risk", 0)) / 5) < 0.1 * R10 / 10,
           "gamma = 2: linear growth (slopes %.4f and %.4f)", (R5 - at(&r, "risk", 0)) / 5,
           (R10 - R5) / 5);
  done(&r);
  theory(&r, 3, 500, "covariance = isotropic\nmeans = antipodal\nmean_normalise = true",
         "least_squares", 5.0, "", 10, 1e-8, "", "linear(0, 10, 11)");
  double R = r.th.failed ? INFINITY : at(&r, "risk", r.g.n - 1);
  tl_check(R > 1e8, "gamma = 5: exponential blow-up (R(10) = %g%s)", R,
           r.th.failed ? ", theory stopped" : "");
  done(&r);
}

/* §3.3: lambda = (1, 0.25), p = 1/2: gamma_crit = 2/0.85; the ODE stays bounded at 2.30
 * and blows up at 2.36. */
static void ls_threshold(void)
{
  const char *data = "covariance = isotropic\nvariance = 1, 0.25\nmeans = antipodal";
  struct run r;
  theory(&r, 4, 400, data, "least_squares", 2.30, "", 1e5, 1e-10, "", "log(1, 1e5, 11)");
  const struct gmm_plan *P = r.s->plan;
  tl_check(fabs(P->gamma_crit - 2 / 0.85) < 1e-12, "gamma_crit = %.15f vs 2/0.85", P->gamma_crit);
  double a = at(&r, "risk", r.g.n - 3), b = at(&r, "risk", r.g.n - 1);
  tl_check(!r.th.failed && b < 100 && fabs(b - a) < 1e-6 * b,
           "gamma = 2.30 < gamma_crit: R bounded and stationary (%.6f -> %.6f)", a, b);
  done(&r);
  theory(&r, 4, 400, data, "least_squares", 2.36, "", 1e4, 1e-9, "", "log(1, 1e4, 9)");
  a = at(&r, "risk", 4); /* t = 100 */
  b = r.th.failed ? INFINITY : at(&r, "risk", r.g.n - 1);
  tl_check(b > 1e10 * a,
           "gamma = 2.36 > gamma_crit: R grows without bound (%.3g at t = 100 -> %.3g)", a, b);
  done(&r);
}

/* §3.3 / §4.1: zero-one, logistic, kappa_C = 1: gamma kappa_C t R(t) -> 1; ODE 1.0011 at
 * t = 1e4 (gamma = 0.5), 1.0000 at 1e6.  Zero-one LS decays exponentially: R(100) < 1e-11. */
static void zero_one(void)
{
  const char *data = "covariance = zero_one\nmeans = antipodal\nmean_profile = clean\n"
                     "mean_normalise = true";
  struct run r;
  theory(&r, 1, 400, data, "logistic", 0.5, "", 1e6, 1e-10, "", "log(1, 1e6, 7)");
  double v4 = 0.5 * 1e4 * at(&r, "risk", 5), v6 = 0.5 * 1e6 * at(&r, "risk", 7);
  tl_check(r.th.dimension == 4 * 3, "zero-one: four eigen-groups (state %zu)", r.th.dimension);
  tl_check(fabs(v4 - 1.0011) < 1e-4,
           "zero-one logistic: gamma kappa t R = %.5f at t = 1e4 (reference 1.0011)", v4);
  tl_check(fabs(v6 - 1.0000) < 1e-4,
           "zero-one logistic: gamma kappa t R = %.6f at t = 1e6 (reference 1.0000)", v6);
  tl_check(at(&r, "clean_margin_share", 7) > 0.9,
           "zero-one logistic: the clean directions carry the margin (share %.4f)",
           at(&r, "clean_margin_share", 7));
  done(&r);
  theory(&r, 1, 400, data, "least_squares", 0.5, "", 100, 1e-10, "", "linear(0, 100, 5)");
  double R = at(&r, "risk", r.g.n - 1);
  tl_check(fabs(R) < 1e-11, "zero-one LS: |R(100)| = %.3g < 1e-11 (rounding)", fabs(R));
  done(&r);
}

/* The quadrature against an independent reference: the trapezoid rule on a fine grid in
 * z = (r - m)/sqrt(s) over [-12, 12] (spectrally accurate for these smooth integrands),
 * across the Gauss-Hermite ranges and the wide-Gaussian panel path. */
static void quadrature(void)
{
  struct run r;
  theory(&r, 1, 50, "covariance = isotropic", "logistic", 0.5, "", 1, 1e-8, "", "linear(0, 1, 2)");
  const struct gmm_plan *P = r.s->plan;
  const double ms[] = {0, 1.5, -3, 7, 0.3, 20}, ss[] = {0.5, 3, 10, 24, 26, 1e4};
  double worst = 0;
  for (int k = 0; k < 6; k++) {
    double m = ms[k], s = ss[k], sd = sqrt(s), ref[4] = {0, 0, 0, 0};
    long n = 400000;
    for (long i = 0; i <= n; i++) {
      double z = -12 + 24.0 * i / n, w = (i == 0 || i == n ? 0.5 : 1) * 24.0 / n;
      double rr = m + sd * z, phi = exp(-0.5 * z * z) / sqrt(2 * M_PI) * w;
      double sg = 1 / (1 + exp(-rr));
      ref[0] += phi * sg;
      ref[1] += phi * sg * (1 - sg);
      ref[2] += phi * sg * sg; /* class 2: y = 0 */
      ref[3] += phi * (log1p(exp(-fabs(rr))) + fmax(rr, 0));
    }
    double mm[1] = {m}, S[1] = {s};
    struct gmm_expect E;
    gmm_expect_class(&P->limit, 1, mm, S, &E);
    double got[4] = {E.a[0], E.H[0], E.G2[0], E.R};
    for (int f = 0; f < 4; f++) worst = fmax(worst, fabs(got[f] - ref[f]));
  }
  tl_check(worst < 1e-10,
           "logistic expectations vs a 4e5-point reference, s in [0.5, 1e4]: "
           "max abs error %.2e",
           worst);
  done(&r);

  /* two-class softmax = logistic in r_c - r_other: its risk E lse - r_c = E softplus(-(r_1 - r_2)) */
  theory(&r, 1, 50, "covariance = isotropic\nmeans = independent", "softmax", 0.5, "", 1, 1e-8, "",
         "linear(0, 1, 2)");
  struct run rl;
  theory(&rl, 1, 50, "covariance = isotropic", "logistic\nlabels = 0, 1", 0.5, "", 1, 1e-8, "",
         "linear(0, 1, 2)");
  double m2[2] = {0.7, -0.4}, S2[4] = {1.3, 0.2, 0.2, 0.9};
  struct gmm_expect Es, El;
  gmm_expect_class(&((const struct gmm_plan *)r.s->plan)->limit, 0, m2, S2, &Es);
  double md[1] = {m2[1] - m2[0]}, sd2[1] = {S2[0] + S2[3] - 2 * S2[1]};
  gmm_expect_class(&((const struct gmm_plan *)rl.s->plan)->limit, 0, md, sd2,
                   &El); /* label 0: E softplus(rho) */
  /* 64-node Gauss-Hermite at variance 1.8 vs the logistic panels (both ~1e-12) */
  tl_check(fabs(Es.R - El.R) < 1e-10 && fabs(Es.a[1] - El.a[0]) < 1e-10 &&
               fabs(Es.H[0] - El.H[0]) < 1e-10 && fabs(Es.H[1] + El.H[0]) < 1e-10,
           "2-class softmax (2-D rule, shift-reduced) = logistic in r_2 - r_1: risk %.12f vs %.12f",
           Es.R, El.R);
  done(&r);
  done(&rl);

  /* softmax beyond 4 reduced dimensions uses the 4096-point QMC rule: against the tensor
   * Gauss-Hermite rule (10^4 points) at 5 classes, on a random-ish (m, S) */
  theory(&r, 1, 50, "classes = 5\ncovariance = isotropic\nmeans = orthogonal", "softmax", 0.5, "",
         1, 1e-8, "", "linear(0, 1, 2)");
  struct gmm_plan *P5 = (struct gmm_plan *)r.s->plan;
  double m5[5] = {0.8, -0.3, 0.1, 0.4, -0.6}, S5[25];
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++)
      S5[i * 5 + j] = (i == j ? 0.9 : 0.0) + 0.1 * (i + 1) * (j + 1) / 5.0;
  struct gmm_expect Eg, Eq;
  gmm_expect_class(&P5->limit, 2, m5, S5, &Eg);
  P5->limit.quad.tensor_max_dim = 3;
  gmm_expect_class(&P5->limit, 2, m5, S5, &Eq);
  P5->limit.quad.tensor_max_dim = GMM_MAX_QUAD_DIM;
  double dq = fabs(Eg.R - Eq.R) / Eg.R;
  for (int i = 0; i < 5; i++) dq = fmax(dq, fabs(Eg.a[i] - Eq.a[i]));
  for (int i = 0; i < 25; i++)
    dq = fmax(dq, fmax(fabs(Eg.H[i] - Eq.H[i]), fabs(Eg.G2[i] - Eq.G2[i])));
  tl_check(dq < 3e-3,
           "softmax QMC rule (> 5 classes) vs tensor Gauss-Hermite at 5 classes: max "
           "deviation %.1e < 3e-3",
           dq);
  done(&r);
}

/* §2.7: the d -> infinity power-law node grid.  The mapped rule (the default) converges
 * exponentially: 100 nodes agree with 400 to 1e-8 (relative, every observable kept in the
 * risk, up to t = 1e3); the old log-midpoint rule is second order (100 nodes: ~1e-3) and
 * converges to the same integral; and the grid is the limit of the finite-d spectra
 * (d = 4000 within 1e-2 relative at t = 1). */
static double grid_gap(const struct run *a, const struct run *b)
{
  double worst = 0;
  for (size_t j = 0; j < a->g.n; j++)
    worst = fmax(worst, fabs(at(a, "risk", j) - at(b, "risk", j)) / at(b, "risk", j));
  return worst;
}

static void limit_grid(void)
{
  const char *fmt = "covariance = power_law\nalpha = 1.1, 1.5\nmeans = antipodal\n"
                    "mean_profile = power_law\nmean_beta = 0.5\nlimit_nodes = %d\n"
                    "limit_rule = %s";
  const char *times = "log(0.01, 1e3, 11)";
  char data[256];
  struct run r1, r4, m1, m8, rd;
  snprintf(data, sizeof data, fmt, 100, "mapped");
  theory(&r1, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-12, "", times);
  snprintf(data, sizeof data, fmt, 400, "mapped");
  theory(&r4, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-12, "", times);
  double g14 = grid_gap(&r1, &r4);
  tl_check(g14 < 1e-8, "mapped grid: 100 vs 400 nodes agree to %.1e (rel.) up to t = 1e3", g14);
  snprintf(data, sizeof data, fmt, 100, "midpoint");
  theory(&m1, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-12, "", times);
  snprintf(data, sizeof data, fmt, 800, "midpoint");
  theory(&m8, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-12, "", times);
  double e1 = grid_gap(&m1, &r4), e8 = grid_gap(&m8, &r4);
  tl_check(e1 > 1e-5 && e8 < 1e-4 && e8 < e1 / 30,
           "midpoint grid: 100 nodes %.1e, 800 nodes %.1e off the mapped 400-node integral "
           "(second order: 64x fewer)",
           e1, e8);
  done(&m1);
  done(&m8);
  done(&r1);
  double worst;
  snprintf(data, sizeof data, fmt, 0, "mapped");
  theory(&rd, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-9, "", "log(1, 1e3, 4)");
  size_t j10 = 0; /* rd's t = 1 on r4's grid */
  while (j10 + 1 < r4.g.n && r4.g.t[j10] < rd.g.t[1]) j10++;
  double a = at(&rd, "risk", 1), b = at(&r4, "risk", j10);
  tl_check(fabs(a - b) < 1e-2 * b && rd.g.t[1] == r4.g.t[j10],
           "d = 4000 per-mode theory near the limit at t = %g: %.6f vs %.6f", rd.g.t[1], a, b);
  /* the engine's spectral binning ([theory] bins = N): 200 bins of the d = 4000 power
   * law stay within 1e-4 of the per-mode theory (measured 2.5e-5), on ~200 groups */
  struct run rb;
  theory(&rb, 1, 4000, data, "logistic", 1.0, "", 1e3, 1e-9, "bins = 200", "log(1, 1e3, 4)");
  worst = 0;
  for (size_t j = 1; j < rb.g.n; j++)
    worst = fmax(worst, fabs(at(&rb, "risk", j) - at(&rd, "risk", j)) / at(&rd, "risk", j));
  tl_check(worst < 1e-4 && rb.th.dimension <= 3 * 210 && rd.th.dimension == 3 * 4000,
           "bins = 200: %zu states instead of %zu, risk within %.1e of the per-mode theory",
           rb.th.dimension, rd.th.dimension, worst);
  done(&rb);
  done(&r4);
  done(&rd);
}

/* The structured (Woodbury) Newton solve changes cost, never the answer: structured,
 * gmres and dense agree on power-law logistic and 3-class softmax. */
static void solvers(void)
{
  const char *cases[2][2] = {
      {"covariance = power_law\nalpha = 1.1, 1.5\nmeans = antipodal\nmean_profile = power_law",
       "logistic"},
      {"covariance = zero_one\nclasses = 3\nmeans = orthogonal\nmean_scale = 2", "softmax"}};
  for (int c = 0; c < 2; c++) {
    struct run a, b, e;
    theory(&a, 2, 40, cases[c][0], cases[c][1], 1.0, "", 20, 1e-10, "linear_solver = structured",
           "log(0.1, 20, 5)");
    theory(&b, 2, 40, cases[c][0], cases[c][1], 1.0, "", 20, 1e-10, "linear_solver = gmres",
           "log(0.1, 20, 5)");
    theory(&e, 2, 40, cases[c][0], cases[c][1], 1.0, "", 20, 1e-10, "linear_solver = dense",
           "log(0.1, 20, 5)");
    double worst = 0;
    for (size_t j = 1; j < a.g.n; j++) {
      double ra = at(&a, "risk", j);
      worst = fmax(worst, fabs(ra - at(&b, "risk", j)) / ra);
      worst = fmax(worst, fabs(ra - at(&e, "risk", j)) / ra);
    }
    tl_check(!a.th.failed && strcmp(a.th.stats.linsol, "structured") == 0 && worst < 1e-7,
             "%s: structured = gmres = dense to %.1e (structured: %ld steps, %ld lin. iters)",
             cases[c][1], worst, a.th.stats.steps, a.th.stats.lin_iters);
    done(&a);
    done(&b);
    done(&e);
  }
}

/* AdaGrad-Norm (gmm.md §2.8): for q = 1 least squares tr I_c = E f'^2 = 2 R_c, so
 * G(t) = 2 (Tr K/d) int_0^t R ds and lr(t) = lr / sqrt(b^2 + G): checked against the
 * trapezoid integral of the theory's own risk on a fine grid (error ~1e-7). */
static void adagrad(void)
{
  struct run r;
  theory(&r, 5, 300, "covariance = isotropic\nvariance = 0.8\nmeans = antipodal", "least_squares",
         1.5, "adaptive = adagrad_norm\nadagrad_b = 0.7", 10, 1e-11, "", "linear(0, 10, 4001)");
  double integral = 0, worst = 0;
  for (size_t j = 1; j < r.g.n; j++) {
    integral += 0.5 * (at(&r, "risk", j) + at(&r, "risk", j - 1)) * (r.g.t[j] - r.g.t[j - 1]);
    double want = 1.5 / sqrt(0.49 + 2 * 0.8 * integral);
    worst = fmax(worst, fabs(at(&r, "lr", j) - want) / want);
  }
  tl_check(!r.th.failed && worst < 1e-6,
           "AdaGrad-Norm: lr(t) = lr / sqrt(b^2 + 2 (Tr K/d) int R) "
           "to %.1e (lr(10) = %.6f)",
           worst, at(&r, "lr", r.g.n - 1));
  done(&r);
}

/* AdaGrad-Norm least squares on a zero-one covariance without noise: the risk falls from
 * 0.5 through 12 decades by t = 22.5 (to 5.9e-13).  Its overlaps start at 0, rise and
 * decay again.
 * With the default atol = auto the curve keeps its relative accuracy (against the same
 * limit at rtol 1e-12, atol 1e-30) down to R = 1e-12; the former scalar default
 * atol = 1e-12 is off by more than 100 % there. */
static void adagrad_decay(void)
{
  const char *fmt = "[model]\nproblem = gmm_multiclass\nseed = 5\n"
                    "[data]\nd = 300\ncovariance = zero_one\nmeans = antipodal\n"
                    "mean_profile = clean\nmean_normalise = true\n"
                    "[loss]\nkind = least_squares\n"
                    "[optimizer]\nlr = 1.5\nadaptive = adagrad_norm\nadagrad_b = 0.7\n"
                    "[simulation]\nenabled = false\nhorizon = 22.5\n"
                    "[theory]\nrtol = %s\n%s\n"
                    "[output]\ntimes = log(0.1, 22.5, 30)\n";
  const char *tol[3][2] = {{"1e-12", "atol = 1e-30"}, {"1e-8", ""}, {"1e-8", "atol = 1e-12"}};
  struct run r[3];
  for (int k = 0; k < 3; k++) {
    r[k].s = tl_session(fmt, tol[k][0], tol[k][1]);
    tl_grid(r[k].s, &r[k].g);
    struct hd_run_params run = r[k].s->run;
    memset(&r[k].th, 0, sizeof r[k].th);
    hd_theory_run(r[k].s->pb, r[k].s->plan, &r[k].g, &run, &r[k].th);
  }
  double R0 = at(&r[0], "risk", 0), Rend = at(&r[0], "risk", r[0].g.n - 1), worst[2] = {0, 0};
  for (size_t j = 1; j < r[0].g.n; j++) {
    double R = at(&r[0], "risk", j);
    for (int k = 1; k < 3; k++)
      worst[k - 1] = fmax(worst[k - 1], fabs(at(&r[k], "risk", j) - R) / R);
  }
  tl_check(!r[1].th.failed && Rend < 1e-11 * R0 && worst[0] < 1e-5,
           "AdaGrad-Norm risk over %.1f decades, atol = auto: sup rel. error %.1e (< 1e-5; "
           "atol = 1e-12: %.1e)",
           log10(R0 / Rend), worst[0], worst[1]);
  tl_check(worst[1] > 1, "atol = 1e-12 loses that tail (sup rel. error %.1e)", worst[1]);
  for (int k = 0; k < 3; k++) done(&r[k]);
}

int main(void)
{
  ls_isotropic();
  ls_marginal();
  ls_threshold();
  zero_one();
  quadrature();
  limit_grid();
  solvers();
  adagrad();
  adagrad_decay();
  return tl_finish();
}
