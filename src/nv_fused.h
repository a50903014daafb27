/* nv_fused.h — CVODE's vector operations on the serial N_Vector, deferred and fused.
 *
 * A BDF step at large d is a few dozen streaming passes over the state: the Nordsieck
 * prediction alone is q(q+1)/2 N_VLinearSum calls, then the error weights, the Newton
 * update, the history update.  Each pass over a 10^6-state vector is memory traffic,
 * not arithmetic.  So the elementwise operations (z = a x + b y, z = c x, linear
 * combinations, ...) are not executed when CVODE calls them: they are queued, and the
 * operations a value depends on are run when anything needs it (a norm, a dot product,
 * the right-hand side, the linear solve, any access to the data through
 * N_VGetArrayPointer; a destroyed vector runs the whole queue).  They run block by block
 * (a few KiB of every vector they touch, all of them in order, then the next block), so
 * each vector crosses memory once per run instead of once per operation; blocks are
 * shared among OpenMP threads when the vectors are long.
 *
 * A linear sum that reads a vector set to a constant by a still-queued operation reads
 * the constant instead, and queued writes overwritten before anyone reads them are
 * dropped (CVODE zeroes its correction vector at every step, then adds to it).  CVODE's
 * prediction (a triangle of q(q+1)/2 linear sums) runs as one kernel.  A right-hand side
 * of the form lam .* (A y + B) + C (integrate.h) is queued like CVODE's own operations
 * (hd_nv_dot_scan, hd_nv_diag_affine).
 *
 * Results do not depend on any of this: every element goes through the same
 * floating-point operations in the same order as with immediate execution (the
 * operations are elementwise, so running them per block changes nothing; a x_i + b c is
 * the linear sum's own arithmetic when y_i = c), and the reductions sum fixed blocks in a
 * fixed order, whatever the number of threads. */
#ifndef HDSIM_NV_FUSED_H
#define HDSIM_NV_FUSED_H

#include <stddef.h>
#include <sundials/sundials_nvector.h>

/* Installs the deferred kernels in v's ops table (clones inherit it). */
void hd_nv_install(N_Vector v);
/* Runs every queued operation of the calling thread. */
void hd_nv_flush(void);
/* Queues w = 1 / (rtol |y| + atol) (CVODE's scalar-tolerance error weights, atol > 0). */
void hd_nv_ewt(N_Vector y, N_Vector w, double rtol, double atol);

/* on = 1: one operation per pass, exactly as CVODE asked for them, as without the queue
 * (for tests and benchmarks: the results must be the same bits either way). */
void hd_nv_set_immediate(int on);
/* For tests, on the calling thread: how many linear sums and scalings read a queued
 * constant instead of its array, how many queued operations were dropped as dead stores,
 * and how many runs executed a prediction triangle as one kernel. */
void hd_nv_rewrites(long *folded, long *dropped, long *triangles);
/* v's data without running the queue: only for arrays handed straight to
 * hd_nv_scale_dot / hd_nv_axpy_raw, which see the queue's effects. */
double *hd_nv_data(N_Vector v);
/* z = a .* b (after the queued operations, block by block) and returns sum_i v_i z_i (a direct solver's fused pass; flushes first). */
double hd_nv_scale_dot(size_t n, const double *a, const double *b, const double *v, double *z);
/* sum_i x_i y_i over fixed blocks, threaded for long arrays (the same bits for any number
 * of threads): for right-hand sides whose cost is a reduction plus an elementwise pass. */
double hd_par_dot(size_t n, const double *x, const double *y);
/* sum_i w_i y_i, the same bits as hd_par_dot(n, w, y), in one pass with the queued
 * operations y depends on; *maxabs = max_i |y_i|, or NaN when some y_i is not finite. */
double hd_nv_dot_scan(const double *w, N_Vector y, double *maxabs);
/* Queues z_i = lam_i (a y_i + b) + c (a right-hand side of that form, integrate.h);
 * lam must stay valid and unchanged until the next hd_nv_flush. */
void hd_nv_diag_affine(const double *lam, double a, double b, double c, N_Vector y, N_Vector z);
/* Whether every x_i is finite (one threaded pass). */
int hd_par_all_finite(size_t n, const double *x);
/* Whether an elementwise loop of n iterations is worth sharing among threads. */
int hd_par_worth(size_t n);
/* Queues z = z + a w for an array w of z's length; w must stay valid and unchanged until
 * the next hd_nv_flush (the operation may outlive accesses that do not depend on it). */
void hd_nv_axpy_raw(double a, const double *w, N_Vector z);

#endif
