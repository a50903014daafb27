/* sim/sam_streaming.h — SGD / USAM / DNSAM / SAM on streaming least squares (sam.md
 * §1.4, L1-L4), on the engine's streaming data path: step k's B feature vectors are read
 * consecutively from block k of the run's HD_STREAM_FEATURES stream (x = sqrt(lambda) .* z,
 * hd_rng_normal_array_scaled) and its B label noises from block k of HD_STREAM_LABEL, keyed
 * exactly as src/sim/lsq_kernel.c does; dot products are hd_dot.  With B = 1 and rho = 0 a
 * run is therefore bit-identical to streaming_lsq's run of the same seed. */
#ifndef HDSIM_SIM_SAM_STREAMING_H
#define HDSIM_SIM_SAM_STREAMING_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/sam.h"

struct sams_kernel {
  size_t d, batch;
  const double *sqrt_lambda; /* NULL: isotropic */
  const double *lambda;      /* d eigenvalues (DNSAM's ||K r||) */
  double label_noise;
  double lr;  /* gamma; eta = gamma / d */
  double rho; /* the actual radius (already scaled with d) */
  double norm_eps;
  enum sam_algorithm algorithm;
};

size_t sams_kernel_work_size(const struct sams_kernel *K);

/* Advances e = theta - theta* (d values) over steps [k0, k1).  Returns 0, or 1 when a
 * value became non-finite (*bad_step: the step). */
int sams_kernel_advance(const struct sams_kernel *K, uint64_t seed, uint64_t run, double *e,
                        double *work, uint64_t k0, uint64_t k1, uint64_t *bad_step);

#endif
