/* noisy_privacy.c — Renyi privacy-loss dynamics of noisy one-pass SGD
 * (docs/theory/noisy.md §2.5-2.7).
 *
 * Replace-one neighbours: record 1 in D, record 2 in D'.  Before the record's step s both
 * iterates are N(m(s), V(s)) (the homogenized SDE NS-8 with the deterministic risk:
 * m = theta* + mu/sqrt(d), V = diag(c)/d in the eigenbasis).  The step with the record
 * (eta = gamma(s)/d) and the OU propagation to t give Gaussian laws whose covariances
 * differ by rank 2 each (NS-10):
 *   Sigma_j = D_t + U_j C_j U_j^T,  U_j = [E x_j, E V(s) x_j],
 *   D_t = V(t) + E^2 [((1 - eta delta)^2 - 1) V(s) + eta^2 sigma^2],
 *   C_j = [[eta^2 x_j^T V(s) x_j, -eta (1 - eta delta)], [-eta (1 - eta delta), 0]],
 *   Delta = -eta E (r_1 x_1 - r_2 x_2),  r_j = x_j^T (m(s) - theta*) - eps_j,
 * so D_alpha needs only 4x4 algebra over O(d) sums.  The position average is NS-9,
 * integrated in s by composite Simpson.  +inf (never clamped) when Sigma_alpha is not
 * positive definite, with the (s, t) where it happened. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "interrupt.h"
#include "ode/noisy_privacy.h"
#include "rng.h"
#include "spectrum.h"

/* ---- 4x4 algebra ------------------------------------------------------------------ */

static void mat4_mul(const double *A, const double *B, double *C)
{
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0;
      for (int k = 0; k < 4; k++) s += A[4 * i + k] * B[4 * k + j];
      C[4 * i + j] = s;
    }
}

/* Solves M x = b (4x4, partial pivoting); returns -1 if singular. */
static int solve4(const double *Min, const double *bin, double *x, int nrhs)
{
  double M[16], b[16];
  memcpy(M, Min, sizeof M);
  memcpy(b, bin, sizeof b); /* b[4*i + r]: row i, rhs r (nrhs <= 4; bin holds 16) */
  for (int c = 0; c < 4; c++) {
    int p = c;
    for (int r = c + 1; r < 4; r++)
      if (fabs(M[4 * r + c]) > fabs(M[4 * p + c])) p = r;
    if (M[4 * p + c] == 0) return -1;
    if (p != c) {
      for (int k = 0; k < 4; k++) {
        double t = M[4 * c + k];
        M[4 * c + k] = M[4 * p + k];
        M[4 * p + k] = t;
      }
      for (int r = 0; r < nrhs; r++) {
        double t = b[4 * c + r];
        b[4 * c + r] = b[4 * p + r];
        b[4 * p + r] = t;
      }
    }
    for (int r = c + 1; r < 4; r++) {
      double f = M[4 * r + c] / M[4 * c + c];
      for (int k = c; k < 4; k++) M[4 * r + k] -= f * M[4 * c + k];
      for (int q = 0; q < nrhs; q++) b[4 * r + q] -= f * b[4 * c + q];
    }
  }
  for (int q = 0; q < nrhs; q++)
    for (int r = 3; r >= 0; r--) {
      double s = b[4 * r + q];
      for (int k = r + 1; k < 4; k++) s -= M[4 * r + k] * x[4 * k + q];
      x[4 * r + q] = s / M[4 * r + r];
    }
  return 0;
}

/* For Sigma = D + W Cm W^T: log det(Sigma) - log det(D) = log det(I + Cm G), and whether
 * Sigma is positive definite: the eigenvalues of G^1/2 Cm G^1/2 must exceed -1. */
static int lowrank_logdet(const double *Cm, const double *G, double *logdet)
{
  double Q[16], w[4], Gh[16], S[16], T[16];
  memcpy(Q, G, sizeof Q);
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 4, Q, 4, w) != 0) return -1;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0;
      for (int k = 0; k < 4; k++) s += Q[4 * i + k] * sqrt(fmax(w[k], 0.0)) * Q[4 * j + k];
      Gh[4 * i + j] = s;
    }
  mat4_mul(Gh, Cm, T);
  mat4_mul(T, Gh, S);
  for (int i = 0; i < 4; i++) /* symmetrise against rounding */
    for (int j = 0; j < i; j++) S[4 * i + j] = S[4 * j + i] = 0.5 * (S[4 * i + j] + S[4 * j + i]);
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', 4, S, 4, w) != 0) return -1;
  double ld = 0;
  for (int i = 0; i < 4; i++) {
    if (!(1 + w[i] > 0)) return 1; /* not positive definite */
    ld += log1p(w[i]);
  }
  *logdet = ld;
  return 0;
}

/* Delta^T Sigma^-1 Delta = q - h^T (I + Cm G)^-1 Cm h, and W^T Sigma^-1 W (if WSW). */
static int lowrank_inverse(const double *Cm, const double *G, const double *h, double q,
                           double *quad, double *WSW)
{
  double M[16], Ch[4], u[16] = {0}, rhs[16] = {0};
  mat4_mul(Cm, G, M);
  for (int i = 0; i < 4; i++) M[5 * i] += 1;
  for (int i = 0; i < 4; i++) {
    Ch[i] = 0;
    for (int k = 0; k < 4; k++) Ch[i] += Cm[4 * i + k] * h[k];
  }
  /* rhs columns: Cm h, then Cm G (for W^T Sigma^-1 W) */
  double CG[16];
  mat4_mul(Cm, G, CG);
  int nrhs = WSW ? 4 : 1;
  for (int i = 0; i < 4; i++) rhs[4 * i] = Ch[i];
  if (solve4(M, rhs, u, 1) != 0) return -1;
  double s = 0;
  for (int i = 0; i < 4; i++) s += h[i] * u[4 * i];
  *quad = q - s;
  if (WSW) {
    double X[16];
    if (solve4(M, CG, X, nrhs) != 0) return -1; /* X = (I + Cm G)^-1 Cm G */
    double GX[16];
    mat4_mul(G, X, GX);
    for (int i = 0; i < 16; i++) WSW[i] = G[i] - GX[i];
  }
  return 0;
}

double noisy_gauss_renyi_lowrank(double alpha, const double G[16], const double h[4], double q,
                                 const double C1[16], const double C2[16])
{
  double ld1, ld2, q1, q2;
  if (lowrank_logdet(C1, G, &ld1) != 0 || lowrank_logdet(C2, G, &ld2) != 0) return NAN;
  if (alpha == 1) { /* KL = 1/2 [tr(S2^-1 S1) - d + Delta^T S2^-1 Delta + ld2 - ld1] */
    double WSW[16];
    if (lowrank_inverse(C2, G, h, q, &q2, WSW) != 0) return NAN;
    double tr = 0; /* tr(S2^-1 (S1 - S2)) = tr((C1 - C2) W^T S2^-1 W) */
    for (int i = 0; i < 4; i++)
      for (int k = 0; k < 4; k++) tr += (C1[4 * i + k] - C2[4 * i + k]) * WSW[4 * k + i];
    return 0.5 * (tr + q2 + ld2 - ld1);
  }
  double Ca[16], lda, qa;
  for (int i = 0; i < 16; i++) Ca[i] = alpha * C2[i] + (1 - alpha) * C1[i];
  int pd = lowrank_logdet(Ca, G, &lda);
  if (pd != 0) return INFINITY; /* Sigma_alpha not positive definite: D_alpha = +inf */
  if (lowrank_inverse(Ca, G, h, q, &qa, NULL) != 0) return INFINITY;
  (void)q1;
  return 0.5 * alpha * qa - (lda - (1 - alpha) * ld1 - alpha * ld2) / (2 * (alpha - 1));
}

/* Dense reference: Cholesky of each covariance. */
static int chol_logdet(size_t d, double *A, double *logdet)
{
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, A, (lapack_int)d) != 0) return -1;
  double s = 0;
  for (size_t i = 0; i < d; i++) s += 2 * log(A[i * d + i]);
  *logdet = s;
  return 0;
}

double noisy_gauss_renyi_dense(double alpha, size_t d, const double *m1, const double *S1,
                               const double *m2, const double *S2)
{
  size_t n = d * d;
  double *A = malloc(n * sizeof *A), *L1 = malloc(n * sizeof *A), *L2 = malloc(n * sizeof *A);
  double *v = malloc(d * sizeof *v), ld1, ld2, out = NAN;
  memcpy(L1, S1, n * sizeof *A);
  memcpy(L2, S2, n * sizeof *A);
  if (chol_logdet(d, L1, &ld1) || chol_logdet(d, L2, &ld2)) goto done;
  for (size_t i = 0; i < d; i++) v[i] = m1[i] - m2[i];
  if (alpha == 1) { /* KL via S2^-1 */
    memcpy(A, S1, n * sizeof *A);
    LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, (lapack_int)d, L2, (lapack_int)d, A,
                   (lapack_int)d);
    double tr = 0;
    for (size_t i = 0; i < d; i++) tr += A[i * d + i];
    LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, 1, L2, (lapack_int)d, v, 1);
    double qd = 0;
    for (size_t i = 0; i < d; i++) qd += (m1[i] - m2[i]) * v[i];
    out = 0.5 * (tr - (double)d + qd + ld2 - ld1);
    goto done;
  }
  for (size_t i = 0; i < n; i++) A[i] = alpha * S2[i] + (1 - alpha) * S1[i];
  double lda;
  if (chol_logdet(d, A, &lda)) {
    out = INFINITY;
    goto done;
  }
  LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, 1, A, (lapack_int)d, v, 1);
  double qd = 0;
  for (size_t i = 0; i < d; i++) qd += (m1[i] - m2[i]) * v[i];
  out = 0.5 * alpha * qd - (lda - (1 - alpha) * ld1 - alpha * ld2) / (2 * (alpha - 1));
done:
  free(A), free(L1), free(L2), free(v);
  return out;
}

/* ---- D_alpha(s, t) of a pair ------------------------------------------------------ */

/* r_j(s) = x_j^T (m(s) - theta*) - eps_j with the HSGD mean mu_i(s) = phi_g mu_i(0) +
 * psi_g p_i (phi, psi per eigen-group: one exp per group, not per mode) */
static double residual(const struct lsq_limit *P, const double *x, double eps, double s)
{
  double Gs = hd_schedule_integral(s, P->schedule), acc = 0, sd = sqrt((double)P->d);
  double *fp = malloc(2 * P->n_groups * sizeof *fp);
  for (size_t g = 0; g < P->n_groups; g++)
    noisy_mean_factors(P, Gs, P->g_lambda[g], &fp[2 * g], &fp[2 * g + 1]);
  for (size_t i = 0; i < P->d; i++) {
    const double *f = fp + 2 * P->mode_group[i];
    acc += x[i] * (f[0] * noisy_mu0(P, i) + f[1] * sd * P->theta_star[i]);
  }
  free(fp);
  return acc / sd - eps;
}

/* A record's per-group sums A_g = sum_{i in g} x_i mu_i(0), B_g = sum_{i in g} x_i p_i, so
 * that r(s) = (sum_g phi_g(s) A_g + psi_g(s) B_g) / sqrt(d) - eps costs O(groups). */
static void record_sums(const struct lsq_limit *P, const double *x, double *AB)
{
  double sd = sqrt((double)P->d);
  memset(AB, 0, 2 * P->n_groups * sizeof *AB);
  for (size_t i = 0; i < P->d; i++) {
    size_t g = P->mode_group[i];
    AB[2 * g] += x[i] * noisy_mu0(P, i);
    AB[2 * g + 1] += x[i] * sd * P->theta_star[i];
  }
}

/* residuals of both records at s from their sums */
static void residuals_from_sums(const struct lsq_limit *P, const double *AB1, const double *AB2,
                                double eps1, double eps2, double s, double *r1, double *r2)
{
  double Gs = hd_schedule_integral(s, P->schedule), a = 0, b = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double phi, psi;
    noisy_mean_factors(P, Gs, P->g_lambda[g], &phi, &psi);
    a += phi * AB1[2 * g] + psi * AB1[2 * g + 1];
    b += phi * AB2[2 * g] + psi * AB2[2 * g + 1];
  }
  double sd = sqrt((double)P->d);
  *r1 = a / sd - eps1;
  *r2 = b / sd - eps2;
}

/* (NS-11) pieces at (s, t): Lambda(phi) and gamma^2 A.  Returns the spectral D_alpha
 * given the residuals. */
static double spectral_D(const struct lsq_limit *P, double alpha, double s, double t,
                         const double *c_s, const double *c_t, double r1, double r2)
{
  double gam = hd_schedule_lr(s, P->schedule);
  double dG = hd_schedule_integral(t, P->schedule) - hd_schedule_integral(s, P->schedule);
  double A = 0, B = 0, C = 0, E = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], w = P->g_weight[g];
    double e2 = exp(-2 * (lam + P->ridge) * dG);
    A += w * lam * e2 / c_t[g];
    B += w * lam * c_s[g];
    C += w * lam * e2 * c_s[g] / c_t[g];
    E += w * lam * e2 * c_s[g] * c_s[g] / c_t[g];
  }
#define LAMBDA(f) ((1 - (f)*gam * C) * (1 - (f)*gam * C) + (f)*gam * gam * A * (B - (f)*E))
  double L1 = LAMBDA(1.0), g2A = gam * gam * A;
  if (alpha == 1) { /* KL limit */
    double dL1 = -2 * gam * C * (1 - gam * C) + gam * gam * A * (B - 2 * E);
    double dL0 = -2 * gam * C + gam * gam * A * B;
    if (!(L1 > 0)) return INFINITY;
    return 0.5 * g2A * (r1 * r1 + r2 * r2 / L1) - 0.5 * (dL1 / L1 - dL0);
  }
  double La = LAMBDA(alpha), Lb = LAMBDA(1 - alpha);
#undef LAMBDA
  if (!(La > 0) || !(Lb > 0) || !(L1 > 0)) return INFINITY;
  return 0.5 * alpha * g2A * (r1 * r1 / Lb + r2 * r2 / La) -
         (log(Lb) + log(La) - log(L1)) / (2 * (alpha - 1));
}

/* (NS-10) at (s, t), exact in d. */
static double exact_D(const struct lsq_limit *P, const struct noisy_pair *pr, double alpha,
                      double s, double t, const double *c_s, const double *c_t, double r1,
                      double r2)
{
  size_t d = P->d;
  double dd = (double)d, delta = P->ridge, sig = P->noise;
  double eta = hd_schedule_lr(s, P->schedule) / dd;
  double dG = hd_schedule_integral(t, P->schedule) - hd_schedule_integral(s, P->schedule);
  double G[16] = {0}, a11 = 0, a22 = 0, sh = (1 - eta * delta) * (1 - eta * delta) - 1;
  double *eg = malloc(P->n_groups * sizeof *eg);
  for (size_t g = 0; g < P->n_groups; g++) eg[g] = exp(-(P->g_lambda[g] + delta) * dG);
  for (size_t i = 0; i < d; i++) {
    size_t g = P->mode_group[i];
    double e = eg[g];
    double Vs = c_s[g] / dd, Vt = c_t[g] / dd;
    double D = Vt + e * e * (sh * Vs + eta * eta * sig * sig);
    double w[4] = {e * pr->x1[i], e * Vs * pr->x1[i], e * pr->x2[i], e * Vs * pr->x2[i]};
    for (int a = 0; a < 4; a++)
      for (int b = a; b < 4; b++) G[4 * a + b] += w[a] * w[b] / D;
    a11 += pr->x1[i] * Vs * pr->x1[i];
    a22 += pr->x2[i] * Vs * pr->x2[i];
  }
  free(eg);
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < a; b++) G[4 * a + b] = G[4 * b + a];
  double h[4], q;
  for (int a = 0; a < 4; a++) h[a] = -eta * (r1 * G[4 * a] - r2 * G[4 * a + 2]);
  q = eta * eta * (r1 * r1 * G[0] - 2 * r1 * r2 * G[2] + r2 * r2 * G[10]);
  double off = -eta * (1 - eta * delta);
  double C1[16] = {0}, C2[16] = {0};
  C1[0] = eta * eta * a11, C1[1] = C1[4] = off;
  C2[10] = eta * eta * a22, C2[11] = C2[14] = off;
  return noisy_gauss_renyi_lowrank(alpha, G, h, q, C1, C2);
}

double noisy_divergence(const struct lsq_limit *P, const struct noisy_pair *pair, double alpha,
                        double s, double t, const double *c_s, const double *c_t, int exact)
{
  double r1 = residual(P, pair->x1, pair->eps1, s), r2 = residual(P, pair->x2, pair->eps2, s);
  return exact ? exact_D(P, pair, alpha, s, t, c_s, c_t, r1, r2)
               : spectral_D(P, alpha, s, t, c_s, c_t, r1, r2);
}

/* ---- NS-9 ---------------------------------------------------------------------- */

static double log_add(double a, double b)
{
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  double m = fmax(a, b);
  return m + log(exp(a - m) + exp(b - m));
}

/* eps_alpha(t) from D(s_k, t) on the Simpson nodes s_k = t k / N:
 *   (alpha - 1)^-1 log[ (1/T) int_0^t e^{(alpha-1) D} ds + (T - t)/T ],  KL: (1/T) int D. */
static double position_average(double alpha, const double *D, size_t N, double t, double T)
{
  double hstep = t / (double)N;
  if (alpha == 1) {
    double s = 0;
    for (size_t k = 0; k <= N; k++) {
      if (isinf(D[k])) return INFINITY;
      double w = (k == 0 || k == N) ? 1 : (k % 2 ? 4 : 2);
      s += w * D[k];
    }
    return s * hstep / 3 / T;
  }
  double lse = -INFINITY;
  for (size_t k = 0; k <= N; k++) {
    if (isinf(D[k]) && D[k] > 0) return INFINITY;
    double w = (k == 0 || k == N) ? 1 : (k % 2 ? 4 : 2);
    lse = log_add(lse, log(w * hstep / 3) + (alpha - 1) * D[k]);
  }
  double rest = T - t > 0 ? log((T - t) / T) : -INFINITY;
  return log_add(lse - log(T), rest) / (alpha - 1);
}

double noisy_rdp_to_dp(const double *orders, const double *eps, size_t n, double delta)
{
  double best = INFINITY;
  for (size_t k = 0; k < n; k++)
    if (orders[k] > 1) best = fmin(best, eps[k] + log(1 / delta) / (orders[k] - 1));
  return best;
}

struct node_ref {
  double s;
  size_t slot;
};

static int by_time(const void *a, const void *b)
{
  double x = ((const struct node_ref *)a)->s, y = ((const struct node_ref *)b)->s;
  return (x > y) - (x < y);
}

void noisy_privacy_result_free(struct noisy_privacy_result *res)
{
  free(res->t), free(res->eps_exact), free(res->eps_spectral), free(res->eps_dp);
  free(res->s), free(res->r1), free(res->r2);
  memset(res, 0, sizeof *res);
}

int noisy_privacy_curve(const struct lsq_limit *P, const struct noisy_privacy_opts *o,
                        const struct hd_run_params *run, const struct noisy_pair *pair,
                        const double *orders, size_t n_orders, const double *t, size_t n_t,
                        int formula, struct noisy_privacy_result *res, char *msg, size_t msglen)
{
  memset(res, 0, sizeof *res);
  size_t N = o->nodes, G = P->n_groups;
  res->T = (double)o->records / (double)P->d;
  res->n_orders = n_orders;
  memcpy(res->orders, orders, n_orders * sizeof *orders);
  res->t = malloc(n_t * sizeof *res->t);
  for (size_t m = 0; m < n_t; m++)
    if (t[m] > 0 && t[m] <= res->T * (1 + 1e-12)) res->t[res->n_times++] = t[m];
  size_t nt = res->n_times, no = n_orders;
  res->eps_exact = malloc((no * nt + 1) * sizeof(double));
  res->eps_spectral = malloc((no * nt + 1) * sizeof(double));
  res->eps_dp = malloc((nt + 1) * sizeof(double));
  res->n_nodes = N + 1;
  res->s = malloc((N + 1) * sizeof(double));
  res->r1 = malloc((N + 1) * sizeof(double));
  res->r2 = malloc((N + 1) * sizeof(double));
  res->alpha_max = NAN;
  if (G == 1 && P->schedule->kind == HD_SCHEDULE_CONSTANT) {
    double gl = P->schedule->lr * P->g_lambda[0]; /* gamma lambda (the record step eta lambda d) */
    res->alpha_max = 1 / (gl * (2 - gl));
  }
  double *AB1 = malloc(2 * G * sizeof *AB1), *AB2 = malloc(2 * G * sizeof *AB2);
  record_sums(P, pair->x1, AB1);
  record_sums(P, pair->x2, AB2);
  for (size_t k = 0; k <= N; k++) { /* residual profiles on [0, T] */
    res->s[k] = res->T * (double)k / (double)N;
    residuals_from_sums(P, AB1, AB2, pair->eps1, pair->eps2, res->s[k], &res->r1[k], &res->r2[k]);
  }
  /* c(s) at the Simpson nodes of every release time: one CVODE pass per batch of times
   * (the union of their nodes, sorted), the batch sized to keep c under ~160 MB */
  size_t per = (size_t)(2e7 / ((double)(N + 1) * (double)G));
  if (per < 1) per = 1;
  if (per > nt) per = nt ? nt : 1;
  struct node_ref *ref = malloc(per * (N + 1) * sizeof *ref);
  double *uni = malloc(per * (N + 1) * sizeof *uni), *cu = malloc(per * (N + 1) * G * sizeof *cu);
  size_t *where = malloc(per * (N + 1) * sizeof *where);
  double *nodes = malloc((N + 1) * sizeof *nodes), *c = malloc((N + 1) * G * sizeof *c);
  double *Dx = malloc((N + 1) * sizeof *Dx), *Ds = malloc((N + 1) * sizeof *Ds);
  double *R1 = malloc((N + 1) * sizeof *R1), *R2 = malloc((N + 1) * sizeof *R2);
  int rc = 0;
  size_t batch_start = 0, batch_end = 0;
  for (size_t m = 0; m < nt && rc == 0; m++) {
    double tm = res->t[m];
    if (hd_interrupted()) { /* each time costs orders x N nodes x O(d) at nodes = 1e6 */
      snprintf(msg, msglen, "privacy curve interrupted by a signal");
      rc = -1;
      break;
    }
    if (m == batch_end) { /* integrate the next batch of times */
      size_t m1 = m + per < nt ? m + per : nt, nr = 0;
      for (size_t q = m; q < m1; q++)
        for (size_t k = 0; k <= N; k++)
          ref[nr] = (struct node_ref){res->t[q] * (double)k / (double)N, nr}, nr++;
      qsort(ref, nr, sizeof *ref, by_time);
      size_t nu = 0;
      for (size_t r = 0; r < nr; r++) {
        if (nu == 0 || ref[r].s != uni[nu - 1]) uni[nu++] = ref[r].s;
        where[ref[r].slot] = nu - 1;
      }
      if (noisy_variance_path(P, run, uni, nu, cu, NULL, NULL, msg, msglen) != 0) {
        rc = -1;
        break;
      }
      batch_start = m, batch_end = m1;
    }
    for (size_t k = 0; k <= N; k++) {
      nodes[k] = tm * (double)k / (double)N;
      size_t slot = (m - batch_start) * (N + 1) + k;
      memcpy(c + k * G, cu + where[slot] * G, G * sizeof *c);
    }
    const double *c_t = c + N * G;
    for (size_t k = 0; k <= N; k++)
      residuals_from_sums(P, AB1, AB2, pair->eps1, pair->eps2, nodes[k], &R1[k], &R2[k]);
    for (size_t o = 0; o < no && !hd_interrupted(); o++) {
      double a = orders[o];
      for (size_t k = 0; k <= N; k++) {
        double s = nodes[k], r1 = R1[k], r2 = R2[k];
        Dx[k] = formula != 1 ? exact_D(P, pair, a, s, tm, c + k * G, c_t, r1, r2) : NAN;
        Ds[k] = formula != 0 ? spectral_D(P, a, s, tm, c + k * G, c_t, r1, r2) : NAN;
        if (res->reason[0] == '\0' && (isinf(Dx[k]) || isinf(Ds[k])))
          snprintf(res->reason, sizeof res->reason,
                   "alpha = %g: Sigma_alpha not positive definite at s = %.4g, t = %.4g "
                   "(covariance squeeze by the record's own step; isotropic alpha_max = %.4g), "
                   "so eps_alpha = +inf from t = %.4g on; use a smaller order or KL (order 1)",
                   a, s, tm, res->alpha_max, tm);
      }
      res->eps_exact[o * nt + m] = formula != 1 ? position_average(a, Dx, N, tm, res->T) : NAN;
      res->eps_spectral[o * nt + m] = formula != 0 ? position_average(a, Ds, N, tm, res->T) : NAN;
    }
    if (hd_interrupted()) continue; /* stopped part-way: the check above ends the loop */
    double e[NOISY_MAX_ORDERS];
    for (size_t o = 0; o < no; o++)
      e[o] = formula != 1 ? res->eps_exact[o * nt + m] : res->eps_spectral[o * nt + m];
    res->eps_dp[m] = noisy_rdp_to_dp(orders, e, no, o->delta);
  }
  free(nodes), free(c), free(Dx), free(Ds), free(R1), free(R2);
  free(ref), free(uni), free(cu), free(where), free(AB1), free(AB2);
  return rc;
}

/* ---- worst pair ---------------------------------------------------------------- */

struct scored {
  double score;
  long idx;
};

static int by_score_desc(const void *a, const void *b)
{
  double x = ((const struct scored *)a)->score, y = ((const struct scored *)b)->score;
  return (x < y) - (x > y);
}

int noisy_worst_pair(const struct lsq_limit *P, const struct noisy_privacy_opts *o,
                     const struct hd_run_params *run, double alpha, double t0, size_t top,
                     long *best_1, long *best_2, double *best_eps, size_t n_random,
                     double *random_eps, char *msg, size_t msglen)
{
  size_t n = o->records, d = P->d, N = o->nodes, G = P->n_groups, K = N + 1;
  double T = (double)n / (double)d, sd = sqrt((double)d);
  if (top > n) top = n;
  if (N < 2 || n < 2) {
    snprintf(msg, msglen, "worst-pair search needs >= 2 records and >= 2 nodes");
    return -1;
  }
  double *nodes = calloc(K, sizeof *nodes), *c = malloc(K * G * sizeof *c);
  for (size_t k = 0; k < K; k++) nodes[k] = t0 * (double)k / (double)N;
  if (noisy_variance_path(P, run, nodes, K, c, NULL, NULL, msg, msglen) != 0) {
    free(nodes), free(c);
    return -1;
  }
  /* D(s_k, t0) = a_k r1^2 + b_k r2^2 + c0_k (NS-11 is quadratic in the residuals) */
  double *ak = malloc(K * sizeof *ak), *bk = malloc(K * sizeof *bk), *ck = malloc(K * sizeof *ck);
  for (size_t k = 0; k < K && !hd_interrupted(); k++) {
    const double *cs = c + k * G, *ct = c + N * G;
    double base = spectral_D(P, alpha, nodes[k], t0, cs, ct, 0, 0);
    ak[k] = spectral_D(P, alpha, nodes[k], t0, cs, ct, 1, 0) - base;
    bk[k] = spectral_D(P, alpha, nodes[k], t0, cs, ct, 0, 1) - base;
    ck[k] = base;
  }
  /* residual profiles: R = X M - eps, M[i][k] = mu_i(s_k)/sqrt(d), records in blocks */
  double *M = malloc(d * K * sizeof *M);
  for (size_t i = 0; i < d && !hd_interrupted(); i++) {
    double mu0 = noisy_mu0(P, i), p = sd * P->theta_star[i];
    for (size_t k = 0; k < K; k++) {
      double phi, psi;
      noisy_mean_factors(P, hd_schedule_integral(nodes[k], P->schedule), P->lambda[i], &phi, &psi);
      M[i * K + k] = (phi * mu0 + psi * p) / sd;
    }
  }
  size_t blk = 256;
  double *X = malloc(blk * d * sizeof *X), *eps = malloc(blk * sizeof *eps);
  double *Rp = n <= SIZE_MAX / sizeof(double) / K ? malloc(n * K * sizeof *Rp) : NULL;
  struct scored *s1 = malloc(n * sizeof *s1), *s2 = malloc(n * sizeof *s2);
  if (!Rp || !s1 || !s2 || !X || !eps || !M) {
    snprintf(msg, msglen, "worst-pair search: out of memory for %zu records", n);
    free(nodes), free(c), free(ak), free(bk), free(ck), free(M), free(X), free(eps), free(Rp);
    free(s1), free(s2);
    return -1;
  }
  for (size_t j0 = 0; j0 < n && !hd_interrupted(); j0 += blk) {
    size_t nb = j0 + blk <= n ? blk : n - j0;
    for (size_t b = 0; b < nb; b++) o->record(o->record_ctx, j0 + b, X + b * d, &eps[b]);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)K, (int)d, 1.0, X, (int)d,
                M, (int)K, 0.0, Rp + j0 * K, (int)K);
    for (size_t b = 0; b < nb; b++)
      for (size_t k = 0; k < K; k++) Rp[(j0 + b) * K + k] -= eps[b];
  }
  /* slot scores: Simpson integrals of a_k r^2 and b_k r^2 */
  double hstep = t0 / (double)N;
  for (size_t j = 0; j < n && !hd_interrupted(); j++) {
    double x = 0, y = 0;
    for (size_t k = 0; k < K; k++) {
      double w = (k == 0 || k == N) ? 1 : (k % 2 ? 4 : 2), r = Rp[j * K + k];
      x += w * ak[k] * r * r;
      y += w * bk[k] * r * r;
    }
    s1[j] = (struct scored){x * hstep, (long)j};
    s2[j] = (struct scored){y * hstep, (long)j};
  }
  if (!hd_interrupted()) {
    qsort(s1, n, sizeof *s1, by_score_desc);
    qsort(s2, n, sizeof *s2, by_score_desc);
  }
  double *D = malloc(K * sizeof *D), best = -INFINITY;
  *best_1 = *best_2 = -1;
  for (size_t u = 0; u < top && !hd_interrupted(); u++)
    for (size_t v = 0; v < top && !hd_interrupted(); v++) {
      long i = s1[u].idx, j = s2[v].idx;
      if (i == j) continue;
      for (size_t k = 0; k < K; k++) {
        double r1 = Rp[(size_t)i * K + k], r2 = Rp[(size_t)j * K + k];
        D[k] = isinf(ck[k]) ? INFINITY : ak[k] * r1 * r1 + bk[k] * r2 * r2 + ck[k];
      }
      double e = position_average(alpha, D, N, t0, T);
      if (e > best || *best_1 < 0) best = e, *best_1 = i, *best_2 = j;
    }
  /* top = 1 and both slots led by the same record: the best pair uses a runner-up */
  for (size_t u = 0; *best_1 < 0 && u < 2 && u < n && !hd_interrupted(); u++)
    for (size_t v = 0; v < 2 && v < n; v++) {
      long i = s1[u].idx, j = s2[v].idx;
      if (i == j) continue;
      for (size_t k = 0; k < K; k++) {
        double r1 = Rp[(size_t)i * K + k], r2 = Rp[(size_t)j * K + k];
        D[k] = isinf(ck[k]) ? INFINITY : ak[k] * r1 * r1 + bk[k] * r2 * r2 + ck[k];
      }
      double e = position_average(alpha, D, N, t0, T);
      if (e > best || *best_1 < 0) best = e, *best_1 = i, *best_2 = j;
    }
  *best_eps = best;
  if (random_eps) { /* the distribution over random pairs (i != j) */
    struct hd_rng rr;
    hd_rng_init(&rr, o->seed, UINT64_MAX, o->pair_stream, 1);
    for (size_t q = 0; q < n_random; q++) {
      if (hd_interrupted()) break; /* the caller sees the flag and stops */
      size_t i = (size_t)(hd_rng_uniform(&rr) * (double)n), j;
      do j = (size_t)(hd_rng_uniform(&rr) * (double)n);
      while (j == i || j >= n);
      if (i >= n) i = n - 1;
      for (size_t k = 0; k < K; k++) {
        double r1 = Rp[i * K + k], r2 = Rp[j * K + k];
        D[k] = isinf(ck[k]) ? INFINITY : ak[k] * r1 * r1 + bk[k] * r2 * r2 + ck[k];
      }
      random_eps[q] = position_average(alpha, D, N, t0, T);
    }
  }
  free(nodes), free(c), free(ak), free(bk), free(ck), free(M), free(X), free(eps), free(Rp);
  free(s1), free(s2), free(D);
  if (hd_interrupted()) {
    snprintf(msg, msglen, "worst-pair search interrupted by a signal");
    return -1;
  }
  return 0;
}

/* ---- known-sensitivity accountants (§2.7) ---------------------------------------- */

double noisy_accountant_composition(const struct lsq_limit *P, double c, double alpha, double k)
{
  (void)k; /* a one-pass record is used once: Gaussian mechanism, sensitivity 2C, std sigma */
  double C2 = c * c * P->trace;
  return 2 * alpha * C2 / (P->noise * P->noise);
}

double noisy_accountant_ye_shokri(const struct lsq_limit *P, double c, double alpha, double k,
                                  double n)
{
  /* eps_k^(0) = 2 alpha / z^2 r^{2(k-1)} (1 - r^2)/(1 - r^{2k}), z = sigma / C, r = 1 - eta mu,
   * mu = lambda_min + delta (strong convexity), eta = gamma / d; average over the record's
   * uniform position among n: (alpha-1)^-1 log((n - k + sum_{j<=k} e^{(alpha-1) eps_j})/n). */
  double lmin = INFINITY;
  for (size_t g = 0; g < P->n_groups; g++) lmin = fmin(lmin, P->g_lambda[g]);
  double eta = P->schedule->lr / (double)P->d, r = 1 - eta * (lmin + P->ridge);
  double z2 = P->noise * P->noise / (c * c * P->trace);
  size_t K = (size_t)k;
  double lse = n - (double)K > 0 ? log(n - (double)K) : -INFINITY;
  double r2 = r * r, r2k = 1; /* r^{2(j-1)} */
  for (size_t j = 1; j <= K; j++) {
    double frac = r2 < 1 ? r2k * (1 - r2) / (1 - r2k * r2) : 1.0 / (double)j;
    double e0 = 2 * alpha / z2 * frac;
    lse = log_add(lse, (alpha - 1) * e0);
    r2k *= r2;
  }
  if (alpha == 1) return NAN;
  return (lse - log(n)) / (alpha - 1);
}
