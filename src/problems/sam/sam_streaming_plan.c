/* sam_streaming_plan.c — the plan of sam_streaming, built in named steps: the spectrum
 * and the target (streaming_lsq's, for the same seed), the eigen-groups of the theory, the
 * systems of the limit, the recursion and the kernel, the observables and the note. */
#define HDSIM_SAM_PACKAGE
#include "sam_streaming.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "eigenbasis.h"
#include "spectrum.h"

static int cmp_desc(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a < b) - (a > b);
}

/* Groups of equal eigenvalues: w_g = n_g / d and c_g = mean of d e_i(0)^2 over the group,
 * e(0) = theta_0 - theta* (theta_0 = 0: c_g is the mean of p_i^2).  The state a_g is the
 * group mean of d E e_i^2, whose equations hold for each mode of a group alike, so the
 * mean of the given start is the exact initial value. */
static void build_groups(struct sams_plan *P)
{
  size_t d = P->d;
  double(*pair)[2] = malloc(d * sizeof *pair);
  for (size_t i = 0; i < d; i++) {
    pair[i][0] = P->lambda[i];
    double e0 = P->theta_0 ? P->theta_0[i] - P->theta_star[i] : -P->theta_star[i];
    pair[i][1] = e0 * e0 * (double)d;
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

void sams_plan_destroy(void *plan)
{
  struct sams_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->theta_star);
  free(P->theta_0);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_c);
  free(P);
}

/* The covariance spectrum (as streaming_lsq's), its square roots and traces. */
static int plan_spectrum(struct sams_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d;
  if (hd_spectrum_plan_fill(&P->p.spectrum, cfg, d, &P->lambda, &P->sqrt_lambda, err) != 0)
    return -1;
  for (size_t i = 0; i < d; i++) {
    P->tau += P->lambda[i] / (double)d;
    P->kappa2 += P->lambda[i] * P->lambda[i] / (double)d;
  }
  return 0;
}

/* A given vector of d values, taken to the eigenbasis (U^T v) when U is given. */
static int read_vector(const struct sams_plan *P, const double *U, const struct hd_config *cfg,
                       struct hd_errors *err, const char *section, const char *key,
                       const char *spec, double **out)
{
  if (hd_config_read_array(cfg, err, section, key, spec, P->d, 0, out, NULL, NULL) != 0) return -1;
  if (U) {
    double *w = malloc(P->d * sizeof *w);
    hd_eigenbasis_apply(U, P->d, *out, w);
    free(*out);
    *out = w;
  }
  return 0;
}

/* theta* exactly as streaming_lsq draws it (shared with it: same seed, same target), or
 * from target_file; theta_0 from init_file.  0, or -1 with an error in err. */
static int plan_target(struct sams_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  double *U = NULL;
  if (P->p.eigenvectors[0] &&
      !(U = hd_eigenbasis_read(cfg, err, "data", "eigenvectors", P->p.eigenvectors, P->d)))
    return -1;
  int rc = 0;
  if (P->p.target == SAMS_TARGET_FILE) {
    rc |= read_vector(P, U, cfg, err, "data", "target_file", P->p.target_file, &P->theta_star);
  } else {
    P->theta_star = malloc(P->d * sizeof(double));
    hd_target_fill(P->p.target == SAMS_TARGET_RANDOM ? HD_TARGET_RANDOM : HD_TARGET_ALIGNED, P->d,
                   P->lambda, 0.0, P->seed, P->theta_star);
  }
  if (P->p.init_file[0])
    rc |= read_vector(P, U, cfg, err, "optimizer", "init_file", P->p.init_file, &P->theta_0);
  free(U);
  return rc ? -1 : 0;
}

/* The limit's, the recursion's and the kernel's systems, views of the plan's arrays.  The
 * radius scales as rho_bar / sqrt(d) for SAM and rho_bar / d otherwise (§4.1). */
static void plan_systems(struct sams_plan *P)
{
  const struct sams_params *p = &P->p;
  size_t d = P->d;
  P->ode = (struct sams_system){.n_groups = P->n_groups,
                                .g_lambda = P->g_lambda,
                                .g_weight = P->g_weight,
                                .g_c = P->g_c,
                                .tau = P->tau,
                                .kappa2 = P->kappa2,
                                .algorithm = (enum sam_algorithm)p->algorithm,
                                .lr = p->schedule.lr,
                                .rho_bar = p->rho_bar,
                                .batch = (size_t)p->batch,
                                .label_noise = p->label_noise,
                                .form = (enum sams_form)p->form};
  P->rec = (struct sams_recursion){.d = d,
                                   .n_groups = P->n_groups,
                                   .g_lambda = P->g_lambda,
                                   .g_weight = P->g_weight,
                                   .tau = P->tau,
                                   .kappa2 = P->kappa2,
                                   .algorithm = (enum sam_algorithm)p->algorithm,
                                   .lr = p->schedule.lr,
                                   .rho_bar = p->rho_bar,
                                   .label_noise = p->label_noise};
  double sd = sqrt((double)d);
  double rho = p->algorithm == SAM_ALG_SAM ? p->rho_bar / sd : p->rho_bar / (double)d;
  P->kernel = (struct sams_kernel){.d = d,
                                   .batch = (size_t)p->batch,
                                   .sqrt_lambda = P->sqrt_lambda,
                                   .lambda = P->lambda,
                                   .label_noise = p->label_noise,
                                   .lr = p->schedule.lr,
                                   .rho = rho,
                                   .norm_eps = p->norm_eps,
                                   .algorithm = (enum sam_algorithm)p->algorithm};
}

static void set_obs(struct hd_observable *o, const char *name, const char *desc, int logy)
{
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->log_x = 1;
  o->log_y = logy;
}

static void plan_observables(struct sams_plan *P)
{
  set_obs(&P->obs[0], "risk", "population risk R = v/2 = 1/2 (sum_i lambda_i D_i + sigma^2) (H0)",
          1);
  set_obs(&P->obs[1], "distance", "||theta - theta*||^2 = sum_i D_i (H0)", 1);
  set_obs(&P->obs[2], "grad_sq", "||grad R||^2 = G^2 = sum_i lambda_i^2 D_i (H0)", 1);
  set_obs(&P->obs[3], "effective_lr",
          "effective step gamma A(v, G): gamma_U (H5), gamma_D (H6), gamma M(v) (H7/H8)", 0);
}

void *sams_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err)
{
  struct sams_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct sams_params *)params;
  P->d = (size_t)P->p.d;
  P->seed = (uint64_t)run->seed;
  P->method = run->method;
  if (plan_spectrum(P, cfg, err) != 0) {
    sams_plan_destroy(P);
    return NULL;
  }
  if (plan_target(P, cfg, err) != 0) {
    sams_plan_destroy(P);
    return NULL;
  }
  build_groups(P);
  plan_systems(P);
  plan_observables(P);
  double R = sams_stationary_risk(&P->ode);
  if (isfinite(R))
    snprintf(P->note, sizeof P->note, "stationary risk (sam.md §4.4): %.6e%s", R,
             P->p.form == SAMS_FORM_TRUNCATED ? " (truncated moments)" : "");
  return P;
}

/* ---- the plan made visible ------------------------------------------------------ */

static const char *const method_words[] = {"SGD (L1)", "USAM (L2)", "DNSAM (L3)", "SAM (L4)"};

void sams_plan_print(const void *plan, FILE *out)
{
  const struct sams_plan *P = plan;
  fprintf(out, "problem: sam_streaming, %s, d = %zu, batch %ld, %zu eigen-group%s\n",
          method_words[P->p.algorithm], P->d, P->p.batch, P->n_groups, P->n_groups == 1 ? "" : "s");
  if (P->method == HD_THEORY_ODE)
    fprintf(out,
            "theory: d -> infinity ODE (%s), %zu values, structured Jacobian "
            "(diagonal + rank %d)\n",
            P->p.form == SAMS_FORM_EXACT ? "H4-H8, exact moments" : "truncated moments, §4.5",
            P->n_groups, P->n_groups >= 2 ? 2 : 0);
  else if (P->method == HD_THEORY_RECURSION)
    fprintf(out, "theory: exact finite-d recursion (H1-H2), %zu values\n", P->n_groups);
  else fprintf(out, "theory: none\n");
  fprintf(out, "simulation: streaming kernel, %zu doubles per run (e, features, scratch)\n",
          P->d + sams_kernel_work_size(&P->kernel));
  fprintf(out, "observables: 4\n");
}

size_t sams_theory_bytes(int method, size_t n_groups)
{
  /* CVODE's BDF history, weights and Krylov work: ~24 vectors of the group state (as
   * memory_estimate.h's default; measured 22 at d = 1e6); the recursion's state twice */
  return method == HD_THEORY_NONE        ? 0
         : method == HD_THEORY_RECURSION ? 2 * n_groups * sizeof(double)
                                         : 24 * n_groups * sizeof(double);
}

/* Plan: its arrays.  Theory: the group state and its solver's work.  Simulation threads
 * need nothing beyond sim_state_size. */
size_t sams_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct sams_plan *P = plan;
  size_t vec = P->d * sizeof(double);
  size_t bytes = sizeof *P + 2 * vec + (P->sqrt_lambda ? vec : 0) + 3 * vec; /* groups: d each */
  if (theory_bytes) *theory_bytes = sams_theory_bytes(P->method, P->n_groups);
  if (thread_bytes) *thread_bytes = 0;
  return bytes;
}
