/* committee_expect.c — the Gaussian expectations of the committee-machine limit
 * (docs/theory/committee.md CM-7..CM-9): closed forms for erf (Saad & Solla's I2, I3, I4),
 * relu's two-variable terms in closed form, and for the rest a tensor Gauss-Hermite rule
 * over the distinct pre-activations of the term (at most 4), through a rank-revealing
 * Cholesky factor so that a singular covariance (a unit at zero, a student unit equal to a
 * teacher unit) needs no inverse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gauss.h"
#include "ode/committee.h"

#define TWO_PI_INV 0.63661977236758134308 /* 2 / pi */

int cm_quad_init(struct cm_quad *q, size_t nodes)
{
  memset(q, 0, sizeof *q);
  size_t N = nodes ? nodes : 64;
  /* 1-D terms are cheap: twice the nodes; 3-D and 4-D ones fewer per dimension so that the
   * largest rule stays near 2e4 points. */
  size_t want[5] = {0, 2 * N, N, (N + 1) / 2, (N + 3) / 4};
  for (int r = 1; r <= 4; r++) {
    q->n[r] = want[r] < 2 ? 2 : want[r];
    q->x[r] = malloc(q->n[r] * sizeof(double));
    q->w[r] = malloc(q->n[r] * sizeof(double));
    int info = hd_gauss_hermite(q->n[r], q->x[r], q->w[r]);
    if (info != 0) return info;
  }
  /* step 1/16, 105 nodes: the orthant integral to 1e-15 on well-conditioned R, 1e-12 where
   * 1 - rho = 1e-12 (step 1/8 errs by 3e-9 there) */
  return cm_tanh_sinh_init(q, 1.0 / 16);
}

void cm_quad_free(struct cm_quad *q)
{
  for (int r = 1; r <= 4; r++) {
    free(q->x[r]);
    free(q->w[r]);
  }
  free(q->ts_s); /* ts_c, ts_w share its block */
  memset(q, 0, sizeof *q);
}

/* ---- quadrature ------------------------------------------------------------------- */

enum cm_term { TERM_I2, TERM_J2, TERM_PAIR, TERM_I4 };

static double integrand(const struct cm_act *A, enum cm_term t, const double *x)
{
  switch (t) {
  case TERM_I2: return cm_g(A, x[0]) * cm_g(A, x[1]);
  case TERM_J2: return cm_dg(A, x[0]) * cm_dg(A, x[1]);
  case TERM_PAIR: return cm_dg(A, x[0]) * cm_g(A, x[1]);
  default: return cm_dg(A, x[0]) * cm_dg(A, x[1]) * cm_g(A, x[2]) * cm_g(A, x[3]);
  }
}

/* Cholesky factor of the r x r covariance S without pivoting, dropping a variable whose
 * residual variance is <= 1e-13 of its variance (it is then a combination of the earlier
 * ones: no column of its own).  L[p][j] for the kept columns j; keep[] lists them.  Unlike
 * eigenvectors, which swap where eigenvalues cross, the factor is continuous in S, so the
 * quadrature below is a continuous function of the state (CVODE needs that). */
static size_t cholesky(size_t r, double S[4][4], double L[4][4], size_t *keep)
{
  size_t nk = 0;
  for (size_t p = 0; p < r; p++) {
    for (size_t j = 0; j < r; j++) L[p][j] = 0;
    for (size_t q = 0; q < nk; q++) {
      size_t j = keep[q];
      double acc = S[p][j];
      for (size_t i = 0; i < q; i++) acc -= L[p][keep[i]] * L[j][keep[i]];
      L[p][j] = acc / L[j][j];
    }
    double piv = S[p][p];
    for (size_t q = 0; q < nk; q++) piv -= L[p][keep[q]] * L[p][keep[q]];
    if (piv > 1e-13 * S[p][p] && piv > 0) {
      L[p][p] = sqrt(piv);
      keep[nk++] = p;
    }
  }
  return nk;
}

/* E f(h_idx[0], ..., h_idx[m-1]) by Gauss-Hermite in z, h = L z over the kept variables'
 * independent directions.  With stein, also the Stein coefficients s of the kept variables,
 * s = L_k^{-T} E[z f] (L_k: the kept rows), for which E[X f] = sum_p s_p Cov(X, h_p) (CM-9);
 * written per slot of idx (the first slot of a variable carries it; repeated and dropped
 * variables get 0). */
static double quad(const struct cm_expect *X, const double *C, size_t n, const size_t *idx,
                   size_t m, enum cm_term t, double *stein)
{
  size_t dv[4], pos[4] = {0, 0, 0, 0}, r0 = 0;
  for (size_t s = 0; s < m; s++) {
    size_t p = 0;
    while (p < r0 && dv[p] != idx[s]) p++;
    if (p == r0) dv[r0++] = idx[s];
    pos[s] = p;
  }
  double S[4][4], L[4][4];
  size_t keep[4];
  for (size_t i = 0; i < r0; i++)
    for (size_t j = 0; j < r0; j++) S[i][j] = C[dv[i] * n + dv[j]];
  const size_t r = cholesky(r0, S, L, keep);
  double hp[4] = {0, 0, 0, 0}, xs[4], accz[4] = {0, 0, 0, 0}, acc = 0;
  if (stein)
    for (size_t s = 0; s < m; s++) stein[s] = 0;
  if (r == 0) { /* every variable is 0 almost surely */
    for (size_t s = 0; s < m; s++) xs[s] = 0;
    return integrand(&X->act, t, xs);
  }
  const size_t nn = X->quad->n[r];
  const double *qx = X->quad->x[r], *qw = X->quad->w[r];
  size_t c[4] = {0, 0, 0, 0};
  for (;;) {
    double W = 1;
    for (size_t j = 0; j < r; j++) W *= qw[c[j]];
    for (size_t p = 0; p < r0; p++) {
      double h = 0;
      for (size_t j = 0; j < r; j++) h += L[p][keep[j]] * qx[c[j]];
      hp[p] = h;
    }
    for (size_t s = 0; s < m; s++) xs[s] = hp[pos[s]];
    double f = W * integrand(&X->act, t, xs);
    acc += f;
    if (stein)
      for (size_t j = 0; j < r; j++) accz[j] += qx[c[j]] * f;
    size_t j = 0;
    while (j < r && ++c[j] == nn) c[j++] = 0;
    if (j == r) break;
  }
  if (stein) { /* back substitution: L_k' s = E[z f], L_k[q][j] = L[keep[q]][keep[j]] */
    double sk[4];
    for (size_t q = r; q-- > 0;) {
      double v = accz[q];
      for (size_t i = q + 1; i < r; i++) v -= L[keep[i]][keep[q]] * sk[i];
      sk[q] = v / L[keep[q]][keep[q]];
    }
    for (size_t q = 0; q < r; q++) {
      size_t s = 0;
      while (pos[s] != keep[q]) s++;
      stein[s] = sk[q];
    }
  }
  return acc;
}

/* E_kl = E[delta_k delta_l] for all k <= l in one pass of the tensor rule over all n <= 4
 * pre-activations (CM-9b): the error e = sum_p c_p g(h_p) is formed at each node, so the
 * terms of e^2 cancel node by node; summed term by term (CM-7) with rules of different
 * dimension, their quadrature errors would not cancel where the student has learnt the
 * teacher (e = 0), and the noise term would not vanish there. */
int cm_delta_moments(const struct cm_expect *X, const double *C, size_t n, size_t K,
                     const double *c, const double *v, double s2, double *E)
{
  if (n > 4) return -1;
  size_t idx[4] = {0, 1, 2, 3}, keep[4];
  double S[4][4], L[4][4];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) S[i][j] = C[idx[i] * n + idx[j]];
  const size_t r = cholesky(n, S, L, keep);
  double acc[16] = {0}, h[4] = {0, 0, 0, 0}, gk[4];
  const size_t nn = r ? X->quad->n[r] : 1;
  const double *qx = r ? X->quad->x[r] : NULL, *qw = r ? X->quad->w[r] : NULL;
  size_t ci[4] = {0, 0, 0, 0};
  for (;;) {
    double W = 1;
    for (size_t j = 0; j < r; j++) W *= qw[ci[j]];
    for (size_t p = 0; p < n; p++) {
      double x = 0;
      for (size_t j = 0; j < r; j++) x += L[p][keep[j]] * qx[ci[j]];
      h[p] = x;
    }
    double e = 0;
    for (size_t p = 0; p < n; p++) e += c[p] * cm_g(&X->act, h[p]);
    for (size_t k = 0; k < K; k++) gk[k] = v[k] * cm_dg(&X->act, h[k]);
    const double w2 = W * (e * e + s2);
    for (size_t k = 0; k < K; k++)
      for (size_t l = k; l < K; l++) acc[k * K + l] += w2 * gk[k] * gk[l];
    size_t j = 0;
    while (j < r && ++ci[j] == nn) ci[j++] = 0;
    if (j == r) break;
  }
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++) E[k * K + l] = E[l * K + k] = acc[k * K + l];
  return 0;
}

/* ---- the four expectations ------------------------------------------------------------ */

#define CC(i, j) C[(i)*n + (j)]

/* relu's two-variable terms in closed form (CM-8b): with rho = cos(theta) the correlation of
 * (u, w), E[1{u>0} 1{w>0}] = (pi - theta) / (2 pi) and E[relu(u) relu(w)] = sqrt(C_uu C_ww)
 * (sin theta + (pi - theta) cos theta) / (2 pi).  A variable of zero variance goes to the
 * quadrature, which handles it exactly. */
static double relu_theta(double cuu, double cww, double cuw)
{
  double r = cuw / sqrt(cuu * cww);
  return acos(r > 1 ? 1 : r < -1 ? -1 : r);
}

static int relu_closed(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b)
{
  return X->act.kind == CM_ACT_RELU && X->closed_form && CC(a, a) > 0 && CC(b, b) > 0;
}

static int linear_closed(const struct cm_expect *X)
{
  return X->act.kind == CM_ACT_LINEAR && X->closed_form;
}

double cm_i2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b)
{
  if (linear_closed(X)) return CC(a, b);
  if (X->act.kind == CM_ACT_ERF && X->closed_form)
    return TWO_PI_INV * asin(CC(a, b) / sqrt((1 + CC(a, a)) * (1 + CC(b, b))));
  if (relu_closed(X, C, n, a, b)) {
    double th = relu_theta(CC(a, a), CC(b, b), CC(a, b));
    return sqrt(CC(a, a) * CC(b, b)) * (sin(th) + (M_PI - th) * cos(th)) / (2 * M_PI);
  }
  size_t idx[2] = {a, b};
  return quad(X, C, n, idx, 2, TERM_I2, NULL);
}

double cm_j2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b)
{
  if (linear_closed(X)) return 1;
  if (X->act.kind == CM_ACT_ERF && X->closed_form)
    return TWO_PI_INV / sqrt((1 + CC(a, a)) * (1 + CC(b, b)) - CC(a, b) * CC(a, b));
  if (relu_closed(X, C, n, a, b))
    return (M_PI - relu_theta(CC(a, a), CC(b, b), CC(a, b))) / (2 * M_PI);
  size_t idx[2] = {a, b};
  return quad(X, C, n, idx, 2, TERM_J2, NULL);
}

void cm_pair(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b, double *sa,
             double *sb)
{
  if (X->act.kind == CM_ACT_ERF && X->closed_form) {
    /* Saad-Solla I3 = E[g'(u) x g(w)] is linear in Cov(x, u), Cov(x, w): its two
     * coefficients are the Stein coefficients (CM-8). */
    double L3 = (1 + CC(a, a)) * (1 + CC(b, b)) - CC(a, b) * CC(a, b);
    double beta = TWO_PI_INV / sqrt(L3), alpha = -beta * CC(a, b) / (1 + CC(a, a));
    if (a == b) *sa = alpha + beta, *sb = 0;
    else *sa = alpha, *sb = beta;
    return;
  }
  if (linear_closed(X)) { /* f = h_b: E[X h_b] = Cov(X, h_b) */
    if (a == b) *sa = 1, *sb = 0;
    else *sa = 0, *sb = 1;
    return;
  }
  if (relu_closed(X, C, n, a, b)) {
    /* f = 1{u>0} relu(w): s_b = E[1{u>0} 1{w>0}], s_a = E[delta(u) relu(w)] = p_u(0)
     * E[relu(w) | u = 0] = sqrt(C_ww (1 - rho^2)) / (2 pi sqrt(C_uu)); u = w: f = relu(u). */
    if (a == b) {
      *sa = 0.5, *sb = 0;
      return;
    }
    double th = relu_theta(CC(a, a), CC(b, b), CC(a, b));
    *sb = (M_PI - th) / (2 * M_PI);
    *sa = sqrt(CC(b, b)) * sin(th) / (2 * M_PI * sqrt(CC(a, a)));
    return;
  }
  size_t idx[2] = {a, b};
  double s[2];
  quad(X, C, n, idx, 2, TERM_PAIR, s);
  *sa = s[0];
  *sb = s[1];
}

double cm_i4(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b, size_t c,
             size_t e)
{
  if (linear_closed(X)) return CC(c, e);
  if (X->act.kind == CM_ACT_RELU && X->closed_form) return cm_relu_i4(X->quad, C, n, a, b, c, e, NULL);
  if (X->act.kind == CM_ACT_ERF && X->closed_form) { /* Saad & Solla's I4 (CM-8) */
    double L4 = (1 + CC(a, a)) * (1 + CC(b, b)) - CC(a, b) * CC(a, b);
    double L0 = L4 * CC(c, e) - CC(b, c) * CC(b, e) * (1 + CC(a, a)) -
                CC(a, c) * CC(a, e) * (1 + CC(b, b)) + CC(a, b) * CC(a, c) * CC(b, e) +
                CC(a, b) * CC(a, e) * CC(b, c);
    double L1 = L4 * (1 + CC(c, c)) - CC(b, c) * CC(b, c) * (1 + CC(a, a)) -
                CC(a, c) * CC(a, c) * (1 + CC(b, b)) + 2 * CC(a, b) * CC(a, c) * CC(b, c);
    double L2 = L4 * (1 + CC(e, e)) - CC(b, e) * CC(b, e) * (1 + CC(a, a)) -
                CC(a, e) * CC(a, e) * (1 + CC(b, b)) + 2 * CC(a, b) * CC(a, e) * CC(b, e);
    double arg = L0 / sqrt(L1 * L2);
    if (arg > 1) arg = 1; /* rounding when h_c = h_e exactly */
    if (arg < -1) arg = -1;
    return TWO_PI_INV * TWO_PI_INV / sqrt(L4) * asin(arg);
  }
  size_t idx[4] = {a, b, c, e};
  return quad(X, C, n, idx, 4, TERM_I4, NULL);
}
