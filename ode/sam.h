/* sam.h — the SAM family (shared/specs/sam.md): SGD, USAM, DNSAM and SAM on
 *   (1) quadratics f = 1/2 x^T H x with additive Gaussian gradient noise (spec §1.2-1.3, §3),
 *       problem "sam_quadratic";
 *   (2) high-dimensional streaming least squares (spec §1.4, §4), problem "sam_streaming".
 *
 * Files: ode/sam_quadratic.c (parameters, plan, registry entry of (1)),
 *        ode/sam_moments.c (OU moment ODE O1-O2, exact discrete recursion U1-U2, full-batch
 *        flows F1-F2, stationary closed forms §3.3), sde/sam_lyapunov.c (O3 by LAPACKE),
 *        sde/sam_sde.c + src/sde_paths.c (Euler-Maruyama of S0, S1a/S1b, S2),
 *        src/sim/sam_quadratic.c (discrete algorithms Q1-Q4),
 *        ode/sam_streaming.c (parameters, plan, ODEs H4-H8, recursion H1-H2, registry of (2)),
 *        src/sim/sam_lsq_kernel.c (the streaming algorithms L1-L4 on the engine's data path).
 *
 * Time: sam_quadratic uses SDE time t = k eta (one unit = 1/eta steps); sam_streaming uses
 * hdsim's t = k/d with eta = gamma/d (spec §2.1 time map: t_SDE = eta d t_h). */
#ifndef HDSIM_ODE_SAM_H
#define HDSIM_ODE_SAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "problem.h"

enum sam_algorithm { SAM_ALG_SGD, SAM_ALG_USAM, SAM_ALG_DNSAM, SAM_ALG_SAM };
extern const char *const sam_algorithm_names[]; /* "sgd", "usam", "dnsam", "sam", NULL */

/* Diffusion of the SDE: the exact one-step factor (S1b: G = (I + rho H) S, DNSAM with
 * rho H/||grad f||) or the paper's first-order-in-rho covariance (S1a, S2), which needs a
 * matrix square root and can be indefinite (spec §2.7 item 4). */
enum sam_diffusion { SAM_DIFF_FACTOR, SAM_DIFF_TRUNCATED };
enum sam_path { SAM_PATH_ALGORITHM, SAM_PATH_SDE };
enum sam_coupling { SAM_COUPLE_SYNC, SAM_COUPLE_INDEPENDENT };
enum sam_init { SAM_INIT_FIXED, SAM_INIT_GAUSSIAN };

/* Random stream purposes of the family (rng.h: HD_STREAM_EXTRA is the first free one). */
#define SAM_STREAM_NOISE 5     /* gradient noise xi of the algorithm (and of a sync SDE) */
#define SAM_STREAM_SDE_INDEP 6 /* Brownian increments of an independently coupled SDE */

/* ---------------------------------------------------------------------------------- */
/* (1) quadratic */

struct samq_params {
  /* [quadratic] */
  char eigenvalues[HD_STR_MAX]; /* "1, 0.5, 0.1" | "wishart" | "file:path" */
  long dim;                     /* d for eigenvalues = wishart */
  long wishart_n;               /* columns of A in H = A A^T / n */
  double noise_std;             /* sigma: Sigma = sigma^2 I */
  char noise_file[HD_STR_MAX];  /* full d x d covariance Sigma (overrides noise_std) */
  int init;                     /* enum sam_init */
  char x0[HD_STR_MAX];          /* fixed start (one value = all coordinates) */
  double init_scale;            /* gaussian start: x0 ~ N(0, init_scale^2 I) */
  /* [optimizer] */
  int algorithm;                /* enum sam_algorithm */
  double lr;                    /* eta */
  double rho;
  long batch;                   /* additive model: noise covariance Sigma / B */
  double norm_eps;              /* guard in ||.|| + eps (davda54/sam uses 1e-12) */
  /* [sde] */
  int diffusion;                /* enum sam_diffusion */
  int path;                     /* simulate the algorithm or the SDE */
  long substeps;                /* m: EM step h = eta/m */
  int coupling;                 /* enum sam_coupling */
  bool per_direction;           /* observables m2_i = E x_i^2 per eigendirection */
};

struct samq_plan {
  struct samq_params p;
  size_t d;
  uint64_t seed;
  double *lambda;   /* d eigenvalues of H (H = diag(lambda) in its eigenbasis) */
  double *Sigma;    /* d*d noise covariance (row-major), already divided by B */
  double *S;        /* d*d lower Cholesky factor of Sigma, or NULL when Sigma = s^2 I */
  double s_iso;     /* sqrt of the isotropic noise variance (after / B) */
  double *x0;       /* d: fixed start, or NULL (gaussian start) */
  double *G_trunc;  /* d*d constant square root of the (S1a) covariance (USAM), or NULL */
  long clipped;     /* negative eigenvalues clipped in G_trunc */
  /* SAM SDE (S3): quadrature for the conditional moments of spec §3.5 */
#define SAMQ_NQ 32
  double gh_x[SAMQ_NQ], gh_w[SAMQ_NQ]; /* z ~ N(0, 1) */
  double gl_x[SAMQ_NQ], gl_w[SAMQ_NQ]; /* w ~ chi^2_{d-1} */
  struct hd_observable *obs;
  size_t n_obs;
  char note[512];
};

/* sam_quadratic.c */
double samq_mu(const struct samq_plan *P, size_t i);        /* lambda_i (1 + rho lambda_i) */
double samq_noise_factor(const struct samq_plan *P, size_t i, size_t j); /* Phi_ij / Sigma_ij */
bool samq_closed_moments(const struct samq_plan *P);        /* sgd/usam, or noise-free */
/* sam_moments.c: moment state y = (m_0..m_{d-1}, C packed upper triangle) */
size_t samq_moment_dimension(const struct samq_plan *P);
void samq_moment_init(const struct samq_plan *P, double *y);
void samq_moment_observe(const struct samq_plan *P, const double *y, double *out);
void samq_point_observe(const struct samq_plan *P, const double *x, double *out); /* one run */
/* least-squares slope of log y against log x (weak-error orders) */
double sam_loglog_slope(const double *x, const double *y, int n);
int samq_ode(void *plan, struct hd_ode_system *sys, double *y0);
size_t samq_ode_dimension(const void *plan);
void samq_ode_observe(const void *plan, double t, const double *y, double *out);
size_t samq_recursion_dimension(const void *plan);
void samq_recursion_init(const void *plan, double *state);
void samq_recursion_step(const void *plan, uint64_t k, double *state);
void samq_recursion_observe(const void *plan, const double *state, double *out);
/* (O1)-(O2) in closed form at SDE time t: the moment state y(t). */
void samq_ou_exact(const struct samq_plan *P, double t, double *y);
/* §3.3: stationary E f of the discrete algorithm (recursion) and of its SDE (OU);
 * NaN where a direction does not contract. */
double samq_stationary_loss_discrete(const struct samq_plan *P);
double samq_stationary_loss_sde(const struct samq_plan *P);
/* §3.4: max_k |E f(x_k) - E f(X_{k eta})|, P's recursion against Q's OU moments. */
double samq_weak_error_loss(const struct samq_plan *P, const struct samq_plan *Q, double T);
/* sde/sam_lyapunov.c */
int hd_lyapunov_continuous(size_t n, const double *A, const double *R, double *C);
int samq_stationary_covariance(const struct samq_plan *P, double *C); /* (O3), d*d */
/* src/sim/sam_quadratic.c */
size_t samq_sim_state_size(const void *plan);
void samq_sim_start(const void *plan, uint64_t run, void *state);
int samq_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
void samq_sim_observe(const void *plan, const void *state, double *out);
/* sde/sam_sde.c: one step of eta of the SDE by m Euler-Maruyama substeps */
void samq_sde_step(const struct samq_plan *P, double *x, const double *xi, double *work);
size_t samq_sde_work_size(const struct samq_plan *P);
void samq_apply_S(const struct samq_plan *P, const double *xi, double *out); /* S xi */
/* R = M^1/2 (symmetric, negative eigenvalues clipped; returns how many); V, w scratch */
long samq_sym_sqrt(size_t d, const double *M, double *R, double *V, double *w);
/* SAM (spec §3.5), isotropic noise: moments of u = g / ||g||, g = a e + Z, at a = ||H x|| */
struct samq_sam_mom { double phi1, alpha, beta, gamma1, gamma2; };
int samq_sam_quadrature(struct samq_plan *P);
void samq_sam_moments(const struct samq_plan *P, double a, struct samq_sam_mom *m);
/* M (d x d): s^2 I + rho (P H + H P) [+ rho^2 H Q H for diffusion = factor]; e: d scratch */
void samq_sam_covariance(const struct samq_plan *P, const double *x, double *M, double *e);

#endif

/* ---------------------------------------------------------------------------------- */
/* (2) streaming least squares (spec §1.4, §4) */

#include "sim/sam_lsq_kernel.h"

enum sam_form { SAM_FORM_EXACT, SAM_FORM_TRUNCATED };
enum sams_target { SAMS_TARGET_RANDOM, SAMS_TARGET_ALIGNED };

struct sams_params {
  /* [data] (same keys and meaning as streaming_lsq) */
  long d;
  int spectrum;
  double alpha, zero_fraction;
  char spectrum_file[HD_STR_MAX];
  bool normalise;
  int target;
  double label_noise;
  /* [optimizer] */
  int algorithm;
  double lr;       /* gamma: eta = gamma / d */
  double rho_bar;  /* rho = rho_bar / d (usam, dnsam), rho_bar / sqrt(d) (sam) */
  long batch;
  double norm_eps;
  /* [sde] */
  int form;        /* one-step moments of the theory: exact, or truncated at first order (§4.5) */
};

struct sams_plan {
  struct sams_params p;
  size_t d;
  uint64_t seed;
  double *lambda, *sqrt_lambda, *theta_star;
  double tau, kappa2; /* tr K / d, tr K^2 / d */
  size_t n_groups;
  double *g_lambda, *g_weight, *g_c; /* eigen-groups: lambda_g, n_g / d, mean p_i^2 */
  struct sam_lsq_kernel kernel;
  struct hd_observable obs[4];
  char note[256];
};

/* Drift and noise coefficients of (H4)-(H8) as functions of v = 2 R and G^2 = ||grad R||^2:
 *   d a_g/dt = -2 gamma lambda_g a_g A(v, G^2) + gamma^2 lambda_g Q(v, G^2),  a_g = d D_g,
 * with partial derivatives (for the Jacobian).  gamma A is the effective step. */
struct sams_coef { double A, A_v, A_G2, Q, Q_v, Q_G2; };
void sams_coefficients(const struct sams_plan *P, double v, double G2, struct sams_coef *c);
/* §4.4 stationary risk R_inf (NaN when the closed form does not cover the case). */
double sams_stationary_risk(const struct sams_plan *P);
