/* main_mpi.c — hdsim-mpi: the same command line under mpirun/srun.  Runs are split over
 * ranks (run r on rank r mod size) and summed back exactly, so the file rank 0 writes is
 * bit-identical to a one-process `hdsim run`.  Ranks other than 0 stay silent. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranks.h"

int hd_cli_main(int argc, char **argv);

static void sum_doubles(double *v, size_t n)
{
  MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static void sum_ints(int *v, size_t n)
{
  MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
}

static int all_ok(int ok, int *first_bad)
{
  int mine = ok ? hd_ranks.size : hd_ranks.rank, lowest;
  MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  *first_bad = lowest;
  return lowest == hd_ranks.size;
}

/* Rank 0's text against every rank's: runs computed from different model files, seeds
 * or input files would otherwise be summed into one "complete" result. */
static int same_text(const char *text)
{
  int len = (int)strlen(text) + 1, len0 = len;
  MPI_Bcast(&len0, 1, MPI_INT, 0, MPI_COMM_WORLD);
  char *root = malloc((size_t)len0);
  if (hd_ranks.rank == 0) memcpy(root, text, (size_t)len0);
  MPI_Bcast(root, len0, MPI_CHAR, 0, MPI_COMM_WORLD);
  int same = len0 == len && memcmp(root, text, (size_t)len) == 0, bad;
  free(root);
  return all_ok(same, &bad);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &hd_ranks.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &hd_ranks.size);
  hd_ranks.sum_doubles = sum_doubles;
  hd_ranks.sum_ints = sum_ints;
  hd_ranks.all_ok = all_ok;
  hd_ranks.same_text = same_text;
  if (hd_ranks.rank != 0) {
    /* the same messages would come from every rank */
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return 1;
  }
  int rc = hd_cli_main(argc, argv);
  MPI_Finalize();
  return rc;
}
