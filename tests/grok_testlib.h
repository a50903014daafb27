/* grok_testlib.h — helpers shared by the grokking tests. */
#ifndef HDSIM_TESTS_GROK_TESTLIB_H
#define HDSIM_TESTS_GROK_TESTLIB_H

#include "problems/grok/dmft_grokking_plan.h"
#include "testlib.h"

/* Runs the session's exact GD map and its gradient flow on its grid; returns the largest
 * relative difference of train and test_pop (the results are left in gd and gf). */
static inline double grok_gd_vs_flow(struct hd_session *s, const struct hd_output_grid *g,
                                     struct hd_theory_result *gd, struct hd_theory_result *gf)
{
  tl_theory(s, g, HD_THEORY_RECURSION, gd);
  tl_theory(s, g, HD_THEORY_ODE, gf);
  double worst = 0;
  for (size_t o = GROK_OBS_TRAIN; o <= GROK_OBS_TEST_POP; o++)
    for (size_t j = 0; j < g->n; j++) {
      double a = gd->values[o * g->n + j], b = gf->values[o * g->n + j];
      worst = fmax(worst, fabs(a - b) / fabs(a));
    }
  return worst;
}

#endif
