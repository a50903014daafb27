/* committee.h — private to src/problems/committee: the committee-machine family (student
 * with K hidden units learning a teacher with M, second layers fixed) on Gaussian data of
 * any hdsim spectrum.  Theory: ode/committee.h (per-eigenvalue-group overlaps, CM-5/CM-6);
 * simulation: sim/committee_sgd.h (CM-1).  Mathematics: docs/theory/committee.md.
 *
 * Files: committee_params.c (parameter table, validation), committee_plan.c (plan: spectrum,
 * teacher, initial student, eigen-groups, systems), committee_problem.c (ops table). */
#ifndef HDSIM_PROBLEMS_COMMITTEE_H
#define HDSIM_PROBLEMS_COMMITTEE_H

#ifndef HDSIM_COMMITTEE_PACKAGE
#error "committee.h is private to src/problems/committee (a test defines HDSIM_COMMITTEE_PACKAGE)"
#endif

#include <stdint.h>
#include <stdio.h>

#include "ode/committee.h"
#include "params.h"
#include "problem.h"
#include "schedule.h"
#include "sim/committee_sgd.h"
#include "spectrum.h"

enum cm_teacher { CM_TEACHER_ORTHONORMAL, CM_TEACHER_GAUSSIAN };

/* Problem-level random streams (run = UINT64_MAX: shared by the theory and every run). */
#define CM_STREAM_TEACHER 5
#define CM_STREAM_STUDENT 6

struct cm_params {
  /* [data] */
  long d;
  struct hd_spectrum_params spectrum;
  double label_noise;
  /* [network] */
  long K, M;
  int activation;           /* enum cm_activation */
  char formula[HD_STR_MAX]; /* activation = formula: g(x) */
  int teacher;              /* enum cm_teacher */
  struct hd_real_list v, vstar;
  long quadrature;
  /* [optimizer] */
  struct hd_schedule schedule;
  double init_scale;
};

#define CM_N_PARAMS 22 /* rows of cm_table (committee_params.c checks the count) */
extern const struct hd_param cm_table[CM_N_PARAMS];
void cm_memory_need(const void *params, const struct hd_run_params *run,
                    const struct hd_config *cfg, struct hd_memory_need *need);
void cm_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                 struct hd_errors *err);

/* committee_formula.c: activation = formula, a pool of per-thread clones */
struct cm_formula;
struct cm_formula *cm_formula_create(const char *text, char *msg, size_t msglen);
void cm_formula_free(struct cm_formula *F);
void cm_formula_theory_act(const struct cm_formula *F, struct cm_act *act);
int cm_formula_acquire(struct cm_formula *F, struct cm_act *act);
void cm_formula_release(struct cm_formula *F, const struct cm_act *act);

struct cm_plan {
  struct cm_params p;
  size_t d, K, M;
  uint64_t seed;
  double *lambda, *sqrt_lambda;
  double *teacher, *w0; /* M x d, K x d */
  double v[CM_MAX_UNITS], vstar[CM_MAX_UNITS];
  size_t n_groups;
  double *g_lambda, *g_weight, *g_T, *y0;
  double breakpoints[64];
  struct cm_quad quad;
  struct cm_formula *formula; /* activation = formula, else NULL */
  struct cm_system ode;
  struct cm_sgd sgd;
  size_t n_obs;
  struct hd_observable *obs;
};

void *cm_plan_create(const void *params, const struct hd_run_params *run,
                     const struct hd_config *cfg, struct hd_errors *err);
void cm_plan_destroy(void *plan);
void cm_plan_print(const void *plan, FILE *out);
size_t cm_plan_bytes(const void *plan, size_t *theory_bytes, size_t *thread_bytes);

#endif
