/* test_lsq_theory.c — the streaming least-squares theory against exact answers
 * (lsq.md, "Exact solutions for tests"). */
#include "memory_estimate.h"
#include "testlib.h"

#include "fixed_point.h"
#include "problems/lsq/lsq_plan.h"

static const char *base = "[model]\nproblem = streaming_lsq\nseed = 3\n"
                          "[data]\nd = %d\nspectrum = %s\nlabel_noise = %g\ntarget = %s\n%s\n"
                          "[optimizer]\nlr = %g\nridge = %g\n%s\n"
                          "[simulation]\nhorizon = %g\nenabled = false\n"
                          "[theory]\nmethod = %s\nrtol = %g\natol = 1e-14\nlinear_solver = %s\n"
                          "[output]\ntimes = %s\n";

/* Isotropic, delta = 0, constant gamma: nu_bar(t) = nu_inf + (nu_bar(0) - nu_inf)
 * exp(-(2 gamma - gamma^2) t), nu_inf = gamma sigma^2 / (2 - gamma), R = (nu_bar + s^2)/2. */
static void isotropic_exact(const char *label, const char *init, double nu0)
{
  double gamma = 0.5, sigma = 0.5;
  struct hd_session *s = tl_session(base, 1000, "isotropic", sigma, "aligned", "", gamma, 0.0, init,
                                    20.0, "ode", 1e-11, "auto", "log(1e-3, 20, 40)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double nu_inf = gamma * sigma * sigma / (2 - gamma), worst = 0;
  for (size_t j = 0; j < g.n; j++) {
    double nu = nu_inf + (nu0 - nu_inf) * exp(-(2 * gamma - gamma * gamma) * g.t[j]);
    double R = 0.5 * (nu + sigma * sigma);
    worst = fmax(worst, fabs(th.values[j] - R) / R);
    worst = fmax(worst, fabs(th.values[g.n + j] - nu) / nu); /* distance = nu_bar */
  }
  tl_check(worst < 1e-8, "isotropic closed form (%s start): sup rel. error %.2e < 1e-8", label,
           worst);
  tl_check(th.dimension == 1,
           "isotropic spectrum collapses to one eigen-group, a alone without ridge (state 1, "
           "got %zu)",
           th.dimension);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* sigma > 0, delta = 0, all lambda > 0: the fixed point of (LS-3) is nu_i = gamma R for
 * every i, hence R = sigma^2 / (2 - gamma <lambda>) = sigma^2 / (2 - gamma). */
static void powerlaw_stationary(void)
{
  double gamma = 0.8, sigma = 0.7;
  struct hd_session *s = tl_session(base, 100, "power_law", sigma, "random", "alpha = 1.5", gamma,
                                    0.0, "", 3e4, "ode", 1e-10, "structured", "log(1, 3e4, 10)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double R = sigma * sigma / (2 - gamma), got = th.values[g.n - 1];
  tl_check(fabs(got - R) / R < 1e-8, "power-law stationary risk %.12g vs sigma^2/(2-gamma) = %.12g",
           got, R);
  /* t = infinity as such: every mode at nu_i = gamma R, so the distance is gamma R */
  double inf[8];
  char note[256];
  int has = s->pb->stationary(s->plan, inf, note, sizeof note);
  tl_check(has == 1 && fabs(inf[0] - R) < 1e-14 * R && fabs(inf[1] - gamma * R) < 1e-14 * R,
           "stationary (%s): risk %.15g, distance %.15g vs closed form %.15g, %.15g", note, inf[0],
           inf[1], R, gamma * R);
  tl_check(fabs(inf[1] - th.values[g.n + g.n - 1]) < 1e-8 * inf[1],
           "stationary distance %.12g = the ODE's at t = 3e4 (%.12g)", inf[1],
           th.values[g.n + g.n - 1]);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* Ridge: the fixed point of the grouped system, b* = -delta c / (lam + delta),
 * a* = (gamma lam R - delta b*) / (lam + delta), R = (sum w lam a* + sigma^2) / 2, solved
 * for R in closed form (it is linear).  Zero-one spectrum: two groups. */
static void ridge_stationary(void)
{
  double gamma = 0.6, sigma = 0.3, delta = 0.2;
  struct hd_session *s = tl_session(base, 400, "zero_one", sigma, "random", "zero_fraction = 0.25",
                                    gamma, delta, "", 400.0, "ode", 1e-11, "structured",
                                    "log(1, 400, 10)");
  const struct lsq_plan *P = s->plan;
  double A = 0, B = 0;
  for (size_t g = 0; g < P->limit.n_groups; g++) {
    double lam = P->limit.g_lambda[g], w = P->limit.g_weight[g], c = P->limit.g_c[g];
    double bstar = -delta * c / (lam + delta);
    A += w * lam * gamma * lam / (lam + delta);      /* coefficient of R */
    B += w * lam * (-delta * bstar) / (lam + delta); /* constant */
  }
  double R = 0.5 * (B + sigma * sigma) / (1 - 0.5 * A);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double got = th.values[g.n - 1];
  tl_check(P->limit.n_groups == 2, "zero-one spectrum has 2 eigen-groups (got %zu)",
           P->limit.n_groups);
  tl_check(fabs(got - R) / R < 1e-8, "ridge stationary risk %.12g vs fixed point %.12g", got, R);
  double inf[8];
  char note[256];
  int has = s->pb->stationary(s->plan, inf, note, sizeof note);
  double worst = 0;
  for (size_t o = 0; o < P->limit.n_obs; o++)
    worst = fmax(worst, fabs(inf[o] - th.values[o * g.n + g.n - 1]) / fabs(inf[o]));
  tl_check(has == 1 && fabs(inf[0] - R) < 1e-13 * R && worst < 1e-8,
           "ridge: stationary risk %.15g = fixed point %.15g; every observable = the ODE's at t = "
           "400 to %.1e",
           inf[0], R, worst);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* The three linear solvers agree on a small power-law system (dense is exact LU). */
static void solvers_agree(void)
{
  const char *solvers[] = {"dense", "gmres", "structured"};
  double *ref = NULL, worst = 0;
  size_t n = 0;
  for (int k = 0; k < 3; k++) {
    struct hd_session *s = tl_session(base, 30, "power_law", 0.5, "random", "alpha = 2", 1.2, 0.1,
                                      "schedule = inverse_power\nlr_t0 = 2", 50.0, "ode", 1e-11,
                                      solvers[k], "log(0.01, 50, 30)");
    struct hd_output_grid g;
    tl_grid(s, &g);
    struct hd_theory_result th;
    tl_theory(s, &g, -1, &th);
    n = th.n_obs * g.n;
    if (!ref) {
      ref = malloc(n * sizeof *ref);
      for (size_t i = 0; i < n; i++) ref[i] = th.values[i];
    } else {
      for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(th.values[i] - ref[i]) / fabs(ref[i]));
    }
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    tl_session_free(s);
  }
  tl_check(worst < 1e-7, "dense, gmres and structured solvers agree: %.2e < 1e-7", worst);
  free(ref);
}

/* The exact finite-d recursion (NS-2) approaches the ODE with a gap O(1/d): quadrupling d
 * divides the sup relative gap by about 4 (accepted: 3 to 5). */
static double recursion_gap(int d)
{
  struct hd_session *s = tl_session(base, d, "power_law", 0.5, "random", "alpha = 1", 1.0, 0.0, "",
                                    5.0, "ode", 1e-11, "auto", "linear(0.5, 5, 10)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result ode, rec;
  tl_theory(s, &g, HD_THEORY_ODE, &ode);
  tl_theory(s, &g, HD_THEORY_RECURSION, &rec);
  double gap = 0;
  for (size_t j = 1; j < g.n; j++)
    gap = fmax(gap, fabs(rec.values[j] - ode.values[j]) / ode.values[j]);
  hd_theory_result_free(&ode);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return gap;
}

static void recursion_converges(void)
{
  double g1 = recursion_gap(250), g2 = recursion_gap(1000), g3 = recursion_gap(4000);
  tl_check(g1 / g2 > 3 && g1 / g2 < 5 && g2 / g3 > 3 && g2 / g3 < 5,
           "recursion-ODE gap O(1/d): %.3e (d=250), %.3e (1000), %.3e (4000); ratios %.2f, %.2f",
           g1, g2, g3, g1 / g2, g2 / g3);
}

/* Band shares add up to the distance. */
static void bands_sum(void)
{
  struct hd_session *s = tl_session(base, 1000, "power_law", 0.5, "random", "alpha = 3\nbands = 3",
                                    0.5, 0.0, "", 2.0, "ode", 1e-9, "auto", "linear(0, 2, 5)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double worst = 0;
  for (size_t j = 0; j < g.n; j++) {
    double sum = 0;
    for (size_t b = 2; b < th.n_obs; b++) sum += th.values[b * g.n + j];
    worst = fmax(worst, fabs(sum - th.values[g.n + j]) / th.values[g.n + j]);
  }
  tl_check(th.n_obs == 5 && worst < 1e-12,
           "3 bands present (%zu observables) and sum to the distance (%.1e)", th.n_obs, worst);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* Step schedule on the isotropic problem: the closed form holds piecewise, with
 * gamma = 1 on [0, 3) and 0.5 on [3, 5); the driver must restart CVODE at t = 3. */
static void step_schedule_exact(void)
{
  double sigma = 0.5;
  struct hd_session *s = tl_session(base, 1000, "isotropic", sigma, "aligned", "", 1.0, 0.0,
                                    "schedule = step\nlr_every = 3\nlr_factor = 0.5", 5.0, "ode",
                                    1e-11, "auto", "linear(0.25, 5, 20)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double worst = 0;
  for (size_t j = 0; j < g.n; j++) {
    double t = g.t[j], gam = 1.0, nu0 = 1.0, t0 = 0;
    double ninf = gam * sigma * sigma / (2 - gam);
    if (t > 3) {
      nu0 = ninf + (nu0 - ninf) * exp(-(2 * gam - gam * gam) * 3.0);
      gam = 0.5, t0 = 3;
      ninf = gam * sigma * sigma / (2 - gam);
    }
    double nu = ninf + (nu0 - ninf) * exp(-(2 * gam - gam * gam) * (t - t0));
    double R = 0.5 * (nu + sigma * sigma);
    worst = fmax(worst, fabs(th.values[j] - R) / R);
  }
  tl_check(worst < 1e-8, "step schedule, piecewise closed form: sup rel. error %.2e < 1e-8", worst);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* A spectrum read from a file gives exactly the theory of the generated one. */
static void file_spectrum(void)
{
  struct hd_session *a = tl_session(base, 500, "power_law", 0.5, "aligned", "alpha = 1.5", 0.8, 0.0,
                                    "", 3.0, "ode", 1e-10, "auto", "linear(0.5, 3, 6)");
  const struct lsq_plan *P = a->plan;
  char path[] = "/tmp/hdsim_spectrum_XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "# power law alpha = 1.5, d = 500\n");
  for (size_t i = 0; i < P->d; i++) fprintf(f, "%.17g\n", P->lambda[i]);
  fclose(f);
  char extra[256];
  snprintf(extra, sizeof extra, "spectrum_file = %s", path);
  struct hd_session *b = tl_session(base, 500, "file", 0.5, "aligned", extra, 0.8, 0.0, "", 3.0,
                                    "ode", 1e-10, "auto", "linear(0.5, 3, 6)");
  struct hd_output_grid g;
  struct hd_theory_result ta, tb;
  double worst = tl_theory_maxrel(b, a, &g, &tb, &ta);
  tl_check(worst < 1e-13, "spectrum from a text file reproduces the generated one (%.1e)", worst);
  remove(path);
  hd_theory_result_free(&ta);
  hd_theory_result_free(&tb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

/* [theory] bins: a power-law spectrum at d = 20000 in 200 bins against the exact
 * per-eigenvalue ODE.  The stored estimate (difference to 400 bins) must be within a
 * factor 2 of the true error (doubling under-estimates an error that falls like N^-p by
 * 1/(1 - 2^-p), about 1.6 here), and the error itself small. */
static void binning(void)
{
  const char *model = "[model]\nproblem = streaming_lsq\nseed = 2\n"
                      "[data]\nd = 20000\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.5\n"
                      "[optimizer]\nlr = 0.8\n[simulation]\nenabled = false\nhorizon = 500\n"
                      "[theory]\nbins = %d\nrtol = 1e-10\n[output]\ntimes = log(0.01, 500, 30)\n";
  struct hd_session *exact = tl_session(model, 0), *binned = tl_session(model, 200);
  struct hd_output_grid g;
  tl_grid(exact, &g);
  struct hd_theory_result te, tb;
  tl_theory(exact, &g, -1, &te);
  tl_theory(binned, &g, -1, &tb);
  hd_theory_binning_error(binned->pb, binned->params, &binned->run, binned->cfg, &g, &tb);
  double truth = 0;
  for (size_t j = 0; j < g.n; j++)
    truth = fmax(truth, fabs(tb.values[j] - te.values[j]) / te.values[j]);
  double est = tb.binning_error ? tb.binning_error[0] : NAN;
  tl_check(tb.dimension <= 200 && te.dimension == 20000, "200 bins: state %zu instead of %zu",
           tb.dimension, te.dimension);
  tl_check(truth < 1e-3 && est <= 2 * truth && truth <= 2 * est,
           "binning error of the risk %.2e, estimated %.2e (within a factor 2)", truth, est);
  hd_theory_result_free(&te);
  hd_theory_result_free(&tb);
  hd_output_grid_free(&g);
  tl_session_free(exact);
  tl_session_free(binned);
}

/* Without ridge the ODE carries a_g alone (the mean state b_g feeds nothing): it must
 * agree with the full (b_g, a_g) system, here reached with a ridge of 1e-300 (the same
 * dynamics to rounding), to a few times rtol = 1e-10, for plain streaming least squares
 * and for noisy SGD with clipping and a mini-batch (NS-4, NS-12). */
static void mean_free_ode(const char *problem, const char *extra)
{
  const char *model = "[model]\nproblem = %s\nseed = 4\n"
                      "[data]\nd = 3000\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.5\n"
                      "[optimizer]\nlr = 0.8\nridge = %s\n%s"
                      "[simulation]\nenabled = false\nhorizon = 300\n"
                      "[theory]\nmethod = ode\nrtol = 1e-10\natol = 1e-13\n"
                      "[output]\ntimes = log(0.01, 300, 25)\n";
  struct hd_session *a = tl_session(model, problem, "0", extra);
  struct hd_session *b = tl_session(model, problem, "1e-300", extra);
  struct hd_output_grid g;
  struct hd_theory_result ta, tb;
  double worst = tl_theory_maxrel(a, b, &g, &ta, &tb);
  tl_check(ta.dimension == 3000 && tb.dimension == 6000 && worst < 1e-8,
           "%s%s: ridge 0 ODE (state %zu, a only) = full ODE (state %zu) to %.2e (< 1e-8)", problem,
           extra[0] ? " with clipping, noise, batch" : "", ta.dimension, tb.dimension, worst);
  hd_theory_result_free(&ta);
  hd_theory_result_free(&tb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

/* plan_print says what will run (sizes read off the plan), plan_bytes counts the plan's
 * d-sized arrays and the ODE solve's work. */
static void plan_shown(void)
{
  struct hd_session *s = tl_session(base, 400, "zero_one", 0.3, "random", "zero_fraction = 0.25",
                                    0.6, 0.2, "", 4.0, "ode", 1e-8, "structured", "log(1, 4, 5)");
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  s->pb->plan_print(s->plan, f);
  fclose(f);
  tl_check(strstr(text, "dimension d: 400; eigen-groups: 2;") != NULL,
           "plan_print: d and the groups of a zero-one spectrum\n%s", text);
  tl_check(strstr(text, "theory state: 4 values (ODE), 4 (recursion); ODE on (b_g, a_g)") != NULL,
           "plan_print: ridge > 0 keeps (b_g, a_g)");
  tl_check(strstr(text, "simulation: streaming kernel; steps per unit time: 400; batch: 1") != NULL,
           "plan_print: the streaming kernel at B = 1");
  size_t theory = 0, thread = 0, plan = s->pb->plan_bytes(s->plan, &theory, &thread);
  size_t ode = hd_memory_ode_bytes(4, 2, 1, 1, HD_LINSOL_STRUCTURED);
  tl_check(plan >= 3 * 400 * sizeof(double) && theory == ode && ode > 20 * 4 * sizeof(double) &&
               thread == 0,
           "plan_bytes: plan %zu >= 3 d doubles, theory %zu = CVODE's on 4 values in blocks of "
           "2, rank one, structured (%zu), thread %zu = 0 (a thread holds its run state alone: "
           "sim_state_size)",
           plan, theory, ode, thread);
  free(text);
  tl_session_free(s);
}

/* Noiseless isotropic, gamma = 1: R(t) = R(0) e^{-t} falls 13 decades by t = 30.  With
 * the default tolerances (atol = auto) the whole curve keeps its relative accuracy; an
 * explicit atol = 1e-12 is absolute below atol / rtol = 1e-4, and its tail is noise. */
static void decaying_exact(void)
{
  const char *model = "[model]\nproblem = streaming_lsq\nseed = 3\n"
                      "[data]\nd = 1000\nspectrum = isotropic\nlabel_noise = 0\ntarget = aligned\n"
                      "[optimizer]\nlr = 1\n"
                      "[simulation]\nhorizon = 30\nenabled = false\n"
                      "[theory]\nmethod = ode\n%s\n"
                      "[output]\ntimes = log(0.01, 30, 60)\n";
  double worst[2] = {0, 0}, first4 = 0, last = 0;
  for (int k = 0; k < 2; k++) {
    struct hd_session *s = tl_session(model, k == 0 ? "" : "atol = 1e-12");
    struct hd_output_grid g;
    tl_grid(s, &g);
    struct hd_theory_result th;
    tl_theory(s, &g, -1, &th);
    double R0 = th.values[0];
    for (size_t j = 0; j < g.n; j++) {
      double R = R0 * exp(-g.t[j]);
      worst[k] = fmax(worst[k], fabs(th.values[j] - R) / R);
      if (k == 0 && R >= 1e-4 * R0) first4 = worst[0];
    }
    last = R0 * exp(-g.t[g.n - 1]) / R0;
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    tl_session_free(s);
  }
  /* the global error of relative control grows with the steps taken: the yardstick is
   * the error over the first 4 decades, where atol = 1e-12 is inactive too */
  tl_check(last < 1e-12 && worst[0] < 5 * first4 && worst[0] < 1e-5,
           "risk e^{-t} over %.1f decades, default atol: sup rel. error %.1e (first 4 decades: "
           "%.1e; bound 5x that and 1e-5)",
           -log10(last), worst[0], first4);
  tl_check(worst[1] > 1e-2, "the same with atol = 1e-12: sup rel. error %.1e (absolute tail)",
           worst[1]);
}

/* A schedule has no stationary value; one past the stability limit is infinite. */
static void stationary_none(void)
{
  struct hd_session *s = tl_session(base, 100, "isotropic", 0.5, "aligned", "", 0.5, 0.0,
                                    "schedule = step\nlr_every = 1\nlr_factor = 0.5", 4.0,
                                    "ode", 1e-8, "auto", "log(0.1, 4, 5)");
  double inf[8];
  char note[256];
  int has = s->pb->stationary(s->plan, inf, note, sizeof note);
  tl_check(has == 0 && isnan(inf[0]) && strstr(note, "not constant"), "step schedule: none (%s)",
           note);
  tl_session_free(s);
  s = tl_session(base, 100, "isotropic", 0.5, "aligned", "", 2.5, 0.0, "", 4.0, "ode", 1e-8, "auto",
                 "log(0.1, 4, 5)");
  has = s->pb->stationary(s->plan, inf, note, sizeof note);
  tl_check(has == 1 && isinf(inf[0]) && strstr(note, "diverges"), "gamma = 2.5: +inf (%s)", note);
  tl_session_free(s);
}

/* The engine's generic route to t = infinity (src/fixed_point.c): the same problem with
 * its closed form withheld, so the theory looks for the fixed point of the ODE by damped
 * Newton from the integrated state at the horizon, must reproduce the closed form. */
static int withhold_closed_form(const void *plan, double *out, char *note, size_t len)
{
  (void)plan, (void)out;
  snprintf(note, len, "LS-3");
  return HD_STATIONARY_FIXED_POINT;
}

static void fixed_point_generic(const char *label, const char *spectrum, const char *extra,
                                double gamma, double delta, double horizon, const char *linsol)
{
  char times[64];
  snprintf(times, sizeof times, "log(0.01, %g, 6)", horizon);
  struct hd_session *s = tl_session(base, 100, spectrum, 0.4, "random", extra, gamma, delta, "",
                                    horizon, "ode", 1e-8, linsol, times);
  double want[8];
  char note[256];
  int has = s->pb->stationary(s->plan, want, note, sizeof note);
  struct hd_problem pb = *s->pb;
  pb.stationary = withhold_closed_form;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  if (hd_theory_run(&pb, s->plan, &g, &s->run, &th) != 0) {
    fprintf(stderr, "theory failed: %s\n", th.message);
    exit(1);
  }
  double worst = 0, drift = 0;
  for (size_t o = 0; o < th.n_obs; o++)
    if (want[o] != 0) {
      worst = fmax(worst, fabs(th.stationary[o] - want[o]) / fabs(want[o]));
      drift = fmax(drift, fabs(th.values[o * g.n + g.n - 1] - want[o]) / fabs(want[o]));
    }
  tl_check(has == 1 && th.has_stationary == 1 && worst < 1e-10,
           "%s: Newton on the ODE from t = %g reproduces the closed form to %.1e < 1e-10 (the "
           "state there is %.1e away; %s)",
           label, horizon, worst, drift, th.stationary_note);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* hd_fixed_point itself on LS-3 with central differences in place of the system's
 * Jacobian, started from t = 0: the closed form again; and past the stability limit the
 * root exists but is refused as unstable. */
static void fixed_point_differences(void)
{
  static const double lrs[2] = {0.9, 2.5};
  for (int k = 0; k < 2; k++) {
    struct hd_session *s = tl_session(base, 100, "power_law", 0.4, "random", "alpha = 1.2",
                                      lrs[k], 0.1, "", 4.0, "ode", 1e-8, "auto", "log(0.1, 4, 5)");
    double want[8], got[8];
    char note[256], msg[256] = "";
    s->pb->stationary(s->plan, want, note, sizeof note);
    size_t n = s->pb->ode_dimension(s->plan);
    double *y = malloc(n * sizeof *y);
    struct hd_ode_system sys = {0};
    s->pb->ode(s->plan, &sys, y);
    sys.jac_structured = NULL;
    struct hd_fixed_point_info info;
    int rc = hd_fixed_point(&sys, 0, y, &info, msg, sizeof msg);
    if (k == 0) {
      s->pb->ode_observe(s->plan, 0, y, got);
      double worst = 0;
      for (size_t o = 0; o < 2; o++) worst = fmax(worst, fabs(got[o] - want[o]) / want[o]);
      tl_check(rc == 0 && !info.exact_jacobian && worst < 1e-10,
               "central-difference Jacobian from t = 0: the closed form to %.1e in %d "
               "iterations (|F| = %.1e, max Re eig %.4g)",
               worst, info.iterations, info.residual, info.max_real);
    } else {
      tl_check(rc != 0 && strstr(msg, "not asymptotically stable") && isinf(want[0]),
               "gamma = 2.5 (closed form +inf): the root is refused: %s", msg);
    }
    free(y);
    tl_session_free(s);
  }
}

/* A schedule: the ODE is not autonomous, the engine refuses to look for a root. */
static void fixed_point_not_autonomous(void)
{
  struct hd_session *s = tl_session(base, 100, "isotropic", 0.5, "aligned", "", 0.5, 0.0,
                                    "schedule = step\nlr_every = 1\nlr_factor = 0.5", 4.0,
                                    "ode", 1e-8, "auto", "log(0.1, 4, 5)");
  struct hd_problem pb = *s->pb;
  pb.stationary = withhold_closed_form;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  hd_theory_run(&pb, s->plan, &g, &s->run, &th);
  tl_check(th.has_stationary == 0 && strstr(th.stationary_note, "not autonomous"),
           "a step schedule offered to the fixed-point route: none (%s)", th.stationary_note);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

int main(void)
{
  plan_shown();
  mean_free_ode("streaming_lsq", "");
  mean_free_ode("noisy_sgd", "[noise]\nsigma = 0.5\nclip = 0.4\nbatch = 4\n");
  binning();
  step_schedule_exact();
  file_spectrum();
  isotropic_exact("zero", "init = zero", 1.0);
  isotropic_exact("random", "init = random\ninit_scale = 0.5", 1.25);
  powerlaw_stationary();
  ridge_stationary();
  decaying_exact();
  stationary_none();
  fixed_point_generic("power law, delta = 0", "power_law", "alpha = 1.5", 0.8, 0.0, 50.0, "auto");
  fixed_point_generic("zero-one, ridge", "zero_one", "zero_fraction = 0.25", 0.6, 0.2, 20.0,
                      "structured");
  fixed_point_generic("power law, ridge", "power_law", "alpha = 1.2", 1.1, 0.1, 0.5, "auto");
  fixed_point_differences();
  fixed_point_not_autonomous();
  solvers_agree();
  recursion_converges();
  bands_sum();
  return tl_finish();
}
