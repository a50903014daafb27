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
  /* 1 when ok is true on every rank; *first_bad: the lowest rank where it is not.  NULL
   * when size == 1.  A collective: every rank calls it at the same points, so a rank that
   * fails early still meets the others there and all stop together (no hang). */
  int (*all_ok)(int ok, int *first_bad);
  /* 1 when text (e.g. a provenance digest) is the same on every rank as on rank 0. */
  int (*same_text)(const char *text);
};

extern struct hd_ranks hd_ranks;

static inline int hd_is_root(void) { return hd_ranks.rank == 0; }

/* Every rank agrees that `ok` holds, or all of them stop: rank 0 says which rank failed
 * at `stage` (the failing rank printed its own reason, or rank 0 did). */
int hd_ranks_agree(int ok, const char *stage);

#endif
