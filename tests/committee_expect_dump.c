/* committee_expect_dump.c — prints the committee theory's Gaussian expectations for the
 * covariances read from standard input, for tests/committee_relu_exact.py to set against
 * its own independent evaluation.  One request per line:
 *   i4 ACT n C(n*n) a b c e            E[g'(h_a) g'(h_b) g(h_c) g(h_e)]
 *   orthant4 R(16)                     P(x > 0), x ~ N(0, R)
 *   delta ACT K M C(n*n) v(K) vstar(M) sigma   E_kl = E[delta_k delta_l], k <= l (CM-7)
 * ACT: relu or linear (closed forms, CM-8c, CM-10) or relu_quad (Gauss-Hermite, 96 nodes).
 * Answers one line each, %.17g. */
#include <stdio.h>
#include <string.h>

#include "ode/committee.h"

static int read_act(const char *w, struct cm_expect *X)
{
  X->closed_form = strcmp(w, "relu_quad") != 0;
  if (strcmp(w, "relu") == 0 || strcmp(w, "relu_quad") == 0) X->act.kind = CM_ACT_RELU;
  else if (strcmp(w, "linear") == 0) X->act.kind = CM_ACT_LINEAR;
  else return -1;
  return 0;
}

static int read_doubles(double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (scanf("%lf", x + i) != 1) return -1;
  return 0;
}

int main(void)
{
  struct cm_quad q;
  if (cm_quad_init(&q, 96) != 0) return 1;
  char word[32], act[32];
  while (scanf("%31s", word) == 1) {
    struct cm_expect X = {.quad = &q};
    double C[CM_MAX_H * CM_MAX_H];
    if (strcmp(word, "orthant4") == 0) {
      double R[4][4];
      if (read_doubles(&R[0][0], 16)) return 1;
      printf("%.17g\n", cm_orthant4(&q, R));
    } else if (strcmp(word, "i4") == 0) {
      size_t n, a, b, c, e;
      if (scanf("%31s %zu", act, &n) != 2 || read_act(act, &X) || n > CM_MAX_H) return 1;
      if (read_doubles(C, n * n) || scanf("%zu %zu %zu %zu", &a, &b, &c, &e) != 4) return 1;
      printf("%.17g\n", cm_i4(&X, C, n, a, b, c, e));
    } else if (strcmp(word, "delta") == 0) {
      size_t K, M;
      double v[CM_MAX_UNITS], vs[CM_MAX_UNITS], sigma, D[CM_MAX_UNITS * CM_MAX_H];
      double E[CM_MAX_UNITS * CM_MAX_UNITS];
      if (scanf("%31s %zu %zu", act, &K, &M) != 3 || read_act(act, &X)) return 1;
      if (K > CM_MAX_UNITS || M > CM_MAX_UNITS) return 1;
      if (read_doubles(C, (K + M) * (K + M)) || read_doubles(v, K) || read_doubles(vs, M) ||
          read_doubles(&sigma, 1))
        return 1;
      struct cm_system S = {.K = K, .M = M, .v = v, .vstar = vs, .noise = sigma, .ex = X};
      if (cm_moments(&S, C, D, E) != 0) return 1;
      for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++)
          printf("%.17g%c", E[k * K + l], l + 1 == K && k + 1 == K ? '\n' : ' ');
    } else return 1;
    fflush(stdout);
  }
  cm_quad_free(&q);
  return 0;
}
