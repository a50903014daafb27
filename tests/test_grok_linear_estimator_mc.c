/* test_grok_linear_estimator_mc.c — the statistical half of test_grok_linear_estimator.c
 * (slow suite): finite-d Monte Carlo of the linear estimator against the Marchenko-Pastur
 * discrete-GD theory. */
#define GROK_LINEAR_ESTIMATOR_MC
#include "test_grok_linear_estimator.c"
