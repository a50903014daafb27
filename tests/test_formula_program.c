/* test_formula_program.c — the compiled formulas (src/formula_program.c) against
 * libmatheval's own evaluator, bit for bit: every operator and every function libmatheval
 * knows, the rewritten forms (max, min, sign, comparisons), first and second derivatives,
 * on random points of several scales and on the domain's edges (0, -0, log of negatives,
 * 0/0, overflow, infinities, NaN); the array form against the scalar one; a program of
 * several formulas against each alone; constant folding and sharing visible in the
 * program's length.  All of it twice: with pow kept for squares (hd_fprog_exact_powers),
 * where every value must be libmatheval's bit for bit, and as hdsim runs (x^2 = x*x),
 * where formulas without a square must still agree bit for bit and those with one may
 * differ where pow(x, 2) misses the correctly rounded square (at most 2 % of the points,
 * never in finiteness); the rate of those misses is measured and printed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "formula.h"

static const char *const vars[] = {"r", "y"};

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/* Uniform on [-1, 1) times 10^k, k in -3..3, now and then an edge value. */
static double draw(void)
{
  static const double edge[] = {0.0,   -0.0,   1.0,    -1.0,  INFINITY, -INFINITY, NAN,
                                1e308, -1e308, 5e-324, 710.0, -745.5,   0.5,       2.0};
  const uint64_t u = next();
  if (u % 16 == 0) return edge[(u >> 8) % (sizeof edge / sizeof *edge)];
  const double x = (double)(next() >> 11) * 0x1p-52 - 1.0;
  return x * pow(10.0, (double)((int)((u >> 4) % 7) - 3));
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof a); }

static int exact; /* the mode of this pass: pow kept for squares */

static int same_class(double a, double b)
{
  return (isnan(a) && isnan(b)) || (isinf(a) && a == b) || (isfinite(a) && isfinite(b));
}

#define NPTS 4000

/* Every value of f at NPTS points, compiled (scalar and array) against libmatheval. */
static void agrees(struct hd_formula *f, const char *what)
{
  static double r[NPTS], y[NPTS], arr[NPTS];
  for (int i = 0; i < NPTS; i++) r[i] = draw(), y[i] = draw();
  const double *in[2] = {r, y};
  hd_formula_eval_n(f, NPTS, in, arr);
  /* y repeated along rows of 100 (as eps along a row of nodes): hoisted, same bits */
  static double yrow[NPTS], hoisted[NPTS];
  for (int i = 0; i < NPTS; i++) yrow[i] = y[i - i % 100];
  int bad_hoist = 0;
  for (int i = 0; i < NPTS; i += 100) {
    const double *row[2] = {r + i, yrow + i};
    hd_formula_eval_nu(f, 100, row, 2u, hoisted + i);
  }
  hd_formula_eval_n(f, NPTS, (const double *const[]){r, yrow}, arr + 0);
  for (int i = 0; i < NPTS; i++) bad_hoist += !same(hoisted[i], arr[i]);
  CHECK(bad_hoist == 0, "%s: hoisting repeated inputs changed %d values", what, bad_hoist);
  hd_formula_eval_n(f, NPTS, in, arr);
  int bad = 0, first = -1, wrong_class = 0;
  for (int i = 0; i < NPTS; i++) {
    const double v[2] = {r[i], y[i]};
    const double want = hd_formula_eval_reference(f, v), got = hd_formula_eval(f, v);
    if (!same(got, arr[i])) wrong_class++; /* scalar and array forms are one program */
    if (!same(got, want)) {
      if (first < 0) first = i;
      bad++;
      wrong_class += !same_class(got, want);
    }
  }
  const int square = strstr(hd_formula_text(f), "^2)") != NULL;
  const int allowed = exact || !square ? 0 : NPTS / 50;
  CHECK(hd_formula_compiled(f) && bad <= allowed && wrong_class == 0,
        "%s = %s (%s): %d of %d points differ (%d allowed), %d in finiteness%s", what,
        hd_formula_text(f), exact ? "pow kept" : "x*x", bad, NPTS, allowed, wrong_class,
        bad ? " (first shown below)" : "");
  if (bad) {
    const double v[2] = {r[first], y[first]};
    printf("  r = %.17g, y = %.17g: compiled %.17g, libmatheval %.17g\n", v[0], v[1],
           hd_formula_eval(f, v), hd_formula_eval_reference(f, v));
  }
}

static void check_text(const char *text)
{
  char msg[256];
  struct hd_formula *f = hd_formula_parse(text, 2, vars, msg, sizeof msg);
  CHECK(f != NULL, "parse '%s': %s", text, msg);
  if (!f) return;
  agrees(f, text);
  struct hd_formula *d = hd_formula_derivative(f, "r", msg, sizeof msg);
  struct hd_formula *dd = d ? hd_formula_derivative(d, "r", msg, sizeof msg) : NULL;
  struct hd_formula *dy = d ? hd_formula_derivative(d, "y", msg, sizeof msg) : NULL;
  if (d) agrees(d, "d/dr");
  if (dd) agrees(dd, "d2/dr2");
  if (dy) agrees(dy, "d2/drdy");
  hd_formula_free(dy);
  hd_formula_free(dd);
  hd_formula_free(d);
  hd_formula_free(f);
}

static void all_formulas(void)
{
  /* operators, precedence, powers (the x^1 and x^2 forms among them) */
  const char *const ops[] = {"r + y",
                             "r - y",
                             "r*y",
                             "r/y",
                             "r^y",
                             "-r",
                             "-(r - y)*2",
                             "r^2",
                             "r^3",
                             "r^1",
                             "r^0.5",
                             "2^r",
                             "r^-2",
                             "(r*y)^2 - r^2*y^2",
                             "0/r",
                             "r/0",
                             "0*r",
                             "1*r + 0",
                             "r - 0",
                             "r^0",
                             "3*r*r*r/3 - r^3",
                             "1e308*r*10",
                             "(r - r)/(y - y)"};
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) check_text(ops[i]);
  /* every function libmatheval knows, at a scaled argument so that domains are crossed */
  const char *const fns[] = {"exp",   "log",   "sqrt",     "sin",   "cos",   "tan",   "cot",
                             "sec",   "csc",   "asin",     "acos",  "atan",  "acot",  "asec",
                             "acsc",  "sinh",  "cosh",     "tanh",  "coth",  "sech",  "csch",
                             "asinh", "acosh", "atanh",    "acoth", "asech", "acsch", "abs",
                             "step",  "delta", "nandelta", "erf"};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
    char text[96];
    snprintf(text, sizeof text, "%s(r*y - 0.25) + 0.5*%s(r)", fns[i], fns[i]);
    check_text(text);
  }
  /* constants and the forms rewritten through abs and step */
  const char *const rest[] = {"pi*r + e*y + sqrt2 - ln2*log2e",
                              "max(0, 1 - y*r)",
                              "min(r, y)^2",
                              "sign(r - y)*r",
                              "r*y < 0",
                              "r <= y",
                              "(r > 0.5) + (y >= -1)",
                              "0.5*min(abs(r - y), 1)^2 + abs(r - y) - min(abs(r - y), 1)",
                              "log(1 + exp(-y*r))",
                              "(r^2 - y)^2",
                              "0.5*(max(0, r) - y)^2",
                              "erf(r/sqrt(2))*exp(-y^2/2)/(1 + r^2)"};
  for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) check_text(rest[i]);
}

int main(void)
{
  hd_fprog_exact_powers(1);
  exact = 1;
  all_formulas();
  hd_fprog_exact_powers(0);
  exact = 0;
  all_formulas();

  /* folding: constants alone leave nothing to do; sharing: one exp for the loss, its
   * slope and its curvature */
  {
    char msg[256];
    struct hd_formula *c = hd_formula_parse("2*pi*e + sqrt(2)*3 - 1/7", 2, vars, msg, sizeof msg);
    struct hd_fprog *pc = c ? hd_formula_program(1, &c, msg, sizeof msg) : NULL;
    CHECK(pc && hd_fprog_length(pc) == 0, "constants fold to no instruction (%zu)",
          pc ? hd_fprog_length(pc) : (size_t)0);
    hd_fprog_free(pc);
    hd_formula_free(c);

    struct hd_formula *f[3];
    f[0] = hd_formula_parse("log(1 + exp(-y*r))", 2, vars, msg, sizeof msg);
    f[1] = hd_formula_derivative(f[0], "r", msg, sizeof msg);
    f[2] = hd_formula_derivative(f[1], "r", msg, sizeof msg);
    struct hd_fprog *p = hd_formula_program(3, f, msg, sizeof msg);
    struct hd_fprog *alone[3];
    size_t sum = 0;
    for (int k = 0; k < 3; k++) {
      alone[k] = hd_formula_program(1, &f[k], msg, sizeof msg);
      sum += hd_fprog_length(alone[k]);
    }
    CHECK(p && hd_fprog_length(p) < sum, "shared program: %zu instructions, %zu apart",
          hd_fprog_length(p), sum);
    /* the joint program's values are each formula's, bit for bit */
    enum { N = 1000 };
    static double r[N], y[N], o[3][N], a[N];
    for (int i = 0; i < N; i++) r[i] = draw(), y[i] = draw();
    const double *in[2] = {r, y};
    double *out[3] = {o[0], o[1], o[2]};
    double *work = malloc(hd_fprog_work_size(p) * sizeof(double));
    hd_fprog_eval(p, N, in, out, work);
    int bad = 0;
    for (int k = 0; k < 3; k++) {
      hd_formula_eval_n(f[k], N, in, a);
      for (int i = 0; i < N; i++) bad += !same(a[i], o[k][i]);
    }
    CHECK(bad == 0, "joint program against each formula: %d values differ", bad);
    free(work);
    for (int k = 0; k < 3; k++) {
      hd_fprog_free(alone[k]);
      hd_formula_free(f[k]);
    }
    hd_fprog_free(p);

    /* different variable lists only go together as prefixes of one another */
    static const char *const other[] = {"y", "r"};
    struct hd_formula *g[2];
    g[0] = hd_formula_parse("r + y", 2, vars, msg, sizeof msg);
    g[1] = hd_formula_parse("r - y", 2, other, msg, sizeof msg);
    struct hd_fprog *bad_p = hd_formula_program(2, g, msg, sizeof msg);
    CHECK(!bad_p && strstr(msg, "different variables"), "refused: %s", msg);
    hd_formula_free(g[0]);
    hd_formula_free(g[1]);
  }

  /* how often glibc's pow(x, 2) misses the correctly rounded x*x (the exponent through a
   * volatile: the compiler would turn a literal pow(x, 2.0) into x*x itself) */
  {
    long bad = 0, far = 0;
    volatile double two = 2.0;
    for (long i = 0; i < 1000000; i++) {
      uint64_t u = next();
      double x;
      u = (u & ~(0x7ffULL << 52)) | ((uint64_t)(1023 + (int)(next() % 1200) - 600) << 52);
      memcpy(&x, &u, sizeof x);
      const double p2 = pow(x, two), m2 = x * x;
      bad += !same(p2, m2);
      far += fabs(p2 - m2) > 0x1p-52 * m2; /* more than one ulp */
    }
    printf("pow(x, 2) != x*x at %ld of 10^6 random x (%ld by more than one ulp)\n", bad, far);
    CHECK(far == 0 && bad < 10000, "pow(x, 2) within an ulp of x*x, rarely off: %ld, %ld", bad,
          far);
  }
  return check_finish();
}
