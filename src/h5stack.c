/* h5stack.c — a sweep's observables stacked over (point, t), for array tools:
 *
 *   /sweep/theory/<obs>                 (point, t)   the theory at each point
 *   /sweep/simulation/<obs>             (point, t)   Monte Carlo mean
 *   /sweep/simulation/<obs>_stderr      (point, t)   its standard error
 *   /sweep/simulation/count             (point, t)   runs still finite
 *
 * each group with its own coordinates point, t and one coordinate per swept key along
 * point (named by the key, e.g. lr; section_key when two sections share a key), listed in
 * the CF attribute `coordinates` of every stacked variable.  t is the union of the points'
 * output times (they differ when a swept key changes the steps per unit of time, e.g. the
 * batch or, for sam_quadratic, the learning rate); NaN where a point has no value.  The
 * values are copied from /points/K, unchanged. */
#include "h5stack.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5dims.h"
#include "h5out.h"

static double *read_1d(hid_t f, const char *path, size_t *n)
{
  *n = 0;
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return NULL;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  if (d < 0) return NULL;
  hid_t s = H5Dget_space(d);
  hssize_t m = H5Sget_simple_extent_npoints(s);
  double *v = malloc((m > 0 ? (size_t)m : 1) * sizeof *v);
  if (H5Sget_simple_extent_ndims(s) != 1 ||
      H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
    free(v);
    v = NULL;
  } else {
    *n = (size_t)m;
  }
  H5Sclose(s);
  H5Dclose(d);
  return v;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Index of x in the sorted array u[0..n), which holds it. */
static size_t locate(const double *u, size_t n, double x)
{
  size_t lo = 0, hi = n;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (u[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

struct stack {
  const struct hd_output *base;
  const struct hd_sweep *sw;
  size_t n_points, n_t;
  double *t; /* the union grid */
  char names[HD_SWEEP_MAX_KEYS][160];
  char coordinates[HD_SWEEP_MAX_KEYS * 160];
};

static int write_coords(hid_t g, const struct stack *S)
{
  int rc = hd_h5_index_coord(g, "point", S->n_points, "sweep point (/points/K)");
  rc |= hd_h5_dset1(g, "t", S->t, S->n_t);
  rc |= hd_h5_coord(g, "t", "1", "time t", S->base->problem->time_meaning);
  size_t n = S->n_points;
  for (size_t k = 0; k < S->sw->n_keys; k++) {
    const struct hd_sweep_key *key = &S->sw->keys[k];
    char ln[200];
    snprintf(ln, sizeof ln, "swept key [%s] %s", key->section, key->key);
    if (key->row->type == HD_INT || key->row->type == HD_REAL || key->row->type == HD_BOOL) {
      double *v = malloc(n * sizeof *v);
      for (size_t p = 0; p < n; p++) {
        const char *text = key->values[hd_sweep_value_index(S->sw, p, k)];
        v[p] = key->row->type == HD_BOOL ? (strcmp(text, "true") == 0) : strtod(text, NULL);
      }
      rc |= hd_h5_dset1(g, S->names[k], v, n);
      free(v);
      rc |= hd_h5_cf(g, S->names[k], "1", ln);
    } else {
      const char **v = malloc(n * sizeof *v);
      for (size_t p = 0; p < n; p++) v[p] = key->values[hd_sweep_value_index(S->sw, p, k)];
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      hsize_t dims[1] = {n};
      hid_t s = H5Screate_simple(1, dims, NULL);
      hid_t d = H5Dcreate2(g, S->names[k], t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) rc = -1;
      if (d >= 0) rc |= hd_h5_attr_str(d, "long_name", ln), H5Dclose(d);
      H5Sclose(s);
      H5Tclose(t);
      free(v);
    }
    rc |= hd_h5_attach(g, S->names[k], (const char *[]){"point"}, 1);
  }
  return rc;
}

/* Stacks /points/K/<part>/<path> (K = 0..n-1) into g/<name>; NaN where absent. */
static int stack_one(hid_t f, hid_t g, const struct stack *S, const char *part, const char *path,
                     const char *name, const char *long_name, const char *description)
{
  size_t n = S->n_points, T = S->n_t;
  double *v = malloc((n * T > 0 ? n * T : 1) * sizeof *v);
  for (size_t i = 0; i < n * T; i++) v[i] = NAN;
  int found = 0;
  for (size_t p = 0; p < n; p++) {
    char where[512];
    size_t nt, nv;
    snprintf(where, sizeof where, "/points/%zu/%s/t", p, part);
    double *t = read_1d(f, where, &nt);
    snprintf(where, sizeof where, "/points/%zu/%s/%s", p, part, path);
    double *x = read_1d(f, where, &nv);
    if (t && x && nv == nt) {
      for (size_t j = 0; j < nt; j++) v[p * T + locate(S->t, T, t[j])] = x[j];
      found = 1;
    }
    free(t);
    free(x);
  }
  int rc = 0;
  if (found) {
    hsize_t dims[2] = {n, T};
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) rc = -1;
    if (d >= 0) {
      if (description) rc |= hd_h5_attr_str(d, "description", description);
      rc |= hd_h5_attr_str(d, "coordinates", S->coordinates);
      H5Dclose(d);
    }
    H5Sclose(s);
    rc |= hd_h5_attach(g, name, (const char *[]){"point", "t"}, 2);
    rc |= hd_h5_cf(g, name, "1", long_name);
  }
  free(v);
  return rc;
}

static int stack_part(hid_t f, const struct stack *S, const char *part)
{
  int present = 0;
  for (size_t p = 0; p < S->n_points && !present; p++) {
    char where[64];
    snprintf(where, sizeof where, "/points/%zu/%s", p, part);
    present = H5Lexists(f, where, H5P_DEFAULT) > 0;
  }
  if (!present) return 0;
  char path[160];
  snprintf(path, sizeof path, "/sweep/%s", part);
  hid_t g = H5Gcreate2(f, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int rc = write_coords(g, S);
  int sim = strcmp(part, "simulation") == 0;
  for (size_t k = 0; k < S->base->n_obs; k++) {
    const struct hd_observable *ob = &S->base->obs[k];
    char src[HD_NAME_MAX + 16], name[HD_NAME_MAX + 16], ln[HD_NAME_MAX + 64];
    snprintf(src, sizeof src, sim ? "%s/mean" : "%s", ob->name);
    snprintf(ln, sizeof ln, sim ? "Monte Carlo mean of %s" : "%s (theory)", ob->name);
    rc |= stack_one(f, g, S, part, src, ob->name, ln, ob->description);
    if (sim) {
      snprintf(src, sizeof src, "%s/stderr", ob->name);
      snprintf(name, sizeof name, "%s_stderr", ob->name);
      snprintf(ln, sizeof ln, "standard error of the Monte Carlo mean of %s", ob->name);
      rc |= stack_one(f, g, S, part, src, name, ln, NULL);
    }
  }
  if (sim)
    rc |= stack_one(f, g, S, part, "count", "count", "runs still finite (not diverged)", NULL);
  H5Gclose(g);
  return rc;
}

int hd_h5_stack_sweep(long long file, const struct hd_output *base, const struct hd_sweep *sw)
{
  hid_t f = (hid_t)file;
  struct stack S = {.base = base, .sw = sw, .n_points = sw->n_points};
  /* the union of every point's output times */
  size_t cap = 0;
  for (size_t p = 0; p < S.n_points; p++)
    for (int part = 0; part < 2; part++) {
      char where[64];
      size_t nt;
      snprintf(where, sizeof where, "/points/%zu/%s/t", p, part ? "simulation" : "theory");
      double *t = read_1d(f, where, &nt);
      if (!t) continue;
      S.t = realloc(S.t, (cap + nt + 1) * sizeof *S.t);
      memcpy(S.t + cap, t, nt * sizeof *t);
      cap += nt;
      free(t);
    }
  if (cap) qsort(S.t, cap, sizeof *S.t, cmp_double);
  for (size_t i = 0; i < cap; i++)
    if (S.n_t == 0 || S.t[i] != S.t[S.n_t - 1]) S.t[S.n_t++] = S.t[i];
  /* coordinate names: the key, or section_key where two sections share it */
  size_t len = 0;
  for (size_t k = 0; k < sw->n_keys; k++) {
    int shared = 0;
    for (size_t j = 0; j < sw->n_keys; j++)
      shared |= j != k && strcmp(sw->keys[j].key, sw->keys[k].key) == 0;
    if (shared)
      snprintf(S.names[k], sizeof S.names[k], "%s_%s", sw->keys[k].section, sw->keys[k].key);
    else snprintf(S.names[k], sizeof S.names[k], "%s", sw->keys[k].key);
    len += (size_t)snprintf(S.coordinates + len, sizeof S.coordinates - len, "%s%s", k ? " " : "",
                            S.names[k]);
  }
  int rc = 0;
  if (S.n_t) {
    rc |= stack_part(f, &S, "theory");
    rc |= stack_part(f, &S, "simulation");
  }
  free(S.t);
  return rc;
}
