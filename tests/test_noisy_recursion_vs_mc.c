/* test_noisy_recursion_vs_mc.c — noisy SGD (NS-1) simulated by src/sim/noisy_kernel.c
 * against the exact finite-d recursion NS-2 (sigma > 0, mini-batch B, uniform features).
 * NS-2 is the exact expectation at this d, so |MC mean - NS-2| <= 3 s.e. at every output
 * time (t > 0), for risk and distance.  Each case is also checked to be resolvable: the
 * same MC against NS-2 *without* the injected noise must fail by > 5 s.e. (so the test
 * sees the noise term), and B = 4 against the B = 1 recursion likewise.  Finally the
 * fixed-dataset mode: with sigma = 0 and a fixed order, every run is the same (the only
 * randomness is the noise and the order; theta_0 fixed per seed), and results do not depend on the thread count. */
#include <string.h>

#include "testlib.h"

static const char *model =
    "[model]\nproblem = noisy_sgd\nseed = 21\n"
    "[data]\nd = 40\nspectrum = power_law\nalpha = 1\nlabel_noise = 0.5\ntarget = random\n"
    "distribution = %s\n"
    "[optimizer]\nlr = 1.2\nridge = 0.1\ninit = %s\ninit_scale = 0.7\n"
    "[noise]\nsigma = %g\nbatch = %d\n%s\n"
    "[simulation]\nruns = %ld\nhorizon = 8\nthreads = 0\n"
    "[theory]\nmethod = recursion\n"
    "[output]\ntimes = linear(0.5, 8, 16)\n"; /* t = k/2: whole steps for B = 1 and 4 */

static double zmax_of(const struct hd_mc_result *mc, const struct hd_theory_result *th, size_t n,
                      size_t o)
{
  double w = 0;
  for (size_t j = 1; j < n; j++)
    w = fmax(w, fabs(mc->mean[o * n + j] - th->values[o * n + j]) / mc->stderr_[o * n + j]);
  return w;
}

static void one(const char *law, double sigma, int B, long runs, double alt_sigma, int alt_B)
{
  struct hd_session *s = tl_session(model, law, "random", sigma, B, "", runs);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result rec;
  tl_theory(s, &g, -1, &rec);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  double z0 = zmax_of(&mc, &rec, g.n, 0), z1 = zmax_of(&mc, &rec, g.n, 1);
  tl_check(z0 <= 3 && z1 <= 3 && mc.n_diverged == 0,
           "%s, sigma %g, B %d: MC (%ld runs, d = 40) vs NS-2: max |z| risk %.2f, distance %.2f "
           "(<= 3)",
           law, sigma, B, runs, z0, z1);
  struct hd_session *a = tl_session(model, law, "random", alt_sigma, alt_B, "", 2L);
  struct hd_output_grid ga;
  tl_grid(a, &ga);
  struct hd_theory_result alt;
  if (ga.n == g.n && memcmp(ga.t, g.t, g.n * sizeof *g.t) == 0) {
    tl_theory(a, &ga, -1, &alt);
    double za = zmax_of(&mc, &alt, g.n, 0);
    tl_check(za > 5, "  resolvable: the same MC vs NS-2 with sigma %g, B %d: max |z| %.1f > 5",
             alt_sigma, alt_B, za);
    hd_theory_result_free(&alt);
  } else {
    tl_check(0, "  alternative grid differs");
  }
  hd_output_grid_free(&ga);
  tl_session_free(a);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void fixed_dataset(void)
{
  struct hd_session *s = tl_session(model, "gaussian", "fixed", 0.0, 1,
                                    "dataset = fixed\nrecords = 100", 4L);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, 4, 1, s->run.divergence, 1, &mc);
  size_t T = g.n;
  int same = 1;
  for (size_t r = 1; r < 4; r++)
    same = same && memcmp(mc.values, mc.values + r * T, T * sizeof(double)) == 0;
  tl_check(same, "fixed dataset, fixed order, sigma = 0: all runs identical");
  hd_mc_result_free(&mc);
  tl_session_free(s);

  s = tl_session(model, "gaussian", "fixed", 0.5, 2,
                 "dataset = fixed\nrecords = 100\norder = shuffled", 4L);
  struct hd_mc_result m1, m2;
  hd_mc_run(s->pb, s->plan, &g, 4, 1, s->run.divergence, 1, &m1);
  hd_mc_run(s->pb, s->plan, &g, 4, 2, s->run.divergence, 1, &m2);
  tl_check(memcmp(m1.values, m2.values, m1.n_obs * 4 * T * sizeof(double)) == 0 &&
               memcmp(m1.values, m1.values + T, T * sizeof(double)) != 0,
           "fixed dataset, shuffled, sigma 0.5, B 2: runs differ, 1 and 2 threads bit-identical");
  hd_mc_result_free(&m1), hd_mc_result_free(&m2);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

int main(void)
{
  one("gaussian", 1.5, 1, 4000, 0.0, 1);
  one("gaussian", 1.5, 4, 4000, 1.5, 1);
  one("uniform", 1.0, 1, 4000, 0.0, 1);
  fixed_dataset();
  return tl_finish();
}
