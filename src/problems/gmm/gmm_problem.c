/* gmm_problem.c — gmm_multiclass as an hdsim problem: the ops table, which hands the
 * engine's calls to the theory (ode/gmm_limit.h) and the simulation (src/sim/gmm_sgd.h)
 * through the systems the plan filled, and the plan made visible (plan_print, plan_bytes).
 * Mathematics: docs/theory/gmm.md. */
#define HDSIM_GMM_PACKAGE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "memory_estimate.h"
#include "problems/gmm/gmm_plan.h"

static const char *const loss_names[] = {"least_squares", "logistic", "softmax", "onehot_ls"};

static size_t gmm_observables(const void *plan, const struct hd_observable **obs)
{
  const struct gmm_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

static double gmm_steps_per_time(const void *plan)
{
  return (double)((const struct gmm_plan *)plan)->d;
}

/* ---- theory: the limit system the plan filled ----------------------------------------- */

static size_t gmm_problem_ode_dimension(const void *plan)
{
  return gmm_ode_dimension(&((const struct gmm_plan *)plan)->limit);
}

static int gmm_problem_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  return gmm_ode(&((struct gmm_plan *)plan)->limit, sys, y0);
}

static void gmm_problem_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  const struct gmm_plan *P = plan;
  gmm_observe_state(&P->limit, P->limit.G, y, out);
}

static const char *gmm_theory_note(const void *plan)
{
  const struct gmm_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

/* ---- simulation: the SGD system the plan filled ----------------------------------------- */

static size_t gmm_sim_state_size(const void *plan)
{
  return gmm_sgd_state_size(&((const struct gmm_plan *)plan)->sgd);
}

static void gmm_sim_start(const void *plan, uint64_t run, void *state)
{
  gmm_sgd_start(&((const struct gmm_plan *)plan)->sgd, run, state);
}

static int gmm_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                           uint64_t *bad_step)
{
  return gmm_sgd_advance(&((const struct gmm_plan *)plan)->sgd, run, state, k0, k1, bad_step);
}

/* Size of the exact projected state of a run (the finite-d groups, + AdaGrad's block). */
static size_t projected_size(const struct gmm_plan *P)
{
  return (P->fin.n + (size_t)P->limit.adaptive) * P->block;
}

/* The run's exact observables: its projected state read through the theory's observables
 * on the finite-d groups, so quadrature error never shows up as a theory-vs-MC gap. */
static void gmm_sim_observe(const void *plan, const void *state, double *out)
{
  const struct gmm_plan *P = plan;
  double *y = calloc(projected_size(P), sizeof *y);
  gmm_sgd_project(&P->sgd, state, y);
  gmm_observe_state(&P->limit, &P->fin, y, out);
  free(y);
}

/* ---- the plan made visible ---------------------------------------------------------------- */

static size_t groups_bytes(const struct gmm_groups *G, size_t l, size_t A)
{
  return G->n * (sizeof(double) * (1 + l + A * A) + sizeof(size_t));
}

static size_t gmm_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct gmm_plan *P = plan;
  const struct gmm_quad *Q = &P->limit.quad;
  const size_t d = P->d, l = P->l, q = P->q, A = P->A;
  const size_t globals = l * q * (q + 1) * sizeof(double); /* m_c and S_c of every class */
  size_t bytes = sizeof *P + P->n_obs * sizeof *P->obs;
  bytes += (2 * l + A) * d * sizeof(double) + d * sizeof(size_t); /* spectra, directions */
  bytes += groups_bytes(&P->fin, l, A) + groups_bytes(&P->lim, l, A) + groups_bytes(&P->bin, l, A);
  bytes += 2 * (Q->n_gh[0] + Q->n_gh[1] + Q->n_gl) * sizeof(double);
  if (Q->qmc) bytes += GMM_ERROR_POINTS * q * sizeof(double);
  if (theory_bytes) { /* expectations and their differences, globals, Jacobian columns,
                       * and the solver (CVODE with the structured Jacobian's storage) */
    size_t n = gmm_ode_dimension(&P->limit), rank;
    int structured = gmm_ode_structured(&P->limit, &rank);
    *theory_bytes = P->method == HD_THEORY_NONE
                        ? 0
                        : 2 * l * sizeof(struct gmm_expect) + globals +
                              n * sizeof(double) * (1 + 2 * (size_t)P->limit.adaptive) +
                              hd_memory_ode_bytes(n, P->block, rank, structured, P->linear_solver);
  }
  if (thread_bytes) *thread_bytes = projected_size(P) * sizeof(double) + globals;
  return bytes;
}

/* gmm_plan_bytes' figures and the run state from the parameters alone: the finite-d
 * eigen-groups at their bound (one for an isotropic covariance, two for zero_one, else
 * up to d), the theory's groups (limit nodes, bins or those), the eigenvector matrix a
 * plan reads (d x d). */
static void gmm_memory_need(const void *params, const struct hd_run_params *run,
                            const struct hd_config *cfg, struct hd_memory_need *need)
{
  (void)cfg;
  const struct gmm_params *p = params;
  const double d = (double)p->d, l = (double)p->classes, q = (double)gmm_outputs(p);
  const double A = l + (p->teacher != GMM_TEACHER_NONE), nv = q * (q + 1) / 2, block = nv + A * q,
               adaptive = p->adaptive == GMM_ADAPTIVE_ADAGRAD_NORM;
  double fin = p->covariance == GMM_COV_ISOTROPIC ? 1 : p->covariance == GMM_COV_ZERO_ONE ? 2 : d;
  fin = fmin(fin, d);
  double th = p->limit_nodes > 0 ? (double)p->limit_nodes
              : run->bins > 0    ? fmin(fin, (double)run->bins + 2)
                                 : fin;
  const double group = 8 * (1 + l + A * A) + 8, globals = l * q * (q + 1) * 8;
  double plan = sizeof(struct gmm_plan) + (2 * l + A) * d * 8 + d * 8 + (fin + th) * group +
                GMM_ERROR_POINTS * q * 8 + (1 << 20);
  if (p->eigenvectors[0]) plan += d * d * 8;
  need->plan = hd_memory_bytes(plan);
  /* as gmm_ode_structured: the Woodbury core's rank, and when the structure is used */
  const double n = (th + adaptive) * block, rank = l * (q + nv) + adaptive;
  const int structured = block <= 48 && rank <= 96 && rank <= n;
  need->theory = run->method == HD_THEORY_NONE
                     ? 0
                     : hd_memory_bytes(2 * l * sizeof(struct gmm_expect) + globals +
                                       n * 8 * (1 + 2 * adaptive) +
                                       (double)hd_memory_ode_bytes((size_t)n, (size_t)block,
                                                                   (size_t)rank, structured,
                                                                   run->linear_solver));
  need->state = hd_memory_bytes((q * d + d + (p->batch > 1 ? q * d : 0) + 1) * 8);
  need->thread = hd_memory_bytes((fin + adaptive) * block * 8 + globals);
  double overlap = fmin(l, 16),
         bands = p->covariance == GMM_COV_ISOTROPIC ? 1 : (double)p->bands + 1;
  need->n_obs = (size_t)(2 + 2 * overlap + adaptive + (p->teacher != GMM_TEACHER_NONE) +
                         (bands > 1 ? 2 * bands + 2 : 0));
  need->steps_per_time = d;
}

static void gmm_plan_print(const void *plan, FILE *out)
{
  const struct gmm_plan *P = plan;
  const struct gmm_groups *G = P->limit.G;
  const char *groups = G == &P->lim   ? "nodes of the d -> infinity power-law grid"
                       : G == &P->bin ? "spectral bins of the finite-d groups"
                                      : "finite-d eigen-groups";
  size_t rank, theory_bytes, thread_bytes, bytes = gmm_plan_bytes(P, &theory_bytes, &thread_bytes);
  int structured = gmm_ode_structured(&P->limit, &rank);
  char quad[256];
  gmm_quadrature_text(P, quad, sizeof quad);
  fprintf(out, "data: d = %zu, %zu classes, %zu finite-d eigen-groups, %zu directions tracked\n",
          P->d, P->l, P->fin.n, P->A);
  fprintf(out, "loss: %s, %zu output%s\n", loss_names[P->p.loss], P->q, P->q == 1 ? "" : "s");
  fprintf(out, "theory: ODE E1-E2 on %zu %s, block %zu, state %zu values%s\n", G->n, groups,
          P->block, gmm_ode_dimension(&P->limit), P->limit.adaptive ? " (+ AdaGrad-Norm's G)" : "");
  if (structured)
    fprintf(out,
            "solver: CVODE BDF; Jacobian block-diagonal + rank %zu (structured Newton "
            "solve available)\n",
            rank);
  else
    fprintf(out,
            "solver: CVODE BDF; no structured Jacobian (block %zu, rank %zu: dense or "
            "GMRES)\n",
            P->block, rank);
  fprintf(out, "quadrature: %s\n", quad);
  fprintf(out, "simulation: one-pass SGD, batch %ld, %zu bytes per run\n", P->p.batch,
          gmm_sgd_state_size(&P->sgd));
  fprintf(out, "observables: %zu\n", P->n_obs);
  fprintf(out, "memory: plan %zu bytes, theory scratch %zu bytes, %zu bytes per thread\n", bytes,
          theory_bytes, thread_bytes);
}

/* t = infinity (§2.9): E1-E2 are autonomous at a constant learning rate, so their stable
 * fixed point, found by the engine from the end of the integration, is the limit.  A
 * schedule makes gamma depend on t; AdaGrad-Norm's accumulated G grows without bound. */
static int gmm_stationary(const void *plan, double *out, char *note, size_t len)
{
  (void)out;
  const struct gmm_plan *P = plan;
  if (P->p.schedule.kind != HD_SCHEDULE_CONSTANT) {
    snprintf(note, len, "none: the learning rate is not constant (a schedule)");
    return HD_STATIONARY_NONE;
  }
  if (P->limit.adaptive) {
    snprintf(note, len,
             "none: AdaGrad-Norm's accumulated gradient norm G grows without bound, so the "
             "step decays and the limit has no fixed point");
    return HD_STATIONARY_NONE;
  }
  snprintf(note, len, "E1-E2 (gmm.md §2.9)");
  return HD_STATIONARY_FIXED_POINT;
}

const struct hd_problem hd_problem_gmm_multiclass = {
    .name = "gmm_multiclass",
    .summary = "one-pass SGD on Gaussian mixtures with commuting anisotropic class covariances: "
               "least squares, logistic, softmax, one-hot LS (gmm.md E1-E3)",
    .theory_doc = "docs/theory/gmm.md",
    .time_meaning = "t = SGD steps / d",
    .params = gmm_table,
    .n_params = GMM_N_PARAMS,
    .params_size = sizeof(struct gmm_params),
    .validate = gmm_validate,
    .memory_need = gmm_memory_need,
    .plan_create = gmm_plan_create,
    .plan_destroy = gmm_plan_destroy,
    .observables = gmm_observables,
    .steps_per_time = gmm_steps_per_time,
    .plan_print = gmm_plan_print,
    .plan_bytes = gmm_plan_bytes,
    .ode_dimension = gmm_problem_ode_dimension,
    .ode = gmm_problem_ode,
    .ode_observe = gmm_problem_ode_observe,
    .theory_note = gmm_theory_note,
    .stationary = gmm_stationary,
    .sim_state_size = gmm_sim_state_size,
    .sim_start = gmm_sim_start,
    .sim_advance = gmm_sim_advance,
    .sim_observe = gmm_sim_observe,
    .write_extra = gmm_write_extra,
};
