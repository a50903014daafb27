/* work_estimate.c — see work_estimate.h. */
#include "work_estimate.h"

#include <stdint.h>
#include <stdlib.h>

#include "clock.h"
#include "threads.h"

#define TRIAL_SECONDS 0.1

double hd_work_bound(const struct hd_problem *pb, const void *plan, const struct hd_run_params *run,
                     const struct hd_output_grid *g)
{
  if (!run->simulate || !pb->sim_state_size || g->n == 0) return 0;
  double doubles = (double)pb->sim_state_size(plan) / sizeof(double);
  return (double)run->runs * (double)g->steps[g->n - 1] * (doubles > 1 ? doubles : 1);
}

void hd_work_estimate(const struct hd_problem *pb, const void *plan,
                      const struct hd_run_params *run, const struct hd_output_grid *g,
                      struct hd_work_estimate *w)
{
  *w = (struct hd_work_estimate){0};
  if (!run->simulate || !pb->sim_start || g->n == 0) return;
  uint64_t total = g->steps[g->n - 1];
  w->steps = (double)run->runs * (double)total;
  w->threads = run->threads > 0 ? run->threads : hd_threads_limit();
  if (w->threads > run->runs) w->threads = run->runs;
  size_t bytes = pb->sim_state_size(plan);
  void *state = NULL;
  if (posix_memalign(&state, 4096, (bytes + 4095) / 4096 * 4096) != 0) return;
  double t0 = hd_now();
  pb->sim_start(plan, 0, state);
  double t1 = hd_now();
  w->start_seconds = t1 - t0;
  /* doubling chunks of steps until the trial has taken TRIAL_SECONDS */
  uint64_t k = 0, chunk = 1, bad = 0;
  int ok = 1;
  while (k < total && hd_now() - t1 < TRIAL_SECONDS) {
    uint64_t k1 = total - k < chunk ? total : k + chunk;
    if (pb->sim_advance(plan, 0, state, k, k1, &bad) != 0) {
      ok = 0;
      break;
    }
    k = k1;
    chunk *= 2;
  }
  double t2 = hd_now();
  free(state);
  if (!ok || k == 0) return;
  w->trial_steps = (double)k;
  w->step_seconds = (t2 - t1) / (double)k;
  double per_run = w->start_seconds + (double)total * w->step_seconds;
  w->seconds = per_run * (double)run->runs / (double)w->threads;
  w->measured = 1;
}

void hd_work_human(double s, char *buf, size_t len)
{
  if (s < 120) snprintf(buf, len, "%.2g s", s);
  else if (s < 7200) snprintf(buf, len, "%.2g minutes", s / 60);
  else if (s < 2 * 86400) snprintf(buf, len, "%.2g hours", s / 3600);
  else if (s < 730 * 86400) snprintf(buf, len, "%.3g days", s / 86400);
  else snprintf(buf, len, "%.3g years", s / (365.25 * 86400));
}

void hd_work_print(const struct hd_work_estimate *w, FILE *out)
{
  if (w->steps == 0) {
    fprintf(out, "simulation: none\n");
    return;
  }
  if (!w->measured) {
    fprintf(out, "simulation: %.3g steps over all runs (not timed: the trial run failed)\n",
            w->steps);
    return;
  }
  char t[64];
  hd_work_human(w->seconds, t, sizeof t);
  fprintf(out,
          "simulation: about %s (%.3g steps over all runs; measured on run 0: start %.2g s, "
          "%.2g s per step over %.3g steps; %ld %s)\n",
          t, w->steps, w->start_seconds, w->step_seconds, w->trial_steps, w->threads,
          w->threads == 1 ? "thread" : "threads");
}
