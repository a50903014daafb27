/* work_estimate.h — how long a run will take, measured rather than modelled: one run's
 * start and its first steps are timed (about 0.1 s) and scaled to every run's steps.
 *
 * Policy: hdsim does not refuse a long run inside the documented ranges (a week-long
 * job at d = 1e8 is a legitimate one, and the estimate is only as good as a short trial
 * on a possibly busy machine).  `hdsim check --plan` prints the estimate; `hdsim run`
 * prints a note before a simulation estimated at more than an hour, so that a mistyped
 * value is noticed early.  Memory is the hard limit (memory_estimate.h); time is not:
 * a run honours Ctrl-C at once and --resume continues it. */
#ifndef HDSIM_WORK_ESTIMATE_H
#define HDSIM_WORK_ESTIMATE_H

#include <stdio.h>

#include "grid.h"
#include "problem.h"

struct hd_work_estimate {
  double steps;         /* simulation steps over all runs */
  double start_seconds; /* one run's start (initial state), measured */
  double step_seconds;  /* one step, measured over trial_steps */
  double trial_steps;
  long threads;
  double seconds; /* the simulation's wall time: runs x (start + steps) / threads */
  int measured;   /* 0: no simulation, or the trial failed (non-finite state) */
};

/* The trial runs run 0 of the model on this thread (its results are discarded). */
void hd_work_estimate(const struct hd_problem *pb, const void *plan,
                      const struct hd_run_params *run, const struct hd_output_grid *g,
                      struct hd_work_estimate *w);

/* A cheap upper bound on the simulation's work (steps x state doubles over all runs),
 * for deciding whether a trial is worth its 0.1 s: below HD_WORK_TRIAL_FLOOR a run is
 * known to take minutes at most. */
double hd_work_bound(const struct hd_problem *pb, const void *plan, const struct hd_run_params *run,
                     const struct hd_output_grid *g);
#define HD_WORK_TRIAL_FLOOR 1e11

/* "simulation: about N s (R runs x S steps; measured: start X s, step Y s, T threads)" */
void hd_work_print(const struct hd_work_estimate *w, FILE *out);

/* "about 3.2 hours" and the like. */
void hd_work_human(double seconds, char *buf, size_t len);

#endif
