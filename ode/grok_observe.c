/* grok_observe.c — the observables of spec §1.4, read off the sufficient statistics
 * (wbar, M) of any state: the N = infinity closure, a finite network (either algorithm),
 * the lazy and the population limit all reduce to (wbar, M, wbar0, M0) first, so every
 * route reports exactly the same formulas. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grok.h"

size_t grok_work_size(size_t P, size_t Pt, size_t D, size_t r, bool cka)
{
  size_t big = P > Pt ? P : Pt;
  return 3 * P + 2 * P * r + 2 * D * D + D + Pt * D + (cka ? Pt * Pt : 0) + big;
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
  w->tv2 = buf;
  (void)big;
}

static void set(struct hd_observable *o, const char *name, const char *desc, int lx, int ly)
{
  snprintf(o->name, HD_NAME_MAX, "%s", name);
  snprintf(o->description, HD_DESC_MAX, "%s", desc);
  o->unit[0] = '\0';
  o->log_x = lx;
  o->log_y = ly;
}

void grok_observables_build(struct grok_plan *P)
{
  P->obs = calloc(GROK_OBS_MAX, sizeof *P->obs);
  size_t n = GROK_OBS_FIXED;
  P->slot_kmse = P->p.kmse ? (int)n++ : -1;
  P->slot_cka = P->p.cka ? (int)n++ : -1;
  P->n_obs = n;
  struct hd_observable *o = P->obs;
  set(&o[GROK_OBS_TRAIN], "train", "train loss (1/P) sum_mu (f~(x_mu) - y_mu)^2, no 1/2 (§1.1)",
      1, 1);
  set(&o[GROK_OBS_TEST_POP], "test_pop",
      "exact population test loss var + mis + lin (§1.2, paper eq. 6)", 1, 1);
  set(&o[GROK_OBS_TEST_EMP], "test_emp", "test loss on the P_test held-out points (§1.4.2)",
      1, 1);
  set(&o[GROK_OBS_VAR], "var", "variance error (Tr A / D)^2 / 4, A = B* - alpha eps M' (§1.2)",
      1, 1);
  set(&o[GROK_OBS_MIS], "mis", "misalignment error ||A||_F^2 / (2 D^2) (§1.2)", 1, 1);
  set(&o[GROK_OBS_LIN], "lin", "power in linear modes alpha^2 |u|^2 / D (§1.2)", 1, 1);
  set(&o[GROK_OBS_TRM], "trM", "Tr M / D, mean squared weight per coordinate (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_OVERLAP], "overlap",
      "beta^T M' beta alpha eps / (s_y |beta|^4): 1 at the solution (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_COSINE], "cosine", "<M', beta beta^T>_F / (||M'||_F |beta|^2) (§1.4.4)", 1,
      0);
  set(&o[GROK_OBS_WBAR2], "wbar2", "|wbar|^2, squared norm of the mean weight (§1.4.4)", 1, 0);
  set(&o[GROK_OBS_WNORM], "wnorm",
      "||W||_F / sqrt(N) = sqrt(Tr M): per-neuron weight norm, rises while grokking (§1.4.5)",
      1, 0);
  set(&o[GROK_OBS_RELCHANGE], "relchange", "|W - W0|_F / |W0|_F (§1.4.6)", 1, 1);
  if (P->slot_kmse >= 0)
    set(&o[P->slot_kmse], "kmse",
        "constant: test MSE of ridgeless kernel regression with the N = inf initial NTK "
        "(§1.4.8)", 1, 0);
  if (P->slot_cka >= 0)
    set(&o[P->slot_cka], "cka", "centred kernel alignment of the NTK with y on the test set "
      "(§1.4.7)", 1, 0);
}

/* CKA = y_c^T K_c y_c / (||K_c||_F ||y_c||^2), K and y centred by column means (§1.4.7). */
double grok_cka(const struct grok_plan *P, const double *wbar, const double *M,
                struct grok_work *w)
{
  size_t Pt = P->Pt, D = P->D;
  const double *Xt = P->Xt;
  double *K = w->tK, *b = w->tv2, eps = P->p.eps;
  /* K <- Xt M Xt^T, then K_ij = (x_i.x_j) [1 + eps (b_i + b_j) + eps^2 K_ij] */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, Xt,
              (int)D, M, (int)D, 0.0, w->tXM, (int)D);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Pt, (int)Pt, (int)D, 1.0, w->tXM,
              (int)D, Xt, (int)D, 0.0, K, (int)Pt);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pt, (int)D, 1.0, Xt, (int)D, wbar, 1, 0.0, b,
              1);
  double ym = 0;
  for (size_t i = 0; i < Pt; i++) ym += P->yt[i];
  ym /= (double)Pt;
  for (size_t i = 0; i < Pt; i++)
    for (size_t j = 0; j < Pt; j++) {
      double s = cblas_ddot((int)D, Xt + i * D, 1, Xt + j * D, 1);
      K[i * Pt + j] = s * (1.0 + eps * (b[i] + b[j]) + eps * eps * K[i * Pt + j]);
    }
  double num = 0, fro = 0, yy = 0;
  for (size_t j = 0; j < Pt; j++) {
    double cm = 0;
    for (size_t i = 0; i < Pt; i++) cm += K[i * Pt + j];
    cm /= (double)Pt;
    for (size_t i = 0; i < Pt; i++) K[i * Pt + j] -= cm;
  }
  for (size_t i = 0; i < Pt; i++) {
    double yi = P->yt[i] - ym, row = 0;
    yy += yi * yi;
    for (size_t j = 0; j < Pt; j++) {
      row += K[i * Pt + j] * (P->yt[j] - ym);
      fro += K[i * Pt + j] * K[i * Pt + j];
    }
    num += yi * row;
  }
  return fro > 0 && yy > 0 ? num / (sqrt(fro) * yy) : 0.0;
}

void grok_observe_moments(const struct grok_plan *P, const double *wbar, const double *M,
                          const double *wbar0, const double *M0, double move2,
                          const double *f0t, struct grok_work *w, double *out)
{
  size_t D = P->D, Pt = P->Pt;
  double al = P->p.alpha, ae = P->p.alpha * P->p.eps, sy = P->s_y, b2 = P->beta2;
  bool c = P->p.center;
  /* u and M' (§1.2): centred u = wbar - wbar0, M' = M - M0; otherwise wbar, M */
  double u2 = 0, trM = 0, trM0 = 0, trMp = 0, fro = 0, froM = 0;
  for (size_t i = 0; i < D; i++) {
    double u = wbar[i] - (c ? wbar0[i] : 0.0);
    u2 += u * u;
    trM += M[i * D + i];
    trM0 += M0[i * D + i];
  }
  for (size_t k = 0; k < D * D; k++) {
    double v = M[k] - (c ? M0[k] : 0.0);
    w->Mp[k] = v;
    fro += v * v;
    froM += M[k] * M[k];
  }
  for (size_t i = 0; i < D; i++) trMp += w->Mp[i * D + i];
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)D, (int)D, 1.0, w->Mp, (int)D, P->beta, 1, 0.0,
              w->tv, 1);
  double bMb = cblas_ddot((int)D, P->beta, 1, w->tv, 1);
  double dd = (double)D;
  double trA = sy * b2 - ae * trMp;
  double A2 = sy * sy * b2 * b2 - 2 * ae * sy * bMb + ae * ae * fro;
  double var = 0.25 * (trA / dd) * (trA / dd), mis = A2 / (2 * dd * dd), lin = al * al * u2 / dd;
  out[GROK_OBS_TEST_POP] = var + mis + lin; /* paper eq. 6 */
  out[GROK_OBS_VAR] = var;
  out[GROK_OBS_MIS] = mis;
  out[GROK_OBS_LIN] = lin;

  /* empirical test loss: f~ = alpha wbar.x + (alpha eps / 2) x^T M x - f0(x) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Pt, (int)D, (int)D, 1.0, P->Xt,
              (int)D, M, (int)D, 0.0, w->tXM, (int)D);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)Pt, (int)D, 1.0, P->Xt, (int)D, wbar, 1, 0.0,
              w->tv2, 1);
  double se = 0;
  for (size_t m = 0; m < Pt; m++) {
    double q = cblas_ddot((int)D, w->tXM + m * D, 1, P->Xt + m * D, 1);
    double f = al * w->tv2[m] + 0.5 * ae * q - (f0t ? f0t[m] : 0.0);
    se += (f - P->yt[m]) * (f - P->yt[m]);
  }
  out[GROK_OBS_TEST_EMP] = se / (double)Pt;

  out[GROK_OBS_TRM] = trM / dd;
  out[GROK_OBS_OVERLAP] = bMb * ae / (sy * b2 * b2);
  /* M' at rounding level (t = 0): the direction is undefined, report 0 */
  out[GROK_OBS_COSINE] = fro > 1e-24 * froM ? bMb / (sqrt(fro) * b2) : 0.0;
  out[GROK_OBS_WBAR2] = cblas_ddot((int)D, wbar, 1, wbar, 1);
  out[GROK_OBS_WNORM] = sqrt(trM);
  out[GROK_OBS_RELCHANGE] = sqrt(move2 / trM0);
  if (P->slot_kmse >= 0) out[P->slot_kmse] = P->kmse;
  if (P->slot_cka >= 0) out[P->slot_cka] = grok_cka(P, wbar, M, w);
}
