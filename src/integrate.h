/* integrate.h — the CVODE driver.  It integrates any hd_ode_system and never learns
 * which problem it runs (cf. GSL's gsl_odeiv2_system).
 *
 * Linear solvers for the BDF Newton iteration:
 *   dense       SUNDIALS dense LU with a difference-quotient Jacobian: small systems only
 *               (O(n^3); never above a few hundred states).
 *   gmres       SPGMR without preconditioner (a baseline; slow on stiff spectra).
 *   structured  SPGMR preconditioned by the *exact* inverse of M = I - gamma*J, where the
 *               system supplies J = blockdiag(B_1..B_nb) + U V^T (small blocks plus low
 *               rank).  The inverse is applied by Woodbury: O(n (b^2 + r) + r^3) per solve,
 *               so a Newton step on a one-equation-per-eigenvalue system costs O(d), and
 *               GMRES converges in one iteration while the preconditioner is fresh.
 *   woodbury    the same exact inverse of M as a direct linear solver: one Woodbury
 *               solve per Newton iteration, re-formed (O(n)) whenever gamma changes, with
 *               J re-evaluated when CVODE refreshes its Newton matrix.  No Krylov
 *               vectors and no difference-quotient J v: on LS-3 (bench/theory_lsq)
 *               1.6-1.8x faster than structured (CPU time, d = 1e3..1e6), to the same
 *               accuracy.
 *   auto        woodbury when the system has jac_structured, dense when n <= 64,
 *               gmres otherwise.
 *
 * Statistics: for woodbury, prec_setups and prec_solves count its factorisations (CVODE
 * linear-solver setups) and its solves (one per Newton iteration); lin_iters is 0.
 */
#ifndef HDSIM_INTEGRATE_H
#define HDSIM_INTEGRATE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* J = blockdiag(blocks) + U V^T.  dim = n_blocks * block. */
struct hd_sjac {
  size_t dim;      /* system dimension */
  size_t block;    /* block size b (1 = diagonal) */
  size_t n_blocks; /* dim / block */
  size_t rank;     /* r, number of columns of U and V (may be 0) */
  double *blocks;  /* n_blocks * b * b, block k row-major at blocks[k*b*b] */
  double *U;       /* dim * rank, column j at U[j*dim] */
  double *V;       /* dim * rank, column j at V[j*dim] */
};

/* A right-hand side of the form (one equation per eigenvalue, coupled through one sum)
 *   f_i = lam_i (A y_i + B) + C,   (A, B, C) = coef(t, <w, y>).
 * coef returns 0, or what rhs would (>0 recoverable, <0 not). */
struct hd_affine_rhs {
  const double *lam, *w; /* dimension each, unchanged during an integration */
  int (*coef)(double t, double wy, double abc[3], void *params);
};

/* A deterministic limit, as a plain struct (GSL style). */
struct hd_ode_system {
  size_t dimension;
  /* required: dydt = f(t, y).  Returns 0, >0 for a recoverable error (CVODE retries
   * with a smaller step), <0 for an unrecoverable one. */
  int (*rhs)(double t, const double *y, double *dydt, void *params);
  /* optional: fill J (arrays preallocated by the driver with the sizes below). */
  int (*jac_structured)(double t, const double *y, struct hd_sjac *J, void *params);
  size_t block; /* block size of the structured Jacobian (ignored if jac_structured NULL) */
  size_t rank;  /* rank of its low-rank part */
  /* optional: rhs in the form above; rhs must compute the same thing with the same
   * arithmetic (<w, y> by hd_par_dot, then lam_i * (A * y_i + B) + C).  The driver then
   * forms <w, y> in the pass that forms y and queues f with CVODE's next vector pass
   * (nv_fused.h), so the right-hand side costs no pass over the state of its own; the
   * results are the same bits. */
  const struct hd_affine_rhs *affine;
  /* optional: times where the right-hand side is discontinuous (learning-rate steps);
   * the integrator stops and restarts there.  Sorted ascending. */
  const double *breakpoints;
  size_t n_breakpoints;
  void *params;
};

enum hd_linsol {
  HD_LINSOL_AUTO,
  HD_LINSOL_DENSE,
  HD_LINSOL_GMRES,
  HD_LINSOL_STRUCTURED,
  HD_LINSOL_WOODBURY /* appended: existing values keep their numbers */
};

/* atol = HD_ATOL_AUTO: each component's absolute tolerance is rtol 10^-HD_ATOL_DECADES
 * times the largest |value| it has had, so relative accuracy holds while a component
 * decays over HD_ATOL_DECADES decades below its peak; a component that starts at zero
 * keeps at least 1e-14 times the initial state's scale until it has grown, and rounding that defeats the
 * error test adds a floor once (t_guard below; integrate.c, error weights). */
#define HD_ATOL_AUTO    NAN
#define HD_ATOL_DECADES 14

struct hd_integrate_opts {
  double rtol;    /* relative tolerance */
  double atol;    /* absolute tolerance (scalar), or HD_ATOL_AUTO (any NaN) */
  long max_steps; /* CVODE mxstep per output interval */
  enum hd_linsol linsol;
};

struct hd_integrate_stats {
  const char *linsol; /* name of the linear solver actually used */
  long steps, rhs_evals, lin_iters, lin_conv_fails, prec_setups, prec_solves;
  long err_test_fails, nonlin_iters, nonlin_conv_fails;
  double last_step;  /* last step size */
  int flag;          /* 0, or the CVODE return flag of a failure */
  double t_fail;     /* time reached when it failed (NaN if no failure) */
  double t_guard;    /* atol = HD_ATOL_AUTO: when rounding forced a floor of 100 eps times
                      * the state's largest value on the absolute tolerance (NaN: never) */
  char message[256]; /* "" or a description of the failure */
};

/* Called at each requested output time with the state there.  Return non-zero to stop
 * the integration (treated as a failure with that code). */
typedef int (*hd_output_fn)(size_t k, double t, const double *y, void *ctx);

/* Integrates from (tout[0], y0) and calls out(k, tout[k], y(tout[k]), ctx) for every
 * k = 0..nout-1 (k = 0 with y0 itself).  tout must be strictly increasing.
 * Returns 0 on success; on failure returns the CVODE flag (< 0), fills stats->flag,
 * t_fail and message, and stops: outputs after the failure are not called. */
int hd_integrate(const struct hd_ode_system *sys, const double *y0, const double *tout, size_t nout,
                 const struct hd_integrate_opts *opts, hd_output_fn out, void *ctx,
                 struct hd_integrate_stats *stats);

const char *hd_linsol_name(enum hd_linsol ls);

#endif
