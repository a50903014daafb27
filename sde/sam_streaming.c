/* sam_streaming.c — the exact finite-d moment recursions (H1) SGD and (H2) USAM on
 * streaming least squares, B = 1, Gaussian features. */
#include "sde/sam_streaming.h"

/* With S_k = sum_j lambda_j^k D_j (= sum_g w_g lambda_g^k a_g / ... in a = d D units),
 * Lambda_1 = tr K, Lambda_2 = tr K^2, eta = gamma/d, rho = rho_bar/d:
 *   sum_j W_ij lambda_j D_j = V_i S_1 + (4 rho + 4 rho^2 Lambda_1 + 8 rho^2 lambda_i) S_2
 *                             + 8 rho^2 S_3 + (W_ii - Woff_ii) lambda_i D_i,
 * Woff_ij = V_i + (4 rho + 4 rho^2 Lambda_1 + 8 rho^2 lambda_i) lambda_j + 8 rho^2 lambda_j^2
 * (the j != i entry of H2 expanded in lambda_j), so a step costs O(groups). */
void sams_recursion_step(const struct sams_recursion *R, double *a)
{
  double d = (double)R->d, eta = R->lr / d;
  double rho = R->algorithm == SAM_ALG_USAM ? R->rho_bar / d : 0.0;
  double L1 = R->tau * d, L2 = R->kappa2 * d, s2n = R->label_noise * R->label_noise;
  double S1 = 0, S2 = 0, S3 = 0; /* sums of lambda^k D = (1/d) sum_g n_g lambda^k a_g / d * d */
  for (size_t g = 0; g < R->n_groups; g++) {
    double wl = R->g_weight[g] * R->g_lambda[g]; /* sum_j lambda_j D_j = sum_g w_g lambda_g a_g */
    S1 += wl * a[g];
    S2 += wl * R->g_lambda[g] * a[g];
    S3 += wl * R->g_lambda[g] * R->g_lambda[g] * a[g];
  }
  for (size_t g = 0; g < R->n_groups; g++) {
    double l = R->g_lambda[g], D = a[g] / d, r2 = rho * rho;
    double V = 1 + 2 * rho * (L1 + 2 * l) + r2 * (L1 * L1 + 2 * L2 + 4 * L1 * l + 8 * l * l);
    double lin = 4 * rho + 4 * r2 * L1 + 8 * r2 * l;
    double Woff = V + lin * l + 8 * r2 * l * l;
    double Wii = 3 + 2 * rho * (3 * L1 + 12 * l) +
                 r2 * (3 * L1 * L1 + 6 * L2 + 24 * L1 * l + 72 * l * l);
    double sumW = V * S1 + lin * S2 + 8 * r2 * S3 + (Wii - Woff) * l * D;
    double Dn = D - 2 * eta * l * D * (1 + rho * (L1 + 2 * l)) + eta * eta * l * (sumW + s2n * V);
    a[g] = Dn * d;
  }
}
