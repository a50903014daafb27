/* grok_readout.c — one GD step of a two-layer population with trained readouts (§5.1):
 * the function through its moments (m, Q), the residual, G formed once, then every
 * neuron's affine-in-w, bilinear-in-(a, w) update from the old values. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kernels/grok_readout.h"

size_t grok_readout_work_size(size_t n, size_t P, size_t D)
{
  return 2 * D + 2 * D * D + 2 * P * D + P + n * D + n;
}

void grok_readout_work_bind(struct grok_readout_work *w, double *buf, size_t n, size_t P, size_t D)
{
  w->m = buf, buf += D;
  w->g = buf, buf += D;
  w->Q = buf, buf += D * D;
  w->G = buf, buf += D * D;
  w->XQ = buf, buf += P * D;
  w->XD = buf, buf += P * D;
  w->Delta = buf, buf += P;
  w->V = buf, buf += n * D;
  w->Wg = buf;
}

void grok_readout_moments(size_t n, size_t D, const double *W, const double *a, double *m,
                          double *Q, double *V)
{
  double s = 1.0 / (double)n;
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)D, s, W, (int)D, a, 1, 0.0, m, 1);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < D; j++) V[i * D + j] = a[i] * W[i * D + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)D, (int)n, s, W, (int)D, V,
              (int)D, 0.0, Q, (int)D);
}

double grok_readout_residual(const struct grok_system *S, const double *f0, const double *m,
                             const double *Q, struct grok_readout_work *w)
{
  size_t P = S->P, D = S->D;
  double al = S->alpha, hae = 0.5 * S->alpha * S->eps, loss = 0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)P, (int)D, (int)D, 1.0, S->X, (int)D,
              Q, (int)D, 0.0, w->XQ, (int)D);
  for (size_t mu = 0; mu < P; mu++) {
    const double *x = S->X + mu * D;
    double f = al * cblas_ddot((int)D, x, 1, m, 1) +
               hae * cblas_ddot((int)D, w->XQ + mu * D, 1, x, 1);
    double d = f - (f0 ? f0[mu] : 0.0) - S->y[mu];
    w->Delta[mu] = d;
    loss += d * d;
  }
  return loss / (double)P;
}

double grok_readout_step(const struct grok_system *S, const double *f0, size_t n, double *W,
                         double *a, struct grok_readout_work *w)
{
  size_t P = S->P, D = S->D;
  double c = S->c, eps = S->eps;
  grok_readout_moments(n, D, W, a, w->m, w->Q, w->V);
  double loss = grok_readout_residual(S, f0, w->m, w->Q, w);
  /* g = X^T Delta, G = X^T diag(Delta) X */
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)P, (int)D, 1.0, S->X, (int)D, w->Delta, 1, 0.0, w->g,
              1);
  for (size_t mu = 0; mu < P; mu++)
    for (size_t j = 0; j < D; j++) w->XD[mu * D + j] = w->Delta[mu] * S->X[mu * D + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)D, (int)P, 1.0, S->X, (int)D,
              w->XD, (int)D, 0.0, w->G, (int)D);
  /* V = W G (G symmetric), Wg = W g */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)D, (int)D, 1.0, W, (int)D,
              w->G, (int)D, 0.0, w->V, (int)D);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)D, 1.0, W, (int)D, w->g, 1, 0.0, w->Wg, 1);
  for (size_t i = 0; i < n; i++) {
    double *wi = W + i * D;
    const double *vi = w->V + i * D;
    double ai = a[i];
    a[i] = ai - c * (w->Wg[i] + 0.5 * eps * cblas_ddot((int)D, wi, 1, vi, 1));
    for (size_t j = 0; j < D; j++) wi[j] -= c * ai * (w->g[j] + eps * vi[j]);
  }
  return loss;
}

void grok_readout_observe(const struct grok_system *S, size_t n, const double *W, const double *a,
                          const double *W0, const double *a0, const double *m0, const double *Q0,
                          const double *f0, const double *f0t, struct grok_readout_work *w,
                          struct grok_work *ow, double *out)
{
  size_t D = S->D;
  grok_readout_moments(n, D, W, a, w->m, w->Q, w->V);
  double train = grok_readout_residual(S, f0, w->m, w->Q, w);
  double move2 = 0, norm2 = 0, w2 = 0;
  for (size_t k = 0; k < n * D; k++) {
    move2 += (W[k] - W0[k]) * (W[k] - W0[k]);
    norm2 += W0[k] * W0[k];
    w2 += W[k] * W[k];
  }
  for (size_t i = 0; i < n; i++) {
    move2 += (a[i] - a0[i]) * (a[i] - a0[i]);
    norm2 += a0[i] * a0[i];
  }
  grok_observe_moments(S, w->m, w->Q, m0, Q0, 0.0, f0t, ow, out);
  out[GROK_OBS_TRAIN] = train;
  out[GROK_OBS_RELCHANGE] = sqrt(move2 / norm2);
  /* Tr Q is no norm once readouts change sign (a_i ~ N(0, 1) starts it at 0) */
  out[GROK_OBS_WNORM] = sqrt(w2 / (double)n);
}
