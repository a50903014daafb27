/* formula.c — model-file expressions over GNU libmatheval (see formula.h). */
#include "formula.h"

#include "errors.h"

#include <ctype.h>
#include <math.h>
#include <matheval.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DERIVS 4

struct hd_formula {
  void *ev;        /* libmatheval evaluator; owns the variable values during evaluation */
  char *source;    /* as written */
  char *rewritten; /* after max/min/sign/comparisons became libmatheval's own forms */
  const char *text;
  int nvars;
  char *names[HD_FORMULA_MAX_VARS];
  int nderiv; /* derivatives taken from the parsed text, in order (for clones) */
  int deriv_var[MAX_DERIVS];
  struct hd_fprog *prog; /* the compiled form; NULL: libmatheval evaluates (see check_program) */
  double *work;
};

/* libmatheval's lexer and parser keep global state: one parse (or derivative, or lazily
 * built string/variable list) at a time. */
static pthread_mutex_t matheval_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- rewriting */

struct buf {
  char *s;
  size_t n, cap;
  int failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->cap ? 2 * b->cap : 64) + n;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* libmatheval's unary functions and named constants. */
static const char *const functions[] = {
    "exp",   "log",   "sqrt",  "sin",  "cos",  "tan",   "cot",      "sec",
    "csc",   "asin",  "acos",  "atan", "acot", "asec",  "acsc",     "sinh",
    "cosh",  "tanh",  "coth",  "sech", "csch", "asinh", "acosh",    "atanh",
    "acoth", "asech", "acsch", "abs",  "step", "delta", "nandelta", "erf"};
static const char *const constants[] = {"e",  "log2e", "log10e", "ln2",   "ln10",
                                        "pi", "pi_2",  "pi_4",   "sqrt2", "sqrt1_2"};

static int in_list(const char *id, size_t n, const char *const *list, size_t count)
{
  for (size_t i = 0; i < count; i++)
    if (strlen(list[i]) == n && !strncmp(list[i], id, n)) return 1;
  return 0;
}

struct rewriter {
  int nvars;
  const char *const *vars;
  char *msg;
  size_t msglen;
  int error;
};

static void rw_expr(struct rewriter *w, struct buf *out, const char *s, size_t n);

/* The index just past the ')' matching the '(' at s[i], or 0 when unbalanced. */
static size_t match_paren(const char *s, size_t n, size_t i)
{
  int depth = 0;
  for (size_t j = i; j < n; j++) {
    if (s[j] == '(') depth++;
    else if (s[j] == ')' && --depth == 0) return j + 1;
  }
  return 0;
}

/* Splits the argument list s[0..n) at top-level commas; returns the count (at most max). */
static int split_args(const char *s, size_t n, size_t *start, size_t *len, int max)
{
  int count = 0, depth = 0;
  size_t from = 0;
  for (size_t j = 0; j <= n; j++) {
    if (j < n && s[j] == '(') depth++;
    else if (j < n && s[j] == ')') depth--;
    else if (j == n || (s[j] == ',' && depth == 0)) {
      if (count < max) {
        start[count] = from;
        len[count] = j - from;
      }
      count++;
      from = j + 1;
    }
  }
  return count;
}

static int blank(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isspace((unsigned char)s[i])) return 0;
  return 1;
}

/* A sub-expression wrapped in parentheses. */
static void rw_group(struct rewriter *w, struct buf *out, const char *s, size_t n)
{
  puts_(out, "(");
  rw_expr(w, out, s, n);
  puts_(out, ")");
}

/* Terms, factors and calls: everything but a comparison at this level. */
static void rw_terms(struct rewriter *w, struct buf *out, const char *s, size_t n)
{
  size_t i = 0;
  while (i < n && !w->error) {
    unsigned char c = (unsigned char)s[i];
    if (isalpha(c) || c == '_') {
      size_t j = i;
      while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_')) j++;
      const char *id = s + i;
      size_t idn = j - i;
      size_t k = j;
      while (k < n && isspace((unsigned char)s[k])) k++;
      if (k < n && s[k] == '(') {
        size_t end = match_paren(s, n, k);
        if (!end) {
          w->error = 1;
          hd_message(w->msg, w->msglen, "unbalanced parentheses after '%.*s'", (int)idn, id);
          return;
        }
        const char *args = s + k + 1;
        size_t argn = end - k - 2;
        size_t as[3], al[3];
        int na = split_args(args, argn, as, al, 3);
        int two = (idn == 3 && (!strncmp(id, "max", 3) || !strncmp(id, "min", 3)));
        int want = two ? 2 : 1;
        if (na != want || (na >= 1 && blank(args + as[0], al[0])) ||
            (na == 2 && blank(args + as[1], al[1]))) {
          w->error = 1;
          hd_message(w->msg, w->msglen, "%.*s takes %d argument%s", (int)idn, id, want,
              want == 1 ? "" : "s");
          return;
        }
        if (two) {
          /* max(a, b) = (a + b + |a - b|) / 2, min with the minus sign */
          puts_(out, "((");
          rw_group(w, out, args + as[0], al[0]);
          puts_(out, "+");
          rw_group(w, out, args + as[1], al[1]);
          puts_(out, id[1] == 'a' ? "+abs(" : "-abs(");
          rw_group(w, out, args + as[0], al[0]);
          puts_(out, "-");
          rw_group(w, out, args + as[1], al[1]);
          puts_(out, "))/2)");
        } else if (idn == 4 && !strncmp(id, "sign", 4)) {
          puts_(out, "(step(");
          rw_expr(w, out, args, argn);
          puts_(out, ")-step(-");
          rw_group(w, out, args, argn);
          puts_(out, "))");
        } else if (in_list(id, idn, functions, sizeof functions / sizeof *functions)) {
          put(out, id, idn);
          rw_group(w, out, args, argn);
        } else {
          w->error = 1;
          hd_message(w->msg, w->msglen,
              "unknown function '%.*s' (functions: exp log sqrt abs erf sin cos tan tanh "
              "step delta ..., max min sign)",
              (int)idn, id);
          return;
        }
        i = end;
        continue;
      }
      int known = in_list(id, idn, constants, sizeof constants / sizeof *constants);
      for (int v = 0; v < w->nvars && !known; v++)
        if (strlen(w->vars[v]) == idn && !strncmp(w->vars[v], id, idn)) known = 1;
      if (!known) {
        char allowed[256] = "";
        for (int v = 0; v < w->nvars; v++) {
          strncat(allowed, v ? ", " : "", sizeof allowed - strlen(allowed) - 1);
          strncat(allowed, w->vars[v], sizeof allowed - strlen(allowed) - 1);
        }
        w->error = 1;
        if (in_list(id, idn, functions, sizeof functions / sizeof *functions))
          hd_message(w->msg, w->msglen, "function '%.*s' needs parentheses", (int)idn, id);
        else
          hd_message(w->msg, w->msglen, "unknown symbol '%.*s' (variables: %s; constants: e, pi)",
              (int)idn, id, allowed);
        return;
      }
      put(out, id, idn);
      i = j;
    } else if (isdigit(c) || c == '.') {
      size_t j = i, dots = 0, digits = 0;
      for (; j < n && (isdigit((unsigned char)s[j]) || s[j] == '.'); j++) {
        dots += s[j] == '.';
        digits += s[j] != '.';
      }
      if (dots > 1 || digits == 0) {
        w->error = 1;
        hd_message(w->msg, w->msglen, "malformed number '%.*s'", (int)(j - i), s + i);
        return;
      }
      if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) k++;
        if (k < n && isdigit((unsigned char)s[k])) {
          while (k < n && isdigit((unsigned char)s[k])) k++;
          j = k;
        }
      }
      put(out, s + i, j - i);
      i = j;
    } else if (c == '(') {
      size_t end = match_paren(s, n, i);
      if (!end) {
        w->error = 1;
        hd_message(w->msg, w->msglen, "unbalanced parentheses");
        return;
      }
      rw_group(w, out, s + i + 1, end - i - 2);
      i = end;
    } else if (c == ')') {
      w->error = 1;
      hd_message(w->msg, w->msglen, "unbalanced parentheses");
      return;
    } else if (strchr("+-*/^ \t", (int)c)) {
      put(out, s + i, 1);
      i++;
    } else if (c == ',') {
      w->error = 1;
      hd_message(w->msg, w->msglen, "',' outside a function's arguments");
      return;
    } else if (c == '<' || c == '>' || c == '=') {
      w->error = 1;
      hd_message(w->msg, w->msglen, "at most one comparison per parenthesis level ('=' only in <= >=)");
      return;
    } else {
      w->error = 1;
      if (isprint(c)) hd_message(w->msg, w->msglen, "character '%c' is not part of a formula", c);
      else hd_message(w->msg, w->msglen, "byte 0x%02x is not part of a formula", c);
      return;
    }
  }
}

/* A comparison at this parenthesis level becomes 1 or 0 through step; otherwise terms. */
static void rw_expr(struct rewriter *w, struct buf *out, const char *s, size_t n)
{
  int depth = 0;
  size_t at = 0, oplen = 0;
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '(') depth++;
    else if (s[i] == ')') depth--;
    else if (depth == 0 && (s[i] == '<' || s[i] == '>')) {
      if (found) {
        w->error = 1;
        hd_message(w->msg, w->msglen, "at most one comparison per parenthesis level");
        return;
      }
      found = 1;
      at = i;
      oplen = (i + 1 < n && s[i + 1] == '=') ? 2 : 1;
      i += oplen - 1;
    }
  }
  if (!found) {
    if (blank(s, n)) {
      w->error = 1;
      hd_message(w->msg, w->msglen, "empty expression");
      return;
    }
    rw_terms(w, out, s, n);
    return;
  }
  const char *lhs = s, *rhs = s + at + oplen;
  size_t ln = at, rn = n - at - oplen;
  if (blank(lhs, ln) || blank(rhs, rn)) {
    w->error = 1;
    hd_message(w->msg, w->msglen, "a comparison needs two sides");
    return;
  }
  /* step(x) = [x >= 0]:  a < b = 1 - step(a - b), a <= b = step(b - a) */
  int less = s[at] == '<', strict = oplen == 1;
  const char *first = strict == less ? lhs : rhs;
  size_t firstn = strict == less ? ln : rn;
  const char *second = strict == less ? rhs : lhs;
  size_t secondn = strict == less ? rn : ln;
  puts_(out, strict ? "(1-step(" : "(step(");
  rw_group(w, out, first, firstn);
  puts_(out, "-");
  rw_group(w, out, second, secondn);
  puts_(out, "))");
}

/* ---------------------------------------------------------------- syntax
 *
 * libmatheval's parser leaks what it built when it meets a syntax error, and its lexer
 * prints what it cannot read; the rewritten text is therefore checked against its
 * grammar first, so that libmatheval only ever sees expressions it accepts:
 *   expr := term (('+' | '-') term)*      term := factor (('*' | '/') factor)*
 *   factor := '-' factor | power          power := primary ('^' '-'* primary)*  (left assoc.)
 *   primary := number | name | name '(' expr ')' | '(' expr ')'                      */

struct cursor {
  const char *s;
  int bad;
};

static char peek(struct cursor *c)
{
  while (*c->s == ' ' || *c->s == '\t') c->s++;
  return *c->s;
}

static void syn_expr(struct cursor *c);

static void syn_primary(struct cursor *c)
{
  char ch = peek(c);
  if (isdigit((unsigned char)ch) || ch == '.') {
    while (isdigit((unsigned char)*c->s) || *c->s == '.') c->s++;
    if ((*c->s == 'e' || *c->s == 'E') &&
        (isdigit((unsigned char)c->s[1]) ||
         ((c->s[1] == '+' || c->s[1] == '-') && isdigit((unsigned char)c->s[2])))) {
      c->s += 2;
      while (isdigit((unsigned char)*c->s)) c->s++;
    }
  } else if (isalpha((unsigned char)ch) || ch == '_') {
    while (isalnum((unsigned char)*c->s) || *c->s == '_') c->s++;
    if (peek(c) == '(') {
      c->s++;
      syn_expr(c);
      if (peek(c) != ')') c->bad = 1;
      else c->s++;
    }
  } else if (ch == '(') {
    c->s++;
    syn_expr(c);
    if (peek(c) != ')') c->bad = 1;
    else c->s++;
  } else {
    c->bad = 1;
  }
}

static void syn_factor(struct cursor *c)
{
  if (c->bad) return;
  if (peek(c) == '-') {
    c->s++;
    syn_factor(c);
    return;
  }
  syn_primary(c);
  while (!c->bad && peek(c) == '^') {
    c->s++;
    while (peek(c) == '-') c->s++;
    syn_primary(c);
  }
}

static void syn_term(struct cursor *c)
{
  syn_factor(c);
  while (!c->bad && (peek(c) == '*' || peek(c) == '/')) {
    c->s++;
    syn_factor(c);
  }
}

static void syn_expr(struct cursor *c)
{
  syn_term(c);
  while (!c->bad && (peek(c) == '+' || peek(c) == '-')) {
    c->s++;
    syn_term(c);
  }
}

static int syntax_ok(const char *text)
{
  struct cursor c = {text, 0};
  syn_expr(&c);
  return !c.bad && peek(&c) == '\0';
}

/* ---------------------------------------------------------------- objects */

static int var_index(const struct hd_formula *f, const char *var)
{
  for (int v = 0; v < f->nvars; v++)
    if (!strcmp(f->names[v], var)) return v;
  return -1;
}

static struct hd_formula *alloc_like(int nvars, const char *const *vars, const char *source,
                                     const char *rewritten)
{
  struct hd_formula *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->nvars = nvars;
  f->source = strdup(source);
  f->rewritten = strdup(rewritten);
  int ok = f->source && f->rewritten;
  for (int v = 0; v < nvars; v++) ok = ok && (f->names[v] = strdup(vars[v]));
  if (!ok) {
    hd_formula_free(f);
    return NULL;
  }
  return f;
}

/* Whether a and b are the same double, or both NaN. */
static int same_value(double a, double b)
{
  return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof a);
}

/* The compiled program against libmatheval's evaluator at a few points spread over signs
 * and scales: a disagreement would mean the tree was read wrongly, and then the formula
 * is left to libmatheval (slower, never wrong).  Caller holds the lock. */
static void check_program(struct hd_formula *f)
{
  static const double probe[] = {0.0, 1.0, -1.0, 0.37, -2.6, 7.5, 1e-3, -40.0};
  const size_t np = sizeof probe / sizeof *probe;
  double in[HD_FORMULA_MAX_VARS][8], got[8];
  const double *inp[HD_FORMULA_MAX_VARS];
  for (int v = 0; v < f->nvars; v++) {
    for (size_t i = 0; i < np; i++) in[v][i] = probe[(i + 3 * (size_t)v) % np];
    inp[v] = in[v];
  }
  double *outp[1] = {got};
  hd_fprog_eval(f->prog, np, inp, outp, f->work);
  for (size_t i = 0; i < np; i++) {
    double x[HD_FORMULA_MAX_VARS];
    for (int v = 0; v < f->nvars; v++) x[v] = in[v][i];
    if (!same_value(got[i], evaluator_evaluate(f->ev, f->nvars, f->names, x))) {
      hd_fprog_free(f->prog);
      free(f->work);
      f->prog = NULL;
      f->work = NULL;
      return;
    }
  }
}

/* Builds f->ev from f->rewritten and f's derivative chain, and its program.  Caller
 * holds the lock. */
static int compile_locked(struct hd_formula *f)
{
  void *ev = evaluator_create(f->rewritten);
  if (!ev) return -1;
  for (int k = 0; k < f->nderiv; k++) {
    void *d = evaluator_derivative(ev, f->names[f->deriv_var[k]]);
    evaluator_destroy(ev);
    if (!d) return -1;
    ev = d;
  }
  f->ev = ev;
  f->text = evaluator_get_string(ev);
  f->prog = hd_fprog_build(1, &f->ev, f->nvars, f->names, NULL, 0);
  if (f->prog && !(f->work = malloc(hd_fprog_work_size(f->prog) * sizeof(double)))) {
    hd_fprog_free(f->prog);
    f->prog = NULL;
  }
  if (f->prog) check_program(f);
  return 0;
}

struct hd_formula *hd_formula_parse(const char *text, int nvars, const char *const *vars, char *msg,
                                    size_t msglen)
{
  if (!text || nvars < 0 || nvars > HD_FORMULA_MAX_VARS) {
    hd_message(msg, msglen, "no formula");
    return NULL;
  }
  struct rewriter w = {nvars, vars, msg, msglen, 0};
  struct buf out = {0};
  rw_expr(&w, &out, text, strlen(text));
  if (w.error || out.failed || !out.s) {
    if (!w.error) hd_message(msg, msglen, "out of memory");
    free(out.s);
    return NULL;
  }
  if (!syntax_ok(out.s)) {
    hd_message(msg, msglen, "syntax error in '%s'", text);
    free(out.s);
    return NULL;
  }
  struct hd_formula *f = alloc_like(nvars, vars, text, out.s);
  free(out.s);
  if (!f) {
    hd_message(msg, msglen, "out of memory");
    return NULL;
  }
  pthread_mutex_lock(&matheval_lock);
  int rc = compile_locked(f);
  pthread_mutex_unlock(&matheval_lock);
  if (rc) {
    hd_message(msg, msglen, "syntax error in '%s'", text);
    hd_formula_free(f);
    return NULL;
  }
  return f;
}

static struct hd_formula *copy_of(const struct hd_formula *f, int extra_var, char *msg,
                                  size_t msglen)
{
  struct hd_formula *g = alloc_like(f->nvars, (const char *const *)f->names, f->source,
                                    f->rewritten);
  if (!g) {
    hd_message(msg, msglen, "out of memory");
    return NULL;
  }
  g->nderiv = f->nderiv;
  memcpy(g->deriv_var, f->deriv_var, sizeof g->deriv_var);
  if (extra_var >= 0) g->deriv_var[g->nderiv++] = extra_var;
  pthread_mutex_lock(&matheval_lock);
  int rc = compile_locked(g);
  pthread_mutex_unlock(&matheval_lock);
  if (rc) {
    hd_message(msg, msglen, "libmatheval could not rebuild '%s'", f->source);
    hd_formula_free(g);
    return NULL;
  }
  return g;
}

struct hd_formula *hd_formula_derivative(const struct hd_formula *f, const char *var, char *msg,
                                         size_t msglen)
{
  int v = var_index(f, var);
  if (v < 0) {
    hd_message(msg, msglen, "'%s' is not a variable of '%s'", var, f->source);
    return NULL;
  }
  if (f->nderiv >= MAX_DERIVS) {
    hd_message(msg, msglen, "more than %d derivatives of '%s'", MAX_DERIVS, f->source);
    return NULL;
  }
  return copy_of(f, v, msg, msglen);
}

struct hd_formula *hd_formula_clone(const struct hd_formula *f, char *msg, size_t msglen)
{
  return copy_of(f, -1, msg, msglen);
}

double hd_formula_eval(struct hd_formula *f, const double *values)
{
  if (f->prog) {
    const double *in[HD_FORMULA_MAX_VARS];
    double out;
    double *outp[1] = {&out};
    for (int v = 0; v < f->nvars; v++) in[v] = values + v;
    hd_fprog_eval(f->prog, 1, in, outp, f->work);
    return out;
  }
  /* libmatheval takes non-const arrays but only reads them */
  return evaluator_evaluate(f->ev, f->nvars, f->names, (double *)values);
}

double hd_formula_eval_reference(struct hd_formula *f, const double *values)
{
  return evaluator_evaluate(f->ev, f->nvars, f->names, (double *)values);
}

void hd_formula_eval_n(struct hd_formula *f, size_t n, const double *const *in, double *out)
{
  hd_formula_eval_nu(f, n, in, 0u, out);
}

void hd_formula_eval_nu(struct hd_formula *f, size_t n, const double *const *in,
                        unsigned uniform_mask, double *out)
{
  if (f->prog) {
    double *outp[1] = {out};
    hd_fprog_eval_u(f->prog, n, in, uniform_mask, outp, f->work);
    return;
  }
  double x[HD_FORMULA_MAX_VARS];
  for (size_t i = 0; i < n; i++) {
    for (int v = 0; v < f->nvars; v++) x[v] = in[v][i];
    out[i] = evaluator_evaluate(f->ev, f->nvars, f->names, x);
  }
}

int hd_formula_compiled(const struct hd_formula *f) { return f->prog != NULL; }

struct hd_fprog *hd_formula_program(int n, struct hd_formula *const *f, char *msg, size_t msglen)
{
  void *ev[16];
  int widest = 0;
  if (n < 1 || n > 16) {
    hd_message(msg, msglen, "a program holds 1 to 16 formulas");
    return NULL;
  }
  for (int k = 0; k < n; k++) {
    if (!f[k]->prog) {
      hd_message(msg, msglen, "'%s' is not compiled", f[k]->source);
      return NULL;
    }
    ev[k] = f[k]->ev;
    if (f[k]->nvars > f[widest]->nvars) widest = k;
  }
  /* every formula's variables must open the widest's list, in order */
  for (int k = 0; k < n; k++)
    for (int v = 0; v < f[k]->nvars; v++)
      if (strcmp(f[k]->names[v], f[widest]->names[v])) {
        hd_message(msg, msglen, "'%s' and '%s' have different variables", f[k]->source, f[widest]->source);
        return NULL;
      }
  pthread_mutex_lock(&matheval_lock);
  struct hd_fprog *p = hd_fprog_build(n, ev, f[widest]->nvars, f[widest]->names, msg, msglen);
  pthread_mutex_unlock(&matheval_lock);
  return p;
}

int hd_formula_uses(const struct hd_formula *f, const char *var)
{
  char **names;
  int count, uses = 0;
  pthread_mutex_lock(&matheval_lock);
  evaluator_get_variables(f->ev, &names, &count);
  for (int i = 0; i < count; i++)
    if (!strcmp(names[i], var)) uses = 1;
  pthread_mutex_unlock(&matheval_lock);
  return uses;
}

int hd_formula_may_jump(const struct hd_formula *f)
{
  return strstr(f->text, "step(") != NULL || strstr(f->text, "delta(") != NULL;
}

const char *hd_formula_text(const struct hd_formula *f) { return f->text; }
const char *hd_formula_source(const struct hd_formula *f) { return f->source; }

void hd_formula_free(struct hd_formula *f)
{
  if (!f) return;
  if (f->ev) {
    pthread_mutex_lock(&matheval_lock);
    evaluator_destroy(f->ev);
    pthread_mutex_unlock(&matheval_lock);
  }
  hd_fprog_free(f->prog);
  free(f->work);
  for (int v = 0; v < f->nvars; v++) free(f->names[v]);
  free(f->source);
  free(f->rewritten);
  free(f);
}
