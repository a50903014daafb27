/* sim/glm_sgd.h — the real algorithm of the glm family (docs/theory/glm.md §1.3):
 * one-pass (mini-batch) SGD on a single-index model, in the covariance's eigenbasis:
 *   a = sqrt(lambda) .* z (block k of the run's FEATURES stream), eps ~ N(0, 1) (block k
 *   of its LABEL stream), r = <x, a>, r* = <x*, a>, y = target(r*, eps),
 *   x <- (1 - gamma delta / d) x - (gamma / (d B)) sum_batch l_r(r, y) a.
 * Every number a step uses is a pure function of (seed, run, k): runs are bit-identical
 * for any thread count and any split of a run into advance() calls. */
#ifndef HDSIM_SIM_GLM_SGD_H
#define HDSIM_SIM_GLM_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/glm_expect.h"
#include "schedule.h"

struct glm_sgd {
  size_t d, batch;
  uint64_t seed;
  const double *sqrt_lambda; /* d values */
  const double *teacher;     /* x*, d values */
  const struct hd_schedule *schedule;
  double ridge;
  int init_random;
  double init_scale;   /* x_0 ~ N(0, init_scale^2 / d I) when init_random ... */
  double init_overlap; /* ... plus init_overlap x* */
};

size_t glm_sgd_state_size(const struct glm_sgd *S);
void glm_sgd_start(const struct glm_sgd *S, uint64_t run, double *state);
/* Steps [k0, k1) with the calling thread's formulas F.  Returns 0, or 1 when l_r or the
 * target was not finite (*bad_step: the step; *bad_what: which formula). */
int glm_sgd_advance(const struct glm_sgd *S, struct glm_funcs *F, uint64_t run, double *state,
                    uint64_t k0, uint64_t k1, uint64_t *bad_step, const char **bad_what);

#endif
