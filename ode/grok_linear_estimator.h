/* grok_linear_estimator.h — the d_in -> infinity limit of grokking in linear estimators
 * (Levi, Beck, Bar-Sinai, ICLR 2024; grok.md §4.1), problem
 * grok_linear_estimator (prefix gle_).
 *
 * Student S and teacher T in R^{d_in} (d_out = 1, no weight decay), D = S - T with
 * S0, T ~ N(0, 1/(2 d_in)) so |D0|^2 ~ 1; Sigma_tr = X^T X / N_tr from N_tr = d_in/lambda
 * standard Gaussian inputs; full-batch GD  D+ = (I - 2 eta Sigma_tr) D.
 *     L_tr = D^T Sigma_tr D,   L_gen = |D|^2.
 * Time t = GD steps (epochs).  At fixed lambda, under the Marchenko-Pastur law rho_lambda:
 *   gradient flow  L_tr(t) = e^{-4 eta (1 - sqrt(lambda))^2 t}
 *                            i1e(8 eta t sqrt(lambda)) / (4 eta t sqrt(lambda))
 *                  (closed form) and the one ODE  L_gen' = -4 eta L_tr(t),  L_gen(0) = 1;
 *   discrete GD    L_tr = int s (1 - 2 eta s)^{2k} rho(ds),
 *                  L_gen = int (1 - 2 eta s)^{2k} rho(ds) (atom 1 - 1/lambda at 0 for
 *                  lambda > 1), by quadrature in s = 1 + lambda + 2 sqrt(lambda) cos(theta),
 *                  which is spectrally accurate (smooth periodic integrand). */
#ifndef HDSIM_ODE_GROK_LINEAR_ESTIMATOR_H
#define HDSIM_ODE_GROK_LINEAR_ESTIMATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "integrate.h"

/* The limit (plain fields, filled by the package). */
struct gle_limit {
  double eta, lambda;
  size_t nodes; /* Marchenko-Pastur quadrature nodes of the discrete-GD theory */
};

/* exp(-x) I_1(x), x >= 0 (series below 40, asymptotic expansion above). */
double gle_i1e(double x);
/* Gradient-flow train loss, closed form (§4.1). */
double gle_train_flow(double eta, double lambda, double t);
/* MP averages at time t: gd selects (1 - 2 eta s)^{2t} instead of e^{-4 eta s t}. */
void gle_mp_average(double eta, double lambda, double t, bool gd, size_t nodes, double *train,
                    double *gen);
/* Gradient flow as a CVODE system: y = L_gen, L_gen' = -4 eta L_tr(t), L_gen(0) = 1. */
int gle_flow_ode(struct gle_limit *L, struct hd_ode_system *sys, double *y0);
/* Discrete GD after t steps: (L_tr, L_gen) from the MP averages. */
void gle_gd_losses(const struct gle_limit *L, double t, double *train, double *gen);

#endif
