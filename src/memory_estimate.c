/* memory_estimate.c — see memory_estimate.h. */
#include "memory_estimate.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t mul(size_t a, size_t b, int *overflow)
{
  if (a && b > SIZE_MAX / a) {
    *overflow = 1;
    return SIZE_MAX;
  }
  return a * b;
}

static size_t add(size_t a, size_t b, int *overflow)
{
  if (b > SIZE_MAX - a) {
    *overflow = 1;
    return SIZE_MAX;
  }
  return a + b;
}

static size_t resident_bytes(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

size_t hd_memory_bytes(double bytes)
{
  if (!(bytes >= 0)) return 0;
  return bytes >= 0x1p64 ? SIZE_MAX : (size_t)bytes;
}

size_t hd_memory_ode_bytes(size_t n, size_t block, size_t rank, int structured, int linear_solver)
{
  int ls = linear_solver;
  if (ls == HD_LINSOL_AUTO)
    ls = structured ? HD_LINSOL_WOODBURY : n <= 64 ? HD_LINSOL_DENSE : HD_LINSOL_GMRES;
  double v = (double)n, b;
  if (ls == HD_LINSOL_STRUCTURED || ls == HD_LINSOL_WOODBURY)
    /* BDF history and work (~12 vectors), the Jacobian's blocks and their inverses
     * (2 n block), its low-rank factors and the Woodbury work (3 n rank); GMRES's
     * Krylov vectors for the preconditioned solve.  Measured within 4 % at d = 2e5 for
     * gmm_multiclass (n = 3e6, block 15, rank 27: 2.9 GB). */
    b = 12 * v + 2 * v * (double)block + 3 * v * (double)rank +
        (ls == HD_LINSOL_STRUCTURED ? 7 * v : 0);
  else b = 24 * v + (ls == HD_LINSOL_DENSE ? 2 * v * v : 0);
  return hd_memory_bytes(b * 8);
}

size_t hd_memory_theory_bytes(size_t n, const struct hd_run_params *run)
{
  int of = 0;
  size_t b = mul(mul(n, 24, &of), sizeof(double), &of);
  if (run->method == HD_THEORY_ODE &&
      (run->linear_solver == HD_LINSOL_DENSE || (run->linear_solver == HD_LINSOL_AUTO && n <= 64)))
    b = add(b, mul(mul(n, n, &of), 2 * sizeof(double), &of), &of);
  return of ? SIZE_MAX : b;
}

/* The arithmetic both estimates share: in_use is what the process holds with the plan. */
static void estimate(const struct hd_memory_need *need, const struct hd_run_params *run,
                     size_t n_times, size_t in_use, struct hd_memory_estimate *e)
{
  memset(e, 0, sizeof *e);
  int of = 0;
  e->in_use = in_use;
  size_t O = need->n_obs;
  if (run->method != HD_THEORY_NONE)
    e->theory = add(need->theory, mul(mul(O, n_times, &of), 2 * sizeof(double), &of), &of);
  if (run->simulate) {
    size_t R = (size_t)run->runs;
    e->results = mul(mul(mul(O, R, &of), n_times, &of), sizeof(double), &of);
    e->results = add(e->results, mul(mul(O, n_times, &of), 8 * sizeof(double), &of), &of);
    e->results = add(e->results, mul(R, 4 * sizeof(double), &of), &of);
    long threads = run->threads;
    if (threads <= 0) {
      long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
      threads = ncpu > 0 ? ncpu : 1;
    }
    if (threads > run->runs) threads = run->runs;
    e->threads = (size_t)threads;
    size_t state = add(need->state, 4095, &of) / 4096 * 4096;
    e->per_thread = add(add(state, need->thread, &of), mul(O, sizeof(double), &of), &of);
  }
  /* what the run adds beyond its arrays, measured (peak RSS against this estimate, three
   * models): ~6 MiB of solver, thread and HDF5 library buffers, and the writer's chunk
   * and checksum buffers, two chunks of at most 4 MiB (h5out.c) */
  size_t per_obs_runs = run->simulate
                            ? mul(mul((size_t)run->runs, n_times, &of), sizeof(double), &of)
                            : 0;
  size_t chunk = per_obs_runs < ((size_t)4 << 20) ? per_obs_runs : ((size_t)4 << 20);
  e->runtime = ((size_t)6 << 20) + 2 * chunk;
  /* the theory's work is freed before the simulation starts: the larger of the two */
  size_t sim = mul(e->per_thread, e->threads, &of);
  e->total = add(add(add(e->in_use, e->runtime, &of), e->results, &of),
                 e->theory > sim ? e->theory : sim, &of);
  e->overflow = of || need->plan == SIZE_MAX || need->theory == SIZE_MAX ||
                need->state == SIZE_MAX || need->thread == SIZE_MAX;
  if (e->overflow) e->total = SIZE_MAX;
}

void hd_memory_estimate(const struct hd_problem *pb, const void *plan,
                        const struct hd_run_params *run, size_t n_times,
                        struct hd_memory_estimate *e)
{
  struct hd_memory_need need = {0};
  const struct hd_observable *obs;
  need.n_obs = pb->observables(plan, &obs);
  size_t theory_extra = 0, thread_extra = 0;
  int have_bytes = pb->plan_bytes != NULL;
  if (have_bytes) pb->plan_bytes(plan, &theory_extra, &thread_extra);
  if (run->method != HD_THEORY_NONE) {
    size_t n = 0;
    if (run->method == HD_THEORY_ODE && pb->ode_dimension) n = pb->ode_dimension(plan);
    else if (run->method == HD_THEORY_RECURSION && pb->recursion_dimension)
      n = pb->recursion_dimension(plan);
    need.theory = have_bytes ? theory_extra : hd_memory_theory_bytes(n, run);
  }
  if (run->simulate) {
    need.state = pb->sim_state_size ? pb->sim_state_size(plan) : 0;
    need.thread = thread_extra;
  }
  estimate(&need, run, n_times, resident_bytes(), e);
}

void hd_memory_estimate_params(const struct hd_problem *pb, const void *params,
                               const struct hd_run_params *run, size_t n_times,
                               const struct hd_memory_need *need, struct hd_memory_estimate *e)
{
  (void)pb, (void)params;
  int of = 0;
  /* the libraries' pages the plan touches first (LAPACK, FFTW, the quadratures' setup):
   * resident after planning beyond the plan's own bytes, measured 1.5-2 MiB (release and
   * sanitizer builds) */
  size_t in_use = add(add(resident_bytes(), need->plan, &of), (size_t)2 << 20, &of);
  /* [theory] bins > 0 builds a second plan at twice the bins beside the first (the
   * binning error estimate) */
  if (run->bins > 0 && run->method != HD_THEORY_NONE) in_use = add(in_use, need->plan, &of);
  estimate(need, run, n_times, in_use, e);
  if (of) e->overflow = 1, e->total = SIZE_MAX;
}

int hd_memory_gate(const struct hd_problem *pb, const void *params, const struct hd_run_params *run,
                   const struct hd_config *cfg, size_t max_bytes, int max_given,
                   struct hd_memory_estimate *e, char *msg, size_t msglen)
{
  struct hd_memory_need need = {0};
  pb->memory_need(params, run, cfg, &need);
  if (!(need.steps_per_time > 0)) need.steps_per_time = 1;
  struct hd_output_grid g;
  if (hd_output_grid_build(&run->times, run->horizon, need.steps_per_time, &g, msg, msglen) != 0)
    return -2;
  size_t n_times = g.n;
  hd_output_grid_free(&g);
  hd_memory_estimate_params(pb, params, run, n_times, &need, e);
  return hd_memory_check(e, max_bytes, max_given, msg, msglen);
}

static size_t read_size_file(const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) return SIZE_MAX;
  char buf[64] = "";
  size_t v = SIZE_MAX;
  if (fgets(buf, sizeof buf, f) && isdigit((unsigned char)buf[0]))
    v = (size_t)strtoull(buf, NULL, 10);
  fclose(f);
  return v;
}

size_t hd_memory_available(void)
{
  size_t avail = SIZE_MAX;
  FILE *f = fopen("/proc/meminfo", "r");
  if (f) {
    char line[256];
    unsigned long long kb;
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) avail = (size_t)kb * 1024;
    fclose(f);
  }
  size_t max = read_size_file("/sys/fs/cgroup/memory.max");
  size_t cur = read_size_file("/sys/fs/cgroup/memory.current");
  if (max != SIZE_MAX) {
    size_t room = cur != SIZE_MAX && cur < max ? max - cur : 0;
    if (room < avail) avail = room;
  }
  return avail;
}

int hd_memory_parse(const char *text, size_t *bytes)
{
  char *end;
  errno = 0;
  double v = strtod(text ? text : "", &end);
  if (!text || end == text || errno == ERANGE || !(v >= 0)) return -1;
  double scale = 1;
  switch (toupper((unsigned char)*end)) {
  case 'K': scale = 1024.0, end++; break;
  case 'M': scale = 1024.0 * 1024, end++; break;
  case 'G': scale = 1024.0 * 1024 * 1024, end++; break;
  case 'T': scale = 1024.0 * 1024 * 1024 * 1024, end++; break;
  default: break;
  }
  if (*end == 'i' || *end == 'B') end += *end == 'i' ? 1 : 0;
  if (*end == 'B') end++;
  if (*end) return -1;
  double b = v * scale;
  if (b >= 1.8e19) return -1;
  *bytes = (size_t)b;
  return 0;
}

void hd_memory_human(size_t b, char *buf, size_t len)
{
  if (b == SIZE_MAX) snprintf(buf, len, "more than 16 EiB");
  else if (b >= (size_t)1 << 30) snprintf(buf, len, "%.2f GiB", (double)b / (1 << 30));
  else snprintf(buf, len, "%.1f MiB", (double)b / (1 << 20));
}

int hd_memory_check(const struct hd_memory_estimate *e, size_t max_bytes, int max_given, char *msg,
                    size_t msglen)
{
  if (max_given && max_bytes == 0 && !e->overflow) return 0; /* --max-memory 0: no check */
  size_t limit = max_given ? max_bytes : hd_memory_available();
  if (!e->overflow && e->total <= limit) return 0;
  char need[64], have[64];
  hd_memory_human(e->total, need, sizeof need);
  hd_memory_human(limit, have, sizeof have);
  snprintf(msg, msglen,
           "this run needs about %s of memory (results %zu bytes: runs x times x "
           "observables; theory %zu; %zu threads x %zu), more than the %s %s; reduce runs, "
           "output times or d, or set --max-memory",
           need, e->results, e->theory, e->threads, e->per_thread, have,
           max_given ? "allowed by --max-memory" : "available");
  return -1;
}

void hd_memory_print(const struct hd_memory_estimate *e, FILE *out)
{
  char a[64], b[64], c[64], d[64], t[64];
  hd_memory_human(e->in_use, a, sizeof a);
  hd_memory_human(e->theory, b, sizeof b);
  hd_memory_human(e->results, c, sizeof c);
  hd_memory_human(e->per_thread, d, sizeof d);
  hd_memory_human(e->total, t, sizeof t);
  char r[64];
  hd_memory_human(e->runtime, r, sizeof r);
  fprintf(out,
          "memory: about %s (in use after planning %s, run-time buffers %s, theory %s, "
          "results %s, %zu threads x %s)\n",
          t, a, r, b, c, e->threads, d);
}
