/* committee_plan.c — the plan of the committee family, built in named steps: the spectrum,
 * the teacher and the initial student (drawn once per seed from problem-level streams, so
 * the theory and every run share them), the eigen-groups with their overlap blocks, the
 * systems of the limit and of the simulation, and the observables. */
#define HDSIM_COMMITTEE_PACKAGE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "committee.h"
#include "memory_estimate.h"
#include "rng.h"

void cm_plan_destroy(void *plan)
{
  struct cm_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->teacher);
  free(P->w0);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_T);
  free(P->y0);
  free(P->obs);
  cm_quad_free(&P->quad);
  cm_formula_free(P->formula);
  free(P);
}

static int plan_spectrum(struct cm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d;
  if (hd_spectrum_plan_fill(&P->p.spectrum, cfg, d, &P->lambda, &P->sqrt_lambda, err) != 0)
    return -1;
  return 0;
}

/* Rows of N(0, scale^2 / d) from a problem-level stream; the teacher's are orthonormalised
 * (modified Gram-Schmidt) when asked. */
static void draw_rows(double *W, size_t rows, size_t d, double scale, uint64_t seed,
                      uint64_t purpose)
{
  struct hd_rng r;
  hd_rng_init(&r, seed, UINT64_MAX, purpose, 0);
  hd_rng_normal_array(&r, W, rows * d);
  const double s = scale / sqrt((double)d);
  for (size_t i = 0; i < rows * d; i++) W[i] *= s;
}

static void orthonormalise(double *W, size_t rows, size_t d)
{
  for (size_t m = 0; m < rows; m++) {
    double *w = W + m * d;
    for (size_t q = 0; q < m; q++) {
      const double *u = W + q * d;
      double c = 0;
      for (size_t i = 0; i < d; i++) c += u[i] * w[i];
      for (size_t i = 0; i < d; i++) w[i] -= c * u[i];
    }
    double nn = 0;
    for (size_t i = 0; i < d; i++) nn += w[i] * w[i];
    nn = 1 / sqrt(nn);
    for (size_t i = 0; i < d; i++) w[i] *= nn;
  }
}

static void plan_weights(struct cm_plan *P)
{
  const size_t d = P->d, K = P->K, M = P->M;
  P->teacher = malloc(M * d * sizeof(double));
  P->w0 = malloc(K * d * sizeof(double));
  draw_rows(P->teacher, M, d, 1.0, P->seed, CM_STREAM_TEACHER);
  if (P->p.teacher == CM_TEACHER_ORTHONORMAL) orthonormalise(P->teacher, M, d);
  draw_rows(P->w0, K, d, P->p.init_scale, P->seed, CM_STREAM_STUDENT);
  for (size_t k = 0; k < K; k++)
    P->v[k] = P->p.v.n == 0 ? 1.0 : P->p.v.n == 1 ? P->p.v.v[0] : P->p.v.v[k];
  for (size_t m = 0; m < M; m++)
    P->vstar[m] = P->p.vstar.n == 0 ? 1.0 : P->p.vstar.n == 1 ? P->p.vstar.v[0] : P->p.vstar.v[m];
}

struct keyed {
  double lambda;
  size_t i;
};

static int cmp_desc(const void *x, const void *y) /* eigenvalue descending, then index */
{
  const struct keyed *a = x, *b = y;
  if (a->lambda != b->lambda) return (a->lambda < b->lambda) - (a->lambda > b->lambda);
  return (a->i > b->i) - (a->i < b->i);
}

/* Groups of equal eigenvalues (CM-2): lambda_g, w_g = n_g / d, the teacher block T^g and the
 * initial Q^g, R^g summed over the group's coordinates. */
static void plan_groups(struct cm_plan *P)
{
  const size_t d = P->d, K = P->K, M = P->M, B = cm_block(K, M);
  struct keyed *order = malloc(d * sizeof *order);
  for (size_t i = 0; i < d; i++) order[i] = (struct keyed){P->lambda[i], i};
  qsort(order, d, sizeof *order, cmp_desc);
  size_t G = 0;
  for (size_t j = 0; j < d; j++)
    if (j == 0 || order[j].lambda != order[j - 1].lambda) G++;
  P->n_groups = G;
  P->g_lambda = calloc(G, sizeof(double));
  P->g_weight = calloc(G, sizeof(double));
  P->g_T = calloc(G * M * M, sizeof(double));
  P->y0 = calloc(G * B, sizeof(double));
  size_t g = 0;
  for (size_t j = 0; j < d; j++) {
    if (j > 0 && order[j].lambda != order[j - 1].lambda) g++;
    const size_t i = order[j].i;
    P->g_lambda[g] = P->lambda[i];
    P->g_weight[g] += 1.0 / (double)d;
    double *T = P->g_T + g * M * M, *y = P->y0 + g * B;
    for (size_t m = 0; m < M; m++)
      for (size_t q = 0; q < M; q++) T[m * M + q] += P->teacher[m * d + i] * P->teacher[q * d + i];
    size_t u = 0;
    for (size_t k = 0; k < K; k++)
      for (size_t l = k; l < K; l++) y[u++] += P->w0[k * d + i] * P->w0[l * d + i];
    for (size_t k = 0; k < K; k++)
      for (size_t m = 0; m < M; m++) y[u++] += P->w0[k * d + i] * P->teacher[m * d + i];
  }
  free(order);
}

static void plan_systems(struct cm_plan *P, const struct hd_run_params *run)
{
  struct cm_act act = {.kind = (enum cm_activation)P->p.activation};
  if (P->formula) cm_formula_theory_act(P->formula, &act); /* simulation: clones, per segment */
  size_t nb = hd_schedule_breakpoints(&P->p.schedule, run->horizon, P->breakpoints,
                                      sizeof P->breakpoints / sizeof P->breakpoints[0]);
  P->ode = (struct cm_system){.K = P->K,
                              .M = P->M,
                              .n_groups = P->n_groups,
                              .g_lambda = P->g_lambda,
                              .g_weight = P->g_weight,
                              .g_T = P->g_T,
                              .y0 = P->y0,
                              .v = P->v,
                              .vstar = P->vstar,
                              .schedule = &P->p.schedule,
                              .breakpoints = P->breakpoints,
                              .n_breakpoints = nb,
                              .noise = P->p.label_noise,
                              .ex = {.act = act, .quad = &P->quad, .closed_form = 1}};
  P->sgd = (struct cm_sgd){.d = P->d,
                           .K = P->K,
                           .M = P->M,
                           .lambda = P->lambda,
                           .sqrt_lambda = P->sqrt_lambda,
                           .teacher = P->teacher,
                           .w0 = P->w0,
                           .v = P->v,
                           .vstar = P->vstar,
                           .schedule = &P->p.schedule,
                           .noise = P->p.label_noise,
                           .act = act};
}

static void plan_observables(struct cm_plan *P)
{
  const size_t K = P->K, M = P->M;
  P->n_obs = cm_n_observables(K, M);
  P->obs = calloc(P->n_obs, sizeof *P->obs);
  struct hd_observable *o = P->obs;
  snprintf(o->name, HD_NAME_MAX, "eg");
  snprintf(o->description, HD_DESC_MAX,
           "generalisation error 1/2 E[(sum_m v*_m g(nu_m) - sum_k v_k g(lambda_k))^2], noise "
           "excluded (CM-3)");
  o->log_x = o->log_y = 1;
  o++;
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++, o++) {
      snprintf(o->name, HD_NAME_MAX, "Q_%zu_%zu", k + 1, l + 1);
      snprintf(o->description, HD_DESC_MAX,
               "student overlap Q_kl = E[lambda_k lambda_l] = sum_i lambda_i w_ki w_li (CM-2)");
      o->log_x = 1;
    }
  for (size_t k = 0; k < K; k++)
    for (size_t m = 0; m < M; m++, o++) {
      snprintf(o->name, HD_NAME_MAX, "R_%zu_%zu", k + 1, m + 1);
      snprintf(o->description, HD_DESC_MAX,
               "student-teacher overlap R_km = E[lambda_k nu_m] = sum_i lambda_i w_ki w*_mi "
               "(CM-2)");
      o->log_x = 1;
    }
}

void *cm_plan_create(const void *params, const struct hd_run_params *run,
                     const struct hd_config *cfg, struct hd_errors *err)
{
  struct cm_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct cm_params *)params;
  P->d = (size_t)P->p.d;
  P->K = (size_t)P->p.K;
  P->M = (size_t)P->p.M;
  P->seed = (uint64_t)run->seed;
  if (plan_spectrum(P, cfg, err) != 0) {
    cm_plan_destroy(P);
    return NULL;
  }
  if (cm_quad_init(&P->quad, (size_t)P->p.quadrature) != 0) {
    hd_config_error(cfg, err, "network", "quadrature", "Gauss-Hermite rule failed (LAPACK)");
    cm_plan_destroy(P);
    return NULL;
  }
  if (P->p.activation == CM_ACT_FORMULA) {
    char msg[512];
    P->formula = cm_formula_create(P->p.formula, msg, sizeof msg);
    if (!P->formula) {
      hd_config_error(cfg, err, "network", "formula", "%s", msg);
      cm_plan_destroy(P);
      return NULL;
    }
  }
  plan_weights(P);
  plan_groups(P);
  plan_systems(P, run);
  plan_observables(P);
  return P;
}

/* ---- the plan made visible -------------------------------------------------------- */

static const char *const act_words[] = {
    "erf (closed-form integrals, CM-8)", "relu (closed forms and one orthant integral, CM-8b, CM-10)",
    "linear (closed forms, CM-8c)", "formula (Gauss-Hermite, CM-9)"};

void cm_plan_print(const void *plan, FILE *out)
{
  const struct cm_plan *P = plan;
  fprintf(out, "problem: committee, K = %zu student units, M = %zu teacher units, d = %zu\n", P->K,
          P->M, P->d);
  fprintf(out, "activation: %s%s%s\n", act_words[P->p.activation], P->formula ? ": g(x) = " : "",
          P->formula ? P->p.formula : "");
  if (P->p.activation == CM_ACT_FORMULA)
    fprintf(out,
            "quadrature: %zu / %zu / %zu / %zu nodes per dimension for 1 / 2 / 3 / 4 "
            "pre-activations\n",
            P->quad.n[1], P->quad.n[2], P->quad.n[3], P->quad.n[4]);
  fprintf(out, "theory: ODE CM-5/CM-6 on %zu eigen-group%s, %zu values each, state %zu values\n",
          P->n_groups, P->n_groups == 1 ? "" : "s", cm_block(P->K, P->M), cm_dimension(&P->ode));
  fprintf(out, "simulation: one-pass SGD, %zu bytes per run\n", cm_sgd_state_size(&P->sgd));
  fprintf(out, "observables: %zu\n", P->n_obs);
}

size_t cm_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct cm_plan *P = plan;
  const size_t d = P->d, G = P->n_groups, B = cm_block(P->K, P->M);
  size_t bytes = sizeof *P + (2 + P->K + P->M) * d * sizeof(double);
  bytes += G * (2 + P->M * P->M + B) * sizeof(double) + P->n_obs * sizeof *P->obs;
  for (int r = 1; r <= 4; r++) bytes += 2 * P->quad.n[r] * sizeof(double);
  /* CVODE's BDF history and work on the group state (memory_estimate.h's default) */
  if (theory_bytes) *theory_bytes = 24 * cm_dimension(&P->ode) * sizeof(double);
  if (thread_bytes) *thread_bytes = 0;
  return bytes;
}

/* cm_plan_bytes' figures and the run state from the parameters alone: the spectrum's
 * groups at their bound (no binning here), the sort keys while they are built, the
 * Gauss-Hermite rules' eigenproblems. */
void cm_memory_need(const void *params, const struct hd_run_params *run,
                    const struct hd_config *cfg, struct hd_memory_need *need)
{
  (void)run, (void)cfg;
  const struct cm_params *p = params;
  const double d = (double)p->d, K = (double)p->K, M = (double)p->M;
  const double G = (double)hd_spectrum_groups_bound(&p->spectrum, (size_t)p->d, 0);
  const double B = (double)cm_block((size_t)p->K, (size_t)p->M),
               nodes = 2.0 * (p->quadrature ? (double)p->quadrature : 64);
  const size_t n_obs = cm_n_observables((size_t)p->K, (size_t)p->M);
  need->plan = hd_memory_bytes(
      sizeof(struct cm_plan) + (2 + K + M) * d * 8 + d * 16 + G * (2 + M * M + B) * 8 +
      (double)n_obs * sizeof(struct hd_observable) + 8 * nodes * 8 + 2 * nodes * nodes * 8);
  need->theory = hd_memory_bytes(24 * G * B * 8);
  need->state = hd_memory_bytes((K + 1) * d * 8);
  need->thread = 0;
  need->n_obs = n_obs;
  need->steps_per_time = d;
}
