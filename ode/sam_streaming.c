/* sam_streaming.c — SGD / USAM / DNSAM / SAM on high-dimensional streaming least squares
 * (spec §1.4, §4) as an hdsim problem: parameters, plan, the d -> infinity ODEs (H4-H8)
 * integrated by CVODE with the engine's diagonal-plus-low-rank solver, the exact finite-d
 * recursions (H1, H2), the stationary closed forms (§4.4), and the simulation glue.
 *
 * The data path is streaming_lsq's (spectrum.c, its TARGET draw, its FEATURES / LABEL
 * streams, hd_dot): see src/sim/sam_lsq_kernel.c.  Theory state: a_g = d D_g per group of
 * equal eigenvalues (D_i = E (u_i^T r)^2, spec H0), with w_g = n_g / d:
 *   v = sum_g w_g lambda_g a_g + sigma^2 (= 2R),  G^2 = sum_g w_g lambda_g^2 a_g,
 *   ||r||^2 = sum_g w_g a_g. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sam.h"
#include "spectrum.h"

#define F(field) offsetof(struct sams_params, field)

static const char *const spectra[] = {"isotropic", "zero_one", "power_law", "power_law_decay",
                                      "file", NULL};
static const char *const targets[] = {"random", "aligned", NULL};
static const char *const forms[] = {"exact", "truncated", NULL};

static const struct hd_param sams_table[] = {
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "dimension", "§1.4"},
  {"data", "spectrum", HD_ENUM, F(spectrum), "isotropic", 0, 0, 0, spectra, "",
   "covariance eigenvalues, as in streaming_lsq (mean 1 when generated)", NULL},
  {"data", "alpha", HD_REAL, F(alpha), "1", 0, 20, HD_MIN_EXCL, NULL, "",
   "power-law exponent", NULL},
  {"data", "zero_fraction", HD_REAL, F(zero_fraction), "0.5", 0, 1, HD_MAX_EXCL, NULL, "",
   "fraction of zero eigenvalues (zero_one)", NULL},
  {"data", "spectrum_file", HD_PATH, F(spectrum_file), "", 0, 0, 0, NULL, "",
   "eigenvalues file (spectrum = file)", NULL},
  {"data", "normalise", HD_BOOL, F(normalise), "false", 0, 0, 0, NULL, "",
   "rescale a file spectrum to mean 1", NULL},
  {"data", "target", HD_ENUM, F(target), "random", 0, 0, 0, targets, "",
   "theta* = p / sqrt(d): random (p ~ N(0, I), streaming_lsq's draw for the seed) or aligned "
   "(p_i = 1); the run starts at theta = 0", NULL},
  {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "",
   "standard deviation sigma_eps of the label noise", "§1.4"},
  {"optimizer", "algorithm", HD_ENUM, F(algorithm), NULL, 0, 0, 0, sam_algorithm_names, "",
   "sgd (L1), usam (L2), dnsam (L3, normalised by ||K r||), sam (L4, by ||g||)", "L1-L4"},
  {"optimizer", "lr", HD_REAL, F(lr), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
   "gamma: the step is eta = gamma / d, time t = k / d", "§4.1"},
  {"optimizer", "rho_bar", HD_REAL, F(rho_bar), "0", 0, 1e6, 0, NULL, "",
   "rho_bar: rho = rho_bar / d (usam, dnsam) or rho_bar / sqrt(d) (sam)", "§4.1"},
  {"optimizer", "batch", HD_INT, F(batch), "1", 1, 4096, 0, NULL, "",
   "samples B per step, shared by both gradient evaluations", "H5-H8"},
  {"optimizer", "norm_eps", HD_REAL, F(norm_eps), "1e-12", 0, 1, 0, NULL, "",
   "guard eps in u / (||u|| + eps)", "§1.5"},
  {"sde", "form", HD_ENUM, F(form), "exact", 0, 0, 0, forms, "",
   "one-step moments of the theory: exact in rho (H4-H8), or truncated at first order in rho "
   "as in the paper's SDE (wrong at O(1) here, §4.5)", "§4.5"},
};

static void sams_validate(const void *params, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  const struct sams_params *p = params;
  if (p->algorithm == SAM_ALG_SGD && p->rho_bar != 0)
    hd_config_error(cfg, err, "optimizer", "rho_bar", "algorithm = sgd takes no rho_bar");
  if (p->spectrum == HD_SPECTRUM_FILE && p->spectrum_file[0] == '\0')
    hd_config_error(cfg, err, "data", "spectrum_file", "spectrum = file needs spectrum_file");
  if (p->spectrum == HD_SPECTRUM_POWER_LAW_DECAY)
    hd_config_error(cfg, err, "data", "spectrum",
                    "power_law_decay is outside the ODE regime (gamma lambda_1 / d = O(1))");
  if (run->method == HD_THEORY_RECURSION &&
      (p->batch != 1 || p->algorithm == SAM_ALG_DNSAM || p->algorithm == SAM_ALG_SAM))
    hd_config_error(cfg, err, "theory", "method",
                    "the exact finite-d recursion (H1, H2) exists for sgd and usam with batch = 1; "
                    "SAM and DNSAM have none (spec §4.2): use method = ode");
  if (run->method == HD_THEORY_RECURSION && p->form == SAM_FORM_TRUNCATED)
    hd_config_error(cfg, err, "sde", "form",
                    "the recursion is exact; form = truncated is for the ODE");
}

/* ---- coefficients of H4-H8 ---------------------------------------------------- */

void sams_coefficients(const struct sams_plan *P, double v, double G2, struct sams_coef *c)
{
  const double B = (double)P->p.batch, rb = P->p.rho_bar, tau = P->tau;
  const bool exact = P->p.form == SAM_FORM_EXACT;
  memset(c, 0, sizeof *c);
  switch (P->p.algorithm) {
  case SAM_ALG_SGD: /* (H4) */
    c->A = 1;
    c->Q = v / B;
    c->Q_v = 1 / B;
    break;
  case SAM_ALG_USAM: { /* (H5): gamma -> gamma (1 + rho_bar tau / B); truncated: the noise
                        * factor is 1 + 2 rho_bar tau / B instead of its square (§4.5) */
    double u = 1 + rb * tau / B, q = exact ? u * u : 2 * u - 1;
    c->A = u;
    c->Q = q * v / B;
    c->Q_v = q / B;
    break;
  }
  case SAM_ALG_DNSAM: { /* (H6): gamma_D = gamma (1 + rho_bar tau / (B G)) */
    double G = sqrt(G2), u = 1 + rb * tau / (B * G), u_G2 = -0.5 * rb * tau / (B * G * G2);
    double q = exact ? u * u : 2 * u - 1, dq = exact ? 2 * u : 2;
    c->A = u;
    c->A_G2 = u_G2;
    c->Q = q * v / B;
    c->Q_v = q / B;
    c->Q_G2 = dq * u_G2 * v / B;
    break;
  }
  case SAM_ALG_SAM: { /* (H7) B = 1, (H8) B > 1; c = rho_bar sqrt(tau) */
    double cc = rb * sqrt(tau), k1, k2;
    if (P->p.batch == 1) {
      k1 = k2 = sqrt(2 / M_PI);
    } else {
      double mum1 = exp(lgamma((B - 1) / 2) - lgamma(B / 2)) / sqrt(2.0); /* E 1/chi_B */
      double mu1 = sqrt(2.0) * exp(lgamma((B + 1) / 2) - lgamma(B / 2));  /* E chi_B */
      k1 = (1 - 1 / B) * mum1;
      k2 = mu1 / B;
    }
    double sv = sqrt(v);
    c->A = 1 + cc * k1 / sv;
    c->A_v = -0.5 * cc * k1 / (v * sv);
    c->Q = (v + 2 * cc * k2 * sv + (exact ? cc * cc / B : 0.0)) / B; /* N(v) / B */
    c->Q_v = (1 + cc * k2 / sv) / B;                                 /* N'(v) = M(v) */
    break;
  }
  }
}

static void moments(const struct sams_plan *P, const double *a, double *v, double *G2, double *r2)
{
  double s1 = 0, s2 = 0, s0 = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double wl = P->g_weight[g] * P->g_lambda[g];
    s0 += P->g_weight[g] * a[g];
    s1 += wl * a[g];
    s2 += wl * P->g_lambda[g] * a[g];
  }
  *v = s1 + P->p.label_noise * P->p.label_noise;
  *G2 = s2;
  if (r2) *r2 = s0;
}

static int sams_rhs(double t, const double *a, double *da, void *params)
{
  (void)t;
  const struct sams_plan *P = params;
  double v, G2, gam = P->p.lr;
  struct sams_coef c;
  moments(P, a, &v, &G2, NULL);
  if (!(v > 0) || !(G2 > 0)) return 1; /* recoverable: CVODE retries with a smaller step */
  sams_coefficients(P, v, G2, &c);
  for (size_t g = 0; g < P->n_groups; g++) {
    double l = P->g_lambda[g];
    da[g] = -2 * gam * l * a[g] * c.A + gam * gam * l * c.Q;
  }
  return 0;
}

/* J = diag(-2 gamma lambda_g A) + U1 V1^T + U2 V2^T (spec §4.7: rank 1, rank 2 for DNSAM):
 * U1_g = lambda_g (-2 gamma a_g A_v + gamma^2 Q_v),    V1_h = w_h lambda_h      (through v)
 * U2_g = lambda_g (-2 gamma a_g A_G2 + gamma^2 Q_G2),  V2_h = w_h lambda_h^2    (through G^2) */
static int sams_jac(double t, const double *a, struct hd_sjac *J, void *params)
{
  (void)t;
  const struct sams_plan *P = params;
  double v, G2, gam = P->p.lr;
  struct sams_coef c;
  moments(P, a, &v, &G2, NULL);
  if (!(v > 0) || !(G2 > 0)) return 1;
  sams_coefficients(P, v, G2, &c);
  size_t n = P->n_groups;
  for (size_t g = 0; g < n; g++) {
    double l = P->g_lambda[g];
    double u1 = l * (-2 * gam * a[g] * c.A_v + gam * gam * c.Q_v);
    double u2 = l * (-2 * gam * a[g] * c.A_G2 + gam * gam * c.Q_G2);
    double v1 = P->g_weight[g] * l, v2 = P->g_weight[g] * l * l;
    J->blocks[g] = -2 * gam * l * c.A;
    if (J->rank == 0) { /* a single group (isotropic): the 1 x 1 Jacobian in full */
      J->blocks[g] += u1 * v1 + u2 * v2;
      continue;
    }
    J->U[g] = u1;
    J->U[n + g] = u2;
    J->V[g] = v1;
    J->V[n + g] = v2;
  }
  return 0;
}

static size_t sams_ode_dimension(const void *plan)
{
  return ((const struct sams_plan *)plan)->n_groups;
}

static void sams_initial(const struct sams_plan *P, double *a)
{
  for (size_t g = 0; g < P->n_groups; g++) a[g] = P->g_c[g]; /* theta_0 = 0: D_i = theta*_i^2 */
}

static int sams_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct sams_plan *P = plan;
  memset(sys, 0, sizeof *sys);
  sys->dimension = P->n_groups;
  sys->rhs = sams_rhs;
  sys->jac_structured = sams_jac;
  sys->block = 1;
  sys->rank = P->n_groups >= 2 ? 2 : 0;
  sys->params = P;
  sams_initial(P, y0);
  return 0;
}

/* risk, distance, grad_sq, effective step gamma A(v, G^2) */
static void observe_vg(const struct sams_plan *P, double v, double G2, double r2, double *out)
{
  struct sams_coef c;
  sams_coefficients(P, v, G2, &c);
  out[0] = 0.5 * v;
  out[1] = r2;
  out[2] = G2;
  out[3] = P->p.lr * c.A;
}

static void sams_ode_observe(const void *plan, double t, const double *a, double *out)
{
  (void)t;
  double v, G2, r2;
  moments(plan, a, &v, &G2, &r2);
  observe_vg(plan, v, G2, r2, out);
}

/* ---- exact finite-d recursion (H1 SGD, H2 USAM; B = 1, Gaussian features) --------- */
/* With S_k = sum_j lambda_j^k D_j (= sum_g w_g lambda_g^k a_g / ... in a = d D units),
 * Lambda_1 = tr K, Lambda_2 = tr K^2, eta = gamma/d, rho = rho_bar/d:
 *   sum_j W_ij lambda_j D_j = V_i S_1 + (4 rho + 4 rho^2 Lambda_1 + 8 rho^2 lambda_i) S_2
 *                             + 8 rho^2 S_3 + (W_ii - Woff_ii) lambda_i D_i,
 * Woff_ij = V_i + (4 rho + 4 rho^2 Lambda_1 + 8 rho^2 lambda_i) lambda_j + 8 rho^2 lambda_j^2
 * (the j != i entry of H2 expanded in lambda_j), so a step costs O(groups). */
static void sams_recursion_step(const void *plan, uint64_t k, double *a)
{
  (void)k;
  const struct sams_plan *P = plan;
  double d = (double)P->d, eta = P->p.lr / d;
  double rho = P->p.algorithm == SAM_ALG_USAM ? P->p.rho_bar / d : 0.0;
  double L1 = P->tau * d, L2 = P->kappa2 * d, s2n = P->p.label_noise * P->p.label_noise;
  double S1 = 0, S2 = 0, S3 = 0; /* sums of lambda^k D = (1/d) sum_g n_g lambda^k a_g / d * d */
  for (size_t g = 0; g < P->n_groups; g++) {
    double wl = P->g_weight[g] * P->g_lambda[g]; /* sum_j lambda_j D_j = sum_g w_g lambda_g a_g */
    S1 += wl * a[g];
    S2 += wl * P->g_lambda[g] * a[g];
    S3 += wl * P->g_lambda[g] * P->g_lambda[g] * a[g];
  }
  for (size_t g = 0; g < P->n_groups; g++) {
    double l = P->g_lambda[g], D = a[g] / d, r2 = rho * rho;
    double V = 1 + 2 * rho * (L1 + 2 * l) + r2 * (L1 * L1 + 2 * L2 + 4 * L1 * l + 8 * l * l);
    double lin = 4 * rho + 4 * r2 * L1 + 8 * r2 * l;
    double Woff = V + lin * l + 8 * r2 * l * l;
    double Wii = 3 + 2 * rho * (3 * L1 + 12 * l) +
                 r2 * (3 * L1 * L1 + 6 * L2 + 24 * L1 * l + 72 * l * l);
    double sumW = V * S1 + lin * S2 + 8 * r2 * S3 + (Wii - Woff) * l * D;
    double Dn = D - 2 * eta * l * D * (1 + rho * (L1 + 2 * l)) + eta * eta * l * (sumW + s2n * V);
    a[g] = Dn * d;
  }
}

static size_t sams_recursion_dimension(const void *plan) { return sams_ode_dimension(plan); }
static void sams_recursion_init(const void *plan, double *a) { sams_initial(plan, a); }
static void sams_recursion_observe(const void *plan, const double *a, double *out)
{
  sams_ode_observe(plan, 0, a, out);
}

/* ---- stationary closed forms (§4.4) -------------------------------------------- */

double sams_stationary_risk(const struct sams_plan *P)
{
  const double s2 = P->p.label_noise * P->p.label_noise;
  const double gam = P->p.lr, tau = P->tau, kap = gam * tau / 2;
  struct sams_coef c;
  switch (P->p.algorithm) {
  case SAM_ALG_SGD:
  case SAM_ALG_USAM: { /* v = sigma^2 / (1 - gamma_e tau / (2B)) with the noise factor q */
    sams_coefficients(P, 1.0, 1.0, &c); /* A = gamma_e / gamma, Q(1) = q / B */
    double den = 1 - gam * tau * c.Q / (2 * c.A);
    return den > 0 ? 0.5 * s2 / den : NAN;
  }
  case SAM_ALG_SAM: { /* v - sigma^2 = kappa N(v) / M(v): bisection (monotone for kappa < 1) */
    if (P->p.batch != 1 || !(kap < 1)) return NAN;
    if (s2 == 0 && P->p.form == SAM_FORM_TRUNCATED) return 0.0; /* §4.5: no c^2 floor */
    double lo = s2 > 0 ? s2 : 1e-300, hi = fmax(1.0, 4 * s2);
    for (int it = 0; it < 200; it++) {
      sams_coefficients(P, hi, 1.0, &c);
      if (hi - s2 - kap * c.Q / c.A > 0) break;
      hi *= 2;
    }
    for (int it = 0; it < 200; it++) {
      double mid = 0.5 * (lo + hi);
      sams_coefficients(P, mid, 1.0, &c);
      if (mid - s2 - kap * c.Q / c.A > 0) hi = mid;
      else lo = mid;
    }
    return 0.25 * (lo + hi);
  }
  case SAM_ALG_DNSAM:
    if (P->p.batch != 1 || !(gam * tau < 2) || P->p.form != SAM_FORM_EXACT) return NAN;
    if (s2 == 0) { /* edge-of-stability lock: gamma_D -> 2/tau */
      double Ginf = P->p.rho_bar * tau / (2 / (gam * tau) - 1);
      return 0.5 * tau * Ginf * Ginf / P->kappa2;
    }
    { /* sigma > 0: gamma_D = gamma (1 + rho_bar tau / G), G^2 = gamma_D v kappa_2 / 2,
       * v = sigma^2 / (1 - gamma_D tau / 2): the residual below increases from < 0 at
       * gamma_D = gamma to +infinity at 2/tau, so bisection finds the unique root. */
      double lo = gam, hi = 2 / tau;
      for (int it = 0; it < 200; it++) {
        double gd = 0.5 * (lo + hi), v = s2 / (1 - gd * tau / 2);
        double G = sqrt(gd * v * P->kappa2 / 2);
        if (gd - gam * (1 + P->p.rho_bar * tau / G) > 0) hi = gd;
        else lo = gd;
      }
      double gd = 0.5 * (lo + hi);
      return 0.5 * s2 / (1 - gd * tau / 2);
    }
  }
  return NAN;
}

/* ---- plan ---------------------------------------------------------------------- */

static int cmp_desc(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a < b) - (a > b);
}

/* Groups of equal eigenvalues: w_g = n_g / d and c_g = mean of p_i^2 over the group. */
static void build_groups(struct sams_plan *P)
{
  size_t d = P->d;
  double (*pair)[2] = malloc(d * sizeof *pair);
  for (size_t i = 0; i < d; i++) {
    pair[i][0] = P->lambda[i];
    pair[i][1] = P->theta_star[i] * P->theta_star[i] * (double)d;
  }
  qsort(pair, d, sizeof *pair, cmp_desc);
  P->g_lambda = calloc(d, sizeof(double));
  P->g_weight = calloc(d, sizeof(double));
  P->g_c = calloc(d, sizeof(double));
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && pair[i][0] != pair[i - 1][0]) g++;
    P->g_lambda[g] = pair[i][0];
    P->g_weight[g] += 1;
    P->g_c[g] += pair[i][1];
  }
  P->n_groups = g + 1;
  for (g = 0; g < P->n_groups; g++) {
    P->g_c[g] /= P->g_weight[g];
    P->g_weight[g] /= (double)d;
  }
  free(pair);
}

static void sams_plan_destroy(void *plan)
{
  struct sams_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->theta_star);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_c);
  free(P);
}

static void set_obs(struct hd_observable *o, const char *name, const char *desc, int logy)
{
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->log_x = 1;
  o->log_y = logy;
}

static void *sams_plan_create(const void *params, const struct hd_run_params *run,
                              const struct hd_config *cfg, struct hd_errors *err)
{
  struct sams_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct sams_params *)params;
  P->d = (size_t)P->p.d;
  P->seed = (uint64_t)run->seed;
  size_t d = P->d;
  P->lambda = malloc(d * sizeof(double));
  P->theta_star = malloc(d * sizeof(double));
  char path[2 * HD_STR_MAX] = "", msg[512];
  if (P->p.spectrum == HD_SPECTRUM_FILE &&
      hd_config_resolve_path(cfg, P->p.spectrum_file, path, sizeof path) != 0) {
    hd_config_error(cfg, err, "data", "spectrum_file", "path too long");
    sams_plan_destroy(P);
    return NULL;
  }
  if (hd_spectrum_fill(P->p.spectrum, d, P->p.alpha, P->p.zero_fraction, path, P->p.normalise,
                       P->lambda, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "data", "spectrum", "%s", msg);
    sams_plan_destroy(P);
    return NULL;
  }
  if (P->p.spectrum != HD_SPECTRUM_ISOTROPIC) { /* NULL = isotropic, as streaming_lsq */
    P->sqrt_lambda = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) P->sqrt_lambda[i] = sqrt(P->lambda[i]);
  }
  for (size_t i = 0; i < d; i++) {
    P->tau += P->lambda[i] / (double)d;
    P->kappa2 += P->lambda[i] * P->lambda[i] / (double)d;
  }
  /* theta* exactly as streaming_lsq draws it (shared with it: same seed, same target) */
  hd_target_fill(P->p.target == SAMS_TARGET_RANDOM ? HD_TARGET_RANDOM : HD_TARGET_ALIGNED, d,
                 P->lambda, 0.0, P->seed, P->theta_star);
  double sd = sqrt((double)d);
  build_groups(P);

  double rho = P->p.algorithm == SAM_ALG_SAM ? P->p.rho_bar / sd : P->p.rho_bar / (double)d;
  P->kernel = (struct sam_lsq_kernel){.d = d, .batch = (size_t)P->p.batch,
                                      .sqrt_lambda = P->sqrt_lambda, .lambda = P->lambda,
                                      .label_noise = P->p.label_noise, .lr = P->p.lr,
                                      .rho = rho, .norm_eps = P->p.norm_eps,
                                      .algorithm = P->p.algorithm};
  set_obs(&P->obs[0], "risk", "population risk R = v/2 = 1/2 (sum_i lambda_i D_i + sigma^2) (H0)",
          1);
  set_obs(&P->obs[1], "distance", "||theta - theta*||^2 = sum_i D_i (H0)", 1);
  set_obs(&P->obs[2], "grad_sq", "||grad R||^2 = G^2 = sum_i lambda_i^2 D_i (H0)", 1);
  set_obs(&P->obs[3], "effective_lr",
          "effective step gamma A(v, G): gamma_U (H5), gamma_D (H6), gamma M(v) (H7/H8)", 0);
  double R = sams_stationary_risk(P);
  if (isfinite(R))
    snprintf(P->note, sizeof P->note, "stationary risk (spec §4.4): %.6e%s", R,
             P->p.form == SAM_FORM_TRUNCATED ? " (truncated moments)" : "");
  return P;
}

static size_t sams_observables(const void *plan, const struct hd_observable **obs)
{
  *obs = ((const struct sams_plan *)plan)->obs;
  return 4;
}

static double sams_steps_per_time(const void *plan)
{
  return (double)((const struct sams_plan *)plan)->d;
}

static const char *sams_theory_note(const void *plan)
{
  const struct sams_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

/* ---- simulation glue ------------------------------------------------------------ */

static size_t sams_sim_state_size(const void *plan)
{
  const struct sams_plan *P = plan;
  return (P->d + sam_lsq_kernel_work_size(&P->kernel)) * sizeof(double);
}

static void sams_sim_start(const void *plan, uint64_t run, void *state)
{
  (void)run;
  const struct sams_plan *P = plan;
  double *e = state;
  for (size_t i = 0; i < P->d; i++) e[i] = -P->theta_star[i];
}

static int sams_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                            uint64_t *bad_step)
{
  const struct sams_plan *P = plan;
  double *e = state;
  return sam_lsq_kernel_advance(&P->kernel, P->seed, run, e, e + P->d, k0, k1, bad_step);
}

static void sams_sim_observe(const void *plan, const void *state, double *out)
{
  const struct sams_plan *P = plan;
  const double *e = state;
  double s1 = 0, s2 = 0, s0 = 0;
  for (size_t i = 0; i < P->d; i++) {
    double e2 = e[i] * e[i], l = P->lambda[i];
    s0 += e2;
    s1 += l * e2;
    s2 += l * l * e2;
  }
  observe_vg(P, s1 + P->p.label_noise * P->p.label_noise, s2, s0, out);
}

const struct hd_problem hd_problem_sam_streaming = {
  .name = "sam_streaming",
  .summary = "SGD / USAM / DNSAM / SAM on high-dimensional streaming least squares: "
             "d -> infinity ODEs (H4-H8), exact recursions (H1-H2) (sam.md §4)",
  .theory_doc = "docs/theory/sam.md",
  .time_meaning = "t = SGD steps / d",
  .params = sams_table,
  .n_params = sizeof sams_table / sizeof sams_table[0],
  .params_size = sizeof(struct sams_params),
  .validate = sams_validate,
  .plan_create = sams_plan_create,
  .plan_destroy = sams_plan_destroy,
  .observables = sams_observables,
  .steps_per_time = sams_steps_per_time,
  .ode_dimension = sams_ode_dimension,
  .ode = sams_ode,
  .ode_observe = sams_ode_observe,
  .recursion_dimension = sams_recursion_dimension,
  .recursion_init = sams_recursion_init,
  .recursion_step = sams_recursion_step,
  .recursion_observe = sams_recursion_observe,
  .theory_note = sams_theory_note,
  .sim_state_size = sams_sim_state_size,
  .sim_start = sams_sim_start,
  .sim_advance = sams_sim_advance,
  .sim_observe = sams_sim_observe,
};
