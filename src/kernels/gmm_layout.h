/* gmm_layout.h — what the gmm_multiclass theory (ode/gmm_limit.h) and simulation
 * (src/sim/gmm_sgd.h) must agree on: the losses, and the layout of one eigen-group's
 * block of the state, which the simulation's exact observables fill and the theory's
 * observables read (docs/theory/gmm.md §1.4, §2.1).
 *
 * Block of group g: [V_g packed upper triangle (q(q+1)/2) | M_{1,g} | ... | M_{A,g}],
 * each M a q-vector: V_g the projected Gram matrix of the (teacher-shifted) iterate,
 * M_{a,g} its overlaps with direction a (the l class means, then the teacher). */
#ifndef HDSIM_KERNELS_GMM_LAYOUT_H
#define HDSIM_KERNELS_GMM_LAYOUT_H

#include <stddef.h>

#define GMM_MAX_CLASSES 64
#define GMM_MAX_Q       64 /* outputs q: 1, or l for softmax and one-hot least squares */

/* Order of the [loss] kind choices in the package's parameter table. */
enum gmm_loss { GMM_LOSS_LS, GMM_LOSS_LOGISTIC, GMM_LOSS_SOFTMAX, GMM_LOSS_ONEHOT_LS };

/* Packed index of (i, j) in the upper triangle of a q x q symmetric matrix. */
static inline size_t gmm_sym(size_t q, size_t i, size_t j)
{
  if (i > j) {
    size_t t = i;
    i = j;
    j = t;
  }
  return i * q - i * (i - 1) / 2 + (j - i);
}

#endif
