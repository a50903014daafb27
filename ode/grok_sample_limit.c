/* grok_sample_limit.c — the N = infinity closure in sample space (grok.md §2.4; the map is
 * kernels/grok_sample.c), exact and O(P^3) per step instead of O(P D^2): the form to use
 * when P < D.  From wbar0 = 0 and U(0) = I the state (b, s, R) starts at (0, 1, 0), the
 * start's Gram matrix is Gam = K = X X^T with gscale = sigma^2, and every weight-space
 * observable is exact:
 *     M = sigma^2 s^2 I + X^T Q X,   Q = b b^T + sigma^2 (s (R + R^T) + R K R^T),
 * with test points entering only through the cross Gram matrix Kt = Xt X^T at output
 * times, so the cost per step does not depend on P_test. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ode/grok_limit.h"

struct grok_sample_limit {
  size_t n;                     /* P + 1 + P^2: the state (b, s, R) without velocities */
  double *Kd;                   /* the diagonal of K = X X^T */
  double *Kt;                   /* Xt X^T (P_test x P) */
  double *xt2;                  /* |x|^2 on the test points */
  double *h;                    /* X beta */
  struct grok_sample_seed seed; /* the N = infinity start: wbar0 = 0, Sigma0 = sigma^2 I */
  struct grok_sample_work w;    /* theory scratch (theory is single-threaded) */
  double *wbuf;
  /* observation scratch */
  double *Q, *A, *KtQ, *ft, *bt, *tK;
};

void grok_sample_limit_free(struct grok_sample_limit *S)
{
  if (!S) return;
  double *bufs[] = {S->Kd, S->Kt, S->xt2, S->h, S->wbuf, S->Q, S->A, S->KtQ, S->ft, S->bt, S->tK};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
  free(S);
}

size_t grok_sample_limit_bytes(const struct grok_limit *L)
{
  if (!L->smp) return 0;
  size_t n = L->sys->P, nt = L->sys->Pt;
  size_t doubles = n + nt * n + nt + n + grok_sample_work_size(n) + 2 * n * n + nt * n + 2 * nt +
                   (L->smp->tK ? nt * nt : 0);
  return sizeof *L->smp + doubles * sizeof(double);
}

int grok_sample_limit_prepare(struct grok_limit *L)
{
  const struct grok_system *P = L->sys;
  size_t n = P->P, nt = P->Pt, D = P->D;
  bool cka = P->slot_cka >= 0;
  struct grok_sample_limit *S = calloc(1, sizeof *S);
  if (!S) return -1;
  L->smp = S;
  S->n = grok_sample_state_size(n);
  S->Kd = malloc(n * sizeof(double));
  S->Kt = malloc(nt * n * sizeof(double));
  S->xt2 = malloc(nt * sizeof(double));
  S->h = malloc(n * sizeof(double));
  S->wbuf = malloc(grok_sample_work_size(n) * sizeof(double));
  S->Q = malloc(n * n * sizeof(double));
  S->A = malloc(n * n * sizeof(double));
  S->KtQ = malloc(nt * n * sizeof(double));
  S->ft = malloc(nt * sizeof(double));
  S->bt = malloc(nt * sizeof(double));
  S->tK = cka ? malloc(nt * nt * sizeof(double)) : NULL;
  if (!S->Kd || !S->Kt || !S->xt2 || !S->h || !S->wbuf || !S->Q || !S->A || !S->KtQ || !S->ft ||
      !S->bt || (cka && !S->tK))
    return -1;
  grok_sample_work_bind(&S->w, S->wbuf, n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)n, (int)D, 1.0, P->Xt, (int)D,
              P->X, (int)D, 0.0, S->Kt, (int)n);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)D, 1.0, P->X, (int)D, P->beta, 1, 0.0, S->h,
              1);
  for (size_t m = 0; m < n; m++) S->Kd[m] = P->K[m * n + m];
  for (size_t m = 0; m < nt; m++)
    S->xt2[m] = cblas_ddot((int)D, P->Xt + m * D, 1, P->Xt + m * D, 1);
  S->seed = (struct grok_sample_seed){.a0 = NULL,
                                      .Gam = P->K,
                                      .Gd = S->Kd,
                                      .f0 = P->center ? L->f0 : NULL,
                                      .gscale = P->sigma * P->sigma};
  return 0;
}

size_t grok_sample_limit_dimension(const struct grok_limit *L)
{
  return L->smp->n * (L->sys->momentum > 0 ? 2 : 1);
}

void grok_sample_limit_rec_init(const struct grok_limit *L, double *y)
{
  memset(y, 0, grok_sample_limit_dimension(L) * sizeof *y);
  y[L->sys->P] = 1.0; /* s(0) = 1: U(0) = I, b(0) = 0, R(0) = 0 */
}

void grok_sample_limit_rec_step(const struct grok_limit *L, uint64_t k, double *y)
{
  grok_sample_step(L->sys, &L->smp->seed, k, y, &L->smp->w);
}

static int sample_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  const struct grok_limit *L = params;
  struct grok_sample_limit *S = L->smp;
  grok_sample_increment(L->sys, &S->seed, y, NULL, dy, &S->w);
  return grok_rhs_status(dy, S->n);
}

int grok_sample_limit_ode(struct grok_limit *L, struct hd_ode_system *sys, double *y0)
{
  grok_sample_limit_rec_init(L, y0);
  *sys = (struct hd_ode_system){
      .dimension = grok_sample_limit_dimension(L), .rhs = sample_rhs, .params = L};
  return 0;
}

static double trace(const double *A, size_t n)
{
  double t = 0;
  for (size_t i = 0; i < n; i++) t += A[i * n + i];
  return t;
}

/* Q = b b^T + sigma^2 (s (R + R^T) + A R^T) with A = R K (left in S->A). */
static void form_Q(const struct grok_limit *L, const double *y)
{
  const struct grok_sample_limit *S = L->smp;
  size_t n = L->sys->P;
  const double *b = y, *R = y + n + 1;
  double s = y[n], sig2 = L->sys->sigma * L->sys->sigma;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, R, (int)n,
              L->sys->K, (int)n, 0.0, S->A, (int)n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, sig2, S->A, (int)n,
              R, (int)n, 0.0, S->Q, (int)n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      S->Q[i * n + j] += b[i] * b[j] + sig2 * s * (R[i * n + j] + R[j * n + i]);
}

/* The summary of (wbar, M) from Q (w holds a = K b and W = K R from the residual). */
static struct grok_summary summarise(const struct grok_limit *L, const double *y,
                                     struct grok_sample_work *w)
{
  const struct grok_system *P = L->sys;
  const struct grok_sample_limit *S = L->smp;
  size_t n = P->P;
  const double *b = y;
  double s = y[n], sig2 = P->sigma * P->sigma, dd = (double)P->D;
  /* |U - I|_F^2 = D (s-1)^2 + 2 (s-1) Tr(R K) + <R K, K R>_F  (U - I = (s-1) I + X^T R X) */
  double trRK = trace(S->A, n), RKKR = 0;
  for (size_t k = 0; k < n * n; k++) RKKR += S->A[k] * w->W[k];
  double u2 = cblas_ddot((int)n, b, 1, w->a, 1); /* |wbar|^2 = b^T K b */
  double move2 = u2 + sig2 * (dd * (s - 1) * (s - 1) + 2 * (s - 1) * trRK + RKKR);

  /* QK = Q K (into V, no longer needed): Tr(Q K) and ||X^T Q X||_F^2 = Tr(QK QK) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, S->Q, (int)n,
              P->K, (int)n, 0.0, w->V, (int)n);
  double trQK = trace(w->V, n), QKQK = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) QKQK += w->V[i * n + j] * w->V[j * n + i];
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, S->Q, (int)n, S->h, 1, 0.0,
              w->Delta, 1); /* Delta is free once the train loss is read */
  double hQh = cblas_ddot((int)n, S->h, 1, w->Delta, 1);

  /* M = m_iso I + X^T Q X and M' = kappa I + X^T Q X */
  double m_iso = sig2 * s * s, kappa = m_iso - (P->center ? sig2 : 0.0);
  return (struct grok_summary){.u2 = u2,
                               .wbar2 = u2,
                               .move2 = move2,
                               .trM = dd * m_iso + trQK,
                               .trM0 = dd * sig2,
                               .trMp = dd * kappa + trQK,
                               .fro = dd * kappa * kappa + 2 * kappa * trQK + QKQK,
                               .froM = dd * m_iso * m_iso + 2 * m_iso * trQK + QKQK,
                               .bMb = kappa * P->beta2 + hQh};
}

/* Test predictions: x.wbar = (Kt b), x^T M x = m_iso |x|^2 + (Kt Q Kt^T)_xx; then the
 * empirical test loss and the CKA. */
static void observe_test(const struct grok_limit *L, const double *y, double *out)
{
  const struct grok_system *P = L->sys;
  const struct grok_sample_limit *S = L->smp;
  size_t n = P->P, nt = P->Pt;
  const double *b = y;
  double s = y[n], m_iso = P->sigma * P->sigma * s * s;
  double al = P->alpha, hae = 0.5 * P->alpha * P->eps;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nt, (int)n, 1.0, S->Kt, (int)n, b, 1, 0.0, S->bt,
              1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nt, (int)n, (int)n, 1.0, S->Kt,
              (int)n, S->Q, (int)n, 0.0, S->KtQ, (int)n);
  const double *f0t = P->center ? L->f0t : NULL;
  for (size_t k = 0; k < nt; k++) {
    double q = m_iso * S->xt2[k] + cblas_ddot((int)n, S->KtQ + k * n, 1, S->Kt + k * n, 1);
    S->ft[k] = al * S->bt[k] + hae * q - (f0t ? f0t[k] : 0.0);
  }
  out[GROK_OBS_TEST_EMP] = grok_test_mse(P, S->ft);
  if (P->slot_cka >= 0) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)nt, (int)n, 1.0, S->KtQ,
                (int)n, S->Kt, (int)n, 0.0, S->tK, (int)nt);
    out[P->slot_cka] = grok_cka_kernel(P, S->bt, m_iso, S->tK);
  }
}

void grok_sample_limit_observe(const struct grok_limit *L, const double *y, double *out)
{
  struct grok_sample_work ws = L->smp->w; /* the limit's theory scratch */
  out[GROK_OBS_TRAIN] = grok_sample_residual(L->sys, &L->smp->seed, y, &ws); /* a, W too */
  form_Q(L, y);
  struct grok_summary m = summarise(L, y, &ws);
  grok_observe_summary(L->sys, &m, out);
  observe_test(L, y, out);
}
