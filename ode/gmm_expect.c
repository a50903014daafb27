/* gmm_expect.c — the Gaussian class expectations of gmm.md §2.3,
 *   a_c = E grad f,  H_c = E Hess f,  I_c = E grad f grad f^T,  R_c = E f,
 * at r ~ N(m_c, S_c), for every loss, plus the classification error of §1.4.  Theory and
 * simulation both read their risk through these routines (gmm.md §1.4: "use the same
 * expectation routine as the ODE"), so quadrature error never shows up as a theory-vs-MC
 * gap.
 *
 *   least squares (q = 1)   closed form                         (table §2.3, row 1)
 *   one-hot least squares   closed form, any l                  (row 2)
 *   binary logistic         1-D: Gauss-Hermite while s <= 2, composite Gauss-Legendre
 *                           on [-40, 40] with closed-form tails beyond (row 3)
 *   softmax cross-entropy   tensor Gauss-Hermite on the shift-reduced covariance
 *                           P S P, P = I - 11^T/q, for q - 1 <= 4 dimensions; beyond, a
 *                           fixed 4096-point QMC set on a Helmert-Cholesky factor (row 4)
 *
 * Quadrature rules come from Golub-Welsch (LAPACKE_dstev on the Jacobi matrix), computed
 * once per plan, rather than from tables. */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode/gmm_limit.h"

/* Above this variance the 1-D rule switches from Gauss-Hermite to panels: measured
 * against a 4e5-point reference, 64-node Gauss-Hermite errs by 5e-10 at s = 4, 2e-9 at
 * s = 10 and 2e-6 at s = 24 (gmm.md §2.3 saw the same), the panels by < 1e-12 at any s. */
#define WIDE_S    2.0
#define LOGIT_CUT 40.0 /* sigma(-40) = 4e-18: beyond +-40 the logistic functions are affine */

/* ---- quadrature rules --------------------------------------------------------------- */

/* Golub-Welsch: nodes = eigenvalues of the symmetric tridiagonal Jacobi matrix with
 * off-diagonal beta_k, weights = mu0 * (first eigenvector component)^2. */
static int golub_welsch(size_t n, double (*beta)(size_t k), double mu0, double *x, double *w)
{
  double *e = calloc(n, sizeof *e), *z = malloc(n * n * sizeof *z);
  for (size_t k = 0; k < n; k++) x[k] = 0.0;
  for (size_t k = 1; k < n; k++) e[k - 1] = beta(k);
  int info = LAPACKE_dstev(LAPACK_COL_MAJOR, 'V', (lapack_int)n, x, e, z, (lapack_int)n);
  for (size_t k = 0; k < n && info == 0; k++) w[k] = mu0 * z[k * n] * z[k * n];
  free(e);
  free(z);
  return info;
}

static double beta_hermite(size_t k) { return sqrt(0.5 * (double)k); }
static double beta_legendre(size_t k)
{
  double kk = (double)k;
  return kk / sqrt(4 * kk * kk - 1);
}

/* Gauss-Hermite nodes per dimension of the softmax rule, k = q - 1 reduced dimensions:
 * 64 / 40 / 16 / 10 (64^1 ... 10^4 = 1e4 points at most). */
static size_t auto_dim_nodes(size_t k) { return k <= 1 ? 64 : k == 2 ? 40 : k == 3 ? 16 : 10; }

/* Halton points (bases: the first primes) mapped pairwise by Box-Muller: a fixed,
 * deterministic normal point set for the multi-class error. */
static void qmc_normals(double *out, size_t q)
{
  size_t dims = q + (q & 1);
  unsigned primes[GMM_MAX_Q + 2];
  size_t np = 0;
  for (unsigned c = 2; np < dims; c++) {
    int prime = 1;
    for (size_t j = 0; j < np && primes[j] * primes[j] <= c; j++)
      if (c % primes[j] == 0) prime = 0;
    if (prime) primes[np++] = c;
  }
  for (size_t n = 0; n < GMM_ERROR_POINTS; n++) {
    for (size_t j = 0; j < dims; j += 2) {
      double u[2];
      for (size_t h = 0; h < 2; h++) {
        double f = 1, v = 0;
        for (size_t i = n + 1; i > 0; i /= primes[j + h]) {
          f /= primes[j + h];
          v += f * (double)(i % primes[j + h]);
        }
        u[h] = v;
      }
      double rad = sqrt(-2 * log(u[0]));
      out[n * q + j] = rad * cos(2 * M_PI * u[1]);
      if (j + 1 < q) out[n * q + j + 1] = rad * sin(2 * M_PI * u[1]);
    }
  }
}

int gmm_quad_init(struct gmm_quad *Q, long nodes, size_t q, char *msg, size_t len)
{
  memset(Q, 0, sizeof *Q);
  Q->auto_rule = nodes == 0;
  Q->tensor_max_dim = GMM_MAX_QUAD_DIM;
  size_t n_multi = nodes > 0 ? (size_t)nodes : auto_dim_nodes(q > 1 ? q - 1 : 1);
  size_t n_rule[2] = {nodes > 0 ? (size_t)nodes : 64, n_multi};
  for (int r = 0; r < 2; r++) {
    Q->n_gh[r] = n_rule[r];
    Q->gh_x[r] = malloc(n_rule[r] * sizeof(double));
    Q->gh_w[r] = malloc(n_rule[r] * sizeof(double));
    if (golub_welsch(n_rule[r], beta_hermite, 1.0, Q->gh_x[r], Q->gh_w[r]) != 0) {
      snprintf(msg, len, "Gauss-Hermite rule with %zu nodes failed (LAPACKE_dstev)", n_rule[r]);
      return -1;
    }
  }
  Q->n_gl = 16;
  Q->gl_x = malloc(Q->n_gl * sizeof(double));
  Q->gl_w = malloc(Q->n_gl * sizeof(double));
  if (golub_welsch(Q->n_gl, beta_legendre, 2.0, Q->gl_x, Q->gl_w) != 0) {
    snprintf(msg, len, "Gauss-Legendre rule failed (LAPACKE_dstev)");
    return -1;
  }
  if (q > 1) {
    Q->qmc = malloc(GMM_ERROR_POINTS * q * sizeof(double));
    qmc_normals(Q->qmc, q);
  }
  return 0;
}

void gmm_quad_free(struct gmm_quad *Q)
{
  for (int r = 0; r < 2; r++) {
    free(Q->gh_x[r]);
    free(Q->gh_w[r]);
  }
  free(Q->gl_x);
  free(Q->gl_w);
  free(Q->qmc);
  memset(Q, 0, sizeof *Q);
}

/* ---- binary logistic (1-D) ---------------------------------------------------------- */

static double sigmoid(double r) { return r >= 0 ? 1 / (1 + exp(-r)) : exp(r) / (1 + exp(r)); }
static double softplus(double r) { return log1p(exp(-fabs(r))) + fmax(r, 0.0); }

/* The four logistic functionals at one point, weighted: E sigma, E sigma sigma-bar,
 * E (sigma - y)^2, E softplus. */
static void logistic_point(double r, double y, double wt, double acc[4])
{
  double s = sigmoid(r), sb = sigmoid(-r);
  acc[0] += wt * s;
  acc[1] += wt * s * sb;
  acc[2] += wt * (s - y) * (s - y);
  acc[3] += wt * softplus(r);
}

static double Phi(double z) { return 0.5 * erfc(-z / M_SQRT2); }
static double phi(double z) { return exp(-0.5 * z * z) / sqrt(2 * M_PI); }

/* Wide Gaussians (s > WIDE_S): Gauss-Legendre panels of width <= 2 on
 * [-LOGIT_CUT, LOGIT_CUT] cut to m +- 10 sqrt(s), and the tails in closed form, where
 * sigma is 0 or 1, sigma sigma-bar is 0 and softplus is 0 or r (error < 1e-17). */
static void logistic_wide(const struct gmm_quad *Q, double m, double s, double y, double acc[4])
{
  double sd = sqrt(s), lo = fmax(-LOGIT_CUT, m - 10 * sd), hi = fmin(LOGIT_CUT, m + 10 * sd);
  if (hi > lo) {
    size_t panels = (size_t)ceil((hi - lo) / 2.0);
    double h = (hi - lo) / (double)panels;
    for (size_t k = 0; k < panels; k++) {
      double c = lo + (k + 0.5) * h;
      for (size_t j = 0; j < Q->n_gl; j++) {
        double r = c + 0.5 * h * Q->gl_x[j];
        logistic_point(r, y, 0.5 * h * Q->gl_w[j] * phi((r - m) / sd) / sd, acc);
      }
    }
  }
  double zu = (fmax(hi, -LOGIT_CUT) - m) / sd, zl = (fmin(lo, LOGIT_CUT) - m) / sd;
  double pu = Phi(-zu), pl = Phi(zl); /* P(r > upper cut), P(r < lower cut) */
  double ru = m * pu + sd * phi(zu);  /* E[r; r > upper cut] */
  acc[0] += pu;
  acc[2] += pu * (1 - y) * (1 - y) + pl * y * y;
  acc[3] += ru;
}

static void logistic_expect(const struct gmm_quad *Q, double m, double s, double y,
                            struct gmm_expect *E)
{
  double acc[4] = {0, 0, 0, 0};
  if (s > WIDE_S && Q->auto_rule) {
    logistic_wide(Q, m, s, y, acc);
  } else {
    double sc = sqrt(2 * fmax(s, 0.0));
    for (size_t k = 0; k < Q->n_gh[0]; k++)
      logistic_point(m + sc * Q->gh_x[0][k], y, Q->gh_w[0][k], acc);
  }
  E->a[0] = acc[0] - y;
  E->H[0] = acc[1];
  E->G2[0] = acc[2];
  E->R = acc[3] - y * m;
}

/* ---- softmax cross-entropy (tensor Gauss-Hermite on the reduced covariance) ---------- */

/* Symmetric eigen-decomposition by cyclic Jacobi rotations: A (q x q, row-major, destroyed)
 * -> eigenvalues ev, eigenvectors in the columns of Z.  Small q only; used instead of
 * LAPACK's dsyev because it is called per class per right-hand side, where OpenBLAS's
 * threading costs more than the work (and it keeps the bits independent of BLAS). */
static void jacobi_eigen(double *A, size_t q, double *ev, double *Z)
{
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < q; j++) Z[i * q + j] = i == j ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 60; sweep++) {
    double off = 0, tot = 0;
    for (size_t i = 0; i < q; i++)
      for (size_t j = 0; j < q; j++) {
        tot += A[i * q + j] * A[i * q + j];
        if (i != j) off += A[i * q + j] * A[i * q + j];
      }
    if (off <= 1e-30 * tot || off == 0) break;
    for (size_t p = 0; p < q; p++)
      for (size_t r = p + 1; r < q; r++) {
        double apr = A[p * q + r];
        if (apr == 0) continue;
        double theta = (A[r * q + r] - A[p * q + p]) / (2 * apr);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < q; k++) { /* A <- A G (columns p, r) */
          double akp = A[k * q + p], akr = A[k * q + r];
          A[k * q + p] = c * akp - s * akr;
          A[k * q + r] = s * akp + c * akr;
        }
        for (size_t k = 0; k < q; k++) { /* A <- G^T A (rows p, r) */
          double apk = A[p * q + k], ark = A[r * q + k];
          A[p * q + k] = c * apk - s * ark;
          A[r * q + k] = s * apk + c * ark;
        }
        for (size_t k = 0; k < q; k++) {
          double zkp = Z[k * q + p], zkr = Z[k * q + r];
          Z[k * q + p] = c * zkp - s * zkr;
          Z[k * q + r] = s * zkp + c * zkr;
        }
      }
  }
  for (size_t i = 0; i < q; i++) ev[i] = A[i * q + i];
}

/* Directions of N(m, S) that carry variance: S = sum_j ev_j v_j v_j^T with ev_j > tiny.
 * Writes L[j*q + i] = sqrt(gh_scale ev_j) v_j[i] (gh_scale = 2 for Gauss-Hermite nodes,
 * 1 for standard normals); returns the count k. */
static size_t factor_cov(const double *S, size_t q, double gh_scale, double *L)
{
  double A[GMM_MAX_Q * GMM_MAX_Q], Z[GMM_MAX_Q * GMM_MAX_Q], ev[GMM_MAX_Q];
  memcpy(A, S, q * q * sizeof(double));
  jacobi_eigen(A, q, ev, Z);
  double top = 0;
  for (size_t j = 0; j < q; j++) top = fmax(top, ev[j]);
  size_t k = 0;
  for (size_t j = 0; j < q; j++) {
    if (!(ev[j] > 1e-13 * top) || !(ev[j] > 1e-300)) continue;
    double sc = sqrt(gh_scale * ev[j]);
    for (size_t i = 0; i < q; i++) L[k * q + i] = sc * Z[i * q + j];
    k++;
  }
  return k;
}

/* Moments of the softmax over a weighted point set: sum_n w_n pi(r_n), pi pi^T, and
 * lse(r_n) - r_c, folded into the class expectations at the end. */
struct softmax_acc {
  double pi[GMM_MAX_Q], pp[GMM_MAX_Q * GMM_MAX_Q], R;
};

static void softmax_point(const double *r, size_t q, size_t c, double wt, struct softmax_acc *S)
{
  double pi[GMM_MAX_Q], mx = r[0], z = 0;
  for (size_t i = 1; i < q; i++) mx = fmax(mx, r[i]);
  for (size_t i = 0; i < q; i++) z += (pi[i] = exp(r[i] - mx));
  for (size_t i = 0; i < q; i++) pi[i] /= z;
  S->R += wt * (mx + log(z) - r[c]);
  for (size_t i = 0; i < q; i++) {
    S->pi[i] += wt * pi[i];
    for (size_t j = 0; j < q; j++) S->pp[i * q + j] += wt * pi[i] * pi[j];
  }
}

/* Cholesky factor of B^T S B, B the Helmert basis of the complement of 1 (q x (q-1)),
 * returned as M = B L (q x (q-1), row-major): continuous in S (pivots clamped at 0), so a
 * fixed point set gives a smooth right-hand side, unlike eigenvectors, which may rotate. */
static void helmert_cholesky(const double *S, size_t q, double *M)
{
  const size_t k = q - 1;
  double B[GMM_MAX_Q * GMM_MAX_Q], T[GMM_MAX_Q * GMM_MAX_Q], Sr[GMM_MAX_Q * GMM_MAX_Q],
      L[GMM_MAX_Q * GMM_MAX_Q];
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < k; j++) {
      double jj = (double)(j + 1), nrm = 1 / sqrt(jj * (jj + 1));
      B[i * k + j] = i <= j ? nrm : i == j + 1 ? -jj * nrm : 0.0;
    }
  for (size_t i = 0; i < q; i++) /* T = S B */
    for (size_t j = 0; j < k; j++) {
      double v = 0;
      for (size_t h = 0; h < q; h++) v += S[i * q + h] * B[h * k + j];
      T[i * k + j] = v;
    }
  for (size_t i = 0; i < k; i++) /* Sr = B^T S B */
    for (size_t j = 0; j < k; j++) {
      double v = 0;
      for (size_t h = 0; h < q; h++) v += B[h * k + i] * T[h * k + j];
      Sr[i * k + j] = v;
    }
  memset(L, 0, k * k * sizeof(double));
  for (size_t j = 0; j < k; j++) {
    double dg = Sr[j * k + j];
    for (size_t h = 0; h < j; h++) dg -= L[j * k + h] * L[j * k + h];
    if (!(dg > 1e-14 * (fabs(Sr[j * k + j]) + 1e-300))) continue; /* a null direction */
    L[j * k + j] = sqrt(dg);
    for (size_t i = j + 1; i < k; i++) {
      double v = Sr[i * k + j];
      for (size_t h = 0; h < j; h++) v -= L[i * k + h] * L[j * k + h];
      L[i * k + j] = v / L[j * k + j];
    }
  }
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < k; j++) {
      double v = 0;
      for (size_t h = j; h < k; h++) v += B[i * k + h] * L[h * k + j];
      M[i * k + j] = v;
    }
}

static void softmax_expect(const struct gmm_limit *L, size_t c, const double *m, const double *S,
                           struct gmm_expect *E)
{
  const size_t q = L->q;
  const struct gmm_quad *Q = &L->quad;
  /* shift reduction: f, grad f and Hess f are invariant under r -> r + t 1 */
  double mbar = 0, mp[GMM_MAX_Q], r[GMM_MAX_Q];
  for (size_t i = 0; i < q; i++) mbar += m[i] / (double)q;
  for (size_t i = 0; i < q; i++) mp[i] = m[i] - mbar;
  struct softmax_acc acc;
  memset(&acc, 0, sizeof acc);
  if (q - 1 <= Q->tensor_max_dim) {
    /* tensor Gauss-Hermite over the variance-carrying directions of P S P */
    double Sp[GMM_MAX_Q * GMM_MAX_Q], rowm[GMM_MAX_Q], allm = 0, F[GMM_MAX_Q * GMM_MAX_Q];
    for (size_t i = 0; i < q; i++) {
      rowm[i] = 0;
      for (size_t j = 0; j < q; j++) rowm[i] += S[i * q + j] / (double)q;
      allm += rowm[i] / (double)q;
    }
    for (size_t i = 0; i < q; i++)
      for (size_t j = 0; j < q; j++) Sp[i * q + j] = S[i * q + j] - rowm[i] - rowm[j] + allm;
    size_t k = factor_cov(Sp, q, 2.0, F), n = Q->n_gh[1], total = 1;
    if (k > q - 1) k = q - 1; /* rounding: P S P has rank <= q - 1 */
    for (size_t j = 0; j < k; j++) total *= n;
    for (size_t idx = 0; idx < total; idx++) {
      double wt = 1;
      size_t rem = idx;
      memcpy(r, mp, q * sizeof(double));
      for (size_t j = 0; j < k; j++) {
        size_t node = rem % n;
        rem /= n;
        wt *= Q->gh_w[1][node];
        for (size_t i = 0; i < q; i++) r[i] += F[j * q + i] * Q->gh_x[1][node];
      }
      softmax_point(r, q, c, wt, &acc);
    }
  } else {
    /* beyond tensor_max_dim dimensions: the fixed QMC point set (Halton + Box-Muller),
     * r = P m + B L z with the Helmert-Cholesky factor */
    double M[GMM_MAX_Q * GMM_MAX_Q];
    const size_t k = q - 1;
    helmert_cholesky(S, q, M);
    for (size_t n = 0; n < GMM_ERROR_POINTS; n++) {
      const double *z = Q->qmc + n * q;
      for (size_t i = 0; i < q; i++) {
        double v = mp[i];
        for (size_t j = 0; j < k; j++) v += M[i * k + j] * z[j];
        r[i] = v;
      }
      softmax_point(r, q, c, 1.0 / GMM_ERROR_POINTS, &acc);
    }
  }
  /* H = E diag(pi) - E pi pi^T;  I = E (pi - e_c)(pi - e_c)^T */
  for (size_t i = 0; i < q; i++) {
    E->a[i] = acc.pi[i] - (i == c ? 1.0 : 0.0);
    for (size_t j = 0; j < q; j++) {
      E->H[i * q + j] = (i == j ? acc.pi[i] : 0.0) - acc.pp[i * q + j];
      E->G2[i * q + j] = acc.pp[i * q + j] - (i == c ? acc.pi[j] : 0.0) -
                         (j == c ? acc.pi[i] : 0.0) + (i == c && j == c ? 1.0 : 0.0);
    }
  }
  E->R = acc.R;
}

/* ---- dispatch ------------------------------------------------------------------------- */

void gmm_expect_class(const struct gmm_limit *L, size_t c, const double *m, const double *S,
                      struct gmm_expect *E)
{
  const size_t q = L->q;
  switch (L->loss) {
  case GMM_LOSS_LS: { /* f = (r - y_c - eps)^2 / 2 */
    double res = m[0] - L->label[c], s2 = L->label_noise * L->label_noise;
    E->a[0] = res;
    E->H[0] = 1;
    E->G2[0] = res * res + S[0] + s2;
    E->R = 0.5 * E->G2[0];
    return;
  }
  case GMM_LOSS_LOGISTIC: logistic_expect(&L->quad, m[0], S[0], L->label[c], E); return;
  case GMM_LOSS_SOFTMAX: softmax_expect(L, c, m, S, E); return;
  case GMM_LOSS_ONEHOT_LS: { /* f = |r - e_c|^2 / 2 */
    double tr = 0;
    for (size_t i = 0; i < q; i++) E->a[i] = m[i] - (i == c ? 1.0 : 0.0);
    for (size_t i = 0; i < q; i++) {
      tr += E->a[i] * E->a[i] + S[i * q + i];
      for (size_t j = 0; j < q; j++) {
        E->H[i * q + j] = i == j ? 1.0 : 0.0;
        E->G2[i * q + j] = E->a[i] * E->a[j] + S[i * q + j];
      }
    }
    E->R = 0.5 * tr;
    return;
  }
  }
}

double gmm_class_error(const struct gmm_limit *L, size_t c, const double *m, const double *S)
{
  const size_t q = L->q;
  if (q == 1) { /* binary: predicted sign of r against the label's side */
    double side = L->loss == GMM_LOSS_LOGISTIC ? (L->label[c] > 0.5 ? 1.0 : -1.0)
                                               : (L->label[c] >= 0 ? 1.0 : -1.0);
    double z = side * m[0];
    if (S[0] > 0) return Phi(-z / sqrt(S[0]));
    return z > 0 ? 0.0 : z < 0 ? 1.0 : 0.5;
  }
  /* multi-class: P(argmax r != c), r = m + S^{1/2} z over the fixed QMC point set; ties
   * count as a uniform pick among the tied outputs */
  double F[GMM_MAX_Q * GMM_MAX_Q];
  size_t k = factor_cov(S, q, 1.0, F);
  double err = 0, r[GMM_MAX_Q];
  for (size_t n = 0; n < GMM_ERROR_POINTS; n++) {
    const double *z = L->quad.qmc + n * q;
    memcpy(r, m, q * sizeof(double));
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < q; i++) r[i] += F[j * q + i] * z[j];
    double mx = r[0];
    for (size_t i = 1; i < q; i++) mx = fmax(mx, r[i]);
    double tol = 1e-12 * (1 + fabs(mx));
    size_t ties = 0;
    for (size_t i = 0; i < q; i++) ties += r[i] >= mx - tol;
    err += r[c] >= mx - tol ? 1.0 - 1.0 / (double)ties : 1.0;
  }
  return err / GMM_ERROR_POINTS;
}
