/* multiclass.h — one-pass SGD on Gaussian mixtures with commuting class covariances
 * (shared/specs/multiclass_sgd.md): the plan shared by the per-eigen-group ODE limit
 * (multiclass_ode.c), the Gaussian class expectations of each loss (multiclass_expect.c),
 * the registry entry (multiclass_problem.c) and the Monte Carlo (src/sim/multiclass_sgd.c).
 *
 * Tracked directions.  The ODE follows, per eigen-group g, the projected norm V_g (q x q,
 * symmetric, packed) and the overlaps M_{a,g} (q-vectors) with A directions u_a: the l
 * class means, plus the teacher theta* when there is one (spec §1.2 "teacher variant":
 * W = [X | mu_1..mu_l | theta*]).  With a teacher (square loss, q = 1 only) the state is
 * written for e = X - theta*, so that the residual r - y = <e, x> - y_c - eps has exactly
 * the form of the teacher-free problem; with one class, zero mean and y = 0 this is
 * streaming least squares (spec LS-1..LS-4), which test_multiclass_lsq_reduction checks.
 *
 * State layout: block g = [V_g packed upper triangle (q(q+1)/2) | M_{1,g} | ... | M_{A,g}]
 * (each M q values), so the Jacobian is block-diagonal plus rank l (q + q(q+1)/2)
 * (spec §2.7), solved by the engine's structured (Woodbury) solver. */
#ifndef HDSIM_ODE_MULTICLASS_H
#define HDSIM_ODE_MULTICLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "problem.h"
#include "schedule.h"

#define MC_MAX_CLASSES 64
#define MC_MAX_Q 64          /* outputs */
#define MC_MAX_QUAD_DIM 4    /* tensor Gauss-Hermite up to 4 effective dimensions, QMC beyond */
#define MC_ERROR_POINTS 4096 /* quasi-Monte Carlo points of the multi-class error */

enum mc_covariance { MC_COV_ISOTROPIC, MC_COV_ZERO_ONE, MC_COV_POWER_LAW, MC_COV_FILE };
enum mc_normalise { MC_NORM_NONE, MC_NORM_TRACE };
enum mc_means { MC_MEANS_ANTIPODAL, MC_MEANS_INDEPENDENT, MC_MEANS_ORTHOGONAL, MC_MEANS_ZERO };
enum mc_profile { MC_PROFILE_GAUSSIAN, MC_PROFILE_POWER_LAW, MC_PROFILE_CLEAN };
enum mc_teacher { MC_TEACHER_NONE, MC_TEACHER_RANDOM };
enum mc_loss { MC_LOSS_LS, MC_LOSS_LOGISTIC, MC_LOSS_SOFTMAX, MC_LOSS_ONEHOT_LS };
enum mc_init { MC_INIT_ZERO, MC_INIT_RANDOM };
enum mc_adaptive { MC_ADAPTIVE_NONE, MC_ADAPTIVE_ADAGRAD_NORM };

/* Model-file parameters (table in multiclass_problem.c).  Per-class values are short
 * comma-separated lists held as text and parsed, with line-numbered errors, in validate. */
struct mc_params {
  /* [data] */
  long d;
  long classes;
  char probs[HD_STR_MAX];
  int covariance;            /* enum mc_covariance */
  char alpha[HD_STR_MAX];
  char variance[HD_STR_MAX];
  double clean_fraction;
  char spectrum_file[HD_STR_MAX];
  int normalise;             /* enum mc_normalise */
  int means;                 /* enum mc_means */
  int mean_profile;          /* enum mc_profile */
  double mean_scale;
  double mean_beta;
  bool mean_normalise;
  int teacher;               /* enum mc_teacher */
  double label_noise;
  long bands;
  long limit_nodes;
  double limit_umin;
  /* [loss] */
  int loss;                  /* enum mc_loss */
  char labels[HD_STR_MAX];
  long quadrature;
  /* [optimizer] */
  double lr, ridge;
  long batch;
  int schedule;
  double lr_every, lr_factor, lr_t0, lr_power;
  int init;
  double init_scale;
  int adaptive;              /* enum mc_adaptive */
  double adagrad_b;
};

/* Eigen-groups: modes with one eigenvalue tuple (finite d), or quadrature nodes of a
 * d -> infinity spectrum.  P holds the direction Gram matrix restricted to the group,
 * P[(g*A + a)*A + b] = sum_{i in g} u_{a,i} u_{b,i} (spec §2.1). */
struct mc_groups {
  size_t n;
  double *w;       /* n: |g| / d, or the node weight */
  double *lam;     /* n * l: lambda_g^(c) at lam[g*l + c] */
  double *P;       /* n * A * A */
  size_t *band;    /* n: observable band (clean band first when present) */
  double trK[MC_MAX_CLASSES]; /* sum_g w_g lambda_g^(c) = Tr K_c / d */
};

/* Per-class Gaussian expectations of the loss at r ~ N(m_c, S_c) (spec §2.3). */
struct mc_expect {
  double a[MC_MAX_Q];            /* E grad f */
  double H[MC_MAX_Q * MC_MAX_Q]; /* E Hess f (row-major) */
  double G2[MC_MAX_Q * MC_MAX_Q]; /* E grad f grad f^T (spec I_c; I is complex.h's macro) */
  double R;                      /* E f */
};

/* Precomputed quadrature rules (plan once). */
struct mc_quad {
  int auto_rule;          /* quadrature = 0: rule picked by the variance (spec §2.3) */
  size_t tensor_max_dim;  /* softmax: tensor Gauss-Hermite up to this dimension, QMC beyond */
  size_t n_gh[2];         /* Gauss-Hermite rules: 1-D, and per dimension of the multi-D one */
  double *gh_x[2], *gh_w[2]; /* nodes and weights for weight exp(-x^2)/sqrt(pi) (sum 1) */
  size_t n_gl;            /* Gauss-Legendre panel rule on [-1, 1] (wide 1-D Gaussians) */
  double *gl_x, *gl_w;
  double *qmc;            /* MC_ERROR_POINTS * q standard normal points (multi-class error) */
};

struct mc_plan {
  struct mc_params p;
  size_t d, l, q, A, nv, block; /* classes, outputs, directions, packed V size, block */
  uint64_t seed;
  double prob[MC_MAX_CLASSES], cum[MC_MAX_CLASSES];
  double label[MC_MAX_CLASSES]; /* y_c for the q = 1 losses */
  double alpha[MC_MAX_CLASSES], variance[MC_MAX_CLASSES];
  /* finite-d data (Monte Carlo, and the theory unless limit_nodes > 0) */
  double *lambda;      /* d * l, lambda[c*d + i] */
  double *sqrt_lambda; /* d * l */
  double *u;           /* A * d: directions, u[a*d + i]; the means first, then theta* */
  double teacher_sq;   /* ||theta*||^2 */
  double mean_dot_teacher[MC_MAX_CLASSES]; /* <mu_c, theta*> */
  size_t *mode_group;  /* d: finite-d group of each mode */
  struct mc_groups fin, lim; /* lim.n = 0 unless the d -> infinity node grid is on */
  struct mc_groups bin;      /* bin.n = 0 unless [theory] bins = N > 0: fin merged into bins */
  const struct mc_groups *th; /* groups the theory integrates: &fin, &bin or &lim */
  int has_clean;       /* a band of modes where every class covariance vanishes */
  size_t n_bands;
  struct mc_quad quad;
  struct hd_schedule schedule;
  double breakpoints[256];
  size_t n_breakpoints;
  double gamma_crit;   /* square losses: the stability threshold 2 / rho(G) (spec §3.3) */
  /* observables */
  struct hd_observable *obs;
  size_t n_obs, n_overlap;
  size_t o_cosine;     /* first cosine observable */
  size_t o_lr;         /* the learning rate (AdaGrad-Norm only; 0 if absent) */
  int adaptive;        /* AdaGrad-Norm: one extra block whose first entry is the integral
                        * G(t) = int_0^t sum_c p_c (Tr K_c/d) tr I_c ds (spec §2.8) */
  size_t o_distance, o_band, o_clean; /* first index of each optional block (0 if absent) */
  char note[512];
  void *ode_ctx;       /* scratch of the ODE right-hand side (multiclass_ode.c) */
};

/* ode/multiclass_expect.c */
int mc_quad_init(struct mc_quad *Q, const struct mc_params *p, size_t q, char *msg, size_t len);
void mc_quad_free(struct mc_quad *Q);
/* Expectations for class c at r ~ N(m, S) (S full q x q, symmetric PSD up to rounding). */
void mc_expect_class(const struct mc_plan *P, size_t c, const double *m, const double *S,
                     struct mc_expect *E);
/* Probability that the class-c sample is misclassified (binary: sign of r against the
 * label; multi-class: argmax r != c). */
double mc_class_error(const struct mc_plan *P, size_t c, const double *m, const double *S);

/* ode/multiclass_ode.c */
size_t mc_ode_dimension(const void *plan);
int mc_ode(void *plan, struct hd_ode_system *sys, double *y0);
void mc_ode_observe(const void *plan, double t, const double *y, double *out);
void mc_ode_ctx_free(void *ctx);
/* gamma at time t with state y (n_groups groups): the schedule, or AdaGrad-Norm's
 * lr / sqrt(b^2 + G) with G the first entry after the groups. */
double mc_lr(const struct mc_plan *P, double t, const double *y, size_t n_groups);
double mc_finite_d_scale(const struct mc_plan *P);
/* Observables of any state in the layout of groups G (used by the Monte Carlo too). */
void mc_observe_state(const struct mc_plan *P, const struct mc_groups *G, const double *y,
                      double *out);
/* Packed index of (i, j) in the upper triangle of a q x q symmetric matrix. */
static inline size_t mc_sym(size_t q, size_t i, size_t j)
{
  if (i > j) {
    size_t t = i;
    i = j;
    j = t;
  }
  return i * q - i * (i - 1) / 2 + (j - i);
}

/* ode/multiclass_output.c: /multiclass in the output file (engine hook write_extra) */
int mc_write_extra(void *plan, const struct hd_run_params *run, const double *grid_t,
                   size_t n_times, int64_t h5file, char *msg, size_t msglen);

/* src/sim/multiclass_sgd.c */
size_t mc_sim_state_size(const void *plan);
void mc_sim_start(const void *plan, uint64_t run, void *state);
int mc_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                   uint64_t *bad_step);
void mc_sim_observe(const void *plan, const void *state, double *out);

#endif
