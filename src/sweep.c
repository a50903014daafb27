/* sweep.c — parsing and applying [sweep]. */
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_params.h"

const struct hd_param hd_sweep_param_table[] = {
    {"sweep", "SECTION.KEY", HD_STRING, 0, "(none)", 0, 0, 0, NULL, "",
     "sweep any engine or problem key (e.g. optimizer.lr = 0.1, 0.2, 0.4): a list of values, "
     "log(a, b, n) (n values from a to b, log-spaced), linear(a, b, n) (evenly spaced), or "
     "lists and ranges mixed; integer keys get ranges rounded to whole numbers.  The points "
     "are the Cartesian product of the swept keys (first key slowest), each an ordinary run "
     "of the model, written to /points/K with the table of values in /sweep; model.problem, "
     "model.seed and output.file cannot be swept",
     NULL},
    {"sweep", "zip", HD_STRING, 0, "(none)", 0, 0, 0, NULL, "",
     "swept keys that vary together instead of forming a product, e.g. zip = optimizer.lr, "
     "data.d: the i-th point of the group takes the i-th value of each (equal numbers of "
     "values)",
     NULL},
};

const size_t hd_sweep_param_count = sizeof hd_sweep_param_table / sizeof hd_sweep_param_table[0];

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

/* "; did you mean 'optimizer.lr'?" for a swept name with no row: the section first (an
 * unknown section is named as such), then a near key in it, then the key elsewhere. */
static void suggest(const struct hd_problem *pb, const char *section, const char *key, char *out,
                    size_t len)
{
  const struct hd_param *tables[2] = {hd_run_param_table, pb ? pb->params : NULL};
  size_t sizes[2] = {hd_run_param_count, pb ? pb->n_params : 0};
  const struct hd_param *same = NULL, *other = NULL, *sec = NULL;
  long s_same = -1, s_other = -1, s_sec = -1;
  int section_known = 0;
  for (int t = 0; t < 2; t++)
    for (size_t i = 0; i < sizes[t]; i++) {
      const struct hd_param *r = &tables[t][i];
      if (strcmp(r->section, section) == 0) section_known = 1;
    }
  for (int t = 0; t < 2; t++)
    for (size_t i = 0; i < sizes[t]; i++) {
      const struct hd_param *r = &tables[t][i];
      int in_section = strcmp(r->section, section) == 0;
      long ks = hd_similarity(key, r->key);
      if (!in_section && strcmp(r->key, key) == 0) ks = 0;
      if (in_section && ks >= 0 && (s_same < 0 || ks < s_same)) same = r, s_same = ks;
      if (!in_section && ks >= 0 && (s_other < 0 || ks < s_other)) other = r, s_other = ks;
      long ss = hd_similarity(section, r->section);
      if (!section_known && ss >= 0 && (s_sec < 0 || ss + (ks < 0 ? 100 : ks) < s_sec))
        sec = r, s_sec = ss + (ks < 0 ? 100 : ks);
    }
  const struct hd_param *pick = same ? same : (!section_known && sec) ? sec : other;
  if (!section_known && sec && !find_row(sec, 1, sec->section, key)) {
    /* the section is the typo; name the key in the right section if it exists there */
    const struct hd_param *k = NULL;
    for (int t = 0; t < 2 && !k; t++) k = find_row(tables[t], sizes[t], sec->section, key);
    if (k) pick = k;
  }
  if (pick) snprintf(out, len, "; did you mean '%s.%s'?", pick->section, pick->key);
  else out[0] = '\0';
}

/* Shortest of %.15g..%.17g that reads back as x. */
static void fmt_value(double x, char *buf, size_t len)
{
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) return;
  }
}

/* Expands `log(a, b, n)` / `linear(a, b, n)` into values; 0 when tok is no range,
 * n > 0 when expanded, -1 with msg on a malformed or unusable range. */
static int expand_range(const char *tok, const struct hd_param *row, char (*vals)[HD_STR_MAX],
                        size_t room, char *msg, size_t len)
{
  int is_log = strncmp(tok, "log(", 4) == 0, is_lin = strncmp(tok, "linear(", 7) == 0;
  if (!is_log && !is_lin) return 0;
  if (row->type != HD_INT && row->type != HD_REAL) {
    if (row->type == HD_GRID) return 0; /* a grid value, not a range */
    snprintf(msg, len, "%.80s is a range of numbers, and this key is not numeric", tok);
    return -1;
  }
  const char *p = tok + (is_log ? 4 : 7);
  double a, b, n;
  char *end;
  a = strtod(p, &end);
  int ok = end != p && *end == ',';
  if (ok) p = end + 1, b = strtod(p, &end), ok = end != p && *end == ',';
  if (ok) p = end + 1, n = strtod(p, &end), ok = end != p;
  if (ok) {
    while (*end == ' ' || *end == '\t') end++;
    ok = *end == ')' && end[1] == '\0';
  }
  if (!ok || !isfinite(a) || !isfinite(b)) {
    snprintf(msg, len, "expected %s(a, b, n), got \"%.80s\"", is_log ? "log" : "linear", tok);
    return -1;
  }
  if (n != floor(n) || n < 2 || n > (double)room) {
    snprintf(msg, len, "%.80s: n must be a whole number from 2 to %zu", tok, room);
    return -1;
  }
  if (a == b || (is_log && !(a > 0 && b > 0))) {
    snprintf(msg, len, "%.80s: needs a != b%s", tok, is_log ? ", both > 0" : "");
    return -1;
  }
  size_t m = (size_t)n;
  for (size_t k = 0; k < m; k++) {
    double f = (double)k / (double)(m - 1);
    double v = k == 0 ? a : k == m - 1 ? b : is_log ? a * pow(b / a, f) : a + (b - a) * f;
    if (row->type == HD_INT) {
      snprintf(vals[k], HD_STR_MAX, "%.0f", round(v));
      if (k && strcmp(vals[k], vals[k - 1]) == 0) {
        snprintf(msg, len, "%.80s repeats the whole number %.40s (integer key): fewer points", tok,
                 vals[k]);
        return -1;
      }
    } else {
      fmt_value(v, vals[k], HD_STR_MAX);
    }
  }
  return (int)m;
}

/* The values of one swept key: comma-separated items (commas inside parentheses belong
 * to the item), each a value of the key's type or a range (a list key takes one-value
 * lists: the comma separates sweep points). */
static int parse_values(struct hd_config *cfg, const struct hd_config_entry *e,
                        struct hd_sweep_key *k, struct hd_errors *err)
{
  char *buf = strdup(e->value); /* the whole list, however long */
  if (!buf) abort();
  int bad = 0;
  char *p = buf;
  while (*p && !bad) {
    char *q = p;
    int depth = 0;
    while (*q && (depth > 0 || *q != ',')) depth += (*q == '(') - (*q == ')'), q++;
    int last = *q == '\0';
    *q = '\0';
    char tok[HD_STR_MAX * 4];
    snprintf(tok, sizeof tok, "%s", p);
    trim(tok);
    p = last ? q : q + 1;
    char msg[256];
    char expanded[HD_SWEEP_MAX_VALUES][HD_STR_MAX];
    size_t room = HD_SWEEP_MAX_VALUES - k->n_values;
    int m = expand_range(tok, k->row, expanded, room, msg, sizeof msg);
    if (m < 0) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "%s", msg);
      free(buf);
      return -1;
    }
    if (m == 0) {
      if (room == 0) {
        hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "at most %d values",
                      HD_SWEEP_MAX_VALUES);
        free(buf);
        return -1;
      }
      snprintf(expanded[0], HD_STR_MAX, "%.*s", HD_STR_MAX - 1, tok);
      m = 1;
    }
    for (int j = 0; j < m; j++) {
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
      if (hd_param_parse(&row, expanded[j], &probe, msg, sizeof msg) != 0) {
        hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "value \"%s\": %s", expanded[j],
                      msg);
        bad = 1;
        continue;
      }
      snprintf(k->values[k->n_values++], HD_STR_MAX, "%.*s", HD_STR_MAX - 1, expanded[j]);
    }
  }
  if (!bad && k->n_values == 0) {
    hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "no values");
    bad = 1;
  }
  free(buf);
  return bad ? -1 : 0;
}

/* zip = k1, k2, ...: the named swept keys share one axis. */
static void parse_zip(struct hd_config *cfg, const struct hd_config_entry *e, struct hd_sweep *sw,
                      struct hd_errors *err)
{
  char buf[HD_STR_MAX * 4];
  snprintf(buf, sizeof buf, "%s", e->value);
  size_t first = (size_t)-1, n = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    trim(tok);
    size_t k = 0;
    while (k < sw->n_keys &&
           !(strncmp(tok, sw->keys[k].section, strlen(sw->keys[k].section)) == 0 &&
             tok[strlen(sw->keys[k].section)] == '.' &&
             strcmp(tok + strlen(sw->keys[k].section) + 1, sw->keys[k].key) == 0))
      k++;
    if (k == sw->n_keys) {
      char hint[160] = "";
      long best = -1;
      for (size_t j = 0; j < sw->n_keys; j++) {
        char dotted[140];
        snprintf(dotted, sizeof dotted, "%s.%s", sw->keys[j].section, sw->keys[j].key);
        long s = hd_similarity(tok, dotted);
        if (s >= 0 && (best < 0 || s < best))
          best = s, snprintf(hint, sizeof hint, "; did you mean '%s'?", dotted);
      }
      hd_errors_add(err, cfg->path, e->line, "sweep", "zip",
                    "'%s' is not a swept key of this "
                    "[sweep]%s",
                    tok, hint);
      continue;
    }
    n++;
    if (first == (size_t)-1) {
      first = k;
      continue;
    }
    if (sw->keys[k].n_values != sw->keys[first].n_values) {
      hd_errors_add(err, cfg->path, e->line, "sweep", "zip",
                    "zipped keys need equal numbers of values: %s.%s has %zu, %s.%s has %zu",
                    sw->keys[first].section, sw->keys[first].key, sw->keys[first].n_values,
                    sw->keys[k].section, sw->keys[k].key, sw->keys[k].n_values);
      continue;
    }
    sw->keys[k].axis = sw->keys[first].axis;
  }
  if (n < 2 && err->count == 0)
    hd_errors_add(err, cfg->path, e->line, "sweep", "zip", "zip names at least two swept keys");
}

void hd_sweep_parse(struct hd_config *cfg, const struct hd_problem *pb, struct hd_sweep *sw,
                    struct hd_errors *err)
{
  memset(sw, 0, sizeof *sw);
  sw->n_points = 1;
  const struct hd_config_entry *zip = NULL;
  size_t errors_before = err->count;
  for (size_t i = 0; i < cfg->n_entries; i++) {
    struct hd_config_entry *e = &cfg->entries[i];
    if (strcmp(e->section, "sweep") != 0) continue;
    e->used = true;
    if (strcmp(e->key, "zip") == 0) {
      zip = e;
      continue;
    }
    const char *dot = strchr(e->key, '.');
    if (!dot || dot == e->key || !dot[1] || (size_t)(dot - e->key) >= 64 || strlen(dot + 1) >= 64) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key,
                    "sweep keys are written section.key, e.g. optimizer.lr (or zip = ...)");
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
      char hint[200];
      suggest(pb, k->section, k->key, hint, sizeof hint);
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key, "no key [%s] %s to sweep%s",
                    k->section, k->key, hint);
      continue;
    }
    if (strcmp(e->key, "model.problem") == 0 || strcmp(e->key, "output.file") == 0 ||
        strcmp(e->key, "model.seed") == 0) {
      hd_errors_add(err, cfg->path, e->line, "sweep", e->key,
                    "%s cannot be swept (one problem, one output file and one seed per sweep)",
                    e->key);
      continue;
    }
    if (parse_values(cfg, e, k, err) != 0) continue;
    k->axis = sw->n_keys;
    sw->n_keys++;
  }
  if (zip && err->count == errors_before) { /* a bad key would be reported twice */
    if (sw->n_keys == 0)
      hd_errors_add(err, cfg->path, zip->line, "sweep", "zip", "zip without swept keys");
    else parse_zip(cfg, zip, sw, err);
  }
  /* number the axes in order of first appearance */
  size_t map[HD_SWEEP_MAX_KEYS];
  for (size_t a = 0; a < HD_SWEEP_MAX_KEYS; a++) map[a] = (size_t)-1;
  for (size_t k = 0; k < sw->n_keys; k++) {
    size_t a = sw->keys[k].axis;
    if (map[a] == (size_t)-1) {
      map[a] = sw->n_axes;
      sw->axis_values[sw->n_axes++] = sw->keys[k].n_values;
      if (sw->n_points * sw->keys[k].n_values > HD_SWEEP_MAX_POINTS) {
        char key[160];
        snprintf(key, sizeof key, "%s.%s", sw->keys[k].section, sw->keys[k].key);
        hd_errors_add(err, cfg->path, sw->keys[k].line, "sweep", key,
                      "the sweep would have %zu x %zu points; at most %d (each point is a run)",
                      sw->n_points, sw->keys[k].n_values, HD_SWEEP_MAX_POINTS);
      }
      sw->n_points *= sw->keys[k].n_values;
    }
    sw->keys[k].axis = map[a];
  }
}

size_t hd_sweep_value_index(const struct hd_sweep *sw, size_t point, size_t k)
{
  size_t a = sw->keys[k].axis, stride = 1;
  for (size_t j = sw->n_axes; j-- > a + 1;) stride *= sw->axis_values[j];
  return (point / stride) % sw->axis_values[a];
}

void hd_sweep_apply(const struct hd_sweep *sw, size_t point, void *run_params, void *problem_params)
{
  for (size_t k = 0; k < sw->n_keys; k++) {
    const struct hd_sweep_key *key = &sw->keys[k];
    char msg[256];
    /* values were checked by hd_sweep_parse, so this cannot fail */
    hd_param_parse(key->row, key->values[hd_sweep_value_index(sw, point, k)],
                   key->is_engine ? run_params : problem_params, msg, sizeof msg);
  }
}
