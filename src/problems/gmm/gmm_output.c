/* gmm_output.c — what the plan derived from the model file, written by the engine's
 * write_extra hook into /multiclass, so a file says which problem was actually solved:
 * the realised mean norms and traces, the eigen-groups (finite d and, if used, the
 * d -> infinity nodes), the quadrature rules, and the least-squares stability threshold. */
#define HDSIM_GMM_PACKAGE
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "h5out.h"
#include "problems/gmm/gmm_plan.h"

static int write_groups(hid_t parent, const char *name, const struct gmm_plan *P,
                        const struct gmm_groups *G)
{
  hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  const size_t l = P->l, A = P->A;
  double *col = malloc((G->n ? G->n : 1) * sizeof *col);
  int rc = hd_h5_attr_i64(g, "n_groups", (long long)G->n);
  rc |= hd_h5_dset1(g, "weight", G->w, G->n);
  for (size_t c = 0; c < l && rc == 0; c++) { /* lambda_g^(c) and P_{cc,g}, one per class */
    char key[32];
    for (size_t k = 0; k < G->n; k++) col[k] = G->lam[k * l + c];
    snprintf(key, sizeof key, "lambda_%zu", c + 1);
    rc |= hd_h5_dset1(g, key, col, G->n);
    for (size_t k = 0; k < G->n; k++) col[k] = G->P[(k * A + c) * A + c];
    snprintf(key, sizeof key, "mean_sq_%zu", c + 1);
    rc |= hd_h5_dset1(g, key, col, G->n);
  }
  free(col);
  H5Gclose(g);
  return rc;
}

int gmm_write_extra(void *plan, const struct hd_run_params *run, const double *grid_t,
                    size_t n_times, int64_t h5file, char *msg, size_t msglen)
{
  (void)run, (void)grid_t, (void)n_times;
  const struct gmm_plan *P = plan;
  hid_t g = H5Gcreate2((hid_t)h5file, "multiclass", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) {
    snprintf(msg, msglen, "cannot create /multiclass");
    return -1;
  }
  const size_t l = P->l;
  double kappa[GMM_MAX_CLASSES], trK[GMM_MAX_CLASSES];
  for (size_t c = 0; c < l; c++) {
    kappa[c] = 0;
    for (size_t i = 0; i < P->d; i++) kappa[c] += P->u[c * P->d + i] * P->u[c * P->d + i];
    trK[c] = P->fin.trK[c];
  }
  int rc = hd_h5_attr_str(g, "description",
                          "derived by the plan: realised mean norms ||mu_c||^2, Tr K_c/d, "
                          "class probabilities and labels, eigen-groups, quadrature, "
                          "least-squares stability threshold (docs/theory/gmm.md)");
  rc |= hd_h5_dset1(g, "mean_norm_sq", kappa, l);
  rc |= hd_h5_dset1(g, "trace_per_d", trK, l);
  rc |= hd_h5_dset1(g, "probs", P->prob, l);
  if (P->q == 1) rc |= hd_h5_dset1(g, "labels", P->label, l);
  rc |= hd_h5_attr_i64(g, "outputs", (long long)P->q);
  rc |= hd_h5_attr_f64(g, "gamma_crit", P->gamma_crit);
  rc |= hd_h5_attr_f64(g, "finite_d_scale", gmm_finite_d_scale(P));
  if (P->limit.teacher) rc |= hd_h5_attr_f64(g, "teacher_norm_sq", P->teacher_sq);
  char quad[256];
  gmm_quadrature_text(P, quad, sizeof quad);
  rc |= hd_h5_attr_str(g, "quadrature", quad);
  rc |= write_groups(g, "groups", P, &P->fin);
  if (P->lim.n) rc |= write_groups(g, "limit_nodes", P, &P->lim);
  H5Gclose(g);
  if (rc) snprintf(msg, msglen, "cannot write /multiclass");
  return rc ? -1 : 0;
}
