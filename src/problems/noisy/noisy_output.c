/* noisy_output.c — the noisy_sgd results that are not grid observables, written into the
 * output file by the engine's write_extra hook:
 *   /risk_parts   t, risk, bias R_b, variance part, excess risk (from NS-4'), attrs
 *                 stationary_risk (NS-6), ridge_reference; closed_form (NS-7) if isotropic
 *   /privacy      orders, t, eps_exact (NS-10 + NS-9), eps_spectral (NS-11 + NS-9),
 *                 eps_dp ((eps, delta)-DP), s, r1, r2 (residual profiles), the pair, T,
 *                 alpha_max, reason (why +inf), search results, accountants (§2.7) */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode/noisy_privacy.h"
#include "problems/noisy/noisy_package.h"

static int put(hid_t g, const char *name, const double *v, size_t n0, size_t n1, const char *desc)
{
  hsize_t dims[2] = {n0, n1};
  hid_t s = H5Screate_simple(n1 ? 2 : 1, dims, NULL);
  hid_t d = H5Dcreate2(g, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (s < 0 || d < 0) ? -1 : 0;
  if (rc == 0 && n0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    rc = -1;
  if (rc == 0 && desc) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(desc) + 1);
    hid_t ss = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(d, "description", t, ss, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, desc) < 0) rc = -1;
    H5Aclose(a), H5Sclose(ss), H5Tclose(t);
  }
  H5Dclose(d), H5Sclose(s);
  return rc;
}

static int attr_d(hid_t g, const char *name, double v)
{
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(g, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &v) < 0) ? -1 : 0;
  H5Aclose(a), H5Sclose(s);
  return rc;
}

static int attr_s(hid_t g, const char *name, const char *v)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(g, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (a < 0 || H5Awrite(a, t, v) < 0) ? -1 : 0;
  H5Aclose(a), H5Sclose(s), H5Tclose(t);
  return rc;
}

static int write_risk_parts(const struct lsq_plan *P, const struct hd_run_params *run,
                            const double *t, size_t n, hid_t f, char *msg, size_t msglen)
{
  hid_t g = H5Gcreate2(f, "risk_parts", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = g < 0 ? -1 : 0;
  rc |= attr_d(g, "stationary_risk", noisy_stationary_risk(&P->limit));
  rc |= attr_d(g, "ridge_reference", noisy_ridge_reference(&P->limit));
  if (P->p.clip > 0) {
    rc |= attr_s(g, "note", "clipped run: the mean/variance split (NS-4') is for clip = 0");
    H5Gclose(g);
    return rc;
  }
  size_t G = P->limit.n_groups;
  double *c = malloc(n * G * sizeof *c), *R = malloc(n * sizeof *R), *B = malloc(n * sizeof *B);
  double *V = malloc(n * sizeof *V), *X = malloc(n * sizeof *X), *CF = malloc(n * sizeof *CF);
  if (noisy_variance_path(&P->limit, run, t, n, c, R, B, msg, msglen) != 0) rc = -2;
  if (rc == 0) {
    double sd = lsq_label_noise_sd(&P->p), se2 = 0.5 * sd * sd;
    for (size_t k = 0; k < n; k++) {
      V[k] = R[k] - B[k];
      X[k] = R[k] - se2;
      CF[k] = noisy_isotropic_risk(&P->limit, t[k]);
    }
    rc |= put(g, "t", t, n, 0, "time t = steps B / d");
    rc |= put(g, "risk", R, n, 0, "risk from the c-form (NS-4'), equal to /theory/risk (ODE)");
    rc |= put(g, "bias", B, n, 0, "bias part R_b = 1/2 (<lambda mu^2> + sigma_eps^2)");
    rc |= put(g, "variance", V, n, 0, "variance part 1/2 <lambda c> (noise and SGD noise)");
    rc |= put(g, "excess_risk", X, n, 0, "excess risk R - sigma_eps^2 / 2");
    if (isfinite(CF[0])) rc |= put(g, "closed_form", CF, n, 0, "isotropic closed form (NS-7)");
  }
  free(c), free(R), free(B), free(V), free(X), free(CF);
  H5Gclose(g);
  return rc;
}

/* Record i of the dataset, as the simulation draws it (src/sim/noisy_kernel.c). */
static void record_of(const void *ctx, uint64_t i, double *x, double *eps)
{
  const struct lsq_plan *P = ctx;
  hd_noisy_record(P->noisy, P->seed, i, x, eps);
}

static struct noisy_privacy_opts privacy_opts(const struct lsq_plan *P)
{
  return (struct noisy_privacy_opts){.records = P->records,
                                     .nodes = (size_t)P->p.privacy_nodes,
                                     .delta = P->p.dp_delta,
                                     .record = record_of,
                                     .record_ctx = P,
                                     .seed = P->seed,
                                     .pair_stream = HD_STREAM_ORDER};
}

/* The limit the privacy computations run on (NS-13): the plan's, or under scaling =
 * released the same system with gamma(t) divided by d (drift, noise forcing and the
 * record's step alike), *S holding the scaled schedule. */
static struct lsq_limit privacy_limit(const struct lsq_plan *P, struct hd_schedule *S)
{
  struct lsq_limit L = P->limit;
  if (P->p.privacy_scaling == LSQ_PRIVACY_RELEASED) {
    *S = *P->limit.schedule;
    S->lr /= (double)P->d;
    L.schedule = S;
  }
  return L;
}

int noisy_plan_privacy_curve(const struct lsq_plan *P, const struct hd_run_params *run,
                             const struct noisy_pair *pair, const double *orders, size_t n_orders,
                             const double *t, size_t n_t, int formula,
                             struct noisy_privacy_result *res, char *msg, size_t msglen)
{
  struct noisy_privacy_opts o = privacy_opts(P);
  struct hd_schedule S;
  struct lsq_limit L = privacy_limit(P, &S);
  return noisy_privacy_curve(&L, &o, run, pair, orders, n_orders, t, n_t, formula, res, msg,
                             msglen);
}

int noisy_plan_worst_pair(const struct lsq_plan *P, const struct hd_run_params *run, double alpha,
                          double t0, size_t top, long *best_1, long *best_2, double *best_eps,
                          size_t n_random, double *random_eps, char *msg, size_t msglen)
{
  struct noisy_privacy_opts o = privacy_opts(P);
  struct hd_schedule S;
  struct lsq_limit L = privacy_limit(P, &S);
  return noisy_worst_pair(&L, &o, run, alpha, t0, top, best_1, best_2, best_eps, n_random,
                          random_eps, msg, msglen);
}

/* Optimal stopping under a privacy budget: t* = argmin R(t) over the output times with
 * eps_alpha(t) <= budget, per order (NaN: never within budget). */
static int write_budget(const struct lsq_plan *P, const struct hd_run_params *run,
                        const struct noisy_privacy_result *res, hid_t g, char *msg, size_t msglen)
{
  size_t nt = res->n_times;
  int rc = 0;
  size_t G = P->limit.n_groups;
  double *c = malloc((nt + 1) * G * sizeof *c), *R = malloc((nt + 1) * sizeof *R);
  double ts[NOISY_MAX_ORDERS], rs[NOISY_MAX_ORDERS];
  if (nt && noisy_variance_path(&P->limit, run, res->t, nt, c, R, NULL, msg, msglen) != 0) rc = -2;
  for (size_t o = 0; o < res->n_orders && rc == 0; o++) {
    ts[o] = rs[o] = NAN;
    for (size_t m = 0; m < nt; m++) {
      double e = isnan(res->eps_exact[o * nt + m]) ? res->eps_spectral[o * nt + m]
                                                   : res->eps_exact[o * nt + m];
      if (e <= P->p.budget && !(R[m] >= rs[o])) ts[o] = res->t[m], rs[o] = R[m];
    }
  }
  if (rc == 0) {
    rc |= put(g, "t_star", ts, res->n_orders, 0,
              "optimal stopping time per order: argmin R(t) over output times with "
              "eps_alpha(t) <= budget (NaN: never within budget)");
    rc |= put(g, "risk_at_t_star", rs, res->n_orders, 0, "R(t*)");
    rc |= attr_d(g, "budget", P->p.budget);
  }
  free(c), free(R);
  return rc;
}

/* The known-sensitivity accountants of the clipped variant (§2.7), per order and time. */
static int write_accountants(const struct lsq_plan *P, const struct noisy_privacy_result *res,
                             hid_t g)
{
  size_t nt = res->n_times;
  int rc = 0;
  double *comp = malloc((res->n_orders * nt + 1) * sizeof *comp);
  double *ys = malloc((res->n_orders * nt + 1) * sizeof *ys);
  struct hd_schedule S;
  struct lsq_limit L = privacy_limit(P, &S);
  for (size_t o = 0; o < res->n_orders; o++)
    for (size_t m = 0; m < nt; m++) {
      double k = floor(res->t[m] * (double)P->d + 0.5);
      double c = P->p.accountant_clip, a = res->orders[o];
      comp[o * nt + m] = noisy_accountant_composition(&L, c, a, k);
      ys[o * nt + m] = noisy_accountant_ye_shokri(&L, c, a, k, (double)P->records);
    }
  rc |= put(g, "accountant_composition", comp, res->n_orders, nt,
            "clipped variant, all iterates released: 2 alpha C^2 / sigma^2, C = c sqrt(tr K)");
  rc |= put(g, "accountant_ye_shokri", ys, res->n_orders, nt,
            "clipped variant, Ye-Shokri shuffled hidden-state bound, converted (docs/theory/noisy.md §2.7)");
  rc |= attr_d(g, "accountant_clip", P->p.accountant_clip);
  free(comp), free(ys);
  return rc;
}

static int write_privacy(const struct lsq_plan *P, const struct hd_run_params *run, const double *t,
                         size_t n, hid_t f, char *msg, size_t msglen)
{
  const double *orders = P->p.orders.v;
  int no = (int)P->p.orders.n;
  long r1 = P->p.record_1, r2 = P->p.record_2;
  double search_eps = NAN, T = (double)P->records / (double)P->d, search_alpha = orders[0];
  for (int o = 0; o < no; o++)
    if (orders[o] > 1) {
      search_alpha = orders[o];
      break;
    }
  size_t n_rand = (size_t)P->p.random_pairs;
  double *rand_eps = n_rand ? malloc(n_rand * sizeof *rand_eps) : NULL;
  long s1 = -1, s2 = -1;
  if ((r1 < 0 || n_rand) &&
      noisy_plan_worst_pair(P, run, search_alpha, T, (size_t)P->p.search_top, &s1, &s2, &search_eps,
                            n_rand, rand_eps, msg, msglen) != 0) {
    free(rand_eps);
    return -2;
  }
  if (r1 < 0) r1 = s1, r2 = s2;
  size_t d = P->d;
  double *x1 = malloc(d * sizeof *x1), *x2 = malloc(d * sizeof *x2), e1, e2;
  hd_noisy_record(P->noisy, P->seed, (uint64_t)r1, x1, &e1);
  hd_noisy_record(P->noisy, P->seed, (uint64_t)r2, x2, &e2);
  struct noisy_pair pair = {x1, x2, e1, e2};
  struct noisy_privacy_result res;
  int rc = noisy_plan_privacy_curve(P, run, &pair, orders, (size_t)no, t, n, P->p.privacy_formula,
                                    &res, msg, msglen);
  free(x1), free(x2);
  if (rc != 0) {
    noisy_privacy_result_free(&res);
    free(rand_eps);
    return -2;
  }
  res.record_1 = r1, res.record_2 = r2;
  hid_t g = H5Gcreate2(f, "privacy", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  rc = g < 0 ? -1 : 0;
  size_t nt = res.n_times;
  rc |= put(g, "orders", res.orders, res.n_orders, 0, "Renyi orders alpha (1 = KL)");
  rc |= put(g, "t", res.t, nt, 0, "release time t (output times in (0, T])");
  rc |= put(g, "eps_exact", res.eps_exact, res.n_orders, nt,
            "eps_alpha(t), exact Gaussian divergence O(d) (NS-10) averaged over the position "
            "(NS-9); +inf: Sigma_alpha not PD");
  rc |= put(
      g, "eps_spectral", res.eps_spectral, res.n_orders, nt,
      "eps_alpha(t), d -> infinity spectral formula (NS-11) averaged over the position (NS-9)");
  rc |= put(g, "eps_dp", res.eps_dp, nt, 0,
            "(eps, delta)-DP: min over orders > 1 of eps_alpha + log(1/delta)/(alpha - 1)");
  rc |= put(g, "s", res.s, res.n_nodes, 0, "processing time s of the record");
  rc |= put(g, "r1", res.r1, res.n_nodes, 0,
            "residual profile r_1(s) = x_1^T (m(s) - theta*) - eps_1");
  rc |= put(g, "r2", res.r2, res.n_nodes, 0, "residual profile r_2(s)");
  rc |= attr_d(g, "record_1", (double)r1);
  rc |= attr_d(g, "record_2", (double)r2);
  rc |= attr_d(g, "T", res.T);
  rc |= attr_d(g, "alpha_max", res.alpha_max);
  rc |= attr_d(g, "delta", P->p.dp_delta);
  rc |= attr_s(g, "reason", res.reason);
  rc |= attr_s(g, "pair", P->p.record_1 < 0 ? "worst pair search" : "given");
  rc |= attr_s(g, "scaling",
               P->p.privacy_scaling == LSQ_PRIVACY_RELEASED
                   ? "released: privacy process stepped at gamma / d^2 (NS-13)"
                   : "consistent: the privacy process is the algorithm of the risk");
  if (P->p.record_1 < 0 || n_rand) {
    rc |= attr_d(g, "search_alpha", search_alpha);
    rc |= attr_d(g, "search_eps_at_T", search_eps);
    rc |= attr_d(g, "search_record_1", (double)s1);
    rc |= attr_d(g, "search_record_2", (double)s2);
    rc |= attr_d(g, "search_top", (double)P->p.search_top);
  }
  if (n_rand)
    rc |= put(g, "random_pair_eps", rand_eps, n_rand, 0,
              "eps_alpha(T) (NS-11 + NS-9, alpha = search_alpha) of random pairs of the dataset");
  free(rand_eps);
  if (P->p.budget > 0) rc |= write_budget(P, run, &res, g, msg, msglen);
  if (P->p.accountant) rc |= write_accountants(P, &res, g);
  H5Gclose(g);
  noisy_privacy_result_free(&res);
  return rc;
}

/* /data_set: what the theory took from a user's data set (NS-15): the spectrum, the
 * target in the data's coordinates, the label noise. */
static int write_data_set(const struct lsq_plan *P, const struct hd_run_params *run, hid_t f)
{
  size_t d = P->d;
  hid_t g = H5Gcreate2(f, "data_set", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = g < 0 ? -1 : 0;
  double *th = malloc(d * sizeof *th);
  for (size_t i = 0; i < d; i++) { /* theta* = U theta~* */
    double acc = 0;
    for (size_t j = 0; j < d && P->basis; j++) acc += P->basis[i * d + j] * P->theta_star[j];
    th[i] = P->basis ? acc : P->theta_star[i];
  }
  rc |= put(g, "lambda", P->lambda, d, 0,
            "eigenvalues of K the theory used (largest first "
            "for the empirical K = A^T A / n)");
  rc |= put(g, "theta_star", th, d, 0,
            "theta* in the data's coordinates (the least-squares fit, or target_file)");
  rc |= attr_d(g, "rows", (double)P->data_n);
  rc |= attr_d(g, "label_noise_sd", lsq_label_noise_sd(&P->p));
  rc |= attr_d(g, "residual_rms", P->data_sd); /* of b - <a, theta*> over the rows */
  rc |= attr_d(g, "trace_K", P->trace);
  rc |= attr_d(g, "visited_fraction", ceil(run->horizon * (double)d) / (double)P->data_n);
  rc |= attr_s(g, "theory",
               P->p.data_theory == LSQ_DATA_EMPIRICAL
                   ? "empirical: K = A^T A / n, theta* the least-squares fit"
                   : "model: the [data] keys");
  free(th);
  H5Gclose(g);
  return rc;
}

int noisy_write_extra(void *plan, const struct hd_run_params *run, const double *grid_t,
                      size_t n_times, int64_t h5file, char *msg, size_t msglen)
{
  const struct lsq_plan *P = plan;
  hid_t f = (hid_t)h5file;
  if (P->p.spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY) return 0; /* no ODE regime */
  int rc = write_risk_parts(P, run, grid_t, n_times, f, msg, msglen);
  if (rc == 0 && P->data_n) rc = write_data_set(P, run, f);
  if (rc == 0 && P->p.privacy) rc = write_privacy(P, run, grid_t, n_times, f, msg, msglen);
  if (rc == -1) snprintf(msg, msglen, "writing the noisy_sgd extras failed");
  return rc ? -1 : 0;
}
