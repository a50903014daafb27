/* lsq_problem.c — streaming least squares as an hdsim problem: its parameter table (the
 * one source of truth for its model-file keys), validation, plan and registry entry.
 * Mathematics: shared/specs/streaming_least_squares.md (LS-1 ... LS-4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsq.h"
#include "rng.h"
#include "spectrum.h"

#define F(field) offsetof(struct lsq_params, field)

static const char *const spectra[] = {"isotropic", "zero_one", "power_law", "power_law_decay",
                                      "file", NULL};
static const char *const targets[] = {"random", "aligned", "source", "zero", NULL};
static const char *const laws[] = {"gaussian", "rademacher", NULL};
static const char *const schedules[] = {"constant", "step", "inverse_power", NULL};
static const char *const inits[] = {"zero", "random", NULL};

static const struct hd_param lsq_table[] = {
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "",
   "dimension of the data and of theta", "LS-1"},
  {"data", "spectrum", HD_ENUM, F(spectrum), "isotropic", 0, 0, 0, spectra, "",
   "covariance eigenvalues: isotropic (all 1), zero_one (a fraction zero, the rest equal), "
   "power_law (c (i/d)^alpha, bounded), power_law_decay (c i^-alpha: only with "
   "[theory] method = recursion), file", NULL},
  {"data", "alpha", HD_REAL, F(alpha), "1", 0, 20, HD_MIN_EXCL, NULL, "",
   "power-law exponent", NULL},
  {"data", "zero_fraction", HD_REAL, F(zero_fraction), "0.5", 0, 1, HD_MAX_EXCL, NULL, "",
   "fraction of zero eigenvalues (zero_one spectrum)", NULL},
  {"data", "spectrum_file", HD_PATH, F(spectrum_file), "", 0, 0, 0, NULL, "",
   "eigenvalues, one per line (text) or dataset /lambda (*.h5), relative to the model "
   "file; needs spectrum = file", NULL},
  {"data", "normalise", HD_BOOL, F(normalise), "false", 0, 0, 0, NULL, "",
   "rescale a file spectrum to mean 1 (generated spectra always have mean 1)", NULL},
  {"data", "target", HD_ENUM, F(target), "random", 0, 0, 0, targets, "",
   "theta* = p / sqrt(d): random (p_i ~ N(0,1), fixed by the seed), aligned (p_i = 1), "
   "source (p_i^2 ~ lambda_i^beta, mean 1), zero", NULL},
  {"data", "source_beta", HD_REAL, F(source_beta), "0", -10, 10, 0, NULL, "",
   "exponent beta of the source condition (target = source)", NULL},
  {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "",
   "standard deviation sigma of the label noise eps", "LS-1"},
  {"data", "distribution", HD_ENUM, F(distribution), "gaussian", 0, 0, 0, laws, "",
   "law of the whitened features z (unit variance); the ODE limit is the same for both",
   NULL},
  {"data", "bands", HD_INT, F(bands), "4", 1, 16, 0, NULL, "",
   "spectral bands (decades of lambda below lambda_max, the last one open) for the "
   "band-resolved error", NULL},
  {"optimizer", "lr", HD_REAL, F(lr), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
   "learning rate gamma; the SGD step is gamma/d", "LS-1"},
  {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "",
   "ridge penalty delta", "LS-1"},
  {"optimizer", "schedule", HD_ENUM, F(schedule), "constant", 0, 0, 0, schedules, "",
   "learning-rate schedule gamma(t): constant, step (lr * lr_factor^floor(t/lr_every)), "
   "inverse_power (lr / (1 + t/lr_t0)^lr_power)", NULL},
  {"optimizer", "lr_every", HD_REAL, F(lr_every), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t",
   "period of the step schedule", NULL},
  {"optimizer", "lr_factor", HD_REAL, F(lr_factor), "0.5", 0, 1e3, HD_MIN_EXCL, NULL, "",
   "factor of the step schedule", NULL},
  {"optimizer", "lr_t0", HD_REAL, F(lr_t0), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t",
   "time scale t0 of the inverse_power schedule", NULL},
  {"optimizer", "lr_power", HD_REAL, F(lr_power), "1", 0, 10, 0, NULL, "",
   "exponent of the inverse_power schedule", NULL},
  {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, inits, "",
   "theta_0 = 0, or random: theta_0 ~ N(0, init_scale^2 / d I), independent per run", NULL},
  {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
   "sigma_0 of the random initialisation", NULL},
};

static void lsq_validate(const void *params, const struct hd_run_params *run,
                         const struct hd_config *cfg, struct hd_errors *err)
{
  const struct lsq_params *p = params;
  if (p->spectrum == HD_SPECTRUM_FILE && p->spectrum_file[0] == '\0')
    hd_config_error(cfg, err, "data", "spectrum_file", "spectrum = file needs spectrum_file");
  if (p->spectrum != HD_SPECTRUM_FILE && p->spectrum_file[0] != '\0')
    hd_config_error(cfg, err, "data", "spectrum_file",
                    "spectrum_file is only read with spectrum = file");
  if (p->spectrum == HD_SPECTRUM_POWER_LAW_DECAY && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "theory", "method",
                    "spectrum = power_law_decay has top modes outside the ODE regime "
                    "(gamma lambda_1 / d = O(1)); use method = recursion (exact at finite d)");
  if (p->spectrum == HD_SPECTRUM_ZERO_ONE &&
      (long)llround(p->zero_fraction * (double)p->d) >= p->d)
    hd_config_error(cfg, err, "data", "zero_fraction",
                    "zero_fraction %g leaves no non-zero eigenvalue at d = %ld", p->zero_fraction,
                    p->d);
  if (p->target == LSQ_TARGET_SOURCE && p->source_beta < 0 && p->spectrum == HD_SPECTRUM_ZERO_ONE)
    hd_config_error(cfg, err, "data", "source_beta",
                    "a negative source exponent is undefined on zero eigenvalues");
}

/* ---- plan ------------------------------------------------------------------------ */

static int cmp_desc(const void *x, const void *y)
{
  double a = **(const double *const *)x, b = **(const double *const *)y;
  return (a < b) - (a > b);
}

/* Band of an eigenvalue: decade below lambda_max, the last band open to 0. */
static size_t band_of(double lam, double lam_max, size_t bands)
{
  if (!(lam > 0)) return bands - 1;
  double k = floor(log10(lam_max / lam) + 1e-12);
  if (k < 0) k = 0;
  return k >= (double)bands ? bands - 1 : (size_t)k;
}

static int build_bands(struct lsq_plan *P)
{
  size_t nb = (size_t)P->p.bands, d = P->d;
  double lam_max = 0;
  for (size_t i = 0; i < d; i++) lam_max = fmax(lam_max, P->lambda[i]);
  size_t *count = calloc(nb, sizeof *count), *map = calloc(nb, sizeof *map);
  for (size_t i = 0; i < d; i++) count[band_of(P->lambda[i], lam_max, nb)]++;
  size_t used = 0;
  for (size_t b = 0; b < nb; b++) map[b] = count[b] ? used++ : 0;
  P->n_bands = used;
  P->mode_band = malloc(d * sizeof *P->mode_band);
  for (size_t i = 0; i < d; i++) P->mode_band[i] = map[band_of(P->lambda[i], lam_max, nb)];
  for (size_t g = 0; g < P->n_groups; g++)
    P->g_band[g] = map[band_of(P->g_lambda[g], lam_max, nb)];

  P->n_obs = 2 + (used > 1 ? used : 0);
  P->obs = calloc(P->n_obs, sizeof *P->obs);
  struct hd_observable *o = P->obs;
  snprintf(o[0].name, HD_NAME_MAX, "risk");
  snprintf(o[0].description, HD_DESC_MAX,
           "population risk 1/2 (sum_i lambda_i e_i^2 + sigma^2) (LS-4)");
  o[0].log_x = o[0].log_y = 1;
  snprintf(o[1].name, HD_NAME_MAX, "distance");
  snprintf(o[1].description, HD_DESC_MAX, "distance to the target ||theta - theta*||^2");
  o[1].log_x = o[1].log_y = 1;
  if (used > 1) {
    for (size_t b = 0; b < nb; b++) {
      if (!count[b]) continue;
      struct hd_observable *ob = &o[2 + map[b]];
      double hi = lam_max * pow(10, -(double)b), lo = b + 1 < nb ? hi / 10 : 0;
      snprintf(ob->name, HD_NAME_MAX, "band_%zu", map[b]);
      snprintf(ob->description, HD_DESC_MAX,
               "e_i^2 summed over the %zu eigenvalues in %s%.3g, %.3g]", count[b],
               b + 1 < nb ? "(" : "[", lo, hi);
      ob->log_x = ob->log_y = 1;
    }
  }
  free(count);
  free(map);
  return 0;
}

/* Groups of equal eigenvalues (exact equality: generated spectra repeat values exactly). */
static void build_groups(struct lsq_plan *P)
{
  size_t d = P->d;
  const double **ord = malloc(d * sizeof *ord);
  for (size_t i = 0; i < d; i++) ord[i] = &P->lambda[i];
  qsort(ord, d, sizeof *ord, cmp_desc);
  size_t ng = 0;
  for (size_t i = 0; i < d; i++)
    if (i == 0 || *ord[i] != *ord[i - 1]) ng++;
  P->n_groups = ng;
  P->g_lambda = calloc(ng, sizeof(double));
  P->g_weight = calloc(ng, sizeof(double));
  P->g_c = calloc(ng, sizeof(double));
  P->g_band = calloc(ng, sizeof(size_t));
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && *ord[i] != *ord[i - 1]) g++;
    size_t mode = (size_t)(ord[i] - P->lambda);
    double pi = P->theta_star[mode] * sqrt((double)d);
    P->g_lambda[g] = *ord[i];
    P->g_weight[g] += 1.0;
    P->g_c[g] += pi * pi;
  }
  for (g = 0; g < ng; g++) {
    P->g_c[g] /= P->g_weight[g];
    P->g_weight[g] /= (double)d;
  }
  free(ord);
}

static void lsq_plan_destroy(void *plan)
{
  struct lsq_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->theta_star);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_c);
  free(P->g_band);
  free(P->mode_band);
  free(P->obs);
  free(P);
}

static void *lsq_plan_create(const void *params, const struct hd_run_params *run,
                             const struct hd_config *cfg, struct hd_errors *err)
{
  struct lsq_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct lsq_params *)params;
  P->d = (size_t)P->p.d;
  P->seed = (uint64_t)run->seed;
  size_t d = P->d;
  P->lambda = malloc(d * sizeof(double));
  P->theta_star = malloc(d * sizeof(double));

  char path[HD_STR_MAX * 2] = "", msg[512];
  if (P->p.spectrum == HD_SPECTRUM_FILE &&
      hd_config_resolve_path(cfg, P->p.spectrum_file, path, sizeof path) != 0) {
    hd_config_error(cfg, err, "data", "spectrum_file", "path too long");
    lsq_plan_destroy(P);
    return NULL;
  }
  if (hd_spectrum_fill(P->p.spectrum, d, P->p.alpha, P->p.zero_fraction, path, P->p.normalise,
                       P->lambda, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "data", P->p.spectrum == HD_SPECTRUM_FILE ? "spectrum_file" : "spectrum",
                    "%s", msg);
    lsq_plan_destroy(P);
    return NULL;
  }
  if (P->p.spectrum != HD_SPECTRUM_ISOTROPIC) {
    P->sqrt_lambda = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) P->sqrt_lambda[i] = sqrt(P->lambda[i]);
  }

  /* Target theta* = p / sqrt(d); a random target is drawn once per seed from the
   * problem-level TARGET stream, so every run shares it and the theory sees it too. */
  double sd = sqrt((double)d);
  switch (P->p.target) {
  case LSQ_TARGET_RANDOM: {
    struct hd_rng r;
    hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_TARGET, 0);
    hd_rng_normal_array(&r, P->theta_star, d);
    for (size_t i = 0; i < d; i++) P->theta_star[i] /= sd;
    break;
  }
  case LSQ_TARGET_ALIGNED:
    for (size_t i = 0; i < d; i++) P->theta_star[i] = 1.0 / sd;
    break;
  case LSQ_TARGET_SOURCE: {
    double s = 0;
    for (size_t i = 0; i < d; i++) {
      double v = P->lambda[i] > 0 ? pow(P->lambda[i], P->p.source_beta) : 0.0;
      P->theta_star[i] = v;
      s += v;
    }
    for (size_t i = 0; i < d; i++) P->theta_star[i] = sqrt(P->theta_star[i] * (double)d / s) / sd;
    break;
  }
  case LSQ_TARGET_ZERO:
    for (size_t i = 0; i < d; i++) P->theta_star[i] = 0.0;
    break;
  }

  P->schedule = (struct hd_schedule){.kind = P->p.schedule, .lr = P->p.lr,
                                     .every = P->p.lr_every, .factor = P->p.lr_factor,
                                     .t0 = P->p.lr_t0, .power = P->p.lr_power};
  P->n_breakpoints = hd_schedule_breakpoints(&P->schedule, run->horizon, P->breakpoints,
                                             sizeof P->breakpoints / sizeof P->breakpoints[0]);
  P->m4 = P->p.distribution == HD_FEATURES_RADEMACHER ? 1.0 : 3.0;
  P->kernel = (struct hd_lsq_kernel){.d = d, .sqrt_lambda = P->sqrt_lambda,
                                     .theta_star = P->theta_star, .ridge = P->p.ridge,
                                     .label_noise = P->p.label_noise,
                                     .law = (enum hd_feature_law)P->p.distribution,
                                     .lr = hd_schedule_lr, .lr_ctx = &P->schedule};
  build_groups(P);
  build_bands(P);

  if (P->p.spectrum == HD_SPECTRUM_POWER_LAW_DECAY)
    snprintf(P->note, sizeof P->note,
             "decaying power law: theory is the exact finite-d recursion (NS-2); the ODE "
             "limit does not apply (gamma lambda_1 / d = %.3g)",
             hd_schedule_max(&P->schedule, run->horizon) * P->lambda[0] / (double)d);
  /* Stability (spec, "Exact solutions"): gamma < 2 / mean(lambda) up to the forcing. */
  double mean_l = 0;
  for (size_t i = 0; i < d; i++) mean_l += P->lambda[i];
  mean_l /= (double)d;
  double gmax = hd_schedule_max(&P->schedule, run->horizon);
  if (P->note[0] == '\0' && gmax * mean_l >= 2.0)
    snprintf(P->note, sizeof P->note,
             "lr %g is beyond the stability bound 2 / mean(lambda) = %g: the risk diverges",
             gmax, 2.0 / mean_l);
  return P;
}

static size_t lsq_observables(const void *plan, const struct hd_observable **obs)
{
  const struct lsq_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

static double lsq_steps_per_time(const void *plan)
{
  return (double)((const struct lsq_plan *)plan)->d;
}

static const char *lsq_theory_note(const void *plan)
{
  const struct lsq_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

const struct hd_problem hd_problem_streaming_lsq = {
  .name = "streaming_lsq",
  .summary = "one-pass SGD on streaming least squares with label noise, ridge and "
             "learning-rate schedules (LS-1..LS-4)",
  .spec = "specs/streaming_least_squares.md",
  .params = lsq_table,
  .n_params = sizeof lsq_table / sizeof lsq_table[0],
  .params_size = sizeof(struct lsq_params),
  .validate = lsq_validate,
  .plan_create = lsq_plan_create,
  .plan_destroy = lsq_plan_destroy,
  .observables = lsq_observables,
  .steps_per_time = lsq_steps_per_time,
  .ode_dimension = lsq_ode_dimension,
  .ode = lsq_ode,
  .ode_observe = lsq_observe_groups,
  .recursion_dimension = lsq_recursion_dimension,
  .recursion_init = lsq_recursion_init,
  .recursion_step = lsq_recursion_step,
  .recursion_observe = lsq_recursion_observe,
  .theory_note = lsq_theory_note,
  .sim_state_size = lsq_sim_state_size,
  .sim_start = lsq_sim_start,
  .sim_advance = lsq_sim_advance,
  .sim_observe = lsq_sim_observe,
};
