/* test_sam_quadratic.c — sam_quadratic's exact theory (sam.md §3.1-3.4) and its Monte Carlo.
 *
 *  1. Stationary E f, sam.md §3.3 reference values (H = diag(1, .5, .1), Sigma = .01 I,
 *     eta = .01, rho = .1), to the 6 digits the spec gives.
 *  2. CVODE mean/covariance ODE (O1-O2) = exact OU solution to 1e-8 relative, with a
 *     non-diagonal Sigma (4 x 4 file), for the factor (S1b) and truncated (S1a) diffusions.
 *  3. Lyapunov solve (O3, LAPACKE Bartels-Stewart) = eigenbasis closed form to 1e-12, and
 *     = the OU covariance at t -> infinity.
 *  4. Exact USAM recursion (U1-U2) = Monte Carlo of the algorithm (Q2) with the same
 *     non-diagonal Sigma: |mean - recursion| <= 4 s.e. at every output (maximum over ~60
 *     correlated comparisons; 4 s.e. has a two-sided tail of 6e-5 each).
 *  5. Weak error (§3.4): sam.md's closed-form table for eta = .04 ... .0025 with rho =
 *     sqrt(eta), to 4 digits, and fitted slopes 1 +- 0.1 (USAM SDE) and 0.5 +- 0.1 (SGD SDE).
 *  6. Euler-Maruyama with h = eta and synchronous coupling reproduces the algorithm path by
 *     path (USAM S1b and DNSAM factor form, sam.md §2.8) up to rounding (1e-12).
 *  7. Saddle (§3.7): USAM is trapped iff rho > 1/|lambda_-|, both ways, by the exact
 *     recursion and by Monte Carlo escape counts. */
#include <string.h>

#define HDSIM_SAM_PACKAGE /* reaches into the plan */
#include "problems/sam/sam_quadratic.h"
#include "rng.h"
#include "testlib.h"

static const char *src_root(void)
{
  const char *r = getenv("HDSIM_SOURCE_ROOT");
  return r ? r : "..";
}

static struct hd_session *quad(const char *algorithm, double eta, double rho, const char *extra)
{
  return tl_session("[model]\nproblem = sam_quadratic\nseed = 11\n"
                    "[quadratic]\neigenvalues = 1, 0.5, 0.1\nnoise_std = 0.1\nx0 = 1\n"
                    "[optimizer]\nalgorithm = %s\nlr = %.17g\nrho = %.17g\n"
                    "[simulation]\nhorizon = 5\n%s",
                    algorithm, eta, rho, extra);
}

/* the theory's system of a session's plan */
static const struct samq_system *sys_of(const struct hd_session *s)
{
  return &((const struct samq_plan *)s->plan)->sde;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(a), fabs(b)); }

static void stationary_reference(void)
{
  struct hd_session *a = quad("usam", 0.01, 0.1, "[sde]\ndiffusion = factor\n");
  struct hd_session *b = quad("usam", 0.01, 0.1, "[sde]\ndiffusion = truncated\n");
  struct hd_session *c = quad("sgd", 0.01, 0.0, "");
  double ld = samq_stationary_loss_discrete(sys_of(a)), l1b = samq_stationary_loss_sde(sys_of(a));
  double l1a = samq_stationary_loss_sde(sys_of(b)), l0 = samq_stationary_loss_sde(sys_of(c));
  tl_check(rel(ld, 7.92339e-5) < 1e-5, "stationary E f, discrete USAM %.6e (ref 7.92339e-5)", ld);
  tl_check(rel(l1b, 7.9e-5) < 1e-9, "stationary E f, USAM SDE S1b %.6e (ref 7.90000e-5)", l1b);
  tl_check(rel(l1a, 7.87107e-5) < 1e-5, "stationary E f, USAM SDE S1a %.6e (ref 7.87107e-5)", l1a);
  tl_check(rel(l0, 7.5e-5) < 1e-9, "stationary E f, SGD SDE %.6e (ref 7.50000e-5)", l0);
  tl_session_free(a);
  tl_session_free(b);
  tl_session_free(c);
}

static struct hd_session *full_sigma(const char *diffusion, const char *method, long runs)
{
  return tl_session("[model]\nproblem = sam_quadratic\nseed = 4\n"
                    "[quadratic]\neigenvalues = 1.5, 0.8, 0.3, 0.05\n"
                    "noise_file = %s/data/sam_sigma4.txt\nx0 = 1, -0.5, 0.25, 2\n"
                    "[optimizer]\nalgorithm = usam\nlr = 0.05\nrho = 0.3\nbatch = 2\n"
                    "[sde]\ndiffusion = %s\nper_direction = true\n"
                    "[simulation]\nruns = %ld\nhorizon = 20\n"
                    "[theory]\nmethod = %s\nrtol = 1e-11\natol = 1e-14\n"
                    "[output]\ntimes = linear(0, 20, 21)\n",
                    src_root(), diffusion, runs, method);
}

static void ode_vs_exact(const char *diffusion)
{
  struct hd_session *s = full_sigma(diffusion, "ode", 1);
  struct samq_plan *P = s->plan;
  const struct samq_system *Q = &P->sde;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, HD_THEORY_ODE, &th);
  size_t n = samq_moment_dimension(Q), no = th.n_obs;
  double *y = malloc(n * sizeof *y), out[16], worst = 0;
  for (size_t k = 0; k < g.n; k++) {
    samq_ou_exact(Q, g.t[k], y);
    samq_moment_observe(Q, y, out);
    for (size_t o = 0; o < no; o++) worst = fmax(worst, rel(out[o], th.values[o * g.n + k]));
  }
  tl_check(worst < 1e-8,
           "CVODE moments (O1-O2, %s) = exact OU solution: max rel. error %.2e "
           "over %zu observables x %zu times (%s, %ld steps)",
           diffusion, worst, no, g.n, th.stats.linsol, th.stats.steps);

  /* 3. Lyapunov */
  size_t d = P->d;
  double C[16], Cc, w1 = 0, w2 = 0;
  int info = samq_stationary_covariance(Q, C);
  samq_ou_exact(Q, 1e4, y);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      Cc = P->p.lr * samq_noise_factor(Q, i, j) * P->Sigma[i * d + j] /
           (samq_mu(Q, i) + samq_mu(Q, j));
      w1 = fmax(w1, fabs(C[i * d + j] - Cc) / fabs(C[i * d + i]));
      size_t a = i < j ? i : j, b = i < j ? j : i;
      double ou = y[d + a * d - a * (a - 1) / 2 + (b - a)];
      w2 = fmax(w2, fabs(C[i * d + j] - ou) / fabs(C[i * d + i]));
    }
  tl_check(info == 0 && w1 < 1e-12 && w2 < 1e-10,
           "Lyapunov (O3, dgees + dtrsyl, %s) = eigenbasis form (%.1e) = OU at t = 1e4 (%.1e)",
           diffusion, w1, w2);
  free(y);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void recursion_vs_mc(void)
{
  const long runs = 4000;
  struct hd_session *s = full_sigma("factor", "recursion", runs);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, HD_THEORY_RECURSION, &th);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  double worst = 0;
  size_t used = 0;
  for (size_t o = 0; o < th.n_obs; o++)
    for (size_t k = 1; k < g.n; k++) {
      size_t i = o * g.n + k;
      worst = fmax(worst, fabs(mc.mean[i] - th.values[i]) / mc.stderr_[i]);
      used++;
    }
  tl_check(mc.n_diverged == 0 && worst <= 4,
           "exact USAM recursion (U1-U2) vs Monte Carlo of Q2 (non-diagonal Sigma, B = 2, %ld "
           "runs): max |mean - exact| = %.2f s.e. over %zu comparisons",
           runs, worst, used);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void weak_error(void)
{
  static const double eta[5] = {0.04, 0.02, 0.01, 0.005, 0.0025};
  static const double ref[3][5] = {{5.3299e-3, 2.5268e-3, 1.2178e-3, 5.9345e-4, 2.9142e-4},
                                   {5.3274e-3, 2.5262e-3, 1.2176e-3, 5.9341e-4, 2.9141e-4},
                                   {4.6075e-2, 3.2112e-2, 2.2531e-2, 1.5867e-2, 1.1195e-2}};
  double e[3][5], worst = 0;
  for (int k = 0; k < 5; k++) {
    double rho = sqrt(eta[k]);
    struct hd_session *alg = quad("usam", eta[k], rho, "");
    struct hd_session *s1b = quad("usam", eta[k], rho, "[sde]\ndiffusion = factor\n");
    struct hd_session *s1a = quad("usam", eta[k], rho, "[sde]\ndiffusion = truncated\n");
    struct hd_session *s0 = quad("sgd", eta[k], 0.0, "");
    e[0][k] = samq_weak_error_loss(sys_of(alg), sys_of(s1b), 5.0);
    e[1][k] = samq_weak_error_loss(sys_of(alg), sys_of(s1a), 5.0);
    e[2][k] = samq_weak_error_loss(sys_of(alg), sys_of(s0), 5.0);
    for (int c = 0; c < 3; c++) worst = fmax(worst, rel(e[c][k], ref[c][k]));
    tl_session_free(alg);
    tl_session_free(s1b);
    tl_session_free(s1a);
    tl_session_free(s0);
  }
  tl_check(worst < 1e-4,
           "weak-error table of sam.md §3.4 reproduced (15 entries, worst rel. "
           "deviation %.1e from the 5 printed digits)",
           worst);
  double a = sam_loglog_slope(eta, e[0], 5), b = sam_loglog_slope(eta, e[1], 5);
  double c = sam_loglog_slope(eta, e[2], 5);
  tl_check(fabs(a - 1) < 0.1 && fabs(b - 1) < 0.1,
           "USAM vs its SDE: fitted slopes %.3f (S1b), %.3f (S1a); order 1", a, b);
  tl_check(fabs(c - 0.5) < 0.1, "USAM vs SGD SDE with rho = sqrt(eta): slope %.3f; order 1/2", c);
}

/* Bartels-Stewart on a non-normal A (complex eigenvalues, positive real parts): residual. */
static void lyapunov_general(void)
{
  enum { n = 5 };
  double A[n * n], R[n * n], C[n * n], res = 0, scale = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      A[i * n + j] = (i == j ? 1.0 + 0.3 * i : 0.0) + 0.4 * sin(1.7 * i + 0.9 * j + 0.3);
      R[i * n + j] = (i == j ? 2.0 : 0.0) + 0.1 * cos(i + j);
    }
  int info = hd_lyapunov_continuous(n, A, R, C);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double s = -R[i * n + j];
      for (int k = 0; k < n; k++) s += A[i * n + k] * C[k * n + j] + C[i * n + k] * A[j * n + k];
      res = fmax(res, fabs(s));
      scale = fmax(scale, fabs(R[i * n + j]));
    }
  tl_check(info == 0 && res < 1e-13 * scale * 10,
           "Lyapunov A C + C A^T = R, non-normal 5x5 A: "
           "residual %.1e",
           res);
}

static void em_equals_algorithm(const char *algorithm, double rho)
{
  const char *fmt = "[model]\nproblem = sam_quadratic\nseed = 9\n"
                    "[quadratic]\neigenvalues = 2, 1, -0.5\nnoise_std = 0.05\nx0 = 0.3\n"
                    "[optimizer]\nalgorithm = %s\nlr = 0.02\nrho = %g\n"
                    "[sde]\npath = %s\n[simulation]\nruns = 3\nhorizon = 2\n"
                    "[theory]\nmethod = none\n[output]\ntimes = linear(0, 2, 5)\n";
  struct hd_session *a = tl_session(fmt, algorithm, rho, "algorithm");
  struct hd_session *b = tl_session(fmt, algorithm, rho, "sde");
  struct hd_output_grid g;
  tl_grid(a, &g);
  struct hd_mc_result ma, mb;
  hd_mc_run(a->pb, a->plan, &g, 3, 1, a->run.divergence, 1, &ma);
  hd_mc_run(b->pb, b->plan, &g, 3, 1, b->run.divergence, 1, &mb);
  double worst = 0;
  for (size_t i = 0; i < ma.n_obs * ma.runs * ma.n_times; i++)
    worst = fmax(worst, fabs(ma.values[i] - mb.values[i]) / fmax(1e-300, fabs(ma.values[i])));
  tl_check(worst < 1e-12,
           "%s: EM (h = eta, sync coupling) = the algorithm path by path "
           "(max rel. difference %.1e)",
           algorithm, worst);
  hd_mc_result_free(&ma);
  hd_mc_result_free(&mb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

/* §3.7 setup: lambda = (1, -1), eta = .01, sigma = .01, x0 = (.5, 1e-3), 20000 steps. */
static void saddle(double rho, int trapped)
{
  const long runs = 40;
  struct hd_session *s = tl_session(
      "[model]\nproblem = sam_quadratic\nseed = 2\n"
      "[quadratic]\neigenvalues = 1, -1\nnoise_std = 0.01\nx0 = 0.5, 1e-3\n"
      "[optimizer]\nalgorithm = usam\nlr = 0.01\nrho = %g\n"
      "[sde]\nper_direction = true\n[simulation]\nruns = %ld\nhorizon = 200\n"
      "[theory]\nmethod = recursion\n[output]\ntimes = linear(0, 200, 3)\n",
      rho, runs);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, HD_THEORY_RECURSION, &th);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, 1e300, 1, &mc);
  size_t last = g.n - 1, o = 4; /* m2_1: the negative direction */
  long escaped = 0;
  for (size_t r = 0; r < mc.runs; r++)
    escaped += mc.values[(o * mc.runs + r) * mc.n_times + last] > 1.0;
  double m2 = th.values[o * g.n + last];
  int ok = trapped ? (escaped == 0 && m2 < 1e-4) : (escaped == runs && m2 > 1e6);
  tl_check(ok,
           "saddle, USAM rho = %.2f (threshold 1/|lambda_-| = 1): %s; exact E x_-^2(T) = "
           "%.3g, %ld/%ld runs escaped |x_-| > 1",
           rho, trapped ? "trapped" : "escapes", m2, escaped, runs);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* §3.5: the quadrature moments of SAM's one-step update G = (I + rho H / ||g||) g,
 * g = H x + Z, Z ~ N(0, s^2 I), against direct sampling at fixed x: mean (drift
 * H x + rho phi_1 H e) and covariance (exact: s^2 I + rho (P H + H P) + rho^2 H Q H), each
 * entry within 4.5 sampling standard errors (24 comparisons), and phi_1 -> 1 as s -> 0. */
static void sam_conditional_moments(void)
{
  struct hd_session *s = tl_session(
      "[model]\nproblem = sam_quadratic\nseed = 1\n"
      "[quadratic]\neigenvalues = 1.5, 0.7, -0.4\nnoise_std = 0.3\nx0 = 0.2, -0.3, 0.25\n"
      "[optimizer]\nalgorithm = sam\nlr = 0.01\nrho = 0.4\n"
      "[sde]\npath = sde\ndiffusion = factor\n[simulation]\nhorizon = 1\n"
      "[theory]\nmethod = none\n");
  struct samq_plan *P = s->plan;
  enum { d = 3 };
  const long N = 400000;
  double M[d * d], e[d], x[d] = {0.2, -0.3, 0.25}, mean[d] = {0}, S2[d * d] = {0}, Q2[d * d] = {0};
  samq_sam_covariance(&P->sde, x, M, e);
  struct samq_sam_mom m;
  double a = 0;
  for (int i = 0; i < d; i++) a += pow(P->lambda[i] * x[i], 2);
  a = sqrt(a);
  samq_sam_moments(&P->sde, a, &m);
  struct hd_rng r;
  hd_rng_init(&r, 99, 0, 1, 0);
  double *G = malloc((size_t)N * d * sizeof *G);
  for (long n = 0; n < N; n++) {
    double g[d], gn = 0;
    for (int i = 0; i < d; i++) {
      g[i] = P->lambda[i] * x[i] + P->s_iso * hd_rng_normal(&r);
      gn += g[i] * g[i];
    }
    gn = sqrt(gn);
    for (int i = 0; i < d; i++) {
      G[n * d + i] = g[i] + P->p.rho * P->lambda[i] * g[i] / gn;
      mean[i] += G[n * d + i] / (double)N;
    }
  }
  for (long n = 0; n < N; n++)
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) {
        double c = (G[n * d + i] - mean[i]) * (G[n * d + j] - mean[j]);
        S2[i * d + j] += c / (double)N;
        Q2[i * d + j] += c * c / (double)N;
      }
  double worst = 0;
  for (int i = 0; i < d; i++) {
    double want = P->lambda[i] * (x[i] + P->p.rho * m.phi1 * e[i]);
    double se = sqrt(S2[i * d + i] / (double)N);
    worst = fmax(worst, fabs(mean[i] - want) / se);
    for (int j = 0; j < d; j++) {
      double sc = sqrt((Q2[i * d + j] - S2[i * d + j] * S2[i * d + j]) / (double)N);
      worst = fmax(worst, fabs(S2[i * d + j] - M[i * d + j]) / sc);
    }
  }
  tl_check(worst < 4.5,
           "SAM one-step moments (§3.5, quadrature) = sampling at fixed x, %ld "
           "draws: worst %.2f s.e. over the drift and the 9 covariance entries",
           N, worst);
  struct hd_session *t = tl_session(
      "[model]\nproblem = sam_quadratic\n[quadratic]\neigenvalues = 1, 2\nnoise_std = 1e-6\n"
      "[optimizer]\nalgorithm = sam\nlr = 0.01\nrho = 0.4\n[simulation]\nhorizon = 1\n"
      "[theory]\nmethod = none\n");
  struct samq_sam_mom m0;
  samq_sam_moments(sys_of(t), 0.5, &m0);
  tl_check(fabs(m0.phi1 - 1) < 1e-10 && fabs(m0.gamma1 - 1) < 1e-10,
           "sigma -> 0: phi_1 = 1 - %.1e, gamma_1 = 1 - %.1e", 1 - m0.phi1, 1 - m0.gamma1);
  free(G);
  tl_session_free(s);
  tl_session_free(t);
}

/* SAM's SDE (S3) paths, coupled to the algorithm (h = eta/2): the paired weak error of
 * E f against S3 is below 1/5 of that against the SGD SDE (expected ratio ~1/20 at
 * eta = .02, rho = sqrt(eta): data/sam_weak_error). */
static double paired_loss_error(struct hd_session *a, struct hd_session *b, long runs)
{
  struct hd_output_grid g;
  tl_grid(a, &g);
  struct hd_mc_result ra, rb;
  hd_mc_run(a->pb, a->plan, &g, runs, 0, 1e300, 1, &ra);
  hd_mc_run(b->pb, b->plan, &g, runs, 0, 1e300, 1, &rb);
  double worst = 0;
  for (size_t k = 0; k < g.n; k++) {
    double m = 0;
    for (size_t r = 0; r < ra.runs; r++)
      m += (ra.values[r * g.n + k] - rb.values[r * g.n + k]) / (double)runs;
    worst = fmax(worst, fabs(m));
  }
  hd_mc_result_free(&ra);
  hd_mc_result_free(&rb);
  hd_output_grid_free(&g);
  return worst;
}

static void sam_sde_paths(void)
{
  const char *fmt = "[model]\nproblem = sam_quadratic\nseed = 5\n"
                    "[quadratic]\neigenvalues = 1, 0.5, 0.1\nnoise_std = 0.1\nx0 = 1\n"
                    "[optimizer]\nalgorithm = %s\nlr = 0.02\nrho = %g\n"
                    "[sde]\npath = %s\nsubsteps = 2\n[simulation]\nhorizon = 2\n"
                    "[theory]\nmethod = none\n[output]\ntimes = linear(0, 2, 11)\n";
  double rho = sqrt(0.02);
  struct hd_session *a = tl_session(fmt, "sam", rho, "algorithm");
  struct hd_session *s = tl_session(fmt, "sam", rho, "sde");
  struct hd_session *g = tl_session(fmt, "sgd", 0.0, "sde");
  double es = paired_loss_error(a, s, 100), eg = paired_loss_error(a, g, 100);
  tl_check(es < eg / 5,
           "SAM vs its SDE (S3, coupled, h = eta/2): weak loss error %.2e, vs "
           "the SGD SDE %.2e",
           es, eg);
  tl_session_free(a);
  tl_session_free(s);
  tl_session_free(g);
}

/* §3.7 stochastic table (2-D, lambda = (1, -1), eta = sigma = .01, x0 = (.5, 1e-3),
 * 20000 steps, escape = |x_-| > 1).  Escape steps are read on a grid of 5 steps.  The
 * linear prediction is k = ln(1/|Y|) / ln(1 + eta |mu|) with Y = x0_- plus the accumulated
 * noise, N(0, eta^2 beta^2 sigma^2 / ((1 + eta |mu|)^2 - 1)); its median is 693.7 (SGD) and
 * 1384.9 (USAM rho = .5) (numerically, 2e6 draws; a 4000-run numpy simulation gives 693).
 * The sample median must be within 4 s.e. of it, s.e.(median) = 1.2533 IQR / (1.349 sqrt n),
 * plus 5 steps of grid.  SAM (rho = .5) never escapes; DNSAM (rho = .5) escapes in 62% of
 * sam.md's 2000 runs: within 4 binomial s.e. of that. */
static void saddle_escape(const char *alg, double rho, double want_frac, double want_median)
{
  const long runs = 500;
  double horizon = want_median > 0 ? 30 : 200;
  struct hd_session *s = tl_session(
      "[model]\nproblem = sam_quadratic\nseed = 8\n"
      "[quadratic]\neigenvalues = 1, -1\nnoise_std = 0.01\nx0 = 0.5, 1e-3\n"
      "[optimizer]\nalgorithm = %s\nlr = 0.01\nrho = %g\n"
      "[sde]\nper_direction = true\n[simulation]\nruns = %ld\nhorizon = %g\n"
      "divergence = 1e300\n[theory]\nmethod = none\n[output]\ntimes = linear(0, %g, %ld)\n",
      alg, rho, runs, horizon, horizon, (long)(horizon * 20) + 1);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, 1e300, 1, &mc);
  double *steps = malloc(runs * sizeof *steps);
  long esc = 0;
  for (long r = 0; r < runs; r++)
    for (size_t k = 0; k < g.n; k++)
      if (mc.values[(4 * runs + r) * g.n + k] > 1.0) {
        steps[esc++] = (double)g.steps[k];
        break;
      }
  for (long i = 1; i < esc; i++) /* insertion sort for the median */
    for (long j = i; j > 0 && steps[j] < steps[j - 1]; j--) {
      double t = steps[j];
      steps[j] = steps[j - 1];
      steps[j - 1] = t;
    }
  double frac = (double)esc / (double)runs, med = esc ? steps[esc / 2] : NAN;
  double iqr = esc > 4 ? steps[3 * esc / 4] - steps[esc / 4] : 0;
  double se_med = 1.2533 * iqr / (1.349 * sqrt((double)(esc ? esc : 1)));
  int ok;
  if (want_median > 0) ok = esc == runs && fabs(med - want_median) < 4 * se_med + 5;
  else if (want_frac == 0) ok = esc == 0;
  else ok = fabs(frac - want_frac) < 4 * sqrt(want_frac * (1 - want_frac) / (double)runs);
  if (want_median > 0)
    tl_check(ok,
             "saddle escape, %s rho = %g: %.0f%% of %ld runs escaped, median step %.0f +- %.1f "
             "(prediction %.1f)",
             alg, rho, 100 * frac, runs, med, se_med, want_median);
  else
    tl_check(ok,
             "saddle escape, %s rho = %g: %.1f%% of %ld runs escaped in 20000 steps (spec "
             "§3.7: %.0f%%)",
             alg, rho, 100 * frac, runs, 100 * want_frac);
  free(steps);
  hd_mc_result_free(&mc);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* §3.6: full-batch SAM (noise 0) on lambda = (1, .5, .2, .05), eta = .3, rho = .05 ends in
 * the 2-cycle +-s* u_1, s* = eta rho lambda_1 / (2 - eta lambda_1) = 8.8235e-3, the other
 * directions dying out; and the full-batch flow (F2) reaches the minimum in finite time
 * (with the norm guard eps it then decays stiffly, or CVODE stops there and reports it),
 * the ODE/algorithm mismatch near minima of sam.md §2.7 item 5. */
static void two_cycle(void)
{
  struct hd_session *s = tl_session(
      "[model]\nproblem = sam_quadratic\n[quadratic]\neigenvalues = 1, 0.5, 0.2, 0.05\n"
      "noise_std = 0\nx0 = 1, 0.7, -0.4, 0.3\n[optimizer]\nalgorithm = sam\nlr = 0.3\n"
      "rho = 0.05\n[sde]\nper_direction = true\n[simulation]\nruns = 1\nhorizon = 300\n"
      "[theory]\nmethod = ode\n[output]\ntimes = linear(0, 300, 4)\n");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, 1, 1, 1e300, 1, &mc);
  double star = 0.3 * 0.05 / (2 - 0.3);
  double amp = sqrt(mc.values[3 * g.n + g.n - 1]); /* m2_0 (observable 3) at the last time */
  double rest = 0;
  for (int i = 1; i < 4; i++) rest = fmax(rest, mc.values[(3 + i) * g.n + g.n - 1]);
  tl_check(fabs(amp - star) < 1e-9 && rest < 1e-8,
           "full-batch SAM 2-cycle amplitude %.10f "
           "(s* = %.10f), other directions %.1e",
           amp, star, sqrt(rest));
  struct hd_theory_result th;
  struct hd_run_params run = s->run;
  hd_theory_run(s->pb, s->plan, &g, &run, &th);
  double fl = th.values[g.n - 1], alg = mc.values[g.n - 1];
  tl_check((th.failed && th.t_fail < 300) || fl < 1e-20,
           "full-batch flow (F2) reaches the minimum (%s, loss %.1e at t = 300) while the "
           "algorithm keeps the 2-cycle loss %.3e",
           th.failed ? "CVODE stops there" : "converged", fl, alg);
  hd_theory_result_free(&th);
  hd_mc_result_free(&mc);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

/* plan_print names the theory that will run and its state size, plan_bytes counts it:
 * d = 3 has 3 means and 6 covariances (O1-O2); the full-batch SAM flow (F2) has d values. */
static void plan_printed(void)
{
  struct hd_session *s = quad("usam", 0.01, 0.1, "");
  struct hd_session *f = tl_session("[model]\nproblem = sam_quadratic\n[quadratic]\n"
                                    "eigenvalues = 1, 0.5, 0.1\nnoise_std = 0\n[optimizer]\n"
                                    "algorithm = sam\nlr = 0.01\nrho = 0.1\n"
                                    "[simulation]\nhorizon = 1\n");
  char *text = NULL, *flow = NULL;
  size_t len = 0, th = 0, thr = 1, thf = 0;
  FILE *out = open_memstream(&text, &len);
  s->pb->plan_print(s->plan, out);
  fclose(out);
  out = open_memstream(&flow, &len);
  f->pb->plan_print(f->plan, out);
  fclose(out);
  size_t bytes = s->pb->plan_bytes(s->plan, &th, &thr);
  f->pb->plan_bytes(f->plan, &thf, NULL);
  tl_check(strstr(text, "OU moment ODE (O1-O2), 9 values") && strstr(flow, "(F2), 3 values") &&
               th == 9 * sizeof(double) && thf == 3 * sizeof(double) && thr == 0 && bytes > 0,
           "plan_print / plan_bytes: moments 9 values (%zu bytes), flow 3 values (%zu bytes), "
           "plan %zu bytes",
           th, thf, bytes);
  free(text);
  free(flow);
  tl_session_free(s);
  tl_session_free(f);
}

int main(void)
{
  plan_printed();
  two_cycle();
  saddle_escape("sgd", 0, 1, 693.7);
  saddle_escape("usam", 0.5, 1, 1384.9);
  saddle_escape("sam", 0.5, 0, 0);
  saddle_escape("dnsam", 0.5, 0.62, 0);
  sam_sde_paths();
  sam_conditional_moments();
  stationary_reference();
  ode_vs_exact("factor");
  ode_vs_exact("truncated");
  recursion_vs_mc();
  weak_error();
  em_equals_algorithm("usam", 0.2);
  em_equals_algorithm("dnsam", 0.2);
  em_equals_algorithm("sgd", 0.0);
  lyapunov_general();
  saddle(0.5, 0);
  saddle(0.8, 0);
  saddle(1.25, 1);
  saddle(2.0, 1);
  return tl_finish();
}
