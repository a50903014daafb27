/* testlib.h — small helpers shared by the C tests: build a session from model-file
 * text, run theory / simulation on its grid, and count checks. */
#ifndef HDSIM_TESTLIB_H
#define HDSIM_TESTLIB_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "driver.h"
#include "grid.h"
#include "mc.h"
#include "theory.h"

static int tl_passed, tl_failed;

static void tl_check(int ok, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("%s: ", ok ? "ok  " : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (ok) tl_passed++;
  else tl_failed++;
  fflush(stdout);
}

static int tl_finish(void)
{
  printf("%d passed, %d failed\n", tl_passed, tl_failed);
  return tl_failed ? 1 : 0;
}

/* A prepared session from model text (printf-style); exits on bad input. */
static struct hd_session *tl_session(const char *fmt, ...)
{
  char text[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  struct hd_session *s = malloc(sizeof *s);
  if (hd_session_from_text(s, "test.ini", text) != 0) {
    fprintf(stderr, "model text:\n%s\n", text);
    exit(2);
  }
  return s;
}

static void tl_session_free(struct hd_session *s)
{
  hd_session_free(s);
  free(s);
}

static void tl_grid(struct hd_session *s, struct hd_output_grid *g)
{
  char msg[256];
  if (hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), g, msg,
                           sizeof msg) != 0) {
    fprintf(stderr, "grid: %s\n", msg);
    exit(2);
  }
}

/* Theory with the method the session asks for (or `method` if >= 0). */
static void tl_theory(struct hd_session *s, const struct hd_output_grid *g, int method,
                      struct hd_theory_result *th)
{
  struct hd_run_params run = s->run;
  if (method >= 0) run.method = method;
  if (hd_theory_run(s->pb, s->plan, g, &run, th) != 0) {
    fprintf(stderr, "theory failed: %s\n", th->message);
    exit(1);
  }
}

#endif
