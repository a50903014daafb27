/* clock.h — wall-clock seconds from a monotonic clock (timings in /diagnostics and the
 * benchmarks). */
#ifndef HDSIM_CLOCK_H
#define HDSIM_CLOCK_H

#include <time.h>

static inline double hd_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
