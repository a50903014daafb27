/* cli_info.c — `hdsim list` (problems, shipped models) and `hdsim describe` (the
 * parameter tables: a problem's, the engine's and [sweep]). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "config.h"
#include "driver.h"
#include "export.h"
#include "hdsim_paths.h"
#include "registry.h"
#include "run_params.h"
#include "sweep.h"

enum { OPT_PROBLEMS = 256, OPT_MODELS };

const struct hd_cli_option hd_list_options[] = {
    {"problems", OPT_PROBLEMS, NULL, NULL, "the problems hdsim knows (the default)"},
    {"models", OPT_MODELS, NULL, NULL,
     "the shipped models, runnable by name (`hdsim run NAME`), with their first comment line"},
    {0},
};

const struct hd_cli_option hd_describe_options[] = {{0}};

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first comment line of a model file, without its ';' or '#'. */
static void first_comment(const char *path, char *buf, size_t len)
{
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *p = line + strspn(line, " \t");
    if (*p != ';' && *p != '#') break;
    p += 1 + strspn(p + 1, " \t;#");
    p[strcspn(p, "\r\n")] = '\0';
    if (*p) {
      snprintf(buf, len, "%s", p);
      break;
    }
  }
  fclose(f);
}

static int list_models(void)
{
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/models", hd_cli_data_dir());
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr,
            "hdsim: no shipped models in %s (set HDSIM_DATADIR to the directory "
            "holding models/)\n",
            dir);
    return HD_EXIT_USAGE;
  }
  char **names = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    size_t len = strlen(e->d_name);
    if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0) continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  printf("shipped models in %s (run one with: hdsim run NAME):\n", dir);
  for (size_t i = 0; i < n; i++) {
    char path[8192], about[256];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    first_comment(path, about, sizeof about);
    printf("  %-40.*s %s\n", (int)(strlen(names[i]) - 4), names[i], about);
    free(names[i]);
  }
  free(names);
  return HD_EXIT_OK;
}

int hd_cmd_list(const struct hd_command *cmd, int argc, char **argv)
{
  struct hd_cli_scan sc = {.cmd = cmd, .argc = argc, .argv = argv};
  const char *arg;
  int first = argc, key, models = 0;
  while ((key = hd_cli_next(&sc, &arg, &first)) != HD_CLI_END) {
    if (key == HD_CLI_HELP || key == HD_CLI_ERROR) {
      hd_cli_scan_free(&sc);
      return key == HD_CLI_HELP ? HD_EXIT_OK : HD_EXIT_BAD_INPUT;
    }
    models = key == OPT_MODELS;
  }
  hd_cli_scan_free(&sc);
  if (first < argc) {
    fprintf(stderr, "hdsim: list takes no arguments, got '%s'\n", argv[first]);
    return HD_EXIT_BAD_INPUT;
  }
  if (models) return list_models();
  for (size_t i = 0; i < hd_registry_count(); i++)
    printf("%-16s %s\n", hd_registry_at(i)->name, hd_registry_at(i)->summary);
  return HD_EXIT_OK;
}

/* ---------------------------------------------------------------- describe */

struct table {
  const char *title;
  const struct hd_param *rows;
  size_t n;
};

/* A key as typed after the problem: "lr", "optimizer.lr" or "[optimizer] lr". */
static int row_matches(const struct hd_param *r, const char *want)
{
  char dotted[160], bracketed[160];
  snprintf(dotted, sizeof dotted, "%s.%s", r->section, r->key);
  snprintf(bracketed, sizeof bracketed, "[%s] %s", r->section, r->key);
  return strcmp(want, r->key) == 0 || strcmp(want, dotted) == 0 || strcmp(want, bracketed) == 0 ||
         (want[0] == '[' && strncmp(want + 1, r->section, strlen(r->section)) == 0 &&
          strcmp(want + 1 + strlen(r->section), "]") == 0);
}

static int describe_keys(const struct table *t, size_t nt, char **keys, int n_keys)
{
  int rc = HD_EXIT_OK;
  for (int k = 0; k < n_keys; k++) {
    int found = 0;
    const struct hd_param *best = NULL;
    long best_score = -1;
    for (size_t i = 0; i < nt; i++)
      for (size_t j = 0; j < t[i].n; j++) {
        const struct hd_param *r = &t[i].rows[j];
        if (row_matches(r, keys[k])) {
          hd_params_describe(r, 1, stdout);
          found = 1;
          continue;
        }
        const char *dot = strchr(keys[k], '.');
        long s = hd_similarity(dot ? dot + 1 : keys[k], r->key);
        if (s >= 0 && (best_score < 0 || s < best_score)) best = r, best_score = s;
      }
    if (!found) {
      if (best)
        fprintf(stderr, "hdsim: describe: no key '%s'; did you mean '%s.%s'?\n", keys[k],
                best->section, best->key);
      else fprintf(stderr, "hdsim: describe: no key '%s'\n", keys[k]);
      rc = HD_EXIT_BAD_INPUT;
    }
  }
  return rc;
}

int hd_cmd_describe(const struct hd_command *cmd, int argc, char **argv)
{
  struct hd_cli_scan sc = {.cmd = cmd, .argc = argc, .argv = argv};
  const char *arg;
  int first = argc, key;
  while ((key = hd_cli_next(&sc, &arg, &first)) != HD_CLI_END) {
    hd_cli_scan_free(&sc);
    return key == HD_CLI_HELP ? HD_EXIT_OK : HD_EXIT_BAD_INPUT;
  }
  hd_cli_scan_free(&sc);
  if (first >= argc) {
    fprintf(stderr, "hdsim: describe needs one problem name (see `hdsim list`), or 'engine'\n");
    return HD_EXIT_BAD_INPUT;
  }
  const char *name = argv[first];
  struct table t[3];
  size_t nt = 0;
  const struct hd_problem *p = NULL;
  if (strcmp(name, "engine") != 0) {
    p = hd_registry_find(name);
    if (!p) {
      const char *close = NULL;
      long best = -1;
      for (size_t i = 0; i < hd_registry_count(); i++) {
        long s = hd_similarity(name, hd_registry_at(i)->name);
        if (s >= 0 && (best < 0 || s < best)) best = s, close = hd_registry_at(i)->name;
      }
      if (close) fprintf(stderr, "hdsim: unknown problem '%s'; did you mean '%s'?\n", name, close);
      else fprintf(stderr, "hdsim: unknown problem '%s'\n", name);
      fprintf(stderr, "known problems (or 'engine' for the keys every problem has):\n");
      for (size_t i = 0; i < hd_registry_count(); i++)
        fprintf(stderr, "  %s\n", hd_registry_at(i)->name);
      return HD_EXIT_BAD_INPUT;
    }
    t[nt++] = (struct table){"Problem keys", p->params, p->n_params};
  }
  t[nt++] = (struct table){"Engine keys (every problem)", hd_run_param_table, hd_run_param_count};
  t[nt++] = (struct table){"Sweeps (every problem)", hd_sweep_param_table, hd_sweep_param_count};
  if (first + 1 < argc) return describe_keys(t, nt, argv + first + 1, argc - first - 1);
  if (p)
    printf("%s — %s\nmathematics: %s in the source tree, installed as %s/%s\n\n", p->name,
           p->summary, p->theory_doc, HDSIM_DOCDIR, p->theory_doc);
  for (size_t i = 0; i < nt; i++) {
    printf("%s%s:\n\n", i ? "\n" : "", t[i].title);
    hd_params_describe(t[i].rows, t[i].n, stdout);
  }
  return HD_EXIT_OK;
}

/* ---------------------------------------------------------------- export */

enum { OPT_CSV = 300 };

const struct hd_cli_option hd_export_options[] = {
    {"csv", OPT_CSV, "DIR", NULL,
     "write one tidy CSV table per group and dimension set into DIR (required)"},
    {0},
};

int hd_cmd_export(const struct hd_command *cmd, int argc, char **argv)
{
  struct hd_cli_scan sc = {.cmd = cmd, .argc = argc, .argv = argv};
  const char *arg, *dir = NULL;
  int first = argc, key;
  while ((key = hd_cli_next(&sc, &arg, &first)) != HD_CLI_END) {
    if (key == HD_CLI_HELP || key == HD_CLI_ERROR) {
      hd_cli_scan_free(&sc);
      return key == HD_CLI_HELP ? HD_EXIT_OK : HD_EXIT_BAD_INPUT;
    }
    if (key == OPT_CSV) dir = arg;
  }
  hd_cli_scan_free(&sc);
  if (first + 1 != argc || !dir) {
    fprintf(stderr, "hdsim: export needs one output file and --csv DIR\n"
                    "Try 'hdsim export --help' for the options.\n");
    return HD_EXIT_BAD_INPUT;
  }
  char *args[] = {argv[first], "--csv", (char *)dir, NULL};
  return hd_export_main(3, args);
}
