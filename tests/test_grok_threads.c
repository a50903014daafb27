/* test_grok_threads.c — the grokking theory keeps to the run's thread count.
 *
 * The blocked closure increment (kernels/grok_closure_blocked.c) shares its row blocks
 * among an OpenMP team; its size must come from [simulation] threads (--threads), not
 * from OpenMP's default.  libgomp starts a team's threads on first use and keeps them, so
 * the threads of this process (/proc/self/task) counted around a theory solve show the
 * largest team it ran.  The test runs with OMP_NUM_THREADS=4 (tests/meson.build), so that
 * OpenMP's default is 4 on any machine:
 *   1. threads = 1: no thread may start;
 *   2. threads = 2: exactly one (the check that the count sees a team at all);
 *   3. threads = 0 (the cores available to this process, not OpenMP's default of 4):
 *      the team grows to min(available, 4 blocks).
 * The batch (D = 40, P = 1100) takes the blocked form with 4 blocks of 275 rows. */
#include <dirent.h>
#include <stdlib.h>

#include <cblas.h>

#include "testlib.h"
#include "threads.h"

static const char *model = "[model]\nproblem = dmft_grokking\nseed = 3\n"
                           "[data]\nD = 40\nP = 1100\ntest_points = 50\n"
                           "[network]\nN = 40\nalpha = 1\neps = 0.3\n"
                           "[optimizer]\neta0 = 1\n[observables]\nkmse = false\n"
                           "[simulation]\nenabled = false\nhorizon = 4\nthreads = %d\n"
                           "[theory]\nmethod = recursion\n[output]\ntimes = linear(0, 4, 3)\n";

static int count_threads(void)
{
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Threads started by a theory solve under [simulation] threads = threads. */
static int threads_started(int threads)
{
  struct hd_session *s = tl_session(model, threads);
  struct hd_output_grid g;
  tl_grid(s, &g);
  int before = count_threads();
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  int after = count_threads();
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return before < 0 || after < 0 ? -1 : after - before;
}

int main(void)
{
#ifndef _OPENMP
  printf("skip: built without OpenMP, the theory runs on one thread\n");
  return 77;
#else
  const char *omp = getenv("OMP_NUM_THREADS");
  if (!omp || atoi(omp) < 4) {
    printf("skip: needs OMP_NUM_THREADS >= 4 (set by tests/meson.build)\n");
    return 77;
  }
  if (count_threads() < 0) {
    printf("skip: /proc/self/task is not readable here\n");
    return 77;
  }
  /* OpenBLAS's own threads start before any of this (or now, on a first large call) */
  double a[256 * 256];
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) a[i] = 1.0 / (double)(i + 1);
  double c[256 * 256];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 256, 256, 256, 1.0, a, 256, a, 256, 0.0, c,
              256);
  int one = threads_started(1);
  tl_check(one == 0, "threads = 1: the theory started %d threads (0)", one);
  int two = threads_started(2);
  tl_check(two == 1, "threads = 2: the theory started %d threads (1: a team of two)", two);
  int all = threads_started(0);
  long avail = hd_threads_available();
  int want = (avail < 4 ? (int)avail : 4) - 2; /* beyond the team of two kept from above */
  if (want < 0) want = 0;
  tl_check(all == want,
           "threads = 0 (the %ld cores available, not OpenMP's default of 4): %d "
           "more threads (%d)",
           avail, all, want);
  return tl_finish();
#endif
}
