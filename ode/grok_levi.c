/* grok_levi.c — the Levi et al. linear-estimator model (spec §4.1): closed forms, the
 * Marchenko-Pastur averages, its ODE, parameter table and registry entry.  See
 * grok_levi.h for the model. */
#include "memory_estimate.h"
#include "grok_levi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

double levi_i1e(double x)
{
  if (x < 40) {
    double term = 0.5 * x, sum = term, q = 0.25 * x * x;
    for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
      term *= q / ((double)k * (double)(k + 1));
      sum += term;
    }
    return sum * exp(-x);
  }
  /* e^{-x} I_1(x) ~ (2 pi x)^{-1/2} sum_k (-1)^k prod_{j<=k} (4 - (2j-1)^2) / (8 j x)^k */
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 60; k++) {
    double f = -(4.0 - (double)((2 * k - 1) * (2 * k - 1))) / (8.0 * k * x);
    if (fabs(f) >= 1) break; /* the asymptotic series starts to diverge */
    term *= f;
    sum += term;
    if (fabs(term) < 1e-17 * fabs(sum)) break;
  }
  return sum / sqrt(2 * M_PI * x);
}

/* L_tr(t) = e^{-4 eta (1 - sqrt(lambda))^2 t} i1e(x) / (x/2),  x = 8 eta t sqrt(lambda) */
double levi_train_flow(double eta, double lambda, double t)
{
  if (t <= 0) return 1.0;
  double sl = sqrt(lambda), x = 8 * eta * t * sl;
  return exp(-4 * eta * (1 - sl) * (1 - sl) * t) * levi_i1e(x) / (0.5 * x);
}

/* With s = 1 + lambda + 2 sqrt(lambda) cos(theta), rho(s) ds = (2/pi) sin^2(theta) / s dtheta
 * on (0, pi): the midpoint rule on this periodic analytic integrand converges
 * exponentially. */
void levi_mp_average(double eta, double lambda, double t, bool gd, size_t nodes, double *train,
                     double *gen)
{
  double c = 1 + lambda, r = 2 * sqrt(lambda), h = M_PI / (double)nodes, st = 0, sg = 0;
  for (size_t j = 0; j < nodes; j++) {
    double th = h * ((double)j + 0.5), s = c + r * cos(th), sn = sin(th);
    double decay = gd ? pow(1 - 2 * eta * s, 2 * t) : exp(-4 * eta * s * t);
    st += decay * sn * sn;
    sg += s > 0 ? decay * sn * sn / s : 0.0;
  }
  *train = (2 / M_PI) * h * st;
  *gen = (2 / M_PI) * h * sg + (lambda > 1 ? 1 - 1 / lambda : 0.0); /* null space: never learned */
}

double levi_accuracy(double acc_eps, double loss)
{
  return loss > 0 ? erf(sqrt(acc_eps / (2 * loss))) : 1.0;
}

/* ---- problem ------------------------------------------------------------------------- */

#define F(field) offsetof(struct levi_params, field)
static const char *const routes[] = {"eigen", "gd", NULL};

static const struct hd_param levi_table[] = {
  {"data", "d_in", HD_INT, F(d_in), NULL, 1, 1e5, HD_FINITE_SIZE, NULL, "", "input dimension", "§4.1"},
  {"data", "lambda", HD_REAL, F(lambda), NULL, 0, 1e3, HD_MIN_EXCL, NULL, "",
   "lambda = d_in / N_tr (N_tr rounded to the nearest integer)", "§4.1"},
  {"optimizer", "eta", HD_REAL, F(eta), NULL, 0, 1e3, HD_MIN_EXCL, NULL, "",
   "learning rate: D+ = (I - 2 eta Sigma_tr) D", "§4.1"},
  {"observables", "acc_eps", HD_REAL, F(acc_eps), "1e-3", 0, 1e6, HD_MIN_EXCL, NULL, "",
   "eps_acc of the accuracy A = erf(sqrt(eps_acc / (2 L)))", "§4.1"},
  {"simulation", "route", HD_ENUM, F(route), "eigen", 0, 0, 0, routes, "",
   "eigen: one dsyevd of Sigma_tr per run, then every output time exactly in O(d_in); gd: "
   "literal GD, two dgemv per step (the cross-check)", "§6.5"},
  {"theory", "quadrature", HD_INT, F(quadrature), "4000", 16, 1e7, 0, NULL, "",
   "Marchenko-Pastur quadrature nodes of the discrete-GD theory (method = recursion)", "§4.1"},
};

/* ~a minute of products per run on one core */
#define LEVI_MAX_PRODUCTS 5e10

static void levi_validate(const void *params, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  (void)run;
  const struct levi_params *p = params;
  double n = round((double)p->d_in / p->lambda);
  if (n < 1)
    hd_config_error(cfg, err, "data", "lambda", "lambda = %g leaves no training point at d_in = %ld",
                    p->lambda, p->d_in);
  /* every run draws its own N_tr x d_in data matrix and, on the eigen route, forms and
   * diagonalises its d_in x d_in covariance: refuse what cannot fit or would take hours */
  double d = (double)p->d_in, bytes = (n * d + d * d + 3 * d) * 8.0, products = n * d * d / 2;
  if (n >= 1 && (bytes > (double)hd_memory_available() || products > LEVI_MAX_PRODUCTS))
    hd_config_error(cfg, err, "data", "lambda",
                    "d_in = %ld with lambda = %g (N_tr = %.0f) needs %.3g GB and %.3g products "
                    "per run (at most %.0e); lower d_in or raise lambda", p->d_in, p->lambda, n,
                    bytes / 1e9, products, LEVI_MAX_PRODUCTS);
  double smax = (1 + sqrt(p->lambda)) * (1 + sqrt(p->lambda));
  if (2 * p->eta * smax >= 2)
    hd_config_error(cfg, err, "optimizer", "eta",
                    "eta = %g is beyond GD stability 1 / lambda_max(Sigma) ~ %g", p->eta,
                    1 / smax);
}

static void *levi_plan_create(const void *params, const struct hd_run_params *run,
                              const struct hd_config *cfg, struct hd_errors *err)
{
  (void)cfg, (void)err;
  struct levi_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct levi_params *)params;
  P->d = (size_t)P->p.d_in;
  P->n = (size_t)round((double)P->p.d_in / P->p.lambda);
  P->seed = (uint64_t)run->seed;
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

static void levi_plan_destroy(void *plan) { free(plan); }

static size_t levi_observables(const void *plan, const struct hd_observable **obs)
{
  *obs = ((const struct levi_plan *)plan)->obs;
  return LEVI_OBS_COUNT;
}

static double levi_steps_per_time(const void *plan)
{
  (void)plan;
  return 1.0;
}

static void fill(const struct levi_plan *P, double tr, double gen, double *out)
{
  out[LEVI_OBS_TRAIN] = tr;
  out[LEVI_OBS_GEN] = gen;
  out[LEVI_OBS_ACC_TRAIN] = levi_accuracy(P->p.acc_eps, tr);
  out[LEVI_OBS_ACC_GEN] = levi_accuracy(P->p.acc_eps, gen);
}

/* ODE: y = L_gen, L_gen' = -4 eta L_tr(t) */
static size_t levi_ode_dimension(const void *plan)
{
  (void)plan;
  return 1;
}

static int levi_rhs(double t, const double *y, double *dy, void *params)
{
  (void)y;
  const struct levi_plan *P = params;
  dy[0] = -4 * P->p.eta * levi_train_flow(P->p.eta, P->p.lambda, t);
  return 0;
}

static int levi_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  y0[0] = 1.0;
  *sys = (struct hd_ode_system){.dimension = 1, .rhs = levi_rhs, .params = plan};
  return 0;
}

static void levi_ode_observe(const void *plan, double t, const double *y, double *out)
{
  const struct levi_plan *P = plan;
  fill(P, levi_train_flow(P->p.eta, P->p.lambda, t), y[0], out);
}

/* Recursion: the state is the step count; observables are MP averages of the GD factor. */
static size_t levi_rec_dimension(const void *plan)
{
  (void)plan;
  return 1;
}

static void levi_rec_init(const void *plan, double *y)
{
  (void)plan;
  y[0] = 0;
}

static void levi_rec_step(const void *plan, uint64_t k, double *y)
{
  (void)plan;
  y[0] = (double)(k + 1);
}

static void levi_rec_observe(const void *plan, const double *y, double *out)
{
  const struct levi_plan *P = plan;
  double tr, gen;
  levi_mp_average(P->p.eta, P->p.lambda, y[0], true, (size_t)P->p.quadrature, &tr, &gen);
  fill(P, tr, gen, out);
}

const struct hd_problem hd_problem_grok_linear_estimator = {
  .name = "grok_linear_estimator",
  .summary = "grokking in linear estimators (Levi et al.): full-batch GD on Gaussian linear "
             "regression, Marchenko-Pastur closed form, its ODE and the finite-d Monte Carlo",
  .theory_doc = "docs/theory/grok.md",
  .params = levi_table,
  .n_params = sizeof levi_table / sizeof levi_table[0],
  .params_size = sizeof(struct levi_params),
  .validate = levi_validate,
  .plan_create = levi_plan_create,
  .plan_destroy = levi_plan_destroy,
  .observables = levi_observables,
  .steps_per_time = levi_steps_per_time,
  .ode_dimension = levi_ode_dimension,
  .ode = levi_ode,
  .ode_observe = levi_ode_observe,
  .recursion_dimension = levi_rec_dimension,
  .recursion_init = levi_rec_init,
  .recursion_step = levi_rec_step,
  .recursion_observe = levi_rec_observe,
  .sim_state_size = levi_sim_state_size,
  .sim_start = levi_sim_start,
  .sim_advance = levi_sim_advance,
  .sim_observe = levi_sim_observe,
};
