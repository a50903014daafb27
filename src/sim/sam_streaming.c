/* sam_streaming.c — the two-gradient update of SAM-type methods on streaming least
 * squares (sam.md §1.4).  With e_b = <a_b, r> - eps_b, g = (1/B) sum_b a_b e_b and
 * H^ = (1/B) sum_b a_b a_b^T, the perturbed gradient is exactly g + rho H^ u (the loss is
 * quadratic), u = g (L2 USAM), g / ||K r|| (L3 DNSAM), g / ||g|| (L4 SAM), and
 *   r <- r - eta (g + rho H^ u),   eta = gamma / d.
 * B = 1 collapses to r <- r - eta psi a with a scalar psi (one dot product, one axpy):
 *   psi = e (SGD), e (1 + rho ||a||^2) (USAM), e (1 + rho ||a||^2 / ||K r||) (DNSAM),
 *   e + rho ||a||^2 e / (||a|| |e| + eps) = e + rho ||a|| sign(e) (SAM).
 * With rho = 0 each psi is e exactly, and the update is lsq_kernel.c's to the bit. */
#include "sim/sam_streaming.h"

#include <math.h>

#include "interrupt.h"
#include "rng.h"
#include "sim/lsq_kernel.h"

size_t sams_kernel_work_size(const struct sams_kernel *K)
{
  return K->batch * K->d + K->d + 2 * K->batch;
}

static double weighted_sq(const double *w, const double *e, size_t d) /* sum (w e)^2 */
{
  double s = 0;
  for (size_t i = 0; i < d; i++) {
    double t = w[i] * e[i];
    s += t * t;
  }
  return s;
}

static void axpy_minus(double *restrict e, const double *restrict x, double c, size_t d)
{
  for (size_t i = 0; i < d; i++) e[i] = e[i] - c * x[i];
}

static double perturb_scale(const struct sams_kernel *K, const double *e, double gnorm)
{
  switch (K->algorithm) {
  case SAM_ALG_USAM: return K->rho;
  case SAM_ALG_DNSAM: return K->rho / (sqrt(weighted_sq(K->lambda, e, K->d)) + K->norm_eps);
  case SAM_ALG_SAM: return K->rho / (gnorm + K->norm_eps);
  default: return 0.0;
  }
}

/* One step with B = 1: psi as in the header comment. */
static double psi_single(const struct sams_kernel *K, const double *x, const double *e, double r)
{
  if (K->algorithm == SAM_ALG_SGD) return r;
  double s = hd_dot(x, x, K->d); /* ||a||^2 */
  if (K->algorithm == SAM_ALG_SAM) return r + K->rho * s * r / (sqrt(s) * fabs(r) + K->norm_eps);
  return r * (1 + perturb_scale(K, e, 0.0) * s);
}

/* One step with B > 1 (O(B d)). */
static void step_batch(const struct sams_kernel *K, const double *x, const double *eb, double *e,
                       double *gv, double *hb, double eta)
{
  size_t d = K->d, B = K->batch;
  for (size_t i = 0; i < d; i++) gv[i] = 0;
  for (size_t b = 0; b < B; b++) {
    const double *xb = x + b * d;
    double c = eb[b] / (double)B;
    for (size_t i = 0; i < d; i++) gv[i] += c * xb[i];
  }
  double c = 0;
  if (K->algorithm != SAM_ALG_SGD) {
    double gn = K->algorithm == SAM_ALG_SAM ? sqrt(hd_dot(gv, gv, d)) : 0.0;
    c = perturb_scale(K, e, gn);
    for (size_t b = 0; b < B; b++) hb[b] = hd_dot(x + b * d, gv, d) / (double)B;
  }
  axpy_minus(e, gv, eta, d);
  if (c != 0)
    for (size_t b = 0; b < B; b++) axpy_minus(e, x + b * d, eta * c * hb[b], d);
}

int sams_kernel_advance(const struct sams_kernel *K, uint64_t seed, uint64_t run, double *e,
                        double *work, uint64_t k0, uint64_t k1, uint64_t *bad_step)
{
  const size_t d = K->d, B = K->batch;
  const double dd = (double)d;
  double *x = work, *gv = x + B * d, *eb = gv + d, *hb = eb + B;
  struct hd_rng rf, rl;
  hd_rng_init(&rf, seed, run, HD_STREAM_FEATURES, k0);
  hd_rng_init(&rl, seed, run, HD_STREAM_LABEL, k0);
  for (uint64_t k = k0; k < k1; k++) {
    if (hd_interrupted()) return 0; /* the engine abandons the run */
    hd_rng_seek(&rf, k);
    for (size_t b = 0; b < B; b++) hd_rng_normal_array_scaled(&rf, x + b * d, K->sqrt_lambda, d);
    if (K->label_noise != 0.0) hd_rng_seek(&rl, k);
    int finite = 1;
    for (size_t b = 0; b < B; b++) {
      double eps = K->label_noise != 0.0 ? K->label_noise * hd_rng_normal(&rl) : 0.0;
      eb[b] = hd_dot(x + b * d, e, d) - eps;
      finite = finite && isfinite(eb[b]);
    }
    if (!finite) {
      if (bad_step) *bad_step = k;
      return 1;
    }
    const double g = K->lr / dd; /* eta, computed as lsq_kernel.c does */
    if (B == 1) axpy_minus(e, x, g * psi_single(K, x, e, eb[0]), d);
    else step_batch(K, x, eb, e, gv, hb, g);
  }
  double acc = 0;
  for (size_t i = 0; i < d; i++) acc += e[i] - e[i];
  if (acc != 0 || !isfinite(acc)) {
    if (bad_step) *bad_step = k1;
    return 1;
  }
  return 0;
}
