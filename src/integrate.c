/* integrate.c — the CVODE (SUNDIALS 6) driver behind integrate.h.
 *
 * BDF with CVODE's default Newton iteration.  The interval [tout[0], tout[nout-1]] is cut
 * at the system's breakpoints: CVODE gets each breakpoint as a stop time and is
 * re-initialised there, so no BDF step and no interpolating polynomial ever spans a jump
 * of the right-hand side (a learning-rate step).  CVODE's counters restart at every
 * CVodeReInit, so the driver adds them up segment by segment.
 *
 * The "structured" linear solver is SPGMR left-preconditioned by the exact inverse of the
 * Newton matrix M = I - gamma J for J = blockdiag(B_k) + U V^T (see build_precond), so
 * GMRES converges in one iteration whenever the preconditioner is current.  "woodbury"
 * applies the same inverse as a direct SUNLinearSolver (see the woodbury section). */
#include "integrate.h"
#include "interrupt.h"
#include "nv_fused.h"

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_iterative.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_types.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunmatrix/sunmatrix_dense.h>

/* A right-hand side that returns NaN/Inf is first reported to CVODE as a *recoverable*
 * failure: the usual cause is a trial step that overshot into a region where the model
 * blows up, and a smaller step cures it.  If it persists (NONFINITE_MAX non-finite
 * evaluations within NONFINITE_WINDOW steps) it is reported as unrecoverable.  Without
 * that escalation CVODE would creep towards the first bad time with ever smaller steps
 * and end, much later, with a misleading CV_TOO_MUCH_WORK. */
enum { NONFINITE_MAX = 10, NONFINITE_WINDOW = 50 };

#define NV_LEN(v) ((size_t)N_VGetLength(v))
#define NV_PTR(v) N_VGetArrayPointer(v)

/* SPGMR Krylov dimensions.  With the exact Woodbury preconditioner one iteration suffices
 * unless the Jacobian has drifted since the last preconditioner setup; 5 leaves room for
 * that.  Unpreconditioned GMRES on a stiff spectrum needs a large space. */
enum { MAXL_STRUCTURED = 5, MAXL_GMRES = 50 };

struct counters {
  long steps, rhs_evals, lin_iters, lin_conv_fails, prec_setups, prec_solves;
  long err_test_fails, nonlin_iters, nonlin_conv_fails;
};

struct driver {
  const struct hd_ode_system *sys;
  void *cvode_mem;
  double rtol, atol;    /* for ewt_wrap */
  /* atol = HD_ATOL_AUTO: peak[i] = max |y_i| so far (ewt_wrap updates it); component i's
   * absolute tolerance is peak_floor * peak[i] */
  double *peak;
  double peak_floor;
  /* components that start at exactly zero: an absolute floor zero_floor besides, until
   * their peak reaches zero_grown */
  unsigned char *zero_start;
  double zero_floor, zero_grown;
  /* rounding guard, 0 until needed (see add_rounding_guard): component i's absolute
   * tolerance is then at least guard * max_j |y_j| */
  double guard;
  double t_guard; /* when it was added, NaN if never */
  struct counters base; /* totals of the finished CVODE segments */

  /* sys->affine: max_i |lam_i|, and whether lam is finite (else the plain rhs is used) */
  double lam_max;
  bool affine_ok;

  /* non-finite right-hand-side guard */
  long nonfinite_count, nonfinite_step0;
  bool nonfinite_seen;
  double t_nonfinite;

  /* structured preconditioner */
  struct hd_sjac J; /* last Jacobian from sys->jac_structured */
  double *ainv;     /* n_blocks * b * b: (I - gamma B_k)^{-1}, row-major */
  double *W;        /* dim * rank: A^{-1} U, column j at W[j*dim] */
  double *S;        /* rank * rank: capacitance I - gamma V^T W (factored) */
  lapack_int *ipiv; /* pivots of S when rank > 2 */
  double *cvec;     /* rank */
  double *work;     /* 2 * b * b + b scratch for block inversion / aliasing */
  double gamma_built;
  bool have_J, built;

  /* woodbury direct solver (woodbury_ls): its factorisations and solves, counted here
   * because CVODE's own counters restart at every CVodeReInit */
  long wb_setups, wb_solves;

  /* CVODE's last error message, captured by err_handler */
  char cvmsg[160];
};

/* ---------------------------------------------------------------------------------- */
/* statistics */

static void read_counters(void *mem, struct counters *c)
{
  memset(c, 0, sizeof *c);
  long v;
  if (CVodeGetNumSteps(mem, &v) == CV_SUCCESS) c->steps = v;
  if (CVodeGetNumRhsEvals(mem, &v) == CV_SUCCESS) c->rhs_evals = v;
  if (CVodeGetNumErrTestFails(mem, &v) == CV_SUCCESS) c->err_test_fails = v;
  if (CVodeGetNumNonlinSolvIters(mem, &v) == CV_SUCCESS) c->nonlin_iters = v;
  if (CVodeGetNumNonlinSolvConvFails(mem, &v) == CV_SUCCESS) c->nonlin_conv_fails = v;
  if (CVodeGetNumLinIters(mem, &v) == CV_SUCCESS) c->lin_iters = v;
  if (CVodeGetNumLinConvFails(mem, &v) == CV_SUCCESS) c->lin_conv_fails = v;
  if (CVodeGetNumPrecEvals(mem, &v) == CV_SUCCESS) c->prec_setups = v;
  if (CVodeGetNumPrecSolves(mem, &v) == CV_SUCCESS) c->prec_solves = v;
}

static void add_counters(struct counters *a, const struct counters *b)
{
  a->steps += b->steps;
  a->rhs_evals += b->rhs_evals;
  a->lin_iters += b->lin_iters;
  a->lin_conv_fails += b->lin_conv_fails;
  a->prec_setups += b->prec_setups;
  a->prec_solves += b->prec_solves;
  a->err_test_fails += b->err_test_fails;
  a->nonlin_iters += b->nonlin_iters;
  a->nonlin_conv_fails += b->nonlin_conv_fails;
}

static void store_counters(struct hd_integrate_stats *s, const struct counters *c)
{
  s->steps = c->steps;
  s->rhs_evals = c->rhs_evals;
  s->lin_iters = c->lin_iters;
  s->lin_conv_fails = c->lin_conv_fails;
  s->prec_setups = c->prec_setups;
  s->prec_solves = c->prec_solves;
  s->err_test_fails = c->err_test_fails;
  s->nonlin_iters = c->nonlin_iters;
  s->nonlin_conv_fails = c->nonlin_conv_fails;
}

const char *hd_linsol_name(enum hd_linsol ls)
{
  switch (ls) {
  case HD_LINSOL_AUTO: return "auto";
  case HD_LINSOL_DENSE: return "dense";
  case HD_LINSOL_GMRES: return "gmres";
  case HD_LINSOL_STRUCTURED: return "structured";
  case HD_LINSOL_WOODBURY: return "woodbury";
  }
  return "unknown";
}

static const char *flag_description(int flag)
{
  switch (flag) {
  case CV_TOO_MUCH_WORK: return "max_steps internal steps taken before reaching the output time";
  case CV_TOO_MUCH_ACC: return "tolerances too small for the machine precision";
  case CV_ERR_FAILURE: return "error test failed repeatedly";
  case CV_CONV_FAILURE: return "convergence test failed repeatedly";
  case CV_LINIT_FAIL: return "linear solver initialisation failed";
  case CV_LSETUP_FAIL: return "linear solver setup failed unrecoverably";
  case CV_LSOLVE_FAIL: return "linear solve failed unrecoverably";
  case CV_RHSFUNC_FAIL: return "right-hand side failed unrecoverably";
  case CV_FIRST_RHSFUNC_ERR: return "right-hand side failed at the first call";
  case CV_REPTD_RHSFUNC_ERR: return "right-hand side failed recoverably too many times";
  case CV_UNREC_RHSFUNC_ERR: return "right-hand side failed where no recovery is possible";
  case CV_NLS_INIT_FAIL: return "nonlinear solver initialisation failed";
  case CV_NLS_SETUP_FAIL: return "nonlinear solver setup failed";
  case CV_NLS_FAIL: return "nonlinear solver failed";
  case CV_MEM_FAIL: return "memory allocation failed";
  case CV_MEM_NULL: return "no CVODE memory";
  case CV_ILL_INPUT: return "illegal input";
  case CV_TOO_CLOSE: return "output time too close to the start";
  case CV_VECTOROP_ERR: return "vector operation failed";
  default: return "CVODE error";
  }
}

/* "CV_CONV_FAILURE".  CVodeGetReturnFlagName returns a malloc'ed string in SUNDIALS 6. */
static void flag_name(int flag, char *buf, size_t n)
{
  char *name = CVodeGetReturnFlagName(flag);
  snprintf(buf, n, "%s", name ? name : "CV_UNKNOWN");
  free(name);
}

static void fail(struct hd_integrate_stats *st, const struct driver *D, int flag, double t)
{
  char name[48];
  flag_name(flag, name, sizeof name);
  st->flag = flag;
  st->t_fail = t;
  int len = snprintf(st->message, sizeof st->message, "CVODE failed at t = %.10g: %s (%s)", t, name,
                     flag_description(flag));
  size_t used = len < 0 ? 0 : (size_t)len;
  if (D->nonfinite_seen && used < sizeof st->message) {
    len = snprintf(st->message + used, sizeof st->message - used,
                   "; the right-hand side returned non-finite values at t = %.10g", D->t_nonfinite);
    used += len < 0 ? 0 : (size_t)len;
  }
  if (D->cvmsg[0] && used < sizeof st->message)
    snprintf(st->message + used, sizeof st->message - used, "; CVODE: %s", D->cvmsg);
}

static void fail_input(struct hd_integrate_stats *st, int flag, const char *msg)
{
  st->flag = flag;
  snprintf(st->message, sizeof st->message, "hd_integrate: %s", msg);
}

/* CVODE reports through this instead of printing to stderr.  Warnings (such as
 * "t + h = t") are dropped: a run that goes wrong ends in an error flag, which the
 * driver reports with the last captured error message. */
static void err_handler(int code, const char *module, const char *function, char *msg, void *user)
{
  (void)module;
  struct driver *D = user;
  if (code == CV_WARNING) return;
  snprintf(D->cvmsg, sizeof D->cvmsg, "%s: %s", function ? function : "", msg ? msg : "");
}

/* ---------------------------------------------------------------------------------- */
/* right-hand side */

/* sys->affine: <w, y> in the pass that forms y, and f queued with CVODE's next pass
 * (*queued), unless f might not be finite: then the caller runs the plain right-hand
 * side and its check.  f is finite when y is and lam_max (|A| max|y| + |B|) + |C| is far
 * below the largest double.  Returns the coefficients' code (0 or rhs's error codes). */
static int rhs_affine(const struct driver *D, double t, N_Vector y, N_Vector ydot, bool *queued)
{
  const struct hd_affine_rhs *af = D->sys->affine;
  double ymax, abc[3];
  double wy = hd_nv_dot_scan(af->w, y, &ymax);
  *queued = false;
  int rc = af->coef(t, wy, abc, D->sys->params);
  if (rc != 0) return rc;
  double bound = D->lam_max * (fabs(abc[0]) * ymax + fabs(abc[1])) + fabs(abc[2]);
  if (!(bound < 0x1p1000)) return 0; /* also for NaN */
  hd_nv_diag_affine(af->lam, abc[0], abc[1], abc[2], y, ydot);
  *queued = true;
  return 0;
}

static int rhs_wrap(sunrealtype t, N_Vector y, N_Vector ydot, void *user)
{
  struct driver *D = user;
  const struct hd_ode_system *sys = D->sys;
  if (hd_interrupted()) return -1; /* CVODE stops with CV_RHSFUNC_FAIL; the caller sees why */
  if (D->affine_ok) {
    bool queued;
    int rc = rhs_affine(D, t, y, ydot, &queued);
    if (rc != 0 || queued) return rc;
  }
  int rc = sys->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), sys->params);
  if (rc != 0) return rc;

  /* One pass (threaded for long states): 0 * f is 0 for finite f and NaN otherwise. */
  if (hd_par_all_finite(sys->dimension, N_VGetArrayPointer(ydot))) return 0;

  long nst = 0;
  CVodeGetNumSteps(D->cvode_mem, &nst);
  nst += D->base.steps;
  if (D->nonfinite_count == 0 || nst - D->nonfinite_step0 > NONFINITE_WINDOW) {
    D->nonfinite_count = 0;
    D->nonfinite_step0 = nst;
  }
  D->nonfinite_count++;
  if (!D->nonfinite_seen || t < D->t_nonfinite) D->t_nonfinite = t;
  D->nonfinite_seen = true;
  return D->nonfinite_count >= NONFINITE_MAX ? -1 : 1;
}

/* ---------------------------------------------------------------------------------- */
/* error weights
 *
 * An explicit atol: w_i = 1 / (rtol |y_i| + atol), what CVODE's own scalar-tolerance
 * weights compute (cvEwtSetSS: N_VAbs, N_VScale, N_VAddConst, N_VInv, four passes over
 * the state at every step), in one pass and with the same floating-point operations in
 * the same order, so the weights are bit-for-bit the same.  Like cvEwtSetSS it fails
 * (-1) when a denominator is <= 0, which can only happen with atol = 0 (CVODE then stops
 * with the same CV_ILL_INPUT, its message naming the weight function instead of a zero
 * weight).
 *
 * HD_ATOL_AUTO: w_i = 1 / (rtol |y_i| + rtol 10^-HD_ATOL_DECADES P_i), P_i the largest
 * |y_i| of any accepted state so far (CVODE forms the weights once per step, from the
 * state it accepted last).  A scalar atol fixes one absolute scale for every
 * component at every time, so a component (a risk) that decays below atol / rtol loses
 * relative accuracy and its tail is noise on a log plot.  Scaled by each component's own
 * peak, the control stays relative over HD_ATOL_DECADES decades below that peak, whatever
 * the units, and only then turns absolute.  Below that a component no longer matters
 * to any sum it enters, and the absolute floor is what keeps a stiff mode that has died
 * out from holding the step at its own time scale (pure relative control would resolve
 * it all the way to underflow).  A peak that never decays also keeps the floor from
 * collapsing where a signed component crosses zero.  Rounding in the right-hand side is
 * the limit of relative control: see peaks_init and add_rounding_guard. */

static int ewt_auto(const struct driver *D, N_Vector yv, N_Vector wv)
{
  const size_t n = NV_LEN(yv);
  const double *y = NV_PTR(yv); /* runs the queued passes y depends on */
  double *w = NV_PTR(wv), *P = D->peak;
  const unsigned char *Z = D->zero_start;
  const double rtol = D->rtol, floor = D->peak_floor, zf = D->zero_floor, zg = D->zero_grown;
  double g = 0;
  if (D->guard > 0) {
    double m = 0; /* the largest |y_j| so far */
    for (size_t i = 0; i < n; i++) {
      double a = fabs(y[i]) > P[i] ? fabs(y[i]) : P[i];
      m = a > m ? a : m;
    }
    g = D->guard * m;
  }
#pragma omp parallel for schedule(static) if (hd_par_worth(n))
  for (size_t i = 0; i < n; i++) {
    double a = fabs(y[i]), p = P[i];
    p = a > p ? a : p; /* NaN never becomes a peak */
    P[i] = p;
    double fl = floor * p;
    fl = Z[i] && p < zg && zf > fl ? zf : fl;
    w[i] = 1.0 / (rtol * a + (fl > g ? fl : g));
  }
  /* NaN y: CVODE stops on its own non-finite checks; a weight of NaN or 0 never passes
   * as a step */
  return 0;
}

static int ewt_wrap(N_Vector yv, N_Vector wv, void *user)
{
  const struct driver *D = user;
  if (D->peak) return ewt_auto(D, yv, wv);
  const double rtol = D->rtol, atol = D->atol;
  if (atol > 0) { /* every denominator is >= atol: queue it with the step's other passes */
    hd_nv_ewt(yv, wv, rtol, atol);
    return 0;
  }
  const size_t n = NV_LEN(yv);
  const double *y = NV_PTR(yv);
  double *w = NV_PTR(wv);
  for (size_t i = 0; i < n; i++) w[i] = 1.0 / (rtol * fabs(y[i]) + atol);
  /* atol = 0: a second pass for the check, so that the main loop vectorises */
  for (size_t i = 0; i < n; i++)
    if (rtol * fabs(y[i]) <= 0.0) return -1;
  return 0;
}

/* Relative control asks a component for accuracy in proportion to its own size, which
 * a right-hand side cannot deliver where its rounding is absolute: a component that is
 * zero by symmetry, or a small difference of large terms, carries noise of order
 * eps times the state's scale, and CVODE shrinks the step chasing it until the error
 * test fails (or max_steps runs out).  Then, once per integration, the driver adds a
 * floor of 100 eps times the largest |y_j| so far to every component's absolute
 * tolerance (50 times below the old scalar default's 1e-12 on an O(1) state) and
 * continues from the last accepted state; stats->t_guard records when.  The floor does
 * not decay with the state: the rounding it covers comes from the terms the right-hand
 * side adds up, not from the component. */
static bool add_rounding_guard(struct driver *D, int flag)
{
  if (!D->peak || D->guard > 0 || (flag != CV_ERR_FAILURE && flag != CV_TOO_MUCH_WORK))
    return false;
  D->guard = 100 * DBL_EPSILON;
  return true;
}

/* The starting peaks |y0_i| (at least 1e-200, which keeps every weight finite).  A
 * component that starts at exactly zero has no scale of its own yet, and it is the
 * typical one whose value is rounding at first: a quantity zero by symmetry, an overlap
 * that has not grown.  Until its peak reaches 1e-6 of the scale of the whole initial
 * state (1 if that is zero) it keeps an absolute floor of 1e-14 of that scale, some
 * 50 eps: above the rounding of a right-hand side made of O(scale) terms, 100 times
 * below the old scalar default atol = 1e-12.  Once it has grown, its own peak scales its
 * tolerance like any other's (an overlap that rises from 0 and then decays keeps
 * relative accuracy down its tail). */
static int peaks_init(struct driver *D, const double *y0)
{
  const size_t n = D->sys->dimension;
  D->peak = malloc(n * sizeof *D->peak);
  D->zero_start = malloc(n);
  if (!D->peak || !D->zero_start) return -1;
  double scale = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs(y0[i]) > scale) scale = fabs(y0[i]);
  if (!(scale > 0 && scale <= DBL_MAX)) scale = 1.0;
  for (size_t i = 0; i < n; i++) {
    double a = fabs(y0[i]);
    D->zero_start[i] = !(a > 0);
    D->peak[i] = a > 0 ? fmax(a, 1e-200) : 0.0;
  }
  D->peak_floor = D->rtol * pow(10.0, -HD_ATOL_DECADES);
  D->zero_floor = 1e-14 * scale;
  D->zero_grown = 1e-6 * scale;
  return 0;
}

/* ---------------------------------------------------------------------------------- */
/* structured preconditioner: exact inverse of M = I - gamma J by Woodbury
 *
 * With A = blockdiag(I - gamma B_k),  M = A - gamma U V^T.  Woodbury with C = -gamma I_r:
 *   M^{-1} = A^{-1} - A^{-1} U (C^{-1} + V^T A^{-1} U)^{-1} V^T A^{-1}
 *          = A^{-1} + gamma W S^{-1} V^T A^{-1},   W = A^{-1} U,  S = I_r - gamma V^T W.
 * (-1/gamma I + V^T W)^{-1} = -gamma S^{-1}.)  Writing it with S rather than with
 * I/gamma - V^T W keeps it finite as gamma -> 0.  Given A nonsingular, M is singular
 * exactly when S is (matrix determinant lemma: det M = det A det S), so a singular S is a
 * genuinely singular Newton matrix, reported to CVODE as recoverable (it retries with a
 * smaller step, which moves M towards I). */

/* (I - gamma B)^{-1} for one b x b row-major block into inv.  Returns 0, or 1 if the
 * block is singular to working precision. */
static int invert_block(const double *B, double gamma, size_t b, double *inv, double *work)
{
  /* A pivot below tol * (scale of the entries that formed it) is cancellation noise. */
  const double tol = 16 * 2.220446049250313e-16;
  if (b == 1) {
    double a = 1.0 - gamma * B[0];
    if (!(fabs(a) > tol * (1.0 + fabs(gamma * B[0])))) return 1;
    inv[0] = 1.0 / a;
    return 0;
  }
  if (b == 2) {
    double a = 1.0 - gamma * B[0], bb = -gamma * B[1];
    double c = -gamma * B[2], d = 1.0 - gamma * B[3];
    double det = a * d - bb * c;
    if (!(fabs(det) > tol * (fabs(a * d) + fabs(bb * c)))) return 1;
    inv[0] = d / det;
    inv[1] = -bb / det;
    inv[2] = -c / det;
    inv[3] = a / det;
    return 0;
  }
  /* Gauss-Jordan with partial pivoting on [A | I]. */
  double *A = work;
  double scale = 0;
  for (size_t i = 0; i < b; i++)
    for (size_t j = 0; j < b; j++) {
      double v = -gamma * B[i * b + j] + (i == j ? 1.0 : 0.0);
      A[i * b + j] = v;
      inv[i * b + j] = i == j ? 1.0 : 0.0;
      double s = fabs(gamma * B[i * b + j]) + (i == j ? 1.0 : 0.0);
      if (s > scale) scale = s;
    }
  for (size_t k = 0; k < b; k++) {
    size_t p = k;
    for (size_t i = k + 1; i < b; i++)
      if (fabs(A[i * b + k]) > fabs(A[p * b + k])) p = i;
    if (!(fabs(A[p * b + k]) > tol * scale)) return 1;
    if (p != k)
      for (size_t j = 0; j < b; j++) {
        double t = A[k * b + j];
        A[k * b + j] = A[p * b + j];
        A[p * b + j] = t;
        t = inv[k * b + j];
        inv[k * b + j] = inv[p * b + j];
        inv[p * b + j] = t;
      }
    double piv = 1.0 / A[k * b + k];
    for (size_t j = 0; j < b; j++) {
      A[k * b + j] *= piv;
      inv[k * b + j] *= piv;
    }
    for (size_t i = 0; i < b; i++) {
      if (i == k) continue;
      double m = A[i * b + k];
      if (m == 0) continue;
      for (size_t j = 0; j < b; j++) {
        A[i * b + j] -= m * A[k * b + j];
        inv[i * b + j] -= m * inv[k * b + j];
      }
    }
  }
  for (size_t i = 0; i < b * b; i++)
    if (!isfinite(inv[i])) return 1;
  return 0;
}

/* out = A^{-1} in, block by block.  in and out may alias. */
static void apply_ainv(const struct driver *D, const double *in, double *out)
{
  const size_t b = D->J.block, nb = D->J.n_blocks;
  const double *ai = D->ainv;
  if (b == 1) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (hd_par_worth(nb))
#endif
    for (size_t i = 0; i < nb; i++) out[i] = ai[i] * in[i];
  } else if (b == 2) {
    for (size_t k = 0; k < nb; k++) {
      const double *m = ai + 4 * k;
      double x0 = in[2 * k], x1 = in[2 * k + 1];
      out[2 * k] = m[0] * x0 + m[1] * x1;
      out[2 * k + 1] = m[2] * x0 + m[3] * x1;
    }
  } else {
    double *tmp = D->work + 2 * b * b;
    for (size_t k = 0; k < nb; k++) {
      const double *m = ai + k * b * b;
      const double *x = in + k * b;
      memcpy(tmp, x, b * sizeof *tmp);
      for (size_t i = 0; i < b; i++) {
        double s = 0;
        for (size_t j = 0; j < b; j++) s += m[i * b + j] * tmp[j];
        out[k * b + i] = s;
      }
    }
  }
}

/* Builds A^{-1}, W and the factored S for the stored J and this gamma.  O(dim (b^3 +
 * b^2 r + r^2) + r^3). */
static int build_precond(struct driver *D, double gamma)
{
  const size_t n = D->J.dim, b = D->J.block, nb = D->J.n_blocks, r = D->J.rank;
  const double tol = 16 * 2.220446049250313e-16;
  hd_nv_flush(); /* a queued z += a W (hd_nv_axpy_raw) must not see the new W */
  D->built = false;
  if (b == 1) { /* one division per state: shared among threads at large d */
    int singular = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(| : singular) if (hd_par_worth(nb))
#endif
    for (size_t k = 0; k < nb; k++)
      singular |= invert_block(D->J.blocks + k, gamma, 1, D->ainv + k, NULL);
    if (singular) return 1;
  } else {
    for (size_t k = 0; k < nb; k++)
      if (invert_block(D->J.blocks + k * b * b, gamma, b, D->ainv + k * b * b, D->work)) return 1;
  }
  if (r == 0) {
    D->gamma_built = gamma;
    D->built = true;
    return 0;
  }
  for (size_t j = 0; j < r; j++) apply_ainv(D, D->J.U + j * n, D->W + j * n);
  /* S = I - gamma V^T W, and a magnitude for each entry to judge cancellation by. */
  double mag = 0;
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < r; j++) {
      const double *v = D->J.V + i * n, *w = D->W + j * n;
      double s = 0;
      for (size_t l = 0; l < n; l++) s += v[l] * w[l];
      double e = (i == j ? 1.0 : 0.0) - gamma * s;
      if (!isfinite(e)) return 1;
      D->S[i * r + j] = e;
      double m = (i == j ? 1.0 : 0.0) + fabs(gamma * s);
      if (m > mag) mag = m;
    }
  double *S = D->S;
  if (r == 1) {
    if (!(fabs(S[0]) > tol * mag)) return 1;
    S[0] = 1.0 / S[0];
  } else if (r == 2) {
    double a = S[0], bb = S[1], c = S[2], d = S[3];
    double det = a * d - bb * c;
    if (!(fabs(det) > tol * (fabs(a * d) + fabs(bb * c)))) return 1;
    S[0] = d / det;
    S[1] = -bb / det;
    S[2] = -c / det;
    S[3] = a / det;
  } else {
    lapack_int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, (lapack_int)r, (lapack_int)r, S,
                                     (lapack_int)r, D->ipiv);
    if (info != 0) return info < 0 ? -1 : 1;
    for (size_t i = 0; i < r; i++)
      if (!(fabs(S[i * r + i]) > tol * mag)) return 1;
  }
  D->gamma_built = gamma;
  D->built = true;
  return 0;
}

/* The structured Jacobian at (t, y), for either solver: 0, 1 (recoverable) or -1.  The
 * factors built from the previous one are stale from here on. */
static int eval_jac(struct driver *D, double t, N_Vector y)
{
  D->have_J = false;
  D->built = false;
  int rc = D->sys->jac_structured(t, N_VGetArrayPointer(y), &D->J, D->sys->params);
  if (rc != 0) return rc > 0 ? 1 : -1;
  D->have_J = true;
  return 0;
}

static int psetup(sunrealtype t, N_Vector y, N_Vector fy, sunbooleantype jok,
                  sunbooleantype *jcurPtr, sunrealtype gamma, void *user)
{
  (void)fy;
  (void)jok; /* J is O(dim) to rebuild, so a saved one is never worth reusing */
  struct driver *D = user;
  *jcurPtr = SUNTRUE;
  int rc = eval_jac(D, t, y);
  return rc != 0 ? rc : build_precond(D, gamma);
}

/* c <- S^{-1} c for the r x r capacitance matrix of the Woodbury identity (factored by
 * build_precond: an explicit inverse for r <= 2, LU from LAPACKE above). */
static int solve_capacitance(const struct driver *D, size_t r, double *c)
{
  if (r == 1) {
    c[0] *= D->S[0];
  } else if (r == 2) {
    double c0 = D->S[0] * c[0] + D->S[1] * c[1];
    double c1 = D->S[2] * c[0] + D->S[3] * c[1];
    c[0] = c0;
    c[1] = c1;
  } else {
    lapack_int info = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, 'N', (lapack_int)r, 1, D->S, (lapack_int)r,
                                     D->ipiv, c, 1);
    if (info != 0) return -1;
  }
  return 0;
}

static int psolve(sunrealtype t, N_Vector y, N_Vector fy, N_Vector rv, N_Vector zv,
                  sunrealtype gamma, sunrealtype delta, int lr, void *user)
{
  (void)t;
  (void)y;
  (void)fy;
  (void)delta;
  (void)lr;
  struct driver *D = user;
  if (!D->have_J) return 1;
  /* CVODE keeps a preconditioner across steps while gamma = h*beta drifts (up to 30%).
   * J is stored, so re-forming the inverse for the current gamma costs O(dim) and keeps
   * GMRES at one iteration instead of spending extra iterations (each with an RHS
   * evaluation for the difference-quotient J v) on the gamma mismatch. */
  if (!D->built || gamma != D->gamma_built) {
    int rc = build_precond(D, gamma);
    if (rc != 0) return rc;
  }
  const size_t n = D->J.dim, r = D->J.rank;
  const double *in = N_VGetArrayPointer(rv);
  double *z = N_VGetArrayPointer(zv);
  apply_ainv(D, in, z);
  if (r == 0) return 0;
  double *c = D->cvec;
  for (size_t j = 0; j < r; j++) {
    const double *v = D->J.V + j * n;
    double s = 0;
    for (size_t l = 0; l < n; l++) s += v[l] * z[l];
    c[j] = s;
  }
  if (solve_capacitance(D, r, c) != 0) return -1;
  for (size_t j = 0; j < r; j++) {
    const double *w = D->W + j * n;
    double a = gamma * c[j];
    for (size_t l = 0; l < n; l++) z[l] += a * w[l];
  }
  return 0;
}

static void free_precond(struct driver *D)
{
  free(D->J.blocks);
  free(D->J.U);
  free(D->J.V);
  free(D->ainv);
  free(D->W);
  free(D->S);
  free(D->ipiv);
  free(D->cvec);
  free(D->work);
}

static int alloc_precond(struct driver *D)
{
  const struct hd_ode_system *sys = D->sys;
  size_t n = sys->dimension, b = sys->block, r = sys->rank;
  D->J.dim = n;
  D->J.block = b;
  D->J.n_blocks = n / b;
  D->J.rank = r;
  D->J.blocks = calloc(n * b, sizeof(double));
  D->ainv = calloc(n * b, sizeof(double));
  D->work = calloc(2 * b * b + b, sizeof(double));
  if (r > 0) {
    D->J.U = calloc(n * r, sizeof(double));
    D->J.V = calloc(n * r, sizeof(double));
    D->W = calloc(n * r, sizeof(double));
    D->S = calloc(r * r, sizeof(double));
    D->ipiv = calloc(r, sizeof(lapack_int));
    D->cvec = calloc(r, sizeof(double));
    if (!D->J.U || !D->J.V || !D->W || !D->S || !D->ipiv || !D->cvec) return -1;
  }
  if (!D->J.blocks || !D->ainv || !D->work) return -1;
  return 0;
}

/* ---------------------------------------------------------------------------------- */
/* woodbury: a direct SUNLinearSolver that applies the exact inverse of M = I - gamma J
 *
 * The same factors as the structured preconditioner (build_precond), applied once per
 * Newton iteration instead of inside SPGMR: no Krylov vectors, Gram-Schmidt or
 * difference-quotient J v (an RHS evaluation per GMRES iteration).
 *
 * How CVODE 6.4 drives it.  The solver reports itself as SUNLINEARSOLVER_DIRECT and is
 * attached with a matrix-free shell SUNMatrix (CVodeSetLinearSolver needs one for a
 * direct solver) and a user linear-system function (CVodeSetLinSysFn), so CVODE's
 * usual lsetup heuristics apply: wb_linsys is called when CVODE decides to refresh
 * (first step, every 20 steps, a gamma change above 30 %, after a convergence failure)
 * and re-evaluates J; wb_setup then factors M at that gamma.  A matrix-embedded solver
 * (SUNLINEARSOLVER_MATRIX_EMBEDDED, attached with a NULL matrix) would be simpler, but
 * CVODE 6.4 disables lsetup for one (cvLsInitialize; measured: its setup is never
 * called), so the solver would have to guess when to re-evaluate J; without lsetup
 * CVODE's Newton iteration restarts its convergence-rate estimate at every step (cvNls),
 * which cost 13 % more Newton iterations on LS-3 (845 against 746 at d = 1e3; that
 * prototype, re-evaluating J at every solve, ran 1.3x slower than this solver); and
 * cvLsSolve treats it as iterative, returning b itself, unsolved, when |b| is below
 * the linear tolerance.
 *
 * Solution scaling.  A direct solver normally solves with the M of the last setup, and
 * for BDF cvLsSolve then multiplies the solution by 2 / (1 + gamrat), gamrat =
 * gamma / gamma_setup, to compensate for the stale gamma.  Here wb_solve reads the
 * current gamma (CVodeGetCurrentGamma) and re-forms the factors whenever it differs
 * from the one they were built for (O(dim)), so its solution is already exact; the
 * driver therefore turns CVODE's scaling off (CVodeSetLinearSolutionScaling), otherwise
 * the correction would be applied to an exact solution and spoil it. */

static int wb_linsys(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix A, sunbooleantype jok,
                     sunbooleantype *jcur, sunrealtype gamma, void *user, N_Vector tmp1,
                     N_Vector tmp2, N_Vector tmp3)
{
  (void)fy;
  (void)A;
  (void)jok;   /* J is O(dim) to rebuild, so a saved one is never worth reusing */
  (void)gamma; /* wb_setup factors at CVodeGetCurrentGamma, the same value */
  (void)tmp1;
  (void)tmp2;
  (void)tmp3;
  struct driver *D = user;
  *jcur = SUNTRUE;
  return eval_jac(D, t, y);
}

/* build_precond's 0 / 1 (singular) / < 0 as SUNLinSol flags CVODE understands:
 * recoverable (it retries with a smaller step) or not. */
static int wb_flag(int rc, bool in_setup)
{
  if (rc == 0) return SUNLS_SUCCESS;
  if (rc > 0) return in_setup ? SUNLS_LUFACT_FAIL : SUNLS_PACKAGE_FAIL_REC;
  return SUNLS_PACKAGE_FAIL_UNREC;
}

static SUNLinearSolver_Type wb_gettype(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID wb_getid(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_CUSTOM;
}

static int wb_initialize(SUNLinearSolver S)
{
  (void)S;
  return SUNLS_SUCCESS;
}

static int wb_setup(SUNLinearSolver S, SUNMatrix A)
{
  (void)A;
  struct driver *D = S->content;
  sunrealtype gamma;
  if (CVodeGetCurrentGamma(D->cvode_mem, &gamma) != CV_SUCCESS) return SUNLS_MEM_NULL;
  if (!D->have_J) return SUNLS_PACKAGE_FAIL_UNREC;
  D->wb_setups++;
  return wb_flag(build_precond(D, gamma), true);
}

/* x = M^{-1} b = A^{-1} b + gamma W S^{-1} V^T A^{-1} b, in two passes over the state:
 * z = A^{-1} b together with c = V^T z, then z += gamma W S^{-1} c. */
static int wb_solve(SUNLinearSolver S, SUNMatrix A, N_Vector xv, N_Vector bv, sunrealtype tol)
{
  (void)A;
  (void)tol; /* direct: exact to rounding */
  struct driver *D = S->content;
  if (!D->have_J) return SUNLS_PACKAGE_FAIL_UNREC;
  sunrealtype gamma;
  if (CVodeGetCurrentGamma(D->cvode_mem, &gamma) != CV_SUCCESS) return SUNLS_MEM_NULL;
  if (!D->built || gamma != D->gamma_built) {
    int rc = build_precond(D, gamma);
    if (rc != 0) return wb_flag(rc, false);
  }
  D->wb_solves++;
  const size_t n = D->J.dim, r = D->J.rank;
  double *c = D->cvec, *z;
  if (D->J.block == 1 && r == 1) {
    /* the LS-3 shape: one pass for z and V^T z, fused with CVODE's queued passes over b
     * (nv_fused.h; threaded, fixed-block sums) */
    z = hd_nv_data(xv);
    c[0] = hd_nv_scale_dot(n, D->ainv, hd_nv_data(bv), D->J.V, z);
  } else {
    const double *b = N_VGetArrayPointer(bv);
    z = N_VGetArrayPointer(xv);
    apply_ainv(D, b, z);
    if (r == 0) return SUNLS_SUCCESS;
    for (size_t j = 0; j < r; j++) {
      const double *v = D->J.V + j * n;
      double s0 = 0, s1 = 0;
      size_t i = 0;
      for (; i + 2 <= n; i += 2) {
        s0 += v[i] * z[i];
        s1 += v[i + 1] * z[i + 1];
      }
      for (; i < n; i++) s0 += v[i] * z[i];
      c[j] = s0 + s1;
    }
  }
  if (solve_capacitance(D, r, c) != 0) return SUNLS_PACKAGE_FAIL_UNREC;
  if (r == 1) {
    hd_nv_axpy_raw(gamma * c[0], D->W, xv); /* queued with CVODE's next passes */
  } else if (r == 2) {
    const double *w0 = D->W, *w1 = D->W + n, a0 = gamma * c[0], a1 = gamma * c[1];
    for (size_t i = 0; i < n; i++) z[i] += a0 * w0[i] + a1 * w1[i];
  } else {
    for (size_t j = 0; j < r; j++) {
      const double *w = D->W + j * n, a = gamma * c[j];
      for (size_t i = 0; i < n; i++) z[i] += a * w[i];
    }
  }
  return SUNLS_SUCCESS;
}

/* CVODE hands the error weights to a solver that takes them; this one needs none. */
static int wb_setscaling(SUNLinearSolver S, N_Vector s1, N_Vector s2)
{
  (void)S;
  (void)s1;
  (void)s2;
  return SUNLS_SUCCESS;
}

static int wb_free(SUNLinearSolver S)
{
  SUNLinSolFreeEmpty(S); /* the content is the driver, not owned */
  return SUNLS_SUCCESS;
}

static SUNLinearSolver woodbury_ls(struct driver *D, SUNContext sunctx)
{
  SUNLinearSolver S = SUNLinSolNewEmpty(sunctx);
  if (!S) return NULL;
  S->content = D;
  S->ops->gettype = wb_gettype;
  S->ops->getid = wb_getid;
  S->ops->initialize = wb_initialize;
  S->ops->setup = wb_setup;
  S->ops->solve = wb_solve;
  S->ops->setscalingvectors = wb_setscaling;
  S->ops->free = wb_free;
  return S;
}

/* The matrix CVODE requires next to a direct solver: an empty shell (J lives in the
 * driver).  CVODE only ever passes it back to wb_linsys and the solver. */
static SUNMatrix_ID shell_getid(SUNMatrix A)
{
  (void)A;
  return SUNMATRIX_CUSTOM;
}

static void shell_destroy(SUNMatrix A) { SUNMatFreeEmpty(A); }

static SUNMatrix shell_matrix(SUNContext sunctx)
{
  SUNMatrix A = SUNMatNewEmpty(sunctx);
  if (!A) return NULL;
  A->ops->getid = shell_getid;
  A->ops->destroy = shell_destroy;
  return A;
}

/* ---------------------------------------------------------------------------------- */
/* the driver, step by step: check the request, pick and attach the linear solver,
 * create CVODE, then march segment by segment (breakpoints) and output by output. */

/* The CVODE objects of one integration; released by session_free in any state. */
struct session {
  SUNContext sunctx;
  N_Vector y;
  SUNMatrix A;
  SUNLinearSolver LS;
  void *mem;
  enum hd_linsol ls;
  bool seg_started; /* the current CVODE segment has counters to add */
  double last_step;
};

/* Refuses a malformed request (CV_ILL_INPUT with a message) before anything is built. */
static int check_request(const struct hd_ode_system *sys, const double *y0, const double *tout,
                         size_t nout, const struct hd_integrate_opts *opts,
                         struct hd_integrate_stats *st)
{
  if (!sys || !sys->rhs || sys->dimension == 0 || !y0 || !tout || !opts) {
    fail_input(st, CV_ILL_INPUT, "missing system, right-hand side, y0, tout or options");
    return st->flag;
  }
  if (nout == 0) {
    fail_input(st, CV_ILL_INPUT, "no output times");
    return st->flag;
  }
  for (size_t k = 0; k < nout; k++)
    if (!isfinite(tout[k]) || (k > 0 && !(tout[k] > tout[k - 1]))) {
      fail_input(st, CV_ILL_INPUT, "output times must be finite and strictly increasing");
      return st->flag;
    }
  if (isnan(opts->atol) ? !(opts->rtol > 0)
                        : !(opts->rtol >= 0) || !(opts->atol >= 0) ||
                              (opts->rtol == 0 && opts->atol == 0)) {
    fail_input(st, CV_ILL_INPUT,
               "tolerances must be >= 0 and not both 0 (rtol > 0 with atol = HD_ATOL_AUTO)");
    return st->flag;
  }
  for (size_t i = 1; sys->breakpoints && i < sys->n_breakpoints; i++)
    if (!(sys->breakpoints[i] >= sys->breakpoints[i - 1])) {
      fail_input(st, CV_ILL_INPUT, "breakpoints must be sorted ascending");
      return st->flag;
    }
  return 0;
}

/* The linear solver that will run (auto resolved), or a refusal when the system lacks
 * what the requested one needs. */
static int pick_linsol(const struct hd_ode_system *sys, enum hd_linsol want,
                       struct hd_integrate_stats *st, enum hd_linsol *ls_out)
{
  const size_t n = sys->dimension;
  enum hd_linsol ls = want;
  if (ls == HD_LINSOL_AUTO)
    ls = sys->jac_structured ? HD_LINSOL_WOODBURY : n <= 64 ? HD_LINSOL_DENSE : HD_LINSOL_GMRES;
  if (ls != HD_LINSOL_DENSE && ls != HD_LINSOL_GMRES && ls != HD_LINSOL_STRUCTURED &&
      ls != HD_LINSOL_WOODBURY) {
    fail_input(st, CV_ILL_INPUT, "unknown linear solver");
    return st->flag;
  }
  st->linsol = hd_linsol_name(ls);
  if ((ls == HD_LINSOL_STRUCTURED || ls == HD_LINSOL_WOODBURY) &&
      (!sys->jac_structured || sys->block == 0 || n % sys->block != 0 || sys->rank > n)) {
    fail_input(st, CV_ILL_INPUT,
               ls == HD_LINSOL_WOODBURY
                   ? "woodbury linear solver needs jac_structured, block >= 1 dividing the "
                     "dimension, and rank <= dimension"
                   : "structured linear solver needs jac_structured, block >= 1 dividing "
                     "the dimension, and rank <= dimension");
    return st->flag;
  }
  *ls_out = ls;
  return 0;
}

static void driver_init(struct driver *D, const struct hd_ode_system *sys, enum hd_linsol ls,
                        const struct hd_integrate_opts *opts)
{
  const size_t n = sys->dimension;
  memset(D, 0, sizeof *D);
  D->sys = sys;
  D->t_guard = NAN;
  D->rtol = opts->rtol;
  D->atol = opts->atol;
  /* The affine form queues f, which reads y, into CVODE's next pass.  The dense solver's
   * difference-quotient Jacobian perturbs and restores y through its data pointer,
   * behind the queue, between one f and the next: a queued f would read the restored y.
   * So the dense solver calls the plain function, computed at once. */
  if (sys->affine && ls != HD_LINSOL_DENSE) {
    /* the affine form's finiteness bound needs lam finite and its max */
    D->affine_ok = true;
    for (size_t i = 0; i < n; i++) {
      double a = fabs(sys->affine->lam[i]);
      if (!(a <= DBL_MAX)) D->affine_ok = false;
      else if (a > D->lam_max) D->lam_max = a;
    }
  }
}

/* The state vector (holding y0) and CVODE with its right-hand side, tolerances and step
 * limit. */
static int create_cvode(struct session *S, struct driver *D, const double *y0, double t0,
                        long max_steps, struct hd_integrate_stats *st)
{
  const size_t n = D->sys->dimension;
  if (SUNContext_Create(NULL, &S->sunctx) != 0) {
    S->sunctx = NULL;
    fail_input(st, CV_MEM_FAIL, "SUNContext_Create failed");
    return st->flag;
  }
  S->y = N_VNew_Serial((sunindextype)n, S->sunctx);
  if (!S->y) {
    fail_input(st, CV_MEM_FAIL, "out of memory (state vector)");
    return st->flag;
  }
  /* Fused vector operations let CVODE's Nordsieck updates touch each vector once
   * (N_VLinearCombination etc.) rather than once per term: most of a step's cost at
   * large d is memory traffic.  Then the vectorisable kernels replace the library's.
   * Clones (all of CVODE's and SPGMR's work vectors) inherit the ops table. */
  N_VEnableFusedOps_Serial(S->y, SUNTRUE);
  hd_nv_install(S->y); /* deferred, fused, threaded kernels (nv_fused.h) */
  memcpy(N_VGetArrayPointer(S->y), y0, n * sizeof(double));

  S->mem = CVodeCreate(CV_BDF, S->sunctx);
  if (!S->mem) {
    fail_input(st, CV_MEM_FAIL, "CVodeCreate failed");
    return st->flag;
  }
  D->cvode_mem = S->mem;
  CVodeSetErrHandlerFn(S->mem, err_handler, D);

  int flag = CVodeInit(S->mem, rhs_wrap, t0, S->y);
  /* the tolerances, through ewt_wrap (one pass instead of CVODE's four) */
  if (flag == CV_SUCCESS) flag = CVodeWFtolerances(S->mem, ewt_wrap);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(S->mem, D);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(S->mem, max_steps);
  if (flag != CV_SUCCESS) {
    fail(st, D, flag, t0);
    return flag;
  }
  return 0;
}

/* Creates the linear solver S->ls (and the Jacobian storage it needs) and attaches it. */
static int attach_linsol(struct session *S, struct driver *D, struct hd_integrate_stats *st)
{
  const size_t n = D->sys->dimension;
  switch (S->ls) {
  case HD_LINSOL_DENSE:
    S->A = SUNDenseMatrix((sunindextype)n, (sunindextype)n, S->sunctx);
    if (S->A) S->LS = SUNLinSol_Dense(S->y, S->A, S->sunctx);
    break;
  case HD_LINSOL_GMRES: S->LS = SUNLinSol_SPGMR(S->y, SUN_PREC_NONE, MAXL_GMRES, S->sunctx); break;
  case HD_LINSOL_WOODBURY:
    if (alloc_precond(D) != 0) {
      fail_input(st, CV_MEM_FAIL, "out of memory (structured Jacobian)");
      return st->flag;
    }
    S->A = shell_matrix(S->sunctx);
    if (S->A) S->LS = woodbury_ls(D, S->sunctx);
    break;
  default:
    if (alloc_precond(D) != 0) {
      fail_input(st, CV_MEM_FAIL, "out of memory (structured Jacobian)");
      return st->flag;
    }
    S->LS = SUNLinSol_SPGMR(S->y, SUN_PREC_LEFT, MAXL_STRUCTURED, S->sunctx);
    break;
  }
  if (!S->LS) {
    fail_input(st, CV_MEM_FAIL, "could not create the linear solver");
    return st->flag;
  }
  int flag = CVodeSetLinearSolver(S->mem, S->LS, S->A);
  if (flag == CVLS_SUCCESS && S->ls == HD_LINSOL_STRUCTURED)
    flag = CVodeSetPreconditioner(S->mem, psetup, psolve);
  if (flag == CVLS_SUCCESS && S->ls == HD_LINSOL_WOODBURY) {
    /* J comes from wb_linsys; wb_solve is exact at the current gamma, so CVODE must not
     * rescale its solution (see the woodbury section) */
    flag = CVodeSetLinSysFn(S->mem, wb_linsys);
    if (flag == CVLS_SUCCESS) flag = CVodeSetLinearSolutionScaling(S->mem, SUNFALSE);
  }
  if (flag != CVLS_SUCCESS) {
    /* CVLS flags are their own enumeration: name them with the CVLS table */
    char *name = CVodeGetLinReturnFlagName(flag);
    char msg[128];
    snprintf(msg, sizeof msg, "attaching the %s linear solver failed: %s", st->linsol,
             name ? name : "CVLS_UNKNOWN");
    free(name);
    fail_input(st, CV_LINIT_FAIL, msg);
    return st->flag;
  }
  return 0;
}

/* The breakpoints that matter lie strictly inside (t0, tend]; one at tend needs no
 * restart.  next is the first one not yet passed. */
struct breaks {
  const double *t;
  size_t n, next;
  double tend;
};

static void breaks_init(struct breaks *b, const struct hd_ode_system *sys, double t0, double tend)
{
  b->t = sys->breakpoints;
  b->n = sys->breakpoints ? sys->n_breakpoints : 0;
  b->next = 0;
  b->tend = tend;
  while (b->next < b->n && !(b->t[b->next] > t0)) b->next++;
}

/* Whether a breakpoint lies ahead before tend. */
static bool breaks_ahead(const struct breaks *b)
{
  return b->next < b->n && b->t[b->next] < b->tend;
}

/* The stop time is the next breakpoint, or tend: CVODE may then overshoot an output time
 * and interpolate (cheap), but never a breakpoint, and never evaluates the RHS beyond
 * the last output. */
static double breaks_stop(const struct breaks *b)
{
  return breaks_ahead(b) ? b->t[b->next] : b->tend;
}

/* At a breakpoint (or where the rounding guard was added) tcur: drop the BDF history and
 * restart on the new right-hand side, skipping duplicates of this breakpoint.  CVODE's counters restart too, so the finished
 * segment's are added to D->base first. */
static int restart_at(struct session *S, struct driver *D, struct breaks *b, double tcur,
                      struct hd_integrate_stats *st)
{
  struct counters c;
  read_counters(S->mem, &c);
  add_counters(&D->base, &c);
  S->seg_started = false;
  while (b->next < b->n && !(b->t[b->next] > tcur)) b->next++;
  int flag = CVodeReInit(S->mem, tcur, S->y);
  if (flag == CV_SUCCESS) flag = CVodeSetStopTime(S->mem, breaks_stop(b));
  if (flag != CV_SUCCESS) {
    fail(st, D, flag, tcur);
    return flag;
  }
  return 0;
}

/* Advances from *tcur to target, stopping and restarting at every breakpoint on the
 * way. */
static int advance_to(struct session *S, struct driver *D, struct breaks *b, double *tcur,
                      double target, struct hd_integrate_stats *st)
{
  for (;;) {
    double tstop = breaks_stop(b);
    bool at_break = breaks_ahead(b) && tstop <= target;
    double goal = at_break ? tstop : target;
    sunrealtype tret = *tcur;
    int flag = CVode(S->mem, goal, S->y, &tret, CV_NORMAL);
    S->seg_started = true;
    if (flag < 0 && add_rounding_guard(D, flag)) {
      /* CVODE left the last accepted state in S->y at tret: restart there */
      D->t_guard = tret;
      int rc = restart_at(S, D, b, tret, st);
      if (rc != 0) return rc;
      *tcur = tret;
      continue;
    }
    if (flag < 0) {
      double tf = *tcur;
      CVodeGetCurrentTime(S->mem, &tf);
      fail(st, D, flag, tf);
      return flag;
    }
    double h = 0;
    if (CVodeGetLastStep(S->mem, &h) == CV_SUCCESS && h != 0) S->last_step = h;
    *tcur = goal;
    if (!at_break) return 0;
    int rc = restart_at(S, D, b, *tcur, st);
    if (rc != 0) return rc;
    if (*tcur == target) return 0;
  }
}

/* Hands output k to the caller; a non-zero answer stops the integration. */
static int emit(hd_output_fn out, void *ctx, size_t k, double t, const double *y,
                struct hd_integrate_stats *st)
{
  if (!out) return 0;
  int rc = out(k, t, y, ctx);
  if (rc != 0) {
    st->flag = rc;
    snprintf(st->message, sizeof st->message,
             "output callback stopped the integration at t = %.10g (code %d)", t, rc);
    st->t_fail = t;
  }
  return rc;
}

/* Integrates over tout[0..nout-1] on a ready session, calling out at every output. */
static int march(struct session *S, struct driver *D, const double *y0, const double *tout,
                 size_t nout, hd_output_fn out, void *ctx, struct hd_integrate_stats *st)
{
  const double t0 = tout[0];
  struct breaks b;
  breaks_init(&b, D->sys, t0, tout[nout - 1]);
  int flag = CVodeSetStopTime(S->mem, breaks_stop(&b));
  if (flag != CV_SUCCESS) {
    fail(st, D, flag, t0);
    return flag;
  }
  int rc = emit(out, ctx, 0, t0, y0, st);
  if (rc != 0) return rc;
  double tcur = t0;
  for (size_t k = 1; k < nout; k++) {
    rc = advance_to(S, D, &b, &tcur, tout[k], st);
    if (rc == 0) rc = emit(out, ctx, k, tout[k], N_VGetArrayPointer(S->y), st);
    if (rc != 0) return rc;
  }
  return 0;
}

/* The counters over all segments (and woodbury's own), then the CVODE objects freed. */
static void session_finish(struct session *S, struct driver *D, struct hd_integrate_stats *st)
{
  if (S->mem) {
    struct counters c = D->base;
    if (S->seg_started) {
      struct counters cur;
      read_counters(S->mem, &cur);
      add_counters(&c, &cur);
      double h = 0;
      if (CVodeGetLastStep(S->mem, &h) == CV_SUCCESS && h != 0) S->last_step = h;
    }
    if (S->ls == HD_LINSOL_WOODBURY) {
      /* no preconditioner: report the solver's own factorisations and solves */
      c.prec_setups = D->wb_setups;
      c.prec_solves = D->wb_solves;
    }
    store_counters(st, &c);
    st->last_step = S->last_step;
    st->t_guard = D->t_guard;
  }
  if (S->mem) CVodeFree(&S->mem);
  if (S->LS) SUNLinSolFree(S->LS);
  if (S->A) SUNMatDestroy(S->A);
  if (S->y) N_VDestroy(S->y);
  free_precond(D);
  free(D->peak);
  free(D->zero_start);
  D->peak = NULL;
  D->zero_start = NULL;
  if (S->sunctx) SUNContext_Free(&S->sunctx);
}

int hd_integrate(const struct hd_ode_system *sys, const double *y0, const double *tout, size_t nout,
                 const struct hd_integrate_opts *opts, hd_output_fn out, void *ctx,
                 struct hd_integrate_stats *stats)
{
  struct hd_integrate_stats local;
  struct hd_integrate_stats *st = stats ? stats : &local;
  memset(st, 0, sizeof *st);
  st->t_fail = NAN;
  st->t_guard = NAN;
  st->linsol = "none";

  struct session S = {0};
  int ret = check_request(sys, y0, tout, nout, opts, st);
  if (ret == 0) ret = pick_linsol(sys, opts->linsol, st, &S.ls);
  if (ret != 0) return ret;

  struct driver D;
  driver_init(&D, sys, S.ls, opts);
  if (isnan(opts->atol) && peaks_init(&D, y0) != 0) {
    fail_input(st, CV_MEM_FAIL, "out of memory (tolerance scales)");
    ret = st->flag;
  }
  if (ret == 0) ret = create_cvode(&S, &D, y0, tout[0], opts->max_steps, st);
  if (ret == 0) ret = attach_linsol(&S, &D, st);
  if (ret == 0) ret = march(&S, &D, y0, tout, nout, out, ctx, st);
  session_finish(&S, &D, st);
  return ret;
}
