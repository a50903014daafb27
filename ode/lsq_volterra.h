/* lsq_volterra.h — the streaming least-squares / noisy-SGD limit as a renewal (Volterra
 * convolution) equation, solved by an FFT-accelerated trapezoidal convolution quadrature
 * ([theory] method = volterra; docs/theory/noisy.md §2.3).  The derivation and the
 * numerical scheme are in the header comment of lsq_volterra.c. */
#ifndef HDSIM_ODE_LSQ_VOLTERRA_H
#define HDSIM_ODE_LSQ_VOLTERRA_H

#include <stddef.h>

#include "ode/lsq_limit.h"

/* Trapezoidal convolution quadrature of R(t) = F(t) + int_0^t K(t-s) R(s) ds on the
 * uniform grid t_n = n h, n = 0..n_steps (F, K and R hold n_steps + 1 values):
 *   R_n = F_n + h [ K_n R_0 / 2 + sum_{j=1}^{n-1} K_{n-j} R_j + K_0 R_n / 2 ].
 * direct = 1: the O(N^2) sum (the test oracle); 0: divide and conquer with FFTW
 * convolutions, O(N log^2 N).  Returns 0, or -1 if 1 - h K_0 / 2 is not positive (the
 * step is too large for the kernel) or memory runs out. */
int hd_volterra_solve(size_t n_steps, double h, const double *F, const double *K, double *R,
                      int direct);

/* Options of lsq_volterra_eval (bit flags). */
enum {
  LSQ_VOLTERRA_DIRECT = 1,        /* O(N^2) solve and convolutions instead of FFT */
  LSQ_VOLTERRA_NO_RICHARDSON = 2, /* plain trapezoid (O(h^2)); default: one Richardson step */
};

/* The observables of the plan (risk, distance, bands; [obs][time]) at the n_t times t
 * (ascending, t[n_t - 1] is the horizon of the uniform grid).  h > 0: that step (rounded
 * down so that a whole number of steps ends at the horizon); h = 0: chosen from rtol (see
 * lsq_volterra.c).  *h_used / *n_used (may be NULL) report the step and the number of
 * steps of the (coarse) grid.  Returns 0, or -1 with a message. */
int lsq_volterra_eval(const struct lsq_limit *P, const double *t, size_t n_t, double h, double rtol,
                      int flags, double *values, double *h_used, size_t *n_used, char *msg,
                      size_t msglen);

/* Number of exponentials the plan's spectrum was compressed to (the Chebyshev proxies of
 * lsq_volterra.c) for a horizon T; for diagnostics and the benchmark. */
size_t lsq_volterra_proxies(const struct lsq_limit *P, double T);

#endif
