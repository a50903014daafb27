/* gmm_plan.c — the gmm_multiclass plan: everything derived once from the parameters
 * (lists, data, groups, quadrature, schedule, observables, stability threshold), and the
 * theory's and simulation's systems filled from it. */
#define HDSIM_GMM_PACKAGE
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eigenbasis.h"
#include "problems/gmm/gmm_plan.h"

/* Square losses: gamma_crit = 2 B / rho(G), G_cc' = sqrt(p_c p_c') sum_g w_g lambda_g^(c)
 * lambda_g^(c') / lambdabar_g (gmm.md §3.3; the ridge only stabilises further). */
static double critical_lr(const struct gmm_plan *P)
{
  const size_t l = P->l;
  const struct gmm_groups *G = P->limit.G;
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

static struct hd_observable *add_obs(struct gmm_plan *P, const char *name, int log_y,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct hd_observable *add_obs(struct gmm_plan *P, const char *name, int log_y,
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

static void build_observables(struct gmm_plan *P)
{
  const size_t l = P->l;
  int teacher = P->limit.teacher;
  P->limit.obs.n_overlap = l <= 16 ? l : 16;
  P->obs = calloc(5 + 2 * P->limit.obs.n_overlap + 2 * P->limit.obs.n_bands + 2, sizeof *P->obs);
  add_obs(P, "risk", 1, "population risk sum_c p_c E f(r; c), r ~ N(m_c, S_c) (E3)");
  add_obs(P, "error", 0,
          P->q == 1 ? "classification error sum_c p_c Phi(-side_c m_c / sqrt(s_c))"
                    : "classification error sum_c p_c P(argmax r != c) (QMC, "
                      "4096 points)");
  add_obs(P, "norm", 1, "squared norm ||X||_F^2 (tr N)");
  for (size_t c = 0; c < P->limit.obs.n_overlap; c++) {
    char name[HD_NAME_MAX - 8];
    snprintf(name, sizeof name, "overlap_%zu", c + 1);
    add_obs(P, name, 0, "mean overlap <X%s, mu_%zu> (gmm.md m_c)", P->q > 1 ? "_c" : "", c + 1);
  }
  P->limit.obs.o_cosine = P->n_obs;
  for (size_t c = 0; c < P->limit.obs.n_overlap; c++) {
    char name[HD_NAME_MAX - 8];
    snprintf(name, sizeof name, "cosine_%zu", c + 1);
    add_obs(P, name, 0, "cosine <X%s, mu_%zu> / (||X%s|| ||mu_%zu||) (0 while X = 0)",
            P->q > 1 ? "_c" : "", c + 1, P->q > 1 ? "_c" : "", c + 1);
  }
  if (P->limit.adaptive) {
    P->limit.obs.o_lr = P->n_obs;
    add_obs(P, "lr", 1, "AdaGrad-Norm learning rate lr / sqrt(b^2 + G(t)) (gmm.md §2.8)");
  }
  if (teacher) {
    P->limit.obs.o_distance = P->n_obs;
    add_obs(P, "distance", 1, "distance to the teacher ||X - theta*||^2");
  }
  if (P->limit.obs.n_bands > 1) {
    P->limit.obs.o_band = P->n_obs;
    const char *what = teacher ? "X - theta*" : "X";
    for (size_t k = 0; k < P->limit.obs.n_bands; k++) {
      char name[HD_NAME_MAX - 8];
      snprintf(name, sizeof name, "band_%zu_norm", k);
      add_obs(P, name, 1, "projected norm of %s on %s %zu", what,
              P->limit.obs.has_clean && k == 0 ? "the clean band" : "spectral band", k);
    }
    for (size_t k = 0; k < P->limit.obs.n_bands; k++) {
      char name[HD_NAME_MAX - 8];
      snprintf(name, sizeof name, "band_%zu_margin", k);
      add_obs(P, name, 0, "mean overlap %s on %s %zu",
              P->q == 1 ? "<X, mu_1>" : "avg_c <X_c, mu_c>",
              P->limit.obs.has_clean && k == 0 ? "the clean band" : "spectral band", k);
    }
    if (P->limit.obs.has_clean) {
      P->limit.obs.o_clean = P->n_obs;
      add_obs(P, "clean_margin_share", 0, "share of the mean overlap carried by clean directions");
      add_obs(P, "clean_norm_share", 0, "share of ||X||^2 in clean directions");
    }
  }
}

/* ---- plan ---------------------------------------------------------------------------------- */

void gmm_plan_destroy(void *plan)
{
  struct gmm_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->sqrt_lambda);
  free(P->u);
  free(P->mode_group);
  gmm_groups_free(&P->fin);
  gmm_groups_free(&P->lim);
  gmm_groups_free(&P->bin);
  gmm_limit_free(&P->limit);
  free(P->obs);
  free(P->U);
  free(P->X0);
  free(P->y0);
  free(P);
}

/* The spectra, means and teacher at the model's d (the Monte Carlo's data, and the
 * theory's unless it runs on the d -> infinity node grid). */
static int build_data(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d, l = P->l;
  P->lambda = malloc(d * l * sizeof(double));
  P->sqrt_lambda = malloc(d * l * sizeof(double));
  P->u = calloc(P->A * d, sizeof(double));
  if (P->p.eigenvectors[0] &&
      !(P->U = hd_eigenbasis_read(cfg, err, "data", "eigenvectors", P->p.eigenvectors, d)))
    return -1;
  if (gmm_fill_spectra(P, cfg, err) != 0 || gmm_fill_directions(P, cfg, err) != 0) return -1;
  return 0;
}

/* Eigen-groups of the finite-d data, and the groups the theory integrates: the node grid
 * ([data] limit_nodes), the engine's bins ([theory] bins) or the finite-d groups. */
static const struct gmm_groups *build_groups(struct gmm_plan *P, const struct hd_run_params *run)
{
  gmm_build_groups(P);
  if (P->p.limit_nodes > 0) gmm_build_limit(P);
  else if (run->bins > 0) gmm_build_bins(P, run->bins);
  gmm_group_traces(&P->fin, P->l);
  gmm_group_traces(&P->lim, P->l);
  gmm_group_traces(&P->bin, P->l);
  gmm_build_bands(P);
  return P->p.limit_nodes > 0 ? &P->lim : P->bin.n ? &P->bin : &P->fin;
}

/* The theory's system.  Its observable layout is filled by build_observables. */
static int fill_limit(struct gmm_plan *P, const struct gmm_groups *G, const struct hd_config *cfg,
                      struct hd_errors *err)
{
  const struct gmm_params *p = &P->p;
  struct gmm_limit *L = &P->limit;
  L->l = P->l, L->q = P->q, L->A = P->A, L->nv = P->nv, L->block = P->block;
  L->loss = (enum gmm_loss)p->loss;
  L->prob = P->prob;
  L->label = P->label;
  L->label_noise = p->label_noise;
  L->teacher = p->teacher != GMM_TEACHER_NONE;
  L->teacher_sq = P->teacher_sq;
  L->mean_dot_teacher = P->mean_dot_teacher;
  L->batch = p->batch;
  L->ridge = p->ridge;
  L->init_var = p->init == GMM_INIT_RANDOM ? p->init_scale * p->init_scale : 0.0;
  L->schedule = &P->p.schedule;
  L->adaptive = p->adaptive == GMM_ADAPTIVE_ADAGRAD_NORM;
  L->adagrad_b = p->adagrad_b;
  L->breakpoints = P->breakpoints;
  L->n_breakpoints = P->n_breakpoints;
  L->G = G;
  char msg[256];
  if (gmm_quad_init(&L->quad, p->quadrature, P->q, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "loss", "quadrature", "%s", msg);
    return -1;
  }
  return 0;
}

/* The simulation's system. */
static void fill_sgd(struct gmm_plan *P)
{
  const struct gmm_params *p = &P->p;
  P->sgd = (struct gmm_sgd){.d = P->d,
                            .l = P->l,
                            .q = P->q,
                            .batch = (size_t)p->batch,
                            .loss = (enum gmm_loss)p->loss,
                            .seed = P->seed,
                            .cum = P->cum,
                            .label = P->label,
                            .sqrt_lambda = P->sqrt_lambda,
                            .u = P->u,
                            .teacher = p->teacher != GMM_TEACHER_NONE,
                            .label_noise = p->label_noise,
                            .ridge = p->ridge,
                            .init_random = p->init == GMM_INIT_RANDOM,
                            .init_scale = p->init_scale,
                            .schedule = &P->p.schedule,
                            .adaptive = p->adaptive == GMM_ADAPTIVE_ADAGRAD_NORM,
                            .adagrad_b = p->adagrad_b,
                            .mode_group = P->mode_group,
                            .n_groups = P->fin.n,
                            .A = P->A};
}

/* The least-squares stability threshold, and the one note on the theory's reach. */
static void stability_and_note(struct gmm_plan *P, const struct hd_run_params *run)
{
  const struct gmm_params *p = &P->p;
  P->gamma_crit = INFINITY;
  if ((p->loss == GMM_LOSS_LS || p->loss == GMM_LOSS_ONEHOT_LS) && !P->limit.adaptive) {
    P->gamma_crit = critical_lr(P);
    double gmax = hd_schedule_max(&P->p.schedule, run->horizon);
    if (gmax >= P->gamma_crit)
      snprintf(P->note, sizeof P->note,
               "lr %g is beyond the least-squares stability threshold 2B/rho(G) = %.6g "
               "(gmm.md §3.3): the risk diverges",
               gmax, P->gamma_crit);
  }
  if (p->loss == GMM_LOSS_SOFTMAX && P->q - 1 > GMM_MAX_QUAD_DIM && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "softmax with %zu classes: the class expectations use a fixed %d-point QMC rule "
             "(relative accuracy ~1e-3; tensor Gauss-Hermite only up to %d classes)",
             P->l, GMM_ERROR_POINTS, GMM_MAX_QUAD_DIM + 1);
  if (p->limit_nodes > 0 && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "theory is the d -> infinity limit on %ld %s nodes (u >= %g); the simulation is at "
             "d = %zu, so their gap includes the finite-d spectrum's cut-off",
             p->limit_nodes, p->limit_rule == GMM_LIMIT_MIDPOINT ? "midpoint" : "mapped",
             p->limit_umin, P->d);
}

void *gmm_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err)
{
  struct gmm_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct gmm_params *)params;
  P->d = (size_t)P->p.d;
  P->l = (size_t)P->p.classes;
  P->q = gmm_outputs(&P->p);
  P->A = P->l + (P->p.teacher != GMM_TEACHER_NONE);
  P->nv = P->q * (P->q + 1) / 2;
  P->block = P->nv + P->A * P->q;
  P->seed = (uint64_t)run->seed;
  P->method = run->method;
  P->linear_solver = run->linear_solver;
  if (gmm_resolve_lists(&P->p, cfg, err, P) != 0 || build_data(P, cfg, err) != 0) goto fail;
  const struct gmm_groups *G = build_groups(P, run);
  P->n_breakpoints = hd_schedule_breakpoints(&P->p.schedule, run->horizon, P->breakpoints,
                                             sizeof P->breakpoints / sizeof P->breakpoints[0]);
  if (fill_limit(P, G, cfg, err) != 0) goto fail;
  fill_sgd(P);
  if (gmm_fill_start(P, cfg, err) != 0) goto fail;
  free(P->U); /* every given array is in the eigenbasis now */
  P->U = NULL;
  build_observables(P);
  stability_and_note(P, run);
  return P;
fail:
  gmm_plan_destroy(P);
  return NULL;
}

/* Size of the terms the limit drops (gmm.md §2.2, "dropped terms"), relative: the mean's
 * share of the quadratic variation, (gamma^2/d) sum_i mu_i^2 E f'^2 against
 * gamma^2 w lambda E f'^2, and the O(1/d) corrections of the noise:
 * (1 + max_c ||mu_c||^2 / mean_c Tr K_c/d) / d.  Tests scale their bias allowance by it. */
double gmm_finite_d_scale(const struct gmm_plan *P)
{
  double kappa = 0, lbar = 0;
  for (size_t c = 0; c < P->l; c++) {
    double k = 0, tr = 0;
    for (size_t i = 0; i < P->d; i++) {
      k += P->u[c * P->d + i] * P->u[c * P->d + i];
      tr += P->lambda[c * P->d + i];
    }
    kappa = fmax(kappa, k);
    lbar += tr / (double)P->d / (double)P->l;
  }
  return (1 + (lbar > 0 ? kappa / lbar : 0)) / (double)P->d;
}

void gmm_quadrature_text(const struct gmm_plan *P, char *buf, size_t len)
{
  const struct gmm_quad *Q = &P->limit.quad;
  snprintf(buf, len,
           "1-D: %zu-node Gauss-Hermite%s; multi-D (softmax): %zu nodes per dimension up to "
           "%zu dimensions, %d-point QMC beyond; multi-class error: %d-point QMC",
           Q->n_gh[0], Q->auto_rule ? " for s <= 2, 16-point Gauss-Legendre panels beyond" : "",
           Q->n_gh[1], Q->tensor_max_dim, GMM_ERROR_POINTS, GMM_ERROR_POINTS);
}
