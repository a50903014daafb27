/* cli_run.c — `hdsim run`, `hdsim check` and `hdsim validate`: options into a struct
 * hd_cli, then the driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "driver.h"
#include "memory_estimate.h"
#include "plural.h"
#include "validate.h"

enum {
  OPT_RESUME = 256,
  OPT_KEEP_PARTIAL,
  OPT_DIMS,
  OPT_RUNS,
  OPT_OBSERVABLE,
  OPT_FIT,
  OPT_MAX_MEMORY,
  OPT_PLAN,
  OPT_EXPERIMENT
};

#define OPT_OUTPUT(what)                                                                           \
  {                                                                                                \
    "output", 'o', "FILE", what, "the HDF5 file to write"                                          \
  }
#define OPT_THREADS                                                                                \
  {                                                                                                \
    "threads", 't', "N", "[simulation] threads, 0: the cores available to this process",           \
        "at most N busy threads in every phase (theory, simulation, BLAS)"                         \
  }
#define OPT_SEED                                                                                   \
  {                                                                                                \
    "seed", 's', "S", "[model] seed", "master seed of the random streams"                          \
  }
#define OPT_QUIET                                                                                  \
  {                                                                                                \
    "quiet", 'q', NULL, NULL, "no progress and no summary"                                         \
  }
#define OPTION_MAX_MEMORY                                                                          \
  {                                                                                                \
    "max-memory", OPT_MAX_MEMORY, "SIZE", "the memory available",                                  \
        "refuse a model whose memory estimate exceeds SIZE (8G, 512M; 0: no check)"                \
  }

const struct hd_cli_option hd_run_options[] = {
    OPT_OUTPUT("[output] file, else out/MODEL.h5 (out/stdin.h5 for -)"),
    OPT_THREADS,
    OPT_SEED,
    OPT_QUIET,
    {"resume", OPT_RESUME, NULL, NULL,
     "continue an interrupted run from OUT.h5.partial (or OUT.h5 written with --keep-partial)"},
    {"keep-partial", OPT_KEEP_PARTIAL, NULL, NULL,
     "an interrupted run is written under the final name instead of OUT.h5.partial"},
    {"experiment", OPT_EXPERIMENT, "FILE", "[output] experiment",
     "measured curves to set beside theory and simulation: FILE.h5[:/group] (datasets t and "
     "one per observable, (n,) or (runs, n)), a CSV table (t, then observables; a name "
     "repeated is another run) or t=t.npy,risk=risk.npy,...; written to /experiment and "
     "/compare/experiment_<obs>"},
    OPTION_MAX_MEMORY,
    {0},
};

const struct hd_cli_option hd_check_options[] = {
    OPT_THREADS,
    OPT_SEED,
    {"quiet", 'q', NULL, NULL, "print nothing when the model is valid"},
    {"plan", OPT_PLAN, NULL, NULL,
     "also print what will run (state size, solver, ...) and the simulation's time"},
    OPTION_MAX_MEMORY,
    {0},
};

const struct hd_cli_option hd_validate_options[] = {
    {"dims", OPT_DIMS, "D1,D2,...", NULL,
     "the sizes of the ladder (d, or the width N), at least three (required)"},
    {"runs", OPT_RUNS, "R1,R2,...", "[simulation] runs x D1 / D, at least 4",
     "Monte Carlo runs per size, one value per size"},
    {"observable", OPT_OBSERVABLE, "NAME", "the problem's primary observable",
     "the observable whose error is fitted"},
    {"fit", OPT_FIT, "fluctuation|mean", "fluctuation",
     "fit one run's rms deviation (slope -1/2) or the mean's error (slope -1, many runs)"},
    OPT_OUTPUT("out/MODEL_ladder.h5"),
    OPT_THREADS,
    OPT_SEED,
    OPT_QUIET,
    OPTION_MAX_MEMORY,
    {0},
};

static char *join_args(int argc, char **argv)
{
  size_t n = strlen("hdsim") + 2;
  for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n);
  strcpy(s, "hdsim");
  for (int i = 0; i < argc; i++) {
    strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

/* The options shared by run, check and validate; 1 if handled, -1 on a bad value. */
static int common_option(struct hd_cli *cli, int key, const char *arg)
{
  switch (key) {
  case 'o':
    if (strcmp(arg, "-") == 0) {
      fprintf(stderr, "hdsim: -o -: cannot write to standard output: HDF5 needs a seekable "
                      "file (give a file name, e.g. -o out.h5)\n");
      return -1;
    }
    cli->output = arg;
    return 1;
  case 't':
    if (hd_cli_long("--threads", arg, 0, &cli->threads)) return -1;
    cli->threads_set = 1;
    return 1;
  case 's':
    if (hd_cli_long("--seed", arg, 0, &cli->seed)) return -1;
    cli->seed_set = 1;
    return 1;
  case 'q': cli->quiet = 1; return 1;
  default: return 0;
  }
}

/* The one operand, resolved to a file (or a shipped model's path). */
static int take_model(const struct hd_command *cmd, struct hd_cli *cli, int argc, char **argv,
                      int first)
{
  if (first >= argc) {
    fprintf(stderr, "hdsim: %s needs a model file\nTry 'hdsim %s --help' for the options.\n",
            cmd->name, cmd->name);
    return -1;
  }
  if (first + 1 < argc) {
    fprintf(stderr, "hdsim: unexpected argument '%s' (one model file per call)\n", argv[first + 1]);
    return -1;
  }
  cli->model = hd_cli_resolve_model(argv[first]);
  return 0;
}

static int scan(const struct hd_command *cmd, int argc, char **argv, struct hd_cli *cli,
                struct hd_validate_opts *vo, double *sizes, long *runs, long *n_sizes, long *n_runs)
{
  struct hd_cli_scan sc = {.cmd = cmd, .argc = argc, .argv = argv};
  const char *arg;
  int first = argc, key, rc = 0;
  double runs_d[64];
  while (rc == 0 && (key = hd_cli_next(&sc, &arg, &first)) != HD_CLI_END) {
    int common = key >= 0 ? common_option(cli, key, arg) : 0;
    if (key == HD_CLI_HELP) rc = 1;
    else if (key == HD_CLI_ERROR || common < 0) rc = -1;
    else if (common > 0) continue;
    else if (key == OPT_RESUME) cli->resume = 1;
    else if (key == OPT_KEEP_PARTIAL) cli->keep_partial = 1;
    else if (key == OPT_PLAN) cli->print_plan = 1;
    else if (key == OPT_EXPERIMENT) cli->experiment = arg;
    else if (key == OPT_MAX_MEMORY) {
      if (hd_memory_parse(arg, &cli->max_memory) != 0) {
        fprintf(stderr,
                "hdsim: --max-memory expects a size such as 8G, 512M or 0 (no check), "
                "got '%s'\n",
                arg);
        rc = -1;
      }
      cli->max_memory_set = 1;
    } else if (key == OPT_DIMS)
      rc = (*n_sizes = hd_cli_list("--dims", arg, sizes, 64, 0)) < 0 ? -1 : 0;
    else if (key == OPT_RUNS)
      rc = (*n_runs = hd_cli_list("--runs", arg, runs_d, 64, 1)) < 0 ? -1 : 0;
    else if (key == OPT_OBSERVABLE) vo->observable = arg;
    else if (key == OPT_FIT) {
      if (strcmp(arg, "mean") == 0) vo->fit_mean = 1;
      else if (strcmp(arg, "fluctuation") != 0) {
        fprintf(stderr, "hdsim: --fit expects fluctuation or mean, got '%s'\n", arg);
        rc = -1;
      }
    }
  }
  hd_cli_scan_free(&sc);
  for (long k = 0; k < *n_runs && rc == 0; k++) {
    if (!(runs_d[k] <= 1e7)) {
      fprintf(stderr, "hdsim: --runs: %g is more than 10000000 runs\n", runs_d[k]);
      rc = -1;
    }
    runs[k] = (long)runs_d[k];
  }
  if (rc == 0 && take_model(cmd, cli, argc, argv, first) != 0) rc = -1;
  return rc;
}

static int run_like(const struct hd_command *cmd, int argc, char **argv, int what)
{
  struct hd_cli cli = {0};
  struct hd_validate_opts vo = {0};
  double sizes[64];
  long runs[64], n_sizes = 0, n_runs = 0;
  int rc = scan(cmd, argc, argv, &cli, &vo, sizes, runs, &n_sizes, &n_runs);
  if (rc != 0) return rc > 0 ? HD_EXIT_OK : HD_EXIT_BAD_INPUT;
  if (what == 'v') {
    if (n_sizes < 3) {
      fprintf(stderr, "hdsim: validate needs --dims with at least three sizes\n");
      return HD_EXIT_BAD_INPUT;
    }
    if (n_runs && n_runs != n_sizes) {
      fprintf(stderr, "hdsim: --runs needs one value per size (%ld %s, %ld %s)\n", n_sizes,
              hd_plural(n_sizes, "size", "sizes"), n_runs, hd_plural(n_runs, "value", "values"));
      return HD_EXIT_BAD_INPUT;
    }
    vo.sizes = sizes;
    vo.n_sizes = (size_t)n_sizes;
    vo.runs = n_runs ? runs : NULL;
  }
  char *cmdline = join_args(argc, argv);
  cli.command_line = cmdline;
  rc = what == 'v'   ? hd_driver_validate(&cli, &vo)
       : what == 'c' ? hd_driver_check(&cli)
                     : hd_driver_run(&cli);
  free(cmdline);
  return rc;
}

int hd_cmd_run(const struct hd_command *cmd, int argc, char **argv)
{
  return run_like(cmd, argc, argv, 'r');
}

int hd_cmd_check(const struct hd_command *cmd, int argc, char **argv)
{
  return run_like(cmd, argc, argv, 'c');
}

int hd_cmd_validate(const struct hd_command *cmd, int argc, char **argv)
{
  return run_like(cmd, argc, argv, 'v');
}
