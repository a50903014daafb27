/* test_lsq_volterra.c — [theory] method = volterra (the renewal form of NS-3/NS-4,
 * noisy.md §2.3) against the closed form NS-7, against CVODE, its order of
 * convergence in the step, and the FFT solve against the O(N^2) direct one. */
#include "testlib.h"

#include <string.h>

#include "ode/lsq_volterra.h"
#include "problems/lsq/lsq_plan.h"

static const char *lsq_model = "[model]\nproblem = streaming_lsq\nseed = 3\n"
                               "[data]\nd = %d\nspectrum = %s\nlabel_noise = %g\ntarget = %s\n%s\n"
                               "[optimizer]\nlr = %g\nridge = %g\n%s\n"
                               "[simulation]\nhorizon = %g\nenabled = false\n"
                               "[theory]\nmethod = volterra\nrtol = %g\natol = 1e-14\n"
                               "[output]\ntimes = %s\n";

static double sup_rel(const double *a, const double *b, size_t n)
{
  double w = 0;
  for (size_t i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]) / fabs(b[i]));
  return w;
}

/* NS-7 / LS "exact solutions": isotropic, delta = 0, constant gamma. */
static void isotropic_closed_form(void)
{
  double gamma = 0.5, sigma = 0.5;
  struct hd_session *s = tl_session(lsq_model, 1000, "isotropic", sigma, "aligned", "", gamma, 0.0,
                                    "init = random\ninit_scale = 0.5", 20.0, 1e-8,
                                    "log(1e-3, 20, 40)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double nu0 = 1.25, nu_inf = gamma * sigma * sigma / (2 - gamma), worst = 0;
  for (size_t j = 0; j < g.n; j++) {
    double nu = nu_inf + (nu0 - nu_inf) * exp(-(2 * gamma - gamma * gamma) * g.t[j]);
    double R = 0.5 * (nu + sigma * sigma);
    worst = fmax(worst, fabs(th.values[j] - R) / R);
    worst = fmax(worst, fabs(th.values[g.n + j] - nu) / nu);
  }
  tl_check(th.method == HD_THEORY_VOLTERRA && worst < 1e-8,
           "isotropic closed form, Volterra (rtol 1e-8): sup rel. error %.2e < 1e-8", worst);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* Volterra vs CVODE (rtol 1e-11) on every observable.  Tolerance: the default step
 * h = rtol^(1/4) / rho_max with one Richardson step leaves an O((h rho_max)^4) = O(rtol)
 * error (rtol = 1e-8 here); the O(h^2) and O(h^4) rates themselves are checked below. */
static double vs_cvode(struct hd_session *s, double *volterra_s, double *ode_s)
{
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result tv, to;
  s->run.rtol = 1e-11;
  tl_theory(s, &g, HD_THEORY_ODE, &to);
  s->run.rtol = 1e-8;
  tl_theory(s, &g, HD_THEORY_VOLTERRA, &tv);
  double w = sup_rel(tv.values, to.values, tv.n_obs * g.n);
  if (volterra_s) *volterra_s = tv.seconds;
  if (ode_s) *ode_s = to.seconds;
  hd_theory_result_free(&tv);
  hd_theory_result_free(&to);
  hd_output_grid_free(&g);
  return w;
}

static void zero_one_ridge_noise(void)
{
  /* noisy_sgd: injected noise sigma and batch B enter as gamma^2 sigma^2 / B */
  struct hd_session *s = tl_session(
      "[model]\nproblem = noisy_sgd\nseed = 5\n"
      "[data]\nd = 2000\nspectrum = zero_one\nzero_fraction = 0.3\nlabel_noise = 0.4\n"
      "target = random\n[optimizer]\nlr = 0.7\nridge = 0.15\ninit = random\ninit_scale = 0.3\n"
      "[noise]\nsigma = 0.8\nbatch = 4\n"
      "[simulation]\nhorizon = 30\nenabled = false\n"
      "[theory]\nmethod = volterra\n[output]\ntimes = log(1e-2, 30, 30)\n");
  double w = vs_cvode(s, NULL, NULL);
  tl_check(w < 1e-8,
           "zero-one, ridge, label + injected noise, batch 4: Volterra vs CVODE "
           "%.2e < 1e-8 (risk, distance)",
           w);
  tl_session_free(s);
}

/* Power law d = 10^4 with bands: agreement, then the order of the plain trapezoid. */
static void power_law(void)
{
  struct hd_session *s = tl_session(lsq_model, 10000, "power_law", 0.5, "random",
                                    "alpha = 1.5\nbands = 3", 0.8, 0.05, "", 200.0, 1e-8,
                                    "log(1e-2, 200, 40)");
  double sv, so;
  double w = vs_cvode(s, &sv, &so);
  const struct lsq_plan *P = s->plan;
  tl_check(w < 1e-8,
           "power law d = 1e4, %zu observables, %zu exponentials after compression: "
           "Volterra vs CVODE %.2e < 1e-8 (%.3f s vs %.3f s)",
           P->limit.n_obs, lsq_volterra_proxies(&P->limit, 200.0), w, sv, so);

  /* plain trapezoid at h, h/2, h/4 against CVODE at rtol 1e-12: error ratio ~ 4 */
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result to;
  s->run.rtol = 1e-12;
  tl_theory(s, &g, HD_THEORY_ODE, &to);
  size_t n = P->limit.n_obs * g.n;
  double *v = malloc(n * sizeof *v), err[3], hs[3];
  char msg[256];
  for (int k = 0; k < 3; k++) {
    double h = 0.04 / (1 << k);
    int rc = lsq_volterra_eval(&P->limit, g.t, g.n, h, 0, LSQ_VOLTERRA_NO_RICHARDSON, v, &hs[k],
                               NULL, msg, sizeof msg);
    err[k] = rc == 0 ? sup_rel(v, to.values, n) : NAN;
  }
  double r1 = err[0] / err[1], r2 = err[1] / err[2];
  tl_check(r1 > 3 && r1 < 5 && r2 > 3 && r2 < 5,
           "trapezoid is O(h^2): error %.2e (h = %.3g), %.2e (h/2), %.2e (h/4); ratios %.2f, %.2f",
           err[0], hs[0], err[1], err[2], r1, r2);
  /* with the Richardson step (the default), the error falls like h^4 */
  double e4[2];
  for (int k = 0; k < 2; k++) {
    int rc = lsq_volterra_eval(&P->limit, g.t, g.n, 0.08 / (1 << k), 0, 0, v, NULL, NULL, msg,
                               sizeof msg);
    e4[k] = rc == 0 ? sup_rel(v, to.values, n) : NAN;
  }
  tl_check(e4[0] / e4[1] > 10,
           "with one Richardson step: %.2e (h = 0.08), %.2e (h = 0.04); "
           "ratio %.1f (O(h^4): 16)",
           e4[0], e4[1], e4[0] / e4[1]);
  free(v);
  hd_theory_result_free(&to);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* The FFT divide-and-conquer solve equals the O(N^2) direct sum. */
static void fft_vs_direct(void)
{
  size_t N = 3000;
  double h = 0.01, *F = malloc((N + 1) * sizeof *F), *K = malloc((N + 1) * sizeof *K);
  double *R1 = malloc((N + 1) * sizeof *R1), *R2 = malloc((N + 1) * sizeof *R2);
  for (size_t n = 0; n <= N; n++) {
    double t = (double)n * h;
    F[n] = 1 + 0.5 * sin(t) + exp(-t);
    K[n] = 0.3 * exp(-2 * t) + 0.1 * exp(-0.05 * t) * (1 + cos(3 * t));
  }
  int rc = hd_volterra_solve(N, h, F, K, R1, 1) | hd_volterra_solve(N, h, F, K, R2, 0);
  double w = sup_rel(R2, R1, N + 1);
  tl_check(rc == 0 && w < 1e-12, "FFT solve vs direct O(N^2) solve, N = %zu: %.2e < 1e-12", N, w);

  struct hd_session *s = tl_session(lsq_model, 3000, "power_law", 0.3, "random",
                                    "alpha = 2\nbands = 4", 1.0, 0.1, "", 20.0, 1e-8,
                                    "log(1e-2, 20, 25)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  const struct lsq_plan *P = s->plan;
  size_t n = P->limit.n_obs * g.n;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  char msg[256];
  size_t steps = 0;
  rc = lsq_volterra_eval(&P->limit, g.t, g.n, 0.01, 0, LSQ_VOLTERRA_DIRECT, a, NULL, &steps, msg,
                         sizeof msg);
  rc |= lsq_volterra_eval(&P->limit, g.t, g.n, 0.01, 0, 0, b, NULL, NULL, msg, sizeof msg);
  w = sup_rel(b, a, n);
  tl_check(rc == 0 && w < 1e-12,
           "all %zu observables, FFT vs direct (%zu + %zu steps): %.2e < 1e-12", P->limit.n_obs,
           steps, 2 * steps, w);
  free(a);
  free(b);
  hd_output_grid_free(&g);
  tl_session_free(s);
  free(F);
  free(K);
  free(R1);
  free(R2);
}

/* method = volterra is refused (exit 2, the key named) where the renewal form does not hold. */
static void refusals(void)
{
  const char *cases[][2] = {
      {"streaming_lsq", "[optimizer]\nlr = 0.5\nschedule = step\n"},
      {"noisy_sgd", "[optimizer]\nlr = 0.5\n[noise]\nclip = 2\n"},
      {"sam_streaming", "[optimizer]\nlr = 0.5\nalgorithm = sgd\n"},
  };
  const char *expect[] = {"schedule", "clip", "method"};
  for (int k = 0; k < 3; k++) {
    char text[1024];
    snprintf(text, sizeof text,
             "[model]\nproblem = %s\n[data]\nd = 100\n%s[simulation]\nhorizon = 1\n"
             "enabled = false\n[theory]\nmethod = volterra\n",
             cases[k][0], cases[k][1]);
    struct hd_errors err;
    hd_errors_init(&err);
    struct hd_config *cfg = hd_config_load_string("test.ini", text, &err);
    struct hd_cli cli = {.model = "test.ini"};
    struct hd_session s;
    int rc = hd_session_prepare(&s, cfg, &cli);
    int named = 0;
    for (size_t i = 0; i < s.err.count; i++) named |= strstr(s.err.msg[i], expect[k]) != NULL;
    tl_check(rc == HD_EXIT_BAD_INPUT && named, "%s with %s: refused (%s)", cases[k][0], expect[k],
             s.err.count ? s.err.msg[0] : "accepted");
    hd_session_free(&s);
    hd_errors_free(&err);
  }
}

int main(void)
{
  refusals();
  fft_vs_direct();
  isotropic_closed_form();
  zero_one_ridge_noise();
  power_law();
  return tl_finish();
}
