/* grok_net.h — finite-width networks of DMFT grokking (shared/specs/dmft_grokking.md §1.1,
 * §2.1): N neurons from their own initialisation, trained by GD on the system's dataset
 * (kernels/grok_closure.h), one Monte Carlo run each. */
#ifndef HDSIM_SIM_GROK_NET_H
#define HDSIM_SIM_GROK_NET_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/grok_closure.h"

enum grok_net_algorithm { GROK_NET_CLOSURE, GROK_NET_NEURONS, GROK_NET_SAMPLES };

/* The ensemble (plain fields, filled by the package). */
struct grok_net {
  const struct grok_system *sys; /* the dataset and the map; sys->K set for samples */
  size_t N;                      /* width */
  size_t r;                      /* min(N, D): columns of Z */
  uint64_t seed;                 /* the model seed: run r's W0 comes from (seed, r) */
  int algorithm;                 /* enum grok_net_algorithm */
};

/* Bytes of one run's state; its start (W0 drawn), steps [k0, k1) (non-zero with *bad_step
 * on a non-finite value) and observables. */
size_t grok_net_state_size(const struct grok_net *net);
void grok_net_start(const struct grok_net *net, uint64_t run, void *state);
int grok_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
void grok_net_observe(const struct grok_net *net, const void *state, double *out);

#endif
