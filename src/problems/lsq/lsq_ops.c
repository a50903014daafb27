/* lsq_ops.c — the ops streaming_lsq and noisy_sgd share: each hands the plan's limit
 * system to ode/ (lsq.c, lsq_recursion.c, lsq_volterra.c) or its sgd system to
 * src/sim/lsq_sgd.c. */
#include "problems/lsq/lsq_plan.h"

size_t lsq_observables(const void *plan, const struct hd_observable **obs)
{
  const struct lsq_plan *P = plan;
  *obs = P->obs;
  return P->limit.n_obs;
}

double lsq_steps_per_time(const void *plan)
{
  const struct lsq_plan *P = plan; /* t = k B / d */
  return (double)P->d / (double)P->batch;
}

const char *lsq_theory_note(const void *plan)
{
  const struct lsq_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

/* ---- theory: the limit system ---- */

size_t lsq_op_ode_dimension(const void *plan)
{
  return lsq_ode_dimension(&((const struct lsq_plan *)plan)->limit);
}

int lsq_op_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  return lsq_ode(&((struct lsq_plan *)plan)->limit, sys, y0);
}

void lsq_op_ode_observe(const void *plan, double t, const double *y, double *out)
{
  lsq_observe_groups(&((const struct lsq_plan *)plan)->limit, t, y, out);
}

int lsq_op_stationary(const void *plan, double *out, char *note, size_t len)
{
  return lsq_stationary(&((const struct lsq_plan *)plan)->limit, out, note, len);
}

size_t lsq_op_recursion_dimension(const void *plan)
{
  return lsq_recursion_dimension(&((const struct lsq_plan *)plan)->limit);
}

void lsq_op_recursion_init(const void *plan, double *state)
{
  lsq_recursion_init(&((const struct lsq_plan *)plan)->limit, state);
}

void lsq_op_recursion_step(const void *plan, uint64_t k, double *state)
{
  lsq_recursion_step(&((const struct lsq_plan *)plan)->limit, k, state);
}

void lsq_op_recursion_observe(const void *plan, const double *state, double *out)
{
  lsq_recursion_observe(&((const struct lsq_plan *)plan)->limit, state, out);
}

int lsq_op_volterra(void *plan, const struct hd_run_params *run, const struct hd_output_grid *g,
                    double *values, char *msg, size_t msglen)
{
  return lsq_volterra(&((const struct lsq_plan *)plan)->limit, run, g, values, msg, msglen);
}

/* ---- simulation: the sgd system ---- */

size_t lsq_op_sim_state_size(const void *plan)
{
  return hd_lsq_sgd_state_size(&((const struct lsq_plan *)plan)->sgd);
}

void lsq_op_sim_start(const void *plan, uint64_t run, void *state)
{
  hd_lsq_sgd_start(&((const struct lsq_plan *)plan)->sgd, run, state);
}

int lsq_op_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                       uint64_t *bad_step)
{
  return hd_lsq_sgd_advance(&((const struct lsq_plan *)plan)->sgd, run, state, k0, k1, bad_step);
}

void lsq_op_sim_observe(const void *plan, const void *state, double *out)
{
  hd_lsq_sgd_observe(&((const struct lsq_plan *)plan)->sgd, state, out);
}
