/* sam_quadratic_lyapunov.c — stationary covariance of a linear SDE dX = -A X dt + G dW:
 *   A C + C A^T = R,  R = G G^T        (sam.md §3.2, O3)
 * by Bartels-Stewart with LAPACKE: real Schur form A = V T V^T (dgees), F = V^T R V,
 * T Y + Y T^T = scale F (dtrsyl, trana = N, tranb = T, isgn = +1), C = V Y V^T / scale.
 * Works for any A whose eigenvalues have positive real parts (the stationary branch). */
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "sde/sam_quadratic.h"

/* out = X^T Y X  (transpose_first) or X Y X^T, all n x n row-major. */
static void congruence(size_t n, const double *X, const double *Y, double *out, int transpose_first)
{
  double *tmp = calloc(n * n, sizeof *tmp);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n; k++) {
      double xik = transpose_first ? X[k * n + i] : X[i * n + k];
      for (size_t j = 0; j < n; j++) tmp[i * n + j] += xik * Y[k * n + j];
    }
  memset(out, 0, n * n * sizeof *out);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n; k++) {
      double t = tmp[i * n + k];
      for (size_t j = 0; j < n; j++)
        out[i * n + j] += t * (transpose_first ? X[k * n + j] : X[j * n + k]);
    }
  free(tmp);
}

int hd_lyapunov_continuous(size_t n, const double *A, const double *R, double *C)
{
  double *T = malloc(n * n * sizeof *T), *V = malloc(n * n * sizeof *V);
  double *wr = malloc(n * sizeof *wr), *wi = malloc(n * sizeof *wi), *F = malloc(n * n * sizeof *F);
  memcpy(T, A, n * n * sizeof *T);
  lapack_int sdim = 0, N = (lapack_int)n;
  int info = LAPACKE_dgees(LAPACK_ROW_MAJOR, 'V', 'N', NULL, N, T, N, &sdim, wr, wi, V, N);
  if (info == 0) {
    congruence(n, V, R, F, 1); /* F = V^T R V */
    double scale = 1;
    info = LAPACKE_dtrsyl(LAPACK_ROW_MAJOR, 'N', 'T', 1, N, N, T, N, T, N, F, N, &scale);
    if (info >= 0) {             /* info = 1: perturbed (near-singular), still a solution */
      congruence(n, V, F, C, 0); /* C = V Y V^T */
      for (size_t k = 0; k < n * n; k++) C[k] /= scale;
      info = 0;
    }
  }
  free(T);
  free(V);
  free(wr);
  free(wi);
  free(F);
  return info;
}

int samq_stationary_covariance(const struct samq_system *Q, double *C)
{
  size_t d = Q->d;
  double *A = calloc(d * d, sizeof *A), *R = malloc(d * d * sizeof *R);
  for (size_t i = 0; i < d; i++) {
    A[i * d + i] = samq_mu(Q, i);
    for (size_t j = 0; j < d; j++)
      R[i * d + j] = Q->lr * samq_noise_factor(Q, i, j) * Q->Sigma[i * d + j];
  }
  int info = hd_lyapunov_continuous(d, A, R, C);
  free(A);
  free(R);
  return info;
}
