/* threads.c — see threads.h. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "threads.h"

#include <cblas.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static long limit;

/* The cgroup's CPU quota in cores (rounded up), or 0 when unlimited or unknown. */
static long cgroup_quota(void)
{
  double quota = 0, period = 0;
  FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r"); /* v2: "max 100000" or "200000 100000" */
  if (f) {
    char q[32] = "";
    if (fscanf(f, "%31s %lf", q, &period) == 2 && strcmp(q, "max") != 0) quota = atof(q);
    fclose(f);
  } else if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r")) != NULL) { /* v1 */
    if (fscanf(f, "%lf", &quota) != 1) quota = 0;
    fclose(f);
    if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r")) != NULL) {
      if (fscanf(f, "%lf", &period) != 1) period = 0;
      fclose(f);
    }
  }
  return quota > 0 && period > 0 ? (long)ceil(quota / period) : 0;
}

long hd_threads_available(void)
{
  long n = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = sysconf(_SC_NPROCESSORS_ONLN);
  long q = cgroup_quota();
  if (q > 0 && q < n) n = q;
  return n > 0 ? n : 1;
}

long hd_threads_set(long n)
{
  limit = n > 0 ? n : hd_threads_available();
#ifdef _OPENMP
  omp_set_num_threads((int)limit);
#endif
  /* OpenBLAS's sums depend on its thread count (measured: the grokking theory's bits
   * change between 1 and 2 BLAS threads), so BLAS stays on one thread in every phase:
   * the results depend neither on N nor on the machine, and hdsim's own OpenMP passes
   * and workers are what use the N cores. */
  openblas_set_num_threads(1);
  return limit;
}

long hd_threads_limit(void) { return limit > 0 ? limit : hd_threads_available(); }

void hd_threads_enter_worker(long workers)
{
  long each = workers > 0 ? hd_threads_limit() / workers : 1;
#ifdef _OPENMP
  omp_set_num_threads(each > 0 ? (int)each : 1);
#else
  (void)each;
#endif
}
