/* lsq_problem.c — streaming least squares as an hdsim problem: its parameter table (the
 * one source of truth for its model-file keys), validation, plan and registry entry.
 * Mathematics: shared/specs/streaming_least_squares.md (LS-1 ... LS-4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsq.h"
#include "lsq_table.h"
#include "rng.h"
#include "spectrum.h"

const char *const lsq_targets[] = {"random", "aligned", "source", "zero", NULL};
static const char *const laws[] = {"gaussian", "rademacher", NULL};
static const char *const inits[] = {"zero", "random", NULL};

static const struct hd_param lsq_table[] = {
  LSQ_PARAM_ROWS(laws, inits)
};

/* spectrum = stationary (src/sim/lsq_stationary.c): the pixel-basis simulation draws
 * Gaussian x = C^{1/2} z, whose eigen-coordinates are again iid N(0, lambda) — the law the
 * theory (LS-2..LS-4, NS-2) assumes.  Rademacher z coloured by C^{1/2} is not that law, and
 * the noisy kernel (noise, batches, clipping, fixed datasets, a fixed theta_0, privacy)
 * works in the eigenbasis only: those combinations are refused here. */
static void validate_stationary(const struct lsq_params *p, const struct hd_config *cfg,
                                struct hd_errors *err)
{
  static const char *const keys[] = {"signal_dims", "spectral_exponent", "corner_frequency"};
  if (p->spectrum.kind != HD_SPECTRUM_STATIONARY) {
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if (hd_config_has(cfg, "data", keys[i]))
        hd_config_error(cfg, err, "data", keys[i], "%s is only read with spectrum = stationary",
                        keys[i]);
    return;
  }
  if (p->signal_dims == 2) {
    long n = (long)llround(sqrt((double)p->d));
    if (n * n != p->d || n < 2)
      hd_config_error(cfg, err, "data", "d",
                      "signal_dims = 2 makes a sqrt(d) x sqrt(d) image: d = %ld is not a perfect "
                      "square >= 4", p->d);
  } else if (p->d < 2) {
    hd_config_error(cfg, err, "data", "d", "a stationary signal needs d >= 2");
  }
  const char *why = " (the pixel-basis FFT simulation covers plain streaming SGD with "
                    "Gaussian features)";
  if (p->distribution != HD_FEATURES_GAUSSIAN)
    hd_config_error(cfg, err, "data", "distribution",
                    "spectrum = stationary needs distribution = gaussian: coloured non-Gaussian "
                    "z does not have independent eigen-coordinates%s", why);
  if (p->noise != 0)
    hd_config_error(cfg, err, "noise", "sigma", "injected noise is not supported with spectrum = "
                    "stationary%s", why);
  if (p->batch > 1)
    hd_config_error(cfg, err, "noise", "batch", "mini-batches are not supported with spectrum = "
                    "stationary%s", why);
  if (p->clip > 0)
    hd_config_error(cfg, err, "noise", "clip", "clipping is not supported with spectrum = "
                    "stationary%s", why);
  if (p->dataset == LSQ_DATA_FIXED)
    hd_config_error(cfg, err, "noise", "dataset", "a fixed dataset is not supported with "
                    "spectrum = stationary%s", why);
  if (p->init == LSQ_INIT_FIXED)
    hd_config_error(cfg, err, "optimizer", "init", "init = fixed is not supported with "
                    "spectrum = stationary%s", why);
  if (p->privacy)
    hd_config_error(cfg, err, "privacy", "enabled", "the privacy theory is not supported with "
                    "spectrum = stationary%s", why);
}

void lsq_validate(const void *params, const struct hd_run_params *run,
                         const struct hd_config *cfg, struct hd_errors *err)
{
  const struct lsq_params *p = params;
  hd_spectrum_params_check(&p->spectrum, cfg, err);
  if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "theory", "method",
                    "spectrum = power_law_decay has top modes outside the ODE regime "
                    "(gamma lambda_1 / d = O(1)); use method = recursion (exact at finite d)");
  if (p->spectrum.kind == HD_SPECTRUM_ZERO_ONE &&
      (long)llround(p->spectrum.zero_fraction * (double)p->d) >= p->d)
    hd_config_error(cfg, err, "data", "zero_fraction",
                    "zero_fraction %g leaves no non-zero eigenvalue at d = %ld", p->spectrum.zero_fraction,
                    p->d);
  if (run->method == HD_THEORY_VOLTERRA) { /* renewal form: constant gamma, linear (§2.3) */
    if (p->schedule.kind != HD_SCHEDULE_CONSTANT)
      hd_config_error(cfg, err, "optimizer", "schedule", "[theory] method = volterra needs a "
                      "constant learning rate (schedule = constant); use method = ode");
    if (p->clip > 0)
      hd_config_error(cfg, err, "noise", "clip", "[theory] method = volterra has no clipping "
                      "(NS-12 is not linear in R); use method = ode");
    if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
      hd_config_error(cfg, err, "theory", "method", "spectrum = power_law_decay is outside the "
                      "d -> infinity limit; use method = recursion");
    if (p->batch > 1 && (double)p->batch > 0.1 * (double)p->d)
      hd_config_error(cfg, err, "noise", "batch", "batch %ld is not << d = %ld: the limit "
                      "needs B << d (use method = recursion)", p->batch, p->d);
  }
  if (p->target == LSQ_TARGET_SOURCE && p->source_beta < 0 && p->spectrum.kind == HD_SPECTRUM_ZERO_ONE)
    hd_config_error(cfg, err, "data", "source_beta",
                    "a negative source exponent is undefined on zero eigenvalues");
  validate_stationary(p, cfg, err);
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
/* Where the sorted spectrum (largest first) starts a new group.  Exact: at every change
 * of value.  Binned ([theory] bins = N): at a change of quantile bin (N/2 bins of equal
 * count, which resolve where most modes are) or of logarithmic bin (N/2 bins of equal
 * width in log lambda, which resolve the few large eigenvalues the risk is most
 * sensitive to), and always between zero and non-zero eigenvalues. */
struct grouping {
  long bins;
  size_t d;
  double log_max, log_span;
};

static size_t log_bin(const struct grouping *G, double lam)
{
  if (!(lam > 0) || G->log_span <= 0) return 0;
  double u = (G->log_max - log(lam)) / G->log_span * (double)(G->bins / 2);
  size_t b = (size_t)u;
  return b >= (size_t)(G->bins / 2) ? (size_t)(G->bins / 2) - 1 : b;
}

static int new_group(const struct grouping *G, const double *const *ord, size_t i)
{
  if (i == 0) return 1;
  double a = *ord[i - 1], b = *ord[i];
  if (G->bins <= 0 || a == b) return a != b;
  if ((a > 0) != (b > 0)) return 1;
  size_t half = (size_t)(G->bins / 2);
  return (i - 1) * half / G->d != i * half / G->d || log_bin(G, a) != log_bin(G, b);
}

static void build_groups(struct lsq_plan *P, long bins)
{
  size_t d = P->d;
  const double **ord = malloc(d * sizeof *ord);
  for (size_t i = 0; i < d; i++) ord[i] = &P->lambda[i];
  qsort(ord, d, sizeof *ord, cmp_desc);
  struct grouping G = {.bins = bins >= 2 ? bins : (bins > 0 ? 2 : 0), .d = d};
  double lo = 0;
  for (size_t i = d; i-- > 0;)
    if (*ord[i] > 0) { lo = *ord[i]; break; }
  if (lo > 0) {
    G.log_max = log(*ord[0]);
    G.log_span = G.log_max - log(lo);
  }
  size_t ng = 0;
  for (size_t i = 0; i < d; i++) ng += (size_t)new_group(&G, ord, i);
  P->n_groups = ng;
  P->g_lambda = calloc(ng, sizeof(double));
  P->g_weight = calloc(ng, sizeof(double));
  P->g_c = calloc(ng, sizeof(double));
  P->g_band = calloc(ng, sizeof(size_t));
  if (P->theta_0) {
    P->g_m00 = calloc(ng, sizeof(double));
    P->g_m0p = calloc(ng, sizeof(double));
  }
  P->mode_group = malloc(d * sizeof(size_t));
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && new_group(&G, ord, i)) g++;
    size_t mode = (size_t)(ord[i] - P->lambda);
    P->mode_group[mode] = g;
    double pi = P->theta_star[mode] * sqrt((double)d);
    if (G.bins) P->g_lambda[g] += *ord[i]; /* a bin's mean eigenvalue */
    else P->g_lambda[g] = *ord[i];
    P->g_weight[g] += 1.0;
    P->g_c[g] += pi * pi;
    if (P->theta_0) { /* mu_i(0) = sqrt(d) (theta_0,i - theta*_i) */
      double mu0 = sqrt((double)d) * (P->theta_0[mode] - P->theta_star[mode]);
      P->g_m00[g] += mu0 * mu0;
      P->g_m0p[g] += pi * mu0;
    }
  }
  for (g = 0; g < ng; g++) {
    if (P->theta_0) {
      P->g_m00[g] /= P->g_weight[g];
      P->g_m0p[g] /= P->g_weight[g];
    }
    P->g_c[g] /= P->g_weight[g];
    if (G.bins) P->g_lambda[g] /= P->g_weight[g];
    P->g_weight[g] /= (double)d;
  }
  P->g_wl = malloc(ng * sizeof(double));
  for (size_t g = 0; g < ng; g++) P->g_wl[g] = P->g_weight[g] * P->g_lambda[g];
  free(ord);
}

void lsq_plan_destroy(void *plan)
{
  struct lsq_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->theta_star);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_wl);
  free(P->g_c);
  free(P->g_band);
  free(P->mode_band);
  free(P->mode_group);
  free(P->obs);
  free(P->theta_0);
  free(P->g_m00);
  free(P->g_m0p);
  free(P->noisy);
  free(P->theta_pix);
  hd_stationary_destroy(P->stationary);
  free(P);
}

void *lsq_plan_create(const void *params, const struct hd_run_params *run,
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
  if (P->p.spectrum.kind == HD_SPECTRUM_FILE &&
      hd_config_resolve_path(cfg, P->p.spectrum.file.v[0], path, sizeof path) != 0) {
    hd_config_error(cfg, err, "data", "spectrum_file", "path too long");
    lsq_plan_destroy(P);
    return NULL;
  }
  if (P->p.spectrum.kind == HD_SPECTRUM_STATIONARY) {
    P->stationary = hd_stationary_create((int)P->p.signal_dims, d, P->p.spectral_exponent,
                                         P->p.corner_frequency, msg, sizeof msg);
    if (!P->stationary) {
      hd_config_error(cfg, err, "data", "signal_dims", "%s", msg);
      lsq_plan_destroy(P);
      return NULL;
    }
    hd_stationary_lambda(P->stationary, P->lambda); /* eigen order */
  } else if (hd_spectrum_fill_params(&P->p.spectrum, d, path, P->lambda, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "data", P->p.spectrum.kind == HD_SPECTRUM_FILE ? "spectrum_file" : "spectrum",
                    "%s", msg);
    lsq_plan_destroy(P);
    return NULL;
  }
  if (P->p.spectrum.kind != HD_SPECTRUM_ISOTROPIC) {
    P->sqrt_lambda = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) P->sqrt_lambda[i] = sqrt(P->lambda[i]);
  }

  hd_target_fill((enum hd_target_kind)P->p.target, d, P->lambda, P->p.source_beta, P->seed,
                 P->theta_star);
  if (P->stationary) { /* the same p in eigen-coordinates, mapped to the pixel basis */
    P->theta_pix = malloc(d * sizeof(double));
    hd_stationary_from_eigen(P->stationary, P->theta_star, P->theta_pix);
  }

  P->n_breakpoints = hd_schedule_breakpoints(&P->p.schedule, run->horizon, P->breakpoints,
                                             sizeof P->breakpoints / sizeof P->breakpoints[0]);
  /* E z^4: Gaussian 3, Rademacher 1, uniform 9/5 (the non-centred uniform has the
   * centred one's fourth central moment; its mean is outside the theory, see the note) */
  P->m4 = P->p.distribution == HD_FEATURES_RADEMACHER ? 1.0
          : P->p.distribution >= LSQ_FEATURES_UNIFORM ? 1.8 : 3.0;
  P->batch = P->p.batch > 0 ? (size_t)P->p.batch : 1;
  P->trace = 0;
  for (size_t i = 0; i < d; i++) P->trace += P->lambda[i];
  P->clip_norm = P->p.clip > 0 ? P->p.clip * sqrt(P->trace) : 0.0;
  /* one pass over ceil(horizon d) records unless the dataset size is given */
  P->records = P->p.records > 0 ? (size_t)P->p.records : (size_t)ceil(run->horizon * (double)d);
  if (P->p.init == LSQ_INIT_FIXED) { /* one theta_0 ~ N(0, sigma_0^2/d) per seed */
    struct hd_rng r;
    P->theta_0 = malloc(d * sizeof(double));
    hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, P->theta_0, d);
    for (size_t i = 0; i < d; i++) P->theta_0[i] *= P->p.init_scale / sqrt((double)d);
  }
  P->kernel = (struct hd_lsq_kernel){.d = d, .sqrt_lambda = P->sqrt_lambda,
                                     .theta_star = P->theta_pix ? P->theta_pix : P->theta_star,
                                     .ridge = P->p.ridge,
                                     .label_noise = P->p.label_noise,
                                     .law = (enum hd_feature_law)P->p.distribution,
                                     .lr = hd_schedule_lr, .lr_ctx = &P->p.schedule};
  build_groups(P, run->bins);
  build_bands(P);
  P->noisy_kernel = P->p.noise != 0 || P->batch != 1 || P->p.clip > 0 ||
                    P->p.dataset == LSQ_DATA_FIXED || P->p.distribution >= LSQ_FEATURES_UNIFORM;
  if (P->noisy_kernel) {
    P->noisy = malloc(sizeof *P->noisy);
    *P->noisy = (struct hd_noisy_kernel_cfg){
        .base = &P->kernel, .law = P->p.distribution, .noise = P->p.noise, .batch = P->batch,
        .clip_norm = P->clip_norm, .clip_full = P->p.clip_target == LSQ_CLIP_FULL,
        .records = P->p.dataset == LSQ_DATA_FIXED ? P->records : 0,
        .shuffle = P->p.order == LSQ_ORDER_SHUFFLED};
  }

  if (P->p.spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
    snprintf(P->note, sizeof P->note,
             "decaying power law: theory is the exact finite-d recursion (NS-2); the ODE "
             "limit does not apply (gamma lambda_1 / d = %.3g)",
             hd_schedule_max(&P->p.schedule, run->horizon) * P->lambda[0] / (double)d);
  /* Stability (spec, "Exact solutions"): gamma < 2 / mean(lambda) up to the forcing. */
  double mean_l = 0;
  for (size_t i = 0; i < d; i++) mean_l += P->lambda[i];
  mean_l /= (double)d;
  double gmax = hd_schedule_max(&P->p.schedule, run->horizon);
  if (P->note[0] == '\0' && gmax * mean_l >= 2.0)
    snprintf(P->note, sizeof P->note,
             "lr %g is beyond the stability bound 2 / mean(lambda) = %g: the risk diverges",
             gmax, 2.0 / mean_l);
  return P;
}

size_t lsq_observables(const void *plan, const struct hd_observable **obs)
{
  const struct lsq_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
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

const struct hd_problem hd_problem_streaming_lsq = {
  .name = "streaming_lsq",
  .summary = "one-pass SGD on streaming least squares with label noise, ridge and "
             "learning-rate schedules (LS-1..LS-4)",
  .theory_doc = "docs/theory/lsq.md",
  .params = lsq_table,
  .n_params = sizeof lsq_table / sizeof lsq_table[0],
  .params_size = sizeof(struct lsq_params),
  .validate = lsq_validate,
  .plan_create = lsq_plan_create,
  .plan_destroy = lsq_plan_destroy,
  LSQ_SHARED_OPS,
};
