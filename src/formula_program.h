/* formula_program.h — formulas compiled once to a flat program and evaluated over arrays
 * of points (all quadrature nodes of one expectation, a batch of samples).
 *
 * libmatheval (src/formula.c) stays the parser, simplifier and differentiator; a program
 * is built from its simplified tree by one walk:
 *   - identical sub-expressions are computed once, within a formula and across the
 *     formulas of one program (a loss and its derivatives share exp(-y*r));
 *   - sub-expressions of constants alone are folded, by the same operation libmatheval
 *     would perform at every evaluation;
 *   - x^1 is x (glibc's pow returns results that are doubles exactly);
 *   - x^2 is x*x, the correctly rounded square, where libmatheval calls pow(x, 2): glibc's
 *     pow is within 0.52 ulp and misses the correctly rounded square by one ulp at about
 *     1 point in 1000 (measured by test_formula_program), at 20-50 times the cost;
 *   - abs and step run inline with libmatheval's semantics (step(NaN) = NaN,
 *     step(-0) = 1); every other function is called through libmatheval's own pointer.
 * The result is therefore the libmatheval evaluator's bit for bit, non-finite values
 * included, except for squares, where it may be one ulp closer to the true square (and
 * what follows from that).  hd_fprog_exact_powers(1) keeps pow for squares too: then
 * every value is libmatheval's bit for bit (the test checks every operator and function
 * that way on random points and edges).
 *
 * A program is read-only once built: threads may share it, each passing its own work
 * array (hd_fprog_work_size doubles). */
#ifndef HDSIM_FORMULA_PROGRAM_H
#define HDSIM_FORMULA_PROGRAM_H

#include <stddef.h>

struct hd_fprog;

/* Builds a program over the libmatheval evaluators ev[0..nout-1], whose variables are
 * named vars[0..nvars-1] (a variable missing from vars is an error).  NULL with a reason
 * in msg when the tree holds something this layer does not know. */
struct hd_fprog *hd_fprog_build(int nout, void *const *ev, int nvars, char *const *vars, char *msg,
                                size_t msglen);

/* Whether programs built from now on keep pow(x, 2) (for tests; default 0: x*x).  Not
 * to be called while another thread builds. */
void hd_fprog_exact_powers(int on);

/* Doubles of work space one call of hd_fprog_eval needs. */
size_t hd_fprog_work_size(const struct hd_fprog *p);

/* out[k][i] = formula k at the point (in[0][i], ..., in[nvars-1][i]), i < n.  Input and
 * output arrays may not overlap. */
void hd_fprog_eval(const struct hd_fprog *p, size_t n, const double *const *in, double *const *out,
                   double *work);

/* The same, where bit v of uniform_mask says that in[v] holds one value repeated (eps
 * along a row of nodes): what depends on such inputs alone is computed once.  Same
 * values as hd_fprog_eval, bit for bit. */
void hd_fprog_eval_u(const struct hd_fprog *p, size_t n, const double *const *in,
                     unsigned uniform_mask, double *const *out, double *work);

/* Instructions after folding and sharing (for tests and the benchmark's story). */
size_t hd_fprog_length(const struct hd_fprog *p);

void hd_fprog_free(struct hd_fprog *p);

#endif
