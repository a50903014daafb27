/* grok_lazy.c — the lazy limit alpha -> infinity (grok.md §2.5): the centred network is its
 * linearisation, whose train residual follows a fixed-kernel flow with the infinite-width
 * initial NTK
 *     K0_{mu nu} = x_mu.x_nu + eps^2 sigma^2 (x_mu.x_nu)^2,        r(0) = -y
 * (eta0 -> eta0/sigma^2 under the sigma-sweep convention).  Writing f~ = k0(x, X) a, the
 * coefficients obey a+ = a - h r (GD) or da/dt = -h r (flow), h = 2 eta0 / P, so in the
 * eigenbasis K0 = V diag(lam) V^T (LAPACKE dsyevd, once) every mode is independent:
 *     ahat_k+ = ahat_k + h (yhat_k - lam_k ahat_k)      (GD: the recursion)
 *     d ahat_k/dt = h (yhat_k - lam_k ahat_k)             (flow: the ODE, diagonal Jacobian)
 * with the closed forms ahat_k = yhat_k (1 - (1 - h lam_k)^t) / lam_k  and
 * yhat_k (1 - exp(-h lam_k t)) / lam_k.  Observables: alpha u = X^T a and
 * alpha eps M' = 2 eps^2 sigma^2 X^T diag(a) X (§2.5), read by grok_observe_moments;
 * |W - W0|^2 / N = a^T K0 a / alpha^2 for the linearised network at the model's alpha. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ode/grok_limit.h"

static double step_h(const struct grok_limit *L)
{
  return 2.0 * L->sys->eta0_eff / (double)L->sys->P;
}

int grok_lazy_prepare(struct grok_limit *L)
{
  size_t n = L->sys->P;
  L->V = malloc(n * n * sizeof(double));
  L->lam = malloc(n * sizeof(double));
  L->yhat = malloc(n * sizeof(double));
  memcpy(L->V, L->K0, n * n * sizeof(double));
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, L->V, (lapack_int)n,
                                   L->lam);
  /* yhat = V^T y (columns of V are the eigenvectors) */
  if (info == 0)
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, L->V, (int)n, L->sys->y, 1, 0.0,
                L->yhat, 1);
  return info == 0 ? 0 : -1;
}

size_t grok_lazy_dimension(const struct grok_limit *L) { return L->sys->P; }

static int lazy_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  const struct grok_limit *L = params;
  double h = step_h(L);
  for (size_t k = 0; k < L->sys->P; k++) dy[k] = h * (L->yhat[k] - L->lam[k] * y[k]);
  return 0;
}

static int lazy_jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  (void)t, (void)y;
  const struct grok_limit *L = params;
  double h = step_h(L);
  for (size_t k = 0; k < L->sys->P; k++) J->blocks[k] = -h * L->lam[k];
  return 0;
}

int grok_lazy_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0)
{
  size_t n = L->sys->P;
  memset(y0, 0, n * sizeof *y0);
  *sys = (struct hd_ode_system){.dimension = n,
                                .rhs = lazy_rhs,
                                .jac_structured = lazy_jac,
                                .block = 1,
                                .rank = 0,
                                .params = L};
  return 0;
}

void grok_lazy_rec_step(const struct grok_limit *L, uint64_t k, double *y)
{
  (void)k;
  double h = step_h(L);
  for (size_t j = 0; j < L->sys->P; j++) y[j] += h * (L->yhat[j] - L->lam[j] * y[j]);
}

void grok_lazy_closed_form(const struct grok_limit *L, double t, bool gd, double *ahat)
{
  double h = step_h(L);
  for (size_t k = 0; k < L->sys->P; k++) {
    double hl = h * L->lam[k];
    /* (1 - decay) / lam, written without cancellation for small h lam t */
    double one_minus = gd ? -expm1(t * log1p(-hl)) : -expm1(-hl * t);
    ahat[k] = fabs(hl) > 0 ? L->yhat[k] * one_minus / L->lam[k] : L->yhat[k] * h * t;
  }
}

void grok_lazy_observe(const struct grok_limit *L, const double *ahat, double *out)
{
  const struct grok_system *S = L->sys;
  size_t n = S->P, D = S->D;
  struct grok_work w = L->tw;
  double al = S->alpha, s2 = S->sigma * S->sigma;
  /* train residual in the eigenbasis: lam ahat - yhat */
  double loss = 0;
  for (size_t k = 0; k < n; k++) {
    double r = L->lam[k] * ahat[k] - L->yhat[k];
    loss += r * r;
  }
  out[GROK_OBS_TRAIN] = loss / (double)n;
  double *a = w.a;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, L->V, (int)n, ahat, 1, 0.0, a, 1);
  /* wbar = X^T a / alpha;  M = sigma^2 I + (2 eps sigma^2 / alpha) X^T diag(a) X */
  double *wb = malloc(D * sizeof *wb);
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)D, 1.0 / al, S->X, (int)D, a, 1, 0.0, wb, 1);
  double *AX = malloc(n * D * sizeof *AX);
  for (size_t m = 0; m < n; m++)
    for (size_t j = 0; j < D; j++) AX[m * D + j] = a[m] * S->X[m * D + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)D, (int)n,
              2.0 * S->eps * s2 / al, S->X, (int)D, AX, (int)D, 0.0, w.M, (int)D);
  for (size_t i = 0; i < D; i++) w.M[i * D + i] += s2;
  /* a^T K0 a / alpha^2 */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, L->K0, (int)n, a, 1, 0.0, w.Da, 1);
  double move2 = cblas_ddot((int)n, a, 1, w.Da, 1) / (al * al);
  double train = out[GROK_OBS_TRAIN];
  grok_observe_moments(S, wb, w.M, L->zero, L->M0, move2, L->f0t, &w, out);
  out[GROK_OBS_TRAIN] = train;
  free(AX);
  free(wb);
}
