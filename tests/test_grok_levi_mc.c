/* test_grok_levi_mc.c — the statistical half of test_grok_levi.c (slow suite): finite-d
 * Monte Carlo of the linear estimator against the Marchenko-Pastur discrete-GD theory. */
#define GROK_LEVI_MC
#include "test_grok_levi.c"
