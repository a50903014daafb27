/* spectrum.h — covariance spectra in the eigenbasis (docs/theory/lsq.md
 * "Spectra").  All generated spectra are normalised to (1/d) sum lambda_i = 1. */
#ifndef HDSIM_SPECTRUM_H
#define HDSIM_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "params.h"

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

/* ---- the [data] spectrum keys, declared once for every family that has them ----
 *
 * A family adopts them by embedding the struct in its parameter struct, expanding the
 * rows in its table and calling hd_spectrum_params_check from its validate op:
 *
 *   struct my_params { long d; struct hd_spectrum_params spectrum; ... };
 *   static const struct hd_param my_table[] = {
 *     {"data", "d", ...},
 *     HD_SPECTRUM_ROWS(struct my_params, spectrum, my_kinds, "covariance eigenvalues: ..."),
 *     ...
 *   };
 *
 * KINDS is the family's list of accepted spectrum names: a prefix of hd_spectrum_names
 * cut by NULL, so the stored index is the enum hd_spectrum_kind.  A family whose
 * spectrum is chosen by a key of its own (gmm_multiclass's covariance) expands only the
 * single rows it shares (HD_SPECTRUM_ALPHA_ROW, _FILE_ROW, _NORMALISE_ROW).
 *
 * One type per key, the one that serves every family:
 *   alpha          real list: one exponent, or one per class where a family has classes
 *                  (a scalar could not say the latter; a list of one says the former).
 *   spectrum_file  path list, for the same reason (one file, or one per class); paths
 *                  hold no comma and are resolved against the model file's directory.
 *   normalise      enum none | trace, not a bool: the word says what is rescaled
 *                  (Tr K / d = 1, the mean eigenvalue), and another normalisation is a
 *                  new word instead of a second key. */
enum hd_spectrum_normalise { HD_NORMALISE_NONE, HD_NORMALISE_TRACE };

extern const char *const hd_spectrum_names[];          /* every enum hd_spectrum_kind */
extern const char *const hd_spectrum_normalisations[]; /* none, trace */

struct hd_spectrum_params {
  int kind;                  /* enum hd_spectrum_kind ([data] spectrum) */
  struct hd_real_list alpha; /* power-law exponent(s) */
  double zero_fraction;      /* zero_one: the fraction of zero eigenvalues */
  struct hd_path_list file;  /* [data] spectrum_file, as written (unresolved) */
  int normalise;             /* enum hd_spectrum_normalise */
};

#define HD_SPECTRUM_KIND_ROW(T, m, KINDS, DOC)                                                     \
  {                                                                                                \
    "data", "spectrum", HD_ENUM, offsetof(T, m.kind), "isotropic", 0, 0, 0, KINDS, "", DOC, NULL   \
  }
#define HD_SPECTRUM_ALPHA_ROW(T, m)                                                                \
  {                                                                                                \
    "data", "alpha", HD_REAL_LIST, offsetof(T, m.alpha), "1", 0, 20, HD_MIN_EXCL, NULL, "",        \
        "power-law exponent alpha (one value; one per class where a family has classes)", NULL     \
  }
#define HD_SPECTRUM_ZERO_FRACTION_ROW(T, m)                                                        \
  {                                                                                                \
    "data", "zero_fraction", HD_REAL, offsetof(T, m.zero_fraction), "0.5", 0, 1, HD_MAX_EXCL,      \
        NULL, "", "fraction of zero eigenvalues (zero_one spectrum)", NULL                         \
  }
#define HD_SPECTRUM_FILE_ROW(T, m)                                                                 \
  {                                                                                                \
    "data", "spectrum_file", HD_PATH_LIST, offsetof(T, m.file), "", 0, 0, 0, NULL, "",             \
        "eigenvalues, one per line (text) or dataset /lambda (*.h5), relative to the model "       \
        "file; one file (one per class where a family has classes); read when the spectrum "       \
        "kind is file",                                                                            \
        NULL                                                                                       \
  }
#define HD_SPECTRUM_NORMALISE_ROW(T, m)                                                            \
  {                                                                                                \
    "data", "normalise", HD_ENUM, offsetof(T, m.normalise), "none", 0, 0, 0,                       \
        hd_spectrum_normalisations, "",                                                            \
        "none, or trace: rescale each spectrum to Tr K / d = 1 (mean eigenvalue 1); where a "      \
        "family's generated spectra always have it, it acts on files",                             \
        NULL                                                                                       \
  }
#define HD_SPECTRUM_ROWS(T, m, KINDS, KINDS_DOC)                                                   \
  HD_SPECTRUM_KIND_ROW(T, m, KINDS, KINDS_DOC), HD_SPECTRUM_ALPHA_ROW(T, m),                       \
      HD_SPECTRUM_ZERO_FRACTION_ROW(T, m), HD_SPECTRUM_FILE_ROW(T, m),                             \
      HD_SPECTRUM_NORMALISE_ROW(T, m)

/* The checks the shared keys need for a family with one spectrum (the [data] spectrum
 * key): one alpha, one spectrum_file exactly when spectrum = file. */
void hd_spectrum_params_check(const struct hd_spectrum_params *s, const struct hd_config *cfg,
                              struct hd_errors *err);

/* [data] d from the spectrum file: when `table` has the shared spectrum_file row and a
 * required [data] d, and the model says spectrum = file with one spectrum_file but no d,
 * d becomes the file's number of eigenvalues (a derived config entry, bound like a
 * written one).  A d that is written and differs from the file's length is reported by
 * the family's plan (naming both).  File errors are left to the plan as well. */
void hd_spectrum_default_d(struct hd_config *cfg, const struct hd_param *table, size_t n);

/* Fills lambda[0..d) from the shared keys; `path` is the spectrum file resolved against
 * the model file (ignored unless kind = file).  As hd_spectrum_fill. */
int hd_spectrum_fill_params(const struct hd_spectrum_params *s, size_t d, const char *path,
                            double *lambda, char *msg, size_t msglen);

/* What a family's plan takes from the [data] spectrum rows: *lambda (d values) and, unless
 * the spectrum is isotropic, *sqrt_lambda (left NULL otherwise: unit scale, which lets the
 * samplers skip the scaling).  Errors name the model file's [data] key.  Returns 0 or -1;
 * the caller frees both arrays either way. */
int hd_spectrum_plan_fill(const struct hd_spectrum_params *s, const struct hd_config *cfg, size_t d,
                          double **lambda, double **sqrt_lambda, struct hd_errors *err);

/* At most how many groups of equal (or, with bins > 0, binned) eigenvalues a spectrum of
 * these keys has, from the keys alone: 1 isotropic, 2 zero_one, else d (or about bins).
 * For the memory a plan's grouped theory will need before the spectrum exists. */
size_t hd_spectrum_groups_bound(const struct hd_spectrum_params *s, size_t d, long bins);

/* Fills lambda[0..d).  Returns 0, or -1 with a message (file errors, wrong count,
 * negative or non-finite values). */
int hd_spectrum_fill(enum hd_spectrum_kind kind, size_t d, double alpha, double zero_fraction,
                     const char *path, int normalise_file, double *lambda, char *msg,
                     size_t msglen);

/* Reads a spectrum file (text: one number per line, '#' comments and blank lines allowed;
 * *.h5: the 1-D dataset /lambda).  Allocates *values; returns the count or -1. */
long hd_spectrum_read(const char *path, double **values, char *msg, size_t msglen);

/* Targets theta* = p / sqrt(d) with p_i = O(1) (docs/theory/lsq.md, "Targets"):
 * random (p_i ~ N(0,1), drawn once per seed from the problem-level TARGET stream, so all
 * runs and the theory share it), aligned (p_i = 1), source (p_i^2 ~ lambda_i^beta, mean
 * 1), zero.  One implementation for every problem on this data path, so the same seed
 * gives the same target everywhere. */
enum hd_target_kind { HD_TARGET_RANDOM, HD_TARGET_ALIGNED, HD_TARGET_SOURCE, HD_TARGET_ZERO };

void hd_target_fill(enum hd_target_kind kind, size_t d, const double *lambda, double beta,
                    uint64_t seed, double *theta_star);

#endif
