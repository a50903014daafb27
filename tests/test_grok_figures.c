/* test_grok_figures.c — the paper's claims on its own configurations (slow suite; grok.md
 * §3, §7.7, §7.8), at N = infinity on one dataset:
 *  Fig. 1 (D = 100, P = 550, alpha = 1, eps = 0.02, eta0 = 1, 1e5 steps, gradient flow):
 *    the train loss falls first, the test loss rises above L(0) (linear-mode power from
 *    the initial NTK) and then falls late: t_test(0.1 L0) >= 3 t_train(0.1 L0); the
 *    weight norm grows during grokking (claim 1); the linear power rises then falls
 *    (claim 6); the flow needs <= 5000 RHS evaluations (§6.2).
 *  GD vs gradient flow on the Fig. 1 configuration: the exact GD map and CVODE agree
 *    within 1e-2 relative in train and test loss up to t = 1e4, through the plateau and
 *    the onset of feature learning (§7.8).
 *  Fig. 3(a) (D = 100, P = 450, s_y = 2, eps = 0.25, eta0 = 0.5, 6e4 steps), alpha = 2^-5,
 *    1/4, 1, 4, 32: the test-halving time and the final test loss grow with alpha, the test
 *    bump grows with alpha, from none for alpha <= 1/4 to > 1 % for alpha >= 4 (alpha = 1
 *    sits between: 1.3 % on one dataset draw, none on another), every final test loss
 *    stays below the initial-NTK kernel regression and below the alpha = infinity (lazy,
 *    §2.5) test loss at the same horizon, and the gap to the latter shrinks as alpha grows
 *    (claim 2: alpha -> infinity gives kernel regression).  (An earlier form, "alpha = 32
 *    is within 15 % of the kernel regression", held on one dataset draw and not on
 *    another: 0.706 against 0.860 L0, with the lazy curve itself at 0.882 at t = 6e4.) */
#include "grok_testlib.h"

static const char *fig1 = "[model]\nproblem = dmft_grokking\nseed = 1\n"
                          "[data]\nD = 100\nP = 550\n"
                          "[network]\nN = 1\nalpha = 1\neps = 0.02\n"
                          "[optimizer]\neta0 = 1\n"
                          "[simulation]\nenabled = false\nhorizon = %g\n"
                          "[theory]\nmethod = %s\n"
                          "[output]\ntimes = log(1, %g, %d)\n";

static double first_below(const struct hd_output_grid *g, const double *y, double theta)
{
  for (size_t j = 0; j < g->n; j++)
    if (y[j] < theta) return g->t[j];
  return INFINITY;
}

static size_t argmax(const double *y, size_t n)
{
  size_t k = 0;
  for (size_t j = 1; j < n; j++)
    if (y[j] > y[k]) k = j;
  return k;
}

static void figure1(void)
{
  struct hd_session *s = tl_session(fig1, 1e5, "ode", 1e5, 101);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  size_t T = g.n;
  const double *tr = th.values + GROK_OBS_TRAIN * T, *te = th.values + GROK_OBS_TEST_POP * T;
  const double *wn = th.values + GROK_OBS_WNORM * T, *lin = th.values + GROK_OBS_LIN * T;
  double ttr = first_below(&g, tr, 0.1 * tr[0]), tte = first_below(&g, te, 0.1 * te[0]);
  size_t peak = argmax(te, T), lpeak = argmax(lin, T);
  tl_check(tte >= 3 * ttr && tte - ttr >= 2e4 && isfinite(tte),
           "Fig. 1: grokking delay: t_test(0.1 L0) = %g >= 3 t_train(0.1 L0) = %g and >= 2e4 "
           "steps later",
           tte, 3 * ttr);
  tl_check(te[peak] > 1.1 * te[0] && g.t[peak] < ttr,
           "Fig. 1: test loss rises to %.3f (> 1.1 L(0) = %.3f) at t = %g, before the train "
           "loss has fallen",
           te[peak], 1.1 * te[0], g.t[peak]);
  tl_check(wn[T - 1] > 2 * wn[peak],
           "Fig. 1: weight norm grows while grokking: sqrt(Tr M) "
           "%.3g at the test peak -> %.3g at the end",
           wn[peak], wn[T - 1]);
  tl_check(lin[lpeak] > 10 * lin[T - 1] && lin[lpeak] > 10 * lin[1],
           "Fig. 4 / claim 6: linear power rises (%.2e at t = 1) to %.3g at t = %g, then falls "
           "to %.2e",
           lin[1], lin[lpeak], g.t[lpeak], lin[T - 1]);
  tl_check(th.stats.rhs_evals + th.stats.lin_iters <= 5000,
           "Fig. 1 gradient flow: %ld RHS evaluations + %ld Jacobian-vector products for 1e5 "
           "steps (<= 5000; %.2f s)",
           th.stats.rhs_evals, th.stats.lin_iters, th.seconds);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void gd_vs_flow(void)
{
  struct hd_session *s = tl_session(fig1, 1e4, "recursion", 1e4, 21);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result gd, gf;
  double worst = grok_gd_vs_flow(s, &g, &gd, &gf);
  tl_check(worst <= 1e-2,
           "Fig. 1 configuration, eta0 = 1: GD map vs gradient flow, max rel. "
           "diff of train and test_pop up to t = 1e4: %.2e (<= 1e-2; GD %.1f s)",
           worst, gd.seconds);
  hd_theory_result_free(&gd);
  hd_theory_result_free(&gf);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void figure3a(void)
{
  const double alphas[] = {1.0 / 32, 0.25, 1, 4, 32};
  enum { NA = 5 };
  static const char *model = "[model]\nproblem = dmft_grokking\nseed = 1\n"
                             "[data]\nD = 100\nP = 450\ntarget = full\n"
                             "[network]\nN = 1\nalpha = %g\neps = 0.25\n"
                             "[optimizer]\neta0 = 0.5\n"
                             "[simulation]\nenabled = false\nhorizon = 60000\n"
                             "[theory]\nmethod = ode\n%s\n"
                             "[output]\ntimes = log(1, 60000, 96)\n";
  double half[NA], fin[NA], bump[NA], kmse = 0, lazy = 0;
  {
    struct hd_session *s = tl_session(model, 1.0, "limit = lazy");
    struct hd_output_grid g;
    tl_grid(s, &g);
    struct hd_theory_result th;
    tl_theory(s, &g, -1, &th);
    const double *te = th.values + GROK_OBS_TEST_POP * g.n;
    lazy = te[g.n - 1] / te[0];
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    tl_session_free(s);
  }
  for (int i = 0; i < NA; i++) {
    struct hd_session *s = tl_session(model, alphas[i], "");
    struct hd_output_grid g;
    tl_grid(s, &g);
    struct hd_theory_result th;
    tl_theory(s, &g, -1, &th);
    const double *te = th.values + GROK_OBS_TEST_POP * g.n;
    half[i] = first_below(&g, te, 0.5 * te[0]);
    fin[i] = te[g.n - 1] / te[0];
    bump[i] = te[argmax(te, g.n)] / te[0];
    kmse = ((struct grok_plan *)s->plan)->sys.kmse / te[0];
    printf("     alpha = %-8g test-halving t = %-8g final L/L0 = %.4f  bump = %.3f\n", alphas[i],
           half[i], fin[i], bump[i]);
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    tl_session_free(s);
  }
  int mono_half = 1, mono_fin = 1, below = 1, closer = 1;
  for (int i = 1; i < NA; i++) {
    mono_half &= half[i] > half[i - 1]; /* inf (never halves) counts as later */
    mono_fin &= fin[i] > fin[i - 1];
    closer &= fabs(lazy - fin[i]) < fabs(lazy - fin[i - 1]);
  }
  for (int i = 0; i < NA; i++) below &= fin[i] < kmse && fin[i] < lazy;
  tl_check(mono_half, "Fig. 3(a): the test-halving time grows with alpha (32: %g)", half[NA - 1]);
  tl_check(mono_fin, "Fig. 3(a): the final test loss grows with alpha (%.4f ... %.4f)", fin[0],
           fin[NA - 1]);
  int mono_bump = 1;
  for (int i = 1; i < NA; i++) mono_bump &= bump[i] >= bump[i - 1];
  tl_check(mono_bump && bump[3] > 1.01 && bump[4] > 1.01 && bump[0] <= 1.001 && bump[1] <= 1.001,
           "Fig. 3(a): the test bump grows with alpha: none for alpha <= 1/4 (%.4f, %.4f), %.3f "
           "at alpha = 1, over 1%% for alpha >= 4 (%.3f, %.3f)",
           bump[0], bump[1], bump[2], bump[3], bump[4]);
  tl_check(below && closer,
           "Fig. 3(a): final test losses stay below the kernel regression %.3f L0 and the alpha = "
           "infinity (lazy) curve %.3f L0 at t = 6e4, and approach the latter as alpha grows "
           "(gap %.3f at alpha = 1/32, %.3f at alpha = 32)",
           kmse, lazy, lazy - fin[0], lazy - fin[NA - 1]);
}

int main(void)
{
  figure1();
  gd_vs_flow();
  figure3a();
  return tl_finish();
}
