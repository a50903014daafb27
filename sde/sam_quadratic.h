/* sde/sam_quadratic.h — the stochastic limits of SGD / USAM / DNSAM / SAM on
 * f = 1/2 x^T H x with additive Gaussian gradient noise (docs/theory/sam.md §2-3):
 *   sam_quadratic_moments.c   OU moment ODEs (O1-O2), their closed form, the exact discrete
 *                             recursion of the algorithm (U1-U3), the full-batch flow (F2),
 *                             stationary losses (§3.3), weak error (§3.4);
 *   sam_quadratic_lyapunov.c  the stationary covariance (O3) by Bartels-Stewart;
 *   sam_quadratic_paths.c     drift and diffusion of the SDEs S0, S1a/S1b, S2, S3 and their
 *                             Euler-Maruyama paths (with src/sde_paths.c).
 * Everything is written in H's eigenbasis (H = diag(lambda), Sigma given in that basis).
 * Time is SDE time t = k eta. */
#ifndef HDSIM_SDE_SAM_QUADRATIC_H
#define HDSIM_SDE_SAM_QUADRATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "integrate.h"
#include "kernels/sam.h"

/* Diffusion of the SDE: the exact one-step factor (S1b: G = (I + rho H) S, DNSAM with
 * rho H/||grad f||) or the paper's first-order-in-rho covariance (S1a, S2), which needs a
 * matrix square root and can be indefinite (§2.7 item 4). */
enum samq_diffusion { SAMQ_DIFF_FACTOR, SAMQ_DIFF_TRUNCATED };

/* Nodes of the quadrature for SAM's conditional moments (§3.5). */
#define SAMQ_NQ 32

/* The system: filled by the problem package, read-only here. */
struct samq_system {
  size_t d;
  const double *lambda; /* d eigenvalues of H */
  const double *Sigma;  /* d x d noise covariance (row-major), already divided by B */
  const double *S;      /* its lower Cholesky factor, or NULL when Sigma = s_iso^2 I */
  double s_iso;
  const double *x0; /* fixed start, or NULL: x0 ~ N(0, init_scale^2 I) */
  double init_scale;
  enum sam_algorithm algorithm;
  double lr; /* eta */
  double rho;
  double norm_eps; /* guard in ||.|| + eps */
  enum samq_diffusion diffusion;
  size_t substeps;       /* m Euler-Maruyama substeps per step of eta */
  bool per_direction;    /* observables m2_i = E x_i^2 after the first three */
  const double *G_trunc; /* constant square root of USAM's S1a covariance, or NULL */
  /* SAM (S3): z ~ N(0, 1) and w ~ chi^2_{d-1} nodes and weights, by samq_sam_quadrature */
  double gh_x[SAMQ_NQ], gh_w[SAMQ_NQ];
  double gl_x[SAMQ_NQ], gl_w[SAMQ_NQ];
};

/* ---- sam_quadratic_moments.c ---- */
double samq_mu(const struct samq_system *Q, size_t i); /* lambda_i (1 + rho lambda_i) for USAM */
/* Phi_ij / Sigma_ij of the diffusion: beta_i beta_j (S1b) or 1 + rho (lambda_i + lambda_j)
 * (S1a) for USAM, 1 otherwise. */
double samq_noise_factor(const struct samq_system *Q, size_t i, size_t j);
bool samq_closed_moments(const struct samq_system *Q); /* sgd/usam: the moments close */
/* Moment state y = (m_0..m_{d-1}, C packed by rows of its upper triangle). */
size_t samq_moment_dimension(const struct samq_system *Q);
void samq_moment_init(const struct samq_system *Q, double *y);
/* loss, sq_norm, grad_sq [, m2_0 .. m2_{d-1}] of a moment state or of one point x */
void samq_moment_observe(const struct samq_system *Q, const double *y, double *out);
void samq_point_observe(const struct samq_system *Q, const double *x, double *out);
/* The theory's ODE: the moments (O1-O2) for sgd/usam, else the full-batch flow (F2). */
size_t samq_ode_dimension(const struct samq_system *Q);
void samq_ode_fill(const struct samq_system *Q, struct hd_ode_system *sys, double *y0);
void samq_ode_observe(const struct samq_system *Q, const double *y, double *out);
/* (O1)-(O2) in closed form at SDE time t: the moment state y(t). */
void samq_ou_exact(const struct samq_system *Q, double t, double *y);
/* (O3): the stationary moment state (m = 0, C_ij = eta Phi_ij Sigma~_ij / (mu_i + mu_j)).
 * Returns 0, or -1 with *bad the first direction whose mu_i <= 0 (no stationary law). */
int samq_ou_stationary(const struct samq_system *Q, double *y, size_t *bad);
/* (U1)-(U2): one step k -> k+1 of the exact moment recursion of the algorithm. */
void samq_recursion_step(const struct samq_system *Q, double *y);
/* §3.3: stationary E f of the algorithm (recursion) and of its SDE (OU); NaN where a
 * direction does not contract. */
double samq_stationary_loss_discrete(const struct samq_system *Q);
double samq_stationary_loss_sde(const struct samq_system *Q);
/* §3.4: max_k |E f(x_k) - E f(X_{k eta})|, P's recursion against Q's OU moments (same d,
 * eta and start). */
double samq_weak_error_loss(const struct samq_system *P, const struct samq_system *Q, double T);
/* least-squares slope of log y against log x (weak-error orders, §3.4) */
double sam_loglog_slope(const double *x, const double *y, int n);

/* ---- sam_quadratic_lyapunov.c ---- */
/* A C + C A^T = R for A with eigenvalues of positive real part (n x n, row-major). */
int hd_lyapunov_continuous(size_t n, const double *A, const double *R, double *C);
int samq_stationary_covariance(const struct samq_system *Q, double *C); /* (O3), d x d */

/* ---- sam_quadratic_paths.c ---- */
/* One step of eta of the SDE by m Euler-Maruyama substeps driven by the m d normals xi. */
void samq_sde_step(const struct samq_system *Q, double *x, const double *xi, double *work);
size_t samq_sde_work_size(const struct samq_system *Q); /* doubles */
/* R = M^1/2 (symmetric, negative eigenvalues clipped; returns how many); V, w scratch */
long samq_sym_sqrt(size_t d, const double *M, double *R, double *V, double *w);
/* SAM (§3.5), isotropic noise: moments of u = g / ||g||, g = a e + Z, at a = ||H x|| */
struct samq_sam_mom {
  double phi1, alpha, beta, gamma1, gamma2;
};
int samq_sam_quadrature(struct samq_system *Q);
void samq_sam_moments(const struct samq_system *Q, double a, struct samq_sam_mom *m);
/* M (d x d): s^2 I + rho (P H + H P) [+ rho^2 H Q H for diffusion = factor]; e: d scratch */
void samq_sam_covariance(const struct samq_system *Q, const double *x, double *M, double *e);

#endif
