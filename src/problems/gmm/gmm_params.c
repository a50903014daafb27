/* gmm_params.c — the gmm_multiclass parameter table (the one source of truth for its
 * model-file keys: parsing, `hdsim describe`, HDF5 attributes) and the validation of a
 * bound parameter set, with the per-class lists it resolves. */
#define HDSIM_GMM_PACKAGE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems/gmm/gmm_plan.h"

#define F(field) offsetof(struct gmm_params, field)

static const char *const covariances[] = {"isotropic", "zero_one", "power_law", "file", NULL};
static const char *const normalisations[] = {"none", "trace", NULL};
static const char *const mean_kinds[] = {"antipodal", "independent", "orthogonal", "zero", NULL};
static const char *const profiles[] = {"gaussian", "power_law", "clean", NULL};
static const char *const teachers[] = {"none", "random", NULL};
static const char *const losses[] = {"least_squares", "logistic", "softmax", "onehot_ls", NULL};
static const char *const schedules[] = {"constant", "step", "inverse_power", NULL};
static const char *const inits[] = {"zero", "random", NULL};
static const char *const adaptives[] = {"none", "adagrad_norm", NULL};

const struct hd_param gmm_table[] = {
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "dimension of the data",
   "§1.1"},
  {"data", "classes", HD_INT, F(classes), "2", 1, GMM_MAX_CLASSES, 0, NULL, "",
   "number l of mixture components (classes)", "§1.1"},
  {"data", "probs", HD_STRING, F(probs), "", 0, 0, 0, NULL, "",
   "class probabilities p_c, comma-separated (empty: uniform 1/l)", "§1.1"},
  {"data", "covariance", HD_ENUM, F(covariance), "isotropic", 0, 0, 0, covariances, "",
   "class covariances in one eigenbasis: isotropic, zero_one (clean modes where every "
   "class vanishes, the rest cycling through the non-zero class patterns), power_law "
   "((rho/d)^alpha_c), file (one spectrum file per class)", "§3.1"},
  {"data", "alpha", HD_STRING, F(alpha), "1", 0, 0, 0, NULL, "",
   "power-law exponents alpha_c, one value or one per class (paper: 1.1, 1.5)", "§3.1"},
  {"data", "variance", HD_STRING, F(variance), "1", 0, 0, 0, NULL, "",
   "per-class multiplier of the eigenvalues, one value or one per class", "§2.4"},
  {"data", "clean_fraction", HD_REAL, F(clean_fraction), "0.25", 0, 1, HD_MAX_EXCL, NULL, "",
   "zero_one: fraction of modes with zero variance in every class [GUESS: 1/4]", "§3.1"},
  {"data", "spectrum_file", HD_STRING, F(spectrum_file), "", 0, 0, 0, NULL, "",
   "covariance = file: one path or one per class, comma-separated, relative to the "
   "model file (text: one eigenvalue per line; *.h5: dataset /lambda)", NULL},
  {"data", "normalise", HD_ENUM, F(normalise), "none", 0, 0, 0, normalisations, "",
   "none (the paper's spectra) or trace (rescale each class to Tr K_c / d = 1)", "§3.1"},
  {"data", "means", HD_ENUM, F(means), "antipodal", 0, 0, 0, mean_kinds, "",
   "class means: antipodal (+mu, -mu; l <= 2), independent draws, orthogonal (random, "
   "Gram-Schmidt, norm mean_scale), zero", "§3.1"},
  {"data", "mean_profile", HD_ENUM, F(mean_profile), "gaussian", 0, 0, 0, profiles, "",
   "mean coordinates: gaussian (N(0,1)/sqrt(d)), power_law (d^-1/2 (rho/d)^beta; random "
   "signs for independent means), clean (gaussian on the modes where every class "
   "covariance vanishes)", "§2.6"},
  {"data", "mean_scale", HD_REAL, F(mean_scale), "1", 0, 1e6, 0, NULL, "",
   "multiplier of the mean profile", NULL},
  {"data", "mean_beta", HD_REAL, F(mean_beta), "0", -0.49, 10, 0, NULL, "",
   "beta of the power-law mean profile", "§3.2"},
  {"data", "mean_normalise", HD_BOOL, F(mean_normalise), "false", 0, 0, 0, NULL, "",
   "rescale each mean to norm mean_scale exactly", NULL},
  {"data", "teacher", HD_ENUM, F(teacher), "none", 0, 0, 0, teachers, "",
   "least squares only: label y = <theta*, x> + y_c + eps with theta* ~ N(0, I/d) from "
   "the seed (one class, zero mean: streaming least squares)", "§1.2"},
  {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "",
   "least squares only: standard deviation of the label noise eps", NULL},
  {"data", "bands", HD_INT, F(bands), "4", 1, 16, 0, NULL, "",
   "spectral bands (decades of max_c lambda^(c)) for the per-band norm and margin; a "
   "clean band of zero-variance modes is added when there is one", "§1.4"},
  {"data", "limit_nodes", HD_INT, F(limit_nodes), "0", 0, 1e6, 0, NULL, "",
   "theory only: > 0 integrates the d -> infinity power-law limit on this many "
   "log-spaced nodes in u = rho/d (power_law covariance and mean profile)", "§2.7"},
  {"data", "limit_umin", HD_REAL, F(limit_umin), "1e-12", 1e-300, 0.1, HD_MIN_EXCL, NULL, "",
   "smallest node u of the d -> infinity grid", "§2.7"},
  {"loss", "kind", HD_ENUM, F(loss), "logistic", 0, 0, 0, losses, "",
   "least_squares (q = 1), logistic (binary, q = 1), softmax (cross-entropy, q = l), "
   "onehot_ls (q = l)", "§1.2"},
  {"loss", "labels", HD_STRING, F(labels), "", 0, 0, 0, NULL, "",
   "q = 1 losses: label y_c per class (default: logistic 1, 0; least squares +1, -1)",
   "§1.1"},
  {"loss", "quadrature", HD_INT, F(quadrature), "0", 0, 512, 0, NULL, "",
   "Gauss-Hermite nodes (per dimension); 0 = auto: logistic 64 nodes while s <= 2, "
   "Gauss-Legendre panels with exact tails beyond (error < 1e-12); softmax 64/40/16/10 per "
   "dimension for 2/3/4/5 classes, a 4096-point QMC rule beyond",
   "§2.3"},
  {"optimizer", "lr", HD_REAL, F(lr), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
   "learning rate gamma; the SGD step is gamma/d", "§1.3"},
  {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "",
   "ridge penalty delta", "§2.8"},
  {"optimizer", "batch", HD_INT, F(batch), "1", 1, 1e6, 0, NULL, "",
   "mini-batch size B (gradients averaged; t counts steps / d)", "§2.8"},
  {"optimizer", "schedule", HD_ENUM, F(schedule), "constant", 0, 0, 0, schedules, "",
   "learning-rate schedule gamma(t): constant, step, inverse_power", "§2.8"},
  {"optimizer", "lr_every", HD_REAL, F(lr_every), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t",
   "period of the step schedule", NULL},
  {"optimizer", "lr_factor", HD_REAL, F(lr_factor), "0.5", 0, 1e3, HD_MIN_EXCL, NULL, "",
   "factor of the step schedule", NULL},
  {"optimizer", "lr_t0", HD_REAL, F(lr_t0), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t",
   "time scale of the inverse_power schedule", NULL},
  {"optimizer", "lr_power", HD_REAL, F(lr_power), "1", 0, 10, 0, NULL, "",
   "exponent of the inverse_power schedule", NULL},
  {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, inits, "",
   "X_0 = 0, or random: X_0 ~ N(0, init_scale^2 / d I), independent per run", "§1.3"},
  {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
   "sigma_0 of the random initialisation", "§2.6"},
  {"optimizer", "adaptive", HD_ENUM, F(adaptive), "none", 0, 0, 0, adaptives, "",
   "none (lr and schedule), or adagrad_norm: gamma_k = lr / sqrt(adagrad_b^2 + d^-2 "
   "sum_{j<k} ||grad_j||^2), per-sample norms averaged over a batch (High Line eq. 16)",
   "§2.8"},
  {"optimizer", "adagrad_b", HD_REAL, F(adagrad_b), "1", 0, 1e6, HD_MIN_EXCL, NULL, "",
   "b of AdaGrad-Norm (gamma_0 = lr / b)", "§2.8"},
};

/* ---- short per-class lists ------------------------------------------------------------ */

/* Parses "a, b, c" into out (at most max values); returns the count or -1 (msg). */
static long parse_list(const char *text, double *out, size_t max, char *msg, size_t len)
{
  size_t n = 0;
  const char *s = text;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v)) {
      snprintf(msg, len, "'%s' is not a comma-separated list of numbers", text);
      return -1;
    }
    if (n == max) {
      snprintf(msg, len, "more than %zu values", max);
      return -1;
    }
    out[n++] = v;
    while (*end == ' ' || *end == '\t') end++;
    if (*end == ',') end++;
    else if (*end != '\0') {
      snprintf(msg, len, "'%s' is not a comma-separated list of numbers", text);
      return -1;
    }
    s = end;
    while (*s == ' ' || *s == '\t') s++;
  }
  return (long)n;
}

/* A per-class list: empty -> def for all, one value -> all classes, l values. */
static int class_list(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                      const char *key, const char *text, size_t l, double def, double lo,
                      double hi, double *out)
{
  char msg[256];
  double v[GMM_MAX_CLASSES];
  long n = text[0] ? parse_list(text, v, GMM_MAX_CLASSES, msg, sizeof msg) : 0;
  if (n < 0) {
    hd_config_error(cfg, err, section, key, "%s", msg);
    return -1;
  }
  if (n != 0 && n != 1 && (size_t)n != l) {
    hd_config_error(cfg, err, section, key, "%ld values for %zu classes (give 1 or %zu)", n, l, l);
    return -1;
  }
  for (size_t c = 0; c < l; c++) {
    out[c] = n == 0 ? def : n == 1 ? v[0] : v[c];
    if (!(out[c] >= lo && out[c] <= hi)) {
      hd_config_error(cfg, err, section, key, "value %g outside [%g, %g]", out[c], lo, hi);
      return -1;
    }
  }
  return 0;
}

size_t gmm_outputs(const struct gmm_params *p)
{
  return p->loss == GMM_LOSS_SOFTMAX || p->loss == GMM_LOSS_ONEHOT_LS ? (size_t)p->classes : 1;
}

/* Resolves the per-class lists into plan fields (also used by validate for errors). */
int gmm_resolve_lists(const struct gmm_params *p, const struct hd_config *cfg,
                      struct hd_errors *err, struct gmm_plan *P)
{
  size_t l = (size_t)p->classes;
  int bad = 0;
  bad |= class_list(cfg, err, "data", "probs", p->probs, l, 1.0 / (double)l, 0, 1, P->prob);
  if (!bad && p->probs[0]) {
    double s = 0;
    for (size_t c = 0; c < l; c++) s += P->prob[c];
    if (fabs(s - 1) > 1e-9 || (l > 1 && strchr(p->probs, ',') == NULL)) {
      hd_config_error(cfg, err, "data", "probs", "class probabilities must be %zu values summing "
                      "to 1 (sum %g)", l, s);
      bad = 1;
    }
    for (size_t c = 0; c < l; c++) P->prob[c] /= s;
  }
  bad |= class_list(cfg, err, "data", "alpha", p->alpha, l, 1, 0, 20, P->alpha);
  bad |= class_list(cfg, err, "data", "variance", p->variance, l, 1, 0, 1e6, P->variance);
  if (gmm_outputs(p) == 1) {
    double def[2] = {p->loss == GMM_LOSS_LOGISTIC ? 1.0 : 1.0, p->loss == GMM_LOSS_LOGISTIC ? 0.0 : -1.0};
    if (!p->labels[0] && l > 2) {
      if (p->loss == GMM_LOSS_LOGISTIC)
        hd_config_error(cfg, err, "loss", "kind", "logistic is binary and %zu classes have no "
                        "default labels: use kind = softmax (or give labels, one 0 or 1 per "
                        "class)", l);
      else
        hd_config_error(cfg, err, "loss", "labels", "least_squares with %zu classes needs one "
                        "label y_c per class, or use kind = onehot_ls", l);
      bad = 1;
    } else if (!p->labels[0]) {
      for (size_t c = 0; c < l; c++) P->label[c] = def[c];
    } else {
      char msg[256];
      long n = parse_list(p->labels, P->label, GMM_MAX_CLASSES, msg, sizeof msg);
      if (n != (long)l) {
        hd_config_error(cfg, err, "loss", "labels", "%s", n < 0 ? msg : "need one label per class");
        bad = 1;
      }
      for (size_t c = 0; c < l && p->loss == GMM_LOSS_LOGISTIC && n == (long)l; c++)
        if (P->label[c] != 0 && P->label[c] != 1) {
          hd_config_error(cfg, err, "loss", "labels", "logistic labels must be 0 or 1");
          bad = 1;
          break;
        }
    }
  } else if (p->labels[0]) {
    hd_config_error(cfg, err, "loss", "labels", "softmax / onehot_ls labels are the classes: "
                    "remove labels, or use kind = logistic / least_squares for scalar labels");
    bad = 1;
  }
  double cum = 0;
  for (size_t c = 0; c < l; c++) P->cum[c] = (cum += P->prob[c]);
  P->cum[l - 1] = 1.0;
  return bad ? -1 : 0;
}

void gmm_validate(const void *params, const struct hd_run_params *run,
                  const struct hd_config *cfg, struct hd_errors *err)
{
  const struct gmm_params *p = params;
  struct gmm_plan tmp;
  memset(&tmp, 0, sizeof tmp);
  gmm_resolve_lists(p, cfg, err, &tmp);
  size_t l = (size_t)p->classes, q = gmm_outputs(p);
  int square = p->loss == GMM_LOSS_LS;
  if (p->loss == GMM_LOSS_SOFTMAX && l < 2)
    hd_config_error(cfg, err, "loss", "kind", "softmax needs classes >= 2 (one class: use kind "
                    "= least_squares)");
  if (q > GMM_MAX_Q) hd_config_error(cfg, err, "data", "classes", "at most %d outputs", GMM_MAX_Q);
  if (p->means == GMM_MEANS_ANTIPODAL && l > 2)
    hd_config_error(cfg, err, "data", "means", "antipodal means need classes <= 2: use means "
                    "= orthogonal or independent");
  if (p->means == GMM_MEANS_ORTHOGONAL && (long)l > p->d)
    hd_config_error(cfg, err, "data", "means", "%zu orthogonal means need d >= %zu", l, l);
  if (p->teacher != GMM_TEACHER_NONE && !square)
    hd_config_error(cfg, err, "data", "teacher", "a teacher needs [loss] kind = "
                    "least_squares");
  if (p->label_noise != 0 && !square)
    hd_config_error(cfg, err, "data", "label_noise", "label noise needs [loss] kind = least_squares");
  if (p->covariance == GMM_COV_ZERO_ONE && l > 10)
    hd_config_error(cfg, err, "data", "covariance", "zero_one supports at most 10 classes: use "
                    "covariance = file or power_law");
  if (p->covariance == GMM_COV_FILE && !p->spectrum_file[0])
    hd_config_error(cfg, err, "data", "spectrum_file", "covariance = file needs spectrum_file");
  if (p->covariance != GMM_COV_FILE && p->spectrum_file[0])
    hd_config_error(cfg, err, "data", "spectrum_file", "only read with covariance = file: set it, or "
                    "remove spectrum_file");
  if (p->mean_profile == GMM_PROFILE_CLEAN && p->covariance != GMM_COV_ZERO_ONE &&
      p->covariance != GMM_COV_FILE)
    hd_config_error(cfg, err, "data", "mean_profile", "clean means need zero-variance modes "
                    "(covariance = zero_one or file)");
  if (p->limit_nodes > 0 &&
      (p->covariance != GMM_COV_POWER_LAW || p->mean_profile != GMM_PROFILE_POWER_LAW ||
       !(p->means == GMM_MEANS_ANTIPODAL || p->means == GMM_MEANS_ZERO) ||
       p->teacher != GMM_TEACHER_NONE || p->mean_normalise))
    hd_config_error(cfg, err, "data", "limit_nodes", "the d -> infinity node grid needs "
                    "covariance = power_law, mean_profile = power_law, antipodal or zero means, "
                    "no teacher and mean_normalise = false");
  if (p->adaptive != GMM_ADAPTIVE_NONE && p->schedule != HD_SCHEDULE_CONSTANT)
    hd_config_error(cfg, err, "optimizer", "adaptive",
                    "adagrad_norm sets the learning rate itself: use schedule = constant");
  if (run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method", "gmm_multiclass has no exact recursion; use ode");
}

