/* noisy_privacy.h — the noisy_sgd theory beyond the shared lsq ODE/recursion
 * (docs/theory/noisy.md), on the limit system of ode/lsq_limit.h:
 *   noisy_theory.c   closed forms NS-6 (stationary risk) and NS-7 (isotropic risk), the
 *                    mean/variance split of the risk through the c-form (NS-4'), solved
 *                    with CVODE at the nodes the privacy quadrature needs;
 *   noisy_privacy.c  the Renyi privacy loss of one pair of neighbouring records: the
 *                    exact O(d) Gaussian divergence (NS-10), the d -> infinity spectral
 *                    formula (NS-11), the position average (NS-9), the (eps, delta)
 *                    conversion, +inf when Sigma_alpha is not positive definite; the
 *                    worst-pair search; the known-sensitivity accountants (§2.7).
 * The noisy_sgd package (src/problems/noisy) writes them to the output file. */
#ifndef HDSIM_ODE_NOISY_PRIVACY_H
#define HDSIM_ODE_NOISY_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "ode/lsq_limit.h"

/* Renyi orders per privacy curve: as many as the model file's [privacy] orders holds. */
#define NOISY_MAX_ORDERS HD_LIST_MAX

/* ---- noisy_theory.c ---- */

/* (NS-6): stationary risk for constant gamma (inf when gamma <lambda^2/(lambda+delta)> >= 2);
 * NaN unless the schedule is constant and there is no clipping. */
double noisy_stationary_risk(const struct lsq_limit *P);
/* ridge-optimal reference R_ridge = 1/2 (<lambda delta^2 p^2/(lambda+delta)^2> + sigma_eps^2) */
double noisy_ridge_reference(const struct lsq_limit *P);
/* (NS-7): isotropic closed form R(t) for constant gamma; NaN if not isotropic/constant. */
double noisy_isotropic_risk(const struct lsq_limit *P, double t);

/* Per-mode mean at time t: mu_i = phi_g mu_i(0) + psi_g p_i with phi_g = e^{-(lam+delta)Gamma},
 * psi_g = -delta/(lam+delta) (1 - phi_g) (the solution of NS-3). */
void noisy_mean_factors(const struct lsq_limit *P, double Gamma, double lam, double *phi,
                        double *psi);
/* mu_i(0) of mode i */
double noisy_mu0(const struct lsq_limit *P, size_t i);

/* The variance part c_g(t) of (NS-4') at the given increasing times (t[0] >= 0), with the
 * risk and its bias part R_b = 1/2(<lambda mu^2> + sigma_eps^2).  c: [n_t][n_groups].
 * Returns 0, or -1 with a message (CVODE failure). */
int noisy_variance_path(const struct lsq_limit *P, const struct hd_run_params *run, const double *t,
                        size_t n_t, double *c, double *risk, double *bias, char *msg,
                        size_t msglen);

/* ---- noisy_privacy.c ---- */

/* Gaussian Renyi divergence of two laws N(m1, D + W C1 W^T), N(m2, D + W C2 W^T) sharing a
 * diagonal D > 0, with W d x 4 given through G = W^T D^-1 W, h = W^T D^-1 Delta,
 * q = Delta^T D^-1 Delta (Delta = m1 - m2) and 4x4 C1, C2: exact (Woodbury and the
 * determinant lemma; the log det D terms cancel).  alpha = 1 gives KL.  Returns +inf when
 * Sigma_alpha is not positive definite. */
double noisy_gauss_renyi_lowrank(double alpha, const double G[16], const double h[4], double q,
                                 const double C1[16], const double C2[16]);

/* Gaussian Renyi divergence for dense d x d covariances (the reference; O(d^3)). */
double noisy_gauss_renyi_dense(double alpha, size_t d, const double *m1, const double *S1,
                               const double *m2, const double *S2);

struct noisy_pair { /* records in the eigenbasis, x = sqrt(lambda) .* z */
  const double *x1, *x2;
  double eps1, eps2; /* label noises: y_j = <x_j, theta*> + eps_j */
};

struct noisy_privacy_result {
  size_t n_orders, n_times, n_nodes;
  double orders[NOISY_MAX_ORDERS];
  double *t;            /* [n_times] evaluation times (in (0, T]) */
  double *eps_exact;    /* [order][time] (NS-9 with NS-10), NaN if not computed */
  double *eps_spectral; /* [order][time] (NS-9 with NS-11), NaN if not computed */
  double *eps_dp;       /* [time] (eps, delta)-DP from the exact curve (else spectral) */
  double *s;            /* [n_nodes] s-nodes of the last time (for the profiles) */
  double *r1, *r2;      /* [n_nodes] residual profiles r_j(s) of the pair on [0, T] */
  double T;             /* n / d */
  double alpha_max;     /* isotropic: 1/(gamma lam (2 - gamma lam)); NaN otherwise */
  long record_1, record_2;
  char reason[512]; /* why some eps is +inf ("" if none) */
};

/* What the privacy computation needs beyond the limit: the dataset of n records, which
 * the problem package produces on demand exactly as its simulation draws them (record i:
 * x = sqrt(lambda) .* z in the eigenbasis and its label noise), the quadrature and the
 * (eps, delta) conversion. */
struct noisy_privacy_opts {
  size_t records; /* n; T = n / d */
  size_t nodes;   /* Simpson intervals in s (even), NS-9 */
  double delta;   /* delta of the (eps, delta)-DP conversion */
  void (*record)(const void *ctx, uint64_t i, double *x, double *eps);
  const void *record_ctx;
  uint64_t seed; /* random pairs: stream pair_stream of (seed, UINT64_MAX) */
  unsigned pair_stream;
};

/* eps_alpha(t) of the pair at times t (those > T are dropped).  formula: 0 exact, 1
 * spectral, 2 both. */
int noisy_privacy_curve(const struct lsq_limit *P, const struct noisy_privacy_opts *o,
                        const struct hd_run_params *run, const struct noisy_pair *pair,
                        const double *orders, size_t n_orders, const double *t, size_t n_t,
                        int formula, struct noisy_privacy_result *res, char *msg, size_t msglen);
void noisy_privacy_result_free(struct noisy_privacy_result *res);

/* D_alpha(s, t) of one pair at one (s, t) by NS-10 (exact = 1) or NS-11 (exact = 0), given
 * c at s and at t per group. */
double noisy_divergence(const struct lsq_limit *P, const struct noisy_pair *pair, double alpha,
                        double s, double t, const double *c_s, const double *c_t, int exact);

/* Worst-pair search at time t0 (spectral formula, order alpha): records by residual
 * profile (one GEMM), top `top` per slot, every candidate pair ranked by eps.  Writes the
 * best pair and its eps, and (if random_eps) the eps of n_random random pairs (drawn from
 * the dataset's HD_STREAM_ORDER stream, run UINT64_MAX); returns 0 or -1. */
int noisy_worst_pair(const struct lsq_limit *P, const struct noisy_privacy_opts *o,
                     const struct hd_run_params *run, double alpha, double t0, size_t top,
                     long *best_1, long *best_2, double *best_eps, size_t n_random,
                     double *random_eps, char *msg, size_t msglen);

/* (eps, delta)-DP from RDP curves: min over orders > 1 of eps_a + log(1/delta)/(a - 1). */
double noisy_rdp_to_dp(const double *orders, const double *eps, size_t n, double delta);

/* Known-sensitivity accountants for clip C = c sqrt(tr K) (docs/theory/noisy.md §2.7), at step k of a
 * one-pass run of n steps, order alpha: composition over all released iterates, and the
 * Ye-Shokri shuffled hidden-state bound converted to this algorithm. */
double noisy_accountant_composition(const struct lsq_limit *P, double c, double alpha, double k);
double noisy_accountant_ye_shokri(const struct lsq_limit *P, double c, double alpha, double k,
                                  double n);

#endif
