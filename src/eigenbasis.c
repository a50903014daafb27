/* eigenbasis.c — data coordinates to the covariance eigenbasis (eigenbasis.h). */
#include "eigenbasis.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "array_input.h"

double hd_eigenbasis_defect(const double *U, size_t d)
{
  double *G = malloc(d * d * sizeof *G);
  if (!G) return INFINITY;
  /* G = U^T U, upper triangle */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)d, 1.0, U, (int)d, 0.0, G,
              (int)d);
  double worst = 0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = i; j < d; j++) worst = fmax(worst, fabs(G[i * d + j] - (i == j ? 1.0 : 0.0)));
  free(G);
  return worst;
}

void hd_eigenbasis_apply(const double *U, size_t d, const double *v, double *out)
{
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, U, (int)d, v, 1, 0.0, out, 1);
}

double *hd_eigenbasis_read(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                           const char *key, const char *spec, size_t d)
{
  double *U;
  if (hd_config_read_array(cfg, err, section, key, spec, d, d, &U, NULL, NULL) != 0) return NULL;
  double defect = hd_eigenbasis_defect(U, d);
  if (!(defect <= HD_EIGENBASIS_TOL)) {
    hd_config_error(cfg, err, section, key,
                    "'%s' is not orthonormal: max |U^T U - I| = %.3g (at most %g)", spec, defect,
                    HD_EIGENBASIS_TOL);
    free(U);
    return NULL;
  }
  return U;
}
