/* memory_estimate.h — the memory a run will need, estimated before it allocates, and
 * refused when it exceeds what the machine (or its cgroup) has available.
 *
 * Twice: before the plan from the parameters alone (the problem's memory_need: the gate,
 * so that an oversized model is refused before its plan allocates anything), and after
 * the plan from the plan's own figures (closer: the resident memory is measured).
 *
 *   in use      resident memory with the plan built: measured after planning
 *               (/proc/self/statm), or before it the resident memory now plus the plan's
 *               bytes from memory_need
 *   theory      the solver's state and work: the problem's figure (plan_bytes, or
 *               memory_need), else ~24 vectors of the state dimension (CVODE's BDF
 *               history, error weights, Krylov or Newton work), plus n^2 doubles twice
 *               for the dense solver
 *   results     runs x times x observables doubles (every run is kept until written),
 *               the per-time means and errors, per-run records
 *   threads     per worker thread: its run state (page-rounded) and the problem's
 *               per-thread figure
 *   run-time    library, thread and HDF5 writer buffers (measured: ~6 MiB, plus two
 *               4 MiB chunks when the stored runs are that large)
 *   total       in use + run-time + results + the larger of theory and threads (the
 *               theory's work is freed before the simulation starts)
 * Every product is overflow-checked: a size that does not fit in 64 bits is refused as
 * too large, never wrapped. */
#ifndef HDSIM_MEMORY_ESTIMATE_H
#define HDSIM_MEMORY_ESTIMATE_H

#include <stddef.h>
#include <stdio.h>

#include "problem.h"

struct hd_memory_estimate {
  size_t in_use, runtime, theory, results, per_thread, threads, total;
  int overflow; /* a product did not fit: total is SIZE_MAX */
};

/* After the plan: the problem's plan_bytes, sim_state_size and state dimension, with
 * in_use measured.  n_times: points of the output grid. */
void hd_memory_estimate(const struct hd_problem *pb, const void *plan,
                        const struct hd_run_params *run, size_t n_times,
                        struct hd_memory_estimate *e);

/* Before the plan, from the parameters alone (the problem's memory_need): in_use is the
 * resident memory now plus the plan's bytes (twice with [theory] bins > 0, which builds a
 * second plan for the binning error). */
void hd_memory_estimate_params(const struct hd_problem *pb, const void *params,
                               const struct hd_run_params *run, size_t n_times,
                               const struct hd_memory_need *need, struct hd_memory_estimate *e);

/* The gate before plan_create: the output grid at the problem's steps per unit time, the
 * estimate from the parameters, and the check against max_bytes (as hd_memory_check).
 * 0 when it fits; -1 with a message when it does not; -2 with the grid's message when the
 * output times cannot be built. */
int hd_memory_gate(const struct hd_problem *pb, const void *params, const struct hd_run_params *run,
                   const struct hd_config *cfg, size_t max_bytes, int max_given,
                   struct hd_memory_estimate *e, char *msg, size_t msglen);

/* The theory's working bytes for a state of n values when a problem has no closer figure:
 * ~24 vectors (CVODE's BDF history, error weights, Krylov or Newton work), and n^2
 * doubles twice for the dense solver. */
size_t hd_memory_theory_bytes(size_t n, const struct hd_run_params *run);

/* A byte count computed in double (where products of user sizes may not fit), saturated:
 * SIZE_MAX (refused as too large) when it does not fit in size_t. */
size_t hd_memory_bytes(double bytes);

/* A CVODE solve's bytes on n values with the linear solver the integrator will pick
 * (integrate.c: auto is woodbury when the problem has a structured Jacobian of blocks of
 * `block` values plus a rank-`rank` term, dense up to 64 values, else GMRES). */
size_t hd_memory_ode_bytes(size_t n, size_t block, size_t rank, int structured, int linear_solver);

/* Bytes available to this process: MemAvailable, lowered by a cgroup v2 memory.max
 * (less memory.current) when one applies.  SIZE_MAX when unknown. */
size_t hd_memory_available(void);

/* Parses --max-memory: "4G", "512M", "1000000" (bytes), "0" (no check).  0 or -1. */
int hd_memory_parse(const char *text, size_t *bytes);

/* Returns 0 when the estimate fits under max_bytes (0: hd_memory_available()), else -1
 * with a message. */
int hd_memory_check(const struct hd_memory_estimate *e, size_t max_bytes, int max_given, char *msg,
                    size_t msglen);

/* "1.50 GiB", "12.0 MiB" */
void hd_memory_human(size_t bytes, char *buf, size_t len);

void hd_memory_print(const struct hd_memory_estimate *e, FILE *out);

#endif
