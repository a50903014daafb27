/* test_sam_streaming.c — sam_streaming's theory and its reuse of the streaming data path
 * (fast suite; the large-d statistical checks are in test_sam_streaming_vs_sim.c).
 *
 *  1. With B = 1 and rho_bar = 0, every algorithm's Monte Carlo is streaming_lsq's to the
 *     bit (same seed, same data path), and its ODE equals streaming_lsq's ODE to 1e-8.
 *  2. The exact finite-d recursions (H1 SGD, H2 USAM) against Monte Carlo at d = 10:
 *     |mean - exact| <= 4 s.e. at every output (max over ~30 correlated comparisons).
 *  3. The analytic structured Jacobian (sam.md §4.6–4.7) against finite differences of the
 *     right-hand side, for the four algorithms (relative 1e-6).
 *  4. §4.4 closed forms: the ODE at t = 4000 against the stationary risk of SGD/USAM
 *     (label noise), SAM (sigma = 0, plateau; sigma > 0) and DNSAM (sigma = 0, edge-of-
 *     stability lock, to 1e-3: algebraic approach; sigma > 0, the 1-D root), else to 1e-6.
 *     The engine's fixed point of the ODE (/theory/stationary) against the same closed
 *     forms to 1e-10 (DNSAM at sigma = 0 sits at the edge of stability: only if found).
 *  5. §4.5: the first-order (truncated) SAM theory sends the risk to 0 where the exact one
 *     plateaus. */
#include <string.h>

#define HDSIM_SAM_PACKAGE /* reaches into the plan */
#include "problems/sam/sam_streaming.h"
#include "testlib.h"

static const char *algs[4] = {"sgd", "usam", "dnsam", "sam"};

static struct hd_session *stream(const char *alg, double rho_bar, const char *extra)
{
  return tl_session("[model]\nproblem = %s\nseed = 7\n"
                    "[data]\nd = 300\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.3\n"
                    "target = random\n%s%s%s"
                    "[simulation]\nruns = 2\nhorizon = 1.5\n"
                    "[theory]\nrtol = 1e-11\natol = 1e-13\n"
                    "[output]\ntimes = linear(0, 1.5, 7)\n%s",
                    alg ? "sam_streaming" : "streaming_lsq", "[optimizer]\nlr = 0.8\n",
                    alg ? "algorithm = " : "", alg ? alg : "", extra ? extra : "");
  (void)rho_bar;
}

static void bit_identity(void)
{
  struct hd_session *ref = stream(NULL, 0, NULL);
  struct hd_output_grid g;
  tl_grid(ref, &g);
  struct hd_mc_result mr;
  hd_mc_run(ref->pb, ref->plan, &g, 2, 1, ref->run.divergence, 1, &mr);
  struct hd_theory_result tr;
  tl_theory(ref, &g, HD_THEORY_ODE, &tr);
  for (int a = 0; a < 4; a++) {
    char alg[32];
    snprintf(alg, sizeof alg, "%s\n", algs[a]);
    struct hd_session *s = stream(alg, 0, NULL);
    struct hd_mc_result m;
    hd_mc_run(s->pb, s->plan, &g, 2, 2, s->run.divergence, 1, &m);
    int same = 1; /* observables 0 (risk) and 1 (distance) of both problems */
    for (size_t o = 0; o < 2; o++)
      same = same && memcmp(m.values + o * m.runs * m.n_times, mr.values + o * mr.runs * mr.n_times,
                            m.runs * m.n_times * sizeof(double)) == 0;
    struct hd_theory_result th;
    tl_theory(s, &g, HD_THEORY_ODE, &th);
    double worst = 0;
    for (size_t k = 0; k < g.n; k++)
      for (size_t o = 0; o < 2; o++)
        worst = fmax(worst, fabs(th.values[o * g.n + k] - tr.values[o * g.n + k]) /
                                tr.values[o * g.n + k]);
    tl_check(same && worst < 1e-8,
             "%s, rho_bar = 0: Monte Carlo bit-identical to streaming_lsq "
             "(%s); ODE = streaming_lsq's ODE (max rel. %.1e)",
             algs[a], same ? "yes" : "NO", worst);
    hd_theory_result_free(&th);
    hd_mc_result_free(&m);
    tl_session_free(s);
  }
  hd_theory_result_free(&tr);
  hd_mc_result_free(&mr);
  hd_output_grid_free(&g);
  tl_session_free(ref);
}

static void recursion_vs_mc(const char *alg, double rho_bar)
{
  const long runs = 20000;
  struct hd_session *s = tl_session(
      "[model]\nproblem = sam_streaming\nseed = 5\n"
      "[data]\nd = 10\nspectrum = power_law\nalpha = 1\nlabel_noise = 0.2\ntarget = aligned\n"
      "[optimizer]\nalgorithm = %s\nlr = 0.3\nrho_bar = %g\n"
      "[simulation]\nruns = %ld\nhorizon = 3\n[theory]\nmethod = recursion\n"
      "[output]\ntimes = linear(0, 3, 11)\n",
      alg, rho_bar, runs);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, HD_THEORY_RECURSION, &th);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  double worst = 0;
  for (size_t o = 0; o < 3; o++)
    for (size_t k = 1; k < g.n; k++) {
      size_t i = o * g.n + k;
      worst = fmax(worst, fabs(mc.mean[i] - th.values[i]) / mc.stderr_[i]);
    }
  tl_check(mc.n_diverged == 0 && worst <= 4,
           "exact finite-d recursion (%s) vs Monte Carlo at d "
           "= 10, %ld runs: max |mean - exact| = %.2f s.e. (risk, distance, grad_sq)",
           strcmp(alg, "sgd") == 0 ? "H1" : "H2", runs, worst);
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static struct hd_session *small(const char *alg, double rho_bar, double noise, long batch,
                                const char *form)
{
  return tl_session("[model]\nproblem = sam_streaming\nseed = 1\n"
                    "[data]\nd = 200\nspectrum = power_law\nalpha = 1\nlabel_noise = %g\n"
                    "[optimizer]\nalgorithm = %s\nlr = 0.6\nrho_bar = %g\nbatch = %ld\n"
                    "[sde]\nform = %s\n"
                    "[simulation]\nhorizon = 4000\nenabled = false\n"
                    "[theory]\nrtol = 1e-11\natol = 1e-14\n[output]\ntimes = log(0.1, 4000, 30)\n",
                    noise, alg, rho_bar, batch, form);
}

static void jacobian_fd(const char *alg, long batch)
{
  struct hd_session *s = small(alg, strcmp(alg, "sgd") ? 0.7 : 0.0, 0.2, batch, "exact");
  struct sams_plan *P = s->plan;
  size_t n = P->n_groups;
  struct hd_ode_system sys;
  double *y = malloc(n * sizeof *y), *f0 = malloc(n * sizeof *f0), *f1 = malloc(n * sizeof *f1);
  sys.dimension = 0;
  s->pb->ode(P, &sys, y);
  for (size_t g = 0; g < n; g++) y[g] *= 0.3 + 0.001 * (double)g; /* a generic state */
  struct hd_sjac J = {.dim = n, .block = 1, .n_blocks = n, .rank = 2};
  J.blocks = malloc(n * sizeof(double));
  J.U = malloc(2 * n * sizeof(double));
  J.V = malloc(2 * n * sizeof(double));
  sys.jac_structured(0, y, &J, sys.params);
  sys.rhs(0, y, f0, sys.params);
  double worst = 0;
  for (size_t h = 0; h < n; h += 37) { /* columns */
    double dy = 1e-6 * fabs(y[h]);
    y[h] += dy;
    sys.rhs(0, y, f1, sys.params);
    y[h] -= dy;
    for (size_t g = 0; g < n; g++) {
      double Jgh = (g == h ? J.blocks[g] : 0) + J.U[g] * J.V[h] + J.U[n + g] * J.V[n + h];
      double fd = (f1[g] - f0[g]) / dy, scale = fabs(J.blocks[g]) + fabs(fd) + 1e-300;
      worst = fmax(worst, fabs(Jgh - fd) / scale);
    }
  }
  tl_check(worst < 1e-5, "%s (B = %ld): structured Jacobian = finite differences (max rel. %.1e)",
           alg, batch, worst);
  free(J.blocks);
  free(J.U);
  free(J.V);
  free(y);
  free(f0);
  free(f1);
  tl_session_free(s);
}

static void stationary(const char *alg, double rho_bar, double noise, double tol)
{
  struct hd_session *s = small(alg, rho_bar, noise, 1, "exact");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, HD_THEORY_ODE, &th);
  double R = sams_stationary_risk(&((struct sams_plan *)s->plan)->ode), Rt = th.values[g.n - 1];
  tl_check(isfinite(R) && R > 0 && fabs(Rt - R) / R < tol,
           "%s (rho_bar %g, sigma %g): ODE risk at t = 4000 %.8e vs closed form (§4.4) %.8e", alg,
           rho_bar, noise, Rt, R);
  /* t = infinity as such: the engine's fixed point of H4-H8 (Newton from t = 4000) */
  const struct hd_observable *obs;
  size_t n_obs = s->pb->observables(s->plan, &obs), r = 0;
  while (r < n_obs && strcmp(obs[r].name, "risk") != 0) r++;
  if (strcmp(alg, "dnsam") == 0 && noise == 0) /* G -> 0 at the edge of stability */
    tl_check(!th.has_stationary || fabs(th.stationary[r] - R) < tol * R,
             "  dnsam, sigma = 0: a fixed point at the lock only if it matches (%s)",
             th.stationary_note);
  else
    tl_check(r < n_obs && th.has_stationary && fabs(th.stationary[r] - R) < 1e-10 * R,
             "  /theory/stationary risk %.15e = closed form %.15e to %.1e < 1e-10 (%s)",
             th.has_stationary ? th.stationary[r] : NAN, R,
             th.has_stationary ? fabs(th.stationary[r] - R) / R : NAN, th.stationary_note);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void truncated_collapses(void)
{
  struct hd_session *s = small("sam", 0.5, 0.0, 1, "truncated");
  struct hd_session *e = small("sam", 0.5, 0.0, 1, "exact");
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th, te;
  struct hd_run_params run = s->run;
  hd_theory_run(s->pb, s->plan, &g, &run, &th); /* may stop where v -> 0 */
  tl_theory(e, &g, HD_THEORY_ODE, &te);
  double plateau = sams_stationary_risk(&((struct sams_plan *)e->plan)->ode), low = INFINITY;
  for (size_t k = 0; k < g.n; k++)
    if (isfinite(th.values[k])) low = fmin(low, th.values[k]);
  tl_check(low < 1e-2 * plateau && fabs(te.values[g.n - 1] - plateau) < 1e-6 * plateau,
           "§4.5: truncated SAM theory reaches risk %.2e%s, exact theory plateaus at %.6e", low,
           th.failed ? " and becomes singular" : "", plateau);
  hd_theory_result_free(&th);
  hd_theory_result_free(&te);
  hd_output_grid_free(&g);
  tl_session_free(s);
  tl_session_free(e);
}

/* plan_print names the limit and its state (one value per eigen-group: power_law with
 * d = 200 has 200 distinct eigenvalues), plan_bytes counts that state. */
static void plan_printed(void)
{
  struct hd_session *s = small("dnsam", 0.5, 0.2, 1, "exact");
  const struct sams_plan *P = s->plan;
  char *text = NULL, want[96];
  size_t len = 0, th = 0, thr = 1;
  FILE *out = open_memstream(&text, &len);
  s->pb->plan_print(s->plan, out);
  fclose(out);
  size_t bytes = s->pb->plan_bytes(s->plan, &th, &thr);
  snprintf(want, sizeof want, "exact moments), %zu values, structured Jacobian (diagonal + rank 2)",
           P->n_groups);
  tl_check(P->n_groups == 200 && strstr(text, want) && th == 24 * 200 * sizeof(double) &&
               thr == 0 && bytes > 200 * sizeof(double),
           "plan_print / plan_bytes: %zu groups, theory %zu bytes (CVODE's ~24 vectors of the "
           "state), plan %zu bytes\n%s",
           P->n_groups, th, bytes, text);
  free(text);
  tl_session_free(s);
}

int main(void)
{
  plan_printed();
  bit_identity();
  recursion_vs_mc("sgd", 0);
  recursion_vs_mc("usam", 1.0);
  for (int a = 0; a < 4; a++) jacobian_fd(algs[a], 1);
  jacobian_fd("sam", 4);
  jacobian_fd("dnsam", 3);
  stationary("sgd", 0, 0.3, 1e-6);
  stationary("usam", 0.8, 0.3, 1e-6);
  stationary("sam", 0.5, 0.0, 1e-6);
  stationary("sam", 0.5, 0.3, 1e-6);
  stationary("dnsam", 0.5, 0.0, 1e-3);
  stationary("dnsam", 0.5, 0.3, 1e-6);
  truncated_collapses();
  return tl_finish();
}
