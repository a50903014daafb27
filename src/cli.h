/* cli.h — the command line: one table per command (name, synopsis, options with their
 * defaults, handler) drives getopt_long, `hdsim COMMAND --help`, `hdsim help COMMAND`,
 * the "did you mean" hints and the man page's option lists stay in step with it by the
 * test man_page (tests/man.sh compares option names). */
#ifndef HDSIM_CLI_H
#define HDSIM_CLI_H

#include <stddef.h>
#include <stdio.h>

/* One option of a command.  `key` is the short letter, or a value >= 256 for a
 * long-only option; `arg` names the argument (NULL: a flag). */
struct hd_cli_option {
  const char *name;
  int key;
  const char *arg;
  const char *def; /* default, as the user sees it; NULL for flags */
  const char *help;
};

struct hd_command {
  const char *name;
  const char *args;                    /* positional arguments, e.g. "MODEL" */
  const char *summary;                 /* one line */
  const char *details;                 /* paragraphs after the option list, or NULL */
  const struct hd_cli_option *options; /* terminated by a row with name NULL */
  int (*main)(const struct hd_command *cmd, int argc, char **argv);
};

/* The commands, in `hdsim help` order; terminated by a row with name NULL. */
extern const struct hd_command hd_commands[];

/* Result of hd_cli_next: an option key, or one of these. */
enum { HD_CLI_END = -1, HD_CLI_HELP = -2, HD_CLI_ERROR = -3 };

/* Option scanner over argv[0] = command name, argv[1..]: each call returns the next
 * option's key with its argument in *arg, HD_CLI_END when the options are exhausted
 * (then argv[*first..argc) are the operands, in order), HD_CLI_HELP after printing the
 * command's help to stdout for -h/--help, or HD_CLI_ERROR after printing a message
 * (unknown option with "did you mean", missing argument) to stderr. */
struct hd_cli_scan {
  const struct hd_command *cmd;
  int argc;
  char **argv;
  int started;
  void *longopts; /* struct option[], built on first use */
  char shortopts[64];
};
int hd_cli_next(struct hd_cli_scan *sc, const char **arg, int *first);
void hd_cli_scan_free(struct hd_cli_scan *sc);

/* `hdsim COMMAND --help`: synopsis, summary, options with defaults, details. */
void hd_cli_print_help(const struct hd_command *cmd, FILE *out);

/* The command named `name`, or NULL (then prints "unknown command" with the closest
 * command name to stderr when `complain`). */
const struct hd_command *hd_cli_find_command(const char *name, int complain);

/* Numbers on the command line: a whole number >= min (1e3 and 2^10 are accepted when
 * they are exactly integral), or a comma-separated list of positive values.  Both print
 * "hdsim: OPT expects ..." on failure and return -1. */
int hd_cli_long(const char *opt, const char *text, long min, long *out);
long hd_cli_list(const char *opt, const char *text, double *out, long max, int integer);

/* Where a model named on the command line is: the path itself when it exists (or is
 * "-", standard input), else a shipped model of that name (NAME or NAME.ini) under the
 * models directory (hd_cli_data_dir()/models).  Returns the path to load (static
 * storage for a shipped model), or `given` unchanged when nothing matches, so the
 * loader reports the missing file under the name the user typed. */
const char *hd_cli_resolve_model(const char *given);

/* The shipped data directory: $HDSIM_DATADIR if set and non-empty, else the one
 * compiled in from meson's prefix (share/hdsim). */
const char *hd_cli_data_dir(void);

#endif
