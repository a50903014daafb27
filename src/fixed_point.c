/* fixed_point.c — damped Newton for a root of an autonomous limit ODE, and its
 * stability test (see fixed_point.h).
 *
 * Newton: J dy = -f(y), y += lambda dy with lambda halved until |f|_2 falls by the
 * Armijo factor (1 - 1e-4 lambda); converged when the full step is below 1e-12 |y|_inf.
 * J is refactorised only when the steps stop contracting fast (chord iterations).
 * Started from the end of the integrated trajectory, the root is usually within the
 * basin where lambda = 1 from the first step.  A Jacobian from central differences is
 * accurate to about eps^(2/3); Newton then still converges to the exact root (the
 * residual, not J, decides where it stops), only a little slower than quadratically.
 * LAPACK runs with OpenBLAS on one thread, so the root's bits do not depend on --threads. */
#include "fixed_point.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_threads.h"
#include "interrupt.h"

#define MAX_ITER      40
#define MAX_HALVING   40
#define STEP_TOL      1e-12
#define PROGRESS_ITER 8

struct work {
  const struct hd_ode_system *sys;
  double t;
  size_t n;
  double *J, *LU, *f, *ft, *yt, *dy, *wr, *wi;
  double jnorm; /* max row sum of |J| at the last factorisation */
  lapack_int *piv;
  struct hd_sjac sj;
};

static double norm_inf(const double *v, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
  return m;
}

static double norm_2(const double *v, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i] * v[i];
  return sqrt(s);
}

/* f(t, y); 0, or non-zero when the system refused or gave a non-finite value */
static int eval(struct work *w, const double *y, double *f)
{
  if (w->sys->rhs(w->t, y, f, w->sys->params) != 0) return 1;
  for (size_t i = 0; i < w->n; i++)
    if (!isfinite(f[i])) return 1;
  return 0;
}

/* J from the system's structured Jacobian: blockdiag(B) + U V^T, row-major dense */
static int jac_structured(struct work *w, const double *y)
{
  const struct hd_ode_system *s = w->sys;
  size_t n = w->n, b = w->sj.block, r = w->sj.rank;
  if (s->jac_structured(w->t, y, &w->sj, s->params) != 0) return 1;
  memset(w->J, 0, n * n * sizeof *w->J);
  for (size_t k = 0; k < w->sj.n_blocks; k++)
    for (size_t i = 0; i < b; i++)
      for (size_t j = 0; j < b; j++)
        w->J[(k * b + i) * n + k * b + j] = w->sj.blocks[k * b * b + i * b + j];
  for (size_t c = 0; c < r; c++) {
    const double *u = w->sj.U + c * n, *v = w->sj.V + c * n;
    for (size_t i = 0; i < n; i++)
      if (u[i] != 0)
        for (size_t j = 0; j < n; j++) w->J[i * n + j] += u[i] * v[j];
  }
  return 0;
}

/* J by central differences, one column per pair of evaluations (forward where the
 * backward point is refused, e.g. a variance pushed below zero) */
static int jac_differences(struct work *w, const double *y)
{
  size_t n = w->n;
  double scale = fmax(1e-3 * norm_inf(y, n), 1e-10);
  memcpy(w->yt, y, n * sizeof *y);
  for (size_t j = 0; j < n; j++) {
    double h = cbrt(DBL_EPSILON) * fmax(fabs(y[j]), scale);
    w->yt[j] = y[j] + h;
    if (eval(w, w->yt, w->ft) != 0) return 1;
    for (size_t i = 0; i < n; i++) w->J[i * n + j] = w->ft[i];
    w->yt[j] = y[j] - h;
    if (eval(w, w->yt, w->ft) == 0) {
      for (size_t i = 0; i < n; i++) w->J[i * n + j] = (w->J[i * n + j] - w->ft[i]) / (2 * h);
    } else {
      if (eval(w, y, w->ft) != 0) return 1;
      for (size_t i = 0; i < n; i++) w->J[i * n + j] = (w->J[i * n + j] - w->ft[i]) / h;
    }
    w->yt[j] = y[j];
  }
  return 0;
}

static int jacobian(struct work *w, const double *y)
{
  return w->sys->jac_structured ? jac_structured(w, y) : jac_differences(w, y);
}

static void work_free(struct work *w)
{
  free(w->J), free(w->LU), free(w->f), free(w->ft), free(w->yt), free(w->dy), free(w->wr);
  free(w->wi), free(w->piv), free(w->sj.blocks), free(w->sj.U), free(w->sj.V);
}

static int work_alloc(struct work *w)
{
  size_t n = w->n;
  w->J = malloc(n * n * sizeof *w->J);
  w->LU = malloc(n * n * sizeof *w->LU);
  w->f = malloc(n * sizeof *w->f);
  w->ft = malloc(n * sizeof *w->ft);
  w->yt = malloc(n * sizeof *w->yt);
  w->dy = malloc(n * sizeof *w->dy);
  w->wr = malloc(n * sizeof *w->wr);
  w->wi = malloc(n * sizeof *w->wi);
  w->piv = malloc(n * sizeof *w->piv);
  int ok = w->J && w->LU && w->f && w->ft && w->yt && w->dy && w->wr && w->wi && w->piv;
  if (ok && w->sys->jac_structured) {
    size_t b = w->sys->block ? w->sys->block : 1, r = w->sys->rank;
    w->sj = (struct hd_sjac){.dim = n, .block = b, .n_blocks = n / b, .rank = r};
    w->sj.blocks = malloc(n * b * sizeof *w->sj.blocks);
    w->sj.U = malloc((r ? n * r : 1) * sizeof *w->sj.U);
    w->sj.V = malloc((r ? n * r : 1) * sizeof *w->sj.V);
    ok = w->sj.blocks && w->sj.U && w->sj.V;
  }
  return ok ? 0 : -1;
}

int hd_fixed_point_autonomous(const struct hd_ode_system *sys, double t1, double t2,
                              const double *y)
{
  size_t n = sys->dimension;
  double *f1 = malloc(2 * n * sizeof *f1);
  if (!f1) return 0;
  double *f2 = f1 + n;
  int same = sys->rhs(t1, y, f1, sys->params) == 0 && sys->rhs(t2, y, f2, sys->params) == 0;
  double scale = 0;
  for (size_t i = 0; same && i < n; i++) scale = fmax(scale, fmax(fabs(f1[i]), fabs(f2[i])));
  for (size_t i = 0; same && i < n; i++) same = fabs(f1[i] - f2[i]) <= 64 * DBL_EPSILON * scale;
  free(f1);
  return same;
}

/* J at y, factorised into LU; 0, or -1 with the reason */
static int factorise(struct work *w, const double *y, int it, char *msg, size_t len)
{
  size_t n = w->n;
  if (jacobian(w, y) != 0) {
    snprintf(msg, len, "the Jacobian could not be evaluated at Newton iteration %d", it);
    return -1;
  }
  memcpy(w->LU, w->J, n * n * sizeof *w->J);
  w->jnorm = 0;
  for (size_t i = 0; i < n; i++) {
    double row = 0;
    for (size_t j = 0; j < n; j++) row += fabs(w->J[i * n + j]);
    w->jnorm = fmax(w->jnorm, row);
  }
  lapack_int N = (lapack_int)n;
  if (LAPACKE_dgetrf(LAPACK_ROW_MAJOR, N, N, w->LU, N, w->piv) != 0) {
    snprintf(msg, len, "singular Jacobian at Newton iteration %d (no isolated fixed point)", it);
    return -1;
  }
  return 0;
}

/* Newton iterations; 0 when converged (y then holds the root).  The factorised Jacobian
 * is kept while the steps contract fast (the chord method: at n = 1000 a factorisation
 * costs as much as hundreds of right-hand sides), and refreshed when they do not or the
 * line search had to damp. */
static int newton(struct work *w, double *y, struct hd_fixed_point_info *info, char *msg,
                  size_t len)
{
  size_t n = w->n;
  if (eval(w, y, w->f) != 0) {
    snprintf(msg, len, "the right-hand side is not finite at the start state");
    return -1;
  }
  int fresh = 0, have = 0;
  double last = INFINITY, f_start = norm_inf(w->f, n);
  for (int it = 1; it <= MAX_ITER; it++) {
    if (hd_interrupted()) {
      snprintf(msg, len, "interrupted by a signal");
      return -1;
    }
    info->iterations = it;
    if (norm_inf(w->f, n) == 0) return 0;
    if (!have) {
      if (factorise(w, y, it, msg, len) != 0) return -1;
      have = fresh = 1;
    }
    /* f at the rounding level of its terms (|J| |y|): no step can improve on y */
    if (norm_inf(w->f, n) <= 8 * DBL_EPSILON * w->jnorm * norm_inf(y, n)) return 0;
    for (size_t i = 0; i < n; i++) w->dy[i] = -w->f[i];
    lapack_int N = (lapack_int)n;
    LAPACKE_dgetrs(LAPACK_ROW_MAJOR, 'N', N, 1, w->LU, N, w->piv, w->dy, 1);
    double ynorm = norm_inf(y, n), full = norm_inf(w->dy, n), f0 = norm_2(w->f, n);
    double lambda = 1;
    int accepted = 0;
    for (int h = 0; h <= MAX_HALVING; h++, lambda /= 2) {
      for (size_t i = 0; i < n; i++) w->yt[i] = y[i] + lambda * w->dy[i];
      accepted = eval(w, w->yt, w->ft) == 0 && norm_2(w->ft, n) <= (1 - 1e-4 * lambda) * f0;
      if (accepted || !fresh) break; /* an old Jacobian is refreshed before damping */
    }
    info->step = ynorm > 0 ? full / ynorm : full;
    if (!accepted) {
      /* no decrease: at the rounding level of f when the full step is negligible */
      if (full <= STEP_TOL * ynorm) return 0;
      if (!fresh) {
        have = 0;
        it--; /* the same iteration again with the Jacobian here */
        continue;
      }
      snprintf(msg, len,
               "the damped Newton line search stalled at iteration %d (|f| = %.3g, step %.3g)", it,
               norm_inf(w->f, n), full);
      return -1;
    }
    memcpy(y, w->yt, n * sizeof *y);
    memcpy(w->f, w->ft, n * sizeof *w->f);
    if (lambda == 1 && full <= STEP_TOL * fmax(ynorm, norm_inf(y, n))) return 0;
    if (lambda < 1 || full > 0.25 * last) have = 0; /* slow: a fresh Jacobian next */
    /* from the end of a trajectory near a root Newton converges in a few steps; steps
     * that go on shrinking |f| slowly follow a state that drifts without a root (e.g.
     * weights growing like log t), and each costs a factorisation */
    if (it == PROGRESS_ITER && norm_inf(w->f, n) > 0.1 * f_start) {
      snprintf(msg, len,
               "Newton made no progress in %d iterations (|f| from %.3g to %.3g): no root near "
               "the state reached",
               it, f_start, norm_inf(w->f, n));
      return -1;
    }
    fresh = 0;
    last = full;
  }
  snprintf(msg, len, "Newton did not converge in %d iterations (|f| = %.3g)", MAX_ITER,
           norm_inf(w->f, n));
  return -1;
}

/* The Jacobian's eigenvalues at the root: every real part must be clearly below zero
 * (a zero or rounding-level one is a marginal direction, e.g. a conserved quantity) */
static int stable(struct work *w, const double *y, struct hd_fixed_point_info *info, char *msg,
                  size_t len)
{
  size_t n = w->n;
  if (jacobian(w, y) != 0) {
    snprintf(msg, len, "the Jacobian could not be evaluated at the root");
    return -1;
  }
  double jnorm = 0;
  for (size_t i = 0; i < n; i++) {
    double row = 0;
    for (size_t j = 0; j < n; j++) row += fabs(w->J[i * n + j]);
    jnorm = fmax(jnorm, row);
  }
  memcpy(w->LU, w->J, n * n * sizeof *w->J);
  lapack_int N = (lapack_int)n;
  if (LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', N, w->LU, N, w->wr, w->wi, NULL, 1, NULL, 1) != 0) {
    snprintf(msg, len, "the eigenvalues of the Jacobian did not converge");
    return -1;
  }
  double m = -INFINITY;
  for (size_t i = 0; i < n; i++) m = fmax(m, w->wr[i]);
  info->max_real = m;
  /* differences carry ~eps^(2/3) relative error in J; its eigenvalues as much */
  double margin = (w->sys->jac_structured ? 1e-13 : 1e-9) * jnorm;
  if (!(m < -margin)) {
    snprintf(msg, len,
             "the root is not asymptotically stable: the Jacobian has an eigenvalue with real "
             "part %.3g (|J| = %.3g)",
             m, jnorm);
    return -1;
  }
  return 0;
}

int hd_fixed_point(const struct hd_ode_system *sys, double t, double *y,
                   struct hd_fixed_point_info *info, char *msg, size_t msglen)
{
  *info = (struct hd_fixed_point_info){.max_real = NAN, .residual = NAN, .step = NAN};
  size_t n = sys->dimension;
  if (n == 0 || n > HD_FIXED_POINT_MAX_DIM) {
    snprintf(msg, msglen, "the state has %zu values; dense Newton and eigenvalues handle 1 to %d",
             n, HD_FIXED_POINT_MAX_DIM);
    return -1;
  }
  struct work w = {.sys = sys, .t = t, .n = n};
  info->exact_jacobian = sys->jac_structured != NULL;
  if (work_alloc(&w) != 0) {
    work_free(&w);
    snprintf(msg, msglen, "out of memory for a %zu x %zu Jacobian", n, n);
    return -1;
  }
  double *y0 = malloc(n * sizeof *y0);
  int rc = y0 ? 0 : -1;
  int blas = hd_blas_one_thread(); /* OpenBLAS's sums depend on its thread count */
  if (!y0) snprintf(msg, msglen, "out of memory");
  if (rc == 0) {
    memcpy(y0, y, n * sizeof *y);
    rc = newton(&w, y, info, msg, msglen);
  }
  if (rc == 0 && eval(&w, y, w.f) != 0) {
    snprintf(msg, msglen, "the right-hand side is not finite at the root");
    rc = -1;
  }
  if (rc == 0) {
    info->residual = norm_inf(w.f, n);
    rc = stable(&w, y, info, msg, msglen);
  }
  hd_blas_restore(blas);
  if (rc != 0 && y0) memcpy(y, y0, n * sizeof *y); /* leave the start untouched */
  free(y0);
  work_free(&w);
  return rc;
}
