/* kernels/sam.h — what the SAM family's theories (sde/sam_quadratic.h, ode/sam_streaming.h)
 * and simulations (sim/sam_quadratic.h, sim/sam_streaming.h) share: the four algorithms
 * (docs/theory/sam.md, A1-A4) and the additive gradient noise Z = S xi of the quadratic.
 * Kept here so that neither side includes the other. */
#ifndef HDSIM_KERNELS_SAM_H
#define HDSIM_KERNELS_SAM_H

#include <stddef.h>

/* The update x <- x - eta grad f(x + rho u) with u = 0 (A1 SGD), g (A2 USAM),
 * g / ||grad f|| (A3 DNSAM, the full gradient's norm), g / ||g|| (A4 SAM). */
enum sam_algorithm { SAM_ALG_SGD, SAM_ALG_USAM, SAM_ALG_DNSAM, SAM_ALG_SAM };

/* out = S xi: S is the d x d lower Cholesky factor (row-major) of the noise covariance,
 * or NULL for an isotropic covariance s^2 I (then out = s xi). */
static inline void sam_noise_apply(size_t d, const double *S, double s, const double *xi,
                                   double *out)
{
  if (!S) {
    for (size_t i = 0; i < d; i++) out[i] = s * xi[i];
    return;
  }
  for (size_t i = 0; i < d; i++) {
    double acc = 0;
    for (size_t j = 0; j <= i; j++) acc += S[i * d + j] * xi[j];
    out[i] = acc;
  }
}

#endif
