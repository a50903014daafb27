/* lsq_sgd.c — one run of one-pass SGD on least squares (LS-1, NS-1): the hot loop lives
 * in lsq_kernel.c (noisy SGD with injected noise, clipping, mini-batches or a fixed
 * dataset: noisy_kernel.c; the pixel basis: lsq_stationary.c); this file sets a run's
 * initial point and reads its observables off e = theta - theta*. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim/lsq_sgd.h"

size_t hd_lsq_sgd_state_size(const struct hd_lsq_sgd *P)
{
  if (P->noisy) return P->d * sizeof(double) + hd_noisy_kernel_work_bytes(P->noisy);
  if (P->stationary) return (P->d + hd_stationary_work_size(P->stationary)) * sizeof(double);
  return (P->d + hd_lsq_kernel_work_size(P->kernel)) * sizeof(double);
}

void hd_lsq_sgd_start(const struct hd_lsq_sgd *P, uint64_t run, void *state)
{
  double *e = state;
  size_t d = P->d;
  const double *ts = P->theta_pix ? P->theta_pix : P->theta_star; /* pixel basis if stationary */
  if (P->noisy) hd_noisy_kernel_start(P->noisy, e + d);
  if (P->init == HD_LSQ_SGD_FIXED) {
    for (size_t i = 0; i < d; i++) e[i] = P->theta_0[i] - P->theta_star[i];
  } else if (P->init == HD_LSQ_SGD_RANDOM) {
    struct hd_rng r;
    hd_rng_init(&r, P->seed, run, HD_STREAM_INIT, 0);
    hd_rng_normal_array(&r, e, d);
    double s = P->init_scale / sqrt((double)d);
    for (size_t i = 0; i < d; i++) e[i] = s * e[i] - ts[i];
  } else {
    for (size_t i = 0; i < d; i++) e[i] = -ts[i];
  }
}

int hd_lsq_sgd_advance(const struct hd_lsq_sgd *P, uint64_t run, void *state, uint64_t k0,
                       uint64_t k1, uint64_t *bad_step)
{
  double *e = state;
  if (P->noisy)
    return hd_noisy_kernel_advance(P->noisy, P->seed, run, e, e + P->d, k0, k1, bad_step);
  if (P->stationary) /* pixel basis, x = C^{1/2} z by FFT (LS-1) */
    return hd_stationary_advance(P->stationary, P->kernel, P->seed, run, e, e + P->d, k0, k1,
                                 bad_step);
  return hd_lsq_kernel_advance(P->kernel, P->seed, run, e, e + P->d, k0, k1, bad_step);
}

/* risk = 1/2 (sum lambda_i e_i^2 + sigma^2) (the exact population risk of theta, LS-4),
 * distance = ||e||^2, band shares of the distance.  spectrum = stationary: e is in the
 * pixel basis and is first taken to eigen-coordinates (orthonormal real DFT), so
 * sum lambda_i e_i^2 = e^T C e. */
void hd_lsq_sgd_observe(const struct hd_lsq_sgd *P, const void *state, double *out)
{
  const double *e = state;
  double *eig = NULL;
  if (P->stationary) { /* one FFT per observation: e in eigen-coordinates */
    eig = malloc(P->d * sizeof *eig);
    hd_stationary_to_eigen(P->stationary, e, eig);
    e = eig;
  }
  double r = 0, D = 0;
  if (P->n_bands > 1) memset(out + 2, 0, P->n_bands * sizeof(double));
  for (size_t i = 0; i < P->d; i++) {
    double e2 = e[i] * e[i];
    r += P->lambda[i] * e2;
    D += e2;
    if (P->n_bands > 1) out[2 + P->mode_band[i]] += e2;
  }
  out[0] = 0.5 * (r + P->label_noise * P->label_noise);
  out[1] = D;
  free(eig);
}
