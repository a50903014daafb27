/* validate.c — finite-size ladders. */
#include "validate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "grid.h"
#include "h5dims.h"
#include "h5out.h"
#include "mc.h"
#include "memory_estimate.h"
#include "outpath.h"
#include "ranks.h"
#include "registry.h"
#include "theory.h"

#include <hdf5.h>

double hd_fit_slope(const double *x, const double *y, const double *s, size_t n, double *se)
{
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; i++) {
    double w = s ? 1.0 / (s[i] * s[i]) : 1.0;
    sw += w, sx += w * x[i], sy += w * y[i], sxx += w * x[i] * x[i], sxy += w * x[i] * y[i];
  }
  double den = sw * sxx - sx * sx;
  double b = (sw * sxy - sx * sy) / den, a = (sy - b * sx) / sw;
  if (s) {
    *se = sqrt(sw / den);
  } else {
    double rss = 0;
    for (size_t i = 0; i < n; i++) rss += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]);
    *se = n > 2 ? sqrt(rss / (double)(n - 2) * sw / den) : NAN;
  }
  return b;
}

struct rung {
  double size;
  long runs;
  double stat, stat_se; /* the fitted statistic and the s.e. of its log */
  double sup_rel_mean, sup_run_rms, sup_z, seconds;
  size_t n_times;
  double *t, *theory, *mean, *stderr_;
};

struct ladder {
  const struct hd_cli *cli;
  const struct hd_validate_opts *v;
  const struct hd_problem *pb;
  const char *model_text, *obs_name, *size_key;
  struct rung *rungs;
  size_t n;
  double slope, slope_se, expected;
};

/* One rung: the model with its size replaced.  The statistic is taken at the time where
 * it peaks; its log's standard error by the delta method over runs. */
static int run_rung(struct hd_session *base, size_t obs_index, const struct hd_validate_opts *v,
                    struct rung *r, int quiet)
{
  const struct hd_problem *pb = base->pb;
  void *params = malloc(pb->params_size);
  memcpy(params, base->params, pb->params_size);
  hd_problem_set_size(pb, params, r->size);
  struct hd_run_params run = base->run;
  run.runs = r->runs;
  struct hd_errors err;
  hd_errors_init(&err);
  pb->validate(params, &run, base->cfg, &err);
  void *plan = err.count ? NULL : pb->plan_create(params, &run, base->cfg, &err);
  int rc = 0;
  if (!plan) {
    hd_errors_print(&err, stderr);
    rc = -1;
    goto out;
  }
  char msg[256];
  struct hd_output_grid g;
  if (hd_output_grid_build(&run.times, run.horizon, pb->steps_per_time(plan), &g, msg,
                           sizeof msg)) {
    fprintf(stderr, "hdsim validate: size %g: %s\n", r->size, msg);
    rc = -1;
    goto out;
  }
  struct hd_theory_result th;
  hd_theory_run(pb, plan, &g, &run, &th);
  struct hd_mc_result mc;
  int mrc = hd_mc_run(pb, plan, &g, run.runs, run.threads, run.divergence, quiet, &mc);
  if (mrc != 0) {
    fprintf(stderr, "hdsim validate: size %g: %s\n", r->size,
            mrc < 0 ? "out of memory for the simulation" : "interrupted");
    hd_mc_result_free(&mc);
    hd_theory_result_free(&th);
    hd_output_grid_free(&g);
    rc = -1;
    goto out;
  }
  size_t T = g.n, R = mc.runs;
  const double *theory = th.values + obs_index * T, *mean = mc.mean + obs_index * T;
  const double *runs = mc.values + obs_index * R * T;
  struct hd_compare c;
  hd_compare_compute(theory, mean, mc.stderr_ + obs_index * T, runs, R, T, r->size, &c);
  r->sup_rel_mean = c.sup_rel;
  r->sup_run_rms = c.sup_run_rms;
  r->sup_z = c.sup_z;
  r->seconds = th.seconds + mc.seconds;
  /* the statistic at its peak time, and the s.e. of its logarithm */
  size_t at = 1;
  const double *series = v->fit_mean ? c.rel_err : c.run_rms;
  for (size_t j = 1; j < T; j++)
    if (fabs(series[j]) > fabs(series[at]) || !isfinite(series[at])) at = j;
  if (v->fit_mean) {
    r->stat = fabs(c.rel_err[at]);
    /* log|mean - theory| has s.e. ~ stderr / |mean - theory| */
    r->stat_se = mc.stderr_[obs_index * T + at] / fabs(mean[at] - theory[at]);
  } else {
    /* rms^2 = mean of q_r = (run - theory)^2: s.e. of log rms = s.e.(mean q) / (2 mean q) */
    double mq = 0, vq = 0;
    size_t m = 0;
    for (size_t k = 0; k < R; k++) {
      double q = runs[k * T + at] - theory[at];
      if (isfinite(q)) mq += q * q, m++;
    }
    mq /= (double)m;
    for (size_t k = 0; k < R; k++) {
      double q = runs[k * T + at] - theory[at];
      if (isfinite(q)) vq += (q * q - mq) * (q * q - mq);
    }
    vq /= (double)(m > 1 ? m - 1 : 1);
    r->stat = c.run_rms[at];
    r->stat_se = sqrt(vq / (double)m) / (2 * mq);
  }
  r->n_times = T;
  r->t = malloc(T * sizeof(double));
  r->theory = malloc(T * sizeof(double));
  r->mean = malloc(T * sizeof(double));
  r->stderr_ = malloc(T * sizeof(double));
  memcpy(r->t, g.t, T * sizeof(double));
  memcpy(r->theory, theory, T * sizeof(double));
  memcpy(r->mean, mean, T * sizeof(double));
  memcpy(r->stderr_, mc.stderr_ + obs_index * T, T * sizeof(double));
  hd_compare_free(&c);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
out:
  if (plan) pb->plan_destroy(plan);
  hd_errors_free(&err);
  free(params);
  return rc;
}

static int write_ladder(long long f, const void *ctx)
{
  const struct ladder *L = ctx;
  size_t n = L->n;
  double *col = malloc(n * sizeof *col);
  int rc = hd_h5_attr_str(f, "problem", L->pb->name);
  rc |= hd_h5_attr_str(f, "kind", "finite-size ladder (hdsim validate)");
  rc |= hd_h5_attr_str(f, "model_file", L->cli->model);
  rc |= hd_h5_attr_str(f, "model_text", L->model_text);
  rc |= hd_h5_attr_str(f, "command_line", L->cli->command_line);
  rc |= hd_h5_attr_str(f, "observable", L->obs_name);
  rc |= hd_h5_attr_str(f, "size_parameter", L->size_key);
  hid_t g = H5Gcreate2(f, "ladder", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
#define COLUMN(name, expr, desc)                                                                   \
  do {                                                                                             \
    for (size_t i = 0; i < n; i++) col[i] = (expr);                                                \
    rc |= hd_h5_dset1(g, name, col, n);                                                            \
    hid_t d_ = H5Dopen2(g, name, H5P_DEFAULT);                                                     \
    rc |= hd_h5_attr_str(d_, "description", desc);                                                 \
    H5Dclose(d_);                                                                                  \
  } while (0)
  COLUMN("size", L->rungs[i].size, "the finite-size parameter at each rung");
  COLUMN("runs", (double)L->rungs[i].runs, "Monte Carlo runs at each rung");
  COLUMN("statistic", L->rungs[i].stat, "the fitted statistic (see /fit)");
  COLUMN("statistic_log_se", L->rungs[i].stat_se, "standard error of its natural log");
  COLUMN("sup_rel_mean", L->rungs[i].sup_rel_mean, "sup_t |mean - theory| / |theory|");
  COLUMN("sup_run_rms", L->rungs[i].sup_run_rms,
         "sup_t rms over runs of (run - theory) / |theory|");
  COLUMN("sup_z", L->rungs[i].sup_z, "sup_t |mean - theory| / stderr");
  COLUMN("seconds", L->rungs[i].seconds, "time spent on the rung");
#undef COLUMN
  /* the coordinate of the rungs, named after the size key (e.g. d) */
  const char *dot = strrchr(L->size_key, '.');
  const char *coord = dot ? dot + 1 : L->size_key;
  for (size_t i = 0; i < n; i++) col[i] = L->rungs[i].size;
  rc |= hd_h5_dset1(g, coord, col, n);
  char ln[160];
  snprintf(ln, sizeof ln, "finite-size parameter %s", L->size_key);
  rc |= hd_h5_coord(g, coord, "1", ln, NULL);
  static const char *const columns[] = {
      "size",         "runs",        "statistic", "statistic_log_se",
      "sup_rel_mean", "sup_run_rms", "sup_z",     "seconds"};
  for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
    if (strcmp(columns[c], coord) != 0)
      rc |= hd_h5_attach(g, columns[c], (const char *[]){coord}, 1);
  rc |= hd_h5_cf(g, "seconds", "s", NULL);
  H5Gclose(g);
  g = H5Gcreate2(f, "fit", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  rc |= hd_h5_attr_str(g, "statistic", L->v->fit_mean ? "mean" : "fluctuation");
  rc |= hd_h5_attr_str(g, "description",
                       L->v->fit_mean
                           ? "slope of log sup_t |mean - theory|/|theory| against log size "
                             "(O(1/size) bias: expected -1 when it dominates the noise)"
                           : "slope of log (one run's rms relative deviation) against log "
                             "size (fluctuations: expected -1/2)");
  rc |= hd_h5_attr_f64(g, "slope", L->slope);
  rc |= hd_h5_attr_f64(g, "slope_se", L->slope_se);
  rc |= hd_h5_attr_f64(g, "ci95_low", L->slope - 1.96 * L->slope_se);
  rc |= hd_h5_attr_f64(g, "ci95_high", L->slope + 1.96 * L->slope_se);
  rc |= hd_h5_attr_f64(g, "expected", L->expected);
  rc |= hd_h5_attr_i64(g, "consistent", fabs(L->slope - L->expected) <= 1.96 * L->slope_se);
  H5Gclose(g);
  g = H5Gcreate2(f, "rungs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (size_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "%zu", i);
    hid_t gr = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const struct rung *r = &L->rungs[i];
    rc |= hd_h5_attr_f64(gr, "size", r->size);
    rc |= hd_h5_attr_i64(gr, "runs", r->runs);
    rc |= hd_h5_dset1(gr, "t", r->t, r->n_times);
    rc |= hd_h5_dset1(gr, "theory", r->theory, r->n_times);
    rc |= hd_h5_dset1(gr, "mean", r->mean, r->n_times);
    rc |= hd_h5_dset1(gr, "stderr", r->stderr_, r->n_times);
    H5Gclose(gr);
  }
  H5Gclose(g);
  free(col);
  return rc;
}

/* A ladder hdsim can fit: no [sweep] (one model, one size parameter varied), every size
 * and run count inside its parameter's documented range, and at least three distinct
 * sizes (two points fit any slope exactly, one fits none).  0, or -1 after a message. */
static int ladder_refused(const struct hd_session *s, const struct hd_param *sp,
                          const struct hd_validate_opts *v)
{
  if (s->sweep.n_keys) {
    fprintf(stderr,
            "hdsim validate: %s has a [sweep]; a ladder varies %s.%s of one model "
            "(remove the [sweep] section or run each point's model separately)\n",
            s->cfg->path, sp->section, sp->key);
    return -1;
  }
  size_t distinct = 0;
  for (size_t i = 0; i < v->n_sizes; i++) {
    char text[64], msg[256];
    union {
      long l;
      double d;
    } probe;
    struct hd_param row = *sp;
    row.offset = 0;
    double x = v->sizes[i];
    if (sp->type == HD_INT && (x != floor(x) || !(fabs(x) < 9.2e18))) {
      fprintf(stderr, "hdsim validate: --dims: %s.%s = %g is not an integer in range\n",
              sp->section, sp->key, x);
      return -1;
    }
    if (sp->type == HD_INT) snprintf(text, sizeof text, "%.0f", x);
    else snprintf(text, sizeof text, "%.17g", x);
    if (hd_param_parse(&row, text, &probe, msg, sizeof msg) != 0) {
      fprintf(stderr, "hdsim validate: --dims: %s.%s: %s\n", sp->section, sp->key, msg);
      return -1;
    }
    int seen = 0;
    for (size_t j = 0; j < i; j++) seen |= v->sizes[j] == x;
    distinct += !seen;
  }
  if (distinct < 3) {
    fprintf(stderr,
            "hdsim validate: --dims needs at least 3 distinct sizes to fit a slope "
            "with an error (got %zu distinct)\n",
            distinct);
    return -1;
  }
  for (size_t i = 0; v->runs && i < v->n_sizes; i++)
    if (v->runs[i] < 2 || v->runs[i] > 10000000L) {
      fprintf(stderr,
              "hdsim validate: --runs: %ld is outside [2, 10000000] (a rung needs two "
              "runs for an error bar)\n",
              v->runs[i]);
      return -1;
    }
  return 0;
}

/* Rung i's Monte Carlo runs: --runs, else the model's runs scaled by D1 / D. */
static long rung_runs(const struct hd_session *s, const struct hd_validate_opts *v, size_t i)
{
  return v->runs ? v->runs[i]
                 : (long)fmax(4.0, round((double)s->run.runs * v->sizes[0] / v->sizes[i]));
}

/* Every rung's memory estimate against what is available (or --max-memory), before the
 * first rung runs: the largest rung comes last, and a refusal after hours of the smaller
 * ones would waste them.  Estimated from each rung's parameters alone (no plan is built).
 * 0, or -1 after a message naming the rung. */
static int ladder_memory_refused(struct hd_session *base, const struct hd_validate_opts *v,
                                 const struct hd_cli *cli, const char *size_key)
{
  const struct hd_problem *pb = base->pb;
  void *params = malloc(pb->params_size);
  int refused = 0;
  for (size_t i = 0; i < v->n_sizes && !refused; i++) {
    memcpy(params, base->params, pb->params_size);
    hd_problem_set_size(pb, params, v->sizes[i]);
    struct hd_run_params run = base->run;
    run.runs = rung_runs(base, v, i);
    struct hd_errors err;
    hd_errors_init(&err);
    pb->validate(params, &run, base->cfg, &err);
    char msg[1024];
    struct hd_memory_estimate e;
    if (err.count) {
      hd_errors_print(&err, stderr);
      refused = 1;
    } else if (hd_memory_gate(pb, params, &run, base->cfg, cli->max_memory, cli->max_memory_set, &e,
                              msg, sizeof msg) != 0) {
      fprintf(stderr, "hdsim validate: %s = %g (%ld runs): %s\n", size_key, v->sizes[i], run.runs,
              msg);
      refused = 1;
    }
    hd_errors_free(&err);
  }
  free(params);
  return refused ? -1 : 0;
}

int hd_driver_validate(const struct hd_cli *cli, const struct hd_validate_opts *v)
{
  struct hd_session s;
  struct hd_cli c = *cli;
  c.validate_only = 1;
  int rc = hd_session_prepare(&s, NULL, &c);
  if (rc) hd_errors_print(&s.err, stderr);
  if (!hd_ranks_agree(rc == 0, "to prepare the model")) {
    hd_session_free(&s);
    return rc ? rc : HD_EXIT_BAD_INPUT;
  }
  const struct hd_param *sp = hd_problem_size_param(s.pb);
  if (!sp || !s.run.simulate || s.run.method == HD_THEORY_NONE) {
    fprintf(stderr, "hdsim validate: %s\n",
            !sp ? "this problem declares no finite-size parameter"
                : "a ladder needs both theory and simulation enabled");
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }
  if (ladder_refused(&s, sp, v) != 0) {
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }
  char size_key[128];
  snprintf(size_key, sizeof size_key, "%s.%s", sp->section, sp->key);
  struct hd_memory_estimate e0;
  char msg0[1024];
  int gate = hd_memory_gate(s.pb, s.params, &s.run, s.cfg, cli->max_memory, cli->max_memory_set,
                            &e0, msg0, sizeof msg0);
  if (gate != 0) /* the model as given: its plan names the observables */
    fprintf(stderr, "hdsim validate: %s = %g as given: %s\n", size_key,
            hd_problem_size(s.pb, s.params), msg0);
  if (gate != 0 || ladder_memory_refused(&s, v, cli, size_key) != 0) {
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }
  /* the observable: primary by default; names are known once a plan exists */
  struct hd_errors err;
  hd_errors_init(&err);
  void *plan0 = s.pb->plan_create(s.params, &s.run, s.cfg, &err);
  if (!plan0) {
    hd_errors_print(&err, stderr);
    hd_errors_free(&err);
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }
  const struct hd_observable *obs;
  size_t n_obs = s.pb->observables(plan0, &obs), obs_index = 0;
  char obs_name[HD_NAME_MAX];
  if (v->observable) {
    while (obs_index < n_obs && strcmp(obs[obs_index].name, v->observable) != 0) obs_index++;
    if (obs_index == n_obs) {
      fprintf(stderr, "hdsim validate: --observable %s: not an observable of %s (", v->observable,
              s.pb->name);
      for (size_t k = 0; k < n_obs; k++) fprintf(stderr, "%s%s", k ? ", " : "", obs[k].name);
      fprintf(stderr, ")\n");
      s.pb->plan_destroy(plan0);
      hd_errors_free(&err);
      hd_session_free(&s);
      return HD_EXIT_BAD_INPUT;
    }
  }
  snprintf(obs_name, sizeof obs_name, "%s", obs[obs_index].name);
  s.pb->plan_destroy(plan0);
  hd_errors_free(&err);

  char msg[1024];
  char *path;
  if (cli->output) path = hd_path_join(cli->output, "");
  else {
    const char *base = strrchr(cli->model, '/');
    base = base ? base + 1 : cli->model;
    const char *dot = strrchr(base, '.');
    char *stem = strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
    char *dir = hd_path_join("out/", stem ? stem : "model");
    path = hd_path_join(dir, "_ladder.h5");
    free(stem);
    free(dir);
    if (mkdir("out", 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "hdsim: cannot create directory 'out': %s\n", strerror(errno));
      free(path);
      hd_session_free(&s);
      return HD_EXIT_BAD_INPUT;
    }
  }
  struct hd_outlock lock = {NULL, -1};
  int path_ok = hd_outpath_check(path, cli->model, msg, sizeof msg) == 0 &&
                (!hd_is_root() || hd_outlock_acquire(&lock, path, msg, sizeof msg) == 0);
  if (!path_ok) fprintf(stderr, "hdsim validate: %s\n", msg);
  if (!hd_ranks_agree(path_ok, "to open the output")) {
    hd_outlock_release(&lock);
    free(path);
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }

  struct ladder L = {.cli = cli,
                     .v = v,
                     .pb = s.pb,
                     .model_text = s.cfg->text,
                     .obs_name = obs_name,
                     .size_key = size_key,
                     .n = v->n_sizes,
                     .expected = v->fit_mean ? -1.0 : -0.5};
  L.rungs = calloc(v->n_sizes, sizeof *L.rungs);
  rc = 0;
  for (size_t i = 0; i < v->n_sizes && rc == 0; i++) {
    struct rung *r = &L.rungs[i];
    r->size = v->sizes[i];
    r->runs = rung_runs(&s, v, i);
    if (run_rung(&s, obs_index, v, r, cli->quiet) != 0) rc = HD_EXIT_BAD_INPUT;
    else if (!cli->quiet)
      printf(
          "%s = %-10g runs %-6ld %s %.4g (log s.e. %.3f)  sup rel. mean error %.3g  sup |z| %.2f  "
          "[%.2g s]\n",
          size_key, r->size, r->runs, v->fit_mean ? "mean error" : "run rms", r->stat, r->stat_se,
          r->sup_rel_mean, r->sup_z, r->seconds);
  }
  if (rc == 0) {
    double *x = malloc(L.n * sizeof *x), *y = malloc(L.n * sizeof *y), *e = malloc(L.n * sizeof *e);
    for (size_t i = 0; i < L.n; i++) {
      x[i] = log(L.rungs[i].size);
      y[i] = log(L.rungs[i].stat);
      e[i] = L.rungs[i].stat_se;
    }
    L.slope = hd_fit_slope(x, y, e, L.n, &L.slope_se);
    free(x), free(y), free(e);
    if (hd_h5_write_atomic(path, write_ladder, &L, msg, sizeof msg) != 0) {
      fprintf(stderr, "hdsim validate: %s\n", msg);
      rc = HD_EXIT_USAGE;
    } else if (!cli->quiet) {
      printf("%s: slope of the %s error against %s: %.3f +- %.3f (95%%: [%.3f, %.3f]); "
             "expected %.1f: %s\n",
             path, v->fit_mean ? "mean" : "fluctuation", size_key, L.slope, 1.96 * L.slope_se,
             L.slope - 1.96 * L.slope_se, L.slope + 1.96 * L.slope_se, L.expected,
             fabs(L.slope - L.expected) <= 1.96 * L.slope_se ? "consistent" : "NOT consistent");
    }
  }
  for (size_t i = 0; i < L.n; i++) {
    free(L.rungs[i].t), free(L.rungs[i].theory), free(L.rungs[i].mean), free(L.rungs[i].stderr_);
  }
  free(L.rungs);
  hd_outlock_release(&lock);
  free(path);
  hd_session_free(&s);
  return rc;
}
