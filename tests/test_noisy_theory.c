/* test_noisy_theory.c — the noisy_sgd risk theory against exact answers
 * (noisy.md §3C items 2-5) and its consistency with streaming_lsq:
 *   - the isotropic tables of §3C items 3 and 4 (NS-7) to 1e-9, and CVODE (NS-3/4) to 1e-8;
 *   - the stationary risk (NS-6) against long-time CVODE to 1e-10 (power law, ridge, noise);
 *   - the c-form (NS-4') risk equals the grouped ODE's risk (one truth, two state forms);
 *   - the exact recursion (NS-2, with sigma and batch B) approaches the ODE with gap ~ 1/d;
 *   - the clipped ODE (NS-12) tends to the unclipped one as c -> infinity;
 *   - sigma = 0, B = 1, no clipping: noisy_sgd is bit-identical to streaming_lsq (theory
 *     and simulation). */
#include <string.h>

#include "testlib.h"

#include "ode/noisy_privacy.h"
#include "problems/lsq/lsq_plan.h"
#include "problems/noisy/noisy_package.h"

static const char *iso =
    "[model]\nproblem = noisy_sgd\nseed = 1\n"
    "[data]\nd = 100\nspectrum = isotropic\ntarget = aligned\nlabel_noise = 0.1\n"
    "[optimizer]\nlr = %g\nridge = %g\n"
    "[noise]\nsigma = %g\n"
    "[simulation]\nhorizon = 1.5\nenabled = false\n"
    "[theory]\nmethod = ode\nrtol = 1e-12\natol = 1e-14\n"
    "[output]\ntimes = linear(0, 1.5, 4)\n";

static void isotropic_tables(void)
{
  /* noisy.md §3C item 3 (gamma 0.5, delta 0.1) and item 4 (gamma 0.25, delta 0.5) */
  static const struct {
    double lr, ridge, sigma, R[4], Rinf;
  } rows[] = {
      {0.5, 0.1, 0.5, {0.505, 0.3630052624, 0.2663191765, 0.2001811791}, 0.0485828877},
      {0.5, 0.1, 1.0, {0.505, 0.4011924185, 0.3294719413, 0.2796557047}, 0.1588770053},
      {0.5, 0.1, 2.0, {0.505, 0.5539410427, 0.5820830007, 0.5975538069}, 0.6000534759},
      {0.25, 0.5, 0.5, {0.505, 0.4126003051, 0.3416115555, 0.2867402323}, 0.0774242424},
      {0.25, 0.5, 1.0, {0.505, 0.4225171398, 0.3585604790, 0.3086756534}, 0.1115151515},
      {0.25, 0.5, 2.0, {0.505, 0.4621844786, 0.4263561729, 0.3964173378}, 0.2478787879},
  };
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    struct hd_session *s = tl_session(iso, rows[r].lr, rows[r].ridge, rows[r].sigma);
    const struct lsq_plan *P = s->plan;
    struct hd_output_grid g;
    tl_grid(s, &g);
    struct hd_theory_result th;
    tl_theory(s, &g, -1, &th);
    double cf = 0, ode = 0;
    for (size_t j = 0; j < 4; j++) {
      cf = fmax(cf, fabs(noisy_isotropic_risk(&P->limit, g.t[j]) - rows[r].R[j]));
      ode = fmax(ode, fabs(th.values[j] - rows[r].R[j]) / rows[r].R[j]);
    }
    double rinf = noisy_stationary_risk(&P->limit);
    tl_check(cf < 1e-9 && fabs(rinf - rows[r].Rinf) < 1e-9,
             "gamma %g delta %g sigma %g: NS-7 table to %.1e, NS-6 R_inf %.10f (table %.10f)",
             rows[r].lr, rows[r].ridge, rows[r].sigma, cf, rinf, rows[r].Rinf);
    tl_check(ode < 1e-8, "  CVODE (NS-3/4) vs table: sup rel. %.1e < 1e-8", ode);
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    tl_session_free(s);
  }
}

static const char *pl =
    "[model]\nproblem = noisy_sgd\nseed = 4\n"
    "[data]\nd = %d\nspectrum = power_law\nalpha = 1\ntarget = random\nlabel_noise = 0.3\n"
    "[optimizer]\nlr = %g\nridge = %g\ninit = random\ninit_scale = 0.5\n"
    "[noise]\nsigma = 0.7\nbatch = %d\n%s\n"
    "[simulation]\nhorizon = %g\nenabled = false\n"
    "[theory]\nmethod = ode\nrtol = 1e-12\natol = 1e-14\n"
    "[output]\ntimes = %s\n";

static void stationary(void)
{
  struct hd_session *s = tl_session(pl, 200, 0.8, 0.05, 1, "", 2000.0, "log(1, 2000, 8)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  double want = noisy_stationary_risk(&((const struct lsq_plan *)s->plan)->limit),
         got = th.values[g.n - 1];
  tl_check(fabs(got - want) / want < 1e-10,
           "NS-6 stationary risk %.12f vs CVODE at t = 2000: %.12f (rel %.1e < 1e-10)", want, got,
           fabs(got - want) / want);
  /* the c-form (NS-4') gives the same risk at every time */
  size_t G = ((const struct lsq_plan *)s->plan)->limit.n_groups;
  double *c = malloc(g.n * G * sizeof *c), *R = malloc(g.n * sizeof *R),
         *B = malloc(g.n * sizeof *B);
  char msg[256];
  int rc = noisy_variance_path(&((const struct lsq_plan *)s->plan)->limit, &s->run, g.t, g.n, c, R,
                               B, msg, sizeof msg);
  double worst = 0;
  for (size_t j = 0; j < g.n; j++) worst = fmax(worst, fabs(R[j] - th.values[j]) / th.values[j]);
  tl_check(rc == 0 && worst < 1e-9, "c-form (NS-4') risk = grouped ODE risk: sup rel. %.1e", worst);
  free(c), free(R), free(B);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* NS-2 (sigma, batch B) vs NS-3/4: sup relative gap over t <= 6; quadrupling d divides it
 * by ~4 (accepted 3..5).  Spec §2.2 numbers for B = 1: 1.42e-2, 3.50e-3, 8.73e-4 (their
 * spectrum is linspace(0.1, 3); ours is the power law, so only the ratio is asserted). */
static double gap(int d, int B)
{
  struct hd_session *s = tl_session(pl, d, 0.8, 0.05, B, "", 6.0, "linear(0.5, 6, 12)");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result ode, rec;
  tl_theory(s, &g, HD_THEORY_ODE, &ode);
  tl_theory(s, &g, HD_THEORY_RECURSION, &rec);
  double w = 0;
  for (size_t j = 1; j < g.n; j++) w = fmax(w, fabs(rec.values[j] - ode.values[j]) / ode.values[j]);
  hd_theory_result_free(&ode);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return w;
}

static void recursion_vs_ode(void)
{
  for (int B = 1; B <= 4; B *= 4) {
    double a = gap(250, B), b = gap(1000, B), c = gap(4000, B);
    tl_check(a / b > 3 && a / b < 5 && b / c > 3 && b / c < 5,
             "B = %d: |NS-2 - ODE| ~ 1/d: %.2e (250) %.2e (1000) %.2e (4000), ratios %.2f %.2f", B,
             a, b, c, a / b, b / c);
  }
}

static void clip_limit(void)
{
  struct hd_session *s0 = tl_session(pl, 300, 0.5, 0.1, 1, "", 3.0, "linear(0, 3, 7)");
  struct hd_session *s1 = tl_session(pl, 300, 0.5, 0.1, 1, "clip = 1e4", 3.0, "linear(0, 3, 7)");
  struct hd_session *s2 = tl_session(pl, 300, 0.5, 0.1, 1, "clip = 0.4", 3.0, "linear(0, 3, 7)");
  struct hd_output_grid g;
  tl_grid(s0, &g);
  struct hd_theory_result a, b, c;
  tl_theory(s0, &g, -1, &a);
  tl_theory(s1, &g, -1, &b);
  tl_theory(s2, &g, -1, &c);
  double w = 0;
  for (size_t j = 0; j < g.n; j++) w = fmax(w, fabs(a.values[j] - b.values[j]) / a.values[j]);
  tl_check(w < 1e-8, "clipped ODE (NS-12) with c = 1e4 equals the unclipped ODE: %.1e", w);
  tl_check(fabs(c.values[g.n - 1] - a.values[g.n - 1]) > 1e-3,
           "clipping at c = 0.4 changes the risk: %.6f vs %.6f", c.values[g.n - 1],
           a.values[g.n - 1]);
  hd_theory_result_free(&a), hd_theory_result_free(&b), hd_theory_result_free(&c);
  hd_output_grid_free(&g);
  tl_session_free(s0), tl_session_free(s1), tl_session_free(s2);
}

/* sigma = 0: noisy_sgd and streaming_lsq give the same bits. */
static void same_as_lsq(void)
{
  const char *m = "[model]\nproblem = %s\nseed = 8\n"
                  "[data]\nd = 60\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.4\n"
                  "[optimizer]\nlr = 0.9\nridge = 0.05\ninit = random\n"
                  "[simulation]\nruns = 3\nhorizon = 4\n[theory]\nmethod = %s\n"
                  "[output]\ntimes = log(0.1, 4, 8)\n";
  int same = 1;
  for (int meth = 0; meth < 2; meth++) {
    const char *mn = meth ? "recursion" : "ode";
    struct hd_session *a = tl_session(m, "streaming_lsq", mn), *b = tl_session(m, "noisy_sgd", mn);
    struct hd_output_grid g;
    tl_grid(a, &g);
    struct hd_theory_result ta, tb;
    tl_theory(a, &g, -1, &ta);
    tl_theory(b, &g, -1, &tb);
    same = same && memcmp(ta.values, tb.values, ta.n_obs * g.n * sizeof(double)) == 0;
    if (meth == 0) {
      struct hd_mc_result ma, mb;
      hd_mc_run(a->pb, a->plan, &g, 3, 1, a->run.divergence, 1, &ma);
      hd_mc_run(b->pb, b->plan, &g, 3, 2, b->run.divergence, 1, &mb);
      same = same && memcmp(ma.values, mb.values, ma.n_obs * 3 * g.n * sizeof(double)) == 0;
      hd_mc_result_free(&ma), hd_mc_result_free(&mb);
    }
    hd_theory_result_free(&ta), hd_theory_result_free(&tb);
    hd_output_grid_free(&g);
    tl_session_free(a), tl_session_free(b);
  }
  tl_check(same, "sigma = 0: noisy_sgd = streaming_lsq bit for bit (ODE, recursion, Monte Carlo)");
}

int main(void)
{
  isotropic_tables();
  stationary();
  recursion_vs_ode();
  clip_limit();
  same_as_lsq();
  return tl_finish();
}
