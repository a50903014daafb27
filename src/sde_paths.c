/* sde_paths.c — Euler-Maruyama (see sde_paths.h).  The noise is scaled by sqrt(eps h),
 * not h (the authors' scheme, correct only for h = eta: sam.md §2 and "Conventions that differ from the paper"). */
#include "sde_paths.h"

#include <math.h>

size_t hd_em_work_size(const struct hd_sde *s) { return 2 * s->dim; }

void hd_em_advance(const struct hd_sde *s, double *x, double h, size_t m, const double *xi,
                   double *work)
{
  const size_t n = s->dim;
  double *b = work, *noise = work + n;
  const double c = sqrt(s->eps * h);
  for (size_t k = 0; k < m; k++) {
    s->drift(x, b, s->ctx);
    s->diffuse(x, xi + k * n, noise, b, s->ctx); /* evaluated at X_n, before the update */
    for (size_t i = 0; i < n; i++) x[i] = x[i] + h * b[i] + c * noise[i];
  }
}
