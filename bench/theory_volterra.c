/* theory_volterra.c — benchmark (not a test): the streaming least-squares limit on a power
 * law (alpha = 1.5, lr 0.8, label noise 0.5, random target, 3 bands) computed two
 * independent ways through the engine, at the same output times log(1e-2, 1e3, 50):
 *   ode       CVODE BDF, woodbury linear solver, rtol 1e-8 (one equation pair per distinct
 *             eigenvalue, i.e. per mode for a power law)
 *   volterra  the renewal equation (noisy.md §2.3), FFT convolution
 *             quadrature with one Richardson step, rtol 1e-8 (ode/lsq_volterra.c)
 * for d = 1e4, 1e5, 1e6; prints the theory seconds (hd_theory_result.seconds: the solve,
 * not the plan), the compressed spectrum size, the Volterra step count, and the largest
 * relative difference between the two over every observable and time.  "cpu" is the
 * process CPU time of the same call: on a shared machine the steadier of the two.
 *
 *   theory_volterra [--max-d N] [--horizon T]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "driver.h"
#include "grid.h"
#include "theory.h"

#include "ode/lsq_volterra.h"
#include "problems/lsq/lsq_plan.h"

static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static struct hd_session *session(long d, double horizon)
{
  char text[2048];
  snprintf(text, sizeof text,
           "[model]\nproblem = streaming_lsq\nseed = 1\n"
           "[data]\nd = %ld\nspectrum = power_law\nalpha = 1.5\nlabel_noise = 0.5\n"
           "bands = 3\n[optimizer]\nlr = 0.8\n"
           "[simulation]\nhorizon = %g\nenabled = false\n"
           "[theory]\nrtol = 1e-8\natol = 1e-12\nlinear_solver = woodbury\n"
           "[output]\ntimes = log(1e-2, %g, 50)\n",
           d, horizon, horizon);
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string("bench.ini", text, &err);
  struct hd_cli cli = {.model = "bench.ini"};
  struct hd_session *s = malloc(sizeof *s);
  if (err.count || !cfg || hd_session_prepare(s, cfg, &cli) != 0) {
    hd_errors_print(&err, stderr);
    hd_errors_print(&s->err, stderr);
    exit(2);
  }
  hd_errors_free(&err);
  return s;
}

int main(int argc, char **argv)
{
  long max_d = 1000000;
  double horizon = 1000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--max-d") == 0 && i + 1 < argc) max_d = atol(argv[++i]);
    else if (strcmp(argv[i], "--horizon") == 0 && i + 1 < argc) horizon = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: theory_volterra [--max-d N] [--horizon T]\n");
      return 1;
    }
  }
  printf("power law alpha 1.5, lr 0.8, horizon %g, 50 log-spaced outputs, rtol 1e-8\n", horizon);
  printf("%9s %9s %9s %9s %9s %8s %8s %8s %12s\n", "d", "ode [s]", "cpu", "volt [s]", "cpu",
         "speedup", "proxies", "steps", "max rel diff");
  for (long d = 10000; d <= max_d; d *= 10) {
    struct hd_session *s = session(d, horizon);
    struct hd_output_grid g;
    char msg[256];
    if (hd_output_grid_build(&s->run.times, s->run.horizon, s->pb->steps_per_time(s->plan), &g, msg,
                             sizeof msg) != 0) {
      fprintf(stderr, "grid: %s\n", msg);
      return 1;
    }
    struct hd_theory_result to, tv;
    struct hd_run_params run = s->run;
    run.method = HD_THEORY_ODE;
    double c0 = cpu_now();
    int rc = hd_theory_run(s->pb, s->plan, &g, &run, &to);
    double c1 = cpu_now();
    run.method = HD_THEORY_VOLTERRA;
    rc |= hd_theory_run(s->pb, s->plan, &g, &run, &tv);
    double c2 = cpu_now();
    if (rc) {
      fprintf(stderr, "d = %ld: %s %s\n", d, to.message, tv.message);
      return 1;
    }
    double w = 0;
    for (size_t i = 0; i < to.n_obs * g.n; i++)
      w = fmax(w, fabs(tv.values[i] - to.values[i]) / fabs(to.values[i]));
    const struct lsq_plan *P = s->plan;
    double h;
    size_t steps;
    double *tmp = malloc(P->limit.n_obs * g.n * sizeof *tmp);
    (void)lsq_volterra_eval(&P->limit, g.t, g.n, 0, run.rtol, LSQ_VOLTERRA_NO_RICHARDSON, tmp, &h,
                            &steps, msg, sizeof msg);
    free(tmp);
    printf("%9ld %9.3f %9.3f %9.3f %9.3f %8.1f %8zu %8zu %12.2e\n", d, to.seconds, c1 - c0,
           tv.seconds, c2 - c1, (c1 - c0) / (c2 - c1),
           lsq_volterra_proxies(&P->limit, g.t[g.n - 1]), steps, w);
    fflush(stdout);
    hd_theory_result_free(&to);
    hd_theory_result_free(&tv);
    hd_output_grid_free(&g);
    hd_session_free(s);
    free(s);
  }
  return 0;
}
