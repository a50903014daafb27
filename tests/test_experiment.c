/* test_experiment.c — the measured-curve reader (src/experiment.c) at the C level, so the
 * sanitizer build exercises its parsers: a CSV and an HDF5 group read to the same values,
 * runs grouped by observable in the model's order with mean and standard error, the
 * linear interpolation onto other times (exact at measured times, NaN outside), and the
 * refusals with their messages. */
#include <hdf5.h>
#include <unistd.h>

#include "experiment.h"
#include "provenance.h"
#include "testlib.h"

static const struct hd_observable obs[2] = {{.name = "risk"}, {.name = "distance"}};

static const char *tmpfile_with(const char *name, const char *text)
{
  static char path[4][256];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, sizeof path[0], "%s/hdsim_exp_%d_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (int)getpid(), name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

static int refused(const char *text, const char *want)
{
  struct hd_experiment e;
  char msg[1024] = "";
  const char *p = tmpfile_with("bad.csv", text);
  int rc = hd_experiment_read(p, NULL, obs, 2, 2.0, &e, msg, sizeof msg);
  int ok = rc == -1 && strstr(msg, want) && e.n_curves == 0;
  if (!ok) printf("  got rc %d, '%s'\n", rc, msg);
  unlink(p);
  return ok;
}

static void csv_and_h5(void)
{
  const char *csv = tmpfile_with("runs.csv", "# two runs of the risk, one of the distance\n"
                                             "t, distance, risk, risk\n"
                                             "0, 1.0, 0.5, 0.7\n"
                                             "0.5, 0.8, 0.25, 0.35   # a comment\n"
                                             "\n"
                                             "1.5, 0.4, 0.1, 0.3\n");
  struct hd_experiment e;
  char msg[1024];
  hd_provenance_inputs_reset();
  int rc = hd_experiment_read(csv, NULL, obs, 2, 2.0, &e, msg, sizeof msg);
  tl_check(rc == 0 && e.n == 3 && e.n_curves == 2 && e.curves[0].obs == 0 &&
               e.curves[0].runs == 2 && e.curves[1].obs == 1 && e.curves[1].runs == 1 &&
               strcmp(e.format, "csv") == 0 && hd_provenance_input_count() == 1,
           "CSV: 3 times, risk (2 runs) before distance (1 run) in the model's order");
  double m = e.curves[0].mean[1], se = e.curves[0].stderr_[1];
  tl_check(fabs(m - 0.3) < 1e-15 && fabs(se - 0.05) < 1e-15 && isnan(e.curves[1].stderr_[0]),
           "  mean %.3f, s.e. %.3f (s.d./sqrt 2), one run: s.e. NaN", m, se);
  /* the same numbers from an HDF5 group, risk as (runs, n), distance as (n,) ints */
  char h5[300];
  snprintf(h5, sizeof h5, "%s.h5", csv);
  hid_t f = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t g = H5Gcreate2(f, "grp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  double t[3] = {0, 0.5, 1.5}, risk[6] = {0.5, 0.25, 0.1, 0.7, 0.35, 0.3};
  int dist[3] = {1, 0, 0};
  hsize_t d1[1] = {3}, d2[2] = {2, 3};
  hid_t s1 = H5Screate_simple(1, d1, NULL), s2 = H5Screate_simple(2, d2, NULL);
  hid_t a = H5Dcreate2(g, "t", H5T_NATIVE_DOUBLE, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(a, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t);
  H5Dclose(a);
  a = H5Dcreate2(g, "risk", H5T_NATIVE_DOUBLE, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(a, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, risk);
  H5Dclose(a);
  a = H5Dcreate2(g, "distance", H5T_NATIVE_INT, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(a, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dist);
  H5Dclose(a);
  H5Sclose(s1), H5Sclose(s2), H5Gclose(g), H5Fclose(f);
  char spec[320];
  snprintf(spec, sizeof spec, "%s:/grp", h5);
  struct hd_experiment e2;
  rc = hd_experiment_read(spec, NULL, obs, 2, 2.0, &e2, msg, sizeof msg);
  int same = rc == 0 && e2.n == 3 && e2.n_curves == 2 && e2.curves[0].runs == 2;
  for (size_t k = 0; same && k < 6; k++) same = e2.curves[0].values[k] == e.curves[0].values[k];
  tl_check(same && e2.curves[1].values[0] == 1 && strcmp(e2.format, "hdf5") == 0,
           "HDF5 FILE:/grp gives the same runs (int dataset converted)%s%s", rc ? ": " : "",
           rc ? msg : "");
  /* the arrays form: t from a text vector, risk from the HDF5 dataset */
  const char *tt = tmpfile_with("t.txt", "0 0.5\n1.5\n");
  char pairs[800];
  snprintf(pairs, sizeof pairs, "t=%s, risk=%s:/grp/risk", tt, h5);
  struct hd_experiment e3;
  rc = hd_experiment_read(pairs, NULL, obs, 2, 2.0, &e3, msg, sizeof msg);
  same = rc == 0 && e3.n == 3 && e3.n_curves == 1 && e3.curves[0].runs == 2;
  for (size_t k = 0; same && k < 6; k++) same = e3.curves[0].values[k] == e.curves[0].values[k];
  tl_check(same && strcmp(e3.format, "arrays") == 0,
           "t=TEXT, risk=FILE.h5:/grp/risk: same runs%s%s", rc ? ": " : "", rc ? msg : "");
  hd_experiment_free(&e3);
  snprintf(pairs, sizeof pairs, "t=%s,risk=%s:/grp/t,distance", tt, h5);
  rc = hd_experiment_read(pairs, NULL, obs, 2, 2.0, &e3, msg, sizeof msg);
  tl_check(rc == -1 && strstr(msg, "'distance' is not NAME=ARRAY"), "  refused: %s", msg);
  snprintf(pairs, sizeof pairs, "t=%s:/grp/risk,risk=%s", h5, tt);
  rc = hd_experiment_read(pairs, NULL, obs, 2, 2.0, &e3, msg, sizeof msg);
  tl_check(rc == -1 && strstr(msg, "t must be a vector"), "  refused: %s", msg);
  unlink(tt);
  /* interpolation: exact at measured times, linear between, NaN outside */
  double tg[5] = {0, 0.25, 0.5, 1.5, 1.75}, out[5];
  hd_experiment_interp(e.t, e.curves[0].mean, e.n, tg, 5, out);
  tl_check(out[0] == 0.6 && fabs(out[1] - 0.45) < 1e-15 && out[2] == 0.3 && out[3] == 0.2 &&
               isnan(out[4]),
           "interp: %.3g %.3g %.3g %.3g %g (exact, linear, exact, exact, NaN beyond)", out[0],
           out[1], out[2], out[3], out[4]);
  hd_experiment_free(&e);
  hd_experiment_free(&e2);
  unlink(csv);
  unlink(h5);
}

static void refusals(void)
{
  tl_check(refused("t,risk,loss\n0,1,2\n", "unknown observable 'loss' (this model's observables: "
                                           "risk, distance)"),
           "unknown observable");
  tl_check(refused("time,risk\n0,1\n", "line 1: the first column must be t"), "t first");
  tl_check(refused("t,risk\n0,1\n1,x\n", "line 3, column 2: 'x' is not a number"), "not a number");
  tl_check(refused("t,risk\n0,1\n1\n", "line 3: 1 of the header's 2 columns"), "short row");
  tl_check(refused("t,risk\n0,1,2\n", "line 2: more than the 2 columns"), "long row");
  tl_check(refused("t,risk\n0,1\n3,1\n", "t[1] = 3 is beyond the horizon 2"), "beyond horizon");
  tl_check(refused("t,risk\n-1,1\n", "t[0] = -1 is negative"), "negative t");
  tl_check(refused("t,risk\n1,1\n1,2\n", "t is not strictly increasing"), "repeated t");
  tl_check(refused("t,risk\n0,nan\n", "risk at t = 0 is not finite"), "NaN value");
  tl_check(refused("t,risk\n", "no measured times"), "no rows");
  tl_check(refused("# only a comment\n", "no header line"), "no header");
  tl_check(refused("t,risk,\n0,1,2\n", "column 3 has no name"), "empty name");
  struct hd_experiment e;
  char msg[512];
  tl_check(hd_experiment_read("/nonexistent/x.h5", NULL, obs, 2, 2, &e, msg, sizeof msg) == -1 &&
               strstr(msg, "cannot read experiment file"),
           "missing file: %s", msg);
}

int main(void)
{
  (void)tl_grid, (void)tl_theory, (void)tl_session, (void)tl_session_free;
  csv_and_h5();
  refusals();
  return tl_finish();
}
