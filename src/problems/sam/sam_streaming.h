/* sam_streaming.h — private to the SAM package: the problem sam_streaming, SGD / USAM /
 * DNSAM / SAM on high-dimensional streaming least squares (docs/theory/sam.md §1.4, §4).
 *
 * The data path is streaming_lsq's (spectrum.c, its TARGET draw, its FEATURES / LABEL
 * streams, hd_dot): see sim/sam_streaming.h.  The theory works on eigen-groups (equal
 * eigenvalues share one state value): ode/sam_streaming.h (H4-H8, §4.4) and
 * sde/sam_streaming.h (the exact recursions H1-H2).
 *
 * Files: sam_streaming.c (parameter table, validation, ops table),
 *        sam_streaming_plan.c (plan: spectrum, target, eigen-groups, systems, notes). */
#ifndef HDSIM_PROBLEMS_SAM_STREAMING_H
#define HDSIM_PROBLEMS_SAM_STREAMING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ode/sam_streaming.h"
#include "sam.h"
#include "schedule.h"
#include "sde/sam_streaming.h"
#include "sim/sam_streaming.h"
#include "spectrum.h"

enum sams_target { SAMS_TARGET_RANDOM, SAMS_TARGET_ALIGNED, SAMS_TARGET_FILE };

/* What the parameter table fills: the one home of every sam_streaming key. */
struct sams_params {
  /* [data] (same keys and meaning as streaming_lsq) */
  long d;
  struct hd_spectrum_params spectrum; /* the shared [data] spectrum keys */
  int target;
  char target_file[HD_STR_MAX];  /* target = file: theta* (array) */
  char eigenvectors[HD_STR_MAX]; /* "" or U (d x d): target_file, init_file in data coordinates */
  double label_noise;
  /* [optimizer] */
  int algorithm;
  char init_file[HD_STR_MAX];  /* theta_0 (array); "" = 0 */
  struct hd_schedule schedule; /* lr = gamma (eta = gamma / d); always the constant kind */
  double rho_bar;              /* rho = rho_bar / d (usam, dnsam), rho_bar / sqrt(d) (sam) */
  long batch;
  double norm_eps;
  /* [sde] */
  int form; /* enum sams_form */
};

struct sams_plan {
  struct sams_params p;
  size_t d;
  uint64_t seed;
  int method; /* enum hd_theory_method of the run */
  double *lambda, *sqrt_lambda, *theta_star;
  double *theta_0;    /* init_file's theta_0, or NULL (theta_0 = 0) */
  double tau, kappa2; /* tr K / d, tr K^2 / d */
  size_t n_groups;
  double *g_lambda, *g_weight, *g_c; /* eigen-groups: lambda_g, n_g / d, mean d e_i(0)^2 */
  struct sams_system ode;            /* the d -> infinity limit (H4-H8) */
  struct sams_recursion rec;         /* the exact finite-d recursion (H1-H2) */
  struct sams_kernel kernel;         /* the simulated algorithm (L1-L4) */
  struct hd_observable obs[4];
  char note[256];
};

/* sam_streaming_plan.c */
void *sams_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err);
void sams_plan_destroy(void *plan);
void sams_plan_print(const void *plan, FILE *out);
size_t sams_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes);
/* A theory solve's working bytes on n_groups groups ([theory] method). */
size_t sams_theory_bytes(int method, size_t n_groups);

#endif
