/* h5dims.c — coordinates (HDF5 dimension scales) and CF attributes. */
#include "h5dims.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"

static int has_attr(hid_t obj, const char *name) { return H5Aexists(obj, name) > 0; }

/* Reads a string attribute (fixed or variable length) into buf; 0 or -1. */
static int read_str_attr(hid_t obj, const char *name, char *buf, size_t len)
{
  buf[0] = '\0';
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return -1;
  hid_t ft = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(ft) == H5T_STRING) {
    if (H5Tis_variable_str(ft) > 0) {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5Tget_cset(ft));
      char *s = NULL;
      if (H5Aread(a, t, &s) >= 0 && s) {
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
        rc = 0;
      }
      H5Tclose(t);
    } else {
      size_t n = H5Tget_size(ft);
      char *s = calloc(n + 1, 1);
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, n + 1);
      if (H5Aread(a, t, s) >= 0) {
        snprintf(buf, len, "%s", s);
        rc = 0;
      }
      H5Tclose(t);
      free(s);
    }
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

/* The long_name CF readers show: the description up to its first bracket or semicolon
 * (the formula and label stay in description), or the dataset's own name. */
static void long_name_from(hid_t d, const char *name, char *out, size_t len)
{
  char desc[1024];
  if (read_str_attr(d, "description", desc, sizeof desc) == 0 && desc[0]) {
    size_t n = strcspn(desc, "(;:[");
    while (n && desc[n - 1] == ' ') n--;
    if (n) {
      snprintf(out, len, "%.*s", (int)n, desc);
      return;
    }
  }
  snprintf(out, len, "%s", name);
}

static int cf_on(hid_t d, const char *name, const char *units, const char *long_name)
{
  int rc = 0;
  if (!has_attr(d, "units")) rc |= hd_h5_attr_str(d, "units", units);
  if (!has_attr(d, "long_name")) {
    char ln[512];
    if (long_name) snprintf(ln, sizeof ln, "%s", long_name);
    else long_name_from(d, name, ln, sizeof ln);
    rc |= hd_h5_attr_str(d, "long_name", ln);
  }
  return rc;
}

int hd_h5_cf(long long loc, const char *obj, const char *units, const char *long_name)
{
  hid_t o = H5Oopen(loc, obj, H5P_DEFAULT);
  if (o < 0) return -1;
  const char *base = strrchr(obj, '/');
  int rc = cf_on(o, base ? base + 1 : obj, units, long_name);
  H5Oclose(o);
  return rc;
}

int hd_h5_coord(long long loc, const char *name, const char *units, const char *long_name,
                const char *description)
{
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return -1;
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  int rc = H5DSis_scale(d) > 0 ? 0 : (H5DSset_scale(d, base) < 0 ? -1 : 0);
  if (description && !has_attr(d, "description"))
    rc |= hd_h5_attr_str(d, "description", description);
  rc |= cf_on(d, base, units, long_name);
  H5Dclose(d);
  return rc;
}

int hd_h5_index_coord(long long loc, const char *name, size_t n, const char *long_name)
{
  long long *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = (long long)i;
  hsize_t dims[1] = {n};
  hid_t s = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_LLONG, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = d < 0 || H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ? -1 : 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(s);
  free(v);
  return rc ? -1 : hd_h5_coord(loc, name, "1", long_name, NULL);
}

int hd_h5_attach(long long loc, const char *dset, const char *const *scales, int n_axes)
{
  hid_t d = H5Dopen2(loc, dset, H5P_DEFAULT);
  if (d < 0) return -1;
  int rc = 0;
  for (int k = 0; k < n_axes; k++) {
    hid_t s = H5Dopen2(loc, scales[k], H5P_DEFAULT);
    if (s < 0 || H5DSattach_scale(d, s, (unsigned)k) < 0) rc = -1;
    if (s >= 0) H5Dclose(s);
  }
  H5Dclose(d);
  return rc;
}

/* ---- the completing pass ---- */

struct child {
  char name[256];
  int is_group, rank, is_scale, is_string;
  hsize_t dims[H5S_MAX_RANK];
};

struct listing {
  struct child *c;
  size_t n, cap;
};

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
  struct listing *L = op;
  if (info->type != H5L_TYPE_HARD) return 0;
  hid_t o = H5Oopen(g, name, H5P_DEFAULT);
  if (o < 0) return 0;
  H5I_type_t type = H5Iget_type(o);
  if (type == H5I_GROUP || type == H5I_DATASET) {
    if (L->n == L->cap) {
      L->cap = L->cap ? 2 * L->cap : 16;
      L->c = realloc(L->c, L->cap * sizeof *L->c);
    }
    struct child *c = &L->c[L->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->is_group = type == H5I_GROUP;
    if (!c->is_group) {
      hid_t s = H5Dget_space(o);
      c->rank = H5Sget_simple_extent_ndims(s);
      if (c->rank > 0) H5Sget_simple_extent_dims(s, c->dims, NULL);
      H5Sclose(s);
      hid_t t = H5Dget_type(o);
      c->is_string = H5Tget_class(t) == H5T_STRING;
      H5Tclose(t);
      c->is_scale = H5DSis_scale(o) > 0;
    }
  }
  H5Oclose(o);
  return 0;
}

static int is_coordinate_name(const char *name)
{
  static const char *const names[] = {"t", "orders", "s"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* The coordinate of this group for an axis of length n: index into L, or -1. */
static long pick_scale(const struct listing *L, hsize_t n, int prefer_t)
{
  long t = -1, other = -1;
  for (size_t i = 0; i < L->n; i++) {
    const struct child *c = &L->c[i];
    if (c->is_group || !c->is_scale || c->rank != 1 || c->dims[0] != n) continue;
    if (strcmp(c->name, "t") == 0) t = (long)i;
    else if (other < 0) other = (long)i;
  }
  if (prefer_t) return t >= 0 ? t : other;
  return other >= 0 ? other : t;
}

static int complete_group(hid_t g, const char *path, const char *outer_t, hsize_t outer_t_len)
{
  struct listing L = {0};
  hsize_t idx = 0;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect, &L);
  int rc = 0;
  const char *base = strrchr(path, '/');
  base = base && base[1] ? base + 1 : "root";

  for (size_t i = 0; i < L.n; i++) { /* coordinates by name */
    struct child *c = &L.c[i];
    if (!c->is_group && !c->is_scale && c->rank == 1 && is_coordinate_name(c->name)) {
      rc |= hd_h5_coord(g, c->name, "1", NULL, NULL);
      c->is_scale = 1;
    }
  }
  char own_t[1024] = "";
  hsize_t own_t_len = 0;
  for (size_t i = 0; i < L.n; i++)
    if (L.c[i].is_scale && strcmp(L.c[i].name, "t") == 0) {
      snprintf(own_t, sizeof own_t, "%s/t", strcmp(path, "/") == 0 ? "" : path);
      own_t_len = L.c[i].dims[0];
    }

  size_t n_children = L.n; /* index coordinates added below are appended to L */
  for (size_t i = 0; i < n_children; i++) {
    struct child c = L.c[i];
    if (c.is_group) continue;
    hid_t d = H5Dopen2(g, c.name, H5P_DEFAULT);
    if (d < 0) {
      rc = -1;
      continue;
    }
    int attached = has_attr(d, "DIMENSION_LIST");
    H5Dclose(d);
    if (!c.is_scale && !attached && c.rank > 0) {
      for (int k = 0; k < c.rank; k++) {
        char scale[1200];
        long s = pick_scale(&L, c.dims[k], k == c.rank - 1);
        if (s >= 0) {
          snprintf(scale, sizeof scale, "%s/%s", strcmp(path, "/") == 0 ? "" : path, L.c[s].name);
        } else if (outer_t && outer_t_len == c.dims[k] && k == c.rank - 1) {
          snprintf(scale, sizeof scale, "%s", outer_t);
        } else {
          char name[300];
          snprintf(name, sizeof name, "%s_index", base);
          for (size_t j = 0; j < L.n; j++)
            if (strcmp(L.c[j].name, name) == 0) {
              snprintf(name, sizeof name, "%s_index%llu", base, (unsigned long long)c.dims[k]);
              break;
            }
          rc |= hd_h5_index_coord(g, name, c.dims[k], "index");
          struct listing one = {0};
          hsize_t i0 = 0;
          H5Literate_by_name(g, ".", H5_INDEX_NAME, H5_ITER_NATIVE, &i0, collect, &one,
                             H5P_DEFAULT);
          for (size_t j = 0; j < one.n; j++)
            if (strcmp(one.c[j].name, name) == 0) {
              if (L.n == L.cap) L.c = realloc(L.c, (L.cap = 2 * L.cap + 1) * sizeof *L.c);
              L.c[L.n++] = one.c[j];
            }
          free(one.c);
          snprintf(scale, sizeof scale, "%s/%s", strcmp(path, "/") == 0 ? "" : path, name);
        }
        const char *one_scale[1] = {scale};
        hid_t dd = H5Dopen2(g, c.name, H5P_DEFAULT);
        hid_t ss = H5Dopen2(g, one_scale[0], H5P_DEFAULT);
        if (dd < 0 || ss < 0 || H5DSattach_scale(dd, ss, (unsigned)k) < 0) rc = -1;
        if (ss >= 0) H5Dclose(ss);
        if (dd >= 0) H5Dclose(dd);
      }
    }
    if (!c.is_string) rc |= hd_h5_cf(g, c.name, "1", NULL);
  }
  for (size_t i = 0; i < n_children; i++) {
    if (!L.c[i].is_group) continue;
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/%s", strcmp(path, "/") == 0 ? "" : path, L.c[i].name);
    hid_t sg = H5Gopen2(g, L.c[i].name, H5P_DEFAULT);
    if (sg < 0) {
      rc = -1;
      continue;
    }
    rc |= complete_group(sg, sub, own_t[0] ? own_t : outer_t, own_t[0] ? own_t_len : outer_t_len);
    H5Gclose(sg);
  }
  free(L.c);
  return rc;
}

int hd_h5_complete(long long file)
{
  int rc = 0;
  if (!has_attr(file, "Conventions")) rc |= hd_h5_attr_str(file, "Conventions", HD_CF_CONVENTIONS);
  return rc | complete_group(file, "/", NULL, 0);
}

/* ---- rebuilding attachments after H5Ocopy ---- */

typedef int (*dataset_fn)(hid_t root_dst, hid_t src_dset, const char *rel, void *ctx);

/* Calls fn for every dataset under g (paths relative to the walk's root). */
static int walk(hid_t g, const char *rel, hid_t dst, dataset_fn fn, void *ctx)
{
  struct listing L = {0};
  hsize_t idx = 0;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect, &L);
  int rc = 0;
  for (size_t i = 0; i < L.n; i++) {
    char sub[1024];
    snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", L.c[i].name);
    if (L.c[i].is_group) {
      hid_t sg = H5Gopen2(g, L.c[i].name, H5P_DEFAULT);
      if (sg < 0) {
        rc = -1;
        continue;
      }
      rc |= walk(sg, sub, dst, fn, ctx);
      H5Gclose(sg);
    } else {
      hid_t d = H5Dopen2(g, L.c[i].name, H5P_DEFAULT);
      if (d < 0) {
        rc = -1;
        continue;
      }
      rc |= fn(dst, d, sub, ctx);
      H5Dclose(d);
    }
  }
  free(L.c);
  return rc;
}

/* Only groups of src that were copied into dst are visited. */
static int walk_copied(hid_t src, hid_t dst, dataset_fn fn)
{
  struct listing L = {0};
  hsize_t idx = 0;
  H5Literate(src, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect, &L);
  int rc = 0;
  for (size_t i = 0; i < L.n; i++) {
    if (!L.c[i].is_group || H5Lexists(dst, L.c[i].name, H5P_DEFAULT) <= 0) continue;
    hid_t sg = H5Gopen2(src, L.c[i].name, H5P_DEFAULT);
    if (sg < 0) {
      rc = -1;
      continue;
    }
    rc |= walk(sg, L.c[i].name, dst, fn, NULL);
    H5Gclose(sg);
  }
  free(L.c);
  return rc;
}

static int drop_refs(hid_t dst, hid_t src_dset, const char *rel, void *ctx)
{
  (void)src_dset, (void)ctx;
  hid_t d = H5Dopen2(dst, rel, H5P_DEFAULT);
  if (d < 0) return -1;
  int rc = 0;
  if (has_attr(d, "DIMENSION_LIST") && H5Adelete(d, "DIMENSION_LIST") < 0) rc = -1;
  if (has_attr(d, "REFERENCE_LIST") && H5Adelete(d, "REFERENCE_LIST") < 0) rc = -1;
  H5Dclose(d);
  return rc;
}

/* A scale of src re-attached in dst to the copies of its datasets, in the order of its
 * REFERENCE_LIST (so the copy's list, which h5diff compares entry by entry, is the same). */
static int attach_refs(hid_t dst, hid_t src_dset, const char *rel, void *ctx)
{
  (void)ctx;
  if (H5DSis_scale(src_dset) <= 0 || !has_attr(src_dset, "REFERENCE_LIST")) return 0;
  struct entry {
    hobj_ref_t ref;
    int dim;
  };
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(struct entry));
  H5Tinsert(mt, "dataset", HOFFSET(struct entry, ref), H5T_STD_REF_OBJ);
  H5Tinsert(mt, "dimension", HOFFSET(struct entry, dim), H5T_NATIVE_INT);
  hid_t a = H5Aopen(src_dset, "REFERENCE_LIST", H5P_DEFAULT);
  hid_t sp = H5Aget_space(a);
  hssize_t n = H5Sget_simple_extent_npoints(sp);
  struct entry *e = malloc((n > 0 ? (size_t)n : 1) * sizeof *e);
  int rc = H5Aread(a, mt, e) < 0 ? -1 : 0;
  H5Sclose(sp);
  H5Aclose(a);
  H5Tclose(mt);
  hid_t scale = H5Dopen2(dst, rel, H5P_DEFAULT);
  if (scale < 0) rc = -1;
  for (hssize_t i = 0; i < n && rc == 0; i++) {
    hid_t sd = H5Rdereference2(src_dset, H5P_DEFAULT, H5R_OBJECT, &e[i].ref);
    char name[1024];
    if (sd < 0 || H5Iget_name(sd, name, sizeof name) <= 0) {
      rc = -1;
    } else {
      hid_t d = H5Dopen2(dst, name[0] == '/' ? name + 1 : name, H5P_DEFAULT);
      if (d < 0 || H5DSattach_scale(d, scale, (unsigned)e[i].dim) < 0) rc = -1;
      if (d >= 0) H5Dclose(d);
    }
    if (sd >= 0) H5Oclose(sd);
  }
  if (scale >= 0) H5Dclose(scale);
  free(e);
  return rc;
}

int hd_h5_copy_dims(long long src, long long dst)
{
  int rc = walk_copied(src, dst, drop_refs);
  return rc | walk_copied(src, dst, attach_refs);
}
