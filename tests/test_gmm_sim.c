/* test_gmm_sim.c — the gmm_multiclass Monte Carlo: reproducibility (same seed ->
 * bit-identical for any thread count and any split of a run into advance() calls) and the
 * options of gmm.md §2.8 (mini-batch, ridge, schedule, random start, teacher with label
 * noise) against the ODE at small d, with the bound of gmm_check.h (16 runs: its
 * Student-t multiplier k is 5.7-5.8 for 24-30 comparisons). */
#include <string.h>

#include "gmm_check.h"

static const char *model = "[model]\nproblem = gmm_multiclass\nseed = 21\n"
                           "[data]\nd = %d\n%s\n[loss]\nkind = %s\n[optimizer]\nlr = %g\n%s\n"
                           "[simulation]\nruns = %d\nhorizon = 3\n[theory]\nrtol = 1e-9\n"
                           "[output]\ntimes = log(0.1, 3, 6)\n";

static void reproducible(void)
{
  struct hd_session *s = tl_session(model, 200,
                                    "covariance = power_law\nalpha = 1.1, 1.5\n"
                                    "mean_profile = power_law",
                                    "logistic", 1.0, "batch = 2\nridge = 0.05\ninit = random", 4);
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_mc_result a, b;
  hd_mc_run(s->pb, s->plan, &g, 4, 1, s->run.divergence, 1, &a);
  hd_mc_run(s->pb, s->plan, &g, 4, 2, s->run.divergence, 1, &b);
  size_t n = a.n_obs * a.runs * a.n_times;
  tl_check(memcmp(a.values, b.values, n * sizeof(double)) == 0,
           "1 and 2 threads give bit-identical runs (%zu values)", n);
  /* one advance 0 -> K against three uneven pieces */
  const struct gmm_plan *P = s->plan;
  size_t bytes = s->pb->sim_state_size(P);
  double *x = malloc(bytes), *y = malloc(bytes);
  uint64_t K = 3 * P->d + 17, bad;
  s->pb->sim_start(P, 3, x);
  s->pb->sim_start(P, 3, y);
  s->pb->sim_advance(P, 3, x, 0, K, &bad);
  s->pb->sim_advance(P, 3, y, 0, 5, &bad);
  s->pb->sim_advance(P, 3, y, 5, P->d, &bad);
  s->pb->sim_advance(P, 3, y, P->d, K, &bad);
  tl_check(memcmp(x, y, P->q * P->d * sizeof(double)) == 0,
           "a run split into three advance() calls is bit-identical to one");
  free(x);
  free(y);
  hd_mc_result_free(&a);
  hd_mc_result_free(&b);
  hd_output_grid_free(&g);
  tl_session_free(s);
}

static void versus(const char *label, int d, int runs, const char *data, const char *loss,
                   double lr, const char *opt)
{
  struct hd_session *s = tl_session(model, d, data, loss, lr, opt, runs);
  const char *const names[5] = {"risk", "error", "norm", "cosine_1", "lr"};
  int adaptive = ((const struct gmm_plan *)s->plan)->limit.adaptive;
  struct gmm_verdict v = gmm_theory_vs_sim(s, runs, names, 4 + (size_t)adaptive, 0);
  tl_check(v.ok,
           "%s (d = %d): risk, error, ||X||^2, cosine%s within k s.e. + 2|ODE| b_d (worst at %.2f)",
           label, d, adaptive ? ", lr" : "", v.worst);
  tl_session_free(s);
}

int main(void)
{
  reproducible();
  versus("LS, batch 4, ridge, step schedule, random start", 400, 16,
         "covariance = power_law\nalpha = 1.1, 1.5\nmean_profile = power_law\nmean_beta = 0.25",
         "least_squares", 1.5,
         "batch = 4\nridge = 0.1\nschedule = step\nlr_every = 1\nlr_factor = 0.5\n"
         "init = random\ninit_scale = 0.7");
  versus("LS with teacher and label noise, 2 classes", 400, 16,
         "covariance = isotropic\nvariance = 1, 0.5\nteacher = random\nlabel_noise = 0.3",
         "least_squares", 0.8, "ridge = 0.05");
  versus("logistic, unequal class probabilities, inverse-power schedule", 400, 16,
         "covariance = zero_one\nprobs = 0.3, 0.7\nmeans = independent\nmean_scale = 1.5",
         "logistic", 2.0, "schedule = inverse_power\nlr_t0 = 0.5");
  versus("4-class softmax (3-D rule)", 300, 16,
         "classes = 4\ncovariance = isotropic\nmeans = orthogonal\nmean_scale = 2", "softmax", 1.0,
         "");
  versus("8-class softmax (QMC rule)", 400, 16,
         "classes = 8\ncovariance = isotropic\nmeans = orthogonal\nmean_scale = 2", "softmax", 1.0,
         "");
  versus("AdaGrad-Norm logistic, power law", 400, 16,
         "covariance = power_law\nalpha = 1.1, 1.5\nmean_profile = power_law", "logistic", 2.0,
         "adaptive = adagrad_norm\nadagrad_b = 0.5");
  /* 4 runs: its cost is the 32-dimensional QMC error, read at every output of every run */
  versus("32-class one-hot LS (K up to 32)", 800, 16,
         "classes = 32\ncovariance = isotropic\nvariance = 0.5\nmeans = orthogonal\nmean_scale = 2",
         "onehot_ls", 1.0, "");
  return tl_finish();
}
