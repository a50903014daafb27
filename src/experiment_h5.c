/* experiment_h5.c — the user's measured curves in the output: /experiment/<obs> as read,
 * and /compare/experiment_<obs>, the experiment put on the theory's times (linear in t,
 * NaN outside the measured range) minus the theory, with the same error measures as the
 * Monte Carlo's /compare/<obs>. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "compare.h"
#include "experiment.h"
#include "h5dims.h"
#include "h5out.h"

static int write_runs(hid_t go, const struct hd_experiment_curve *c, size_t n)
{
  hsize_t dims[2] = {c->runs, n};
  hid_t s = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(go, "runs", H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->values) < 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(s);
  return rc ? -1 : 0;
}

static int write_measured(hid_t f, const struct hd_experiment *e, const struct hd_observable *obs,
                          const char *time_meaning)
{
  hid_t g = H5Gcreate2(f, "experiment", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int rc = hd_h5_dset1(g, "t", e->t, e->n);
  rc |= hd_h5_coord(g, "t", "1", "time t", time_meaning);
  rc |= hd_h5_attr_str(g, "source", e->source);
  rc |= hd_h5_attr_str(g, "format", e->format);
  rc |= hd_h5_attr_str(g, "description",
                       "the user's measured curves as read (hdsim run --experiment, or [output] "
                       "experiment): runs, their mean and standard error over runs (NaN with one "
                       "run), on the measured times t; the file's SHA-256 is in "
                       "provenance_inputs");
  for (size_t c = 0; c < e->n_curves; c++) {
    const struct hd_experiment_curve *cv = &e->curves[c];
    const struct hd_observable *o = &obs[cv->obs];
    const char *units = o->unit[0] ? o->unit : "1";
    hid_t go = H5Gcreate2(g, o->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (go < 0) {
      rc = -1;
      continue;
    }
    rc |= hd_h5_dset1(go, "t", e->t, e->n);
    rc |= hd_h5_coord(go, "t", "1", "time t", time_meaning);
    rc |= hd_h5_index_coord(go, "run", cv->runs, "measured run");
    rc |= write_runs(go, cv, e->n);
    rc |= hd_h5_dset1(go, "mean", cv->mean, e->n);
    rc |= hd_h5_dset1(go, "stderr", cv->stderr_, e->n);
    rc |= hd_h5_attach(go, "runs", (const char *[]){"run", "t"}, 2);
    rc |= hd_h5_attach(go, "mean", (const char *[]){"t"}, 1);
    rc |= hd_h5_attach(go, "stderr", (const char *[]){"t"}, 1);
    char ln[256];
    snprintf(ln, sizeof ln, "%s of each measured run", o->name);
    rc |= hd_h5_cf(go, "runs", units, ln);
    snprintf(ln, sizeof ln, "measured mean of %s", o->name);
    rc |= hd_h5_cf(go, "mean", units, ln);
    snprintf(ln, sizeof ln, "standard error of the measured mean of %s", o->name);
    rc |= hd_h5_cf(go, "stderr", units, ln);
    rc |= hd_h5_attr_i64(go, "runs_count", (long long)cv->runs);
    H5Gclose(go);
  }
  H5Gclose(g);
  return rc;
}

static int write_errors(hid_t f, const struct hd_experiment *e, const struct hd_observable *obs,
                        const double *tg, size_t G, const double *theory, double size,
                        const char *time_meaning)
{
  htri_t have = H5Lexists(f, "compare", H5P_DEFAULT);
  hid_t g = have > 0 ? H5Gopen2(f, "compare", H5P_DEFAULT)
                     : H5Gcreate2(f, "compare", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int rc = 0;
  if (have <= 0) {
    rc |= hd_h5_dset1(g, "t", tg, G);
    rc |= hd_h5_coord(g, "t", "1", "time t", time_meaning);
  }
  for (size_t c = 0; c < e->n_curves; c++) {
    const struct hd_experiment_curve *cv = &e->curves[c];
    const struct hd_observable *o = &obs[cv->obs];
    double *mean = malloc(G * sizeof *mean), *se = malloc(G * sizeof *se);
    double *runs = malloc(cv->runs * G * sizeof *runs);
    if (!mean || !se || !runs) abort();
    hd_experiment_interp(e->t, cv->mean, e->n, tg, G, mean);
    hd_experiment_interp(e->t, cv->stderr_, e->n, tg, G, se);
    for (size_t r = 0; r < cv->runs; r++)
      hd_experiment_interp(e->t, cv->values + r * e->n, e->n, tg, G, runs + r * G);
    struct hd_compare cmp;
    hd_compare_compute(theory + cv->obs * G, mean, se, runs, cv->runs, G, size, &cmp);
    char name[HD_NAME_MAX + 16];
    snprintf(name, sizeof name, "experiment_%s", o->name);
    hid_t go = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (go < 0) rc = -1;
    else {
      rc |= hd_h5_dset1(go, "abs", cmp.abs_err, G);
      rc |= hd_h5_dset1(go, "rel", cmp.rel_err, G);
      rc |= hd_h5_dset1(go, "z", cmp.z, G);
      rc |= hd_h5_dset1(go, "scaled", cmp.scaled, G);
      rc |= hd_h5_dset1(go, "run_rms", cmp.run_rms, G);
      rc |= hd_h5_dset1(go, "t", tg, G);
      rc |= hd_h5_coord(go, "t", "1", "time t", time_meaning);
      static const char *const parts[][2] = {
          {"abs", "measured mean (interpolated) minus theory"},
          {"rel", "(measured - theory) / |theory|"},
          {"z", "(measured - theory) / measured standard error"},
          {"scaled", "sqrt(size) (measured - theory)"},
          {"run_rms", "rms over measured runs of (run - theory) / |theory|"}};
      const char *units = o->unit[0] ? o->unit : "1";
      for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        rc |= hd_h5_attach(go, parts[i][0], (const char *[]){"t"}, 1);
        rc |= hd_h5_cf(go, parts[i][0], i == 0 || i == 3 ? units : "1", parts[i][1]);
      }
      rc |= hd_h5_attr_str(go, "interpolation",
                           "the measured curves put on the theory's times: linear in t between "
                           "the two measured times around each (exact at a measured time); NaN "
                           "outside the measured range (no extrapolation)");
      rc |= hd_h5_attr_f64(go, "sup_abs", cmp.sup_abs);
      rc |= hd_h5_attr_f64(go, "sup_rel", cmp.sup_rel);
      rc |= hd_h5_attr_f64(go, "sup_z", cmp.sup_z);
      rc |= hd_h5_attr_f64(go, "sup_scaled", cmp.sup_scaled);
      rc |= hd_h5_attr_f64(go, "sup_run_rms", cmp.sup_run_rms);
      H5Gclose(go);
    }
    hd_compare_free(&cmp);
    free(mean), free(se), free(runs);
  }
  H5Gclose(g);
  return rc;
}

int hd_experiment_write(long long h5file, const struct hd_experiment *e,
                        const struct hd_observable *obs, const double *tg, size_t G,
                        const double *theory, double size, const char *time_meaning)
{
  hid_t f = (hid_t)h5file;
  int rc = write_measured(f, e, obs, time_meaning);
  if (theory) rc |= write_errors(f, e, obs, tg, G, theory, size, time_meaning);
  return rc;
}
