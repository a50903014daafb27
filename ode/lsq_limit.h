/* lsq_limit.h — the deterministic limits of streaming least squares and of noisy SGD
 * on ridge least squares (docs/theory/lsq.md, docs/theory/noisy.md): the d -> infinity
 * ODE (LS-2/LS-3, with injected noise NS-4 and clipping NS-12; lsq.c), the exact
 * finite-d moment recursion (NS-2; lsq_recursion.c) and the renewal (Volterra) form of
 * the same limit (lsq_volterra.c).
 *
 * Theory state, grouped by equal eigenvalues.  The limit is linear in (mu_i, nu_i) with
 * coefficients that depend on lambda_i only, and every observable reads nu through sums
 * over modes, so modes with the same lambda collapse exactly into
 *     a_g = mean_{i in g} nu_i,   b_g = mean_{i in g} p_i mu_i,   c_g = mean_{i in g} p_i^2
 * (isotropic: 1 group, zero-one: 2, power law: d).  State y = (b_0, a_0, b_1, a_1, ...),
 * so the Jacobian is block-diagonal (2x2) plus rank one.
 *
 * struct lsq_limit is the plain system these files read (GSL style): the problem package
 * (src/problems/lsq) fills it from its parameters and plan; nothing here knows the
 * model file or the simulation. */
#ifndef HDSIM_ODE_LSQ_LIMIT_H
#define HDSIM_ODE_LSQ_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "grid.h"
#include "integrate.h"
#include "run_params.h"
#include "schedule.h"

/* theta_0 = 0, theta_0 ~ N(0, init_scale^2 / d I) per run, or one fixed theta_0. */
enum lsq_init { LSQ_INIT_ZERO, LSQ_INIT_RANDOM, LSQ_INIT_FIXED };

#define LSQ_MAX_BREAKPOINTS 256

struct lsq_limit {
  /* the algorithm (LS-1, NS-1) */
  const struct hd_schedule *schedule; /* gamma(t) */
  double ridge;                       /* delta */
  double label_noise;                 /* sigma_eps */
  double noise;                       /* injected noise sigma_n (0: plain SGD) */
  double clip;                        /* c of NS-12 (0: no clipping) */
  size_t batch;                       /* B >= 1 */
  size_t d;                           /* the recursion's (finite) dimension */
  double m4;                          /* E z^4 of the feature law */
  int init;                           /* enum lsq_init */
  double init_scale;                  /* sigma_0 of init = random */
  /* per mode (d values): the spectrum, the target p_i / sqrt(d), a fixed theta_0 */
  const double *lambda;
  const double *theta_star;
  const double *theta_0;    /* init = fixed, else NULL */
  const size_t *mode_group; /* eigen-group of each mode */
  double trace;             /* tr K = sum lambda_i */
  /* eigen-groups */
  size_t n_groups;
  double *g_lambda, *g_weight; /* lambda_g and n_g / d */
  double *g_wl;                /* g_weight * g_lambda: dR/da_g = g_wl / 2 */
  double *g_c;                 /* c_g = mean p_i^2 over the group */
  double *g_m00, *g_m0p;       /* init = fixed: group means of mu_i(0)^2, p_i mu_i(0) */
  size_t *g_band;              /* band of each group */
  /* observables: risk, distance, then one per band when there are >= 2 bands */
  size_t n_bands, n_obs;
  /* discontinuities of gamma in (0, horizon) */
  double breakpoints[LSQ_MAX_BREAKPOINTS];
  size_t n_breakpoints;
  struct hd_affine_rhs affine; /* the compact ODE's right-hand side (lsq_ode fills it) */
};

/* clipping factors of (NS-12): mu_c = erf(z), S_c = E min(r^2, c^2), r ~ N(0, 2R),
 * z = c / (2 sqrt R), and their R-derivatives (dS_c/dR = 2 erf z). */
void lsq_clip_factors(double c, double R, double *mu_c, double *S_c, double *dmu_c, double *dS_c);

/* lsq.c: the ODE (LS-2/LS-3, NS-4, NS-12) */
size_t lsq_ode_dimension(const struct lsq_limit *L);
int lsq_ode(struct lsq_limit *L, struct hd_ode_system *sys, double *y0);
void lsq_observe_groups(const struct lsq_limit *L, double t, const double *y, double *out);
/* The observables from a state of stride 2 (b_g, a_g) or 1 (a_g only). */
void lsq_observe_state(const struct lsq_limit *L, const double *y, size_t stride, double *out);

/* lsq_stationary.c: the observables at t = infinity (the fixed point of LS-3 with NS-4).
 * Fills out[0..n_obs-1] and a note naming the formula; returns 1 (HD_STATIONARY_CLOSED),
 * 2 (HD_STATIONARY_FIXED_POINT: clipping, autonomous but not in closed form) or 0 with the
 * reason in note when there is none (a schedule).  A divergent limit gives +inf. */
int lsq_stationary(const struct lsq_limit *L, double *out, char *note, size_t len);

/* lsq_recursion.c: the exact finite-d recursion (NS-2) */
size_t lsq_recursion_dimension(const struct lsq_limit *L);
void lsq_recursion_init(const struct lsq_limit *L, double *state);
void lsq_recursion_step(const struct lsq_limit *L, uint64_t k, double *state);
void lsq_recursion_observe(const struct lsq_limit *L, const double *state, double *out);

/* lsq_volterra.c: the renewal form ([theory] method = volterra; see lsq_volterra.h) */
int lsq_volterra(const struct lsq_limit *L, const struct hd_run_params *run,
                 const struct hd_output_grid *g, double *values, char *msg, size_t msglen);

#endif
