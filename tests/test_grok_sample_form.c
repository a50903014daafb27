/* test_grok_sample_form.c — the sample-space form of the N = infinity closure
 * (grok.md §2.4, ode/grok_sample_limit.c) against the weight-space closure (§2.1):
 *  1. exact GD (method = recursion): every observable agrees to 1e-10 of its scale over
 *     the run, D = 60, P = 20, P_test = 15, for the centred and the uncentred predictor,
 *     both targets, with the CKA, and with minibatch SGD + weight decay + momentum (the
 *     update stays in the row space of X, §1.5);
 *  2. the train loss equals grok.md's own §2.4 recursion on (a, S) written out here
 *     independently (a+ = B_P a - c K0 Delta, S+ = B_P S B_P^T - ...), to 1e-10;
 *  3. gradient flow (method = ode): both forms integrated by CVODE at rtol 1e-10 agree to
 *     1e-7 of each observable's scale (the difference is the integrators' error, not the forms');
 *  4. closure_form = auto takes the sample form when 2P <= D and the weight form
 *     otherwise, and says so in the theory note; the sample form with limit = lazy is a
 *     model-file error;
 *  5. finite networks, [network] algorithm = samples (the closure seeded with each run's
 *     W0, in sample space) = algorithm = closure (weight space) on every observable of
 *     every run to 1e-10 of scale: N < D (Z = the centred neurons) and N > D (Z from
 *     eig(Sigma0)), centred and not, and SGD with weight decay and momentum.
 * Every comparison also checks that the run moves (train loss falls by half), so the
 * agreement is not that of two constants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grok_testlib.h"

static const char *model = "[model]\nproblem = dmft_grokking\nseed = 11\n"
                           "[data]\nD = %ld\nP = %ld\ntest_points = 15\ntarget = %s\n"
                           "[network]\nN = 10\nalpha = %g\neps = 0.4\nsigma = %g\ncenter = %s\n"
                           "[optimizer]\neta0 = %g\nbatch = %ld\nweight_decay = %g\nmomentum = %g\n"
                           "[simulation]\nenabled = false\nhorizon = %g\n"
                           "[theory]\nmethod = %s\nrtol = 1e-10\natol = 1e-13\nclosure_form = %s\n"
                           "[observables]\ncka = true\n"
                           "[output]\ntimes = log(1, %g, 10)\n";

struct cfg {
  long D, P;
  const char *target, *center, *method;
  double alpha, sigma, eta0, wd, mom, horizon;
  long batch;
};

static struct hd_session *make(const struct cfg *c, const char *form)
{
  return tl_session(model, c->D, c->P, c->target, c->alpha, c->sigma, c->center, c->eta0, c->batch,
                    c->wd, c->mom, c->horizon, c->method, form, c->horizon);
}

/* Largest difference over all observables and times, relative to each observable's
 * largest magnitude over the run (quantities that start at 0 are compared at their own
 * scale); fills *moved with train(end) / train(0). */
static double compare_forms(const struct cfg *c, char *worst_name, size_t name_len, double *moved)
{
  struct hd_session *w = make(c, "weights"), *s = make(c, "samples");
  struct hd_output_grid g;
  tl_grid(w, &g);
  struct hd_theory_result tw, ts;
  tl_theory(w, &g, -1, &tw);
  tl_theory(s, &g, -1, &ts);
  const struct hd_observable *obs;
  size_t O = w->pb->observables(w->plan, &obs), T = g.n;
  size_t wo;
  double worst = tl_max_scaled_diff(tw.values, ts.values, tw.values, O, T, &wo);
  snprintf(worst_name, name_len, "%s", obs[wo].name); /* the session is freed below */
  *moved = tw.values[GROK_OBS_TRAIN * T + T - 1] / tw.values[GROK_OBS_TRAIN * T];
  hd_theory_result_free(&tw);
  hd_theory_result_free(&ts);
  hd_output_grid_free(&g);
  tl_session_free(w);
  tl_session_free(s);
  return worst;
}

static void exact_gd(const struct cfg *c, const char *what)
{
  char name[64];
  double moved, worst = compare_forms(c, name, sizeof name, &moved);
  tl_check(worst <= 1e-10 && moved < 0.5,
           "GD, %s: sample form = weight form, max diff / scale %.2e (worst %s; <= 1e-10); "
           "train loss x %.3g",
           what, worst, name, moved);
}

/* The spec's §2.4 recursion on a = X v, S = X M X^T (centred, full batch, no decay):
 * returns the largest difference of its train loss from the sample form's, relative to the
 * largest train loss of the run (the loss falls to rounding level). */
static double spec_recursion(void)
{
  struct cfg c = {60, 20, "half", "true", "recursion", 1, 1, 1, 0, 0, 300, 0};
  struct hd_session *s = make(&c, "samples");
  const struct grok_plan *P = s->plan;
  struct hd_output_grid g;
  tl_grid(s, &g);
  struct hd_theory_result th;
  tl_theory(s, &g, -1, &th);
  size_t n = P->sys.P, D = P->sys.D, T = g.n;
  double *K0 = malloc(n * n * sizeof *K0), *S = malloc(n * n * sizeof *S);
  double *S0 = malloc(n * n * sizeof *S0), *Sn = malloc(n * n * sizeof *Sn);
  double *BP = malloc(n * n * sizeof *BP), *a = calloc(n, sizeof *a), *an = malloc(n * sizeof *an);
  double *Dl = malloc(n * sizeof *Dl), *kd = malloc(n * sizeof *kd), *Ba = malloc(n * sizeof *Ba);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double v = 0;
      for (size_t k = 0; k < D; k++) v += P->sys.X[i * D + k] * P->sys.X[j * D + k];
      K0[i * n + j] = v;
      S[i * n + j] = S0[i * n + j] = P->p.sigma * P->p.sigma * v; /* S(0) = X sigma^2 I X^T */
    }
  double al = P->p.alpha, ae2 = 0.5 * P->p.alpha * P->p.eps, cc = P->sys.c, ce = cc * P->p.eps;
  double worst = 0, scale = 0;
  for (size_t i = 0; i < T; i++) scale = fmax(scale, th.values[GROK_OBS_TRAIN * T + i]);
  size_t j = 0;
  for (uint64_t k = 0; j < T; k++) {
    double loss = 0;
    for (size_t m = 0; m < n; m++) {
      Dl[m] = al * a[m] + ae2 * (S[m * n + m] - S0[m * n + m]) - P->sys.y[m]; /* a(0) = 0 */
      loss += Dl[m] * Dl[m];
    }
    loss /= (double)n;
    if (k == g.steps[j]) {
      double ref = th.values[GROK_OBS_TRAIN * T + j];
      worst = fmax(worst, fabs(loss - ref) / scale);
      j++;
    }
    /* B_P = I - c eps K0 diag(Delta); kd = K0 Delta */
    for (size_t i = 0; i < n; i++) {
      kd[i] = 0;
      for (size_t l = 0; l < n; l++) {
        BP[i * n + l] = (i == l) - ce * K0[i * n + l] * Dl[l];
        kd[i] += K0[i * n + l] * Dl[l];
      }
    }
    for (size_t i = 0; i < n; i++) {
      double v = 0;
      for (size_t l = 0; l < n; l++) v += BP[i * n + l] * a[l];
      Ba[i] = v;
      an[i] = v - cc * kd[i];
    }
    /* S+ = B_P S B_P^T - c (B_P a (K0 Delta)^T + K0 Delta a^T B_P^T) + c^2 K0 Delta Delta^T K0 */
    for (size_t i = 0; i < n; i++)
      for (size_t l = 0; l < n; l++) {
        double v = 0;
        for (size_t p = 0; p < n; p++)
          for (size_t q = 0; q < n; q++) v += BP[i * n + p] * S[p * n + q] * BP[l * n + q];
        Sn[i * n + l] = v - cc * (Ba[i] * kd[l] + kd[i] * Ba[l]) + cc * cc * kd[i] * kd[l];
      }
    memcpy(S, Sn, n * n * sizeof *S);
    memcpy(a, an, n * sizeof *a);
  }
  tl_check(th.values[GROK_OBS_TRAIN * T + T - 1] < 0.5 * th.values[GROK_OBS_TRAIN * 0],
           "the §2.4 comparison run trains: %.3g -> %.3g", th.values[0],
           th.values[GROK_OBS_TRAIN * T + T - 1]);
  free(K0), free(S), free(S0), free(Sn), free(BP), free(a), free(an), free(Dl), free(kd), free(Ba);
  hd_theory_result_free(&th);
  hd_output_grid_free(&g);
  tl_session_free(s);
  return worst;
}

static const char *sim_model =
    "[model]\nproblem = dmft_grokking\nseed = 12\n"
    "[data]\nD = 60\nP = 20\ntest_points = 15\n"
    "[network]\nN = %ld\nalpha = 1.5\neps = 0.4\nsigma = 0.8\ncenter = %s\nalgorithm = %s\n"
    "[optimizer]\neta0 = 0.7\nbatch = %ld\nweight_decay = %g\nmomentum = %g\n"
    "[simulation]\nruns = 3\nhorizon = 300\nthreads = 2\n"
    "[theory]\nmethod = none\n[observables]\ncka = true\n"
    "[output]\ntimes = log(1, 300, 10)\n";

static void sim_forms(long N, const char *center, long batch, double wd, double mom)
{
  struct hd_session *a = tl_session(sim_model, N, center, "closure", batch, wd, mom);
  struct hd_session *b = tl_session(sim_model, N, center, "samples", batch, wd, mom);
  struct hd_output_grid g;
  tl_grid(a, &g);
  struct hd_mc_result ma, mb;
  hd_mc_run(a->pb, a->plan, &g, a->run.runs, a->run.threads, a->run.divergence, 1, &ma);
  hd_mc_run(b->pb, b->plan, &g, b->run.runs, b->run.threads, b->run.divergence, 1, &mb);
  const struct hd_observable *obs;
  size_t O = a->pb->observables(a->plan, &obs), n = ma.runs * g.n;
  size_t wo;
  double worst = tl_max_scaled_diff(ma.values, mb.values, ma.values, O, n, &wo);
  char name[64];
  snprintf(name, sizeof name, "%s", obs[wo].name);
  double moved = ma.values[g.n - 1] / ma.values[0];
  tl_check(worst <= 1e-10 && moved < 0.5,
           "networks N = %ld (%s), center = %s%s: samples = closure, max diff / scale %.2e "
           "(worst %s; <= 1e-10); train loss of run 0 x %.3g",
           N, N < 60 ? "Z = centred neurons" : "Z from eig(Sigma0)", center,
           batch ? ", SGD B = 8, decay, momentum" : "", worst, name, moved);
  hd_mc_result_free(&ma);
  hd_mc_result_free(&mb);
  hd_output_grid_free(&g);
  tl_session_free(a);
  tl_session_free(b);
}

static void auto_choice(long D, long P, int want_samples)
{
  struct cfg c = {D, P, "half", "true", "recursion", 1, 1, 1, 0, 0, 10, 0};
  struct hd_session *s = make(&c, "auto");
  const struct grok_plan *pl = s->plan;
  const char *note = s->pb->theory_note(s->plan);
  int says = note && strstr(note, "sample space") != NULL;
  tl_check(pl->lim.sample_form == want_samples && says == want_samples,
           "closure_form = auto, D = %ld, P = %ld: %s form (note: \"%s\")", D, P,
           pl->lim.sample_form ? "sample" : "weight", note ? note : "");
  /* the plan made visible: its print names the form, its bytes cover the dataset and
   * (sample form) the P x P Gram matrices */
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  s->pb->plan_print(s->plan, f);
  fclose(f);
  int prints = strstr(text, "sample space") != NULL;
  size_t th = 1, per = 0, bytes = s->pb->plan_bytes(s->plan, &th, &per);
  size_t data = (size_t)(P + 15) * (size_t)D * sizeof(double); /* 15 test points */
  size_t gram = want_samples ? (size_t)(P * P) * sizeof(double) : 0;
  tl_check(prints == want_samples && bytes >= data + gram && th == 0 && per > 0,
           "plan_print names the %s form; plan_bytes %zu >= dataset %zu + Gram %zu, theory %zu, "
           "per thread %zu",
           want_samples ? "sample-space" : "weight-space", bytes, data, gram, th, per);
  free(text);
  tl_session_free(s);
}

static void lazy_rejected(void)
{
  struct hd_session s;
  const char *text =
      "[model]\nproblem = dmft_grokking\n[data]\nD = 60\nP = 20\n[network]\nN = 10\neps = 0.4\n"
      "[optimizer]\neta0 = 1\n[simulation]\nhorizon = 10\n"
      "[theory]\nlimit = lazy\nclosure_form = samples\n";
  int rc = hd_session_from_text(&s, "lazy.ini", text);
  tl_check(rc != 0, "closure_form = samples with limit = lazy is rejected (rc %d)", rc);
  hd_session_free(&s); /* also after a rejected model: it holds the parsed file */
}

int main(void)
{
  struct cfg base = {60, 20, "half", "true", "recursion", 1, 1, 1, 0, 0, 300, 0};
  exact_gd(&base, "centred, half target");
  struct cfg unc = base;
  unc.center = "false", unc.target = "full", unc.sigma = 0.7, unc.eta0 = 0.3;
  exact_gd(&unc, "uncentred, full target, sigma = 0.7");
  struct cfg sgd = base;
  sgd.batch = 8, sgd.wd = 0.05, sgd.mom = 0.5, sgd.eta0 = 0.5, sgd.alpha = 2;
  exact_gd(&sgd, "SGD B = 8 of 20, weight decay 0.05, momentum 0.5, alpha = 2");

  double e = spec_recursion();
  tl_check(e <= 1e-10,
           "train loss = grok.md's §2.4 (a, S) recursion: max diff / scale %.2e "
           "(<= 1e-10)",
           e);

  struct cfg gf = base;
  gf.method = "ode";
  char name[64];
  double moved, worst = compare_forms(&gf, name, sizeof name, &moved);
  tl_check(worst <= 1e-7 && moved < 0.5,
           "gradient flow (CVODE, rtol 1e-10): sample form = weight form to %.2e of scale "
           "(worst %s; <= 1e-7); train loss x %.3g",
           worst, name, moved);

  sim_forms(10, "true", 0, 0, 0);
  sim_forms(100, "false", 0, 0, 0);
  sim_forms(25, "true", 8, 0.05, 0.5);

  auto_choice(60, 20, 1);
  auto_choice(60, 30, 1);
  auto_choice(60, 31, 0);
  lazy_rejected();
  return tl_finish();
}
