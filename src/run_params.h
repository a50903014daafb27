/* run_params.h — the engine's own model-file keys ([model], [simulation], [theory],
 * [output]), shared by every problem.  The table in run_params.c is their one source of
 * truth (parsing, `describe`, HDF5 attributes). */
#ifndef HDSIM_RUN_PARAMS_H
#define HDSIM_RUN_PARAMS_H

#include <stdbool.h>

#include "params.h"

enum hd_theory_method { HD_THEORY_ODE, HD_THEORY_RECURSION, HD_THEORY_NONE, HD_THEORY_VOLTERRA };

struct hd_run_params {
  /* [model] */
  char problem[HD_STR_MAX];
  long seed;
  /* [simulation] */
  long runs;
  double horizon;
  long threads;      /* 0: one per available core */
  double divergence; /* a run stops when its primary observable exceeds this */
  bool simulate;     /* false: theory only */
  /* [theory] */
  int method; /* enum hd_theory_method */
  double rtol, atol;
  int linear_solver; /* enum hd_linsol */
  long max_steps;
  long bins; /* 0: exact; N: spectrum in at most N bins (problems that bin) */
  /* [output] */
  char file[HD_STR_MAX]; /* "" → out/<model file stem>.h5 */
  struct hd_grid times;
  bool store_runs;
  char experiment[HD_STR_MAX]; /* "" or a file of measured curves (experiment.h) */
};

extern const struct hd_param hd_run_param_table[];
extern const size_t hd_run_param_count;

#endif
