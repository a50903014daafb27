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
#include "mc.h"
#include "memory_estimate.h"
#include "outpath.h"
#include "plural.h"
#include "progress.h"
#include "provenance.h"
#include "ranks.h"
#include "registry.h"
#include "run_params.h"
#include "spectrum.h"
#include "theory.h"
#include "threads.h"
#include "work_estimate.h"

void hd_session_free(struct hd_session *s)
{
  if (s->plan) s->pb->plan_destroy(s->plan);
  hd_experiment_free(&s->experiment);
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

/* The memory a point needs, from its parameters alone, against what is available (or
 * --max-memory): refused before plan_create allocates anything.  Adds the reason to err. */
static void memory_gate(struct hd_session *s, const struct hd_cli *cli,
                        const struct hd_run_params *run, const void *params, struct hd_errors *err,
                        struct hd_memory_estimate *e)
{
  char msg[1024];
  int rc = hd_memory_gate(s->pb, params, run, s->cfg, cli->max_memory, cli->max_memory_set, e, msg,
                          sizeof msg);
  if (rc == -2) hd_config_error(s->cfg, err, "output", "times", "%s", msg);
  else if (rc != 0) hd_errors_addf(err, "hdsim: %s", msg);
}

/* A command-line value for an engine key goes through the key's own row: the same range
 * as in a model file. */
static void override_run_key(struct hd_session *s, const char *section, const char *key,
                             const char *option, long value)
{
  for (size_t i = 0; i < hd_run_param_count; i++) {
    const struct hd_param *row = &hd_run_param_table[i];
    if (strcmp(row->section, section) != 0 || strcmp(row->key, key) != 0) continue;
    char text[32], msg[256];
    snprintf(text, sizeof text, "%ld", value);
    if (hd_param_parse(row, text, &s->run, msg, sizeof msg) != 0)
      hd_errors_addf(&s->err, "%s: %s", option, msg);
    return;
  }
}

/* The measured curves of --experiment or [output] experiment (the model file's key
 * resolves against its directory), checked against the plan's observables and the
 * horizon; their bytes join the provenance record. */
static void read_experiment(struct hd_session *s, const struct hd_cli *cli)
{
  char msg[1024];
  const char *spec = cli->experiment ? cli->experiment : s->run.experiment;
  if (!spec[0]) return;
  const struct hd_observable *obs;
  size_t n_obs = s->pb->observables(s->plan, &obs);
  if (hd_experiment_read(spec, cli->experiment ? NULL : s->cfg, obs, n_obs, s->run.horizon,
                         &s->experiment, msg, sizeof msg) == 0)
    return;
  if (cli->experiment) hd_errors_addf(&s->err, "--experiment: %s", msg);
  else hd_config_error(s->cfg, &s->err, "output", "experiment", "%s", msg);
}

int hd_session_prepare(struct hd_session *s, struct hd_config *cfg, const struct hd_cli *cli)
{
  memset(s, 0, sizeof *s);
  hd_errors_init(&s->err);
  hd_provenance_inputs_reset();
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
  if (cli->seed_set) override_run_key(s, "model", "seed", "--seed", cli->seed);
  if (cli->threads_set) override_run_key(s, "simulation", "threads", "--threads", cli->threads);
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
      struct hd_memory_estimate e;
      if (!perr.count && !cli->validate_only) memory_gate(s, cli, &run, params, &perr, &e);
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
  /* the model as given (a sweep's base, whose plan is built below, or one point) */
  if (!s->err.count && !cli->validate_only)
    memory_gate(s, cli, &s->run, s->params, &s->err, &s->gate);
  if (s->err.count) return HD_EXIT_BAD_INPUT;

  if (cli->validate_only) return 0;
  /* the thread limit holds from the plan on (plans may call BLAS or OpenMP) */
  hd_threads_set(s->run.threads);
  hd_progress_init(cli->quiet);
  hd_interrupt_planning(1);
  s->plan = s->pb->plan_create(s->params, &s->run, s->cfg, &s->err);
  hd_interrupt_planning(0);
  if (!s->plan || s->err.count) return HD_EXIT_BAD_INPUT;
  read_experiment(s, cli);
  return s->err.count ? HD_EXIT_BAD_INPUT : 0;
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

/* What `check` adds to validation, before it says ok: the output grid and the memory
 * estimate against what is available (a run would refuse the same way).  0, or
 * HD_EXIT_BAD_INPUT after the reason; grid->n = 0 for a sweep (each point is gated before
 * its plan, in hd_session_prepare). */
static int check_sizes(const struct hd_cli *cli, struct hd_session *s, struct hd_output_grid *grid,
                       struct hd_memory_estimate *e)
{
  char msg[1024];
  memset(grid, 0, sizeof *grid);
  if (s->sweep.n_keys) return 0;
  if (hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), grid, msg,
                           sizeof msg) != 0) {
    hd_config_error(s->cfg, &s->err, "output", "times", "%s", msg);
    hd_errors_print(&s->err, stderr);
    return HD_EXIT_BAD_INPUT;
  }
  hd_memory_estimate(s->pb, s->plan, &s->run, grid->n, e);
  if (hd_memory_check(e, cli->max_memory, cli->max_memory_set, msg, sizeof msg) != 0) {
    fprintf(stderr, "hdsim: %s\n", msg);
    return HD_EXIT_BAD_INPUT;
  }
  return 0;
}

/* ok only once every check passed; then the plan (--plan), the grid and the estimates. */
int hd_driver_check(const struct hd_cli *cli)
{
  struct hd_session s;
  struct hd_output_grid grid = {0};
  struct hd_memory_estimate e;
  int rc = hd_session_prepare(&s, NULL, cli);
  if (rc) hd_errors_print(&s.err, stderr);
  else rc = check_sizes(cli, &s, &grid, &e);
  if (rc == 0 && !cli->quiet) {
    const struct hd_observable *obs;
    size_t n = s.pb->observables(s.plan, &obs);
    printf("%s: ok (problem %s, %zu %s", s.cfg->path, s.pb->name, n,
           hd_plural(n, "observable", "observables"));
    for (size_t k = 0; k < n; k++) printf("%s%s", k ? ", " : ": ", obs[k].name);
    printf(")\n");
    const char *note = s.pb->theory_note ? s.pb->theory_note(s.plan) : NULL;
    if (note) printf("note: %s\n", note);
  }
  if (rc == 0 && cli->print_plan) {
    if (s.pb->plan_print) s.pb->plan_print(s.plan, stdout);
    else printf("plan: problem %s does not describe its plan\n", s.pb->name);
  }
  if (rc == 0 && grid.n) {
    if (!cli->quiet) {
      printf("output times: %zu\n", grid.n);
      hd_memory_print(&e, stdout);
    }
    if (cli->print_plan) {
      const struct hd_memory_estimate *pre = &s.gate;
      char t[64], u[64];
      hd_memory_human(pre->total, t, sizeof t);
      hd_memory_human(pre->in_use, u, sizeof u);
      printf("memory before planning: about %s (estimated from the parameters alone, the gate: "
             "in use with the plan %s, theory %zu bytes, results %zu, %zu threads x %zu)\n",
             t, u, pre->theory, pre->results, pre->threads, pre->per_thread);
      struct hd_work_estimate w;
      hd_work_estimate(s.pb, s.plan, &s.run, &grid, &w);
      hd_work_print(&w, stdout);
    }
  }
  hd_output_grid_free(&grid);
  hd_session_free(&s);
  return rc;
}

/* out/<stem>.h5 for a model file dir/stem.ini (malloc'd). */
static char *default_output(const char *model)
{
  if (strcmp(model, "-") == 0) model = "stdin";
  const char *base = strrchr(model, '/');
  base = base ? base + 1 : model;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *stem = strndup(base, n);
  if (!stem) abort();
  char *dir = hd_path_join("out/", stem), *out = hd_path_join(dir, ".h5");
  free(stem);
  free(dir);
  return out;
}

/* The output name (-o, [output] file, or out/<stem>.h5), checked before any work: not a
 * directory, not the model or an input file, a writable directory, nothing truncated.
 * NULL after printing why (*rc set). */
static char *output_path(const struct hd_cli *cli, struct hd_session *s, int *rc)
{
  char msg[1024];
  char *path;
  if (cli->output) path = hd_path_join(cli->output, "");
  else if (s->run.file[0]) path = hd_path_join(s->run.file, "");
  else {
    path = default_output(cli->model);
    if (mkdir("out", 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "hdsim: cannot create directory 'out': %s\n", strerror(errno));
      free(path);
      *rc = HD_EXIT_BAD_INPUT;
      return NULL;
    }
  }
  int dash = strcmp(path, "-") == 0; /* [output] file = -; the command line refuses -o - */
  if (dash)
    snprintf(msg, sizeof msg,
             "cannot write to standard output: HDF5 needs a seekable file "
             "(give a file name)");
  if (dash || hd_outpath_check(path, cli->model, msg, sizeof msg) != 0) {
    if (cli->output || !s->run.file[0]) fprintf(stderr, "hdsim: -o: %s\n", msg);
    else {
      hd_config_error(s->cfg, &s->err, "output", "file", "%s", msg);
      hd_errors_print(&s->err, stderr);
    }
    free(path);
    *rc = HD_EXIT_BAD_INPUT;
    return NULL;
  }
  return path;
}

/* The memory the run needs against what is available (or --max-memory). */
static int memory_fits(const struct hd_cli *cli, const struct hd_session *s, size_t n_times)
{
  struct hd_memory_estimate e;
  char msg[1024];
  hd_memory_estimate(s->pb, s->plan, &s->run, n_times, &e);
  if (hd_memory_check(&e, cli->max_memory, cli->max_memory_set, msg, sizeof msg) == 0) return 1;
  fprintf(stderr, "hdsim: %s\n", msg);
  return 0;
}

/* A finished sweep point's file is reused on --resume only if it was computed from this
 * point's inputs and its data pass their checksums.  Its exit code, or -1 to recompute
 * (no file), or HD_EXIT_BAD_INPUT after a message. */
static int reuse_point(const char *path, const struct hd_provenance *prov)
{
  char msg[1024], status[64];
  if (access(path, F_OK) != 0) return -1;
  if (hd_h5_verify_finished(path, prov, status, sizeof status, msg, sizeof msg) != 0) {
    fprintf(stderr, "hdsim: --resume: %s\n", msg);
    return HD_EXIT_BAD_INPUT;
  }
  return strcmp(status, "complete") == 0 ? HD_EXIT_OK : HD_EXIT_NUMERICAL;
}

/* The output name, locked against a second writer (a sweep's points run under the sweep's
 * lock).  NULL after a message (*rc set). */
static char *claim_output(const struct hd_cli *cli, struct hd_session *s, struct hd_outlock *lock,
                          int *rc)
{
  char *path = output_path(cli, s, rc);
  if (path && !cli->sweep_point_set && hd_is_root()) {
    char msg[1024];
    if (hd_outlock_acquire(lock, path, msg, sizeof msg) != 0) {
      fprintf(stderr, "hdsim: %s\n", msg);
      free(path);
      path = NULL;
      *rc = HD_EXIT_USAGE;
    }
  }
  return path;
}

/* Under MPI every rank must have its output and have read the same model (equal
 * provenance digests); otherwise every rank stops.  0 with *rc set, or 1. */
static int ranks_share_output(int have_path, const struct hd_provenance *prov, int *rc)
{
  if (!hd_ranks_agree(have_path, "to open the output")) {
    *rc = *rc ? *rc : HD_EXIT_BAD_INPUT;
    return 0;
  }
  if (hd_ranks.size > 1 && !hd_ranks.same_text(prov->digest)) {
    if (hd_is_root())
      fprintf(stderr, "hdsim-mpi: the ranks read different models (parameters, seed or input "
                      "files differ: provenance digests disagree); every rank stops\n");
    *rc = HD_EXIT_BAD_INPUT;
    return 0;
  }
  return 1;
}

static int run_sweep(const struct hd_cli *cli, struct hd_session *s, const char *path,
                     const struct hd_provenance *prov);
static int run_single(const struct hd_cli *cli, struct hd_session *s, const char *path,
                      const struct hd_provenance *prov);

int hd_driver_run(const struct hd_cli *cli)
{
  struct hd_session s;
  int rc = hd_session_prepare(&s, NULL, cli);
  if (rc) hd_errors_print(&s.err, stderr);
  if (!hd_ranks_agree(rc == 0, "to prepare the model")) {
    hd_session_free(&s);
    return rc ? rc : HD_EXIT_BAD_INPUT;
  }
  struct hd_outlock lock = {NULL, -1};
  char *path = claim_output(cli, &s, &lock, &rc);
  struct hd_provenance prov = {0};
  if (path)
    hd_provenance_build(&prov, s.pb, s.params, &s.run,
                        s.sweep.n_keys && !cli->sweep_point_set ? &s.sweep : NULL);
  if (ranks_share_output(path != NULL, &prov, &rc)) {
    rc = cli->reuse_finished ? reuse_point(path, &prov) : -1; /* a finished sweep point */
    if (rc == -1)
      rc = s.sweep.n_keys && !cli->sweep_point_set ? run_sweep(cli, &s, path, &prov)
                                                   : run_single(cli, &s, path, &prov);
  }
  hd_provenance_free(&prov);
  hd_outlock_release(&lock);
  free(path);
  hd_session_free(&s);
  return rc;
}

/* One run from its plan to its file, as named steps over the pieces they share. */
struct single_run {
  const struct hd_cli *cli;
  struct hd_session *s; /* borrowed: freed by the caller */
  const char *path;
  const struct hd_provenance *prov;
  struct hd_output_grid grid;
  const struct hd_observable *obs;
  size_t n_obs;
  const char *note;        /* the problem's theory note, or NULL */
  char *partial;           /* where an interrupted run is written */
  const char *resume_from; /* the file --resume continues, or NULL */
  struct hd_mc_result mc;
  struct hd_theory_result th;
  int have_theory, theory_failed, interrupted;
  const char *status;
};

static void single_free(struct single_run *r)
{
  hd_theory_result_free(&r->th);
  hd_mc_result_free(&r->mc);
  hd_output_grid_free(&r->grid);
  free(r->partial);
}

/* A simulation estimated at more than an hour is announced, not refused
 * (work_estimate.h); a short trial decides, and only where the work could be that long. */
static void long_run_note(const struct hd_session *s, const struct hd_output_grid *g)
{
  if (hd_work_bound(s->pb, s->plan, &s->run, g) < HD_WORK_TRIAL_FLOOR) return;
  struct hd_work_estimate w;
  hd_work_estimate(s->pb, s->plan, &s->run, g, &w);
  if (!w.measured || w.seconds < 3600) return;
  char t[64];
  hd_work_human(w.seconds / hd_ranks.size, t, sizeof t);
  fprintf(stderr,
          "hdsim: note: the simulation will take about %s (%.3g steps over all runs, timed on "
          "run 0); Ctrl-C keeps the finished runs and --resume continues\n",
          t, w.steps);
}

/* The output grid, and the memory the run needs against what is available. */
static int single_grid(struct single_run *r)
{
  struct hd_session *s = r->s;
  char msg[1024];
  if (hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), &r->grid,
                           msg, sizeof msg) != 0) {
    hd_config_error(s->cfg, &s->err, "output", "times", "%s", msg);
    hd_errors_print(&s->err, stderr);
    return HD_EXIT_BAD_INPUT;
  }
  if (!hd_ranks_agree(memory_fits(r->cli, s, r->grid.n), "the memory check"))
    return HD_EXIT_BAD_INPUT;
  r->note = s->pb->theory_note ? s->pb->theory_note(s->plan) : NULL;
  if (r->note && !r->cli->quiet) fprintf(stderr, "hdsim: note: %s\n", r->note);
  if (!r->cli->quiet) long_run_note(s, &r->grid);
  r->n_obs = s->pb->observables(s->plan, &r->obs);
  return 0;
}

/* An interrupted run is written to OUT.partial unless the user asked to keep it under the
 * final name: a file under the final name is always a finished result otherwise.  With
 * --resume, the file to continue. */
static int single_resume_source(struct single_run *r)
{
  r->partial = hd_path_join(r->path, r->cli->keep_partial ? "" : ".partial");
  if (!r->cli->resume) return 0;
  if (access(r->partial, R_OK) == 0) r->resume_from = r->partial;
  else if (access(r->path, R_OK) == 0) r->resume_from = r->path; /* written with --keep-partial */
  else {
    fprintf(stderr,
            "hdsim: --resume: no interrupted run to continue (neither %s.partial "
            "nor %s exists)\n",
            r->path, r->path);
    return HD_EXIT_BAD_INPUT;
  }
  return 0;
}

/* The Monte Carlo result arrays, filled from the partial file when resuming: before the
 * theory, so a refused resume costs none. */
static int single_load_partial(struct single_run *r)
{
  struct hd_session *s = r->s;
  char msg[1024];
  if (!s->run.simulate) return 0;
  if (hd_mc_alloc(&r->mc, s->pb, s->plan, &r->grid, s->run.runs) != 0) {
    fprintf(stderr, "hdsim: out of memory for %ld runs x %zu times x %zu observables\n",
            s->run.runs, r->grid.n, r->n_obs);
    return HD_EXIT_USAGE;
  }
  if (!r->resume_from) return 0;
  struct hd_output expect = {.model_text = s->cfg->text,
                             .run = &s->run,
                             .grid = &r->grid,
                             .obs = r->obs,
                             .n_obs = r->n_obs,
                             .provenance = r->prov};
  long loaded = hd_h5_read_partial(r->resume_from, &expect, &r->mc, msg, sizeof msg);
  if (!hd_ranks_agree(loaded >= 0, "to resume")) {
    if (loaded < 0) fprintf(stderr, "hdsim: --resume: %s\n", msg);
    return HD_EXIT_BAD_INPUT;
  }
  if (!r->cli->quiet)
    fprintf(stderr, "hdsim: resuming from %s: %ld of %ld %s already done\n", r->resume_from, loaded,
            s->run.runs, hd_plural(s->run.runs, "run", "runs"));
  return 0;
}

/* The theory on the grid; a failure is reported and kept (the simulation still runs). */
static void single_theory(struct single_run *r)
{
  struct hd_session *s = r->s;
  r->have_theory = s->run.method != HD_THEORY_NONE;
  if (!r->have_theory) return;
  r->theory_failed = hd_theory_run(s->pb, s->plan, &r->grid, &s->run, &r->th) != 0;
  if (r->theory_failed && !hd_interrupted()) {
    const struct hd_param *sp = hd_problem_size_param(s->pb);
    if (sp)
      fprintf(stderr, "hdsim: theory failed (problem %s, %s = %g): %s\n", s->pb->name, sp->key,
              hd_problem_size(s->pb, s->params), r->th.message);
    else fprintf(stderr, "hdsim: theory failed (problem %s): %s\n", s->pb->name, r->th.message);
  } else if (!r->theory_failed && s->run.bins > 0 && !hd_interrupted()) {
    hd_theory_binning_error(s->pb, s->params, &s->run, s->cfg, &r->grid, &r->th);
    if (r->th.binning_note[0] && !r->cli->quiet)
      fprintf(stderr, "hdsim: note: %s\n", r->th.binning_note);
    else if (r->th.binning_error && !r->cli->quiet)
      fprintf(stderr, "hdsim: %ld bins: estimated binning error of %s %.2g (from %ld bins)\n",
              s->run.bins, r->obs[0].name, r->th.binning_error[0], 2 * s->run.bins);
  }
}

/* The Monte Carlo runs not yet done; divergences are reported and kept. */
static int single_simulate(struct single_run *r)
{
  struct hd_session *s = r->s;
  r->interrupted = hd_interrupted();
  if (!s->run.simulate) return 0;
  int mc_rc = hd_mc_execute(&r->mc, s->pb, s->plan, &r->grid, s->run.threads, s->run.divergence,
                            r->cli->quiet);
  r->interrupted = mc_rc == 1 || hd_interrupted();
  if (mc_rc < 0) {
    fprintf(stderr, "hdsim: out of memory for a simulation thread's run state (%zu bytes)\n",
            s->pb->sim_state_size(s->plan));
    return HD_EXIT_USAGE;
  }
  if (r->mc.n_diverged) {
    size_t first = 0;
    while (!r->mc.diverged[first]) first++;
    fprintf(stderr,
            "hdsim: %zu of %zu %s diverged (first: run %zu at t = %g; [simulation] "
            "divergence = %g)\n",
            r->mc.n_diverged, r->mc.runs, hd_plural((long long)r->mc.runs, "run", "runs"), first,
            r->mc.diverged_t[first], s->run.divergence);
  }
  return 0;
}

/* Everything finished, under the final name or (interrupted) the partial one.  The
 * writer's status is r->status; 0 or HD_EXIT_USAGE after a message. */
static int single_write(struct single_run *r)
{
  struct hd_session *s = r->s;
  const struct hd_cli *cli = r->cli;
  char msg[1024];
  r->status = r->interrupted                          ? "interrupted"
              : r->theory_failed                      ? "theory_failed"
              : (s->run.simulate && r->mc.n_diverged) ? "diverged"
                                                      : "complete";
  const char *warnings[3] = {NULL, NULL, NULL};
  size_t nw = 0;
  if (r->note) warnings[nw++] = r->note;
  char extra_failure[512] = "";
  struct hd_output out = {.path = r->interrupted ? r->partial : r->path,
                          .status = r->status,
                          .command_line = cli->command_line,
                          .model_path = cli->model,
                          .model_text = s->cfg->text,
                          .problem = s->pb,
                          .problem_params = s->params,
                          .plan = s->plan,
                          .run = &s->run,
                          .grid = &r->grid,
                          .obs = r->obs,
                          .n_obs = r->n_obs,
                          .theory = r->have_theory ? &r->th : NULL,
                          .mc = s->run.simulate ? &r->mc : NULL,
                          .theory_note = r->note,
                          .warnings = warnings,
                          .provenance = r->prov,
                          .experiment = &s->experiment,
                          .extra_failure = extra_failure,
                          .extra_failure_len = sizeof extra_failure};
  int wrc = hd_h5_write(&out, msg, sizeof msg);
  if (wrc == HD_H5_INTERRUPTED) {
    /* a signal stopped the problem's post-processing: the rest is finished and is kept as
     * an interrupted run (--resume redoes the post-processing only) */
    r->interrupted = 1;
    out.status = r->status = "interrupted";
    out.path = r->partial;
    wrc = hd_h5_write(&out, msg, sizeof msg);
  }
  if (extra_failure[0]) {
    fprintf(stderr, "hdsim: %s (the rest is written; status theory_failed)\n", extra_failure);
    if (!r->interrupted) r->status = "theory_failed";
  }
  if (wrc != 0) {
    fprintf(stderr, "hdsim: %s\n", msg);
    return HD_EXIT_USAGE;
  }
  if (r->interrupted && !cli->sweep_point_set) {
    fprintf(stderr,
            "hdsim: interrupted by signal %d: %zu of %ld %s completed, written to %s; "
            "continue with: hdsim run %s --resume%s%s\n",
            (int)hd_interrupt_signal, r->mc.n_completed, s->run.runs,
            hd_plural(s->run.runs, "run", "runs"), r->partial, cli->model,
            cli->output ? " -o " : "", cli->output ? cli->output : "");
  } else if (!r->interrupted) {
    if (r->resume_from && strcmp(r->resume_from, r->path) != 0 && hd_is_root())
      unlink(r->resume_from);
  }
  return 0;
}

/* One line for a finished run: status, times, and how far the simulation's mean of the
 * first observable is from the theory. */
static void single_summary(const struct single_run *r)
{
  const struct hd_session *s = r->s;
  printf("%s: %s", r->path, r->status);
  if (r->have_theory) printf(", theory %.3g s", r->th.seconds);
  if (s->run.simulate)
    printf(", simulation %ld %s in %.3g s (%ld %s)", s->run.runs,
           hd_plural(s->run.runs, "run", "runs"), r->mc.seconds, r->mc.threads,
           hd_plural(r->mc.threads, "thread", "threads"));
  if (r->have_theory && s->run.simulate) {
    double sup = 0;
    for (size_t j = 0; j < r->grid.n; j++) {
      double rel = fabs(r->mc.mean[j] - r->th.values[j]) / fabs(r->th.values[j]);
      if (isfinite(rel)) sup = fmax(sup, rel);
    }
    printf(", sup rel. error of %s %.3g", r->obs[0].name, sup);
  }
  const struct hd_experiment *e = &s->experiment;
  if (r->have_theory && e->n_curves) {
    /* the first measured observable, on the theory's times (as /compare/experiment_*) */
    const struct hd_experiment_curve *cv = &e->curves[0];
    double *m = malloc(r->grid.n * sizeof *m), sup = 0;
    if (!m) abort();
    hd_experiment_interp(e->t, cv->mean, e->n, r->grid.t, r->grid.n, m);
    for (size_t j = 0; j < r->grid.n; j++) {
      double rel = fabs(m[j] - r->th.values[cv->obs * r->grid.n + j]) /
                   fabs(r->th.values[cv->obs * r->grid.n + j]);
      if (isfinite(rel)) sup = fmax(sup, rel);
    }
    printf(", experiment's sup rel. error of %s %.3g", r->obs[cv->obs].name, sup);
    free(m);
  }
  printf("\n");
}

static int run_single(const struct hd_cli *cli, struct hd_session *s, const char *path,
                      const struct hd_provenance *prov)
{
  struct single_run r = {.cli = cli, .s = s, .path = path, .prov = prov};
  int rc = single_grid(&r);
  if (rc == 0) {
    hd_interrupt_install();
    rc = single_resume_source(&r);
  }
  if (rc == 0) rc = single_load_partial(&r);
  if (rc == 0) {
    single_theory(&r);
    rc = single_simulate(&r);
  }
  if (rc == 0) rc = single_write(&r);
  if (rc == 0 && !r.interrupted && !cli->quiet) single_summary(&r);
  if (rc == 0)
    rc = r.interrupted                       ? HD_EXIT_INTERRUPTED
         : strcmp(r.status, "complete") == 0 ? HD_EXIT_OK
                                             : HD_EXIT_NUMERICAL;
  single_free(&r);
  return rc;
}

/* A sweep runs each point as an ordinary run into PATH.points/point_K.h5 (so an
 * interrupted sweep resumes point by point), then gathers the points into one file. */

/* Point P's command line: its own output, resumed from its partial file if there is one,
 * else reused if finished (checked against its provenance). */
static struct hd_cli sweep_point_cli(const struct hd_cli *cli, size_t p, const char *file)
{
  char *part = hd_path_join(file, ".partial");
  struct hd_cli c = *cli;
  c.output = file;
  c.sweep_point_set = 1;
  c.sweep_point = p;
  c.keep_partial = 0;
  c.resume = cli->resume && access(part, R_OK) == 0;
  c.reuse_finished = cli->resume && !c.resume;
  free(part);
  return c;
}

static void print_sweep_point(const struct hd_sweep *sw, size_t p)
{
  printf("sweep point %zu/%zu:", p + 1, sw->n_points);
  for (size_t k = 0; k < sw->n_keys; k++) {
    const struct hd_sweep_key *key = &sw->keys[k];
    printf(" %s.%s = %s", key->section, key->key, key->values[hd_sweep_value_index(sw, p, k)]);
  }
  printf("\n");
  fflush(stdout);
}

/* The finished points into one file; the point files go once it is written.  WORST is
 * the worst point's exit code (0 or HD_EXIT_NUMERICAL). */
static int gather_sweep(const struct hd_cli *cli, struct hd_session *s, const char *path,
                        const struct hd_provenance *prov, const char *dir, char **files, int worst)
{
  char msg[1024];
  size_t n = s->sweep.n_points;
  const struct hd_observable *obs;
  size_t n_obs = s->pb->observables(s->plan, &obs);
  struct hd_output base = {.path = path,
                           .status = worst == HD_EXIT_OK ? "complete" : "numerical_trouble",
                           .command_line = cli->command_line,
                           .model_path = cli->model,
                           .model_text = s->cfg->text,
                           .problem = s->pb,
                           .problem_params = s->params,
                           .run = &s->run,
                           .obs = obs,
                           .n_obs = n_obs,
                           .provenance = prov};
  if (hd_h5_write_sweep(&base, &s->sweep, (const char *const *)files, msg, sizeof msg) != 0) {
    fprintf(stderr, "hdsim: %s\n", msg);
    return HD_EXIT_USAGE;
  }
  if (hd_is_root()) {
    for (size_t p = 0; p < n; p++) unlink(files[p]);
    rmdir(dir);
  }
  if (!cli->quiet)
    printf("%s: sweep of %zu %s%s\n", path, n, hd_plural((long long)n, "point", "points"),
           worst == HD_EXIT_OK ? "" : " (some diverged or failed: see /points/K)");
  return worst;
}

static int run_sweep(const struct hd_cli *cli, struct hd_session *s, const char *path,
                     const struct hd_provenance *prov)
{
  char *dir = hd_path_join(path, ".points");
  if (hd_is_root() && mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "hdsim: cannot create '%s': %s\n", dir, strerror(errno));
    free(dir);
    return HD_EXIT_USAGE;
  }
  size_t n = s->sweep.n_points;
  char **files = calloc(n, sizeof *files);
  if (!files) abort();
  int worst = HD_EXIT_OK, rc = HD_EXIT_OK;
  for (size_t p = 0; p < n && rc == HD_EXIT_OK; p++) {
    char name[64];
    snprintf(name, sizeof name, "/point_%zu.h5", p);
    files[p] = hd_path_join(dir, name);
    struct hd_cli c = sweep_point_cli(cli, p, files[p]);
    if (!cli->quiet) print_sweep_point(&s->sweep, p);
    int prc = hd_driver_run(&c);
    if (prc == HD_EXIT_INTERRUPTED) {
      fprintf(stderr,
              "hdsim: sweep interrupted at point %zu of %zu; finished points are kept in "
              "%s/; continue with: hdsim run %s --resume%s%s\n",
              p + 1, n, dir, cli->model, cli->output ? " -o " : "", cli->output ? cli->output : "");
      rc = HD_EXIT_INTERRUPTED;
    } else if (prc == HD_EXIT_NUMERICAL) {
      worst = HD_EXIT_NUMERICAL;
    } else if (prc != HD_EXIT_OK) {
      if (prc == HD_EXIT_BAD_INPUT && cli->resume)
        fprintf(stderr,
                "hdsim: sweep point %zu of %zu cannot be resumed; remove %s/ to start "
                "the sweep afresh\n",
                p + 1, n, dir);
      rc = prc;
    }
  }
  if (rc == HD_EXIT_OK) rc = gather_sweep(cli, s, path, prov, dir, files, worst);
  for (size_t p = 0; p < n; p++) free(files[p]);
  free(files);
  free(dir);
  return rc;
}
