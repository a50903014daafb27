/* lsq_sgd.h — the real algorithm for streaming least squares and noisy SGD on ridge
 * least squares: one-pass SGD (LS-1; NS-1 with injected noise, clipping, mini-batches or
 * a fixed dataset) at dimension d, one run at a time, on the error e = theta - theta*.
 *
 * struct hd_lsq_sgd is the plain system a run reads: the problem package fills it once
 * (plan once, execute many); the hot loops are the kernels it points to. */
#ifndef HDSIM_SIM_LSQ_SGD_H
#define HDSIM_SIM_LSQ_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/lsq_kernel.h"
#include "sim/lsq_stationary.h"
#include "sim/noisy_kernel.h"

/* theta_0 = 0, theta_0 ~ N(0, init_scale^2 / d I) from the run's own INIT stream, or the
 * one theta_0 of the plan (drawn once per seed, shared by all runs). */
enum hd_lsq_sgd_init { HD_LSQ_SGD_ZERO, HD_LSQ_SGD_RANDOM, HD_LSQ_SGD_FIXED };

struct hd_lsq_sgd {
  size_t d;
  uint64_t seed;
  enum hd_lsq_sgd_init init;
  double init_scale;        /* sigma_0 */
  const double *theta_0;    /* HD_LSQ_SGD_FIXED: theta_0, else NULL */
  const double *theta_star; /* d values, eigen-coordinates */
  const double *lambda;     /* d eigenvalues (the observed risk) */
  double label_noise;       /* sigma_eps */
  const size_t *mode_band;  /* band of each mode */
  size_t n_bands;           /* >= 2: band shares are observed */
  /* the step: exactly one of */
  const struct hd_noisy_kernel_cfg *noisy; /* noise, batches, clipping, fixed data */
  const struct hd_stationary *stationary;  /* pixel basis (spectrum = stationary); then
                                               theta_pix is theta* there */
  const double *theta_pix;
  const struct hd_lsq_kernel *kernel; /* plain streaming SGD (and the others' base) */
};

/* Bytes of per-run state: e (d values) and the kernel's work space. */
size_t hd_lsq_sgd_state_size(const struct hd_lsq_sgd *S);
void hd_lsq_sgd_start(const struct hd_lsq_sgd *S, uint64_t run, void *state);
/* Steps [k0, k1); 0, or non-zero with *bad_step if e became non-finite. */
int hd_lsq_sgd_advance(const struct hd_lsq_sgd *S, uint64_t run, void *state, uint64_t k0,
                       uint64_t k1, uint64_t *bad_step);
/* risk, distance, then the band shares of the distance when n_bands >= 2. */
void hd_lsq_sgd_observe(const struct hd_lsq_sgd *S, const void *state, double *out);

#endif
