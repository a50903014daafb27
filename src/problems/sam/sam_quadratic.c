/* sam_quadratic.c — the problem sam_quadratic: its parameter table (the one source of truth
 * for its model-file keys), validation and ops table.  The plan is in sam_quadratic_plan.c,
 * the theory in sde/sam_quadratic.h, the simulated algorithms in sim/sam_quadratic.h. */
#define HDSIM_SAM_PACKAGE
#include "sam_quadratic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "memory_estimate.h"
#include "rng.h"
#include "spectrum.h"

#define F(field) offsetof(struct samq_params, field)

const char *const sam_algorithm_names[] = {"sgd", "usam", "dnsam", "sam", NULL};
static const char *const diffusions[] = {"factor", "truncated", NULL};
static const char *const paths[] = {"algorithm", "sde", NULL};
static const char *const couplings[] = {"sync", "independent", NULL};
static const char *const inits[] = {"fixed", "gaussian", NULL};
static const char *const spectra[] = {"list", "wishart", "file", NULL};

static const struct hd_param samq_table[] = {
    {"quadratic", "spectrum", HD_ENUM, F(spectrum), "list", 0, 0, 0, spectra, "",
     "how the eigenvalues of H are given: list (eigenvalues), wishart (those of A A^T / "
     "wishart_n, A ~ N(0,1)^{dim x wishart_n} fixed by the seed) or file (eigenvalues_file)",
     "Q1-Q4"},
    {"quadratic", "eigenvalues", HD_REAL_LIST, F(eigenvalues), "", 0, 0, HD_NO_MIN | HD_NO_MAX,
     NULL, "", "eigenvalues of H with spectrum = list (negative values make saddles)", "Q1-Q4"},
    {"quadratic", "eigenvalues_file", HD_PATH, F(eigenvalues_file), "", 0, 0, 0, NULL, "",
     "eigenvalues of H with spectrum = file (text, one per line, or dataset /lambda of *.h5)",
     NULL},
    {"quadratic", "dim", HD_INT, F(dim), "20", 1, 4096, 0, NULL, "",
     "dimension d with spectrum = wishart", NULL},
    {"quadratic", "wishart_n", HD_INT, F(wishart_n), "40", 1, 1e6, 0, NULL, "",
     "columns n of A in H = A A^T / n (the authors' quadratic: d = 20, n = 40)", "§5.1"},
    {"quadratic", "noise_std", HD_REAL, F(noise_std), "0.01", 0, 1e6, 0, NULL, "",
     "sigma of the additive gradient noise Z = sigma xi (Sigma = sigma^2 I); 0 = full batch",
     "§1.2"},
    {"quadratic", "noise_file", HD_PATH, F(noise_file), "", 0, 0, 0, NULL, "",
     "full d x d noise covariance Sigma in H's eigenbasis, or in the coordinates of "
     "eigenvectors (text, row by row; replaces noise_std)",
     "§1.2"},
    {"quadratic", "eigenvectors", HD_ARRAY, F(eigenvectors), "", 0, 0, 0, NULL, "",
     "d x d orthonormal U, column i the eigenvector of eigenvalue i (H = U diag(lambda) U^T): "
     "x0, x0_file and noise_file are then in these coordinates, the theory runs on U^T x0 "
     "and U^T Sigma U, and the algorithm is simulated in the user's coordinates",
     "§1.2"},
    {"quadratic", "init", HD_ENUM, F(init), "fixed", 0, 0, 0, inits, "",
     "start: fixed (x0) or gaussian (x0 ~ N(0, init_scale^2 I), per run)", NULL},
    {"quadratic", "x0", HD_REAL_LIST, F(x0), "1", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL, "",
     "fixed start in H's eigenbasis (or in the coordinates of eigenvectors): d values, or one "
     "value for every coordinate",
     NULL},
    {"quadratic", "x0_file", HD_ARRAY, F(x0_file), "", 0, 0, 0, NULL, "",
     "fixed start from a file (d values; .npy, file.h5:/x0 or text), instead of x0, in the "
     "coordinates x0 uses",
     NULL},
    {"quadratic", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "",
     "standard deviation of the gaussian start", NULL},
    {"optimizer", "algorithm", HD_ENUM, F(algorithm), NULL, 0, 0, 0, sam_algorithm_names, "",
     "sgd (A1), usam (A2), dnsam (A3: perturbation normalised by the full gradient norm), "
     "sam (A4: normalised by the mini-batch gradient norm)",
     "A1-A4"},
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
     "its SDE (S0, S1a/S1b, S2, S3; sam needs isotropic noise)",
     "§2.8"},
    {"sde", "substeps", HD_INT, F(substeps), "1", 1, 1e6, 0, NULL, "",
     "m Euler-Maruyama substeps per algorithm step (h = eta / m); with coupling = sync the "
     "algorithm uses Z = S (sum of the m increments) / sqrt(m), so the same seed couples "
     "the two",
     "§2.8"},
    {"sde", "coupling", HD_ENUM, F(coupling), "sync", 0, 0, 0, couplings, "",
     "SDE noise shared with the algorithm of the same seed (sync) or from its own stream", "§2.8"},
    {"sde", "per_direction", HD_BOOL, F(per_direction), "false", 0, 0, 0, NULL, "",
     "add observables m2_i = E x_i^2 for every eigendirection (d <= 64)", "U2 O2"},
};

/* ---- validation ---------------------------------------------------------------- */

/* Each way of giving H reads its own keys, and only those. */
static void validate_spectrum(const struct samq_params *p, const struct hd_config *cfg,
                              struct hd_errors *err)
{
  if (p->spectrum == SAMQ_SPECTRUM_LIST && p->eigenvalues.n == 0)
    hd_config_error(cfg, err, "quadratic", "eigenvalues",
                    "spectrum = list needs eigenvalues (a comma list of reals)");
  if (p->spectrum != SAMQ_SPECTRUM_LIST && hd_config_has(cfg, "quadratic", "eigenvalues"))
    hd_config_error(cfg, err, "quadratic", "eigenvalues",
                    "eigenvalues is only read with spectrum = list");
  if (p->spectrum == SAMQ_SPECTRUM_FILE && !p->eigenvalues_file[0])
    hd_config_error(cfg, err, "quadratic", "eigenvalues_file",
                    "spectrum = file needs eigenvalues_file");
  if (p->spectrum != SAMQ_SPECTRUM_FILE && hd_config_has(cfg, "quadratic", "eigenvalues_file"))
    hd_config_error(cfg, err, "quadratic", "eigenvalues_file",
                    "eigenvalues_file is only read with spectrum = file");
  if (p->spectrum != SAMQ_SPECTRUM_WISHART) {
    if (hd_config_has(cfg, "quadratic", "dim"))
      hd_config_error(cfg, err, "quadratic", "dim", "dim is only read with spectrum = wishart");
    if (hd_config_has(cfg, "quadratic", "wishart_n"))
      hd_config_error(cfg, err, "quadratic", "wishart_n",
                      "wishart_n is only read with spectrum = wishart");
  }
}

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
  if (p->spectrum == SAMQ_SPECTRUM_WISHART) {
    double values = (double)p->dim * (double)p->wishart_n;
    double flops = (double)p->dim * (double)p->dim * (double)p->wishart_n / 2;
    if (values * 8.0 > (double)hd_memory_available() || flops > SAMQ_WISHART_MAX_FLOPS)
      hd_config_error(cfg, err, "quadratic", "wishart_n",
                      "wishart with dim = %ld and wishart_n = %ld needs %.3g GB and %.3g "
                      "products (at most %.0e); lower dim or wishart_n",
                      p->dim, p->wishart_n, values * 8.0 / 1e9, flops, SAMQ_WISHART_MAX_FLOPS);
  }
  if (p->noise_file[0] && hd_config_has(cfg, "quadratic", "noise_std"))
    hd_config_error(cfg, err, "quadratic", "noise_file", "give noise_std or noise_file, not both");
  if (!closed && noisy && run->method != HD_THEORY_NONE)
    hd_config_error(cfg, err, "theory", "method",
                    "algorithm = %s with gradient noise has no closed moment system "
                    "(sam.md §3.5); use method = none and compare with path = sde, or set "
                    "noise_std = 0 for the full-batch flow (F2)",
                    sam_algorithm_names[p->algorithm]);
  if (!closed && run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method",
                    "the exact recursion (U1-U2) exists for sgd and usam only");
  if (p->path == SAMQ_PATH_SDE && p->algorithm == SAM_ALG_SAM && p->noise_file[0])
    hd_config_error(cfg, err, "sde", "path",
                    "the SAM SDE (S3) is implemented for isotropic noise (noise_std) only: "
                    "its coefficients use the reduction of sam.md §3.5");
  if (p->path == SAMQ_PATH_SDE && p->diffusion == SAMQ_DIFF_TRUNCATED && p->noise_file[0] &&
      p->algorithm == SAM_ALG_DNSAM)
    hd_config_error(cfg, err, "sde", "diffusion",
                    "truncated DNSAM diffusion paths are implemented for isotropic noise "
                    "(noise_std) only");
  if (p->init == SAMQ_INIT_GAUSSIAN && hd_config_has(cfg, "quadratic", "x0"))
    hd_config_error(cfg, err, "quadratic", "x0", "x0 is only read with init = fixed");
  if (p->init == SAMQ_INIT_GAUSSIAN && p->x0_file[0])
    hd_config_error(cfg, err, "quadratic", "x0_file", "x0_file is only read with init = fixed");
  if (p->x0_file[0] && hd_config_has(cfg, "quadratic", "x0"))
    hd_config_error(cfg, err, "quadratic", "x0_file", "give x0 or x0_file, not both");
  validate_spectrum(p, cfg, err);
}

/* samq_plan_bytes' figures and the run state from the parameters alone.  d: the list's
 * length, dim, or the eigenvalue file's length (read here: d values, where the plan holds
 * d x d matrices).  The plan's peak while it is built: the Wishart draw (d x n and d x d),
 * or the truncated root's two d x d scratch matrices, or a noise file's d x d values. */
static void samq_memory_need(const void *params, const struct hd_run_params *run,
                             const struct hd_config *cfg, struct hd_memory_need *need)
{
  const struct samq_params *p = params;
  double d = (double)p->eigenvalues.n;
  if (p->spectrum == SAMQ_SPECTRUM_WISHART) d = (double)p->dim;
  else if (p->spectrum == SAMQ_SPECTRUM_FILE) {
    char path[2 * HD_STR_MAX], msg[512];
    double *v = NULL;
    long n = hd_config_resolve_path(cfg, p->eigenvalues_file, path, sizeof path) == 0
                 ? hd_spectrum_read(path, &v, msg, sizeof msg)
                 : 0;
    free(v);
    d = n > 0 ? (double)n : 1; /* the plan reports an unreadable file */
  }
  double dd = d * d * 8, m = (double)p->substeps;
  bool trunc = p->algorithm == SAM_ALG_USAM && p->diffusion == SAMQ_DIFF_TRUNCATED;
  double plan = sizeof(struct samq_plan) + d * 8 + dd + (p->noise_file[0] ? dd : 0) +
                (trunc ? dd : 0) + (p->init == SAMQ_INIT_FIXED ? d * 8 : 0) +
                (3 + (p->per_direction ? d : 0)) * sizeof(struct hd_observable);
  double peak = 0;
  if (p->spectrum == SAMQ_SPECTRUM_WISHART) peak = d * (double)p->wishart_n * 8 + dd;
  if (trunc) peak = fmax(peak, 2 * dd);
  if (p->noise_file[0]) peak = fmax(peak, dd);
  if (d <= 512) peak = fmax(peak, dd);
  need->plan = hd_memory_bytes(plan + peak);
  bool closed = p->algorithm == SAM_ALG_SGD || p->algorithm == SAM_ALG_USAM;
  double moments = d + d * (d + 1) / 2;
  double n = run->method == HD_THEORY_RECURSION ? moments
             : run->method == HD_THEORY_ODE     ? (closed ? moments : d)
                                                : 0;
  need->theory = hd_memory_bytes(n * 8);
  need->state = hd_memory_bytes(
      (d + m * d + d + 2 * d + (p->algorithm == SAM_ALG_SAM ? 3 * d * d + d : 0)) * 8);
  need->thread = 0;
  need->n_obs = 3 + (p->per_direction ? (size_t)d : 0);
  need->steps_per_time = 1.0 / p->lr;
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

/* ---- theory: the SDE's moments (O1-O2) or flow (F2), the exact recursion (U1-U2) ---- */

static size_t quadratic_ode_dimension(const void *plan)
{
  return samq_ode_dimension(&((const struct samq_plan *)plan)->sde);
}

static int quadratic_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  samq_ode_fill(&((const struct samq_plan *)plan)->sde, sys, y0);
  return 0;
}

static void quadratic_ode_observe(const void *plan, double t, const double *y, double *out)
{
  (void)t;
  samq_ode_observe(&((const struct samq_plan *)plan)->sde, y, out);
}

/* t = infinity of the theory's ODE.  SGD / USAM: the moments' fixed point in closed form
 * (O3, the Lyapunov equation MC + CM = eta Phi o Sigma~ solved entrywise in the
 * eigenbasis), observed like any moment state.  Noise-free DNSAM / SAM (F2): the flow
 * contracts every direction when H > 0, so x -> 0 and the observables are those of x = 0. */
static int quadratic_stationary(const void *plan, double *out, char *note, size_t len)
{
  const struct samq_plan *P = plan;
  const struct samq_system *Q = &P->sde;
  size_t n = samq_ode_dimension(Q), bad = 0;
  double *y = calloc(n, sizeof *y);
  if (!y) {
    snprintf(note, len, "none: out of memory");
    return HD_STATIONARY_NONE;
  }
  int kind = HD_STATIONARY_CLOSED;
  if (samq_closed_moments(Q)) {
    if (samq_ou_stationary(Q, y, &bad) != 0) {
      snprintf(note, len,
               "none: direction %zu has mu = %.6g <= 0, so the covariance (O2) has no "
               "stationary value",
               bad, samq_mu(Q, bad));
      kind = HD_STATIONARY_NONE;
    } else
      snprintf(note, len,
               "stationary moments of the OU limit in closed form: m = 0, C~_ij = eta Phi_ij "
               "Sigma~_ij / (mu_i + mu_j) (O3, sam.md §3.2)");
  } else {
    for (size_t i = 0; i < P->d && kind; i++)
      if (!(P->lambda[i] > 0)) {
        snprintf(note, len,
                 "none: eigenvalue %zu of H is %.6g <= 0, so the flow F2 does not contract "
                 "it",
                 i, P->lambda[i]);
        kind = HD_STATIONARY_NONE;
      }
    if (kind)
      snprintf(note, len, "the noise-free flow F2 contracts every direction (H > 0): x -> 0 "
                          "(sam.md §3.5)");
  }
  if (kind) samq_ode_observe(Q, y, out);
  free(y);
  return kind;
}

static size_t quadratic_recursion_dimension(const void *plan)
{
  return samq_moment_dimension(&((const struct samq_plan *)plan)->sde);
}

static void quadratic_recursion_init(const void *plan, double *state)
{
  samq_moment_init(&((const struct samq_plan *)plan)->sde, state);
}

static void quadratic_recursion_step(const void *plan, uint64_t k, double *state)
{
  (void)k;
  samq_recursion_step(&((const struct samq_plan *)plan)->sde, state);
}

static void quadratic_recursion_observe(const void *plan, const double *state, double *out)
{
  samq_moment_observe(&((const struct samq_plan *)plan)->sde, state, out);
}

/* ---- simulation: the algorithm (Q1-Q4) or the SDE's Euler-Maruyama paths ----------
 * Step k draws m d standard normals xi_{k,1..m}: block k of the run's SAM_STREAM_NOISE
 * stream.  The algorithm uses Z_k = S (xi_{k,1} + ... + xi_{k,m}) / sqrt(m); a
 * synchronously coupled SDE uses the same xi as its m Brownian increments, so the two
 * files of one seed are coupled path by path (§2.8).
 * Per-run state: x (d) | xi (m d) | g (d) | SDE scratch. */

static size_t quadratic_sim_state_size(const void *plan)
{
  const struct samq_plan *P = plan;
  size_t d = P->d, m = (size_t)P->p.substeps;
  return (d + m * d + d + samq_sde_work_size(&P->sde)) * sizeof(double);
}

static void quadratic_sim_start(const void *plan, uint64_t run, void *state)
{
  const struct samq_plan *P = plan;
  double *x = state;
  if (P->x0) { /* the algorithm runs in the user's coordinates, the SDE in the eigenbasis */
    const double *x0 = P->x0_user && P->p.path == SAMQ_PATH_ALGORITHM ? P->x0_user : P->x0;
    memcpy(x, x0, P->d * sizeof *x);
    return;
  }
  struct hd_rng r;
  hd_rng_init(&r, P->seed, run, HD_STREAM_INIT, 0);
  hd_rng_normal_array(&r, x, P->d);
  for (size_t i = 0; i < P->d; i++) x[i] *= P->p.init_scale;
}

static int quadratic_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0,
                                 uint64_t k1, uint64_t *bad_step)
{
  const struct samq_plan *P = plan;
  size_t d = P->d, m = (size_t)P->p.substeps;
  double *x = state, *xi = x + d, *g = xi + m * d, *work = g + d;
  bool sde = P->p.path == SAMQ_PATH_SDE;
  uint64_t purpose = sde && P->p.coupling == SAMQ_COUPLE_INDEPENDENT ? SAM_STREAM_SDE_INDEP
                                                                     : SAM_STREAM_NOISE;
  struct hd_rng r;
  hd_rng_init(&r, P->seed, run, purpose, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&r, k);
    hd_rng_normal_array(&r, xi, m * d);
    if (sde) samq_sde_step(&P->sde, x, xi, work);
    else if (P->U) samq_sim_step_dense(&P->alg, x, xi, g);
    else samq_sim_step(&P->alg, x, xi, g);
    double acc = 0;
    for (size_t i = 0; i < d; i++) acc += x[i] - x[i];
    if (acc != 0 || !isfinite(acc)) {
      if (bad_step) *bad_step = k;
      return 1;
    }
  }
  return 0;
}

static void quadratic_sim_observe(const void *plan, const void *state, double *out)
{
  const struct samq_plan *P = plan;
  if (!P->U || P->p.path != SAMQ_PATH_ALGORITHM) {
    samq_point_observe(&P->sde, state, out); /* state: x first, in the eigenbasis */
    return;
  }
  size_t d = P->d; /* x in the user's coordinates: observe U^T x */
  const double *x = state, *U = P->U;
  double *y = malloc(d * sizeof *y);
  for (size_t j = 0; j < d; j++) {
    double acc = 0;
    for (size_t i = 0; i < d; i++) acc += U[i * d + j] * x[i];
    y[j] = acc;
  }
  samq_point_observe(&P->sde, y, out);
  free(y);
}

const struct hd_problem hd_problem_sam_quadratic = {
    .name = "sam_quadratic",
    .summary = "SGD / USAM / DNSAM / SAM on a quadratic with additive noise: algorithms, "
               "Euler-Maruyama SDE paths, OU moments, exact USAM recursion (sam.md §1-3)",
    .theory_doc = "docs/theory/sam.md",
    .time_meaning = "t = k eta (SGD steps x learning rate)",
    .params = samq_table,
    .n_params = sizeof samq_table / sizeof samq_table[0],
    .params_size = sizeof(struct samq_params),
    .validate = samq_validate,
    .memory_need = samq_memory_need,
    .plan_create = samq_plan_create,
    .plan_destroy = samq_plan_destroy,
    .plan_print = samq_plan_print,
    .plan_bytes = samq_plan_bytes,
    .observables = samq_observables,
    .steps_per_time = samq_steps_per_time,
    .ode_dimension = quadratic_ode_dimension,
    .ode = quadratic_ode,
    .ode_observe = quadratic_ode_observe,
    .stationary = quadratic_stationary,
    .recursion_dimension = quadratic_recursion_dimension,
    .recursion_init = quadratic_recursion_init,
    .recursion_step = quadratic_recursion_step,
    .recursion_observe = quadratic_recursion_observe,
    .theory_note = samq_theory_note,
    .sim_state_size = quadratic_sim_state_size,
    .sim_start = quadratic_sim_start,
    .sim_advance = quadratic_sim_advance,
    .sim_observe = quadratic_sim_observe,
};
