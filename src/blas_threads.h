/* blas_threads.h — run a stretch of work with OpenBLAS on one thread, then give it back.
 *
 * Used wherever hdsim shares the cores itself (simulated runs, the blocked grokking
 * closure): OpenBLAS's own threads on top would oversubscribe the cores, its idle threads
 * spin for ~0.1 s after a multi-threaded call, and its sums depend on its thread count,
 * so one thread is also what keeps the bits independent of ours. */
#ifndef HDSIM_BLAS_THREADS_H
#define HDSIM_BLAS_THREADS_H

/* Sets OpenBLAS to one thread; returns the count to hand to hd_blas_restore. */
int hd_blas_one_thread(void);
void hd_blas_restore(int threads);

#endif
