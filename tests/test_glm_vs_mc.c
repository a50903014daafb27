/* test_glm_vs_mc.c LOSS — the glm limit (docs/theory/glm.md E1-E2) against the Monte Carlo
 * of the real algorithm, for one loss given on the command line (hinge, relu, logistic, huber):
 *   - at d = 2000, 16 runs: at every output time t > 0 and every observable,
 *       |mean - ODE| <= k s.e. + (2 / d) |ODE|,
 *     k the Student-t quantile at a 1e-3 family-wise false alarm (tl_bound_k), the second
 *     term an allowance for the O(1/d) terms the limit drops (§2.2);
 *   - the error scale shrinks like d^-1/2: the risk's relative s.e. at d = 500 over that at
 *     d = 2000 is 2 within 3.3 of its own s.d. (tl_se_scaling_ok), and the bound above
 *     holds at d = 500 too. */
#include <string.h>

#include "testlib.h"

static const char *model = "[model]\nproblem = glm\nseed = 7\n"
                           "[data]\nd = %d\nspectrum = %s\n"
                           "[glm]\n%s\n"
                           "[optimizer]\nlr = %g\n%s\n"
                           "[simulation]\nruns = 16\nhorizon = %g\n"
                           "[output]\ntimes = log(0.1, %g, 8)\n";

struct loss_case {
  const char *name, *spectrum, *glm, *opt;
  double lr, horizon;
};

static const struct loss_case cases[] = {
    {"hinge", "isotropic", "target = sign(r_star)\nloss = max(0, 1 - y*r)\nmetric = r*y < 0", "",
     0.5, 6},
    {"relu", "isotropic", "target = max(0, r_star)\nloss = 0.5*(max(0, r) - y)^2",
     "init = random\ninit_scale = 0.5\ninit_overlap = 0.2\n[theory]\nrtol = 1e-6", 1.0, 4},
    {"logistic", "power_law", "target = sign(r_star)\nloss = log(1 + exp(-y*r))\nmetric = r*y < 0",
     "", 1.0, 6},
    /* heavy-tailed label noise: the kinks of the Huber slope move with eps (G3) */
    {"huber", "isotropic",
     "target = r_star + 0.5*eps^3\n"
     "loss = 0.5*min(abs(r - y), 1)^2 + abs(r - y) - min(abs(r - y), 1)\n"
     "metric = 0.5*(r - r_star)^2\nnodes = 16",
     "", 0.5, 8},
};

static double check_at(const struct loss_case *c, int d, double *rse_out)
{
  struct hd_session *s = tl_session(model, d, c->spectrum, c->glm, c->lr, c->opt, c->horizon,
                                    c->horizon);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  struct hd_mc_result mc;
  const long runs = 16;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  const size_t O = th.n_obs;
  const double k = tl_bound_k(runs, O * (g.n - 1));
  double worst = 0, rse = 0;
  for (size_t o = 0; o < O; o++)
    for (size_t j = 1; j < g.n; j++) {
      const size_t i = o * g.n + j;
      const double err = fabs(mc.mean[i] - th.values[i]);
      const double bound = k * mc.stderr_[i] + 2.0 / d * fabs(th.values[i]) + 1e-300;
      worst = fmax(worst, err / bound);
      if (o == 0) rse = fmax(rse, mc.stderr_[i] / fabs(th.values[i]));
    }
  tl_check(!th.failed && mc.n_diverged == 0 && worst <= 1,
           "%s, d = %d: |MC - ODE| / (k s.e. + 2|ODE|/d) <= %.2f over %zu observables (k = %.2f)",
           c->name, d, worst, O, k);
  *rse_out = rse;
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return worst;
}

int main(int argc, char **argv)
{
  const char *which = argc > 1 ? argv[1] : "hinge";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (strcmp(which, cases[i].name)) continue;
    double rse_small, rse_large;
    check_at(&cases[i], 500, &rse_small);
    check_at(&cases[i], 2000, &rse_large);
    tl_check(tl_se_scaling_ok(rse_small / rse_large, 2.0, 16),
             "%s: relative s.e. of the risk falls like d^-1/2: ratio %.2f from d = 500 to 2000 "
             "(expected 2)",
             cases[i].name, rse_small / rse_large);
  }
  return tl_finish();
}
