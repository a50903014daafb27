/* lsq.h — streaming least squares (shared/specs/streaming_least_squares.md): the plan
 * shared by its ODE limit (lsq.c), its exact finite-d recursion (lsq_recursion.c), its
 * simulation (src/sim/lsq_sgd.c) and its registry entry (lsq_problem.c).
 *
 * Theory state, grouped by equal eigenvalues.  The limit (LS-2/LS-3) is linear in
 * (mu_i, nu_i) with coefficients that depend on lambda_i only, and every observable
 * reads nu through sums over modes, so modes with the same lambda collapse exactly into
 *     a_g = mean_{i in g} nu_i,   b_g = mean_{i in g} p_i mu_i,   c_g = mean_{i in g} p_i^2
 * (isotropic: 1 group, zero-one: 2, power law: d).  State y = (b_0, a_0, b_1, a_1, ...),
 * so the Jacobian is block-diagonal (2x2) plus rank one. */
#ifndef HDSIM_ODE_LSQ_H
#define HDSIM_ODE_LSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "problem.h"
#include "schedule.h"
#include "spectrum.h"
#include "sim/lsq_kernel.h"
#include "sim/lsq_stationary.h"
#include "sim/noisy_kernel.h"

enum lsq_target { LSQ_TARGET_RANDOM, LSQ_TARGET_ALIGNED, LSQ_TARGET_SOURCE, LSQ_TARGET_ZERO };
enum lsq_init { LSQ_INIT_ZERO, LSQ_INIT_RANDOM, LSQ_INIT_FIXED };
/* Noisy SGD (noisy_sgd_privacy.md, NS-1 and §1.3): only the noisy_sgd problem sets these;
 * streaming_lsq leaves them zero (sigma = 0, batch 1, no clipping, streaming data). */
enum lsq_clip_target { LSQ_CLIP_DATA, LSQ_CLIP_FULL };
enum lsq_dataset { LSQ_DATA_STREAMING, LSQ_DATA_FIXED };
enum lsq_order { LSQ_ORDER_FIXED, LSQ_ORDER_SHUFFLED };
/* Feature laws beyond the kernel's Gaussian / Rademacher (noisy kernel only). */
enum { LSQ_FEATURES_UNIFORM = 2, LSQ_FEATURES_UNIFORM01 = 3 };
struct noisy_privacy;

struct lsq_params {
  /* [data] */
  long d;
  struct hd_spectrum_params spectrum; /* spectrum, alpha, zero_fraction, spectrum_file, normalise */
  int target;                 /* enum lsq_target */
  double source_beta;
  double label_noise;         /* sigma: standard deviation of the label noise */
  int distribution;           /* enum hd_feature_law */
  long bands;
  long signal_dims;           /* spectrum = stationary: 1 (signal) or 2 (sqrt d x sqrt d image) */
  double spectral_exponent;   /* a of S(f) = (1 + |f|^2/f0^2)^(-a/2) */
  double corner_frequency;    /* f0, cycles per sample */
  /* [optimizer] */
  struct hd_schedule schedule; /* lr, schedule, lr_every, lr_factor, lr_t0, lr_power */
  double ridge;
  int init;                   /* enum lsq_init */
  double init_scale;          /* sigma_0 */
  /* noisy SGD (NS-1; zero in streaming_lsq) */
  double noise;               /* sigma: std of the Gaussian noise added to the gradient */
  long batch;                 /* B (0 read as 1) */
  double clip;                /* c: clip at C = c sqrt(tr K); 0 = no clipping */
  int clip_target;            /* enum lsq_clip_target */
  int dataset;                /* enum lsq_dataset */
  long records;               /* n of a fixed dataset; 0 = ceil(horizon d / 1) (one pass) */
  int order;                  /* enum lsq_order */
  /* [privacy] (noisy_sgd only) */
  bool privacy;
  struct hd_real_list orders; /* Renyi orders alpha >= 1; 1 = KL */
  long record_1, record_2;    /* the pair (replace record_1 by record_2); -1: search */
  int privacy_formula;        /* enum: exact (NS-10), spectral (NS-11), both */
  double dp_delta;
  long privacy_nodes;         /* quadrature intervals in s (even) */
  long search_top;            /* candidates per slot in the worst-pair search */
  bool accountant;            /* clipped-variant accountants next to the exact curve */
  double accountant_clip;     /* c of the accountant (C = c sqrt(tr K)) */
  double budget;              /* eps_0 of the optimal stopping time (0: none) */
  long random_pairs;          /* eps over this many random pairs (its distribution) */
};

struct lsq_plan {
  struct lsq_params p;
  size_t d;
  uint64_t seed;
  double *lambda;      /* d eigenvalues */
  double *sqrt_lambda; /* d values, or NULL when isotropic */
  double *theta_star;  /* d values: theta*_i = p_i / sqrt(d) (eigen-coordinates) */
  /* spectrum = stationary: the simulation runs in the pixel basis (FFTW); theta_pix is
   * theta* there (the inverse orthonormal real DFT of theta_star), lambda and theta_star
   * stay in eigen-coordinates for the theory (LS-2..LS-4 unchanged). */
  struct hd_stationary *stationary;
  double *theta_pix;
  struct hd_lsq_kernel kernel;
  double m4;           /* E z^4 of the feature law: 3 Gaussian, 1 Rademacher */
  /* eigen-groups */
  size_t n_groups;
  double *g_lambda, *g_weight; /* lambda_g and n_g / d */
  double *g_wl;                /* g_weight * g_lambda: dR/da_g = g_wl / 2 */
  struct hd_affine_rhs affine; /* the compact ODE's right-hand side, in the driver's form */
  double *g_c;                 /* c_g = mean p_i^2 over the group */
  size_t *g_band;              /* band of each group */
  size_t *mode_band;           /* band of each mode (simulation) */
  size_t *mode_group;          /* eigen-group of each mode */
  /* observables: risk, distance, then one per band (when there are >= 2 bands) */
  size_t n_bands;
  struct hd_observable *obs;
  size_t n_obs;
  double breakpoints[256];
  size_t n_breakpoints;
  char note[256];
  /* noisy SGD */
  size_t batch;          /* B >= 1 */
  double trace;          /* tr K = sum lambda_i */
  double clip_norm;      /* C = c sqrt(tr K), 0 = none */
  int noisy_kernel;      /* 1: simulate with src/sim/noisy_kernel.c */
  size_t records;        /* n: records of the fixed dataset (or of one streaming pass) */
  double *theta_0;       /* init = fixed: theta_0, drawn once per seed (else NULL) */
  double *g_m00, *g_m0p; /* init = fixed: group means of mu_i(0)^2 and p_i mu_i(0) */
  struct hd_noisy_kernel_cfg *noisy;
  struct noisy_privacy *privacy;
};

/* ode/lsq_problem.c: shared by streaming_lsq and noisy_sgd */
void lsq_validate(const void *params, const struct hd_run_params *run,
                  const struct hd_config *cfg, struct hd_errors *err);
void *lsq_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err);
void lsq_plan_destroy(void *plan);
size_t lsq_observables(const void *plan, const struct hd_observable **obs);
double lsq_steps_per_time(const void *plan);
const char *lsq_theory_note(const void *plan);
/* clipping factors of (NS-12): mu_c = erf(z), S_c = E min(r^2, c^2), r ~ N(0, 2R),
 * z = c / (2 sqrt R), and their R-derivatives (dS_c/dR = 2 erf z). */
void lsq_clip_factors(double c, double R, double *mu_c, double *S_c, double *dmu_c,
                      double *dS_c);
/* The ops streaming_lsq and noisy_sgd share (one implementation for both registry
 * entries): observables, time scale, ODE, recursion, note, simulation. */
#define LSQ_SHARED_OPS                                                                    \
  .observables = lsq_observables, .steps_per_time = lsq_steps_per_time,                   \
  .ode_dimension = lsq_ode_dimension, .ode = lsq_ode, .ode_observe = lsq_observe_groups,  \
  .recursion_dimension = lsq_recursion_dimension, .recursion_init = lsq_recursion_init,   \
  .recursion_step = lsq_recursion_step, .recursion_observe = lsq_recursion_observe,       \
  .theory_note = lsq_theory_note, .sim_state_size = lsq_sim_state_size,                   \
  .sim_start = lsq_sim_start, .sim_advance = lsq_sim_advance, .sim_observe = lsq_sim_observe, \
  .volterra = lsq_volterra

/* ode/lsq.c */
size_t lsq_ode_dimension(const void *plan);
int lsq_ode(void *plan, struct hd_ode_system *sys, double *y0);
void lsq_observe_groups(const void *plan, double t, const double *y, double *out);
/* The observables from a state of stride 2 (b_g, a_g) or 1 (a_g only). */
void lsq_observe_state(const void *plan, const double *y, size_t stride, double *out);
/* ode/lsq_recursion.c */
size_t lsq_recursion_dimension(const void *plan);
void lsq_recursion_init(const void *plan, double *state);
void lsq_recursion_step(const void *plan, uint64_t k, double *state);
void lsq_recursion_observe(const void *plan, const double *state, double *out);
/* ode/lsq_volterra.c (the renewal form, [theory] method = volterra; see lsq_volterra.h) */
int lsq_volterra(void *plan, const struct hd_run_params *run, const struct hd_output_grid *g,
                 double *values, char *msg, size_t msglen);
/* src/sim/lsq_sgd.c */
size_t lsq_sim_state_size(const void *plan);
void lsq_sim_start(const void *plan, uint64_t run, void *state);
int lsq_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step);
void lsq_sim_observe(const void *plan, const void *state, double *out);

#endif
