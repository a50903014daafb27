/* formula_program.c — libmatheval trees compiled to flat, vectorised programs
 * (see formula_program.h). */
#include "formula_program.h"

#include "errors.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- libmatheval's tree ------------------------------------------------------------
 *
 * libmatheval's API evaluates a tree or prints it (numbers to 6 digits), but does not
 * expose it.  The declarations below mirror its node, symbol-table record and evaluator
 * (lib/node.h, lib/symbol_table.h, lib/matheval.c of release 1.1.x, the one meson.build
 * requires); the program is checked against the library's own evaluator when it is built
 * (formula.c) and by the unit test on every operator and function. */
struct me_record {
  struct me_record *next;
  char *name;
  char type; /* 'c' constant, 'v' variable, 'f' function */
  union {
    double value;
    double (*function)(double);
  } data;
  int flag;
};

struct me_node {
  char type; /* 'n' number, 'c' named constant, 'v' variable, 'f' function, 'u', 'b' */
  union {
    double number;
    struct me_record *constant;
    struct me_record *variable;
    struct {
      struct me_record *record;
      struct me_node *child;
    } function;
    struct {
      char operation;
      struct me_node *child;
    } un_op;
    struct {
      char operation;
      struct me_node *left, *right;
    } bin_op;
  } data;
};

struct me_evaluator {
  struct me_node *root;
  void *symbol_table;
  char *string;
};

/* ---- the shared, folded graph --------------------------------------------------------- */

enum kind { K_VAR, K_CONST, K_ADD, K_SUB, K_MUL, K_DIV, K_POW, K_SQR, K_NEG, K_ABS, K_STEP, K_FN };

struct dnode {
  int kind;
  int a, b; /* operands (graph indices), -1 when unused */
  int var;
  double c;
  double (*fn)(double);
};

struct graph {
  struct dnode *v;
  int n, cap;
  int nvars;
  char *const *vars;
  int failed;
  char *msg;
  size_t msglen;
};

static int same(const struct dnode *x, const struct dnode *y)
{
  /* constants compare by bits: 0 and -0 differ, a NaN equals itself */
  return x->kind == y->kind && x->a == y->a && x->b == y->b && x->var == y->var && x->fn == y->fn &&
         !memcmp(&x->c, &y->c, sizeof x->c);
}

static double step_of(double x) { return x != x ? x : x < 0 ? 0.0 : 1.0; }

static double apply(int kind, double (*fn)(double), double a, double b)
{
  switch (kind) {
  case K_ADD: return a + b;
  case K_SUB: return a - b;
  case K_MUL: return a * b;
  case K_DIV: return a / b;
  case K_POW: return pow(a, b);
  case K_SQR: return a * a;
  case K_NEG: return -a;
  case K_ABS: return fabs(a);
  case K_STEP: return step_of(a);
  default: return fn(a);
  }
}

/* The index of node x in the graph, added unless an identical one is there; an operation
 * on constants alone becomes its value. */
static int intern(struct graph *G, struct dnode x)
{
  if (G->failed) return -1;
  if (x.kind > K_CONST) {
    const struct dnode *a = &G->v[x.a], *b = x.b >= 0 ? &G->v[x.b] : NULL;
    if (a->kind == K_CONST && (!b || b->kind == K_CONST)) {
      x.c = apply(x.kind, x.fn, a->c, b ? b->c : 0.0);
      x.kind = K_CONST;
      x.a = x.b = -1;
      x.fn = NULL;
    }
  }
  for (int i = 0; i < G->n; i++)
    if (same(&G->v[i], &x)) return i;
  if (G->n == G->cap) {
    int cap = G->cap ? 2 * G->cap : 64;
    struct dnode *p = realloc(G->v, (size_t)cap * sizeof *p);
    if (!p) {
      G->failed = 1;
      hd_message(G->msg, G->msglen, "out of memory");
      return -1;
    }
    G->v = p;
    G->cap = cap;
  }
  G->v[G->n] = x;
  return G->n++;
}

static int exact_powers;
void hd_fprog_exact_powers(int on) { exact_powers = on; }

static struct dnode leaf(int kind)
{
  return (struct dnode){.kind = kind, .a = -1, .b = -1, .var = -1};
}

static int walk(struct graph *G, const struct me_node *t)
{
  if (G->failed) return -1;
  struct dnode x = leaf(K_CONST);
  switch (t->type) {
  case 'n': x.c = t->data.number; return intern(G, x);
  case 'c': x.c = t->data.constant->data.value; return intern(G, x);
  case 'v':
    for (int v = 0; v < G->nvars; v++)
      if (!strcmp(G->vars[v], t->data.variable->name)) {
        x.kind = K_VAR;
        x.var = v;
        return intern(G, x);
      }
    hd_message(G->msg, G->msglen, "variable '%s' is not among the program's", t->data.variable->name);
    G->failed = 1;
    return -1;
  case 'f': {
    const char *name = t->data.function.record->name;
    x.kind = !strcmp(name, "abs") ? K_ABS : !strcmp(name, "step") ? K_STEP : K_FN;
    if (x.kind == K_FN) x.fn = t->data.function.record->data.function;
    x.a = walk(G, t->data.function.child);
    return G->failed ? -1 : intern(G, x);
  }
  case 'u':
    if (t->data.un_op.operation != '-') break;
    x.kind = K_NEG;
    x.a = walk(G, t->data.un_op.child);
    return G->failed ? -1 : intern(G, x);
  case 'b': {
    const char op = t->data.bin_op.operation;
    x.kind = op == '+'   ? K_ADD
             : op == '-' ? K_SUB
             : op == '*' ? K_MUL
             : op == '/' ? K_DIV
             : op == '^' ? K_POW
                         : -1;
    if (x.kind < 0) break;
    x.a = walk(G, t->data.bin_op.left);
    x.b = walk(G, t->data.bin_op.right);
    if (G->failed) return -1;
    if (x.kind == K_POW && G->v[x.b].kind == K_CONST && G->v[x.a].kind != K_CONST) {
      if (G->v[x.b].c == 1.0) return x.a;
      if (G->v[x.b].c == 2.0 && !exact_powers) {
        x.kind = K_SQR;
        x.b = -1;
      }
    }
    return intern(G, x);
  }
  default: break;
  }
  hd_message(G->msg, G->msglen, "unknown node '%c' in libmatheval's tree", t->type);
  G->failed = 1;
  return -1;
}

/* ---- the program ---------------------------------------------------------------------- */

#define BLOCK 128 /* points per pass: every register of a program stays in L1 */

/* An operand is bases[sel][off + i]: sel < nvars an input (off 0), then the constant
 * pool, then the work registers. */
struct operand {
  int sel;
  size_t off;
};

struct ins {
  int kind;
  struct operand d, a, b;
  double (*fn)(double);
};

struct hd_fprog {
  int nvars, nout;
  struct ins *code;
  size_t n_code;
  double *pool; /* constants, each repeated BLOCK times */
  size_t n_regs;
  struct operand *out;
};

size_t hd_fprog_work_size(const struct hd_fprog *p) { return (p->n_regs ? p->n_regs : 1) * BLOCK; }
size_t hd_fprog_length(const struct hd_fprog *p) { return p->n_code; }

void hd_fprog_free(struct hd_fprog *p)
{
  if (!p) return;
  free(p->code);
  free(p->pool);
  free(p->out);
  free(p);
}

struct hd_fprog *hd_fprog_build(int nout, void *const *ev, int nvars, char *const *vars, char *msg,
                                size_t msglen)
{
  struct graph G = {.nvars = nvars, .vars = vars, .msg = msg, .msglen = msglen};
  int *root = malloc((size_t)(nout > 0 ? nout : 1) * sizeof *root);
  struct hd_fprog *p = calloc(1, sizeof *p);
  int *use = NULL, *last = NULL, *where = NULL, *free_regs = NULL;
  if (!root || !p) goto oom;
  for (int k = 0; k < nout; k++) root[k] = walk(&G, ((const struct me_evaluator *)ev[k])->root);
  if (G.failed) goto fail;

  /* what the outputs need; the graph is in dependency order already */
  const int n = G.n;
  use = calloc((size_t)n, sizeof *use);
  last = malloc((size_t)n * sizeof *last);
  where = malloc((size_t)n * sizeof *where);
  free_regs = malloc((size_t)n * sizeof *free_regs);
  if (!use || !last || !where || !free_regs) goto oom;
  for (int k = 0; k < nout; k++) use[root[k]] = 1;
  for (int i = n - 1; i >= 0; i--)
    if (use[i] && G.v[i].kind > K_CONST) {
      use[G.v[i].a] = 1;
      if (G.v[i].b >= 0) use[G.v[i].b] = 1;
    }
  size_t n_const = 0, n_code = 0;
  for (int i = 0; i < n; i++) {
    last[i] = -1;
    if (!use[i]) continue;
    if (G.v[i].kind == K_CONST) where[i] = (int)n_const++;
    else if (G.v[i].kind > K_CONST) where[i] = (int)n_code++;
  }
  /* last reader of each value, in instruction numbers; outputs live to the end */
  for (int i = 0; i < n; i++) {
    if (!use[i] || G.v[i].kind <= K_CONST) continue;
    last[G.v[i].a] = where[i];
    if (G.v[i].b >= 0) last[G.v[i].b] = where[i];
  }
  for (int k = 0; k < nout; k++) last[root[k]] = INT_MAX;

  p->nvars = nvars;
  p->nout = nout;
  p->n_code = n_code;
  p->code = malloc((n_code ? n_code : 1) * sizeof *p->code);
  p->pool = malloc((n_const ? n_const : 1) * BLOCK * sizeof *p->pool);
  p->out = malloc((size_t)(nout > 0 ? nout : 1) * sizeof *p->out);
  if (!p->code || !p->pool || !p->out) goto oom;
  const int sel_pool = nvars, sel_work = nvars + 1;
  struct operand *at = malloc((size_t)n * sizeof *at);
  if (!at) goto oom;
  int n_free = 0;
  size_t n_regs = 0;
  for (int i = 0; i < n; i++) {
    if (!use[i]) continue;
    const struct dnode *x = &G.v[i];
    if (x->kind == K_VAR) {
      at[i] = (struct operand){x->var, 0};
    } else if (x->kind == K_CONST) {
      at[i] = (struct operand){sel_pool, (size_t)where[i] * BLOCK};
      for (size_t j = 0; j < BLOCK; j++) p->pool[(size_t)where[i] * BLOCK + j] = x->c;
    } else {
      struct ins *c = &p->code[where[i]];
      c->kind = x->kind;
      c->fn = x->fn;
      c->a = at[x->a];
      c->b = x->b >= 0 ? at[x->b] : at[x->a];
      /* operands read for the last time give their registers back first: an
       * element-wise operation may write where it reads */
      if (last[x->a] == where[i] && at[x->a].sel == sel_work)
        free_regs[n_free++] = (int)(at[x->a].off / BLOCK);
      if (x->b >= 0 && x->b != x->a && last[x->b] == where[i] && at[x->b].sel == sel_work)
        free_regs[n_free++] = (int)(at[x->b].off / BLOCK);
      const size_t r = n_free ? (size_t)free_regs[--n_free] : n_regs++;
      at[i] = (struct operand){sel_work, r * BLOCK};
      c->d = at[i];
    }
  }
  p->n_regs = n_regs;
  for (int k = 0; k < nout; k++) p->out[k] = at[root[k]];
  free(at);
  free(use);
  free(last);
  free(where);
  free(free_regs);
  free(root);
  free(G.v);
  return p;
oom:
  hd_message(msg, msglen, "out of memory");
fail:
  free(use);
  free(last);
  free(where);
  free(free_regs);
  free(root);
  free(G.v);
  hd_fprog_free(p);
  return NULL;
}

void hd_fprog_eval(const struct hd_fprog *p, size_t n, const double *const *in, double *const *out,
                   double *work)
{
  hd_fprog_eval_u(p, n, in, 0u, out, work);
}

/* Whether operand o holds one value repeated: an input flagged uniform, a constant, or a
 * register last written by a uniform instruction. */
static int uniform(const struct operand *o, int nv, unsigned mask, const unsigned char *ureg)
{
  if (o->sel < nv) return (mask >> o->sel) & 1u;
  if (o->sel == nv) return 1;
  return ureg[o->off / BLOCK];
}

void hd_fprog_eval_u(const struct hd_fprog *p, size_t n, const double *const *in, unsigned mask,
                     double *const *out, double *work)
{
  const double *base[16];
  const int nv = p->nvars;
  unsigned char ureg[256];
  /* hoisting needs a flag per register; a program with more registers (never met in
   * practice) evaluates everything point by point */
  if (p->n_regs > sizeof ureg) mask = 0;
  base[nv] = p->pool;
  base[nv + 1] = work;
  for (size_t off = 0; off < n; off += BLOCK) {
    const size_t mm = n - off < BLOCK ? n - off : BLOCK;
    for (int v = 0; v < nv; v++) base[v] = in[v] + off;
    for (size_t k = 0; k < p->n_code; k++) {
      const struct ins *c = &p->code[k];
      double *d = work + c->d.off;
      const double *a = base[c->a.sel] + c->a.off, *b = base[c->b.sel] + c->b.off;
      /* an operation on repeated values is done once and its value repeated: the same
       * operation on the same operands, so the same bits */
      const int u = mask && uniform(&c->a, nv, mask, ureg) && uniform(&c->b, nv, mask, ureg);
      const size_t m = u ? 1 : mm;
      if (mask) ureg[c->d.off / BLOCK] = (unsigned char)u;
      switch (c->kind) {
      case K_ADD:
        for (size_t i = 0; i < m; i++) d[i] = a[i] + b[i];
        break;
      case K_SUB:
        for (size_t i = 0; i < m; i++) d[i] = a[i] - b[i];
        break;
      case K_MUL:
        for (size_t i = 0; i < m; i++) d[i] = a[i] * b[i];
        break;
      case K_DIV:
        for (size_t i = 0; i < m; i++) d[i] = a[i] / b[i];
        break;
      case K_POW:
        for (size_t i = 0; i < m; i++) d[i] = pow(a[i], b[i]);
        break;
      case K_SQR:
        for (size_t i = 0; i < m; i++) d[i] = a[i] * a[i];
        break;
      case K_NEG:
        for (size_t i = 0; i < m; i++) d[i] = -a[i];
        break;
      case K_ABS:
        for (size_t i = 0; i < m; i++) d[i] = fabs(a[i]);
        break;
      case K_STEP:
        for (size_t i = 0; i < m; i++) d[i] = a[i] != a[i] ? a[i] : a[i] < 0 ? 0.0 : 1.0;
        break;
      default:
        for (size_t i = 0; i < m; i++) d[i] = c->fn(a[i]);
        break;
      }
      for (size_t i = m; i < mm; i++) d[i] = d[0];
    }
    for (int k = 0; k < p->nout; k++) {
      const double *s = base[p->out[k].sel] + p->out[k].off;
      memcpy(out[k] + off, s, mm * sizeof *s);
    }
  }
}
