/* compare.c — theory vs simulation errors. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>

void hd_compare_compute(const double *theory, const double *mean, const double *stderr_,
                        const double *runs, size_t R, size_t n, double size, struct hd_compare *c)
{
  c->n_times = n;
  c->abs_err = malloc(n * sizeof(double));
  c->rel_err = malloc(n * sizeof(double));
  c->z = malloc(n * sizeof(double));
  c->scaled = malloc(n * sizeof(double));
  c->run_rms = malloc(n * sizeof(double));
  c->sup_abs = c->sup_rel = c->sup_z = c->sup_scaled = c->sup_run_rms = 0;
  double root = sqrt(size);
  for (size_t j = 0; j < n; j++) {
    double a = mean[j] - theory[j];
    c->abs_err[j] = a;
    c->rel_err[j] = theory[j] != 0 ? a / fabs(theory[j]) : NAN;
    /* At t = 0 every run may start from the same point: a standard error that is zero,
     * or only rounding (runs equal to the last bits), makes z undefined, not huge. */
    c->z[j] = stderr_[j] > 1e-12 * fabs(mean[j]) ? a / stderr_[j] : NAN;
    c->scaled[j] = root * a;
    double ss = 0;
    size_t m = 0;
    for (size_t r = 0; runs && r < R; r++) {
      double v = runs[r * n + j];
      if (isfinite(v)) ss += (v - theory[j]) * (v - theory[j]), m++;
    }
    c->run_rms[j] = m && theory[j] != 0 ? sqrt(ss / (double)m) / fabs(theory[j]) : NAN;
    if (isfinite(c->scaled[j])) c->sup_scaled = fmax(c->sup_scaled, fabs(c->scaled[j]));
    if (isfinite(c->run_rms[j])) c->sup_run_rms = fmax(c->sup_run_rms, c->run_rms[j]);
    if (isfinite(a)) c->sup_abs = fmax(c->sup_abs, fabs(a));
    if (isfinite(c->rel_err[j])) c->sup_rel = fmax(c->sup_rel, fabs(c->rel_err[j]));
    if (isfinite(c->z[j])) c->sup_z = fmax(c->sup_z, fabs(c->z[j]));
  }
}

void hd_compare_free(struct hd_compare *c)
{
  free(c->abs_err);
  free(c->rel_err);
  free(c->z);
  free(c->scaled);
  free(c->run_rms);
  c->abs_err = c->rel_err = c->z = c->scaled = c->run_rms = NULL;
}
