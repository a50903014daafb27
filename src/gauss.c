/* gauss.c — Golub-Welsch: the nodes are the eigenvalues of the symmetric tridiagonal Jacobi
 * matrix of the orthogonal polynomials, the weights the squared first components of its
 * normalised eigenvectors (times the total mass, 1 here). */
#include "gauss.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>

static int golub_welsch(size_t n, double *diag, double *off, double *nodes, double *weights)
{
  double *Z = malloc(n * n * sizeof *Z);
  int info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', (lapack_int)n, diag, off, Z, (lapack_int)n);
  if (info == 0)
    for (size_t k = 0; k < n; k++) {
      nodes[k] = diag[k];
      weights[k] = Z[k] * Z[k]; /* row 0, column k */
    }
  free(Z);
  return info;
}

int hd_gauss_hermite(size_t n, double *nodes, double *weights)
{
  double *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
  for (size_t k = 1; k < n; k++) b[k - 1] = sqrt((double)k); /* He_k recurrence */
  int info = golub_welsch(n, a, b, nodes, weights);
  free(a);
  free(b);
  return info;
}

int hd_gauss_gamma(size_t n, double shape, double *nodes, double *weights)
{
  double al = shape - 1, *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
  for (size_t k = 0; k < n; k++) a[k] = 2 * (double)k + al + 1;
  for (size_t k = 1; k < n; k++) b[k - 1] = sqrt((double)k * ((double)k + al));
  int info = golub_welsch(n, a, b, nodes, weights);
  free(a);
  free(b);
  return info;
}
