/* threads.h — how many cores hdsim may keep busy, and holding every phase to it.
 *
 * `--threads N` (or [simulation] threads) is a promise of at most N busy threads in every
 * phase: the theory's OpenMP passes, the simulation's pthreads (with OpenMP inside a run
 * given the cores the runs leave over), and OpenBLAS, kept on one thread throughout.  The default is the cores this
 * process may use: its CPU affinity mask and its cgroup's CPU quota, not the machine's
 * count (a container or `taskset` sees fewer). */
#ifndef HDSIM_THREADS_H
#define HDSIM_THREADS_H

/* Cores available to this process (>= 1): the affinity mask's count, capped by the
 * cgroup CPU quota (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us)
 * rounded up. */
long hd_threads_available(void);

/* Sets the limit for what follows: OpenMP's team size on this thread becomes n
 * (n <= 0: hd_threads_available()), and OpenBLAS runs on one thread (its sums depend on
 * its thread count, results must not).  Returns the limit. */
long hd_threads_set(long n);

/* The limit last set (hd_threads_available() before any). */
long hd_threads_limit(void);

/* In a worker thread of a pool of `workers` threads: its OpenMP team size, so that the
 * pool together stays within the limit (at least 1). */
void hd_threads_enter_worker(long workers);

#endif
