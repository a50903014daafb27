/* run_params.c — the engine's parameter table. */
#include "run_params.h"

#include <stddef.h>

#define F(field) offsetof(struct hd_run_params, field)

static const char *const theory_methods[] = {"ode", "recursion", "none", "volterra", NULL};
static const char *const linear_solvers[] = {"auto",       "dense",    "gmres",
                                             "structured", "woodbury", NULL};

const struct hd_param hd_run_param_table[] = {
    {"model", "problem", HD_STRING, F(problem), NULL, 0, 0, 0, NULL, "",
     "problem to run (see `hdsim list`)", NULL},
    {"model", "seed", HD_INT, F(seed), "1", 0, 9.0e18, 0, NULL, "",
     "master seed; run r uses the Philox stream keyed by (seed, r)", NULL},

    {"simulation", "runs", HD_INT, F(runs), "16", 1, 1e7, 0, NULL, "",
     "independent Monte Carlo runs", NULL},
    {"simulation", "horizon", HD_REAL, F(horizon), NULL, 0, 1e9, HD_MIN_EXCL, NULL, "t",
     "last time, in units of t = steps/d", NULL},
    {"simulation", "threads", HD_INT, F(threads), "0", 0, 4096, 0, NULL, "",
     "worker threads (0: one per core); results do not depend on it", NULL},
    {"simulation", "divergence", HD_REAL, F(divergence), "1e8", 0, 0, HD_MIN_EXCL | HD_NO_MAX, NULL,
     "",
     "a run is stopped and recorded as diverged when its primary observable "
     "exceeds this times max(1, |its value at t = 0|) (or is not finite)",
     NULL},
    {"simulation", "enabled", HD_BOOL, F(simulate), "true", 0, 0, 0, NULL, "",
     "run the Monte Carlo simulation (false: theory only)", NULL},

    {"theory", "method", HD_ENUM, F(method), "ode", 0, 0, 0, theory_methods, "",
     "deterministic theory: ode (d -> infinity limit, CVODE), recursion (exact finite-d "
     "moments), none, volterra (the same limit as a renewal equation, FFT convolution "
     "quadrature; constant learning rate only)",
     NULL},
    {"theory", "rtol", HD_REAL, F(rtol), "1e-8", 1e-14, 1e-2, 0, NULL, "",
     "CVODE relative tolerance; method = volterra: sets its time step", NULL},
    {"theory", "atol", HD_REAL, F(atol), "auto", 0, 1, HD_MIN_EXCL | HD_AUTO, NULL, "",
     "CVODE absolute tolerance; auto: each state component's is rtol x 1e-14 x the largest "
     "|value| it has had (at least 1e-14 x the initial state's scale while a component that "
     "starts at 0 stays below 1e-6 of it), so relative accuracy rtol holds while a quantity decays over 14 "
     "decades (a number: one absolute tolerance for every component)",
     NULL},
    {"theory", "linear_solver", HD_ENUM, F(linear_solver), "auto", 0, 0, 0, linear_solvers, "",
     "Newton linear solver: woodbury (exact Woodbury inverse as a direct solver, O(d)), "
     "structured (Woodbury-preconditioned GMRES, O(d)), dense, gmres; auto picks woodbury "
     "when the problem provides a structured Jacobian",
     NULL},
    {"theory", "bins", HD_INT, F(bins), "0", 0, 1e8, 0, NULL, "",
     "0: one equation per distinct eigenvalue (exact); N > 0: the spectrum in at most N "
     "quantile/log bins, so the theory's cost no longer grows with d; the binning error is "
     "estimated by doubling N and stored (/theory/<obs> attribute binning_error)",
     NULL},
    {"theory", "max_steps", HD_INT, F(max_steps), "500000", 1, 1e12, 0, NULL, "",
     "CVODE step limit per output interval", NULL},

    {"output", "file", HD_PATH, F(file), "", 0, 0, 0, NULL, "",
     "output HDF5 file, relative to the working directory (empty: out/<model name>.h5)", NULL},
    {"output", "times", HD_GRID, F(times), "auto", 0, 0, 0, NULL, "t",
     "output grid: auto (log-spaced to the horizon), log(a, b, n), linear(a, b, n) or the "
     "times themselves (0, 0.5, 1, 2, 4; at most 64); times are rounded to whole SGD steps "
     "(two listed times on one step are refused) and t = 0 is always included",
     NULL},
    {"output", "store_runs", HD_BOOL, F(store_runs), "true", 0, 0, 0, NULL, "",
     "store every run (runs x times), not only mean and standard error", NULL},
    {"output", "experiment", HD_PATH, F(experiment), "", 0, 0, 0, NULL, "",
     "measured curves written beside theory and simulation and compared with the theory: "
     "FILE.h5[:/group] with datasets t and one per observable ((n,) or (runs, n)), a CSV "
     "table (header t, observables; a repeated name is another run), or arrays "
     "t=t.npy,risk=risk.npy,... (.npy, FILE.h5:/dataset, text vector); paths relative to "
     "the model file; --experiment overrides",
     NULL},
};

const size_t hd_run_param_count = sizeof hd_run_param_table / sizeof hd_run_param_table[0];
