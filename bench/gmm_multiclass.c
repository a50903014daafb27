/* gmm_multiclass.c — benchmark of gmm_multiclass (run on demand: `ninja -C build bench-gmm`),
 * every baseline measured in the same run:
 *
 *   (1) theory: the per-mode ODE (E1-E3) of two-class power-law binary logistic SGD
 *       (alpha = 1.1, 1.5, antipodal means d^-1/2 (rho/d)^beta, lr 1, to T = 1e4), CVODE BDF
 *       with the structured (Woodbury) Newton solve, at d = 1e3 and 1e4 and in the
 *       d -> infinity limit (800 nodes, to T = 1e6); against scipy solve_ivp RK45 (d = 1e4)
 *       and BDF (d = 1e3: its dense finite-difference Jacobian is infeasible at 1e4, 7 GB),
 *       on the same ODE (bench/gmm_multiclass_baselines.py).  Risk(T) printed by both as a check.
 *   (2) simulation: the Monte Carlo step for K = 2 (binary logistic) and K = 10 (one-hot
 *       least squares, 10 outputs), isotropic data, d = 1e4, one thread, in coordinate-steps
 *       per second, against a plain numpy per-step loop of the same algorithm.
 *
 * Usage: gmm_multiclass [--python PYTHON] [--script bench/gmm_multiclass_baselines.py] [--quick]
 *   PYTHON empty: the baselines are skipped.  --quick: beta = 0.5 only, shorter MC. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "driver.h"
#include "grid.h"
#include "theory.h"

static double now(void) { return hd_now(); }

static struct hd_session *session(const char *text)
{
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string("bench.ini", text, &err);
  struct hd_cli cli = {.model = "bench.ini"};
  struct hd_session *s = calloc(1, sizeof *s);
  if (err.count || !cfg || hd_session_prepare(s, cfg, &cli) != 0) {
    hd_errors_print(&err, stderr);
    hd_errors_print(&s->err, stderr);
    exit(2);
  }
  hd_errors_free(&err);
  return s;
}

/* hdsim theory: seconds, risk at the last output, CVODE steps and rhs evaluations. */
static double theory(int d, int nodes, double T, double beta, double *risk, long *steps, long *rhs)
{
  char text[1024];
  snprintf(text, sizeof text,
           "[model]\nproblem = gmm_multiclass\n[data]\nd = %d\ncovariance = power_law\n"
           "alpha = 1.1, 1.5\nmeans = antipodal\nmean_profile = power_law\nmean_beta = %g\n"
           "limit_nodes = %d\n[loss]\nkind = logistic\n[optimizer]\nlr = 1\n"
           "[simulation]\nenabled = false\nhorizon = %g\n"
           "[theory]\nrtol = 1e-8\natol = 1e-10\nlinear_solver = structured\n"
           "[output]\ntimes = log(1, %g, 2)\n",
           d, beta, nodes, T, T);
  struct hd_session *s = session(text);
  struct hd_output_grid g;
  char msg[256];
  hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), &g, msg,
                       sizeof msg);
  struct hd_theory_result th;
  double t0 = now();
  hd_theory_run(s->pb, s->plan, &g, &s->run, &th);
  double sec = now() - t0;
  *risk = th.values[g.n - 1];
  *steps = th.stats.steps;
  *rhs = th.stats.rhs_evals;
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  hd_session_free(s);
  free(s);
  return sec;
}

/* Monte Carlo: best of 3 timings of `steps` SGD steps of one run; coordinate-steps/s. */
static double mc_rate(int K, int d, long steps)
{
  char text[1024];
  snprintf(text, sizeof text,
           "[model]\nproblem = gmm_multiclass\n[data]\nd = %d\nclasses = %d\n"
           "covariance = isotropic\nmeans = %s\n[loss]\nkind = %s\n[optimizer]\nlr = 1\n"
           "[simulation]\nhorizon = 1\n",
           d, K, K == 2 ? "antipodal" : "orthogonal", K == 2 ? "logistic" : "onehot_ls");
  struct hd_session *s = session(text);
  void *state = malloc(s->pb->sim_state_size(s->plan));
  double best = 0;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t bad;
    s->pb->sim_start(s->plan, 0, state);
    double t0 = now();
    s->pb->sim_advance(s->plan, 0, state, 0, (uint64_t)steps, &bad);
    double r = (double)steps * d / (now() - t0);
    best = fmax(best, r);
  }
  free(state);
  hd_session_free(s);
  free(s);
  return best;
}

/* Runs the baseline script; returns the number of values parsed into v. */
static int baseline(const char *python, const char *script, const char *args, double *v, int n)
{
  if (!python || !python[0]) return 0;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' '%s' %s", python, script, args);
  FILE *p = popen(cmd, "r");
  if (!p) return 0;
  int got = 0;
  for (int i = 0; i < n; i++) got += fscanf(p, "%lf", &v[i]) == 1;
  pclose(p);
  return got;
}

int main(int argc, char **argv)
{
  const char *python = NULL, *script = "bench/gmm_multiclass_baselines.py";
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--python") && i + 1 < argc) python = argv[++i];
    else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
    else if (!strcmp(argv[i], "--quick")) quick = 1;
    else {
      fprintf(stderr, "usage: gmm_multiclass [--python PYTHON] [--script FILE] [--quick]\n");
      return 2;
    }
  }
  printf("gmm_multiclass benchmark (2-core shared machine: figures are indicative)\n\n");
  printf("(1) theory: two-class power-law logistic, rtol 1e-8, to T = 1e4\n");
  printf("%-6s %-7s %-28s %10s %14s %9s\n", "beta", "d", "solver", "seconds", "risk(T)", "ratio");
  const double betas[2] = {0.5, 0.0};
  for (int b = 0; b < (quick ? 1 : 2); b++) {
    double beta = betas[b], r, v[3];
    long st, ev;
    char args[256];
    double h4 = theory(10000, 0, 1e4, beta, &r, &st, &ev);
    printf("%-6g %-7d %-28s %10.3f %14.10f %9s   (%ld steps, %ld rhs)\n", beta, 10000,
           "hdsim CVODE BDF structured", h4, r, "1", st, ev);
    snprintf(args, sizeof args, "ode RK45 10000 1e4 %g", beta);
    if (baseline(python, script, args, v, 3) == 3)
      printf("%-6g %-7d %-28s %10.3f %14.10f %8.1fx   (%g rhs)\n", beta, 10000,
             "scipy solve_ivp RK45", v[0], v[1], v[0] / h4, v[2]);
    double h3 = theory(1000, 0, 1e4, beta, &r, &st, &ev);
    printf("%-6g %-7d %-28s %10.3f %14.10f %9s   (%ld steps, %ld rhs)\n", beta, 1000,
           "hdsim CVODE BDF structured", h3, r, "1", st, ev);
    snprintf(args, sizeof args, "ode BDF 1000 1e4 %g", beta);
    if (!quick && baseline(python, script, args, v, 3) == 3)
      printf("%-6g %-7d %-28s %10.3f %14.10f %8.1fx   (%g rhs)\n", beta, 1000,
             "scipy solve_ivp BDF (dense)", v[0], v[1], v[0] / h3, v[2]);
    double hl = theory(1000, 800, 1e6, beta, &r, &st, &ev);
    printf("%-6g %-7s %-28s %10.3f %14.10f %9s   (to T = 1e6; %ld steps)\n", beta, "inf",
           "hdsim, 800 nodes", hl, r, "", st);
  }
  printf("\n(2) simulation: one run, one thread, d = 10000, coordinate-steps/s\n");
  printf("%-4s %-18s %12s %12s %9s\n", "K", "loss", "hdsim", "numpy", "ratio");
  const int Ks[2] = {2, 10};
  for (int k = 0; k < 2; k++) {
    long steps = quick ? 500 : 3000;
    double rate = mc_rate(Ks[k], 10000, steps), v[2];
    char args[128];
    snprintf(args, sizeof args, "mc %d 10000 %ld", Ks[k], steps);
    int have = baseline(python, script, args, v, 2) == 2;
    printf("%-4d %-18s %12.3g", Ks[k], Ks[k] == 2 ? "logistic" : "one-hot LS (q=10)", rate);
    if (have) printf(" %12.3g %8.1fx", v[1], rate / v[1]);
    printf("\n");
  }
  return 0;
}
