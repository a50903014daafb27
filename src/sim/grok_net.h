/* grok_net.h — finite-width networks of DMFT grokking (docs/theory/grok.md §1.1,
 * §2.1): N neurons from their own initialisation, trained by GD on the system's dataset
 * (kernels/grok_closure.h), one Monte Carlo run each. */
#ifndef HDSIM_SIM_GROK_NET_H
#define HDSIM_SIM_GROK_NET_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/grok_closure.h"

enum grok_net_algorithm { GROK_NET_CLOSURE, GROK_NET_NEURONS, GROK_NET_SAMPLES };

/* What is trained (docs/theory/grok.md §1.1, §5): the readouts fixed to 1, both
 * layers, or the network linearised around its W0. */
enum grok_net_model { GROK_MODEL_STANDARD, GROK_MODEL_READOUTS, GROK_MODEL_LINEARISED };

/* Initial readouts of the trained-readout model: all 1, or a_i ~ N(0, 1). */
enum grok_readout_init { GROK_READOUT_ONES, GROK_READOUT_NORMAL };

/* The ensemble (plain fields, filled by the package). */
struct grok_net {
  const struct grok_system *sys; /* the dataset and the map; sys->K set for samples */
  size_t N;                      /* width */
  size_t r;                      /* min(N, D): columns of Z */
  uint64_t seed;                 /* the model seed: run r's W0 comes from (seed, r) */
  int algorithm;                 /* enum grok_net_algorithm (standard model) */
  int model;                     /* enum grok_net_model */
  int readout_init;              /* enum grok_readout_init (readouts model) */
  const double *W0, *a0;         /* N x D and N from files, or NULL: drawn per run */
};

/* A run's initial weights: the file's W0, or N x D values N(0, sigma^2) from the run's
 * INIT stream; its readouts likewise (the INIT stream's block 1). */
void grok_net_initial_weights(const struct grok_net *net, uint64_t run, double *W0);
void grok_net_initial_readouts(const struct grok_net *net, uint64_t run, double *a0);

/* ---- sim/grok_readout_net.c: both layers trained (§5) ---- */
size_t grok_readout_net_state_size(const struct grok_net *net);
void grok_readout_net_start(const struct grok_net *net, uint64_t run, void *state);
int grok_readout_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                             uint64_t *bad_step);
void grok_readout_net_observe(const struct grok_net *net, const void *state, double *out);

/* ---- sim/grok_linearised_net.c: f linearised around W0 (§5.4) ---- */
size_t grok_linearised_net_state_size(const struct grok_net *net);
void grok_linearised_net_start(const struct grok_net *net, uint64_t run, void *state);
int grok_linearised_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                                uint64_t *bad_step);
void grok_linearised_net_observe(const struct grok_net *net, const void *state, double *out);

/* Bytes of one run's state; its start (W0 drawn), steps [k0, k1) (non-zero with *bad_step
 * on a non-finite value) and observables. */
size_t grok_net_state_size(const struct grok_net *net);
void grok_net_start(const struct grok_net *net, uint64_t run, void *state);
int grok_net_advance(const struct grok_net *net, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
void grok_net_observe(const struct grok_net *net, const void *state, double *out);

#endif
