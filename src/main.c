/* main.c — the hdsim command line: global options, then one command from hd_commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "config.h"
#include "driver.h"
#include "h5out.h"
#include "hdsim_version.h"
#include "registry.h"
#include "rng.h"

static const char run_details[] =
    "MODEL is a model file (INI; `hdsim describe PROBLEM` lists its keys), '-' for standard\n"
    "input (its relative input files then resolve against the current directory), or the\n"
    "name of a shipped model (`hdsim list --models`) when no such file exists here.\n"
    "Ctrl-C keeps the finished runs in OUT.h5.partial (or OUT.h5 with --keep-partial);\n"
    "--resume continues them.  Progress goes to standard error when it is a terminal.\n";

static const char validate_details[] =
    "Runs the model at each size of the ladder (d, or the width N) and fits the slope of\n"
    "the theory-vs-simulation error against the size on log-log axes.\n";

static const char describe_details[] =
    "PROBLEM is a name from `hdsim list`, or 'engine' for the keys every problem has.\n"
    "KEYs (lr, optimizer.lr or [optimizer]) narrow the output to those rows.\n";

const struct hd_command hd_commands[] = {
    {"run", "MODEL.ini", "theory (CVODE) and Monte Carlo side by side, written to one HDF5 file",
     run_details, hd_run_options, hd_cmd_run},
    {"check", "MODEL.ini", "validate a model file without running it (exit 0 when valid)",
     run_details, hd_check_options, hd_cmd_check},
    {"validate", "MODEL.ini",
     "the model over a ladder of sizes, and the fitted slope of its error against size",
     validate_details, hd_validate_options, hd_cmd_validate},
    {"list", NULL, "the problems hdsim knows, or the shipped models", NULL, hd_list_options,
     hd_cmd_list},
    {"describe", "PROBLEM [KEY...]",
     "every model-file key of a problem: meaning, type, default, range", describe_details,
     hd_describe_options, hd_cmd_describe},
    {"export", "OUT.h5", "one tidy CSV table per group of an output file (--csv DIR)", NULL,
     hd_export_options, hd_cmd_export},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char exit_status[] =
    "exit status: 0 success, 1 usage or I/O error, 2 bad input (model file or option;\n"
    "             nothing written), 3 written, but some runs diverged or the theory failed\n"
    "             (see /diagnostics), 4 interrupted (finished runs kept for --resume)\n";

static void usage(FILE *out)
{
  fprintf(out, "usage: hdsim [--version|-V] [--help|-h] COMMAND [OPTIONS]\n\ncommands:\n");
  for (const struct hd_command *c = hd_commands; c->name; c++) {
    char head[64];
    snprintf(head, sizeof head, "hdsim %s%s%s", c->name, c->args ? " " : "",
             c->args ? c->args : "");
    fprintf(out, "  %-34s %s\n", head, c->summary);
  }
  fprintf(out, "  %-34s %s\n", "hdsim help [COMMAND]", "this text, or a command's options");
  fprintf(out,
          "\n'hdsim COMMAND --help' lists a command's options with their defaults;\n"
          "`man hdsim` has the whole story.\n\n%s",
          exit_status);
}

static int version(void)
{
  printf("hdsim %s (random streams: %s)\n", HDSIM_VERSION, hd_rng_kernel_name());
  return HD_EXIT_OK;
}

static int help(int argc, char **argv)
{
  if (argc < 2) {
    usage(stdout);
    return HD_EXIT_OK;
  }
  const struct hd_command *c = hd_cli_find_command(argv[1], 1);
  if (!c) return HD_EXIT_USAGE;
  hd_cli_print_help(c, stdout);
  return HD_EXIT_OK;
}

int hd_cli_main(int argc, char **argv);

int hd_cli_main(int argc, char **argv)
{
  hd_h5_library_init();
  if (hd_registry_check(stderr) != 0) return HD_EXIT_USAGE;
  static const struct option global[] = {
      {"version", no_argument, NULL, 'V'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  opterr = 0;
  int c = getopt_long(argc, argv, "+hV", global, NULL); /* '+': stop at the command */
  if (c == 'V') return version();
  if (c == 'h') return help(1, argv);
  if (c == '?') {
    char typed[128];
    if (optopt) snprintf(typed, sizeof typed, "-%c", optopt);
    else snprintf(typed, sizeof typed, "%s", argv[optind - 1]);
    const char *hint = hd_similarity(typed + 2, "version") >= 0 ? "; did you mean '--version'?"
                       : hd_similarity(typed + 2, "help") >= 0  ? "; did you mean '--help'?"
                                                                : "";
    fprintf(stderr, "hdsim: unknown option '%s'%s\nTry 'hdsim --help' for the commands.\n", typed,
            strncmp(typed, "--", 2) == 0 ? hint : "");
    return HD_EXIT_USAGE;
  }
  if (optind >= argc) {
    usage(stderr);
    return HD_EXIT_USAGE;
  }
  const char *name = argv[optind];
  if (strcmp(name, "help") == 0) return help(argc - optind, argv + optind);
  if (strcmp(name, "version") == 0) return version();
  const struct hd_command *cmd = hd_cli_find_command(name, 1);
  if (!cmd) return HD_EXIT_USAGE;
  return cmd->main(cmd, argc - optind, argv + optind);
}

#ifndef HDSIM_MAIN_ELSEWHERE
int main(int argc, char **argv) { return hd_cli_main(argc, argv); }
#endif
