/* grok_levi.h — grokking in linear estimators (Levi, Beck, Bar-Sinai, ICLR 2024; spec
 * dmft_grokking.md §4.1): a second, solvable validation target of the grokking family.
 *
 * Student S and teacher T in R^{d_in} (d_out = 1, no weight decay), D = S - T with
 * S0, T ~ N(0, 1/(2 d_in)) so |D0|^2 ~ 1; Sigma_tr = X^T X / N_tr from N_tr = d_in/lambda
 * standard Gaussian inputs; full-batch GD  D+ = (I - 2 eta Sigma_tr) D.
 *     L_tr = D^T Sigma_tr D,   L_gen = |D|^2,   accuracy A = erf(sqrt(eps_acc / (2 L))).
 * Time t = GD steps (epochs), steps_per_time = 1.
 *
 * Theory (d_in -> infinity at fixed lambda, Marchenko-Pastur law rho_lambda):
 *   ode        gradient flow: L_tr(t) = e^{-4 eta (1 - sqrt(lambda))^2 t}
 *                                       i1e(8 eta t sqrt(lambda)) / (4 eta t sqrt(lambda))
 *              (closed form) and the one ODE  L_gen' = -4 eta L_tr(t),  L_gen(0) = 1;
 *   recursion  discrete GD: L_tr = int s (1 - 2 eta s)^{2k} rho(ds),
 *              L_gen = int (1 - 2 eta s)^{2k} rho(ds) (atom 1 - 1/lambda at 0 for
 *              lambda > 1), by trapezoidal quadrature in s = 1 + lambda + 2 sqrt(lambda)
 *              cos(theta), which is spectrally accurate (smooth periodic integrand). */
#ifndef HDSIM_ODE_GROK_LEVI_H
#define HDSIM_ODE_GROK_LEVI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "problem.h"

enum levi_route { LEVI_ROUTE_EIGEN, LEVI_ROUTE_GD };

struct levi_params {
  long d_in;
  double lambda;   /* d_in / N_tr */
  double eta;
  double acc_eps;  /* eps_acc of the accuracy threshold */
  int route;       /* enum levi_route: simulation */
  long quadrature; /* MP quadrature nodes */
};

struct levi_plan {
  struct levi_params p;
  size_t d, n;     /* d_in, N_tr */
  uint64_t seed;
  struct hd_observable obs[4];
};

enum { LEVI_OBS_TRAIN, LEVI_OBS_GEN, LEVI_OBS_ACC_TRAIN, LEVI_OBS_ACC_GEN, LEVI_OBS_COUNT };

/* exp(-x) I_1(x), x >= 0 (series below 40, asymptotic expansion above). */
double levi_i1e(double x);
/* Gradient-flow train loss, closed form (§4.1). */
double levi_train_flow(double eta, double lambda, double t);
/* MP averages at time t: gd selects (1 - 2 eta s)^{2t} instead of e^{-4 eta s t}. */
void levi_mp_average(double eta, double lambda, double t, bool gd, size_t nodes, double *train,
                     double *gen);
double levi_accuracy(double acc_eps, double loss);

/* src/sim/grok_levi_sim.c */
size_t levi_sim_state_size(const void *plan);
void levi_sim_start(const void *plan, uint64_t run, void *state);
int levi_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
void levi_sim_observe(const void *plan, const void *state, double *out);

#endif
