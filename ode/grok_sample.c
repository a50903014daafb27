/* grok_sample.c — the N = infinity closure of spec §2.1 in sample space (§2.4), exact and
 * O(P^3) per step instead of O(P D^2): the form to use when P < D (Fig. 5-like settings).
 *
 * Why it closes.  Every GD increment lies in the row space of X: dwbar = X^T(...) and
 * G = X^T diag(Delta) X.  Starting from wbar0 = 0 and the propagator U(0) = I (§2.1,
 * Z = sigma U at N = infinity), so for all t
 *     wbar = X^T b,    U = s I + X^T R X,                          (b: P, R: P x P)
 * where s = 1 without weight decay (s' = -omega s with it: the decay shrinks the part of
 * U outside the row space too).  With the Gram matrix K = X X^T (P x P), W = K R and
 * V = W K, the §2.1 map becomes, on the batch points mu (Delta_mu = 0 off the batch):
 *     a  = K b                                         (a_mu = x_mu . wbar)
 *     |U^T x_mu|^2 = s^2 K_mumu + 2 s V_mumu + sum_nu V_munu W_munu
 *     Delta_mu = alpha a_mu + (alpha eps/2)(a_mu^2 + sigma^2 |U^T x_mu|^2) - f0_mu - y_mu
 *     db = -c Delta (1 + eps a) - omega b                     (dwbar = X^T db)
 *     dR = -c eps diag(Delta) (s I + W) - omega R             (G U = X^T diag(Delta)(sI + W) X)
 *     ds = -omega s
 * GD is this increment applied once per step (forward Euler with unit step, as in the
 * weight form, so momentum carries over unchanged), gradient flow is the same right-hand
 * side under CVODE (§2.2).  Unlike the (a, S) recursion printed in §2.4, (b, s, R) also
 * gives every weight-space observable exactly (eq. 6 needs M, relchange needs U):
 *     M = sigma^2 s^2 I + X^T Q X,   Q = b b^T + sigma^2 (s (R + R^T) + R K R^T),
 * and test points enter only through the cross Gram matrix Kt = Xt X^T at output times,
 * so the cost per step does not depend on P_test (the §2.4 condition P + P_test < D was
 * for the form with test rows appended to the state; here P < D is what matters). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grok.h"

struct grok_sample {
  size_t n;          /* P + 1 + P^2: the state (b, s, R) without velocities */
  double *K, *Kd;    /* X X^T (P x P) and its diagonal */
  double *Kt;        /* Xt X^T (P_test x P) */
  double *xt2;       /* |x|^2 on the test points */
  double *h;         /* X beta */
  struct grok_sample_seed seed; /* the N = infinity start: wbar0 = 0, Sigma0 = sigma^2 I */
  struct grok_sample_work w;    /* theory scratch (theory is single-threaded) */
  double *wbuf;
  /* observation scratch */
  double *Q, *A, *KtQ, *ft, *bt, *tK;
};

size_t grok_sample_state_size(size_t P) { return P + 1 + P * P; }

size_t grok_sample_work_size(size_t P) { return 4 * P + 2 * P * P + grok_sample_state_size(P); }

void grok_sample_work_bind(struct grok_sample_work *w, double *buf, size_t P)
{
  w->a = buf, buf += P;
  w->Delta = buf, buf += P;
  w->inb = buf, buf += P;
  w->perm = buf, buf += P;
  w->W = buf, buf += P * P;
  w->V = buf, buf += P * P;
  w->dy = buf;
}

bool grok_sample_chosen(const struct grok_params *p)
{
  if (p->limit != GROK_LIMIT_WIDTH) return false;
  if (p->closure_form == GROK_FORM_SAMPLES) return true;
  if (p->closure_form == GROK_FORM_WEIGHTS) return false;
  return 2 * p->P <= p->D; /* 4 P^3 flops per step against 4 P D^2: a clear win */
}

void grok_sample_free(struct grok_sample *S)
{
  if (!S) return;
  double *bufs[] = {S->K, S->Kd, S->Kt, S->xt2, S->h, S->wbuf, S->Q, S->A, S->KtQ, S->ft,
                    S->bt, S->tK};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
  free(S);
}

int grok_sample_prepare(struct grok_plan *P)
{
  size_t n = P->P, nt = P->Pt, D = P->D;
  struct grok_sample *S = calloc(1, sizeof *S);
  if (!S) return -1;
  P->smp = S;
  S->n = grok_sample_state_size(n);
  S->K = malloc(n * n * sizeof(double));
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
  S->tK = P->p.cka ? malloc(nt * nt * sizeof(double)) : NULL;
  if (!S->K || !S->Kd || !S->Kt || !S->xt2 || !S->h || !S->wbuf || !S->Q || !S->A ||
      !S->KtQ || !S->ft || !S->bt || (P->p.cka && !S->tK))
    return -1;
  grok_sample_work_bind(&S->w, S->wbuf, n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)D, 1.0, P->X,
              (int)D, P->X, (int)D, 0.0, S->K, (int)n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)n, (int)D, 1.0, P->Xt,
              (int)D, P->X, (int)D, 0.0, S->Kt, (int)n);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)D, 1.0, P->X, (int)D, P->beta, 1, 0.0,
              S->h, 1);
  for (size_t m = 0; m < n; m++) S->Kd[m] = S->K[m * n + m];
  for (size_t m = 0; m < nt; m++)
    S->xt2[m] = cblas_ddot((int)D, P->Xt + m * D, 1, P->Xt + m * D, 1);
  S->seed = (struct grok_sample_seed){.a0 = NULL, .Gam = S->K, .Gd = S->Kd,
                                      .f0 = P->p.center ? P->f0_inf : NULL,
                                      .gscale = P->p.sigma * P->p.sigma};
  return 0;
}

size_t grok_sample_dimension(const void *plan)
{
  const struct grok_plan *P = plan;
  return P->smp->n * (P->p.momentum > 0 ? 2 : 1);
}

void grok_sample_rec_init(const void *plan, double *y)
{
  const struct grok_plan *P = plan;
  memset(y, 0, grok_sample_dimension(P) * sizeof *y);
  y[P->P] = 1.0; /* s(0) = 1: U(0) = I, b(0) = 0, R(0) = 0 */
}

double grok_sample_residual(const struct grok_plan *P, const struct grok_sample_seed *z,
                            const double *y, struct grok_sample_work *w)
{
  const double *K = P->smp->K;
  size_t n = P->P;
  const double *b = y, *R = y + n + 1;
  double s = y[n], al = P->p.alpha, hae = 0.5 * P->p.alpha * P->p.eps;
  /* a = X wbar = s a0 + K b */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, K, (int)n, b, 1, 0.0, w->a, 1);
  if (z->a0)
    for (size_t m = 0; m < n; m++) w->a[m] += s * z->a0[m];
  /* W = K R, V = W Gam: |L^T U^T x_mu|^2 = s^2 Gam_mumu + 2 s V_mumu + (W Gam W^T)_mumu */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, K, (int)n,
              R, (int)n, 0.0, w->W, (int)n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, w->W,
              (int)n, z->Gam, (int)n, 0.0, w->V, (int)n);
  double loss = 0;
  for (size_t m = 0; m < n; m++) {
    const double *Vm = w->V + m * n, *Wm = w->W + m * n;
    double q = s * s * z->Gd[m] + 2 * s * Vm[m];
    for (size_t j = 0; j < n; j++) q += Vm[j] * Wm[j];
    double d = al * w->a[m] + hae * (w->a[m] * w->a[m] + z->gscale * q) -
               (z->f0 ? z->f0[m] : 0.0) - P->y[m];
    w->Delta[m] = d;
    loss += d * d;
  }
  return loss / (double)n;
}

/* The increment (db, ds, dR) of the step, on the points where inb = 1 (all if NULL). */
static void sample_increment(const struct grok_plan *P, const struct grok_sample_seed *z,
                             const double *y, const double *inb, double *dy,
                             struct grok_sample_work *w)
{
  size_t n = P->P;
  const double *b = y, *R = y + n + 1;
  double s = y[n], c = P->c, eps = P->p.eps, om = P->decay;
  grok_sample_residual(P, z, y, w);
  double *db = dy, *dR = dy + n + 1;
  dy[n] = -om * s;
  for (size_t m = 0; m < n; m++) {
    double dm = inb ? inb[m] * w->Delta[m] : w->Delta[m];
    db[m] = -c * dm * (1.0 + eps * w->a[m]) - om * b[m];
    const double *Wm = w->W + m * n, *Rm = R + m * n;
    double *dRm = dR + m * n, k = -c * eps * dm;
    for (size_t j = 0; j < n; j++) dRm[j] = k * Wm[j] - om * Rm[j];
    dRm[m] += k * s;
  }
}

void grok_sample_step(const struct grok_plan *P, const struct grok_sample_seed *z, uint64_t k,
                      double *y, struct grok_sample_work *w)
{
  const double *inb = NULL;
  if (P->B < P->P) {
    grok_step_mask(P, k, w->perm, w->inb);
    inb = w->inb;
  }
  size_t n = grok_sample_state_size(P->P);
  sample_increment(P, z, y, inb, w->dy, w);
  grok_apply_step(P->p.momentum, w->dy, y, y + n, n);
}

void grok_sample_rec_step(const void *plan, uint64_t k, double *y)
{
  const struct grok_plan *P = plan;
  grok_sample_step(P, &P->smp->seed, k, y, &P->smp->w);
}

static int sample_rhs(double t, const double *y, double *dy, void *params)
{
  (void)t;
  const struct grok_plan *P = params;
  struct grok_sample *S = P->smp;
  sample_increment(P, &S->seed, y, NULL, dy, &S->w);
  return grok_rhs_status(dy, S->n);
}

int grok_sample_ode(void *plan, struct hd_ode_system *sys, double *y0)
{
  struct grok_plan *P = plan;
  grok_sample_rec_init(P, y0);
  *sys = (struct hd_ode_system){.dimension = grok_sample_dimension(P), .rhs = sample_rhs,
                                .params = P};
  return 0;
}

static double trace(const double *A, size_t n)
{
  double t = 0;
  for (size_t i = 0; i < n; i++) t += A[i * n + i];
  return t;
}

void grok_sample_observe(const void *plan, const double *y, double *out)
{
  const struct grok_plan *P = plan;
  const struct grok_sample *S = P->smp;
  size_t n = P->P, nt = P->Pt;
  const double *b = y, *R = y + n + 1;
  double s = y[n], sig2 = P->p.sigma * P->p.sigma, dd = (double)P->D;
  double al = P->p.alpha, hae = 0.5 * P->p.alpha * P->p.eps;
  struct grok_sample_work ws = S->w, *w = &ws; /* the plan's theory scratch */
  out[GROK_OBS_TRAIN] = grok_sample_residual(P, &S->seed, y, w); /* also a = K b, W = K R */

  /* A = R K; Q = b b^T + sigma^2 (s (R + R^T) + A R^T) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, R,
              (int)n, S->K, (int)n, 0.0, S->A, (int)n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, sig2, S->A,
              (int)n, R, (int)n, 0.0, S->Q, (int)n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      S->Q[i * n + j] += b[i] * b[j] + sig2 * s * (R[i * n + j] + R[j * n + i]);

  /* |U - I|_F^2 = D (s-1)^2 + 2 (s-1) Tr(R K) + <R K, K R>_F  (U - I = (s-1) I + X^T R X) */
  double trRK = trace(S->A, n), RKKR = 0;
  for (size_t k = 0; k < n * n; k++) RKKR += S->A[k] * w->W[k];
  double u2 = cblas_ddot((int)n, b, 1, w->a, 1); /* |wbar|^2 = b^T K b */
  double move2 = u2 + sig2 * (dd * (s - 1) * (s - 1) + 2 * (s - 1) * trRK + RKKR);

  /* QK = Q K (into V, no longer needed): Tr(Q K) and ||X^T Q X||_F^2 = Tr(QK QK) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, S->Q,
              (int)n, S->K, (int)n, 0.0, w->V, (int)n);
  double trQK = trace(w->V, n), QKQK = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) QKQK += w->V[i * n + j] * w->V[j * n + i];
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, S->Q, (int)n, S->h, 1, 0.0,
              w->Delta, 1); /* Delta is free once the train loss is read */
  double hQh = cblas_ddot((int)n, S->h, 1, w->Delta, 1);

  /* M = m_iso I + X^T Q X and M' = kappa I + X^T Q X */
  double m_iso = sig2 * s * s, kappa = m_iso - (P->p.center ? sig2 : 0.0);
  struct grok_summary m = {
      .u2 = u2, .wbar2 = u2, .move2 = move2, .trM = dd * m_iso + trQK, .trM0 = dd * sig2,
      .trMp = dd * kappa + trQK, .fro = dd * kappa * kappa + 2 * kappa * trQK + QKQK,
      .froM = dd * m_iso * m_iso + 2 * m_iso * trQK + QKQK, .bMb = kappa * P->beta2 + hQh};
  grok_observe_summary(P, &m, out);

  /* test predictions: x.wbar = (Kt b), x^T M x = m_iso |x|^2 + (Kt Q Kt^T)_xx */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nt, (int)n, 1.0, S->Kt, (int)n, b, 1, 0.0,
              S->bt, 1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nt, (int)n, (int)n, 1.0, S->Kt,
              (int)n, S->Q, (int)n, 0.0, S->KtQ, (int)n);
  const double *f0t = P->p.center ? P->f0t_inf : NULL;
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
