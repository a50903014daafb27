/* sam_kernel.c — benchmark of the SAM-family streaming kernel (run on demand:
 * `ninja -C build bench-sam`).  Prints coordinate-steps per second (steps x d / seconds,
 * one thread, best of 3 timings of ~0.25 s) for d = 10^3, 10^4, 10^5 of
 *   the engine's SGD kernel (hd_lsq_kernel_advance: the baseline, measured in this run),
 *   sams_kernel_advance for SGD, USAM, DNSAM, SAM (B = 1) and SAM with B = 8 (per
 *   sample: steps x B x d), with the ratio to the baseline, and
 *   a numpy per-step loop of SAM (B = 1), the code a user would write otherwise
 *   (bench/sam_kernel_numpy.py through popen; skipped without --python).
 * Model: power law lambda_i ~ (i/d)^1, gamma = 0.6, rho_bar = 0.5, label noise 0.3.
 * Usage: sam_kernel [--numpy SCRIPT --python PYTHON] [--quick] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "sim/lsq_kernel.h"
#include "sim/sam_streaming.h"

static double now(void) { return hd_now(); }

static double lr_const(double t, const void *ctx)
{
  (void)t;
  return *(const double *)ctx;
}

static const double LR = 0.6;
static double budget = 0.25;

/* best-of-3 rate of fn over chunks of steps, in coordinate-steps / s */
typedef int (*advance_fn)(const void *K, double *e, double *work, uint64_t k0, uint64_t k1);

static int adv_lsq(const void *K, double *e, double *w, uint64_t k0, uint64_t k1)
{
  return hd_lsq_kernel_advance(K, 1, 0, e, w, k0, k1, NULL);
}

static int adv_sam(const void *K, double *e, double *w, uint64_t k0, uint64_t k1)
{
  return sams_kernel_advance(K, 1, 0, e, w, k0, k1, NULL);
}

static double rate(advance_fn fn, const void *K, size_t d, size_t B, double *e, double *w)
{
  double best = 0;
  for (int rep = 0; rep < 3; rep++) {
    for (size_t i = 0; i < d; i++) e[i] = -1 / sqrt((double)d);
    uint64_t k = 0, chunk = 1 + 2000000 / d;
    double t0 = now(), t;
    do {
      fn(K, e, w, k, k + chunk);
      k += chunk;
      t = now() - t0;
    } while (t < budget);
    best = fmax(best, (double)k * (double)d * (double)B / t);
  }
  return best;
}

int main(int argc, char **argv)
{
  const char *script = NULL, *python = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--numpy") && i + 1 < argc) script = argv[++i];
    else if (!strcmp(argv[i], "--python") && i + 1 < argc) python = argv[++i];
    else if (!strcmp(argv[i], "--quick")) budget = 0.1;
  }
  static const size_t dims[3] = {1000, 10000, 100000};
  printf("coordinate-steps / s, one thread (indicative: shared 2-core machine)\n");
  printf("%8s %11s %11s %11s %11s %11s %11s %11s\n", "d", "lsq(SGD)", "sgd", "usam", "dnsam", "sam",
         "sam B=8", "numpy sam");
  for (int n = 0; n < 3; n++) {
    size_t d = dims[n];
    double *lam = malloc(d * sizeof *lam), *sl = malloc(d * sizeof *sl);
    double *e = malloc(d * sizeof *e), *w = malloc((8 * d + d + 16) * sizeof *w), s = 0;
    for (size_t i = 0; i < d; i++) s += lam[i] = (double)(i + 1) / (double)d;
    for (size_t i = 0; i < d; i++) {
      lam[i] *= (double)d / s;
      sl[i] = sqrt(lam[i]);
    }
    struct hd_lsq_kernel L = {
        .d = d, .sqrt_lambda = sl, .label_noise = 0.3, .lr = lr_const, .lr_ctx = &LR};
    double base = rate(adv_lsq, &L, d, 1, e, w), r[5];
    static const enum sam_algorithm alg[5] = {SAM_ALG_SGD, SAM_ALG_USAM, SAM_ALG_DNSAM, SAM_ALG_SAM,
                                              SAM_ALG_SAM};
    for (int a = 0; a < 5; a++) {
      size_t B = a == 4 ? 8 : 1;
      double rho = alg[a] == SAM_ALG_SAM ? 0.5 / sqrt((double)d) : 0.5 / (double)d;
      struct sams_kernel K = {.d = d,
                              .batch = B,
                              .sqrt_lambda = sl,
                              .lambda = lam,
                              .label_noise = 0.3,
                              .lr = LR,
                              .rho = rho,
                              .norm_eps = 1e-12,
                              .algorithm = alg[a]};
      r[a] = rate(adv_sam, &K, d, B, e, w);
    }
    double np = NAN;
    if (script && python && python[0]) {
      char cmd[2048];
      snprintf(cmd, sizeof cmd, "%s %s %zu %g", python, script, d, budget);
      FILE *p = popen(cmd, "r");
      if (p) {
        if (fscanf(p, "%lf", &np) != 1) np = NAN;
        pclose(p);
      }
    }
    printf("%8zu %11.3g %11.3g %11.3g %11.3g %11.3g %11.3g %11.3g\n", d, base, r[0], r[1], r[2],
           r[3], r[4], np);
    printf("%8s %11s %10.2fx %10.2fx %10.2fx %10.2fx %10.2fx %10.1fx  (ratio to lsq; last: "
           "sam/numpy)\n",
           "", "1", r[0] / base, r[1] / base, r[2] / base, r[3] / base, r[4] / base, r[3] / np);
    free(lam);
    free(sl);
    free(e);
    free(w);
  }
  return 0;
}
