/* kernels/glm_expect.h — the Gaussian expectations of the single-index family glm
 * (docs/theory/glm.md §2.2-§2.4), shared by its theory (the right-hand side) and its
 * simulation (observables read off a run's overlaps).
 *
 * Given the overlaps q = <x, K x>, m = <x, K x*>, p = <x*, K x*>, the pair (r, r*) is
 * N(0, B) with B = [[q, m], [m, p]], written r* = sqrt(p) z1, r = (m / sqrt(p)) z1 + s z2,
 * s^2 = q - m^2 / p, and eps ~ N(0, 1) the label noise; expectations are tensor
 * Gauss-Hermite sums over (z1, z2[, eps]) (G1).  The formulas are the model file's:
 *   target y = target(r_star, eps),  loss l(r, y),  optional metric(r, y, r_star). */
#ifndef HDSIM_KERNELS_GLM_EXPECT_H
#define HDSIM_KERNELS_GLM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "formula.h"

/* One thread's compiled formulas (each formula and program evaluates in work space of its
 * own, so each thread needs its own set: glm_funcs_clone). */
#define GLM_N_FORMULAS 7
struct glm_funcs {
  struct hd_formula *target;  /* (r_star, eps) */
  struct hd_formula *dtarget; /* d target / d r_star */
  struct hd_formula *loss;    /* (r, y) */
  struct hd_formula *dloss;   /* l_r = dl/dr */
  struct hd_formula *d2loss;  /* l_rr */
  struct hd_formula *dlossy;  /* l_ry */
  struct hd_formula *metric;  /* (r, y, r_star), or NULL */
  /* programs over arrays of points, sub-expressions shared (formula.h) */
  struct hd_fprog *slope;     /* l_r */
  struct hd_fprog *curvature; /* l_r, l_rr */
  struct hd_fprog *mixed;     /* l_r, l_rr, l_ry */
  struct hd_fprog *observe;   /* loss[, metric] over (r, y, r_star) */
  double *work;               /* enough for any of them */
};

/* Parses and differentiates; NULL metric text = none.  On failure returns -1 with the
 * reason in msg and *which set to "target", "loss" or "metric". */
int glm_funcs_compile(struct glm_funcs *F, const char *target, const char *loss, const char *metric,
                      const char **which, char *msg, size_t msglen);
int glm_funcs_clone(struct glm_funcs *dst, const struct glm_funcs *src);
void glm_funcs_free(struct glm_funcs *F);

/* How the drift's E[d_r l_r] and E[d_r* l_r] are computed (§2.3). */
enum glm_form {
  GLM_FORM_DERIVATIVE, /* E of the symbolic second derivatives: l_r continuous in (r, r*) */
  GLM_FORM_STEIN       /* E[(z1, z2) l_r] and B^-1 (Stein): l_r or the target may jump */
};

/* The rule.  Smooth integrands: tensor Gauss-Hermite.  Where the target jumps (sign(r_star))
 * the z1 rule is composite Gauss-Legendre with panel edges at the target's jumps, found once
 * per eps node (r* = sqrt(p) z1 does not move with the state); where l_r or the metric jump
 * (hinge, ReLU, r*y < 0) the z2 integral is composite Gauss-Legendre with edges at their
 * jumps, found at each call by a scan and 16-sections (G2).  Where the target reads eps and the
 * slope may jump: eps on panels, rows along z1 where s is small (G3). */
#define GLM_MAX_NODES 512
struct glm_quad {
  size_t n, n_eps; /* nodes per dimension for z1, z2; for eps (1 when unused) */
  double *z, *wz;  /* n Gauss-Hermite nodes and weights (weights sum to 1) */
  double *e, *we;  /* n_eps nodes and weights */
  size_t *n_outer; /* per eps node: the z1 rule's size ... */
  double *oz, *ow; /* ... and nodes/weights at [k * GLM_MAX_NODES] */
  int jumpy_inner; /* l_r (drift) or the metric may jump: locate jumps in z2 */
  int no_rstar;    /* nothing reads r_star: r = sqrt(q) z2, one z1 node */
  int eps_panels;  /* eps on composite Gauss-Legendre; rows may run along z1 (G3) */
  enum glm_form form;
};

/* p = <x*, K x*>; F->target is scanned for jumps when target_jumps. */
int glm_quad_init(struct glm_quad *Q, size_t n, size_t n_eps, enum glm_form form, int target_jumps,
                  int jumpy_inner, int no_rstar, double p, struct glm_funcs *F);
void glm_quad_free(struct glm_quad *Q);

/* The drift's expectations at (q, m, p), with l_r evaluated at y = target(r*, eps):
 *   A = E[d_r l_r],  C = E[d_r* l_r] (total derivative through the target),  G = E[l_r^2].
 * Returns 0, or -1 when a value met is not finite (then *bad names the formula, and
 * r, y hold the point). */
struct glm_drift {
  double A, C, G;
  const char *bad;
  double bad_r, bad_y;
};
int glm_expect_drift(const struct glm_quad *Q, struct glm_funcs *F, double q, double m, double p,
                     struct glm_drift *out);

/* E[loss] and E[metric] (NaN when there is no metric) at (q, m, p). */
void glm_expect_observe(const struct glm_quad *Q, struct glm_funcs *F, double q, double m, double p,
                        double *loss, double *metric);

#endif
