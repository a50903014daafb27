/* grok_linear_estimator_sim.c — the finite-d_in Monte Carlo of the Levi et al. linear estimator
 * (grok.md §4.1, §6.5).  A run draws its own training inputs X (N_tr x d_in, N(0,1)) and
 * S0, T ~ N(0, 1/(2 d_in)) from its INIT stream keyed by (seed, run), then either
 *   gd     steps D+ = D - (2 eta / N_tr) X^T (X D) literally (two dgemv per step), or
 *   eigen  diagonalises Sigma_tr = X^T X / N_tr once (dsyevd) and evaluates
 *          L_tr = sum_k s_k c_k^2 (1 - 2 eta s_k)^{2t}, L_gen = sum_k c_k^2 (1 - 2 eta s_k)^{2t}
 *          (c = V^T D0) at every output time: the same iterates, O(d_in) per output. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/grok_linear_estimator_sim.h"

/* state: [t | D (d) | X (n d) | Xd (n)]   gd
 *        [t | s (d) | c (d)]               eigen */
size_t gle_sim_state_size(const struct gle_sim *P)
{
  size_t d = P->d, n = P->n;
  return (1 + (P->route == GLE_ROUTE_GD ? d + n * d + n : 2 * d)) * sizeof(double);
}

void gle_sim_start(const struct gle_sim *P, uint64_t run, void *state)
{
  size_t d = P->d, n = P->n;
  double *st = state, *X = malloc(n * d * sizeof *X), *D0 = malloc(d * sizeof *D0);
  double *T = malloc(d * sizeof *T);
  struct hd_rng r;
  hd_rng_init(&r, P->seed, run, HD_STREAM_INIT, 0);
  hd_rng_normal_array(&r, D0, d); /* S0 */
  hd_rng_normal_array(&r, T, d);  /* teacher */
  hd_rng_seek(&r, 1);
  hd_rng_normal_array(&r, X, n * d);
  double sc = 1.0 / sqrt(2.0 * (double)d);
  for (size_t i = 0; i < d; i++) D0[i] = sc * (D0[i] - T[i]);
  st[0] = 0;
  if (P->route == GLE_ROUTE_GD) {
    memcpy(st + 1, D0, d * sizeof *D0);
    memcpy(st + 1 + d, X, n * d * sizeof *X);
  } else {
    double *S = malloc(d * d * sizeof *S), *s = st + 1, *c = st + 1 + d;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)n, X, (int)d,
                0.0, S, (int)d);
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, S, (lapack_int)d,
                                     s);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, S, (int)d, D0, 1, 0.0, c, 1);
    if (info != 0) c[0] = NAN; /* reported by the engine as a failed run */
    free(S);
  }
  free(X);
  free(D0);
  free(T);
}

int gle_sim_advance(const struct gle_sim *P, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step)
{
  double *st = state;
  st[0] = (double)k1;
  if (P->route != GLE_ROUTE_GD) return 0;
  size_t d = P->d, n = P->n;
  double *D = st + 1, *X = D + d, *Xd = X + n * d;
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, D, 1, 0.0, Xd, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, -2 * P->eta / (double)n, X, (int)d, Xd,
                1, 1.0, D, 1);
    if (!isfinite(D[0])) {
      *bad_step = k;
      return 1;
    }
  }
  return 0;
}

void gle_sim_losses(const struct gle_sim *P, const void *state, double *train, double *gen)
{
  const double *st = state;
  size_t d = P->d, n = P->n;
  double tr = 0, gen_loss = 0;
  if (P->route == GLE_ROUTE_GD) {
    const double *D = st + 1, *X = D + d;
    gen_loss = cblas_ddot((int)d, D, 1, D, 1);
    for (size_t m = 0; m < n; m++) {
      double h = cblas_ddot((int)d, X + m * d, 1, D, 1);
      tr += h * h;
    }
    tr /= (double)n;
  } else {
    const double *s = st + 1, *c = st + 1 + d;
    for (size_t k = 0; k < d; k++) {
      double f = pow(1 - 2 * P->eta * s[k], 2 * st[0]) * c[k] * c[k];
      tr += s[k] * f;
      gen_loss += f;
    }
  }
  *train = tr;
  *gen = gen_loss;
}
