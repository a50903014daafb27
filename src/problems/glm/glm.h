/* glm.h — private to the glm package: one-pass SGD on a single-index model whose target,
 * loss and metric are formulas in the model file (docs/theory/glm.md).
 *
 * Files: glm_problem.c (parameter table, validation with the formula checks, ops table),
 *        glm_plan.c (plan: spectrum, teacher, eigen-groups, quadrature, per-thread
 *        formulas, the limit's and the simulation's systems, observables).
 * Theory ode/glm.{c,h}, expectations src/kernels/glm_expect.{c,h}, simulation
 * src/sim/glm_sgd.{c,h}, formulas src/formula.{c,h}. */
#ifndef HDSIM_PROBLEMS_GLM_H
#define HDSIM_PROBLEMS_GLM_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "errors.h"
#include "kernels/glm_expect.h"
#include "ode/glm.h"
#include "problem.h"
#include "schedule.h"
#include "sim/glm_sgd.h"
#include "spectrum.h"

enum glm_form_key { GLM_FORM_KEY_AUTO, GLM_FORM_KEY_DERIVATIVE, GLM_FORM_KEY_STEIN };

struct glm_params {
  /* [data] */
  long d;
  struct hd_spectrum_params spectrum;
  int teacher; /* enum hd_target_kind: random or aligned */
  /* [glm] */
  char target[HD_STR_MAX], loss[HD_STR_MAX], metric[HD_STR_MAX];
  long nodes; /* Gauss-Hermite nodes per dimension of the drift; 0 = auto */
  int form;   /* enum glm_form_key */
  /* [optimizer] */
  struct hd_schedule schedule;
  double ridge;
  long batch;
  int init; /* 0 zero, 1 random */
  double init_scale;
  double init_overlap; /* x_0 = init_overlap x* + (random part) */
};

struct glm_plan {
  struct glm_params p;
  size_t d;
  uint64_t seed, id;
  double *lambda, *sqrt_lambda, *teacher;
  double p_total; /* p = <x*, K x*> */
  size_t n_groups;
  double *g_lambda, *g_weight, *g_p, *g_v0, *g_w0;
  struct glm_funcs base; /* compiled once; every thread evaluates a clone of it */
  pthread_mutex_t pool_lock;
  struct glm_funcs **pool; /* the clones handed to threads, freed with the plan */
  size_t n_pool, cap_pool;
  struct glm_quad quad, quad_obs; /* the drift's and the observables' rules */
  struct glm_system ode;
  double breakpoints[64]; /* learning-rate steps within the horizon */
  size_t n_breakpoints;
  struct glm_sgd sgd;
  struct hd_observable obs[5];
  size_t n_obs;
  int has_metric;
};

/* glm_plan.c */
void *glm_plan_create(const void *params, const struct hd_run_params *run,
                      const struct hd_config *cfg, struct hd_errors *err);
void glm_plan_destroy(void *plan);
void glm_plan_print(const void *plan, FILE *out);
/* The calling thread's formulas for this plan (a clone made on first use). */
struct glm_funcs *glm_thread_funcs(void *plan);
/* The checks at the origin shared by validate and the plan (division by zero at r = 0). */
void glm_check_origin(struct glm_funcs *F, const struct hd_config *cfg, struct hd_errors *err);

#endif
