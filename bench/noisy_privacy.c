/* noisy_privacy.c — benchmark of the noisy_sgd privacy post-processing (run on demand:
 * `ninja -C build bench-noisy`).  Prints, all measured in this run:
 *   (1) eps_alpha(t) of one pair at d = 10^4 (power law, 50 release times, 200 Simpson
 *       nodes each), by the exact O(d) formula (NS-10) and by the spectral one (NS-11);
 *   (2) one D_alpha(s, t) evaluation at d = 1000: low-rank NS-10 vs the dense O(d^3)
 *       Gaussian divergence (Cholesky of the d x d covariances) — the approach a direct
 *       implementation takes — and their ratio;
 *   (3) the worst-pair search over n = 1.5 x 10^4 records at d = 10^4 (residual profiles
 *       as one blocked GEMM, top 40 per slot, 1600 candidate pairs ranked exactly).
 * Usage: noisy_privacy [--quick]   (--quick: d = 2000, n = 3000, for a smoke run) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "driver.h"
#include "ode/noisy_privacy.h"
#include "problems/lsq/lsq_plan.h"
#include "problems/noisy/noisy_package.h"

static double now(void) { return hd_now(); }

static struct hd_session *session(int d, const char *spectrum, int nodes, int times)
{
  char text[2048];
  snprintf(text, sizeof text,
           "[model]\nproblem = noisy_sgd\nseed = 1\n"
           "[data]\nd = %d\nspectrum = %s\nalpha = 1\ntarget = random\nlabel_noise = 0.3\n"
           "[optimizer]\nlr = 0.2\nridge = 0.2\n[noise]\nsigma = 2\n"
           "[privacy]\nenabled = true\norders = 2\nnodes = %d\nrecord_1 = 0\nrecord_2 = 1\n"
           "[simulation]\nhorizon = 1.5\nenabled = false\n"
           "[output]\ntimes = linear(0, 1.5, %d)\n",
           d, spectrum, nodes, times);
  struct hd_session *s = malloc(sizeof *s);
  if (hd_session_from_text(s, "bench.ini", text) != 0) exit(2);
  return s;
}

int main(int argc, char **argv)
{
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  int d = quick ? 2000 : 10000;
  char msg[256];
  printf("noisy_sgd privacy benchmark (2-core shared machine: indicative timings)\n");

  /* (1) one pair, 50 times */
  struct hd_session *S = session(d, "power_law", 200, 51);
  struct lsq_plan *P = S->plan;
  double *x1 = malloc((size_t)d * sizeof *x1), *x2 = malloc((size_t)d * sizeof *x2), e1, e2;
  hd_noisy_record(P->noisy, P->seed, 0, x1, &e1);
  hd_noisy_record(P->noisy, P->seed, 1, x2, &e2);
  struct noisy_pair pr = {x1, x2, e1, e2};
  double t[51], alpha = 2;
  for (int k = 0; k < 51; k++) t[k] = 1.5 * k / 50.0;
  struct noisy_privacy_result res;
  double t0 = now();
  noisy_plan_privacy_curve(P, &S->run, &pr, &alpha, 1, t, 51, 0, &res, msg, sizeof msg);
  double t_exact = now() - t0;
  double eps_x = res.eps_exact[res.n_times - 1];
  noisy_privacy_result_free(&res);
  t0 = now();
  noisy_plan_privacy_curve(P, &S->run, &pr, &alpha, 1, t, 51, 1, &res, msg, sizeof msg);
  double t_spec = now() - t0;
  double eps_s = res.eps_spectral[res.n_times - 1];
  noisy_privacy_result_free(&res);
  printf("(1) eps_2(t), one pair, d = %d power law, 50 times x 201 nodes:\n"
         "    NS-10 exact   %.3f s  (eps_2(T) = %.6g)\n"
         "    NS-11 spectral %.3f s  (eps_2(T) = %.6g)   [d groups: no binning]\n",
         d, t_exact, eps_x, t_spec, eps_s);
  free(x1), free(x2);
  hd_session_free(S);
  free(S);

  /* (2) one D evaluation at d = 1000: low rank vs dense */
  S = session(1000, "power_law", 20, 7);
  P = S->plan;
  size_t dm = 1000, G = P->limit.n_groups;
  x1 = malloc(dm * sizeof *x1), x2 = malloc(dm * sizeof *x2);
  hd_noisy_record(P->noisy, P->seed, 0, x1, &e1);
  hd_noisy_record(P->noisy, P->seed, 1, x2, &e2);
  pr = (struct noisy_pair){x1, x2, e1, e2};
  double tt[2] = {0.5, 1.0}, *c = malloc(2 * G * sizeof *c);
  noisy_variance_path(&P->limit, &S->run, tt, 2, c, NULL, NULL, msg, sizeof msg);
  int reps = 2000;
  t0 = now();
  double acc = 0;
  for (int r = 0; r < reps; r++) acc += noisy_divergence(&P->limit, &pr, 2, 0.5, 1.0, c, c + G, 1);
  double t_low = (now() - t0) / reps;
  /* dense: build Sigma_1, Sigma_2 (diagonal + rank 2 each, as matrices) and factorise */
  double *S1 = calloc(dm * dm, sizeof *S1), *S2 = calloc(dm * dm, sizeof *S2);
  double *m1 = calloc(dm, sizeof *m1), *m2 = calloc(dm, sizeof *m2);
  for (size_t i = 0; i < dm; i++) {
    S1[i * dm + i] = S2[i * dm + i] = c[G + P->mode_group[i]] / 1000.0;
    m1[i] = 1e-3 * x1[i];
    for (size_t j = 0; j < dm; j++) {
      S1[i * dm + j] += 1e-8 * x1[i] * x1[j]; /* small: Sigma_alpha stays PD */
      S2[i * dm + j] += 1e-8 * x2[i] * x2[j];
    }
  }
  int dreps = 5;
  t0 = now();
  for (int r = 0; r < dreps; r++) acc += noisy_gauss_renyi_dense(2, dm, m1, S1, m2, S2);
  double t_dense = (now() - t0) / dreps;
  printf("(2) one D_2(s, t) at d = 1000: low-rank NS-10 %.1f us, dense O(d^3) %.1f ms, "
         "ratio %.0fx  (checksum %.3g)\n",
         1e6 * t_low, 1e3 * t_dense, t_dense / t_low, acc);
  free(S1), free(S2), free(m1), free(m2), free(c), free(x1), free(x2);
  hd_session_free(S);
  free(S);

  /* (3) worst-pair search */
  S = session(d, "power_law", 100, 7);
  P = S->plan;
  P->records = (size_t)(1.5 * d);
  long b1, b2;
  double best;
  t0 = now();
  noisy_plan_worst_pair(P, &S->run, 2, 1.5, 40, &b1, &b2, &best, 0, NULL, msg, sizeof msg);
  double t_search = now() - t0;
  printf("(3) worst pair over n = %zu records, d = %d (101 nodes, top 40 x 40): %.2f s, "
         "pair (%ld, %ld), eps_2(T) = %.6g\n",
         P->records, d, t_search, b1, b2, best);
  hd_session_free(S);
  free(S);
  return 0;
}
