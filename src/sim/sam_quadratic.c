/* sam_quadratic.c — the discrete algorithms on f = 1/2 x^T H x with additive noise
 * (spec §1.3), or Euler-Maruyama paths of their SDEs (sde/sam_sde.c), one run at a time.
 *
 * Step k draws m d standard normals xi_{k,1..m}: block k of the run's SAM_STREAM_NOISE
 * stream.  The algorithm uses Z_k = S (xi_{k,1} + ... + xi_{k,m}) / sqrt(m) (m = 1: S xi_k);
 * a synchronously coupled SDE uses the same xi as its m Brownian increments, so the two
 * files of one seed are coupled path by path (§2.8).  Same gradient noise Z_k inside and
 * outside the perturbed gradient (§1.2):
 *   g = H x + Z,   x <- x - eta (H (x + c g) + Z) = x - eta (I + c H) g,
 *   c = 0 (Q1 SGD), rho (Q2 USAM), rho / (||H x|| + eps) (Q3 DNSAM), rho / (||g|| + eps) (Q4 SAM).
 */
#include <math.h>
#include <string.h>

#include "../../ode/sam.h"
#include "rng.h"
#include "interrupt.h"

/* state: x (d) | xi (m d) | g (d) | sde work */
size_t samq_sim_state_size(const void *plan)
{
  const struct samq_plan *P = plan;
  size_t d = P->d, m = (size_t)P->p.substeps;
  return (d + m * d + d + samq_sde_work_size(P)) * sizeof(double);
}

void samq_sim_start(const void *plan, uint64_t run, void *state)
{
  const struct samq_plan *P = plan;
  double *x = state;
  if (P->x0) {
    memcpy(x, P->x0, P->d * sizeof *x);
    return;
  }
  struct hd_rng r;
  hd_rng_init(&r, P->seed, run, HD_STREAM_INIT, 0);
  hd_rng_normal_array(&r, x, P->d);
  for (size_t i = 0; i < P->d; i++) x[i] *= P->p.init_scale;
}

static double norm2(const double *v, const double *w, size_t d) /* sum (w v)^2, w may be NULL */
{
  double s = 0;
  for (size_t i = 0; i < d; i++) {
    double t = w ? w[i] * v[i] : v[i];
    s += t * t;
  }
  return s;
}

static void algorithm_step(const struct samq_plan *P, double *x, double *xi, double *g)
{
  size_t d = P->d, m = (size_t)P->p.substeps;
  const double *lam = P->lambda;
  double eta = P->p.lr, rho = P->p.rho, eps = P->p.norm_eps;
  if (m > 1) { /* xi_1 <- (xi_1 + ... + xi_m) / sqrt(m), in the scratch slot */
    double inv = 1 / sqrt((double)m);
    for (size_t i = 0; i < d; i++) {
      double s = xi[i];
      for (size_t j = 1; j < m; j++) s += xi[j * d + i];
      xi[i] = s * inv;
    }
  }
  samq_apply_S(P, xi, g);
  for (size_t i = 0; i < d; i++) g[i] += lam[i] * x[i]; /* g = H x + Z */
  double c = 0;
  switch (P->p.algorithm) {
  case SAM_ALG_USAM: c = rho; break;
  case SAM_ALG_DNSAM: c = rho / (sqrt(norm2(x, lam, d)) + eps); break;
  case SAM_ALG_SAM: c = rho / (sqrt(norm2(g, NULL, d)) + eps); break;
  default: break;
  }
  for (size_t i = 0; i < d; i++) x[i] -= eta * (1 + c * lam[i]) * g[i];
}

int samq_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step)
{
  const struct samq_plan *P = plan;
  size_t d = P->d, m = (size_t)P->p.substeps;
  double *x = state, *xi = x + d, *g = xi + m * d, *work = g + d;
  bool sde = P->p.path == SAM_PATH_SDE;
  uint64_t purpose = sde && P->p.coupling == SAM_COUPLE_INDEPENDENT ? SAM_STREAM_SDE_INDEP
                                                                     : SAM_STREAM_NOISE;
  struct hd_rng r;
  hd_rng_init(&r, P->seed, run, purpose, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&r, k);
    hd_rng_normal_array(&r, xi, m * d);
    if (sde)
      samq_sde_step(P, x, xi, work);
    else
      algorithm_step(P, x, xi, g);
    double acc = 0;
    for (size_t i = 0; i < d; i++) acc += x[i] - x[i];
    if (acc != 0 || !isfinite(acc)) {
      if (bad_step) *bad_step = k;
      return 1;
    }
  }
  return 0;
}

void samq_sim_observe(const void *plan, const void *state, double *out)
{
  samq_point_observe(plan, state, out); /* the state starts with x */
}
