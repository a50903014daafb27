/* dmft_grokking.c — DMFT grokking as an hdsim problem (docs/theory/grok.md): the
 * parameter table (the one source of truth for its model-file keys), validation, and the
 * ops table, which hands the theory to the limit of [theory] limit (ode/grok_limit.h) and
 * the simulation to the finite networks (sim/grok_net.h).  The plan is
 * dmft_grokking_plan.c. */
#include <stdio.h>
#include <string.h>

#include "problems/grok/dmft_grokking_plan.h"

#define F(field) offsetof(struct grok_params, field)

static const char *const targets[] = {"half", "full", NULL};
static const char *const beta_norms[] = {"random", "exact", NULL};
static const char *const lr_scalings[] = {"mean_field", "sigma_sweep", NULL};
static const char *const limits[] = {"width", "lazy", "population", NULL}; /* grok_limit_kind */
static const char *const algorithms[] = {"closure", "neurons", "samples",
                                         NULL}; /* grok_net_algorithm */
static const char *const forms[] = {"auto", "weights", "samples", NULL};
static const char *const models[] = {"standard", "readouts", "linearised",
                                     NULL};                          /* grok_net_model */
static const char *const readout_inits[] = {"ones", "normal", NULL}; /* grok_readout_init */

static const struct hd_param grok_table[] = {
    {"data", "D", HD_INT, F(D), NULL, 1, 4096, 0, NULL, "", "input dimension; x ~ N(0, I_D / D)",
     "§1.1"},
    {"data", "P", HD_INT, F(P), NULL, 1, 1e6, 0, NULL, "",
     "training points (full batch, reused every step)", "§1.1"},
    {"data", "test_points", HD_INT, F(test_points), "1000", 1, 1e6, 0, NULL, "",
     "held-out points for the empirical test loss (and the CKA)", "§1.4"},
    {"data", "target", HD_ENUM, F(target), "half", 0, 0, 0, targets, "",
     "y = (s_y/2)(beta.x)^2: half (s_y = 1, paper eq. 3) or full (s_y = 2, the "
     "Fig. 3/5/7 cells)",
     "§1.1"},
    {"data", "beta_norm", HD_ENUM, F(beta_norm), "random", 0, 0, 0, beta_norms, "",
     "teacher beta ~ N(0, I_D) as drawn (random), or rescaled to |beta|^2 = D (exact)", "§1.1"},
    {"data", "data_seed", HD_INT, F(data_seed), "-1", -1, 9.0e18, 0, NULL, "",
     "seed of the dataset (X, beta, test set); -1: the [model] seed", NULL},
    {"data", "X_file", HD_ARRAY, F(X_file), "", 0, 0, 0, NULL, "",
     "training inputs from a file (P x D, used as given; \"\": drawn N(0, I/D))", "§5.6"},
    {"data", "y_file", HD_ARRAY, F(y_file), "", 0, 0, 0, NULL, "",
     "training labels from a file (P; needs X_file and beta_file; \"\": (s_y/2)(beta.x)^2)",
     "§5.6"},
    {"data", "beta_file", HD_ARRAY, F(beta_file), "", 0, 0, 0, NULL, "",
     "the teacher beta from a file (D, used as given; \"\": drawn N(0, I_D))", "§5.6"},
    {"data", "test_X_file", HD_ARRAY, F(test_X_file), "", 0, 0, 0, NULL, "",
     "test inputs from a file (test_points x D; \"\": drawn)", "§5.6"},
    {"data", "test_y_file", HD_ARRAY, F(test_y_file), "", 0, 0, 0, NULL, "",
     "test labels from a file (test_points; needs test_X_file; \"\": from beta)", "§5.6"},
    {"network", "N", HD_INT, F(N), NULL, 1, 1e7, HD_FINITE_SIZE, NULL, "",
     "width of the simulated networks (the theory is N = infinity)", "§1.1"},
    {"network", "alpha", HD_REAL, F(alpha), "1", 0, 1e12, HD_MIN_EXCL, NULL, "",
     "output scale alpha (laziness)", "§1.1"},
    {"network", "eps", HD_REAL, F(eps), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
     "epsilon in phi(h) = h + (eps/2) h^2 (initial alignment)", "§1.1"},
    {"network", "sigma", HD_REAL, F(sigma), "1", 0, 1e6, HD_MIN_EXCL, NULL, "",
     "initial weight scale: w_i(0) ~ N(0, sigma^2 I_D)", "§1.1"},
    {"network", "center", HD_BOOL, F(center), "true", 0, 0, 0, NULL, "",
     "train the centred predictor f - f(W0) (paper App. 8.1)", "§1.1"},
    {"network", "algorithm", HD_ENUM, F(algorithm), "closure", 0, 0, 0, algorithms, "",
     "simulation: closure (exact (wbar, Z) map seeded with the run's W0, cost 4PD min(N,D)), "
     "neurons (literal GD on the N x D weights, cost 4NPD) or samples (the same closure in "
     "sample space, cost 4P^3 per step: for P < D)",
     "§2.1 §2.4"},
    {"network", "model", HD_ENUM, F(model), "standard", 0, 0, 0, models, "",
     "what is trained: standard (readouts fixed to 1, paper eq. 2), readouts (both layers, "
     "the paper's Fig. 12; theory: the N = infinity DMFT by particles) or linearised (f "
     "linearised around W0, the finite-width lazy model; theory: limit = lazy)",
     "§5.1 §5.4"},
    {"network", "readout_init", HD_ENUM, F(readout_init), "ones", 0, 0, 0, readout_inits, "",
     "model = readouts: initial readouts a_i = 1 (ones) or a_i ~ N(0, 1) (normal)", "§5.1"},
    {"network", "W0_file", HD_ARRAY, F(W0_file), "", 0, 0, 0, NULL, "",
     "initial first-layer weights from a file (N x D, used as given: sigma is not applied; "
     "runs = 1)",
     "§5.6"},
    {"network", "a0_file", HD_ARRAY, F(a0_file), "", 0, 0, 0, NULL, "",
     "model = readouts: initial readouts from a file (N)", "§5.6"},
    {"optimizer", "eta0", HD_REAL, F(eta0), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
     "learning rate eta = eta0 N / alpha^2 (mean_field) or eta0 N / (alpha sigma)^2", "§1.1"},
    {"optimizer", "lr_scaling", HD_ENUM, F(lr_scaling), "mean_field", 0, 0, 0, lr_scalings, "",
     "mean_field: eta = eta0 N/alpha^2; sigma_sweep: eta = eta0 N/(alpha^2 sigma^2) (Fig. 7)",
     "§1.1"},
    {"optimizer", "batch", HD_INT, F(batch), "0", 0, 1e9, 0, NULL, "",
     "0: full-batch GD (the paper); B: minibatch SGD on B distinct points per step, the same "
     "batches for every run and the N = infinity map (method = recursion)",
     "§1.5"},
    {"optimizer", "weight_decay", HD_REAL, F(weight_decay), "0", 0, 1e6, 0, NULL, "",
     "lambda0: each step w_i <- (1 - omega) w_i - ..., omega = eta0 lambda0 / alpha^2 "
     "(/sigma^2 under sigma_sweep), i.e. the paper's lambda scaled as lambda0 / N",
     "§1.5"},
    {"optimizer", "momentum", HD_REAL, F(momentum), "0", 0, 1, HD_MAX_EXCL, NULL, "",
     "heavy-ball momentum mu (paper App. 14: 0.95): u <- mu u + increment, w <- w + u; "
     "method = recursion",
     "§1.5"},
    {"theory", "limit", HD_ENUM, F(limit), "width", 0, 0, 0, limits, "",
     "deterministic limit: width (N = infinity closure, exact on this dataset), lazy "
     "(alpha -> infinity kernel flow), population (P -> infinity two-ODE system); method = "
     "recursion integrates discrete GD exactly, method = ode the gradient flow",
     "§2.1 §2.2 §2.5 §2.6"},
    {"theory", "closure_form", HD_ENUM, F(closure_form), "auto", 0, 0, 0, forms, "",
     "the N = infinity closure (limit = width) in weight space, (wbar, Z): 4 P D^2 flops per "
     "step, or in sample space, wbar = X^T b and U = s I + X^T R X: 4 P^3 flops per step, "
     "exact as well; auto takes samples when 2 P <= D",
     "§2.1 §2.4"},
    {"theory", "particles", HD_INT, F(particles), "4096", 4, 1e7, 0, NULL, "",
     "model = readouts: particles M of the N = infinity DMFT (symmetrised, whitened start; "
     "a multiple of 4, >= 4 D; error O(M^-1/2), cost 4 M D^2 per step)",
     "§5.2"},
    {"observables", "cka", HD_BOOL, F(cka), "false", 0, 0, 0, NULL, "",
     "record the test-set NTK-target alignment (costs P_test^2 D per output time)", "§1.4.7"},
    {"observables", "kmse", HD_BOOL, F(kmse), "true", 0, 0, 0, NULL, "",
     "record the kernel-regression baseline kmse (solves the P x P kernel system once; "
     "P <= 8000)",
     "§1.4.8"},
    {"observables", "kmse_ridge", HD_REAL, F(kmse_ridge), "0", 0, 1e6, 0, NULL, "",
     "ridge of the kernel-regression baseline kmse (0: ridgeless as in Fig. 1; Fig. 9: 1e-6)",
     "§1.4.8"},
};

/* The trained-readout and linearised models: full-batch GD of their own, each with its own
 * N = infinity theory (§5). */
static void validate_model(const struct grok_params *p, const struct hd_run_params *run,
                           const struct hd_config *cfg, struct hd_errors *err)
{
  if (p->model != GROK_MODEL_READOUTS) {
    if (hd_config_has(cfg, "network", "readout_init"))
      hd_config_error(cfg, err, "network", "readout_init",
                      "readout_init is read with model = readouts only");
    if (hd_config_has(cfg, "theory", "particles"))
      hd_config_error(cfg, err, "theory", "particles",
                      "particles is read with model = readouts only");
  }
  if (p->model == GROK_MODEL_STANDARD) return;
  const char *name = models[p->model];
  if ((p->batch > 0 && p->batch < p->P) || p->weight_decay > 0 || p->momentum > 0)
    hd_config_error(cfg, err, "network", "model",
                    "model = %s is full-batch GD without weight decay or momentum", name);
  if (p->cka)
    hd_config_error(cfg, err, "observables", "cka",
                    "the CKA is of the standard network's NTK: set cka = false for model = %s",
                    name);
  if (hd_config_has(cfg, "network", "algorithm"))
    hd_config_error(cfg, err, "network", "algorithm",
                    "model = %s always runs literal GD on its weights: remove algorithm", name);
  if (p->model == GROK_MODEL_LINEARISED) {
    if (p->limit != GROK_LIMIT_LAZY)
      hd_config_error(cfg, err, "theory", "limit",
                      "the N = infinity theory of the linearised network is the lazy limit: set "
                      "limit = lazy");
    if (!p->center)
      hd_config_error(cfg, err, "network", "center",
                      "the linearised network is the centred one: set center = true");
    return;
  }
  if (p->limit != GROK_LIMIT_WIDTH)
    hd_config_error(cfg, err, "theory", "limit",
                    "the %s limit is of the standard network; model = readouts has the "
                    "N = infinity DMFT only (limit = width)",
                    limits[p->limit]);
  if (run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "theory", "method",
                    "the trained-readout theory integrates discrete GD: use method = recursion");
  if (p->closure_form == GROK_FORM_SAMPLES)
    hd_config_error(cfg, err, "theory", "closure_form",
                    "the sample-space form is the standard network's closure; model = readouts "
                    "has no closure (§5.2)");
  if (p->particles % 4 != 0 || p->particles < 4 * p->D)
    hd_config_error(cfg, err, "theory", "particles",
                    "particles = %ld must be a multiple of 4 and at least 4 D = %ld", p->particles,
                    4 * p->D);
}

/* Which arrays may come from files together (§5.6); their shapes are checked when read. */
static void validate_files(const struct grok_params *p, const struct hd_run_params *run,
                           const struct hd_config *cfg, struct hd_errors *err)
{
  if (p->y_file[0] && !p->X_file[0])
    hd_config_error(cfg, err, "data", "y_file", "labels from a file need their inputs: set X_file");
  if (p->y_file[0] && !p->beta_file[0])
    hd_config_error(cfg, err, "data", "y_file",
                    "the population test loss (§1.2) is computed from the teacher: set beta_file "
                    "with y_file");
  if (p->test_y_file[0] && !p->test_X_file[0])
    hd_config_error(cfg, err, "data", "test_y_file",
                    "test labels from a file need their inputs: set test_X_file");
  if (p->beta_file[0] && hd_config_has(cfg, "data", "beta_norm"))
    hd_config_error(cfg, err, "data", "beta_norm",
                    "the teacher from beta_file is used as given: remove beta_norm");
  if (p->a0_file[0] && p->model != GROK_MODEL_READOUTS)
    hd_config_error(cfg, err, "network", "a0_file", "a0_file is read with model = readouts only");
  if ((p->W0_file[0] || p->a0_file[0]) && run->runs > 1)
    hd_config_error(cfg, err, "network", p->W0_file[0] ? "W0_file" : "a0_file",
                    "every run would start from the same weights (full-batch GD is "
                    "deterministic): set [simulation] runs = 1");
}

static void grok_validate(const void *params, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  const struct grok_params *p = params;
  if (p->limit != GROK_LIMIT_WIDTH && !p->center)
    hd_config_error(cfg, err, "theory", "limit",
                    "the %s limit is derived for the centred predictor: set [network] center = "
                    "true",
                    limits[p->limit]);
  if (p->batch > p->P)
    hd_config_error(cfg, err, "optimizer", "batch", "batch = %ld exceeds P = %ld", p->batch, p->P);
  if (p->batch > 0 && p->batch < p->P && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "optimizer", "batch",
                    "minibatch SGD has no gradient-flow theory here: use [theory] method = "
                    "recursion (the exact N = infinity map along the same batches)");
  if (p->momentum > 0 && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "optimizer", "momentum",
                    "momentum has no gradient-flow theory here: use [theory] method = recursion");
  if (p->limit != GROK_LIMIT_WIDTH &&
      ((p->batch > 0 && p->batch < p->P) || p->weight_decay > 0 || p->momentum > 0))
    hd_config_error(cfg, err, "theory", "limit",
                    "the %s limit is full-batch GD without weight decay or momentum: use "
                    "limit = width",
                    limits[p->limit]);
  if (p->algorithm == GROK_NET_NEURONS &&
      (double)p->N * (double)(p->P > p->test_points ? p->P : p->test_points) > 2e8)
    hd_config_error(cfg, err, "network", "algorithm",
                    "neurons with N = %ld needs N x max(P, test_points) doubles per run; use "
                    "algorithm = closure (exact at any N)",
                    p->N);
  if (p->kmse && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "observables", "kmse",
                    "the kernel baseline needs a P x P matrix: set kmse = false for P = %ld > %d",
                    p->P, GROK_KERNEL_MAX_P);
  if (p->limit == GROK_LIMIT_LAZY && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "theory", "limit",
                    "the lazy limit diagonalises the P x P kernel: P = %ld > %d", p->P,
                    GROK_KERNEL_MAX_P);
  if (p->closure_form == GROK_FORM_SAMPLES && p->limit != GROK_LIMIT_WIDTH)
    hd_config_error(cfg, err, "theory", "closure_form",
                    "the sample-space form is the N = infinity closure (limit = width), not "
                    "the %s limit",
                    limits[p->limit]);
  if (p->algorithm == GROK_NET_SAMPLES && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "network", "algorithm",
                    "the sample-space closure keeps P x P matrices per run: P = %ld > %d (use "
                    "closure)",
                    p->P, GROK_KERNEL_MAX_P);
  if (p->closure_form == GROK_FORM_SAMPLES && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "theory", "closure_form",
                    "the sample-space form keeps P x P matrices: P = %ld > %d (use weights)", p->P,
                    GROK_KERNEL_MAX_P);
  validate_model(p, run, cfg, err);
  validate_files(p, run, cfg, err);
  if (p->cka && p->test_points > 8000)
    hd_config_error(cfg, err, "observables", "cka",
                    "the CKA needs a test_points^2 matrix: use test_points <= 8000");
}

static size_t grok_observables(const void *plan, const struct hd_observable **obs)
{
  const struct grok_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

/* t = GD steps (eta0 fixed): grok.md's time for both GD and gradient flow (§2.2). */
static double grok_steps_per_time(const void *plan)
{
  (void)plan;
  return 1.0;
}

static const char *grok_theory_note(const void *plan)
{
  const struct grok_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

/* ---- theory: the limit of [theory] limit, the width limit in weight or sample space --- */

static struct grok_limit *limit_of(const void *plan)
{
  return &((struct grok_plan *)(uintptr_t)plan)->lim;
}

static size_t grok_dimension(const void *plan)
{
  const struct grok_limit *L = limit_of(plan);
  switch (L->kind) {
  case GROK_LIMIT_LAZY: return grok_lazy_dimension(L);
  case GROK_LIMIT_POPULATION: return grok_pop_dimension(L);
  case GROK_LIMIT_READOUTS: return grok_readout_limit_dimension(L);
  default: return L->sample_form ? grok_sample_limit_dimension(L) : grok_width_dimension(L);
  }
}

static int grok_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct grok_limit *L = limit_of(plan);
  switch (L->kind) {
  case GROK_LIMIT_LAZY: return grok_lazy_ode(L, sys, y0);
  case GROK_LIMIT_POPULATION: return grok_pop_ode(L, sys, y0);
  case GROK_LIMIT_READOUTS: return -1; /* refused by validation: discrete GD only */
  default: return L->sample_form ? grok_sample_limit_ode(L, sys, y0) : grok_width_ode(L, sys, y0);
  }
}

static void grok_rec_observe(const void *plan, const double *y, double *out)
{
  const struct grok_limit *L = limit_of(plan);
  switch (L->kind) {
  case GROK_LIMIT_LAZY: grok_lazy_observe(L, y, out); break;
  case GROK_LIMIT_POPULATION: grok_pop_observe(L, y, out); break;
  case GROK_LIMIT_READOUTS: grok_readout_limit_observe(L, y, out); break;
  default:
    if (L->sample_form) grok_sample_limit_observe(L, y, out);
    else grok_width_rec_observe(L, y, out);
  }
}

static void grok_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  grok_rec_observe(plan, y, out);
}

static void grok_rec_init(const void *plan, double *y)
{
  const struct grok_limit *L = limit_of(plan);
  switch (L->kind) {
  case GROK_LIMIT_LAZY: memset(y, 0, grok_lazy_dimension(L) * sizeof *y); break;
  case GROK_LIMIT_POPULATION: grok_pop_rec_init(L, y); break;
  case GROK_LIMIT_READOUTS: grok_readout_limit_rec_init(L, y); break;
  default:
    if (L->sample_form) grok_sample_limit_rec_init(L, y);
    else grok_width_rec_init(L, y);
  }
}

static void grok_rec_step(const void *plan, uint64_t k, double *y)
{
  const struct grok_limit *L = limit_of(plan);
  switch (L->kind) {
  case GROK_LIMIT_LAZY: grok_lazy_rec_step(L, k, y); break;
  case GROK_LIMIT_POPULATION: grok_pop_rec_step(L, k, y); break;
  case GROK_LIMIT_READOUTS: grok_readout_limit_rec_step(L, k, y); break;
  default:
    if (L->sample_form) grok_sample_limit_rec_step(L, k, y);
    else grok_width_rec_step(L, k, y);
  }
}

/* ---- simulation: the finite networks -------------------------------------------- */

static size_t grok_sim_state_size(const void *plan)
{
  return grok_net_state_size(&((const struct grok_plan *)plan)->net);
}

static void grok_sim_start(const void *plan, uint64_t run, void *state)
{
  grok_net_start(&((const struct grok_plan *)plan)->net, run, state);
}

static int grok_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                            uint64_t *bad_step)
{
  (void)run; /* a run's randomness is all in its start */
  return grok_net_advance(&((const struct grok_plan *)plan)->net, state, k0, k1, bad_step);
}

static void grok_sim_observe(const void *plan, const void *state, double *out)
{
  grok_net_observe(&((const struct grok_plan *)plan)->net, state, out);
}

/* t = infinity (§2.9): gradient flow of the closure (or of the lazy / population limit)
 * is autonomous, so the engine looks for its stable fixed point from the end of the
 * integration.  Without weight decay the minimisers often form a continuum (a zero
 * eigenvalue of the Jacobian): then the note says the root is marginal. */
static int grok_stationary(const void *plan, double *out, char *note, size_t len)
{
  (void)plan, (void)out;
  snprintf(note, len, "the gradient flow of grok.md §2.2 (t = infinity: §2.9)");
  return HD_STATIONARY_FIXED_POINT;
}

const struct hd_problem hd_problem_dmft_grokking = {
    .name = "dmft_grokking",
    .summary = "two-layer quadratic network that groks under full-batch GD: finite-N training vs "
               "the exact N = infinity closure, its gradient flow, lazy and population limits",
    .theory_doc = "docs/theory/grok.md",
    .time_meaning = "t = GD steps",
    .params = grok_table,
    .n_params = sizeof grok_table / sizeof grok_table[0],
    .params_size = sizeof(struct grok_params),
    .validate = grok_validate,
    .memory_need = grok_memory_need,
    .plan_create = grok_plan_create,
    .plan_destroy = grok_plan_destroy,
    .observables = grok_observables,
    .steps_per_time = grok_steps_per_time,
    .plan_print = grok_plan_print,
    .plan_bytes = grok_plan_bytes,
    .ode_dimension = grok_dimension,
    .ode = grok_ode,
    .ode_observe = grok_ode_observe,
    .stationary = grok_stationary,
    .recursion_dimension = grok_dimension,
    .recursion_init = grok_rec_init,
    .recursion_step = grok_rec_step,
    .recursion_observe = grok_rec_observe,
    .theory_note = grok_theory_note,
    .sim_state_size = grok_sim_state_size,
    .sim_start = grok_sim_start,
    .sim_advance = grok_sim_advance,
    .sim_observe = grok_sim_observe,
};
