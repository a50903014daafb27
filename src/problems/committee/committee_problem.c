/* committee_problem.c — the committee family as an hdsim problem: the ops table, which hands
 * the engine's calls to the theory (ode/committee.h) and the simulation (sim/committee_sgd.h)
 * through the systems the plan filled.  Mathematics: docs/theory/committee.md. */
#define HDSIM_COMMITTEE_PACKAGE
#include "committee.h"

#include <math.h>

static size_t cm_observables(const void *plan, const struct hd_observable **obs)
{
  const struct cm_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

static double cm_steps_per_time(const void *plan)
{
  return (double)((const struct cm_plan *)plan)->d;
}

static size_t cm_problem_ode_dimension(const void *plan)
{
  return cm_dimension(&((const struct cm_plan *)plan)->ode);
}

static int cm_problem_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  cm_ode_fill(&((const struct cm_plan *)plan)->ode, sys, y0);
  return 0;
}

static void cm_problem_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  cm_observe(&((const struct cm_plan *)plan)->ode, y, out);
}

static size_t cm_sim_state_size(const void *plan)
{
  return cm_sgd_state_size(&((const struct cm_plan *)plan)->sgd);
}

static void cm_sim_start(const void *plan, uint64_t run, void *state)
{
  (void)run; /* every run starts from the plan's student (CM-2) */
  cm_sgd_start(&((const struct cm_plan *)plan)->sgd, state);
}

static int cm_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                          uint64_t *bad_step)
{
  const struct cm_plan *P = plan;
  if (!P->formula) return cm_sgd_advance(&P->sgd, P->seed, run, state, k0, k1, bad_step);
  struct cm_sgd mine = P->sgd; /* a clone of the formula of this thread's own */
  if (cm_formula_acquire(P->formula, &mine.act) != 0) {
    if (bad_step) *bad_step = k0;
    return 1;
  }
  int rc = cm_sgd_advance(&mine, P->seed, run, state, k0, k1, bad_step);
  cm_formula_release(P->formula, &mine.act);
  return rc;
}

/* The run's exact covariance read through the theory's observables, so that the error of the
 * theory's expectations never shows as a theory-vs-simulation gap in eg. */
static void cm_sim_observe(const void *plan, const void *state, double *out)
{
  const struct cm_plan *P = plan;
  double C[CM_MAX_H * CM_MAX_H];
  cm_sgd_covariance(&P->sgd, state, C);
  if (!P->formula) {
    cm_observe_cov(&P->ode, C, out);
    return;
  }
  struct cm_system mine = P->ode;
  if (cm_formula_acquire(P->formula, &mine.ex.act) != 0) {
    for (size_t o = 0; o < P->n_obs; o++) out[o] = NAN;
    return;
  }
  cm_observe_cov(&mine, C, out);
  cm_formula_release(P->formula, &mine.ex.act);
}

/* t = infinity (CM-11): at a constant learning rate CM-5/CM-6 are autonomous, and the
 * engine looks for their stable fixed point from the end of the integration (a plateau's
 * saddle is refused as unstable; a continuum of solutions, K > M, as marginal). */
static int cm_stationary(const void *plan, double *out, char *note, size_t len)
{
  (void)out;
  const struct cm_plan *P = plan;
  if (P->p.schedule.kind != HD_SCHEDULE_CONSTANT) {
    snprintf(note, len, "none: the learning rate is not constant (a schedule)");
    return HD_STATIONARY_NONE;
  }
  snprintf(note, len, "CM-5/CM-6 (CM-11)");
  return HD_STATIONARY_FIXED_POINT;
}

const struct hd_problem hd_problem_committee = {
    .name = "committee",
    .summary = "one-pass SGD on a committee machine (student K units, teacher M, second layers "
               "fixed; erf, relu, linear or a formula) on any spectrum: per-eigenvalue overlap ODE "
               "(CM-5, CM-6)",
    .theory_doc = "docs/theory/committee.md",
    .time_meaning = "t = SGD steps / d",
    .params = cm_table,
    .n_params = CM_N_PARAMS,
    .params_size = sizeof(struct cm_params),
    .validate = cm_validate,
    .memory_need = cm_memory_need,
    .plan_create = cm_plan_create,
    .plan_destroy = cm_plan_destroy,
    .observables = cm_observables,
    .steps_per_time = cm_steps_per_time,
    .plan_print = cm_plan_print,
    .plan_bytes = cm_plan_bytes,
    .ode_dimension = cm_problem_ode_dimension,
    .ode = cm_problem_ode,
    .ode_observe = cm_problem_ode_observe,
    .stationary = cm_stationary,
    .sim_state_size = cm_sim_state_size,
    .sim_start = cm_sim_start,
    .sim_advance = cm_sim_advance,
    .sim_observe = cm_sim_observe,
};
