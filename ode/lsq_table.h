/* lsq_table.h — the model-file rows shared by streaming_lsq and noisy_sgd (one source
 * of truth for every key they have in common).  LSQ_PARAM_ROWS(LAWS, INITS) expands to
 * the rows; the feature laws and initialisations are the arguments because noisy_sgd
 * accepts more of them (uniform features, a fixed theta_0). */
#ifndef HDSIM_ODE_LSQ_TABLE_H
#define HDSIM_ODE_LSQ_TABLE_H

#include <stddef.h>

#include "lsq.h"

#define F(field) offsetof(struct lsq_params, field)

extern const char *const lsq_targets[];
#define lsq_spectra hd_spectrum_names /* every kind, stationary included */

#define LSQ_PARAM_ROWS(LAWS, LSQ_INITS) \
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", \
   "dimension of the data and of theta", "LS-1"}, \
  HD_SPECTRUM_ROWS(struct lsq_params, spectrum, lsq_spectra, \
   "covariance eigenvalues: isotropic (all 1), zero_one (a fraction zero, the rest equal), " \
   "power_law (c (i/d)^alpha, bounded), power_law_decay (c i^-alpha: only with " \
   "[theory] method = recursion), file, stationary (power spectrum of a stationary 1-D " \
   "signal or 2-D image, simulated in the pixel basis with FFTW)"), \
  {"data", "signal_dims", HD_INT, F(signal_dims), "1", 1, 2, 0, NULL, "", \
   "spectrum = stationary: 1 (a signal of d samples) or 2 (a sqrt(d) x sqrt(d) image, d a " \
   "perfect square); covariance circulant, eigenvalues its DFT", "LS-1"}, \
  {"data", "spectral_exponent", HD_REAL, F(spectral_exponent), "2", 0, 20, 0, NULL, "", \
   "spectrum = stationary: a in S(f) = (1 + |f|^2 / f0^2)^(-a/2), f = k / n the wrapped " \
   "frequency in cycles per sample, normalised to mean eigenvalue 1 (a = 2, 2-D: natural " \
   "images)", NULL}, \
  {"data", "corner_frequency", HD_REAL, F(corner_frequency), "0.05", 0, 0.5, HD_MIN_EXCL, \
   NULL, "", "spectrum = stationary: f0 in cycles per sample (flat below, power law " \
   "|f|^-a above; lambda_max stays O(1) as d grows)", NULL}, \
  {"data", "target", HD_ENUM, F(target), "random", 0, 0, 0, lsq_targets, "", \
   "theta* = p / sqrt(d): random (p_i ~ N(0,1), fixed by the seed), aligned (p_i = 1), " \
   "source (p_i^2 ~ lambda_i^beta, mean 1), zero", NULL}, \
  {"data", "source_beta", HD_REAL, F(source_beta), "0", -10, 10, 0, NULL, "", \
   "exponent beta of the source condition (target = source)", NULL}, \
  {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "", \
   "standard deviation sigma of the label noise eps", "LS-1"}, \
  {"data", "distribution", HD_ENUM, F(distribution), "gaussian", 0, 0, 0, LAWS, "", \
   "law of the whitened features z (unit variance); the ODE limit is the same for both", \
   NULL}, \
  {"data", "bands", HD_INT, F(bands), "4", 1, 16, 0, NULL, "", \
   "spectral bands (decades of lambda below lambda_max, the last one open) for the " \
   "band-resolved error", NULL}, \
  HD_SCHEDULE_ROWS(struct lsq_params, schedule, "LS-1"), \
  {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "", \
   "ridge penalty delta", "LS-1"}, \
  {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, LSQ_INITS, "", \
   "theta_0 = 0, or random: theta_0 ~ N(0, init_scale^2 / d I), independent per run", NULL}, \
  {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "", \
   "sigma_0 of the random initialisation", NULL},

#endif
