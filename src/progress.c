/* progress.c — see progress.h. */
#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

static int enabled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const char *phase;
  double t_start, last_print;
  int printed;
} cur;

void hd_progress_init(int quiet)
{
  const char *env = getenv("HDSIM_PROGRESS");
  if (quiet) enabled = 0;
  else if (env && strcmp(env, "1") == 0) enabled = 1;
  else if (env && strcmp(env, "0") == 0) enabled = 0;
  else enabled = isatty(STDERR_FILENO);
}

void hd_progress_begin(const char *phase)
{
  if (!enabled) return;
  pthread_mutex_lock(&lock);
  cur.phase = phase;
  cur.t_start = hd_now();
  cur.last_print = cur.t_start;
  cur.printed = 0;
  pthread_mutex_unlock(&lock);
}

static void fmt_seconds(double s, char *buf, size_t len)
{
  if (s < 90) snprintf(buf, len, "%.0f s", s);
  else if (s < 5400)
    snprintf(buf, len, "%.0f min %02.0f s", (double)(long)(s / 60),
             s - 60 * (double)(long)(s / 60));
  else snprintf(buf, len, "%.1f h", s / 3600);
}

void hd_progress_update(double done, double total, const char *detail)
{
  if (!enabled || !cur.phase) return;
  if (pthread_mutex_trylock(&lock) != 0) return; /* another thread is printing */
  double t = hd_now(), elapsed = t - cur.t_start;
  /* the first line as soon as there is progress to show, then five a second at most */
  if (total > 0 && done > 0 && (!cur.printed || t - cur.last_print >= 0.2)) {
    double f = done / total;
    char eta[32] = "?";
    /* the rate needs some work done and some time passed to mean anything */
    if (f > 0.001 && elapsed > 0.5) fmt_seconds(elapsed * (1 - f) / f, eta, sizeof eta);
    fprintf(stderr, "\r%s: %3.0f%% (%s), elapsed %.0f s, ETA %s   ", cur.phase, 100 * f,
            detail ? detail : "", elapsed, eta);
    fflush(stderr);
    cur.last_print = t;
    cur.printed = 1;
  }
  pthread_mutex_unlock(&lock);
}

void hd_progress_end(void)
{
  if (!enabled) return;
  pthread_mutex_lock(&lock);
  if (cur.printed) {
    fprintf(stderr, "\r%s: done in %.3g s%40s\n", cur.phase, hd_now() - cur.t_start, "");
    fflush(stderr);
  }
  cur.phase = NULL;
  pthread_mutex_unlock(&lock);
}
