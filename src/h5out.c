/* h5out.c — HDF5 writer. */
#include "h5out.h"

#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "experiment.h"
#include "h5dims.h"
#include "h5stack.h"
#include "hdsim_paths.h"
#include "hdsim_version.h"
#include "interrupt.h"
#include "provenance.h"
#include "ranks.h"
#include "registry.h"
#include "rng.h"
#include "sweep.h"

/* ---- small typed helpers; each returns <0 on failure ---- */

int hd_h5_attr_str(long long obj, const char *name, const char *value)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  const char *v = value ? value : "";
  herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  return rc < 0 ? -1 : 0;
}

static int attr_num(hid_t obj, const char *name, hid_t type, const void *value)
{
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  return rc < 0 ? -1 : 0;
}

int hd_h5_attr_f64(long long obj, const char *name, double v)
{
  return attr_num(obj, name, H5T_NATIVE_DOUBLE, &v);
}

/* A 1-D attribute of n values of `type` (n = 0: an empty dataspace). */
static int attr_array(hid_t obj, const char *name, hid_t type, const void *values, size_t n)
{
  hsize_t dims[1] = {n};
  hid_t s = n ? H5Screate_simple(1, dims, NULL) : H5Screate(H5S_NULL);
  hid_t a = H5Acreate2(obj, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : n ? H5Awrite(a, type, values) : 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  return rc < 0 ? -1 : 0;
}

/* A list parameter as a typed 1-D attribute: reals f64, integers i64, paths strings. */
static int attr_list(hid_t obj, const char *name, enum hd_type type, const void *p)
{
  if (type == HD_REAL_LIST) {
    const struct hd_real_list *l = p;
    return attr_array(obj, name, H5T_NATIVE_DOUBLE, l->v, l->n);
  }
  if (type == HD_INT_LIST) {
    const struct hd_int_list *l = p;
    long long v[HD_LIST_MAX];
    for (size_t k = 0; k < l->n; k++) v[k] = l->v[k];
    return attr_array(obj, name, H5T_NATIVE_LLONG, v, l->n);
  }
  const struct hd_path_list *l = p;
  const char *v[HD_LIST_MAX];
  for (size_t k = 0; k < l->n; k++) v[k] = l->v[k];
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  int rc = attr_array(obj, name, t, v, l->n);
  H5Tclose(t);
  return rc;
}
int hd_h5_attr_i64(long long obj, const char *name, long long v)
{
  return attr_num(obj, name, H5T_NATIVE_LLONG, &v);
}

/* Every dataset carries HDF5's Fletcher-32 checksum (verified by every read, so a
 * damaged partial or sweep-point file is refused on resume), in chunks of at most ~4 MiB
 * (whole rows of a [runs, times] array). */
static hid_t checksummed(int rank, const hsize_t *dims, size_t elem)
{
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t chunk[2] = {dims[0], rank > 1 ? dims[1] : 1};
  for (int i = 0; i < rank; i++)
    if (dims[i] == 0) return dcpl; /* empty: nothing to check, contiguous */
  size_t row = (size_t)(rank > 1 ? dims[1] : 1) * elem, limit = (size_t)4 << 20;
  if (rank > 1 && row > limit) chunk[1] = limit / elem; /* very long rows: split them too */
  size_t rows = row > limit ? 1 : limit / row;
  if (chunk[0] > rows) chunk[0] = rows;
  if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_fletcher32(dcpl) < 0) {
    H5Pclose(dcpl);
    return H5Pcreate(H5P_DATASET_CREATE);
  }
  return dcpl;
}

static hid_t dset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const void *data)
{
  hid_t s = H5Screate_simple(rank, dims, NULL);
  hid_t dcpl = checksummed(rank, dims, H5Tget_size(type));
  hid_t d = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Pclose(dcpl);
  H5Sclose(s);
  if (rc < 0) {
    if (d >= 0) H5Dclose(d);
    return -1;
  }
  return d;
}

int hd_h5_dset1(long long loc, const char *name, const double *data, size_t n)
{
  hsize_t dims[1] = {n};
  hid_t d = dset(loc, name, H5T_NATIVE_DOUBLE, 1, dims, data);
  if (d < 0) return -1;
  H5Dclose(d);
  return 0;
}

/* CF units of an observable: "1" for the dimensionless ones (all of them today). */
static const char *obs_units(const struct hd_observable *ob)
{
  return ob->unit[0] ? ob->unit : "1";
}

static int describe_obs(hid_t obj, const struct hd_observable *ob)
{
  int rc = hd_h5_attr_str(obj, "description", ob->description);
  rc |= hd_h5_attr_str(obj, "unit", obs_units(ob));
  rc |= hd_h5_attr_str(obj, "units", obs_units(ob));
  rc |= hd_h5_attr_i64(obj, "log_x", ob->log_x);
  rc |= hd_h5_attr_i64(obj, "log_y", ob->log_y);
  return rc;
}

/* Every resolved parameter, typed, as /parameters attributes "section.key". */
static int write_table(hid_t g, const struct hd_param *rows, size_t n, const void *src)
{
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    const struct hd_param *r = &rows[i];
    char name[160], text[HD_FORMAT_MAX];
    snprintf(name, sizeof name, "%s.%s", r->section, r->key);
    const char *p = (const char *)src + r->offset;
    switch (r->type) {
    case HD_INT: rc |= hd_h5_attr_i64(g, name, *(const long *)p); break;
    case HD_REAL:
      if ((r->flags & HD_AUTO) && isnan(*(const double *)p)) rc |= hd_h5_attr_str(g, name, "auto");
      else rc |= hd_h5_attr_f64(g, name, *(const double *)p);
      break;
    case HD_BOOL: rc |= hd_h5_attr_i64(g, name, *(const bool *)p ? 1 : 0); break;
    case HD_REAL_LIST:
    case HD_INT_LIST:
    case HD_PATH_LIST: rc |= attr_list(g, name, r->type, p); break;
    default: hd_param_format(r, src, text, sizeof text); rc |= hd_h5_attr_str(g, name, text);
    }
  }
  return rc;
}

static int write_root(hid_t f, const struct hd_output *o, const char *status)
{
  char created[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  int rc = hd_h5_attr_str(f, "hdsim_version", HDSIM_VERSION);
  rc |= hd_h5_attr_str(f, "problem", o->problem->name);
  rc |= hd_h5_attr_str(f, "theory_doc", o->problem->theory_doc);
  char installed[1024];
  snprintf(installed, sizeof installed, "%s/%s", HDSIM_DOCDIR, o->problem->theory_doc);
  rc |= hd_h5_attr_str(f, "theory_doc_installed", installed);
  rc |= hd_h5_attr_str(f, "command_line", o->command_line);
  rc |= hd_h5_attr_str(f, "model_file", o->model_path);
  rc |= hd_h5_attr_str(f, "model_text", o->model_text);
  rc |= hd_h5_attr_str(f, "created", created);
  rc |= hd_h5_attr_i64(f, "seed", o->run->seed);
  rc |= hd_h5_attr_str(f, "status", status);
  if (o->provenance) rc |= hd_provenance_write(f, o->provenance);
  rc |= hd_h5_attr_str(f, "rng_kernel", hd_rng_kernel_name());
  rc |= hd_h5_attr_str(f, "time_unit", o->problem->time_meaning);
  rc |= hd_h5_attr_str(f, "Conventions", HD_CF_CONVENTIONS);
  /* observable names in the problem's order (HDF5 groups list them alphabetically) */
  char *names = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&names, &len);
  for (size_t k = 0; k < o->n_obs; k++) fprintf(m, "%s%s", k ? "," : "", o->obs[k].name);
  fclose(m);
  rc |= hd_h5_attr_str(f, "observables", names);
  free(names);
  hid_t g = H5Gcreate2(f, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  rc |= write_table(g, hd_run_param_table, hd_run_param_count, o->run);
  rc |= write_table(g, o->problem->params, o->problem->n_params, o->problem_params);
  H5Gclose(g);
  return rc;
}

/* The time coordinate t of a group, described by the problem's meaning of t. */
static int time_coord(hid_t g, const struct hd_output *o)
{
  return hd_h5_coord(g, "t", "1", "time t", o->problem->time_meaning);
}

/* /theory/stationary: the observables at t = infinity (the theory's closed form or the
 * fixed point of its limit ODE), over a one-point time coordinate t = [inf], with how it
 * was found as the group's note; or, where there is none for this model, the reason as
 * /theory's attribute stationary_note. */
static int write_stationary(hid_t theory, const struct hd_output *o)
{
  const struct hd_theory_result *th = o->theory;
  if (!th->has_stationary) return hd_h5_attr_str(theory, "stationary_note", th->stationary_note);
  hid_t g = H5Gcreate2(theory, "stationary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const double tinf = INFINITY;
  int rc = g < 0 ? -1 : hd_h5_dset1(g, "t", &tinf, 1);
  rc |= time_coord(g, o);
  rc |= hd_h5_attr_str(g, "description", "the theory's limit as t -> infinity (not read off a "
                                         "large horizon)");
  rc |= hd_h5_attr_str(g, "note", th->stationary_note);
  for (size_t k = 0; k < o->n_obs && rc == 0; k++) {
    if (isnan(th->stationary[k])) continue; /* no stationary value for this observable */
    hsize_t dims[1] = {1};
    hid_t d = dset(g, o->obs[k].name, H5T_NATIVE_DOUBLE, 1, dims, th->stationary + k);
    if (d < 0) {
      rc = -1;
      break;
    }
    rc |= describe_obs(d, &o->obs[k]);
    H5Dclose(d);
    rc |= hd_h5_attach(g, o->obs[k].name, (const char *[]){"t"}, 1);
  }
  if (g >= 0) H5Gclose(g);
  return rc;
}

static int write_theory(hid_t f, const struct hd_output *o)
{
  const struct hd_theory_result *th = o->theory;
  static const char *const methods[] = {"ode", "recursion", "none", "volterra"};
  hid_t g = H5Gcreate2(f, "theory", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = hd_h5_dset1(g, "t", o->grid->t, o->grid->n);
  rc |= time_coord(g, o);
  rc |= hd_h5_attr_str(g, "method", methods[th->method]);
  rc |= hd_h5_attr_i64(g, "state_dimension", (long long)th->dimension);
  rc |= hd_h5_attr_str(g, "note", o->theory_note ? o->theory_note : "");
  for (size_t k = 0; k < o->n_obs; k++) {
    hsize_t dims[1] = {o->grid->n};
    hid_t d = dset(g, o->obs[k].name, H5T_NATIVE_DOUBLE, 1, dims, th->values + k * o->grid->n);
    if (d < 0) {
      rc = -1;
      continue;
    }
    rc |= describe_obs(d, &o->obs[k]);
    H5Dclose(d);
    rc |= hd_h5_attach(g, o->obs[k].name, (const char *[]){"t"}, 1);
    d = H5Dopen2(g, o->obs[k].name, H5P_DEFAULT);
    if (th->binning_error) rc |= hd_h5_attr_f64(d, "binning_error", th->binning_error[k]);
    H5Dclose(d);
  }
  if (th->has_stationary || th->stationary_note[0]) rc |= write_stationary(g, o);
  if (o->run->bins > 0) {
    rc |= hd_h5_attr_i64(g, "bins", o->run->bins);
    rc |= hd_h5_attr_str(
        g, "binning",
        th->binning_note[0]
            ? th->binning_note
            : "spectrum in quantile/log bins; binning_error on each observable: sup "
              "over t of the relative change when the number of bins is doubled");
  }
  H5Gclose(g);
  return rc;
}

static int write_simulation(hid_t f, const struct hd_output *o)
{
  const struct hd_mc_result *mc = o->mc;
  size_t T = mc->n_times, R = mc->runs;
  hid_t g = H5Gcreate2(f, "simulation", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = hd_h5_dset1(g, "t", o->grid->t, T);
  rc |= time_coord(g, o);
  rc |= hd_h5_index_coord(g, "run", R, "Monte Carlo run");
  hsize_t dT[1] = {T}, dR[1] = {R};
  hid_t d = dset(g, "steps", H5T_NATIVE_UINT64, 1, dT, o->grid->steps);
  if (d >= 0) H5Dclose(d);
  else rc = -1;
  d = dset(g, "count", H5T_NATIVE_LONG, 1, dT, mc->count);
  if (d >= 0) {
    rc |= hd_h5_attr_str(d, "description", "runs still finite (not diverged) at each time");
    H5Dclose(d);
  } else rc = -1;
  d = dset(g, "completed", H5T_NATIVE_INT, 1, dR, mc->completed);
  if (d >= 0) H5Dclose(d);
  else rc = -1;
  d = dset(g, "diverged", H5T_NATIVE_INT, 1, dR, mc->diverged);
  if (d >= 0) H5Dclose(d);
  else rc = -1;
  rc |= hd_h5_dset1(g, "diverged_t", mc->diverged_t, R);
  rc |= hd_h5_attr_i64(g, "runs", (long long)R);
  rc |= hd_h5_attr_i64(g, "diverged_runs", (long long)mc->n_diverged);
  rc |= hd_h5_attr_i64(g, "completed_runs", (long long)mc->n_completed);
  static const char *const along_t[] = {"steps", "count"}, *const along_run[] = {"completed",
                                                                                 "diverged",
                                                                                 "diverged_t"};
  for (size_t i = 0; i < 2; i++) rc |= hd_h5_attach(g, along_t[i], (const char *[]){"t"}, 1);
  for (size_t i = 0; i < 3; i++) rc |= hd_h5_attach(g, along_run[i], (const char *[]){"run"}, 1);
  rc |= hd_h5_cf(g, "steps", "1", "SGD steps taken at each output time");
  rc |= hd_h5_cf(g, "completed", "1", "run completed (1) or not");
  rc |= hd_h5_cf(g, "diverged", "1", "run diverged (1) or not");
  rc |= hd_h5_cf(g, "diverged_t", "1", "time t at which the run diverged (NaN: never)");
  for (size_t k = 0; k < o->n_obs; k++) {
    hid_t go = H5Gcreate2(g, o->obs[k].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    rc |= describe_obs(go, &o->obs[k]);
    const char *name = o->obs[k].name, *units = obs_units(&o->obs[k]);
    char ln[HD_NAME_MAX + 64];
    /* each group its own coordinates: xarray reads a group's variables, not its parent's */
    rc |= hd_h5_dset1(go, "t", o->grid->t, T);
    rc |= time_coord(go, o);
    if (o->run->store_runs || strcmp(o->status, "interrupted") == 0) {
      hsize_t dims[2] = {R, T};
      d = dset(go, "runs", H5T_NATIVE_DOUBLE, 2, dims, mc->values + k * R * T);
      if (d >= 0) H5Dclose(d);
      else rc = -1;
      rc |= hd_h5_index_coord(go, "run", R, "Monte Carlo run");
      rc |= hd_h5_attach(go, "runs", (const char *[]){"run", "t"}, 2);
      snprintf(ln, sizeof ln, "%s of each Monte Carlo run", name);
      rc |= hd_h5_cf(go, "runs", units, ln);
    }
    rc |= hd_h5_dset1(go, "mean", mc->mean + k * T, T);
    rc |= hd_h5_dset1(go, "stderr", mc->stderr_ + k * T, T);
    rc |= hd_h5_attach(go, "mean", (const char *[]){"t"}, 1);
    rc |= hd_h5_attach(go, "stderr", (const char *[]){"t"}, 1);
    snprintf(ln, sizeof ln, "Monte Carlo mean of %s", name);
    rc |= hd_h5_cf(go, "mean", units, ln);
    snprintf(ln, sizeof ln, "standard error of the Monte Carlo mean of %s", name);
    rc |= hd_h5_cf(go, "stderr", units, ln);
    H5Gclose(go);
  }
  H5Gclose(g);
  return rc;
}

static int write_compare(hid_t f, const struct hd_output *o)
{
  size_t T = o->grid->n;
  hid_t g = H5Gcreate2(f, "compare", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = hd_h5_dset1(g, "t", o->grid->t, T);
  rc |= time_coord(g, o);
  rc |= hd_h5_attr_str(g, "description",
                       "Monte Carlo mean minus theory: abs, rel = abs/|theory|, z = abs/stderr, "
                       "scaled = sqrt(size) abs (size: the finite-size parameter), run_rms = one "
                       "run's rms relative deviation; sup over the grid as attributes");
  double size = hd_problem_size(o->problem, o->problem_params);
  const struct hd_param *sp = hd_problem_size_param(o->problem);
  if (sp) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", sp->section, sp->key);
    rc |= hd_h5_attr_str(g, "size_parameter", key);
    rc |= hd_h5_attr_f64(g, "size", size);
  }
  size_t R = o->mc->runs;
  for (size_t k = 0; k < o->n_obs; k++) {
    struct hd_compare c;
    hd_compare_compute(o->theory->values + k * T, o->mc->mean + k * T, o->mc->stderr_ + k * T,
                       o->mc->values + k * R * T, R, T, size, &c);
    hid_t go = H5Gcreate2(g, o->obs[k].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    rc |= hd_h5_dset1(go, "abs", c.abs_err, T);
    rc |= hd_h5_dset1(go, "rel", c.rel_err, T);
    rc |= hd_h5_dset1(go, "z", c.z, T);
    rc |= hd_h5_dset1(go, "scaled", c.scaled, T);
    rc |= hd_h5_dset1(go, "run_rms", c.run_rms, T);
    rc |= hd_h5_dset1(go, "t", o->grid->t, T);
    rc |= time_coord(go, o);
    static const char *const parts[][2] = {
        {"abs", "Monte Carlo mean minus theory"},
        {"rel", "(mean - theory) / |theory|"},
        {"z", "(mean - theory) / standard error"},
        {"scaled", "sqrt(size) (mean - theory)"},
        {"run_rms", "rms over runs of (run - theory) / |theory|"}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
      rc |= hd_h5_attach(go, parts[i][0], (const char *[]){"t"}, 1);
      rc |= hd_h5_cf(go, parts[i][0], i == 0 || i == 3 ? obs_units(&o->obs[k]) : "1", parts[i][1]);
    }
    rc |= hd_h5_attr_f64(go, "sup_abs", c.sup_abs);
    rc |= hd_h5_attr_f64(go, "sup_rel", c.sup_rel);
    rc |= hd_h5_attr_f64(go, "sup_z", c.sup_z);
    rc |= hd_h5_attr_f64(go, "sup_scaled", c.sup_scaled);
    rc |= hd_h5_attr_f64(go, "sup_run_rms", c.sup_run_rms);
    H5Gclose(go);
    hd_compare_free(&c);
  }
  H5Gclose(g);
  return rc;
}

static int write_diagnostics(hid_t f, const struct hd_output *o)
{
  hid_t g = H5Gcreate2(f, "diagnostics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = 0;
  const struct hd_theory_result *th = o->theory;
  if (th) {
    rc |= hd_h5_attr_i64(g, "theory_failed", th->failed);
    rc |= hd_h5_attr_f64(g, "theory_t_fail", th->t_fail);
    rc |= hd_h5_attr_str(g, "theory_message", th->message);
    if (th->method == HD_THEORY_ODE) {
      const struct hd_integrate_stats *s = &th->stats;
      rc |= hd_h5_attr_str(g, "cvode_linear_solver", s->linsol ? s->linsol : "");
      rc |= hd_h5_attr_i64(g, "cvode_steps", s->steps);
      rc |= hd_h5_attr_i64(g, "cvode_rhs_evals", s->rhs_evals);
      rc |= hd_h5_attr_i64(g, "cvode_lin_iters", s->lin_iters);
      rc |= hd_h5_attr_i64(g, "cvode_lin_conv_fails", s->lin_conv_fails);
      rc |= hd_h5_attr_i64(g, "cvode_prec_setups", s->prec_setups);
      rc |= hd_h5_attr_i64(g, "cvode_prec_solves", s->prec_solves);
      rc |= hd_h5_attr_i64(g, "cvode_err_test_fails", s->err_test_fails);
      rc |= hd_h5_attr_i64(g, "cvode_nonlin_iters", s->nonlin_iters);
      rc |= hd_h5_attr_i64(g, "cvode_nonlin_conv_fails", s->nonlin_conv_fails);
      rc |= hd_h5_attr_f64(g, "cvode_last_step", s->last_step);
      rc |= hd_h5_attr_f64(g, "cvode_rounding_guard_t", s->t_guard);
      rc |= hd_h5_attr_i64(g, "cvode_flag", s->flag);
    }
  }
  /* Timings and thread counts live here, not next to the data, so that /theory and
   * /simulation of two runs with the same seed compare equal (h5diff) for any thread
   * count. */
  if (th) rc |= hd_h5_attr_f64(g, "theory_seconds", th->seconds);
  if (o->mc) {
    rc |= hd_h5_attr_i64(g, "simulation_threads", o->mc->threads);
    rc |= hd_h5_attr_f64(g, "simulation_seconds", o->mc->seconds);
  }
  if (o->mc) {
    size_t n = o->mc->n_diverged, j = 0;
    long long *runs = malloc((n ? n : 1) * sizeof *runs);
    double *times = malloc((n ? n : 1) * sizeof *times);
    for (size_t r = 0; r < o->mc->runs; r++)
      if (o->mc->diverged[r]) runs[j] = (long long)r, times[j++] = o->mc->diverged_t[r];
    hsize_t dims[1] = {n};
    hid_t d = dset(g, "diverged_runs", H5T_NATIVE_LLONG, 1, dims, runs);
    if (d >= 0) H5Dclose(d);
    else rc = -1;
    rc |= hd_h5_dset1(g, "diverged_times", times, n);
    free(runs);
    free(times);
  }
  size_t nw = 0;
  while (o->warnings && o->warnings[nw]) nw++;
  char *all = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&all, &len);
  for (size_t i = 0; i < nw; i++) fprintf(m, "%s\n", o->warnings[i]);
  fclose(m);
  rc |= hd_h5_attr_str(g, "warnings", all);
  free(all);
  H5Gclose(g);
  return rc;
}

int hd_h5_check_writable(const char *path, char *msg, size_t msglen)
{
  char *copy = strdup(path);
  const char *dir = dirname(copy);
  int ok = access(dir, W_OK | X_OK) == 0;
  if (!ok)
    snprintf(msg, msglen, "cannot write output file '%s': directory '%s' %s", path, dir,
             errno == ENOENT ? "does not exist" : "is not writable");
  free(copy);
  return ok ? 0 : -1;
}

static int write_output(long long f, const void *ctx)
{
  const struct hd_output *o = ctx;
  /* The problem's own post-processing (e.g. noisy_sgd's /privacy) first: when it fails
   * (it needs a theory that failed, say) the rest is still written, with status
   * theory_failed and its message in /diagnostics, never thrown away. */
  const char *status = o->status;
  char extra[512] = "";
  if (o->plan && o->problem->write_extra && strcmp(o->status, "interrupted") != 0 &&
      o->problem->write_extra(o->plan, o->run, o->grid->t, o->grid->n, (int64_t)f, extra,
                              sizeof extra) != 0) {
    /* stopped by a signal, not failed: a theory_failed file under the final name would
     * misreport it */
    if (hd_interrupted()) return HD_H5_INTERRUPTED;
    if (!extra[0]) snprintf(extra, sizeof extra, "%s: post-processing failed", o->problem->name);
    if (o->extra_failure) snprintf(o->extra_failure, o->extra_failure_len, "%s", extra);
    status = "theory_failed";
  }
  int rc = write_root(f, o, status);
  if (o->theory) rc |= write_theory(f, o);
  if (o->mc) rc |= write_simulation(f, o);
  if (o->theory && o->mc) rc |= write_compare(f, o);
  if (o->experiment && o->experiment->n_curves)
    rc |= hd_experiment_write(f, o->experiment, o->obs, o->grid->t, o->grid->n,
                              o->theory ? o->theory->values : NULL,
                              hd_problem_size(o->problem, o->problem_params),
                              o->problem->time_meaning);
  rc |= write_diagnostics(f, o);
  if (extra[0]) {
    hid_t g = H5Gopen2(f, "diagnostics", H5P_DEFAULT);
    rc |= g < 0 ? -1 : hd_h5_attr_str(g, "extra_failed", extra);
    if (g >= 0) H5Gclose(g);
  }
  return rc;
}

void hd_h5_library_init(void) { H5dont_atexit(); }

int hd_h5_write(const struct hd_output *o, char *msg, size_t msglen)
{
  return hd_h5_write_atomic(o->path, write_output, o, msg, msglen);
}

int hd_h5_write_atomic(const char *path, int (*fill)(long long file, const void *ctx),
                       const void *ctx, char *msg, size_t msglen)
{
  if (!hd_is_root()) return 0; /* under MPI only rank 0 writes */
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  H5E_auto2_t fn;
  void *fd;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  hd_interrupt_temporary(tmp);
  hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    snprintf(msg, msglen, "cannot create '%s'", tmp);
    goto out;
  }
  rc = fill(f, ctx);
  /* what the writers left undeclared gets coordinates and CF attributes, so every file
   * hdsim writes opens in netCDF and xarray */
  if (rc == 0) rc = hd_h5_complete(f);
  if (H5Fclose(f) < 0 && rc != HD_H5_INTERRUPTED) rc = -1;
  if (rc != 0) {
    if (rc == HD_H5_INTERRUPTED) snprintf(msg, msglen, "interrupted while writing '%s'", tmp);
    else snprintf(msg, msglen, "writing '%s' failed (disk full?)", tmp);
    unlink(tmp);
    goto out;
  }
  if (rename(tmp, path) != 0) {
    snprintf(msg, msglen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    unlink(tmp);
    rc = -1;
  }
out:
  hd_interrupt_temporary(NULL);
  H5Eset_auto2(H5E_DEFAULT, fn, fd);
  free(tmp);
  return rc;
}

struct sweep_ctx {
  const struct hd_output *base;
  const struct hd_sweep *sw;
  const char *const *files;
};

static int write_sweep_table(hid_t f, const struct hd_sweep *sw)
{
  hid_t g = H5Gcreate2(f, "sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  char *keys = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&keys, &len);
  for (size_t k = 0; k < sw->n_keys; k++)
    fprintf(m, "%s%s.%s", k ? "," : "", sw->keys[k].section, sw->keys[k].key);
  fclose(m);
  int rc = hd_h5_attr_str(g, "keys", keys);
  rc |= hd_h5_attr_i64(g, "n_points", (long long)sw->n_points);
  rc |= hd_h5_attr_str(g, "description",
                       "one dataset per swept key: its value at each point "
                       "(/points/K); the first key varies slowest");
  free(keys);
  size_t n = sw->n_points;
  rc |= hd_h5_index_coord(g, "point", n, "sweep point (/points/K)");
  for (size_t k = 0; k < sw->n_keys; k++) {
    const struct hd_sweep_key *key = &sw->keys[k];
    char name[160];
    snprintf(name, sizeof name, "%s.%s", key->section, key->key);
    int numeric = key->row->type == HD_INT || key->row->type == HD_REAL;
    if (numeric) {
      double *v = malloc(n * sizeof *v);
      for (size_t p = 0; p < n; p++)
        v[p] = strtod(key->values[hd_sweep_value_index(sw, p, k)], NULL);
      rc |= hd_h5_dset1(g, name, v, n);
      free(v);
      rc |= hd_h5_attach(g, name, (const char *[]){"point"}, 1);
    } else {
      const char **v = malloc(n * sizeof *v);
      for (size_t p = 0; p < n; p++) v[p] = key->values[hd_sweep_value_index(sw, p, k)];
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      hsize_t dims[1] = {n};
      hid_t d = dset(g, name, t, 1, dims, v);
      if (d >= 0) H5Dclose(d);
      else rc = -1;
      H5Tclose(t);
      free(v);
      rc |= hd_h5_attach(g, name, (const char *[]){"point"}, 1);
    }
  }
  H5Gclose(g);
  return rc;
}

static int fill_sweep(long long f, const void *vctx)
{
  const struct sweep_ctx *c = vctx;
  int rc = write_root(f, c->base, c->base->status);
  rc |= write_sweep_table(f, c->sw);
  hid_t points = H5Gcreate2(f, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

  static const char *const parts[] = {"parameters",  "theory",     "simulation", "compare",
                                      "diagnostics", "risk_parts", "privacy", /* noisy_sgd */
                                      "multiclass", /* gmm_multiclass */
                                      "experiment"};
  for (size_t p = 0; p < c->sw->n_points; p++) {
    char name[32];
    snprintf(name, sizeof name, "%zu", p);
    hid_t src = H5Fopen(c->files[p], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (src < 0) {
      rc = -1;
      break;
    }
    hid_t gp = H5Gcreate2(points, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
      if (H5Lexists(src, parts[k], H5P_DEFAULT) > 0 &&
          H5Ocopy(src, parts[k], gp, parts[k], H5P_DEFAULT, H5P_DEFAULT) < 0)
        rc = -1;
    /* H5Ocopy copies the object references of dimension scales verbatim (addresses in
     * the point's file): they are rebuilt for the copies */
    rc |= hd_h5_copy_dims(src, gp);
    /* the point's status and swept values, next to its data */
    hid_t a = H5Aopen(src, "status", H5P_DEFAULT);
    if (a >= 0) {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      char *st = NULL;
      if (H5Aread(a, t, &st) >= 0 && st) {
        rc |= hd_h5_attr_str(gp, "status", st);
        H5free_memory(st);
      }
      H5Tclose(t);
      H5Aclose(a);
    }
    char *digest = NULL;
    a = H5Aexists(src, "provenance_digest") > 0 ? H5Aopen(src, "provenance_digest", H5P_DEFAULT)
                                                : -1;
    if (a >= 0) {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      if (H5Aread(a, t, &digest) >= 0 && digest) {
        rc |= hd_h5_attr_str(gp, "provenance_digest", digest);
        H5free_memory(digest);
      }
      H5Tclose(t);
      H5Aclose(a);
    }
    for (size_t k = 0; k < c->sw->n_keys; k++) {
      const struct hd_sweep_key *key = &c->sw->keys[k];
      char attr[160];
      snprintf(attr, sizeof attr, "%s.%s", key->section, key->key);
      rc |= hd_h5_attr_str(gp, attr, key->values[hd_sweep_value_index(c->sw, p, k)]);
    }
    H5Gclose(gp);
    H5Fclose(src);
  }
  H5Gclose(points);
  if (rc == 0) rc = hd_h5_stack_sweep(f, c->base, c->sw);
  return rc;
}

int hd_h5_write_sweep(const struct hd_output *base, const struct hd_sweep *sw,
                      const char *const *point_files, char *msg, size_t msglen)
{
  struct sweep_ctx c = {.base = base, .sw = sw, .files = point_files};
  return hd_h5_write_atomic(base->path, fill_sweep, &c, msg, msglen);
}
