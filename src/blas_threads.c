/* blas_threads.c — see blas_threads.h. */
#include "blas_threads.h"

#include <cblas.h>

int hd_blas_one_thread(void)
{
  int n = openblas_get_num_threads();
  if (n > 1) openblas_set_num_threads(1);
  return n;
}

void hd_blas_restore(int threads)
{
  if (threads > 1) openblas_set_num_threads(threads);
}
