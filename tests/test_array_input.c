/* test_array_input.c — the array reader (src/array_input.h): round trips of files that
 * numpy and h5py write (tests/array_files.py), every refusal with its message, the
 * strict .npy header parser on hand-made headers, the model-key layer's shapes and
 * messages, and the provenance record of every file read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array_input.h"
#include "check.h"
#include "config.h"
#include "params.h"
#include "provenance.h"

static char dir[4096];

static const char *at(const char *name)
{
  static char buf[4][4400];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static double mat_value(size_t i, size_t j, int integer)
{
  return integer ? 10.0 * (double)i + (double)j - 7.0 : 0.5 * (10.0 * (double)i + (double)j) - 3.25;
}

static double vec_value(size_t i, int integer)
{
  return integer ? 3.0 * (double)i - 5.0 : 0.5 * (double)i - 1.25;
}

/* Reads spec and checks rank, shape and every value against the formulas. */
static void expect_array(const char *spec, int rank, size_t rows, size_t cols, int integer)
{
  struct hd_array a;
  char msg[1024] = "";
  int rc = hd_array_read(spec, &a, msg, sizeof msg);
  CHECK(rc == 0, "%s: %s", spec, msg);
  if (rc != 0) return;
  CHECK(a.rank == rank && a.rows == rows && a.cols == cols, "%s: rank %d shape %zu x %zu", spec,
        a.rank, a.rows, a.cols);
  int same = a.rank == rank && a.rows == rows && a.cols == cols;
  for (size_t i = 0; same && i < rows; i++)
    for (size_t j = 0; j < cols; j++) {
      double want = rank == 1 ? vec_value(i, integer) : mat_value(i, j, integer);
      if (a.v[i * cols + j] != want) same = 0;
    }
  CHECK(same, "%s: values as written", spec);
  hd_array_free(&a);
}

/* Reading spec fails with a message containing every one of the fragments. */
static void expect_refused(const char *spec, const char *frag1, const char *frag2)
{
  struct hd_array a;
  char msg[1024] = "";
  int rc = hd_array_read(spec, &a, msg, sizeof msg);
  CHECK(rc != 0, "%s read, should be refused", spec);
  if (rc == 0) {
    hd_array_free(&a);
    return;
  }
  CHECK(a.v == NULL, "%s: nothing allocated on failure", spec);
  CHECK(strstr(msg, frag1) && (!frag2 || strstr(msg, frag2)), "%s: message \"%s\" lacks \"%s\"%s%s",
        spec, msg, frag1, frag2 ? " / " : "", frag2 ? frag2 : "");
}

static void test_round_trips(void)
{
  const char *codes[] = {"f8", "f4", "i4", "i8"};
  for (int c = 0; c < 4; c++)
    for (int e = 0; e < 2; e++) {
      char name[64];
      int integer = codes[c][0] == 'i';
      snprintf(name, sizeof name, "mat_%s_%s_c.npy", e ? "be" : "le", codes[c]);
      expect_array(at(name), 2, 2, 3, integer);
      snprintf(name, sizeof name, "mat_%s_%s_f.npy", e ? "be" : "le", codes[c]);
      expect_array(at(name), 2, 2, 3, integer);
      snprintf(name, sizeof name, "vec_%s_%s.npy", e ? "be" : "le", codes[c]);
      expect_array(at(name), 1, 5, 1, integer);
    }
  expect_array(at("mat_v2.npy"), 2, 2, 3, 0);
  expect_array(at("mat_v3.npy"), 2, 2, 3, 0);
  char spec[4400];
  snprintf(spec, sizeof spec, "%s:/a/b/m", at("arrays.h5"));
  expect_array(spec, 2, 2, 3, 0);
  snprintf(spec, sizeof spec, "%s:/a/m_be", at("arrays.h5"));
  expect_array(spec, 2, 2, 3, 0);
  snprintf(spec, sizeof spec, "%s:/v16", at("arrays.h5"));
  expect_array(spec, 1, 5, 1, 1);
  snprintf(spec, sizeof spec, "%s:/f32", at("arrays.h5"));
  expect_array(spec, 2, 2, 3, 0);
  expect_array(at("vec.txt"), 1, 5, 1, 0);

  struct hd_array a;
  char msg[1024];
  snprintf(spec, sizeof spec, "%s:/vu8", at("arrays.h5"));
  CHECK(hd_array_read(spec, &a, msg, sizeof msg) == 0 && a.rows == 5 && a.v[4] == 12.0,
        "uint8 dataset converted");
  hd_array_free(&a);
}

static void test_refusals(void)
{
  expect_refused(at("nan.npy"), "nan.npy': value [3] is nan", "finite");
  expect_refused(at("inf.npy"), "value [1, 2] is -inf", NULL);
  expect_refused(at("complex.npy"), "dtype '<c16' is not supported", NULL);
  expect_refused(at("int16.npy"), "dtype '<i2' is not supported", NULL);
  expect_refused(at("rank3.npy"), "of rank 3", "a vector or a matrix expected");
  expect_refused(at("scalar.npy"), "of rank 0", NULL);
  expect_refused(at("empty.npy"), "(0,) is empty", NULL);
  expect_refused(at("structured.npy"), "structured dtypes are not supported", NULL);
  expect_refused(at("bigint.npy"), "flat index 1 has no exact double", NULL);
  expect_refused(at("trunc_header.npy"), "truncated .npy header", NULL);
  expect_refused(at("trunc_data.npy"), "truncated data", "(40 bytes of data), the file holds 37");
  expect_refused(at("extra.npy"), "bytes after the data", NULL);
  expect_refused(at("notnpy.npy"), "is not a .npy file", NULL);
  expect_refused(at("missing.npy"), "cannot open input file", "missing.npy");
  char spec[4400];
  snprintf(spec, sizeof spec, "%s:/nothere", at("arrays.h5"));
  expect_refused(spec, "has no dataset /nothere", "arrays.h5");
  snprintf(spec, sizeof spec, "%s:/a/zz/m", at("arrays.h5"));
  expect_refused(spec, "has no dataset /a/zz/m", NULL);
  snprintf(spec, sizeof spec, "%s:/a", at("arrays.h5"));
  expect_refused(spec, "has no dataset /a", NULL); /* a group */
  snprintf(spec, sizeof spec, "%s:/s", at("arrays.h5"));
  expect_refused(spec, "does not hold integers or reals", NULL);
  snprintf(spec, sizeof spec, "%s:/r3", at("arrays.h5"));
  expect_refused(spec, "has rank 3", NULL);
  snprintf(spec, sizeof spec, "%s:/scalar", at("arrays.h5"));
  expect_refused(spec, "has rank 0", NULL);
  snprintf(spec, sizeof spec, "%s:/empty", at("arrays.h5"));
  expect_refused(spec, "is empty", NULL);
  snprintf(spec, sizeof spec, "%s:/inf", at("arrays.h5"));
  expect_refused(spec, "arrays.h5:/inf': value [4] is inf", NULL);
  snprintf(spec, sizeof spec, "%s:/x", at("vec.txt"));
  expect_refused(spec, "read only from an HDF5 file", NULL);
  snprintf(spec, sizeof spec, "%s:/x", at("mat_v2.npy"));
  expect_refused(spec, "read only from an HDF5 file", NULL);
  snprintf(spec, sizeof spec, "%s:/x", at("nan.txt")); /* text read as HDF5 */
  expect_refused(spec, "read only from an HDF5 file", NULL);
  snprintf(spec, sizeof spec, "%s:/x", at("vec_le_f8.h5"));
  expect_refused(spec, "cannot open array file", NULL);
  snprintf(spec, sizeof spec, "%s", at("arrays.h5"));
  expect_refused(spec, "name the dataset of the HDF5 file", NULL);
  snprintf(spec, sizeof spec, "%s:x", at("arrays.h5"));
  expect_refused(spec, "must be an absolute path", NULL);
  expect_refused(at("nan.txt"), "line 3", "not finite");
  expect_refused(at("nul.txt"), "NUL byte", NULL);
  expect_refused("", "no array file named", NULL);
}

/* A version-1 .npy image with the given header text (padded to a multiple of 64 with
 * its newline, as numpy writes) followed by n little-endian doubles 1, 2, ... */
static size_t npy_image(unsigned char *buf, const char *dict, size_t n, int pad)
{
  size_t hl = strlen(dict) + 1;
  if (pad) hl = (10 + hl + 63) / 64 * 64 - 10;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)(hl & 0xff);
  buf[9] = (unsigned char)(hl >> 8);
  memset(buf + 10, ' ', hl);
  memcpy(buf + 10, dict, strlen(dict));
  buf[10 + hl - 1] = '\n';
  for (size_t k = 0; k < n; k++) {
    double x = (double)(k + 1);
    memcpy(buf + 10 + hl + 8 * k, &x, 8); /* the test host is little-endian (x86-64) */
  }
  return 10 + hl + 8 * n;
}

static void header_case(const char *dict, size_t n, const char *frag)
{
  unsigned char buf[1024];
  size_t len = npy_image(buf, dict, n, 1);
  struct hd_array a;
  char msg[512] = "";
  int rc = hd_array_parse_npy("h.npy", buf, len, &a, msg, sizeof msg);
  if (!frag) {
    CHECK(rc == 0 && a.rows * a.cols == n, "header %s accepted: %s", dict, msg);
    if (rc == 0) hd_array_free(&a);
    return;
  }
  CHECK(rc != 0 && strstr(msg, frag), "header %s: \"%s\" lacks \"%s\"", dict, msg, frag);
  if (rc == 0) hd_array_free(&a);
}

static void test_headers(void)
{
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 3, NULL);
  header_case("{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(3,)}", 3, NULL);
  header_case("{'shape': (2, 2), 'fortran_order': True, 'descr': '<f8'}", 4, NULL);
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3), }", 3, "needs its comma");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }", 3, "whole numbers");
  header_case("{'descr': '<f8', 'fortran_order': false, 'shape': (3,), }", 3,
              "neither True nor False");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'descr': '<f8'}", 3,
              "repeated key 'descr'");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}", 3,
              "unknown key 'x'");
  header_case("{'descr': '<f8', 'shape': (3,), }", 3, "lacks 'fortran_order'");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3,) 'x'}", 3, "malformed");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } x", 3,
              "text after the dictionary");
  header_case("['descr', '<f8']", 3, "not a dictionary");
  header_case("{'descr': '=f8', 'fortran_order': False, 'shape': (3,), }", 3, "'=f8' is not");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 3,
              "too large");
  header_case("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 3,
              "more than");

  /* the header length runs past the file; a header without its newline; version 4 */
  unsigned char buf[256];
  size_t len = npy_image(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 1);
  struct hd_array a;
  char msg[512];
  buf[9] = 4;
  CHECK(hd_array_parse_npy("h.npy", buf, len, &a, msg, sizeof msg) != 0 &&
            strstr(msg, "truncated .npy header"),
        "header length past the end: %s", msg);
  len = npy_image(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 0);
  buf[len - 8 - 1] = ' ';
  CHECK(hd_array_parse_npy("h.npy", buf, len, &a, msg, sizeof msg) != 0 &&
            strstr(msg, "does not end with a newline"),
        "no newline: %s", msg);
  len = npy_image(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 1);
  buf[6] = 4;
  CHECK(hd_array_parse_npy("h.npy", buf, len, &a, msg, sizeof msg) != 0 &&
            strstr(msg, "version 4.0"),
        "version 4: %s", msg);
  for (size_t cut = 0; cut < 12; cut++)
    CHECK(hd_array_parse_npy("h.npy", buf, cut, &a, msg, sizeof msg) != 0,
          "a file cut after %zu bytes is refused", cut);
}

/* The model-key layer: shapes, file resolution against the model file, and messages
 * naming model file, line, section, key and the data file. */
static void test_config_keys(void)
{
  char model[4400], text[512];
  snprintf(model, sizeof model, "%s/model.ini", dir);
  snprintf(text, sizeof text, "[init]\nx0 = vec_le_f8.npy\nm = mat_le_f8_c.npy\n");
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string(model, text, &err);
  double *v = NULL;
  size_t r = 0, c = 0;
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "vec_le_f8.npy", 5, 0, &v, &r, &c) == 0 &&
            r == 5 && c == 1 && v[4] == vec_value(4, 0),
        "vector resolved against the model's directory");
  free(v);
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "col.npy", 5, 0, &v, NULL, NULL) == 0 &&
            v[2] == vec_value(2, 0),
        "a (5, 1) column is a vector");
  free(v);
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "row.npy", 5, 0, &v, NULL, NULL) == 0 &&
            v[3] == vec_value(3, 0),
        "a (1, 5) row is a vector");
  free(v);
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "vec.txt", HD_ARRAY_ANY, 0, &v, &r, NULL) ==
                0 &&
            r == 5,
        "any length");
  free(v);
  CHECK(hd_config_read_array(cfg, &err, "init", "m", "mat_le_f8_f.npy", 2, 3, &v, &r, &c) == 0 &&
            r == 2 && c == 3 && v[1 * 3 + 2] == mat_value(1, 2, 0),
        "matrix (Fortran order) row-major");
  free(v);
  CHECK(hd_config_read_array(cfg, &err, "init", "m", "arrays.h5:/a/b/m", HD_ARRAY_ANY, HD_ARRAY_ANY,
                             &v, &r, &c) == 0 &&
            r == 2 && c == 3,
        "matrix of any shape");
  free(v);
  CHECK(err.count == 0, "no errors so far (%zu)", err.count);

  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "vec_le_f8.npy", 4, 0, &v, NULL, NULL) != 0,
        "wrong length refused");
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "mat_le_f8_c.npy", 6, 0, &v, NULL, NULL) != 0,
        "matrix for a vector refused");
  CHECK(hd_config_read_array(cfg, &err, "init", "m", "mat_le_f8_c.npy", 3, 2, &v, NULL, NULL) != 0,
        "transposed matrix refused");
  CHECK(hd_config_read_array(cfg, &err, "init", "m", "vec_le_f8.npy", 5, 1, &v, NULL, NULL) != 0,
        "vector for a matrix refused");
  CHECK(hd_config_read_array(cfg, &err, "init", "x0", "nan.npy", 5, 0, &v, NULL, NULL) != 0 &&
            v == NULL,
        "NaN refused");
  CHECK(err.count == 5, "five errors (%zu)", err.count);
  if (err.count == 5) {
    char want[9000];
    snprintf(want, sizeof want,
             "%s:2: [init] x0: '%s/vec_le_f8.npy' holds 5 values (shape (5,)), the model needs 4",
             model, dir);
    CHECK(strcmp(err.msg[0], want) == 0, "message: %s", err.msg[0]);
    CHECK(strstr(err.msg[1], "holds a matrix of shape (2, 3), a vector expected"), "%s",
          err.msg[1]);
    CHECK(strstr(err.msg[2], ":3: [init] m: ") &&
              strstr(err.msg[2], "has shape (2, 3), the model needs a matrix of shape (3, 2)"),
          "%s", err.msg[2]);
    CHECK(strstr(err.msg[3], "has shape (5,), the model needs a matrix of shape (5, 1)"), "%s",
          err.msg[3]);
    CHECK(strstr(err.msg[4], ":2: [init] x0: '") &&
              strstr(err.msg[4], "nan.npy': value [3] is nan"),
          "%s", err.msg[4]);
  }
  hd_errors_free(&err);
  hd_config_free(cfg);
}

/* Every file read is in the provenance record, once per content. */
static void test_provenance(void)
{
  hd_provenance_inputs_reset();
  struct hd_array a;
  char msg[512], spec[4400];
  CHECK(hd_array_read(at("vec_le_f8.npy"), &a, msg, sizeof msg) == 0, "npy");
  hd_array_free(&a);
  snprintf(spec, sizeof spec, "%s:/f32", at("arrays.h5"));
  CHECK(hd_array_read(spec, &a, msg, sizeof msg) == 0, "h5");
  hd_array_free(&a);
  CHECK(hd_array_read(at("vec.txt"), &a, msg, sizeof msg) == 0, "text");
  hd_array_free(&a);
  CHECK(hd_array_read(at("nan.npy"), &a, msg, sizeof msg) != 0, "refused file");
  CHECK(hd_provenance_input_count() == 3, "three inputs recorded (%zu)",
        hd_provenance_input_count());
  CHECK(hd_provenance_input_count() == 3 &&
            strcmp(hd_provenance_input_path(0), at("vec_le_f8.npy")) == 0 &&
            strcmp(hd_provenance_input_path(1), at("arrays.h5")) == 0 &&
            strcmp(hd_provenance_input_path(2), at("vec.txt")) == 0,
        "paths in reading order");
}

/* The parameter type: syntax checked on parse, printed by describe. */
static void test_param_type(void)
{
  struct s {
    char x[HD_STR_MAX];
  } v;
  const struct hd_param row = {
      "init", "x0", HD_ARRAY, offsetof(struct s, x), "", 0, 0, 0, NULL, "", "a vector", NULL};
  char msg[256], buf[300];
  CHECK(strcmp(hd_type_name(HD_ARRAY), "array") == 0, "type name");
  CHECK(hd_param_parse(&row, "", &v, msg, sizeof msg) == 0 && v.x[0] == '\0', "empty: none");
  CHECK(hd_param_parse(&row, "a/b.h5:/g/x0", &v, msg, sizeof msg) == 0 &&
            strcmp(v.x, "a/b.h5:/g/x0") == 0,
        "h5 spec");
  hd_param_format(&row, &v, buf, sizeof buf);
  CHECK(strcmp(buf, "a/b.h5:/g/x0") == 0, "formats as written");
  CHECK(hd_param_parse(&row, "b.h5", &v, msg, sizeof msg) != 0 && strstr(msg, "b.h5:/x0"),
        "h5 without dataset: %s", msg);
  CHECK(hd_param_parse(&row, "x.npy:/x", &v, msg, sizeof msg) != 0, "npy with dataset");
  hd_param_range(&row, buf, sizeof buf);
  CHECK(strstr(buf, "FILE.npy") != NULL, "range: %s", buf);
}

int main(void)
{
  const char *py = getenv("HDSIM_PYTHON"), *root = getenv("HDSIM_SOURCE_ROOT");
  if (!py || !root) {
    printf("HDSIM_PYTHON / HDSIM_SOURCE_ROOT not set: skipped\n");
    return 77;
  }
  snprintf(dir, sizeof dir, "%s/hdsim_arrays_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) return 1;
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "'%s' '%s/tests/array_files.py' '%s'", py, root, dir);
  if (system(cmd) != 0) {
    printf("tests/array_files.py failed (numpy and h5py needed)\n");
    return 1;
  }
  test_round_trips();
  test_refusals();
  test_headers();
  test_config_keys();
  test_provenance();
  test_param_type();
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  return check_finish();
}
