/* theory.c — the deterministic side of every output file. */
#include "theory.h"
#include "clock.h"
#include "fixed_point.h"

#include "interrupt.h"
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { return hd_now(); }

struct observe_ctx {
  const struct hd_problem *pb;
  const void *plan;
  struct hd_theory_result *res;
  double *buf;
  double horizon;
  double *y_last; /* the state at the last output time */
};

/* Progress of the theory: its time against the last output time. */
static void report_t(double t, double horizon)
{
  char detail[64];
  snprintf(detail, sizeof detail, "t = %.3g of %.3g", t, horizon);
  hd_progress_update(t, horizon, detail);
}

static int store(struct hd_theory_result *res, size_t k, const double *v)
{
  int finite = 1;
  for (size_t o = 0; o < res->n_obs; o++) {
    res->values[o * res->n_times + k] = v[o];
    finite = finite && isfinite(v[o]);
  }
  return finite ? 0 : 1;
}

static int on_output(size_t k, double t, const double *y, void *vctx)
{
  struct observe_ctx *c = vctx;
  if (hd_interrupted()) {
    c->res->t_fail = t;
    snprintf(c->res->message, sizeof c->res->message, "interrupted by a signal at t = %g", t);
    return 2;
  }
  report_t(t, c->horizon);
  if (c->y_last && k + 1 == c->res->n_times) memcpy(c->y_last, y, c->res->dimension * sizeof *y);
  c->pb->ode_observe(c->plan, t, y, c->buf);
  if (store(c->res, k, c->buf) != 0) {
    c->res->t_fail = t;
    snprintf(c->res->message, sizeof c->res->message, "theory observable not finite at t = %g", t);
    return 1;
  }
  return 0;
}

/* The stable fixed point of the autonomous limit ODE, from the last integrated state
 * y (overwritten), observed there; or the reason there is none in the note. */
static void ode_fixed_point(const struct hd_problem *pb, void *plan,
                            const struct hd_ode_system *sys, double t_end, double *y,
                            struct hd_theory_result *res)
{
  char what[160], msg[200];
  size_t m = strnlen(res->stationary_note, sizeof what - 1);
  memcpy(what, res->stationary_note, m); /* the problem's words on the ODE, if any */
  what[m] = '\0';
  res->has_stationary = 0;
  if (!hd_fixed_point_autonomous(sys, t_end, 2 * t_end + 1, y)) {
    snprintf(res->stationary_note, sizeof res->stationary_note,
             "none: the limit ODE depends on t (not autonomous), so it has no fixed point");
    return;
  }
  struct hd_fixed_point_info info;
  if (hd_fixed_point(sys, t_end, y, &info, msg, sizeof msg) != 0) {
    snprintf(res->stationary_note, sizeof res->stationary_note,
             "none: no stable fixed point of the limit ODE found from the state at t = %g: %s",
             t_end, msg);
    return;
  }
  pb->ode_observe(plan, t_end, y, res->stationary);
  res->has_stationary = 1;
  snprintf(res->stationary_note, sizeof res->stationary_note,
           "fixed point of the limit ODE%s%s, |F| = %.3g: damped Newton from the state at t = "
           "%g (%d iterations, %s Jacobian), stable: max Re eig J = %.6g",
           what[0] ? " " : "", what, info.residual, t_end, info.iterations,
           info.exact_jacobian ? "the system's" : "central-difference", info.max_real);
}

static int run_ode(const struct hd_problem *pb, void *plan, const struct hd_output_grid *g,
                   const struct hd_run_params *run, struct hd_theory_result *res, double *buf)
{
  size_t n = pb->ode_dimension(plan);
  res->dimension = n;
  double *y0 = calloc(n, sizeof *y0);
  struct hd_ode_system sys = {0};
  pb->ode(plan, &sys, y0);
  struct hd_integrate_opts opts = {.rtol = run->rtol,
                                   .atol = run->atol,
                                   .max_steps = run->max_steps,
                                   .linsol = (enum hd_linsol)run->linear_solver};
  struct observe_ctx ctx = {
      .pb = pb, .plan = plan, .res = res, .buf = buf, .horizon = g->t[g->n - 1]};
  if (res->has_stationary == HD_STATIONARY_FIXED_POINT) ctx.y_last = malloc(n * sizeof *y0);
  int rc = hd_integrate(&sys, y0, g->t, g->n, &opts, on_output, &ctx, &res->stats);
  if (rc == 0 && ctx.y_last) ode_fixed_point(pb, plan, &sys, g->t[g->n - 1], ctx.y_last, res);
  free(ctx.y_last);
  free(y0);
  if (rc != 0) {
    res->failed = 1;
    if (res->message[0] == '\0' && hd_interrupted()) {
      res->t_fail = res->stats.t_fail;
      snprintf(res->message, sizeof res->message, "interrupted by a signal at t = %g", res->t_fail);
    } else if (res->message[0] == '\0') {
      res->t_fail = res->stats.t_fail;
      snprintf(res->message, sizeof res->message, "%s", res->stats.message);
    }
    return 1;
  }
  return 0;
}

static int run_recursion(const struct hd_problem *pb, void *plan, const struct hd_output_grid *g,
                         struct hd_theory_result *res, double *buf)
{
  size_t n = pb->recursion_dimension(plan);
  res->dimension = n;
  double *s = calloc(n, sizeof *s);
  pb->recursion_init(plan, s);
  uint64_t k = 0;
  int rc = 0;
  for (size_t j = 0; j < g->n && rc == 0; j++) {
    /* a step can take tens of milliseconds (the sampled DMFT) and output times can be
     * 10^4 steps apart: the flag is polled every step, not every output */
    for (; k < g->steps[j] && !hd_interrupted(); k++) pb->recursion_step(plan, k, s);
    if (hd_interrupted()) {
      res->failed = 1;
      res->t_fail = g->t[j];
      snprintf(res->message, sizeof res->message, "interrupted by a signal at step %llu",
               (unsigned long long)k);
      rc = 1;
      break;
    }
    pb->recursion_observe(plan, s, buf);
    report_t(g->t[j], g->t[g->n - 1]);
    if (store(res, j, buf) != 0) {
      res->failed = 1;
      res->t_fail = g->t[j];
      snprintf(res->message, sizeof res->message,
               "recursion produced a non-finite observable at t = %g (step %llu)", g->t[j],
               (unsigned long long)k);
      rc = 1;
    }
  }
  free(s);
  return rc;
}

static int run_volterra(const struct hd_problem *pb, void *plan, const struct hd_output_grid *g,
                        const struct hd_run_params *run, struct hd_theory_result *res)
{
  if (pb->volterra(plan, run, g, res->values, res->message, sizeof res->message) != 0) {
    res->failed = 1;
    res->t_fail = 0;
    return 1;
  }
  for (size_t j = 0; j < g->n; j++)
    for (size_t o = 0; o < res->n_obs; o++)
      if (!isfinite(res->values[o * g->n + j])) {
        res->failed = 1;
        res->t_fail = g->t[j];
        snprintf(res->message, sizeof res->message,
                 "Volterra theory: observable not finite at t = %g", g->t[j]);
        return 1;
      }
  return 0;
}

/* What the problem says about t = infinity, before the theory runs: values in closed
 * form (has_stationary = 1), a fixed point to look for after the integration
 * (has_stationary = HD_STATIONARY_FIXED_POINT until then), or why there is none. */
static void ask_stationary(const struct hd_problem *pb, void *plan,
                           const struct hd_run_params *run, struct hd_theory_result *res)
{
  if (run->method != HD_THEORY_ODE && run->method != HD_THEORY_VOLTERRA) return;
  char *note = res->stationary_note;
  size_t len = sizeof res->stationary_note;
  if (!pb->stationary) {
    snprintf(note, len, "none: the %s limit has no stationary value implemented", pb->name);
    return;
  }
  res->stationary = malloc((res->n_obs ? res->n_obs : 1) * sizeof *res->stationary);
  if (!res->stationary) {
    snprintf(note, len, "none: out of memory");
    return;
  }
  for (size_t o = 0; o < res->n_obs; o++) res->stationary[o] = NAN;
  int kind = pb->stationary(plan, res->stationary, note, len);
  if (kind == HD_STATIONARY_FIXED_POINT && run->method != HD_THEORY_ODE) {
    snprintf(note, len, "none: a fixed point is sought for method = ode only");
    kind = HD_STATIONARY_NONE;
  }
  res->has_stationary = kind;
}

int hd_theory_run(const struct hd_problem *pb, void *plan, const struct hd_output_grid *g,
                  const struct hd_run_params *run, struct hd_theory_result *res)
{
  const struct hd_observable *obs;
  memset(res, 0, sizeof *res);
  res->n_obs = pb->observables(plan, &obs);
  res->n_times = g->n;
  res->method = run->method;
  res->t_fail = NAN;
  res->values = malloc(res->n_obs * g->n * sizeof(double));
  for (size_t i = 0; i < res->n_obs * g->n; i++) res->values[i] = NAN;
  double *buf = malloc(res->n_obs * sizeof *buf);
  double t0 = now();
  int rc = 0;
  ask_stationary(pb, plan, run, res);
  hd_progress_begin("theory");
  if (run->method == HD_THEORY_ODE) rc = run_ode(pb, plan, g, run, res, buf);
  else if (run->method == HD_THEORY_RECURSION) rc = run_recursion(pb, plan, g, res, buf);
  else if (run->method == HD_THEORY_VOLTERRA) rc = run_volterra(pb, plan, g, run, res);
  res->seconds = now() - t0;
  hd_progress_end();
  if (res->has_stationary == HD_STATIONARY_FIXED_POINT) { /* the ODE did not finish */
    res->has_stationary = 0;
    snprintf(res->stationary_note, sizeof res->stationary_note,
             "none: the fixed point is sought from the end of a finished integration");
  }
  /* values after a failure are NaN, never stale */
  if (rc != 0)
    for (size_t o = 0; o < res->n_obs; o++)
      for (size_t j = 0; j < g->n; j++)
        if (g->t[j] >= res->t_fail) res->values[o * g->n + j] = NAN;
  free(buf);
  return rc;
}

void hd_theory_result_free(struct hd_theory_result *res)
{
  free(res->values);
  free(res->binning_error);
  free(res->stationary);
  res->values = NULL;
  res->binning_error = NULL;
  res->stationary = NULL;
}

void hd_theory_binning_error(const struct hd_problem *pb, const void *params,
                             const struct hd_run_params *run, const struct hd_config *cfg,
                             const struct hd_output_grid *g, struct hd_theory_result *res)
{
  struct hd_run_params run2 = *run;
  run2.bins = 2 * run->bins;
  struct hd_errors err;
  hd_errors_init(&err);
  hd_interrupt_planning(1);
  void *plan2 = pb->plan_create(params, &run2, cfg, &err);
  hd_interrupt_planning(0);
  hd_errors_free(&err);
  if (!plan2) return;
  struct hd_theory_result th2;
  if (hd_theory_run(pb, plan2, g, &run2, &th2) == 0) {
    res->binning_error = malloc(res->n_obs * sizeof(double));
    for (size_t o = 0; o < res->n_obs; o++) {
      double e = 0;
      for (size_t j = 0; j < g->n; j++) {
        double a = res->values[o * g->n + j], b = th2.values[o * g->n + j];
        if (b != 0 && isfinite(a) && isfinite(b)) e = fmax(e, fabs(a - b) / fabs(b));
      }
      res->binning_error[o] = e;
    }
    if (th2.dimension == res->dimension && res->dimension > 0) /* 0: no state (volterra) */
      snprintf(res->binning_note, sizeof res->binning_note,
               "bins = %ld changed nothing: the problem does not bin its spectrum, or it has "
               "at most %ld distinct eigenvalues",
               run->bins, run->bins);
  }
  hd_theory_result_free(&th2);
  pb->plan_destroy(plan2);
}
