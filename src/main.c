/* main.c — the hdsim command line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "h5out.h"
#include "memory_estimate.h"
#include "hdsim_version.h"
#include "registry.h"
#include "rng.h"
#include "validate.h"
#include "export.h"
#include "run_params.h"

static const char usage[] =
    "usage:\n"
    "  hdsim run MODEL.ini [-o OUT.h5] [--threads N] [--seed S] [--quiet]\n"
    "            [--resume] [--keep-partial] [--max-memory SIZE]\n"
    "                         theory (CVODE) and Monte Carlo side by side, one HDF5 file;\n"
    "                         Ctrl-C keeps the finished runs in OUT.h5.partial (or OUT.h5\n"
    "                         with --keep-partial), --resume continues them\n"
    "  hdsim check MODEL.ini [--plan] [--max-memory SIZE]\n"
    "                         validate a model file without running it; prints the memory\n"
    "                         estimate (--plan: what will run)\n"
    "  hdsim validate MODEL.ini --dims D1,D2,... [--runs R1,R2,...] [--observable NAME]\n"
    "                 [--fit fluctuation|mean] [-o LADDER.h5] [--threads N] [--seed S]\n"
    "                         the model over a ladder of sizes (d, or the width N) and the\n"
    "                         fitted slope of the theory-vs-simulation error against size\n"
    "  hdsim list             the problems hdsim knows\n"
    "  hdsim describe PROBLEM every model-file key of a problem: meaning, type, default, range\n"
    "  hdsim export OUT.h5 --csv DIR\n"
    "                         one tidy CSV table per group of an output file\n"
    "  hdsim --version\n"
    "  hdsim help\n"
    "\n"
    "exit status: 0 success, 1 usage or I/O error, 2 bad input (nothing written),\n"
    "             3 written, but some runs diverged or the theory failed (see /diagnostics),\n"
    "             4 interrupted (finished runs kept for --resume)\n";

static int parse_long(const char *opt, const char *text, long min, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(text ? text : "", &end, 10);
  if (!text || end == text || *end != '\0' || errno == ERANGE || v < min) {
    fprintf(stderr, "hdsim: %s expects an integer >= %ld, got '%s'\n", opt, min,
            text ? text : "");
    return -1;
  }
  *out = v;
  return 0;
}

static char *join_args(int argc, char **argv)
{
  size_t n = 1;
  for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n);
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    strcat(s, argv[i]);
    if (i + 1 < argc) strcat(s, " ");
  }
  return s;
}

/* "1000,4000,16000" → values; returns the count or -1. */
static long parse_list(const char *opt, const char *text, double *out, long max, int integer)
{
  long n = 0;
  const char *p = text ? text : "";
  while (*p) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno == ERANGE || !(v > 0) || (integer && v != floor(v)) || n == max ||
        (*end != ',' && *end != '\0')) {
      fprintf(stderr, "hdsim: %s expects a comma-separated list of positive %s, got '%s'\n", opt,
              integer ? "integers" : "numbers", text ? text : "");
      return -1;
    }
    out[n++] = v;
    p = *end == ',' ? end + 1 : end;
  }
  if (n == 0) fprintf(stderr, "hdsim: %s needs values\n", opt);
  return n ? n : -1;
}

static int cmd_run_or_check(int argc, char **argv, int check_only)
{
  struct hd_cli cli = {0};
  int validate = strcmp(argv[1], "validate") == 0;
  double sizes[64], runs_d[64];
  long runs[64];
  long n_sizes = 0, n_runs = 0;
  struct hd_validate_opts vo = {0};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i >= argc) return fprintf(stderr, "hdsim: %s needs a file name\n", a), HD_EXIT_BAD_INPUT;
      cli.output = argv[i];
    } else if (strcmp(a, "--threads") == 0) {
      if (parse_long(a, i + 1 < argc ? argv[++i] : NULL, 0, &cli.threads)) return HD_EXIT_BAD_INPUT;
      cli.threads_set = 1;
    } else if (strcmp(a, "--seed") == 0) {
      if (parse_long(a, i + 1 < argc ? argv[++i] : NULL, 0, &cli.seed)) return HD_EXIT_BAD_INPUT;
      cli.seed_set = 1;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      cli.quiet = 1;
    } else if (validate && strcmp(a, "--dims") == 0) {
      if ((n_sizes = parse_list(a, i + 1 < argc ? argv[++i] : NULL, sizes, 64, 0)) < 0) return HD_EXIT_BAD_INPUT;
    } else if (validate && strcmp(a, "--runs") == 0) {
      if ((n_runs = parse_list(a, i + 1 < argc ? argv[++i] : NULL, runs_d, 64, 1)) < 0) return HD_EXIT_BAD_INPUT;
    } else if (validate && strcmp(a, "--observable") == 0 && i + 1 < argc) {
      vo.observable = argv[++i];
    } else if (validate && strcmp(a, "--fit") == 0 && i + 1 < argc) {
      const char *f = argv[++i];
      if (strcmp(f, "mean") == 0) vo.fit_mean = 1;
      else if (strcmp(f, "fluctuation") != 0) {
        fprintf(stderr, "hdsim: --fit expects fluctuation or mean, got '%s'\n", f);
        return HD_EXIT_BAD_INPUT;
      }
    } else if (strcmp(a, "--max-memory") == 0) {
      const char *v = i + 1 < argc ? argv[++i] : NULL;
      if (hd_memory_parse(v, &cli.max_memory) != 0) {
        fprintf(stderr, "hdsim: --max-memory expects a size such as 8G, 512M or 0 (no check), "
                "got '%s'\n", v ? v : "");
        return HD_EXIT_BAD_INPUT;
      }
      cli.max_memory_set = 1;
    } else if (strcmp(a, "--plan") == 0 && check_only) {
      cli.print_plan = 1;
    } else if (strcmp(a, "--resume") == 0 && !check_only && !validate) {
      cli.resume = 1;
    } else if (strcmp(a, "--keep-partial") == 0 && !check_only && !validate) {
      cli.keep_partial = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "hdsim: unknown option '%s'\n%s", a, usage);
      return HD_EXIT_BAD_INPUT;
    } else if (!cli.model) {
      cli.model = a;
    } else {
      fprintf(stderr, "hdsim: unexpected argument '%s' (one model file per call)\n", a);
      return HD_EXIT_BAD_INPUT;
    }
  }
  if (!cli.model) {
    fprintf(stderr, "hdsim: %s needs a model file\n%s", argv[1], usage);
    return HD_EXIT_BAD_INPUT;
  }
  if (validate && n_sizes < 3) {
    fprintf(stderr, "hdsim: validate needs --dims with at least three sizes\n");
    return HD_EXIT_BAD_INPUT;
  }
  if (validate && n_runs && n_runs != n_sizes) {
    fprintf(stderr, "hdsim: --runs needs one value per size (%ld sizes, %ld runs)\n", n_sizes, n_runs);
    return HD_EXIT_BAD_INPUT;
  }
  for (long k = 0; k < n_runs; k++) {
    if (!(runs_d[k] <= 1e7)) {
      fprintf(stderr, "hdsim: --runs: %g is more than 10000000 runs\n", runs_d[k]);
      return HD_EXIT_BAD_INPUT;
    }
    runs[k] = (long)runs_d[k];
  }
  vo.sizes = sizes;
  vo.n_sizes = (size_t)n_sizes;
  vo.runs = n_runs ? runs : NULL;
  char *cmdline = join_args(argc, argv);
  cli.command_line = cmdline;
  int rc = validate ? hd_driver_validate(&cli, &vo)
           : check_only ? hd_driver_check(&cli) : hd_driver_run(&cli);
  free(cmdline);
  return rc;
}

static int cmd_describe(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "hdsim: describe needs one problem name (see `hdsim list`)\n");
    return HD_EXIT_BAD_INPUT;
  }
  const struct hd_problem *p = hd_registry_find(argv[2]);
  if (!p) {
    fprintf(stderr, "hdsim: unknown problem '%s'; known problems:\n", argv[2]);
    for (size_t i = 0; i < hd_registry_count(); i++)
      fprintf(stderr, "  %s\n", hd_registry_at(i)->name);
    return HD_EXIT_BAD_INPUT;
  }
  printf("%s — %s\nmathematics: %s\n\n", p->name, p->summary, p->theory_doc);
  printf("Problem keys:\n\n");
  hd_params_describe(p->params, p->n_params, stdout);
  printf("\nEngine keys (every problem):\n\n");
  hd_params_describe(hd_run_param_table, hd_run_param_count, stdout);
  return 0;
}

int hd_cli_main(int argc, char **argv);

int hd_cli_main(int argc, char **argv)
{
  hd_h5_library_init();
  if (hd_registry_check(stderr) != 0) return HD_EXIT_USAGE;
  if (argc < 2) {
    fputs(usage, stderr);
    return HD_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "run") == 0) return cmd_run_or_check(argc, argv, 0);
  if (strcmp(cmd, "check") == 0) return cmd_run_or_check(argc, argv, 1);
  if (strcmp(cmd, "validate") == 0) return cmd_run_or_check(argc, argv, 0);
  if (strcmp(cmd, "list") == 0) {
    for (size_t i = 0; i < hd_registry_count(); i++)
      printf("%-16s %s\n", hd_registry_at(i)->name, hd_registry_at(i)->summary);
    return 0;
  }
  if (strcmp(cmd, "describe") == 0) return cmd_describe(argc, argv);
  if (strcmp(cmd, "export") == 0) return hd_export_main(argc - 2, argv + 2);
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("hdsim %s (random streams: %s)\n", HDSIM_VERSION, hd_rng_kernel_name());
    return 0;
  }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  fprintf(stderr, "hdsim: unknown command '%s'\n%s", cmd, usage);
  return HD_EXIT_USAGE;
}

#ifndef HDSIM_MAIN_ELSEWHERE
int main(int argc, char **argv) { return hd_cli_main(argc, argv); }
#endif
