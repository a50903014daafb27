/* ranks.h — how the work is split across processes.  One process (hdsim) is rank 0 of
 * 1; under mpirun, hdsim-mpi fills this in after MPI_Init, so the engine itself never
 * includes mpi.h.  Run r is computed by rank r mod size (and by any thread there), and
 * the per-run results are summed to every rank: each value has exactly one non-zero
 * contributor, so the sum is exact and the datasets are bit-identical to one process. */
#ifndef HDSIM_RANKS_H
#define HDSIM_RANKS_H

#include <stddef.h>

struct hd_ranks {
  int rank, size;
  /* in-place element-wise sum over ranks (NULL when size == 1) */
  void (*sum_doubles)(double *v, size_t n);
  void (*sum_ints)(int *v, size_t n);
};

extern struct hd_ranks hd_ranks;

static inline int hd_is_root(void) { return hd_ranks.rank == 0; }

#endif
