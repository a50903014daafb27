/* lsq_problem.c — streaming least squares as an hdsim problem: its parameter table (the
 * one source of truth for its model-file keys), validation and registry entry; the plan
 * is lsq_plan.c, the ops lsq_ops.c.  Mathematics: docs/theory/lsq.md (LS-1 ... LS-4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems/lsq/lsq_plan.h"

const char *const lsq_targets[] = {"random", "aligned", "source", "zero", "file", NULL};
static const char *const laws[] = {"gaussian", "rademacher", NULL};
static const char *const inits[] = {"zero", "random", "fixed", "file", NULL};

static const struct hd_param lsq_table[] = {LSQ_PARAM_ROWS(laws, inits)};

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
                      "square >= 4",
                      p->d);
  } else if (p->d < 2) {
    hd_config_error(cfg, err, "data", "d", "a stationary signal needs d >= 2");
  }
  const char *why = " (the pixel-basis FFT simulation covers plain streaming SGD with "
                    "Gaussian features)";
  if (p->distribution != HD_FEATURES_GAUSSIAN)
    hd_config_error(cfg, err, "data", "distribution",
                    "spectrum = stationary needs distribution = gaussian: coloured non-Gaussian "
                    "z does not have independent eigen-coordinates%s",
                    why);
  if (p->noise != 0)
    hd_config_error(cfg, err, "noise", "sigma",
                    "injected noise is not supported with spectrum = "
                    "stationary%s",
                    why);
  if (p->batch > 1)
    hd_config_error(cfg, err, "noise", "batch",
                    "mini-batches are not supported with spectrum = "
                    "stationary%s",
                    why);
  if (p->clip > 0)
    hd_config_error(cfg, err, "noise", "clip",
                    "clipping is not supported with spectrum = "
                    "stationary%s",
                    why);
  if (p->dataset == LSQ_DATA_FIXED)
    hd_config_error(cfg, err, "noise", "dataset",
                    "a fixed dataset is not supported with "
                    "spectrum = stationary%s",
                    why);
  if (p->init == LSQ_INIT_FIXED || p->init == LSQ_INIT_FILE)
    hd_config_error(cfg, err, "optimizer", "init",
                    "init = %s is not supported with "
                    "spectrum = stationary%s",
                    p->init == LSQ_INIT_FILE ? "file" : "fixed", why);
  if (p->target == LSQ_TARGET_FILE)
    hd_config_error(cfg, err, "data", "target",
                    "target = file is not supported with spectrum = stationary (its eigenbasis "
                    "is the DFT's)");
  if (p->privacy)
    hd_config_error(cfg, err, "privacy", "enabled",
                    "the privacy theory is not supported with "
                    "spectrum = stationary%s",
                    why);
}

/* NS-14: eps = sigma clip(z, -k, k), z ~ N(0, 1), has mean 0 and variance
 * sigma^2 [erf(k / sqrt 2) - 2 k phi(k) + k^2 erfc(k / sqrt 2)]; the risk theory reads
 * only that variance. */
double lsq_label_noise_sd(const struct lsq_params *p)
{
  double k = p->label_noise_clip;
  if (!(k > 0)) return p->label_noise;
  double phi = exp(-0.5 * k * k) / sqrt(2 * M_PI);
  double v = erf(k / M_SQRT2) - 2 * k * phi + k * k * erfc(k / M_SQRT2);
  return p->label_noise * sqrt(v);
}

/* The array keys: each read exactly when its switch says so. */
static void validate_files(const struct lsq_params *p, const struct hd_config *cfg,
                           struct hd_errors *err)
{
  if (p->target == LSQ_TARGET_FILE && !p->target_file[0])
    hd_config_error(cfg, err, "data", "target", "target = file needs target_file");
  if (p->target != LSQ_TARGET_FILE && p->target_file[0])
    hd_config_error(cfg, err, "data", "target_file", "target_file is only read with target = file");
  if (p->init == LSQ_INIT_FILE && !p->init_file[0])
    hd_config_error(cfg, err, "optimizer", "init", "init = file needs init_file");
  if (p->init != LSQ_INIT_FILE && p->init_file[0])
    hd_config_error(cfg, err, "optimizer", "init_file", "init_file is only read with init = file");
  if (!p->eigenvectors[0]) return;
  if (p->target != LSQ_TARGET_FILE && p->init != LSQ_INIT_FILE && !p->data_file[0])
    hd_config_error(cfg, err, "data", "eigenvectors",
                    "eigenvectors only place target_file and init_file in the eigenbasis; "
                    "neither is read");
  if (p->distribution != HD_FEATURES_GAUSSIAN)
    hd_config_error(cfg, err, "data", "eigenvectors",
                    "eigenvectors need distribution = gaussian: only Gaussian features have the "
                    "same law in the data's coordinates and in the eigenbasis");
  if (p->spectrum.kind == HD_SPECTRUM_STATIONARY)
    hd_config_error(cfg, err, "data", "eigenvectors",
                    "a stationary spectrum's eigenvectors are the DFT's");
}

void lsq_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                  struct hd_errors *err)
{
  const struct lsq_params *p = params;
  validate_files(p, cfg, err);
  hd_spectrum_params_check(&p->spectrum, cfg, err);
  if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "theory", "method",
                    "spectrum = power_law_decay has top modes outside the ODE regime "
                    "(gamma lambda_1 / d = O(1)); use method = recursion (exact at finite d)");
  if (p->spectrum.kind == HD_SPECTRUM_ZERO_ONE &&
      (long)llround(p->spectrum.zero_fraction * (double)p->d) >= p->d)
    hd_config_error(cfg, err, "data", "zero_fraction",
                    "zero_fraction %g leaves no non-zero eigenvalue at d = %ld",
                    p->spectrum.zero_fraction, p->d);
  if (run->method == HD_THEORY_VOLTERRA) { /* renewal form: constant gamma, linear (§2.3) */
    if (p->schedule.kind != HD_SCHEDULE_CONSTANT)
      hd_config_error(cfg, err, "optimizer", "schedule",
                      "[theory] method = volterra needs a "
                      "constant learning rate (schedule = constant); use method = ode");
    if (p->clip > 0)
      hd_config_error(cfg, err, "noise", "clip",
                      "[theory] method = volterra has no clipping "
                      "(NS-12 is not linear in R); use method = ode");
    if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
      hd_config_error(cfg, err, "theory", "method",
                      "spectrum = power_law_decay is outside the "
                      "d -> infinity limit; use method = recursion");
    if (p->batch > 1 && (double)p->batch > 0.1 * (double)p->d)
      hd_config_error(cfg, err, "noise", "batch",
                      "batch %ld is not << d = %ld: the limit "
                      "needs B << d (use method = recursion)",
                      p->batch, p->d);
  }
  if (p->target == LSQ_TARGET_SOURCE && p->source_beta < 0 &&
      p->spectrum.kind == HD_SPECTRUM_ZERO_ONE)
    hd_config_error(cfg, err, "data", "source_beta",
                    "a negative source exponent is undefined on zero eigenvalues");
  validate_stationary(p, cfg, err);
}

const struct hd_problem hd_problem_streaming_lsq = {
    .name = "streaming_lsq",
    .summary = "one-pass SGD on streaming least squares with label noise, ridge and "
               "learning-rate schedules (LS-1..LS-4)",
    .theory_doc = "docs/theory/lsq.md",
    .time_meaning = "t = SGD steps x batch / d",
    .params = lsq_table,
    .n_params = sizeof lsq_table / sizeof lsq_table[0],
    .params_size = sizeof(struct lsq_params),
    .validate = lsq_validate,
    .memory_need = lsq_memory_need,
    .plan_create = lsq_plan_create,
    .plan_destroy = lsq_plan_destroy,
    .plan_print = lsq_plan_print,
    LSQ_SHARED_OPS,
};
