/* committee_expect.c — the Gaussian expectations of the committee-machine limit
 * (docs/theory/committee.md CM-7..CM-9): closed forms for erf (Saad & Solla's I2, I3, I4),
 * and for any other activation a tensor Gauss-Hermite rule over the distinct
 * pre-activations of the term (at most 4), in the eigenbasis of their covariance so that a
 * singular covariance (two pre-activations equal, a unit at zero) needs no inverse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gauss.h"
#include "ode/committee.h"

#define TWO_PI_INV 0.63661977236758134308 /* 2 / pi */

int cm_quad_init(struct cm_quad *q, size_t nodes)
{
  memset(q, 0, sizeof *q);
  size_t N = nodes ? nodes : 48;
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
  return 0;
}

void cm_quad_free(struct cm_quad *q)
{
  for (int r = 1; r <= 4; r++) {
    free(q->x[r]);
    free(q->w[r]);
  }
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

/* Cyclic Jacobi on a symmetric r x r matrix (r <= 4): eigenvalues e, eigenvectors in the
 * columns of V.  Converges to rounding in a few sweeps at this size. */
static void jacobi(size_t r, double S[4][4], double *e, double V[4][4])
{
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < r; j++) V[i][j] = i == j;
  for (int sweep = 0; sweep < 50; sweep++) {
    double off = 0, diag = 0;
    for (size_t i = 0; i < r; i++) {
      diag += S[i][i] * S[i][i];
      for (size_t j = i + 1; j < r; j++) off += S[i][j] * S[i][j];
    }
    if (off <= 1e-34 * diag || off == 0) break;
    for (size_t p = 0; p < r; p++)
      for (size_t q = p + 1; q < r; q++) {
        if (S[p][q] == 0) continue;
        double theta = (S[q][q] - S[p][p]) / (2 * S[p][q]);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < r; k++) { /* S <- S J */
          double a = S[k][p], b = S[k][q];
          S[k][p] = c * a - s * b;
          S[k][q] = s * a + c * b;
        }
        for (size_t k = 0; k < r; k++) { /* S <- J' S */
          double a = S[p][k], b = S[q][k];
          S[p][k] = c * a - s * b;
          S[q][k] = s * a + c * b;
        }
        for (size_t k = 0; k < r; k++) {
          double a = V[k][p], b = V[k][q];
          V[k][p] = c * a - s * b;
          V[k][q] = s * a + c * b;
        }
      }
  }
  for (size_t i = 0; i < r; i++) e[i] = S[i][i];
}

/* E f(h_idx[0], ..., h_idx[m-1]) by Gauss-Hermite in the eigen-coordinates z of the distinct
 * variables' covariance (h = V diag(sqrt e) z over the directions with e > 0).  With stein, also
 * the Stein coefficient of each distinct variable p, s_p = sum_j V_pj E[z_j f] / sqrt(e_j),
 * for which E[X f] = sum_p s_p Cov(X, h_p) (CM-9); written per slot of idx (the first slot of
 * a repeated variable carries it, the others 0). */
static double quad(const struct cm_expect *X, const double *C, size_t n, const size_t *idx,
                   size_t m, enum cm_term t, double *stein)
{
  size_t dv[4], pos[4], r0 = 0;
  for (size_t s = 0; s < m; s++) {
    size_t p = 0;
    while (p < r0 && dv[p] != idx[s]) p++;
    if (p == r0) dv[r0++] = idx[s];
    pos[s] = p;
  }
  double S[4][4], V[4][4], e[4];
  for (size_t i = 0; i < r0; i++)
    for (size_t j = 0; j < r0; j++) S[i][j] = C[dv[i] * n + dv[j]];
  jacobi(r0, S, e, V);
  double emax = 0;
  for (size_t j = 0; j < r0; j++) emax = fmax(emax, e[j]);
  size_t keep[4], r = 0;
  double sq[4];
  for (size_t j = 0; j < r0; j++)
    if (e[j] > 1e-13 * emax && e[j] > 0) {
      keep[r] = j;
      sq[r++] = sqrt(e[j]);
    }
  double hp[4] = {0, 0, 0, 0}, xs[4], accz[4] = {0, 0, 0, 0}, acc = 0;
  if (r == 0) { /* every variable is 0 almost surely */
    for (size_t s = 0; s < m; s++) xs[s] = 0;
    if (stein)
      for (size_t s = 0; s < m; s++) stein[s] = 0;
    return integrand(&X->act, t, xs);
  }
  const size_t nn = X->quad->n[r];
  const double *qx = X->quad->x[r], *qw = X->quad->w[r];
  size_t c[4] = {0, 0, 0, 0};
  for (;;) {
    double W = 1;
    for (size_t p = 0; p < r0; p++) hp[p] = 0;
    for (size_t j = 0; j < r; j++) {
      double z = qx[c[j]] * sq[j];
      W *= qw[c[j]];
      for (size_t p = 0; p < r0; p++) hp[p] += V[p][keep[j]] * z;
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
  if (stein) {
    for (size_t s = 0; s < m; s++) stein[s] = 0;
    for (size_t p = 0; p < r0; p++) {
      double sp = 0;
      for (size_t j = 0; j < r; j++) sp += V[p][keep[j]] * accz[j] / sq[j];
      size_t s = 0;
      while (pos[s] != p) s++;
      stein[s] = sp;
    }
  }
  return acc;
}

/* ---- the four expectations ------------------------------------------------------------ */

#define CC(i, j) C[(i)*n + (j)]

double cm_i2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b)
{
  if (X->act.kind == CM_ACT_ERF && X->closed_form)
    return TWO_PI_INV * asin(CC(a, b) / sqrt((1 + CC(a, a)) * (1 + CC(b, b))));
  size_t idx[2] = {a, b};
  return quad(X, C, n, idx, 2, TERM_I2, NULL);
}

double cm_j2(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b)
{
  if (X->act.kind == CM_ACT_ERF && X->closed_form)
    return TWO_PI_INV / sqrt((1 + CC(a, a)) * (1 + CC(b, b)) - CC(a, b) * CC(a, b));
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
  size_t idx[2] = {a, b};
  double s[2];
  quad(X, C, n, idx, 2, TERM_PAIR, s);
  *sa = s[0];
  *sb = s[1];
}

double cm_i4(const struct cm_expect *X, const double *C, size_t n, size_t a, size_t b, size_t c,
             size_t e)
{
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
