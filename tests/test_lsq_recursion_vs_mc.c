/* test_lsq_recursion_vs_mc.c — the simulator against the exact finite-d moment recursion
 * (noisy.md §2.1, NS-2, sigma = 0).  The recursion is the exact expectation
 * at this d, so the Monte Carlo mean must agree within its standard error with no
 * O(1/d) bias: we require |mean - recursion| <= 3 s.e. at every output time (t > 0),
 * for the risk and the distance, with Gaussian and with Rademacher features (whose
 * fourth moment changes the recursion: m4 = 1 instead of 3, a difference this test
 * resolves). */
#include "testlib.h"

static void compare(const char *law, long runs, int expect_diff_from_gaussian)
{
  struct hd_session *s = tl_session(
      "[model]\nproblem = streaming_lsq\nseed = 11\n"
      "[data]\nd = 40\nspectrum = power_law\nalpha = 1\nlabel_noise = 0.5\n"
      "target = random\ndistribution = %s\n"
      "[optimizer]\nlr = 1.5\nridge = 0.1\ninit = random\ninit_scale = 0.7\n"
      "[simulation]\nruns = %ld\nhorizon = 25\nthreads = 0\n"
      "[theory]\nmethod = recursion\n"
      "[output]\ntimes = log(0.05, 25, 16)\n",
      law, runs);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result rec;
  tl_theory(s, &g, -1, &rec);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, s->run.runs, s->run.threads, s->run.divergence, 1, &mc);
  const char *names[2] = {"risk", "distance"};
  for (size_t o = 0; o < 2; o++) {
    double worst = 0;
    size_t at = 0;
    for (size_t j = 1; j < g.n; j++) {
      double z = fabs(mc.mean[o * g.n + j] - rec.values[o * g.n + j]) / mc.stderr_[o * g.n + j];
      if (z > worst) worst = z, at = j;
    }
    tl_check(worst <= 3.0 && mc.n_diverged == 0,
             "%s features, %s: MC (%ld runs, d = 40) vs NS-2 recursion: max |z| = %.2f at t = %g "
             "(<= 3)",
             law, names[o], runs, worst, g.t[at]);
  }
  if (expect_diff_from_gaussian) {
    /* The same model with the Gaussian m4 = 3 in the recursion must be distinguishable:
     * otherwise this test could not see a wrong fourth moment. */
    struct hd_session *sg = tl_session(
        "[model]\nproblem = streaming_lsq\nseed = 11\n"
        "[data]\nd = 40\nspectrum = power_law\nalpha = 1\nlabel_noise = 0.5\ntarget = random\n"
        "[optimizer]\nlr = 1.5\nridge = 0.1\ninit = random\ninit_scale = 0.7\n"
        "[simulation]\nruns = 2\nhorizon = 25\n[theory]\nmethod = recursion\n"
        "[output]\ntimes = log(0.05, 25, 16)\n");
    struct hd_theory_result recg;
    tl_theory(sg, &g, -1, &recg);
    double zmax = 0;
    for (size_t j = 1; j < g.n; j++)
      zmax = fmax(zmax, fabs(mc.mean[j] - recg.values[j]) / mc.stderr_[j]);
    tl_check(zmax > 5, "Rademacher MC is resolved from the Gaussian recursion: max |z| = %.1f > 5",
             zmax);
    hd_theory_result_free(&recg);
    tl_session_free(sg);
  }
  hd_mc_result_free(&mc);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

int main(void)
{
  compare("gaussian", 6000, 0);
  compare("rademacher", 6000, 1);
  return tl_finish();
}
