/* grid.h — the output time grid shared by theory and simulation.
 *
 * Requested times are rounded to whole SGD steps (t = steps / steps_per_time), so the
 * theory is evaluated at exactly the times the simulation is observed; duplicates after
 * rounding are dropped and t = 0 is always the first point. */
#ifndef HDSIM_GRID_H
#define HDSIM_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

struct hd_output_grid {
  size_t n;
  double *t;       /* n times */
  uint64_t *steps; /* n step counts, strictly increasing, steps[0] = 0 */
};

/* Builds the grid; returns 0 or -1 (message) if it has fewer than 2 distinct steps. */
int hd_output_grid_build(const struct hd_grid *spec, double horizon, double steps_per_time,
                         struct hd_output_grid *g, char *msg, size_t msglen);
void hd_output_grid_free(struct hd_output_grid *g);

#endif
