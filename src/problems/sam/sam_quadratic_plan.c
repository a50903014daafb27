/* sam_quadratic_plan.c — the plan of sam_quadratic, built in named steps: the spectrum of
 * H, the noise covariance, the start, the theory's and the simulation's systems, the
 * constant S1a root, SAM's quadrature, the observables and the notes. */
#define HDSIM_SAM_PACKAGE
#include "sam_quadratic.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "eigenbasis.h"
#include "rng.h"
#include "spectrum.h"

void samq_plan_destroy(void *plan)
{
  struct samq_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->Sigma);
  free(P->S);
  free(P->x0);
  free(P->G_trunc);
  free(P->U);
  free(P->H_user);
  free(P->R_user);
  free(P->x0_user);
  free(P->obs);
  free(P);
}

/* Eigenvalues of A A^T / n with A ~ N(0,1)^{d x n} from the problem-level TARGET stream. */
static int wishart_eigenvalues(size_t d, size_t n, uint64_t seed, double *lambda)
{
  double *A = malloc(d * n * sizeof *A), *W = calloc(d * d, sizeof *W);
  if (!A || !W) {
    free(A);
    free(W);
    return -1;
  }
  struct hd_rng r;
  hd_rng_init(&r, seed, UINT64_MAX, HD_STREAM_TARGET, 0);
  hd_rng_normal_array(&r, A, d * n);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t k = 0; k < n; k++) s += A[i * n + k] * A[j * n + k];
      W[i * d + j] = W[j * d + i] = s / (double)n;
    }
  int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)d, W, (lapack_int)d, lambda);
  free(A);
  free(W);
  return info;
}

/* The eigenvalues of H (sets d): a list, wishart, or a file. */
static int plan_spectrum(struct samq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const struct samq_params *p = &P->p;
  char msg[512], path[2 * HD_STR_MAX];
  switch (p->spectrum) {
  case SAMQ_SPECTRUM_WISHART:
    P->d = (size_t)p->dim;
    P->lambda = malloc(P->d * sizeof(double));
    if (wishart_eigenvalues(P->d, (size_t)p->wishart_n, P->seed, P->lambda) != 0) {
      hd_config_error(cfg, err, "quadratic", "spectrum", "eigen-decomposition failed");
      return -1;
    }
    break;
  case SAMQ_SPECTRUM_FILE: {
    if (hd_config_resolve_path(cfg, p->eigenvalues_file, path, sizeof path) != 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues_file", "path too long");
      return -1;
    }
    long n = hd_spectrum_read(path, &P->lambda, msg, sizeof msg);
    if (n <= 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues_file", "%s", n == 0 ? "empty file" : msg);
      return -1;
    }
    P->d = (size_t)n;
    break;
  }
  default:
    P->d = p->eigenvalues.n;
    P->lambda = malloc(P->d * sizeof(double));
    memcpy(P->lambda, p->eigenvalues.v, P->d * sizeof(double));
  }
  if (p->per_direction && P->d > 64) {
    hd_config_error(cfg, err, "sde", "per_direction", "d = %zu > 64 directions", P->d);
    return -1;
  }
  return 0;
}

/* Sigma <- U^T Sigma U, symmetric to the last bit (the user's coordinates to H's
 * eigenbasis). */
static void rotate_covariance(const double *U, size_t d, double *Sigma)
{
  double *T = malloc(d * d * sizeof *T);
  for (size_t i = 0; i < d; i++) /* T = Sigma U */
    for (size_t j = 0; j < d; j++) {
      double acc = 0;
      for (size_t k = 0; k < d; k++) acc += Sigma[i * d + k] * U[k * d + j];
      T[i * d + j] = acc;
    }
  for (size_t i = 0; i < d; i++) /* U^T T, lower triangle, mirrored */
    for (size_t j = 0; j <= i; j++) {
      double acc = 0;
      for (size_t k = 0; k < d; k++) acc += U[k * d + i] * T[k * d + j];
      Sigma[i * d + j] = Sigma[j * d + i] = acc;
    }
  free(T);
}

/* A full covariance from noise_file (divided by B; rotated into H's eigenbasis when
 * eigenvectors are given), checked symmetric and positive
 * definite, with its lower Cholesky factor S. */
static int noise_from_file(struct samq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d;
  double B = (double)P->p.batch, *vals = NULL;
  char msg[512], path[2 * HD_STR_MAX];
  if (hd_config_resolve_path(cfg, P->p.noise_file, path, sizeof path) != 0) {
    hd_config_error(cfg, err, "quadratic", "noise_file", "path too long");
    return -1;
  }
  long n = hd_spectrum_read(path, &vals, msg, sizeof msg);
  if (n != (long)(d * d)) {
    hd_config_error(cfg, err, "quadratic", "noise_file", "%s",
                    n < 0 ? msg : "expected d*d numbers (the matrix row by row)");
    free(vals);
    return -1;
  }
  for (size_t k = 0; k < d * d; k++) P->Sigma[k] = vals[k] / B;
  free(vals);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++)
      if (fabs(P->Sigma[i * d + j] - P->Sigma[j * d + i]) > 1e-12 * fabs(P->Sigma[i * d + i])) {
        hd_config_error(cfg, err, "quadratic", "noise_file", "Sigma is not symmetric");
        return -1;
      }
  if (P->U) rotate_covariance(P->U, d, P->Sigma);
  P->S = malloc(d * d * sizeof(double));
  memcpy(P->S, P->Sigma, d * d * sizeof(double));
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, P->S, (lapack_int)d) != 0) {
    hd_config_error(cfg, err, "quadratic", "noise_file", "Sigma is not positive definite");
    return -1;
  }
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++) P->S[i * d + j] = 0;
  return 0;
}

/* The noise covariance, divided by B (the additive model, §2.1). */
static int plan_noise(struct samq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d;
  P->Sigma = calloc(d * d, sizeof(double));
  if (P->p.noise_file[0]) return noise_from_file(P, cfg, err);
  P->s_iso = P->p.noise_std / sqrt((double)P->p.batch);
  for (size_t i = 0; i < d; i++) P->Sigma[i * d + i] = P->s_iso * P->s_iso;
  return 0;
}

/* A fixed start: d values (x0, or x0_file), or one for every coordinate.  (A gaussian start is drawn per
 * run by the simulation, and enters the theory through init_scale.) */
static int plan_start(struct samq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d;
  if (P->p.init != SAMQ_INIT_FIXED) return 0;
  const struct hd_real_list *x0 = &P->p.x0;
  if (P->p.x0_file[0]) {
    if (hd_config_read_array(cfg, err, "quadratic", "x0_file", P->p.x0_file, d, 0, &P->x0, NULL,
                             NULL) != 0)
      return -1;
  } else if (x0->n != 1 && x0->n != d) {
    hd_config_error(cfg, err, "quadratic", "x0", "expected 1 or d = %zu numbers", d);
    return -1;
  } else {
    P->x0 = malloc(d * sizeof(double));
    for (size_t i = 0; i < d; i++) P->x0[i] = x0->v[x0->n == 1 ? 0 : i];
  }
  if (P->U) { /* given in the user's coordinates: x0 = U^T x0_user for the theory */
    P->x0_user = P->x0;
    P->x0 = malloc(d * sizeof(double));
    hd_eigenbasis_apply(P->U, d, P->x0_user, P->x0);
  }
  return 0;
}

/* [quadratic] eigenvectors: U, checked orthonormal (eigenbasis.h). */
static int plan_basis(struct samq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  if (!P->p.eigenvectors[0]) return 0;
  P->U = hd_eigenbasis_read(cfg, err, "quadratic", "eigenvectors", P->p.eigenvectors, P->d);
  return P->U ? 0 : -1;
}

/* The algorithm in the user's coordinates: H = U diag(lambda) U^T, and the noise root
 * U S~ (S~ the eigenbasis factor, s I when isotropic), so that U^T Z = S~ xi is the
 * eigenbasis noise of the same draws. */
static void plan_user_basis(struct samq_plan *P)
{
  if (!P->U) return;
  size_t d = P->d;
  const double *U = P->U;
  P->H_user = malloc(d * d * sizeof(double));
  P->R_user = malloc(d * d * sizeof(double));
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double h = 0, r = 0;
      for (size_t k = 0; k < d; k++) {
        h += U[i * d + k] * P->lambda[k] * U[j * d + k];
        r += U[i * d + k] * (P->S ? P->S[k * d + j] : (k == j ? P->s_iso : 0.0));
      }
      P->H_user[i * d + j] = h;
      P->R_user[i * d + j] = r;
    }
}

/* The theory's and the simulation's systems, both views of the plan's arrays. */
static void plan_systems(struct samq_plan *P)
{
  const struct samq_params *p = &P->p;
  P->sde = (struct samq_system){.d = P->d,
                                .lambda = P->lambda,
                                .Sigma = P->Sigma,
                                .S = P->S,
                                .s_iso = P->s_iso,
                                .x0 = P->x0,
                                .init_scale = p->init_scale,
                                .algorithm = (enum sam_algorithm)p->algorithm,
                                .lr = p->lr,
                                .rho = p->rho,
                                .norm_eps = p->norm_eps,
                                .diffusion = (enum samq_diffusion)p->diffusion,
                                .substeps = (size_t)p->substeps,
                                .per_direction = p->per_direction};
  P->alg = (struct samq_sim){.d = P->d,
                             .lambda = P->lambda,
                             .S = P->S,
                             .s_iso = P->s_iso,
                             .algorithm = (enum sam_algorithm)p->algorithm,
                             .lr = p->lr,
                             .rho = p->rho,
                             .norm_eps = p->norm_eps,
                             .substeps = (size_t)p->substeps,
                             .H = P->H_user,
                             .R = P->R_user};
}

/* (S1a) USAM's diffusion is constant on a quadratic: its square root once, clipped. */
static void plan_truncated_root(struct samq_plan *P)
{
  size_t d = P->d;
  if (P->p.algorithm != SAM_ALG_USAM || P->p.diffusion != SAMQ_DIFF_TRUNCATED) return;
  double *M = malloc(d * d * sizeof *M);
  P->G_trunc = malloc(d * d * sizeof(double));
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      M[i * d + j] = samq_noise_factor(&P->sde, i, j) * P->Sigma[i * d + j];
  double *V = malloc(d * d * sizeof *V), *w = malloc(d * sizeof *w);
  P->clipped = samq_sym_sqrt(d, M, P->G_trunc, V, w);
  free(M);
  free(V);
  free(w);
  P->sde.G_trunc = P->G_trunc;
}

static void add_obs(struct samq_plan *P, const char *name, const char *desc)
{
  struct hd_observable *o = &P->obs[P->n_obs++];
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->log_x = 0;
  o->log_y = 1;
}

static void plan_observables(struct samq_plan *P)
{
  size_t d = P->d;
  P->obs = calloc(3 + (P->p.per_direction ? d : 0), sizeof *P->obs);
  add_obs(P, "loss", "E f(x) = 1/2 E x^T H x (U3)");
  add_obs(P, "sq_norm", "E ||x||^2 (per run: ||x||^2, so sqrt gives the paper's ||x||)");
  add_obs(P, "grad_sq", "E ||grad f(x)||^2 = E ||H x||^2 (per run: the paper's ||grad f||^2)");
  if (P->p.per_direction)
    for (size_t i = 0; i < d; i++) {
      char name[32], desc[96];
      snprintf(name, sizeof name, "m2_%zu", i);
      snprintf(desc, sizeof desc, "E x_i^2 along eigendirection %zu (lambda = %.6g) (U2, O2)", i,
               P->lambda[i]);
      add_obs(P, name, desc);
    }
  P->obs[0].log_y = 0; /* saddles make the loss negative */
}

/* Notes: stability (§3.6), else the stationary losses (§3.3) and the Lyapunov check (O3). */
static void plan_note(struct samq_plan *P)
{
  const struct samq_system *Q = &P->sde;
  size_t d = P->d, off = 0;
  for (size_t i = 0; i < d && off < sizeof P->note - 1; i++) {
    double m = P->p.lr * (P->p.algorithm == SAM_ALG_USAM ? samq_mu(Q, i) : P->lambda[i]);
    if (m >= 2)
      off += (size_t)snprintf(P->note + off, sizeof P->note - off,
                              "direction %zu: eta mu = %.4g >= 2, the discrete algorithm is "
                              "unstable there (sam.md §3.6); ",
                              i, m);
  }
  if (off != 0 || !samq_closed_moments(Q)) return;
  double ld = samq_stationary_loss_discrete(Q), ls = samq_stationary_loss_sde(Q), ll = NAN;
  if (isfinite(ls) && d <= 512) { /* the same from the Lyapunov solve (O3): tr(H C) / 2 */
    double *C = malloc(d * d * sizeof *C);
    if (samq_stationary_covariance(Q, C) == 0) {
      ll = 0;
      for (size_t i = 0; i < d; i++) ll += 0.5 * P->lambda[i] * C[i * d + i];
    }
    free(C);
  }
  if (isfinite(ld))
    snprintf(P->note, sizeof P->note,
             "stationary E f (sam.md §3.3): discrete %.6e, SDE %.6e (Lyapunov O3: %.6e)%s", ld, ls,
             ll, P->clipped ? "; truncated diffusion clipped (indefinite)" : "");
}

void *samq_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err)
{
  struct samq_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct samq_params *)params;
  P->seed = (uint64_t)run->seed;
  P->method = run->method;
  if (plan_spectrum(P, cfg, err) != 0 || plan_basis(P, cfg, err) != 0 ||
      plan_noise(P, cfg, err) != 0 || plan_start(P, cfg, err) != 0) {
    samq_plan_destroy(P);
    return NULL;
  }
  plan_user_basis(P);
  plan_systems(P);
  plan_truncated_root(P);
  if (P->p.algorithm == SAM_ALG_SAM && samq_sam_quadrature(&P->sde) != 0) {
    hd_config_error(cfg, err, "optimizer", "algorithm", "quadrature rule failed");
    samq_plan_destroy(P);
    return NULL;
  }
  plan_observables(P);
  plan_note(P);
  return P;
}

/* ---- the plan made visible ------------------------------------------------------ */

static const char *const method_words[] = {"SGD (A1, Q1)", "USAM (A2, Q2)", "DNSAM (A3, Q3)",
                                           "SAM (A4, Q4)"};

void samq_plan_print(const void *plan, FILE *out)
{
  const struct samq_plan *P = plan;
  const struct samq_system *Q = &P->sde;
  size_t d = P->d;
  fprintf(out, "problem: sam_quadratic, %s, d = %zu (%s)\n", method_words[P->p.algorithm], d,
          P->U ? "the user's coordinates, H = U diag(lambda) U^T; theory in H's eigenbasis"
               : "H's eigenbasis");
  if (P->S)
    fprintf(out, "noise: full covariance Sigma / B (%zu x %zu), lower Cholesky factor\n", d, d);
  else fprintf(out, "noise: isotropic, standard deviation %.6g per coordinate\n", P->s_iso);
  if (P->method == HD_THEORY_RECURSION)
    fprintf(out, "theory: exact moment recursion (U1-U2), %zu values (means, packed covariance)\n",
            samq_moment_dimension(Q));
  else if (P->method == HD_THEORY_ODE && samq_closed_moments(Q))
    fprintf(out,
            "theory: OU moment ODE (O1-O2), %zu values, diagonal Jacobian (structured, "
            "rank 0)\n",
            samq_moment_dimension(Q));
  else if (P->method == HD_THEORY_ODE)
    fprintf(out, "theory: full-batch flow (F2), %zu values, dense Jacobian\n", d);
  else fprintf(out, "theory: none\n");
  if (P->p.path == SAMQ_PATH_SDE)
    fprintf(out,
            "simulation: Euler-Maruyama paths of the SDE (%s diffusion), %ld substeps "
            "per step, %s noise\n",
            P->p.diffusion == SAMQ_DIFF_FACTOR ? "factor" : "truncated", P->p.substeps,
            P->p.coupling == SAMQ_COUPLE_SYNC ? "synchronously coupled" : "independent");
  else
    fprintf(out, "simulation: the discrete algorithm, %ld noise draw%s per step\n", P->p.substeps,
            P->p.substeps == 1 ? "" : "s");
  fprintf(out, "observables: %zu\n", P->n_obs);
}

/* Plan: its arrays.  Theory: the state vector the engine integrates.  Simulation threads
 * need nothing beyond sim_state_size. */
size_t samq_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes)
{
  const struct samq_plan *P = plan;
  size_t d = P->d, dd = d * d * sizeof(double);
  size_t bytes = sizeof *P + d * sizeof(double) + dd + P->n_obs * sizeof *P->obs;
  if (P->S) bytes += dd;
  if (P->x0) bytes += d * sizeof(double);
  if (P->G_trunc) bytes += dd;
  if (P->U) bytes += 3 * dd + d * sizeof(double);
  if (theory_bytes) {
    size_t n = P->method == HD_THEORY_RECURSION ? samq_moment_dimension(&P->sde)
               : P->method == HD_THEORY_ODE     ? samq_ode_dimension(&P->sde)
                                                : 0;
    *theory_bytes = n * sizeof(double);
  }
  if (thread_bytes) *thread_bytes = 0;
  return bytes;
}
