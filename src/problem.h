/* problem.h — the one interface every problem family implements.
 *
 * A problem is an ops table (cf. SUNDIALS' N_Vector ops): required entries first, then
 * optional ones; hd_registry_check() verifies at start-up that every registered problem
 * has the required ones.  The engine (CVODE driver, ensemble runner, HDF5 writer,
 * comparison) only talks to problems through this table.
 *
 * Life cycle, FFTW style — plan once, execute many:
 *   params   ← model file, through the problem's parameter table (one source of truth)
 *   validate(params)                    cross-field checks, errors name file/line/key
 *   plan = plan_create(params, run)     spectra, targets, quadrature: everything shared
 *   theory:     ode() → hd_ode_system, integrated by CVODE on the output grid
 *               or recursion_* (an exact discrete-time theory), stepped to each output
 *   simulation: sim_* per run, advanced step by step, observed at the output grid
 *   plan_destroy(plan)
 */
#ifndef HDSIM_PROBLEM_H
#define HDSIM_PROBLEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "grid.h"
#include "integrate.h"
#include "params.h"
#include "run_params.h"

#define HD_NAME_MAX 64

/* What problem->stationary found (below). */
enum hd_stationary_kind {
  HD_STATIONARY_NONE = 0,
  HD_STATIONARY_CLOSED = 1,
  HD_STATIONARY_FIXED_POINT = 2
};
#define HD_DESC_MAX 160

struct hd_observable {
  char name[HD_NAME_MAX];        /* e.g. "risk"; the HDF5 dataset name */
  char description[HD_DESC_MAX]; /* one line */
  char unit[32];                 /* "" when dimensionless */
  int log_x, log_y;              /* plot hints from the spec */
};

/* What a run of given parameters will hold, known from the parameters alone (memory_need):
 * the gate that refuses an oversized model before plan_create allocates anything.  Each
 * figure rounds up rather than down; the plan's own figures (plan_bytes, sim_state_size)
 * may refine it later but must not be far above it. */
struct hd_memory_need {
  size_t plan;   /* bytes the plan holds (its largest transient allocation included) */
  size_t theory; /* working bytes of the theory solve: state, solver, Jacobian */
  size_t state;  /* one simulation run's state (sim_state_size) */
  size_t thread; /* a simulation thread's bytes beyond its run state */
  size_t n_obs;  /* observables (an upper bound where the plan decides) */
  double steps_per_time;
};

struct hd_problem {
  /* ==== required: identity and parameters ==== */
  const char *name;       /* registry key, e.g. "streaming_lsq" */
  const char *summary;    /* one line for `hdsim list` */
  const char *theory_doc; /* the family's theory document, e.g. "docs/theory/lsq.md" */
  /* What the time t of the outputs counts, for the `t` coordinate's description, the
   * root attribute time_unit and plot labels, e.g. "t = SGD steps x batch / d". */
  const char *time_meaning;
  const struct hd_param *params;
  size_t n_params;
  size_t params_size; /* sizeof the problem's parameter struct */

  /* Cross-field validation after binding.  Adds errors through hd_config_error. */
  void (*validate)(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                   struct hd_errors *err);

  /* ==== required: the memory a run needs, from its parameters alone ==== */
  /* Called after validate and before plan_create; allocates nothing of the plan's size
   * (it may read a spectrum file's length where that sets the size).  memory_estimate.h
   * has the default theory figure for a state of n values (hd_memory_theory_bytes). */
  void (*memory_need)(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_memory_need *need);

  /* ==== required: plan and observables ==== */
  /* Builds the shared plan; returns NULL with a message in err on failure (e.g. an
   * unreadable spectrum file). */
  void *(*plan_create)(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err);
  void (*plan_destroy)(void *plan);

  /* Observables (fixed after plan_create).  The first one is the primary observable,
   * watched for divergence. */
  size_t (*observables)(const void *plan, const struct hd_observable **obs);

  /* SGD steps per unit of time t (t = steps / steps_per_time; d for one-pass SGD). */
  double (*steps_per_time)(const void *plan);

  /* ==== optional: the plan made visible (FFTW's fftw_print_plan) ==== */
  /* Prints what will run, a line per item ("state: 2 x 1000 values", "solver: BDF,
   * GMRES", ...), for `hdsim check --plan`. */
  void (*plan_print)(const void *plan, FILE *out);
  /* Bytes the plan holds, and bytes of working memory per theory solve and per
   * simulation thread beyond sim_state_size, for the memory estimate. */
  size_t (*plan_bytes)(const void *plan, size_t *theory_bytes, size_t *thread_bytes);

  /* ==== optional: theory (at least one of ode / recursion / volterra) ==== */

  /* Fills sys and y0 (sys->dimension values, allocated by the engine after asking
   * ode_dimension) for the deterministic limit. */
  size_t (*ode_dimension)(const void *plan);
  int (*ode)(void *plan, struct hd_ode_system *sys, double *y0);
  /* Observables read off the ODE state at time t. */
  void (*ode_observe)(const void *plan, double t, const double *y, double *out);

  /* Exact discrete-time theory (e.g. the finite-d moment recursion NS-2): state size,
   * initial state, one step k → k+1, observables. */
  size_t (*recursion_dimension)(const void *plan);
  void (*recursion_init)(const void *plan, double *state);
  void (*recursion_step)(const void *plan, uint64_t k, double *state);
  void (*recursion_observe)(const void *plan, const double *state, double *out);

  /* The d -> infinity limit solved as a Volterra convolution equation instead of an
   * ODE ([theory] method = volterra; streaming_lsq / noisy_sgd with a constant learning
   * rate).  Fills values[obs * g->n + time] on the output grid; returns 0, or -1 with a
   * message. */
  int (*volterra)(void *plan, const struct hd_run_params *run, const struct hd_output_grid *g,
                  double *values, char *msg, size_t msglen);

  /* The observables at t = infinity.  Returns
   *   HD_STATIONARY_CLOSED      out[o] for every observable in closed form (NaN: none for
   *                             that one, +inf: it grows without bound), note naming the
   *                             formula and its label;
   *   HD_STATIONARY_FIXED_POINT the limit ODE is autonomous for this model but has no
   *                             closed form: the engine finds its stable fixed point from
   *                             the integrated trajectory's last state (src/fixed_point.c)
   *                             and observes there (note: optional, what the ODE is);
   *   HD_STATIONARY_NONE        none for this model, the reason in note (e.g. a decaying
   *                             schedule).
   * Written as /theory/stationary beside a d -> infinity theory (ode, volterra). */
  int (*stationary)(const void *plan, double *out, char *note, size_t notelen);

  /* Why the limit may not apply (e.g. the decaying power law is outside the ODE
   * regime): a note written to the output, or NULL. */
  const char *(*theory_note)(const void *plan);

  /* ==== optional: simulation ==== */
  size_t (*sim_state_size)(const void *plan); /* bytes of per-run state */
  /* Sets the run's initial state (its own random streams are keyed by (seed, run)). */
  void (*sim_start)(const void *plan, uint64_t run, void *state);
  /* Advances steps [k0, k1).  Returns 0, or non-zero if the run produced a non-finite
   * value (then *bad_step tells where). */
  int (*sim_advance)(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
  void (*sim_observe)(const void *plan, const void *state, double *out);

  /* ==== optional: results beyond the observables ==== */
  /* Post-processing that is neither an observable on the grid nor a simulation, e.g.
   * the privacy-loss curves of noisy_sgd computed from the theory: the problem writes
   * its own groups into the open HDF5 file `h5file` (an hid_t) before it is closed.
   * Returns 0, or -1 with a message (the output is then not written). */
  int (*write_extra)(void *plan, const struct hd_run_params *run, const double *grid_t,
                     size_t n_times, int64_t h5file, char *msg, size_t msglen);
};

#endif
