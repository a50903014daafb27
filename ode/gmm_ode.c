/* gmm_ode.c — the deterministic limit of multi-class one-pass SGD, per eigen-group
 * (gmm.md §2.1-2.2, 2.6-2.8).  With the class globals
 *     m_c = sum_g M_{c,g},   S_c = sum_g lambda_g^(c) V_g                         (§2.1)
 * and the class expectations a_c, H_c, I_c at r ~ N(m_c, S_c) (gmm_expect.c):
 *
 *   dM_{a,g}/dt = -gamma [ sum_c p_c P_{ac,g} a_c + Hbar_g M_{a,g} ]
 *                 - gamma delta (M_{a,g} + P_{a*,g})                               (E1, §2.8)
 *   dV_g/dt     = -gamma [ sum_c p_c (M_{c,g} a_c^T + a_c M_{c,g}^T) + Hbar_g V_g + V_g Hbar_g ]
 *                 + (gamma^2 / B) w_g Ibar_g - gamma delta (2 V_g + 2 M_{*,g})       (E2, §2.8)
 *   Hbar_g = sum_c p_c lambda_g^(c) H_c,   Ibar_g = sum_c p_c lambda_g^(c) I_c
 *   R(t)   = sum_c p_c R_c                                                          (E3)
 *
 * gamma = gamma(t) (schedule), B the batch size, delta the ridge.  P_{a*,g} and M_{*,g}
 * are the teacher's overlaps (zero without a teacher: the state is then X itself).
 *
 * Jacobian (gmm.md §2.7): with the globals frozen the system is block-diagonal (one block
 * per group); the globals are 2l (q = 1) linear functionals of the state, so
 *     J = blockdiag + U W^T,   W = d(globals)/dy (exact),   U = d(rhs)/d(globals),
 * and U is the right-hand side's linear response to the class expectations, whose
 * derivatives in (m_c, S_c) are taken by a forward difference (the Newton matrix only
 * preconditions GMRES, whose products use the true right-hand side). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode/gmm_limit.h"

/* Scratch of the right-hand side and Jacobian: expectations and globals per class. */
struct gmm_ode_ctx {
  const struct gmm_limit *L;
  const struct gmm_groups *G;
  struct gmm_expect *E, *dE; /* l each */
  double *m, *S;             /* l q, l q q */
};

static void ctx_free(void *ctx)
{
  struct gmm_ode_ctx *C = ctx;
  if (!C) return;
  free(C->E);
  free(C->dE);
  free(C->m);
  free(C->S);
  free(C);
}

/* ---- state access -------------------------------------------------------------------- */

static void unpack(size_t q, const double *packed, double *full)
{
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < q; j++) full[i * q + j] = packed[gmm_sym(q, i, j)];
}

/* m_c and S_c (full) for every class from a state in the layout of G. */
static void globals(const struct gmm_limit *L, const struct gmm_groups *G, const double *y,
                    double *m, double *S)
{
  const size_t q = L->q, l = L->l, nv = L->nv, b = L->block;
  memset(m, 0, l * q * sizeof(double));
  memset(S, 0, l * q * q * sizeof(double));
  if (q == 1) { /* scalars: the hot path of the per-mode theory */
    for (size_t g = 0; g < G->n; g++) {
      const double *yg = y + g * b, *lam = G->lam + g * l;
      for (size_t c = 0; c < l; c++) {
        m[c] += yg[1 + c];
        S[c] += lam[c] * yg[0];
      }
    }
    return;
  }
  double Vf[GMM_MAX_Q * GMM_MAX_Q];
  for (size_t g = 0; g < G->n; g++) {
    const double *yg = y + g * b;
    unpack(q, yg, Vf);
    for (size_t c = 0; c < l; c++) {
      const double *M = yg + nv + c * q;
      for (size_t i = 0; i < q; i++) m[c * q + i] += M[i];
      double lam = G->lam[g * l + c];
      if (lam != 0)
        for (size_t i = 0; i < q * q; i++) S[c * q * q + i] += lam * Vf[i];
    }
  }
}

/* The right-hand side for given class expectations E.  only_class >= 0 keeps only that
 * class's terms and with_const = 0 drops the terms that do not depend on E (ridge): then
 * it is the linear response used for the Jacobian's low-rank columns. */
/* q = 1 (least squares, binary logistic): the same equations with scalars, block
 * [V_g, M_{1,g} .. M_{A,g}] — the hot loop of the per-mode theory. */
static void rhs_core_scalar(const struct gmm_limit *L, const struct gmm_groups *G, const double *y,
                            double gamma, const struct gmm_expect *E, size_t c0, size_t c1,
                            double delta, double *dy)
{
  const size_t l = L->l, A = L->A, b = L->block;
  const double noise = gamma * gamma / (double)L->batch;
  const int teacher = L->teacher;
  double pa[GMM_MAX_CLASSES], pb[GMM_MAX_CLASSES], pe[GMM_MAX_CLASSES];
  for (size_t c = c0; c < c1; c++) {
    pa[c] = L->prob[c] * E[c].a[0];
    pb[c] = L->prob[c] * E[c].H[0];
    pe[c] = L->prob[c] * E[c].G2[0];
  }
  for (size_t g = 0; g < G->n; g++) {
    const double *yg = y + g * b, *lam = G->lam + g * l, *Pg = G->P + g * A * A;
    double *dg = dy + g * b;
    double hb = 0, ib = 0, ma = 0;
    for (size_t c = c0; c < c1; c++) {
      hb += pb[c] * lam[c];
      ib += pe[c] * lam[c];
      ma += pa[c] * yg[1 + c];
    }
    for (size_t a = 0; a < A; a++) { /* (E1) */
      double s = hb * yg[1 + a];
      for (size_t c = c0; c < c1; c++) s += Pg[a * A + c] * pa[c];
      dg[1 + a] = -gamma * s;
      if (delta != 0)
        dg[1 + a] -= gamma * delta * (yg[1 + a] + (teacher ? Pg[a * A + A - 1] : 0.0));
    }
    double v = -2 * gamma * (ma + hb * yg[0]) + noise * G->w[g] * ib; /* (E2) */
    if (delta != 0) v -= 2 * gamma * delta * (yg[0] + (teacher ? yg[A] : 0.0));
    dg[0] = v;
  }
}

static void rhs_core(const struct gmm_limit *L, const struct gmm_groups *G, const double *y,
                     double gamma, const struct gmm_expect *E, long only_class, int with_const,
                     double *dy)
{
  const size_t q = L->q, l = L->l, A = L->A, nv = L->nv, b = L->block;
  const size_t c0 = only_class >= 0 ? (size_t)only_class : 0,
               c1 = only_class >= 0 ? (size_t)only_class + 1 : l;
  if (L->adaptive) { /* AdaGrad-Norm: dG/dt = sum_c p_c (Tr K_c/d) tr I_c (gmm.md §2.8) */
    double *dG = dy + G->n * b, v = 0;
    memset(dG, 0, b * sizeof(double));
    for (size_t c = c0; c < c1; c++)
      for (size_t i = 0; i < q; i++) v += L->prob[c] * G->trK[c] * E[c].G2[i * q + i];
    dG[0] = v;
  }
  if (q == 1) {
    rhs_core_scalar(L, G, y, gamma, E, c0, c1, with_const ? L->ridge : 0.0, dy);
    return;
  }
  const double delta = with_const ? L->ridge : 0.0, noise = gamma * gamma / (double)L->batch;
  const int teacher = L->teacher;
  double V[GMM_MAX_Q * GMM_MAX_Q], Hb[GMM_MAX_Q * GMM_MAX_Q], Ib[GMM_MAX_Q * GMM_MAX_Q],
      D[GMM_MAX_Q * GMM_MAX_Q];
  for (size_t g = 0; g < G->n; g++) {
    const double *yg = y + g * b;
    double *dg = dy + g * b;
    const double *lam = G->lam + g * l, *Pg = G->P + g * A * A;
    unpack(q, yg, V);
    memset(Hb, 0, q * q * sizeof(double));
    memset(Ib, 0, q * q * sizeof(double));
    for (size_t c = c0; c < c1; c++) {
      double pl = L->prob[c] * lam[c];
      if (pl == 0) continue;
      for (size_t i = 0; i < q * q; i++) Hb[i] += pl * E[c].H[i], Ib[i] += pl * E[c].G2[i];
    }
    /* (E1) for every tracked direction a */
    for (size_t a = 0; a < A; a++) {
      const double *M = yg + nv + a * q;
      double *dM = dg + nv + a * q;
      for (size_t i = 0; i < q; i++) {
        double s = 0;
        for (size_t c = c0; c < c1; c++) s += L->prob[c] * Pg[a * A + c] * E[c].a[i];
        for (size_t j = 0; j < q; j++) s += Hb[i * q + j] * M[j];
        dM[i] = -gamma * s;
        if (delta != 0) dM[i] -= gamma * delta * (M[i] + (teacher ? Pg[a * A + A - 1] : 0.0));
      }
    }
    /* (E2): D = sum_c p_c (M_c a_c^T + a_c M_c^T) + Hbar V + V Hbar */
    for (size_t i = 0; i < q; i++)
      for (size_t j = i; j < q; j++) {
        double s = 0;
        for (size_t c = c0; c < c1; c++) {
          const double *M = yg + nv + c * q;
          s += L->prob[c] * (M[i] * E[c].a[j] + E[c].a[i] * M[j]);
        }
        for (size_t k = 0; k < q; k++)
          s += Hb[i * q + k] * V[k * q + j] + V[i * q + k] * Hb[k * q + j];
        D[i * q + j] = s;
      }
    for (size_t i = 0; i < q; i++)
      for (size_t j = i; j < q; j++) {
        double v = -gamma * D[i * q + j] + noise * G->w[g] * Ib[i * q + j];
        if (delta != 0) {
          v -= 2 * gamma * delta * V[i * q + j];
          if (teacher) v -= 2 * gamma * delta * yg[nv + (A - 1) * q]; /* q = 1 */
        }
        dg[gmm_sym(q, i, j)] = v;
      }
  }
}

static void all_expectations(struct gmm_ode_ctx *C, const double *y)
{
  const struct gmm_limit *L = C->L;
  const size_t q = L->q;
  globals(L, C->G, y, C->m, C->S);
  for (size_t c = 0; c < L->l; c++)
    gmm_expect_class(L, c, C->m + c * q, C->S + c * q * q, &C->E[c]);
}

static int gmm_rhs(double t, const double *y, double *dydt, void *params)
{
  struct gmm_ode_ctx *C = params;
  all_expectations(C, y);
  for (size_t c = 0; c < C->L->l; c++)
    for (size_t i = 0; i < C->L->q; i++)
      if (!isfinite(C->E[c].a[i])) return -1;
  rhs_core(C->L, C->G, y, gmm_lr(C->L, t, y, C->G->n), C->E, -1, 1, dydt);
  return 0;
}

/* Jacobian, block-diagonal part: the globals (hence the class expectations) frozen. */
static void jac_blocks(const struct gmm_ode_ctx *C, double gamma, struct hd_sjac *J)
{
  const struct gmm_limit *L = C->L;
  const struct gmm_groups *G = C->G;
  const size_t q = L->q, l = L->l, A = L->A, nv = L->nv, b = L->block;
  const double delta = L->ridge;
  const int teacher = L->teacher;
  double Hb[GMM_MAX_Q * GMM_MAX_Q];
  for (size_t g = 0; g < G->n; g++) {
    double *B = J->blocks + g * b * b;
    memset(B, 0, b * b * sizeof(double));
    const double *lam = G->lam + g * l;
    memset(Hb, 0, q * q * sizeof(double));
    for (size_t c = 0; c < l; c++)
      for (size_t i = 0; i < q * q; i++) Hb[i] += L->prob[c] * lam[c] * C->E[c].H[i];
    for (size_t a = 0; a < A; a++)
      for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++)
          B[(nv + a * q + i) * b + nv + a * q + j] = -gamma *
                                                     (Hb[i * q + j] + (i == j ? delta : 0));
    /* dV/dV: V -> -gamma (Hbar V + V Hbar) - 2 gamma delta V, one packed column at a time */
    for (size_t mm = 0; mm < q; mm++)
      for (size_t nn = mm; nn < q; nn++) {
        size_t col = gmm_sym(q, mm, nn);
        for (size_t i = 0; i < q; i++)
          for (size_t j = i; j < q; j++) {
            /* (Hbar E + E Hbar)_{ij} with E = e_mm e_nn^T + e_nn e_mm^T (once if mm == nn) */
            double v = 0;
            if (j == nn) v += Hb[i * q + mm];
            if (j == mm && mm != nn) v += Hb[i * q + nn];
            if (i == mm) v += Hb[nn * q + j];
            if (i == nn && mm != nn) v += Hb[mm * q + j];
            B[gmm_sym(q, i, j) * b + col] = -gamma * v -
                                            (col == gmm_sym(q, i, j) ? 2 * gamma * delta : 0);
          }
      }
    /* dV/dM_c: -gamma p_c (E_j a_c^T + a_c E_j^T) */
    for (size_t c = 0; c < l; c++)
      for (size_t jj = 0; jj < q; jj++)
        for (size_t i = 0; i < q; i++)
          for (size_t j = i; j < q; j++) {
            double v = (i == jj ? C->E[c].a[j] : 0) + (j == jj ? C->E[c].a[i] : 0);
            B[gmm_sym(q, i, j) * b + nv + c * q + jj] += -gamma * L->prob[c] * v;
          }
    if (teacher && delta != 0) B[0 * b + nv + (A - 1) * q] += -2 * gamma * delta;
  }
}

/* Jacobian, low-rank part: column k = (class c, global component) for every class and
 * component of (m_c, packed S_c); returns the number of columns written. */
static size_t jac_low_rank(struct gmm_ode_ctx *C, const double *y, double gamma, struct hd_sjac *J)
{
  const struct gmm_limit *L = C->L;
  const struct gmm_groups *G = C->G;
  const size_t q = L->q, l = L->l, nv = L->nv, b = L->block, n = J->dim;
  size_t k = 0;
  double *col = malloc(n * sizeof *col);
  for (size_t c = 0; c < l; c++) {
    for (size_t comp = 0; comp < q + nv; comp++, k++) {
      double m1[GMM_MAX_Q], S1[GMM_MAX_Q * GMM_MAX_Q];
      memcpy(m1, C->m + c * q, q * sizeof(double));
      memcpy(S1, C->S + c * q * q, q * q * sizeof(double));
      size_t ii = 0, jj = 0;
      double h;
      if (comp < q) {
        h = 1e-7 * fmax(1.0, fabs(m1[comp]));
        m1[comp] += h;
      } else {
        for (ii = 0; ii < q; ii++) /* packed index comp - q -> (ii, jj) */
          for (jj = ii; jj < q; jj++)
            if (gmm_sym(q, ii, jj) == comp - q) goto found;
      found:
        h = 1e-7 * fmax(1.0, fabs(S1[ii * q + jj]));
        S1[ii * q + jj] += h;
        if (ii != jj) S1[jj * q + ii] += h;
      }
      struct gmm_expect E1;
      gmm_expect_class(L, c, m1, S1, &E1);
      struct gmm_expect *d = &C->dE[c];
      for (size_t i = 0; i < q; i++) d->a[i] = (E1.a[i] - C->E[c].a[i]) / h;
      for (size_t i = 0; i < q * q; i++) {
        d->H[i] = (E1.H[i] - C->E[c].H[i]) / h;
        d->G2[i] = (E1.G2[i] - C->E[c].G2[i]) / h;
      }
      rhs_core(L, G, y, gamma, C->dE, (long)c, 0, col);
      memcpy(J->U + k * n, col, n * sizeof(double));
      double *W = J->V + k * n;
      memset(W, 0, n * sizeof(double));
      for (size_t g = 0; g < G->n; g++) {
        if (comp < q) W[g * b + nv + c * q + comp] = 1.0;
        else W[g * b + (comp - q)] = G->lam[g * l + c];
      }
    }
  }
  free(col);
  return k;
}

/* AdaGrad-Norm's column k: gamma = lr / sqrt(b^2 + G), so every row depends on G through
 * gamma.  The rhs is quadratic in gamma, so a central difference in gamma is exact up to
 * rounding; dgamma/dG = -gamma^3 / (2 lr^2).  The AdaGrad block itself is zero. */
static void jac_adaptive(const struct gmm_ode_ctx *C, const double *y, double gamma, size_t k,
                         struct hd_sjac *J)
{
  const struct gmm_limit *L = C->L;
  const struct gmm_groups *G = C->G;
  const size_t b = L->block, n = J->dim;
  memset(J->blocks + G->n * b * b, 0, b * b * sizeof(double));
  double *fp = malloc(n * sizeof *fp), *fm = malloc(n * sizeof *fm), h = 1e-4 * gamma;
  rhs_core(L, G, y, gamma + h, C->E, -1, 1, fp);
  rhs_core(L, G, y, gamma - h, C->E, -1, 1, fm);
  double dgdG = -gamma * gamma * gamma / (2 * L->schedule->lr * L->schedule->lr);
  for (size_t i = 0; i < n; i++) J->U[k * n + i] = (fp[i] - fm[i]) / (2 * h) * dgdG;
  for (size_t i = 0; i < n; i++) J->V[k * n + i] = i == G->n * b ? 1.0 : 0.0;
  free(fp);
  free(fm);
}

static int gmm_jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  struct gmm_ode_ctx *C = params;
  const double gamma = gmm_lr(C->L, t, y, C->G->n);
  all_expectations(C, y);
  jac_blocks(C, gamma, J);
  size_t k = jac_low_rank(C, y, gamma, J);
  if (C->L->adaptive) jac_adaptive(C, y, gamma, k, J);
  return 0;
}

double gmm_lr(const struct gmm_limit *L, double t, const double *y, size_t n_groups)
{
  if (L->adaptive)
    return L->schedule->lr / sqrt(L->adagrad_b * L->adagrad_b + y[n_groups * L->block]);
  return hd_schedule_lr(t, L->schedule);
}

/* ---- set-up ----------------------------------------------------------------------------- */

size_t gmm_ode_dimension(const struct gmm_limit *L)
{
  return (L->G->n + (size_t)L->adaptive) * L->block;
}

/* Initial state (gmm.md §2.6): X_0 = 0 gives V = M = 0; with a teacher e_0 = -theta*, so
 * V_g = P_{**,g}, M_{a,g} = -P_{a*,g}; a random X_0 adds sigma_0^2 w_g I to V_g; a given
 * X_0 has V_g = sum_{i in g} e_i e_i^T, M_{a,g} = sum_{i in g} u_{a,i} e_i exactly. */
static void initial_state(const struct gmm_limit *L, const struct gmm_groups *G, double *y0)
{
  const size_t q = L->q, A = L->A, nv = L->nv, b = L->block;
  const int teacher = L->teacher;
  double s0 = L->init_var;
  memset(y0, 0, (G->n + (size_t)L->adaptive) * b * sizeof(double));
  if (L->y0) { /* a given X_0: its projection, computed by the package */
    memcpy(y0, L->y0, (G->n + (size_t)L->adaptive) * b * sizeof(double));
    return;
  }
  for (size_t g = 0; g < G->n; g++) {
    double *yg = y0 + g * b;
    const double *Pg = G->P + g * A * A;
    for (size_t i = 0; i < q; i++) yg[gmm_sym(q, i, i)] = s0 * G->w[g];
    if (teacher) {
      yg[0] += Pg[(A - 1) * A + A - 1];
      for (size_t a = 0; a < A; a++) yg[nv + a * q] = -Pg[a * A + A - 1];
    }
  }
}

static struct gmm_ode_ctx *ctx_new(const struct gmm_limit *L)
{
  struct gmm_ode_ctx *C = calloc(1, sizeof *C);
  C->L = L;
  C->G = L->G;
  C->E = calloc(L->l, sizeof *C->E);
  C->dE = calloc(L->l, sizeof *C->dE);
  C->m = calloc(L->l * L->q, sizeof *C->m);
  C->S = calloc(L->l * L->q * L->q, sizeof *C->S);
  return C;
}

/* The structured solve only while a block and the Woodbury core stay small (tiny systems,
 * e.g. isotropic with one group, go to the dense solver under "auto"). */
int gmm_ode_structured(const struct gmm_limit *L, size_t *rank)
{
  size_t r = L->l * (L->q + L->nv) + (size_t)L->adaptive;
  if (rank) *rank = r;
  return L->block <= 48 && r <= 96 && r <= gmm_ode_dimension(L);
}

int gmm_ode(struct gmm_limit *L, struct hd_ode_system *sys, double *y0)
{
  ctx_free(L->ctx);
  L->ctx = ctx_new(L);
  sys->dimension = gmm_ode_dimension(L);
  sys->rhs = gmm_rhs;
  size_t rank;
  sys->jac_structured = gmm_ode_structured(L, &rank) ? gmm_jac : NULL;
  sys->block = L->block;
  sys->rank = rank;
  sys->breakpoints = L->n_breakpoints ? L->breakpoints : NULL;
  sys->n_breakpoints = L->n_breakpoints;
  sys->params = L->ctx;
  initial_state(L, L->G, y0);
  return 0;
}

void gmm_limit_free(struct gmm_limit *L)
{
  ctx_free(L->ctx);
  L->ctx = NULL;
  gmm_quad_free(&L->quad);
}

/* ---- observables (gmm.md §1.4, §2.6) --------------------------------------------------- */

void gmm_observe_state(const struct gmm_limit *L, const struct gmm_groups *G, const double *y,
                       double *out)
{
  const size_t q = L->q, l = L->l, A = L->A, nv = L->nv, b = L->block;
  const int teacher = L->teacher;
  double *m = malloc(l * q * sizeof *m), *S = malloc(l * q * q * sizeof *S);
  globals(L, G, y, m, S);
  double risk = 0, err = 0;
  for (size_t c = 0; c < l; c++) {
    struct gmm_expect E;
    gmm_expect_class(L, c, m + c * q, S + c * q * q, &E);
    risk += L->prob[c] * E.R;
    err += L->prob[c] * gmm_class_error(L, c, m + c * q, S + c * q * q);
  }
  double trV = 0, cross = 0;
  for (size_t g = 0; g < G->n; g++) {
    for (size_t i = 0; i < q; i++) trV += y[g * b + gmm_sym(q, i, i)];
    if (teacher) cross += y[g * b + nv + (A - 1) * q];
  }
  out[0] = risk;
  out[1] = err;
  out[2] = teacher ? trV + 2 * cross + L->teacher_sq : trV; /* ||X||^2, X = e + theta* */
  for (size_t c = 0; c < L->obs.n_overlap; c++) { /* <X, mu_c> (own output for q > 1), cosine */
    double ov = m[c * q + (q > 1 ? c : 0)] + (teacher ? L->mean_dot_teacher[c] : 0.0);
    double xx = q == 1 ? out[2] : 0, mm = 0;
    for (size_t g = 0; g < G->n; g++) {
      if (q > 1) xx += y[g * b + gmm_sym(q, c, c)];
      mm += G->P[(g * A + c) * A + c];
    }
    out[3 + c] = ov;
    out[L->obs.o_cosine + c] = xx > 0 && mm > 0 ? ov / sqrt(xx * mm) : 0.0;
  }
  if (L->obs.o_distance) out[L->obs.o_distance] = trV;
  if (L->obs.o_lr) out[L->obs.o_lr] = gmm_lr(L, 0.0, y, G->n);
  if (L->obs.o_band) {
    double *nb = out + L->obs.o_band, *mb = nb + L->obs.n_bands;
    memset(nb, 0, 2 * L->obs.n_bands * sizeof(double));
    for (size_t g = 0; g < G->n; g++) {
      const double *yg = y + g * b;
      size_t k = G->band[g];
      for (size_t i = 0; i < q; i++) nb[k] += yg[gmm_sym(q, i, i)];
      if (q == 1) mb[k] += yg[nv];
      else
        for (size_t c = 0; c < l; c++) mb[k] += yg[nv + c * q + c] / (double)l;
    }
  }
  if (L->obs.o_clean) { /* band 0 is the clean band */
    double mtot = 0, *nb = out + L->obs.o_band, *mb = nb + L->obs.n_bands;
    for (size_t k = 0; k < L->obs.n_bands; k++) mtot += mb[k];
    /* 0 while the total is 0 (X_0 = 0): the engine treats NaN as a failure */
    out[L->obs.o_clean] = mtot != 0 ? mb[0] / mtot : 0.0;
    out[L->obs.o_clean + 1] = trV > 0 ? nb[0] / trV : 0.0;
  }
  free(m);
  free(S);
}
