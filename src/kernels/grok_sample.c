/* grok_sample.c — the N = infinity closure of grok.md §2.1 in sample space (§2.4), exact and
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

#include "kernels/grok_closure.h"

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

double grok_sample_residual(const struct grok_system *S, const struct grok_sample_seed *z,
                            const double *y, struct grok_sample_work *w)
{
  const double *K = S->K;
  size_t n = S->P;
  const double *b = y, *R = y + n + 1;
  double s = y[n], al = S->alpha, hae = 0.5 * S->alpha * S->eps;
  /* a = X wbar = s a0 + K b */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, K, (int)n, b, 1, 0.0, w->a, 1);
  if (z->a0)
    for (size_t m = 0; m < n; m++) w->a[m] += s * z->a0[m];
  /* W = K R, V = W Gam: |L^T U^T x_mu|^2 = s^2 Gam_mumu + 2 s V_mumu + (W Gam W^T)_mumu */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, K, (int)n, R,
              (int)n, 0.0, w->W, (int)n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, w->W, (int)n,
              z->Gam, (int)n, 0.0, w->V, (int)n);
  double loss = 0;
  for (size_t m = 0; m < n; m++) {
    const double *Vm = w->V + m * n, *Wm = w->W + m * n;
    double q = s * s * z->Gd[m] + 2 * s * Vm[m];
    for (size_t j = 0; j < n; j++) q += Vm[j] * Wm[j];
    double d = al * w->a[m] + hae * (w->a[m] * w->a[m] + z->gscale * q) - (z->f0 ? z->f0[m] : 0.0) -
               S->y[m];
    w->Delta[m] = d;
    loss += d * d;
  }
  return loss / (double)n;
}

void grok_sample_increment(const struct grok_system *S, const struct grok_sample_seed *z,
                           const double *y, const double *inb, double *dy,
                           struct grok_sample_work *w)
{
  size_t n = S->P;
  const double *b = y, *R = y + n + 1;
  double s = y[n], c = S->c, eps = S->eps, om = S->decay;
  grok_sample_residual(S, z, y, w);
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

void grok_sample_step(const struct grok_system *S, const struct grok_sample_seed *z, uint64_t k,
                      double *y, struct grok_sample_work *w)
{
  const double *inb = NULL;
  if (S->B < S->P) {
    grok_step_mask(S, k, w->perm, w->inb);
    inb = w->inb;
  }
  size_t n = grok_sample_state_size(S->P);
  grok_sample_increment(S, z, y, inb, w->dy, w);
  grok_apply_step(S->momentum, w->dy, y, y + n, n);
}
