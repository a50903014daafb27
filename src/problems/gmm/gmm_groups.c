/* gmm_groups.c — the eigen-groups the gmm_multiclass theory integrates (gmm.md §2.1, §2.7):
 * modes with one eigenvalue tuple at finite d, the d -> infinity power-law node grid, the
 * engine's spectral bins, and the observable bands. */
#define HDSIM_GMM_PACKAGE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "problems/gmm/gmm_plan.h"

/* ---- eigen-groups and bands -------------------------------------------------------------- */

struct mode_key {
  const double *lam; /* l values (one row of the transposed spectrum) */
  size_t l, idx;
};

static int cmp_modes(const void *x, const void *y)
{
  const struct mode_key *a = x, *b = y;
  for (size_t c = 0; c < a->l; c++)
    if (a->lam[c] != b->lam[c]) return a->lam[c] < b->lam[c] ? 1 : -1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

static void groups_alloc(struct gmm_groups *G, size_t n, size_t l, size_t A)
{
  G->n = n;
  G->w = calloc(n, sizeof(double));
  G->lam = calloc(n * l, sizeof(double));
  G->P = calloc(n * A * A, sizeof(double));
  G->band = calloc(n, sizeof(size_t));
}

void gmm_groups_free(struct gmm_groups *G)
{
  free(G->w);
  free(G->lam);
  free(G->P);
  free(G->band);
  memset(G, 0, sizeof *G);
}

/* Modes with identical eigenvalue tuples collapse into one group (exact equality:
 * generated spectra repeat values exactly): isotropic 1 group, zero-one <= 2^l. */
void gmm_build_groups(struct gmm_plan *P)
{
  const size_t d = P->d, l = P->l, A = P->A;
  double *rows = malloc(d * l * sizeof *rows);
  struct mode_key *key = malloc(d * sizeof *key);
  for (size_t i = 0; i < d; i++) {
    for (size_t c = 0; c < l; c++) rows[i * l + c] = P->lambda[c * d + i];
    key[i] = (struct mode_key){.lam = rows + i * l, .l = l, .idx = i};
  }
  qsort(key, d, sizeof *key, cmp_modes);
  size_t ng = 0;
  for (size_t i = 0; i < d; i++)
    if (i == 0 || memcmp(key[i].lam, key[i - 1].lam, l * sizeof(double)) != 0) ng++;
  groups_alloc(&P->fin, ng, l, A);
  P->mode_group = malloc(d * sizeof *P->mode_group);
  size_t g = 0;
  for (size_t i = 0; i < d; i++) {
    if (i > 0 && memcmp(key[i].lam, key[i - 1].lam, l * sizeof(double)) != 0) g++;
    size_t mode = key[i].idx;
    P->mode_group[mode] = g;
    memcpy(P->fin.lam + g * l, key[i].lam, l * sizeof(double));
    P->fin.w[g] += 1.0 / (double)d;
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < A; b++)
        P->fin.P[(g * A + a) * A + b] += P->u[a * d + mode] * P->u[b * d + mode];
  }
  free(rows);
  free(key);
}

/* The nodes u_j and weights w_j of the d -> infinity integral  int_umin^1 g(u) du  (gmm.md
 * §2.7).  midpoint: midpoints in s = log u, w = u ds; second order, and its error sits at
 * u = 1 where g u does not vanish.  mapped: u = sigmoid(tau + e^tau), midpoints in tau.
 * To the left s = log u ~ tau, so the nodes stay log-spaced where the relaxation fronts
 * (u ~ t^{-1/alpha}) travel; at u = 1 the weight du/dtau dies double-exponentially, so
 * the integrand vanishes smoothly at both ends and the midpoint rule converges
 * exponentially, at the rate the strip of analyticity allows (about pi / (2 alpha) from
 * the fronts; the map's own singularity is farther out).  tau stops at LIMIT_TAU_MAX,
 * where the dropped weight is (1 + e^3.5) exp(-3.5 - e^3.5) = 4e-15. */
#define LIMIT_TAU_MAX 3.5

static void limit_nodes(const struct gmm_params *p, size_t N, double *u, double *w)
{
  const double L = -log(p->limit_umin);
  if (p->limit_rule == GMM_LIMIT_MIDPOINT) {
    double h = L / (double)N;
    for (size_t j = 0; j < N; j++) {
      u[j] = exp(-L + (j + 0.5) * h);
      w[j] = u[j] * h;
    }
    return;
  }
  /* tau_min solves tau + e^tau = g_min, sigmoid(g_min) = umin (Newton; monotone, convex) */
  double gmin = -L - log1p(-p->limit_umin), tau0 = gmin;
  for (int it = 0; it < 60; it++) {
    double step = (tau0 + exp(tau0) - gmin) / (1 + exp(tau0));
    tau0 -= step;
    if (fabs(step) < 1e-15 * (1 + fabs(tau0))) break;
  }
  double h = (LIMIT_TAU_MAX - tau0) / (double)N;
  for (size_t j = 0; j < N; j++) {
    double tau = tau0 + (j + 0.5) * h, g = tau + exp(tau);
    u[j] = 1 / (1 + exp(-g));
    w[j] = u[j] * h * (1 + exp(tau)) / (1 + exp(g));
  }
}

/* d -> infinity power law (gmm.md §2.7): nodes u_j in [umin, 1] with the weights of
 * limit_rule; lambda^(c) = v_c u^alpha_c (times (1 + alpha_c) under trace normalisation),
 * and the power-law mean's Gram P_{ab} = s_a s_b w u^(2 beta). */
void gmm_build_limit(struct gmm_plan *P)
{
  const size_t N = (size_t)P->p.limit_nodes, l = P->l, A = P->A;
  groups_alloc(&P->lim, N, l, A);
  double *node = malloc(N * sizeof *node);
  limit_nodes(&P->p, N, node, P->lim.w);
  double sign[2] = {1.0, -1.0};
  for (size_t j = 0; j < N; j++) {
    double uu = node[j];
    for (size_t c = 0; c < l; c++) {
      double scale = P->p.spectrum.normalise == HD_NORMALISE_TRACE ? 1 + P->alpha[c] : 1.0;
      P->lim.lam[j * l + c] = P->variance[c] * scale * pow(uu, P->alpha[c]);
    }
    double pm = P->p.means == GMM_MEANS_ZERO
                    ? 0.0
                    : P->p.mean_scale * P->p.mean_scale * P->lim.w[j] * pow(uu, 2 * P->p.mean_beta);
    for (size_t a = 0; a < l; a++)
      for (size_t b = 0; b < l; b++) P->lim.P[(j * A + a) * A + b] = sign[a] * sign[b] * pm;
  }
  free(node);
}

void gmm_group_traces(struct gmm_groups *G, size_t l)
{
  for (size_t c = 0; c < l; c++) {
    G->trK[c] = 0;
    for (size_t g = 0; g < G->n; g++) G->trK[c] += G->w[g] * G->lam[g * l + c];
  }
}

static double lam_eff(const struct gmm_groups *G, size_t g, size_t l)
{
  double v = 0;
  for (size_t c = 0; c < l; c++) v = fmax(v, G->lam[g * l + c]);
  return v;
}

/* [theory] bins = N (the engine's spectral binning): consecutive finite-d groups (sorted by
 * their eigenvalue tuples) merge into at most ~N bins, half by quantiles of the mode count
 * and half by decades-resolved log bins of max_c lambda^(c), as streaming_lsq bins; a bin
 * carries the mean eigenvalues and the summed mean Gram matrix.  The engine estimates the
 * error by doubling N.  The Monte Carlo keeps the exact groups. */
void gmm_build_bins(struct gmm_plan *P, long bins)
{
  const struct gmm_groups *F = &P->fin;
  const size_t l = P->l, A = P->A, half = (size_t)(bins >= 2 ? bins / 2 : 1);
  double top = 0, low = INFINITY;
  for (size_t g = 0; g < F->n; g++) {
    double v = lam_eff(F, g, l);
    top = fmax(top, v);
    if (v > 0) low = fmin(low, v);
  }
  double span = top > 0 && low < top ? log(top / low) : 0;
  size_t *bin_of = malloc(F->n * sizeof *bin_of), nb = 0;
  double cum = 0;
  size_t prev_q = 0, prev_l = 0;
  int prev_zero = 0;
  for (size_t g = 0; g < F->n; g++) {
    double v = lam_eff(F, g, l);
    size_t qb = (size_t)(cum * (double)half), lb = 0;
    if (qb >= half) qb = half - 1;
    if (v > 0 && span > 0) {
      lb = (size_t)(log(top / v) / span * (double)half);
      if (lb >= half) lb = half - 1;
    }
    int zero = !(v > 0);
    if (g == 0 || qb != prev_q || lb != prev_l || zero != prev_zero) nb++;
    bin_of[g] = nb - 1;
    prev_q = qb, prev_l = lb, prev_zero = zero;
    cum += F->w[g];
  }
  groups_alloc(&P->bin, nb, l, A);
  for (size_t g = 0; g < F->n; g++) {
    size_t b = bin_of[g];
    P->bin.w[b] += F->w[g];
    for (size_t c = 0; c < l; c++) P->bin.lam[b * l + c] += F->w[g] * F->lam[g * l + c];
    for (size_t k = 0; k < A * A; k++) P->bin.P[b * A * A + k] += F->P[g * A * A + k];
  }
  for (size_t b = 0; b < nb; b++)
    for (size_t c = 0; c < l; c++) P->bin.lam[b * l + c] /= P->bin.w[b];
  free(bin_of);
}

/* Bands: the clean band (every class variance zero) first when present, then decades of
 * max_c lambda^(c) below the largest, the last one open; the count comes from the finite-d
 * spectrum, so theory on the node grid reports the same bands. */
void gmm_build_bands(struct gmm_plan *P)
{
  const size_t l = P->l;
  double top = 0, bottom = INFINITY;
  for (size_t g = 0; g < P->fin.n; g++) {
    double v = lam_eff(&P->fin, g, l);
    top = fmax(top, v);
    if (v > 0) bottom = fmin(bottom, v);
    else P->limit.obs.has_clean = 1;
  }
  size_t decades = top > 0 ? (size_t)floor(log10(top / bottom) + 1e-9) + 1 : 1;
  if (decades > (size_t)P->p.bands) decades = (size_t)P->p.bands;
  P->limit.obs.n_bands = decades + (size_t)P->limit.obs.has_clean;
  struct gmm_groups *sets[3] = {&P->fin, &P->lim, &P->bin};
  for (int s = 0; s < 3; s++)
    for (size_t g = 0; g < sets[s]->n; g++) {
      double v = lam_eff(sets[s], g, l);
      size_t k = 0;
      if (v > 0) {
        double dk = floor(log10(top / v) + 1e-9);
        k = dk < 0 ? 0 : dk >= (double)decades ? decades - 1 : (size_t)dk;
      }
      sets[s]->band[g] = v > 0 ? k + (size_t)P->limit.obs.has_clean : 0;
    }
}
