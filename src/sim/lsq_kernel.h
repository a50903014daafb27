/* lsq_kernel.h — the hot loop of one-pass SGD on streaming least squares (LS-1 / NS-1).
 *
 * Works in the covariance eigenbasis on the error e = theta - theta*:
 *   z_k ~ N(0, I_d) (or Rademacher),  x_k = sqrt(lambda) .* z_k,  eps_k ~ N(0, noise^2)
 *   r_k = <x_k, e_k> - eps_k
 *   e_{k+1} = e_k - (gamma(k/d)/d) * ( r_k x_k + ridge * (e_k + theta*) )        (LS-1)
 *
 * Step k's randomness is a pure function of (seed, run, k): the feature vector is block k
 * of the run's HD_STREAM_FEATURES stream, the label noise block k of HD_STREAM_LABEL.  So
 * a run split into any sequence of advance() calls gives bit-identical results.
 *
 * The dot product uses a fixed set of 8 partial sums (vectorisable, yet the same bits on
 * every build), never -ffast-math reassociation. */
#ifndef HDSIM_LSQ_KERNEL_H
#define HDSIM_LSQ_KERNEL_H

#include <stddef.h>
#include <stdint.h>

enum hd_feature_law { HD_FEATURES_GAUSSIAN = 0, HD_FEATURES_RADEMACHER = 1 };

/* Plan shared read-only by every run (FFTW style: prepared once, executed many). */
struct hd_lsq_kernel {
  size_t d;
  const double *sqrt_lambda; /* d values; NULL means isotropic (all ones) */
  const double *theta_star;  /* d values; only read when ridge != 0 */
  double ridge;              /* delta >= 0 */
  double label_noise;        /* sigma >= 0 (standard deviation of eps) */
  enum hd_feature_law law;
  /* learning rate gamma(t) at t = k/d */
  double (*lr)(double t, const void *ctx);
  const void *lr_ctx;
};

/* Per-run scratch: 1 array of d doubles (the feature vector). */
size_t hd_lsq_kernel_work_size(const struct hd_lsq_kernel *K);

/* Advances e (d values) from step k0 to step k1 (k1 >= k0) for run `run` of `seed`.
 * work: hd_lsq_kernel_work_size(K) doubles.  Returns 0, or 1 if e became non-finite
 * (the step at which it happened is written to *bad_step when bad_step != NULL). */
int hd_lsq_kernel_advance(const struct hd_lsq_kernel *K, uint64_t seed, uint64_t run, double *e,
                          double *work, uint64_t k0, uint64_t k1, uint64_t *bad_step);

/* Step k once its feature vector x is drawn (label noise, residual, update); returns 1 if
 * the residual is not finite.  For kernels that draw x another way (pixel basis). */
struct hd_rng;
int hd_lsq_kernel_step(const struct hd_lsq_kernel *K, struct hd_rng *label, uint64_t k,
                       const double *x, double *e);

/* 1 if every e_i is finite (one pass, vectorisable). */
int hd_all_finite(const double *e, size_t d);

/* <a, b> with 8 fixed partial sums (deterministic, vectorisable). */
double hd_dot(const double *a, const double *b, size_t n);

#endif
