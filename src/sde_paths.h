/* sde_paths.h — Euler-Maruyama paths of an Ito SDE  dX = b(X) dt + sqrt(eps) G(X) dW.
 *
 * The caller owns the randomness: it passes the standard normals xi (one vector of dim
 * per substep), so a path can be coupled to a discrete algorithm that reads the same
 * numbers (sam.md §2.8: synchronous coupling with h = eta/m), or driven by its own
 * stream.  Nothing here allocates in the step loop. */
#ifndef HDSIM_SDE_PATHS_H
#define HDSIM_SDE_PATHS_H

#include <stddef.h>

struct hd_sde {
  size_t dim;
  double eps; /* diffusion scale: the noise of one substep is sqrt(eps h) G(X) xi */
  /* b = b(x) */
  void (*drift)(const double *x, double *b, const void *ctx);
  /* out = G(x) xi */
  void (*diffuse)(const double *x, const double *xi, double *out, const double *b, const void *ctx);
  const void *ctx;
};

/* Scratch needed by hd_em_advance: 2 * dim doubles. */
size_t hd_em_work_size(const struct hd_sde *s);

/* m Euler-Maruyama substeps of size h:
 *   X_{n+1} = X_n + h b(X_n) + sqrt(eps h) G(X_n) xi_n,   xi_n = xi + n dim. */
void hd_em_advance(const struct hd_sde *s, double *x, double h, size_t m, const double *xi,
                   double *work);

#endif
