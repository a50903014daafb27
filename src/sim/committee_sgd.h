/* sim/committee_sgd.h — one-pass SGD on a committee machine (docs/theory/committee.md CM-1):
 * per step one sample a = sqrt(lambda) .* z from block k of the run's HD_STREAM_FEATURES
 * stream, label y = sum_m v*_m g(<w*_m, a>) + sigma eps (eps from block k of HD_STREAM_LABEL),
 * and w_k <- w_k + (gamma(t) / d) v_k g'(<w_k, a>) (y - yhat) a with t = k / d.  A run's
 * numbers depend on (seed, run, step) only. */
#ifndef HDSIM_SIM_COMMITTEE_SGD_H
#define HDSIM_SIM_COMMITTEE_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/committee_act.h"
#include "schedule.h"

struct cm_sgd {
  size_t d, K, M;
  const double *lambda;      /* d eigenvalues */
  const double *sqrt_lambda; /* NULL: isotropic */
  const double *teacher;     /* M x d, row-major */
  const double *w0;          /* K x d: the initial student every run starts from */
  const double *v, *vstar;   /* second layers */
  const struct hd_schedule *schedule;
  double noise; /* sigma */
  struct cm_act act;
};

size_t cm_sgd_state_size(const struct cm_sgd *S); /* bytes: the weights and one sample */
void cm_sgd_start(const struct cm_sgd *S, void *state);
/* Advances steps [k0, k1).  Returns 0, or 1 when a value became non-finite (*bad_step). */
int cm_sgd_advance(const struct cm_sgd *S, uint64_t seed, uint64_t run, void *state, uint64_t k0,
                   uint64_t k1, uint64_t *bad_step);
/* The run's covariance of the K + M pre-activations, C = W diag(lambda) W' over the stacked
 * student and teacher weights ((K + M) x (K + M), row-major). */
void cm_sgd_covariance(const struct cm_sgd *S, const void *state, double *C);

#endif
