/* ode/glm.h — the d -> infinity limit of one-pass SGD on a single-index model with a loss
 * and a target given as formulas (docs/theory/glm.md §2): per eigen-group g (modes of
 * equal eigenvalue lambda_g, weight w_g = n_g / d) the projected norm V_g = sum_{i in g}
 * <x, u_i>^2 and the teacher overlap W_g = sum_{i in g} <x, u_i><x*, u_i>, with the
 * constant P_g = sum_{i in g} <x*, u_i>^2:
 *   dV_g/dt = -2 gamma lambda_g (V_g A + W_g C) - 2 gamma delta V_g
 *             + (gamma^2 / B) w_g lambda_g G                                  (E1)
 *   dW_g/dt = -gamma lambda_g (W_g A + P_g C) - gamma delta W_g               (E2)
 * with A, C, G the expectations of kernels/glm_expect.h at q = sum lambda V,
 * m = sum lambda W, p = sum lambda P.  The state is [V_0, W_0, V_1, W_1, ...]; the
 * Jacobian is 2x2 blocks plus rank 2 (through q and m), for the engine's Woodbury solve. */
#ifndef HDSIM_ODE_GLM_H
#define HDSIM_ODE_GLM_H

#include <stddef.h>

#include "integrate.h"
#include "kernels/glm_expect.h"
#include "schedule.h"

struct glm_system {
  size_t n_groups;
  const double *g_lambda, *g_weight, *g_p; /* lambda_g, w_g, P_g */
  const double *v0, *w0;                   /* V_g, W_g at t = 0 */
  const struct hd_schedule *schedule;
  double ridge; /* delta */
  double batch; /* B */
  double p;     /* sum_g lambda_g P_g */
  const struct glm_quad *quad;
  /* The calling thread's compiled formulas (libmatheval evaluators are per thread). */
  struct glm_funcs *(*funcs)(void *ctx);
  void *ctx;
  char failure[200]; /* what made the right-hand side fail, "" if nothing did */
};

void glm_ode_fill(struct glm_system *S, struct hd_ode_system *sys, double *y0);

/* q = sum lambda V, m = sum lambda W, sum V from a state. */
void glm_ode_overlaps(const struct glm_system *S, const double *y, double *q, double *m,
                      double *norm);

#endif
