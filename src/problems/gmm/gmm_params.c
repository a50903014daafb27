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
static const char *const mean_kinds[] = {"antipodal", "independent", "orthogonal",
                                         "zero",      "file",        NULL};
static const char *const profiles[] = {"gaussian", "power_law", "clean", NULL};
static const char *const teachers[] = {"none", "random", "file", NULL};
static const char *const losses[] = {"least_squares", "logistic", "softmax", "onehot_ls", NULL};
static const char *const inits[] = {"zero", "random", "file", NULL};
static const char *const adaptives[] = {"none", "adagrad_norm", NULL};
static const char *const limit_rules[] = {"mapped", "midpoint", NULL};

const struct hd_param gmm_table[] = {
    {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "dimension of the data",
     "§1.1"},
    {"data", "classes", HD_INT, F(classes), "2", 1, GMM_MAX_CLASSES, 0, NULL, "",
     "number l of mixture components (classes)", "§1.1"},
    {"data", "probs", HD_REAL_LIST, F(probs), "", 0, 1, 0, NULL, "",
     "class probabilities p_c, one per class summing to 1 (empty: uniform 1/l)", "§1.1"},
    {"data", "covariance", HD_ENUM, F(covariance), "isotropic", 0, 0, 0, covariances, "",
     "class covariances in one eigenbasis: isotropic, zero_one (clean modes where every "
     "class vanishes, the rest cycling through the non-zero class patterns), power_law "
     "((rho/d)^alpha_c), file (one spectrum file per class)",
     "§3.1"},
    HD_SPECTRUM_ALPHA_ROW(struct gmm_params, spectrum),
    {"data", "variance", HD_REAL_LIST, F(variance), "1", 0, 1e6, 0, NULL, "",
     "per-class multiplier of the eigenvalues, one value or one per class", "§2.4"},
    {"data", "clean_fraction", HD_REAL, F(clean_fraction), "0.25", 0, 1, HD_MAX_EXCL, NULL, "",
     "zero_one: fraction of modes with zero variance in every class [GUESS: 1/4]", "§3.1"},
    HD_SPECTRUM_FILE_ROW(struct gmm_params, spectrum),
    HD_SPECTRUM_NORMALISE_ROW(struct gmm_params, spectrum),
    {"data", "means", HD_ENUM, F(means), "antipodal", 0, 0, 0, mean_kinds, "",
     "class means: antipodal (+mu, -mu; l <= 2), independent draws, orthogonal (random, "
     "Gram-Schmidt, norm mean_scale), zero, or file (means_file)",
     "§3.1"},
    {"data", "mean_profile", HD_ENUM, F(mean_profile), "gaussian", 0, 0, 0, profiles, "",
     "mean coordinates: gaussian (N(0,1)/sqrt(d)), power_law (d^-1/2 (rho/d)^beta; random "
     "signs for independent means), clean (gaussian on the modes where every class "
     "covariance vanishes)",
     "§2.6"},
    {"data", "mean_scale", HD_REAL, F(mean_scale), "1", 0, 1e6, 0, NULL, "",
     "multiplier of the mean profile", NULL},
    {"data", "mean_beta", HD_REAL, F(mean_beta), "0", -0.49, 10, 0, NULL, "",
     "beta of the power-law mean profile", "§3.2"},
    {"data", "mean_normalise", HD_BOOL, F(mean_normalise), "false", 0, 0, 0, NULL, "",
     "rescale each mean to norm mean_scale exactly", NULL},
    {"data", "means_file", HD_ARRAY, F(means_file), "", 0, 0, 0, NULL, "",
     "means = file: the class means as an l x d matrix (row c: mu_c), in the eigenbasis of "
     "the class covariances",
     "§1.1"},
    {"data", "eigenvectors", HD_ARRAY, F(eigenvectors), "", 0, 0, 0, NULL, "",
     "d x d orthonormal U, column i the common eigenvector i of the class covariances: "
     "means_file, teacher_file and init_file are then in the data's coordinates (U^T applied)",
     "§1.1"},
    {"data", "teacher", HD_ENUM, F(teacher), "none", 0, 0, 0, teachers, "",
     "least squares only: label y = <theta*, x> + y_c + eps with theta* ~ N(0, I/d) from "
     "the seed (one class, zero mean: streaming least squares), or file (teacher_file)",
     "§1.2"},
    {"data", "teacher_file", HD_ARRAY, F(teacher_file), "", 0, 0, 0, NULL, "",
     "teacher = file: theta* (d values, in the eigenbasis)", "§1.2"},
    {"data", "teacher_norm", HD_REAL, F(teacher_norm), "0", 0, 1e6, 0, NULL, "",
     "> 0: theta* rescaled to exactly this norm ||theta*|| (0: as drawn or read)", "§1.2"},
    {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "",
     "least squares only: standard deviation of the label noise eps", NULL},
    {"data", "bands", HD_INT, F(bands), "4", 1, 16, 0, NULL, "",
     "spectral bands (decades of max_c lambda^(c)) for the per-band norm and margin; a "
     "clean band of zero-variance modes is added when there is one",
     "§1.4"},
    {"data", "limit_nodes", HD_INT, F(limit_nodes), "0", 0, 1e6, 0, NULL, "",
     "theory only: > 0 integrates the d -> infinity power-law limit on this many "
     "log-spaced nodes in u = rho/d (power_law covariance and mean profile)",
     "§2.7"},
    {"data", "limit_umin", HD_REAL, F(limit_umin), "1e-12", 1e-300, 0.1, HD_MIN_EXCL, NULL, "",
     "smallest node u of the d -> infinity grid", "§2.7"},
    {"data", "limit_rule", HD_ENUM, F(limit_rule), "mapped", 0, 0, 0, limit_rules, "",
     "quadrature of the d -> infinity grid: mapped (u = sigmoid(tau + e^tau), midpoints in "
     "tau: log-spaced below, the u = 1 end made smooth; ~100 nodes for 1e-8), or midpoint (midpoints in log u, "
     "second order: ~800 nodes for 1e-4)",
     "§2.7"},
    {"loss", "kind", HD_ENUM, F(loss), "logistic", 0, 0, 0, losses, "",
     "least_squares (q = 1), logistic (binary, q = 1), softmax (cross-entropy, q = l), "
     "onehot_ls (q = l)",
     "§1.2"},
    {"loss", "labels", HD_REAL_LIST, F(labels), "", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL, "",
     "q = 1 losses: label y_c per class (default: logistic 1, 0; least squares +1, -1)", "§1.1"},
    {"loss", "quadrature", HD_INT, F(quadrature), "0", 0, 512, 0, NULL, "",
     "Gauss-Hermite nodes (per dimension); 0 = auto: logistic 64 nodes while s <= 2, "
     "Gauss-Legendre panels with exact tails beyond (error < 1e-12); softmax 64/40/16/10 per "
     "dimension for 2/3/4/5 classes, a 4096-point QMC rule beyond",
     "§2.3"},
    HD_SCHEDULE_ROWS(struct gmm_params, schedule, "§1.3"),
    {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "", "ridge penalty delta",
     "§2.8"},
    {"optimizer", "batch", HD_INT, F(batch), "1", 1, 1e6, 0, NULL, "",
     "mini-batch size B (gradients averaged; t counts steps / d)", "§2.8"},
    {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, inits, "",
     "X_0 = 0; random: X_0 ~ N(0, init_scale^2 / d I), independent per run; file: X_0 from "
     "init_file for every run",
     "§1.3"},
    {"optimizer", "init_file", HD_ARRAY, F(init_file), "", 0, 0, 0, NULL, "",
     "init = file: X_0, d values (one output) or a d x q matrix, in the eigenbasis", "§2.6"},
    {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
     "sigma_0 of the random initialisation", "§2.6"},
    {"optimizer", "adaptive", HD_ENUM, F(adaptive), "none", 0, 0, 0, adaptives, "",
     "none (lr and schedule), or adagrad_norm: gamma_k = lr / sqrt(adagrad_b^2 + d^-2 "
     "sum_{j<k} ||grad_j||^2), per-sample norms averaged over a batch (High Line eq. 16)",
     "§2.8"},
    {"optimizer", "adagrad_b", HD_REAL, F(adagrad_b), "1", 0, 1e6, HD_MIN_EXCL, NULL, "",
     "b of AdaGrad-Norm (gamma_0 = lr / b)", "§2.8"},
};

/* ---- per-class lists ------------------------------------------------------------------ */

/* A per-class list: empty -> def for every class, one value -> every class, or l values
 * (the table has checked each value's range). */
static int class_list(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                      const char *key, const struct hd_real_list *v, size_t l, double def,
                      double *out)
{
  if (v->n != 0 && v->n != 1 && v->n != l) {
    hd_config_error(cfg, err, section, key, "%zu values for %zu classes (give 1 or %zu)", v->n, l,
                    l);
    return -1;
  }
  for (size_t c = 0; c < l; c++) out[c] = v->n == 0 ? def : v->n == 1 ? v->v[0] : v->v[c];
  return 0;
}

size_t gmm_outputs(const struct gmm_params *p)
{
  return p->loss == GMM_LOSS_SOFTMAX || p->loss == GMM_LOSS_ONEHOT_LS ? (size_t)p->classes : 1;
}

/* p_c: uniform when not given, else one per class summing to 1 (renormalised exactly). */
static int resolve_probs(const struct gmm_params *p, const struct hd_config *cfg,
                         struct hd_errors *err, double *prob)
{
  const size_t l = (size_t)p->classes, n = p->probs.n;
  if (n == 0) {
    for (size_t c = 0; c < l; c++) prob[c] = 1.0 / (double)l;
    return 0;
  }
  double s = 0;
  for (size_t c = 0; c < n; c++) s += p->probs.v[c];
  if (n != l || fabs(s - 1) > 1e-9) {
    hd_config_error(cfg, err, "data", "probs",
                    "class probabilities must be %zu values summing "
                    "to 1 (%zu values, sum %g)",
                    l, n, s);
    return -1;
  }
  for (size_t c = 0; c < l; c++) prob[c] = p->probs.v[c] / s;
  return 0;
}

/* y_c of the q = 1 losses: logistic 1, 0 and least squares +1, -1 by default (two classes
 * at most), or one per class (logistic: 0 or 1). */
static int resolve_labels(const struct gmm_params *p, const struct hd_config *cfg,
                          struct hd_errors *err, double *label)
{
  const size_t l = (size_t)p->classes, n = p->labels.n;
  const int logistic = p->loss == GMM_LOSS_LOGISTIC;
  if (gmm_outputs(p) > 1) {
    if (n == 0) return 0;
    hd_config_error(cfg, err, "loss", "labels",
                    "softmax / onehot_ls labels are the classes: "
                    "remove labels, or use kind = logistic / least_squares for scalar labels");
    return -1;
  }
  if (n == 0 && l > 2) {
    if (logistic)
      hd_config_error(cfg, err, "loss", "kind",
                      "logistic is binary and %zu classes have no "
                      "default labels: use kind = softmax (or give labels, one 0 or 1 per "
                      "class)",
                      l);
    else
      hd_config_error(cfg, err, "loss", "labels",
                      "least_squares with %zu classes needs one "
                      "label y_c per class, or use kind = onehot_ls",
                      l);
    return -1;
  }
  if (n == 0) {
    const double def[2] = {1.0, logistic ? 0.0 : -1.0};
    for (size_t c = 0; c < l; c++) label[c] = def[c];
    return 0;
  }
  if (n != l) {
    hd_config_error(cfg, err, "loss", "labels",
                    "%zu labels for %zu classes: need one label per "
                    "class",
                    n, l);
    return -1;
  }
  for (size_t c = 0; c < l; c++) {
    if (logistic && p->labels.v[c] != 0 && p->labels.v[c] != 1) {
      hd_config_error(cfg, err, "loss", "labels", "logistic labels must be 0 or 1");
      return -1;
    }
    label[c] = p->labels.v[c];
  }
  return 0;
}

/* Resolves the per-class lists into plan fields (also used by validate for errors). */
int gmm_resolve_lists(const struct gmm_params *p, const struct hd_config *cfg,
                      struct hd_errors *err, struct gmm_plan *P)
{
  const size_t l = (size_t)p->classes;
  int bad = 0;
  bad |= resolve_probs(p, cfg, err, P->prob);
  bad |= class_list(cfg, err, "data", "alpha", &p->spectrum.alpha, l, 1, P->alpha);
  bad |= class_list(cfg, err, "data", "variance", &p->variance, l, 1, P->variance);
  bad |= resolve_labels(p, cfg, err, P->label);
  double cum = 0;
  for (size_t c = 0; c < l; c++) P->cum[c] = (cum += P->prob[c]);
  P->cum[l - 1] = 1.0;
  return bad ? -1 : 0;
}

/* The array keys, each read exactly when its switch says so. */
static void validate_files(const struct gmm_params *p, const struct hd_run_params *run,
                           const struct hd_config *cfg, struct hd_errors *err)
{
  static const struct {
    const char *key, *word;
    size_t offset;
  } files[] = {{"means_file", "means", F(means_file)},
               {"teacher_file", "teacher", F(teacher_file)},
               {"init_file", "init", F(init_file)}};
  const int on[] = {p->means == GMM_MEANS_FILE, p->teacher == GMM_TEACHER_FILE,
                    p->init == GMM_INIT_FILE};
  for (size_t k = 0; k < 3; k++) {
    const char *section = k == 2 ? "optimizer" : "data";
    const char *value = (const char *)p + files[k].offset;
    if (on[k] && !value[0])
      hd_config_error(cfg, err, section, files[k].word, "%s = file needs %s", files[k].word,
                      files[k].key);
    if (!on[k] && value[0])
      hd_config_error(cfg, err, section, files[k].key, "%s is only read with %s = file",
                      files[k].key, files[k].word);
  }
  if (p->eigenvectors[0] && !on[0] && !on[1] && !on[2])
    hd_config_error(cfg, err, "data", "eigenvectors",
                    "eigenvectors only place means_file, teacher_file and init_file in the "
                    "eigenbasis; none is read");
  if (p->teacher_norm > 0 && p->teacher == GMM_TEACHER_NONE)
    hd_config_error(cfg, err, "data", "teacher_norm", "teacher_norm needs a teacher");
  if (p->means == GMM_MEANS_FILE) {
    static const char *const generated[] = {"mean_profile", "mean_scale", "mean_beta",
                                            "mean_normalise"};
    for (size_t k = 0; k < 4; k++)
      if (hd_config_has(cfg, "data", generated[k]))
        hd_config_error(cfg, err, "data", generated[k],
                        "%s shapes generated means; means = file reads them as given",
                        generated[k]);
  }
  if (p->init == GMM_INIT_FILE && (p->limit_nodes > 0 || run->bins > 0))
    hd_config_error(cfg, err, "optimizer", "init",
                    "init = file gives the theory the exact projection of X_0 on the finite-d "
                    "eigen-groups: not with limit_nodes or [theory] bins");
}

void gmm_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                  struct hd_errors *err)
{
  const struct gmm_params *p = params;
  struct gmm_plan tmp;
  memset(&tmp, 0, sizeof tmp);
  gmm_resolve_lists(p, cfg, err, &tmp);
  size_t l = (size_t)p->classes, q = gmm_outputs(p);
  int square = p->loss == GMM_LOSS_LS;
  if (p->loss == GMM_LOSS_SOFTMAX && l < 2)
    hd_config_error(cfg, err, "loss", "kind",
                    "softmax needs classes >= 2 (one class: use kind "
                    "= least_squares)");
  if (q > GMM_MAX_Q) hd_config_error(cfg, err, "data", "classes", "at most %d outputs", GMM_MAX_Q);
  if (p->means == GMM_MEANS_ANTIPODAL && l > 2)
    hd_config_error(cfg, err, "data", "means",
                    "antipodal means need classes <= 2: use means "
                    "= orthogonal or independent");
  if (p->means == GMM_MEANS_ORTHOGONAL && (long)l > p->d)
    hd_config_error(cfg, err, "data", "means", "%zu orthogonal means need d >= %zu", l, l);
  if (p->teacher != GMM_TEACHER_NONE && !square)
    hd_config_error(cfg, err, "data", "teacher",
                    "a teacher needs [loss] kind = "
                    "least_squares");
  if (p->label_noise != 0 && !square)
    hd_config_error(cfg, err, "data", "label_noise",
                    "label noise needs [loss] kind = least_squares");
  if (p->covariance == GMM_COV_ZERO_ONE && l > 10)
    hd_config_error(cfg, err, "data", "covariance",
                    "zero_one supports at most 10 classes: use "
                    "covariance = file or power_law");
  const size_t nf = p->spectrum.file.n;
  if (p->covariance == GMM_COV_FILE && nf == 0)
    hd_config_error(cfg, err, "data", "spectrum_file", "covariance = file needs spectrum_file");
  if (p->covariance == GMM_COV_FILE && nf != 0 && nf != 1 && nf != l)
    hd_config_error(cfg, err, "data", "spectrum_file", "%zu files for %zu classes (give 1 or %zu)",
                    nf, l, l);
  if (p->covariance != GMM_COV_FILE && nf != 0)
    hd_config_error(cfg, err, "data", "spectrum_file",
                    "only read with covariance = file: set it, or "
                    "remove spectrum_file");
  if (p->mean_profile == GMM_PROFILE_CLEAN && p->covariance != GMM_COV_ZERO_ONE &&
      p->covariance != GMM_COV_FILE)
    hd_config_error(cfg, err, "data", "mean_profile",
                    "clean means need zero-variance modes "
                    "(covariance = zero_one or file)");
  if (p->limit_nodes > 0 &&
      (p->covariance != GMM_COV_POWER_LAW || p->mean_profile != GMM_PROFILE_POWER_LAW ||
       !(p->means == GMM_MEANS_ANTIPODAL || p->means == GMM_MEANS_ZERO) ||
       p->teacher != GMM_TEACHER_NONE || p->mean_normalise))
    hd_config_error(cfg, err, "data", "limit_nodes",
                    "the d -> infinity node grid needs "
                    "covariance = power_law, mean_profile = power_law, antipodal or zero means, "
                    "no teacher and mean_normalise = false");
  if (p->adaptive != GMM_ADAPTIVE_NONE && p->schedule.kind != HD_SCHEDULE_CONSTANT)
    hd_config_error(cfg, err, "optimizer", "adaptive",
                    "adagrad_norm sets the learning rate itself: use schedule = constant");
  if (run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method", "gmm_multiclass has no exact recursion; use ode");
  validate_files(p, run, cfg, err);
}
