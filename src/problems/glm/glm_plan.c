/* glm_plan.c — the plan of glm, built in named steps: the spectrum and the teacher
 * (streaming_lsq's, for the same seed), the eigen-groups of the theory, the formulas and
 * their per-thread clones, the quadrature rules, the limit's and the simulation's
 * systems, the observables. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "glm.h"

/* ---- per-thread formulas ---------------------------------------------------------- */

static atomic_uint_fast64_t next_plan_id = 1;

/* Each thread keeps the clone it was given for the plan it last used; plan ids are never
 * reused, so a clone of a destroyed plan is never mistaken for the current one. */
static _Thread_local uint64_t tl_plan_id;
static _Thread_local struct glm_funcs *tl_funcs;

struct glm_funcs *glm_thread_funcs(void *plan)
{
  struct glm_plan *P = plan;
  if (tl_plan_id == P->id && tl_funcs) return tl_funcs;
  struct glm_funcs *F = calloc(1, sizeof *F);
  if (!F || glm_funcs_clone(F, &P->base) != 0) abort(); /* out of memory */
  pthread_mutex_lock(&P->pool_lock);
  if (P->n_pool == P->cap_pool) {
    P->cap_pool = P->cap_pool ? 2 * P->cap_pool : 8;
    P->pool = realloc(P->pool, P->cap_pool * sizeof *P->pool);
    if (!P->pool) abort();
  }
  P->pool[P->n_pool++] = F;
  pthread_mutex_unlock(&P->pool_lock);
  tl_plan_id = P->id;
  tl_funcs = F;
  return F;
}

static struct glm_funcs *ode_funcs(void *ctx) { return glm_thread_funcs(ctx); }

void glm_plan_destroy(void *plan)
{
  struct glm_plan *P = plan;
  if (!P) return;
  for (size_t i = 0; i < P->n_pool; i++) {
    glm_funcs_free(P->pool[i]);
    free(P->pool[i]);
  }
  free(P->pool);
  pthread_mutex_destroy(&P->pool_lock);
  glm_funcs_free(&P->base);
  glm_quad_free(&P->quad);
  glm_quad_free(&P->quad_obs);
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->teacher);
  free(P->g_lambda);
  free(P->g_weight);
  free(P->g_p);
  free(P->g_v0);
  free(P->g_w0);
  free(P);
}

/* ---- data ------------------------------------------------------------------------- */

static int plan_spectrum(struct glm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d;
  if (hd_spectrum_plan_fill(&P->p.spectrum, cfg, d, &P->lambda, &P->sqrt_lambda, err) != 0)
    return -1;
  P->teacher = malloc(d * sizeof(double));
  hd_target_fill(P->p.teacher == 0 ? HD_TARGET_RANDOM : HD_TARGET_ALIGNED, d, P->lambda, 0.0,
                 P->seed, P->teacher);
  for (size_t i = 0; i < d; i++) P->p_total += P->lambda[i] * P->teacher[i] * P->teacher[i];
  return 0;
}

static int cmp_desc(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a < b) - (a > b);
}

/* Groups of equal eigenvalues: lambda_g, w_g = n_g / d, P_g = sum x*_i^2, and the initial
 * V_g = sigma_0^2 w_g + c^2 P_g, W_g = c P_g (x_0 = c x* + N(0, sigma_0^2 / d I), in
 * expectation; sigma_0 = 0 without the random part). */
static void plan_groups(struct glm_plan *P)
{
  size_t d = P->d;
  double(*pair)[2] = malloc(d * sizeof *pair);
  for (size_t i = 0; i < d; i++) {
    pair[i][0] = P->lambda[i];
    pair[i][1] = P->teacher[i] * P->teacher[i];
  }
  qsort(pair, d, sizeof *pair, cmp_desc);
  P->g_lambda = calloc(d, sizeof(double));
  P->g_weight = calloc(d, sizeof(double));
  P->g_p = calloc(d, sizeof(double));
  P->g_v0 = calloc(d, sizeof(double));
  P->g_w0 = calloc(d, sizeof(double));
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && pair[i][0] != pair[i - 1][0]) g++;
    P->g_lambda[g] = pair[i][0];
    P->g_weight[g] += 1;
    P->g_p[g] += pair[i][1];
  }
  P->n_groups = g + 1;
  const double s0 = P->p.init ? P->p.init_scale : 0.0, c = P->p.init_overlap;
  for (g = 0; g < P->n_groups; g++) {
    P->g_weight[g] /= (double)d;
    P->g_v0[g] = s0 * s0 * P->g_weight[g] + c * c * P->g_p[g];
    P->g_w0[g] = c * P->g_p[g];
  }
  free(pair);
}

/* ---- formulas and quadrature -------------------------------------------------------- */

static int plan_formulas(struct glm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const char *which;
  char msg[256];
  if (glm_funcs_compile(&P->base, P->p.target, P->p.loss, P->p.metric, &which, msg, sizeof msg) !=
      0) {
    hd_config_error(cfg, err, "glm", which, "%s", msg);
    return -1;
  }
  size_t before = err->count;
  glm_check_origin(&P->base, cfg, err);
  if (err->count != before) return -1;
  P->has_metric = P->base.metric != NULL;
  const int target_jumps = hd_formula_may_jump(P->base.target);
  const int slope_jumps = hd_formula_may_jump(P->base.dloss);
  const int metric_jumps = P->base.metric && hd_formula_may_jump(P->base.metric);
  const enum glm_form form = P->p.form == GLM_FORM_KEY_DERIVATIVE ? GLM_FORM_DERIVATIVE
                             : P->p.form == GLM_FORM_KEY_STEIN    ? GLM_FORM_STEIN
                             : target_jumps || slope_jumps        ? GLM_FORM_STEIN
                                                                  : GLM_FORM_DERIVATIVE;
  const int eps = hd_formula_uses(P->base.target, "eps");
  /* labels that ignore the teacher (pure noise): r alone matters (theory doc §2.3) */
  const int no_rstar = !hd_formula_uses(P->base.target, "r_star") &&
                       !(P->base.metric && hd_formula_uses(P->base.metric, "r_star"));
  size_t n = P->p.nodes > 0 ? (size_t)P->p.nodes : eps ? 24 : 64;
  /* The observables (read off every run at every output time as well) on a smaller rule:
   * theory and simulation share it, so it adds no theory-vs-simulation difference. */
  size_t n_obs = no_rstar ? n : eps ? (n < 16 ? n : 16) : (n < 48 ? n : 48);
  if (glm_quad_init(&P->quad, n, eps ? n : 1, form, target_jumps, slope_jumps, no_rstar, P->p_total,
                    &P->base) != 0 ||
      glm_quad_init(&P->quad_obs, n_obs, eps ? n_obs : 1, form, target_jumps,
                    slope_jumps || metric_jumps, no_rstar, P->p_total, &P->base) != 0) {
    hd_config_error(cfg, err, "glm", "nodes", "Gauss-Hermite rule with %zu nodes failed", n);
    return -1;
  }
  return 0;
}

static void plan_systems(struct glm_plan *P, const struct hd_run_params *run)
{
  const struct glm_params *p = &P->p;
  P->ode = (struct glm_system){.n_groups = P->n_groups,
                               .g_lambda = P->g_lambda,
                               .g_weight = P->g_weight,
                               .g_p = P->g_p,
                               .v0 = P->g_v0,
                               .w0 = P->g_w0,
                               .schedule = &P->p.schedule,
                               .ridge = p->ridge,
                               .batch = (double)p->batch,
                               .p = P->p_total,
                               .quad = &P->quad,
                               .funcs = ode_funcs,
                               .ctx = P};
  P->sgd = (struct glm_sgd){.d = P->d,
                            .batch = (size_t)p->batch,
                            .seed = P->seed,
                            .sqrt_lambda = P->sqrt_lambda,
                            .teacher = P->teacher,
                            .schedule = &P->p.schedule,
                            .ridge = p->ridge,
                            .init_random = p->init,
                            .init_scale = p->init_scale,
                            .init_overlap = p->init_overlap};
  P->n_breakpoints = hd_schedule_breakpoints(&P->p.schedule, run->horizon, P->breakpoints, 64);
}

static void set_obs(struct hd_observable *o, const char *name, const char *desc, int logy)
{
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->log_x = 1;
  o->log_y = logy;
}

static void plan_observables(struct glm_plan *P)
{
  size_t o = 0;
  set_obs(&P->obs[o++], "risk", "population loss E[l(r, y)] over fresh data (glm.md §1.4)", 1);
  if (P->has_metric) set_obs(&P->obs[o++], "metric", "E[metric(r, y, r_star)] (glm.md §1.4)", 0);
  set_obs(&P->obs[o++], "overlap", "m = <x, K x*> = sum_g lambda_g W_g", 0);
  set_obs(&P->obs[o++], "cosine", "m / sqrt(q p), the teacher-student correlation of r, r*", 0);
  set_obs(&P->obs[o++], "norm", "|x|^2 = sum_g V_g", 0);
  P->n_obs = o;
}

void *glm_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err)
{
  struct glm_plan *P = calloc(1, sizeof *P);
  if (!P) return NULL;
  P->p = *(const struct glm_params *)params;
  P->d = (size_t)P->p.d;
  P->seed = (uint64_t)run->seed;
  P->id = atomic_fetch_add(&next_plan_id, 1);
  pthread_mutex_init(&P->pool_lock, NULL);
  if (plan_spectrum(P, cfg, err) != 0 || plan_formulas(P, cfg, err) != 0) {
    glm_plan_destroy(P);
    return NULL;
  }
  plan_groups(P);
  plan_systems(P, run);
  plan_observables(P);
  return P;
}

void glm_plan_print(const void *plan, FILE *out)
{
  const struct glm_plan *P = plan;
  fprintf(out, "problem: glm, d = %zu, batch %ld, %zu eigen-group%s\n", P->d, P->p.batch,
          P->n_groups, P->n_groups == 1 ? "" : "s");
  fprintf(out, "target: y = %s\n", hd_formula_text(P->base.target));
  fprintf(out, "loss: %s; d/dr = %s\n", hd_formula_text(P->base.loss),
          hd_formula_text(P->base.dloss));
  if (P->base.metric) fprintf(out, "metric: %s\n", hd_formula_text(P->base.metric));
  fprintf(out,
          "theory: d -> infinity ODE (E1-E2), %zu values, 2x2 blocks + rank 2; expectations "
          "%s form, Gauss-Hermite %zu^%d nodes (observables %zu^%d)\n",
          2 * P->n_groups, P->quad.form == GLM_FORM_STEIN ? "Stein" : "derivative", P->quad.n,
          P->quad.n_eps > 1 ? 3 : 2, P->quad_obs.n, P->quad_obs.n_eps > 1 ? 3 : 2);
  fprintf(out, "simulation: one-pass SGD, %zu doubles per run\n",
          glm_sgd_state_size(&P->sgd) / sizeof(double));
  fprintf(out, "observables: %zu\n", P->n_obs);
}
