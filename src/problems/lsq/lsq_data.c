/* lsq_data.c — a user's data set for noisy_sgd (docs/theory/noisy.md, NS-15): the rows
 * a_k and labels b_k of [data] data_file and labels_file, the model the theory takes from
 * them, and the rows in the eigen-coordinates the simulation works in.
 *
 * With data_theory = empirical the model is the data's empirical measure: K = A^T A / n
 * (its eigenvectors V are the basis), theta* the least-squares fit K^+ A^T b / n and the
 * label noise eps_k = b_k - <a_k, theta*>, whose mean square is the theory's sigma^2.
 * Then 1/2 (e^T K e + sigma^2) is exactly the empirical risk (1/2n) ||A theta - b||^2,
 * because the residual of a least-squares fit is orthogonal to the columns of A. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "blas_threads.h"
#include "problems/lsq/lsq_plan.h"

int lsq_data_read(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t n = 0, cols = 0;
  if (hd_config_read_array(cfg, err, "data", "data_file", P->p.data_file, HD_ARRAY_ANY, P->d,
                           &P->data_x, &n, &cols) != 0)
    return -1;
  P->data_n = n;
  if (n == 0) {
    hd_config_error(cfg, err, "data", "data_file", "'%s' has no rows", P->p.data_file);
    return -1;
  }
  return hd_config_read_array(cfg, err, "data", "labels_file", P->p.labels_file, n, 0, &P->data_eps,
                              NULL, NULL);
}

int lsq_data_empirical(struct lsq_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  size_t d = P->d, n = P->data_n;
  double *K = malloc(d * d * sizeof *K), *w = malloc(d * sizeof *w);
  double *c = malloc(d * sizeof *c), *ct = malloc(d * sizeof *ct);
  P->lambda = malloc(d * sizeof(double));
  P->sqrt_lambda = malloc(d * sizeof(double));
  P->basis = malloc(d * d * sizeof(double));
  P->theta_star = malloc(d * sizeof(double));
  int threads = hd_blas_one_thread(); /* the bits must not depend on OpenBLAS's threads */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)n, P->data_x,
              (int)d, 0.0, K, (int)d);
  int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, K, (lapack_int)d, w);
  /* c = A^T b / n, then its eigen-coordinates */
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0 / (double)n, P->data_x, (int)d,
              P->data_eps, 1, 0.0, c, 1);
  hd_blas_restore(threads);
  int rc = 0;
  if (info != 0 || !(w[d - 1] > 0)) {
    hd_config_error(cfg, err, "data", "data_file",
                    info != 0 ? "the eigen-decomposition of A^T A / n failed"
                              : "every row of '%s' is zero",
                    P->p.data_file);
    rc = -1;
  }
  /* largest eigenvalue first; what rounding leaves of a zero eigenvalue is zero, and the
   * fit has no component there (the pseudo-inverse) */
  double floor_l = rc == 0 ? (double)d * DBL_EPSILON * w[d - 1] : 0;
  for (size_t j = 0; j < d && rc == 0; j++) {
    size_t src = d - 1 - j;
    for (size_t i = 0; i < d; i++) P->basis[i * d + j] = K[i * d + src];
    P->lambda[j] = w[src] > floor_l ? w[src] : 0.0;
    P->sqrt_lambda[j] = sqrt(P->lambda[j]);
  }
  if (rc == 0) {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, P->basis, (int)d, c, 1, 0.0, ct, 1);
    P->trace = 0;
    for (size_t j = 0; j < d; j++) {
      P->theta_star[j] = P->lambda[j] > 0 ? ct[j] / P->lambda[j] : 0.0;
      P->trace += P->lambda[j];
    }
  }
  free(K), free(w), free(c), free(ct);
  return rc;
}

void lsq_data_rows(struct lsq_plan *P)
{
  size_t d = P->d, n = P->data_n;
  if (P->basis) { /* x_k = U^T a_k, all rows at once: X = A U */
    double *X = malloc(n * d * sizeof *X);
    int threads = hd_blas_one_thread();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, P->data_x,
                (int)d, P->basis, (int)d, 0.0, X, (int)d);
    hd_blas_restore(threads);
    free(P->data_x);
    P->data_x = X;
  }
  /* the labels become the label noise of each row: b_k - <x_k, theta*> */
  double ss = 0;
  for (size_t k = 0; k < n; k++) {
    const double *x = P->data_x + k * d;
    double dot = 0;
    for (size_t i = 0; i < d; i++) dot += x[i] * P->theta_star[i];
    P->data_eps[k] -= dot;
    ss += P->data_eps[k] * P->data_eps[k];
  }
  P->data_sd = sqrt(ss / (double)n);
}
