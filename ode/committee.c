/* committee.c — the per-eigenvalue-group ODE of one-pass SGD on a committee machine
 * (docs/theory/committee.md CM-5, CM-6) and its observables (CM-3).  The expectations
 * depend on the global covariance C only, so one right-hand side costs the expectations
 * once plus O(groups (K + M)^2 K). */
#include "ode/committee.h"

#include <math.h>
#include <string.h>

size_t cm_block(size_t K, size_t M) { return K * (K + 1) / 2 + K * M; }

size_t cm_dimension(const struct cm_system *S) { return S->n_groups * cm_block(S->K, S->M); }

size_t cm_n_observables(size_t K, size_t M) { return 1 + K * (K + 1) / 2 + K * M; }

/* The group block S^g (n x n) from its state (Q upper triangle row by row, then R row-major)
 * and the fixed teacher block T^g. */
static void group_matrix(const struct cm_system *S, size_t g, const double *yg, double *Sg)
{
  const size_t K = S->K, M = S->M, n = K + M;
  const double *T = S->g_T + g * M * M;
  size_t u = 0;
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++, u++) Sg[k * n + l] = Sg[l * n + k] = yg[u];
  for (size_t k = 0; k < K; k++)
    for (size_t m = 0; m < M; m++, u++) Sg[k * n + K + m] = Sg[(K + m) * n + k] = yg[u];
  for (size_t m = 0; m < M; m++)
    for (size_t q = 0; q < M; q++) Sg[(K + m) * n + K + q] = T[m * M + q];
}

void cm_covariance(const struct cm_system *S, const double *y, double *C)
{
  const size_t n = S->K + S->M, B = cm_block(S->K, S->M);
  double Sg[CM_MAX_H * CM_MAX_H];
  memset(C, 0, n * n * sizeof *C);
  for (size_t g = 0; g < S->n_groups; g++) {
    group_matrix(S, g, y + g * B, Sg);
    for (size_t i = 0; i < n * n; i++) C[i] += S->g_lambda[g] * Sg[i];
  }
}

/* The coefficient of g(h_p) in the error e = y - yhat (noise aside): v*_m for the teacher's
 * units, -v_k for the student's (CM-1). */
static double coef(const struct cm_system *S, size_t p)
{
  return p < S->K ? -S->v[p] : S->vstar[p - S->K];
}

int cm_moments(const struct cm_system *S, const double *C, double *D, double *E)
{
  const size_t K = S->K, n = K + S->M;
  const struct cm_expect *X = &S->ex;
  double s2 = S->noise * S->noise;
  int ok = 1;
  for (size_t k = 0; k < K; k++) { /* CM-4: D_kj = E[d delta_k / d h_j] */
    double *Dk = D + k * n;
    for (size_t j = 0; j < n; j++) Dk[j] = 0;
    for (size_t p = 0; p < n; p++) {
      double sa, sb, c = S->v[k] * coef(S, p);
      cm_pair(X, C, n, k, p, &sa, &sb);
      Dk[k] += c * sa;
      Dk[p] += c * sb;
    }
    for (size_t j = 0; j < n; j++) ok = ok && isfinite(Dk[j]);
  }
  double c[CM_MAX_H];
  for (size_t p = 0; p < n; p++) c[p] = coef(S, p);
  if (X->closed_form && X->act.kind == CM_ACT_RELU) /* CM-10 */
    return cm_relu_delta_moments(X, C, n, K, c, S->v, s2, E) == 0 && ok ? 0 : -1;
  if (X->closed_form && X->act.kind == CM_ACT_LINEAR) { /* CM-8c: e = sum_p c_p h_p */
    double ee = s2;
    for (size_t p = 0; p < n; p++)
      for (size_t q = 0; q < n; q++) ee += c[p] * c[q] * C[p * n + q];
    for (size_t k = 0; k < K; k++)
      for (size_t l = 0; l < K; l++) E[k * K + l] = S->v[k] * S->v[l] * ee;
    return ok && isfinite(ee) ? 0 : -1;
  }
  const int joint = !(X->act.kind == CM_ACT_ERF && X->closed_form) && n <= 4;
  if (joint) cm_delta_moments(X, C, n, K, c, S->v, s2, E);
  for (size_t k = 0; k < K; k++) /* CM-7: E_kl = E[delta_k delta_l] */
    for (size_t l = k; l < K; l++) {
      if (joint) {
        ok = ok && isfinite(E[k * K + l]);
        continue;
      }
      double acc = 0;
      for (size_t p = 0; p < n; p++) {
        acc += c[p] * c[p] * cm_i4(X, C, n, k, l, p, p);
        for (size_t q = p + 1; q < n; q++) acc += 2 * c[p] * c[q] * cm_i4(X, C, n, k, l, p, q);
      }
      if (s2 != 0) acc += s2 * cm_j2(X, C, n, k, l);
      E[k * K + l] = E[l * K + k] = S->v[k] * S->v[l] * acc;
      ok = ok && isfinite(acc);
    }
  return ok ? 0 : -1;
}

static int cm_rhs(double t, const double *y, double *dy, void *params)
{
  const struct cm_system *S = params;
  const size_t K = S->K, M = S->M, n = K + M, B = cm_block(K, M);
  double C[CM_MAX_H * CM_MAX_H], D[CM_MAX_UNITS * CM_MAX_H], E[CM_MAX_UNITS * CM_MAX_UNITS];
  double Sg[CM_MAX_H * CM_MAX_H], DS[CM_MAX_UNITS * CM_MAX_H];
  cm_covariance(S, y, C);
  if (cm_moments(S, C, D, E) != 0) return 1; /* recoverable: CVODE retries a smaller step */
  const double gam = hd_schedule_lr(t, S->schedule);
  for (size_t g = 0; g < S->n_groups; g++) {
    const double lam = S->g_lambda[g], a = gam * lam, b = gam * gam * S->g_weight[g] * lam;
    group_matrix(S, g, y + g * B, Sg);
    for (size_t k = 0; k < K; k++) /* (D S^g)_{k, j} */
      for (size_t j = 0; j < n; j++) {
        double acc = 0;
        for (size_t i = 0; i < n; i++) acc += D[k * n + i] * Sg[i * n + j];
        DS[k * n + j] = acc;
      }
    double *out = dy + g * B;
    size_t u = 0;
    for (size_t k = 0; k < K; k++) /* CM-6 */
      for (size_t l = k; l < K; l++, u++)
        out[u] = a * (DS[k * n + l] + DS[l * n + k]) + b * E[k * K + l];
    for (size_t k = 0; k < K; k++) /* CM-5 */
      for (size_t m = 0; m < M; m++, u++) out[u] = a * DS[k * n + K + m];
  }
  return 0;
}

void cm_ode_fill(const struct cm_system *S, struct hd_ode_system *sys, double *y0)
{
  memset(sys, 0, sizeof *sys);
  sys->dimension = cm_dimension(S);
  sys->rhs = cm_rhs;
  sys->breakpoints = S->breakpoints;
  sys->n_breakpoints = S->n_breakpoints;
  sys->params = (void *)S; /* read-only */
  memcpy(y0, S->y0, sys->dimension * sizeof *y0);
}

void cm_observe_cov(const struct cm_system *S, const double *C, double *out)
{
  const size_t K = S->K, M = S->M, n = K + M;
  double eg = 0;
  for (size_t p = 0; p < n; p++) { /* CM-3 */
    eg += 0.5 * coef(S, p) * coef(S, p) * cm_i2(&S->ex, C, n, p, p);
    for (size_t q = p + 1; q < n; q++) eg += coef(S, p) * coef(S, q) * cm_i2(&S->ex, C, n, p, q);
  }
  size_t o = 0;
  out[o++] = eg;
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++) out[o++] = C[k * n + l];
  for (size_t k = 0; k < K; k++)
    for (size_t m = 0; m < M; m++) out[o++] = C[k * n + K + m];
}

void cm_observe(const struct cm_system *S, const double *y, double *out)
{
  double C[CM_MAX_H * CM_MAX_H];
  cm_covariance(S, y, C);
  cm_observe_cov(S, C, out);
}
