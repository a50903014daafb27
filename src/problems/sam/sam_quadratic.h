/* sam_quadratic.h — private to the SAM package: the problem sam_quadratic, SGD / USAM /
 * DNSAM / SAM on f = 1/2 x^T H x with additive Gaussian gradient noise
 * (docs/theory/sam.md §1.2-1.3, §3).
 *
 * H is given by its eigenvalues and the whole problem is written in H's eigenbasis: the
 * algorithms (Q1-Q4), the SDEs (S0-S3) and all closed forms depend on H only through them
 * once the noise covariance is expressed in that basis (Sigma~ = U^T Sigma U).  Without
 * [quadratic] eigenvectors the start and a noise_file are read in that basis; with them
 * (U) they are read in the user's coordinates and rotated, and the discrete algorithm is
 * simulated in the user's coordinates, its noise U S~ xi the eigenbasis noise rotated (so
 * a path is the eigenbasis path rotated, to rounding).  Negative eigenvalues give saddles (§3.7).
 *
 * Files: sam_quadratic.c (parameter table, validation, ops table),
 *        sam_quadratic_plan.c (plan: spectrum, noise, start, systems, observables, notes). */
#ifndef HDSIM_PROBLEMS_SAM_QUADRATIC_H
#define HDSIM_PROBLEMS_SAM_QUADRATIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sam.h"
#include "sde/sam_quadratic.h"
#include "sim/sam_quadratic.h"

enum samq_path { SAMQ_PATH_ALGORITHM, SAMQ_PATH_SDE };
enum samq_coupling { SAMQ_COUPLE_SYNC, SAMQ_COUPLE_INDEPENDENT };
enum samq_init { SAMQ_INIT_FIXED, SAMQ_INIT_GAUSSIAN };
enum samq_spectrum { SAMQ_SPECTRUM_LIST, SAMQ_SPECTRUM_WISHART, SAMQ_SPECTRUM_FILE };

/* What the parameter table fills: the one home of every sam_quadratic key. */
struct samq_params {
  /* [quadratic] */
  int spectrum;                      /* enum samq_spectrum: how H's eigenvalues are given */
  struct hd_real_list eigenvalues;   /* spectrum = list */
  char eigenvalues_file[HD_STR_MAX]; /* spectrum = file */
  long dim;                          /* d for spectrum = wishart */
  long wishart_n;                    /* columns of A in H = A A^T / n */
  double noise_std;                  /* sigma: Sigma = sigma^2 I */
  char noise_file[HD_STR_MAX];       /* full d x d covariance Sigma (overrides noise_std) */
  char eigenvectors[HD_STR_MAX];     /* "" or U (d x d orthonormal): H = U diag(lambda) U^T */
  int init;                          /* enum samq_init */
  struct hd_real_list x0;            /* fixed start (one value = all coordinates) */
  char x0_file[HD_STR_MAX];          /* fixed start from a file (array), replaces x0 */
  double init_scale;                 /* gaussian start: x0 ~ N(0, init_scale^2 I) */
  /* [optimizer] */
  int algorithm; /* enum sam_algorithm */
  double lr;     /* eta */
  double rho;
  long batch;      /* additive model: noise covariance Sigma / B */
  double norm_eps; /* guard in ||.|| + eps (davda54/sam uses 1e-12) */
  /* [sde] */
  int diffusion;      /* enum samq_diffusion */
  int path;           /* enum samq_path: simulate the algorithm or the SDE */
  long substeps;      /* m: EM step h = eta/m */
  int coupling;       /* enum samq_coupling */
  bool per_direction; /* observables m2_i = E x_i^2 per eigendirection */
};

struct samq_plan {
  struct samq_params p;
  size_t d;
  uint64_t seed;
  int method;             /* enum hd_theory_method of the run */
  double *lambda;         /* d eigenvalues of H (H = diag(lambda) in its eigenbasis) */
  double *Sigma;          /* d*d noise covariance (row-major), already divided by B */
  double *S;              /* d*d lower Cholesky factor of Sigma, or NULL when Sigma = s^2 I */
  double s_iso;           /* sqrt of the isotropic noise variance (after / B) */
  double *x0;             /* d: fixed start, or NULL (gaussian start) */
  /* eigenvectors given: the algorithm runs in the user's coordinates (x_user = U x) */
  double *U;              /* d*d, or NULL: the user's coordinates are H's eigenbasis */
  double *H_user;         /* d*d: U diag(lambda) U^T */
  double *R_user;         /* d*d: U S~ (S~ the eigenbasis factor), the user's noise root */
  double *x0_user;        /* d: the fixed start as given (U x0), or NULL */
  double *G_trunc;        /* d*d constant square root of the (S1a) covariance (USAM), or NULL */
  long clipped;           /* negative eigenvalues clipped in G_trunc */
  struct samq_system sde; /* the theory's system: views of the arrays above */
  struct samq_sim alg;    /* the simulated algorithm: views of the same */
  struct hd_observable *obs;
  size_t n_obs;
  char note[512];
};

/* sam_quadratic_plan.c */
void *samq_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err);
void samq_plan_destroy(void *plan);
void samq_plan_print(const void *plan, FILE *out);
size_t samq_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes);

#endif
