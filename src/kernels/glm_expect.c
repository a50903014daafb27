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

#define SECT 16

/* v[j] = h(t[j]), j < n <= GRID + 1 */
typedef void (*batch_fn)(const double *t, double *v, size_t n, void *ctx);

/* Jumps of h on [-L, L]: cells of a 32-cell grid whose step dwarfs both neighbours', each
 * narrowed to a width tol (1 + |t|).  Kinks are not jumps and stay inside panels.  A jump
 * of the integrand needs tol at rounding (a panel edge off by delta costs delta times the
 * jump); a jump of its derivative, a kink, costs only delta^2: 1e-8 serves there. */
#define TOL_JUMP 1e-14
#define TOL_KINK 1e-8
static size_t find_jumps(batch_fn h, void *ctx, double tol, double *bp, size_t nbp, size_t max)
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
    /* narrowed to rounding by 16-sections, 15 points per call (a bisection's one point
     * per call cost four times as much) */
    double a = t[j], b = t[j + 1], fa = v[j], fb = v[j + 1];
    for (int it = 0; it < 16 && b - a > tol * (1 + fabs(a)); it++) {
      double ts[SECT + 1], vs[SECT + 1];
      for (int k = 1; k < SECT; k++) ts[k] = a + (b - a) * k / SECT;
      h(ts + 1, vs + 1, SECT - 1, ctx);
      ts[0] = a, vs[0] = fa, ts[SECT] = b, vs[SECT] = fb;
      int best = 0;
      for (int k = 1; k < SECT; k++)
        if (fabs(vs[k + 1] - vs[k]) > fabs(vs[best + 1] - vs[best])) best = k;
      a = ts[best], fa = vs[best], b = ts[best + 1], fb = vs[best + 1];
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

/* np equal panels of 8-point Gauss-Legendre on [-L, L], weights with the density. */
static void uniform_panels(size_t np, double *z, double *w)
{
  const double h = 2 * L_CUT / (double)np;
  size_t n = 0;
  for (size_t k = 0; k < np; k++) {
    const double mid = -L_CUT + ((double)k + 0.5) * h;
    for (int g = 0; g < 4; g++)
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        z[n] = mid + sgn * 0.5 * h * gl_x[g];
        w[n] = 0.5 * h * gl_w[g] * phi(z[n]);
        n++;
      }
  }
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
  hd_formula_eval_nu(c->f, n, in, 2u, v); /* eps fixed */
}

int glm_quad_init(struct glm_quad *Q, size_t n, size_t n_eps, enum glm_form form, int target_jumps,
                  int jumpy_inner, int no_rstar, double p, struct glm_funcs *F)
{
  memset(Q, 0, sizeof *Q);
  /* Where the slope jumps or kinks, its kinks move with eps (y = r* + 0.5 eps^3 puts them
   * at eps^3 = 2 (r - r* -+ 1)): after the inner integral the integrand in eps is smooth
   * but turns over a width s / (1.5 eps^2), which Gauss-Hermite's sparse outer nodes
   * miss (G3).  Composite Gauss-Legendre, n_eps panels on [-L, L], resolves it. */
  const int eps_panels = n_eps > 1 && jumpy_inner;
  const size_t eps_nodes = eps_panels ? 8 * n_eps : n_eps;
  Q->n = n;
  Q->n_eps = eps_nodes;
  n_eps = eps_nodes;
  Q->form = form;
  Q->jumpy_inner = jumpy_inner;
  Q->eps_panels = eps_panels;
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
  } else if (eps_panels) {
    uniform_panels(n_eps / 8, Q->e, Q->we);
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
      size_t nbp = find_jumps(target_at, &c, TOL_JUMP, bp, 0, MAX_JUMPS);
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
  hd_formula_eval_nu(c->f, n, in, 6u, v); /* y, r* fixed */
}

static size_t inner_rule(const struct glm_quad *Q, const struct frame *f, double c, double y,
                         double rs, struct hd_formula *h1, struct hd_formula *h2, const double *tol,
                         double *z, double *w)
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
  struct hd_formula *h[2] = {h1, h2};
  for (int k = 0; k < 2; k++) {
    if (!h[k]) continue;
    struct inner_ctx ic = {h[k], c, f->s, y, rs};
    nbp = find_jumps(inner_at, &ic, tol[k], bp, nbp, MAX_JUMPS);
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

/* One line of the (z1, z2) plane at one eps node, with its rule: the points, their
 * weights (eps's and the outer node's included) and what the formulas read there. */
/* The drift integrates l_r: its jumps, and l_rr's (l_r's kinks); the observables
 * integrate the loss and the metric: l_r's jumps are the loss's kinks. */
static const double drift_tol[2] = {TOL_JUMP, TOL_KINK};
static const double observe_tol[2] = {TOL_KINK, TOL_JUMP};

struct row {
  size_t n;
  double z1[GLM_MAX_NODES], z2[GLM_MAX_NODES], w[GLM_MAX_NODES];
  double r[GLM_MAX_NODES], rs[GLM_MAX_NODES], y[GLM_MAX_NODES], yp[GLM_MAX_NODES];
};

/* Rows along z1 (z2 fixed at a Gauss-Hermite node) rather than z2: where the kinks move
 * with eps and r varies less across them along z2 (s) than along z1 (a1 - sqrt(p)), as
 * near x = 0 where s -> 0 and the integrand over (z1, eps) would keep its kink (G3). */
static int rows_along_z1(const struct glm_quad *Q, const struct frame *f)
{
  return Q->eps_panels && f->sp > 0 && f->s < fabs(f->a1 - f->sp);
}

/* l_r (h1) or l_rr (h2) along z1 at fixed z2 and eps, the target evaluated point by
 * point. */
struct z1_ctx {
  struct glm_funcs *F;
  struct hd_formula *h;
  const struct frame *f;
  double z2, eps;
};

static void z1_at(const double *t, double *v, size_t n, void *ctx)
{
  struct z1_ctx *c = ctx;
  double r[GRID + 1], rs[GRID + 1], e[GRID + 1], y[GRID + 1];
  for (size_t j = 0; j < n; j++) {
    rs[j] = c->f->sp * t[j];
    e[j] = c->eps;
    r[j] = c->f->a1 * t[j] + c->f->s * c->z2;
  }
  const double *tin[2] = {rs, e}, *in[3] = {r, y, rs};
  hd_formula_eval_nu(c->F->target, n, tin, 2u, y);
  hd_formula_eval_n(c->h, n, in, v);
}

/* Outer nodes of eps node k: along z2, the z1 rule (Gauss-Hermite or panels at the
 * target's jumps); along z1, Gauss-Hermite in z2. */
static size_t n_rows(const struct glm_quad *Q, size_t k, int along_z1)
{
  return along_z1 ? Q->n : Q->n_outer[k];
}

/* Row i of eps node k, its rule built around the jumps of h1, h2 (NULL: none; located to
 * tol[0], tol[1]: find_jumps), with
 * d target / d r_star where want_yp (else 0).  Returns
 * 0, or -1 with *out filled where the target or its derivative is not finite. */
static int build_row(const struct glm_quad *Q, struct glm_funcs *F, const struct frame *f, size_t k,
                     size_t i, int along_z1, int want_yp, struct hd_formula *h1,
                     struct hd_formula *h2, const double *tol, struct row *R, struct glm_drift *out)
{
  const double eps = Q->e[k];
  double zi[GLM_MAX_NODES], wi[GLM_MAX_NODES];
  if (!along_z1) {
    const double *oz = Q->oz + k * GLM_MAX_NODES, *ow = Q->ow + k * GLM_MAX_NODES;
    const double z1 = oz[i], rs = f->sp * z1, w1 = Q->we[k] * ow[i];
    const double tv[2] = {rs, eps};
    const double y = hd_formula_eval(F->target, tv);
    if (!isfinite(y)) return fail(out, "target", rs, eps);
    double yp = 0;
    if (want_yp) {
      yp = hd_formula_eval(F->dtarget, tv);
      if (!isfinite(yp)) return fail(out, "d target / d r_star", rs, y);
    }
    const size_t n2 = inner_rule(Q, f, f->a1 * z1, y, rs, h1, h2, tol, zi, wi);
    for (size_t j = 0; j < n2; j++) {
      R->z1[j] = z1;
      R->z2[j] = zi[j];
      R->w[j] = w1 * wi[j];
      R->r[j] = f->a1 * z1 + f->s * zi[j];
      R->rs[j] = rs;
      R->y[j] = y;
      R->yp[j] = yp;
    }
    R->n = n2;
    return 0;
  }
  const double z2 = Q->z[i], w2 = Q->we[k] * Q->wz[i];
  double bp[MAX_JUMPS];
  size_t nbp = 0;
  struct hd_formula *h[2] = {h1, h2};
  for (int c = 0; c < 2; c++) {
    if (!h[c]) continue;
    struct z1_ctx zc = {F, h[c], f, z2, eps};
    nbp = find_jumps(z1_at, &zc, tol[c], bp, nbp, MAX_JUMPS);
  }
  const size_t n1 = panel_rule(bp, nbp, zi, wi);
  double e[GLM_MAX_NODES];
  for (size_t j = 0; j < n1; j++) {
    R->z1[j] = zi[j];
    R->z2[j] = z2;
    R->w[j] = w2 * wi[j];
    R->rs[j] = f->sp * zi[j];
    R->r[j] = f->a1 * zi[j] + f->s * z2;
    e[j] = eps;
  }
  R->n = n1;
  const double *tin[2] = {R->rs, e};
  hd_formula_eval_nu(F->target, n1, tin, 2u, R->y);
  if (want_yp) hd_formula_eval_nu(F->dtarget, n1, tin, 2u, R->yp);
  else memset(R->yp, 0, n1 * sizeof(double));
  for (size_t j = 0; j < n1; j++) {
    if (!isfinite(R->y[j])) return fail(out, "target", R->rs[j], eps);
    if (!isfinite(R->yp[j])) return fail(out, "d target / d r_star", R->rs[j], R->y[j]);
  }
  return 0;
}

/* l_r, and l_rr and l_ry when asked (outputs 1, 2, 3), at the n points (r[j], y[j]);
 * bit v of mask: input v repeats one value (hd_fprog_eval_u). */
static void eval_drift(struct glm_funcs *F, int outputs, size_t n, const double *r, const double *y,
                       unsigned mask, double *g, double *h, double *hy)
{
  const double *in[2] = {r, y};
  struct hd_fprog *p = outputs == 1 ? F->slope : outputs == 2 ? F->curvature : F->mixed;
  if (p) {
    double *out[3] = {g, h, hy};
    hd_fprog_eval_u(p, n, in, mask, out, F->work);
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
  const int along_z1 = rows_along_z1(Q, &f);
  double A = 0, C = 0, G = 0, Ez1 = 0, Ez2 = 0;
  double g[GLM_MAX_NODES], h[GLM_MAX_NODES], hy[GLM_MAX_NODES];
  struct row R;
  memset(out, 0, sizeof *out);
  for (size_t k = 0; k < Q->n_eps; k++) {
    const size_t nr = n_rows(Q, k, along_z1);
    for (size_t i = 0; i < nr; i++) {
      if (build_row(Q, F, &f, k, i, along_z1, Q->form == GLM_FORM_DERIVATIVE, F->dloss, F->d2loss,
                    drift_tol, &R, out))
        return -1;
      int any_yp = 0;
      for (size_t j = 0; j < R.n && !any_yp; j++) any_yp = R.yp[j] != 0;
      /* l_rr where the Stein quotient is not used; l_ry where the target moves with r* */
      const int outputs = stein ? 1 : Q->form == GLM_FORM_DERIVATIVE && any_yp ? 3 : 2;
      eval_drift(F, outputs, R.n, R.r, R.y, along_z1 ? 0u : 2u, g, h, hy);
      for (size_t j = 0; j < R.n; j++) {
        const double z1 = R.z1[j], z2 = R.z2[j], w = R.w[j];
        if (!isfinite(g[j])) return fail(out, "d loss / d r", R.r[j], R.y[j]);
        G += w * g[j] * g[j];
        if (stein) {
          Ez1 += w * z1 * g[j];
          Ez2 += w * z2 * g[j];
        } else {
          if (Q->form == GLM_FORM_DERIVATIVE) {
            if (!isfinite(h[j])) return fail(out, "d2 loss / d r2", R.r[j], R.y[j]);
            const double hyj = R.yp[j] != 0 ? hy[j] * R.yp[j] : 0.0;
            if (!isfinite(hyj)) return fail(out, "d2 loss / d r d y", R.r[j], R.y[j]);
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
  const int along_z1 = rows_along_z1(Q, &f);
  double L = 0, M = 0, lv[GLM_MAX_NODES], mv[GLM_MAX_NODES];
  struct row R;
  struct glm_drift unused;
  for (size_t k = 0; k < Q->n_eps; k++) {
    const size_t nr = n_rows(Q, k, along_z1);
    for (size_t i = 0; i < nr; i++) {
      /* the loss's kinks are its slope's jumps; a target that is not finite shows as NaN */
      if (build_row(Q, F, &f, k, i, along_z1, 0, F->dloss, F->metric, observe_tol, &R, &unused)) {
        *loss = *metric = NAN;
        return;
      }
      const double *in[3] = {R.r, R.y, R.rs};
      if (F->observe) {
        double *outp[2] = {lv, mv};
        hd_fprog_eval_u(F->observe, R.n, in, along_z1 ? 0u : 6u, outp, F->work);
      } else {
        hd_formula_eval_n(F->loss, R.n, in, lv);
        if (F->metric) hd_formula_eval_n(F->metric, R.n, in, mv);
      }
      for (size_t j = 0; j < R.n; j++) {
        L += R.w[j] * lv[j];
        if (F->metric) M += R.w[j] * mv[j];
      }
    }
  }
  *loss = L;
  *metric = F->metric ? M : NAN;
}
