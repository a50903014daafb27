/* test_formula.c — model-file formulas (src/formula.c): parsing, the rewritten forms
 * (max, min, sign, comparisons), symbolic derivatives against closed forms, refusals
 * with their reasons, and per-thread copies evaluated concurrently giving the serial
 * values bit for bit. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "formula.h"

static const char *const vars[] = {"r", "y"};

static double eval2(const char *text, double r, double y)
{
  char msg[256];
  struct hd_formula *f = hd_formula_parse(text, 2, vars, msg, sizeof msg);
  if (!f) {
    printf("parse failed: %s: %s\n", text, msg);
    return NAN;
  }
  double v[2] = {r, y}, out = hd_formula_eval(f, v);
  hd_formula_free(f);
  return out;
}

static double deriv2(const char *text, const char *var, double r, double y)
{
  char msg[256];
  struct hd_formula *f = hd_formula_parse(text, 2, vars, msg, sizeof msg);
  struct hd_formula *d = f ? hd_formula_derivative(f, var, msg, sizeof msg) : NULL;
  double v[2] = {r, y}, out = d ? hd_formula_eval(d, v) : NAN;
  hd_formula_free(d);
  hd_formula_free(f);
  return out;
}

static void refused(const char *text, const char *reason)
{
  char msg[256] = "";
  struct hd_formula *f = hd_formula_parse(text, 2, vars, msg, sizeof msg);
  CHECK(!f && strstr(msg, reason), "'%s' gave '%s' (want '%s')", text, msg, reason);
  hd_formula_free(f);
}

/* ---- threads: each evaluates its own clone over the same points */
#define NPTS 20000
static struct hd_formula *shared_dloss;
static double serial[NPTS];
static int thread_mismatch[4];

static void *worker(void *arg)
{
  int id = (int)(size_t)arg;
  char msg[256];
  struct hd_formula *mine = hd_formula_clone(shared_dloss, msg, sizeof msg);
  if (!mine) {
    thread_mismatch[id] = -1;
    return NULL;
  }
  for (int rep = 0; rep < 5; rep++)
    for (int i = 0; i < NPTS; i++) {
      double v[2] = {-3.0 + 6.0 * i / NPTS, (i % 3) - 1.0};
      double got = hd_formula_eval(mine, v);
      if (memcmp(&got, &serial[i], sizeof got)) thread_mismatch[id]++;
    }
  hd_formula_free(mine);
  return NULL;
}

int main(void)
{
  /* values and rewritten forms */
  CHECK(fabs(eval2("log(1 + exp(-y*r))", 0.3, 1) - log1p(exp(-0.3))) < 1e-15, "logistic");
  CHECK(eval2("max(0, 1 - y*r)", 0.5, 1) == 0.5, "hinge inside");
  CHECK(eval2("max(0, 1 - y*r)", 2, 1) == 0, "hinge outside");
  CHECK(eval2("min(r, y)", 2, -1) == -1 && eval2("min(r, y)", -2, 1) == -2, "min");
  CHECK(eval2("max(max(r, y), 0.5)", 0.1, 0.2) == 0.5, "nested max");
  CHECK(eval2("sign(r)", -0.1, 0) == -1 && eval2("sign(r)", 3, 0) == 1 &&
            eval2("sign(r)", 0, 0) == 0,
        "sign");
  CHECK(eval2("r*y < 0", 1, -1) == 1 && eval2("r*y < 0", 1, 1) == 0 && eval2("r*y < 0", 0, 1) == 0,
        "strict comparison");
  CHECK(eval2("r <= y", 1, 1) == 1 && eval2("r >= y", 1, 2) == 0 && eval2("r > y", 1, 0) == 1,
        "comparisons");
  CHECK(eval2("(abs(r-y) <= 1)*0.5*(r-y)^2 + (abs(r-y) > 1)*(abs(r-y) - 0.5)", 3, 0) == 2.5,
        "huber outside");
  CHECK(eval2("(abs(r-y) <= 1)*0.5*(r-y)^2 + (abs(r-y) > 1)*(abs(r-y) - 0.5)", 0.5, 0) == 0.125,
        "huber inside");
  CHECK(eval2("2*pi*e + 1.5e-3*r", 1, 0) == 2 * M_PI * M_E + 1.5e-3, "constants, exponent");
  CHECK(eval2("step(r)", 0, 0) == 1 && eval2("step(r)", -1e-300, 0) == 0, "step(0) = 1");
  CHECK(isinf(eval2("1/r", 0, 0)), "1/r at 0 is left to the caller");

  /* derivatives against closed forms */
  for (double r = -3; r <= 3; r += 0.37) {
    double y = 1.0;
    double g = deriv2("log(1 + exp(-y*r))", "r", r, y), want = -y / (1 + exp(y * r));
    CHECK(fabs(g - want) < 1e-14, "logistic derivative at r = %g: %.17g vs %.17g", r, g, want);
    double h = deriv2("(r^2 - y)^2", "r", r, 0.3);
    CHECK(fabs(h - 4 * r * (r * r - 0.3)) < 1e-13, "phase retrieval derivative at %g", r);
    double dy = deriv2("0.5*(r - y)^2", "y", r, 0.7);
    CHECK(fabs(dy - (0.7 - r)) < 1e-15, "derivative in y");
  }
  CHECK(deriv2("max(0, 1 - y*r)", "r", 0.5, 1) == -1 && deriv2("max(0, 1 - y*r)", "r", 2, 1) == 0,
        "hinge subgradient");
  {
    char msg[256];
    struct hd_formula *f = hd_formula_parse("log(1 + exp(-y*r))", 2, vars, msg, sizeof msg);
    struct hd_formula *d = hd_formula_derivative(f, "r", msg, sizeof msg);
    struct hd_formula *dd = hd_formula_derivative(d, "r", msg, sizeof msg);
    double v[2] = {0.4, -1}, s = 1 / (1 + exp(0.4));
    CHECK(fabs(hd_formula_eval(dd, v) - s * (1 - s)) < 1e-15, "second derivative");
    CHECK(hd_formula_uses(f, "y") && hd_formula_uses(f, "r"), "uses");
    CHECK(!hd_formula_may_jump(d), "smooth logistic has no jump");
    CHECK(!hd_formula_derivative(f, "z", msg, sizeof msg) && strstr(msg, "'z'"),
          "derivative in a non-variable: %s", msg);
    hd_formula_free(dd);
    hd_formula_free(d);
    hd_formula_free(f);
    struct hd_formula *h = hd_formula_parse("max(0, 1 - y*r)", 2, vars, msg, sizeof msg);
    struct hd_formula *hd = hd_formula_derivative(h, "r", msg, sizeof msg);
    CHECK(!hd_formula_may_jump(h) && hd_formula_may_jump(hd), "hinge: continuous, jumping slope");
    struct hd_formula *c = hd_formula_parse("r + 1", 2, vars, msg, sizeof msg);
    CHECK(c && !hd_formula_uses(c, "y"), "y unused: %s", c ? hd_formula_text(c) : msg);
    hd_formula_free(c);
    hd_formula_free(hd);
    hd_formula_free(h);
  }

  /* refusals, each with its reason */
  refused("r + foo", "unknown symbol 'foo'");
  refused("0*foo + r", "unknown symbol 'foo'");
  refused("r +", "syntax error");
  refused("r # y", "character '#'");
  refused("r < y < 1", "at most one comparison");
  refused("r = y", "'='");
  refused("max(r)", "max takes 2 arguments");
  refused("exp(r, y)", "exp takes 1 argument");
  refused("relu(r)", "unknown function 'relu'");
  refused("(r + y", "unbalanced");
  refused("r + y)", "unbalanced");
  refused("", "empty");
  refused("r**2", "syntax error");
  refused("exp + r", "needs parentheses");

  /* threads: per-thread clones agree with the serial evaluation bit for bit */
  {
    char msg[256];
    struct hd_formula *f = hd_formula_parse("log(1 + exp(-y*r)) + max(0, 1 - r)^2", 2, vars, msg,
                                            sizeof msg);
    shared_dloss = hd_formula_derivative(f, "r", msg, sizeof msg);
    for (int i = 0; i < NPTS; i++) {
      double v[2] = {-3.0 + 6.0 * i / NPTS, (i % 3) - 1.0};
      serial[i] = hd_formula_eval(shared_dloss, v);
    }
    pthread_t th[4];
    for (int t = 0; t < 4; t++) pthread_create(&th[t], NULL, worker, (void *)(size_t)t);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < 4; t++)
      CHECK(thread_mismatch[t] == 0, "thread %d: %d mismatches", t, thread_mismatch[t]);
    hd_formula_free(shared_dloss);
    hd_formula_free(f);
  }
  return check_finish();
}
