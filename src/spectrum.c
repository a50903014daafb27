/* spectrum.c — covariance spectra (docs/theory/lsq.md, "Spectra"). */
#include "spectrum.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_file.h"
#include "provenance.h"
#include "rng.h"

static void normalise_mean(double *lambda, size_t d)
{
  double s = 0;
  for (size_t i = 0; i < d; i++) s += lambda[i];
  double c = (double)d / s;
  for (size_t i = 0; i < d; i++) lambda[i] *= c;
}

static int has_suffix(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static long read_h5(const char *path, double **values, char *msg, size_t msglen)
{
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our message, not HDF5's stack dump */
  long n = -1;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    snprintf(msg, msglen, "cannot open HDF5 spectrum file '%s'", path);
    goto out;
  }
  hid_t ds = H5Dopen2(f, "/lambda", H5P_DEFAULT);
  if (ds < 0) {
    snprintf(msg, msglen, "spectrum file '%s' has no dataset /lambda", path);
    H5Fclose(f);
    goto out;
  }
  hid_t sp = H5Dget_space(ds);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(sp) != 1) {
    snprintf(msg, msglen, "spectrum file '%s': /lambda must be one-dimensional", path);
  } else {
    H5Sget_simple_extent_dims(sp, dims, NULL);
    *values = dims[0] <= HD_INPUT_MAX_BYTES / sizeof(double)
                  ? malloc((dims[0] ? dims[0] : 1) * sizeof(double))
                  : NULL;
    if (!*values)
      snprintf(msg, msglen, "spectrum file '%s': /lambda has %llu values (at most %zu)", path,
               (unsigned long long)dims[0], HD_INPUT_MAX_BYTES / sizeof(double));
    else if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *values) < 0) {
      snprintf(msg, msglen, "spectrum file '%s': cannot read /lambda as numbers", path);
      free(*values);
      *values = NULL;
    } else {
      n = (long)dims[0];
    }
  }
  H5Sclose(sp);
  H5Dclose(ds);
  H5Fclose(f);
out:
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  return n;
}

long hd_spectrum_read(const char *path, double **values, char *msg, size_t msglen)
{
  *values = NULL;
  if (has_suffix(path, ".h5") || has_suffix(path, ".hdf5")) {
    long n = read_h5(path, values, msg, msglen);
    if (n >= 0) {
      for (long i = 0; i < n; i++)
        if (!isfinite((*values)[i])) {
          snprintf(msg, msglen, "spectrum file '%s': /lambda[%ld] is not finite", path, i);
          free(*values);
          *values = NULL;
          return -1;
        }
      if (hd_provenance_add_file(path) != 0) {
        snprintf(msg, msglen, "cannot read spectrum file '%s' for its digest", path);
        free(*values);
        *values = NULL;
        return -1;
      }
    }
    return n;
  }
  return hd_input_read_numbers(path, values, msg, msglen);
}

const char *const hd_spectrum_names[] = {"isotropic", "zero_one",   "power_law", "power_law_decay",
                                         "file",      "stationary", NULL};
const char *const hd_spectrum_normalisations[] = {"none", "trace", NULL};

void hd_spectrum_params_check(const struct hd_spectrum_params *s, const struct hd_config *cfg,
                              struct hd_errors *err)
{
  if (s->alpha.n != 1)
    hd_config_error(cfg, err, "data", "alpha", "one exponent expected, got %zu values", s->alpha.n);
  if (s->kind == HD_SPECTRUM_FILE && s->file.n == 0)
    hd_config_error(cfg, err, "data", "spectrum_file", "spectrum = file needs spectrum_file");
  if (s->kind == HD_SPECTRUM_FILE && s->file.n > 1)
    hd_config_error(cfg, err, "data", "spectrum_file", "one file expected, got %zu", s->file.n);
  if (s->kind != HD_SPECTRUM_FILE && s->file.n > 0)
    hd_config_error(cfg, err, "data", "spectrum_file",
                    "spectrum_file is only read with spectrum = file");
}

void hd_spectrum_default_d(struct hd_config *cfg, const struct hd_param *table, size_t n)
{
  int has_file_row = 0, d_required = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(table[i].section, "data") != 0) continue;
    if (strcmp(table[i].key, "spectrum_file") == 0) has_file_row = 1;
    if (strcmp(table[i].key, "d") == 0 && table[i].type == HD_INT && !table[i].def) d_required = 1;
  }
  const char *kind = hd_config_value(cfg, "data", "spectrum");
  const char *file = hd_config_value(cfg, "data", "spectrum_file");
  if (!has_file_row || !d_required || hd_config_has(cfg, "data", "d") || !kind || !file ||
      strcmp(kind, "file") != 0 || strchr(file, ',') || !file[0])
    return;
  char path[4096], msg[512], value[32];
  if (hd_config_resolve_path(cfg, file, path, sizeof path) != 0) return;
  double *v = NULL;
  long count = hd_spectrum_read(path, &v, msg, sizeof msg);
  free(v);
  if (count <= 0) return; /* the plan reports the file */
  snprintf(value, sizeof value, "%ld", count);
  hd_config_add_derived(cfg, "data", "d", value, hd_config_line(cfg, "data", "spectrum_file"));
}

int hd_spectrum_fill_params(const struct hd_spectrum_params *s, size_t d, const char *path,
                            double *lambda, char *msg, size_t msglen)
{
  return hd_spectrum_fill((enum hd_spectrum_kind)s->kind, d, s->alpha.v[0], s->zero_fraction, path,
                          s->normalise == HD_NORMALISE_TRACE, lambda, msg, msglen);
}

int hd_spectrum_fill(enum hd_spectrum_kind kind, size_t d, double alpha, double zero_fraction,
                     const char *path, int normalise_file, double *lambda, char *msg, size_t msglen)
{
  switch (kind) {
  case HD_SPECTRUM_ISOTROPIC:
    for (size_t i = 0; i < d; i++) lambda[i] = 1.0;
    return 0;
  case HD_SPECTRUM_ZERO_ONE: {
    /* The zero eigenvalues are the last n0 indices; order is immaterial to the limit. */
    size_t n0 = (size_t)llround(zero_fraction * (double)d);
    if (n0 >= d) {
      snprintf(msg, msglen, "zero_fraction %g leaves no non-zero eigenvalue at d = %zu",
               zero_fraction, d);
      return -1;
    }
    double v = (double)d / (double)(d - n0);
    for (size_t i = 0; i < d; i++) lambda[i] = i < d - n0 ? v : 0.0;
    return 0;
  }
  case HD_SPECTRUM_POWER_LAW:
    /* lambda_i = c (i/d)^alpha, i = 1..d, c from the exact finite-d mean (not the
     * continuum 1 + alpha), so (1/d) sum lambda = 1 to rounding.  Listed largest first. */
    for (size_t i = 0; i < d; i++) lambda[i] = pow((double)(d - i) / (double)d, alpha);
    normalise_mean(lambda, d);
    return 0;
  case HD_SPECTRUM_POWER_LAW_DECAY:
    for (size_t i = 0; i < d; i++) lambda[i] = pow((double)(i + 1), -alpha);
    normalise_mean(lambda, d);
    return 0;
  case HD_SPECTRUM_FILE: {
    double *v;
    long n = hd_spectrum_read(path, &v, msg, msglen);
    if (n < 0) return -1;
    if ((size_t)n != d) {
      snprintf(msg, msglen, "spectrum file '%s' has %ld eigenvalues but d = %zu", path, n, d);
      free(v);
      return -1;
    }
    for (size_t i = 0; i < d; i++) {
      if (!isfinite(v[i]) || v[i] < 0) {
        snprintf(msg, msglen, "spectrum file '%s': eigenvalue %zu is %g (must be finite and >= 0)",
                 path, i + 1, v[i]);
        free(v);
        return -1;
      }
      lambda[i] = v[i];
    }
    free(v);
    double s = 0;
    for (size_t i = 0; i < d; i++) s += lambda[i];
    if (!(s > 0)) {
      snprintf(msg, msglen, "spectrum file '%s': all eigenvalues are zero", path);
      return -1;
    }
    if (normalise_file) normalise_mean(lambda, d);
    return 0;
  }
  case HD_SPECTRUM_STATIONARY:
    snprintf(msg, msglen, "a stationary spectrum is built by hd_stationary_create");
    return -1;
  }
  snprintf(msg, msglen, "unknown spectrum kind");
  return -1;
}

void hd_target_fill(enum hd_target_kind kind, size_t d, const double *lambda, double beta,
                    uint64_t seed, double *theta_star)
{
  double sd = sqrt((double)d);
  switch (kind) {
  case HD_TARGET_RANDOM: {
    struct hd_rng r;
    hd_rng_init(&r, seed, UINT64_MAX, HD_STREAM_TARGET, 0);
    hd_rng_normal_array(&r, theta_star, d);
    for (size_t i = 0; i < d; i++) theta_star[i] /= sd;
    return;
  }
  case HD_TARGET_ALIGNED:
    for (size_t i = 0; i < d; i++) theta_star[i] = 1.0 / sd;
    return;
  case HD_TARGET_SOURCE: {
    double s = 0;
    for (size_t i = 0; i < d; i++) {
      double v = lambda[i] > 0 ? pow(lambda[i], beta) : 0.0;
      theta_star[i] = v;
      s += v;
    }
    for (size_t i = 0; i < d; i++) theta_star[i] = sqrt(theta_star[i] * (double)d / s) / sd;
    return;
  }
  case HD_TARGET_ZERO:
    for (size_t i = 0; i < d; i++) theta_star[i] = 0.0;
    return;
  }
}

int hd_spectrum_plan_fill(const struct hd_spectrum_params *s, const struct hd_config *cfg, size_t d,
                          double **lambda, double **sqrt_lambda, struct hd_errors *err)
{
  char path[2 * HD_STR_MAX] = "", msg[512];
  *lambda = malloc(d * sizeof(double));
  if (!*lambda) {
    hd_config_error(cfg, err, "data", "d", "out of memory for %zu eigenvalues", d);
    return -1;
  }
  if (s->kind == HD_SPECTRUM_FILE &&
      hd_config_resolve_path(cfg, s->file.v[0], path, sizeof path) != 0) {
    hd_config_error(cfg, err, "data", "spectrum_file", "path too long");
    return -1;
  }
  if (hd_spectrum_fill_params(s, d, path, *lambda, msg, sizeof msg) != 0) {
    hd_config_error(cfg, err, "data", "spectrum", "%s", msg);
    return -1;
  }
  if (s->kind != HD_SPECTRUM_ISOTROPIC) {
    *sqrt_lambda = malloc(d * sizeof(double));
    if (!*sqrt_lambda) {
      hd_config_error(cfg, err, "data", "d", "out of memory for %zu eigenvalues", d);
      return -1;
    }
    for (size_t i = 0; i < d; i++) (*sqrt_lambda)[i] = sqrt((*lambda)[i]);
  }
  return 0;
}

size_t hd_spectrum_groups_bound(const struct hd_spectrum_params *s, size_t d, long bins)
{
  size_t g = d;
  if (s->kind == HD_SPECTRUM_ISOTROPIC) g = 1;
  else if (s->kind == HD_SPECTRUM_ZERO_ONE) g = 2;
  else if (bins > 0 && (size_t)bins + 2 < d) g = (size_t)bins + 2;
  return g < d ? g : d;
}
