/* ode/sam_streaming.h — the d -> infinity limit of SGD / USAM / DNSAM / SAM on streaming
 * least squares (docs/theory/sam.md §4): the ODEs (H4)-(H8) for a_g = d D_g, one value per
 * group of equal eigenvalues (D_i = E (u_i^T r)^2, H0), with w_g = n_g / d:
 *   v = sum_g w_g lambda_g a_g + sigma^2 (= 2R),  G^2 = sum_g w_g lambda_g^2 a_g,
 *   ||r||^2 = sum_g w_g a_g,
 *   d a_g/dt = -2 gamma lambda_g a_g A(v, G^2) + gamma^2 lambda_g Q(v, G^2),
 * integrated by CVODE with the engine's diagonal-plus-low-rank solver, and the stationary
 * closed forms (§4.4).  Time is hdsim's t = k / d with eta = gamma / d. */
#ifndef HDSIM_ODE_SAM_STREAMING_H
#define HDSIM_ODE_SAM_STREAMING_H

#include <stddef.h>

#include "integrate.h"
#include "kernels/sam.h"

/* One-step moments of the theory: exact in rho (H4-H8), or truncated at first order in rho
 * as in the paper's SDE (§4.5). */
enum sams_form { SAMS_FORM_EXACT, SAMS_FORM_TRUNCATED };

/* The system: filled by the problem package, read-only here. */
struct sams_system {
  size_t n_groups;
  const double *g_lambda; /* lambda_g */
  const double *g_weight; /* w_g = n_g / d */
  const double *g_c;      /* a_g at t = 0 (theta_0 = 0: the mean of d theta*_i^2) */
  double tau, kappa2;     /* tr K / d, tr K^2 / d */
  enum sam_algorithm algorithm;
  double lr;      /* gamma */
  double rho_bar; /* rho = rho_bar / d (usam, dnsam), rho_bar / sqrt(d) (sam) */
  size_t batch;
  double label_noise; /* sigma */
  enum sams_form form;
};

/* Drift and noise coefficients of (H4)-(H8) as functions of v and G^2, with partial
 * derivatives (for the Jacobian).  gamma A is the effective step. */
struct sams_coef {
  double A, A_v, A_G2, Q, Q_v, Q_G2;
};
void sams_coefficients(const struct sams_system *S, double v, double G2, struct sams_coef *c);

void sams_initial(const struct sams_system *S, double *a);
void sams_ode_fill(const struct sams_system *S, struct hd_ode_system *sys, double *y0);
/* risk, distance, grad_sq, effective_lr from the group state a ... */
void sams_observe(const struct sams_system *S, const double *a, double *out);
/* ... or from v, G^2 and ||r||^2 measured otherwise (a simulated run). */
void sams_observe_moments(const struct sams_system *S, double v, double G2, double r2, double *out);
/* §4.4 stationary risk R_inf (NaN when the closed form does not cover the case). */
double sams_stationary_risk(const struct sams_system *S);

#endif
