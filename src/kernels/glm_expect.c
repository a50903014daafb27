/* kernels/glm_expect.c — tensor Gauss-Hermite expectations over (z1, z2, eps) for the
 * glm family (docs/theory/glm.md §2.2-§2.4). */
#include "kernels/glm_expect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gauss.h"

static const char *const target_vars[] = {"r_star", "eps"};
static const char *const loss_vars[] = {"r", "y"};
static const char *const metric_vars[] = {"r", "y", "r_star"};

void glm_funcs_free(struct glm_funcs *F)
{
  hd_fprog_free(F->slope);
  hd_fprog_free(F->curvature);
  hd_fprog_free(F->mixed);
  hd_fprog_free(F->observe);
  free(F->work);
  hd_formula_free(F->target);
  hd_formula_free(F->dtarget);
  hd_formula_free(F->loss);
  hd_formula_free(F->dloss);
  hd_formula_free(F->d2loss);
  hd_formula_free(F->dlossy);
  hd_formula_free(F->metric);
  memset(F, 0, sizeof *F);
}

/* The drift's and the observables' programs.  A formula that failed its compiled check
 * (formula.c) leaves its programs NULL: the kernels then evaluate formula by formula. */
static int programs(struct glm_funcs *F, char *msg, size_t msglen)
{
  int all = 1;
  struct hd_formula **f = &F->target;
  for (size_t i = 0; i < GLM_N_FORMULAS; i++) all = all && (!f[i] || hd_formula_compiled(f[i]));
  if (!all) return 0;
  struct hd_formula *drift[3] = {F->dloss, F->d2loss, F->dlossy}, *obs[2] = {F->loss, F->metric};
  F->slope = hd_formula_program(1, drift, msg, msglen);
  F->curvature = hd_formula_program(2, drift, msg, msglen);
  F->mixed = hd_formula_program(3, drift, msg, msglen);
  F->observe = hd_formula_program(F->metric ? 2 : 1, obs, msg, msglen);
  if (!F->slope || !F->curvature || !F->mixed || !F->observe) return -1;
  size_t w = hd_fprog_work_size(F->slope);
  struct hd_fprog *p[3] = {F->curvature, F->mixed, F->observe};
  for (int k = 0; k < 3; k++) w = w > hd_fprog_work_size(p[k]) ? w : hd_fprog_work_size(p[k]);
  if (!(F->work = malloc(w * sizeof(double)))) {
    snprintf(msg, msglen, "out of memory");
    return -1;
  }
  return 0;
}

int glm_funcs_compile(struct glm_funcs *F, const char *target, const char *loss, const char *metric,
                      const char **which, char *msg, size_t msglen)
{
  memset(F, 0, sizeof *F);
  *which = "target";
  if (!(F->target = hd_formula_parse(target, 2, target_vars, msg, msglen))) goto fail;
  if (!(F->dtarget = hd_formula_derivative(F->target, "r_star", msg, msglen))) goto fail;
  *which = "loss";
  if (!(F->loss = hd_formula_parse(loss, 2, loss_vars, msg, msglen))) goto fail;
  if (!(F->dloss = hd_formula_derivative(F->loss, "r", msg, msglen))) goto fail;
  if (!(F->d2loss = hd_formula_derivative(F->dloss, "r", msg, msglen))) goto fail;
  if (!(F->dlossy = hd_formula_derivative(F->dloss, "y", msg, msglen))) goto fail;
  *which = "metric";
  if (metric && metric[0] && !(F->metric = hd_formula_parse(metric, 3, metric_vars, msg, msglen)))
    goto fail;
  *which = "loss";
  if (programs(F, msg, msglen) != 0) goto fail;
  *which = NULL;
  return 0;
fail:
  glm_funcs_free(F);
  return -1;
}

int glm_funcs_clone(struct glm_funcs *dst, const struct glm_funcs *src)
{
  char msg[256];
  memset(dst, 0, sizeof *dst);
  struct hd_formula **d = &dst->target;
  struct hd_formula *const *s = &src->target;
  for (size_t i = 0; i < GLM_N_FORMULAS; i++) {
    if (!s[i]) continue;
    if (!(d[i] = hd_formula_clone(s[i], msg, sizeof msg))) {
      glm_funcs_free(dst);
      return -1;
    }
  }
  if (programs(dst, msg, sizeof msg) != 0) {
    glm_funcs_free(dst);
    return -1;
  }
  return 0;
}

/* ---- composite rules around jumps (G2) ------------------------------------------- */

#define L_CUT     8.0 /* |z| > 8 carries Gaussian mass 1.2e-15 */
#define GRID      32
#define MAX_JUMPS 24

static const double gl_x[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                               0.9602898564975363};
static const double gl_w[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                               0.1012285362903763};

static double phi(double z) { return 0.3989422804014327 * exp(-0.5 * z * z); }

/* v[j] = h(t[j]), j < n */
typedef void (*batch_fn)(const double *t, double *v, size_t n, void *ctx);

static double at_one(batch_fn h, double t, void *ctx)
{
  double v;
  h(&t, &v, 1, ctx);
  return v;
}

/* Jumps of h on [-L, L]: cells of a 32-cell grid whose step dwarfs both neighbours', each
 * narrowed by bisection to rounding.  Kinks are not jumps and stay inside panels. */
static size_t find_jumps(batch_fn h, void *ctx, double *bp, size_t nbp, size_t max)
{
  double t[GRID + 1], v[GRID + 1];
  for (size_t j = 0; j <= GRID; j++) t[j] = -L_CUT + 2 * L_CUT * (double)j / GRID;
  h(t, v, GRID + 1, ctx);
  for (size_t j = 0; j < GRID; j++) {
    const double D = fabs(v[j + 1] - v[j]);
    if (!(D > 0)) continue;
    const double Dl = j > 0 ? fabs(v[j] - v[j - 1]) : 0;
    const double Dr = j + 2 <= GRID ? fabs(v[j + 2] - v[j + 1]) : 0;
    if (D <= 2 * fmax(Dl, Dr) + 1e-13 * (fabs(v[j]) + fabs(v[j + 1]))) continue;
    double a = t[j], b = t[j + 1], fa = v[j], fb = v[j + 1];
    for (int it = 0; it < 60 && b - a > 1e-14 * (1 + fabs(a)); it++) {
      const double m = 0.5 * (a + b), fm = at_one(h, m, ctx);
      if (fabs(fm - fa) > fabs(fb - fm)) b = m, fb = fm;
      else a = m, fa = fm;
    }
    if (nbp < max) bp[nbp++] = 0.5 * (a + b);
  }
  return nbp;
}

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Composite 8-point Gauss-Legendre on [-L, L], panel edges at the breakpoints, panels at
 * most 2 wide; weights carry the standard normal density.  Returns the node count. */
static size_t panel_rule(double *bp, size_t nbp, double *z, double *w)
{
  qsort(bp, nbp, sizeof *bp, cmp_double);
  size_t n = 0;
  double a = -L_CUT;
  for (size_t i = 0; i <= nbp; i++) {
    const double b = i < nbp ? fmin(bp[i], L_CUT) : L_CUT;
    if (!(b > a)) continue;
    const size_t np = (size_t)ceil(0.5 * (b - a));
    const double h = (b - a) / (double)np;
    for (size_t k = 0; k < np && n + 8 <= GLM_MAX_NODES; k++) {
      const double mid = a + ((double)k + 0.5) * h;
      for (int g = 0; g < 4; g++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
          z[n] = mid + sgn * 0.5 * h * gl_x[g];
          w[n] = 0.5 * h * gl_w[g] * phi(z[n]);
          n++;
        }
    }
    a = b;
  }
  return n;
}

struct target_ctx {
  struct hd_formula *f;
  double sp, eps;
};

static void target_at(const double *t, double *v, size_t n, void *ctx)
{
  struct target_ctx *c = ctx;
  double rs[GRID + 1], eps[GRID + 1];
  for (size_t j = 0; j < n; j++) {
    rs[j] = c->sp * t[j];
    eps[j] = c->eps;
  }
  const double *in[2] = {rs, eps};
  hd_formula_eval_n(c->f, n, in, v);
}

int glm_quad_init(struct glm_quad *Q, size_t n, size_t n_eps, enum glm_form form, int target_jumps,
                  int jumpy_inner, int no_rstar, double p, struct glm_funcs *F)
{
  memset(Q, 0, sizeof *Q);
  Q->n = n;
  Q->n_eps = n_eps;
  Q->form = form;
  Q->jumpy_inner = jumpy_inner;
  Q->no_rstar = no_rstar;
  Q->z = malloc(n * sizeof(double));
  Q->wz = malloc(n * sizeof(double));
  Q->e = malloc(n_eps * sizeof(double));
  Q->we = malloc(n_eps * sizeof(double));
  Q->n_outer = malloc(n_eps * sizeof(size_t));
  Q->oz = malloc(n_eps * GLM_MAX_NODES * sizeof(double));
  Q->ow = malloc(n_eps * GLM_MAX_NODES * sizeof(double));
  if (!Q->z || !Q->wz || !Q->e || !Q->we || !Q->n_outer || !Q->oz || !Q->ow ||
      hd_gauss_hermite(n, Q->z, Q->wz) != 0)
    return -1;
  if (n_eps == 1) {
    Q->e[0] = 0;
    Q->we[0] = 1;
  } else if (hd_gauss_hermite(n_eps, Q->e, Q->we) != 0) {
    return -1;
  }
  for (size_t k = 0; k < n_eps; k++) {
    double *oz = Q->oz + k * GLM_MAX_NODES, *ow = Q->ow + k * GLM_MAX_NODES;
    if (no_rstar) {
      oz[0] = 0;
      ow[0] = 1;
      Q->n_outer[k] = 1;
    } else if (target_jumps && p > 0) {
      struct target_ctx c = {F->target, sqrt(p), Q->e[k]};
      double bp[MAX_JUMPS];
      size_t nbp = find_jumps(target_at, &c, bp, 0, MAX_JUMPS);
      Q->n_outer[k] = panel_rule(bp, nbp, oz, ow);
    } else {
      memcpy(oz, Q->z, n * sizeof(double));
      memcpy(ow, Q->wz, n * sizeof(double));
      Q->n_outer[k] = n;
    }
  }
  return 0;
}

void glm_quad_free(struct glm_quad *Q)
{
  free(Q->z);
  free(Q->wz);
  free(Q->e);
  free(Q->we);
  free(Q->n_outer);
  free(Q->oz);
  free(Q->ow);
  memset(Q, 0, sizeof *Q);
}

/* r* = sqrt(p) z1, r = a1 z1 + s z2 (G1). */
struct frame {
  double sp, a1, s, s2;
};

static struct frame frame_of(const struct glm_quad *Q, double q, double m, double p)
{
  struct frame f = {0};
  if (p > 0 && !Q->no_rstar) {
    f.sp = sqrt(p);
    f.a1 = m / f.sp;
    f.s2 = q - m * m / p;
  } else {
    f.s2 = q;
  }
  f.s = f.s2 > 0 ? sqrt(f.s2) : 0;
  return f;
}

/* The z2 rule for one (z1, eps): Gauss-Hermite, one point where s = 0, or panels around
 * the jumps of the given functions of r = c + s z2 at this y.  The drift passes l_r and
 * l_rr: a jump of l_rr is a kink of l_r (Huber), which inside a panel would cost the rule
 * its order (measured: 0.4 % on the Huber model's risk). */
struct inner_ctx {
  struct hd_formula *f;
  double c, s, y, rs;
};

static void inner_at(const double *t, double *v, size_t n, void *ctx)
{
  struct inner_ctx *c = ctx;
  double r[GRID + 1], y[GRID + 1], rs[GRID + 1];
  for (size_t j = 0; j < n; j++) {
    r[j] = c->c + c->s * t[j];
    y[j] = c->y;
    rs[j] = c->rs;
  }
  const double *in[3] = {r, y, rs};
  hd_formula_eval_n(c->f, n, in, v);
}

static size_t inner_rule(const struct glm_quad *Q, const struct frame *f, double c, double y,
                         double rs, struct hd_formula *h1, struct hd_formula *h2,
                         struct hd_formula *h3, double *z, double *w)
{
  if (!(f->s > 0)) {
    z[0] = 0;
    w[0] = 1;
    return 1;
  }
  if (!Q->jumpy_inner) {
    memcpy(z, Q->z, Q->n * sizeof(double));
    memcpy(w, Q->wz, Q->n * sizeof(double));
    return Q->n;
  }
  double bp[MAX_JUMPS];
  size_t nbp = 0;
  struct hd_formula *h[3] = {h1, h2, h3};
  for (int k = 0; k < 3; k++) {
    if (!h[k]) continue;
    struct inner_ctx ic = {h[k], c, f->s, y, rs};
    nbp = find_jumps(inner_at, &ic, bp, nbp, MAX_JUMPS);
  }
  return panel_rule(bp, nbp, z, w);
}

static int fail(struct glm_drift *out, const char *what, double r, double y)
{
  out->bad = what;
  out->bad_r = r;
  out->bad_y = y;
  return -1;
}

/* l_r, and l_rr and l_ry when asked (outputs 1, 2, 3), at the n points (r[j], y[j]). */
static void eval_drift(struct glm_funcs *F, int outputs, size_t n, const double *r, const double *y,
                       double *g, double *h, double *hy)
{
  const double *in[2] = {r, y};
  struct hd_fprog *p = outputs == 1 ? F->slope : outputs == 2 ? F->curvature : F->mixed;
  if (p) {
    double *out[3] = {g, h, hy};
    hd_fprog_eval(p, n, in, out, F->work);
    return;
  }
  hd_formula_eval_n(F->dloss, n, in, g);
  if (outputs > 1) hd_formula_eval_n(F->d2loss, n, in, h);
  if (outputs > 2) hd_formula_eval_n(F->dlossy, n, in, hy);
}

int glm_expect_drift(const struct glm_quad *Q, struct glm_funcs *F, double q, double m, double p,
                     struct glm_drift *out)
{
  const struct frame f = frame_of(Q, q, m, p);
  /* Where r is a multiple of r* (s = 0: x = 0 at the start), d_r l_r only ever multiplies
   * coefficients that vanish with s (§2.4); the derivative form then stands in for the
   * Stein quotient E[z2 l_r] / s, which is 0/0 there. */
  const int stein = Q->form == GLM_FORM_STEIN && f.s2 > 1e-24 * q && f.s > 0;
  double A = 0, C = 0, G = 0, Ez1 = 0, Ez2 = 0;
  double zi[GLM_MAX_NODES], wi[GLM_MAX_NODES], r[GLM_MAX_NODES], yv[GLM_MAX_NODES];
  double g[GLM_MAX_NODES], h[GLM_MAX_NODES], hy[GLM_MAX_NODES];
  memset(out, 0, sizeof *out);
  for (size_t k = 0; k < Q->n_eps; k++) {
    const double *oz = Q->oz + k * GLM_MAX_NODES, *ow = Q->ow + k * GLM_MAX_NODES;
    for (size_t i = 0; i < Q->n_outer[k]; i++) {
      const double z1 = oz[i], rs = f.sp * z1, w1 = Q->we[k] * ow[i];
      const double tv[2] = {rs, Q->e[k]};
      const double y = hd_formula_eval(F->target, tv);
      if (!isfinite(y)) return fail(out, "target", rs, Q->e[k]);
      double yp = 0;
      if (Q->form == GLM_FORM_DERIVATIVE) {
        yp = hd_formula_eval(F->dtarget, tv);
        if (!isfinite(yp)) return fail(out, "d target / d r_star", rs, y);
      }
      const size_t n2 = inner_rule(Q, &f, f.a1 * z1, y, rs, F->dloss, F->d2loss, NULL, zi, wi);
      for (size_t j = 0; j < n2; j++) {
        r[j] = f.a1 * z1 + f.s * zi[j];
        yv[j] = y;
      }
      /* l_rr where the Stein quotient is not used; l_ry where the target moves with r* */
      const int outputs = stein ? 1 : Q->form == GLM_FORM_DERIVATIVE && yp != 0 ? 3 : 2;
      eval_drift(F, outputs, n2, r, yv, g, h, hy);
      for (size_t j = 0; j < n2; j++) {
        const double z2 = zi[j], w = w1 * wi[j];
        if (!isfinite(g[j])) return fail(out, "d loss / d r", r[j], y);
        G += w * g[j] * g[j];
        if (stein) {
          Ez1 += w * z1 * g[j];
          Ez2 += w * z2 * g[j];
        } else {
          if (Q->form == GLM_FORM_DERIVATIVE) {
            if (!isfinite(h[j])) return fail(out, "d2 loss / d r2", r[j], y);
            const double hyj = yp != 0 ? hy[j] * yp : 0.0;
            if (!isfinite(hyj)) return fail(out, "d2 loss / d r d y", r[j], y);
            C += w * hyj;
          } else {
            Ez1 += w * z1 * g[j];
          }
          A += w * (isfinite(h[j]) ? h[j] : 0.0);
        }
      }
    }
  }
  if (stein) A = Ez2 / f.s;
  /* E[z1 l_r] = sqrt(p) E[d_r* l_r] + a1 E[d_r l_r]  (Stein in z1) */
  if (Q->form == GLM_FORM_STEIN) C = f.sp > 0 ? (Ez1 - f.a1 * A) / f.sp : 0.0;
  out->A = A;
  out->C = C;
  out->G = G;
  return 0;
}

void glm_expect_observe(const struct glm_quad *Q, struct glm_funcs *F, double q, double m, double p,
                        double *loss, double *metric)
{
  const struct frame f = frame_of(Q, q, m, p);
  double L = 0, M = 0;
  double zi[GLM_MAX_NODES], wi[GLM_MAX_NODES], r[GLM_MAX_NODES], yv[GLM_MAX_NODES];
  double rsv[GLM_MAX_NODES], lv[GLM_MAX_NODES], mv[GLM_MAX_NODES];
  for (size_t k = 0; k < Q->n_eps; k++) {
    const double *oz = Q->oz + k * GLM_MAX_NODES, *ow = Q->ow + k * GLM_MAX_NODES;
    for (size_t i = 0; i < Q->n_outer[k]; i++) {
      const double rs = f.sp * oz[i], tv[2] = {rs, Q->e[k]}, w1 = Q->we[k] * ow[i];
      const double y = hd_formula_eval(F->target, tv);
      /* the loss's kinks are its slope's jumps */
      const size_t n2 = inner_rule(Q, &f, f.a1 * oz[i], y, rs, F->dloss, F->metric, NULL, zi, wi);
      for (size_t j = 0; j < n2; j++) {
        r[j] = f.a1 * oz[i] + f.s * zi[j];
        yv[j] = y;
        rsv[j] = rs;
      }
      const double *in[3] = {r, yv, rsv};
      if (F->observe) {
        double *outp[2] = {lv, mv};
        hd_fprog_eval(F->observe, n2, in, outp, F->work);
      } else {
        hd_formula_eval_n(F->loss, n2, in, lv);
        if (F->metric) hd_formula_eval_n(F->metric, n2, in, mv);
      }
      for (size_t j = 0; j < n2; j++) {
        const double w = w1 * wi[j];
        L += w * lv[j];
        if (F->metric) M += w * mv[j];
      }
    }
  }
  *loss = L;
  *metric = F->metric ? M : NAN;
}
