/* mc.h — the ensemble runner: R independent runs of a problem's simulation, threads
 * over runs.  Run r draws only from streams keyed by (seed, r), and writes only its own
 * slot, so the result is bit-identical for any thread count or scheduling. */
#ifndef HDSIM_MC_H
#define HDSIM_MC_H

#include <stddef.h>

#include "grid.h"
#include "problem.h"

struct hd_mc_result {
  size_t runs, n_times, n_obs;
  double *values;     /* [obs][run][time]; NaN after a run diverged */
  double *mean;       /* [obs][time] over the runs still finite at that time */
  double *stderr_;    /* [obs][time] sample standard deviation / sqrt(count) */
  long *count;        /* [time] runs contributing */
  int *completed;     /* [run] 1 once the run reached the last output time (or diverged) */
  int *diverged;      /* [run] 1 if the run was stopped */
  double *diverged_t; /* [run] time it was stopped (NaN if not) */
  size_t n_diverged;
  size_t n_completed;
  double seconds; /* wall time */
  long threads;   /* threads actually used */
};

/* Runs the ensemble; returns 0 (diverged runs are results, not errors), 1 if a signal
 * interrupted it (then only the runs marked completed hold results), or -1 when memory
 * ran out (the arrays, or a worker's run state). */
int hd_mc_run(const struct hd_problem *pb, const void *plan, const struct hd_output_grid *g,
              long runs, long threads, double divergence, int quiet, struct hd_mc_result *res);

/* The two halves of hd_mc_run, for resuming: allocate (every run not completed), let the
 * caller mark runs completed and fill their values, then execute the rest. */
int hd_mc_alloc(struct hd_mc_result *res, const struct hd_problem *pb, const void *plan,
                const struct hd_output_grid *g, long runs); /* 0, or -1: out of memory */
int hd_mc_execute(struct hd_mc_result *res, const struct hd_problem *pb, const void *plan,
                  const struct hd_output_grid *g, long threads, double divergence, int quiet);
void hd_mc_result_free(struct hd_mc_result *res);

/* Mean and standard error per (obs, time) from values (also used after merging). */
void hd_mc_summarise(struct hd_mc_result *res);

#endif
