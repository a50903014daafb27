/* provenance.c — the digest of everything a result depends on (provenance.h). */
#include "provenance.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"
#include "hdsim_version.h"
#include "input_file.h"
#include "sha256.h"
#include "sweep.h"

struct input {
  char *path;
  char sha[65];
  size_t bytes;
};

static struct input *inputs;
static size_t n_inputs, cap_inputs;

void hd_provenance_inputs_reset(void)
{
  for (size_t i = 0; i < n_inputs; i++) free(inputs[i].path);
  n_inputs = 0;
}

void hd_provenance_add_bytes(const char *path, const void *data, size_t n)
{
  char sha[65];
  hd_sha256_hex(data, n, sha);
  for (size_t i = 0; i < n_inputs; i++) /* the same file read twice is one input */
    if (strcmp(inputs[i].path, path) == 0 && strcmp(inputs[i].sha, sha) == 0) return;
  if (n_inputs == cap_inputs) {
    size_t cap = cap_inputs ? 2 * cap_inputs : 8;
    struct input *grown = realloc(inputs, cap * sizeof *grown);
    if (!grown) abort();
    inputs = grown, cap_inputs = cap;
  }
  struct input *in = &inputs[n_inputs++];
  in->path = strdup(path);
  if (!in->path) abort();
  memcpy(in->sha, sha, sizeof sha);
  in->bytes = n;
}

int hd_provenance_add_file(const char *path)
{
  char *data;
  size_t n;
  char msg[256];
  if (hd_input_slurp(path, &data, &n, msg, sizeof msg) != 0) return -1;
  hd_provenance_add_bytes(path, data, n);
  free(data);
  return 0;
}

size_t hd_provenance_input_count(void) { return n_inputs; }
const char *hd_provenance_input_path(size_t i) { return i < n_inputs ? inputs[i].path : NULL; }

/* Keys that cannot change a result: where it is written and how many threads compute
 * it (results do not depend on threads); the seed is a part of its own. */
static int irrelevant(const struct hd_param *r)
{
  return (strcmp(r->section, "output") == 0 && strcmp(r->key, "file") == 0) ||
         (strcmp(r->section, "simulation") == 0 && strcmp(r->key, "threads") == 0) ||
         (strcmp(r->section, "model") == 0 && strcmp(r->key, "seed") == 0);
}

static void format_table(FILE *m, const struct hd_param *rows, size_t n, const void *src)
{
  for (size_t i = 0; i < n; i++) {
    if (irrelevant(&rows[i])) continue;
    char text[HD_FORMAT_MAX];
    hd_param_format(&rows[i], src, text, sizeof text);
    fprintf(m, "[%s] %s = %s\n", rows[i].section, rows[i].key, text);
  }
}

void hd_provenance_build(struct hd_provenance *p, const struct hd_problem *pb, const void *params,
                         const struct hd_run_params *run, const struct hd_sweep *sw)
{
  size_t len;
  FILE *m = open_memstream(&p->parameters, &len);
  format_table(m, hd_run_param_table, hd_run_param_count, run);
  format_table(m, pb->params, pb->n_params, params);
  for (size_t k = 0; sw && k < sw->n_keys; k++) {
    fprintf(m, "[sweep] %s.%s =", sw->keys[k].section, sw->keys[k].key);
    for (size_t v = 0; v < sw->keys[k].n_values; v++)
      fprintf(m, "%s %s", v ? "," : "", sw->keys[k].values[v]);
    fputc('\n', m);
  }
  fclose(m);
  m = open_memstream(&p->inputs, &len);
  for (size_t i = 0; i < n_inputs; i++)
    fprintf(m, "%s %zu %s\n", inputs[i].sha, inputs[i].bytes, inputs[i].path);
  fclose(m);
  p->seed = run->seed;
  struct hd_sha256 s;
  char seed[32];
  snprintf(seed, sizeof seed, "%ld", p->seed);
  hd_sha256_init(&s);
  const char *parts[] = {"parameters\n", p->parameters, "inputs\n", p->inputs,     "seed\n", seed,
                         "\nversion\n",  HDSIM_VERSION, "\nrng\n",  HD_RNG_LAYOUT, "\n"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    hd_sha256_update(&s, parts[i], strlen(parts[i]));
  hd_sha256_final_hex(&s, p->digest);
}

void hd_provenance_free(struct hd_provenance *p)
{
  free(p->parameters);
  free(p->inputs);
  p->parameters = p->inputs = NULL;
}

int hd_provenance_write(long long f, const struct hd_provenance *p)
{
  int rc = hd_h5_attr_str(f, "provenance_digest", p->digest);
  rc |= hd_h5_attr_str(f, "provenance_parameters", p->parameters);
  rc |= hd_h5_attr_str(f, "provenance_inputs", p->inputs);
  rc |= hd_h5_attr_str(f, "provenance_rng_layout", HD_RNG_LAYOUT);
  return rc;
}

static char *read_str(hid_t obj, const char *name)
{
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return NULL;
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  char *v = NULL, *out = NULL;
  if (H5Aread(a, t, &v) >= 0 && v) {
    out = strdup(v);
    H5free_memory(v);
  }
  H5Tclose(t);
  H5Aclose(a);
  return out;
}

/* The line of `text` that starts with `prefix` (up to its newline), or NULL. */
static const char *find_line(const char *text, const char *prefix, size_t plen)
{
  for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
    if (strncmp(l, prefix, plen) == 0) return l;
  return NULL;
}

static size_t line_len(const char *l)
{
  const char *e = strchr(l, '\n');
  return e ? (size_t)(e - l) : strlen(l);
}

/* Appends "what changed" phrases for parameters: a line per key "[s] k = v". */
static void diff_parameters(FILE *m, const char *was, const char *now, int *n)
{
  for (const char *l = now; *l; l += line_len(l) + (l[line_len(l)] == '\n')) {
    const char *eq = strstr(l, " = ");
    if (!eq || eq > l + line_len(l)) continue;
    size_t klen = (size_t)(eq - l) + 3;
    const char *o = find_line(was, l, klen);
    if (!o) {
      fprintf(m, "%s%.*s (not in the file)", (*n)++ ? "; " : "", (int)(klen - 3), l);
    } else if (line_len(o) != line_len(l) || strncmp(o, l, line_len(l)) != 0) {
      fprintf(m, "%s%.*s: %.*s -> %.*s", (*n)++ ? "; " : "", (int)(klen - 3), l,
              (int)(line_len(o) - klen), o + klen, (int)(line_len(l) - klen), l + klen);
    }
  }
  for (const char *l = was; *l; l += line_len(l) + (l[line_len(l)] == '\n')) {
    const char *eq = strstr(l, " = ");
    if (!eq || eq > l + line_len(l)) continue;
    if (!find_line(now, l, (size_t)(eq - l) + 3))
      fprintf(m, "%s%.*s (only in the file)", (*n)++ ? "; " : "", (int)(eq - l), l);
  }
}

/* Input lines are "sha bytes path": compare by path. */
static const char *input_path(const char *l)
{
  const char *p = strchr(l, ' ');
  p = p ? strchr(p + 1, ' ') : NULL;
  return p ? p + 1 : l;
}

static void diff_inputs(FILE *m, const char *was, const char *now, int *n)
{
  for (const char *l = now; *l; l += line_len(l) + (l[line_len(l)] == '\n')) {
    const char *path = input_path(l);
    size_t plen = line_len(l) - (size_t)(path - l);
    const char *o = NULL;
    for (const char *k = was; *k && !o; k += line_len(k) + (k[line_len(k)] == '\n')) {
      const char *kp = input_path(k);
      if (line_len(k) - (size_t)(kp - k) == plen && strncmp(kp, path, plen) == 0) o = k;
    }
    if (!o)
      fprintf(m, "%sinput file %.*s (not read by the interrupted run)", (*n)++ ? "; " : "",
              (int)plen, path);
    else if (strncmp(o, l, 64) != 0)
      fprintf(m, "%scontents of input file %.*s", (*n)++ ? "; " : "", (int)plen, path);
  }
  for (const char *k = was; *k; k += line_len(k) + (k[line_len(k)] == '\n')) {
    const char *kp = input_path(k);
    size_t plen = line_len(k) - (size_t)(kp - k);
    int found = 0;
    for (const char *l = now; *l && !found; l += line_len(l) + (l[line_len(l)] == '\n')) {
      const char *lp = input_path(l);
      found = line_len(l) - (size_t)(lp - l) == plen && strncmp(lp, kp, plen) == 0;
    }
    if (!found)
      fprintf(m, "%sinput file %.*s (read by the interrupted run, not now)", (*n)++ ? "; " : "",
              (int)plen, kp);
  }
}

int hd_provenance_check(long long f, const char *path, const struct hd_provenance *expect,
                        char *msg, size_t msglen)
{
  char *digest = read_str(f, "provenance_digest");
  if (!digest) {
    snprintf(msg, msglen,
             "'%s' has no provenance record (written by an older hdsim?); "
             "start afresh",
             path);
    return -1;
  }
  if (strcmp(digest, expect->digest) == 0) {
    free(digest);
    return 0;
  }
  char *params = read_str(f, "provenance_parameters"), *in = read_str(f, "provenance_inputs");
  char *version = read_str(f, "hdsim_version"), *layout = read_str(f, "provenance_rng_layout");
  long long seed = -1;
  if (H5Aexists(f, "seed") > 0) {
    hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
    if (a >= 0) {
      if (H5Aread(a, H5T_NATIVE_LLONG, &seed) < 0) seed = -1;
      H5Aclose(a);
    }
  }
  char *what = NULL;
  size_t len;
  FILE *m = open_memstream(&what, &len);
  int n = 0;
  if (!version || strcmp(version, HDSIM_VERSION) != 0)
    fprintf(m, "%shdsim version %s -> %s", n++ ? "; " : "", version ? version : "?", HDSIM_VERSION);
  if (!layout || strcmp(layout, HD_RNG_LAYOUT) != 0)
    fprintf(m, "%srandom-stream layout", n++ ? "; " : "");
  if (seed != expect->seed) fprintf(m, "%sseed %lld -> %ld", n++ ? "; " : "", seed, expect->seed);
  diff_parameters(m, params ? params : "", expect->parameters, &n);
  diff_inputs(m, in ? in : "", expect->inputs, &n);
  if (n == 0) fprintf(m, "the provenance digest (the file's record is damaged)");
  fclose(m);
  snprintf(msg, msglen, "'%s' was computed from different inputs; changed: %s", path, what);
  free(what);
  free(digest);
  free(params);
  free(in);
  free(version);
  free(layout);
  return -1;
}
