/* driver.c — model file → validated parameters → plan → theory + simulation → HDF5. */
#include "driver.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "grid.h"
#include "h5out.h"
#include "interrupt.h"
#include "ranks.h"
#include "mc.h"
#include "plural.h"
#include "progress.h"
#include "threads.h"
#include "registry.h"
#include "run_params.h"
#include "spectrum.h"
#include "theory.h"

void hd_session_free(struct hd_session *s)
{
  if (s->plan) s->pb->plan_destroy(s->plan);
  free(s->params);
  hd_config_free(s->cfg);
  hd_errors_free(&s->err);
}

static void list_problems(char *buf, size_t len)
{
  buf[0] = '\0';
  for (size_t i = 0; i < hd_registry_count(); i++) {
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", i ? ", " : "", hd_registry_at(i)->name);
  }
}

/* Cross-field checks of the engine's own keys, then the problem's. */
static void validate_point(struct hd_session *s, const struct hd_run_params *run,
                           const void *params, struct hd_errors *err)
{
  const struct hd_grid *tg = &run->times;
  if (tg->kind != HD_GRID_AUTO && tg->b > run->horizon * (1 + 1e-12))
    hd_config_error(s->cfg, err, "output", "times",
                    "last output time %g is beyond [simulation] horizon %g", tg->b, run->horizon);
  if (run->method == HD_THEORY_ODE && !s->pb->ode)
    hd_config_error(s->cfg, err, "theory", "method", "problem '%s' has no ODE limit", s->pb->name);
  if (run->method == HD_THEORY_RECURSION && !s->pb->recursion_step)
    hd_config_error(s->cfg, err, "theory", "method", "problem '%s' has no exact recursion",
                    s->pb->name);
  if (run->method == HD_THEORY_VOLTERRA && !s->pb->volterra)
    hd_config_error(s->cfg, err, "theory", "method", "problem '%s' has no Volterra (renewal) form",
                    s->pb->name);
  if (run->method == HD_THEORY_NONE && !run->simulate)
    hd_config_error(s->cfg, err, "theory", "method",
                    "method = none with [simulation] enabled = false leaves nothing to do");
  s->pb->validate(params, run, s->cfg, err);
}

int hd_session_prepare(struct hd_session *s, struct hd_config *cfg, const struct hd_cli *cli)
{
  memset(s, 0, sizeof *s);
  hd_errors_init(&s->err);
  s->cfg = cfg ? cfg : hd_config_load(cli->model, &s->err);
  if (!s->cfg) return HD_EXIT_BAD_INPUT;
  hd_config_bind(s->cfg, hd_run_param_table, hd_run_param_count, &s->run, &s->err);
  s->pb = hd_registry_find(s->run.problem);
  if (!s->pb) {
    if (s->run.problem[0] != '\0' || hd_config_has(s->cfg, "model", "problem")) {
      char known[512];
      list_problems(known, sizeof known);
      hd_config_error(s->cfg, &s->err, "model", "problem", "unknown problem '%s' (known: %s)",
                      s->run.problem, known);
    }
    /* Unknown keys would be noise when the problem table is not known. */
    return HD_EXIT_BAD_INPUT;
  }
  s->params = calloc(1, s->pb->params_size);
  hd_spectrum_default_d(s->cfg, s->pb->params, s->pb->n_params);
  hd_config_bind(s->cfg, s->pb->params, s->pb->n_params, s->params, &s->err);
  hd_sweep_parse(s->cfg, s->pb, &s->sweep, &s->err);
  hd_config_check_unused(s->cfg, &s->err);
  if (cli->seed_set) s->run.seed = cli->seed;
  if (cli->threads_set) s->run.threads = cli->threads;
  if (s->err.count) return HD_EXIT_BAD_INPUT;

  if (cli->sweep_point_set) {
    hd_sweep_apply(&s->sweep, cli->sweep_point, &s->run, s->params);
    validate_point(s, &s->run, s->params, &s->err);
  } else if (s->sweep.n_keys) {
    /* every point must be valid before the first one runs */
    struct hd_run_params run;
    void *params = malloc(s->pb->params_size);
    for (size_t p = 0; p < s->sweep.n_points; p++) {
      struct hd_errors perr;
      hd_errors_init(&perr);
      run = s->run;
      memcpy(params, s->params, s->pb->params_size);
      hd_sweep_apply(&s->sweep, p, &run, params);
      validate_point(s, &run, params, &perr);
      for (size_t k = 0; k < perr.count; k++) {
        char where[512] = "";
        for (size_t j = 0; j < s->sweep.n_keys; j++) {
          size_t n = strlen(where);
          const struct hd_sweep_key *key = &s->sweep.keys[j];
          snprintf(where + n, sizeof where - n, "%s%s.%s = %s", j ? ", " : "", key->section,
                   key->key, key->values[hd_sweep_value_index(&s->sweep, p, j)]);
        }
        hd_errors_addf(&s->err, "%s (at sweep point %zu: %s)", perr.msg[k], p, where);
      }
      hd_errors_free(&perr);
    }
    free(params);
  } else {
    validate_point(s, &s->run, s->params, &s->err);
  }
  if (s->err.count) return HD_EXIT_BAD_INPUT;

  if (cli->validate_only) return 0;
  /* the thread limit holds from the plan on (plans may call BLAS or OpenMP) */
  hd_threads_set(s->run.threads);
  hd_progress_init(cli->quiet);
  s->plan = s->pb->plan_create(s->params, &s->run, s->cfg, &s->err);
  if (!s->plan || s->err.count) return HD_EXIT_BAD_INPUT;
  return 0;
}

int hd_session_from_text(struct hd_session *s, const char *name, const char *text)
{
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string(name, text, &err);
  struct hd_cli cli = {.model = name};
  int rc = cfg ? hd_session_prepare(s, cfg, &cli) : HD_EXIT_BAD_INPUT;
  if (!cfg) {
    memset(s, 0, sizeof *s);
    hd_errors_init(&s->err);
  }
  if (rc != 0) {
    hd_errors_print(&err, stderr);
    hd_errors_print(&s->err, stderr);
  }
  hd_errors_free(&err);
  return rc;
}

int hd_driver_check(const struct hd_cli *cli)
{
  struct hd_session s;
  int rc = hd_session_prepare(&s, NULL, cli);
  if (rc) {
    hd_errors_print(&s.err, stderr);
  } else if (!cli->quiet) {
    const struct hd_observable *obs;
    size_t n = s.pb->observables(s.plan, &obs);
    printf("%s: ok (problem %s, %zu %s", s.cfg->path, s.pb->name, n,
           hd_plural(n, "observable", "observables"));
    for (size_t k = 0; k < n; k++) printf("%s%s", k ? ", " : ": ", obs[k].name);
    printf(")\n");
    const char *note = s.pb->theory_note ? s.pb->theory_note(s.plan) : NULL;
    if (note) printf("note: %s\n", note);
  }
  hd_session_free(&s);
  return rc;
}

/* out/<stem>.h5 for a model file dir/stem.ini. */
static void default_output(const char *model, char *out, size_t len)
{
  if (strcmp(model, "-") == 0) model = "stdin";
  const char *base = strrchr(model, '/');
  base = base ? base + 1 : model;
  const char *dot = strrchr(base, '.');
  int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  snprintf(out, len, "out/%.*s.h5", n, base);
}

static int run_sweep(const struct hd_cli *cli, struct hd_session *s, const char *path);

int hd_driver_run(const struct hd_cli *cli)
{
  struct hd_session s;
  int rc = hd_session_prepare(&s, NULL, cli);
  if (rc) {
    hd_errors_print(&s.err, stderr);
    hd_session_free(&s);
    return rc;
  }
  char path[HD_STR_MAX * 2], msg[1024];
  if (cli->output) snprintf(path, sizeof path, "%s", cli->output);
  else if (s.run.file[0]) snprintf(path, sizeof path, "%s", s.run.file);
  else {
    default_output(cli->model, path, sizeof path);
    if (mkdir("out", 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "hdsim: cannot create directory 'out': %s\n", strerror(errno));
      hd_session_free(&s);
      return HD_EXIT_BAD_INPUT;
    }
  }
  if (strcmp(path, "-") == 0) /* [output] file = -; the command line refuses -o - itself */
    snprintf(msg, sizeof msg, "cannot write to standard output: HDF5 needs a seekable file "
             "(give a file name)");
  if (strcmp(path, "-") == 0 || hd_h5_check_writable(path, msg, sizeof msg) != 0) {
    if (cli->output) fprintf(stderr, "hdsim: -o: %s\n", msg);
    else {
      hd_config_error(s.cfg, &s.err, "output", "file", "%s", msg);
      hd_errors_print(&s.err, stderr);
    }
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }

  if (s.sweep.n_keys && !cli->sweep_point_set) {
    rc = run_sweep(cli, &s, path);
    hd_session_free(&s);
    return rc;
  }

  struct hd_output_grid grid;
  if (hd_output_grid_build(&s.run.times, s.run.horizon, s.pb->steps_per_time(s.plan), &grid,
                           msg, sizeof msg) != 0) {
    hd_config_error(s.cfg, &s.err, "output", "times", "%s", msg);
    hd_errors_print(&s.err, stderr);
    hd_session_free(&s);
    return HD_EXIT_BAD_INPUT;
  }

  const char *note = s.pb->theory_note ? s.pb->theory_note(s.plan) : NULL;
  if (note && !cli->quiet) fprintf(stderr, "hdsim: note: %s\n", note);
  const struct hd_observable *obs;
  size_t n_obs = s.pb->observables(s.plan, &obs);

  hd_interrupt_install();
  /* An interrupted run is written to OUT.partial unless the user asked to keep it under
   * the final name: a file under the final name is always a finished result otherwise. */
  char partial[sizeof path + 16];
  snprintf(partial, sizeof partial, cli->keep_partial ? "%s" : "%s.partial", path);
  const char *resume_from = NULL;
  if (cli->resume) {
    if (access(partial, R_OK) == 0) resume_from = partial;
    else if (access(path, R_OK) == 0) resume_from = path; /* written with --keep-partial */
    else {
      fprintf(stderr, "hdsim: --resume: no interrupted run to continue (neither %s.partial "
              "nor %s exists)\n", path, path);
      hd_output_grid_free(&grid);
      hd_session_free(&s);
      return HD_EXIT_BAD_INPUT;
    }
  }

  struct hd_theory_result th = {0};
  int have_theory = s.run.method != HD_THEORY_NONE;
  int theory_failed = 0;
  if (have_theory) {
    theory_failed = hd_theory_run(s.pb, s.plan, &grid, &s.run, &th) != 0;
    if (theory_failed)
    {
      const struct hd_param *sp = hd_problem_size_param(s.pb);
      if (sp)
        fprintf(stderr, "hdsim: theory failed (problem %s, %s = %g): %s\n", s.pb->name, sp->key,
                hd_problem_size(s.pb, s.params), th.message);
      else
        fprintf(stderr, "hdsim: theory failed (problem %s): %s\n", s.pb->name, th.message);
    }
    else if (s.run.bins > 0 && !hd_interrupted()) {
      hd_theory_binning_error(s.pb, s.params, &s.run, s.cfg, &grid, &th);
      if (th.binning_note[0] && !cli->quiet) fprintf(stderr, "hdsim: note: %s\n", th.binning_note);
      else if (th.binning_error && !cli->quiet)
        fprintf(stderr, "hdsim: %ld bins: estimated binning error of %s %.2g (from %ld bins)\n",
                s.run.bins, obs[0].name, th.binning_error[0], 2 * s.run.bins);
    }
  }
  struct hd_mc_result mc = {0};
  int interrupted = hd_interrupted();
  if (s.run.simulate) {
    hd_mc_alloc(&mc, s.pb, s.plan, &grid, s.run.runs);
    if (resume_from) {
      struct hd_output expect = {.model_text = s.cfg->text, .run = &s.run, .grid = &grid,
                                 .obs = obs, .n_obs = n_obs};
      long loaded = hd_h5_read_partial(resume_from, &expect, &mc, msg, sizeof msg);
      if (loaded < 0) {
        fprintf(stderr, "hdsim: --resume: %s\n", msg);
        if (have_theory) hd_theory_result_free(&th);
        hd_mc_result_free(&mc);
        hd_output_grid_free(&grid);
        hd_session_free(&s);
        return HD_EXIT_BAD_INPUT;
      }
      if (!cli->quiet)
        fprintf(stderr, "hdsim: resuming from %s: %ld of %ld %s already done\n", resume_from,
                loaded, s.run.runs, hd_plural(s.run.runs, "run", "runs"));
    }
    interrupted = hd_mc_execute(&mc, s.pb, s.plan, &grid, s.run.threads, s.run.divergence,
                                cli->quiet) != 0 || hd_interrupted();
  }
  if (s.run.simulate && mc.n_diverged) {
    size_t first = 0;
    while (!mc.diverged[first]) first++;
    fprintf(stderr,
            "hdsim: %zu of %zu %s diverged (first: run %zu at t = %g; [simulation] "
            "divergence = %g)\n",
            mc.n_diverged, mc.runs, hd_plural((long long)mc.runs, "run", "runs"), first, mc.diverged_t[first], s.run.divergence);
  }

  const char *status = interrupted ? "interrupted"
                       : theory_failed ? "theory_failed"
                       : (s.run.simulate && mc.n_diverged) ? "diverged" : "complete";
  const char *warnings[3] = {NULL, NULL, NULL};
  size_t nw = 0;
  if (note) warnings[nw++] = note;
  struct hd_output out = {.path = interrupted ? partial : path, .status = status, .command_line = cli->command_line,
                          .model_path = cli->model, .model_text = s.cfg->text,
                          .problem = s.pb, .problem_params = s.params, .plan = s.plan,
                          .run = &s.run,
                          .grid = &grid, .obs = obs, .n_obs = n_obs,
                          .theory = have_theory ? &th : NULL,
                          .mc = s.run.simulate ? &mc : NULL, .theory_note = note,
                          .warnings = warnings};
  int wrc = hd_h5_write(&out, msg, sizeof msg);
  if (wrc != 0) fprintf(stderr, "hdsim: %s\n", msg);
  else if (interrupted && !cli->sweep_point_set) {
    fprintf(stderr, "hdsim: interrupted by signal %d: %zu of %ld %s completed, written to %s; "
            "continue with: hdsim run %s --resume%s%s\n", (int)hd_interrupt_signal,
            mc.n_completed, s.run.runs, hd_plural(s.run.runs, "run", "runs"), partial, cli->model, cli->output ? " -o " : "",
            cli->output ? cli->output : "");
  } else {
    if (resume_from && strcmp(resume_from, path) != 0 && hd_is_root()) unlink(resume_from);
  }
  if (wrc == 0 && !interrupted && !cli->quiet) {
    printf("%s: %s", path, status);
    if (have_theory) printf(", theory %.3g s", th.seconds);
    if (s.run.simulate) printf(", simulation %ld %s in %.3g s (%ld %s)", s.run.runs,
                               hd_plural(s.run.runs, "run", "runs"), mc.seconds, mc.threads,
                               hd_plural(mc.threads, "thread", "threads"));
    if (have_theory && s.run.simulate) {
      double sup = 0;
      size_t T = grid.n;
      for (size_t j = 0; j < T; j++) {
        double r = fabs(mc.mean[j] - th.values[j]) / fabs(th.values[j]);
        if (isfinite(r)) sup = fmax(sup, r);
      }
      printf(", sup rel. error of %s %.3g", obs[0].name, sup);
    }
    printf("\n");
  }
  if (have_theory) hd_theory_result_free(&th);
  if (s.run.simulate) hd_mc_result_free(&mc);
  hd_output_grid_free(&grid);
  hd_session_free(&s);
  if (wrc != 0) return HD_EXIT_USAGE;
  if (interrupted) return HD_EXIT_INTERRUPTED;
  return strcmp(status, "complete") == 0 ? HD_EXIT_OK : HD_EXIT_NUMERICAL;
}

/* A sweep runs each point as an ordinary run into PATH.points/point_K.h5 (so an
 * interrupted sweep resumes point by point), then gathers the points into one file. */
static int run_sweep(const struct hd_cli *cli, struct hd_session *s, const char *path)
{
  char dir[HD_STR_MAX * 2 + 16], msg[1024];
  snprintf(dir, sizeof dir, "%s.points", path);
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "hdsim: cannot create '%s': %s\n", dir, strerror(errno));
    return HD_EXIT_USAGE;
  }
  size_t n = s->sweep.n_points;
  char **files = calloc(n, sizeof *files);
  int worst = HD_EXIT_OK, rc = HD_EXIT_OK;
  for (size_t p = 0; p < n && rc == HD_EXIT_OK; p++) {
    files[p] = malloc(sizeof dir + 32);
    snprintf(files[p], sizeof dir + 32, "%s/point_%zu.h5", dir, p);
    char part[sizeof dir + 48];
    snprintf(part, sizeof part, "%s.partial", files[p]);
    if (cli->resume && access(files[p], R_OK) == 0 && access(part, F_OK) != 0) continue;
    struct hd_cli c = *cli;
    c.output = files[p];
    c.sweep_point_set = 1;
    c.sweep_point = p;
    c.keep_partial = 0;
    c.resume = cli->resume && access(part, R_OK) == 0;
    if (!cli->quiet) {
      printf("sweep point %zu/%zu:", p + 1, n);
      for (size_t k = 0; k < s->sweep.n_keys; k++) {
        const struct hd_sweep_key *key = &s->sweep.keys[k];
        printf(" %s.%s = %s", key->section, key->key, key->values[hd_sweep_value_index(&s->sweep, p, k)]);
      }
      printf("\n");
      fflush(stdout);
    }
    int prc = hd_driver_run(&c);
    if (prc == HD_EXIT_INTERRUPTED) {
      fprintf(stderr, "hdsim: sweep interrupted at point %zu of %zu; finished points are kept in "
              "%s/; continue with: hdsim run %s --resume%s%s\n", p + 1, n, dir, cli->model,
              cli->output ? " -o " : "", cli->output ? cli->output : "");
      rc = HD_EXIT_INTERRUPTED;
    } else if (prc == HD_EXIT_NUMERICAL) {
      worst = HD_EXIT_NUMERICAL;
    } else if (prc != HD_EXIT_OK) {
      rc = prc;
    }
  }
  if (rc == HD_EXIT_OK) {
    const struct hd_observable *obs;
    size_t n_obs = s->pb->observables(s->plan, &obs);
    struct hd_output base = {.path = path, .status = worst == HD_EXIT_OK ? "complete" : "numerical_trouble",
                             .command_line = cli->command_line, .model_path = cli->model,
                             .model_text = s->cfg->text, .problem = s->pb,
                             .problem_params = s->params, .run = &s->run, .obs = obs,
                             .n_obs = n_obs};
    if (hd_h5_write_sweep(&base, &s->sweep, (const char *const *)files, msg, sizeof msg) != 0) {
      fprintf(stderr, "hdsim: %s\n", msg);
      rc = HD_EXIT_USAGE;
    } else {
      if (hd_is_root()) {
        for (size_t p = 0; p < n; p++) unlink(files[p]);
        rmdir(dir);
      }
      if (!cli->quiet) printf("%s: sweep of %zu %s%s\n", path, n, hd_plural((long long)n, "point", "points"),
                              worst == HD_EXIT_OK ? "" : " (some diverged or failed: see /points/K)");
      rc = worst;
    }
  }
  for (size_t p = 0; p < n; p++) free(files[p]);
  free(files);
  return rc;
}
