/* lsq.c — the d -> infinity limit of streaming least squares, (LS-2)-(LS-4), per
 * eigen-group (see ode/lsq_limit.h for the grouping).  With mu_i = sqrt(d) E e_i,
 * nu_i = d E e_i^2, p_i = sqrt(d) theta*_i and group means a = <nu>, b = <p mu>, c = <p^2>:
 *
 *   db_g/dt = -gamma(t) [ (lambda_g + delta) b_g + delta c_g ]                  from (LS-2)
 *   da_g/dt = -2 gamma(t) [ (lambda_g + delta) a_g + delta b_g ]
 *             + 2 gamma(t)^2 lambda_g R(t)                                      (LS-3)
 *   R(t)    = 1/2 ( sum_g w_g lambda_g a_g + sigma^2 ),  w_g = n_g / d           (LS-4)
 *
 * Noisy SGD (docs/theory/noisy.md) extends this path, it does not copy it: injected noise
 * sigma_n adds the constant forcing gamma^2 sigma_n^2 / B to da_g/dt (NS-4, mini-batch B,
 * DP-SGD convention), and clipping the data gradient at c multiplies lambda_g in the
 * drift by mu_c(R) and replaces 2R by S_c(R) in the forcing (NS-12).  With sigma_n = 0,
 * no clipping, the arithmetic is exactly the streaming least-squares one.
 */
#include <math.h>
#include <stdbool.h>

#include "nv_fused.h"
#include "ode/lsq_limit.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Without ridge (delta = 0) the mean state b_g feeds neither a_g nor the risk (LS-3 has
 * delta b_g as its only coupling): the ODE then carries a_g alone, half the state and
 * half the work per step.  The recursion and the renewal path keep (b_g, a_g). */
static bool mean_free(const struct lsq_limit *P) { return P->ridge == 0; }

/* a_g in a state of stride 2 (b_g, a_g) or 1 (a_g only). */
static inline double a_at(const double *y, size_t g, size_t stride)
{
  return y[stride * g + stride - 1];
}

static double risk_strided(const struct lsq_limit *P, const double *y, size_t stride)
{
  double s = 0;
  for (size_t g = 0; g < P->n_groups; g++) s += P->g_wl[g] * a_at(y, g, stride);
  return 0.5 * (s + P->label_noise * P->label_noise);
}

static double risk_of(const struct lsq_limit *P, const double *y) { return risk_strided(P, y, 2); }

void lsq_clip_factors(double c, double R, double *mu_c, double *S_c, double *dmu_c, double *dS_c)
{
  if (!(R > 0)) { /* r = 0 almost surely: nothing is clipped, E min(r^2, c^2) = 0 */
    *mu_c = 1, *S_c = 0, *dmu_c = 0, *dS_c = 2;
    return;
  }
  double z = c / (2 * sqrt(R)), ez = erf(z), g = exp(-z * z);
  *mu_c = ez;
  *S_c = 2 * R * (ez - 2 * z / sqrt(M_PI) * g) + c * c * (1 - ez);
  *dmu_c = 2 / sqrt(M_PI) * g * (-z / (2 * R)); /* dz/dR = -z / (2R) */
  *dS_c = 2 * ez; /* d/dv E min(r^2,c^2) = P(|r| < c) for v = Var r = 2R */
}

static int lsq_rhs(double t, const double *y, double *dydt, void *params)
{
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule);
  double delta = P->ridge;
  double R = risk_of(P, y);
  if (P->clip > 0) { /* (NS-12) */
    double mc, S, dmc, dS;
    lsq_clip_factors(P->clip, R, &mc, &S, &dmc, &dS);
    double forcing = gamma * gamma * P->noise * P->noise / (double)P->batch;
    for (size_t g = 0; g < P->n_groups; g++) {
      double lam = P->g_lambda[g], b = y[2 * g], a = y[2 * g + 1];
      dydt[2 * g] = -gamma * ((mc * lam + delta) * b + delta * P->g_c[g]);
      dydt[2 * g + 1] = -2 * gamma * ((mc * lam + delta) * a + delta * b) +
                        gamma * gamma * lam * S + forcing;
    }
    return 0;
  }
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g], b = y[2 * g], a = y[2 * g + 1];
    dydt[2 * g] = -gamma * ((lam + delta) * b + delta * P->g_c[g]);
    dydt[2 * g + 1] = -2 * gamma * ((lam + delta) * a + delta * b) + 2 * gamma * gamma * lam * R;
  }
  if (P->noise != 0) { /* (NS-4): + gamma^2 sigma^2 / B */
    double forcing = gamma * gamma * P->noise * P->noise / (double)P->batch;
    for (size_t g = 0; g < P->n_groups; g++) dydt[2 * g + 1] += forcing;
  }
  return 0;
}

/* J = blockdiag(B_g) + u v^T with B_g = [[-gamma(lam+delta), 0], [-2 gamma delta,
 * -2 gamma (lam+delta)]], u_{a_g} = 2 gamma^2 lam_g, v_{a_h} = w_h lam_h / 2: the
 * "diagonal plus rank one" structure of LS-3 (docs/theory/lsq.md), solved in O(d) by the driver. */
static int lsq_jac(double t, const double *y, struct hd_sjac *J, void *params)
{
  (void)y;
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule);
  double delta = P->ridge;
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g];
    double *B = J->blocks + 4 * g;
    B[0] = -gamma * (lam + delta);
    B[1] = 0;
    B[2] = -2 * gamma * delta;
    B[3] = -2 * gamma * (lam + delta);
    J->U[2 * g] = 0;
    J->U[2 * g + 1] = 2 * gamma * gamma * lam;
    J->V[2 * g] = 0;
    J->V[2 * g + 1] = 0.5 * P->g_weight[g] * lam;
  }
  if (P->clip > 0) { /* (NS-12): mu_c(R), S_c(R) add u v^T with the same v = dR/dy */
    double mc, S, dmc, dS;
    lsq_clip_factors(P->clip, risk_of(P, y), &mc, &S, &dmc, &dS);
    for (size_t g = 0; g < P->n_groups; g++) {
      double lam = P->g_lambda[g], *B = J->blocks + 4 * g;
      B[0] = -gamma * (mc * lam + delta);
      B[3] = -2 * gamma * (mc * lam + delta);
      J->U[2 * g] = -gamma * lam * y[2 * g] * dmc;
      J->U[2 * g + 1] = -2 * gamma * lam * y[2 * g + 1] * dmc + gamma * gamma * lam * dS;
    }
  }
  return 0;
}

/* The same right-hand side and Jacobian on a_g alone (delta = 0, see mean_free):
 *   da_g/dt = -2 gamma m_c lam_g a_g + gamma^2 lam_g S + gamma^2 sigma_n^2 / B,
 * m_c = 1 and S = 2R without clipping; J = diag(-2 gamma m_c lam_g) + u v^T.
 * That is lam_g (A a_g + B) + C with (A, B, C) from t and <wl, a> alone, the form the
 * CVODE driver fuses with its own vector passes (integrate.h, hd_affine_rhs). */
static int lsq_coef_a(double t, double wy, double abc[3], void *params)
{
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule);
  double R = 0.5 * (wy + P->label_noise * P->label_noise); /* (LS-4) */
  double mc = 1, S = 2 * R;
  if (P->clip > 0) { /* (NS-12) */
    double dmc, dS;
    lsq_clip_factors(P->clip, R, &mc, &S, &dmc, &dS);
  }
  abc[0] = -2 * gamma * mc;
  abc[1] = gamma * gamma * S;
  abc[2] = P->noise != 0 ? gamma * gamma * P->noise * P->noise / (double)P->batch
                         : 0.0; /* (NS-4) */
  return 0;
}

static int lsq_rhs_a(double t, const double *y, double *dydt, void *params)
{
  const struct lsq_limit *P = params;
  const size_t n = P->n_groups;
  double abc[3];
  /* (LS-4) as a fixed-block threaded sum: at d = 1e6 the right-hand side is two passes */
  lsq_coef_a(t, hd_par_dot(n, P->g_wl, y), abc, params);
  const double *lam = P->g_lambda, a = abc[0], b = abc[1], c = abc[2];
  if (hd_par_worth(n)) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (size_t g = 0; g < n; g++) dydt[g] = lam[g] * (a * y[g] + b) + c;
  } else {
    for (size_t g = 0; g < n; g++) dydt[g] = lam[g] * (a * y[g] + b) + c;
  }
  return 0;
}

static int lsq_jac_a(double t, const double *y, struct hd_sjac *J, void *params)
{
  const struct lsq_limit *P = params;
  double gamma = hd_schedule_lr(t, P->schedule), mc = 1, dmc = 0, dS = 2, S;
  if (P->clip > 0) lsq_clip_factors(P->clip, risk_strided(P, y, 1), &mc, &S, &dmc, &dS);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (hd_par_worth(P->n_groups))
#endif
  for (size_t g = 0; g < P->n_groups; g++) {
    double lam = P->g_lambda[g];
    J->blocks[g] = -2 * gamma * mc * lam;
    J->U[g] = -2 * gamma * lam * y[g] * dmc + gamma * gamma * lam * dS;
    J->V[g] = 0.5 * P->g_wl[g];
  }
  return 0;
}

size_t lsq_ode_dimension(const struct lsq_limit *P) { return (mean_free(P) ? 1 : 2) * P->n_groups; }

/* Initial values: theta_0 = 0 gives mu_i(0) = -p_i, nu_i(0) = p_i^2, so b = -c, a = c;
 * a random start adds sigma_0^2 to nu_i(0). */
static void lsq_initial(const struct lsq_limit *P, double *y0, size_t stride)
{
  double s0 = P->init == LSQ_INIT_RANDOM ? P->init_scale * P->init_scale : 0.0;
  for (size_t g = 0; g < P->n_groups; g++) {
    bool fixed = P->init == LSQ_INIT_FIXED; /* a fixed theta_0: b = <p mu(0)>, a = <mu(0)^2> */
    double b = fixed ? P->g_m0p[g] : -P->g_c[g], a = fixed ? P->g_m00[g] : P->g_c[g] + s0;
    if (stride == 2) y0[2 * g] = b;
    y0[stride * g + stride - 1] = a;
  }
}

int lsq_ode(struct lsq_limit *P, struct hd_ode_system *sys, double *y0)
{
  bool compact = mean_free(P);
  sys->dimension = lsq_ode_dimension(P);
  sys->rhs = compact ? lsq_rhs_a : lsq_rhs;
  P->affine = (struct hd_affine_rhs){.lam = P->g_lambda, .w = P->g_wl, .coef = lsq_coef_a};
  sys->affine = compact ? &P->affine : NULL;
  sys->jac_structured = compact ? lsq_jac_a : lsq_jac;
  sys->block = compact ? 1 : 2;
  sys->rank = 1;
  sys->breakpoints = P->n_breakpoints ? P->breakpoints : NULL;
  sys->n_breakpoints = P->n_breakpoints;
  sys->params = P;
  lsq_initial(P, y0, compact ? 1 : 2);
  return 0;
}

/* risk, distance D = (1/d) sum nu_i, and the share of D in each spectral band, from a
 * state of stride 2 (b_g, a_g) or 1 (a_g). */
void lsq_observe_state(const struct lsq_limit *P, const double *y, size_t stride, double *out)
{
  out[0] = risk_strided(P, y, stride);
  double D = 0;
  for (size_t b = 0; b < P->n_bands && P->n_bands > 1; b++) out[2 + b] = 0;
  for (size_t g = 0; g < P->n_groups; g++) {
    double share = P->g_weight[g] * a_at(y, g, stride);
    D += share;
    if (P->n_bands > 1) out[2 + P->g_band[g]] += share;
  }
  out[1] = D;
}

void lsq_observe_groups(const struct lsq_limit *L, double t, const double *y, double *out)
{
  (void)t;
  lsq_observe_state(L, y, mean_free(L) ? 1 : 2, out);
}

/* The recursion's state is (b_g, a_g), the ODE's full layout. */
void lsq_recursion_init(const struct lsq_limit *L, double *state) { lsq_initial(L, state, 2); }
