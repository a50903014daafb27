/* test_stationary.c — t = infinity by the engine's fixed point (src/fixed_point.c) for
 * the families whose limit has no closed form there: the root Newton finds from the end
 * of a short integration equals CVODE's state at a horizon where every mode has relaxed
 * (gmm_multiclass E1-E2, glm E1-E2), and models without one say why (a schedule,
 * AdaGrad-Norm).  Closed forms and the Newton-vs-closed-form checks are in the families'
 * own tests (lsq_theory, noisy_theory, sam_streaming, sam_quadratic, committee,
 * grok_linear_estimator). */
#include <string.h>

#include "testlib.h"

static const char *gmm = "[model]\nproblem = gmm_multiclass\nseed = 2\n"
                         "[data]\nd = 200\ncovariance = isotropic\nmeans = antipodal\n"
                         "mean_normalise = true\n[loss]\nkind = least_squares\n"
                         "[optimizer]\nlr = 0.5\n%s\n"
                         "[simulation]\nenabled = false\nhorizon = %g\n"
                         "[theory]\nrtol = 1e-11\n[output]\ntimes = log(0.05, %g, 6)\n";

static const char *glm = "[model]\nproblem = glm\nseed = 2\n"
                         "[data]\nd = 200\nspectrum = isotropic\n"
                         "[glm]\ntarget = r_star^2\nloss = 0.25*(r^2 - y)^2\n"
                         "[optimizer]\nlr = 0.2\ninit = random\ninit_scale = 0.5\n"
                         "init_overlap = 0.1\n%s\n"
                         "[simulation]\nenabled = false\nhorizon = %g\n"
                         "[theory]\nrtol = 1e-11\n[output]\ntimes = log(0.05, %g, 6)\n";

/* the fixed point from a run to `near` against CVODE at `far` */
static void against_long_run(const char *label, const char *model, double near, double far,
                             double tol)
{
  struct hd_session *a = tl_session(model, "", near, near);
  struct hd_session *b = tl_session(model, "", far, far);
  struct hd_output_grid ga, gb;
  tl_grid(a, &ga);
  tl_grid(b, &gb);
  struct hd_theory_result ta, tb;
  tl_theory(a, &ga, -1, &ta);
  tl_theory(b, &gb, -1, &tb);
  double worst = 0, moved = 0;
  for (size_t o = 0; o < ta.n_obs && ta.has_stationary; o++) {
    double ref = tb.values[o * gb.n + gb.n - 1], scale = fmax(fabs(ref), 1e-3);
    worst = fmax(worst, fabs(ta.stationary[o] - ref) / scale);
    moved = fmax(moved, fabs(ta.values[o * ga.n + ga.n - 1] - ref) / scale);
  }
  tl_check(ta.has_stationary && worst < tol,
           "%s: fixed point from t = %g (%.1e away) = CVODE at t = %g to %.1e < %.0e (%s)", label,
           near, moved, far, worst, tol, ta.stationary_note);
  hd_theory_result_free(&ta), hd_theory_result_free(&tb);
  hd_output_grid_free(&ga), hd_output_grid_free(&gb);
  tl_session_free(a), tl_session_free(b);
}

/* no fixed point: the reason in the note */
static void none(const char *label, const char *model, const char *extra, const char *why)
{
  struct hd_session *s = tl_session(model, extra, 2.0, 2.0);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  tl_check(!th.has_stationary && strstr(th.stationary_note, why), "%s: none (%s)", label,
           th.stationary_note);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

int main(void)
{
  against_long_run("gmm_multiclass, least squares, isotropic", gmm, 10, 400, 1e-9);
  against_long_run("glm, phase retrieval", glm, 30, 600, 1e-8);
  none("gmm_multiclass with a step schedule", gmm, "schedule = step\nlr_every = 1\nlr_factor = 0.5",
       "not constant");
  none("gmm_multiclass with AdaGrad-Norm", gmm, "adaptive = adagrad_norm", "AdaGrad-Norm");
  none("glm with a step schedule", glm, "schedule = step\nlr_every = 1\nlr_factor = 0.5",
       "not constant");
  return tl_finish();
}
