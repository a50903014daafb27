/* driver.h — what `hdsim check` and `hdsim run` do with a model file.
 *
 * Exit codes (also in README):
 *   0  success
 *   1  usage error or an I/O failure writing the output
 *   2  bad input: the model file or the command line (nothing is written)
 *   3  ran, but the result has numerical trouble: some runs diverged or the theory
 *      failed part-way (the file is written, with status and /diagnostics saying what)
 *   4  interrupted by SIGINT/SIGTERM: the completed runs are in OUT.partial (or OUT with
 *      --keep-partial), status "interrupted"; `hdsim run MODEL --resume` continues */
#ifndef HDSIM_DRIVER_H
#define HDSIM_DRIVER_H

#include "config.h"
#include "experiment.h"
#include "memory_estimate.h"
#include "problem.h"
#include "run_params.h"
#include "sweep.h"

enum {
  HD_EXIT_OK = 0,
  HD_EXIT_USAGE = 1,
  HD_EXIT_BAD_INPUT = 2,
  HD_EXIT_NUMERICAL = 3,
  HD_EXIT_INTERRUPTED = 4
};

struct hd_cli {
  const char *model;  /* model file path */
  const char *output; /* -o, or NULL */
  long threads;       /* --threads, if threads_set */
  int threads_set;
  long seed; /* --seed, if seed_set */
  int seed_set;
  int quiet;
  int resume;          /* --resume: continue an interrupted run */
  int keep_partial;    /* --keep-partial: an interrupted run keeps the final name */
  int validate_only;   /* stop before plan_create (fuzzing the model-file layer) */
  int sweep_point_set; /* run only this point of the model's [sweep] */
  size_t sweep_point;
  int reuse_finished; /* a sweep point: a finished file is checked and kept */
  int max_memory_set; /* --max-memory given (0: no check) */
  size_t max_memory;
  int print_plan;           /* check --plan: the problem's plan_print */
  const char *experiment;   /* --experiment FILE, or NULL ([output] experiment) */
  const char *command_line; /* stored in the output */
};

/* A model file taken as far as a plan: what `check` validates and what tests build on. */
struct hd_session {
  struct hd_config *cfg;
  struct hd_sweep sweep; /* the [sweep] section (n_keys = 0 when absent) */
  struct hd_run_params run;
  const struct hd_problem *pb;
  void *params;
  void *plan;
  struct hd_experiment experiment; /* n_curves = 0: none given */
  struct hd_memory_estimate gate;  /* the model's estimate before its plan (memory_need) */
  struct hd_errors err;
};

/* Takes ownership of cfg (NULL: load cli->model).  Returns 0, or HD_EXIT_BAD_INPUT
 * with every error found in s->err.  Always call hd_session_free afterwards. */
int hd_session_prepare(struct hd_session *s, struct hd_config *cfg, const struct hd_cli *cli);
void hd_session_free(struct hd_session *s);

/* A prepared session from model-file text (tests and benchmarks): `name` stands for the
 * file name in messages.  Returns 0, or HD_EXIT_BAD_INPUT after printing every error to
 * stderr (call hd_session_free either way). */
int hd_session_from_text(struct hd_session *s, const char *name, const char *text);

int hd_driver_check(const struct hd_cli *cli);
int hd_driver_run(const struct hd_cli *cli);

#endif
