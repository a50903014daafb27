/* lsq_volterra.c — [theory] method = volterra: the d -> infinity limit of streaming least
 * squares / noisy SGD (LS-2..LS-4 = NS-3/NS-4) as a renewal equation, solved by a
 * trapezoidal convolution quadrature accelerated by FFT (docs/theory/noisy.md §2.3).
 *
 * Derivation (constant gamma, ridge delta, label noise sigma_e, injected noise sigma,
 * batch B; in the grouped variables of lsq.c: a_g = <nu>_g, b_g = <p mu>_g, c_g = <p^2>_g,
 * w_g = n_g / d, rho_g = gamma (lambda_g + delta), q = gamma^2 sigma^2 / B):
 *
 *   db_g/dt = -rho_g b_g - gamma delta c_g                                      (NS-3 / LS-2)
 *     => b_g(t) = b_inf + beta_g e^{-rho t},  b_inf = -delta c_g / (lambda_g + delta),
 *        beta_g = b_g(0) - b_inf  (b_g constant and b_inf = 0 when lambda_g + delta = 0)
 *   da_g/dt = -2 rho_g a_g - 2 gamma delta b_g + q + 2 gamma^2 lambda_g R(t)    (NS-4 / LS-3)
 *     => by variation of constants
 *        a_g(t) = h_g(t) + 2 gamma^2 lambda_g int_0^t e^{-2 rho_g (t-s)} R(s) ds,
 *        h_g(t) = a_g(0) e^{-2 rho t} + (q - 2 gamma delta b_inf) E(t) - 2 gamma delta beta_g Phi(t),
 *        E(t) = (1 - e^{-2 rho t}) / (2 rho),  Phi(t) = e^{-rho t} (1 - e^{-rho t}) / rho
 *   R(t) = 1/2 (sum_g w_g lambda_g a_g + sigma_e^2)                             (LS-4)
 *     => R(t) = F(t) + int_0^t K(t - s) R(s) ds                                 (NS-5, constant gamma)
 *        F(t) = 1/2 sigma_e^2 + 1/2 sum_g w_g lambda_g h_g(t)       (the noiseless-feedback part)
 *        K(tau) = gamma^2 sum_g w_g lambda_g^2 e^{-2 rho_g tau}
 *   D(t) = sum_g w_g a_g = F_D(t) + int_0^t K_D(t - s) R(s) ds,
 *        F_D = sum_g w_g h_g,  K_D(tau) = 2 gamma^2 sum_g w_g lambda_g e^{-2 rho_g tau};
 *   each spectral band: the same sums restricted to the band's groups.
 * So once R is solved, distance and bands are plain (non-causal) convolutions with R: the
 * exact variation-of-constants formula, summed over the groups of the observable.
 *
 * Spectrum compression (exact to ~1e-13, not binning).  Every sum above is
 * sum_g v_g f(rho_g) with f(rho) a positive mixture of e^{-2 rho tau}, tau in [0, T].
 * The rho axis is cut into panels [0, 1/T] and [2^{k-1}, 2^k] / T, k >= 1; on a panel with
 * more than NCHEB groups, f is replaced by its Chebyshev interpolant in rho, i.e. the
 * panel's groups by NCHEB proxies at the Chebyshev nodes with weights
 * sum_g v_g L_j(rho_g) (barycentric Lagrange basis).  The interpolation error of
 * e^{-2 rho tau} relative to e^{-2 rho_lo tau}, uniformly in tau >= 0, is about
 * 2 (1/8)^NCHEB on the octave panels and 2 / (2^NCHEB NCHEB!) on the first: < 1e-12 for
 * NCHEB = 14.  Panels never straddle two bands.  A d = 10^6 power law becomes ~200
 * exponentials, so the cost is O(G NCHEB) once plus O(N * proxies) for the series.
 *
 * Time discretisation.  Uniform grid t_n = n h up to the last output time T (h = T / N).
 * Trapezoidal convolution quadrature (hd_volterra_solve); its global error has an
 * expansion in h^2 for these smooth kernels, so the default result is one Richardson step
 * (4 R_{h/2} - R_h) / 3, O(h^4); LSQ_VOLTERRA_NO_RICHARDSON gives the plain O(h^2) scheme.
 * The step is h = min(T / 64, rtol^(1/4) / rho_max) (rho_max the fastest rate, so the
 * fastest mode has 100 steps per e-fold at rtol = 1e-8), with at most 2^20 steps.  Output
 * times (log-spaced, possibly far below h) are read off the grid by 4-point (cubic)
 * Lagrange interpolation, an O(h^4) error: the solution is smooth on the scale 1/rho_max.
 *
 * Fast solve.  Divide and conquer over [0, 2^m): solve the left half, add its
 * contribution to the history sums of the right half by one FFT convolution (FFTW r2c /
 * c2r of the block's length; the kernel's transform per level is computed once), solve
 * the right half; blocks of <= 64 steps are summed directly.  O(N log^2 N) in all.
 */
#include "ode/lsq_volterra.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NCHEB     14
#define NMOM      8
#define DC_BASE   64
#define MAX_STEPS ((size_t)1 << 20)

/* ---- the solver ------------------------------------------------------------------- */

static size_t pow2_at_least(size_t n)
{
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

static unsigned log2_exact(size_t n)
{
  unsigned k = 0;
  while (((size_t)1 << k) < n) k++;
  return k;
}

struct dc_level {
  size_t n2;
  double *buf;
  fftw_complex *spec, *khat;
  fftw_plan fwd, inv;
};

struct dc {
  size_t N;
  double h, c0;
  const double *F;
  double *R, *x, *S;
  struct dc_level lev[64];
};

static void dc_base(struct dc *s, size_t lo, size_t hi, const double *K)
{
  for (size_t n = lo; n < hi && n <= s->N; n++) {
    if (n == 0) {
      s->R[0] = s->F[0];
      s->x[0] = 0.5 * s->R[0];
      continue;
    }
    double acc = s->S[n];
    for (size_t j = lo; j < n; j++) acc += K[n - j] * s->x[j];
    s->R[n] = (s->F[n] + s->h * acc) * s->c0;
    s->x[n] = s->R[n];
  }
}

static void dc_solve(struct dc *s, size_t lo, size_t hi, const double *K)
{
  if (lo > s->N) return;
  if (hi - lo <= DC_BASE) {
    dc_base(s, lo, hi, K);
    return;
  }
  size_t n2 = hi - lo, L = n2 / 2, mid = lo + L;
  dc_solve(s, lo, mid, K);
  if (mid <= s->N) {
    struct dc_level *v = &s->lev[log2_exact(n2)];
    memcpy(v->buf, s->x + lo, L * sizeof(double));
    memset(v->buf + L, 0, L * sizeof(double));
    fftw_execute(v->fwd);
    for (size_t k = 0; k <= n2 / 2; k++) {
      double ar = v->spec[k][0], ai = v->spec[k][1], br = v->khat[k][0], bi = v->khat[k][1];
      v->spec[k][0] = ar * br - ai * bi;
      v->spec[k][1] = ar * bi + ai * br;
    }
    fftw_execute(v->inv);
    double inv_n = 1.0 / (double)n2;
    for (size_t k = L; k < n2 && lo + k <= s->N; k++) s->S[lo + k] += v->buf[k] * inv_n;
  }
  dc_solve(s, mid, hi, K);
}

int hd_volterra_solve(size_t N, double h, const double *F, const double *K, double *R, int direct)
{
  double denom = 1 - 0.5 * h * K[0];
  if (!(denom > 0)) return -1;
  struct dc s = {.N = N, .h = h, .c0 = 1 / denom, .F = F, .R = R};
  size_t N2 = pow2_at_least(N + 1);
  if (N2 < DC_BASE) N2 = DC_BASE;
  s.x = calloc(N2, sizeof(double));
  s.S = calloc(N2, sizeof(double));
  double *Kp = calloc(N2, sizeof(double)); /* K padded with zeros beyond lag N */
  int rc = 0;
  if (!s.x || !s.S || !Kp) {
    rc = -1;
    goto done;
  }
  memcpy(Kp, K, (N + 1) * sizeof(double));
  if (direct) {
    dc_base(&s, 0, N + 1, Kp);
    goto done;
  }
  for (size_t n2 = 2 * DC_BASE; n2 <= N2; n2 *= 2) {
    struct dc_level *v = &s.lev[log2_exact(n2)];
    v->n2 = n2;
    v->buf = fftw_malloc(n2 * sizeof(double));
    v->spec = fftw_malloc((n2 / 2 + 1) * sizeof(fftw_complex));
    v->khat = fftw_malloc((n2 / 2 + 1) * sizeof(fftw_complex));
    if (!v->buf || !v->spec || !v->khat) {
      rc = -1;
      goto done;
    }
    v->fwd = fftw_plan_dft_r2c_1d((int)n2, v->buf, v->spec, FFTW_ESTIMATE);
    v->inv = fftw_plan_dft_c2r_1d((int)n2, v->spec, v->buf, FFTW_ESTIMATE);
    memcpy(v->buf, Kp, n2 * sizeof(double));
    fftw_execute(v->fwd);
    memcpy(v->khat, v->spec, (n2 / 2 + 1) * sizeof(fftw_complex));
  }
  dc_solve(&s, 0, N2, Kp);
done:
  for (size_t l = 0; l < 64; l++) {
    struct dc_level *v = &s.lev[l];
    if (v->fwd) fftw_destroy_plan(v->fwd);
    if (v->inv) fftw_destroy_plan(v->inv);
    fftw_free(v->buf);
    fftw_free(v->spec);
    fftw_free(v->khat);
  }
  free(s.x);
  free(s.S);
  free(Kp);
  return rc;
}

/* out[k][n] = h [ sum_{j=0}^n kern[k][n-j] R_j - kern[k][n] R_0 / 2 - kern[k][0] R_n / 2 ]
 * (the trapezoid rule for int_0^{t_n} kern_k(t_n - s) R(s) ds), n = 0..N. */
static int convolve_all(size_t N, double h, const double *R, double *const *kern,
                        double *const *out, size_t nk, int direct)
{
  if (direct) {
    for (size_t k = 0; k < nk; k++)
      for (size_t n = 0; n <= N; n++) {
        double acc = 0;
        for (size_t j = 0; j <= n; j++) acc += kern[k][n - j] * R[j];
        out[k][n] = h * (acc - 0.5 * kern[k][n] * R[0] - 0.5 * kern[k][0] * R[n]);
      }
    return 0;
  }
  size_t M = pow2_at_least(2 * N + 2);
  double *buf = fftw_malloc(M * sizeof(double));
  fftw_complex *rhat = fftw_malloc((M / 2 + 1) * sizeof(fftw_complex));
  fftw_complex *spec = fftw_malloc((M / 2 + 1) * sizeof(fftw_complex));
  int rc = 0;
  if (!buf || !rhat || !spec) {
    rc = -1;
    goto done;
  }
  fftw_plan fwd = fftw_plan_dft_r2c_1d((int)M, buf, spec, FFTW_ESTIMATE);
  fftw_plan inv = fftw_plan_dft_c2r_1d((int)M, spec, buf, FFTW_ESTIMATE);
  memset(buf, 0, M * sizeof(double));
  memcpy(buf, R, (N + 1) * sizeof(double));
  fftw_execute(fwd);
  memcpy(rhat, spec, (M / 2 + 1) * sizeof(fftw_complex));
  for (size_t k = 0; k < nk; k++) {
    memset(buf, 0, M * sizeof(double));
    memcpy(buf, kern[k], (N + 1) * sizeof(double));
    fftw_execute(fwd);
    for (size_t i = 0; i <= M / 2; i++) {
      double ar = spec[i][0], ai = spec[i][1], br = rhat[i][0], bi = rhat[i][1];
      spec[i][0] = ar * br - ai * bi;
      spec[i][1] = ar * bi + ai * br;
    }
    fftw_execute(inv);
    for (size_t n = 0; n <= N; n++)
      out[k][n] = h * (buf[n] / (double)M - 0.5 * kern[k][n] * R[0] - 0.5 * kern[k][0] * R[n]);
  }
  fftw_destroy_plan(fwd);
  fftw_destroy_plan(inv);
done:
  fftw_free(buf);
  fftw_free(rhat);
  fftw_free(spec);
  return rc;
}

/* ---- spectrum compression --------------------------------------------------------- */

struct proxies {
  size_t n, nb;
  size_t *band_start; /* proxies of band b: [band_start[b], band_start[b + 1]) */
  double *rho;
  double (*m)[NMOM];
  double rho_max;
};

static void proxies_free(struct proxies *X)
{
  free(X->band_start);
  free(X->rho);
  free(X->m);
}

static size_t panel_of(double rho, double rho0)
{
  if (!(rho > rho0)) return 0;
  double k = floor(log2(rho / rho0));
  return 1 + (size_t)(k < 0 ? 0 : k);
}

/* Moments of group g (see the header): kernel, forcing of R, then of the distance. */
static void group_moments(const struct lsq_limit *P, const double *y0, size_t g, double *m)
{
  double gam = P->schedule->lr, del = P->ridge, lam = P->g_lambda[g], w = P->g_weight[g];
  double q = gam * gam * P->noise * P->noise / (double)P->batch;
  double binf = lam + del > 0 ? -del * P->g_c[g] / (lam + del) : 0.0;
  double beta = y0[2 * g] - binf, a0 = y0[2 * g + 1];
  double f2 = q - 2 * gam * del * binf, f3 = -2 * gam * del * beta;
  m[0] = gam * gam * w * lam * lam;
  m[1] = w * lam * a0;
  m[2] = w * lam * f2;
  m[3] = w * lam * f3;
  m[4] = 2 * gam * gam * w * lam;
  m[5] = w * a0;
  m[6] = w * f2;
  m[7] = w * f3;
}

static int build_proxies(const struct lsq_limit *P, double T, struct proxies *X)
{
  memset(X, 0, sizeof *X);
  size_t G = P->n_groups, nb = P->n_bands > 1 ? P->n_bands : 1;
  double gam = P->schedule->lr, del = P->ridge, rho0 = 1.0 / T;
  double *y0 = malloc(2 * G * sizeof(double));
  if (!y0) return -1;
  lsq_recursion_init(P, y0); /* the ODE's initial values (b_g, a_g) */
  double rho_max = 0;
  for (size_t g = 0; g < G; g++) rho_max = fmax(rho_max, gam * (P->g_lambda[g] + del));
  X->rho_max = rho_max;
  size_t npan = panel_of(rho_max, rho0) + 1, ncell = nb * npan;
  size_t *count = calloc(ncell, sizeof(size_t)), *start = calloc(ncell + 1, sizeof(size_t));
  size_t *fill = calloc(ncell, sizeof(size_t));
  X->nb = nb;
  X->band_start = calloc(nb + 1, sizeof(size_t));
  int rc = -1;
  if (!count || !start || !fill || !X->band_start) goto done;
  for (size_t g = 0; g < G; g++) {
    size_t b = nb > 1 ? P->g_band[g] : 0;
    count[b * npan + panel_of(gam * (P->g_lambda[g] + del), rho0)]++;
  }
  for (size_t c = 0; c < ncell; c++)
    start[c + 1] = start[c] + (count[c] <= NCHEB ? count[c] : NCHEB);
  for (size_t b = 0; b <= nb; b++) X->band_start[b] = start[b * npan];
  X->n = start[ncell];
  X->rho = calloc(X->n ? X->n : 1, sizeof(double));
  X->m = calloc(X->n ? X->n : 1, sizeof *X->m);
  if (!X->rho || !X->m) goto done;
  double node[NCHEB], bw[NCHEB];
  for (int j = 0; j < NCHEB; j++) {
    double th = (2 * j + 1) * M_PI / (2 * NCHEB);
    node[j] = cos(th);
    bw[j] = (j % 2 ? -1 : 1) * sin(th);
  }
  for (size_t c = 0; c < ncell; c++) {
    if (count[c] <= NCHEB) continue;
    size_t k = c % npan;
    double lo = k == 0 ? 0 : rho0 * ldexp(1, (int)k - 1), hi = rho0 * ldexp(1, (int)k);
    for (int j = 0; j < NCHEB; j++)
      X->rho[start[c] + j] = 0.5 * (lo + hi) + 0.5 * (hi - lo) * node[j];
  }
  for (size_t g = 0; g < G; g++) {
    size_t b = nb > 1 ? P->g_band[g] : 0;
    double rho = gam * (P->g_lambda[g] + del), m[NMOM];
    size_t c = b * npan + panel_of(rho, rho0);
    group_moments(P, y0, g, m);
    if (count[c] <= NCHEB) { /* exact: the group is its own proxy */
      size_t i = start[c] + fill[c]++;
      X->rho[i] = rho;
      for (int r = 0; r < NMOM; r++) X->m[i][r] = m[r];
      continue;
    }
    size_t k = c % npan;
    double lo = k == 0 ? 0 : rho0 * ldexp(1, (int)k - 1), hi = rho0 * ldexp(1, (int)k);
    double x = (2 * rho - lo - hi) / (hi - lo), L[NCHEB], sum = 0;
    int hit = -1;
    for (int j = 0; j < NCHEB; j++) {
      if (x == node[j]) hit = j;
      L[j] = bw[j] / (x - node[j]);
      sum += L[j];
    }
    for (int j = 0; j < NCHEB; j++) L[j] = hit >= 0 ? (j == hit) : L[j] / sum;
    for (int j = 0; j < NCHEB; j++)
      for (int r = 0; r < NMOM; r++) X->m[start[c] + j][r] += L[j] * m[r];
  }
  rc = 0;
done:
  free(count);
  free(start);
  free(fill);
  free(y0);
  if (rc) proxies_free(X);
  return rc;
}

size_t lsq_volterra_proxies(const struct lsq_limit *P, double T)
{
  struct proxies X;
  if (build_proxies(P, T, &X) != 0) return 0;
  size_t n = X.n;
  proxies_free(&X);
  return n;
}

/* ---- one grid --------------------------------------------------------------------- */

/* The series K, F and, per band, K_D, F_D on the grid n h, n = 0..M-1, summed over the
 * proxies.  Chunks of SER_CHUNK steps (outer) so that the arrays stay in cache; in a chunk,
 * per proxy, the powers r^n = e^{-2 rho n h} and s^n = e^{-rho n h} come from four
 * interleaved product chains (vectorisable) and
 *   E(t_n) = (1 - r^n) / (2 rho),   Phi(t_n) = (s^n - r^n) / rho,
 * whose cancellation for small rho n h costs at most eps |coefficient| / rho absolute:
 * bounded by eps T (sum of the weights) for rho >= 1/T.  Slower proxies (rho T < 1: at
 * most the first panel) use the exact recurrences E(t+h) = r E(t) + E(h),
 * Phi(t+h) = r Phi(t) + s^n Phi(h) instead, one step at a time. */
#define SER_CHUNK 512

static void series(const struct proxies *X, double h, double T, size_t M, double *K, double *F,
                   double *const *KD, double *const *FD)
{
  size_t np = X->n, nb = X->nb;
  double *st = calloc(8 * (np ? np : 1), sizeof(double));
  double *r = st, *s = st + np, *er = st + 2 * np, *es = st + 3 * np, *Ev = st + 4 * np,
         *Ph = st + 5 * np, *E1 = st + 6 * np, *P1 = st + 7 * np;
  double pr[SER_CHUNK], ps[SER_CHUNK];
  for (size_t i = 0; i < np; i++) {
    double rho = X->rho[i];
    r[i] = exp(-2 * rho * h);
    s[i] = exp(-rho * h);
    er[i] = es[i] = 1;
    E1[i] = rho > 0 ? -expm1(-2 * rho * h) / (2 * rho) : h;
    P1[i] = rho > 0 ? s[i] * -expm1(-rho * h) / rho : h;
  }
  for (size_t n0 = 0; n0 < M; n0 += SER_CHUNK) {
    size_t C = M - n0 < SER_CHUNK ? M - n0 : SER_CHUNK;
    double *k_ = K + n0, *f_ = F + n0;
    for (size_t c = 0; c < C; c++) k_[c] = f_[c] = 0;
    for (size_t b = 0; b <= nb; b++)
      for (size_t c = 0; c < C; c++) KD[b][n0 + c] = FD[b][n0 + c] = 0;
    for (size_t b = 0; b < nb; b++) {
      double *kd = KD[1 + b] + n0, *fd = FD[1 + b] + n0;
      for (size_t i = X->band_start[b]; i < X->band_start[b + 1]; i++) {
        const double *m = X->m[i];
        double rho = X->rho[i];
        if (!(rho * T >= 1)) { /* slow proxy: exact recurrences */
          for (size_t c = 0; c < C; c++) {
            double e = er[i];
            k_[c] += m[0] * e;
            f_[c] += 0.5 * (m[1] * e + m[2] * Ev[i] + m[3] * Ph[i]);
            kd[c] += m[4] * e;
            fd[c] += m[5] * e + m[6] * Ev[i] + m[7] * Ph[i];
            Ph[i] = r[i] * Ph[i] + es[i] * P1[i];
            es[i] *= s[i];
            Ev[i] = r[i] * Ev[i] + E1[i];
            er[i] *= r[i];
          }
          continue;
        }
        /* powers below 1e-200 are flushed to zero: subnormal products would cost ~100
         * cycles each, and such terms are far below the rounding of the sums */
        double ri = r[i], si = s[i], r4 = ri * ri * ri * ri, s4 = si * si * si * si;
        if (r4 < 1e-100) r4 = 0;
        if (s4 < 1e-100) s4 = 0;
        pr[0] = er[i], ps[0] = es[i];
        for (size_t c = 1; c < 4 && c < C; c++) {
          double u = pr[c - 1] * ri, v = ps[c - 1] * si;
          pr[c] = u < 1e-200 ? 0 : u;
          ps[c] = v < 1e-200 ? 0 : v;
        }
        for (size_t c = 4; c < C; c++) {
          double u = pr[c - 4] * r4, v = ps[c - 4] * s4;
          pr[c] = u < 1e-200 ? 0 : u;
          ps[c] = v < 1e-200 ? 0 : v;
        }
        er[i] = pr[C - 1] * ri < 1e-200 ? 0 : pr[C - 1] * ri;
        es[i] = ps[C - 1] * si < 1e-200 ? 0 : ps[C - 1] * si;
        double i2r = 1 / (2 * rho), ir = 1 / rho;
        double ar = 0.5 * (m[1] - m[2] * i2r - m[3] * ir), as = 0.5 * m[3] * ir,
               a0 = 0.5 * m[2] * i2r;
        double dr = m[5] - m[6] * i2r - m[7] * ir, ds = m[7] * ir, d0 = m[6] * i2r;
        double m0 = m[0], m4 = m[4];
        for (size_t c = 0; c < C; c++) {
          k_[c] += m0 * pr[c];
          kd[c] += m4 * pr[c];
          f_[c] += (ar * pr[c] + as * ps[c]) + a0;
          fd[c] += (dr * pr[c] + ds * ps[c]) + d0;
        }
      }
      for (size_t c = 0; c < C; c++) {
        KD[0][n0 + c] += kd[c];
        FD[0][n0 + c] += fd[c];
      }
    }
  }
  free(st);
}

/* The series on the grid n h, n = 0..N: nser = 2 + 2 (nb + 1) rows of N + 1 values
 * (K, F, then K_D and F_D of the distance and of each band), or NULL. */
static double *make_series(const struct lsq_limit *P, const struct proxies *X, double h, size_t N)
{
  size_t nb = X->nb, M = N + 1, nser = 2 + 2 * (nb + 1);
  double *mem = calloc(nser * M, sizeof(double));
  if (!mem) return NULL;
  double *KD[17], *FD[17];
  for (size_t b = 0; b <= nb; b++) {
    KD[b] = mem + (2 + 2 * b) * M;
    FD[b] = mem + (3 + 2 * b) * M;
  }
  series(X, h, h * (double)N, M, mem, mem + M, KD, FD);
  double se2 = P->label_noise * P->label_noise;
  for (size_t n = 0; n < M; n++) mem[M + n] += 0.5 * se2;
  return mem;
}

/* Observables on the grid n h, n = 0..N (obs[o * (N + 1) + n]) from the series `ser`
 * computed on a grid `stride` times finer (rows of stride N + 1 values): the coarse grid
 * of the Richardson step reuses the fine grid's series. */
static int solve_grid(size_t nb, const double *ser, size_t stride, double h, size_t N, int direct,
                      double *obs)
{
  size_t M = N + 1, Ms = stride * N + 1, nser = 2 + 2 * (nb + 1);
  double *mem = malloc(nser * M * sizeof(double));
  if (!mem) return -1;
  for (size_t row = 0; row < nser; row++)
    for (size_t n = 0; n < M; n++) mem[row * M + n] = ser[row * Ms + stride * n];
  double *K = mem, *F = mem + M, *KD[17], *FD[17];
  for (size_t b = 0; b <= nb; b++) {
    KD[b] = mem + (2 + 2 * b) * M;
    FD[b] = mem + (3 + 2 * b) * M;
  }
  double *R = obs;
  int rc = hd_volterra_solve(N, h, F, K, R, direct);
  if (rc == 0) {
    /* distance (obs 1) and, with >= 2 bands, band b (obs 2 + b) */
    size_t nk = nb > 1 ? nb + 1 : 1;
    double *out[17];
    for (size_t k2 = 0; k2 < nk; k2++) out[k2] = obs + (1 + k2) * M;
    rc = convolve_all(N, h, R, KD, out, nk, direct);
    for (size_t k2 = 0; k2 < nk && rc == 0; k2++)
      for (size_t n = 0; n < M; n++) out[k2][n] += FD[k2][n];
  }
  free(mem);
  return rc;
}

static double interp(const double *y, size_t N, double h, double t)
{
  double u = t / h;
  if (u <= 0) return y[0];
  if (u >= (double)N) return y[N];
  size_t i = (size_t)u;
  if ((double)i == u) return y[i];
  size_t j0 = i >= 1 ? i - 1 : 0;
  if (j0 + 3 > N) j0 = N - 3;
  double v = 0;
  for (size_t a = j0; a < j0 + 4; a++) {
    double l = 1;
    for (size_t b = j0; b < j0 + 4; b++)
      if (b != a) l *= (u - (double)b) / ((double)a - (double)b);
    v += l * y[a];
  }
  return v;
}

int lsq_volterra_eval(const struct lsq_limit *P, const double *t, size_t n_t, double h, double rtol,
                      int flags, double *values, double *h_used, size_t *n_used, char *msg,
                      size_t msglen)
{
  if (P->schedule->kind != HD_SCHEDULE_CONSTANT || P->clip > 0) {
    snprintf(msg, msglen, "the Volterra form needs a constant learning rate and no clipping");
    return -1;
  }
  if (P->n_bands > 16) {
    snprintf(msg, msglen, "the Volterra form handles at most 16 bands");
    return -1;
  }
  double T = t[n_t - 1];
  if (!(T > 0)) {
    snprintf(msg, msglen, "the Volterra form needs a positive horizon");
    return -1;
  }
  struct proxies X;
  if (build_proxies(P, T, &X) != 0) {
    snprintf(msg, msglen, "Volterra theory: out of memory");
    return -1;
  }
  if (!(h > 0)) {
    h = T / 64;
    if (X.rho_max > 0) h = fmin(h, pow(rtol, 0.25) / X.rho_max);
  }
  double Nf = ceil(T / h * (1 - 1e-12));
  size_t N = Nf > (double)MAX_STEPS ? MAX_STEPS : (size_t)Nf;
  if (N < 8) N = 8;
  h = T / (double)N;
  if (h_used) *h_used = h;
  if (n_used) *n_used = N;
  size_t n_obs = P->n_obs;
  int rich = !(flags & LSQ_VOLTERRA_NO_RICHARDSON), direct = flags & LSQ_VOLTERRA_DIRECT;
  double *c = malloc(n_obs * (N + 1) * sizeof(double));
  double *f = rich ? malloc(n_obs * (2 * N + 1) * sizeof(double)) : NULL;
  int rc = -1;
  if (!c || (rich && !f)) {
    snprintf(msg, msglen, "Volterra theory: out of memory (%zu steps)", N);
    goto done;
  }
  size_t stride = rich ? 2 : 1;
  double *ser = make_series(P, &X, h / (double)stride, stride * N);
  int bad = !ser || solve_grid(X.nb, ser, stride, h, N, direct, c) != 0 ||
            (rich && solve_grid(X.nb, ser, 1, h / 2, 2 * N, direct, f) != 0);
  free(ser);
  if (bad) {
    snprintf(msg, msglen,
             "Volterra theory failed (step %g too large for the kernel, or out "
             "of memory)",
             h);
    goto done;
  }
  if (rich)
    for (size_t o = 0; o < n_obs; o++)
      for (size_t n = 0; n <= N; n++)
        c[o * (N + 1) + n] = (4 * f[o * (2 * N + 1) + 2 * n] - c[o * (N + 1) + n]) / 3;
  for (size_t o = 0; o < n_obs; o++)
    for (size_t j = 0; j < n_t; j++) values[o * n_t + j] = interp(c + o * (N + 1), N, h, t[j]);
  rc = 0;
done:
  free(c);
  free(f);
  proxies_free(&X);
  return rc;
}

int lsq_volterra(const struct lsq_limit *L, const struct hd_run_params *run,
                 const struct hd_output_grid *g, double *values, char *msg, size_t msglen)
{
  return lsq_volterra_eval(L, g->t, g->n, 0, run->rtol, 0, values, NULL, NULL, msg, msglen);
}
