/* sam_quadratic.c — SGD / USAM / DNSAM / SAM on f = 1/2 x^T H x with additive Gaussian
 * gradient noise (spec §1.2-1.3, §3) as an hdsim problem: parameter table (one source of
 * truth for the model-file keys), validation, plan, registry entry.
 *
 * H is given by its eigenvalues and the whole problem is written in H's eigenbasis:
 * the algorithms (Q1-Q4), the SDEs (S0-S2) and all closed forms depend on H only through
 * them once the noise covariance Sigma is expressed in that basis (Sigma~ = U^T Sigma U;
 * a noise_file is read as Sigma~ directly).  Negative eigenvalues give saddles (§3.7). */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_estimate.h"
#include "rng.h"
#include "sam.h"
#include "spectrum.h"

#define F(field) offsetof(struct samq_params, field)

const char *const sam_algorithm_names[] = {"sgd", "usam", "dnsam", "sam", NULL};
static const char *const diffusions[] = {"factor", "truncated", NULL};
static const char *const paths[] = {"algorithm", "sde", NULL};
static const char *const couplings[] = {"sync", "independent", NULL};
static const char *const inits[] = {"fixed", "gaussian", NULL};

static const struct hd_param samq_table[] = {
  {"quadratic", "eigenvalues", HD_STRING, F(eigenvalues), NULL, 0, 0, 0, NULL, "",
   "eigenvalues of H: a comma list (negative values make saddles), 'wishart' (those of "
   "A A^T / wishart_n, A ~ N(0,1)^{dim x wishart_n} fixed by the seed), or file:PATH "
   "(one per line)", "Q1-Q4"},
  {"quadratic", "dim", HD_INT, F(dim), "20", 1, 4096, 0, NULL, "",
   "dimension d when eigenvalues = wishart", NULL},
  {"quadratic", "wishart_n", HD_INT, F(wishart_n), "40", 1, 1e6, 0, NULL, "",
   "columns n of A in H = A A^T / n (the authors' quadratic: d = 20, n = 40)", "§5.1"},
  {"quadratic", "noise_std", HD_REAL, F(noise_std), "0.01", 0, 1e6, 0, NULL, "",
   "sigma of the additive gradient noise Z = sigma xi (Sigma = sigma^2 I); 0 = full batch",
   "§1.2"},
  {"quadratic", "noise_file", HD_PATH, F(noise_file), "", 0, 0, 0, NULL, "",
   "full d x d noise covariance Sigma in H's eigenbasis (text, row by row; replaces "
   "noise_std)", "§1.2"},
  {"quadratic", "init", HD_ENUM, F(init), "fixed", 0, 0, 0, inits, "",
   "start: fixed (x0) or gaussian (x0 ~ N(0, init_scale^2 I), per run)", NULL},
  {"quadratic", "x0", HD_STRING, F(x0), "1", 0, 0, 0, NULL, "",
   "fixed start in H's eigenbasis: d values, or one value for every coordinate", NULL},
  {"quadratic", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
   "standard deviation of the gaussian start", NULL},
  {"optimizer", "algorithm", HD_ENUM, F(algorithm), NULL, 0, 0, 0, sam_algorithm_names, "",
   "sgd (A1), usam (A2), dnsam (A3: perturbation normalised by the full gradient norm), "
   "sam (A4: normalised by the mini-batch gradient norm)", "A1-A4"},
  {"optimizer", "lr", HD_REAL, F(lr), NULL, 0, 1e3, HD_MIN_EXCL, NULL, "",
   "learning rate eta (time t = k eta)", "Q1-Q4"},
  {"optimizer", "rho", HD_REAL, F(rho), "0", 0, 1e6, 0, NULL, "",
   "perturbation radius rho (must be 0 for sgd)", "A2-A4"},
  {"optimizer", "batch", HD_INT, F(batch), "1", 1, 1e9, 0, NULL, "",
   "mini-batch size B: the additive noise covariance is Sigma / B", "§2.1"},
  {"optimizer", "norm_eps", HD_REAL, F(norm_eps), "1e-12", 0, 1, 0, NULL, "",
   "guard eps in rho u / (||u|| + eps) (davda54/sam's 1e-12)", "§1.5"},
  {"sde", "diffusion", HD_ENUM, F(diffusion), "factor", 0, 0, 0, diffusions, "",
   "SDE diffusion: factor ((I + rho H) S: exact one-step covariance, S1b) or truncated "
   "([Sigma + rho(H Sigma + Sigma H)]^1/2, the paper's first-order form S1a/S2)",
   "S1a S1b S2"},
  {"sde", "path", HD_ENUM, F(path), "algorithm", 0, 0, 0, paths, "",
   "what the Monte Carlo simulates: the discrete algorithm, or Euler-Maruyama paths of "
   "its SDE (S0, S1a/S1b, S2, S3; sam needs isotropic noise)", "§2.8"},
  {"sde", "substeps", HD_INT, F(substeps), "1", 1, 1e6, 0, NULL, "",
   "m Euler-Maruyama substeps per algorithm step (h = eta / m); with coupling = sync the "
   "algorithm uses Z = S (sum of the m increments) / sqrt(m), so the same seed couples "
   "the two", "§2.8"},
  {"sde", "coupling", HD_ENUM, F(coupling), "sync", 0, 0, 0, couplings, "",
   "SDE noise shared with the algorithm of the same seed (sync) or from its own stream",
   "§2.8"},
  {"sde", "per_direction", HD_BOOL, F(per_direction), "false", 0, 0, 0, NULL, "",
   "add observables m2_i = E x_i^2 for every eigendirection (d <= 64)", "U2 O2"},
};

/* ---- small helpers shared by the family's quadratic files ---------------------- */

double samq_mu(const struct samq_plan *P, size_t i)
{
  double l = P->lambda[i];
  return P->p.algorithm == SAM_ALG_USAM ? l * (1 + P->p.rho * l) : l;
}

/* Phi_ij / Sigma~_ij of the SDE's diffusion in the eigenbasis: beta_i beta_j (S1b), or
 * 1 + rho lambda_i + rho lambda_j (S1a); 1 for SGD (S0). */
double samq_noise_factor(const struct samq_plan *P, size_t i, size_t j)
{
  if (P->p.algorithm != SAM_ALG_USAM) return 1.0;
  double r = P->p.rho, li = P->lambda[i], lj = P->lambda[j];
  return P->p.diffusion == SAM_DIFF_FACTOR ? (1 + r * li) * (1 + r * lj) : 1 + r * li + r * lj;
}

bool samq_closed_moments(const struct samq_plan *P)
{
  return P->p.algorithm == SAM_ALG_SGD || P->p.algorithm == SAM_ALG_USAM;
}

/* Parses a comma list of reals; returns the count (or -1 on a bad entry). */
static long parse_list(const char *s, double *out, long max)
{
  long n = 0;
  const char *p = s;
  while (*p) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v)) return -1;
    if (n < max) out[n] = v;
    n++;
    p = end;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == ',') p++;
    else if (*p) return -1;
  }
  return n;
}

/* ---- validation ---------------------------------------------------------------- */

/* ~a minute of products on one core: the most a plan may spend drawing a Wishart matrix */
#define SAMQ_WISHART_MAX_FLOPS 5e10

static void samq_validate(const void *params, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  const struct samq_params *p = params;
  bool noisy = p->noise_std > 0 || p->noise_file[0];
  bool closed = p->algorithm == SAM_ALG_SGD || p->algorithm == SAM_ALG_USAM;
  if (p->algorithm == SAM_ALG_SGD && p->rho != 0)
    hd_config_error(cfg, err, "optimizer", "rho", "algorithm = sgd takes no rho (got %g)", p->rho);
  /* wishart keeps A (dim x wishart_n) and forms A A^T in dim^2 wishart_n / 2 products:
   * refuse what would not fit in memory or would take hours before the run starts */
  if (strcmp(p->eigenvalues, "wishart") == 0) {
    double values = (double)p->dim * (double)p->wishart_n;
    double flops = (double)p->dim * (double)p->dim * (double)p->wishart_n / 2;
    if (values * 8.0 > (double)hd_memory_available() || flops > SAMQ_WISHART_MAX_FLOPS)
      hd_config_error(cfg, err, "quadratic", "wishart_n",
                      "wishart with dim = %ld and wishart_n = %ld needs %.3g GB and %.3g "
                      "products (at most %.0e); lower dim or wishart_n", p->dim, p->wishart_n,
                      values * 8.0 / 1e9, flops, SAMQ_WISHART_MAX_FLOPS);
  }
  if (p->noise_file[0] && hd_config_has(cfg, "quadratic", "noise_std"))
    hd_config_error(cfg, err, "quadratic", "noise_file", "give noise_std or noise_file, not both");
  if (!closed && noisy && run->method != HD_THEORY_NONE)
    hd_config_error(cfg, err, "theory", "method",
                    "algorithm = %s with gradient noise has no closed moment system "
                    "(spec §3.5); use method = none and compare with path = sde, or set "
                    "noise_std = 0 for the full-batch flow (F2)",
                    sam_algorithm_names[p->algorithm]);
  if (!closed && run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method",
                    "the exact recursion (U1-U2) exists for sgd and usam only");
  if (p->path == SAM_PATH_SDE && p->algorithm == SAM_ALG_SAM && p->noise_file[0])
    hd_config_error(cfg, err, "sde", "path",
                    "the SAM SDE (S3) is implemented for isotropic noise (noise_std) only: "
                    "its coefficients use the reduction of spec §3.5");
  if (p->path == SAM_PATH_SDE && p->diffusion == SAM_DIFF_TRUNCATED && p->noise_file[0] &&
      p->algorithm == SAM_ALG_DNSAM)
    hd_config_error(cfg, err, "sde", "diffusion",
                    "truncated DNSAM diffusion paths are implemented for isotropic noise "
                    "(noise_std) only");
  if (p->init == SAM_INIT_GAUSSIAN && hd_config_has(cfg, "quadratic", "x0"))
    hd_config_error(cfg, err, "quadratic", "x0", "x0 is only read with init = fixed");
}

/* ---- plan ---------------------------------------------------------------------- */

static void samq_plan_destroy(void *plan)
{
  struct samq_plan *P = plan;
  if (!P) return;
  free(P->lambda);
  free(P->Sigma);
  free(P->S);
  free(P->x0);
  free(P->G_trunc);
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

static void add_obs(struct samq_plan *P, const char *name, const char *desc)
{
  struct hd_observable *o = &P->obs[P->n_obs++];
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->log_x = 0;
  o->log_y = 1;
}

static void *samq_plan_create(const void *params, const struct hd_run_params *run,
                              const struct hd_config *cfg, struct hd_errors *err)
{
  struct samq_plan *P = calloc(1, sizeof *P);
  P->p = *(const struct samq_params *)params;
  P->seed = (uint64_t)run->seed;
  const struct samq_params *p = &P->p;
  char msg[512], path[2 * HD_STR_MAX];

  /* eigenvalues */
  if (strcmp(p->eigenvalues, "wishart") == 0) {
    P->d = (size_t)p->dim;
    P->lambda = malloc(P->d * sizeof(double));
    if (wishart_eigenvalues(P->d, (size_t)p->wishart_n, P->seed, P->lambda) != 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues", "eigen-decomposition failed");
      goto fail;
    }
  } else if (strncmp(p->eigenvalues, "file:", 5) == 0) {
    if (hd_config_resolve_path(cfg, p->eigenvalues + 5, path, sizeof path) != 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues", "path too long");
      goto fail;
    }
    long n = hd_spectrum_read(path, &P->lambda, msg, sizeof msg);
    if (n <= 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues", "%s", n == 0 ? "empty file" : msg);
      goto fail;
    }
    P->d = (size_t)n;
  } else {
    long n = parse_list(p->eigenvalues, NULL, 0);
    if (n <= 0) {
      hd_config_error(cfg, err, "quadratic", "eigenvalues",
                      "expected a comma list of numbers, 'wishart' or file:PATH, got '%s'",
                      p->eigenvalues);
      goto fail;
    }
    P->d = (size_t)n;
    P->lambda = malloc(P->d * sizeof(double));
    parse_list(p->eigenvalues, P->lambda, n);
  }
  size_t d = P->d;
  if (p->per_direction && d > 64) {
    hd_config_error(cfg, err, "sde", "per_direction", "d = %zu > 64 directions", d);
    goto fail;
  }

  /* noise covariance (divided by B: additive model, §2.1) */
  P->Sigma = calloc(d * d, sizeof(double));
  double B = (double)p->batch;
  if (p->noise_file[0]) {
    double *vals = NULL;
    if (hd_config_resolve_path(cfg, p->noise_file, path, sizeof path) != 0) {
      hd_config_error(cfg, err, "quadratic", "noise_file", "path too long");
      goto fail;
    }
    long n = hd_spectrum_read(path, &vals, msg, sizeof msg);
    if (n != (long)(d * d)) {
      hd_config_error(cfg, err, "quadratic", "noise_file", "%s",
                      n < 0 ? msg : "expected d*d numbers (the matrix row by row)");
      free(vals);
      goto fail;
    }
    for (size_t k = 0; k < d * d; k++) P->Sigma[k] = vals[k] / B;
    free(vals);
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < i; j++)
        if (fabs(P->Sigma[i * d + j] - P->Sigma[j * d + i]) > 1e-12 * fabs(P->Sigma[i * d + i])) {
          hd_config_error(cfg, err, "quadratic", "noise_file", "Sigma is not symmetric");
          goto fail;
        }
    P->S = malloc(d * d * sizeof(double));
    memcpy(P->S, P->Sigma, d * d * sizeof(double));
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, P->S, (lapack_int)d) != 0) {
      hd_config_error(cfg, err, "quadratic", "noise_file", "Sigma is not positive definite");
      goto fail;
    }
    for (size_t i = 0; i < d; i++)
      for (size_t j = i + 1; j < d; j++) P->S[i * d + j] = 0;
  } else {
    P->s_iso = p->noise_std / sqrt(B);
    for (size_t i = 0; i < d; i++) P->Sigma[i * d + i] = P->s_iso * P->s_iso;
  }

  /* start */
  if (p->init == SAM_INIT_FIXED) {
    P->x0 = malloc(d * sizeof(double));
    long n = parse_list(p->x0, P->x0, (long)d);
    if (n == 1)
      for (size_t i = 1; i < d; i++) P->x0[i] = P->x0[0];
    else if (n != (long)d) {
      hd_config_error(cfg, err, "quadratic", "x0", "expected 1 or d = %zu numbers", d);
      goto fail;
    }
  }

  /* (S1a) USAM diffusion is constant on a quadratic: its square root once, clipped. */
  if (p->algorithm == SAM_ALG_USAM && p->diffusion == SAM_DIFF_TRUNCATED) {
    double *M = malloc(d * d * sizeof *M);
    P->G_trunc = malloc(d * d * sizeof(double));
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++)
        M[i * d + j] = samq_noise_factor(P, i, j) * P->Sigma[i * d + j];
    double *V = malloc(d * d * sizeof *V), *w = malloc(d * sizeof *w);
    P->clipped = samq_sym_sqrt(d, M, P->G_trunc, V, w);
    free(M);
    free(V);
    free(w);
  }

  if (p->algorithm == SAM_ALG_SAM && samq_sam_quadrature(P) != 0) {
    hd_config_error(cfg, err, "optimizer", "algorithm", "quadrature rule failed");
    goto fail;
  }

  /* observables */
  P->obs = calloc(3 + (p->per_direction ? d : 0), sizeof *P->obs);
  add_obs(P, "loss", "E f(x) = 1/2 E x^T H x (U3)");
  add_obs(P, "sq_norm", "E ||x||^2 (per run: ||x||^2, so sqrt gives the paper's ||x||)");
  add_obs(P, "grad_sq", "E ||grad f(x)||^2 = E ||H x||^2 (per run: the paper's ||grad f||^2)");
  if (p->per_direction)
    for (size_t i = 0; i < d; i++) {
      char name[32], desc[96];
      snprintf(name, sizeof name, "m2_%zu", i);
      snprintf(desc, sizeof desc, "E x_i^2 along eigendirection %zu (lambda = %.6g) (U2, O2)", i,
               P->lambda[i]);
      add_obs(P, name, desc);
    }
  P->obs[0].log_y = 0; /* saddles make the loss negative */

  /* notes: stability (§3.6), USAM saddle trapping (§3.7), stationary losses (§3.3) */
  size_t off = 0;
  for (size_t i = 0; i < d && off < sizeof P->note - 1; i++) {
    double m = p->lr * (p->algorithm == SAM_ALG_USAM ? samq_mu(P, i) : P->lambda[i]);
    if (m >= 2)
      off += (size_t)snprintf(P->note + off, sizeof P->note - off,
                              "direction %zu: eta mu = %.4g >= 2, the discrete algorithm is "
                              "unstable there (spec §3.6); ", i, m);
  }
  if (off == 0 && samq_closed_moments(P)) {
    double ld = samq_stationary_loss_discrete(P), ls = samq_stationary_loss_sde(P), ll = NAN;
    if (isfinite(ls) && d <= 512) { /* the same from the Lyapunov solve (O3): tr(H C) / 2 */
      double *C = malloc(d * d * sizeof *C);
      if (samq_stationary_covariance(P, C) == 0) {
        ll = 0;
        for (size_t i = 0; i < d; i++) ll += 0.5 * P->lambda[i] * C[i * d + i];
      }
      free(C);
    }
    if (isfinite(ld))
      snprintf(P->note, sizeof P->note,
               "stationary E f (spec §3.3): discrete %.6e, SDE %.6e (Lyapunov O3: %.6e)%s", ld,
               ls, ll, P->clipped ? "; truncated diffusion clipped (indefinite)" : "");
  }
  return P;
fail:
  samq_plan_destroy(P);
  return NULL;
}

static size_t samq_observables(const void *plan, const struct hd_observable **obs)
{
  const struct samq_plan *P = plan;
  *obs = P->obs;
  return P->n_obs;
}

/* t is SDE time k eta: 1/eta steps per unit. */
static double samq_steps_per_time(const void *plan)
{
  return 1.0 / ((const struct samq_plan *)plan)->p.lr;
}

static const char *samq_theory_note(const void *plan)
{
  const struct samq_plan *P = plan;
  return P->note[0] ? P->note : NULL;
}

const struct hd_problem hd_problem_sam_quadratic = {
  .name = "sam_quadratic",
  .summary = "SGD / USAM / DNSAM / SAM on a quadratic with additive noise: algorithms, "
             "Euler-Maruyama SDE paths, OU moments, exact USAM recursion (sam.md §1-3)",
  .theory_doc = "docs/theory/sam.md",
  .params = samq_table,
  .n_params = sizeof samq_table / sizeof samq_table[0],
  .params_size = sizeof(struct samq_params),
  .validate = samq_validate,
  .plan_create = samq_plan_create,
  .plan_destroy = samq_plan_destroy,
  .observables = samq_observables,
  .steps_per_time = samq_steps_per_time,
  .ode_dimension = samq_ode_dimension,
  .ode = samq_ode,
  .ode_observe = samq_ode_observe,
  .recursion_dimension = samq_recursion_dimension,
  .recursion_init = samq_recursion_init,
  .recursion_step = samq_recursion_step,
  .recursion_observe = samq_recursion_observe,
  .theory_note = samq_theory_note,
  .sim_state_size = samq_sim_state_size,
  .sim_start = samq_sim_start,
  .sim_advance = samq_sim_advance,
  .sim_observe = samq_sim_observe,
};
