/* glm_problem.c — the problem glm: its parameter table (the one source of truth for its
 * model-file keys), validation (the formulas parsed, differentiated and tried at the
 * origin, each error naming file, line, section and key) and ops table. */
#include <math.h>
#include <string.h>

#include "glm.h"
#include "memory_estimate.h"

#define F(field) offsetof(struct glm_params, field)

/* streaming_lsq's spectra up to file (a prefix of hd_spectrum_names) */
static const char *const spectra[] = {"isotropic",       "zero_one", "power_law",
                                      "power_law_decay", "file",     NULL};
static const char *const teachers[] = {"random", "aligned", NULL};
static const char *const forms[] = {"auto", "derivative", "stein", NULL};
static const char *const inits[] = {"zero", "random", NULL};

static const struct hd_param glm_table[] = {
    {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "dimension", "§1.1"},
    HD_SPECTRUM_ROWS(struct glm_params, spectrum, spectra,
                     "covariance eigenvalues, as in streaming_lsq (mean 1 when generated)"),
    {"data", "teacher", HD_ENUM, F(teacher), "random", 0, 0, 0, teachers, "",
     "x* = p / sqrt(d): random (p ~ N(0, I), streaming_lsq's target draw for the seed) or "
     "aligned (p_i = 1)",
     "§1.1"},
    {"glm", "target", HD_STRING, F(target), NULL, 0, 0, 0, NULL, "",
     "label y as a formula in r_star = <x*, a> and eps ~ N(0, 1), e.g. sign(r_star), "
     "r_star^2 + 0.1*eps",
     "§1.2"},
    {"glm", "loss", HD_STRING, F(loss), NULL, 0, 0, 0, NULL, "",
     "loss l(r, y) as a formula in r = <x, a> and y, e.g. log(1 + exp(-y*r)), max(0, 1 - y*r)",
     "§1.2"},
    {"glm", "metric", HD_STRING, F(metric), "", 0, 0, 0, NULL, "",
     "optional observable E[metric] in r, y, r_star, e.g. r*y < 0 (empty: none)", "§1.4"},
    {"glm", "nodes", HD_INT, F(nodes), "0", 0, 256, 0, NULL, "",
     "Gauss-Hermite nodes per dimension of the drift; 0 = auto (64 over (z1, z2), 24 when the "
     "target reads eps)",
     "§2.3"},
    {"glm", "form", HD_ENUM, F(form), "auto", 0, 0, 0, forms, "",
     "drift expectations: derivative (symbolic second derivatives), stein (B^-1 E[(r, r*) l_r], "
     "for a loss slope or target that jumps), auto (stein exactly when one may jump)",
     "§2.3"},
    HD_SCHEDULE_ROWS(struct glm_params, schedule, "§1.3"),
    {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "", "ridge penalty delta",
     "§1.3"},
    {"optimizer", "batch", HD_INT, F(batch), "1", 1, 1e6, 0, NULL, "",
     "mini-batch size B (gradients averaged; t counts steps / d)", "§1.3"},
    {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, inits, "",
     "x_0 = 0, or random: x_0 ~ N(0, init_scale^2 / d I), independent per run", "§2.5"},
    {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
     "sigma_0 of the random initialisation", "§2.5"},
    {"optimizer", "init_overlap", HD_REAL, F(init_overlap), "0", -1e3, 1e3, 0, NULL, "",
     "c in x_0 = c x* + (0 or the random part): a start correlated with the teacher, e.g. to "
     "leave the symmetric saddle of phase retrieval",
     "§2.5"},
};

/* The run starts at x = 0 (r = 0 for every sample): a formula that divides by zero there
 * is refused before anything runs. */
void glm_check_origin(struct glm_funcs *F, const struct hd_config *cfg, struct hd_errors *err)
{
  static const double pts[] = {0, 1, -1};
  for (size_t i = 0; i < 3; i++)
    for (size_t k = 0; k < 3; k++) {
      const double tv[2] = {pts[i], pts[k]};
      const double y = hd_formula_eval(F->target, tv);
      if (!isfinite(y)) {
        hd_config_error(cfg, err, "glm", "target",
                        "'%s' is %g at r_star = %g, eps = %g (division by zero?)",
                        hd_formula_source(F->target), y, pts[i], pts[k]);
        return;
      }
      const double v[3] = {0.0, y, pts[i]};
      const double l = hd_formula_eval(F->loss, v), g = hd_formula_eval(F->dloss, v);
      if (!isfinite(l) || !isfinite(g)) {
        hd_config_error(cfg, err, "glm", "loss",
                        "%s is %g at r = 0, y = %g: the run starts at x = 0, where r = 0 "
                        "(division by zero at the origin?)",
                        isfinite(l) ? "its derivative in r" : "the loss", isfinite(l) ? g : l, y);
        return;
      }
      if (F->metric && !isfinite(hd_formula_eval(F->metric, v))) {
        hd_config_error(cfg, err, "glm", "metric", "'%s' is not finite at r = 0, y = %g",
                        hd_formula_source(F->metric), y);
        return;
      }
    }
}

static void glm_validate(const void *params, const struct hd_run_params *run,
                         const struct hd_config *cfg, struct hd_errors *err)
{
  const struct glm_params *p = params;
  hd_spectrum_params_check(&p->spectrum, cfg, err);
  if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "data", "spectrum",
                    "power_law_decay is outside the ODE regime (gamma lambda_1 / d = O(1)); "
                    "use [theory] method = none");
  if (run->method == HD_THEORY_RECURSION || run->method == HD_THEORY_VOLTERRA)
    hd_config_error(cfg, err, "theory", "method", "glm's theory is the ODE (method = ode)");
  struct glm_funcs F;
  const char *which;
  char msg[256];
  if (glm_funcs_compile(&F, p->target, p->loss, p->metric, &which, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "glm", which, "%s", msg);
    return;
  }
  glm_check_origin(&F, cfg, err);
  int jumps = hd_formula_may_jump(F.dloss) || hd_formula_may_jump(F.target);
  if (p->form == GLM_FORM_KEY_DERIVATIVE && jumps)
    hd_config_error(cfg, err, "glm", "form",
                    "form = derivative needs d loss/dr and the target continuous, but %s "
                    "contains step or delta (a jump); use stein or auto",
                    hd_formula_may_jump(F.dloss) ? "d loss/dr" : "the target");
  glm_funcs_free(&F);
}

static size_t glm_observables(const void *plan, const struct hd_observable **obs)
{
  const struct glm_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

static double glm_steps_per_time(const void *plan)
{
  return (double)((const struct glm_plan *)plan)->d;
}

/* ---- theory ------------------------------------------------------------------- */

static size_t glm_ode_dimension(const void *plan)
{
  return 2 * ((const struct glm_plan *)plan)->n_groups;
}

static int glm_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct glm_plan *P = plan;
  glm_ode_fill(&P->ode, sys, y0);
  sys->breakpoints = P->breakpoints;
  sys->n_breakpoints = P->n_breakpoints;
  return 0;
}

/* risk, [metric], overlap, cosine, norm from (q, m, |x|^2) */
static void observe_overlaps(const struct glm_plan *P, double q, double m, double norm, double *out)
{
  struct glm_plan *mut = (struct glm_plan *)P; /* the thread's formula clone is a cache */
  double loss, metric;
  glm_expect_observe(&P->quad_obs, glm_thread_funcs(mut), q, m, P->p_total, &loss, &metric);
  size_t o = 0;
  out[o++] = loss;
  if (P->has_metric) out[o++] = metric;
  out[o++] = m;
  out[o++] = q > 0 && P->p_total > 0 ? m / sqrt(q * P->p_total) : 0.0;
  out[o++] = norm;
}

static void glm_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  const struct glm_plan *P = plan;
  double q, m, norm;
  glm_ode_overlaps(&P->ode, y, &q, &m, &norm);
  observe_overlaps(P, q, m, norm, out);
}

/* ---- simulation ----------------------------------------------------------------- */

/* What a plan and a run hold, from the parameters alone: the d-sized spectrum, teacher
 * and group arrays (the groups at their bound; no binning here), the sort's pairs while
 * they are built, the quadrature rules (nodes^2 points with label noise). */
static void glm_memory_need(const void *params, const struct hd_run_params *run,
                            const struct hd_config *cfg, struct hd_memory_need *need)
{
  (void)cfg;
  const struct glm_params *p = params;
  const double d = (double)p->d,
               G = (double)hd_spectrum_groups_bound(&p->spectrum, (size_t)p->d, 0),
               nodes = p->nodes > 0 ? (double)p->nodes : 64;
  double plan = sizeof(struct glm_plan) +
                (2 + (p->spectrum.kind != HD_SPECTRUM_ISOTROPIC)) * d * 8 + 5 * G * 8 + 2 * d * 8 +
                8 * nodes * nodes * 8;
  need->plan = hd_memory_bytes(plan);
  need->theory = hd_memory_theory_bytes((size_t)(2 * G), run);
  need->state = hd_memory_bytes((p->batch > 1 ? 3 : 2) * d * 8);
  need->thread = 0;
  need->n_obs = 5;
  need->steps_per_time = d;
}

static size_t glm_sim_state_size(const void *plan)
{
  return glm_sgd_state_size(&((const struct glm_plan *)plan)->sgd);
}

static void glm_sim_start(const void *plan, uint64_t run, void *state)
{
  glm_sgd_start(&((const struct glm_plan *)plan)->sgd, run, state);
}

static int glm_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                           uint64_t *bad_step)
{
  const struct glm_plan *P = plan;
  const char *what = NULL;
  return glm_sgd_advance(&P->sgd, glm_thread_funcs((void *)P), run, state, k0, k1, bad_step, &what);
}

static void glm_sim_observe(const void *plan, const void *state, double *out)
{
  const struct glm_plan *P = plan;
  const double *x = state;
  double q = 0, m = 0, norm = 0;
  for (size_t i = 0; i < P->d; i++) {
    q += P->lambda[i] * x[i] * x[i];
    m += P->lambda[i] * x[i] * P->teacher[i];
    norm += x[i] * x[i];
  }
  observe_overlaps(P, q, m, norm, out);
}

/* t = infinity (§2.7): at a constant learning rate E1-E2 are autonomous, and the engine
 * looks for their stable fixed point from the end of the integration. */
static int glm_stationary(const void *plan, double *out, char *note, size_t len)
{
  (void)out;
  const struct glm_plan *P = plan;
  if (P->p.schedule.kind != HD_SCHEDULE_CONSTANT) {
    snprintf(note, len, "none: the learning rate is not constant (a schedule)");
    return HD_STATIONARY_NONE;
  }
  snprintf(note, len, "E1-E2 (glm.md §2.7)");
  return HD_STATIONARY_FIXED_POINT;
}

const struct hd_problem hd_problem_glm = {
    .name = "glm",
    .summary = "one-pass SGD on a single-index model, target and loss given as formulas: "
               "per-eigenvalue ODE (glm.md E1-E2) and Monte Carlo",
    .theory_doc = "docs/theory/glm.md",
    .time_meaning = "t = SGD steps / d",
    .params = glm_table,
    .n_params = sizeof glm_table / sizeof glm_table[0],
    .params_size = sizeof(struct glm_params),
    .validate = glm_validate,
    .memory_need = glm_memory_need,
    .plan_create = glm_plan_create,
    .plan_destroy = glm_plan_destroy,
    .plan_print = glm_plan_print,
    .observables = glm_observables,
    .steps_per_time = glm_steps_per_time,
    .ode_dimension = glm_ode_dimension,
    .ode = glm_ode,
    .ode_observe = glm_ode_observe,
    .stationary = glm_stationary,
    .sim_state_size = glm_sim_state_size,
    .sim_start = glm_sim_start,
    .sim_advance = glm_sim_advance,
    .sim_observe = glm_sim_observe,
};
