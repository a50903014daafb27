/* test_gmm_plan.c — the gmm_multiclass plan made visible: plan_print names what will run
 * (eigen-groups, state size, Jacobian structure) with the numbers the theory then uses, and
 * plan_bytes counts the plan's d-dependent arrays exactly (spectra, standard deviations,
 * directions, mode map, one eigen-group per mode of a power law). */
#include <string.h>

#include "testlib.h"

#define HDSIM_GMM_FRIEND
#include "problems/gmm/gmm_plan.h"

static const char *model = "[model]\nproblem = gmm_multiclass\nseed = 3\n"
                           "[data]\nd = %d\n%s\n[loss]\nkind = %s\n[optimizer]\nlr = 1\n%s\n"
                           "[simulation]\nruns = 2\nhorizon = 1\n";

/* plan_print's text of a session, in a buffer the caller frees. */
static char *printed(struct hd_session *s)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  s->pb->plan_print(s->plan, out);
  fclose(out);
  return text;
}

static void print_names_what_runs(void)
{
  struct hd_session *s = tl_session(model, 400, "covariance = zero_one", "logistic", "");
  const struct gmm_plan *P = s->plan;
  char *text = printed(s), want[160];
  snprintf(want, sizeof want, "on %zu finite-d eigen-groups, block %zu, state %zu values", P->fin.n,
           P->block, s->pb->ode_dimension(P));
  tl_check(P->fin.n == 4 && strstr(text, want) != NULL, "zero-one, 2 classes: plan_print says '%s'",
           want);
  tl_check(strstr(text, "quadrature: 1-D: 64-node Gauss-Hermite") != NULL,
           "plan_print names the quadrature rule");
  free(text);
  tl_session_free(s);

  s = tl_session(model, 400, "covariance = power_law\nalpha = 1.1, 1.5", "least_squares",
                 "adaptive = adagrad_norm");
  P = s->plan;
  text = printed(s);
  snprintf(want, sizeof want, "state %zu values (+ AdaGrad-Norm's G)", (size_t)(400 + 1) * 3);
  tl_check(strstr(text, want) != NULL && strstr(text, "rank 5 (structured") != NULL,
           "power law with AdaGrad-Norm: 401 blocks of 3, Jacobian rank 2 (1 + 1) + 1");
  free(text);
  tl_session_free(s);
}

/* Bytes of the plan at d, for a power law (one eigen-group per mode). */
static size_t plan_bytes_at(int d, size_t *theory, size_t *thread, size_t *l, size_t *A,
                            size_t *n_obs)
{
  struct hd_session *s = tl_session(model, d,
                                    "covariance = power_law\nclasses = 3\n"
                                    "alpha = 1, 1.5, 2\nmeans = orthogonal",
                                    "softmax", "");
  const struct gmm_plan *P = s->plan;
  size_t bytes = s->pb->plan_bytes(P, theory, thread);
  *l = P->l;
  *A = P->A;
  *n_obs = P->n_obs;
  tl_check(P->fin.n == (size_t)d && *thread >= (P->fin.n * P->block) * sizeof(double) &&
               *theory >= s->pb->ode_dimension(P) * sizeof(double),
           "d = %d: per-thread bytes cover the projected state, theory bytes a state vector", d);
  tl_session_free(s);
  return bytes;
}

static void bytes_count_the_arrays(void)
{
  size_t th1, tr1, th2, tr2, l, A, o1, o2;
  size_t b1 = plan_bytes_at(500, &th1, &tr1, &l, &A, &o1);
  size_t b2 = plan_bytes_at(1000, &th2, &tr2, &l, &A, &o2);
  /* per mode: lambda and sqrt(lambda) (l each), A directions, the mode's group, and its
   * group (weight, l eigenvalues, A x A Gram, band) */
  size_t per_mode = (2 * l + A) * sizeof(double) + sizeof(size_t) +
                    (1 + l + A * A) * sizeof(double) + sizeof(size_t);
  /* and a decade more of spectrum adds a band: its norm and margin observables */
  size_t want = 500 * per_mode + (o2 - o1) * sizeof(struct hd_observable);
  tl_check(o2 == o1 + 2 && b2 - b1 == want,
           "d = 500 -> 1000: plan bytes grow by %zu per mode "
           "and %zu per observable (%zu, counted %zu)",
           per_mode, sizeof(struct hd_observable), want, b2 - b1);
}

int main(void)
{
  print_names_what_runs();
  bytes_count_the_arrays();
  return tl_finish();
}
