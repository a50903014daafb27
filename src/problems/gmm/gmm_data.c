/* gmm_data.c — the realised data of a gmm_multiclass plan: the class spectra in the shared
 * eigenbasis, the class means and the teacher, drawn from the seed (gmm.md §1.1, §3.1). */
#define HDSIM_GMM_PACKAGE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"
#include "eigenbasis.h"
#include "problems/gmm/gmm_plan.h"
#include "rng.h"
#include "spectrum.h"

/* ---- spectra and means ------------------------------------------------------------------ */

int gmm_fill_spectra(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d, l = P->l;
  const struct gmm_params *p = &P->p;
  char msg[512];
  for (size_t c = 0; c < l; c++) {
    double *lam = P->lambda + c * d;
    switch (p->covariance) {
    case GMM_COV_ISOTROPIC:
      for (size_t i = 0; i < d; i++) lam[i] = 1.0;
      break;
    case GMM_COV_ZERO_ONE: { /* clean modes first, then the patterns 1 .. 2^l - 1 in turn */
      size_t n0 = (size_t)llround(p->clean_fraction * (double)d), np = ((size_t)1 << l) - 1;
      for (size_t i = 0; i < d; i++)
        lam[i] = i < n0 ? 0.0 : ((((i - n0) % np) + 1) >> c) & 1 ? 1.0 : 0.0;
      break;
    }
    case GMM_COV_POWER_LAW:
      if (p->spectrum.normalise == HD_NORMALISE_TRACE) { /* the engine's spectrum, bit for bit */
        hd_spectrum_fill(HD_SPECTRUM_POWER_LAW, d, P->alpha[c], 0, NULL, 0, lam, msg, sizeof msg);
      } else { /* lambda_rho = (rho/d)^alpha, rho = d - i (largest first, as spectrum.c) */
        for (size_t i = 0; i < d; i++) lam[i] = pow((double)(d - i) / (double)d, P->alpha[c]);
      }
      break;
    case GMM_COV_FILE: {
      char path[2 * HD_STR_MAX];
      if (hd_config_resolve_path(cfg, p->spectrum.file.v[p->spectrum.file.n == 1 ? 0 : c], path,
                                 sizeof path) != 0 ||
          hd_spectrum_fill(HD_SPECTRUM_FILE, d, 0, 0, path,
                           p->spectrum.normalise == HD_NORMALISE_TRACE, lam, msg,
                           sizeof msg) != 0) {
        hd_config_error(cfg, err, "data", "spectrum_file", "%s", msg);
        return -1;
      }
      break;
    }
    }
    if (p->spectrum.normalise == HD_NORMALISE_TRACE &&
        (p->covariance == GMM_COV_ISOTROPIC || p->covariance == GMM_COV_ZERO_ONE)) {
      double s = 0;
      for (size_t i = 0; i < d; i++) s += lam[i];
      for (size_t i = 0; i < d; i++) lam[i] *= (double)d / s;
    }
    for (size_t i = 0; i < d; i++) {
      lam[i] *= P->variance[c];
      P->sqrt_lambda[c * d + i] = sqrt(lam[i]);
    }
  }
  return 0;
}

static int is_clean(const struct gmm_plan *P, size_t i)
{
  for (size_t c = 0; c < P->l; c++)
    if (P->lambda[c * P->d + i] != 0) return 0;
  return 1;
}

/* One mean profile into v (d values), from class stream c. */
static void mean_profile(const struct gmm_plan *P, size_t c, int signs, double *v)
{
  const size_t d = P->d;
  const double sd = sqrt((double)d);
  struct hd_rng r;
  hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_EXTRA + 1 + c, 0);
  switch (P->p.mean_profile) {
  case GMM_PROFILE_GAUSSIAN:
    hd_rng_normal_array(&r, v, d);
    for (size_t i = 0; i < d; i++) v[i] /= sd;
    break;
  case GMM_PROFILE_POWER_LAW: /* mu_rho = d^-1/2 (rho/d)^beta, rho = d - i as the spectra */
    if (signs) hd_rng_rademacher_array(&r, v, d);
    for (size_t i = 0; i < d; i++)
      v[i] = (signs ? v[i] : 1.0) * pow((double)(d - i) / (double)d, P->p.mean_beta) / sd;
    break;
  case GMM_PROFILE_CLEAN:
    hd_rng_normal_array(&r, v, d);
    for (size_t i = 0; i < d; i++) v[i] = is_clean(P, i) ? v[i] / sd : 0.0;
    break;
  }
  double s = 0;
  for (size_t i = 0; i < d; i++) s += v[i] * v[i];
  double scale = P->p.mean_scale / (P->p.mean_normalise && s > 0 ? sqrt(s) : 1.0);
  for (size_t i = 0; i < d; i++) v[i] *= scale;
}

int gmm_fill_directions(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  const size_t d = P->d, l = P->l;
  double *u = P->u;
  switch (P->p.means) {
  case GMM_MEANS_ANTIPODAL:
    mean_profile(P, 0, 0, u);
    if (l == 2)
      for (size_t i = 0; i < d; i++) u[d + i] = -u[i];
    break;
  case GMM_MEANS_INDEPENDENT:
    for (size_t c = 0; c < l; c++) mean_profile(P, c, 1, u + c * d);
    break;
  case GMM_MEANS_ORTHOGONAL: /* Gram-Schmidt (twice, for orthogonality to rounding) */
    for (size_t c = 0; c < l; c++) {
      double *v = u + c * d;
      mean_profile(P, c, 1, v);
      for (int pass = 0; pass < 2; pass++)
        for (size_t b = 0; b < c; b++) {
          double dot = 0, nb = 0;
          for (size_t i = 0; i < d; i++)
            dot += v[i] * u[b * d + i], nb += u[b * d + i] * u[b * d + i];
          for (size_t i = 0; i < d; i++) v[i] -= dot / nb * u[b * d + i];
        }
      double s = 0;
      for (size_t i = 0; i < d; i++) s += v[i] * v[i];
      for (size_t i = 0; i < d; i++) v[i] *= P->p.mean_scale / sqrt(s);
    }
    break;
  case GMM_MEANS_ZERO: memset(u, 0, l * d * sizeof(double)); break;
  case GMM_MEANS_FILE: {
    double *m;
    if (hd_config_read_array(cfg, err, "data", "means_file", P->p.means_file, l, d, &m, NULL,
                             NULL) != 0)
      return -1;
    memcpy(u, m, l * d * sizeof(double));
    free(m);
    for (size_t c = 0; c < l; c++) gmm_to_eigenbasis(P, u + c * d);
    break;
  }
  }
  if (P->p.mean_profile == GMM_PROFILE_CLEAN) {
    size_t nclean = 0;
    for (size_t i = 0; i < d; i++) nclean += (size_t)is_clean(P, i);
    if (nclean == 0) {
      hd_config_error(cfg, err, "data", "mean_profile", "no mode has zero variance in every class");
      return -1;
    }
  }
  if (P->p.teacher != GMM_TEACHER_NONE) {
    double *th = u + l * d, sd = sqrt((double)d);
    if (P->p.teacher == GMM_TEACHER_RANDOM) { /* streaming_lsq's random target, bit for bit */
      struct hd_rng r;
      hd_rng_init(&r, P->seed, UINT64_MAX, HD_STREAM_TARGET, 0);
      hd_rng_normal_array(&r, th, d);
      for (size_t i = 0; i < d; i++) th[i] /= sd;
    } else {
      double *t;
      if (hd_config_read_array(cfg, err, "data", "teacher_file", P->p.teacher_file, d, 0, &t, NULL,
                               NULL) != 0)
        return -1;
      memcpy(th, t, d * sizeof(double));
      free(t);
      gmm_to_eigenbasis(P, th);
    }
    if (P->p.teacher_norm > 0) {
      double s = 0;
      for (size_t i = 0; i < d; i++) s += th[i] * th[i];
      if (!(s > 0)) {
        hd_config_error(cfg, err, "data", "teacher_norm", "theta* is zero: it has no direction");
        return -1;
      }
      double c = P->p.teacher_norm / sqrt(s);
      for (size_t i = 0; i < d; i++) th[i] *= c;
    }
    for (size_t i = 0; i < d; i++) P->teacher_sq += th[i] * th[i];
    for (size_t c = 0; c < l; c++)
      for (size_t i = 0; i < d; i++) P->mean_dot_teacher[c] += u[c * d + i] * th[i];
  }
  return 0;
}

void gmm_to_eigenbasis(const struct gmm_plan *P, double *v)
{
  if (!P->U) return;
  double *w = malloc(P->d * sizeof *w);
  hd_eigenbasis_apply(P->U, P->d, v, w);
  memcpy(v, w, P->d * sizeof *w);
  free(w);
}

/* ---- a given start -------------------------------------------------------------------- */

int gmm_fill_start(struct gmm_plan *P, const struct hd_config *cfg, struct hd_errors *err)
{
  if (P->p.init != GMM_INIT_FILE) return 0;
  const size_t d = P->d, q = P->q;
  double *m;
  if (hd_config_read_array(cfg, err, "optimizer", "init_file", P->p.init_file, d, q == 1 ? 0 : q,
                           &m, NULL, NULL) != 0)
    return -1;
  /* the file is d x q (row i: coordinate i of the q outputs); the state is q columns of d */
  double *state = calloc(gmm_sgd_state_size(&P->sgd) / sizeof(double), sizeof(double));
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < q; j++) state[j * d + i] = m[i * q + j];
  free(m);
  for (size_t j = 0; j < q; j++) gmm_to_eigenbasis(P, state + j * d);
  P->X0 = malloc(q * d * sizeof(double));
  memcpy(P->X0, state, q * d * sizeof(double));
  /* the theory's initial state is the projection the simulation's observables use */
  size_t n = (P->fin.n + (size_t)P->sgd.adaptive) * P->block;
  P->y0 = calloc(n, sizeof(double));
  gmm_sgd_project(&P->sgd, state, P->y0);
  free(state);
  P->sgd.X0 = P->X0;
  P->limit.y0 = P->y0;
  return 0;
}
