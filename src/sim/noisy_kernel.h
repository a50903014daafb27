/* noisy_kernel.h — noisy one-pass SGD on ridge least squares (docs/theory/noisy.md, NS-1
 * and §1.3), the Monte Carlo hot loop of the noisy_sgd problem.  It wraps the streaming
 * kernel's conventions (lsq_kernel.h: eigenbasis, error e = theta - theta*, fixed-order
 * dot product hd_dot, Philox streams keyed by (seed, run) with the step as counter) and
 * adds what the streaming kernel does not do:
 *
 *   step k (t = kB/d, eta = gamma(t) B / d), samples j = kB .. kB+B-1:
 *     r_j = <x_j, e> - eps_j,  g_j = f_j r_j x_j            f_j = clipping factor (or 1)
 *     e <- e - eta [ (1/B) sum_j g_j + delta theta + (sigma/B) xi_k ],  xi_k ~ N(0, I_d)
 *
 *   - injected noise: xi_k is block k of the run's HD_STREAM_EXTRA stream;
 *   - clipping (known sensitivity): f_j = min(1, C / ||g_j||) with the actual norm,
 *     of the data gradient r x (clip_full = 0) or of r x + delta theta (clip_full = 1,
 *     the authors' risk_clipping.py; then the ridge term is inside the clipped g_j);
 *   - data: streaming (sample j is block j of the run's FEATURES / LABEL streams, exactly
 *     the streaming kernel's draws) or a fixed dataset of n records, record i being
 *     block i of the FEATURES / LABEL streams of the dataset key (seed, UINT64_MAX),
 *     visited in a fixed order or in a fresh permutation per run and epoch (from the
 *     run's HD_STREAM_EXTRA + 1 stream, block = epoch); or the rows of a user's data
 *     set, in the same fixed or shuffled order;
 *   - label noise eps = sigma z, or sigma clip(z, -k, k) (label_clip = k > 0);
 *   - feature laws: Gaussian, Rademacher, centred uniform U[-sqrt3, sqrt3], and the
 *     paper's non-centred U[0, sqrt12] (unit variance, mean sqrt3).
 * Every draw is a pure function of (seed, run, index), so results are bit-identical for
 * any thread count and any split of a run into advance() calls. */
#ifndef HDSIM_NOISY_KERNEL_H
#define HDSIM_NOISY_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "lsq_kernel.h"

enum { HD_STREAM_NOISE = 5, HD_STREAM_ORDER = 6 }; /* HD_STREAM_EXTRA and the next one */

struct hd_noisy_kernel_cfg {
  const struct hd_lsq_kernel *base; /* d, sqrt_lambda, theta_star, ridge, label noise, lr */
  int law;           /* 0 Gaussian, 1 Rademacher, 2 uniform centred, 3 uniform [0, sqrt 12] */
  double noise;      /* sigma >= 0 */
  size_t batch;      /* B >= 1 */
  double clip_norm;  /* C > 0, or 0: no clipping */
  int clip_full;     /* clip r x + delta theta instead of r x */
  size_t records;    /* fixed dataset of n records; 0: streaming */
  int shuffle;       /* fixed dataset: a fresh permutation per run and epoch */
  double label_clip; /* k > 0: label noise sigma clip(z, -k, k); 0: unclipped */
  /* A user's data set (records > 0): record i is row i of `rows` (records x d, in the
   * eigen-coordinates of the theory) with label noise row_eps[i] = b_i - <x_i, theta*>,
   * in place of the dataset key's draws; NULL: records are drawn. */
  const double *rows;
  const double *row_eps;
};

/* Per-run work: bytes after the d doubles of e (feature, noise and batch buffers, the
 * permutation of the current epoch). */
size_t hd_noisy_kernel_work_bytes(const struct hd_noisy_kernel_cfg *K);

/* Advances e from step k0 to k1 (as hd_lsq_kernel_advance).  work: the bytes above,
 * opaque, initialised by hd_noisy_kernel_start. */
int hd_noisy_kernel_advance(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t run,
                            double *e, void *work, uint64_t k0, uint64_t k1, uint64_t *bad_step);
void hd_noisy_kernel_start(const struct hd_noisy_kernel_cfg *K, void *work);

/* Record i of the fixed dataset of `seed`: x (d values, x = sqrt(lambda) .* z) and its
 * label noise eps (y = <x, theta*> + eps).  Also what the privacy code calls the records. */
void hd_noisy_record(const struct hd_noisy_kernel_cfg *K, uint64_t seed, uint64_t i, double *x,
                     double *eps);

#endif
