/* grok_linear_estimator_sim.h — the finite-d_in Monte Carlo of the Levi et al. linear
 * estimator (problem grok_linear_estimator, grok.md §4.1, §6.5; the model is in
 * ode/grok_linear_estimator.h): each run draws its own training inputs, student and
 * teacher and trains by full-batch GD. */
#ifndef HDSIM_SIM_GROK_LINEAR_ESTIMATOR_SIM_H
#define HDSIM_SIM_GROK_LINEAR_ESTIMATOR_SIM_H

#include <stddef.h>
#include <stdint.h>

enum gle_route { GLE_ROUTE_EIGEN, GLE_ROUTE_GD };

/* The ensemble (plain fields, filled by the package). */
struct gle_sim {
  size_t d, n; /* d_in, N_tr */
  double eta;
  int route;     /* enum gle_route */
  uint64_t seed; /* the model seed: run r draws from (seed, r) */
};

size_t gle_sim_state_size(const struct gle_sim *sim);
void gle_sim_start(const struct gle_sim *sim, uint64_t run, void *state);
int gle_sim_advance(const struct gle_sim *sim, void *state, uint64_t k0, uint64_t k1,
                    uint64_t *bad_step);
/* The run's train and generalisation losses now. */
void gle_sim_losses(const struct gle_sim *sim, const void *state, double *train, double *gen);

#endif
