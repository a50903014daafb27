/* lsq_stationary.h — streaming least squares with a stationary (circulant) covariance,
 * simulated in the original ("pixel") basis with FFTW (docs/theory/lsq.md; the streaming
 * kernel simulates in the eigenbasis because the limit LS-2..LS-4 is rotation invariant:
 * this path checks that invariance instead of assuming it).
 *
 * Signal: a 1-D signal of d samples, or a 2-D n x n image (d = n^2), with circulant
 * covariance C = F^* diag(lambda) F.  The eigenvalues are the power spectrum at the d
 * discrete frequencies f = k / n (k wrapped to (-n/2, n/2] per axis):
 *
 *     S(f) = (1 + |f|^2 / f0^2)^(-a/2),   lambda_k = S(k / n) / mean_k S(k / n)
 *
 * (a = spectral_exponent, f0 = corner_frequency in cycles per sample; |f| Euclidean).  A
 * power law |f|^-a above the corner, flat below it (a = 2 in 2-D: natural images); the
 * spectrum is a fixed bounded density in f, so lambda_max stays O(1) as d grows (the ODE
 * regime, gamma lambda_max / d -> 0).  |k|^2 is computed in integers, so symmetric
 * frequencies get bit-identical eigenvalues and the theory's exact grouping finds them.
 *
 * Eigen-coordinates (the theory's basis): the orthonormal real Fourier basis.  With
 * Y = r2c(x) (unnormalised, Y_k = sum_j x_j e^{-2 pi i k.j / n}):
 *   self-conjugate k (k = -k mod n):  a = Y_k / sqrt(d)
 *   a conjugate pair {k, -k}:         a = sqrt(2/d) Re Y_k,  b = -sqrt(2/d) Im Y_k
 * (cos and sin coordinates, both with eigenvalue lambda_k).  Eigen index i runs over the
 * half-spectrum array in memory order, one index per self-conjugate frequency, two
 * (cos, sin) per pair representative.  hd_stationary_lambda lists lambda in this order.
 *
 * Step (LS-1 in the pixel basis): z = block k of the run's FEATURES stream (d normals,
 * exactly the eigenbasis kernel's draw), x = C^{1/2} z = c2r( (sqrt(lambda)/d) .* r2c(z) ),
 * r = <x, e> - eps, e <- e - (gamma/d)(r x + delta (e + theta*)).  Two real FFTs per step,
 * O(d log d); plans are made once (FFTW_ESTIMATE: the same bits whatever the machine's
 * timing) and executed by every thread on its own aligned buffers (new-array execute). */
#ifndef HDSIM_LSQ_STATIONARY_H
#define HDSIM_LSQ_STATIONARY_H

#include <stddef.h>
#include <stdint.h>

#include "lsq_kernel.h"

struct hd_stationary;

/* Creates the plan: dims = 1 (n = d) or 2 (n = sqrt(d), d must be a square), exponent a,
 * corner f0.  Returns NULL with a message on bad input. */
struct hd_stationary *hd_stationary_create(int dims, size_t d, double exponent, double f0,
                                           char *msg, size_t msglen);
void hd_stationary_destroy(struct hd_stationary *S);

/* lambda[0..d) in eigen order (mean 1). */
void hd_stationary_lambda(const struct hd_stationary *S, double *lambda);

/* Orthonormal real Fourier transform: eigen-coordinates of a pixel vector and back.
 * Both may be called from any thread (they allocate their own FFTW buffers). */
void hd_stationary_to_eigen(const struct hd_stationary *S, const double *x, double *coords);
void hd_stationary_from_eigen(const struct hd_stationary *S, const double *coords, double *x);

/* Per-run scratch in doubles (aligned internally). */
size_t hd_stationary_work_size(const struct hd_stationary *S);

/* x = C^{1/2} z with z = block k of (seed, run)'s FEATURES stream (the feature vector of
 * step k).  x must be the work area's feature buffer or any d doubles; work as above. */
void hd_stationary_features(const struct hd_stationary *S, uint64_t seed, uint64_t run, uint64_t k,
                            double *work, double *x);

/* Advances e (pixel basis, d values) from step k0 to k1 like hd_lsq_kernel_advance: K
 * gives d, theta* (pixel basis), ridge, label noise and the learning rate (K->sqrt_lambda
 * and K->law are not used: the features are Gaussian, coloured by C^{1/2}). */
int hd_stationary_advance(const struct hd_stationary *S, const struct hd_lsq_kernel *K,
                          uint64_t seed, uint64_t run, double *e, double *work, uint64_t k0,
                          uint64_t k1, uint64_t *bad_step);

#endif
