/* h5in.c — reading back an interrupted output file for `hdsim run --resume`. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"
#include "provenance.h"

static char *read_str_attr(hid_t obj, const char *name)
{
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
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

static int read_dset(hid_t f, const char *path, hid_t type, void *buf, hsize_t expect)
{
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t s = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  int rc = n == (hssize_t)expect
               ? (H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ? -1 : 0)
               : -1;
  H5Sclose(s);
  H5Dclose(d);
  return rc;
}

long hd_h5_read_partial(const char *path, const struct hd_output *expect, struct hd_mc_result *res,
                        char *msg, size_t msglen)
{
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  long loaded = -1;
  size_t R = res->runs, T = res->n_times;
  uint64_t *steps = malloc(T * sizeof *steps);
  int *flags = malloc(R * sizeof *flags);
  char *text = NULL, *status = NULL;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    snprintf(msg, msglen, "cannot open '%s' to resume from", path);
    goto out;
  }
  status = read_str_attr(f, "status");
  if (!status || strcmp(status, "interrupted") != 0) {
    snprintf(msg, msglen, "'%s' is not an interrupted run (status %s)", path,
             status ? status : "?");
    goto out;
  }
  if (hd_provenance_check(f, path, expect->provenance, msg, msglen) != 0) goto out;
  if (read_dset(f, "/simulation/steps", H5T_NATIVE_UINT64, steps, T) != 0 ||
      memcmp(steps, expect->grid->steps, T * sizeof *steps) != 0) {
    snprintf(msg, msglen, "'%s' has a different output grid", path);
    goto out;
  }
  if (read_dset(f, "/simulation/completed", H5T_NATIVE_INT, res->completed, R) != 0 ||
      read_dset(f, "/simulation/diverged", H5T_NATIVE_INT, res->diverged, R) != 0 ||
      read_dset(f, "/simulation/diverged_t", H5T_NATIVE_DOUBLE, res->diverged_t, R) != 0) {
    snprintf(msg, msglen,
             "'%s': the per-run records of /simulation are missing or fail their "
             "checksum",
             path);
    goto out;
  }
  for (size_t k = 0; k < res->n_obs; k++) {
    char name[HD_NAME_MAX + 32];
    snprintf(name, sizeof name, "/simulation/%s/runs", expect->obs[k].name);
    if (read_dset(f, name, H5T_NATIVE_DOUBLE, res->values + k * R * T, R * T) != 0) {
      snprintf(msg, msglen, "'%s': %s is missing or fails its checksum", path, name);
      goto out;
    }
  }
  loaded = 0;
  for (size_t r = 0; r < R; r++) loaded += res->completed[r] ? 1 : 0;
out:
  if (loaded < 0) /* leave nothing half-loaded */
    for (size_t r = 0; r < R; r++)
      res->completed[r] = 0, res->diverged[r] = 0, res->diverged_t[r] = NAN;
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  free(text);
  free(status);
  free(steps);
  free(flags);
  return loaded;
}

/* Reads every dataset under the object (the read verifies its Fletcher-32 checksum). */
static herr_t read_one(hid_t obj, const char *name, const H5O_info_t *info, void *vbad)
{
  int *bad = vbad;
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
  if (d < 0) return (*bad = 1), 1;
  hid_t t = H5Dget_type(d), s = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  size_t sz = H5Tget_size(t);
  void *buf = n > 0 && (size_t)n <= ((size_t)1 << 34) / (sz ? sz : 1) ? malloc((size_t)n * sz)
                                                                      : NULL;
  if (n > 0 &&
      (!buf || H5Tis_variable_str(t) > 0 || H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
    *bad = H5Tis_variable_str(t) > 0 ? *bad : 1;
  free(buf);
  H5Sclose(s);
  H5Tclose(t);
  H5Dclose(d);
  return *bad ? 1 : 0;
}

int hd_h5_verify_finished(const char *path, const struct hd_provenance *expect, char *status,
                          size_t status_len, char *msg, size_t msglen)
{
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  char *st = NULL;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    snprintf(msg, msglen, "cannot open '%s' (damaged?)", path);
    goto out;
  }
  st = read_str_attr(f, "status");
  if (!st || strcmp(st, "interrupted") == 0) {
    snprintf(msg, msglen, "'%s' is not a finished result (status %s)", path, st ? st : "?");
    goto out;
  }
  if (hd_provenance_check(f, path, expect, msg, msglen) != 0) goto out;
  int bad = 0;
  if (H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, read_one, &bad, H5O_INFO_BASIC) < 0 || bad) {
    snprintf(msg, msglen, "'%s': a dataset fails its checksum (damaged file)", path);
    goto out;
  }
  snprintf(status, status_len, "%s", st);
  rc = 0;
out:
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  free(st);
  return rc;
}
