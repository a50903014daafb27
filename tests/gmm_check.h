/* gmm_check.h — the theory-vs-Monte-Carlo bound shared by the gmm_multiclass tests:
 * runs the ODE and the ensemble of a prepared session on its grid and checks, for the named
 * observables at every output time after t = 0,
 *     |mean - ODE| <= k s.e. + 2 |ODE| b_d  [+ 2e-3 for the multi-class error],
 * k the Student-t multiplier of testlib.h (tl_bound_k: a correct theory fails the whole
 * check with probability < 1e-3; 5.7 at 16 runs and 24 comparisons),
 * b_d = (1 + max_c ||mu_c||^2 / mean Tr K_c/d) / d the relative size of the terms the limit
 * drops (gmm.md §2.2; gmm_finite_d_scale), 2e-3 the resolution of the 4096-point QMC error. */
#ifndef HDSIM_TESTS_GMM_CHECK_H
#define HDSIM_TESTS_GMM_CHECK_H

#include <string.h>

#include "testlib.h"

#define HDSIM_GMM_FRIEND
#include "problems/gmm/gmm_plan.h"

struct gmm_verdict {
  int ok;
  double worst;   /* largest error / bound */
  double sup_rel; /* sum of the sup relative errors of the first n_sum observables */
  double sup_rse; /* sum of their sup relative standard errors */
};

static struct gmm_verdict gmm_theory_vs_sim(struct hd_session *s, long runs,
                                            const char *const *names, size_t n_names, size_t n_sum)
{
  const struct gmm_plan *P = s->plan;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  struct hd_mc_result mc;
  hd_mc_run(s->pb, s->plan, &g, runs, 0, s->run.divergence, 1, &mc);
  const struct hd_observable *obs;
  size_t n_obs = s->pb->observables(P, &obs);
  const double bias = gmm_finite_d_scale(P);
  struct gmm_verdict v = {.ok = mc.n_diverged == 0};
  const double kse = tl_bound_k(runs, n_names * (g.n - 1));
  for (size_t k = 0; k < n_names; k++) {
    size_t o = 0;
    while (o < n_obs && strcmp(obs[o].name, names[k]) != 0) o++;
    if (o == n_obs) {
      fprintf(stderr, "no observable %s\n", names[k]);
      exit(1);
    }
    double qmc = strcmp(names[k], "error") == 0 && P->q > 1 ? 2e-3 : 0, sup = 0, rse = 0;
    for (size_t j = 1; j < g.n; j++) {
      size_t i = o * g.n + j;
      double err = fabs(mc.mean[i] - th.values[i]);
      double bound = kse * mc.stderr_[i] + 2 * fabs(th.values[i]) * bias + qmc;
      v.worst = fmax(v.worst, err / bound);
      v.ok = v.ok && err <= bound;
      sup = fmax(sup, err / fabs(th.values[i]));
      rse = fmax(rse, mc.stderr_[i] / fabs(th.values[i]));
    }
    if (k < n_sum) v.sup_rel += sup;
    if (k < n_sum) v.sup_rse += rse;
  }
  hd_mc_result_free(&mc);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  return v;
}

#endif
