/* kernels/committee_act.h — the activation g of a committee machine and its derivative g',
 * shared by the theory (ode/committee.h) and the simulation (sim/committee_sgd.h) so that
 * neither includes the other.  docs/theory/committee.md, CM-1. */
#ifndef HDSIM_KERNELS_COMMITTEE_ACT_H
#define HDSIM_KERNELS_COMMITTEE_ACT_H

#include <math.h>

/* erf is Saad & Solla's g(x) = erf(x / sqrt 2); formula is any g given as an expression,
 * evaluated through the callbacks the problem package fills (ode/ and sim/ never see the
 * expression parser). */
enum cm_activation { CM_ACT_ERF, CM_ACT_RELU, CM_ACT_LINEAR, CM_ACT_FORMULA };

struct cm_act {
  enum cm_activation kind;
  double (*g)(double x, void *ctx);  /* formula: g(x); must be safe to call from threads */
  double (*dg)(double x, void *ctx); /* formula: g'(x) */
  void *ctx;
};

static inline double cm_g(const struct cm_act *a, double x)
{
  switch (a->kind) {
  case CM_ACT_ERF: return erf(x * 0.70710678118654752440);
  case CM_ACT_RELU: return x > 0 ? x : 0.0;
  case CM_ACT_LINEAR: return x;
  default: return a->g(x, a->ctx);
  }
}

static inline double cm_dg(const struct cm_act *a, double x)
{
  switch (a->kind) {
  case CM_ACT_ERF: return 0.79788456080286535588 * exp(-0.5 * x * x); /* sqrt(2/pi) */
  case CM_ACT_RELU: return x > 0 ? 1.0 : 0.0;
  case CM_ACT_LINEAR: return 1.0;
  default: return a->dg(x, a->ctx);
  }
}

#endif
