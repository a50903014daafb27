/* ode/committee.h — the d -> infinity limit of one-pass SGD on a committee machine
 * (student K hidden units, teacher M, second layers fixed) with data a ~ N(0, diag lambda),
 * one block of overlaps per group of equal eigenvalues (docs/theory/committee.md):
 *   S^g = [[Q^g, R^g], [R^g', T^g]],  Q^g_kl = sum_{i in g} w_ki w_li,  R^g_km = sum w_ki w*_mi,
 *   C = sum_g lambda_g S^g   (the covariance of the K + M pre-activations, CM-2),
 *   dR^g/dt = gamma lambda_g (D S^g)[:, K + m]                                (CM-5)
 *   dQ^g/dt = gamma lambda_g (D S^g_{:, l} + (k <-> l)) + gamma^2 w_g lambda_g E  (CM-6)
 * with D_kj = E[d delta_k / d h_j] (Stein coefficients, CM-4) and E_kl = E[delta_k delta_l]
 * functions of C alone.  erf: closed Gaussian integrals (CM-8); relu, linear, formula:
 * tensor Gauss-Hermite over the at most 4 distinct pre-activations of a term (CM-9). */
#ifndef HDSIM_ODE_COMMITTEE_H
#define HDSIM_ODE_COMMITTEE_H

#include <stddef.h>

#include "integrate.h"
#include "kernels/committee_act.h"
#include "schedule.h"

#define CM_MAX_UNITS 8 /* K, M <= 8 */
#define CM_MAX_H     (2 * CM_MAX_UNITS)

/* Gauss-Hermite rules for 1..4 distinct pre-activations (nodes per dimension), and the
 * tanh-sinh rule on [0, 1] of relu's orthant integral (CM-10b): nodes s, 1 - s, weights. */
struct cm_quad {
  size_t n[5];
  double *x[5], *w[5];
  size_t n_ts;
  double *ts_s, *ts_c, *ts_w;
};
int cm_quad_init(struct cm_quad *q, size_t nodes); /* nodes = 0: auto; 0, -1 or a LAPACK info */
void cm_quad_free(struct cm_quad *q);
int cm_tanh_sinh_init(struct cm_quad *q, double h); /* step h in t; 0 or -1 (memory) */

/* The expectations over h ~ N(0, C) (C: n x n row-major, n = K + M: students first). */
struct cm_expect {
  struct cm_act act;
  const struct cm_quad *quad;
  int closed_form; /* erf: 1 uses CM-8; 0 forces quadrature (tests compare the two) */
};
double cm_i2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b);
double cm_j2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b);
double cm_i4(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b, size_t c,
             size_t e);
/* E_kl = E[delta_k delta_l] (CM-7) with c_p the coefficients of e, v the student's second
 * layer and s2 = sigma^2, by one tensor rule over all n <= 4 pre-activations (CM-9b);
 * 0, or -1 when n > 4. */
int cm_delta_moments(const struct cm_expect *X, const double *C, size_t n, size_t K,
                     const double *c, const double *v, double s2, double *E);
/* relu, exactly (CM-10): E[g'(h_a) g'(h_b) g(h_c) g(h_e)] (p4: NULL, or a cache of the
 * orthant probability of four distinct variables, NaN until computed), the orthant probability
 * of a 4 x 4 correlation matrix, and E_kl as cm_delta_moments computes it, for any n. */
double cm_relu_i4(const struct cm_quad *q, const double *C, size_t n, size_t a, size_t b,
                  size_t c, size_t e, double *p4);
double cm_orthant4(const struct cm_quad *q, const double R[4][4]);
int cm_relu_delta_moments(const struct cm_expect *X, const double *C, size_t n, size_t K,
                          const double *c, const double *v, double s2, double *E);
/* Stein coefficients of f = g'(h_a) g(h_b): E[X f] = s_a Cov(X, h_a) + s_b Cov(X, h_b) for every
 * X jointly Gaussian with h (s_b = 0 when a = b). */
void cm_pair(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b, double *sa,
             double *sb);

/* The system: filled by the problem package, read-only here. */
struct cm_system {
  size_t K, M, n_groups;
  const double *g_lambda;  /* lambda_g */
  const double *g_weight;  /* w_g = n_g / d */
  const double *g_T;       /* T^g, M x M per group */
  const double *y0;        /* initial state (n_groups blocks) */
  const double *v, *vstar; /* second layers */
  const struct hd_schedule *schedule;
  const double *breakpoints;
  size_t n_breakpoints;
  double noise; /* sigma of the label noise */
  struct cm_expect ex;
};

size_t cm_block(size_t K, size_t M); /* K (K + 1) / 2 + K M values per group */
size_t cm_dimension(const struct cm_system *S);
void cm_ode_fill(const struct cm_system *S, struct hd_ode_system *sys, double *y0);
/* C (n x n) of a state */
void cm_covariance(const struct cm_system *S, const double *y, double *C);
/* D (K x n) and E (K x K) of CM-4, CM-7; 0, or -1 when a value is not finite */
int cm_moments(const struct cm_system *S, const double *C, double *D, double *E);
/* Observables from C: eg (CM-3), then Q_kl (k <= l), then R_km. */
size_t cm_n_observables(size_t K, size_t M);
void cm_observe_cov(const struct cm_system *S, const double *C, double *out);
void cm_observe(const struct cm_system *S, const double *y, double *out);

#endif
