/* lsq_table.h — the model-file rows shared by streaming_lsq and noisy_sgd (one source
 * of truth for every key they have in common).  LSQ_PARAM_ROWS(LAWS, INITS) expands to
 * the rows; the feature laws and initialisations are the arguments because noisy_sgd
 * accepts more of them (uniform features, a fixed theta_0). */
#ifndef HDSIM_ODE_LSQ_TABLE_H
#define HDSIM_ODE_LSQ_TABLE_H

#include <stddef.h>

#include "lsq.h"

#define F(field) offsetof(struct lsq_params, field)

extern const char *const lsq_spectra[], *const lsq_targets[], *const lsq_schedules[];

#define LSQ_PARAM_ROWS(LAWS, LSQ_INITS) \
  {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", \
   "dimension of the data and of theta", "LS-1"}, \
  {"data", "spectrum", HD_ENUM, F(spectrum), "isotropic", 0, 0, 0, lsq_spectra, "", \
   "covariance eigenvalues: isotropic (all 1), zero_one (a fraction zero, the rest equal), " \
   "power_law (c (i/d)^alpha, bounded), power_law_decay (c i^-alpha: only with " \
   "[theory] method = recursion), file", NULL}, \
  {"data", "alpha", HD_REAL, F(alpha), "1", 0, 20, HD_MIN_EXCL, NULL, "", \
   "power-law exponent", NULL}, \
  {"data", "zero_fraction", HD_REAL, F(zero_fraction), "0.5", 0, 1, HD_MAX_EXCL, NULL, "", \
   "fraction of zero eigenvalues (zero_one spectrum)", NULL}, \
  {"data", "spectrum_file", HD_PATH, F(spectrum_file), "", 0, 0, 0, NULL, "", \
   "eigenvalues, one per line (text) or dataset /lambda (*.h5), relative to the model " \
   "file; needs spectrum = file", NULL}, \
  {"data", "normalise", HD_BOOL, F(normalise), "false", 0, 0, 0, NULL, "", \
   "rescale a file spectrum to mean 1 (generated spectra always have mean 1)", NULL}, \
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
  {"optimizer", "lr", HD_REAL, F(lr), NULL, 0, 1e6, HD_MIN_EXCL, NULL, "", \
   "learning rate gamma; the SGD step is gamma/d", "LS-1"}, \
  {"optimizer", "ridge", HD_REAL, F(ridge), "0", 0, 1e6, 0, NULL, "", \
   "ridge penalty delta", "LS-1"}, \
  {"optimizer", "schedule", HD_ENUM, F(schedule), "constant", 0, 0, 0, lsq_schedules, "", \
   "learning-rate schedule gamma(t): constant, step (lr * lr_factor^floor(t/lr_every)), " \
   "inverse_power (lr / (1 + t/lr_t0)^lr_power)", NULL}, \
  {"optimizer", "lr_every", HD_REAL, F(lr_every), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t", \
   "period of the step schedule", NULL}, \
  {"optimizer", "lr_factor", HD_REAL, F(lr_factor), "0.5", 0, 1e3, HD_MIN_EXCL, NULL, "", \
   "factor of the step schedule", NULL}, \
  {"optimizer", "lr_t0", HD_REAL, F(lr_t0), "1", 0, 1e9, HD_MIN_EXCL, NULL, "t", \
   "time scale t0 of the inverse_power schedule", NULL}, \
  {"optimizer", "lr_power", HD_REAL, F(lr_power), "1", 0, 10, 0, NULL, "", \
   "exponent of the inverse_power schedule", NULL}, \
  {"optimizer", "init", HD_ENUM, F(init), "zero", 0, 0, 0, LSQ_INITS, "", \
   "theta_0 = 0, or random: theta_0 ~ N(0, init_scale^2 / d I), independent per run", NULL}, \
  {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e6, 0, NULL, "", \
   "sigma_0 of the random initialisation", NULL},

#endif
