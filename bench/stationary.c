/* stationary.c — cost of one SGD step with a stationary covariance in the pixel basis
 * (x = C^{1/2} z by two real FFTs, src/sim/lsq_stationary.c) against the eigenbasis step
 * (x = sqrt(lambda) .* z, src/sim/lsq_kernel.c), d = 2^10 .. 2^16, 1-D signals and 2-D
 * images (even powers: sqrt(d) x sqrt(d)).  Run on demand: `ninja -C build bench-stationary`.
 *
 * Prints ns per coordinate-step (seconds / (steps x d)) of each and their ratio, one
 * thread, the best of 3 timings of ~0.15 s (--quick: one of 0.05 s).  Model: S(f) =
 * (1 + |f|^2/f0^2)^-1, f0 = 0.05, lr 0.5, label noise 0.5, Gaussian features. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "sim/lsq_kernel.h"
#include "sim/lsq_stationary.h"

static double now(void) { return hd_now(); }

static double lr_const(double t, const void *ctx)
{
  (void)t;
  return *(const double *)ctx;
}

static const double LR = 0.5;

/* ns per coordinate-step of `advance` (pixel if S != NULL) */
static double time_one(const struct hd_stationary *S, const struct hd_lsq_kernel *K, double *e,
                       double *work, double budget, int reps)
{
  size_t d = K->d;
  double best = INFINITY;
  uint64_t k = 0;
  for (int r = 0; r < reps; r++) {
    uint64_t steps = 0, chunk = 1 + (uint64_t)(2e6 / (double)d);
    double t0 = now(), t1;
    do {
      if (S) hd_stationary_advance(S, K, 1, 0, e, work, k, k + chunk, NULL);
      else hd_lsq_kernel_advance(K, 1, 0, e, work, k, k + chunk, NULL);
      k += chunk;
      steps += chunk;
      t1 = now();
    } while (t1 - t0 < budget);
    best = fmin(best, (t1 - t0) / ((double)steps * (double)d) * 1e9);
  }
  return best;
}

int main(int argc, char **argv)
{
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  double budget = quick ? 0.05 : 0.15;
  int reps = quick ? 1 : 3;
  printf("stationary spectrum, one SGD step: pixel basis (2 real FFTs) vs eigenbasis\n");
  printf("%-4s %8s %14s %14s %8s %14s\n", "dims", "d", "eigen ns/coord", "pixel ns/coord", "ratio",
         "pixel us/step");
  for (int dims = 1; dims <= 2; dims++)
    for (int p = 10; p <= 16; p += dims) {
      size_t d = (size_t)1 << p;
      char msg[256];
      struct hd_stationary *S = hd_stationary_create(dims, d, 2.0, 0.05, msg, sizeof msg);
      if (!S) {
        fprintf(stderr, "%s\n", msg);
        return 1;
      }
      double *lam = malloc(d * sizeof *lam), *sl = malloc(d * sizeof *sl);
      double *ts = calloc(d, sizeof *ts), *e = malloc(d * sizeof *e);
      hd_stationary_lambda(S, lam);
      for (size_t i = 0; i < d; i++) sl[i] = sqrt(lam[i]);
      struct hd_lsq_kernel K = {.d = d,
                                .sqrt_lambda = sl,
                                .theta_star = ts,
                                .ridge = 0,
                                .label_noise = 0.5,
                                .law = HD_FEATURES_GAUSSIAN,
                                .lr = lr_const,
                                .lr_ctx = &LR};
      size_t wn = hd_stationary_work_size(S) > d ? hd_stationary_work_size(S) : d;
      double *work = malloc(wn * sizeof *work);
      for (size_t i = 0; i < d; i++) e[i] = 1.0 / sqrt((double)d);
      double te = time_one(NULL, &K, e, work, budget, reps);
      for (size_t i = 0; i < d; i++) e[i] = 1.0 / sqrt((double)d);
      double tp = time_one(S, &K, e, work, budget, reps);
      printf("%-4d %8zu %14.2f %14.2f %8.2f %14.1f\n", dims, d, te, tp, tp / te,
             tp * (double)d * 1e-3);
      fflush(stdout);
      free(lam), free(sl), free(ts), free(e), free(work);
      hd_stationary_destroy(S);
    }
  return 0;
}
