/* cli_options.c — getopt_long driven by a command's option table; help texts; numbers
 * and model names on the command line. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hdsim_paths.h"

static size_t n_options(const struct hd_command *cmd)
{
  size_t n = 0;
  while (cmd->options && cmd->options[n].name) n++;
  return n;
}

static void build(struct hd_cli_scan *sc)
{
  size_t n = n_options(sc->cmd);
  struct option *lo = calloc(n + 2, sizeof *lo);
  /* ':' first: a missing argument returns ':' (not '?'), so the two are told apart */
  size_t k = 0;
  sc->shortopts[k++] = ':';
  for (size_t i = 0; i < n; i++) {
    const struct hd_cli_option *o = &sc->cmd->options[i];
    lo[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->key};
    if (o->key < 256 && k + 3 < sizeof sc->shortopts) {
      sc->shortopts[k++] = (char)o->key;
      if (o->arg) sc->shortopts[k++] = ':';
    }
  }
  lo[n] = (struct option){"help", no_argument, NULL, 'h'};
  sc->shortopts[k++] = 'h';
  sc->shortopts[k] = '\0';
  sc->longopts = lo;
}

/* The option as typed: "--thread" (without "=value") or "-x". */
static void typed_option(const struct hd_cli_scan *sc, char *buf, size_t len)
{
  const char *a = optind > 0 && optind <= sc->argc ? sc->argv[optind - 1] : "";
  if (strncmp(a, "--", 2) == 0) {
    size_t n = strcspn(a, "=");
    snprintf(buf, len, "%.*s", (int)n, a);
  } else if (optopt) {
    snprintf(buf, len, "-%c", optopt);
  } else {
    snprintf(buf, len, "%s", a);
  }
}

static const struct hd_cli_option *find_key(const struct hd_command *cmd, int key)
{
  for (const struct hd_cli_option *o = cmd->options; o && o->name; o++)
    if (o->key == key) return o;
  return NULL;
}

static void unknown_option(const struct hd_cli_scan *sc)
{
  char typed[128], hint[160] = "";
  typed_option(sc, typed, sizeof typed);
  const char *word = typed + strspn(typed, "-");
  long best = -1;
  for (const struct hd_cli_option *o = sc->cmd->options; o && o->name; o++) {
    long s = hd_similarity(word, o->name);
    /* a prefix of several options (getopt calls it ambiguous) or a near miss */
    if (s < 0 && strlen(word) >= 2 && strncmp(o->name, word, strlen(word)) == 0) s = 500;
    if (s >= 0 && (best < 0 || s < best)) {
      best = s;
      snprintf(hint, sizeof hint, "; did you mean '--%s'?", o->name);
    }
  }
  const struct hd_cli_option *takes_none = NULL;
  if (strncmp(typed, "--", 2) == 0 && strchr(sc->argv[optind - 1], '='))
    for (const struct hd_cli_option *o = sc->cmd->options; o && o->name; o++)
      if (!o->arg && strcmp(o->name, word) == 0) takes_none = o;
  if (takes_none)
    fprintf(stderr, "hdsim %s: option '--%s' takes no value\n", sc->cmd->name, takes_none->name);
  else fprintf(stderr, "hdsim %s: unknown option '%s'%s\n", sc->cmd->name, typed, hint);
  fprintf(stderr, "Try 'hdsim %s --help' for the options.\n", sc->cmd->name);
}

int hd_cli_next(struct hd_cli_scan *sc, const char **arg, int *first)
{
  if (!sc->longopts) build(sc);
  if (!sc->started) {
    optind = 0; /* glibc: a fresh scan (argv[0] is the command name) */
    opterr = 0;
    sc->started = 1;
  }
  optopt = 0;
  int c = getopt_long(sc->argc, sc->argv, sc->shortopts, sc->longopts, NULL);
  *arg = optarg;
  if (c == -1) {
    *first = optind;
    return HD_CLI_END;
  }
  if (c == 'h') {
    hd_cli_print_help(sc->cmd, stdout);
    return HD_CLI_HELP;
  }
  if (c == ':') {
    const struct hd_cli_option *o = find_key(sc->cmd, optopt);
    char typed[128];
    typed_option(sc, typed, sizeof typed);
    fprintf(stderr, "hdsim %s: option '%s' needs a value (%s)\n", sc->cmd->name, typed,
            o && o->arg ? o->arg : "an argument");
    return HD_CLI_ERROR;
  }
  if (c == '?') {
    unknown_option(sc);
    return HD_CLI_ERROR;
  }
  return c;
}

void hd_cli_scan_free(struct hd_cli_scan *sc)
{
  free(sc->longopts);
  sc->longopts = NULL;
}

void hd_cli_print_help(const struct hd_command *cmd, FILE *out)
{
  fprintf(out, "usage: hdsim %s%s%s%s\n\n%s\n", cmd->name, n_options(cmd) ? " [OPTIONS]" : "",
          cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
  fprintf(out, "\noptions:\n");
  for (const struct hd_cli_option *o = cmd->options; o && o->name; o++) {
    char head[96];
    if (o->key < 256)
      snprintf(head, sizeof head, "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    else
      snprintf(head, sizeof head, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(out, "  %-22s %s\n", head, o->help);
    if (o->def) fprintf(out, "  %-22s (default: %s)\n", "", o->def);
  }
  fprintf(out, "  %-22s %s\n", "-h, --help", "this help");
  if (cmd->details) fprintf(out, "\n%s", cmd->details);
}

const struct hd_command *hd_cli_find_command(const char *name, int complain)
{
  const struct hd_command *best = NULL;
  long best_score = -1;
  for (const struct hd_command *c = hd_commands; c->name; c++) {
    if (strcmp(c->name, name) == 0) return c;
    long s = hd_similarity(name, c->name);
    if (s >= 0 && (best_score < 0 || s < best_score)) best = c, best_score = s;
  }
  if (complain) {
    if (best)
      fprintf(stderr, "hdsim: unknown command '%s'; did you mean '%s'?\n", name, best->name);
    else fprintf(stderr, "hdsim: unknown command '%s'\n", name);
    fprintf(stderr, "Try 'hdsim --help' for the commands.\n");
  }
  return NULL;
}

/* ---------------------------------------------------------------- numbers */

/* A whole number written as an integer, a real that is exactly integral (1e3) or a
 * power a^b of such (2^10).  Returns 0 and the value, or -1. */
static int integral(const char *text, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || errno == ERANGE || !isfinite(v)) return -1;
  if (*end == '^') {
    const char *p = end + 1;
    double e = strtod(p, &end);
    if (end == p || e != floor(e) || e < 0 || e > 64) return -1;
    v = pow(v, e);
  }
  if (*end != '\0' || v != floor(v) || fabs(v) > 9.0e18) return -1;
  *out = v;
  return 0;
}

int hd_cli_long(const char *opt, const char *text, long min, long *out)
{
  char *end;
  errno = 0;
  long exact = text ? strtol(text, &end, 10) : 0;
  if (text && end != text && *end == '\0' && errno == 0 && exact >= min) { /* exactly */
    *out = exact;
    return 0;
  }
  double v;
  if (!text || integral(text, &v) != 0 || v < (double)min || v >= 9.0e18) {
    fprintf(stderr, "hdsim: %s expects a whole number >= %ld, got '%s'\n", opt, min,
            text ? text : "");
    return -1;
  }
  *out = (long)v;
  return 0;
}

long hd_cli_list(const char *opt, const char *text, double *out, long max, int integer)
{
  long n = 0;
  const char *p = text ? text : "";
  char item[64];
  while (*p) {
    size_t len = strcspn(p, ",");
    double v = 0;
    int bad = len == 0 || len >= sizeof item || n == max;
    if (!bad) {
      memcpy(item, p, len);
      item[len] = '\0';
      char *end;
      if (integer) bad = integral(item, &v) != 0;
      else v = strtod(item, &end), bad = end == item || *end != '\0' || !isfinite(v);
      bad = bad || !(v > 0);
    }
    if (bad) {
      fprintf(stderr, "hdsim: %s expects a comma-separated list of positive %s, got '%s'\n", opt,
              integer ? "whole numbers" : "numbers", text ? text : "");
      return -1;
    }
    out[n++] = v;
    p += len;
    if (*p == ',') p++;
  }
  if (n == 0) fprintf(stderr, "hdsim: %s needs values\n", opt);
  return n ? n : -1;
}

/* ---------------------------------------------------------------- shipped files */

const char *hd_cli_data_dir(void)
{
  static char dir[4096];
  const char *env = getenv("HDSIM_DATADIR");
  if (env && env[0]) return env;
  if (!dir[0]) {
    /* next to the binary first: an install moved as a whole, or under DESTDIR */
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    struct stat st;
    if (slash) {
      *slash = '\0';
      if (HDSIM_DATADIR_FROM_BINDIR[0] == '/')
        snprintf(dir, sizeof dir, "%s", HDSIM_DATADIR_FROM_BINDIR);
      else snprintf(dir, sizeof dir, "%s/%s", exe, HDSIM_DATADIR_FROM_BINDIR);
    }
    char *real = slash ? realpath(dir, NULL) : NULL; /* bin/../share/hdsim: say share/hdsim */
    if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
      snprintf(dir, sizeof dir, "%s", HDSIM_DATADIR);
    else snprintf(dir, sizeof dir, "%s", real);
    free(real);
  }
  return dir;
}

const char *hd_cli_resolve_model(const char *given)
{
  static char path[4096];
  if (strcmp(given, "-") == 0 || access(given, F_OK) == 0 || strchr(given, '/')) return given;
  const char *suffixes[] = {"", ".ini"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/models/%s%s", hd_cli_data_dir(), given, suffixes[i]);
    if (access(path, R_OK) == 0) return path;
  }
  return given;
}
