/* mc_lsq.c — benchmark of the one-pass SGD kernel (run on demand: `ninja -C build bench`).
 *
 * Prints coordinate-steps per second (steps x d / seconds) for d = 10^2 .. 10^5 of
 *   (1) hdsim's hd_lsq_kernel_advance, one thread;
 *   (2) the same, two threads (one run per thread, aggregate rate) and the scaling ratio;
 *   (3) a plain scalar C baseline: Philox4x64-10 + Marsaglia polar, one fused loop for
 *       draw and scale, a sequential dot product, the same update;
 *   (4) numpy (bench/mc_lsq_numpy.py, run through popen): a per-step Python loop and the
 *       same loop batched over R runs (R x d arrays);
 * and the ratios hdsim/scalar-C and hdsim/numpy, all measured in this run.
 * Model: lambda_i = 2.5 (i/d)^1.5, learning rate 0.5, label noise 0.5, Gaussian features.
 *
 * Usage: mc_lsq [--numpy SCRIPT] [--python PYTHON] [--quick] [--no-pin]
 *   PYTHON empty or missing: the numpy columns are skipped.  The two threads are pinned to
 *   CPUs 0 and 1 (one run per core) unless --no-pin.  Each rate is the best of 3 timings
 *   of ~0.25 s (--quick: one of 0.1 s), so load from other processes shows less. */
#define _GNU_SOURCE /* pthread_setaffinity_np */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <Random123/philox.h>

#include "rng.h"
#include "sim/lsq_kernel.h"

#define ND 4
static const size_t dims[ND] = {100, 1000, 10000, 100000};
static const uint64_t SEED = 20240601;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double lr_const(double t, const void *ctx)
{
  (void)t;
  return *(const double *)ctx;
}

static const double LR = 0.5, NOISE = 0.5;

/* --------------------------------------------------------- scalar C baseline ------- */

struct pstream {
  philox4x64_key_t key;
  uint64_t step, purpose, m;
  uint64_t buf[4];
  int used;
  int has_spare;
  double spare;
};

static void ps_seek(struct pstream *s, uint64_t step)
{
  s->step = step;
  s->m = 0;
  s->used = 4;
  s->has_spare = 0;
}

static inline double ps_uniform(struct pstream *s)
{ /* [0,1) */
  if (s->used == 4) {
    philox4x64_ctr_t c = {{s->step, s->m++, s->purpose, 0}};
    philox4x64_ctr_t y = philox4x64(c, s->key);
    memcpy(s->buf, y.v, sizeof s->buf);
    s->used = 0;
  }
  return (double)(s->buf[s->used++] >> 11) * 0x1p-53;
}

static inline double ps_polar(struct pstream *s)
{
  if (s->has_spare) {
    s->has_spare = 0;
    return s->spare;
  }
  double u, v, q;
  do {
    u = 2.0 * ps_uniform(s) - 1.0;
    v = 2.0 * ps_uniform(s) - 1.0;
    q = u * u + v * v;
  } while (q >= 1.0 || q == 0.0);
  const double f = sqrt(-2.0 * log(q) / q);
  s->spare = v * f;
  s->has_spare = 1;
  return u * f;
}

static void scalar_advance(size_t d, const double *sl, uint64_t run, double *e, double *x,
                           uint64_t k0, uint64_t k1)
{
  struct pstream sf = {.key = {{SEED, run}}, .purpose = HD_STREAM_FEATURES};
  struct pstream sn = {.key = {{SEED, run}}, .purpose = HD_STREAM_LABEL};
  const double g = LR / (double)d;
  for (uint64_t k = k0; k < k1; k++) {
    ps_seek(&sf, k);
    ps_seek(&sn, k);
    for (size_t i = 0; i < d; i++) x[i] = sl[i] * ps_polar(&sf);
    const double eps = NOISE * ps_polar(&sn);
    double r = 0.0;
    for (size_t i = 0; i < d; i++) r += x[i] * e[i];
    r -= eps;
    const double c = g * r;
    for (size_t i = 0; i < d; i++) e[i] -= c * x[i];
  }
}

/* ------------------------------------------------------------------ jobs ----------- */

enum { JOB_HDSIM = 0, JOB_SCALAR = 1 };

struct job {
  int kind;
  size_t d;
  uint64_t run, k;
  double *e, *work;
  const double *sl;
  struct hd_lsq_kernel K;
  int diverged;
  /* for threads */
  uint64_t steps;
  int cpu;
  pthread_barrier_t *bar;
  char pad[128]; /* the two threads' jobs never share a (prefetched pair of) cache line(s) */
};

static double *page_alloc(size_t n)
{
  double *p = aligned_alloc(4096, (n * sizeof(double) + 4095) / 4096 * 4096);
  if (!p) {
    fprintf(stderr, "mc_lsq: out of memory\n");
    exit(1);
  }
  return p;
}

static void job_init(struct job *J, int kind, size_t d, const double *sl, uint64_t run)
{
  memset(J, 0, sizeof *J);
  J->kind = kind;
  J->d = d;
  J->run = run;
  J->sl = sl;
  J->K = (struct hd_lsq_kernel){.d = d,
                                .sqrt_lambda = sl,
                                .theta_star = NULL,
                                .ridge = 0.0,
                                .label_noise = NOISE,
                                .law = HD_FEATURES_GAUSSIAN,
                                .lr = lr_const,
                                .lr_ctx = &LR};
  /* Whole pages per array: the L2 streamer prefetches ahead within a 4 KiB page, so at
   * small d one thread reading to the end of its array would otherwise keep pulling the
   * other thread's freshly written lines (measured: 2T/1T 1.6 instead of 2.0 at d = 100). */
  const size_t nw = hd_lsq_kernel_work_size(&J->K) > d ? hd_lsq_kernel_work_size(&J->K) : d;
  J->e = page_alloc(d);
  J->work = page_alloc(nw);
  for (size_t i = 0; i < d; i++) J->e[i] = 1.0 / sqrt((double)d);
}

static void job_free(struct job *J)
{
  free(J->e);
  free(J->work);
}

static void job_steps(struct job *J, uint64_t steps)
{
  if (J->kind == JOB_HDSIM) {
    uint64_t bad;
    if (hd_lsq_kernel_advance(&J->K, SEED, J->run, J->e, J->work, J->k, J->k + steps, &bad))
      J->diverged = 1;
  } else {
    scalar_advance(J->d, J->sl, J->run, J->e, J->work, J->k, J->k + steps);
  }
  J->k += steps;
}

/* Steps for about `seconds` of work (calibrated by quadrupling from 1 step). */
static uint64_t calibrate(struct job *J, double seconds)
{
  uint64_t steps = 1;
  double dt;
  for (;;) {
    const double t0 = now();
    job_steps(J, steps);
    dt = now() - t0;
    if (dt > 0.05 * seconds || steps > (1ULL << 40)) break;
    steps *= 4;
  }
  const double s = (double)steps * seconds / (dt > 1e-9 ? dt : 1e-9);
  return s < 1 ? 1 : (uint64_t)s;
}

/* Best of `reps` timings (other load on the machine only ever slows a repeat down). */
static double rate_one(struct job *J, uint64_t steps, int reps)
{
  double best = 0;
  for (int rep = 0; rep < reps; rep++) {
    const double t0 = now();
    job_steps(J, steps);
    const double dt = now() - t0;
    const double rate = (double)steps * (double)J->d / dt;
    if (rate > best) best = rate;
  }
  return best;
}

static int pin_threads = 1;

static void *thread_main(void *p)
{
  struct job *J = p;
  if (pin_threads) { /* one run per core, as with one process per core */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(J->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  pthread_barrier_wait(J->bar);
  job_steps(J, J->steps);
  return NULL;
}

static double rate_threads_once(struct job *J, int nt, uint64_t steps)
{
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
  pthread_barrier_t bar;
  pthread_t th[8];
  pthread_barrier_init(&bar, NULL, (unsigned)nt + 1);
  for (int t = 0; t < nt; t++) {
    J[t].steps = steps;
    J[t].cpu = t % (int)ncpu;
    J[t].bar = &bar;
    pthread_create(&th[t], NULL, thread_main, &J[t]);
  }
  pthread_barrier_wait(&bar);
  const double t0 = now();
  for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);
  const double dt = now() - t0;
  pthread_barrier_destroy(&bar);
  return (double)nt * (double)steps * (double)J[0].d / dt;
}

static double rate_threads(struct job *J, int nt, uint64_t steps, int reps)
{
  double best = 0;
  for (int rep = 0; rep < reps; rep++) {
    const double rate = rate_threads_once(J, nt, steps);
    if (rate > best) best = rate;
  }
  return best;
}

/* ----------------------------------------------------------------- numpy ----------- */

static void shell_quote(char *dst, size_t cap, const char *s)
{
  size_t n = 0;
  if (n + 1 < cap) dst[n++] = '\'';
  for (; *s && n + 5 < cap; s++) {
    if (*s == '\'') {
      memcpy(dst + n, "'\\''", 4);
      n += 4;
    } else {
      dst[n++] = *s;
    }
  }
  if (n + 1 < cap) dst[n++] = '\'';
  dst[n] = '\0';
}

/* Runs the numpy script; fills loop[] and batched[] (0 where missing).  Returns 0 on success. */
static int run_numpy(const char *python, const char *script, double seconds, int reps,
                     double loop[ND], double batched[ND], int batch_r[ND], char *version,
                     size_t vcap)
{
  char qp[1024], qs[1024], cmd[2600], dl[128] = "";
  shell_quote(qp, sizeof qp, python);
  shell_quote(qs, sizeof qs, script);
  for (int i = 0; i < ND; i++)
    snprintf(dl + strlen(dl), sizeof dl - strlen(dl), "%s%zu", i ? "," : "", dims[i]);
  snprintf(cmd, sizeof cmd, "%s %s --d %s --seconds %g --repeats %d", qp, qs, dl, seconds, reps);
  FILE *p = popen(cmd, "r");
  if (!p) return 1;
  char line[512];
  int got = 0;
  while (fgets(line, sizeof line, p)) {
    char kind[32];
    size_t d;
    int R;
    double rate;
    if (sscanf(line, "NUMPY %63s", version) == 1) {
      (void)vcap;
      continue;
    }
    for (int i = 0; i < ND; i++) {
      if (sscanf(line, "RATE %31s %zu %d %lf", kind, &d, &R, &rate) == 4 &&
          strcmp(kind, "batched") == 0 && d == dims[i]) {
        batched[i] = rate;
        batch_r[i] = R;
        got++;
      } else if (sscanf(line, "RATE %31s %zu %lf", kind, &d, &rate) == 3 &&
                 strcmp(kind, "loop") == 0 && d == dims[i]) {
        loop[i] = rate;
        got++;
      }
    }
  }
  const int st = pclose(p);
  return (st != 0 || got == 0) ? 1 : 0;
}

/* ------------------------------------------------------------------ main ----------- */

int main(int argc, char **argv)
{
  const char *script = NULL, *python = NULL;
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--numpy") == 0 && i + 1 < argc) script = argv[++i];
    else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc) python = argv[++i];
    else if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--no-pin") == 0) pin_threads = 0;
    else {
      fprintf(stderr, "usage: %s [--numpy SCRIPT] [--python PYTHON] [--quick] [--no-pin]\n",
              argv[0]);
      return 2;
    }
  }
  /* each measurement: the best of `reps` timings of `seconds` each */
  const double seconds = quick ? 0.1 : 0.25;
  const int reps = quick ? 1 : 3;

  double r1[ND], r2[ND], rs[ND], npl[ND] = {0}, npb[ND] = {0};
  int npr[ND] = {0}, diverged = 0;
  printf("mc_lsq: one-pass SGD on streaming least squares, lambda_i = 2.5 (i/d)^1.5, lr %.2g, "
         "label noise %.2g\n",
         LR, NOISE);
  printf("kernel: %s; %ld CPUs online; each rate is the best of %d x %.2g s\n",
         hd_rng_kernel_name(), sysconf(_SC_NPROCESSORS_ONLN), reps, seconds);
  fflush(stdout);

  for (int di = 0; di < ND; di++) {
    const size_t d = dims[di];
    double *sl = page_alloc(d); /* shared read-only by both threads */
    for (size_t i = 0; i < d; i++) sl[i] = sqrt(2.5 * pow((double)(i + 1) / (double)d, 1.5));

    static struct job J[2] __attribute__((aligned(128))), S; /* see job: padded */
    job_init(&J[0], JOB_HDSIM, d, sl, 0);
    job_init(&J[1], JOB_HDSIM, d, sl, 1);
    job_init(&S, JOB_SCALAR, d, sl, 0);

    const uint64_t steps = calibrate(&J[0], seconds);
    r1[di] = rate_one(&J[0], steps, reps);
    r2[di] = rate_threads(J, 2, steps, reps);
    const uint64_t ssteps = calibrate(&S, seconds);
    rs[di] = rate_one(&S, ssteps, reps);
    diverged |= J[0].diverged | J[1].diverged;
    for (size_t i = 0; i < d; i++) diverged |= !isfinite(S.e[i]);

    job_free(&J[0]);
    job_free(&J[1]);
    job_free(&S);
    free(sl);
  }

  int have_np = 0;
  char npver[64] = "?";
  if (script && python && python[0]) {
    have_np = run_numpy(python, script, seconds, reps, npl, npb, npr, npver, sizeof npver) == 0;
    if (!have_np) printf("numpy baseline failed (%s %s); numpy columns skipped\n", python, script);
  } else {
    printf("no --python given: numpy columns skipped\n");
  }

  printf("\ncoordinate-steps per second (steps x d / s)%s\n",
         have_np ? "" : "; numpy not measured");
  printf("%-8s %10s %10s %7s %10s %7s", "d", "hdsim 1T", "hdsim 2T", "2T/1T", "scalar C", "hd/C");
  if (have_np) printf(" %10s %7s %10s %5s %7s", "numpy", "hd/np", "np batch", "R", "hd/npB");
  printf("\n");
  for (int di = 0; di < ND; di++) {
    printf("%-8zu %10.3e %10.3e %7.2f %10.3e %7.2f", dims[di], r1[di], r2[di], r2[di] / r1[di],
           rs[di], r1[di] / rs[di]);
    if (have_np) {
      if (npl[di] > 0 && npb[di] > 0)
        printf(" %10.3e %7.2f %10.3e %5d %7.2f", npl[di], r1[di] / npl[di], npb[di], npr[di],
               r1[di] / npb[di]);
      else printf(" %10s", "(missing)");
    }
    printf("\n");
  }
  printf("\n1T/2T: hdsim kernel, one run per thread (2T aggregate, threads %s).  scalar C: "
         "Philox + polar, plain loops.\n",
         pin_threads ? "pinned to CPUs 0,1" : "not pinned");
  if (have_np)
    printf("numpy %s: per-step loop (one run); np batch: R runs as an R x d array.  hd/np, hd/npB: "
           "hdsim 1T over numpy.\n",
           npver);
  if (diverged) {
    printf("WARNING: a run diverged; rates are not meaningful\n");
    return 1;
  }
  return 0;
}
