/* formula.h — expressions written in model files (a loss, a target, an activation),
 * parsed once, differentiated symbolically and evaluated many times.
 *
 * A thin layer over GNU libmatheval (Debian libmatheval-dev), which parses, simplifies
 * and differentiates.  What this layer adds:
 *   - a fixed variable set: a symbol outside it is an error naming the symbol;
 *   - a few forms libmatheval lacks, rewritten before parsing:
 *       max(a, b), min(a, b)      through abs:  (a + b +- abs(a - b)) / 2
 *       sign(a)                   step(a) - step(-a)            (sign(0) = 0)
 *       a < b, a > b, a <= b, a >= b   1 or 0 through step     (one per parenthesis level)
 *     libmatheval's own functions are kept: exp log sqrt sin cos tan ... abs step delta erf,
 *     constants e, pi; power is ^.  step(x) = 1 for x >= 0, 0 below; its derivative is
 *     delta(x), infinite at 0 and 0 elsewhere; abs'(x) = 2 step(x) - 1.
 *   - any other character (e.g. '#', '&', a second comparison) is refused with a reason
 *     rather than reaching libmatheval's lexer, which would print it.
 *
 * Evaluation.  Each formula is compiled once to a flat program (formula_program.h) that
 * gives libmatheval's values bit for bit (squares: the correctly rounded x*x), many points
 * per call.  Should the compiled form ever disagree with libmatheval's evaluator on the
 * probe points checked when it is built, the formula is left to that evaluator.
 *
 * Threads.  libmatheval's parser is not reentrant (a global lexer and symbol table under
 * construction), so every parse and derivative here runs under one mutex.  Evaluation
 * uses work space inside the struct hd_formula (and libmatheval's fallback stores the
 * variable values in its symbol table), so one struct hd_formula must not be evaluated by
 * two threads at once: each thread evaluates its own copy, made by hd_formula_clone.  A
 * program from hd_formula_program is read-only and may be shared.
 *
 * Typical use (plan once, evaluate many):
 *   const char *vars[] = {"r", "y"};
 *   struct hd_formula *loss = hd_formula_parse("log(1 + exp(-y*r))", 2, vars, msg, sizeof msg);
 *   struct hd_formula *dloss = hd_formula_derivative(loss, "r", msg, sizeof msg);
 *   double v[2] = {r, y}, g = hd_formula_eval(dloss, v);
 *   ... per thread: struct hd_formula *mine = hd_formula_clone(dloss, msg, sizeof msg);
 */
#ifndef HDSIM_FORMULA_H
#define HDSIM_FORMULA_H

#include <stddef.h>

#include "formula_program.h"

#define HD_FORMULA_MAX_VARS 8

struct hd_formula;

/* Parses `text` over the variables vars[0..nvars-1] (identifiers; at most
 * HD_FORMULA_MAX_VARS).  Returns NULL with a one-line reason in msg (syntax error,
 * unknown symbol 'foo' with the allowed ones, a refused character) on failure. */
struct hd_formula *hd_formula_parse(const char *text, int nvars, const char *const *vars, char *msg,
                                    size_t msglen);

/* The symbolic derivative with respect to variable `var` (one of the formula's
 * variables), over the same variable set.  NULL with a reason on failure. */
struct hd_formula *hd_formula_derivative(const struct hd_formula *f, const char *var, char *msg,
                                         size_t msglen);

/* An independent copy (same text, same derivatives taken) for another thread. */
struct hd_formula *hd_formula_clone(const struct hd_formula *f, char *msg, size_t msglen);

/* The value at values[0..nvars-1], given in the order of the variables passed to
 * hd_formula_parse.  May be non-finite (the caller checks).  Not thread-safe on one
 * object (see above). */
double hd_formula_eval(struct hd_formula *f, const double *values);

/* The values at n points, in[v][i] the value of variable v at point i; same contract as
 * hd_formula_eval. */
void hd_formula_eval_n(struct hd_formula *f, size_t n, const double *const *in, double *out);

/* The same, bit v of uniform_mask saying that in[v] holds one value repeated
 * (hd_fprog_eval_u). */
void hd_formula_eval_nu(struct hd_formula *f, size_t n, const double *const *in,
                        unsigned uniform_mask, double *out);

/* The value as libmatheval's own evaluator gives it (tests compare the compiled form). */
double hd_formula_eval_reference(struct hd_formula *f, const double *values);

/* Whether f runs as a compiled program (formula_program.h) rather than through
 * libmatheval's evaluator (the fallback when the program failed its check). */
int hd_formula_compiled(const struct hd_formula *f);

/* One program computing f[0..n-1] (n <= 16) together, sub-expressions shared, over the
 * widest formula's variables (every formula's variable list must open it: (r, y) and
 * (r, y, r_star) go together).  Read-only: threads share it, each with its own work
 * array.  NULL with a reason when a formula is not compiled. */
struct hd_fprog *hd_formula_program(int n, struct hd_formula *const *f, char *msg, size_t msglen);

/* Whether the (simplified) formula references variable `var`. */
int hd_formula_uses(const struct hd_formula *f, const char *var);

/* Whether the formula may jump: it contains step or delta (explicitly or through the
 * rewritten comparisons, sign, or the derivative of abs/max/min).  A formula without
 * them is continuous wherever it is finite. */
int hd_formula_may_jump(const struct hd_formula *f);

/* The simplified expression as libmatheval prints it (constants to 6 digits: for
 * display only), and the text as the user wrote it. */
const char *hd_formula_text(const struct hd_formula *f);
const char *hd_formula_source(const struct hd_formula *f);

void hd_formula_free(struct hd_formula *f);

#endif
