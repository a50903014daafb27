/* spectrum.h — covariance spectra in the eigenbasis (streaming_least_squares.md
 * "Spectra").  All generated spectra are normalised to (1/d) sum lambda_i = 1. */
#ifndef HDSIM_SPECTRUM_H
#define HDSIM_SPECTRUM_H

#include <stddef.h>

enum hd_spectrum_kind {
  HD_SPECTRUM_ISOTROPIC,       /* lambda_i = 1 */
  HD_SPECTRUM_ZERO_ONE,        /* a fraction f are 0, the rest equal */
  HD_SPECTRUM_POWER_LAW,       /* lambda_i = c (i/d)^alpha: bounded, lambda_max ~ 1 + alpha */
  HD_SPECTRUM_POWER_LAW_DECAY, /* lambda_i = c i^-alpha: top modes NOT in the ODE regime */
  HD_SPECTRUM_FILE             /* one value per line (text), or an HDF5 file's /lambda */
};

/* Fills lambda[0..d).  Returns 0, or -1 with a message (file errors, wrong count,
 * negative or non-finite values). */
int hd_spectrum_fill(enum hd_spectrum_kind kind, size_t d, double alpha, double zero_fraction,
                     const char *path, int normalise_file, double *lambda, char *msg,
                     size_t msglen);

/* Reads a spectrum file (text: one number per line, '#' comments and blank lines allowed;
 * *.h5: the 1-D dataset /lambda).  Allocates *values; returns the count or -1. */
long hd_spectrum_read(const char *path, double **values, char *msg, size_t msglen);

#endif
