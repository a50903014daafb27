/* fixed_point.h — the t = infinity state of an autonomous limit ODE: a root of its
 * right-hand side, found by damped Newton from a state the integration reached, and kept
 * only when it is asymptotically stable (every eigenvalue of the Jacobian there has a
 * negative real part).  Like the CVODE driver it knows nothing of the problem.
 *
 * Dense linear algebra (LAPACK getrf/getrs for the Newton steps, geev for the
 * stability test), so states above HD_FIXED_POINT_MAX_DIM values are refused with a
 * reason.  The Jacobian is the system's own where it has jac_structured (assembled
 * densely), else central differences of the right-hand side.
 */
#ifndef HDSIM_FIXED_POINT_H
#define HDSIM_FIXED_POINT_H

#include <stddef.h>

#include "integrate.h"

/* O(n^3) per Newton step and for the eigenvalues: about a second at this size (the
 * eigenvalues of a 2048 x 2048 matrix take 5-15 s, more than many whole runs). */
#define HD_FIXED_POINT_MAX_DIM 1024

struct hd_fixed_point_info {
  int iterations;     /* Newton iterations taken */
  double residual;    /* max |f(y*)| */
  double max_real;    /* largest real part of the Jacobian's eigenvalues at y* */
  double step;        /* max |last Newton step| / max |y*| */
  int exact_jacobian; /* 1: the system's jac_structured; 0: central differences */
};

/* Finds y* with f(t, y*) = 0 starting from y (dimension sys->dimension), overwriting y
 * with y*.  t is where the right-hand side is evaluated (an autonomous system ignores
 * it; the caller checks that with hd_fixed_point_autonomous).  Returns 0 when Newton
 * converged to a stable root; otherwise -1 with the reason in msg (no convergence,
 * singular Jacobian, an unstable or marginal root, the size limit, memory). */
int hd_fixed_point(const struct hd_ode_system *sys, double t, double *y,
                   struct hd_fixed_point_info *info, char *msg, size_t msglen);

/* 1 if f(t1, y) and f(t2, y) agree to rounding (the system does not depend on t at y),
 * else 0. */
int hd_fixed_point_autonomous(const struct hd_ode_system *sys, double t1, double t2,
                              const double *y);

#endif
