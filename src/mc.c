/* mc.c — ensemble runner (pthreads over runs). */
#include "mc.h"
#include "clock.h"

#include "blas_threads.h"
#include "interrupt.h"
#include "progress.h"
#include "ranks.h"
#include "threads.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct hd_ranks hd_ranks = {0, 1, NULL, NULL, NULL, NULL};

int hd_ranks_agree(int ok, const char *stage)
{
  if (hd_ranks.size <= 1 || !hd_ranks.all_ok) return ok;
  int bad = -1;
  int all = hd_ranks.all_ok(ok, &bad);
  if (!all && hd_ranks.rank == 0 && ok)
    fprintf(stderr, "hdsim-mpi: rank %d of %d failed %s; every rank stops\n", bad, hd_ranks.size,
            stage);
  return all;
}

struct mc_job {
  const struct hd_problem *pb;
  const void *plan;
  const struct hd_output_grid *g;
  double divergence;
  double steps_per_time;
  struct hd_mc_result *res;
  atomic_long next_run;
  long workers;
  atomic_ullong steps_done; /* SGD steps simulated, over all runs: the progress measure */
  double steps_total;
  atomic_int out_of_memory; /* a worker could not allocate its run state */
};

static double now(void) { return hd_now(); }

/* One run: start, then advance to each output step and observe.  A non-finite value or
 * a primary observable beyond `divergence` times max(1, |its value at t = 0|) stops the
 * run; the rest stays NaN.  A signal
 * abandons the run between output times (it is redone in full on resume: its stream is
 * a pure function of (seed, run, step), so the result is the same). */
/* Progress by steps done across runs (finished runs alone would leave the line still
 * while the first runs are under way, and make the ETA jump at each finish). */
static void report_steps(struct mc_job *job, uint64_t steps)
{
  unsigned long long done = atomic_fetch_add(&job->steps_done, steps) + steps;
  char detail[64];
  snprintf(detail, sizeof detail, "%.3g of %.3g steps", (double)done, job->steps_total);
  hd_progress_update((double)done, job->steps_total, detail);
}

static void run_one(struct mc_job *job, size_t run, void *state, double *obs)
{
  struct hd_mc_result *res = job->res;
  const struct hd_output_grid *g = job->g;
  size_t R = res->runs, T = res->n_times, O = res->n_obs;
  job->pb->sim_start(job->plan, run, state);
  uint64_t k = 0;
  /* the threshold is relative to the run's own starting scale: a model whose risk starts
   * at 2e8 (label noise 2e4) has not diverged at t = 0 */
  double threshold = job->divergence;
  for (size_t j = 0; j < T; j++) {
    if (hd_interrupted()) return;
    uint64_t bad = 0;
    int rc = job->pb->sim_advance(job->plan, run, state, k, g->steps[j], &bad);
    report_steps(job, g->steps[j] - k);
    if (hd_interrupted()) return; /* the kernel may have stopped part-way */
    k = g->steps[j];
    if (rc == 0) job->pb->sim_observe(job->plan, state, obs);
    int finite = rc == 0;
    for (size_t o = 0; o < O && finite; o++) finite = isfinite(obs[o]);
    if (j == 0 && finite) threshold = job->divergence * fmax(1.0, fabs(obs[0]));
    if (!finite || obs[0] > threshold) {
      res->diverged[run] = 1;
      res->diverged_t[run] = rc != 0 ? (double)bad / job->steps_per_time : g->t[j];
      for (size_t jj = j; jj < T; jj++)
        for (size_t o = 0; o < O; o++) res->values[(o * R + run) * T + jj] = NAN;
      res->completed[run] = 1;
      report_steps(job, g->steps[T - 1] - k); /* a stopped run's remaining steps are done */
      return;
    }
    for (size_t o = 0; o < O; o++) res->values[(o * R + run) * T + j] = obs[o];
  }
  res->completed[run] = 1;
}

static void *worker(void *arg)
{
  struct mc_job *job = arg;
  hd_threads_enter_worker(job->workers);
  /* Each thread's run state on pages of its own: with small d, states packed into one
   * page let the prefetcher pull the other thread's freshly written lines (measured:
   * 1.6x instead of 2x on two threads at d = 100). */
  void *state = NULL;
  size_t bytes = job->pb->sim_state_size(job->plan);
  double *obs = malloc(job->res->n_obs * sizeof *obs);
  if (bytes > SIZE_MAX - 4095 || posix_memalign(&state, 4096, (bytes + 4095) / 4096 * 4096) != 0 ||
      !obs) {
    atomic_store(&job->out_of_memory, 1);
    free(obs);
    return NULL;
  }
  for (;;) {
    long r = atomic_fetch_add(&job->next_run, 1);
    if (r >= (long)job->res->runs || hd_interrupted()) break;
    if (job->res->completed[r]) continue;             /* loaded from a partial file */
    if (r % hd_ranks.size != hd_ranks.rank) continue; /* another rank's run */
    run_one(job, (size_t)r, state, obs);
  }
  free(obs);
  free(state);
  return NULL;
}

/* Every run computed here is summed into every rank's arrays: a run has exactly one
 * owner, the others contribute zeros (and runs loaded from a partial file are counted
 * once, by rank 0), so the sums reproduce the owner's bits. */
static void gather_runs(struct hd_mc_result *res, const int *already)
{
  size_t R = res->runs, T = res->n_times, O = res->n_obs;
  for (size_t r = 0; r < R; r++) {
    int mine = already[r] ? hd_ranks.rank == 0 : (long)r % hd_ranks.size == hd_ranks.rank;
    if (mine) continue;
    res->completed[r] = 0;
    res->diverged[r] = 0;
    res->diverged_t[r] = 0;
    for (size_t o = 0; o < O; o++)
      for (size_t j = 0; j < T; j++) res->values[(o * R + r) * T + j] = 0;
  }
  /* NaN marks "not a number" in both directions; send it as a flag-free zero-sum:
   * diverged_t is NaN for runs that did not diverge, restored below. */
  for (size_t r = 0; r < R; r++)
    if (isnan(res->diverged_t[r])) res->diverged_t[r] = 0;
  hd_ranks.sum_doubles(res->values, O * R * T);
  hd_ranks.sum_doubles(res->diverged_t, R);
  hd_ranks.sum_ints(res->completed, R);
  hd_ranks.sum_ints(res->diverged, R);
  for (size_t r = 0; r < R; r++)
    if (!res->diverged[r]) res->diverged_t[r] = NAN;
}

void hd_mc_summarise(struct hd_mc_result *res)
{
  size_t R = res->runs, T = res->n_times, O = res->n_obs;
  for (size_t j = 0; j < T; j++) {
    long n = 0;
    for (size_t r = 0; r < R; r++)
      n += res->completed[r] && isfinite(res->values[(0 * R + r) * T + j]) ? 1 : 0;
    res->count[j] = n;
  }
  for (size_t o = 0; o < O; o++) {
    for (size_t j = 0; j < T; j++) {
      /* two-pass mean and variance, in run order: deterministic */
      double s = 0;
      long n = 0;
      for (size_t r = 0; r < R; r++) {
        double v = res->values[(o * R + r) * T + j];
        if (res->completed[r] && isfinite(v)) s += v, n++;
      }
      double mean = n ? s / (double)n : NAN, ss = 0;
      for (size_t r = 0; r < R; r++) {
        double v = res->values[(o * R + r) * T + j];
        if (res->completed[r] && isfinite(v)) ss += (v - mean) * (v - mean);
      }
      res->mean[o * T + j] = mean;
      res->stderr_[o * T + j] = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : NAN;
    }
  }
}

int hd_mc_alloc(struct hd_mc_result *res, const struct hd_problem *pb, const void *plan,
                const struct hd_output_grid *g, long runs)
{
  const struct hd_observable *obs;
  memset(res, 0, sizeof *res);
  res->runs = (size_t)runs;
  res->n_times = g->n;
  res->n_obs = pb->observables(plan, &obs);
  size_t R = res->runs, T = res->n_times, O = res->n_obs;
  /* sizes from user values: checked, never wrapped */
  if (runs < 1 || (O && (R > SIZE_MAX / O || T > SIZE_MAX / sizeof(double) / (O * R)))) return -1;
  res->values = malloc(O * R * T * sizeof(double));
  res->mean = malloc(O * T * sizeof(double));
  res->stderr_ = malloc(O * T * sizeof(double));
  res->count = malloc(T * sizeof(long));
  res->completed = calloc(R, sizeof(int));
  res->diverged = calloc(R, sizeof(int));
  res->diverged_t = malloc(R * sizeof(double));
  if (!res->values || !res->mean || !res->stderr_ || !res->count || !res->completed ||
      !res->diverged || !res->diverged_t) {
    hd_mc_result_free(res);
    return -1;
  }
  for (size_t i = 0; i < O * R * T; i++) res->values[i] = NAN;
  for (size_t r = 0; r < R; r++) res->diverged_t[r] = NAN;
  return 0;
}

int hd_mc_execute(struct hd_mc_result *res, const struct hd_problem *pb, const void *plan,
                  const struct hd_output_grid *g, long threads, double divergence, int quiet)
{
  long runs = (long)res->runs;
  if (threads <= 0) threads = hd_threads_limit();
  if (threads > runs) threads = runs;
  res->threads = threads;

  /* runs already loaded from a partial file are not redone (and not summed again) */
  int *already = malloc(res->runs * sizeof *already);
  memcpy(already, res->completed, res->runs * sizeof *already);
  res->n_completed = 0;
  for (size_t r = 0; r < res->runs; r++) res->n_completed += (size_t)res->completed[r];
  double todo = (double)(res->runs - res->n_completed) / hd_ranks.size;
  struct mc_job job = {.pb = pb,
                       .plan = plan,
                       .g = g,
                       .divergence = divergence,
                       .steps_per_time = pb->steps_per_time(plan),
                       .res = res,
                       .workers = threads,
                       .steps_total = todo * (double)(g->n ? g->steps[g->n - 1] : 0)};
  atomic_init(&job.next_run, 0);
  atomic_init(&job.steps_done, 0);
  atomic_init(&job.out_of_memory, 0);
  (void)quiet; /* progress is decided once per command (hd_progress_init) */
  hd_progress_begin("simulation");
  double t0 = now();
  /* Every run gets one BLAS thread, however many runs are in flight: OpenBLAS's own
   * threads on top of ours would oversubscribe the cores (measured on the grokking closure:
   * 5x slower, half the time spinning in the kernel), and OpenBLAS's sums depend on its
   * thread count, so a fixed count keeps the runs' bits independent of --threads. */
  int blas_threads = hd_blas_one_thread();
  pthread_t *tid = malloc((size_t)threads * sizeof *tid);
  long started = 0;
  for (long i = 1; i < threads; i++)
    if (pthread_create(&tid[i], NULL, worker, &job) == 0) started = i;
    else break;
  worker(&job); /* the calling thread works too */
  for (long i = 1; i <= started; i++) pthread_join(tid[i], NULL);
  free(tid);
  hd_blas_restore(blas_threads);
  hd_threads_set(hd_threads_limit()); /* the calling thread's OpenMP team, as before */
  res->seconds += now() - t0;
  hd_progress_end();

  if (hd_ranks.size > 1) gather_runs(res, already);
  free(already);
  res->n_diverged = res->n_completed = 0;
  for (size_t r = 0; r < res->runs; r++) {
    res->n_diverged += (size_t)res->diverged[r];
    res->n_completed += (size_t)res->completed[r];
  }
  hd_mc_summarise(res);
  if (atomic_load(&job.out_of_memory)) return -1;
  return res->n_completed < res->runs ? 1 : 0;
}

int hd_mc_run(const struct hd_problem *pb, const void *plan, const struct hd_output_grid *g,
              long runs, long threads, double divergence, int quiet, struct hd_mc_result *res)
{
  if (hd_mc_alloc(res, pb, plan, g, runs) != 0) return -1;
  return hd_mc_execute(res, pb, plan, g, threads, divergence, quiet);
}

void hd_mc_result_free(struct hd_mc_result *res)
{
  free(res->values);
  free(res->mean);
  free(res->stderr_);
  free(res->count);
  free(res->completed);
  free(res->diverged);
  free(res->diverged_t);
  memset(res, 0, sizeof *res);
}
