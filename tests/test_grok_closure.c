/* test_grok_closure.c — exact identities of the DMFT grokking family (grok.md §7.1, §7.2,
 * §7.8):
 *  1. the (wbar, Z) closure seeded with a run's W0 equals literal neuron-level GD to
 *     1e-12 relative, for N < D (Z = the centred neurons) and N > D (Z from Sigma0's
 *     eigendecomposition), centred and uncentred, on every observable; also for
 *     minibatch SGD, with weight decay and with momentum (§1.5: the update stays
 *     affine); wide SGD
 *     networks follow the N = infinity map along the same batches;
 *  2. at t = 0: L_test = (3/4) s_y^2 b^2 exactly (b = |beta|^2/D) and the train loss is
 *     mean(y^2) (centred), for the N = infinity theory and every finite network;
 *  3. discrete GD (the exact N = infinity recursion) and gradient flow (CVODE) agree
 *     within 1e-2 relative over a whole grokking run at the Fig. 1 step size (§7.8; the
 *     paper's GD is in the flow regime, §2.2).  What sets the Euler error is the step
 *     times the fastest rate, 2 eta0 (1 + sqrt(kappa))^2 / P = 0.041 at Fig. 1
 *     (eta0 = 1, P = 550, kappa = 5.5); this reduced run (D = 16, P = 88, kappa = 5.5)
 *     uses eta0 = 0.16 for the same 0.041.  The full Fig. 1 configuration is checked in
 *     the slow test grok_fig1.  At 8x the step the two must differ measurably, so the
 *     comparison can fail.
 *  4. the blocked increment (kernels/grok_closure_blocked.c: M = Z Z^T, then X T and G by
 *     column-panel dgemm, or by a dtrmm and a sign-split dsyrk) equals the plain two-dgemm
 *     form to 1e-13 of scale, in both forms, on 4 row blocks, r = D and r < D, centred,
 *     with weight decay, D = 40 (panels 16, 16, 8); it is the same bits on 1 and 2
 *     threads, and so is a whole N = infinity GD run that uses it. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "grok_testlib.h"

static const char *model =
    "[model]\nproblem = dmft_grokking\nseed = 5\n"
    "[data]\nD = 30\nP = 80\ntest_points = 150\ntarget = %s\n"
    "[network]\nN = %ld\nalpha = %g\neps = 0.3\ncenter = %s\nalgorithm = %s\n"
    "[optimizer]\neta0 = 1\nbatch = %ld\nweight_decay = %g\nmomentum = %g\n"
    "[simulation]\nruns = 2\nhorizon = 300\nthreads = 1\n"
    "[theory]\nmethod = recursion\n"
    "[output]\ntimes = log(1, 300, 8)\n";

static void run_mc(struct hd_session *s, const struct hd_output_grid *g, struct hd_mc_result *mc)
{
  hd_mc_run(s->pb, s->plan, g, s->run.runs, s->run.threads, s->run.divergence, 1, mc);
}

static void closure_vs_neurons(long N, const char *center, double alpha, long batch, double wd,
                               double mom)
{
  struct hd_session *a = tl_session(model, "half", N, alpha, center, "closure", batch, wd, mom);
  struct hd_session *b = tl_session(model, "half", N, alpha, center, "neurons", batch, wd, mom);
  struct hd_output_grid g;
  tl_grid(a, &g);
  struct hd_mc_result ma, mb;
  run_mc(a, &g, &ma);
  run_mc(b, &g, &mb);
  const struct hd_observable *obs;
  size_t O = a->pb->observables(a->plan, &obs);
  /* relative to each observable's largest value over the run: quantities that start at
   * exactly 0 (overlap, lin, relchange at t = 0) are compared at their own scale */
  size_t wo, n = ma.runs * g.n;
  double worst = tl_max_scaled_diff(ma.values, mb.values, mb.values, O, n, &wo);
  /* the train loss must actually move, or agreement would be vacuous */
  double t0 = ma.values[0], tend = ma.values[g.n - 1];
  tl_check(worst <= 1e-12 && tend < 0.9 * t0,
           "closure = neuron-level %s, N = %ld (%s), center = %s, weight decay %g, momentum %g: "
           "max diff / scale %.2e over %zu observables x %zu times (worst %s; <= 1e-12); "
           "train %.4g -> %.4g",
           batch ? "SGD (B = 20 of 80)" : "GD", N,
           N <= 30 ? "Z = centred neurons" : "Z from eig(Sigma0)", center, wd, mom, worst, O, g.n,
           obs[wo].name, t0, tend);
  hd_mc_result_free(&ma);
  hd_mc_result_free(&mb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

static void initial_identities(const char *target, double sy)
{
  struct hd_session *s = tl_session(model, target, 40L, 1.0, "true", "closure", 0L, 0.0, 0.0);
  const struct grok_plan *P = s->plan;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  struct hd_mc_result mc;
  run_mc(s, &g, &mc);
  double b = P->sys.beta2 / (double)P->sys.D, want = 0.75 * sy * sy * b * b;
  double y2 = 0;
  for (size_t m = 0; m < P->sys.P; m++) y2 += P->sys.y[m] * P->sys.y[m];
  y2 /= (double)P->sys.P;
  size_t T = g.n, R = mc.runs;
  double e_th = fabs(th.values[GROK_OBS_TEST_POP * T] - want) / want;
  double e_tr = fabs(th.values[GROK_OBS_TRAIN * T] - y2) / y2;
  double e_mc = 0, e_mctr = 0;
  for (size_t r = 0; r < R; r++) {
    e_mc = fmax(e_mc, fabs(mc.values[(GROK_OBS_TEST_POP * R + r) * T] - want) / want);
    e_mctr = fmax(e_mctr, fabs(mc.values[(GROK_OBS_TRAIN * R + r) * T] - y2) / y2);
  }
  tl_check(e_th <= 1e-13 && e_mc <= 1e-13,
           "t = 0, target %s: L_test = (3/4) s_y^2 b^2 = %.6g (theory rel. err %.1e, networks "
           "%.1e; <= 1e-13)",
           target, want, e_th, e_mc);
  tl_check(e_tr <= 1e-12 && e_mctr <= 1e-12,
           "t = 0, target %s: train loss = mean(y^2) = %.6g (theory %.1e, networks %.1e)", target,
           y2, e_tr, e_mctr);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* Relative sup difference of train and test_pop between GD (recursion) and flow (CVODE). */
static double gd_vs_flow(double eta0, int quiet)
{
  struct hd_session *s = tl_session("[model]\nproblem = dmft_grokking\nseed = 2\n"
                                    "[data]\nD = 16\nP = 88\ntest_points = 100\n"
                                    "[network]\nN = 1\nalpha = 1\neps = 0.5\n"
                                    "[optimizer]\neta0 = %g\n"
                                    "[simulation]\nenabled = false\nhorizon = %g\n"
                                    "[theory]\nmethod = ode\nrtol = 1e-9\natol = 1e-12\n"
                                    "[output]\ntimes = log(%g, %g, 12)\n",
                                    eta0, 3.2e3 / eta0, 1 / eta0, 3.2e3 / eta0);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result gd, gf;
  double worst = grok_gd_vs_flow(s, &g, &gd, &gf);
  if (!quiet) {
    size_t T = g.n;
    tl_check(gd.values[GROK_OBS_TEST_POP * T + T - 1] < 0.1 * gd.values[GROK_OBS_TEST_POP * T],
             "the eta0 = %g run groks within the horizon: test %.3g -> %.3g "
             "(CVODE: %ld steps, %ld RHS evaluations)",
             eta0, gd.values[GROK_OBS_TEST_POP * T], gd.values[GROK_OBS_TEST_POP * T + T - 1],
             gf.stats.steps, gf.stats.rhs_evals);
  }
  hd_theory_result_free(&gd);
  hd_theory_result_free(&gf);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return worst;
}

/* The N = infinity map follows the same minibatches as the networks: wide networks
 * (N = 4000, 4 seeds) trained by SGD (B = 20 of 80, momentum 0.5) end within 3 s.e. + 2 %
 * of the N = infinity SGD map, which is far (> 10x that distance) from full-batch GD. */
static void minibatch_theory(void)
{
  struct hd_session *a = tl_session(model, "half", 4000L, 1.0, "true", "closure", 20L, 0.0, 0.5);
  struct hd_session *b = tl_session(model, "half", 4000L, 1.0, "true", "closure", 0L, 0.0, 0.0);
  struct hd_output_grid g;
  tl_grid(a, &g);
  struct hd_theory_result ta, tb;
  tl_theory(a, &g, -1, &ta);
  tl_theory(b, &g, -1, &tb);
  struct hd_mc_result ma;
  hd_mc_run(a->pb, a->plan, &g, 4, 0, 1e8, 1, &ma);
  size_t j = g.n - 1, o = GROK_OBS_TRAIN * g.n + j;
  double m = ma.mean[o], se = ma.stderr_[o], sgd = ta.values[o], gd = tb.values[o];
  tl_check(fabs(m - sgd) <= 3 * se + 0.02 * sgd && fabs(gd - sgd) > 10 * fabs(m - sgd),
           "minibatch SGD with momentum: N = 4000 networks %.5g +- %.1e vs the N = inf SGD map "
           "%.5g (full-batch "
           "map %.5g) at t = %g",
           m, se, sgd, gd, g.t[j]);
  hd_mc_result_free(&ma);
  hd_theory_result_free(&ta);
  hd_theory_result_free(&tb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

/* The test-set CKA at t = 0 (N = infinity: K = s (1 + eps^2 sigma^2 s), s = x.x') against
 * a direct evaluation of grok.md §1.4 (cka): K centred by column means, y centred,
 * CKA = y_c^T K_c y_c / (||K_c||_F ||y_c||^2). */
static void cka_at_start(void)
{
  struct hd_session *s = tl_session(
      "[model]\nproblem = dmft_grokking\nseed = 8\n"
      "[data]\nD = 12\nP = 30\ntest_points = 60\n"
      "[network]\nN = 5\nalpha = 1\neps = 0.7\nsigma = 1.3\n"
      "[optimizer]\neta0 = 1\n[observables]\ncka = true\n"
      "[simulation]\nenabled = false\nhorizon = 2\n"
      "[theory]\nmethod = recursion\n[output]\ntimes = linear(0, 2, 3)\n");
  const struct grok_plan *P = s->plan;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  size_t n = P->sys.Pt, D = P->sys.D;
  double e2 = P->p.eps * P->p.eps * P->p.sigma * P->p.sigma, ym = 0;
  double *K = malloc(n * n * sizeof *K);
  for (size_t i = 0; i < n; i++) ym += P->sys.yt[i] / (double)n;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double sdot = 0;
      for (size_t k = 0; k < D; k++) sdot += P->sys.Xt[i * D + k] * P->sys.Xt[j * D + k];
      K[i * n + j] = sdot * (1 + e2 * sdot);
    }
  double num = 0, fro = 0, yy = 0;
  for (size_t j = 0; j < n; j++) {
    double cm = 0;
    for (size_t i = 0; i < n; i++) cm += K[i * n + j] / (double)n;
    for (size_t i = 0; i < n; i++) K[i * n + j] -= cm;
  }
  for (size_t i = 0; i < n; i++) {
    yy += (P->sys.yt[i] - ym) * (P->sys.yt[i] - ym);
    for (size_t j = 0; j < n; j++) {
      num += (P->sys.yt[i] - ym) * K[i * n + j] * (P->sys.yt[j] - ym);
      fro += K[i * n + j] * K[i * n + j];
    }
  }
  double want = num / (sqrt(fro) * yy), got = th.values[(size_t)P->sys.slot_cka * g.n];
  tl_check(fabs(got - want) <= 1e-12 * fabs(want),
           "CKA at t = 0: %.12g (direct evaluation "
           "%.12g)",
           got, want);
  free(K);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static const char *blocked_model = "[model]\nproblem = dmft_grokking\nseed = 3\n"
                                   "[data]\nD = 40\nP = 1100\ntest_points = 50\n"
                                   "[network]\nN = 40\nalpha = 1\neps = 0.3\ncenter = true\n"
                                   "[optimizer]\neta0 = 1\nweight_decay = 1e-3\n"
                                   "[simulation]\nruns = 1\nhorizon = 60\n"
                                   "[theory]\nmethod = recursion\n"
                                   "[output]\ntimes = log(1, 60, 5)\n";

static void set_threads(int n)
{
#ifdef _OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

static void blocked_increment(void)
{
  struct hd_session *s = tl_session(blocked_model);
  struct grok_plan *P = s->plan;
  size_t D = P->sys.D, n = P->sys.P;
  struct grok_batch b = grok_full_batch(&P->sys, P->f0_inf);
  for (int form = 0; form < 2; form++) {
    for (size_t r = D; r >= D - 5; r -= 5) {
      struct grok_work wp, wb;
      double *bp = malloc(grok_work_size(n, P->sys.Pt, D, r, false) * sizeof(double));
      double *bb = malloc(grok_work_size(n, P->sys.Pt, D, r, false) * sizeof(double));
      grok_work_bind(&wp, bp, n, P->sys.Pt, D, r, false);
      grok_work_bind(&wb, bb, n, P->sys.Pt, D, r, false);
      wp.blocks = 0; /* the plain form */
      wb.parallel = true;
      if (form == 1) wb.panel = 0; /* the whole-triangle form (D > GROK_PANEL_MAX_D) */
      /* T's buffer as the observables leave it (a full M): the panels must not read its
       * lower triangle */
      for (size_t i = 0; i < D * D; i++) wb.M[i] = 1e3 * (double)(i % 7);
      double *wbar = malloc(D * sizeof *wbar), *Z = malloc(D * r * sizeof *Z);
      double *out[3];
      for (int k = 0; k < 3; k++) out[k] = malloc((D + D * r) * sizeof(double));
      for (size_t i = 0; i < D; i++) wbar[i] = 0.3 * sin(1.0 + (double)i);
      for (size_t i = 0; i < D * r; i++)
        Z[i] = (i % (r + 1) == 0 ? 1.0 : 0.0) + 0.2 * cos((double)i);
      grok_closure_rhs(&P->sys, &b, wbar, Z, r, out[0], out[0] + D, &wp);
      set_threads(1);
      grok_closure_rhs(&P->sys, &b, wbar, Z, r, out[1], out[1] + D, &wb);
      set_threads(2);
      grok_closure_rhs(&P->sys, &b, wbar, Z, r, out[2], out[2] + D, &wb);
      double scale = 0, diff = 0;
      for (size_t i = 0; i < D + D * r; i++) {
        scale = fmax(scale, fabs(out[0][i]));
        diff = fmax(diff, fabs(out[1][i] - out[0][i]));
      }
      tl_check(wb.blocks == 4 && wb.panel == (form ? 0 : GROK_PANEL) && diff <= 1e-13 * scale &&
                   memcmp(out[1], out[2], (D + D * r) * sizeof(double)) == 0,
               "blocked increment (%s, %zu row blocks, D = %zu, r = %zu, P = %zu, centred, "
               "decay) = plain two-dgemm form: max diff %.2e of scale %.3g (<= 1e-13); 1 and 2 "
               "threads bit-identical",
               form ? "dtrmm + dsyrk" : "column panels", wb.blocks, D, r, n, diff, scale);
      for (int k = 0; k < 3; k++) free(out[k]);
      free(wbar), free(Z), free(bp), free(bb);
    }
  }
  /* a whole GD run through the blocked form: the same bits on 1 and 2 threads */
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th[2];
  for (int k = 0; k < 2; k++) {
    set_threads(k + 1);
    tl_theory(s, &g, HD_THEORY_RECURSION, &th[k]);
  }
  size_t O = th[0].n_obs * g.n;
  tl_check(memcmp(th[0].values, th[1].values, O * sizeof(double)) == 0 &&
               th[0].values[g.n - 1] < 0.9 * th[0].values[0],
           "N = infinity GD on 4 row blocks: 1 and 2 threads give the same bits (%zu values); "
           "train %.4g -> %.4g",
           O, th[0].values[0], th[0].values[g.n - 1]);
  for (int k = 0; k < 2; k++) hd_theory_result_free(&th[k]);
  hd_output_grid_free(&g);
  tl_session_free(s);
#ifdef _OPENMP
  omp_set_num_threads(omp_get_num_procs());
#endif
}

int main(void)
{
  blocked_increment();
  cka_at_start();
  closure_vs_neurons(12, "true", 1.0, 0, 0.0, 0.0);
  closure_vs_neurons(12, "false", 1.0, 0, 0.0, 0.0);
  closure_vs_neurons(50, "true", 1.0, 0, 0.0, 0.0);
  closure_vs_neurons(50, "false", 0.5, 0, 0.0, 0.0);
  closure_vs_neurons(12, "true", 1.0, 20, 0.0, 0.0);
  closure_vs_neurons(50, "true", 1.0, 20, 2e-3, 0.0);
  closure_vs_neurons(12, "false", 1.0, 0, 2e-3, 0.0);
  closure_vs_neurons(12, "true", 1.0, 0, 0.0, 0.9);
  closure_vs_neurons(50, "true", 1.0, 20, 1e-3, 0.5);
  minibatch_theory();
  initial_identities("half", 1.0);
  initial_identities("full", 2.0);
  double d1 = gd_vs_flow(0.16, 0), d8 = gd_vs_flow(1.28, 1);
  tl_check(
      d1 <= 1e-2,
      "GD (eta0 = 0.16, Fig. 1 step ratio) vs gradient flow (CVODE): max rel. diff of train and "
      "test_pop %.2e (<= 1e-2)",
      d1);
  tl_check(d8 > 3 * d1,
           "the comparison resolves discretisation: eta0 = 1.28 differs by %.2e "
           "(> 3 x %.2e)",
           d8, d1);
  return tl_finish();
}
