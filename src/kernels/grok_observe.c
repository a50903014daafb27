/* grok_observe.c — the observables of grok.md §1.4, read off the sufficient statistics
 * (wbar, M) of any state: the N = infinity closure, a finite network (either algorithm),
 * the lazy and the population limit all reduce to (wbar, M, wbar0, M0) first, so every
 * route reports exactly the same formulas. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/grok_closure.h"

size_t grok_work_size(size_t P, size_t Pt, size_t D, size_t r, bool cka)
{
  size_t big = P > Pt ? P : Pt;
  return 3 * P + 2 * P * r + 2 * D * D + D + Pt * D + (cka ? Pt * Pt : 0) + big +
         grok_blocked_size(P, D, r);
}

void grok_work_bind(struct grok_work *w, double *buf, size_t P, size_t Pt, size_t D, size_t r,
                    bool cka)
{
  size_t big = P > Pt ? P : Pt;
  w->a = buf, buf += P;
  w->Delta = buf, buf += P;
  w->Da = buf, buf += P;
  w->XZ = buf, buf += P * r;
  w->DXZ = buf, buf += P * r;
  w->M = buf, buf += D * D;
  w->Mp = buf, buf += D * D;
  w->tv = buf, buf += D;
  w->tXM = buf, buf += Pt * D;
  w->tK = cka ? buf : NULL, buf += cka ? Pt * Pt : 0;
  w->tv2 = buf, buf += big;
  w->parallel = false;
  grok_blocked_bind(w, buf, P, D, r);
}

/* CKA = y_c^T K_c y_c / (||K_c||_F ||y_c||^2), K and y centred by column means (§1.4.7),
 * K(x, x') = x.x' [1 + eps (bt + bt') + eps^2 x^T M x'].  On entry K holds
 * Xt (M - m_iso I) Xt^T and bt = Xt wbar; K is overwritten. */
double grok_cka_kernel(const struct grok_system *S, const double *bt, double m_iso, double *K)
{
  size_t Pt = S->Pt, D = S->D;
  const double *Xt = S->Xt;
  double eps = S->eps;
  double ym = 0;
  for (size_t i = 0; i < Pt; i++) ym += S->yt[i];
  ym /= (double)Pt;
  for (size_t i = 0; i < Pt; i++)
    for (size_t j = 0; j < Pt; j++) {
      double s = cblas_ddot((int)D, Xt + i * D, 1, Xt + j * D, 1);
      double xMx = m_iso * s + K[i * Pt + j];
      K[i * Pt + j] = s * (1.0 + eps * (bt[i] + bt[j]) + eps * eps * xMx);
    }
  double num = 0, fro = 0, yy = 0;
  for (size_t j = 0; j < Pt; j++) {
    double cm = 0;
    for (size_t i = 0; i < Pt; i++) cm += K[i * Pt + j];
    cm /= (double)Pt;
    for (size_t i = 0; i < Pt; i++) K[i * Pt + j] -= cm;
  }
  for (size_t i = 0; i < Pt; i++) {
    double yi = S->yt[i] - ym, row = 0;
    yy += yi * yi;
    for (size_t j = 0; j < Pt; j++) {
      row += K[i * Pt + j] * (S->yt[j] - ym);
      fro += K[i * Pt + j] * K[i * Pt + j];
    }
    num += yi * row;
  }
  return fro > 0 && yy > 0 ? num / (sqrt(fro) * yy) : 0.0;
}

double grok_cka(const struct grok_system *S, const double *wbar, const double *M,
                struct grok_work *w)
{
  size_t Pt = S->Pt, D = S->D;
  const double *Xt = S->Xt;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, Xt, (int)D,
              M, (int)D, 0.0, w->tXM, (int)D);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Pt, (int)Pt, (int)D, 1.0, w->tXM,
              (int)D, Xt, (int)D, 0.0, w->tK, (int)Pt);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pt, (int)D, 1.0, Xt, (int)D, wbar, 1, 0.0, w->tv2,
              1);
  return grok_cka_kernel(S, w->tv2, 0.0, w->tK);
}

void grok_observe_summary(const struct grok_system *S, const struct grok_summary *m, double *out)
{
  double al = S->alpha, ae = S->alpha * S->eps, sy = S->s_y, b2 = S->beta2;
  double dd = (double)S->D;
  double trA = sy * b2 - ae * m->trMp;
  double A2 = sy * sy * b2 * b2 - 2 * ae * sy * m->bMb + ae * ae * m->fro;
  double var = 0.25 * (trA / dd) * (trA / dd), mis = A2 / (2 * dd * dd);
  double lin = al * al * m->u2 / dd;
  out[GROK_OBS_TEST_POP] = var + mis + lin; /* paper eq. 6 */
  out[GROK_OBS_VAR] = var;
  out[GROK_OBS_MIS] = mis;
  out[GROK_OBS_LIN] = lin;
  out[GROK_OBS_TRM] = m->trM / dd;
  out[GROK_OBS_OVERLAP] = m->bMb * ae / (sy * b2 * b2);
  /* M' at rounding level (t = 0): the direction is undefined, report 0 */
  out[GROK_OBS_COSINE] = m->fro > 1e-24 * m->froM ? m->bMb / (sqrt(m->fro) * b2) : 0.0;
  out[GROK_OBS_WBAR2] = m->wbar2;
  out[GROK_OBS_WNORM] = sqrt(m->trM);
  out[GROK_OBS_RELCHANGE] = sqrt(m->move2 / m->trM0);
  if (S->slot_kmse >= 0) out[S->slot_kmse] = S->kmse;
}

double grok_test_mse(const struct grok_system *S, const double *f)
{
  double se = 0;
  for (size_t m = 0; m < S->Pt; m++) se += (f[m] - S->yt[m]) * (f[m] - S->yt[m]);
  return se / (double)S->Pt;
}

void grok_observe_moments(const struct grok_system *S, const double *wbar, const double *M,
                          const double *wbar0, const double *M0, double move2, const double *f0t,
                          struct grok_work *w, double *out)
{
  size_t D = S->D, Pt = S->Pt;
  double al = S->alpha, ae = S->alpha * S->eps;
  bool c = S->center;
  /* u and M' (§1.2): centred u = wbar - wbar0, M' = M - M0; otherwise wbar, M */
  struct grok_summary m = {.move2 = move2};
  for (size_t i = 0; i < D; i++) {
    double u = wbar[i] - (c ? wbar0[i] : 0.0);
    m.u2 += u * u;
    m.trM += M[i * D + i];
    m.trM0 += M0[i * D + i];
  }
  for (size_t k = 0; k < D * D; k++) {
    double v = M[k] - (c ? M0[k] : 0.0);
    w->Mp[k] = v;
    m.fro += v * v;
    m.froM += M[k] * M[k];
  }
  for (size_t i = 0; i < D; i++) m.trMp += w->Mp[i * D + i];
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)D, (int)D, 1.0, w->Mp, (int)D, S->beta, 1, 0.0,
              w->tv, 1);
  m.bMb = cblas_ddot((int)D, S->beta, 1, w->tv, 1);
  m.wbar2 = cblas_ddot((int)D, wbar, 1, wbar, 1);
  grok_observe_summary(S, &m, out);

  /* empirical test loss: f~ = alpha wbar.x + (alpha eps / 2) x^T M x - f0(x) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, S->Xt,
              (int)D, M, (int)D, 0.0, w->tXM, (int)D);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pt, (int)D, 1.0, S->Xt, (int)D, wbar, 1, 0.0,
              w->tv2, 1);
  for (size_t k = 0; k < Pt; k++) {
    double q = cblas_ddot((int)D, w->tXM + k * D, 1, S->Xt + k * D, 1);
    w->tv2[k] = al * w->tv2[k] + 0.5 * ae * q - (f0t ? f0t[k] : 0.0);
  }
  out[GROK_OBS_TEST_EMP] = grok_test_mse(S, w->tv2);
  if (S->slot_cka >= 0) out[S->slot_cka] = grok_cka(S, wbar, M, w);
}
