/* array_input.c — vectors and matrices from .npy, HDF5 and text files (array_input.h).
 *
 * The .npy layout (NumPy's format.py, versions 1.0, 2.0, 3.0): the magic "\x93NUMPY",
 * one byte each of major and minor version, the header length (uint16 little-endian in
 * version 1, uint32 in 2 and 3), then the header: the text of a Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } padded with blanks and
 * ended by '\n'; then the raw elements.  Version 3 only allows UTF-8 in the header,
 * which no supported dtype uses, so the three versions parse alike.  The reader takes
 * exactly that dict: the three keys once each, a descr string, True or False, a tuple
 * of whole numbers, and data of exactly the size the header announces. */
#include "array_input.h"

#include <ctype.h>
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "input_file.h"
#include "provenance.h"

/* Integers beyond this magnitude have no exact double. */
#define EXACT_INT ((int64_t)1 << 53)

static int ends_with(const char *s, size_t n, const char *suffix)
{
  size_t m = strlen(suffix);
  return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

static int copy_part(char *dst, size_t len, const char *src, size_t n)
{
  if (n + 1 > len) return -1;
  memcpy(dst, src, n);
  dst[n] = '\0';
  return 0;
}

int hd_array_spec_split(const char *spec, enum hd_array_format *fmt, char *file, size_t filelen,
                        char *dset, size_t dsetlen, char *msg, size_t msglen)
{
  size_t n = strlen(spec);
  if (n == 0) {
    snprintf(msg, msglen, "no array file named");
    return -1;
  }
  /* "file.h5:/path": the first ':' that follows an HDF5 file name splits */
  for (const char *c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
    size_t fl = (size_t)(c - spec);
    if (!ends_with(spec, fl, ".h5") && !ends_with(spec, fl, ".hdf5")) continue;
    if (c[1] != '/' || c[2] == '\0') {
      snprintf(msg, msglen, "'%s': the dataset after ':' must be an absolute path such as /x0",
               spec);
      return -1;
    }
    if (copy_part(file, filelen, spec, fl) != 0 || copy_part(dset, dsetlen, c + 1, n - fl - 1)) {
      snprintf(msg, msglen, "'%s': path too long", spec);
      return -1;
    }
    *fmt = HD_ARRAY_HDF5;
    return 0;
  }
  if (ends_with(spec, n, ".h5") || ends_with(spec, n, ".hdf5")) {
    snprintf(msg, msglen, "'%s': name the dataset of the HDF5 file, as in %s:/x0", spec, spec);
    return -1;
  }
  if (strstr(spec, ":/")) {
    snprintf(msg, msglen,
             "'%s': a dataset path (':/...') is read only from an HDF5 file (*.h5, *.hdf5)", spec);
    return -1;
  }
  if (copy_part(file, filelen, spec, n) != 0) {
    snprintf(msg, msglen, "'%s': path too long", spec);
    return -1;
  }
  dset[0] = '\0';
  *fmt = ends_with(spec, n, ".npy") ? HD_ARRAY_NPY : HD_ARRAY_TEXT;
  return 0;
}

void hd_array_free(struct hd_array *a)
{
  free(a->v);
  a->v = NULL;
  a->rows = a->cols = 0;
  a->rank = 0;
}

/* Finite values only: the first offender named by its index as NumPy writes it. */
static int check_finite(const char *name, const struct hd_array *a, char *msg, size_t msglen)
{
  size_t n = a->rows * a->cols;
  for (size_t k = 0; k < n; k++) {
    if (isfinite(a->v[k])) continue;
    if (a->rank == 1)
      snprintf(msg, msglen, "'%s': value [%zu] is %g (values must be finite)", name, k, a->v[k]);
    else
      snprintf(msg, msglen, "'%s': value [%zu, %zu] is %g (values must be finite)", name,
               k / a->cols, k % a->cols, a->v[k]);
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------- .npy */

struct npy_header {
  char descr[16];
  int fortran;
  int rank;
  unsigned long long shape[2];
};

struct cursor {
  const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n')) c->p++;
}

static int eat(struct cursor *c, char ch)
{
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 1;
  }
  return 0;
}

/* A Python string literal in single or double quotes, without escapes. */
static int read_str(struct cursor *c, char *out, size_t len)
{
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return -1;
  char q = *c->p++;
  const char *s = c->p;
  while (c->p < c->end && *c->p != q && *c->p != '\\') c->p++;
  if (c->p >= c->end || *c->p != q) return -1;
  if (copy_part(out, len, s, (size_t)(c->p - s)) != 0) return -1;
  c->p++;
  return 0;
}

static int read_word(struct cursor *c, const char *w)
{
  skip_ws(c);
  size_t n = strlen(w);
  if ((size_t)(c->end - c->p) < n || strncmp(c->p, w, n) != 0) return 0;
  const char *after = c->p + n;
  if (after < c->end && (isalnum((unsigned char)*after) || *after == '_')) return 0;
  c->p = after;
  return 1;
}

/* (), (3,), (3, 4) or (3, 4,): whole numbers; a tuple of one needs its comma. */
static int read_shape(struct cursor *c, struct npy_header *h, char *why, size_t whylen)
{
  if (!eat(c, '(')) {
    snprintf(why, whylen, "'shape' is not a tuple");
    return -1;
  }
  int rank = 0, comma = 0;
  for (;;) {
    if (eat(c, ')')) break;
    skip_ws(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p)) {
      snprintf(why, whylen, "'shape' is not a tuple of whole numbers");
      return -1;
    }
    unsigned long long v = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p)) {
      if (v > (ULLONG_MAX - 9) / 10) {
        snprintf(why, whylen, "'shape' has a dimension too large");
        return -1;
      }
      v = 10 * v + (unsigned long long)(*c->p++ - '0');
    }
    if (rank < 2) h->shape[rank] = v;
    rank++;
    comma = eat(c, ',');
    if (!comma) {
      if (!eat(c, ')')) {
        snprintf(why, whylen, "'shape' is not a tuple of whole numbers");
        return -1;
      }
      break;
    }
  }
  if (rank == 1 && !comma) {
    snprintf(why, whylen, "'shape' is not a tuple (a tuple of one needs its comma)");
    return -1;
  }
  h->rank = rank;
  return 0;
}

static int parse_header(const char *text, size_t len, struct npy_header *h, char *why,
                        size_t whylen)
{
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 && text[i] != '\n' && text[i] != '\t') {
      snprintf(why, whylen, "the header holds a control character");
      return -1;
    }
  if (len == 0 || text[len - 1] != '\n') {
    snprintf(why, whylen, "the header does not end with a newline");
    return -1;
  }
  struct cursor c = {text, text + len};
  int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
  if (!eat(&c, '{')) {
    snprintf(why, whylen, "the header is not a dictionary");
    return -1;
  }
  for (;;) {
    if (eat(&c, '}')) break;
    char key[32];
    if (read_str(&c, key, sizeof key) != 0 || !eat(&c, ':')) {
      snprintf(why, whylen, "the header dictionary is malformed");
      return -1;
    }
    if (strcmp(key, "descr") == 0 && !seen_descr) {
      seen_descr = 1;
      skip_ws(&c);
      if (c.p < c.end && *c.p == '[') {
        snprintf(why, whylen, "structured dtypes are not supported");
        return -1;
      }
      if (read_str(&c, h->descr, sizeof h->descr) != 0) {
        snprintf(why, whylen, "'descr' is not a dtype string");
        return -1;
      }
    } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran) {
      seen_fortran = 1;
      if (read_word(&c, "True")) h->fortran = 1;
      else if (read_word(&c, "False")) h->fortran = 0;
      else {
        snprintf(why, whylen, "'fortran_order' is neither True nor False");
        return -1;
      }
    } else if (strcmp(key, "shape") == 0 && !seen_shape) {
      seen_shape = 1;
      if (read_shape(&c, h, why, whylen) != 0) return -1;
    } else {
      snprintf(why, whylen, "the header has %s key '%s'",
               (strcmp(key, "descr") == 0 || strcmp(key, "fortran_order") == 0 ||
                strcmp(key, "shape") == 0)
                   ? "a repeated"
                   : "an unknown",
               key);
      return -1;
    }
    if (eat(&c, ',')) continue;
    if (eat(&c, '}')) break;
    snprintf(why, whylen, "the header dictionary is malformed");
    return -1;
  }
  skip_ws(&c);
  if (c.p != c.end) {
    snprintf(why, whylen, "the header has text after the dictionary");
    return -1;
  }
  if (!seen_descr || !seen_fortran || !seen_shape) {
    snprintf(why, whylen, "the header lacks '%s'",
             !seen_descr     ? "descr"
             : !seen_fortran ? "fortran_order"
                             : "shape");
    return -1;
  }
  return 0;
}

enum elem_kind { ELEM_F, ELEM_I };

static int host_little_endian(void)
{
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* One element of `size` bytes at p, swapped to host order when `swap`.  An integer
 * beyond 2^53 in magnitude has no exact double: *inexact is set. */
static double element(const unsigned char *p, enum elem_kind kind, size_t size, int swap,
                      int *inexact)
{
  unsigned char b[8];
  for (size_t i = 0; i < size; i++) b[i] = swap ? p[size - 1 - i] : p[i];
  if (kind == ELEM_F && size == 8) {
    double x;
    memcpy(&x, b, 8);
    return x;
  }
  if (kind == ELEM_F) {
    float x;
    memcpy(&x, b, 4);
    return (double)x;
  }
  if (size == 8) {
    int64_t x;
    memcpy(&x, b, 8);
    *inexact = x > EXACT_INT || x < -EXACT_INT;
    return (double)x;
  }
  int32_t x;
  memcpy(&x, b, 4);
  return (double)x;
}

static void shape_text(const struct npy_header *h, char *buf, size_t len)
{
  if (h->rank == 1) snprintf(buf, len, "(%llu,)", h->shape[0]);
  else if (h->rank == 2) snprintf(buf, len, "(%llu, %llu)", h->shape[0], h->shape[1]);
  else snprintf(buf, len, "of rank %d", h->rank);
}

int hd_array_parse_npy(const char *name, const unsigned char *data, size_t n, struct hd_array *a,
                       char *msg, size_t msglen)
{
  memset(a, 0, sizeof *a);
  char why[200];
  if (n < 8 || memcmp(data, "\x93NUMPY", 6) != 0) {
    snprintf(msg, msglen, "'%s' is not a .npy file (no \\x93NUMPY magic)", name);
    return -1;
  }
  int major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0) {
    snprintf(msg, msglen, "'%s': .npy format version %d.%d (this reader knows 1.0, 2.0, 3.0)", name,
             major, minor);
    return -1;
  }
  size_t start = major == 1 ? 10 : 12;
  if (n < start) {
    snprintf(msg, msglen, "'%s': truncated .npy header (%zu bytes)", name, n);
    return -1;
  }
  size_t hlen = major == 1 ? (size_t)data[8] | (size_t)data[9] << 8
                           : (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 |
                                 (size_t)data[11] << 24;
  if (hlen > n - start) {
    snprintf(msg, msglen, "'%s': truncated .npy header (%zu of %zu header bytes present)", name,
             n - start, hlen);
    return -1;
  }
  struct npy_header h = {{0}, 0, 0, {0, 0}};
  if (parse_header((const char *)data + start, hlen, &h, why, sizeof why) != 0) {
    snprintf(msg, msglen, "'%s': bad .npy header: %s", name, why);
    return -1;
  }
  enum elem_kind kind;
  size_t size;
  const char *d = h.descr;
  if ((d[0] == '<' || d[0] == '>') && (d[1] == 'f' || d[1] == 'i') &&
      (strcmp(d + 2, "8") == 0 || strcmp(d + 2, "4") == 0)) {
    kind = d[1] == 'f' ? ELEM_F : ELEM_I;
    size = d[2] == '8' ? 8 : 4;
  } else {
    snprintf(msg, msglen,
             "'%s': dtype '%s' is not supported (float64, float32, int32 or int64 of either "
             "byte order: <f8 <f4 <i4 <i8 >f8 >f4 >i4 >i8)",
             name, d);
    return -1;
  }
  char shape[64];
  shape_text(&h, shape, sizeof shape);
  if (h.rank < 1 || h.rank > 2) {
    snprintf(msg, msglen, "'%s': array %s (a vector or a matrix expected)", name, shape);
    return -1;
  }
  unsigned long long count = h.shape[0];
  if (h.rank == 2) {
    if (h.shape[1] != 0 && count > ULLONG_MAX / h.shape[1]) count = ULLONG_MAX;
    else count *= h.shape[1];
  }
  if (count == 0) {
    snprintf(msg, msglen, "'%s': array %s is empty", name, shape);
    return -1;
  }
  if (count > HD_INPUT_MAX_BYTES / sizeof(double)) {
    snprintf(msg, msglen, "'%s': array %s has more than %zu values", name, shape,
             HD_INPUT_MAX_BYTES / sizeof(double));
    return -1;
  }
  size_t bytes = (size_t)count * size, have = n - start - hlen;
  if (have != bytes) {
    snprintf(msg, msglen,
             "'%s': %s: the header announces %s %s (%zu bytes of data), the file holds %zu", name,
             have < bytes ? "truncated data" : "bytes after the data", shape, d, bytes, have);
    return -1;
  }
  a->v = malloc((size_t)count * sizeof(double));
  if (!a->v) {
    snprintf(msg, msglen, "'%s': out of memory for %llu values", name, count);
    return -1;
  }
  a->rank = h.rank;
  a->rows = (size_t)h.shape[0];
  a->cols = h.rank == 2 ? (size_t)h.shape[1] : 1;
  int swap = (d[0] == '<') != host_little_endian();
  const unsigned char *p = data + start + hlen;
  for (size_t k = 0; k < (size_t)count; k++) {
    int inexact = 0;
    double x = element(p + k * size, kind, size, swap, &inexact);
    if (inexact) {
      snprintf(msg, msglen, "'%s': integer value at flat index %zu has no exact double", name, k);
      hd_array_free(a);
      return -1;
    }
    /* Fortran order: element k is (k % rows, k / rows) */
    size_t dst = (h.fortran && a->rank == 2) ? (k % a->rows) * a->cols + k / a->rows : k;
    a->v[dst] = x;
  }
  if (check_finite(name, a, msg, msglen) != 0) {
    hd_array_free(a);
    return -1;
  }
  return 0;
}

static int read_npy(const char *file, struct hd_array *a, char *msg, size_t msglen)
{
  char *data;
  size_t n;
  if (hd_input_slurp(file, &data, &n, msg, msglen) != 0) return -1;
  int rc = hd_array_parse_npy(file, (const unsigned char *)data, n, a, msg, msglen);
  if (rc == 0) hd_provenance_add_bytes(file, data, n);
  free(data);
  return rc;
}

/* ---------------------------------------------------------------- HDF5 */

static int is_hdf5(const char *file)
{
#if H5_VERSION_GE(1, 12, 0)
  return H5Fis_accessible(file, H5P_DEFAULT) > 0;
#else
  return H5Fis_hdf5(file) > 0;
#endif
}

static int read_hdf5(const char *file, const char *dset, struct hd_array *a, char *msg,
                     size_t msglen)
{
  memset(a, 0, sizeof *a);
  struct stat st;
  if (stat(file, &st) != 0) {
    snprintf(msg, msglen, "cannot open array file '%s': %s", file, strerror(errno));
    return -1;
  }
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our message, not HDF5's stack dump */
  int rc = -1;
  hid_t f = -1, ds = -1, sp = -1, ty = -1;
  if (S_ISDIR(st.st_mode) || !is_hdf5(file) ||
      (f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    snprintf(msg, msglen, "'%s' is not an HDF5 file that can be read", file);
    goto out;
  }
  if (H5LTpath_valid(f, dset, 1) <= 0 || (ds = H5Dopen2(f, dset, H5P_DEFAULT)) < 0) {
    snprintf(msg, msglen, "'%s' has no dataset %s", file, dset);
    goto out;
  }
  ty = H5Dget_type(ds);
  H5T_class_t cls = H5Tget_class(ty);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    snprintf(msg, msglen, "'%s': dataset %s does not hold integers or reals", file, dset);
    goto out;
  }
  sp = H5Dget_space(ds);
  int rank = H5Sget_simple_extent_ndims(sp);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_type(sp) != H5S_SIMPLE || rank < 1 || rank > 2) {
    snprintf(msg, msglen, "'%s': dataset %s has rank %d (a vector or a matrix expected)", file,
             dset, rank < 0 ? 0 : rank);
    goto out;
  }
  H5Sget_simple_extent_dims(sp, dims, NULL);
  unsigned long long count = dims[0];
  if (rank == 2) count = dims[1] && count > ULLONG_MAX / dims[1] ? ULLONG_MAX : count * dims[1];
  if (count == 0) {
    snprintf(msg, msglen, "'%s': dataset %s is empty", file, dset);
    goto out;
  }
  if (count > HD_INPUT_MAX_BYTES / sizeof(double)) {
    snprintf(msg, msglen, "'%s': dataset %s has more than %zu values", file, dset,
             HD_INPUT_MAX_BYTES / sizeof(double));
    goto out;
  }
  a->v = malloc((size_t)count * sizeof(double));
  if (!a->v) {
    snprintf(msg, msglen, "'%s': out of memory for %llu values", file, count);
    goto out;
  }
  if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) < 0) {
    snprintf(msg, msglen, "'%s': cannot read dataset %s as numbers", file, dset);
    hd_array_free(a);
    goto out;
  }
  a->rank = rank;
  a->rows = (size_t)dims[0];
  a->cols = rank == 2 ? (size_t)dims[1] : 1;
  rc = 0;
out:
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  if (ds >= 0) H5Dclose(ds);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  if (rc != 0) return -1;
  char name[5200];
  snprintf(name, sizeof name, "%s:%s", file, dset);
  if (check_finite(name, a, msg, msglen) != 0) {
    hd_array_free(a);
    return -1;
  }
  if (hd_provenance_add_file(file) != 0) {
    snprintf(msg, msglen, "cannot read array file '%s' for its digest", file);
    hd_array_free(a);
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------- text */

static int read_text(const char *file, struct hd_array *a, char *msg, size_t msglen)
{
  memset(a, 0, sizeof *a);
  double *v;
  long n = hd_input_read_numbers(file, &v, msg, msglen);
  if (n < 0) return -1;
  if (n == 0) {
    free(v);
    snprintf(msg, msglen, "input file '%s' holds no numbers", file);
    return -1;
  }
  a->v = v;
  a->rank = 1;
  a->rows = (size_t)n;
  a->cols = 1;
  return 0;
}

int hd_array_read(const char *spec, struct hd_array *a, char *msg, size_t msglen)
{
  memset(a, 0, sizeof *a);
  char file[4096], dset[1024];
  enum hd_array_format fmt;
  if (hd_array_spec_split(spec, &fmt, file, sizeof file, dset, sizeof dset, msg, msglen) != 0)
    return -1;
  switch (fmt) {
  case HD_ARRAY_NPY: return read_npy(file, a, msg, msglen);
  case HD_ARRAY_HDF5: return read_hdf5(file, dset, a, msg, msglen);
  case HD_ARRAY_TEXT: return read_text(file, a, msg, msglen);
  }
  return -1;
}

/* ---------------------------------------------------------------- model keys */

static void shape_of(const struct hd_array *a, char *buf, size_t len)
{
  if (a->rank == 1) snprintf(buf, len, "(%zu,)", a->rows);
  else snprintf(buf, len, "(%zu, %zu)", a->rows, a->cols);
}

int hd_config_read_array(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                         const char *key, const char *spec, size_t rows, size_t cols, double **out,
                         size_t *out_rows, size_t *out_cols)
{
  *out = NULL;
  char file[4096], dset[1024], resolved[4096], full[5200], msg[1024];
  enum hd_array_format fmt;
  if (hd_array_spec_split(spec, &fmt, file, sizeof file, dset, sizeof dset, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, section, key, "%s", msg);
    return -1;
  }
  if (hd_config_resolve_path(cfg, file, resolved, sizeof resolved) != 0) {
    hd_config_error(cfg, err, section, key, "path '%s' too long", file);
    return -1;
  }
  snprintf(full, sizeof full, "%s%s%s", resolved, dset[0] ? ":" : "", dset);
  struct hd_array a;
  if (hd_array_read(full, &a, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, section, key, "%s", msg);
    return -1;
  }
  char shape[80];
  shape_of(&a, shape, sizeof shape);
  if (cols == 0) { /* a vector: (n,), (n, 1) or (1, n) */
    if (a.rank == 2 && a.rows == 1) a.rows = a.cols, a.cols = 1;
    if (a.rank == 2 && a.cols != 1) {
      hd_config_error(cfg, err, section, key, "'%s' holds a matrix of shape %s, a vector expected",
                      full, shape);
      hd_array_free(&a);
      return -1;
    }
    if (rows != HD_ARRAY_ANY && a.rows != rows) {
      hd_config_error(cfg, err, section, key,
                      "'%s' holds %zu values (shape %s), the model needs %zu", full, a.rows, shape,
                      rows);
      hd_array_free(&a);
      return -1;
    }
  } else {
    if (a.rank != 2 || (rows != HD_ARRAY_ANY && a.rows != rows) ||
        (cols != HD_ARRAY_ANY && a.cols != cols)) {
      char want_r[32], want_c[32];
      if (rows == HD_ARRAY_ANY) snprintf(want_r, sizeof want_r, "any");
      else snprintf(want_r, sizeof want_r, "%zu", rows);
      if (cols == HD_ARRAY_ANY) snprintf(want_c, sizeof want_c, "any");
      else snprintf(want_c, sizeof want_c, "%zu", cols);
      hd_config_error(cfg, err, section, key,
                      "'%s' has shape %s, the model needs a matrix of shape (%s, %s)", full, shape,
                      want_r, want_c);
      hd_array_free(&a);
      return -1;
    }
  }
  *out = a.v;
  if (out_rows) *out_rows = a.rows;
  if (out_cols) *out_cols = a.cols;
  return 0;
}
