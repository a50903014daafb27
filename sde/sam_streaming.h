/* sde/sam_streaming.h — the exact finite-d second moments of SGD (H1) and USAM (H2) on
 * streaming least squares with B = 1 and Gaussian features (docs/theory/sam.md §4.2): a
 * recursion k -> k+1 on a_g = d D_g, one value per group of equal eigenvalues (the state of
 * ode/sam_streaming.h). */
#ifndef HDSIM_SDE_SAM_STREAMING_H
#define HDSIM_SDE_SAM_STREAMING_H

#include <stddef.h>

#include "kernels/sam.h"

/* The system: filled by the problem package, read-only here. */
struct sams_recursion {
  size_t d, n_groups;
  const double *g_lambda, *g_weight; /* lambda_g, n_g / d */
  double tau, kappa2;                /* tr K / d, tr K^2 / d */
  enum sam_algorithm algorithm;      /* sgd or usam */
  double lr;                         /* gamma: eta = gamma / d */
  double rho_bar;                    /* usam: rho = rho_bar / d */
  double label_noise;
};

void sams_recursion_step(const struct sams_recursion *R, double *a);

#endif
