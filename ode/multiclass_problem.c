/* multiclass_problem.c — multi-class one-pass SGD on Gaussian mixtures as an hdsim problem:
 * the parameter table (the one source of truth for its model-file keys), validation, the
 * plan (spectra, means, eigen-groups, bands, the d -> infinity node grid, quadrature,
 * observables) and the registry entry.  Mathematics: shared/specs/multiclass_sgd.md. */
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multiclass.h"
#include "rng.h"
#include "spectrum.h"

#define F(field) offsetof(struct mc_params, field)

static const char *const covariances[] = {"isotropic", "zero_one", "power_law", "file", NULL};
static const char *const normalisations[] = {"none", "trace", NULL};
static const char *const mean_kinds[] = {"antipodal", "independent", "orthogonal", "zero", NULL};
static const char *const profiles[] = {"gaussian", "power_law", "clean", NULL};
static const char *const teachers[] = {"none", "random", NULL};
static const char *const losses[] = {"least_squares", "logistic", "softmax", "onehot_ls", NULL};
static const char *const schedules[] = {"constant", "step", "inverse_power", NULL};
static const char *const inits[] = {"zero", "random", NULL};
static const char *const adaptives[] = {"none", "adagrad_norm", NULL};

static const struct hd_param mc_table[] = {
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "dimension of the data",
   "§1.1"},
  {"data", "classes", HD_INT, F(classes), "2", 1, MC_MAX_CLASSES, 0, NULL, "",
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
  double v[MC_MAX_CLASSES];
  long n = text[0] ? parse_list(text, v, MC_MAX_CLASSES, msg, sizeof msg) : 0;
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

static size_t outputs(const struct mc_params *p)
{
  return p->loss == MC_LOSS_SOFTMAX || p->loss == MC_LOSS_ONEHOT_LS ? (size_t)p->classes : 1;
}

/* Resolves the per-class lists into plan fields (also used by validate for errors). */
static int resolve_lists(const struct mc_params *p, const struct hd_config *cfg,
                         struct hd_errors *err, struct mc_plan *P)
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
  if (outputs(p) == 1) {
    double def[2] = {p->loss == MC_LOSS_LOGISTIC ? 1.0 : 1.0, p->loss == MC_LOSS_LOGISTIC ? 0.0 : -1.0};
    if (!p->labels[0] && l > 2) {
      hd_config_error(cfg, err, "loss", "labels", "%zu classes with a q = 1 loss need labels", l);
      bad = 1;
    } else if (!p->labels[0]) {
      for (size_t c = 0; c < l; c++) P->label[c] = def[c];
    } else {
      char msg[256];
      long n = parse_list(p->labels, P->label, MC_MAX_CLASSES, msg, sizeof msg);
      if (n != (long)l) {
        hd_config_error(cfg, err, "loss", "labels", "%s", n < 0 ? msg : "need one label per class");
        bad = 1;
      }
      for (size_t c = 0; c < l && p->loss == MC_LOSS_LOGISTIC && n == (long)l; c++)
        if (P->label[c] != 0 && P->label[c] != 1) {
          hd_config_error(cfg, err, "loss", "labels", "logistic labels must be 0 or 1");
          bad = 1;
          break;
        }
    }
  } else if (p->labels[0]) {
    hd_config_error(cfg, err, "loss", "labels", "softmax / onehot_ls labels are the classes");
    bad = 1;
  }
  double cum = 0;
  for (size_t c = 0; c < l; c++) P->cum[c] = (cum += P->prob[c]);
  P->cum[l - 1] = 1.0;
  return bad ? -1 : 0;
}

static void mc_validate(const void *params, const struct hd_run_params *run,
                        const struct hd_config *cfg, struct hd_errors *err)
{
  const struct mc_params *p = params;
  struct mc_plan tmp;
  memset(&tmp, 0, sizeof tmp);
  resolve_lists(p, cfg, err, &tmp);
  size_t l = (size_t)p->classes, q = outputs(p);
  int square = p->loss == MC_LOSS_LS;
  if (p->loss == MC_LOSS_SOFTMAX && l < 2)
    hd_config_error(cfg, err, "loss", "kind", "softmax needs classes >= 2");
  if (p->loss == MC_LOSS_LOGISTIC && l > 2 && !p->labels[0])
    hd_config_error(cfg, err, "loss", "labels", "binary logistic with %zu classes needs labels", l);
  if (q > MC_MAX_Q) hd_config_error(cfg, err, "data", "classes", "at most %d outputs", MC_MAX_Q);
  if (p->means == MC_MEANS_ANTIPODAL && l > 2)
    hd_config_error(cfg, err, "data", "means", "antipodal means need classes <= 2");
  if (p->means == MC_MEANS_ORTHOGONAL && (long)l > p->d)
    hd_config_error(cfg, err, "data", "means", "%zu orthogonal means need d >= %zu", l, l);
  if (p->teacher != MC_TEACHER_NONE && !square)
    hd_config_error(cfg, err, "data", "teacher", "a teacher needs [loss] kind = least_squares");
  if (p->label_noise != 0 && !square)
    hd_config_error(cfg, err, "data", "label_noise", "label noise needs [loss] kind = least_squares");
  if (p->covariance == MC_COV_ZERO_ONE && l > 10)
    hd_config_error(cfg, err, "data", "covariance", "zero_one supports at most 10 classes");
  if (p->covariance == MC_COV_FILE && !p->spectrum_file[0])
    hd_config_error(cfg, err, "data", "spectrum_file", "covariance = file needs spectrum_file");
  if (p->covariance != MC_COV_FILE && p->spectrum_file[0])
    hd_config_error(cfg, err, "data", "spectrum_file", "only read with covariance = file");
  if (p->mean_profile == MC_PROFILE_CLEAN && p->covariance != MC_COV_ZERO_ONE &&
      p->covariance != MC_COV_FILE)
    hd_config_error(cfg, err, "data", "mean_profile", "clean means need zero-variance modes "
                    "(covariance = zero_one or file)");
  if (p->limit_nodes > 0 &&
      (p->covariance != MC_COV_POWER_LAW || p->mean_profile != MC_PROFILE_POWER_LAW ||
       !(p->means == MC_MEANS_ANTIPODAL || p->means == MC_MEANS_ZERO) ||
       p->teacher != MC_TEACHER_NONE || p->mean_normalise))
    hd_config_error(cfg, err, "data", "limit_nodes", "the d -> infinity node grid needs "
                    "covariance = power_law, mean_profile = power_law, antipodal or zero means, "
                    "no teacher and mean_normalise = false");
  if (p->adaptive != MC_ADAPTIVE_NONE && p->schedule != HD_SCHEDULE_CONSTANT)
    hd_config_error(cfg, err, "optimizer", "adaptive",
                    "adagrad_norm sets the learning rate itself: use schedule = constant");
  if (run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method", "gmm_multiclass has no exact recursion; use ode");
}

/* ---- spectra and means ------------------------------------------------------------------ */

static int fill_spectra(struct mc_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d, l = P->l;
  const struct mc_params *p = &P->p;
  char msg[512];
  char files[MC_MAX_CLASSES][HD_STR_MAX];
  size_t nf = 0;
  if (p->covariance == MC_COV_FILE) { /* comma-separated paths */
    const char *s = p->spectrum_file;
    while (*s && nf < MC_MAX_CLASSES) {
      while (*s == ' ') s++;
      size_t k = strcspn(s, ",");
      size_t e = k;
      while (e > 0 && s[e - 1] == ' ') e--;
      snprintf(files[nf++], HD_STR_MAX, "%.*s", (int)e, s);
      s += k + (s[k] == ',');
    }
    if (nf != 1 && nf != l) {
      hd_config_error(cfg, err, "data", "spectrum_file", "%zu files for %zu classes", nf, l);
      return -1;
    }
  }
  for (size_t c = 0; c < l; c++) {
    double *lam = P->lambda + c * d;
    switch (p->covariance) {
    case MC_COV_ISOTROPIC:
      for (size_t i = 0; i < d; i++) lam[i] = 1.0;
      break;
    case MC_COV_ZERO_ONE: { /* clean modes first, then the patterns 1 .. 2^l - 1 in turn */
      size_t n0 = (size_t)llround(p->clean_fraction * (double)d), np = ((size_t)1 << l) - 1;
      for (size_t i = 0; i < d; i++)
        lam[i] = i < n0 ? 0.0 : ((((i - n0) % np) + 1) >> c) & 1 ? 1.0 : 0.0;
      break;
    }
    case MC_COV_POWER_LAW:
      if (p->normalise == MC_NORM_TRACE) { /* the engine's spectrum, bit for bit */
        hd_spectrum_fill(HD_SPECTRUM_POWER_LAW, d, P->alpha[c], 0, NULL, 0, lam, msg, sizeof msg);
      } else { /* lambda_rho = (rho/d)^alpha, rho = d - i (largest first, as spectrum.c) */
        for (size_t i = 0; i < d; i++) lam[i] = pow((double)(d - i) / (double)d, P->alpha[c]);
      }
      break;
    case MC_COV_FILE: {
      char path[2 * HD_STR_MAX];
      if (hd_config_resolve_path(cfg, files[nf == 1 ? 0 : c], path, sizeof path) != 0 ||
          hd_spectrum_fill(HD_SPECTRUM_FILE, d, 0, 0, path, p->normalise == MC_NORM_TRACE, lam,
                           msg, sizeof msg) != 0) {
        hd_config_error(cfg, err, "data", "spectrum_file", "%s", msg);
        return -1;
      }
      break;
    }
    }
    if (p->normalise == MC_NORM_TRACE &&
        (p->covariance == MC_COV_ISOTROPIC || p->covariance == MC_COV_ZERO_ONE)) {
      double s = 0;
      for (size_t i = 0; i < d; i++) s += lam[i];
      for (size_t i = 0; i < d; i++) lam[i] *= (double)d / s;
    }
    for (size_t i = 0; i < d; i++) {
      lam[i] *= P->variance[c];
      P->sqrt_lambda[c * d + i] = sqrt(lam[i]);
    }
  }
  return 0;
}

static int is_clean(const struct mc_plan *P, size_t i)
{
  for (size_t c = 0; c < P->l; c++)
    if (P->lambda[c * P->d + i] != 0) return 0;
  return 1;
}

/* One mean profile into v (d values), from class stream c. */
static void mean_profile(const struct mc_plan *P, size_t c, int signs, double *v)
{
  const size_t d = P->d;
  const double sd = sqrt((double)d);
  struct hd_rng r;
  hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_EXTRA + 1 + c, 0);
  switch (P->p.mean_profile) {
  case MC_PROFILE_GAUSSIAN:
    hd_rng_normal_array(&r, v, d);
    for (size_t i = 0; i < d; i++) v[i] /= sd;
    break;
  case MC_PROFILE_POWER_LAW: /* mu_rho = d^-1/2 (rho/d)^beta, rho = d - i as the spectra */
    if (signs) hd_rng_rademacher_array(&r, v, d);
    for (size_t i = 0; i < d; i++)
      v[i] = (signs ? v[i] : 1.0) * pow((double)(d - i) / (double)d, P->p.mean_beta) / sd;
    break;
  case MC_PROFILE_CLEAN:
    hd_rng_normal_array(&r, v, d);
    for (size_t i = 0; i < d; i++) v[i] = is_clean(P, i) ? v[i] / sd : 0.0;
    break;
  }
  double s = 0;
  for (size_t i = 0; i < d; i++) s += v[i] * v[i];
  double scale = P->p.mean_scale / (P->p.mean_normalise && s > 0 ? sqrt(s) : 1.0);
  for (size_t i = 0; i < d; i++) v[i] *= scale;
}

static int fill_directions(struct mc_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d, l = P->l;
  double *u = P->u;
  switch (P->p.means) {
  case MC_MEANS_ANTIPODAL:
    mean_profile(P, 0, 0, u);
    if (l == 2)
      for (size_t i = 0; i < d; i++) u[d + i] = -u[i];
    break;
  case MC_MEANS_INDEPENDENT:
    for (size_t c = 0; c < l; c++) mean_profile(P, c, 1, u + c * d);
    break;
  case MC_MEANS_ORTHOGONAL: /* Gram-Schmidt (twice, for orthogonality to rounding) */
    for (size_t c = 0; c < l; c++) {
      double *v = u + c * d;
      mean_profile(P, c, 1, v);
      for (int pass = 0; pass < 2; pass++)
        for (size_t b = 0; b < c; b++) {
          double dot = 0, nb = 0;
          for (size_t i = 0; i < d; i++) dot += v[i] * u[b * d + i], nb += u[b * d + i] * u[b * d + i];
          for (size_t i = 0; i < d; i++) v[i] -= dot / nb * u[b * d + i];
        }
      double s = 0;
      for (size_t i = 0; i < d; i++) s += v[i] * v[i];
      for (size_t i = 0; i < d; i++) v[i] *= P->p.mean_scale / sqrt(s);
    }
    break;
  case MC_MEANS_ZERO:
    memset(u, 0, l * d * sizeof(double));
    break;
  }
  if (P->p.mean_profile == MC_PROFILE_CLEAN) {
    size_t nclean = 0;
    for (size_t i = 0; i < d; i++) nclean += (size_t)is_clean(P, i);
    if (nclean == 0) {
      hd_config_error(cfg, err, "data", "mean_profile", "no mode has zero variance in every class");
      return -1;
    }
  }
  if (P->p.teacher == MC_TEACHER_RANDOM) { /* streaming_lsq's random target, bit for bit */
    double *th = u + l * d, sd = sqrt((double)d);
    struct hd_rng r;
    hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_TARGET, 0);
    hd_rng_normal_array(&r, th, d);
    for (size_t i = 0; i < d; i++) th[i] /= sd;
    for (size_t i = 0; i < d; i++) P->teacher_sq += th[i] * th[i];
    for (size_t c = 0; c < l; c++)
      for (size_t i = 0; i < d; i++) P->mean_dot_teacher[c] += u[c * d + i] * th[i];
  }
  return 0;
}

/* ---- eigen-groups and bands -------------------------------------------------------------- */

struct mode_key {
  const double *lam; /* l values (one row of the transposed spectrum) */
  size_t l, idx;
};

static int cmp_modes(const void *x, const void *y)
{
  const struct mode_key *a = x, *b = y;
  for (size_t c = 0; c < a->l; c++)
    if (a->lam[c] != b->lam[c]) return a->lam[c] < b->lam[c] ? 1 : -1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

static void groups_alloc(struct mc_groups *G, size_t n, size_t l, size_t A)
{
  G->n = n;
  G->w = calloc(n, sizeof(double));
  G->lam = calloc(n * l, sizeof(double));
  G->P = calloc(n * A * A, sizeof(double));
  G->band = calloc(n, sizeof(size_t));
}

static void groups_free(struct mc_groups *G)
{
  free(G->w);
  free(G->lam);
  free(G->P);
  free(G->band);
  memset(G, 0, sizeof *G);
}

/* Modes with identical eigenvalue tuples collapse into one group (exact equality:
 * generated spectra repeat values exactly): isotropic 1 group, zero-one <= 2^l. */
static void build_groups(struct mc_plan *P)
{
  const size_t d = P->d, l = P->l, A = P->A;
  double *rows = malloc(d * l * sizeof *rows);
  struct mode_key *key = malloc(d * sizeof *key);
  for (size_t i = 0; i < d; i++) {
    for (size_t c = 0; c < l; c++) rows[i * l + c] = P->lambda[c * d + i];
    key[i] = (struct mode_key){.lam = rows + i * l, .l = l, .idx = i};
  }
  qsort(key, d, sizeof *key, cmp_modes);
  size_t ng = 0;
  for (size_t i = 0; i < d; i++)
    if (i == 0 || memcmp(key[i].lam, key[i - 1].lam, l * sizeof(double)) != 0) ng++;
  groups_alloc(&P->fin, ng, l, A);
  P->mode_group = malloc(d * sizeof *P->mode_group);
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && memcmp(key[i].lam, key[i - 1].lam, l * sizeof(double)) != 0) g++;
    size_t mode = key[i].idx;
    P->mode_group[mode] = g;
    memcpy(P->fin.lam + g * l, key[i].lam, l * sizeof(double));
    P->fin.w[g] += 1.0 / (double)d;
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < A; b++)
        P->fin.P[(g * A + a) * A + b] += P->u[a * d + mode] * P->u[b * d + mode];
  }
  free(rows);
  free(key);
}

/* d -> infinity power law (spec §2.7): nodes u_j log-spaced in [umin, 1] (midpoints in
 * log u), weights u_j dlog u; lambda^(c) = v_c u^alpha_c (times (1 + alpha_c) under trace
 * normalisation), and the power-law mean's Gram P_{ab} = s_a s_b w u^(2 beta). */
static void build_limit(struct mc_plan *P)
{
  const size_t N = (size_t)P->p.limit_nodes, l = P->l, A = P->A;
  groups_alloc(&P->lim, N, l, A);
  double L = -log(P->p.limit_umin), h = L / (double)N;
  double sign[2] = {1.0, -1.0};
  for (size_t j = 0; j < N; j++) {
    double uu = exp(-L + (j + 0.5) * h);
    P->lim.w[j] = uu * h;
    for (size_t c = 0; c < l; c++) {
      double scale = P->p.normalise == MC_NORM_TRACE ? 1 + P->alpha[c] : 1.0;
      P->lim.lam[j * l + c] = P->variance[c] * scale * pow(uu, P->alpha[c]);
    }
    double pm = P->p.means == MC_MEANS_ZERO ? 0.0
                : P->p.mean_scale * P->p.mean_scale * P->lim.w[j] * pow(uu, 2 * P->p.mean_beta);
    for (size_t a = 0; a < l; a++)
      for (size_t b = 0; b < l; b++) P->lim.P[(j * A + a) * A + b] = sign[a] * sign[b] * pm;
  }
}

static void group_traces(struct mc_groups *G, size_t l)
{
  for (size_t c = 0; c < l; c++) {
    G->trK[c] = 0;
    for (size_t g = 0; g < G->n; g++) G->trK[c] += G->w[g] * G->lam[g * l + c];
  }
}

static double lam_eff(const struct mc_groups *G, size_t g, size_t l)
{
  double v = 0;
  for (size_t c = 0; c < l; c++) v = fmax(v, G->lam[g * l + c]);
  return v;
}

/* [theory] bins = N (the engine's spectral binning): consecutive finite-d groups (sorted by
 * their eigenvalue tuples) merge into at most ~N bins, half by quantiles of the mode count
 * and half by decades-resolved log bins of max_c lambda^(c), as streaming_lsq bins; a bin
 * carries the mean eigenvalues and the summed mean Gram matrix.  The engine estimates the
 * error by doubling N.  The Monte Carlo keeps the exact groups. */
static void build_bins(struct mc_plan *P, long bins)
{
  const struct mc_groups *F = &P->fin;
  const size_t l = P->l, A = P->A, half = (size_t)(bins >= 2 ? bins / 2 : 1);
  double top = 0, low = INFINITY;
  for (size_t g = 0; g < F->n; g++) {
    double v = lam_eff(F, g, l);
    top = fmax(top, v);
    if (v > 0) low = fmin(low, v);
  }
  double span = top > 0 && low < top ? log(top / low) : 0;
  size_t *bin_of = malloc(F->n * sizeof *bin_of), nb = 0;
  double cum = 0;
  size_t prev_q = 0, prev_l = 0;
  int prev_zero = 0;
  for (size_t g = 0; g < F->n; g++) {
    double v = lam_eff(F, g, l);
    size_t qb = (size_t)(cum * (double)half), lb = 0;
    if (qb >= half) qb = half - 1;
    if (v > 0 && span > 0) {
      lb = (size_t)(log(top / v) / span * (double)half);
      if (lb >= half) lb = half - 1;
    }
    int zero = !(v > 0);
    if (g == 0 || qb != prev_q || lb != prev_l || zero != prev_zero) nb++;
    bin_of[g] = nb - 1;
    prev_q = qb, prev_l = lb, prev_zero = zero;
    cum += F->w[g];
  }
  groups_alloc(&P->bin, nb, l, A);
  for (size_t g = 0; g < F->n; g++) {
    size_t b = bin_of[g];
    P->bin.w[b] += F->w[g];
    for (size_t c = 0; c < l; c++) P->bin.lam[b * l + c] += F->w[g] * F->lam[g * l + c];
    for (size_t k = 0; k < A * A; k++) P->bin.P[b * A * A + k] += F->P[g * A * A + k];
  }
  for (size_t b = 0; b < nb; b++)
    for (size_t c = 0; c < l; c++) P->bin.lam[b * l + c] /= P->bin.w[b];
  free(bin_of);
}

/* Bands: the clean band (every class variance zero) first when present, then decades of
 * max_c lambda^(c) below the largest, the last one open; the count comes from the finite-d
 * spectrum, so theory on the node grid reports the same bands. */
static void build_bands(struct mc_plan *P)
{
  const size_t l = P->l;
  double top = 0, bottom = INFINITY;
  for (size_t g = 0; g < P->fin.n; g++) {
    double v = lam_eff(&P->fin, g, l);
    top = fmax(top, v);
    if (v > 0) bottom = fmin(bottom, v);
    else P->has_clean = 1;
  }
  size_t decades = top > 0 ? (size_t)floor(log10(top / bottom) + 1e-9) + 1 : 1;
  if (decades > (size_t)P->p.bands) decades = (size_t)P->p.bands;
  P->n_bands = decades + (size_t)P->has_clean;
  struct mc_groups *sets[3] = {&P->fin, &P->lim, &P->bin};
  for (int s = 0; s < 3; s++)
    for (size_t g = 0; g < sets[s]->n; g++) {
      double v = lam_eff(sets[s], g, l);
      size_t k = 0;
      if (v > 0) {
        double dk = floor(log10(top / v) + 1e-9);
        k = dk < 0 ? 0 : dk >= (double)decades ? decades - 1 : (size_t)dk;
      }
      sets[s]->band[g] = v > 0 ? k + (size_t)P->has_clean : 0;
    }
}

/* Square losses: gamma_crit = 2 B / rho(G), G_cc' = sqrt(p_c p_c') sum_g w_g lambda_g^(c)
 * lambda_g^(c') / lambdabar_g (spec §3.3; the ridge only stabilises further). */
static double critical_lr(const struct mc_plan *P)
{
  const size_t l = P->l;
  const struct mc_groups *G = P->th;
  double *M = calloc(l * l, sizeof *M), *ev = malloc(l * sizeof *ev);
  for (size_t g = 0; g < G->n; g++) {
    double lb = 0;
    for (size_t c = 0; c < l; c++) lb += P->prob[c] * G->lam[g * l + c];
    if (!(lb > 0)) continue;
    for (size_t a = 0; a < l; a++)
      for (size_t b = 0; b < l; b++)
        M[a * l + b] += sqrt(P->prob[a] * P->prob[b]) * G->w[g] * G->lam[g * l + a] *
                        G->lam[g * l + b] / lb;
  }
  double rho = 0;
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)l, M, (lapack_int)l, ev) == 0)
    for (size_t c = 0; c < l; c++) rho = fmax(rho, ev[c]);
  free(M);
  free(ev);
  return rho > 0 ? 2.0 * (double)P->p.batch / rho : INFINITY;
}

/* ---- observables -------------------------------------------------------------------------- */

static struct hd_observable *add_obs(struct mc_plan *P, const char *name, int log_y,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct hd_observable *add_obs(struct mc_plan *P, const char *name, int log_y,
                                     const char *fmt, ...)
{
  struct hd_observable *o = &P->obs[P->n_obs++];
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->description, HD_DESC_MAX, fmt, ap);
  va_end(ap);
  o->log_x = 1;
  o->log_y = log_y;
  return o;
}

static void build_observables(struct mc_plan *P)
{
  const size_t l = P->l;
  int teacher = P->p.teacher != MC_TEACHER_NONE;
  P->n_overlap = l <= 16 ? l : 16;
  P->obs = calloc(5 + 2 * P->n_overlap + 2 * P->n_bands + 2, sizeof *P->obs);
  add_obs(P, "risk", 1, "population risk sum_c p_c E f(r; c), r ~ N(m_c, S_c) (E3)");
  add_obs(P, "error", 0, P->q == 1 ? "classification error sum_c p_c Phi(-side_c m_c / sqrt(s_c))"
                                   : "classification error sum_c p_c P(argmax r != c) (QMC, "
                                     "4096 points)");
  add_obs(P, "norm", 1, "squared norm ||X||_F^2 (tr N)");
  for (size_t c = 0; c < P->n_overlap; c++) {
    char name[HD_NAME_MAX - 8];
    snprintf(name, sizeof name, "overlap_%zu", c + 1);
    add_obs(P, name, 0, "mean overlap <X%s, mu_%zu> (spec m_c)", P->q > 1 ? "_c" : "", c + 1);
  }
  P->o_cosine = P->n_obs;
  for (size_t c = 0; c < P->n_overlap; c++) {
    char name[HD_NAME_MAX - 8];
    snprintf(name, sizeof name, "cosine_%zu", c + 1);
    add_obs(P, name, 0, "cosine <X%s, mu_%zu> / (||X%s|| ||mu_%zu||) (0 while X = 0)",
            P->q > 1 ? "_c" : "", c + 1, P->q > 1 ? "_c" : "", c + 1);
  }
  if (P->adaptive) {
    P->o_lr = P->n_obs;
    add_obs(P, "lr", 1, "AdaGrad-Norm learning rate lr / sqrt(b^2 + G(t)) (spec §2.8)");
  }
  if (teacher) {
    P->o_distance = P->n_obs;
    add_obs(P, "distance", 1, "distance to the teacher ||X - theta*||^2");
  }
  if (P->n_bands > 1) {
    P->o_band = P->n_obs;
    const char *what = teacher ? "X - theta*" : "X";
    for (size_t k = 0; k < P->n_bands; k++) {
      char name[HD_NAME_MAX - 8];
      snprintf(name, sizeof name, "band_%zu_norm", k);
      add_obs(P, name, 1, "projected norm of %s on %s %zu", what,
              P->has_clean && k == 0 ? "the clean band" : "spectral band", k);
    }
    for (size_t k = 0; k < P->n_bands; k++) {
      char name[HD_NAME_MAX - 8];
      snprintf(name, sizeof name, "band_%zu_margin", k);
      add_obs(P, name, 0, "mean overlap %s on %s %zu", P->q == 1 ? "<X, mu_1>" : "avg_c <X_c, mu_c>",
              P->has_clean && k == 0 ? "the clean band" : "spectral band", k);
    }
    if (P->has_clean) {
      P->o_clean = P->n_obs;
      add_obs(P, "clean_margin_share", 0, "share of the mean overlap carried by clean directions");
      add_obs(P, "clean_norm_share", 0, "share of ||X||^2 in clean directions");
    }
  }
}

/* ---- plan ---------------------------------------------------------------------------------- */

static void mc_plan_destroy(void *plan)
{
  struct mc_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->u);
  free(P->mode_group);
  groups_free(&P->fin);
  groups_free(&P->lim);
  groups_free(&P->bin);
  mc_quad_free(&P->quad);
  free(P->obs);
  mc_ode_ctx_free(P->ode_ctx);
  free(P);
}

static void *mc_plan_create(const void *params, const struct hd_run_params *run,
                            const struct hd_config *cfg, struct hd_errors *err)
{
  struct mc_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct mc_params *)params;
  P->d = (size_t)P->p.d;
  P->l = (size_t)P->p.classes;
  P->q = outputs(&P->p);
  P->A = P->l + (P->p.teacher != MC_TEACHER_NONE);
  P->nv = P->q * (P->q + 1) / 2;
  P->block = P->nv + P->A * P->q;
  P->seed = (uint64_t)run->seed;
  const size_t d = P->d, l = P->l;
  char msg[256];
  if (resolve_lists(&P->p, cfg, err, P) != 0) goto fail;
  P->lambda = malloc(d * l * sizeof(double));
  P->sqrt_lambda = malloc(d * l * sizeof(double));
  P->u = calloc(P->A * d, sizeof(double));
  if (fill_spectra(P, cfg, err) != 0 || fill_directions(P, cfg, err) != 0) goto fail;
  build_groups(P);
  if (P->p.limit_nodes > 0) build_limit(P);
  else if (run->bins > 0) build_bins(P, run->bins);
  P->th = P->p.limit_nodes > 0 ? &P->lim : P->bin.n ? &P->bin : &P->fin;
  group_traces(&P->fin, l);
  group_traces(&P->lim, l);
  group_traces(&P->bin, l);
  P->adaptive = P->p.adaptive == MC_ADAPTIVE_ADAGRAD_NORM;
  build_bands(P);
  if (mc_quad_init(&P->quad, &P->p, P->q, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "loss", "quadrature", "%s", msg);
    goto fail;
  }
  P->schedule = (struct hd_schedule){.kind = P->p.schedule, .lr = P->p.lr,
                                     .every = P->p.lr_every, .factor = P->p.lr_factor,
                                     .t0 = P->p.lr_t0, .power = P->p.lr_power};
  P->n_breakpoints = hd_schedule_breakpoints(&P->schedule, run->horizon, P->breakpoints,
                                             sizeof P->breakpoints / sizeof P->breakpoints[0]);
  build_observables(P);
  P->gamma_crit = INFINITY;
  if ((P->p.loss == MC_LOSS_LS || P->p.loss == MC_LOSS_ONEHOT_LS) && !P->adaptive) {
    P->gamma_crit = critical_lr(P);
    double gmax = hd_schedule_max(&P->schedule, run->horizon);
    if (gmax >= P->gamma_crit)
      snprintf(P->note, sizeof P->note,
               "lr %g is beyond the least-squares stability threshold 2B/rho(G) = %.6g "
               "(spec §3.3): the risk diverges", gmax, P->gamma_crit);
  }
  if (P->p.loss == MC_LOSS_SOFTMAX && P->q - 1 > MC_MAX_QUAD_DIM && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "softmax with %zu classes: the class expectations use a fixed %d-point QMC rule "
             "(relative accuracy ~1e-3; tensor Gauss-Hermite only up to %d classes)", P->l,
             MC_ERROR_POINTS, MC_MAX_QUAD_DIM + 1);
  if (P->p.limit_nodes > 0 && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "theory is the d -> infinity limit on %ld nodes (u >= %g); the simulation is at "
             "d = %zu, so their gap includes the finite-d spectrum's cut-off", P->p.limit_nodes,
             P->p.limit_umin, d);
  return P;
fail:
  mc_plan_destroy(P);
  return NULL;
}

static size_t mc_observables(const void *plan, const struct hd_observable **obs)
{
  const struct mc_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

static double mc_steps_per_time(const void *plan) { return (double)((const struct mc_plan *)plan)->d; }

static const char *mc_theory_note(const void *plan)
{
  const struct mc_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

const struct hd_problem hd_problem_gmm_multiclass = {
  .name = "gmm_multiclass",
  .summary = "one-pass SGD on Gaussian mixtures with commuting anisotropic class covariances: "
             "least squares, logistic, softmax, one-hot LS (spec E1-E3)",
  .theory_doc = "docs/theory/gmm.md",
  .time_meaning = "t = SGD steps / d",
  .params = mc_table,
  .n_params = sizeof mc_table / sizeof mc_table[0],
  .params_size = sizeof(struct mc_params),
  .validate = mc_validate,
  .plan_create = mc_plan_create,
  .plan_destroy = mc_plan_destroy,
  .observables = mc_observables,
  .steps_per_time = mc_steps_per_time,
  .ode_dimension = mc_ode_dimension,
  .ode = mc_ode,
  .ode_observe = mc_ode_observe,
  .theory_note = mc_theory_note,
  .sim_state_size = mc_sim_state_size,
  .sim_start = mc_sim_start,
  .sim_advance = mc_sim_advance,
  .sim_observe = mc_sim_observe,
  .write_extra = mc_write_extra,
};
