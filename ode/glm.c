/* ode/glm.c — the per-eigenvalue limit E1-E2 of docs/theory/glm.md §2. */
#include "ode/glm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void glm_ode_overlaps(const struct glm_system *S, const double *y, double *q, double *m,
                      double *norm)
{
  double sq = 0, sm = 0, sn = 0;
  for (size_t g = 0; g < S->n_groups; g++) {
    sq += S->g_lambda[g] * y[2 * g];
    sm += S->g_lambda[g] * y[2 * g + 1];
    sn += y[2 * g];
  }
  *q = sq;
  *m = sm;
  if (norm) *norm = sn;
}

static int drift(struct glm_system *S, double q, double m, struct glm_drift *D)
{
  if (glm_expect_drift(S->quad, S->funcs(S->ctx), q, m, S->p, D) == 0) return 0;
  snprintf(S->failure, sizeof S->failure, "%s is not finite at r = %.6g, %s = %.6g", D->bad,
           D->bad_r, strcmp(D->bad, "target") ? "y" : "eps", D->bad_y);
  return -1;
}

static int rhs(double t, const double *y, double *dy, void *params)
{
  struct glm_system *S = params;
  double q, m;
  glm_ode_overlaps(S, y, &q, &m, NULL);
  if (!isfinite(q) || !isfinite(m)) return 1; /* CVODE retries with a smaller step */
  struct glm_drift D;
  if (drift(S, q, m, &D)) return -1;
  const double gamma = hd_schedule_lr(t, S->schedule), delta = S->ridge;
  const double noise = gamma * gamma / S->batch * D.G;
  for (size_t g = 0; g < S->n_groups; g++) {
    const double l = S->g_lambda[g], V = y[2 * g], W = y[2 * g + 1];
    dy[2 * g] = -2 * gamma * l * (V * D.A + W * D.C) - 2 * gamma * delta * V +
                noise * S->g_weight[g] * l;
    dy[2 * g + 1] = -gamma * l * (W * D.A + S->g_p[g] * D.C) - gamma * delta * W;
  }
  return 0;
}

/* J = blockdiag([[-2 gl A - 2 g delta, -2 gl C], [0, -gl A - g delta]]) + U V^T with
 * V's columns dq/dy, dm/dy and U's the right-hand side's derivatives in q and m, by
 * one-sided differences of the expectations (J only steers Newton's iteration). */
static int jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  struct glm_system *S = params;
  double q, m;
  glm_ode_overlaps(S, y, &q, &m, NULL);
  struct glm_drift D, Dq, Dm;
  const double scale = fmax(fabs(q) + fabs(m) + S->p, 1e-300);
  const double hq = 1e-6 * scale, hm = 1e-6 * scale;
  if (drift(S, q, m, &D) || drift(S, q + hq, m, &Dq)) return -1;
  /* m may only move where the covariance stays positive semi-definite */
  double sign = (m + hm) * (m + hm) <= q * S->p ? 1.0 : -1.0;
  if (drift(S, q, m + sign * hm, &Dm)) return -1;
  const double gamma = hd_schedule_lr(t, S->schedule), delta = S->ridge;
  const double c2 = gamma * gamma / S->batch;
  double dA[2] = {(Dq.A - D.A) / hq, (Dm.A - D.A) / (sign * hm)};
  double dC[2] = {(Dq.C - D.C) / hq, (Dm.C - D.C) / (sign * hm)};
  double dG[2] = {(Dq.G - D.G) / hq, (Dm.G - D.G) / (sign * hm)};
  const size_t n = J->dim;
  for (size_t g = 0; g < S->n_groups; g++) {
    const double l = S->g_lambda[g], V = y[2 * g], W = y[2 * g + 1];
    double *b = J->blocks + 4 * g;
    b[0] = -2 * gamma * l * D.A - 2 * gamma * delta;
    b[1] = -2 * gamma * l * D.C;
    b[2] = 0;
    b[3] = -gamma * l * D.A - gamma * delta;
    for (int c = 0; c < 2; c++) {
      J->U[c * n + 2 * g] = -2 * gamma * l * (V * dA[c] + W * dC[c]) +
                            c2 * S->g_weight[g] * l * dG[c];
      J->U[c * n + 2 * g + 1] = -gamma * l * (W * dA[c] + S->g_p[g] * dC[c]);
    }
    J->V[2 * g] = l;
    J->V[2 * g + 1] = 0;
    J->V[n + 2 * g] = 0;
    J->V[n + 2 * g + 1] = l;
  }
  return 0;
}

void glm_ode_fill(struct glm_system *S, struct hd_ode_system *sys, double *y0)
{
  memset(sys, 0, sizeof *sys);
  sys->dimension = 2 * S->n_groups;
  sys->rhs = rhs;
  sys->jac_structured = jac;
  sys->block = 2;
  sys->rank = 2;
  sys->params = S;
  S->failure[0] = '\0';
  for (size_t g = 0; g < S->n_groups; g++) {
    y0[2 * g] = S->v0[g];
    y0[2 * g + 1] = S->w0[g];
  }
}
