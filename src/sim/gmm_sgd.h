/* gmm_sgd.h — one-pass (mini-batch) SGD on a Gaussian mixture, the real algorithm that
 * the gmm_multiclass limit describes (docs/theory/gmm.md §1.1-1.4, §2.8).
 * The problem package (src/problems/gmm/) fills a struct gmm_sgd; arrays point into its
 * plan.  Every number a step uses is a pure function of (seed, run, step). */
#ifndef HDSIM_SIM_GMM_SGD_H
#define HDSIM_SIM_GMM_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/gmm_layout.h"
#include "schedule.h"

struct gmm_sgd {
  size_t d, l, q; /* dimension, classes, outputs */
  size_t batch;   /* B */
  enum gmm_loss loss;
  uint64_t seed;
  const double *cum;         /* l: cumulative class probabilities, cum[l - 1] = 1 */
  const double *label;       /* l: y_c of the q = 1 losses */
  const double *sqrt_lambda; /* l * d: class c's standard deviations at [c*d + i] */
  const double *u;           /* A * d: the class means mu_c, then theta* if teacher */
  int teacher;               /* least squares: y = <theta*, x> + y_c + eps */
  double label_noise;        /* standard deviation of eps */
  double ridge;              /* delta */
  int init_random;           /* X_0 ~ N(0, init_scale^2 / d I), per run; else X_0 = 0 */
  double init_scale;
  const double *X0;                   /* a given X_0 (q columns of d) for every run, or NULL */
  const struct hd_schedule *schedule; /* gamma(t), t = k / d; its lr is AdaGrad-Norm's lr */
  int adaptive;                       /* AdaGrad-Norm: gamma_k = lr / sqrt(adagrad_b^2 + G_k) */
  double adagrad_b;
  /* exact observables: modes grouped as the theory's finite-d eigen-groups */
  const size_t *mode_group; /* d: group of each mode */
  size_t n_groups, A;       /* groups; tracked directions (l, + 1 with a teacher) */
};

/* Bytes of one run's state. */
size_t gmm_sgd_state_size(const struct gmm_sgd *S);
/* The run's initial state (its random streams keyed by (seed, run)). */
void gmm_sgd_start(const struct gmm_sgd *S, uint64_t run, void *state);
/* Steps [k0, k1); 0, or 1 with *bad_step set when the run produced a non-finite value. */
int gmm_sgd_advance(const struct gmm_sgd *S, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step);
/* The run's exact projected state in the theory's layout (kernels/gmm_layout.h): per group,
 * the packed Gram matrix of e = X - theta* and its overlaps with the A directions, then
 * (AdaGrad-Norm) G in the first entry of one more block.  y: (n_groups + adaptive) blocks
 * of q(q+1)/2 + A q values, zeroed by the caller. */
void gmm_sgd_project(const struct gmm_sgd *S, const void *state, double *y);

#endif
