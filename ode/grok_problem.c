/* grok_problem.c — DMFT grokking as an hdsim problem (shared/specs/dmft_grokking.md):
 * parameter table (the one source of truth for its model-file keys), validation, the
 * dataset and the N = infinity quantities every theory shares, and the registry entry.
 *
 * Theory and simulation run on the same dataset (X, beta, test set), drawn once per
 * data seed; Monte Carlo runs are initialisation seeds of finite-N networks (§2.1:
 * "theory vs MC" = the N = infinity map against finite-N networks on the same data).
 * Average over data seeds with a [sweep] over data.data_seed. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grok.h"
#include "rng.h"

#define F(field) offsetof(struct grok_params, field)

static const char *const targets[] = {"half", "full", NULL};
static const char *const beta_norms[] = {"random", "exact", NULL};
static const char *const lr_scalings[] = {"mean_field", "sigma_sweep", NULL};
static const char *const limits[] = {"width", "lazy", "population", NULL};
static const char *const algorithms[] = {"closure", "neurons", "samples", NULL};
static const char *const forms[] = {"auto", "weights", "samples", NULL};

static const struct hd_param grok_table[] = {
  {"data", "D", HD_INT, F(D), NULL, 1, 4096, 0, NULL, "",
   "input dimension; x ~ N(0, I_D / D)", "§1.1"},
  {"data", "P", HD_INT, F(P), NULL, 1, 1e6, 0, NULL, "",
   "training points (full batch, reused every step)", "§1.1"},
  {"data", "test_points", HD_INT, F(test_points), "1000", 1, 1e6, 0, NULL, "",
   "held-out points for the empirical test loss (and the CKA)", "§1.4"},
  {"data", "target", HD_ENUM, F(target), "half", 0, 0, 0, targets, "",
   "y = (s_y/2)(beta.x)^2: half (s_y = 1, paper eq. 3) or full (s_y = 2, the "
   "Fig. 3/5/7 cells)", "§1.1"},
  {"data", "beta_norm", HD_ENUM, F(beta_norm), "random", 0, 0, 0, beta_norms, "",
   "teacher beta ~ N(0, I_D) as drawn (random), or rescaled to |beta|^2 = D (exact)", "§1.1"},
  {"data", "data_seed", HD_INT, F(data_seed), "-1", -1, 9.0e18, 0, NULL, "",
   "seed of the dataset (X, beta, test set); -1: the [model] seed", NULL},
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
   "sample space, cost 4P^3 per step: for P < D)", "§2.1 §2.4"},
  {"optimizer", "eta0", HD_REAL, F(eta0), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "",
   "learning rate eta = eta0 N / alpha^2 (mean_field) or eta0 N / (alpha sigma)^2", "§1.1"},
  {"optimizer", "lr_scaling", HD_ENUM, F(lr_scaling), "mean_field", 0, 0, 0, lr_scalings, "",
   "mean_field: eta = eta0 N/alpha^2; sigma_sweep: eta = eta0 N/(alpha^2 sigma^2) (Fig. 7)",
   "§1.1"},
  {"optimizer", "batch", HD_INT, F(batch), "0", 0, 1e9, 0, NULL, "",
   "0: full-batch GD (the paper); B: minibatch SGD on B distinct points per step, the same "
   "batches for every run and the N = infinity map (method = recursion)", "§1.5"},
  {"optimizer", "weight_decay", HD_REAL, F(weight_decay), "0", 0, 1e6, 0, NULL, "",
   "lambda0: each step w_i <- (1 - omega) w_i - ..., omega = eta0 lambda0 / alpha^2 "
   "(/sigma^2 under sigma_sweep), i.e. the paper's lambda scaled as lambda0 / N", "§1.5"},
  {"optimizer", "momentum", HD_REAL, F(momentum), "0", 0, 1, HD_MAX_EXCL, NULL, "",
   "heavy-ball momentum mu (paper App. 14: 0.95): u <- mu u + increment, w <- w + u; "
   "method = recursion", "§1.5"},
  {"theory", "limit", HD_ENUM, F(limit), "width", 0, 0, 0, limits, "",
   "deterministic limit: width (N = infinity closure, exact on this dataset), lazy "
   "(alpha -> infinity kernel flow), population (P -> infinity two-ODE system); method = "
   "recursion integrates discrete GD exactly, method = ode the gradient flow", "§2.1 §2.2 §2.5 §2.6"},
  {"theory", "closure_form", HD_ENUM, F(closure_form), "auto", 0, 0, 0, forms, "",
   "the N = infinity closure (limit = width) in weight space, (wbar, Z): 4 P D^2 flops per "
   "step, or in sample space, wbar = X^T b and U = s I + X^T R X: 4 P^3 flops per step, "
   "exact as well; auto takes samples when 2 P <= D", "§2.1 §2.4"},
  {"observables", "cka", HD_BOOL, F(cka), "false", 0, 0, 0, NULL, "",
   "record the test-set NTK-target alignment (costs P_test^2 D per output time)", "§1.4.7"},
  {"observables", "kmse", HD_BOOL, F(kmse), "true", 0, 0, 0, NULL, "",
   "record the kernel-regression baseline kmse (solves the P x P kernel system once; "
   "P <= 8000)", "§1.4.8"},
  {"observables", "kmse_ridge", HD_REAL, F(kmse_ridge), "0", 0, 1e6, 0, NULL, "",
   "ridge of the kernel-regression baseline kmse (0: ridgeless as in Fig. 1; Fig. 9: 1e-6)",
   "§1.4.8"},
};

static void grok_validate(const void *params, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  const struct grok_params *p = params;
  if (p->limit != GROK_LIMIT_WIDTH && !p->center)
    hd_config_error(cfg, err, "theory", "limit",
                    "the %s limit is derived for the centred predictor: set [network] center = "
                    "true", limits[p->limit]);
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
                    "limit = width", limits[p->limit]);
  if (p->algorithm == GROK_ALG_NEURONS && (double)p->N * (double)(p->P > p->test_points ? p->P : p->test_points) > 2e8)
    hd_config_error(cfg, err, "network", "algorithm",
                    "neurons with N = %ld needs N x max(P, test_points) doubles per run; use "
                    "algorithm = closure (exact at any N)", p->N);
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
                    "the %s limit", limits[p->limit]);
  if (p->algorithm == GROK_ALG_SAMPLES && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "network", "algorithm",
                    "the sample-space closure keeps P x P matrices per run: P = %ld > %d (use "
                    "closure)", p->P, GROK_KERNEL_MAX_P);
  if (p->closure_form == GROK_FORM_SAMPLES && p->P > GROK_KERNEL_MAX_P)
    hd_config_error(cfg, err, "theory", "closure_form",
                    "the sample-space form keeps P x P matrices: P = %ld > %d (use weights)",
                    p->P, GROK_KERNEL_MAX_P);
  if (p->cka && p->test_points > 8000)
    hd_config_error(cfg, err, "observables", "cka",
                    "the CKA needs a test_points^2 matrix: use test_points <= 8000");
}

static void grok_plan_destroy(void *plan)
{
  struct grok_plan *P = plan;
  if (!P) return;
  free(P->X);
  free(P->y);
  free(P->Xt);
  free(P->yt);
  free(P->beta);
  free(P->f0_inf);
  free(P->f0t_inf);
  free(P->M0_inf);
  free(P->zero_D);
  free(P->K0);
  free(P->V);
  free(P->lam);
  free(P->yhat);
  free(P->tw_buf);
  free(P->tdy);
  free(P->tbatch);
  grok_sample_free(P->smp);
  free(P->obs);
  free(P);
}

/* k(x, x') = x.x' + eps^2 sigma^2 (x.x')^2 for the rows of A (n x D) and B (m x D). */
static double *ntk0(const struct grok_plan *P, const double *A, size_t n, const double *B,
                    size_t m)
{
  double *K = malloc(n * m * sizeof *K), e2 = P->p.eps * P->p.eps * P->p.sigma * P->p.sigma;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)P->D, 1.0, A,
              (int)P->D, B, (int)P->D, 0.0, K, (int)m);
  for (size_t k = 0; k < n * m; k++) K[k] += e2 * K[k] * K[k];
  return K;
}

/* Test MSE of kernel regression with the N = infinity initial NTK (§1.4.8). */
static double kernel_baseline(const struct grok_plan *P, double ridge, int *info_out)
{
  size_t n = P->P, nt = P->Pt;
  double *A = malloc(n * n * sizeof *A), *coef = malloc(n * sizeof *coef);
  memcpy(A, P->K0, n * n * sizeof *A);
  memcpy(coef, P->y, n * sizeof *coef);
  for (size_t i = 0; i < n; i++) A[i * n + i] += ridge;
  lapack_int *piv = malloc(n * sizeof *piv);
  lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)n, 1, A, (lapack_int)n, piv,
                                  coef, 1);
  *info_out = (int)info;
  double mse = NAN;
  if (info == 0) {
    double *Kt = ntk0(P, P->Xt, nt, P->X, n), s = 0;
    for (size_t m = 0; m < nt; m++) {
      double f = cblas_ddot((int)n, Kt + m * n, 1, coef, 1) - P->yt[m];
      s += f * f;
    }
    mse = s / (double)nt;
    free(Kt);
  }
  free(piv);
  free(A);
  free(coef);
  return mse;
}

static void draw_data(struct grok_plan *P)
{
  size_t D = P->D, n = P->P, nt = P->Pt;
  struct hd_rng r;
  P->beta = malloc(D * sizeof(double));
  P->X = malloc(n * D * sizeof(double));
  P->Xt = malloc(nt * D * sizeof(double));
  P->y = malloc(n * sizeof(double));
  P->yt = malloc(nt * sizeof(double));
  /* three blocks of the data seed's TARGET stream: beta, training inputs, test inputs */
  hd_rng_init(&r, P->data_seed, UINT64_MAX, HD_STREAM_TARGET, 0);
  hd_rng_normal_array(&r, P->beta, D);
  hd_rng_seek(&r, 1);
  hd_rng_normal_array(&r, P->X, n * D);
  hd_rng_seek(&r, 2);
  hd_rng_normal_array(&r, P->Xt, nt * D);
  double b2 = cblas_ddot((int)D, P->beta, 1, P->beta, 1);
  if (P->p.beta_norm == GROK_BETA_EXACT) {
    double s = sqrt((double)D / b2);
    for (size_t i = 0; i < D; i++) P->beta[i] *= s;
    b2 = cblas_ddot((int)D, P->beta, 1, P->beta, 1);
  }
  P->beta2 = b2;
  double sd = 1.0 / sqrt((double)D);
  for (size_t k = 0; k < n * D; k++) P->X[k] *= sd;
  for (size_t k = 0; k < nt * D; k++) P->Xt[k] *= sd;
  /* y = (s_y / 2) (beta.x)^2 (§1.1) */
  for (size_t m = 0; m < n; m++) {
    double h = cblas_ddot((int)D, P->X + m * D, 1, P->beta, 1);
    P->y[m] = 0.5 * P->s_y * h * h;
  }
  for (size_t m = 0; m < nt; m++) {
    double h = cblas_ddot((int)D, P->Xt + m * D, 1, P->beta, 1);
    P->yt[m] = 0.5 * P->s_y * h * h;
  }
}

static void *grok_plan_create(const void *params, const struct hd_run_params *run,
                              const struct hd_config *cfg, struct hd_errors *err)
{
  struct grok_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct grok_params *)params;
  P->D = (size_t)P->p.D;
  P->P = (size_t)P->p.P;
  P->Pt = (size_t)P->p.test_points;
  P->N = (size_t)P->p.N;
  P->r = P->N < P->D ? P->N : P->D;
  P->seed = (uint64_t)run->seed;
  P->data_seed = P->p.data_seed >= 0 ? (uint64_t)P->p.data_seed : P->seed;
  P->s_y = P->p.target == GROK_TARGET_FULL ? 2.0 : 1.0;
  double s2 = P->p.sigma * P->p.sigma;
  P->eta0_eff = P->p.lr_scaling == GROK_LR_SIGMA_SWEEP ? P->p.eta0 / s2 : P->p.eta0;
  P->B = P->p.batch > 0 ? (size_t)P->p.batch : P->P;
  P->c = 2.0 * P->eta0_eff / (P->p.alpha * (double)P->B); /* c = 2 eta alpha/(N B) (§1.1) */
  P->decay = P->eta0_eff * P->p.weight_decay / (P->p.alpha * P->p.alpha);
  size_t D = P->D;
  draw_data(P);

  /* N = infinity initial condition: wbar0 = 0, M0 = sigma^2 I, f0 = (alpha eps/2) sigma^2 |x|^2 */
  P->M0_inf = calloc(D * D, sizeof(double));
  P->zero_D = calloc(D, sizeof(double));
  for (size_t i = 0; i < D; i++) P->M0_inf[i * D + i] = s2;
  P->f0_inf = malloc(P->P * sizeof(double));
  P->f0t_inf = malloc(P->Pt * sizeof(double));
  double hae = 0.5 * P->p.alpha * P->p.eps * s2;
  for (size_t m = 0; m < P->P; m++)
    P->f0_inf[m] = hae * cblas_ddot((int)D, P->X + m * D, 1, P->X + m * D, 1);
  for (size_t m = 0; m < P->Pt; m++)
    P->f0t_inf[m] = hae * cblas_ddot((int)D, P->Xt + m * D, 1, P->Xt + m * D, 1);

  if (P->p.kmse || P->p.limit == GROK_LIMIT_LAZY) P->K0 = ntk0(P, P->X, P->P, P->X, P->P);
  int info = 0;
  if (P->p.kmse) P->kmse = kernel_baseline(P, P->p.kmse_ridge, &info);
  if (info != 0) {
    /* singular K0 (P beyond its rank): report, and fall back to a relative ridge */
    double tr = 0;
    for (size_t i = 0; i < P->P; i++) tr += P->K0[i * P->P + i];
    double ridge = 1e-10 * tr / (double)P->P;
    P->kmse = kernel_baseline(P, ridge, &info);
    snprintf(P->note, sizeof P->note,
             "K0 is singular (P = %zu): kmse uses ridge %.3g instead of %g", P->P, ridge,
             P->p.kmse_ridge);
  }
  if (P->p.limit == GROK_LIMIT_LAZY && grok_lazy_prepare(P) != 0) {
    hd_config_error(cfg, err, "theory", "limit", "eigendecomposition of K0 failed");
    grok_plan_destroy(P);
    return NULL;
  }
  P->sample_form = grok_sample_chosen(&P->p);
  bool need_samples = P->sample_form || P->p.algorithm == GROK_ALG_SAMPLES;
  if (need_samples && grok_sample_prepare(P) != 0) {
    hd_config_error(cfg, err, "theory", "closure_form",
                    "out of memory for the sample-space closure (P = %zu)", P->P);
    grok_plan_destroy(P);
    return NULL;
  }
  size_t nw = grok_work_size(P->P, P->Pt, D, D, P->p.cka);
  P->tw_buf = malloc(nw * sizeof(double));
  grok_work_bind(&P->tw, P->tw_buf, P->P, P->Pt, D, D, P->p.cka);
  P->tw.parallel = true; /* the theory runs alone: its blocks may use every core */
  P->tdy = malloc((D + D * D) * sizeof(double));
  P->tbatch = malloc((grok_batch_size(P) + 1) * sizeof(double));
  grok_observables_build(P);
  if (P->sample_form) {
    size_t used = strlen(P->note);
    snprintf(P->note + used, sizeof P->note - used,
             "%sN = infinity closure in sample space (P = %zu, D = %zu, §2.4)", used ? "; " : "",
             P->P, P->D);
  }
  return P;
}

static size_t grok_observables(const void *plan, const struct hd_observable **obs)
{
  const struct grok_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

/* t = GD steps (eta0 fixed): the spec's time for both GD and gradient flow (§2.2). */
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

/* ---- theory dispatch on [theory] limit ------------------------------------------ */

static int lim(const void *plan) { return ((const struct grok_plan *)plan)->p.limit; }

static size_t grok_dimension(const void *plan)
{
  switch (lim(plan)) {
  case GROK_LIMIT_LAZY: return grok_lazy_dimension(plan);
  case GROK_LIMIT_POPULATION: return grok_pop_dimension(plan);
  default:
    return ((const struct grok_plan *)plan)->sample_form ? grok_sample_dimension(plan)
                                                         : grok_width_dimension(plan);
  }
}

static int grok_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  switch (lim(plan)) {
  case GROK_LIMIT_LAZY: return grok_lazy_ode(plan, sys, y0);
  case GROK_LIMIT_POPULATION: return grok_pop_ode(plan, sys, y0);
  default:
    return ((struct grok_plan *)plan)->sample_form ? grok_sample_ode(plan, sys, y0)
                                                   : grok_width_ode(plan, sys, y0);
  }
}

static void grok_rec_observe(const void *plan, const double *y, double *out)
{
  switch (lim(plan)) {
  case GROK_LIMIT_LAZY: grok_lazy_observe(plan, y, out); break;
  case GROK_LIMIT_POPULATION: grok_pop_observe(plan, y, out); break;
  default:
    if (((const struct grok_plan *)plan)->sample_form) grok_sample_observe(plan, y, out);
    else grok_width_rec_observe(plan, y, out);
  }
}

static void grok_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  grok_rec_observe(plan, y, out);
}

static void grok_rec_init(const void *plan, double *y)
{
  switch (lim(plan)) {
  case GROK_LIMIT_LAZY: memset(y, 0, grok_lazy_dimension(plan) * sizeof *y); break;
  case GROK_LIMIT_POPULATION: grok_pop_rec_init(plan, y); break;
  default:
    if (((const struct grok_plan *)plan)->sample_form) grok_sample_rec_init(plan, y);
    else grok_width_rec_init(plan, y);
  }
}

static void grok_rec_step(const void *plan, uint64_t k, double *y)
{
  switch (lim(plan)) {
  case GROK_LIMIT_LAZY: grok_lazy_rec_step(plan, k, y); break;
  case GROK_LIMIT_POPULATION: grok_pop_rec_step(plan, k, y); break;
  default:
    if (((const struct grok_plan *)plan)->sample_form) grok_sample_rec_step(plan, k, y);
    else grok_width_rec_step(plan, k, y);
  }
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
  .plan_create = grok_plan_create,
  .plan_destroy = grok_plan_destroy,
  .observables = grok_observables,
  .steps_per_time = grok_steps_per_time,
  .ode_dimension = grok_dimension,
  .ode = grok_ode,
  .ode_observe = grok_ode_observe,
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
