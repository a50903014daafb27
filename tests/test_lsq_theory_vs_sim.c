/* test_lsq_theory_vs_sim.c — the ODE limit (LS-2..LS-4) against Monte Carlo of the real
 * algorithm at d = 500, 2000, 8000 (power-law spectrum, label noise, random target).
 *
 * The Monte Carlo mean differs from the ODE by (i) its sampling error, measured by the
 * run-to-run standard error s.e.(t), and (ii) the finite-d bias E_d - ODE, which the
 * exact recursion NS-2 gives exactly (it is O(1/d)).  The bound at every output time is
 *     |mean - ODE| <= k s.e.(t) + |NS-2 - ODE|(t),
 * k = 4.95 the Student-t quantile (31 degrees of freedom: 32 runs) that keeps the chance
 * of a false failure over the 40 comparisons (20 times, risk and distance) below 1e-3
 * (testlib.h, tl_within_bound).  With 8 runs and k = 4 this test failed for ~15% of seeds
 * at d = 8000 with a correct code (measured over 28 seeds, with either Philox stream): the
 * s.e. of 8 runs is itself uncertain by ~25%, and t_7 has heavy tails.
 * Convergence: the s.e. of the mean scales like (R d)^-1/2 (spec, "Scale of
 * fluctuations"), so from d = 500 to 8000 the relative s.e. must fall by ~4
 * (tl_se_scaling_ok: within 3.3 s.d. of its estimate); with the bound at every d, the
 * error falls with it.  (The sup error itself is one random O(s.e.) draw per d, and
 * "it falls by > 2x" failed for ~10% of seeds.)  The same holds for Rademacher features
 * against the same ODE (universality of the limit). */
#include "testlib.h"

enum { RUNS = 32 };

static double one_d(int d, const char *law)
{
  const long runs = RUNS;
  struct hd_session *s = tl_session(
      "[model]\nproblem = streaming_lsq\nseed = 5\n"
      "[data]\nd = %d\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.5\ntarget = random\n"
      "distribution = %s\n"
      "[optimizer]\nlr = 0.7\n"
      "[simulation]\nruns = %ld\nhorizon = 2\n"
      "[theory]\nmethod = ode\nrtol = 1e-10\n"
      "[output]\ntimes = log(0.05, 2, 20)\n",
      d, law, runs);
  double sup_rel, worst_ratio, sup_rse;
  int ok = tl_within_bound(s, runs, 2, 0, &worst_ratio, &sup_rel, &sup_rse);
  tl_check(ok,
           "%s, d = %5d: |mean - ODE| <= k s.e. + |NS-2 - ODE| at every time (worst at %.2f of the "
           "bound); sup rel. risk error %.2e, rel. s.e. %.2e",
           law, d, worst_ratio, sup_rel, sup_rse);
  tl_session_free(s);
  return sup_rse;
}

int main(void)
{
  /* the bound's multiplier against printed tables: t_7 at 0.975 and t_3 at 0.995 */
  tl_check(fabs(tl_student_k(0.05, 7) - 2.3646) < 1e-4 &&
               fabs(tl_student_k(0.01, 3) - 5.8409) < 1e-4,
           "Student-t quantiles of testlib.h: %.4f (2.3646), %.4f (5.8409)", tl_student_k(0.05, 7),
           tl_student_k(0.01, 3));
  double e1 = one_d(500, "gaussian"), e2 = one_d(2000, "gaussian"), e3 = one_d(8000, "gaussian");
  tl_check(tl_se_scaling_ok(e1 / e3, 4, RUNS),
           "error scale shrinks like d^-1/2: rel. s.e. %.2e "
           "(500) -> %.2e (2000) -> %.2e (8000), factor %.2f (expected 4)",
           e1, e2, e3, e1 / e3);
  /* Universality: Rademacher features have the same d -> infinity limit (the ODE does not
   * see the fourth moment), so the same bound must hold against the same ODE; only the
   * finite-d bias term (NS-2 with m4 = 1) differs. */
  double r1 = one_d(500, "rademacher"), r3 = one_d(8000, "rademacher");
  tl_check(tl_se_scaling_ok(r1 / r3, 4, RUNS),
           "Rademacher: error scale shrinks like d^-1/2: rel. "
           "s.e. %.2e (500) -> %.2e (8000), factor %.2f (expected 4)",
           r1, r3, r1 / r3);
  return tl_finish();
}
