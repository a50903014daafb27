/* test_glm_reductions.c — the glm limit (docs/theory/glm.md E1-E2) on two losses another
 * family already solves (glm.md §3):
 *   - l = (r - y)^2 / 2, y = r* + sigma eps: streaming_lsq's ODE (LS-2..LS-4) on the same
 *     spectrum and teacher, with ridge, a step schedule and a random start too;
 *   - l = log(1 + e^r) - y r with y = step(eps) (a fair coin independent of the data):
 *     gmm_multiclass's binary logistic ODE (gmm.md E1-E3) with zero class means.
 * Same ODE, so the risks must agree to 1e-8 relative at every output time (rtol 1e-12
 * for both integrators; what remains is their global error and the quadrature). */
#include <string.h>

#include "testlib.h"

static const char *lsq_model =
    "[model]\nproblem = streaming_lsq\nseed = 11\n"
    "[data]\nd = %d\nspectrum = %s\nalpha = 1.5\nlabel_noise = 0.5\ntarget = random\n"
    "[optimizer]\nlr = 0.8\nridge = %g\n%s\n"
    "[simulation]\nruns = 2\nhorizon = 50\n[theory]\nmethod = ode\nrtol = 1e-12\natol = 1e-15\n"
    "[output]\ntimes = log(0.01, 50, 25)\n";
static const char *glm_lsq_model =
    "[model]\nproblem = glm\nseed = 11\n"
    "[data]\nd = %d\nspectrum = %s\nalpha = 1.5\nteacher = random\n"
    "[glm]\ntarget = r_star + 0.5*eps\nloss = 0.5*(r - y)^2\nnodes = 4\n"
    "[optimizer]\nlr = 0.8\nridge = %g\n%s\n"
    "[simulation]\nruns = 2\nhorizon = 50\n[theory]\nrtol = 1e-12\natol = 1e-15\n"
    "[output]\ntimes = log(0.01, 50, 25)\n";
static const char *gmm_model =
    "[model]\nproblem = gmm_multiclass\nseed = 5\n"
    "[data]\nd = %d\nclasses = 2\ncovariance = %s\nalpha = 1.5\nnormalise = trace\n"
    "means = zero\n[loss]\nkind = logistic\n"
    "[optimizer]\nlr = %g\nridge = %g\n%s\n"
    "[simulation]\nruns = 2\nhorizon = 40\n[theory]\nrtol = 1e-12\natol = 1e-15\n"
    "[output]\ntimes = log(0.01, 40, 25)\n";
static const char *glm_logistic_model =
    "[model]\nproblem = glm\nseed = 5\n"
    "[data]\nd = %d\nspectrum = %s\nalpha = 1.5\n"
    "[glm]\ntarget = step(eps)\nloss = log(1 + exp(r)) - y*r\nnodes = 64\n"
    "[optimizer]\nlr = %g\nridge = %g\n%s\n"
    "[simulation]\nruns = 2\nhorizon = 40\n[theory]\nrtol = 1e-12\natol = 1e-15\n"
    "[output]\ntimes = log(0.01, 40, 25)\n";

static void compare(const char *label, struct hd_session *a, struct hd_session *b)
{
  struct hd_output_grid ga, gb;
  tl_grid(a, &ga);
  tl_grid(b, &gb);
  struct hd_theory_result ta, tb;
  tl_theory(a, &ga, -1, &ta);
  tl_theory(b, &gb, -1, &tb);
  double worst = 0;
  for (size_t j = 0; j < ga.n && ga.n == gb.n; j++)
    worst = fmax(worst, fabs(ta.values[j] - tb.values[j]) / fabs(ta.values[j]));
  tl_check(ga.n == gb.n && !ta.failed && !tb.failed && worst < 1e-8,
           "%s: risk agrees to %.1e (bound 1e-8; risk at the end %.6g vs %.6g)", label, worst,
           ta.values[ga.n - 1], tb.values[gb.n - 1]);
  hd_theory_result_free(&ta);
  hd_theory_result_free(&tb);
  hd_output_grid_free(&ga);
  hd_output_grid_free(&gb);
  tl_session_free(a);
  tl_session_free(b);
}

static void lsq(const char *label, int d, const char *spectrum, double ridge, const char *opt)
{
  compare(label, tl_session(lsq_model, d, spectrum, ridge, opt),
          tl_session(glm_lsq_model, d, spectrum, ridge, opt));
}

static void logistic(const char *label, int d, const char *spectrum, double lr, double ridge,
                     const char *opt)
{
  compare(label, tl_session(gmm_model, d, spectrum, lr, ridge, opt),
          tl_session(glm_logistic_model, d, spectrum, lr, ridge, opt));
}

int main(void)
{
  lsq("least squares = streaming_lsq, power law", 300, "power_law", 0.0, "");
  lsq("least squares = streaming_lsq, ridge, step schedule, random start", 300, "power_law", 0.1,
      "schedule = step\nlr_every = 5\nlr_factor = 0.7\ninit = random\ninit_scale = 0.8");
  lsq("least squares = streaming_lsq, isotropic, inverse-power schedule", 200, "isotropic", 0.0,
      "schedule = inverse_power\nlr_t0 = 2\nlr_power = 0.5");
  logistic("logistic = gmm binary logistic (zero means), power law", 200, "power_law", 1.0, 0.0,
           "");
  logistic("logistic = gmm binary logistic, isotropic, lr 3, ridge, random start", 100, "isotropic",
           3.0, 0.05, "init = random\ninit_scale = 2");
  return tl_finish();
}
