/* export.c — `hdsim export OUT.h5 --csv DIR`: the file's data as tidy CSV tables for
 * spreadsheets, R and pandas.
 *
 * One table per group and set of dimensions: a group whose variables all run over the
 * same coordinates (e.g. /theory over t) gives one table, DIR/theory.csv; a group with
 * several (/simulation: over t, and over run) gives simulation.csv and
 * simulation__run.csv.  Columns: the coordinates (point, run, t, d, ...), the coordinates
 * along them that the variables name in their CF attribute `coordinates` (a sweep's swept
 * keys), then one column per variable; a row per combination of coordinate values.  Two
 * comment lines (#) name the source and every column's units; numbers are written with 17
 * significant digits, so they read back to the same doubles; NaN and +-Inf as NaN, Inf,
 * -Inf. */
#include "export.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"

#define NAME_LEN 256
#define MAX_VARS 512

struct var {
  char name[NAME_LEN];
  int rank, is_string;
  hsize_t dims[H5S_MAX_RANK];
  char dim[H5S_MAX_RANK][NAME_LEN]; /* the coordinate of each axis */
};

struct listing {
  struct var *v;
  size_t n;
  char groups[MAX_VARS][NAME_LEN];
  size_t n_groups;
};

static int attr_text(hid_t obj, const char *name, char *buf, size_t len)
{
  buf[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT), ft = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(ft) == H5T_STRING) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_cset(t, H5Tget_cset(ft)); /* HDF5 converts no ASCII <-> UTF-8 */
    if (H5Tis_variable_str(ft) > 0) {
      H5Tset_size(t, H5T_VARIABLE);
      char *s = NULL;
      if (H5Aread(a, t, &s) >= 0 && s) {
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
        rc = 0;
      }
    } else {
      size_t n = H5Tget_size(ft);
      char *s = calloc(n + 1, 1);
      H5Tset_size(t, n + 1);
      if (H5Aread(a, t, s) >= 0) {
        snprintf(buf, len, "%s", s);
        rc = 0;
      }
      free(s);
    }
    H5Tclose(t);
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

static herr_t scale_name(hid_t did, unsigned dim, hid_t sid, void *op)
{
  (void)did, (void)dim;
  char path[1024];
  if (H5Iget_name(sid, path, sizeof path) > 0) {
    const char *base = strrchr(path, '/');
    snprintf(op, NAME_LEN, "%.255s", base ? base + 1 : path);
  }
  return 1; /* the first scale names the axis */
}

static herr_t list_children(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
  struct listing *L = op;
  if (info->type != H5L_TYPE_HARD) return 0;
  hid_t o = H5Oopen(g, name, H5P_DEFAULT);
  if (o < 0) return 0;
  if (H5Iget_type(o) == H5I_GROUP) {
    if (L->n_groups < MAX_VARS) snprintf(L->groups[L->n_groups++], NAME_LEN, "%s", name);
  } else if (H5Iget_type(o) == H5I_DATASET && L->n < MAX_VARS) {
    struct var *v = &L->v[L->n];
    memset(v, 0, sizeof *v);
    snprintf(v->name, NAME_LEN, "%s", name);
    hid_t s = H5Dget_space(o), t = H5Dget_type(o);
    v->rank = H5Sget_simple_extent_ndims(s);
    if (v->rank > 0) H5Sget_simple_extent_dims(s, v->dims, NULL);
    H5T_class_t c = H5Tget_class(t);
    v->is_string = c == H5T_STRING;
    int usable = v->rank > 0 && (c == H5T_FLOAT || c == H5T_INTEGER || v->is_string);
    for (int k = 0; k < v->rank && usable; k++) {
      if (H5DSis_scale(o) > 0) snprintf(v->dim[k], NAME_LEN, "%s", name);
      else if (H5DSget_num_scales(o, (unsigned)k) > 0)
        H5DSiterate_scales(o, (unsigned)k, NULL, scale_name, v->dim[k]);
      if (!v->dim[k][0]) snprintf(v->dim[k], NAME_LEN, "%s_dim%d", name, k);
    }
    H5Tclose(t);
    H5Sclose(s);
    if (usable) L->n++;
  }
  H5Oclose(o);
  return 0;
}

static int same_dims(const struct var *a, const struct var *b)
{
  if (a->rank != b->rank) return 0;
  for (int k = 0; k < a->rank; k++)
    if (strcmp(a->dim[k], b->dim[k]) != 0 || a->dims[k] != b->dims[k]) return 0;
  return 1;
}

/* The values of g/name as doubles (numbers) or strings (then *strings is set). */
static double *read_values(hid_t g, const struct var *v, char ***strings)
{
  size_t n = 1;
  for (int k = 0; k < v->rank; k++) n *= v->dims[k];
  hid_t d = H5Dopen2(g, v->name, H5P_DEFAULT);
  double *x = NULL;
  *strings = NULL;
  if (v->is_string) {
    char **s = calloc(n ? n : 1, sizeof *s);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t ft = H5Dget_type(d);
    H5Tset_cset(t, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0)
      *strings = s;
    else free(s);
    H5Tclose(ft);
    H5Tclose(t);
  } else {
    x = malloc((n ? n : 1) * sizeof *x);
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) {
      free(x);
      x = NULL;
    }
  }
  H5Dclose(d);
  return x;
}

static void put_number(FILE *out, double x)
{
  if (x != x) fputs("NaN", out);
  else if (x > 1.7976931348623157e308) fputs("Inf", out);
  else if (x < -1.7976931348623157e308) fputs("-Inf", out);
  else fprintf(out, "%.17g", x);
}

static void put_string(FILE *out, const char *s)
{
  fputc('"', out);
  for (; s && *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

struct column {
  const struct var *v;
  double *x;
  char **s;
  int axis; /* >= 0: indexed by that axis of the table only; -1: by every axis */
};

/* One table: the variables of L sharing the dimensions of L->v[first]. */
static int write_table(hid_t g, const char *src, const char *group, const struct listing *L,
                       size_t first, const char *file)
{
  const struct var *shape = &L->v[first];
  struct column *col = calloc(L->n + H5S_MAX_RANK, sizeof *col);
  size_t nc = 0;
  /* the coordinates, then coordinates along one axis named by `coordinates`, then data */
  for (int k = 0; k < shape->rank; k++)
    for (size_t i = 0; i < L->n; i++)
      if (strcmp(L->v[i].name, shape->dim[k]) == 0 && L->v[i].rank == 1)
        col[nc++] = (struct column){.v = &L->v[i], .axis = k};
  char coords[2048] = "";
  for (size_t i = 0; i < L->n; i++) {
    if (!same_dims(&L->v[i], shape)) continue;
    hid_t d = H5Dopen2(g, L->v[i].name, H5P_DEFAULT);
    if (!coords[0]) attr_text(d, "coordinates", coords, sizeof coords);
    H5Dclose(d);
  }
  for (char *save = NULL, *tok = strtok_r(coords, " ", &save); tok;
       tok = strtok_r(NULL, " ", &save))
    for (size_t i = 0; i < L->n; i++)
      if (strcmp(L->v[i].name, tok) == 0 && L->v[i].rank == 1)
        for (int k = 0; k < shape->rank; k++)
          if (strcmp(L->v[i].dim[0], shape->dim[k]) == 0)
            col[nc++] = (struct column){.v = &L->v[i], .axis = k};
  for (size_t i = 0; i < L->n; i++) {
    int taken = 0;
    for (size_t c = 0; c < nc; c++) taken |= col[c].v == &L->v[i];
    if (!taken && same_dims(&L->v[i], shape))
      col[nc++] = (struct column){.v = &L->v[i], .axis = -1};
  }
  int rc = 0;
  FILE *out = fopen(file, "w");
  if (!out) {
    fprintf(stderr, "hdsim export: cannot write '%s': %s\n", file, strerror(errno));
    free(col);
    return -1;
  }
  for (size_t c = 0; c < nc; c++) col[c].x = read_values(g, col[c].v, &col[c].s);
  fprintf(out, "# hdsim export of %s from %s\n# units:", group, src);
  for (size_t c = 0; c < nc; c++) {
    char units[128];
    hid_t d = H5Dopen2(g, col[c].v->name, H5P_DEFAULT);
    if (attr_text(d, "units", units, sizeof units) != 0)
      snprintf(units, sizeof units, "%s", col[c].v->is_string ? "text" : "1");
    H5Dclose(d);
    fprintf(out, "%s %s=%s", c ? "," : "", col[c].v->name, units);
  }
  fputc('\n', out);
  for (size_t c = 0; c < nc; c++) fprintf(out, "%s%s", c ? "," : "", col[c].v->name);
  fputc('\n', out);
  size_t rows = 1;
  for (int k = 0; k < shape->rank; k++) rows *= shape->dims[k];
  size_t idx[H5S_MAX_RANK] = {0};
  for (size_t r = 0; r < rows; r++) {
    size_t rem = r;
    for (int k = shape->rank; k-- > 0;) idx[k] = rem % shape->dims[k], rem /= shape->dims[k];
    for (size_t c = 0; c < nc; c++) {
      if (c) fputc(',', out);
      size_t at = col[c].axis >= 0 ? idx[col[c].axis] : r;
      if (col[c].s) put_string(out, col[c].s[at]);
      else if (col[c].x) put_number(out, col[c].x[at]);
    }
    fputc('\n', out);
  }
  if (fclose(out) != 0) rc = -1;
  for (size_t c = 0; c < nc; c++) {
    free(col[c].x);
    if (col[c].s) {
      size_t n = 1;
      for (int k = 0; k < col[c].v->rank; k++) n *= col[c].v->dims[k];
      for (size_t i = 0; i < n; i++) free(col[c].s[i]);
      free(col[c].s);
    }
  }
  free(col);
  return rc;
}

static int export_group(hid_t g, const char *src, const char *path, const char *dir,
                        size_t *n_files)
{
  struct listing *L = calloc(1, sizeof *L);
  L->v = calloc(MAX_VARS, sizeof *L->v);
  hsize_t it = 0;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &it, list_children, L);
  int rc = 0;
  /* the distinct dimension sets of the group's non-coordinate variables */
  size_t shapes[MAX_VARS], n_shapes = 0;
  for (size_t i = 0; i < L->n; i++) {
    hid_t d = H5Dopen2(g, L->v[i].name, H5P_DEFAULT);
    int is_scale = H5DSis_scale(d) > 0;
    H5Dclose(d);
    int is_along = 0; /* a coordinate along point, e.g. a swept key */
    for (size_t j = 0; j < L->n && !is_scale; j++) {
      char coords[2048];
      hid_t dj = H5Dopen2(g, L->v[j].name, H5P_DEFAULT);
      if (attr_text(dj, "coordinates", coords, sizeof coords) == 0)
        for (char *save = NULL, *tok = strtok_r(coords, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save))
          is_along |= strcmp(tok, L->v[i].name) == 0;
      H5Dclose(dj);
    }
    if (is_scale || is_along) continue;
    size_t s = 0;
    while (s < n_shapes && !same_dims(&L->v[shapes[s]], &L->v[i])) s++;
    if (s == n_shapes) shapes[n_shapes++] = i;
  }
  /* the table over t (or else over most variables) takes the group's name; the others
   * are named after their dimensions too */
  size_t main_shape = 0, best = 0;
  for (size_t s = 0; s < n_shapes; s++) {
    const struct var *v = &L->v[shapes[s]];
    size_t score = 0;
    for (size_t i = 0; i < L->n; i++) score += same_dims(&L->v[i], v);
    if (v->rank == 1 && strcmp(v->dim[0], "t") == 0) score += MAX_VARS;
    if (score > best) best = score, main_shape = s;
  }
  char stem[1024];
  snprintf(stem, sizeof stem, "%s", path[1] ? path + 1 : "root");
  for (char *p = stem; *p; p++)
    if (*p == '/') *p = '_';
  for (size_t s = 0; s < n_shapes; s++) {
    char file[2048];
    size_t len = (size_t)snprintf(file, sizeof file, "%s/%s", dir, stem);
    if (s != main_shape) {
      len += (size_t)snprintf(file + len, sizeof file - len, "_");
      for (int k = 0; k < L->v[shapes[s]].rank; k++)
        len += (size_t)snprintf(file + len, sizeof file - len, "_%s", L->v[shapes[s]].dim[k]);
    }
    snprintf(file + len, sizeof file - len, ".csv");
    rc |= write_table(g, src, path, L, shapes[s], file);
    (*n_files)++;
  }
  for (size_t i = 0; i < L->n_groups; i++) {
    char sub[1024];
    snprintf(sub, sizeof sub, "%s%s%s", path, path[1] ? "/" : "", L->groups[i]);
    hid_t sg = H5Gopen2(g, L->groups[i], H5P_DEFAULT);
    if (sg < 0) continue;
    rc |= export_group(sg, src, sub, dir, n_files);
    H5Gclose(sg);
  }
  free(L->v);
  free(L);
  return rc;
}

static const char export_usage[] =
    "usage: hdsim export OUT.h5 --csv DIR\n"
    "  writes one tidy CSV table per group of OUT.h5 into DIR (created if needed):\n"
    "  coordinates (point, run, t, ...) then observables, units in a # comment line\n";

int hd_export_main(int argc, char **argv)
{
  const char *in = NULL, *dir = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(export_usage, stdout);
      return HD_EXIT_OK;
    } else if (argv[i][0] != '-' && !in) in = argv[i];
    else {
      fprintf(stderr, "hdsim export: unexpected argument '%s'\n%s", argv[i], export_usage);
      return HD_EXIT_BAD_INPUT;
    }
  }
  if (!in || !dir) {
    fprintf(stderr, "hdsim export: %s\n%s", !in ? "needs an HDF5 file" : "needs --csv DIR",
            export_usage);
    return HD_EXIT_BAD_INPUT;
  }
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "hdsim export: cannot create '%s': %s\n", dir, strerror(errno));
    return HD_EXIT_USAGE;
  }
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    fprintf(stderr, "hdsim export: cannot open '%s' as an HDF5 file\n", in);
    H5Eset_auto2(H5E_DEFAULT, fn, fd);
    return HD_EXIT_USAGE;
  }
  size_t n_files = 0;
  int rc = export_group(f, in, "/", dir, &n_files);
  H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  if (rc != 0) {
    fprintf(stderr, "hdsim export: writing the tables into '%s' failed\n", dir);
    return HD_EXIT_USAGE;
  }
  printf("%s: %zu tables\n", dir, n_files);
  return HD_EXIT_OK;
}
