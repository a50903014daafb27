/* sim/sam_quadratic.h — SGD / USAM / DNSAM / SAM on f = 1/2 x^T H x with additive Gaussian
 * gradient noise (docs/theory/sam.md, Q1-Q4), written in H's eigenbasis (H = diag(lambda)).
 * One step of the discrete algorithm; the caller owns the run (start, noise draws). */
#ifndef HDSIM_SIM_SAM_QUADRATIC_H
#define HDSIM_SIM_SAM_QUADRATIC_H

#include <stddef.h>

#include "kernels/sam.h"

struct samq_sim {
  size_t d;
  const double *lambda; /* d eigenvalues of H */
  const double *S;      /* d x d lower factor of Sigma / B, or NULL: s_iso I */
  double s_iso;
  enum sam_algorithm algorithm;
  double lr; /* eta */
  double rho;
  double norm_eps; /* guard in ||.|| + eps */
  size_t substeps; /* m standard normal vectors per step (see samq_sim_step) */
  /* in the user's coordinates: dense H (d x d) and noise root R (Z = R xi), else NULL */
  const double *H;
  const double *R;
};

/* One step x <- x - eta (I + c H) g, g = H x + Z, from the step's m d standard normals xi
 * (Z = S (xi_1 + ... + xi_m) / sqrt(m), so that an SDE path of m Euler-Maruyama substeps
 * driven by the same xi is coupled to it).  xi is overwritten; g: d values of scratch. */
void samq_sim_step(const struct samq_sim *A, double *x, double *xi, double *g);

/* The same step in the user's coordinates (A->H and A->R set): g = H x + R xi,
 * x <- x - eta (g + c H g), c as above (the norms are rotation invariant). */
void samq_sim_step_dense(const struct samq_sim *A, double *x, double *xi, double *g);

#endif
