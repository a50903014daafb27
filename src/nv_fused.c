/* nv_fused.c — deferred, fused and threaded N_Vector kernels for CVODE (see nv_fused.h).
 *
 * The distribution's libsundials builds its serial kernels as scalar loops (about 20
 * instructions per element, measured with callgrind); these are plain loops the compiler
 * vectorises.  Every elementwise operation is queued (struct op); reductions and every
 * access to the data flush the queue first, so nothing can observe a stale value:
 *   - our kernels read data with NV_DATA_S (never through the ops table), and
 *   - every other operation of the table that touches data (N_VGetArrayPointer included,
 *     which is how the right-hand side, the Jacobian and the linear solvers of integrate.c
 *     and SUNDIALS' dense solver reach the data) is wrapped to flush and then call the
 *     library's serial version.
 * A pointer from N_VGetArrayPointer is good until the next queued operation that reads or
 * writes its vector: CVODE's dense difference-quotient Jacobian keeps y's pointer across
 * its calls of f and writes through it, so integrate.c gives the dense solver the plain
 * right-hand side (computed at once), never the queued affine form.
 * Elementwise loops are alias-safe: each z[i] depends only on the inputs' element i, so
 * running the queue block by block gives the same bits as running it operation by
 * operation.
 *
 * A value is needed more often than the whole queue is: CVODE asks for a norm of the new
 * state and its weights (the "too much accuracy" check) between the history update of
 * one step and the prediction of the next, and both of those read and write every
 * Nordsieck vector.  So a reduction or a data access runs only the queued operations it
 * depends on (the closure below: writers of what it reads, and anything ordered before
 * those by a read-after-write, write-after-read or write-after-write on the same array);
 * the rest stay queued, in order, and cross memory together with the next step's
 * passes.  Each queued operation writes one array (the multi-vector operations are
 * queued as one operation per output), and arrays are identified by their data
 * pointers: the N_Vectors of one integration never share or overlap data.
 *
 * A queued operation's result has not been seen by anyone (any access to its array runs
 * it first).  Two rewrites follow, both exact: a linear sum or scaling that reads an array
 * whose newest queued writer sets a constant uses the constant instead (CVODE zeroes its
 * correction at every step and then adds to it), and a queued write that a later
 * operation overwrites, with no reader in between, is dropped (the zeroing itself).
 * Measured on LS-3: 3 of ~44 vectors a BDF step moves.
 *
 * One pattern is run as a kernel of its own: the Nordsieck prediction (the Pascal
 * triangle of q(q+1)/2 linear sums over zn[0..q]), with the previous step's history
 * update zn[j] += l_j acor when it is still queued just before it.  One by one over a
 * block those sums are bound by instructions and cache traffic, not by memory; the
 * kernel keeps an element's q + 1 values in registers (the same operations in the same
 * order).  The d = 1e6 streaming_lsq model file went from 14.0-14.6 to 10.1-11.6 s. */
#include "nv_fused.h"

#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum {
  MAXQ = 64,    /* queued operations before a forced flush */
  MAXV = 16,    /* vectors per fused operation (CVODE uses at most q + 2 <= 7) */
  BLOCK = 4096, /* elements per block: 32 KiB of each vector, so the ~15 vectors a BDF
                      step touches stay in L2 while the queue runs over one block; also the
                      reduction block (fixed: sums do not depend on the number of threads) */
};
#define PAR_MIN ((size_t)1 << 15) /* below this a flush is not worth waking threads */

enum op_kind {
  OP_LINSUM,
  OP_CONST,
  OP_PROD,
  OP_DIV,
  OP_SCALE,
  OP_ABS,
  OP_INV,
  OP_ADDCONST,
  OP_LINCOMB,
  OP_EWT,
  OP_AFFINE,    /* z = a x + b: a linear sum one of whose inputs is a queued constant */
  OP_DIAGAFFINE /* z = x .* (a y + b) + c[0]: a right-hand side (hd_nv_diag_affine) */
};

struct op {
  enum op_kind kind;
  int nvec;
  double a, b;            /* scalars */
  const double *x, *y;    /* inputs */
  double *z;              /* output */
  double c[MAXV];         /* coefficients, copied (CVODE reuses its arrays) */
  const double *xs[MAXV]; /* inputs of OP_LINCOMB */
};

struct queue {
  int n;
  int immediate; /* run each operation as it is queued (hd_nv_set_immediate) */
  size_t len;
  struct op ops[MAXQ];
};

static _Thread_local struct queue tq;
static _Thread_local long n_folded, n_dropped, n_triangles; /* hd_nv_rewrites */

/* Every loop below is elementwise: z[i] depends on the inputs at i only, so it vectorises
 * even when z is one of the inputs (the in-place updates CVODE is made of).  The compiler
 * cannot see that and would fall back to scalar code for z == x; this says so. */
#if defined(__clang__)
#define ELEMENTWISE _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define ELEMENTWISE _Pragma("GCC ivdep")
#else
#define ELEMENTWISE
#endif

#define DAT(v) NV_DATA_S(v)
#define LEN(v) ((size_t)NV_LENGTH_S(v))

/* ---- running the queue ----------------------------------------------------------- */

static void run_op(const struct op *o, size_t i0, size_t i1)
{
  const double *x = o->x, *y = o->y;
  double *z = o->z, a = o->a, b = o->b;
  switch (o->kind) {
  case OP_LINSUM:
    if (a == 1.0 && b == 1.0) {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = x[i] + y[i];
    } else if (a == 1.0 && b == -1.0) {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = x[i] - y[i];
    } else if (a == 1.0) {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = x[i] + b * y[i];
    } else if (b == 1.0) {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = a * x[i] + y[i];
    } else {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = a * x[i] + b * y[i];
    }
    break;
  case OP_CONST:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = a;
    break;
  case OP_PROD:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = x[i] * y[i];
    break;
  case OP_DIV:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = x[i] / y[i];
    break;
  case OP_SCALE:
    if (a == 1.0) {
      if (z != x) memcpy(z + i0, x + i0, (i1 - i0) * sizeof *z);
    } else {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = a * x[i];
    }
    break;
  case OP_ABS:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = fabs(x[i]);
    break;
  case OP_INV:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = 1.0 / x[i];
    break;
  case OP_ADDCONST:
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = x[i] + b;
    break;
  case OP_LINCOMB: /* z may be xs[0]: each z[i] is written after every xs[j][i] is read */
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) {
      double s = 0.0;
      for (int j = 0; j < o->nvec; j++) s += o->c[j] * o->xs[j][i];
      z[i] = s;
    }
    break;
  case OP_AFFINE: /* (a x_i) + b: a x_i + b' y_i with y_i = c, b = b' c, the same bits */
    if (a == 1.0) {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = x[i] + b;
    } else {
      ELEMENTWISE
      for (size_t i = i0; i < i1; i++) z[i] = a * x[i] + b;
    }
    break;
  case OP_DIAGAFFINE: { /* the expression of the system's own right-hand side */
    const double c = o->c[0];
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = x[i] * (a * y[i] + b) + c;
  } break;
  case OP_EWT: /* a = rtol, b = atol: bit-for-bit CVODE's cvEwtSetSS */
    ELEMENTWISE
    for (size_t i = i0; i < i1; i++) z[i] = 1.0 / (a * fabs(x[i]) + b);
    break;
  }
}

/* ---- the Nordsieck prediction as one kernel ---------------------------------------- */

/* CVODE predicts with the Pascal triangle on its history arrays zn[0..q],
 *   for k = 1..q: for j = q..k: zn[j-1] = zn[j-1] + zn[j],
 * q(q+1)/2 linear sums (15 at order 5) that each read two arrays and write one.  Run one
 * by one over a block they are instruction-bound; this kernel keeps an element's q + 1
 * values in registers through the whole triangle: the same additions in the same order,
 * so the same bits. */
#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL _Pragma("GCC unroll 8") /* v[] then lives in registers */
#else
#define UNROLL
#endif
#define TRIANGLE(Q, STORE_TOP)                                                                     \
  ELEMENTWISE                                                                                      \
  for (size_t i = i0; i < i1; i++) {                                                               \
    double v[(Q) + 1];                                                                             \
    UNROLL for (int j = 0; j <= (Q); j++) v[j] = zn[j][i];                                         \
    if (x) {                                                                                       \
      const double a = x[i];                                                                       \
      UNROLL for (int j = 0; j <= (Q); j++) v[j] = has[j] ? c[j] * a + v[j] : v[j];                \
    }                                                                                              \
    UNROLL for (int k = 1; k <= (Q); k++) UNROLL for (int j = (Q); j >= k; j--)                    \
        v[j - 1] = v[j - 1] + v[j];                                                                \
    UNROLL for (int j = 0; j < (Q); j++) zn[j][i] = v[j];                                          \
    if (STORE_TOP) zn[Q][i] = v[Q];                                                                \
  }

/* The triangle, preceded when x != NULL by zn[j] = c[j] x + zn[j] for the j with has[j]
 * (CVODE's history update of the step before, zn[j] += l[j] acor, when it is still
 * queued: the same multiply and add as the linear sum). */
static void run_triangle(double *const *zn, int q, const double *x, const double *c,
                         const unsigned char *has, size_t i0, size_t i1)
{
  int top = x && has[q];
  switch (q * 2 + top) {
  case 4: TRIANGLE(2, 0) break;
  case 5: TRIANGLE(2, 1) break;
  case 6: TRIANGLE(3, 0) break;
  case 7: TRIANGLE(3, 1) break;
  case 8: TRIANGLE(4, 0) break;
  case 9: TRIANGLE(4, 1) break;
  case 10: TRIANGLE(5, 0) break;
  case 11: TRIANGLE(5, 1) break;
  }
}

static int unit_add(const struct op *o, const unsigned char *sel, int k)
{
  return (!sel || sel[k]) && o->kind == OP_LINSUM && o->a == 1.0 && o->b == 1.0 && o->x == o->z;
}

/* The order q (2..5) of a prediction triangle made of the selected operations k, k+1, ...
 * (zn[q] first, then zn[0..q-1] into zn), or 0. */
static int match_triangle(const struct queue *Q, const unsigned char *sel, int k, double **zn)
{
  const struct op *o = Q->ops;
  if (k >= Q->n || !unit_add(&o[k], sel, k)) return 0;
  /* the first sweep, zn[q-1] += zn[q], ..., zn[0] += zn[1], fixes q and the arrays */
  double *top = (double *)o[k].y, *chain[5] = {NULL};
  const double *prev = top;
  int q = 0;
  while (q < 5 && k + q < Q->n && unit_add(&o[k + q], sel, k + q) && o[k + q].y == prev) {
    double *z = o[k + q].z;
    if (z == top) return 0;
    for (int t = 0; t < q; t++)
      if (chain[t] == z) return 0;
    chain[q++] = z;
    prev = z;
  }
  if (q < 2 || k + q * (q + 1) / 2 > Q->n) return 0;
  zn[q] = top;
  for (int t = 0; t < q; t++) zn[q - 1 - t] = chain[t];
  int m = k + q;
  for (int kk = 2; kk <= q; kk++)
    for (int j = q; j >= kk; j--, m++)
      if (!unit_add(&o[m], sel, m) || o[m].z != zn[j - 1] || o[m].y != zn[j]) return 0;
  return q;
}

/* What a run executes: the selected operations, with prediction triangles as one kernel. */
struct prog {
  int n;
  struct {
    int op; /* queue index of the operation, or of a triangle's first */
    int q;  /* 0: the operation alone; else a triangle of order q */
    double *zn[6];
    const double *x; /* NULL, or the history update folded into the triangle */
    double c[6];
    unsigned char has[6];
  } item[MAXQ];
};

/* Operations k.. of the form zn = c x + zn (distinct outputs, one x) that a triangle
 * follows and whose outputs are its arrays: how many (0 if none), with the item filled. */
static int match_update(const struct queue *Q, const unsigned char *sel, int k, struct prog *P,
                        int i)
{
  const struct op *o = Q->ops;
  int m = 0;
  while (k + m < Q->n && (!sel || sel[k + m]) && o[k + m].kind == OP_LINSUM && o[k + m].b == 1.0 &&
         o[k + m].y == o[k + m].z && o[k + m].x == o[k].x && o[k + m].x != o[k + m].z && m < 6)
    m++;
  if (m == 0) return 0;
  int q = match_triangle(Q, sel, k + m, P->item[i].zn);
  if (!q) return 0;
  memset(P->item[i].has, 0, sizeof P->item[i].has);
  for (int t = 0; t < m; t++) {
    int j = 0;
    while (j <= q && P->item[i].zn[j] != o[k + t].z) j++;
    if (j > q || P->item[i].has[j]) return 0;
    P->item[i].has[j] = 1;
    P->item[i].c[j] = o[k + t].a;
  }
  for (int j = 0; j <= q; j++) /* x is read before any output is written */
    if (o[k].x == P->item[i].zn[j]) return 0;
  P->item[i].x = o[k].x;
  P->item[i].q = q;
  return m;
}

static void compile(const struct queue *Q, const unsigned char *sel, struct prog *P)
{
  P->n = 0;
  for (int k = 0; k < Q->n; k++) {
    if (sel && !sel[k]) continue;
    int i = P->n++, m = 0;
    P->item[i].op = k;
    P->item[i].q = 0;
    P->item[i].x = NULL;
    if (!Q->immediate) {
      m = match_update(Q, sel, k, P, i);
      if (!m) P->item[i].q = match_triangle(Q, sel, k, P->item[i].zn);
    }
    if (P->item[i].q) {
      n_triangles++;
      k += m + P->item[i].q * (P->item[i].q + 1) / 2 - 1;
    }
  }
}

/* Runs a compiled selection of the queue on one block. */
static void run_block(const struct queue *Q, const struct prog *P, size_t blk)
{
  size_t i0 = blk * BLOCK, i1 = i0 + BLOCK < Q->len ? i0 + BLOCK : Q->len;
  for (int i = 0; i < P->n; i++) {
    if (P->item[i].q)
      run_triangle(P->item[i].zn, P->item[i].q, P->item[i].x, P->item[i].c, P->item[i].has, i0, i1);
    else run_op(&Q->ops[P->item[i].op], i0, i1);
  }
}

/* ---- the dependency closure ------------------------------------------------------- */

/* A small set of arrays (the queue holds at most MAXQ operations of <= MAXV inputs). */
struct aset {
  int n;
  const double *p[MAXQ * (MAXV + 1) + 8];
};

static int aset_has(const struct aset *s, const double *p)
{
  for (int i = 0; i < s->n; i++)
    if (s->p[i] == p) return 1;
  return 0;
}

static void aset_add(struct aset *s, const double *p)
{
  if (p && !aset_has(s, p)) s->p[s->n++] = p;
}

/* The arrays operation o reads (it writes o->z only). */
static int op_inputs(const struct op *o, const double **in)
{
  if (o->kind == OP_LINCOMB) {
    for (int j = 0; j < o->nvec; j++) in[j] = o->xs[j];
    return o->nvec;
  }
  int n = 0;
  if (o->x) in[n++] = o->x;
  if (o->y) in[n++] = o->y;
  return n;
}

/* Marks in sel the queued operations that must run before an access that reads the
 * arrays in rd and writes those in wr; returns how many.  Scanning from the newest
 * operation back, one is selected when it writes an array the access or a selected
 * later operation reads or writes (read-after-write, write-after-write), or reads an
 * array one of them writes (write-after-read: it must see the old value). */
static int closure(const struct queue *Q, const double *const *rd, int nrd, const double *const *wr,
                   int nwr, unsigned char *sel)
{
  if (Q->len <= BLOCK) { /* one block stays in cache whatever runs when: run it all */
    memset(sel, 1, (size_t)Q->n);
    return Q->n;
  }
  static _Thread_local struct aset touched, written; /* ~8 KiB each: not on the stack */
  touched.n = written.n = 0;
  for (int i = 0; i < nrd; i++) aset_add(&touched, rd[i]);
  for (int i = 0; i < nwr; i++) aset_add(&touched, wr[i]), aset_add(&written, wr[i]);
  int count = 0;
  for (int k = Q->n - 1; k >= 0; k--) {
    const struct op *o = &Q->ops[k];
    const double *in[MAXV];
    int nin = op_inputs(o, in), pick = aset_has(&touched, o->z);
    for (int j = 0; j < nin && !pick; j++) pick = aset_has(&written, in[j]);
    sel[k] = (unsigned char)pick;
    if (!pick) continue;
    count++;
    aset_add(&touched, o->z);
    aset_add(&written, o->z);
    for (int j = 0; j < nin; j++) aset_add(&touched, in[j]);
  }
  /* Operations on arrays the selection crosses anyway cost no memory traffic: run them
   * too, earliest first, when every earlier operation they are ordered after (by a
   * conflict on an array) runs as well.  Any queued operation may run before the access:
   * all of them precede it. */
  if (count == 0) return 0;
  for (int k = 0; k < Q->n; k++) {
    if (sel[k]) continue;
    const struct op *o = &Q->ops[k];
    const double *in[MAXV];
    /* a constant only joins when its array is written anyway: otherwise it adds a
     * store, and left queued it may be read as a constant (queued_const) or die */
    int nin = op_inputs(o, in), ok = aset_has(o->kind == OP_CONST ? &written : &touched, o->z);
    for (int j = 0; j < nin && ok; j++) ok = aset_has(&touched, in[j]);
    for (int i = 0; i < k && ok; i++) {
      if (sel[i]) continue;
      const struct op *e = &Q->ops[i];
      const double *ein[MAXV];
      int nein = op_inputs(e, ein), conflict = e->z == o->z;
      for (int j = 0; j < nin && !conflict; j++) conflict = e->z == in[j];
      for (int j = 0; j < nein && !conflict; j++) conflict = ein[j] == o->z;
      ok = !conflict;
    }
    if (ok) sel[k] = 1, count++;
  }
  return count;
}

/* Drops the operations that ran (sel[k] != 0), keeping the others in order. */
static void compact(struct queue *Q, const unsigned char *sel)
{
  int m = 0;
  for (int k = 0; k < Q->n; k++)
    if (!sel[k]) {
      if (m != k) Q->ops[m] = Q->ops[k];
      m++;
    }
  Q->n = m;
}

/* Runs the selected operations (all when sel is NULL), block by block, then drops them. */
static void run_queue(struct queue *Q, const unsigned char *sel)
{
  size_t nb = (Q->len + BLOCK - 1) / BLOCK;
  struct prog P;
  compile(Q, sel, &P);
  if (Q->len >= PAR_MIN) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (size_t b = 0; b < nb; b++) run_block(Q, &P, b);
  } else {
    for (size_t b = 0; b < nb; b++) run_block(Q, &P, b);
  }
  if (sel) compact(Q, sel);
  else Q->n = 0;
}

void hd_nv_flush(void)
{
  struct queue *Q = &tq;
  if (Q->n > 0) run_queue(Q, NULL);
}

/* Runs what an access to array v (read, then possibly written) depends on. */
static void flush_for(const double *v)
{
  struct queue *Q = &tq;
  if (Q->n == 0) return;
  unsigned char sel[MAXQ];
  if (closure(Q, &v, 1, &v, 1, sel) > 0) run_queue(Q, sel);
}

/* The next free slot, flushing first when the queue is full or holds other lengths. */
static struct op *push(size_t len, enum op_kind kind)
{
  struct queue *Q = &tq;
  if (Q->n == (Q->immediate ? 1 : MAXQ) || (Q->n > 0 && Q->len != len)) hd_nv_flush();
  Q->len = len;
  struct op *o = &Q->ops[Q->n++];
  o->kind = kind;
  o->nvec = 0;
  o->a = o->b = 0.0;
  o->x = o->y = NULL;
  o->z = NULL;
  return o;
}

/* Whether the newest queued operation that writes p sets it to a constant, and which:
 * then every element of p holds it when a reader pushed now runs, since nothing can have
 * written p in between (any access to p, or output into it, runs its queued writers
 * first and removes them from the queue). */
static int queued_const(const double *p, size_t len, double *c)
{
  const struct queue *Q = &tq;
  if (Q->immediate || Q->n == 0 || Q->len != len) return 0; /* immediate: as CVODE asked */
  for (int k = Q->n - 1; k >= 0; k--)
    if (Q->ops[k].z == p) {
      if (Q->ops[k].kind != OP_CONST) return 0;
      *c = Q->ops[k].a;
      return 1;
    }
  return 0;
}

/* Dead-store elimination, called when something is about to write every element of p
 * without reading p (the newest queued operation, first == Q->n - 1, or a reduction's
 * output, first == Q->n): the queued operations before it that write p, with no queued
 * reader of p after them, compute values nobody will see (nothing outside the queue has
 * seen them: see queued_const), so they are dropped.  CVODE zeroes its correction and
 * solution vectors before every use; this keeps those zeros out of memory. */
static void drop_dead_writers(const double *p, int first)
{
  struct queue *Q = &tq;
  if (Q->immediate) return;
  unsigned char dead[MAXQ] = {0};
  int any = 0;
  for (int k = first - 1; k >= 0; k--) {
    const struct op *o = &Q->ops[k];
    if (o->z == p) { /* its own read of p, if any, dies with it */
      dead[k] = 1;
      any = 1;
      continue;
    }
    const double *in[MAXV];
    int nin = op_inputs(o, in), reads = 0;
    for (int j = 0; j < nin; j++) reads |= in[j] == p;
    if (reads) break;
  }
  if (!any) return;
  for (int k = 0; k < first; k++) n_dropped += dead[k];
  compact(Q, dead);
}

/* After an operation is filled in at the end of the queue: the stores it makes dead. */
static void pushed(void)
{
  struct queue *Q = &tq;
  const struct op *o = &Q->ops[Q->n - 1];
  const double *in[MAXV];
  int nin = op_inputs(o, in);
  for (int j = 0; j < nin; j++)
    if (in[j] == o->z) return;
  drop_dead_writers(o->z, Q->n - 1);
}

void hd_nv_rewrites(long *folded, long *dropped, long *triangles)
{
  *folded = n_folded;
  *dropped = n_dropped;
  *triangles = n_triangles;
}

void hd_nv_set_immediate(int on)
{
  hd_nv_flush();
  tq.immediate = on;
}

/* ---- deferred elementwise operations ---------------------------------------------- */

/* z = a x + b y.  An input whose newest queued writer sets a constant c is not read:
 * a x_i + b y_i with y_i = c is a x_i + (b c), bit for bit (IEEE addition commutes, so
 * the same holds for x), so OP_AFFINE or OP_CONST compute exactly the linear sum. */
static void k_linearsum(sunrealtype a, N_Vector x, sunrealtype b, N_Vector y, N_Vector z)
{
  size_t n = LEN(z);
  double cx = 0, cy = 0;
  int kx = queued_const(DAT(x), n, &cx), ky = queued_const(DAT(y), n, &cy);
  n_folded += kx || ky;
  struct op *o = push(n, kx && ky ? OP_CONST : kx || ky ? OP_AFFINE : OP_LINSUM);
  o->z = DAT(z);
  if (kx && ky) {
    o->a = a * cx + b * cy;
  } else if (ky) {
    o->a = a, o->x = DAT(x), o->b = b * cy;
  } else if (kx) {
    o->a = b, o->x = DAT(y), o->b = a * cx;
  } else {
    o->a = a, o->b = b, o->x = DAT(x), o->y = DAT(y);
  }
  pushed();
}

static void k_const(sunrealtype c, N_Vector z)
{
  struct op *o = push(LEN(z), OP_CONST);
  o->a = c, o->z = DAT(z);
  pushed();
}

static void k_prod(N_Vector x, N_Vector y, N_Vector z)
{
  struct op *o = push(LEN(z), OP_PROD);
  o->x = DAT(x), o->y = DAT(y), o->z = DAT(z);
  pushed();
}

static void k_div(N_Vector x, N_Vector y, N_Vector z)
{
  struct op *o = push(LEN(z), OP_DIV);
  o->x = DAT(x), o->y = DAT(y), o->z = DAT(z);
  pushed();
}

static void k_scale(sunrealtype c, N_Vector x, N_Vector z)
{
  double cx;
  if (queued_const(DAT(x), LEN(z), &cx)) { /* c x_i = c cx: a constant */
    n_folded++;
    struct op *o = push(LEN(z), OP_CONST);
    o->a = c * cx, o->z = DAT(z);
  } else {
    struct op *o = push(LEN(z), OP_SCALE);
    o->a = c, o->x = DAT(x), o->z = DAT(z);
  }
  pushed();
}

static void k_abs(N_Vector x, N_Vector z)
{
  struct op *o = push(LEN(z), OP_ABS);
  o->x = DAT(x), o->z = DAT(z);
  pushed();
}

static void k_inv(N_Vector x, N_Vector z)
{
  struct op *o = push(LEN(z), OP_INV);
  o->x = DAT(x), o->z = DAT(z);
  pushed();
}

static void k_addconst(N_Vector x, sunrealtype b, N_Vector z)
{
  struct op *o = push(LEN(z), OP_ADDCONST);
  o->b = b, o->x = DAT(x), o->z = DAT(z);
  pushed();
}

static int k_linearcombination(int nvec, sunrealtype *c, N_Vector *X, N_Vector z)
{
  if (nvec < 1) return -1;
  if (nvec == 1) {
    k_scale(c[0], X[0], z);
    return 0;
  }
  if (nvec == 2) {
    k_linearsum(c[0], X[0], c[1], X[1], z);
    return 0;
  }
  if (nvec > MAXV) {
    hd_nv_flush();
    return N_VLinearCombination_Serial(nvec, c, X, z);
  }
  struct op *o = push(LEN(z), OP_LINCOMB);
  o->nvec = nvec, o->z = DAT(z);
  for (int j = 0; j < nvec; j++) o->c[j] = c[j], o->xs[j] = DAT(X[j]);
  pushed();
  return 0;
}

/* zs[j] = a[j] x + Y[j], queued as one z = a x + y per output (the same arithmetic) */
static int k_scaleaddmulti(int nvec, sunrealtype *a, N_Vector x, N_Vector *Y, N_Vector *Z)
{
  for (int j = 0; j < nvec; j++) k_linearsum(a[j], x, 1.0, Y[j], Z[j]);
  return 0;
}

/* Z[j] = c[j] X[j], one queued scaling per output */
static int k_scalevectorarray(int nvec, sunrealtype *c, N_Vector *X, N_Vector *Z)
{
  for (int j = 0; j < nvec; j++) k_scale(c[j], X[j], Z[j]);
  return 0;
}

void hd_nv_ewt(N_Vector y, N_Vector w, double rtol, double atol)
{
  struct op *o = push(LEN(w), OP_EWT);
  o->a = rtol, o->b = atol, o->x = DAT(y), o->z = DAT(w);
  pushed();
}

/* ---- reductions: fixed blocks, summed in block order ------------------------------ */

enum red_kind { RED_DOT, RED_WSQR, RED_SCALE_DOT, RED_ZERO };

struct red_args {
  const double *a, *b; /* RED_SCALE_DOT: z = a .* b, sum v .* z (v in x) */
  double *z;
  double *scan; /* RED_DOT: max |y_i| (NaN if some y_i is not finite), or NULL */
};

/* max |y_i| over [i0, i1), NaN when some y_i is NaN or infinite (0 y_i is then NaN) */
static double scan_block(const double *y, size_t i0, size_t i1)
{
  double m = 0, z = 0;
  for (size_t i = i0; i < i1; i++) {
    double v = fabs(y[i]);
    m = v > m ? v : m;
    z += 0.0 * y[i];
  }
  return z == 0.0 ? m : NAN;
}

/* the scans of blocks combined (NaN wins) */
static double scan_join(double m, double b) { return m != m || b != b ? NAN : b > m ? b : m; }

static double red_block(enum red_kind k, const double *x, const double *y,
                        const struct red_args *ra, size_t i0, size_t i1)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = i0;
  if (k == RED_SCALE_DOT) {
    const double *a = ra->a, *b = ra->b;
    double *z = ra->z;
    for (; i + 4 <= i1; i += 4) {
      double z0 = a[i] * b[i], z1 = a[i + 1] * b[i + 1];
      double z2 = a[i + 2] * b[i + 2], z3 = a[i + 3] * b[i + 3];
      z[i] = z0, z[i + 1] = z1, z[i + 2] = z2, z[i + 3] = z3;
      s0 += x[i] * z0;
      s1 += x[i + 1] * z1;
      s2 += x[i + 2] * z2;
      s3 += x[i + 3] * z3;
    }
    for (; i < i1; i++) {
      z[i] = a[i] * b[i];
      s0 += x[i] * z[i];
    }
  } else if (k == RED_ZERO) { /* 0 * x: 0 for finite x, NaN for NaN and +-Inf */
    for (; i + 4 <= i1; i += 4) {
      s0 += 0.0 * x[i];
      s1 += 0.0 * x[i + 1];
      s2 += 0.0 * x[i + 2];
      s3 += 0.0 * x[i + 3];
    }
    for (; i < i1; i++) s0 += 0.0 * x[i];
  } else if (k == RED_DOT) {
    for (; i + 4 <= i1; i += 4) {
      s0 += x[i] * y[i];
      s1 += x[i + 1] * y[i + 1];
      s2 += x[i + 2] * y[i + 2];
      s3 += x[i + 3] * y[i + 3];
    }
    for (; i < i1; i++) s0 += x[i] * y[i];
  } else {
    for (; i + 4 <= i1; i += 4) {
      double a = x[i] * y[i], b = x[i + 1] * y[i + 1];
      double c = x[i + 2] * y[i + 2], d = x[i + 3] * y[i + 3];
      s0 += a * a;
      s1 += b * b;
      s2 += c * c;
      s3 += d * d;
    }
    for (; i < i1; i++) {
      double a = x[i] * y[i];
      s0 += a * a;
    }
  }
  return (s0 + s1) + (s2 + s3);
}

/* The reduction over n elements, block by block; the queued operations (if they have
 * this length) run on each block just before it is reduced, while it is in cache. */
static double reduce_raw(enum red_kind k, size_t n, const double *x, const double *y,
                         const struct red_args *ra)
{
  struct queue *Q = &tq;
  if (Q->n > 0 && Q->len != n) hd_nv_flush();
  Q->len = n;
  if (ra && ra->z && ra->z != x && ra->z != ra->a && ra->z != ra->b)
    drop_dead_writers(ra->z, Q->n); /* z is written whole, never read */
  /* what the reduction depends on runs with it, block by block */
  unsigned char sel[MAXQ];
  if (Q->n > 0) {
    const double *rd[4] = {x, y, ra ? ra->a : NULL, ra ? ra->b : NULL}, *wr = ra ? ra->z : NULL;
    closure(Q, rd, 4, &wr, wr ? 1 : 0, sel);
  }
  const size_t nb = (n + BLOCK - 1) / BLOCK;
  struct prog P;
  compile(Q, Q->n > 0 ? sel : NULL, &P); /* an empty queue: nothing selected anyway */
  double s = 0;
  const int scan = ra && ra->scan;
  double m = 0;
  if (n < PAR_MIN) {
    for (size_t b = 0; b < nb; b++) {
      size_t i0 = b * BLOCK, i1 = i0 + BLOCK < n ? i0 + BLOCK : n;
      run_block(Q, &P, b);
      s += red_block(k, x, y, ra, i0, i1);
      if (scan) m = scan_join(m, scan_block(y, i0, i1));
    }
  } else {
    /* partial sums per block in parallel, added in block order */
    enum { STACK_BLOCKS = 1024 };
    double stack[2 * STACK_BLOCKS];
    double *part = nb <= STACK_BLOCKS ? stack : malloc(2 * nb * sizeof *part), *mpart = part + nb;
    if (!part) {
      hd_nv_flush();
      if (scan) *ra->scan = NAN;
      return NAN;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (size_t b = 0; b < nb; b++) {
      size_t i0 = b * BLOCK, i1 = i0 + BLOCK < n ? i0 + BLOCK : n;
      run_block(Q, &P, b);
      part[b] = red_block(k, x, y, ra, i0, i1);
      if (scan) mpart[b] = scan_block(y, i0, i1);
    }
    for (size_t b = 0; b < nb; b++) s += part[b];
    if (scan)
      for (size_t b = 0; b < nb; b++) m = scan_join(m, mpart[b]);
    if (part != stack) free(part);
  }
  if (scan) *ra->scan = m;
  if (Q->n > 0) compact(Q, sel);
  return s;
}

static double reduce(enum red_kind k, N_Vector xv, N_Vector yv)
{
  return reduce_raw(k, LEN(xv), DAT(xv), DAT(yv), NULL);
}

double hd_nv_scale_dot(size_t n, const double *a, const double *b, const double *v, double *z)
{
  struct red_args ra = {.a = a, .b = b, .z = z};
  return reduce_raw(RED_SCALE_DOT, n, v, NULL, &ra);
}

double *hd_nv_data(N_Vector v) { return DAT(v); }

double hd_par_dot(size_t n, const double *x, const double *y)
{
  return reduce_raw(RED_DOT, n, x, y, NULL);
}

int hd_par_all_finite(size_t n, const double *x)
{
  return reduce_raw(RED_ZERO, n, x, NULL, NULL) == 0.0;
}

int hd_par_worth(size_t n) { return n >= PAR_MIN; }

double hd_nv_dot_scan(const double *w, N_Vector y, double *maxabs)
{
  struct red_args ra = {.scan = maxabs};
  return reduce_raw(RED_DOT, LEN(y), w, DAT(y), &ra);
}

void hd_nv_diag_affine(const double *lam, double a, double b, double c, N_Vector y, N_Vector z)
{
  struct op *o = push(LEN(z), OP_DIAGAFFINE);
  o->a = a, o->b = b, o->c[0] = c, o->x = lam, o->y = DAT(y), o->z = DAT(z);
  pushed();
}

void hd_nv_axpy_raw(double a, const double *w, N_Vector z)
{
  struct op *o = push(LEN(z), OP_LINSUM);
  o->a = 1.0, o->b = a, o->x = DAT(z), o->y = w, o->z = DAT(z);
  pushed();
}

static sunrealtype k_dotprod(N_Vector x, N_Vector y) { return reduce(RED_DOT, x, y); }

static sunrealtype k_wsqrsum(N_Vector x, N_Vector w) { return reduce(RED_WSQR, x, w); }

static sunrealtype k_wrmsnorm(N_Vector x, N_Vector w)
{
  return sqrt(k_wsqrsum(x, w) / (double)LEN(x));
}

static sunrealtype k_min(N_Vector x)
{
  hd_nv_flush();
  const size_t n = LEN(x);
  const double *xd = DAT(x);
  double m = n ? xd[0] : 1.7976931348623157e308;
  for (size_t i = 1; i < n; i++) m = xd[i] < m ? xd[i] : m;
  return m;
}

/* ---- the library's other operations, behind a flush ----------------------------- */

static realtype *f_getarraypointer(N_Vector v)
{
  flush_for(DAT(v)); /* the caller may read and write v, nothing else of the queue's */
  return N_VGetArrayPointer_Serial(v);
}
static void f_setarraypointer(realtype *d, N_Vector v)
{
  hd_nv_flush();
  N_VSetArrayPointer_Serial(d, v);
}
static void f_destroy(N_Vector v)
{
  hd_nv_flush();
  N_VDestroy_Serial(v);
}
static realtype f_maxnorm(N_Vector x)
{
  hd_nv_flush();
  return N_VMaxNorm_Serial(x);
}
static realtype f_wrmsnormmask(N_Vector x, N_Vector w, N_Vector id)
{
  hd_nv_flush();
  return N_VWrmsNormMask_Serial(x, w, id);
}
static void f_compare(realtype c, N_Vector x, N_Vector z)
{
  hd_nv_flush();
  N_VCompare_Serial(c, x, z);
}
static booleantype f_invtest(N_Vector x, N_Vector z)
{
  hd_nv_flush();
  return N_VInvTest_Serial(x, z);
}
static booleantype f_constrmask(N_Vector c, N_Vector x, N_Vector m)
{
  hd_nv_flush();
  return N_VConstrMask_Serial(c, x, m);
}
static realtype f_minquotient(N_Vector num, N_Vector den)
{
  hd_nv_flush();
  return N_VMinQuotient_Serial(num, den);
}
static int f_dotprodmulti(int nvec, N_Vector x, N_Vector *Y, realtype *d)
{
  hd_nv_flush();
  return N_VDotProdMulti_Serial(nvec, x, Y, d);
}
static int f_linearsumvectorarray(int nvec, realtype a, N_Vector *X, realtype b, N_Vector *Y,
                                  N_Vector *Z)
{
  hd_nv_flush();
  return N_VLinearSumVectorArray_Serial(nvec, a, X, b, Y, Z);
}
static int f_constvectorarray(int nvec, realtype c, N_Vector *Z)
{
  hd_nv_flush();
  return N_VConstVectorArray_Serial(nvec, c, Z);
}
static int f_wrmsnormvectorarray(int nvec, N_Vector *X, N_Vector *W, realtype *m)
{
  hd_nv_flush();
  return N_VWrmsNormVectorArray_Serial(nvec, X, W, m);
}
static int f_wrmsnormmaskvectorarray(int nvec, N_Vector *X, N_Vector *W, N_Vector id, realtype *m)
{
  hd_nv_flush();
  return N_VWrmsNormMaskVectorArray_Serial(nvec, X, W, id, m);
}
static int f_scaleaddmultivectorarray(int nvec, int nsum, realtype *a, N_Vector *X, N_Vector **Y,
                                      N_Vector **Z)
{
  hd_nv_flush();
  return N_VScaleAddMultiVectorArray_Serial(nvec, nsum, a, X, Y, Z);
}
static int f_linearcombinationvectorarray(int nvec, int nsum, realtype *c, N_Vector **X,
                                          N_Vector *Z)
{
  hd_nv_flush();
  return N_VLinearCombinationVectorArray_Serial(nvec, nsum, c, X, Z);
}
static realtype f_wsqrsummasklocal(N_Vector x, N_Vector w, N_Vector id)
{
  hd_nv_flush();
  return N_VWSqrSumMaskLocal_Serial(x, w, id);
}
static int f_bufpack(N_Vector x, void *buf)
{
  hd_nv_flush();
  return N_VBufPack_Serial(x, buf);
}
static int f_bufunpack(N_Vector x, void *buf)
{
  hd_nv_flush();
  return N_VBufUnpack_Serial(x, buf);
}
static void f_print(N_Vector v)
{
  hd_nv_flush();
  N_VPrint_Serial(v);
}
static void f_printfile(N_Vector v, FILE *f)
{
  hd_nv_flush();
  N_VPrintFile_Serial(v, f);
}

void hd_nv_install(N_Vector v)
{
  struct _generic_N_Vector_Ops *o = v->ops;
  /* deferred */
  o->nvlinearsum = k_linearsum;
  o->nvconst = k_const;
  o->nvprod = k_prod;
  o->nvdiv = k_div;
  o->nvscale = k_scale;
  o->nvabs = k_abs;
  o->nvinv = k_inv;
  o->nvaddconst = k_addconst;
  o->nvlinearcombination = k_linearcombination;
  o->nvscaleaddmulti = k_scaleaddmulti;
  o->nvscalevectorarray = k_scalevectorarray;
  /* reductions */
  o->nvdotprod = k_dotprod;
  o->nvdotprodlocal = k_dotprod;
  o->nvwrmsnorm = k_wrmsnorm;
  o->nvwsqrsumlocal = k_wsqrsum;
  o->nvmin = k_min;
  o->nvminlocal = k_min;
  /* everything else that touches data flushes first */
  o->nvgetarraypointer = f_getarraypointer;
  o->nvsetarraypointer = f_setarraypointer;
  o->nvdestroy = f_destroy;
  o->nvmaxnorm = f_maxnorm;
  o->nvmaxnormlocal = f_maxnorm;
  o->nvwrmsnormmask = f_wrmsnormmask;
  o->nvcompare = f_compare;
  o->nvinvtest = f_invtest;
  o->nvinvtestlocal = f_invtest;
  o->nvconstrmask = f_constrmask;
  o->nvconstrmasklocal = f_constrmask;
  o->nvminquotient = f_minquotient;
  o->nvminquotientlocal = f_minquotient;
  o->nvdotprodmulti = f_dotprodmulti;
  o->nvdotprodmultilocal = f_dotprodmulti;
  o->nvlinearsumvectorarray = f_linearsumvectorarray;
  o->nvconstvectorarray = f_constvectorarray;
  o->nvwrmsnormvectorarray = f_wrmsnormvectorarray;
  o->nvwrmsnormmaskvectorarray = f_wrmsnormmaskvectorarray;
  o->nvscaleaddmultivectorarray = f_scaleaddmultivectorarray;
  o->nvlinearcombinationvectorarray = f_linearcombinationvectorarray;
  o->nvwsqrsummasklocal = f_wsqrsummasklocal;
  o->nvbufpack = f_bufpack;
  o->nvbufunpack = f_bufunpack;
  o->nvprint = f_print;
  o->nvprintfile = f_printfile;
}
