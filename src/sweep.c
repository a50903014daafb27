/* sweep.c — parsing and applying [sweep]. */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_params.h"

static const struct hd_param *find_row(const struct hd_param *t, size_t n, const char *section,
                                       const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].section, section) == 0 && strcmp(t[i].key, key) == 0) return &t[i];
  return NULL;
}

static void trim(char *s)
{
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  size_t i = 0;
  while (s[i] == ' ' || s[i] == '\t') i++;
  memmove(s, s + i, n - i + 1);
}

void hd_sweep_parse(struct hd_config *cfg, const struct hd_problem *pb, struct hd_sweep *sw,
                    struct hd_errors *err)
{
  memset(sw, 0, sizeof *sw);
  sw->n_points = 1;
  for (size_t i = 0; i < cfg->n_entries; i++) {
    struct hd_config_entry *e = &cfg->entries[i];
    if (strcmp(e->section, "sweep") != 0) continue;
    e->used = true;
    const char *dot = strchr(e->key, '.');
    if (!dot || dot == e->key || !dot[1] || (size_t)(dot - e->key) >= 64 || strlen(dot + 1) >= 64) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key,
                    "sweep keys are written section.key, e.g. optimizer.lr");
      continue;
    }
    if (sw->n_keys == HD_SWEEP_MAX_KEYS) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "at most %d swept keys",
                    HD_SWEEP_MAX_KEYS);
      continue;
    }
    struct hd_sweep_key *k = &sw->keys[sw->n_keys];
    memset(k, 0, sizeof *k);
    snprintf(k->section, sizeof k->section, "%.*s", (int)(dot - e->key), e->key);
    snprintf(k->key, sizeof k->key, "%s", dot + 1);
    k->line = e->line;
    k->row = find_row(hd_run_param_table, hd_run_param_count, k->section, k->key);
    k->is_engine = k->row != NULL;
    if (!k->row && pb) k->row = find_row(pb->params, pb->n_params, k->section, k->key);
    if (!k->row) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "no key [%s] %s to sweep",
                    k->section, k->key);
      continue;
    }
    if (strcmp(e->key, "model.problem") == 0 || strcmp(e->key, "output.file") == 0 ||
        strcmp(e->key, "model.seed") == 0) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key,
                    "%s cannot be swept (one problem, one output file and one seed per sweep)",
                    e->key);
      continue;
    }
    /* values: comma separated, each parsed by the key's own row (a list key takes
     * one-value lists: the comma separates sweep points) */
    char *buf = strdup(e->value); /* the whole list, however long */
    if (!buf) abort();
    int bad = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      trim(tok);
      if (k->n_values == HD_SWEEP_MAX_VALUES) {
        hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "at most %d values",
                      HD_SWEEP_MAX_VALUES);
        bad = 1;
        break;
      }
      union {
        long l;
        double d;
        bool b;
        int i;
        char s[HD_STR_MAX];
        struct hd_grid g;
        struct hd_real_list rl;
        struct hd_int_list il;
        struct hd_path_list pl;
      } probe;
      struct hd_param row = *k->row;
      row.offset = 0;
      char msg[256];
      if (hd_param_parse(&row, tok, &probe, msg, sizeof msg) != 0) {
        hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "value \"%s\": %s", tok, msg);
        bad = 1;
        continue;
      }
      snprintf(k->values[k->n_values++], HD_STR_MAX, "%s", tok);
    }
    free(buf);
    if (!bad && k->n_values == 0)
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "no values");
    if (bad || k->n_values == 0) continue;
    if (sw->n_points * k->n_values > HD_SWEEP_MAX_POINTS) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key,
                    "the sweep would have %zu x %zu points; at most %d (each point is a run)",
                    sw->n_points, k->n_values, HD_SWEEP_MAX_POINTS);
      continue;
    }
    sw->n_points *= k->n_values;
    sw->n_keys++;
  }
}

size_t hd_sweep_value_index(const struct hd_sweep *sw, size_t point, size_t k)
{
  size_t stride = 1;
  for (size_t j = sw->n_keys; j-- > k + 1;) stride *= sw->keys[j].n_values;
  return (point / stride) % sw->keys[k].n_values;
}

void hd_sweep_apply(const struct hd_sweep *sw, size_t point, void *run_params,
                    void *problem_params)
{
  for (size_t k = 0; k < sw->n_keys; k++) {
    const struct hd_sweep_key *key = &sw->keys[k];
    char msg[256];
    /* values were checked by hd_sweep_parse, so this cannot fail */
    hd_param_parse(key->row, key->values[hd_sweep_value_index(sw, point, k)],
                   key->is_engine ? run_params : problem_params, msg, sizeof msg);
  }
}
