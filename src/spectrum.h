/* spectrum.h — covariance spectra in the eigenbasis (streaming_least_squares.md
 * "Spectra").  All generated spectra are normalised to (1/d) sum lambda_i = 1. */
#ifndef HDSIM_SPECTRUM_H
#define HDSIM_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

enum hd_spectrum_kind {
  HD_SPECTRUM_ISOTROPIC,       /* lambda_i = 1 */
  HD_SPECTRUM_ZERO_ONE,        /* a fraction f are 0, the rest equal */
  HD_SPECTRUM_POWER_LAW,       /* lambda_i = c (i/d)^alpha: bounded, lambda_max ~ 1 + alpha */
  HD_SPECTRUM_POWER_LAW_DECAY, /* lambda_i = c i^-alpha: top modes NOT in the ODE regime */
  HD_SPECTRUM_FILE,            /* one value per line (text), or an HDF5 file's /lambda */
  HD_SPECTRUM_STATIONARY       /* power spectrum of a stationary 1-D / 2-D signal: built by
                                  src/sim/lsq_stationary.c (hd_stationary_create), which
                                  also simulates it in the pixel basis with FFTW */
};

/* Fills lambda[0..d).  Returns 0, or -1 with a message (file errors, wrong count,
 * negative or non-finite values). */
int hd_spectrum_fill(enum hd_spectrum_kind kind, size_t d, double alpha, double zero_fraction,
                     const char *path, int normalise_file, double *lambda, char *msg,
                     size_t msglen);

/* Reads a spectrum file (text: one number per line, '#' comments and blank lines allowed;
 * *.h5: the 1-D dataset /lambda).  Allocates *values; returns the count or -1. */
long hd_spectrum_read(const char *path, double **values, char *msg, size_t msglen);

/* Targets theta* = p / sqrt(d) with p_i = O(1) (streaming_least_squares.md, "Targets"):
 * random (p_i ~ N(0,1), drawn once per seed from the problem-level TARGET stream, so all
 * runs and the theory share it), aligned (p_i = 1), source (p_i^2 ~ lambda_i^beta, mean
 * 1), zero.  One implementation for every problem on this data path, so the same seed
 * gives the same target everywhere. */
enum hd_target_kind { HD_TARGET_RANDOM, HD_TARGET_ALIGNED, HD_TARGET_SOURCE, HD_TARGET_ZERO };

void hd_target_fill(enum hd_target_kind kind, size_t d, const double *lambda, double beta,
                    uint64_t seed, double *theta_star);

#endif
