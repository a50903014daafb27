/* test_lsq_stationary.c — stationary covariances simulated in the pixel basis with FFTW
 * (src/sim/lsq_stationary.c), against the eigenbasis theory (LS-2..LS-4, NS-2).
 *
 * fast (no argument):
 *   (1) the real Fourier basis: to_eigen(from_eigen(v)) = v and U diag(lambda) U^T = C, the
 *       circulant covariance computed directly from S(f) (to 1e-12);
 *   (2) the feature draw x = C^{1/2} z has covariance C: Monte Carlo of E[x x^T] within
 *       5 standard errors per entry (Var(x_j x_l) = C_jj C_ll + C_jl^2 for Gaussian x;
 *       5 s.e. because the maximum runs over d^2 correlated entries);
 *   (3) the observables read by one FFT equal the direct 1/2 (e^T C e + sigma^2) and ||e||^2
 *       to 1e-12; theta* in the pixel basis has exactly the drawn eigen-coordinates;
 *   (4) the theory of spectrum = stationary equals that of spectrum = file with the same
 *       eigenvalues (and the same drawn p), and a small Monte Carlo (d = 256, 32 runs) is
 *       within k s.e. + |NS-2 - ODE| of the ODE (k: testlib.h's tl_bound_k, the Student-t
 *       multiplier for a 1e-3 false alarm over all the comparisons);
 *   (5) combinations the pixel basis cannot run are refused at validation.
 * slow (--slow): Monte Carlo in the pixel basis vs the ODE at d = 1024, 4096 (1-D) and
 *   64 x 64 (2-D), 32 runs, |mean - ODE| <= k s.e. + |NS-2 - ODE| at every output time (the
 *   bound of test_lsq_theory_vs_sim.c), the error scale shrinking with d; and the same model
 *   in the eigenbasis (spectrum = file, same eigenvalues, same target) against the same ODE
 *   and against the pixel-basis mean (|pix - eig| <= k sqrt(se_pix^2 + se_eig^2)): the
 *   rotation invariance the specs rely on, checked. */
#include <string.h>
#include <unistd.h>

#include "problems/lsq/lsq_plan.h"
#include "sim/lsq_stationary.h"
#include "testlib.h"

enum { RUNS = 32 };

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* C_{jl} = c(j - l) = (1/d) sum_k lambda_k cos(2 pi k.(j - l) / n), lambda_k from S(f)
 * directly (independent of the basis code). */
static double *circulant(int dims, size_t d, double a, double f0)
{
  size_t n = dims == 1 ? d : (size_t)llround(sqrt((double)d));
  size_t n1 = dims == 1 ? 1 : n;
  double *lam = malloc(d * sizeof *lam), s = 0;
  for (size_t k = 0; k < d; k++) {
    long k1 = dims == 1 ? 0 : (long)(k / n), k2 = (long)(k % n);
    if (2 * k1 > (long)n) k1 -= (long)n;
    if (2 * k2 > (long)n) k2 -= (long)n;
    double f2 = (double)(k1 * k1 + k2 * k2) / ((double)n * (double)n);
    lam[k] = pow(1 + f2 / (f0 * f0), -a / 2);
    s += lam[k];
  }
  for (size_t k = 0; k < d; k++) lam[k] *= (double)d / s;
  double *C = malloc(d * d * sizeof *C);
  for (size_t j = 0; j < d; j++)
    for (size_t l = 0; l < d; l++) {
      long m1 = dims == 1 ? 0 : (long)(j / n) - (long)(l / n);
      long m2 = dims == 1 ? (long)j - (long)l : (long)(j % n) - (long)(l % n);
      double c = 0;
      for (size_t k = 0; k < d; k++) {
        long k1 = dims == 1 ? 0 : (long)(k / n), k2 = (long)(k % n);
        c += lam[k] * cos(2 * M_PI * (double)(k1 * m1 + k2 * m2) / (double)n);
      }
      C[j * d + l] = c / (double)d;
    }
  (void)n1;
  free(lam);
  return C;
}

static void test_basis_and_draw(int dims, size_t d, double a, double f0, long N)
{
  char msg[256];
  struct hd_stationary *S = hd_stationary_create(dims, d, a, f0, msg, sizeof msg);
  if (!S) {
    tl_check(0, "create: %s", msg);
    return;
  }
  double *C = circulant(dims, d, a, f0), *lam = malloc(d * sizeof *lam);
  hd_stationary_lambda(S, lam);
  double *v = malloc(d * sizeof *v), *x = malloc(d * sizeof *x), *w = malloc(d * sizeof *w);
  double *U = malloc(d * d * sizeof *U);
  /* (1) columns of U = from_eigen(unit vectors); round trip; U diag(lambda) U^T = C */
  double rt = 0, dc = 0, cmax = 0;
  for (size_t i = 0; i < d; i++) {
    memset(v, 0, d * sizeof *v);
    v[i] = 1;
    hd_stationary_from_eigen(S, v, x);
    for (size_t j = 0; j < d; j++) U[j * d + i] = x[j];
    hd_stationary_to_eigen(S, x, w);
    for (size_t j = 0; j < d; j++) rt = fmax(rt, fabs(w[j] - v[j]));
  }
  for (size_t j = 0; j < d; j++)
    for (size_t l = 0; l < d; l++) {
      double c = 0;
      for (size_t i = 0; i < d; i++) c += U[j * d + i] * lam[i] * U[l * d + i];
      dc = fmax(dc, fabs(c - C[j * d + l]));
      cmax = fmax(cmax, fabs(C[j * d + l]));
    }
  tl_check(rt < 1e-13 && dc < 1e-12 * cmax,
           "%d-D d = %zu: real Fourier basis orthonormal (round trip %.1e), U diag(lambda) U^T "
           "= circulant C (max dev %.1e, lambda_max %.3g)",
           dims, d, rt, dc, lam[0]);
  /* (2) E[x x^T] = C within 5 s.e. per entry */
  double *M = calloc(d * d, sizeof *M);
  double *work = malloc(hd_stationary_work_size(S) * sizeof(double));
  for (long k = 0; k < N; k++) {
    hd_stationary_features(S, 99, 0, (uint64_t)k, work, x);
    for (size_t j = 0; j < d; j++)
      for (size_t l = 0; l < d; l++) M[j * d + l] += x[j] * x[l];
  }
  double zmax = 0;
  for (size_t j = 0; j < d; j++)
    for (size_t l = 0; l < d; l++) {
      double c = C[j * d + l], se = sqrt((C[j * d + j] * C[l * d + l] + c * c) / (double)N);
      zmax = fmax(zmax, fabs(M[j * d + l] / (double)N - c) / se);
    }
  tl_check(zmax < 5,
           "%d-D d = %zu: Monte Carlo E[x x^T] = C over %ld draws: max |z| = %.2f "
           "(< 5) over %zu entries",
           dims, d, N, zmax, d * d);
  free(M), free(work), free(U), free(v), free(x), free(w), free(C), free(lam);
  hd_stationary_destroy(S);
}

static const char *model_fmt = "[model]\nproblem = streaming_lsq\nseed = %d\n"
                               "[data]\nd = %zu\n%s\nlabel_noise = 0.5\ntarget = random\n"
                               "[optimizer]\nlr = 0.7\n"
                               "[simulation]\nruns = %ld\nhorizon = %g\n"
                               "[theory]\nmethod = ode\nrtol = 1e-10\n"
                               "[output]\ntimes = log(0.05, %g, 16)\n";

/* (3) observables by FFT = direct; theta* eigen-coordinates = the drawn p */
static void test_observe(int dims, size_t d)
{
  char data[256];
  snprintf(data, sizeof data,
           "spectrum = stationary\nsignal_dims = %d\nspectral_exponent = 2"
           "\ncorner_frequency = 0.1",
           dims);
  struct hd_session *s = tl_session(model_fmt, 7, d, data, 1L, 1.0, 1.0);
  const struct lsq_plan *P = s->plan;
  double *C = circulant(dims, d, 2, 0.1);
  size_t bytes = s->pb->sim_state_size(s->plan);
  double *state = malloc(bytes), *out = malloc(P->limit.n_obs * sizeof *out), *th = malloc(d * 8);
  s->pb->sim_start(s->plan, 0, state);
  s->pb->sim_advance(s->plan, 0, state, 0, d / 2, NULL); /* some generic e */
  s->pb->sim_observe(s->plan, state, out);
  const double *e = state;
  double q = 0, D = 0;
  for (size_t j = 0; j < d; j++) {
    D += e[j] * e[j];
    for (size_t l = 0; l < d; l++) q += e[j] * C[j * d + l] * e[l];
  }
  double R = 0.5 * (q + 0.25), bands = 0;
  for (size_t b = 0; b + 2 < P->limit.n_obs; b++) bands += out[2 + b];
  hd_stationary_to_eigen(P->stationary, P->theta_pix, th);
  double dt = 0;
  for (size_t i = 0; i < d; i++) dt = fmax(dt, fabs(th[i] - P->theta_star[i]));
  tl_check(fabs(out[0] - R) < 1e-12 * R && fabs(out[1] - D) < 1e-12 * D &&
               (P->limit.n_obs == 2 || fabs(bands - D) < 1e-12 * D) && dt < 1e-14,
           "%d-D d = %zu: FFT risk %.15g = direct 1/2 (e^T C e + sigma^2) %.15g (rel %.1e), "
           "distance rel %.1e, bands sum to it; theta* eigen-coordinates = drawn p (max dev %.1e)",
           dims, d, out[0], R, fabs(out[0] - R) / R, fabs(out[1] - D) / D, dt);
  free(state), free(out), free(th), free(C);
  tl_session_free(s);
}

/* the eigenvalues of a stationary model written as a spectrum file (eigen order) */
static void write_spectrum(const struct lsq_plan *P, const char *path)
{
  FILE *f = fopen(path, "w");
  for (size_t i = 0; i < P->d; i++) fprintf(f, "%.17g\n", P->lambda[i]);
  fclose(f);
}

struct cmp {
  double sup_rel, sup_se, worst_ratio, pair_z, theory_dev;
  int ok;
};

/* Monte Carlo vs ODE with the bound k s.e. + |NS-2 - ODE|; with `eig`, also the same model
 * in the eigenbasis (spectrum = file) against the same ODE and against the pixel mean. */
static struct cmp one(int dims, size_t d, long runs, double horizon, int eig)
{
  char data[512], path[256];
  snprintf(data, sizeof data,
           "spectrum = stationary\nsignal_dims = %d\nspectral_exponent = %g"
           "\ncorner_frequency = %g",
           dims, dims == 1 ? 2.0 : 2.0, dims == 1 ? 0.05 : 0.1);
  struct hd_session *s = tl_session(model_fmt, 5, d, data, runs, horizon, horizon);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result ode, rec;
  tl_theory(s, &g, HD_THEORY_ODE, &ode);
  tl_theory(s, &g, HD_THEORY_RECURSION, &rec);
  struct hd_mc_result mc, me;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  struct cmp c = {.ok = mc.n_diverged == 0};
  size_t nobs = 2;
  const double k = tl_bound_k(runs, nobs * (g.n - 1));
  for (size_t o = 0; o < nobs; o++)
    for (size_t j = 1; j < g.n; j++) {
      size_t i = o * g.n + j;
      double err = fabs(mc.mean[i] - ode.values[i]);
      double bound = k * mc.stderr_[i] + fabs(rec.values[i] - ode.values[i]);
      c.worst_ratio = fmax(c.worst_ratio, err / bound);
      if (o == 0) c.sup_rel = fmax(c.sup_rel, err / ode.values[i]);
      if (o == 0) c.sup_se = fmax(c.sup_se, mc.stderr_[i] / ode.values[i]);
      c.ok = c.ok && err <= bound;
    }
  tl_check(c.ok,
           "%d-D d = %5zu, pixel basis (FFT): |mean - ODE| <= %.1f s.e. + |NS-2 - ODE| at "
           "every time (worst at %.2f of the bound); sup rel. risk error %.2e (%.2f s)",
           dims, d, k, c.worst_ratio, c.sup_rel, mc.seconds);
  if (eig) {
    snprintf(path, sizeof path, "/tmp/hdsim_stationary_%d_%zu_%d.txt", dims, d, (int)getpid());
    write_spectrum(s->plan, path);
    snprintf(data, sizeof data, "spectrum = file\nspectrum_file = %s", path);
    struct hd_session *se = tl_session(model_fmt, 5, d, data, runs, horizon, horizon);
    struct hd_theory_result ode2;
    tl_theory(se, &g, HD_THEORY_ODE, &ode2);
    hd_mc_run(se->pb, se->plan, &g, runs, 0, se->run.divergence, 1, &me);
    int ok = me.n_diverged == 0;
    double worst = 0;
    for (size_t o = 0; o < nobs; o++)
      for (size_t j = 1; j < g.n; j++) {
        size_t i = o * g.n + j;
        c.theory_dev = fmax(c.theory_dev, fabs(ode2.values[i] - ode.values[i]) / ode.values[i]);
        double err = fabs(me.mean[i] - ode.values[i]);
        double bound = k * me.stderr_[i] + fabs(rec.values[i] - ode.values[i]);
        worst = fmax(worst, err / bound);
        ok = ok && err <= bound;
        double z = fabs(mc.mean[i] - me.mean[i]) /
                   sqrt(mc.stderr_[i] * mc.stderr_[i] + me.stderr_[i] * me.stderr_[i]);
        c.pair_z = fmax(c.pair_z, z);
      }
    tl_check(ok && c.theory_dev < 1e-12 && c.pair_z < k,
             "%d-D d = %5zu, rotation invariance: eigenbasis (spectrum = file, same lambda and p) "
             "has the same ODE (rel. dev %.1e), its mean is within the bound (worst %.2f), and "
             "|mean_pixel - mean_eigen| / s.e. <= %.2f (< %.1f)",
             dims, d, c.theory_dev, worst, c.pair_z, k);
    c.ok = c.ok && ok;
    remove(path);
    hd_mc_result_free(&me);
    hd_theory_result_free(&ode2);
    tl_session_free(se);
  }
  hd_mc_result_free(&mc);
  hd_theory_result_free(&ode);
  hd_theory_result_free(&rec);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return c;
}

/* (5) refused combinations: each names its key */
static void test_refused(const char *extra, const char *key, const char *problem, size_t d)
{
  char text[2048];
  snprintf(text, sizeof text,
           "[model]\nproblem = %s\n[data]\nd = %zu\nspectrum = stationary\n%s\n"
           "[optimizer]\nlr = 0.5\n[simulation]\nruns = 2\nhorizon = 1\n",
           problem, d, extra);
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string("test.ini", text, &err);
  struct hd_cli cli = {.model = "test.ini"};
  struct hd_session s;
  if (err.count || !cfg) {
    hd_errors_print(&err, stdout);
    tl_check(0, "model text did not load");
    hd_errors_free(&err);
    return;
  }
  int rc = hd_session_prepare(&s, cfg, &cli);
  char buf[4096] = "";
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  hd_errors_print(&s.err, f);
  fclose(f);
  tl_check(rc != 0 && strstr(buf, key) != NULL, "%s with %s refused: %.*s", problem,
           extra[0] ? extra : "(defaults)", (int)strcspn(buf, "\n"), buf);
  hd_session_free(&s);
  hd_errors_free(&err);
}

int main(int argc, char **argv)
{
  int slow = argc > 1 && strcmp(argv[1], "--slow") == 0;
  if (!slow) {
    test_basis_and_draw(1, 16, 2, 0.1, 20000);
    test_basis_and_draw(1, 15, 1.5, 0.2, 20000); /* odd n: no Nyquist frequency */
    test_basis_and_draw(2, 16, 2, 0.1, 20000);
    test_basis_and_draw(2, 25, 3, 0.15, 20000);
    test_observe(1, 64);
    test_observe(2, 64);
    test_observe(2, 49);
    one(1, 256, RUNS, 1, 1);
    test_refused("distribution = rademacher", "distribution", "streaming_lsq", 64);
    test_refused("signal_dims = 2", "[data] d", "streaming_lsq", 60);
    test_refused("[noise]\nsigma = 0.5", "[noise] sigma", "noisy_sgd", 64);
    test_refused("[noise]\nbatch = 4", "[noise] batch", "noisy_sgd", 64);
    return tl_finish();
  }
  /* The sup error of the mean is itself a random O(s.e.) number (one draw per rung), so
   * the shrinking is checked on the scale that bounds it: the relative s.e. of the mean,
   * which must fall like d^-1/2 (factor 2 for 4x d; tl_se_scaling_ok), while the mean stays
   * inside k s.e. + |NS-2 - ODE| at every rung (checked above). */
  struct cmp a = one(1, 1024, RUNS, 2, 1), b = one(1, 4096, RUNS, 2, 1);
  double fa = a.sup_se / b.sup_se;
  tl_check(tl_se_scaling_ok(fa, 2, RUNS),
           "1-D: error scale shrinks like d^-1/2: rel. s.e. %.2e (1024) -> "
           "%.2e (4096), factor %.2f (expected 2); sup rel. error %.2e -> %.2e",
           a.sup_se, b.sup_se, fa, a.sup_rel, b.sup_rel);
  struct cmp i2 = one(2, 32 * 32, RUNS, 2, 0), c = one(2, 64 * 64, RUNS, 2, 1);
  double fc = i2.sup_se / c.sup_se;
  tl_check(tl_se_scaling_ok(fc, 2, RUNS),
           "2-D: error scale shrinks like d^-1/2: rel. s.e. %.2e (32x32) -> "
           "%.2e (64x64), factor %.2f (expected 2); sup rel. error %.2e -> %.2e",
           i2.sup_se, c.sup_se, fc, i2.sup_rel, c.sup_rel);
  return tl_finish();
}
