/* lsq_plan.c — the plan of streaming_lsq and noisy_sgd: the spectrum, the target, the
 * eigen-groups and spectral bands, the observables, and the two systems it fills for the
 * theory (struct lsq_limit) and the simulation (struct hd_lsq_sgd); plan_print and
 * plan_bytes show what will run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array_input.h"
#include "eigenbasis.h"
#include "memory_estimate.h"
#include "problems/lsq/lsq_plan.h"
#include "rng.h"

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
  P->limit.n_bands = used;
  P->mode_band = malloc(d * sizeof *P->mode_band);
  for (size_t i = 0; i < d; i++) P->mode_band[i] = map[band_of(P->lambda[i], lam_max, nb)];
  for (size_t g = 0; g < P->limit.n_groups; g++)
    P->limit.g_band[g] = map[band_of(P->limit.g_lambda[g], lam_max, nb)];

  P->limit.n_obs = 2 + (used > 1 ? used : 0);
  P->obs = calloc(P->limit.n_obs, sizeof *P->obs);
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
    if (*ord[i] > 0) {
      lo = *ord[i];
      break;
    }
  if (lo > 0) {
    G.log_max = log(*ord[0]);
    G.log_span = G.log_max - log(lo);
  }
  size_t ng = 0;
  for (size_t i = 0; i < d; i++) ng += (size_t)new_group(&G, ord, i);
  P->limit.n_groups = ng;
  P->limit.g_lambda = calloc(ng, sizeof(double));
  P->limit.g_weight = calloc(ng, sizeof(double));
  P->limit.g_c = calloc(ng, sizeof(double));
  P->limit.g_band = calloc(ng, sizeof(size_t));
  if (P->theta_0) {
    P->limit.g_m00 = calloc(ng, sizeof(double));
    P->limit.g_m0p = calloc(ng, sizeof(double));
  }
  P->mode_group = malloc(d * sizeof(size_t));
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && new_group(&G, ord, i)) g++;
    size_t mode = (size_t)(ord[i] - P->lambda);
    P->mode_group[mode] = g;
    double pi = P->theta_star[mode] * sqrt((double)d);
    if (G.bins) P->limit.g_lambda[g] += *ord[i]; /* a bin's mean eigenvalue */
    else P->limit.g_lambda[g] = *ord[i];
    P->limit.g_weight[g] += 1.0;
    P->limit.g_c[g] += pi * pi;
    if (P->theta_0) { /* mu_i(0) = sqrt(d) (theta_0,i - theta*_i) */
      double mu0 = sqrt((double)d) * (P->theta_0[mode] - P->theta_star[mode]);
      P->limit.g_m00[g] += mu0 * mu0;
      P->limit.g_m0p[g] += pi * mu0;
    }
  }
  for (g = 0; g < ng; g++) {
    if (P->theta_0) {
      P->limit.g_m00[g] /= P->limit.g_weight[g];
      P->limit.g_m0p[g] /= P->limit.g_weight[g];
    }
    P->limit.g_c[g] /= P->limit.g_weight[g];
    if (G.bins) P->limit.g_lambda[g] /= P->limit.g_weight[g];
    P->limit.g_weight[g] /= (double)d;
  }
  P->limit.g_wl = malloc(ng * sizeof(double));
  for (size_t g = 0; g < ng; g++) P->limit.g_wl[g] = P->limit.g_weight[g] * P->limit.g_lambda[g];
  free(ord);
}

void lsq_plan_destroy(void *plan)
{
  struct lsq_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->theta_star);
  free(P->limit.g_lambda);
  free(P->limit.g_weight);
  free(P->limit.g_wl);
  free(P->limit.g_c);
  free(P->limit.g_band);
  free(P->mode_band);
  free(P->mode_group);
  free(P->obs);
  free(P->theta_0);
  free(P->limit.g_m00);
  free(P->limit.g_m0p);
  free(P->noisy);
  free(P->theta_pix);
  free(P->data_x);
  free(P->data_eps);
  free(P->basis);
  hd_stationary_destroy(P->stationary);
  free(P);
}

/* The eigenvalues (generated, read from the file, or the stationary signal's DFT) and
 * their square roots.  Returns 0, or -1 with an error in err. */
static int plan_spectrum(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d;
  char path[HD_STR_MAX * 2] = "", msg[512];
  P->lambda = malloc(d * sizeof(double));
  if (P->p.spectrum.kind == HD_SPECTRUM_FILE &&
      hd_config_resolve_path(cfg, P->p.spectrum.file.v[0], path, sizeof path) != 0) {
    hd_config_error(cfg, err, "data", "spectrum_file", "path too long");
    return -1;
  }
  if (P->p.spectrum.kind == HD_SPECTRUM_STATIONARY) {
    P->stationary = hd_stationary_create((int)P->p.signal_dims, d, P->p.spectral_exponent,
                                         P->p.corner_frequency, msg, sizeof msg);
    if (!P->stationary) {
      hd_config_error(cfg, err, "data", "signal_dims", "%s", msg);
      return -1;
    }
    hd_stationary_lambda(P->stationary, P->lambda); /* eigen order */
  } else if (hd_spectrum_fill_params(&P->p.spectrum, d, path, P->lambda, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "data",
                    P->p.spectrum.kind == HD_SPECTRUM_FILE ? "spectrum_file" : "spectrum", "%s",
                    msg);
    return -1;
  }
  if (P->p.spectrum.kind != HD_SPECTRUM_ISOTROPIC) {
    P->sqrt_lambda = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) P->sqrt_lambda[i] = sqrt(P->lambda[i]);
  }
  P->trace = 0;
  for (size_t i = 0; i < d; i++) P->trace += P->lambda[i];
  return 0;
}

/* A vector of d values a model key names (target_file, init_file), taken to
 * eigen-coordinates by U^T when [data] eigenvectors is given (eigenbasis.h).  NULL after
 * adding an error. */
static double *read_vector(const struct lsq_plan *P, const double *U, const struct hd_config *cfg,
                           struct hd_errors *err, const char *section, const char *key,
                           const char *spec)
{
  double *v;
  if (hd_config_read_array(cfg, err, section, key, spec, P->d, 0, &v, NULL, NULL) != 0) return NULL;
  if (U) {
    double *w = malloc(P->d * sizeof *w);
    hd_eigenbasis_apply(U, P->d, v, w);
    free(v);
    v = w;
  }
  return v;
}

/* theta* in eigen-coordinates (and in the pixel basis for a stationary spectrum), and a
 * fixed theta_0: ~ N(0, sigma_0^2 / d) drawn once per seed, or read from init_file.
 * Returns 0, or -1 with an error in err. */
static int plan_target(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d;
  /* the basis: the empirical K's eigenvectors (already there), or the user's */
  if (!P->basis && P->p.eigenvectors[0] &&
      !(P->basis = hd_eigenbasis_read(cfg, err, "data", "eigenvectors", P->p.eigenvectors, d)))
    return -1;
  const double *U = P->basis;
  int rc = 0;
  if (P->theta_star) {
    /* already the least-squares fit of the user's data (lsq_data.c) */
  } else if (P->p.target == LSQ_TARGET_FILE) {
    P->theta_star = read_vector(P, U, cfg, err, "data", "target_file", P->p.target_file);
    if (!P->theta_star) rc = -1;
  } else {
    P->theta_star = malloc(d * sizeof(double));
    hd_target_fill((enum hd_target_kind)P->p.target, d, P->lambda, P->p.source_beta, P->seed,
                   P->theta_star);
  }
  if (P->p.init == LSQ_INIT_FILE) {
    P->theta_0 = read_vector(P, U, cfg, err, "optimizer", "init_file", P->p.init_file);
    if (!P->theta_0) rc = -1;
  }
  if (rc != 0) return -1;
  if (P->stationary) { /* the same p in eigen-coordinates, mapped to the pixel basis */
    P->theta_pix = malloc(d * sizeof(double));
    hd_stationary_from_eigen(P->stationary, P->theta_star, P->theta_pix);
  }
  if (P->p.init == LSQ_INIT_FIXED) {
    struct hd_rng r;
    P->theta_0 = malloc(d * sizeof(double));
    hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, P->theta_0, d);
    for (size_t i = 0; i < d; i++) P->theta_0[i] *= P->p.init_scale / sqrt((double)d);
  }
  return 0;
}

/* The streaming kernel, and the noisy kernel when noise, batches, clipping, a fixed
 * dataset or a uniform feature law need it (NS-1). */
static void plan_kernels(struct lsq_plan *P, const struct hd_run_params *run)
{
  size_t d = P->d;
  P->batch = P->p.batch > 0 ? (size_t)P->p.batch : 1;
  P->clip_norm = P->p.clip > 0 ? P->p.clip * sqrt(P->trace) : 0.0;
  /* one pass over ceil(horizon d) records unless the dataset size is given */
  P->records = P->p.records > 0 ? (size_t)P->p.records : (size_t)ceil(run->horizon * (double)d);
  P->kernel = (struct hd_lsq_kernel){.d = d,
                                     .sqrt_lambda = P->sqrt_lambda,
                                     .theta_star = P->theta_pix ? P->theta_pix : P->theta_star,
                                     .ridge = P->p.ridge,
                                     .label_noise = P->p.label_noise,
                                     .law = (enum hd_feature_law)P->p.distribution,
                                     .lr = hd_schedule_lr,
                                     .lr_ctx = &P->p.schedule};
  if (P->data_n) P->records = P->data_n; /* the user's rows, one pass */
  bool noisy = P->p.noise != 0 || P->batch != 1 || P->p.clip > 0 ||
               P->p.dataset == LSQ_DATA_FIXED || P->data_n ||
               P->p.distribution >= LSQ_FEATURES_UNIFORM || P->p.label_noise_clip > 0;
  if (noisy) {
    P->noisy = malloc(sizeof *P->noisy);
    *P->noisy = (struct hd_noisy_kernel_cfg){
        .base = &P->kernel,
        .law = P->p.distribution,
        .noise = P->p.noise,
        .batch = P->batch,
        .clip_norm = P->clip_norm,
        .clip_full = P->p.clip_target == LSQ_CLIP_FULL,
        .records = P->p.dataset == LSQ_DATA_FIXED || P->data_n ? P->records : 0,
        .shuffle = P->p.order == LSQ_ORDER_SHUFFLED,
        .label_clip = P->p.label_noise_clip,
        .rows = P->data_x,
        .row_eps = P->data_eps};
  }
}

/* The theory's system: the algorithm's scalars and the per-mode arrays (the group
 * arrays were filled by build_groups / build_bands). */
static void plan_limit(struct lsq_plan *P, const struct hd_run_params *run)
{
  struct lsq_limit *L = &P->limit;
  L->schedule = &P->p.schedule;
  L->ridge = P->p.ridge;
  L->label_noise = lsq_label_noise_sd(&P->p);
  L->noise = P->p.noise;
  L->clip = P->p.clip;
  L->batch = P->batch;
  L->d = P->d;
  /* E z^4: Gaussian 3, Rademacher 1, uniform 9/5 (the non-centred uniform has the
   * centred one's fourth central moment; its mean is outside the theory, see the note) */
  L->m4 = P->p.distribution == HD_FEATURES_RADEMACHER ? 1.0
          : P->p.distribution >= LSQ_FEATURES_UNIFORM ? 1.8
                                                      : 3.0;
  L->init = P->p.init == LSQ_INIT_FILE ? LSQ_INIT_FIXED : P->p.init;
  L->init_scale = P->p.init_scale;
  L->lambda = P->lambda;
  L->theta_star = P->theta_star;
  L->theta_0 = P->theta_0;
  L->mode_group = P->mode_group;
  L->trace = P->trace;
  L->n_breakpoints = hd_schedule_breakpoints(&P->p.schedule, run->horizon, L->breakpoints,
                                             LSQ_MAX_BREAKPOINTS);
}

/* The simulation's system. */
static void plan_sgd(struct lsq_plan *P)
{
  P->sgd = (struct hd_lsq_sgd){.d = P->d,
                               .seed = P->seed,
                               .init = P->theta_0                     ? HD_LSQ_SGD_FIXED
                                       : P->p.init == LSQ_INIT_RANDOM ? HD_LSQ_SGD_RANDOM
                                                                      : HD_LSQ_SGD_ZERO,
                               .init_scale = P->p.init_scale,
                               .theta_0 = P->theta_0,
                               .theta_star = P->theta_star,
                               .lambda = P->lambda,
                               .label_noise = lsq_label_noise_sd(&P->p),
                               .mode_band = P->mode_band,
                               .n_bands = P->limit.n_bands,
                               .noisy = P->noisy,
                               .stationary = P->stationary,
                               .theta_pix = P->theta_pix,
                               .kernel = &P->kernel};
}

/* Why the limit may not apply: outside the ODE regime, or beyond the stability bound. */
static void plan_note(struct lsq_plan *P, const struct hd_run_params *run)
{
  size_t d = P->d;
  double gmax = hd_schedule_max(&P->p.schedule, run->horizon);
  if (P->p.spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
    snprintf(P->note, sizeof P->note,
             "decaying power law: theory is the exact finite-d recursion (NS-2); the ODE "
             "limit does not apply (gamma lambda_1 / d = %.3g)",
             gmax * P->lambda[0] / (double)d);
  /* Stability (LS-3's exact solutions): gamma < 2 / mean(lambda) up to the forcing. */
  double mean_l = 0;
  for (size_t i = 0; i < d; i++) mean_l += P->lambda[i];
  mean_l /= (double)d;
  if (P->note[0] == '\0' && gmax * mean_l >= 2.0)
    snprintf(P->note, sizeof P->note,
             "lr %g is beyond the stability bound 2 / mean(lambda) = %g: the risk diverges", gmax,
             2.0 / mean_l);
}

void *lsq_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err)
{
  struct lsq_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct lsq_params *)params;
  P->d = (size_t)P->p.d;
  P->seed = (uint64_t)run->seed;
  P->method = run->method;
  P->linear_solver = run->linear_solver;
  /* a user's data set: its rows, and with data_theory = empirical the spectrum, basis,
   * target and label noise they imply (lsq_data.c) */
  bool data = P->p.data_file[0] != '\0';
  bool empirical = data && P->p.data_theory == LSQ_DATA_EMPIRICAL;
  int rc = data ? lsq_data_read(P, cfg, err) : 0;
  if (rc == 0) rc = empirical ? lsq_data_empirical(P, cfg, err) : plan_spectrum(P, cfg, err);
  if (rc == 0) rc = plan_target(P, cfg, err);
  if (rc == 0 && data && ceil(run->horizon * (double)P->d) > (double)P->data_n * 1.000001) {
    hd_config_error(cfg, err, "data", "data_file",
                    "'%s' has n = %zu rows, and one pass to horizon %g at d = %zu needs %.0f "
                    "(ceil(horizon d)); lower the horizon or give more rows",
                    P->p.data_file, P->data_n, run->horizon, P->d,
                    ceil(run->horizon * (double)P->d));
    rc = -1;
  }
  if (rc != 0) {
    lsq_plan_destroy(P);
    return NULL;
  }
  if (data) {
    lsq_data_rows(P);
    if (empirical) P->p.label_noise = P->data_sd; /* the theory's sigma: the residual's */
  }
  plan_kernels(P, run);
  build_groups(P, run->bins);
  build_bands(P);
  plan_limit(P, run);
  plan_sgd(P);
  plan_note(P, run);
  return P;
}

/* ---- what will run (hdsim check --plan) ----------------------------------------- */

static const char *theory_name(const struct lsq_plan *P)
{
  if (P->limit.ridge == 0) return "ODE on a_g (compact: no ridge), diagonal plus rank one";
  return "ODE on (b_g, a_g), 2x2 blocks plus rank one";
}

void lsq_plan_print(const void *plan, FILE *out)
{
  const struct lsq_plan *P = plan;
  const struct lsq_limit *L = &P->limit;
  fprintf(out, "dimension d: %zu; eigen-groups: %zu; spectral bands: %zu\n", P->d, L->n_groups,
          L->n_bands);
  fprintf(out, "theory state: %zu values (ODE), %zu (recursion); %s\n", lsq_ode_dimension(L),
          lsq_recursion_dimension(L), theory_name(P));
  fprintf(out, "learning rate: %s, lr %g; breakpoints: %zu\n",
          hd_schedule_names[P->p.schedule.kind], P->p.schedule.lr, L->n_breakpoints);
  const char *kernel = P->noisy        ? "noisy kernel (noise, batch, clipping or fixed data)"
                       : P->stationary ? "pixel-basis kernel (FFTW)"
                                       : "streaming kernel";
  fprintf(out, "simulation: %s; steps per unit time: %g; batch: %zu\n", kernel,
          lsq_steps_per_time(P), P->batch);
  if (P->noisy)
    fprintf(out, "noisy SGD: sigma %g, clip norm %g, %s dataset of %zu records\n", P->p.noise,
            P->clip_norm,
            P->data_n           ? "the user's"
            : P->noisy->records ? "fixed"
                                : "streaming",
            P->records);
  if (P->data_n)
    fprintf(out, "data: %zu rows of %s; theory: %s (tr K %.6g, label noise sd %.6g)\n", P->data_n,
            P->p.data_file,
            P->p.data_theory == LSQ_DATA_EMPIRICAL
                ? "empirical measure, K = A^T A / n, theta* the least-squares fit"
                : "the model of the [data] keys",
            P->trace, lsq_label_noise_sd(&P->p));
}

/* A theory solve's working bytes on n_groups groups: CVODE on the ODE's state (a_g alone
 * without ridge, else (b_g, a_g)) with its structured Jacobian (blocks of 1 or 2, rank
 * one: measured 20 vectors of the state at d = 1e6, peak RSS 246 MiB against 232
 * estimated), or the recursion's state (b_g, a_g), stepped in place (measured: peak RSS =
 * plan + state at d = 1e6). */
static size_t theory_bytes_of(int method, int linear_solver, size_t n_groups, double ridge)
{
  size_t block = ridge == 0 ? 1 : 2;
  return method == HD_THEORY_NONE        ? 0
         : method == HD_THEORY_RECURSION ? 2 * n_groups * sizeof(double)
                                         : hd_memory_ode_bytes(block * n_groups, block, 1, 1,
                                                               linear_solver);
}

/* The plan holds d-sized arrays (lambda, sqrt lambda, theta*, theta_pix, theta_0, the
 * mode maps) and per-group arrays; a theory solve holds its state and its solver's work;
 * a simulation thread holds one run's state (sim_state_size) and nothing more. */
size_t lsq_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct lsq_plan *P = plan;
  const struct lsq_limit *L = &P->limit;
  size_t d = P->d, G = L->n_groups,
         vecs = 3 + (P->sqrt_lambda != NULL) + (P->theta_pix != NULL) + (P->theta_0 != NULL);
  size_t bytes = sizeof *P + vecs * d * sizeof(double) + 2 * d * sizeof(size_t) +
                 P->data_n * (d + 1) * sizeof(double) + (P->basis ? d * d * sizeof(double) : 0) +
                 G * (6 * sizeof(double) + sizeof(size_t));
  if (theory_bytes) *theory_bytes = theory_bytes_of(P->method, P->linear_solver, G, P->p.ridge);
  if (thread_bytes) *thread_bytes = 0;
  return bytes;
}

/* Doubles an array file can hold, from its size alone (the file is not read): at least
 * 4 bytes a value in .npy or HDF5 (f4 is the narrowest), 2 in text ("1\n").  An array
 * key may name FILE.h5:/DATASET; 0 when the file cannot be found (the plan reports it). */
static double array_file_values(const struct hd_config *cfg, const char *spec)
{
  char path[2 * HD_STR_MAX];
  struct stat st;
  if (!spec[0] || hd_config_resolve_path(cfg, spec, path, sizeof path) != 0) return 0;
  if (stat(path, &st) != 0) {
    char *colon = strrchr(path, ':');
    if (!colon) return 0;
    *colon = '\0';
    if (stat(path, &st) != 0) return 0;
  }
  const char *dot = strrchr(path, '.');
  bool binary = dot && (strcmp(dot, ".npy") == 0 || strcmp(dot, ".h5") == 0 ||
                        strcmp(dot, ".hdf5") == 0);
  return (double)st.st_size / (binary ? 4 : 2);
}

/* The same figures as lsq_plan_bytes and the run state, from the parameters alone: the
 * spectrum's groups at their bound (hd_spectrum_groups_bound), the d-sized vectors the
 * keys call for, the eigenvector matrix a plan reads (d x d). */
void lsq_memory_need(const void *params, const struct hd_run_params *run,
                     const struct hd_config *cfg, struct hd_memory_need *need)
{
  const struct lsq_params *p = params;
  size_t d = (size_t)p->d, G = hd_spectrum_groups_bound(&p->spectrum, d, run->bins);
  bool stationary = p->spectrum.kind == HD_SPECTRUM_STATIONARY;
  bool theta_0 = p->init == LSQ_INIT_FIXED || p->init == LSQ_INIT_FILE;
  /* lambda, theta*, and sqrt lambda, theta_pix, theta_0 where used; the two mode maps;
   * five group arrays (two more with theta_0).  The sort's d pointers are freed before
   * the last group and band arrays exist: the finished plan is the peak (measured). */
  size_t vecs = 2 + (p->spectrum.kind != HD_SPECTRUM_ISOTROPIC) + stationary + theta_0;
  double dd = (double)d, bytes = sizeof(struct lsq_plan) + (double)vecs * dd * 8 + 2 * dd * 8 +
                                 (double)G * (5 + 2 * theta_0) * 8;
  if (p->eigenvectors[0]) bytes += dd * dd * 8;
  if (p->data_file[0]) { /* the rows (twice while they turn to the eigenbasis), K and its basis */
    double rows = array_file_values(cfg, p->data_file);
    bytes += 2 * rows * 8 + array_file_values(cfg, p->labels_file) * 8;
    if (p->data_theory == LSQ_DATA_EMPIRICAL) bytes += 2 * dd * dd * 8;
  }
  size_t batch = p->batch > 0 ? (size_t)p->batch : 1;
  bool noisy = p->noise != 0 || batch != 1 || p->clip > 0 || p->dataset == LSQ_DATA_FIXED ||
               p->distribution >= LSQ_FEATURES_UNIFORM || p->label_noise_clip > 0;
  double records = p->records > 0 ? (double)p->records : ceil(run->horizon * dd);
  double state = dd * 8;
  if (noisy)
    state += 3 * dd * 8 + 8 +
             (p->dataset == LSQ_DATA_FIXED && p->order == LSQ_ORDER_SHUFFLED ? records * 4 : 0);
  else if (stationary) state += (2 * dd + 32) * 8;
  else state += dd * 8;
  need->plan = hd_memory_bytes(bytes);
  need->theory = theory_bytes_of(run->method, run->linear_solver, G, p->ridge);
  need->state = hd_memory_bytes(state);
  need->thread = 0;
  size_t bands = p->spectrum.kind == HD_SPECTRUM_ISOTROPIC ? 1 : (size_t)p->bands;
  need->n_obs = 2 + (bands > 1 ? (bands < d ? bands : d) : 0);
  need->steps_per_time = dd / (double)batch;
}
