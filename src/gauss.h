/* gauss.h — Gauss quadrature rules by Golub-Welsch (eigenvalues of the Jacobi matrix,
 * LAPACKE_dstev), weights normalised to sum 1 so that sum_k w_k g(x_k) approximates an
 * expectation.  Exact for polynomials of degree <= 2n - 1. */
#ifndef HDSIM_GAUSS_H
#define HDSIM_GAUSS_H

#include <stddef.h>

/* E g(Z), Z ~ N(0, 1): probabilists' Gauss-Hermite.  Returns 0 or a LAPACK info. */
int hd_gauss_hermite(size_t n, double *nodes, double *weights);

/* E g(X), X ~ Gamma(shape, 1) (density x^{shape-1} e^{-x} / Gamma(shape), shape > 0):
 * generalised Gauss-Laguerre with alpha = shape - 1. */
int hd_gauss_gamma(size_t n, double shape, double *nodes, double *weights);

#endif
