/* lsq_plan.h — the streaming least-squares package's private header (src/problems/lsq),
 * shared with the noisy_sgd package (noisy_sgd IS streaming least squares with more
 * knobs): the parameter struct the table fills, the plan, and the ops both registry
 * entries share.
 *
 * The plan is built once per run of hdsim (plan_create) and fills two plain systems:
 *   limit  struct lsq_limit (ode/lsq_limit.h): what the ODE, the recursion and the
 *          Volterra form read;
 *   sgd    struct hd_lsq_sgd (src/sim/lsq_sgd.h): what a simulated run reads.
 * Theory and simulation never see the plan or the model file. */
#ifndef HDSIM_PROBLEMS_LSQ_PLAN_H
#define HDSIM_PROBLEMS_LSQ_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ode/lsq_limit.h"
#include "params.h"
#include "problem.h"
#include "schedule.h"
#include "sim/lsq_sgd.h"
#include "spectrum.h"

enum lsq_target {
  LSQ_TARGET_RANDOM,
  LSQ_TARGET_ALIGNED,
  LSQ_TARGET_SOURCE,
  LSQ_TARGET_ZERO,
  LSQ_TARGET_FILE /* theta* read from [data] target_file */
};
/* [optimizer] init beyond the theory's enum lsq_init (ode/lsq_limit.h): theta_0 read from
 * [optimizer] init_file, for the theory a fixed theta_0 like LSQ_INIT_FIXED. */
enum { LSQ_INIT_FILE = LSQ_INIT_FIXED + 1 };
/* Noisy SGD (docs/theory/noisy.md, NS-1): only the noisy_sgd problem sets these;
 * streaming_lsq leaves them zero (sigma = 0, batch 1, no clipping, streaming data). */
enum lsq_clip_target { LSQ_CLIP_DATA, LSQ_CLIP_FULL };
enum lsq_privacy_scaling { LSQ_PRIVACY_CONSISTENT, LSQ_PRIVACY_RELEASED };
enum lsq_dataset { LSQ_DATA_STREAMING, LSQ_DATA_FIXED };
enum lsq_order { LSQ_ORDER_FIXED, LSQ_ORDER_SHUFFLED };
/* Feature laws beyond the kernel's Gaussian / Rademacher (noisy kernel only). */
enum { LSQ_FEATURES_UNIFORM = 2, LSQ_FEATURES_UNIFORM01 = 3 };

struct lsq_params {
  /* [data] */
  long d;
  struct hd_spectrum_params spectrum; /* spectrum, alpha, zero_fraction, spectrum_file, normalise */
  int target;                         /* enum lsq_target */
  double source_beta;
  double label_noise;            /* sigma: standard deviation of the label noise */
  double label_noise_clip;       /* k: eps clipped to [-k sigma, k sigma]; 0 = none (noisy_sgd) */
  char target_file[HD_STR_MAX];  /* target = file: theta* (array) */
  char eigenvectors[HD_STR_MAX]; /* "" or a d x d orthonormal matrix U, K = U diag(lambda) U^T */
  int distribution;              /* enum hd_feature_law */
  long bands;
  long signal_dims;         /* spectrum = stationary: 1 (signal) or 2 (sqrt d x sqrt d image) */
  double spectral_exponent; /* a of S(f) = (1 + |f|^2/f0^2)^(-a/2) */
  double corner_frequency;  /* f0, cycles per sample */
  /* [optimizer] */
  struct hd_schedule schedule; /* lr, schedule, lr_every, lr_factor, lr_t0, lr_power */
  double ridge;
  int init;                   /* enum lsq_init */
  double init_scale;          /* sigma_0 */
  char init_file[HD_STR_MAX]; /* init = file: theta_0 (array) */
  /* noisy SGD (NS-1; zero in streaming_lsq) */
  double noise;    /* sigma: std of the Gaussian noise added to the gradient */
  long batch;      /* B (0 read as 1) */
  double clip;     /* c: clip at C = c sqrt(tr K); 0 = no clipping */
  int clip_target; /* enum lsq_clip_target */
  int dataset;     /* enum lsq_dataset */
  long records;    /* n of a fixed dataset; 0 = ceil(horizon d / 1) (one pass) */
  int order;       /* enum lsq_order */
  /* [privacy] (noisy_sgd only) */
  bool privacy;
  struct hd_real_list orders; /* Renyi orders alpha >= 1; 1 = KL */
  long record_1, record_2;    /* the pair (replace record_1 by record_2); -1: search */
  int privacy_formula;        /* enum: exact (NS-10), spectral (NS-11), both */
  int privacy_scaling;        /* enum: consistent, released (step gamma/d, NS-13) */
  double dp_delta;
  long privacy_nodes;     /* quadrature intervals in s (even) */
  long search_top;        /* candidates per slot in the worst-pair search */
  bool accountant;        /* clipped-variant accountants next to the exact curve */
  double accountant_clip; /* c of the accountant (C = c sqrt(tr K)) */
  double budget;          /* eps_0 of the optimal stopping time (0: none) */
  long random_pairs;      /* eps over this many random pairs (its distribution) */
  /* a user's data set (noisy_sgd only): rows a_k and labels b_k, visited in one pass */
  char data_file[HD_STR_MAX];   /* "" or an n x d matrix A */
  char labels_file[HD_STR_MAX]; /* n labels b */
  int data_theory;              /* enum lsq_data_theory */
};

/* What the theory of a user's data set takes as the model (docs/theory/noisy.md, NS-15):
 * the data's empirical measure (K = A^T A / n, theta* its least-squares fit, the label
 * noise its residual), or the model the [data] keys describe. */
enum lsq_data_theory { LSQ_DATA_EMPIRICAL, LSQ_DATA_MODEL };

/* The model-file rows streaming_lsq and noisy_sgd share (one source of truth for every
 * key they have in common), next to the fields they fill.  LSQ_PARAM_ROWS(LAWS, INITS)
 * expands to the rows; the feature laws and initialisations are the arguments because
 * noisy_sgd accepts more of them (uniform features, a fixed theta_0). */
#define LSQ_F(field) offsetof(struct lsq_params, field)

extern const char *const lsq_targets[];
#define lsq_spectra hd_spectrum_names /* every kind, stationary included */

#define LSQ_PARAM_ROWS(LAWS, LSQ_INITS)                                                            \
  {"data",                                                                                         \
   "d",                                                                                            \
   HD_INT,                                                                                         \
   LSQ_F(d),                                                                                       \
   NULL,                                                                                           \
   1,                                                                                              \
   1e8,                                                                                            \
   HD_FINITE_SIZE,                                                                                 \
   NULL,                                                                                           \
   "",                                                                                             \
   "dimension of the data and of theta",                                                           \
   "LS-1"},                                                                                        \
      HD_SPECTRUM_ROWS(                                                                            \
          struct lsq_params, spectrum, lsq_spectra,                                                \
          "covariance eigenvalues: isotropic (all 1), zero_one (a fraction zero, the rest "        \
          "equal), "                                                                               \
          "power_law (c (i/d)^alpha, bounded), power_law_decay (c i^-alpha: only with "            \
          "[theory] method = recursion), file, stationary (power spectrum of a stationary 1-D "    \
          "signal or 2-D image, simulated in the pixel basis with FFTW)"),                         \
      {"data",                                                                                     \
       "signal_dims",                                                                              \
       HD_INT,                                                                                     \
       LSQ_F(signal_dims),                                                                         \
       "1",                                                                                        \
       1,                                                                                          \
       2,                                                                                          \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "spectrum = stationary: 1 (a signal of d samples) or 2 (a sqrt(d) x sqrt(d) image, d a "    \
       "perfect square); covariance circulant, eigenvalues its DFT",                               \
       "LS-1"},                                                                                    \
      {"data",                                                                                     \
       "spectral_exponent",                                                                        \
       HD_REAL,                                                                                    \
       LSQ_F(spectral_exponent),                                                                   \
       "2",                                                                                        \
       0,                                                                                          \
       20,                                                                                         \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "spectrum = stationary: a in S(f) = (1 + |f|^2 / f0^2)^(-a/2), f = k / n the wrapped "      \
       "frequency in cycles per sample, normalised to mean eigenvalue 1 (a = 2, 2-D: natural "     \
       "images)",                                                                                  \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "corner_frequency",                                                                         \
       HD_REAL,                                                                                    \
       LSQ_F(corner_frequency),                                                                    \
       "0.05",                                                                                     \
       0,                                                                                          \
       0.5,                                                                                        \
       HD_MIN_EXCL,                                                                                \
       NULL,                                                                                       \
       "",                                                                                         \
       "spectrum = stationary: f0 in cycles per sample (flat below, power law "                    \
       "|f|^-a above; lambda_max stays O(1) as d grows)",                                          \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "target",                                                                                   \
       HD_ENUM,                                                                                    \
       LSQ_F(target),                                                                              \
       "random",                                                                                   \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       lsq_targets,                                                                                \
       "",                                                                                         \
       "theta* = p / sqrt(d): random (p_i ~ N(0,1), fixed by the seed), aligned (p_i = 1), "       \
       "source (p_i^2 ~ lambda_i^beta, mean 1), zero, or file (theta* itself from target_file)",   \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "target_file",                                                                              \
       HD_ARRAY,                                                                                   \
       LSQ_F(target_file),                                                                         \
       "",                                                                                         \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "target = file: theta* (d values, not scaled), in the eigenbasis of the spectrum or, "      \
       "with eigenvectors, in the data's own coordinates",                                         \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "eigenvectors",                                                                             \
       HD_ARRAY,                                                                                   \
       LSQ_F(eigenvectors),                                                                        \
       "",                                                                                         \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "d x d orthonormal U, column i the eigenvector of eigenvalue i (K = U diag(lambda) U^T): "  \
       "target_file and init_file are then in the data's coordinates (Gaussian features only)",    \
       "LS-5"},                                                                                    \
      {"data",                                                                                     \
       "source_beta",                                                                              \
       HD_REAL,                                                                                    \
       LSQ_F(source_beta),                                                                         \
       "0",                                                                                        \
       -10,                                                                                        \
       10,                                                                                         \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "exponent beta of the source condition (target = source)",                                  \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "label_noise",                                                                              \
       HD_REAL,                                                                                    \
       LSQ_F(label_noise),                                                                         \
       "0",                                                                                        \
       0,                                                                                          \
       1e6,                                                                                        \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "standard deviation sigma of the label noise eps",                                          \
       "LS-1"},                                                                                    \
      {"data",                                                                                     \
       "distribution",                                                                             \
       HD_ENUM,                                                                                    \
       LSQ_F(distribution),                                                                        \
       "gaussian",                                                                                 \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       LAWS,                                                                                       \
       "",                                                                                         \
       "law of the whitened features z (unit variance); the ODE limit is the same for both",       \
       NULL},                                                                                      \
      {"data",                                                                                     \
       "bands",                                                                                    \
       HD_INT,                                                                                     \
       LSQ_F(bands),                                                                               \
       "4",                                                                                        \
       1,                                                                                          \
       16,                                                                                         \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "spectral bands (decades of lambda below lambda_max, the last one open) for the "           \
       "band-resolved error",                                                                      \
       NULL},                                                                                      \
      HD_SCHEDULE_ROWS(struct lsq_params, schedule, "LS-1"),                                       \
      {"optimizer", "ridge", HD_REAL, LSQ_F(ridge),          "0",   0, 1e6,                        \
       0,           NULL,    "",      "ridge penalty delta", "LS-1"},                              \
      {"optimizer",                                                                                \
       "init",                                                                                     \
       HD_ENUM,                                                                                    \
       LSQ_F(init),                                                                                \
       "zero",                                                                                     \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       LSQ_INITS,                                                                                  \
       "",                                                                                         \
       "theta_0 = 0; random: theta_0 ~ N(0, init_scale^2 / d I), independent per run; fixed: "     \
       "one such draw per seed, shared by the runs; file: theta_0 from init_file",                 \
       NULL},                                                                                      \
      {"optimizer",                                                                                \
       "init_file",                                                                                \
       HD_ARRAY,                                                                                   \
       LSQ_F(init_file),                                                                           \
       "",                                                                                         \
       0,                                                                                          \
       0,                                                                                          \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "init = file: theta_0 (d values), every run starts there (coordinates as target_file)",     \
       NULL},                                                                                      \
      {"optimizer",                                                                                \
       "init_scale",                                                                               \
       HD_REAL,                                                                                    \
       LSQ_F(init_scale),                                                                          \
       "1",                                                                                        \
       0,                                                                                          \
       1e6,                                                                                        \
       0,                                                                                          \
       NULL,                                                                                       \
       "",                                                                                         \
       "sigma_0 of the random initialisation",                                                     \
       NULL},

struct lsq_plan {
  struct lsq_params p;
  size_t d;
  uint64_t seed;
  int method, linear_solver; /* [theory] keys, for plan_bytes */
  struct lsq_limit limit; /* the theory's system (its group arrays are owned here) */
  struct hd_lsq_sgd sgd;  /* the simulation's system */
  double *lambda;         /* d eigenvalues */
  double *sqrt_lambda;    /* d values, or NULL when isotropic */
  double *theta_star;     /* d values: theta*_i = p_i / sqrt(d) (eigen-coordinates) */
  /* spectrum = stationary: the simulation runs in the pixel basis (FFTW); theta_pix is
   * theta* there (the inverse orthonormal real DFT of theta_star), lambda and theta_star
   * stay in eigen-coordinates for the theory (LS-2..LS-4 unchanged). */
  struct hd_stationary *stationary;
  double *theta_pix;
  struct hd_lsq_kernel kernel;
  size_t *mode_band;         /* band of each mode (simulation) */
  size_t *mode_group;        /* eigen-group of each mode */
  struct hd_observable *obs; /* risk, distance, then one per band (>= 2 bands) */
  char note[256];
  /* noisy SGD */
  size_t batch;     /* B >= 1 */
  double trace;     /* tr K = sum lambda_i */
  double clip_norm; /* C = c sqrt(tr K), 0 = none */
  size_t records;   /* n: records of the fixed dataset (or of one streaming pass) */
  double *theta_0;  /* init = fixed: theta_0, drawn once per seed (else NULL) */
  struct hd_noisy_kernel_cfg *noisy; /* the noisy kernel's configuration, or NULL */
  /* a user's data set (lsq_data.c): rows in eigen-coordinates and their label noise */
  size_t data_n;    /* rows n, or 0: no data file */
  double *data_x;   /* n x d: x_k = U^T a_k */
  double *data_eps; /* n: b_k - <x_k, theta*> */
  double *basis;    /* d x d: U (eigenvectors, or the empirical K's), or NULL: identity */
  double data_sd;   /* root mean square of data_eps (the empirical label noise) */
};

/* lsq_problem.c: shared by streaming_lsq and noisy_sgd */
void lsq_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                  struct hd_errors *err);
/* The standard deviation of the label noise the theory sees: sigma, or that of sigma
 * clip(z, -k, k) under label_noise_clip = k (NS-14). */
double lsq_label_noise_sd(const struct lsq_params *p);
/* lsq_data.c: a user's data set.  lsq_data_read reads A and b (checked against d);
 * lsq_data_empirical fills lambda, sqrt_lambda, trace, basis (the eigenvectors of
 * A^T A / n), theta_star (the least-squares fit) and the empirical label noise;
 * lsq_data_rows rotates the rows into the basis and forms their label noise.  0, or -1
 * with an error in err. */
int lsq_data_read(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err);
int lsq_data_empirical(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err);
void lsq_data_rows(struct lsq_plan *P);
/* lsq_plan.c */
void *lsq_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err);
void lsq_plan_destroy(void *plan);
void lsq_plan_print(const void *plan, FILE *out);
size_t lsq_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes);

/* lsq_ops.c: the ops streaming_lsq and noisy_sgd share (plan_print is each entry's own) (one implementation for both
 * registry entries): observables, time scale, note, and the theory and simulation
 * entry points, each handing the plan's limit or sgd system to ode/ or src/sim/. */
size_t lsq_observables(const void *plan, const struct hd_observable **obs);
double lsq_steps_per_time(const void *plan);
const char *lsq_theory_note(const void *plan);
size_t lsq_op_ode_dimension(const void *plan);
int lsq_op_ode(void *plan, struct hd_ode_system *sys, double *y0);
void lsq_op_ode_observe(const void *plan, double t, const double *y, double *out);
size_t lsq_op_recursion_dimension(const void *plan);
void lsq_op_recursion_init(const void *plan, double *state);
void lsq_op_recursion_step(const void *plan, uint64_t k, double *state);
void lsq_op_recursion_observe(const void *plan, const double *state, double *out);
int lsq_op_volterra(void *plan, const struct hd_run_params *run, const struct hd_output_grid *g,
                    double *values, char *msg, size_t msglen);
size_t lsq_op_sim_state_size(const void *plan);
void lsq_op_sim_start(const void *plan, uint64_t run, void *state);
int lsq_op_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                       uint64_t *bad_step);
void lsq_op_sim_observe(const void *plan, const void *state, double *out);
int lsq_op_stationary(const void *plan, double *out, char *note, size_t len);

void lsq_memory_need(const void *params, const struct hd_run_params *run,
                     const struct hd_config *cfg, struct hd_memory_need *need);

#define LSQ_SHARED_OPS                                                                             \
  .observables = lsq_observables, .steps_per_time = lsq_steps_per_time,                            \
  .plan_bytes = lsq_plan_bytes, .ode_dimension = lsq_op_ode_dimension, .ode = lsq_op_ode,          \
  .ode_observe = lsq_op_ode_observe, .recursion_dimension = lsq_op_recursion_dimension,            \
  .recursion_init = lsq_op_recursion_init, .recursion_step = lsq_op_recursion_step,                \
  .recursion_observe = lsq_op_recursion_observe, .volterra = lsq_op_volterra,                      \
  .theory_note = lsq_theory_note, .sim_state_size = lsq_op_sim_state_size,                         \
  .sim_start = lsq_op_sim_start, .sim_advance = lsq_op_sim_advance,                                \
  .sim_observe = lsq_op_sim_observe, .stationary = lsq_op_stationary

#endif
