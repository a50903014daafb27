/* gmm_plan.h — private to the gmm_multiclass package (src/problems/gmm/): the model-file
 * parameters, the plan derived from them, and the package's internal calls.  The theory
 * (ode/gmm_limit.h) and the simulation (src/sim/gmm_sgd.h) never see this header; the
 * plan fills their plain structs.  White-box tests define HDSIM_GMM_FRIEND to read it. */
#ifndef HDSIM_PROBLEMS_GMM_PLAN_H
#define HDSIM_PROBLEMS_GMM_PLAN_H

#if !defined(HDSIM_GMM_PACKAGE) && !defined(HDSIM_GMM_FRIEND)
#error "gmm_plan.h is private to src/problems/gmm/ (white-box tests: define HDSIM_GMM_FRIEND)"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ode/gmm_limit.h"
#include "params.h"
#include "problem.h"
#include "schedule.h"
#include "sim/gmm_sgd.h"
#include "spectrum.h"

/* Choices of the enum keys, in the order of their parameter-table rows. */
enum gmm_covariance { GMM_COV_ISOTROPIC, GMM_COV_ZERO_ONE, GMM_COV_POWER_LAW, GMM_COV_FILE };
enum gmm_means {
  GMM_MEANS_ANTIPODAL,
  GMM_MEANS_INDEPENDENT,
  GMM_MEANS_ORTHOGONAL,
  GMM_MEANS_ZERO,
  GMM_MEANS_FILE
};
enum gmm_profile { GMM_PROFILE_GAUSSIAN, GMM_PROFILE_POWER_LAW, GMM_PROFILE_CLEAN };
enum gmm_teacher { GMM_TEACHER_NONE, GMM_TEACHER_RANDOM, GMM_TEACHER_FILE };
enum gmm_init { GMM_INIT_ZERO, GMM_INIT_RANDOM, GMM_INIT_FILE };
enum gmm_adaptive { GMM_ADAPTIVE_NONE, GMM_ADAPTIVE_ADAGRAD_NORM };
enum gmm_limit_rule { GMM_LIMIT_MAPPED, GMM_LIMIT_MIDPOINT };

/* Model-file parameters, filled by the table in gmm_params.c (their one home).  Per-class
 * values are lists of one value (every class) or one per class; the [data] spectrum keys
 * (alpha, spectrum_file, normalise) and the [optimizer] schedule keys are the engine's
 * shared rows (spectrum.h, schedule.h). */
struct gmm_params {
  /* [data] */
  long d;
  long classes;
  struct hd_real_list probs;
  int covariance;                     /* enum gmm_covariance */
  struct hd_spectrum_params spectrum; /* alpha, spectrum_file, normalise (not its kind) */
  struct hd_real_list variance;
  double clean_fraction;
  int means;        /* enum gmm_means */
  int mean_profile; /* enum gmm_profile */
  double mean_scale;
  double mean_beta;
  bool mean_normalise;
  char means_file[HD_STR_MAX];   /* means = file: l x d, row c the mean of class c */
  char eigenvectors[HD_STR_MAX]; /* "" or U (d x d): the given arrays in the data's coordinates */
  int teacher;                   /* enum gmm_teacher */
  char teacher_file[HD_STR_MAX]; /* teacher = file: theta* (d values) */
  double teacher_norm;           /* > 0: theta* rescaled to this norm; 0: as drawn / read */
  double label_noise;
  long bands;
  long limit_nodes;
  double limit_umin;
  int limit_rule; /* enum gmm_limit_rule */
  /* [loss] */
  int loss; /* enum gmm_loss */
  struct hd_real_list labels;
  long quadrature;
  /* [optimizer] */
  struct hd_schedule schedule; /* lr, schedule, lr_every, lr_factor, lr_t0, lr_power */
  double ridge;
  long batch;
  int init; /* enum gmm_init */
  double init_scale;
  char init_file[HD_STR_MAX]; /* init = file: X_0, d values (q = 1) or d x q */
  int adaptive;               /* enum gmm_adaptive */
  double adagrad_b;
};

/* The plan (FFTW style: made once per model, read by every theory solve and run). */
struct gmm_plan {
  struct gmm_params p;
  size_t d, l, q, A, nv, block; /* classes, outputs, directions, packed V size, block */
  uint64_t seed;
  int method, linear_solver; /* the run's [theory] keys, for the memory figures */
  /* the per-class lists, resolved */
  double prob[GMM_MAX_CLASSES], cum[GMM_MAX_CLASSES];
  double label[GMM_MAX_CLASSES]; /* y_c for the q = 1 losses */
  double alpha[GMM_MAX_CLASSES], variance[GMM_MAX_CLASSES];
  /* finite-d data (Monte Carlo, and the theory unless limit_nodes > 0) */
  double *lambda;      /* d * l, lambda[c*d + i] */
  double *sqrt_lambda; /* d * l */
  double *u;           /* A * d: directions, u[a*d + i]; the means first, then theta* */
  double teacher_sq;   /* ||theta*||^2 */
  double mean_dot_teacher[GMM_MAX_CLASSES]; /* <mu_c, theta*> */
  size_t *mode_group;                       /* d: finite-d group of each mode */
  struct gmm_groups fin, lim;               /* lim.n = 0 unless the d -> infinity node grid is on */
  struct gmm_groups bin;   /* bin.n = 0 unless [theory] bins = N > 0: fin merged into bins */
  double breakpoints[256]; /* discontinuities of gamma(t) = p.schedule up to the horizon */
  size_t n_breakpoints;
  double gamma_crit; /* square losses: the stability threshold 2 / rho(G) (gmm.md §3.3) */
  struct hd_observable *obs;
  size_t n_obs;
  char note[512];
  double *U;              /* [data] eigenvectors while the given arrays are read, or NULL */
  double *X0;             /* init = file: X_0 in the simulation's layout (q columns of d) */
  double *y0;             /* init = file: its projection, the theory's initial state */
  struct gmm_limit limit; /* the theory's system (its groups: &fin, &bin or &lim) */
  struct gmm_sgd sgd;     /* the simulation's system */
};

/* gmm_params.c */
#define GMM_N_PARAMS 40 /* rows of gmm_table (checked where it is defined) */
extern const struct hd_param gmm_table[GMM_N_PARAMS];
/* q: 1, or l for softmax and one-hot least squares. */
size_t gmm_outputs(const struct gmm_params *p);
/* The per-class lists into P->prob, cum, label, alpha, variance; -1 after reporting. */
int gmm_resolve_lists(const struct gmm_params *p, const struct hd_config *cfg,
                      struct hd_errors *err, struct gmm_plan *P);
void gmm_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                  struct hd_errors *err);

/* gmm_data.c: the realised spectra, means and teacher */
int gmm_fill_spectra(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err);
int gmm_fill_directions(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err);

/* gmm_groups.c: eigen-groups, the d -> infinity node grid, bins, bands */
void gmm_build_groups(struct gmm_plan *P);
void gmm_build_limit(struct gmm_plan *P);
void gmm_build_bins(struct gmm_plan *P, long bins);
void gmm_build_bands(struct gmm_plan *P);
void gmm_group_traces(struct gmm_groups *G, size_t l);
void gmm_groups_free(struct gmm_groups *G);

/* gmm_data.c: a given vector of d values (a row of means_file, teacher_file, a column of
 * init_file) taken to the eigenbasis, U^T v, when [data] eigenvectors is given */
void gmm_to_eigenbasis(const struct gmm_plan *P, double *v);
/* gmm_data.c: init = file, after the groups and the simulation's system are made: X_0
 * read and projected onto the finite-d groups (the theory's exact initial state) */
int gmm_fill_start(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err);

/* gmm_plan.c */
void *gmm_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err);
void gmm_plan_destroy(void *plan);
/* Relative size of the terms the limit drops at this d (gmm.md §2.2). */
double gmm_finite_d_scale(const struct gmm_plan *P);

/* The quadrature rules in words (HDF5 attribute and plan_print). */
void gmm_quadrature_text(const struct gmm_plan *P, char *buf, size_t len);

/* gmm_output.c: /multiclass in the output file (engine hook write_extra) */
int gmm_write_extra(void *plan, const struct hd_run_params *run, const double *grid_t,
                    size_t n_times, int64_t h5file, char *msg, size_t msglen);

#endif
