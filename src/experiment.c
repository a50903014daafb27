/* experiment.c — reading a user's measured curves (HDF5 group or CSV table) and putting
 * them on the theory's times.  The checks are the same for both formats: they run on the
 * columns once read (check_times, build_curves). */
#include "experiment.h"

#include <ctype.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "input_file.h"
#include "provenance.h"

/* One column of the input: an observable's name and its values (one run). */
struct column {
  char name[HD_NAME_MAX];
  double *v; /* n values */
  int rank;  /* pairs form: the shape the array was given in, for messages */
  size_t rows, cols;
};

struct table {
  size_t n, n_cols, cap;
  double *t;
  struct column *cols;
};

static void table_free(struct table *tb)
{
  free(tb->t);
  for (size_t c = 0; c < tb->n_cols; c++) free(tb->cols[c].v);
  free(tb->cols);
  memset(tb, 0, sizeof *tb);
}

static struct column *table_add(struct table *tb, const char *name)
{
  if (tb->n_cols == tb->cap) {
    tb->cap = tb->cap ? 2 * tb->cap : 8;
    tb->cols = realloc(tb->cols, tb->cap * sizeof *tb->cols);
    if (!tb->cols) abort();
  }
  struct column *c = &tb->cols[tb->n_cols++];
  snprintf(c->name, sizeof c->name, "%s", name);
  c->v = NULL;
  c->rank = 0, c->rows = c->cols = 0;
  return c;
}

static void known_list(const struct hd_observable *obs, size_t n_obs, char *buf, size_t len)
{
  buf[0] = '\0';
  for (size_t k = 0; k < n_obs; k++) {
    size_t m = strlen(buf);
    snprintf(buf + m, len - m, "%s%s", k ? ", " : "", obs[k].name);
  }
}

static long find_obs(const struct hd_observable *obs, size_t n_obs, const char *name)
{
  for (size_t k = 0; k < n_obs; k++)
    if (strcmp(obs[k].name, name) == 0) return (long)k;
  return -1;
}

static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, msglen, fmt, ap);
  va_end(ap);
  return -1;
}

/* t: at least one time, finite, strictly increasing, inside [0, horizon]. */
static int check_times(const char *where, const double *t, size_t n, double horizon, char *msg,
                       size_t msglen)
{
  if (n == 0) return fail(msg, msglen, "%s: no measured times (t is empty)", where);
  for (size_t j = 0; j < n; j++) {
    if (!isfinite(t[j])) return fail(msg, msglen, "%s: t[%zu] is not finite", where, j);
    if (t[j] < 0) return fail(msg, msglen, "%s: t[%zu] = %g is negative", where, j, t[j]);
    if (t[j] > horizon * (1 + 1e-12))
      return fail(msg, msglen,
                  "%s: t[%zu] = %g is beyond the horizon %g ([simulation] horizon): the "
                  "theory has no value there",
                  where, j, t[j], horizon);
    if (j && !(t[j] > t[j - 1]))
      return fail(msg, msglen, "%s: t is not strictly increasing (t[%zu] = %g after %g)", where, j,
                  t[j], t[j - 1]);
  }
  return 0;
}

/* The columns grouped by observable, in the model's order, with mean and s.e. */
static int build_curves(const char *where, struct table *tb, const struct hd_observable *obs,
                        size_t n_obs, struct hd_experiment *e, char *msg, size_t msglen)
{
  char known[1024];
  for (size_t c = 0; c < tb->n_cols; c++) {
    if (find_obs(obs, n_obs, tb->cols[c].name) >= 0) continue;
    known_list(obs, n_obs, known, sizeof known);
    return fail(msg, msglen, "%s: unknown observable '%s' (this model's observables: %s)", where,
                tb->cols[c].name, known);
  }
  for (size_t c = 0; c < tb->n_cols; c++)
    for (size_t j = 0; j < tb->n; j++)
      if (!isfinite(tb->cols[c].v[j]))
        return fail(msg, msglen, "%s: %s at t = %g is not finite", where, tb->cols[c].name,
                    tb->t[j]);
  if (tb->n_cols == 0) {
    known_list(obs, n_obs, known, sizeof known);
    return fail(msg, msglen, "%s: no observable beside t (this model's observables: %s)", where,
                known);
  }
  const size_t n = tb->n;
  e->curves = calloc(n_obs, sizeof *e->curves);
  if (!e->curves) abort();
  for (size_t k = 0; k < n_obs; k++) {
    size_t R = 0;
    for (size_t c = 0; c < tb->n_cols; c++) R += strcmp(tb->cols[c].name, obs[k].name) == 0;
    if (!R) continue;
    struct hd_experiment_curve *cv = &e->curves[e->n_curves++];
    cv->obs = k;
    cv->runs = R;
    cv->values = malloc(R * n * sizeof(double));
    cv->mean = malloc(n * sizeof(double));
    cv->stderr_ = malloc(n * sizeof(double));
    if (!cv->values || !cv->mean || !cv->stderr_) abort();
    size_t r = 0;
    for (size_t c = 0; c < tb->n_cols; c++)
      if (strcmp(tb->cols[c].name, obs[k].name) == 0)
        memcpy(cv->values + r++ * n, tb->cols[c].v, n * sizeof(double));
    for (size_t j = 0; j < n; j++) {
      double s = 0, ss = 0;
      for (r = 0; r < R; r++) s += cv->values[r * n + j];
      double m = s / (double)R;
      for (r = 0; r < R; r++) ss += (cv->values[r * n + j] - m) * (cv->values[r * n + j] - m);
      cv->mean[j] = m;
      cv->stderr_[j] = R > 1 ? sqrt(ss / (double)(R - 1) / (double)R) : NAN;
    }
  }
  e->n = n;
  e->t = tb->t;
  tb->t = NULL;
  return 0;
}

/* ---- HDF5 ---------------------------------------------------------------------------- */

struct h5_walk {
  hid_t g;
  const char *where;
  struct table *tb;
  hsize_t n; /* length of t */
  char *msg;
  size_t msglen;
  int bad;
};

/* A numeric dataset of rank 1 or 2 read as doubles; rank and dims out. */
static double *read_numeric(hid_t g, const char *name, const char *where, int *rank,
                            hsize_t dims[2], char *msg, size_t msglen)
{
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) {
    fail(msg, msglen, "%s: cannot open dataset '%s'", where, name);
    return NULL;
  }
  hid_t type = H5Dget_type(d), space = H5Dget_space(d);
  H5T_class_t cls = H5Tget_class(type);
  double *v = NULL;
  *rank = H5Sget_simple_extent_ndims(space);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    fail(msg, msglen, "%s: dataset '%s' is not numeric (float or integer)", where, name);
  } else if (*rank < 1 || *rank > 2) {
    fail(msg, msglen, "%s: dataset '%s' has %d dimensions (give (n,) or (runs, n))", where, name,
         *rank);
  } else {
    H5Sget_simple_extent_dims(space, dims, NULL);
    hsize_t total = dims[0] * (*rank == 2 ? dims[1] : 1);
    v = malloc((total ? total : 1) * sizeof *v);
    if (!v) abort();
    if (total && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
      fail(msg, msglen, "%s: cannot read dataset '%s' as numbers", where, name);
      free(v);
      v = NULL;
    }
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(d);
  return v;
}

static herr_t visit_curve(hid_t g, const char *name, const H5L_info_t *info, void *vw)
{
  (void)info;
  struct h5_walk *w = vw;
  if (strcmp(name, "t") == 0) return 0;
  H5O_info_t oi;
  if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) {
    fail(w->msg, w->msglen,
         "%s: '%s' is not a dataset (the group holds t and one dataset per observable)", w->where,
         name);
    return w->bad = 1;
  }
  if (strlen(name) >= HD_NAME_MAX) {
    fail(w->msg, w->msglen, "%s: unknown observable '%.60s...'", w->where, name);
    return w->bad = 1;
  }
  int rank;
  hsize_t dims[2] = {0, 0};
  double *v = read_numeric(g, name, w->where, &rank, dims, w->msg, w->msglen);
  if (!v) return w->bad = 1;
  hsize_t n = rank == 1 ? dims[0] : dims[1], R = rank == 1 ? 1 : dims[0];
  if (n != w->n || R == 0) {
    if (rank == 1)
      fail(w->msg, w->msglen,
           "%s: '%s' has shape (%llu,) but t has %llu times: give (%llu,) or "
           "(runs, %llu)",
           w->where, name, (unsigned long long)dims[0], (unsigned long long)w->n,
           (unsigned long long)w->n, (unsigned long long)w->n);
    else
      fail(w->msg, w->msglen,
           "%s: '%s' has shape (%llu, %llu) but t has %llu times: give (%llu,) or (runs, %llu)",
           w->where, name, (unsigned long long)dims[0], (unsigned long long)dims[1],
           (unsigned long long)w->n, (unsigned long long)w->n, (unsigned long long)w->n);
    free(v);
    return w->bad = 1;
  }
  for (hsize_t r = 0; r < R; r++) {
    struct column *c = table_add(w->tb, name);
    c->v = malloc(n * sizeof(double));
    if (!c->v) abort();
    memcpy(c->v, v + r * n, n * sizeof(double));
  }
  free(v);
  return 0;
}

static int read_hdf5(const char *file, const char *group, const char *where, struct table *tb,
                     char *msg, size_t msglen)
{
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), g = -1;
  if (f < 0) {
    fail(msg, msglen, "%s: cannot open as HDF5", where);
    goto out;
  }
  g = H5Oopen(f, group, H5P_DEFAULT);
  H5O_info_t oi;
  if (g < 0 || H5Oget_info(g, &oi) < 0 || oi.type != H5O_TYPE_GROUP) {
    fail(msg, msglen, "%s: no group '%s' in the file", where, group);
    goto out;
  }
  if (H5Lexists(g, "t", H5P_DEFAULT) <= 0) {
    fail(msg, msglen, "%s: no dataset t (the measured times)", where);
    goto out;
  }
  int rank;
  hsize_t dims[2] = {0, 0};
  tb->t = read_numeric(g, "t", where, &rank, dims, msg, msglen);
  if (!tb->t) goto out;
  if (rank != 1) {
    fail(msg, msglen, "%s: t has shape (%llu, %llu); give the times as a vector", where,
         (unsigned long long)dims[0], (unsigned long long)dims[1]);
    goto out;
  }
  tb->n = dims[0];
  struct h5_walk w = {g, where, tb, dims[0], msg, msglen, 0};
  hsize_t idx = 0;
  if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_curve, &w) < 0 || w.bad) {
    if (!w.bad) fail(msg, msglen, "%s: cannot list the group", where);
    goto out;
  }
  rc = 0;
out:
  if (g >= 0) H5Oclose(g);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  return rc;
}

/* ---- CSV ----------------------------------------------------------------------------- */

static char *trim(char *s)
{
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

static int read_csv(const char *file, struct table *tb, char *msg, size_t msglen)
{
  char *data;
  size_t bytes;
  if (hd_input_slurp(file, &data, &bytes, msg, msglen) != 0) return -1;
  if (memchr(data, '\0', bytes)) {
    free(data);
    return fail(msg, msglen, "%s: not a text file (a NUL byte); CSV or HDF5 expected", file);
  }
  hd_provenance_add_bytes(file, data, bytes);
  int rc = 0;
  size_t line = 0, cap = 0, ncol = 0;
  int header = 0;
  char *save = NULL;
  for (char *ln = data; ln && rc == 0; ln = save) {
    save = strchr(ln, '\n');
    if (save) *save++ = '\0';
    line++;
    char *hash = strchr(ln, '#');
    if (hash) *hash = '\0';
    char *s = trim(ln);
    if (!*s) continue;
    if (!header) {
      header = 1;
      size_t c = 0;
      for (char *f = s, *next; f; f = next, c++) {
        next = strchr(f, ',');
        if (next) *next++ = '\0';
        char *name = trim(f);
        if (c == 0 && strcmp(name, "t") != 0) {
          rc = fail(msg, msglen, "%s, line %zu: the first column must be t (found '%s')", file,
                    line, name);
          break;
        }
        if (c > 0 && !*name) {
          rc = fail(msg, msglen, "%s, line %zu: column %zu has no name", file, line, c + 1);
          break;
        }
        if (c > 0 && strlen(name) >= HD_NAME_MAX) {
          rc = fail(msg, msglen, "%s, line %zu: unknown observable '%.60s...'", file, line, name);
          break;
        }
        if (c > 0) table_add(tb, name);
      }
      ncol = c;
      continue;
    }
    if (tb->n == cap) {
      cap = cap ? 2 * cap : 64;
      tb->t = realloc(tb->t, cap * sizeof(double));
      if (!tb->t) abort();
      for (size_t k = 0; k < tb->n_cols; k++) {
        tb->cols[k].v = realloc(tb->cols[k].v, cap * sizeof(double));
        if (!tb->cols[k].v) abort();
      }
    }
    size_t c = 0;
    for (char *f = s, *next; f; f = next, c++) {
      next = strchr(f, ',');
      if (next) *next++ = '\0';
      char *field = trim(f), *end;
      double v = strtod(field, &end);
      if (c >= ncol) {
        rc = fail(msg, msglen, "%s, line %zu: more than the %zu columns of the header", file, line,
                  ncol);
        break;
      }
      if (!*field || *end) {
        rc = fail(msg, msglen, "%s, line %zu, column %zu: '%s' is not a number", file, line, c + 1,
                  field);
        break;
      }
      if (c == 0) tb->t[tb->n] = v;
      else tb->cols[c - 1].v[tb->n] = v;
    }
    if (rc == 0 && c != ncol)
      rc = fail(msg, msglen, "%s, line %zu: %zu of the header's %zu columns", file, line, c, ncol);
    if (rc == 0) tb->n++;
  }
  if (rc == 0 && !header) rc = fail(msg, msglen, "%s: no header line (t, observable, ...)", file);
  free(data);
  return rc;
}

/* ---- t=ARRAY,OBS=ARRAY,... --------------------------------------------------------------- */

static int file_part(const struct hd_config *cfg, const char *path, char *out, size_t len)
{
  if (cfg) return hd_config_resolve_path(cfg, path, out, len);
  if (strlen(path) >= len) return -1;
  memcpy(out, path, strlen(path) + 1);
  return 0;
}

static int read_pairs(const char *spec, const struct hd_config *cfg, struct table *tb, char *msg,
                      size_t msglen)
{
  char *copy = strdup(spec), *save = NULL;
  if (!copy) abort();
  int rc = 0, have_t = 0;
  struct hd_array a = {0};
  for (char *pair = strtok_r(copy, ",", &save); pair && rc == 0;
       pair = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(pair, '='), path[4096 + 1024];
    if (!eq) {
      rc = fail(msg, msglen, "%s: '%s' is not NAME=ARRAY", spec, trim(pair));
      break;
    }
    *eq = '\0';
    char *name = trim(pair), *value = trim(eq + 1);
    if (!*name || strlen(name) >= HD_NAME_MAX || !*value) {
      rc = fail(msg, msglen, "%s: '%s=%s' is not NAME=ARRAY", spec, name, value);
      break;
    }
    if (file_part(cfg, value, path, sizeof path) != 0) {
      rc = fail(msg, msglen, "%s: path too long", spec);
      break;
    }
    if (hd_array_read(path, &a, msg, msglen) != 0) {
      rc = -1;
      break;
    }
    int is_t = strcmp(name, "t") == 0;
    size_t n = a.rank == 1 ? a.rows : a.cols, R = a.rank == 1 ? 1 : a.rows;
    if (is_t && (have_t || a.rank != 1)) {
      rc = fail(msg, msglen, "%s: %s", spec,
                have_t ? "t given twice" : "t must be a vector (the measured times)");
    } else if (is_t) {
      tb->n = a.rows;
      tb->t = a.v;
      a.v = NULL;
      have_t = 1;
    } else {
      for (size_t r = 0; r < R; r++) { /* its shape is checked once t is known */
        struct column *c = table_add(tb, name);
        c->v = malloc((n ? n : 1) * sizeof(double));
        if (!c->v) abort();
        memcpy(c->v, a.v + r * n, n * sizeof(double));
        c->rank = a.rank, c->rows = a.rows, c->cols = a.cols;
      }
    }
    hd_array_free(&a);
  }
  hd_array_free(&a);
  free(copy);
  if (rc == 0 && !have_t) rc = fail(msg, msglen, "%s: no t=ARRAY (the measured times)", spec);
  if (rc == 0 && tb->n_cols == 0) return 0; /* build_curves says what is missing */
  for (size_t c = 0; rc == 0 && c < tb->n_cols; c++) {
    const struct column *s = &tb->cols[c];
    size_t n = s->rank == 1 ? s->rows : s->cols;
    if (n == tb->n) continue;
    if (s->rank == 1)
      rc = fail(msg, msglen,
                "%s: '%s' has shape (%zu,) but t has %zu times: give (%zu,) or "
                "(runs, %zu)",
                spec, tb->cols[c].name, s->rows, tb->n, tb->n, tb->n);
    else
      rc = fail(msg, msglen,
                "%s: '%s' has shape (%zu, %zu) but t has %zu times: give (%zu,) "
                "or (runs, %zu)",
                spec, tb->cols[c].name, s->rows, s->cols, tb->n, tb->n, tb->n);
  }
  return rc;
}

/* ---- the reader ---------------------------------------------------------------------- */

static int is_hdf5(const char *file)
{
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char buf[8];
  FILE *fp = fopen(file, "rb");
  if (!fp) return 0;
  size_t got = fread(buf, 1, sizeof buf, fp);
  fclose(fp);
  return got == sizeof buf && memcmp(buf, sig, sizeof sig) == 0;
}

int hd_experiment_read(const char *spec, const struct hd_config *cfg,
                       const struct hd_observable *obs, size_t n_obs, double horizon,
                       struct hd_experiment *e, char *msg, size_t msglen)
{
  memset(e, 0, sizeof *e);
  snprintf(e->source, sizeof e->source, "%s", spec);
  /* FILE:/group names a group of an HDF5 file */
  char given[1024], file[4096 + 1024];
  const char *group = "/", *colon = strstr(spec, ":/");
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len >= sizeof given) return fail(msg, msglen, "experiment file name too long");
  memcpy(given, spec, len);
  given[len] = '\0';
  if (colon) group = colon + 1;
  if (file_part(cfg, given, file, sizeof file) != 0)
    return fail(msg, msglen, "experiment file name too long");
  struct table tb = {0};
  int rc;
  FILE *fp = fopen(file, "rb");
  if (fp) fclose(fp);
  if (!fp && strchr(spec, '=')) { /* t=ARRAY,OBS=ARRAY,... */
    e->format = "arrays";
    rc = read_pairs(spec, cfg, &tb, msg, msglen);
  } else if (!fp) {
    return fail(msg, msglen, "cannot read experiment file '%s'", file);
  } else if (is_hdf5(file)) {
    e->format = "hdf5";
    rc = read_hdf5(file, group, spec, &tb, msg, msglen);
    if (rc == 0 && hd_provenance_add_file(file) != 0)
      rc = fail(msg, msglen, "cannot read experiment file '%s'", file);
  } else if (colon) {
    rc = fail(msg, msglen, "%s: '%s' is not an HDF5 file, so it has no group '%s'", spec, file,
              group);
  } else {
    e->format = "csv";
    rc = read_csv(file, &tb, msg, msglen);
  }
  if (rc == 0) rc = check_times(spec, tb.t, tb.n, horizon, msg, msglen);
  if (rc == 0) rc = build_curves(spec, &tb, obs, n_obs, e, msg, msglen);
  table_free(&tb);
  if (rc != 0) hd_experiment_free(e);
  return rc;
}

void hd_experiment_free(struct hd_experiment *e)
{
  for (size_t c = 0; c < e->n_curves; c++) {
    free(e->curves[c].values);
    free(e->curves[c].mean);
    free(e->curves[c].stderr_);
  }
  free(e->curves);
  free(e->t);
  e->curves = NULL;
  e->t = NULL;
  e->n = e->n_curves = 0;
}

void hd_experiment_interp(const double *t, const double *y, size_t n, const double *tg, size_t G,
                          double *out)
{
  size_t j = 0;
  for (size_t k = 0; k < G; k++) {
    double x = tg[k];
    if (n == 0 || !(x >= t[0] && x <= t[n - 1])) {
      out[k] = NAN;
      continue;
    }
    while (j + 1 < n && t[j + 1] < x) j++; /* t[j] < x <= t[j + 1], or x = t[0] */
    if (x == t[j]) out[k] = y[j];
    else if (j + 1 < n && x == t[j + 1]) out[k] = y[j + 1];
    else {
      double w = (x - t[j]) / (t[j + 1] - t[j]);
      out[k] = (1 - w) * y[j] + w * y[j + 1];
    }
  }
}
