/* grok_linear_estimator.c — grokking in linear estimators (Levi, Beck, Bar-Sinai,
 * ICLR 2024; docs/theory/grok.md §4.1) as an hdsim problem: a second, solvable
 * validation target of the grokking family.  Parameter table, validation, plan and ops
 * table; the limit is ode/grok_linear_estimator.c, the Monte Carlo
 * src/sim/grok_linear_estimator_sim.c.  Observables: the train and generalisation
 * losses and their accuracies A = erf(sqrt(eps_acc / (2 L))). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "memory_estimate.h"
#include "ode/grok_linear_estimator.h"
#include "problem.h"
#include "sim/grok_linear_estimator_sim.h"

struct gle_params {
  long d_in;
  double lambda; /* d_in / N_tr */
  double eta;
  double acc_eps;  /* eps_acc of the accuracy threshold */
  int route;       /* enum gle_route: simulation */
  long quadrature; /* MP quadrature nodes */
};

struct gle_plan {
  struct gle_params p;
  struct gle_limit lim;
  struct gle_sim sim;
  struct hd_observable obs[4];
};

enum { GLE_OBS_TRAIN, GLE_OBS_GEN, GLE_OBS_ACC_TRAIN, GLE_OBS_ACC_GEN, GLE_OBS_COUNT };

#define F(field) offsetof(struct gle_params, field)
static const char *const routes[] = {"eigen", "gd", NULL}; /* enum gle_route */

static const struct hd_param gle_table[] = {
    {"data", "d_in", HD_INT, F(d_in), NULL, 1, 1e5, HD_FINITE_SIZE, NULL, "", "input dimension",
     "§4.1"},
    {"data", "lambda", HD_REAL, F(lambda), NULL, 0, 1e3, HD_MIN_EXCL, NULL, "",
     "lambda = d_in / N_tr (N_tr rounded to the nearest integer)", "§4.1"},
    {"optimizer", "eta", HD_REAL, F(eta), NULL, 0, 1e3, HD_MIN_EXCL, NULL, "",
     "learning rate: D+ = (I - 2 eta Sigma_tr) D", "§4.1"},
    {"observables", "acc_eps", HD_REAL, F(acc_eps), "1e-3", 0, 1e6, HD_MIN_EXCL, NULL, "",
     "eps_acc of the accuracy A = erf(sqrt(eps_acc / (2 L)))", "§4.1"},
    {"simulation", "route", HD_ENUM, F(route), "eigen", 0, 0, 0, routes, "",
     "eigen: one dsyevd of Sigma_tr per run, then every output time exactly in O(d_in); gd: "
     "literal GD, two dgemv per step (the cross-check)",
     "§6.5"},
    {"theory", "quadrature", HD_INT, F(quadrature), "4000", 16, 1e7, 0, NULL, "",
     "Marchenko-Pastur quadrature nodes of the discrete-GD theory (method = recursion)", "§4.1"},
};

/* ~a minute of products per run on one core */
#define LEVI_MAX_PRODUCTS 5e10

static void gle_validate(const void *params, const struct hd_run_params *run,
                         const struct hd_config *cfg, struct hd_errors *err)
{
  (void)run;
  const struct gle_params *p = params;
  double n = round((double)p->d_in / p->lambda);
  if (n < 1)
    hd_config_error(cfg, err, "data", "lambda",
                    "lambda = %g leaves no training point at d_in = %ld", p->lambda, p->d_in);
  /* every run draws its own N_tr x d_in data matrix and, on the eigen route, forms and
   * diagonalises its d_in x d_in covariance: refuse what cannot fit or would take hours */
  double d = (double)p->d_in, bytes = (n * d + d * d + 3 * d) * 8.0, products = n * d * d / 2;
  if (n >= 1 && (bytes > (double)hd_memory_available() || products > LEVI_MAX_PRODUCTS))
    hd_config_error(cfg, err, "data", "lambda",
                    "d_in = %ld with lambda = %g (N_tr = %.0f) needs %.3g GB and %.3g products "
                    "per run (at most %.0e); lower d_in or raise lambda",
                    p->d_in, p->lambda, n, bytes / 1e9, products, LEVI_MAX_PRODUCTS);
  double smax = (1 + sqrt(p->lambda)) * (1 + sqrt(p->lambda));
  if (2 * p->eta * smax >= 2)
    hd_config_error(cfg, err, "optimizer", "eta",
                    "eta = %g is beyond GD stability 1 / lambda_max(Sigma) ~ %g", p->eta, 1 / smax);
}

/* gle_plan_bytes' figures and the run state from the parameters alone: a run's data
 * matrix (N_tr x d_in) and, on the eigen route, its covariance; the theory's
 * Marchenko-Pastur nodes. */
static void gle_memory_need(const void *params, const struct hd_run_params *run,
                            const struct hd_config *cfg, struct hd_memory_need *need)
{
  (void)run, (void)cfg;
  const struct gle_params *p = params;
  double d = (double)p->d_in, n = round(d / p->lambda);
  bool gd = p->route == GLE_ROUTE_GD;
  need->plan = sizeof(struct gle_plan);
  need->theory = hd_memory_bytes(3 * (double)p->quadrature * 8);
  need->state = hd_memory_bytes((1 + (gd ? d + n * d + n : 2 * d)) * 8);
  need->thread = hd_memory_bytes((n * d + 2 * d + (gd ? 0 : d * d)) * 8);
  need->n_obs = GLE_OBS_COUNT;
  need->steps_per_time = 1;
}

static void *gle_plan_create(const void *params, const struct hd_run_params *run,
                             const struct hd_config *cfg, struct hd_errors *err)
{
  (void)cfg, (void)err;
  struct gle_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct gle_params *)params;
  P->lim = (struct gle_limit){
      .eta = P->p.eta, .lambda = P->p.lambda, .nodes = (size_t)P->p.quadrature};
  P->sim = (struct gle_sim){.d = (size_t)P->p.d_in,
                            .n = (size_t)round((double)P->p.d_in / P->p.lambda),
                            .eta = P->p.eta,
                            .route = P->p.route,
                            .seed = (uint64_t)run->seed};
  const char *names[4] = {"train", "gen", "acc_train", "acc_gen"};
  const char *desc[4] = {"train loss D^T Sigma_tr D (§4.1)", "generalisation loss |D|^2 (§4.1)",
                         "train accuracy erf(sqrt(eps_acc / (2 L_tr)))",
                         "test accuracy erf(sqrt(eps_acc / (2 L_gen)))"};
  for (int o = 0; o < 4; o++) {
    snprintf(P->obs[o].name, HD_NAME_MAX, "%s", names[o]);
    snprintf(P->obs[o].description, HD_DESC_MAX, "%s", desc[o]);
    P->obs[o].log_x = 1;
    P->obs[o].log_y = o < 2;
  }
  return P;
}

static void gle_plan_destroy(void *plan) { free(plan); }

static void gle_plan_print(const void *plan, FILE *out)
{
  const struct gle_plan *P = plan;
  fprintf(out, "data: d_in = %zu, N_tr = %zu training points per run\n", P->sim.d, P->sim.n);
  fprintf(out,
          "theory: gradient flow, 1 value (closed-form L_tr); discrete GD, "
          "Marchenko-Pastur quadrature on %zu nodes\n",
          P->lim.nodes);
  fprintf(out, "simulation: %s, %zu bytes per run\n",
          P->sim.route == GLE_ROUTE_GD ? "literal GD, two dgemv per step"
                                       : "one dsyevd of Sigma_tr per run",
          gle_sim_state_size(&P->sim));
}

static size_t gle_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct gle_plan *P = plan;
  size_t d = P->sim.d, n = P->sim.n;
  *theory_bytes = 0;
  /* a run's start: X, D0, T, and Sigma_tr for the eigen route */
  *thread_bytes = (n * d + 2 * d + (P->sim.route == GLE_ROUTE_GD ? 0 : d * d)) * sizeof(double);
  return sizeof *P;
}

static size_t gle_observables(const void *plan, const struct hd_observable **obs)
{
  *obs = ((const struct gle_plan *)plan)->obs;
  return GLE_OBS_COUNT;
}

static double gle_steps_per_time(const void *plan)
{
  (void)plan;
  return 1.0;
}

static double accuracy(double acc_eps, double loss)
{
  return loss > 0 ? erf(sqrt(acc_eps / (2 * loss))) : 1.0;
}

static void fill(const struct gle_plan *P, double tr, double gen, double *out)
{
  out[GLE_OBS_TRAIN] = tr;
  out[GLE_OBS_GEN] = gen;
  out[GLE_OBS_ACC_TRAIN] = accuracy(P->p.acc_eps, tr);
  out[GLE_OBS_ACC_GEN] = accuracy(P->p.acc_eps, gen);
}

/* ODE: y = L_gen, L_gen' = -4 eta L_tr(t) */
static size_t gle_ode_dimension(const void *plan)
{
  (void)plan;
  return 1;
}

static int gle_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  return gle_flow_ode(&((struct gle_plan *)plan)->lim, sys, y0);
}

static void gle_ode_observe(const void *plan, double t, const double *y, double *out)
{
  const struct gle_plan *P = plan;
  fill(P, gle_train_flow(P->lim.eta, P->lim.lambda, t), y[0], out);
}

/* t = infinity in closed form (GLE-inf, grok.md §4.1): the training loss vanishes and
 * the part of D in the null space of Sigma_tr, a fraction max(0, 1 - 1/lambda) of
 * |D0|^2 = 1, is never learned. */
static int gle_stationary(const void *plan, double *out, char *note, size_t len)
{
  const struct gle_plan *P = plan;
  fill(P, 0.0, fmax(0.0, 1 - 1 / P->p.lambda), out);
  snprintf(note, len,
           "closed form GLE-inf (grok.md §4.1): L_tr = 0, L_gen = max(0, 1 - 1/lambda) = %.17g",
           out[GLE_OBS_GEN]);
  return HD_STATIONARY_CLOSED;
}

/* Recursion: the state is the step count; observables are MP averages of the GD factor. */
static size_t gle_rec_dimension(const void *plan)
{
  (void)plan;
  return 1;
}

static void gle_rec_init(const void *plan, double *y)
{
  (void)plan;
  y[0] = 0;
}

static void gle_rec_step(const void *plan, uint64_t k, double *y)
{
  (void)plan;
  y[0] = (double)(k + 1);
}

static void gle_rec_observe(const void *plan, const double *y, double *out)
{
  const struct gle_plan *P = plan;
  double tr, gen;
  gle_gd_losses(&P->lim, y[0], &tr, &gen);
  fill(P, tr, gen, out);
}

static size_t gle_state_size(const void *plan)
{
  return gle_sim_state_size(&((const struct gle_plan *)plan)->sim);
}

static void gle_start(const void *plan, uint64_t run, void *state)
{
  gle_sim_start(&((const struct gle_plan *)plan)->sim, run, state);
}

static int gle_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                       uint64_t *bad_step)
{
  (void)run; /* a run's randomness is all in its start */
  return gle_sim_advance(&((const struct gle_plan *)plan)->sim, state, k0, k1, bad_step);
}

static void gle_observe(const void *plan, const void *state, double *out)
{
  const struct gle_plan *P = plan;
  double tr, gen;
  gle_sim_losses(&P->sim, state, &tr, &gen);
  fill(P, tr, gen, out);
}

const struct hd_problem hd_problem_grok_linear_estimator = {
    .name = "grok_linear_estimator",
    .summary = "grokking in linear estimators (Levi et al.): full-batch GD on Gaussian linear "
               "regression, Marchenko-Pastur closed form, its ODE and the finite-d Monte Carlo",
    .theory_doc = "docs/theory/grok.md",
    .time_meaning = "t = GD steps",
    .params = gle_table,
    .n_params = sizeof gle_table / sizeof gle_table[0],
    .params_size = sizeof(struct gle_params),
    .validate = gle_validate,
    .memory_need = gle_memory_need,
    .plan_create = gle_plan_create,
    .plan_destroy = gle_plan_destroy,
    .observables = gle_observables,
    .steps_per_time = gle_steps_per_time,
    .plan_print = gle_plan_print,
    .plan_bytes = gle_plan_bytes,
    .ode_dimension = gle_ode_dimension,
    .ode = gle_ode,
    .ode_observe = gle_ode_observe,
    .stationary = gle_stationary,
    .recursion_dimension = gle_rec_dimension,
    .recursion_init = gle_rec_init,
    .recursion_step = gle_rec_step,
    .recursion_observe = gle_rec_observe,
    .sim_state_size = gle_state_size,
    .sim_start = gle_start,
    .sim_advance = gle_advance,
    .sim_observe = gle_observe,
};
