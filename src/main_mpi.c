/* main_mpi.c — hdsim-mpi: the same command line under mpirun/srun.  Runs are split over
 * ranks (run r on rank r mod size) and summed back exactly, so the file rank 0 writes is
 * bit-identical to a one-process `hdsim run`.  Ranks other than 0 stay silent. */
#include <mpi.h>
#include <stdio.h>

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

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &hd_ranks.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &hd_ranks.size);
  hd_ranks.sum_doubles = sum_doubles;
  hd_ranks.sum_ints = sum_ints;
  if (hd_ranks.rank != 0) {
    /* the same messages would come from every rank */
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return 1;
  }
  int rc = hd_cli_main(argc, argv);
  MPI_Finalize();
  return rc;
}
