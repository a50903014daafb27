/* compare.h — errors of the Monte Carlo mean against the theory, on the common grid. */
#ifndef HDSIM_COMPARE_H
#define HDSIM_COMPARE_H

#include <stddef.h>

struct hd_compare {
  size_t n_times;
  double *abs_err;  /* mean - theory */
  double *rel_err;  /* (mean - theory) / |theory| */
  double *z;        /* (mean - theory) / stderr */
  double sup_abs, sup_rel, sup_z; /* sup over the times where all are finite (t > 0 for z) */
};

/* theory, mean, stderr_: n values each. */
void hd_compare_compute(const double *theory, const double *mean, const double *stderr_,
                        size_t n, struct hd_compare *c);
void hd_compare_free(struct hd_compare *c);

#endif
