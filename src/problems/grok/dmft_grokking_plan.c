/* dmft_grokking_plan.c — the dmft_grokking plan: the dataset and the N = infinity
 * quantities every theory shares, the system (kernels/grok_closure.h) filled from the
 * parameters, the limit and the finite networks set up on it, and the plan made visible
 * (plan_print, plan_bytes). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "kernels/grok_readout.h"
#include "memory_estimate.h"
#include "problems/grok/dmft_grokking_plan.h"
#include "rng.h"

bool grok_sample_form_chosen(const struct grok_params *p)
{
  if (p->limit != GROK_LIMIT_WIDTH || p->model != GROK_MODEL_STANDARD) return false;
  if (p->closure_form == GROK_FORM_SAMPLES) return true;
  if (p->closure_form == GROK_FORM_WEIGHTS) return false;
  return 2 * p->P <= p->D; /* 4 P^3 flops per step against 4 P D^2: a clear win */
}

void grok_plan_destroy(void *plan)
{
  struct grok_plan *P = plan;
  if (!P) return;
  double *bufs[] = {P->X,       P->y,       P->Xt,         P->yt, P->beta,  P->K,       P->f0_inf,
                    P->f0t_inf, P->M0_inf,  P->zero_D,     P->K0, P->lim.V, P->lim.lam, P->lim.yhat,
                    P->tw_buf,  P->lim.tdy, P->lim.tbatch, P->W0, P->a0};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
  grok_sample_limit_free(P->lim.smp);
  grok_readout_limit_free(P->lim.ro);
  free(P->obs);
  free(P);
}

/* k(x, x') = x.x' + eps^2 sigma^2 (x.x')^2 for the rows of A (n x D) and B (m x D). */
static double *ntk0(const struct grok_plan *P, const double *A, size_t n, const double *B, size_t m)
{
  size_t D = P->sys.D;
  double *K = malloc(n * m * sizeof *K), e2 = P->sys.eps * P->sys.eps * P->sys.sigma * P->sys.sigma;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)D, 1.0, A, (int)D, B,
              (int)D, 0.0, K, (int)m);
  for (size_t k = 0; k < n * m; k++) K[k] += e2 * K[k] * K[k];
  return K;
}

/* Test MSE of kernel regression with the N = infinity initial NTK (§1.4.8). */
static double kernel_baseline(const struct grok_plan *P, double ridge, int *info_out)
{
  size_t n = P->sys.P, nt = P->sys.Pt;
  double *A = malloc(n * n * sizeof *A), *coef = malloc(n * sizeof *coef);
  memcpy(A, P->K0, n * n * sizeof *A);
  memcpy(coef, P->y, n * sizeof *coef);
  for (size_t i = 0; i < n; i++) A[i * n + i] += ridge;
  lapack_int *piv = malloc(n * sizeof *piv);
  lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)n, 1, A, (lapack_int)n, piv, coef,
                                  1);
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

/* kmse (§1.4.8), with a relative ridge and a note when K0 is singular (P beyond its
 * rank). */
static void kernel_mse(struct grok_plan *P)
{
  int info = 0;
  size_t n = P->sys.P;
  P->sys.kmse = kernel_baseline(P, P->p.kmse_ridge, &info);
  if (info == 0) return;
  double tr = 0;
  for (size_t i = 0; i < n; i++) tr += P->K0[i * n + i];
  double ridge = 1e-10 * tr / (double)n;
  P->sys.kmse = kernel_baseline(P, ridge, &info);
  snprintf(P->note, sizeof P->note, "K0 is singular (P = %zu): kmse uses ridge %.3g instead of %g",
           n, ridge, P->p.kmse_ridge);
}

/* One array of the model from its file into dst (n values), when the key names one. */
static int from_file(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                     const char *key, const char *spec, size_t rows, size_t cols, double *dst)
{
  if (!spec[0]) return 0;
  double *v = NULL;
  if (hd_config_read_array(cfg, err, section, key, spec, rows, cols, &v, NULL, NULL) != 0)
    return -1;
  memcpy(dst, v, rows * (cols ? cols : 1) * sizeof *dst);
  free(v);
  return 1;
}

/* The dataset (§1.1): drawn from the data seed, then whatever the model reads from files
 * in its place (§5.6).  0, or -1 with the errors reported. */
static int draw_data(struct grok_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const struct grok_params *p = &P->p;
  size_t D = P->sys.D, n = P->sys.P, nt = P->sys.Pt;
  double s_y = P->sys.s_y;
  struct hd_rng r;
  P->beta = malloc(D * sizeof(double));
  P->X = malloc(n * D * sizeof(double));
  P->Xt = malloc(nt * D * sizeof(double));
  P->y = malloc(n * sizeof(double));
  P->yt = malloc(nt * sizeof(double));
  P->sys.X = P->X, P->sys.y = P->y, P->sys.Xt = P->Xt, P->sys.yt = P->yt;
  P->sys.beta = P->beta;
  /* three blocks of the data seed's TARGET stream: beta, training inputs, test inputs */
  hd_rng_init(&r, P->sys.data_seed, UINT64_MAX, HD_STREAM_TARGET, 0);
  hd_rng_normal_array(&r, P->beta, D);
  hd_rng_seek(&r, 1);
  hd_rng_normal_array(&r, P->X, n * D);
  hd_rng_seek(&r, 2);
  hd_rng_normal_array(&r, P->Xt, nt * D);
  double b2 = cblas_ddot((int)D, P->beta, 1, P->beta, 1);
  if (p->beta_norm == GROK_BETA_EXACT) {
    double s = sqrt((double)D / b2);
    for (size_t i = 0; i < D; i++) P->beta[i] *= s;
  }
  double sd = 1.0 / sqrt((double)D);
  for (size_t k = 0; k < n * D; k++) P->X[k] *= sd;
  for (size_t k = 0; k < nt * D; k++) P->Xt[k] *= sd;
  int fb = from_file(cfg, err, "data", "beta_file", p->beta_file, D, 0, P->beta);
  int fx = from_file(cfg, err, "data", "X_file", p->X_file, n, D, P->X);
  int fy = from_file(cfg, err, "data", "y_file", p->y_file, n, 0, P->y);
  int ftx = from_file(cfg, err, "data", "test_X_file", p->test_X_file, nt, D, P->Xt);
  int fty = from_file(cfg, err, "data", "test_y_file", p->test_y_file, nt, 0, P->yt);
  if (fb < 0 || fx < 0 || fy < 0 || ftx < 0 || fty < 0) return -1;
  P->sys.beta2 = cblas_ddot((int)D, P->beta, 1, P->beta, 1);
  /* y = (s_y / 2) (beta.x)^2 (§1.1) where no file gives it */
  for (size_t m = 0; m < n && !fy; m++) {
    double h = cblas_ddot((int)D, P->X + m * D, 1, P->beta, 1);
    P->y[m] = 0.5 * s_y * h * h;
  }
  for (size_t m = 0; m < nt && !fty; m++) {
    double h = cblas_ddot((int)D, P->Xt + m * D, 1, P->beta, 1);
    P->yt[m] = 0.5 * s_y * h * h;
  }
  return 0;
}

/* The initial weights (and readouts) every run starts from, when files give them. */
static int read_initial_weights(struct grok_plan *P, const struct hd_config *cfg,
                                struct hd_errors *err)
{
  size_t N = (size_t)P->p.N, D = P->sys.D;
  int rc = 0;
  if (P->p.W0_file[0]) {
    P->W0 = malloc(N * D * sizeof(double));
    if (from_file(cfg, err, "network", "W0_file", P->p.W0_file, N, D, P->W0) < 0) rc = -1;
  }
  if (P->p.a0_file[0]) {
    P->a0 = malloc(N * sizeof(double));
    if (from_file(cfg, err, "network", "a0_file", P->p.a0_file, N, 0, P->a0) < 0) rc = -1;
  }
  return rc;
}

/* The system's sizes and scalars from the parameters (§1.1, §1.5). */
static void fill_system(struct grok_plan *P, const struct hd_run_params *run)
{
  const struct grok_params *p = &P->p;
  struct grok_system *S = &P->sys;
  double s2 = p->sigma * p->sigma;
  S->D = (size_t)p->D;
  S->P = (size_t)p->P;
  S->Pt = (size_t)p->test_points;
  S->alpha = p->alpha, S->eps = p->eps, S->sigma = p->sigma;
  S->center = p->center;
  S->momentum = p->momentum;
  P->net.seed = (uint64_t)run->seed;
  S->data_seed = p->data_seed >= 0 ? (uint64_t)p->data_seed : P->net.seed;
  S->s_y = p->target == GROK_TARGET_FULL ? 2.0 : 1.0;
  S->eta0_eff = p->lr_scaling == GROK_LR_SIGMA_SWEEP ? p->eta0 / s2 : p->eta0;
  S->B = p->batch > 0 ? (size_t)p->batch : S->P;
  S->c = 2.0 * S->eta0_eff / (p->alpha * (double)S->B); /* c = 2 eta alpha/(N B) (§1.1) */
  S->decay = S->eta0_eff * p->weight_decay / (p->alpha * p->alpha);
}

/* The N = infinity initial condition: wbar0 = 0, M0 = sigma^2 I,
 * f0 = (alpha eps/2) sigma^2 |x|^2. */
static void infinite_width_start(struct grok_plan *P)
{
  size_t D = P->sys.D, n = P->sys.P, nt = P->sys.Pt;
  double s2 = P->sys.sigma * P->sys.sigma;
  P->M0_inf = calloc(D * D, sizeof(double));
  P->zero_D = calloc(D, sizeof(double));
  for (size_t i = 0; i < D; i++) P->M0_inf[i * D + i] = s2;
  P->f0_inf = malloc(n * sizeof(double));
  P->f0t_inf = malloc(nt * sizeof(double));
  double hae = 0.5 * P->sys.alpha * P->sys.eps * s2;
  for (size_t m = 0; m < n; m++)
    P->f0_inf[m] = hae * cblas_ddot((int)D, P->X + m * D, 1, P->X + m * D, 1);
  for (size_t m = 0; m < nt; m++)
    P->f0t_inf[m] = hae * cblas_ddot((int)D, P->Xt + m * D, 1, P->Xt + m * D, 1);
}

/* The limit on the system: the N = infinity start, its scratch (the blocked increment's
 * blocks may use the run's threads: the theory runs alone), the lazy eigenbasis and the
 * sample-space form when they are used.  Returns 0, or -1 with an error reported. */
static int set_up_limit(struct grok_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  struct grok_limit *L = &P->lim;
  size_t D = P->sys.D;
  bool cka = P->p.cka;
  L->sys = &P->sys;
  L->kind = P->p.limit;
  L->f0 = P->f0_inf, L->f0t = P->f0t_inf;
  L->M0 = P->M0_inf, L->zero = P->zero_D;
  L->K0 = P->K0;
  if (L->kind == GROK_LIMIT_LAZY && grok_lazy_prepare(L) != 0) {
    hd_config_error(cfg, err, "theory", "limit", "eigendecomposition of K0 failed");
    return -1;
  }
  if (P->p.model == GROK_MODEL_READOUTS) {
    L->kind = GROK_LIMIT_READOUTS;
    L->particles = (size_t)P->p.particles;
    L->readout_init = P->p.readout_init;
  }
  L->sample_form = grok_sample_form_chosen(&P->p);
  if (L->sample_form && grok_sample_limit_prepare(L) != 0) {
    hd_config_error(cfg, err, "theory", "closure_form",
                    "out of memory for the sample-space closure (P = %zu)", P->sys.P);
    return -1;
  }
  if (L->kind == GROK_LIMIT_READOUTS && grok_readout_limit_prepare(L) != 0) {
    hd_config_error(cfg, err, "theory", "particles",
                    "the particle start failed (out of memory for %zu particles, or a singular "
                    "draw)",
                    L->particles);
    return -1;
  }
  size_t nw = grok_work_size(P->sys.P, P->sys.Pt, D, D, cka);
  P->tw_buf = malloc(nw * sizeof(double));
  grok_work_bind(&L->tw, P->tw_buf, P->sys.P, P->sys.Pt, D, D, cka);
  L->tw.parallel = true;
  L->tw.threads = P->threads;
  L->tdy = malloc((D + D * D) * sizeof(double));
  L->tbatch = malloc((grok_batch_size(&P->sys) + 1) * sizeof(double));
  return 0;
}

static void set(struct hd_observable *o, const char *name, const char *desc, int lx, int ly)
{
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->unit[0] = '\0';
  o->log_x = lx;
  o->log_y = ly;
}

/* The observables of this plan, the optional ones in the slots the system records. */
static void build_observables(struct grok_plan *P)
{
  P->obs = calloc(GROK_OBS_MAX, sizeof *P->obs);
  size_t n = GROK_OBS_FIXED;
  P->sys.slot_kmse = P->p.kmse ? (int)n++ : -1;
  P->sys.slot_cka = P->p.cka ? (int)n++ : -1;
  P->n_obs = n;
  struct hd_observable *o = P->obs;
  set(&o[GROK_OBS_TRAIN], "train", "train loss (1/P) sum_mu (f~(x_mu) - y_mu)^2, no 1/2 (§1.1)", 1,
      1);
  set(&o[GROK_OBS_TEST_POP], "test_pop",
      "exact population test loss var + mis + lin (§1.2, paper eq. 6)", 1, 1);
  set(&o[GROK_OBS_TEST_EMP], "test_emp", "test loss on the P_test held-out points (§1.4.2)", 1, 1);
  set(&o[GROK_OBS_VAR], "var", "variance error (Tr A / D)^2 / 4, A = B* - alpha eps M' (§1.2)", 1,
      1);
  set(&o[GROK_OBS_MIS], "mis", "misalignment error ||A||_F^2 / (2 D^2) (§1.2)", 1, 1);
  set(&o[GROK_OBS_LIN], "lin", "power in linear modes alpha^2 |u|^2 / D (§1.2)", 1, 1);
  set(&o[GROK_OBS_TRM], "trM", "Tr M / D, mean squared weight per coordinate (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_OVERLAP], "overlap",
      "beta^T M' beta alpha eps / (s_y |beta|^4): 1 at the solution (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_COSINE], "cosine", "<M', beta beta^T>_F / (||M'||_F |beta|^2) (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_WBAR2], "wbar2", "|wbar|^2, squared norm of the mean weight (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_WNORM], "wnorm",
      "||W||_F / sqrt(N) = sqrt(Tr M): per-neuron weight norm, rises while grokking (§1.4.5)", 1,
      0);
  set(&o[GROK_OBS_RELCHANGE], "relchange", "|W - W0|_F / |W0|_F (§1.4.6)", 1, 1);
  if (P->sys.slot_kmse >= 0)
    set(&o[P->sys.slot_kmse], "kmse",
        "constant: test MSE of ridgeless kernel regression with the N = inf initial NTK "
        "(§1.4.8)",
        1, 0);
  if (P->sys.slot_cka >= 0)
    set(&o[P->sys.slot_cka], "cka",
        "centred kernel alignment of the NTK with y on the test set "
        "(§1.4.7)",
        1, 0);
}

void *grok_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err)
{
  struct grok_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct grok_params *)params;
  P->threads = run->threads > 0 ? (int)run->threads : 0;
  fill_system(P, run);
  if (draw_data(P, cfg, err) != 0 || read_initial_weights(P, cfg, err) != 0) {
    grok_plan_destroy(P);
    return NULL;
  }
  infinite_width_start(P);
  if (P->p.kmse || P->p.limit == GROK_LIMIT_LAZY) P->K0 = ntk0(P, P->X, P->sys.P, P->X, P->sys.P);
  if (P->p.kmse) kernel_mse(P);
  build_observables(P);
  bool sample_space = grok_sample_form_chosen(&P->p) || P->p.algorithm == GROK_NET_SAMPLES;
  if (sample_space) {
    size_t n = P->sys.P, D = P->sys.D;
    P->K = malloc(n * n * sizeof(double));
    if (P->K)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)D, 1.0, P->X,
                  (int)D, P->X, (int)D, 0.0, P->K, (int)n);
    P->sys.K = P->K;
  }
  int ok = !(sample_space && !P->K) && set_up_limit(P, cfg, err) == 0;
  if (!ok) {
    if (sample_space && !P->K)
      hd_config_error(cfg, err, "theory", "closure_form",
                      "out of memory for the sample-space closure (P = %zu)", P->sys.P);
    grok_plan_destroy(P);
    return NULL;
  }
  P->net.sys = &P->sys;
  P->net.N = (size_t)P->p.N;
  P->net.algorithm = P->p.algorithm;
  P->net.model = P->p.model;
  P->net.W0 = P->W0;
  P->net.a0 = P->a0;
  P->net.readout_init = P->p.readout_init;
  P->net.r = P->net.N < P->sys.D ? P->net.N : P->sys.D;
  if (P->lim.sample_form) {
    size_t used = strlen(P->note);
    snprintf(P->note + used, sizeof P->note - used,
             "%sN = infinity closure in sample space (P = %zu, D = %zu, §2.4)", used ? "; " : "",
             P->sys.P, P->sys.D);
  }
  return P;
}

static const char *const limit_names[] = {"width", "lazy", "population", "readouts"};
static const char *const model_names[] = {"standard", "readouts", "linearised"};
static const char *const algorithm_names[] = {"closure", "neurons", "samples"};

void grok_plan_print(const void *plan, FILE *out)
{
  const struct grok_plan *P = plan;
  const struct grok_system *S = &P->sys;
  const struct grok_limit *L = &P->lim;
  fprintf(out,
          "data: D = %zu, P = %zu training points (%zu per step), %zu test points, "
          "data seed %llu\n",
          S->D, S->P, S->B, S->Pt, (unsigned long long)S->data_seed);
  if (L->kind == GROK_LIMIT_WIDTH && L->sample_form)
    fprintf(out,
            "theory: N = infinity closure in sample space (b, s, R): %zu values, "
            "4 P^3 flops per step\n",
            grok_sample_limit_dimension(L));
  else if (L->kind == GROK_LIMIT_WIDTH) {
    size_t nb = L->tw.blocks && grok_blocked_pays(S->P, S->D, S->D) ? L->tw.blocks : 0;
    fprintf(out, "theory: N = infinity closure in weight space (wbar, Z): %zu values; ",
            grok_width_dimension(L));
    if (nb)
      fprintf(out, "blocked increment, %zu blocks%s\n", nb, L->tw.panel ? ", column panels" : "");
    else fprintf(out, "plain increment, 4 P D^2 flops per step\n");
  } else if (L->kind == GROK_LIMIT_READOUTS)
    fprintf(out,
            "theory: N = infinity DMFT of the trained-readout network, %zu particles "
            "(symmetrised, whitened start): %zu values\n",
            L->particles, grok_readout_limit_dimension(L));
  else
    fprintf(out, "theory: %s limit, %zu values\n", limit_names[L->kind],
            L->kind == GROK_LIMIT_LAZY ? grok_lazy_dimension(L) : grok_pop_dimension(L));
  if (P->net.model != GROK_MODEL_STANDARD)
    fprintf(out, "simulation: width N = %zu, %s network, literal GD, %zu bytes per run\n", P->net.N,
            model_names[P->net.model], grok_net_state_size(&P->net));
  else
    fprintf(out,
            "simulation: width N = %zu, algorithm %s (Z with %zu columns), %zu bytes per "
            "run\n",
            P->net.N, algorithm_names[P->net.algorithm], P->net.r, grok_net_state_size(&P->net));
  /* OpenBLAS keeps its own count outside the blocks: its sums depend on it, and the
   * datasets must not depend on --threads */
  if (P->threads > 0)
    fprintf(out, "threads: theory's blocked increment on at most %d\n", P->threads);
  else fprintf(out, "threads: theory's blocked increment on every core\n");
}

size_t grok_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct grok_plan *P = plan;
  const struct grok_system *S = &P->sys;
  size_t D = S->D, n = S->P, nt = S->Pt, N = P->net.N;
  bool lazy = P->lim.kind == GROK_LIMIT_LAZY;
  size_t doubles = (n + nt) * (D + 2) + D /* X, Xt, y, yt, f0, f0t, beta */
                   + D * D + D            /* M0, 0 */
                   + (P->K0 ? n * n : 0) + (P->K ? n * n : 0) +
                   (lazy ? n * n + 2 * n : 0) /* V, lam, yhat */
                   + grok_work_size(n, nt, D, D, P->p.cka) + D + D * D + grok_batch_size(S) + 1;
  /* the lazy observation's two temporaries; a run's start: W0, its test predictions
   * (neurons) or Sigma0 and its eigenvectors (closure, N > D) */
  *theory_bytes = lazy ? (n * D + D) * sizeof(double) : 0;
  size_t start = P->net.algorithm == GROK_NET_NEURONS ? nt * N : (N > D ? 2 * D * D + D : 0);
  *thread_bytes = (N * D + start) * sizeof(double);
  if (P->net.model != GROK_MODEL_STANDARD) *thread_bytes = grok_net_state_size(&P->net);
  size_t ro = P->lim.kind == GROK_LIMIT_READOUTS ? grok_readout_limit_bytes(&P->lim) : 0;
  doubles += (P->W0 ? N * D : 0) + (P->a0 ? N : 0);
  return sizeof *P + doubles * sizeof(double) + grok_sample_limit_bytes(&P->lim) + ro +
         GROK_OBS_MAX * sizeof(struct hd_observable);
}

/* grok_plan_bytes' figures and the run state from the parameters alone, read off a plan
 * that holds only the sizes (fill_system; the same layout functions a plan's figures
 * call), with what the parameters say the plan will hold: K0 (kmse, lazy), the
 * sample-space kernel, the lazy eigenbasis, the kernel baseline's solve, files' W0 and a0.
 * The theory adds its state: the plan's figure leaves it to the engine. */
void grok_memory_need(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_memory_need *need)
{
  (void)cfg;
  struct grok_plan *P = calloc(1, sizeof *P);
  if (!P) abort();
  P->p = *(const struct grok_params *)params;
  fill_system(P, run);
  const struct grok_params *p = &P->p;
  const struct grok_system *S = &P->sys;
  const double D = (double)S->D, n = (double)S->P, nt = (double)S->Pt, N = (double)p->N;
  struct grok_limit *L = &P->lim;
  L->sys = &P->sys;
  L->kind = p->model == GROK_MODEL_READOUTS ? GROK_LIMIT_READOUTS : p->limit;
  L->particles = (size_t)p->particles;
  L->sample_form = grok_sample_form_chosen(p);
  P->net = (struct grok_net){.sys = &P->sys,
                             .N = (size_t)p->N,
                             .algorithm = p->algorithm,
                             .model = p->model,
                             .r = (size_t)(p->N < p->D ? p->N : p->D)};
  bool lazy = p->limit == GROK_LIMIT_LAZY,
       sample_space = L->sample_form || p->algorithm == GROK_NET_SAMPLES;
  double doubles = (n + nt) * (D + 2) + D + D * D + D + ((p->kmse || lazy) ? n * n : 0) +
                   (sample_space ? n * n : 0) + (lazy ? n * n + 2 * n : 0) +
                   (double)grok_work_size(S->P, S->Pt, S->D, S->D, p->cka) + D + D * D +
                   (double)grok_batch_size(S) + 1 + (p->W0_file[0] ? N * D : 0) +
                   (p->a0_file[0] ? N : 0) + (p->kmse ? n * n + nt * n : 0);
  if (L->sample_form) {
    double sn = (double)grok_sample_state_size(S->P);
    doubles += n + 2 * nt * n + nt + n + (double)grok_sample_work_size(S->P) + 2 * n * n + 2 * nt +
               nt * nt + sn;
  }
  if (L->kind == GROK_LIMIT_READOUTS) {
    double M = (double)L->particles;
    doubles += M * (D + 1) + D + D * D + n + nt +
               (double)grok_readout_work_size(L->particles, S->P, S->D);
  }
  need->plan = hd_memory_bytes(sizeof *P + doubles * 8 +
                               GROK_OBS_MAX * sizeof(struct hd_observable));
  double dim = L->kind == GROK_LIMIT_LAZY         ? n
               : L->kind == GROK_LIMIT_POPULATION ? 2
               : L->kind == GROK_LIMIT_READOUTS   ? (double)L->particles * (D + 1)
               : L->sample_form ? (double)grok_sample_state_size(S->P) * (S->momentum > 0 ? 2 : 1)
                                : (D + D * D) * (S->momentum > 0 ? 2 : 1);
  double solver = run->method == HD_THEORY_ODE ? 24 : 2;
  need->theory = hd_memory_bytes((lazy ? n * D + D : 0) * 8 + solver * dim * 8);
  need->state = p->model == GROK_MODEL_STANDARD || p->model == GROK_MODEL_READOUTS ||
                        p->model == GROK_MODEL_LINEARISED
                    ? grok_net_state_size(&P->net)
                    : 0;
  double start = p->algorithm == GROK_NET_NEURONS ? nt * N : (N > D ? 2 * D * D + D : 0);
  need->thread = p->model != GROK_MODEL_STANDARD ? need->state
                                                 : hd_memory_bytes((N * D + start) * 8);
  need->n_obs = GROK_OBS_FIXED + (p->kmse ? 1 : 0) + (p->cka ? 1 : 0);
  need->steps_per_time = 1;
  free(P);
}
