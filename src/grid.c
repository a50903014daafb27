/* grid.c — output time grid. */
#include "grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* An explicit list: each time rounded to its nearest whole step like the other grids,
 * but two times on one step, or a time beyond the horizon, are refused rather than
 * merged or clipped (the user asked for each of them). */
static int build_list(const struct hd_grid *s, double max_steps, double steps_per_time,
                      struct hd_output_grid *g, char *msg, size_t msglen)
{
  size_t cap = (size_t)s->n + 1;
  g->t = malloc(cap * sizeof *g->t);
  g->steps = malloc(cap * sizeof *g->steps);
  g->n = 0;
  if (!g->t || !g->steps) {
    snprintf(msg, msglen, "out of memory for %zu output times", cap);
    hd_output_grid_free(g);
    return -1;
  }
  g->steps[g->n++] = 0;
  for (long i = 0; i < s->n; i++) {
    double k = floor(s->list[i] * steps_per_time + 0.5);
    if (!(k <= max_steps) || k > 0x1p62) {
      snprintf(msg, msglen, "output time %.12g is beyond the horizon (%.17g steps of t = %g)",
               s->list[i], max_steps, 1.0 / steps_per_time);
      hd_output_grid_free(g);
      return -1;
    }
    uint64_t step = (uint64_t)k;
    if (step == 0 && g->n == 1 && i == 0) continue; /* t = 0 (or within half a step of it) */
    if (step <= g->steps[g->n - 1]) {
      snprintf(msg, msglen,
               "output times %.12g and %.12g fall on the same SGD step (a step is t = %g)",
               i > 0 ? s->list[i - 1] : 0.0, s->list[i], 1.0 / steps_per_time);
      hd_output_grid_free(g);
      return -1;
    }
    g->steps[g->n++] = step;
  }
  for (size_t i = 0; i < g->n; i++) g->t[i] = (double)g->steps[i] / steps_per_time;
  if (g->n < 2) {
    snprintf(msg, msglen, "the output times hold no time after t = 0");
    hd_output_grid_free(g);
    return -1;
  }
  return 0;
}

int hd_output_grid_build(const struct hd_grid *spec, double horizon, double steps_per_time,
                         struct hd_output_grid *g, char *msg, size_t msglen)
{
  struct hd_grid s = *spec;
  if (s.kind == HD_GRID_AUTO) {
    /* 8 points per decade from 1e-3 of the horizon (at least one step) to the horizon. */
    double a = fmax(horizon * 1e-3, 1.0 / steps_per_time);
    s.kind = HD_GRID_LOG;
    s.a = a;
    s.b = horizon;
    s.n = a < horizon ? 1 + (long)ceil(8 * log10(horizon / a)) : 2;
  }
  double max_steps = floor(horizon * steps_per_time + 0.5);
  if (s.kind == HD_GRID_LIST) return build_list(&s, max_steps, steps_per_time, g, msg, msglen);
  if (s.n < 2 || s.n > HD_GRID_MAX_POINTS || !(max_steps >= 0) || max_steps > 0x1p62) {
    snprintf(msg, msglen,
             "the output grid needs 2..%ld times and at most 2^62 SGD steps (got %ld "
             "times, %.3g steps)",
             HD_GRID_MAX_POINTS, s.n, max_steps);
    g->t = NULL, g->steps = NULL, g->n = 0;
    return -1;
  }
  /* distinct steps only: never more than the horizon has */
  size_t cap = (size_t)s.n + 1;
  if ((double)cap > max_steps + 2) cap = (size_t)max_steps + 2;
  g->t = malloc(cap * sizeof *g->t);
  g->steps = malloc(cap * sizeof *g->steps);
  if (!g->t || !g->steps) {
    snprintf(msg, msglen, "out of memory for %zu output times", cap);
    hd_output_grid_free(g);
    return -1;
  }
  g->n = 0;
  g->steps[g->n++] = 0;
  for (long i = 0; i < s.n; i++) {
    double u = s.n > 1 ? (double)i / (double)(s.n - 1) : 1.0;
    double t = s.kind == HD_GRID_LOG ? s.a * pow(s.b / s.a, u) : s.a + (s.b - s.a) * u;
    double k = floor(t * steps_per_time + 0.5);
    if (k > max_steps) k = max_steps;
    uint64_t step = (uint64_t)k;
    if (step > g->steps[g->n - 1] && g->n < cap) g->steps[g->n++] = step;
  }
  for (size_t i = 0; i < g->n; i++) g->t[i] = (double)g->steps[i] / steps_per_time;
  if (g->n < 2) {
    snprintf(msg, msglen,
             "the output grid has no time after t = 0 at this d (a step is "
             "t = %g)",
             1.0 / steps_per_time);
    hd_output_grid_free(g);
    return -1;
  }
  return 0;
}

void hd_output_grid_free(struct hd_output_grid *g)
{
  free(g->t);
  free(g->steps);
  g->t = NULL;
  g->steps = NULL;
  g->n = 0;
}
