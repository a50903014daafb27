/* dmft_grokking_plan.h — the dmft_grokking package's parameters and plan (private to
 * src/problems/grok/).  The plan fills one system (kernels/grok_closure.h) from the
 * parameters and hands it to the limit (ode/grok_limit.h) and to the finite networks
 * (sim/grok_net.h).
 *
 * Theory and simulation run on the same dataset (X, beta, test set), drawn once per
 * data seed; Monte Carlo runs are initialisation seeds of finite-N networks (§2.1:
 * "theory vs MC" = the N = infinity map against finite-N networks on the same data).
 * Average over data seeds with a [sweep] over data.data_seed. */
#ifndef HDSIM_PROBLEMS_GROK_DMFT_GROKKING_PLAN_H
#define HDSIM_PROBLEMS_GROK_DMFT_GROKKING_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernels/grok_closure.h"
#include "ode/grok_limit.h"
#include "params.h"
#include "problem.h"
#include "sim/grok_net.h"

enum grok_target { GROK_TARGET_HALF, GROK_TARGET_FULL }; /* s_y = 1 | 2 */
enum grok_beta_norm { GROK_BETA_RANDOM, GROK_BETA_EXACT };
enum grok_lr { GROK_LR_MEAN_FIELD, GROK_LR_SIGMA_SWEEP }; /* eta0 N/alpha^2 [/sigma^2] */
enum grok_form { GROK_FORM_AUTO, GROK_FORM_WEIGHTS, GROK_FORM_SAMPLES };

struct grok_params {
  /* [data] */
  long D, P, test_points;
  int target;     /* enum grok_target */
  int beta_norm;  /* enum grok_beta_norm */
  long data_seed; /* -1: the model seed */
  /* arrays from files (src/array_input.h; "" = drawn): X (P x D), y (P), the teacher
   * (D), the test set (P_test x D, P_test) */
  char X_file[HD_STR_MAX], y_file[HD_STR_MAX], beta_file[HD_STR_MAX];
  char test_X_file[HD_STR_MAX], test_y_file[HD_STR_MAX];
  /* [network] */
  long N;
  double alpha, eps, sigma;
  bool center;
  int algorithm;                                 /* enum grok_net_algorithm */
  int model;                                     /* enum grok_net_model: what is trained */
  int readout_init;                              /* enum grok_readout_init */
  char W0_file[HD_STR_MAX], a0_file[HD_STR_MAX]; /* N x D, N ("" = drawn per run) */
  /* [optimizer] */
  double eta0;
  int lr_scaling;      /* enum grok_lr */
  long batch;          /* 0: full batch; else minibatch SGD with B distinct points per step */
  double weight_decay; /* lambda0: per-step shrink omega = eta0 lambda0 / alpha^2 (§1.5) */
  double momentum;     /* mu: heavy ball u+ = mu u + increment, w+ = w + u+ (paper App. 14) */
  /* [theory] */
  int limit;        /* enum grok_limit_kind */
  int closure_form; /* enum grok_form: the N = infinity closure in weight or sample space */
  long particles;   /* trained readouts: the N = infinity theory's particles */
  /* [observables] */
  bool cka;
  bool kmse; /* record the kernel-regression baseline (needs the P x P kernel) */
  double kmse_ridge;
};

/* Largest P with the P x P kernel (kmse, lazy limit, sample space). */
#define GROK_KERNEL_MAX_P 8000

struct grok_plan {
  struct grok_params p;
  struct grok_system sys; /* the dataset and the map, shared by theory and simulation */
  struct grok_limit lim;  /* the deterministic limit of [theory] limit */
  struct grok_net net;    /* the finite-N networks */
  /* what sys and lim point to */
  double *X, *y, *Xt, *yt, *beta, *K;
  double *f0_inf, *f0t_inf; /* f0 = (alpha eps/2) sigma^2 |x|^2 on train and test points */
  double *M0_inf, *zero_D;  /* sigma^2 I (D x D) and 0 (D) */
  double *K0;               /* the initial NTK k(x, x') on the training points */
  double *tw_buf;
  double *W0, *a0; /* from W0_file, a0_file (NULL: drawn per run) */
  struct hd_observable *obs;
  size_t n_obs;
  int threads; /* the run's thread count (0: every core) */
  char note[256];
};

/* ---- dmft_grokking_plan.c ---- */
void *grok_plan_create(const void *params, const struct hd_run_params *run,
                       const struct hd_config *cfg, struct hd_errors *err);
void grok_plan_destroy(void *plan);
void grok_plan_print(const void *plan, FILE *out);
size_t grok_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes);
void grok_memory_need(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_memory_need *need);
/* Whether [theory] closure_form (auto: 2P <= D) puts the N = infinity closure in sample
 * space. */
bool grok_sample_form_chosen(const struct grok_params *p);

#endif
