/* gmm_limit.h — the deterministic limit of one-pass SGD on Gaussian mixtures with
 * commuting class covariances (docs/theory/gmm.md): the
 * per-eigen-group ODE (gmm_ode.c: E1, E2 and the observables, E3) and the Gaussian class
 * expectations of each loss (gmm_expect.c).  The problem package (src/problems/gmm/)
 * fills a struct gmm_limit from the model file; nothing here reads a parameter table.
 *
 * Tracked directions.  The ODE follows, per eigen-group g, the projected norm V_g (q x q,
 * symmetric, packed) and the overlaps M_{a,g} (q-vectors) with A directions u_a: the l
 * class means, plus the teacher theta* when there is one (gmm.md §1.2 "teacher variant":
 * W = [X | mu_1..mu_l | theta*]).  With a teacher (square loss, q = 1 only) the state is
 * written for e = X - theta*, so that the residual r - y = <e, x> - y_c - eps has exactly
 * the form of the teacher-free problem; with one class, zero mean and y = 0 this is
 * streaming least squares (lsq.md LS-1..LS-4), which test_gmm_lsq_reduction checks.
 *
 * State layout (kernels/gmm_layout.h): one block per group, then, under AdaGrad-Norm, one
 * more block whose first entry is G(t).  The Jacobian is block-diagonal plus rank
 * l (q + q(q+1)/2) (gmm.md §2.7), solved by the engine's structured (Woodbury) solver. */
#ifndef HDSIM_ODE_GMM_LIMIT_H
#define HDSIM_ODE_GMM_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "integrate.h"
#include "kernels/gmm_layout.h"
#include "schedule.h"

#define GMM_MAX_QUAD_DIM 4    /* tensor Gauss-Hermite up to 4 effective dimensions, QMC beyond */
#define GMM_ERROR_POINTS 4096 /* quasi-Monte Carlo points of the multi-class error */

/* Eigen-groups: modes with one eigenvalue tuple (finite d), or quadrature nodes of a
 * d -> infinity spectrum.  P holds the direction Gram matrix restricted to the group,
 * P[(g*A + a)*A + b] = sum_{i in g} u_{a,i} u_{b,i} (gmm.md §2.1). */
struct gmm_groups {
  size_t n;
  double *w;                   /* n: |g| / d, or the node weight */
  double *lam;                 /* n * l: lambda_g^(c) at lam[g*l + c] */
  double *P;                   /* n * A * A */
  size_t *band;                /* n: observable band (clean band first when present) */
  double trK[GMM_MAX_CLASSES]; /* sum_g w_g lambda_g^(c) = Tr K_c / d */
};

/* Per-class Gaussian expectations of the loss at r ~ N(m_c, S_c) (gmm.md §2.3). */
struct gmm_expect {
  double a[GMM_MAX_Q];              /* E grad f */
  double H[GMM_MAX_Q * GMM_MAX_Q];  /* E Hess f (row-major) */
  double G2[GMM_MAX_Q * GMM_MAX_Q]; /* E grad f grad f^T (gmm.md's I_c; I is complex.h's macro) */
  double R;                         /* E f */
};

/* Precomputed quadrature rules (plan once). */
struct gmm_quad {
  int auto_rule;             /* quadrature = 0: rule picked by the variance (gmm.md §2.3) */
  size_t tensor_max_dim;     /* softmax: tensor Gauss-Hermite up to this dimension, QMC beyond */
  size_t n_gh[2];            /* Gauss-Hermite rules: 1-D, and per dimension of the multi-D one */
  double *gh_x[2], *gh_w[2]; /* nodes and weights for weight exp(-x^2)/sqrt(pi) (sum 1) */
  size_t n_gl;               /* Gauss-Legendre panel rule on [-1, 1] (wide 1-D Gaussians) */
  double *gl_x, *gl_w;
  double *qmc; /* GMM_ERROR_POINTS * q standard normal points (multi-class error) */
};

/* Where the optional observables sit in the output vector (0: absent).  The fixed ones
 * come first: risk, error, norm, overlap_1..n_overlap, then cosine_1.. at o_cosine. */
struct gmm_observables {
  size_t n_overlap;  /* classes with overlap / cosine observables */
  size_t o_cosine;   /* first cosine observable */
  size_t o_lr;       /* the AdaGrad-Norm learning rate */
  size_t o_distance; /* ||X - theta*||^2 */
  size_t o_band;     /* n_bands band norms, then n_bands band margins */
  size_t o_clean;    /* clean margin share, clean norm share */
  size_t n_bands;
  int has_clean; /* band 0 is the clean band (every class variance zero) */
};

/* The limit system (GSL style: plain data, filled by the package; arrays point into the
 * package's plan and outlive this struct's use). */
struct gmm_limit {
  size_t l, q, A;   /* classes, outputs, tracked directions (l, + 1 with a teacher) */
  size_t nv, block; /* packed V size q(q+1)/2, block size nv + A q */
  enum gmm_loss loss;
  const double *prob;             /* l: class probabilities p_c */
  const double *label;            /* l: y_c of the q = 1 losses */
  double label_noise;             /* least squares: standard deviation of eps */
  int teacher;                    /* direction A - 1 is theta*; the state tracks e = X - theta* */
  double teacher_sq;              /* ||theta*||^2 */
  const double *mean_dot_teacher; /* l: <mu_c, theta*> */
  long batch;                     /* B */
  double ridge;                   /* delta */
  double init_var;                /* sigma_0^2 of a random start; 0 for X_0 = 0 */
  const double *y0; /* a given X_0's exact state on the groups G (adaptive block included),
                       or NULL: the state of X_0 = 0 or of the random start */
  const struct hd_schedule *schedule; /* gamma(t); its lr is AdaGrad-Norm's lr too */
  int adaptive;                       /* AdaGrad-Norm: gamma = lr / sqrt(adagrad_b^2 + G) */
  double adagrad_b;
  const double *breakpoints; /* discontinuities of gamma(t) for the integrator */
  size_t n_breakpoints;
  const struct gmm_groups *G; /* the groups the theory integrates */
  struct gmm_quad quad;
  struct gmm_observables obs;
  void *ctx; /* scratch of the right-hand side (gmm_ode.c), owned */
};

/* ode/gmm_expect.c */
/* Rules for `nodes` Gauss-Hermite nodes per dimension (0: the automatic choice). */
int gmm_quad_init(struct gmm_quad *Q, long nodes, size_t q, char *msg, size_t len);
void gmm_quad_free(struct gmm_quad *Q);
/* Expectations for class c at r ~ N(m, S) (S full q x q, symmetric PSD up to rounding). */
void gmm_expect_class(const struct gmm_limit *L, size_t c, const double *m, const double *S,
                      struct gmm_expect *E);
/* Probability that the class-c sample is misclassified (binary: sign of r against the
 * label; multi-class: argmax r != c). */
double gmm_class_error(const struct gmm_limit *L, size_t c, const double *m, const double *S);

/* ode/gmm_ode.c */
size_t gmm_ode_dimension(const struct gmm_limit *L);
/* Fills sys and y0 (gmm_ode_dimension values); allocates L->ctx (freed by gmm_limit_free). */
int gmm_ode(struct gmm_limit *L, struct hd_ode_system *sys, double *y0);
/* Whether gmm_ode offers the structured (block + low-rank) Jacobian. */
int gmm_ode_structured(const struct gmm_limit *L, size_t *rank);
void gmm_limit_free(struct gmm_limit *L);
/* gamma at time t with state y (n_groups groups): the schedule, or AdaGrad-Norm's
 * lr / sqrt(b^2 + G) with G the first entry after the groups. */
double gmm_lr(const struct gmm_limit *L, double t, const double *y, size_t n_groups);
/* Observables of any state in the layout of groups G (the simulation's exact
 * observables too, on the finite-d groups). */
void gmm_observe_state(const struct gmm_limit *L, const struct gmm_groups *G, const double *y,
                       double *out);

#endif
