/* committee_relu.c — relu's noise term E_kl = E[delta_k delta_l] in closed form up to one
 * smooth 1-D integral (docs/theory/committee.md CM-10).  Every term of CM-7 is
 *   F = E[h_c h_e 1{h_s > 0 for s in S}],   S = {a, b, c, e} (g' = step, g = h step),
 * a truncated second moment over an orthant.  Stein's lemma twice turns it into orthant
 * probabilities of at most |S| variables, conditioned on up to two of them at zero (CM-10a);
 * those of 1, 2, 3 variables are arcsines, the one of 4 variables is Plackett's integral of
 * its derivatives along R(s) = I + s (R - I) (CM-10b), done by a tanh-sinh rule, which keeps
 * its spectral rate when R is nearly singular (the singularities sit at s = 1). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ode/committee.h"

#define INV_2PI      0.15915494309189533577 /* 1 / (2 pi) */
#define INV_SQRT_2PI 0.39894228040143267794

/* Two variables closer than this in correlation are one variable (times a scale): the
 * formulas below divide by 1 - rho^2, whose rounding error grows like 1e-16 / (1 - rho^2),
 * while merging errs by O(sqrt(1 - rho)): measured, both stay below ~3e-7 on either side
 * of 1e-12 (CM-10c). */
#define TIE 1e-12

int cm_tanh_sinh_init(struct cm_quad *q, double h)
{
  /* s = 1 / (1 + exp(-pi sinh t)) on t = j h, |t| <= 3.3 (where 1 - s = 3e-19 and the weight
   * is 1e-17 of its peak; ties, CM-10c, keep the integrand below 1e6 there); 1 - s is kept
   * separately, as the integrand needs it exactly near s = 1. */
  size_t m = (size_t)(3.3 / h);
  q->n_ts = 2 * m + 1;
  q->ts_s = malloc(3 * q->n_ts * sizeof(double));
  if (!q->ts_s) return -1;
  q->ts_c = q->ts_s + q->n_ts;
  q->ts_w = q->ts_c + q->n_ts;
  for (size_t i = 0; i < q->n_ts; i++) {
    double t = ((double)i - (double)m) * h, u = M_PI * sinh(t);
    double s = 1 / (1 + exp(-u)), c = 1 / (1 + exp(u));
    q->ts_s[i] = s;
    q->ts_c[i] = c;
    q->ts_w[i] = h * M_PI * cosh(t) * s * c;
  }
  return 0;
}

static double clamp1(double r) { return r > 1 ? 1 : r < -1 ? -1 : r; }

/* P(x > 0) for x ~ N(0, R), R a 4 x 4 correlation matrix (CM-10b). */
double cm_orthant4(const struct cm_quad *q, const double R[4][4])
{
  static const int pr[6][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2},
                               {1, 2, 0, 3}, {1, 3, 0, 2}, {2, 3, 0, 1}};
  double base = 1.0 / 16, acc = 0;
  for (int p = 0; p < 6; p++) base += asin(R[pr[p][0]][pr[p][1]]) / (8 * M_PI);
  for (size_t t = 0; t < q->n_ts; t++) {
    const double s = q->ts_s[t], cs = q->ts_c[t];
    double f = 0;
    for (int p = 0; p < 6; p++) {
      const int i = pr[p][0], j = pr[p][1], k = pr[p][2], l = pr[p][3];
      const double rho = R[i][j];
      if (rho == 0) continue;
      /* 1 - s rho and 1 + s rho without cancellation near s = 1 */
      const double ar = fmin(fabs(rho), 1), om = (1 - ar) + ar * cs, op = 1 + ar * s;
      const double m = s * rho, det = om * op; /* 1 - m^2 */
      const double ki = s * R[k][i], kj = s * R[k][j], li = s * R[l][i], lj = s * R[l][j];
      const double num = s * R[k][l] * det - (ki * li + kj * lj - m * (ki * lj + kj * li));
      const double vk = det - (ki * ki + kj * kj - 2 * m * ki * kj);
      const double vl = det - (li * li + lj * lj - 2 * m * li * lj);
      const double r = vk > 0 && vl > 0 ? clamp1(num / sqrt(vk * vl)) : 0;
      f += rho * asin(r) / sqrt(det);
    }
    acc += q->ts_w[t] * f;
  }
  return base + acc * INV_2PI * INV_2PI;
}

/* Orthant probability of the m <= 4 variables idx of the covariance V (dim x dim). */
static double orthant(const struct cm_quad *q, const double *V, size_t dim, const size_t *idx,
                      size_t m)
{
  double R[4][4];
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) {
      double den = V[idx[i] * dim + idx[i]] * V[idx[j] * dim + idx[j]];
      R[i][j] = i == j ? 1 : den > 0 ? clamp1(V[idx[i] * dim + idx[j]] / sqrt(den)) : 0;
    }
  switch (m) {
  case 0: return 1;
  case 1: return 0.5;
  case 2: return 0.25 + asin(R[0][1]) * INV_2PI;
  case 3: return 0.125 + (asin(R[0][1]) + asin(R[0][2]) + asin(R[1][2])) / (4 * M_PI);
  default: return cm_orthant4(q, R);
  }
}

/* The covariance of V (dim x dim) given x_j = 0: the Schur complement, in place into W. */
static void condition(const double *V, size_t dim, size_t j, double *W)
{
  const double vjj = V[j * dim + j];
  for (size_t a = 0; a < dim; a++)
    for (size_t b = 0; b < dim; b++)
      W[a * dim + b] = vjj > 0 ? V[a * dim + b] - V[a * dim + j] * V[j * dim + b] / vjj : 0;
}

/* F = E[x_c x_e 1{x > 0}] for x ~ N(0, V) of m <= 4 distinct variables (CM-10a):
 *   F = V_ce P(S) + sum_j V_cj phi_j(0) G_j,
 *   G_j = E[x_e 1{x_{S\j} > 0} | x_j = 0] = sum_{k != j} V'_ek phi'_k(0) P(S\{j,k} | x_j = x_k = 0)
 * (Stein's lemma on x_c, then on x_e under the conditional law V' = V | x_j = 0). */
static double truncated_moment(const struct cm_quad *q, const double *V, size_t m, size_t c,
                               size_t e, double p_all)
{
  double F = V[c * m + e] * p_all;
  for (size_t j = 0; j < m; j++) {
    if (j == e || V[c * m + j] == 0) continue;
    double V1[16], V2[16], G = 0;
    condition(V, m, j, V1);
    for (size_t k = 0; k < m; k++) {
      if (k == j || V1[e * m + k] == 0 || !(V1[k * m + k] > 0)) continue;
      size_t rest[2], nr = 0;
      for (size_t t = 0; t < m; t++)
        if (t != j && t != k) rest[nr++] = t;
      condition(V1, m, k, V2);
      double P = nr == 0 ? 1 : nr == 1 ? 0.5 : orthant(q, V2, m, rest, 2);
      G += V1[e * m + k] * INV_SQRT_2PI / sqrt(V1[k * m + k]) * P;
    }
    F += V[c * m + j] * INV_SQRT_2PI / sqrt(V[j * m + j]) * G;
  }
  return F;
}

/* E[g'(h_a) g'(h_b) g(h_c) g(h_e)] for relu; p4 (may be NULL) caches the orthant
 * probability of the four when they are distinct and not tied. */
double cm_relu_i4(const struct cm_quad *q, const double *C, size_t n, size_t a, size_t b, size_t c,
                  size_t e, double *p4)
{
  const size_t slot[4] = {a, b, c, e};
  size_t var[4], m = 0, at[4];
  double scale[4]; /* h_slot = scale * x_var */
  for (size_t s = 0; s < 4; s++) {
    const size_t i = slot[s];
    const double cii = C[i * n + i];
    if (!(cii > 0)) return 0; /* h_i = 0: g'(0) = g(0) = 0 */
    size_t p = 0;
    for (; p < m; p++) {
      const size_t r = var[p];
      const double rho = C[i * n + r] / sqrt(cii * C[r * n + r]);
      if (rho <= -1 + TIE) return 0; /* h_i = -alpha h_r: never both positive */
      if (rho >= 1 - TIE) break;     /* h_i = alpha h_r: the same step */
    }
    if (p == m) var[m++] = i;
    at[s] = p;
    scale[s] = sqrt(cii / C[var[p] * n + var[p]]);
  }
  double V[16];
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) V[i * m + j] = C[var[i] * n + var[j]];
  const size_t all[4] = {0, 1, 2, 3};
  double P;
  if (m == 4 && p4) {
    if (isnan(*p4)) *p4 = orthant(q, V, 4, all, 4);
    P = *p4;
  } else P = orthant(q, V, m, all, m);
  return scale[2] * scale[3] * truncated_moment(q, V, m, at[2], at[3], P);
}

/* Index of the 4-subset {p0 < p1 < p2 < p3} of 0..n-1 in the combinatorial number system. */
static size_t choose(size_t x, size_t k)
{
  size_t r = 1;
  for (size_t i = 1; i <= k; i++) r = r * (x + 1 - i) / i;
  return x < k ? 0 : r;
}

static size_t subset_index(size_t a, size_t b, size_t c, size_t e)
{
  size_t v[4] = {a, b, c, e};
  for (int i = 1; i < 4; i++) /* insertion sort */
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      size_t t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  if (v[0] == v[1] || v[1] == v[2] || v[2] == v[3]) return SIZE_MAX;
  return choose(v[0], 1) + choose(v[1], 2) + choose(v[2], 3) + choose(v[3], 4);
}

#define CM_MAX_SUBSETS 1820 /* C(16, 4) */

int cm_relu_delta_moments(const struct cm_expect *X, const double *C, size_t n, size_t K,
                          const double *c, const double *v, double s2, double *E)
{
  double cache[CM_MAX_SUBSETS];
  const size_t ns = choose(n, 4);
  for (size_t i = 0; i < ns; i++) cache[i] = NAN;
  int ok = 1;
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++) {
      double acc = 0;
      for (size_t p = 0; p < n; p++)
        for (size_t r = p; r < n; r++) {
          if (c[p] == 0 || c[r] == 0) continue;
          size_t id = subset_index(k, l, p, r);
          double t = cm_relu_i4(X->quad, C, n, k, l, p, r, id == SIZE_MAX ? NULL : cache + id);
          acc += (p == r ? 1 : 2) * c[p] * c[r] * t;
        }
      if (s2 != 0) acc += s2 * cm_j2(X, C, n, k, l);
      E[k * K + l] = E[l * K + k] = v[k] * v[l] * acc;
      ok = ok && isfinite(acc);
    }
  return ok ? 0 : -1;
}
