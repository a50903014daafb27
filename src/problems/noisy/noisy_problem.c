/* noisy_problem.c — noisy SGD on ridge least squares (docs/theory/noisy.md) as the
 * hdsim problem `noisy_sgd`.
 *
 * One source of truth: noisy_sgd IS streaming least squares with more knobs.  It shares
 * the lsq package's parameter rows, plan and ops (problems/lsq/lsq_plan.h): the grouped ODE
 * (ode/lsq.c: NS-3/4, NS-12), the exact recursion (ode/lsq_recursion.c: NS-2) and the
 * simulation (src/sim/lsq_sgd.c, which hands noisy runs to src/sim/noisy_kernel.c).
 * This file adds only the rows of the new keys, their validation, and the privacy
 * post-processing (ode/noisy_privacy.c) written by noisy_output.c through the engine's
 * write_extra hook.  With noise = 0, batch = 1, no
 * clipping and streaming data, noisy_sgd gives bit-identical results to streaming_lsq. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_estimate.h"
#include "problems/noisy/noisy_package.h"

static const char *const laws[] = {"gaussian", "rademacher", "uniform", "uniform01_unitvar", NULL};
static const char *const inits[] = {"zero", "random", "fixed", "file", NULL};
static const char *const clip_targets[] = {"data", "full", NULL};
static const char *const datasets[] = {"streaming", "fixed", NULL};
static const char *const orders[] = {"fixed", "shuffled", NULL};
static const char *const formulas[] = {"exact", "spectral", "both", NULL};
static const char *const scalings[] = {"consistent", "released", NULL};
static const char *const data_theories[] = {"empirical", "model", NULL};

static const struct hd_param noisy_table[] = {
    LSQ_PARAM_ROWS(laws, inits){
        "data", "label_noise_clip", HD_REAL, LSQ_F(label_noise_clip), "0", 0, 100, 0, NULL, "",
        "clip the label noise at k standard deviations: eps = sigma clip(z, -k, k) (0: none; "
        "the theory uses its variance)",
        "NS-14"},
    {"data", "data_file", HD_ARRAY, LSQ_F(data_file), "", 0, 0, 0, NULL, "",
     "the user's data set: an n x d matrix A whose rows a_k the simulation visits in one "
     "pass (step k uses row k; n >= horizon d), in the data's coordinates; runs differ "
     "only in the injected noise (and in the order with order = shuffled)",
     "NS-15"},
    {"data", "labels_file", HD_ARRAY, LSQ_F(labels_file), "", 0, 0, 0, NULL, "",
     "the n labels b_k of data_file's rows (y = b_k for row a_k)", "NS-15"},
    {"data", "data_theory", HD_ENUM, LSQ_F(data_theory), "empirical", 0, 0, 0, data_theories, "",
     "with data_file, the theory's model: empirical (K = A^T A / n, theta* the least-squares "
     "fit of b, the label noise its residual; risk = the empirical risk on A, b) or model "
     "(spectrum, eigenvectors, target_file and label_noise as given: the rows taken as "
     "draws from that model)",
     "NS-15"},
    {"noise", "sigma", HD_REAL, LSQ_F(noise), "0", 0, 1e6, 0, NULL, "",
     "std of the Gaussian noise added to the per-sample gradient (per coordinate; the step "
     "adds (gamma sigma / d) xi)",
     "NS-1"},
    {"noise", "batch", HD_INT, LSQ_F(batch), "1", 1, 1e6, 0, NULL, "",
     "mini-batch B (DP-SGD convention: noise added to the sum of the B gradients, "
     "t = k B / d)",
     "NS-1"},
    {"noise", "clip", HD_REAL, LSQ_F(clip), "0", 0, 1e6, 0, NULL, "",
     "clip the per-sample gradient at C = clip * sqrt(tr K) (0: no clipping, the "
     "sensitivity-free variant)",
     "NS-12"},
    {"noise", "clip_target", HD_ENUM, LSQ_F(clip_target), "data", 0, 0, 0, clip_targets, "",
     "what is clipped: data (r x, the theory's case) or full (r x + delta theta, the "
     "authors' risk_clipping.py; simulation only)",
     NULL},
    {"noise", "dataset", HD_ENUM, LSQ_F(dataset), "streaming", 0, 0, 0, datasets, "",
     "streaming (fresh samples every run) or fixed (one dataset of `records` records per "
     "seed; runs differ in noise and order)",
     NULL},
    {"noise", "records", HD_INT, LSQ_F(records), "0", 0, 1e9, 0, NULL, "",
     "records n of the dataset (0: ceil(horizon d), one pass); also the n of the privacy "
     "bound (T = n / d)",
     "NS-9"},
    {"noise", "order", HD_ENUM, LSQ_F(order), "fixed", 0, 0, 0, orders, "",
     "fixed dataset: visit records in their order, or in a fresh permutation per run and "
     "epoch",
     NULL},
    {"privacy", "enabled", HD_BOOL, LSQ_F(privacy), "false", 0, 0, 0, NULL, "",
     "compute the Renyi privacy loss eps_alpha(t) of one pair of neighbouring datasets "
     "(written under /privacy)",
     "NS-9"},
    {"privacy", "orders", HD_REAL_LIST, LSQ_F(orders), "2", 1, 0, HD_NO_MAX, NULL, "",
     "Renyi orders alpha, comma separated (1 = KL)", "NS-9"},
    {"privacy", "record_1", HD_INT, LSQ_F(record_1), "-1", -1, 1e9, 0, NULL, "",
     "index of the record in D (replaced by record_2 in D'); -1: worst pair search", NULL},
    {"privacy", "record_2", HD_INT, LSQ_F(record_2), "-1", -1, 1e9, 0, NULL, "",
     "index of the record in D'; -1: worst pair search", NULL},
    {"privacy", "formula", HD_ENUM, LSQ_F(privacy_formula), "both", 0, 0, 0, formulas, "",
     "exact O(d) Gaussian divergence (NS-10), d -> infinity spectral formula (NS-11), or both",
     "NS-10, NS-11"},
    {"privacy", "scaling", HD_ENUM, LSQ_F(privacy_scaling), "consistent", 0, 0, 0, scalings, "",
     "step of the privacy process: consistent (gamma / d, the algorithm the risk describes) "
     "or released (gamma / d^2 in hdsim units: the authors' released privacy code, which "
     "steps by the paper's gamma_p / d while its risk code steps by gamma_p)",
     "NS-13"},
    {"privacy", "delta", HD_REAL, LSQ_F(dp_delta), "1e-5", 0, 1, HD_MIN_EXCL | HD_MAX_EXCL, NULL,
     "",
     "delta of the (eps, delta)-DP conversion eps = min_alpha eps_alpha + log(1/delta)/(alpha-1)",
     NULL},
    {"privacy", "nodes", HD_INT, LSQ_F(privacy_nodes), "200", 4, 1e6, 0, NULL, "",
     "Simpson intervals in s for the position average (NS-9)", "NS-9"},
    {"privacy", "search_top", HD_INT, LSQ_F(search_top), "40", 1, 1e5, 0, NULL, "",
     "worst-pair search: candidates per slot (records with the largest residual profiles)", NULL},
    {"privacy", "accountant", HD_BOOL, LSQ_F(accountant), "true", 0, 0, 0, NULL, "",
     "also write the known-sensitivity accountants of the clipped variant (composition and "
     "Ye-Shokri) for clip C = accountant_clip sqrt(tr K)",
     NULL},
    {"privacy", "budget", HD_REAL, LSQ_F(budget), "0", 0, 1e6, 0, NULL, "",
     "privacy budget eps_0: report the optimal stopping time t* = argmin R(t) subject to "
     "eps_alpha(t) <= eps_0 (0: not computed)",
     NULL},
    {"privacy", "random_pairs", HD_INT, LSQ_F(random_pairs), "200", 0, 1e7, 0, NULL, "",
     "eps_alpha(T) (spectral) of this many random pairs of the dataset: the distribution "
     "the worst pair is the tail of",
     NULL},
    {"privacy", "accountant_clip", HD_REAL, LSQ_F(accountant_clip), "1", 0, 1e6, HD_MIN_EXCL, NULL,
     "", "c of the accountants' clipping norm", NULL},
};

/* The [data] keys a data set's empirical measure replaces (NS-15): they describe a drawn
 * model, and with data_theory = empirical the rows and labels give all of it. */
static const char *const empirical_keys[] = {
    "spectrum",         "alpha",       "zero_fraction",     "spectrum_file",    "normalise",
    "target",           "target_file", "source_beta",       "eigenvectors",     "label_noise",
    "label_noise_clip", "signal_dims", "spectral_exponent", "corner_frequency", NULL};

static void validate_data(const struct lsq_params *p, const struct hd_run_params *run,
                          const struct hd_config *cfg, struct hd_errors *err)
{
  if (!p->data_file[0]) {
    if (p->labels_file[0])
      hd_config_error(cfg, err, "data", "labels_file", "labels_file needs data_file (the rows)");
    if (hd_config_has(cfg, "data", "data_theory"))
      hd_config_error(cfg, err, "data", "data_theory", "data_theory is only read with data_file");
    return;
  }
  if (!p->labels_file[0])
    hd_config_error(cfg, err, "data", "data_file",
                    "data_file needs labels_file (one label per row)");
  if (hd_config_has(cfg, "noise", "dataset"))
    hd_config_error(cfg, err, "noise", "dataset", "with data_file the dataset is the file's rows");
  if (hd_config_has(cfg, "noise", "records"))
    hd_config_error(cfg, err, "noise", "records", "with data_file n is the file's number of rows");
  if (hd_config_has(cfg, "data", "distribution"))
    hd_config_error(cfg, err, "data", "distribution",
                    "with data_file the features are the file's rows, not drawn");
  if (p->data_theory == LSQ_DATA_EMPIRICAL) {
    for (const char *const *k = empirical_keys; *k; k++)
      if (hd_config_has(cfg, "data", *k))
        hd_config_error(cfg, err, "data", *k,
                        "with data_theory = empirical the data set gives the spectrum, target "
                        "and label noise (NS-15); use data_theory = model to set %s",
                        *k);
  } else {
    if (p->spectrum.kind == HD_SPECTRUM_STATIONARY ||
        p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
      hd_config_error(cfg, err, "data", "spectrum",
                      "data_theory = model takes a spectrum with an ODE limit in the data's "
                      "coordinates (not stationary or power_law_decay)");
    if (p->target != LSQ_TARGET_FILE && p->target != LSQ_TARGET_ZERO)
      hd_config_error(cfg, err, "data", "target",
                      "data_theory = model needs the data's teacher: target = file (or zero); "
                      "a drawn target has nothing to do with the labels");
  }
  /* with nothing random between runs they would all repeat one path */
  if (run->runs > 1 && p->noise == 0 && p->order == LSQ_ORDER_FIXED && run->simulate)
    hd_config_error(cfg, err, "simulation", "runs",
                    "with data_file, sigma = 0 and order = fixed every run is the same path; "
                    "set runs = 1 (runs differ only in the injected noise and the order)");
}

static void noisy_validate(const void *params, const struct hd_run_params *run,
                           const struct hd_config *cfg, struct hd_errors *err)
{
  const struct lsq_params *p = params;
  lsq_validate(params, run, cfg, err);
  validate_data(p, run, cfg, err);
  if (p->label_noise_clip > 0 && p->label_noise == 0)
    hd_config_error(cfg, err, "data", "label_noise_clip",
                    "label_noise_clip clips label noise, and label_noise is 0");
  if (p->clip > 0 && run->method == HD_THEORY_RECURSION)
    hd_config_error(cfg, err, "theory", "method",
                    "clipping has no exact finite-d recursion; use method = ode (NS-12)");
  if (p->clip > 0 && p->clip_target == LSQ_CLIP_FULL && run->method != HD_THEORY_NONE)
    hd_config_error(cfg, err, "noise", "clip_target",
                    "the clipped ODE (NS-12) clips the data gradient only; clip_target = full "
                    "needs [theory] method = none");
  if (p->batch > 1 && (double)p->batch > 0.1 * (double)p->d && run->method == HD_THEORY_ODE)
    hd_config_error(cfg, err, "noise", "batch",
                    "batch %ld is not << d = %ld: the ODE limit needs B << d (use method = "
                    "recursion, exact at any B)",
                    p->batch, p->d);
  if (p->dataset == LSQ_DATA_STREAMING && !p->data_file[0] && hd_config_has(cfg, "noise", "order"))
    hd_config_error(cfg, err, "noise", "order", "order is only used with dataset = fixed");
  if (!p->privacy && p->privacy_scaling != LSQ_PRIVACY_CONSISTENT)
    hd_config_error(cfg, err, "privacy", "scaling",
                    "the privacy process's scaling is only used with [privacy] enabled = true");
  if (p->privacy) {
    if (p->orders.n == 0) hd_config_error(cfg, err, "privacy", "orders", "no order given");
    if ((p->record_1 < 0) != (p->record_2 < 0))
      hd_config_error(cfg, err, "privacy", p->record_1 < 0 ? "record_1" : "record_2",
                      "give both records of the pair, or neither (worst-pair search)");
    if (p->record_1 >= 0 && p->record_1 == p->record_2)
      hd_config_error(cfg, err, "privacy", "record_2", "the two records must differ");
    long n = p->records > 0 ? p->records : (long)ceil(run->horizon * (double)p->d);
    if (p->data_file[0]) n = 0; /* the file's rows: checked by the plan */
    if (n > 0 && (p->record_1 >= n || p->record_2 >= n))
      hd_config_error(cfg, err, "privacy", p->record_1 >= n ? "record_1" : "record_2",
                      "record index beyond the dataset (n = %ld)", n);
    /* the worst-pair search (and the random pairs) keep a residual profile of nodes + 1
     * values per record, and regenerate every record once: refuse what cannot fit */
    if ((p->record_1 < 0 || p->random_pairs > 0) &&
        (double)n * (double)(p->privacy_nodes + 5) * 8.0 > (double)hd_memory_available())
      hd_config_error(cfg, err, "noise", "records",
                      "the worst-pair search over n = %ld records (%ld nodes) needs %.3g GB, "
                      "more than is available; lower records or [privacy] nodes, or give "
                      "record_1/record_2 and random_pairs = 0",
                      n, p->privacy_nodes, (double)n * (double)(p->privacy_nodes + 5) * 8.0 / 1e9);
    if (p->batch != 1)
      hd_config_error(cfg, err, "privacy", "enabled",
                      "the privacy-loss theory (NS-10/11) is for batch = 1");
    if (p->clip > 0)
      hd_config_error(cfg, err, "privacy", "enabled",
                      "the exact privacy loss is for the sensitivity-free variant (clip = 0); "
                      "the clipped variant's accountants are written with accountant = true");
    if (p->noise <= 0)
      hd_config_error(cfg, err, "noise", "sigma", "privacy needs injected noise sigma > 0");
    if (p->privacy_nodes % 2)
      hd_config_error(cfg, err, "privacy", "nodes", "Simpson's rule needs an even number");
    if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
      hd_config_error(cfg, err, "privacy", "enabled",
                      "the privacy theory needs the ODE regime (not power_law_decay)");
  }
}

/* streaming_lsq's figures, and the privacy search's residual profiles (nodes + 5 values
 * per record, held while the output is written) */
static void noisy_memory_need(const void *params, const struct hd_run_params *run,
                              const struct hd_config *cfg, struct hd_memory_need *need)
{
  const struct lsq_params *p = params;
  lsq_memory_need(params, run, cfg, need);
  if (p->privacy && (p->record_1 < 0 || p->random_pairs > 0)) {
    double n = p->records > 0 ? (double)p->records : ceil(run->horizon * (double)p->d);
    need->theory = hd_memory_bytes((double)need->theory + n * (double)(p->privacy_nodes + 5) * 8);
  }
}

static void *noisy_plan_create(const void *params, const struct hd_run_params *run,
                               const struct hd_config *cfg, struct hd_errors *err)
{
  struct lsq_plan *P = lsq_plan_create(params, run, cfg, err);
  if (!P) return NULL;
  if (P->data_n && (P->p.record_1 >= (long)P->data_n || P->p.record_2 >= (long)P->data_n)) {
    hd_config_error(cfg, err, "privacy", P->p.record_1 >= (long)P->data_n ? "record_1" : "record_2",
                    "record index beyond the data set (n = %zu rows)", P->data_n);
    lsq_plan_destroy(P);
    return NULL;
  }
  double visited = ceil(run->horizon * (double)P->d) / (double)(P->data_n ? P->data_n : 1);
  if (P->data_n && P->p.data_theory == LSQ_DATA_EMPIRICAL && visited > 0.1 && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "the run visits f = %.3g of the data set's n = %zu rows: the empirical-measure theory "
             "holds for f << 1; the iterate fits the rows it has seen, and its risk on the data "
             "set falls below the theory by O(f) (NS-15)",
             visited, P->data_n);
  if (P->p.distribution == LSQ_FEATURES_UNIFORM01 && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "uniform01_unitvar features have mean sqrt(3) per coordinate; the theory uses "
             "their covariance only (docs/theory/noisy.md §2.8: measured effect < 0.5%% in the paper regime)");
  if (P->p.dataset == LSQ_DATA_FIXED &&
      run->horizon * (double)P->d > (double)P->records * 1.000001 && P->note[0] == '\0')
    snprintf(P->note, sizeof P->note,
             "fixed dataset visited more than once (horizon d > n = %zu): the theory is the "
             "one-pass limit and does not apply after t = n/d = %g",
             P->records, (double)P->records / (double)P->d);
  return P;
}

static void noisy_plan_destroy(void *plan) { lsq_plan_destroy(plan); }

static void noisy_plan_print(const void *plan, FILE *out)
{
  const struct lsq_plan *P = plan;
  lsq_plan_print(plan, out);
  if (P->p.privacy)
    fprintf(out, "privacy: %zu Renyi orders, %ld Simpson intervals, %s over n = %zu records\n",
            P->p.orders.n, P->p.privacy_nodes,
            P->p.record_1 < 0 ? "worst-pair search" : "the given pair", P->records);
}

const struct hd_problem hd_problem_noisy_sgd = {
    .name = "noisy_sgd",
    .summary = "noisy (DP-)SGD on ridge least squares: risk (NS-2..NS-7, clipped NS-12) and "
               "Renyi privacy-loss dynamics (NS-9..NS-11)",
    .theory_doc = "docs/theory/noisy.md",
    .time_meaning = "t = SGD steps x batch / d",
    .params = noisy_table,
    .n_params = sizeof noisy_table / sizeof noisy_table[0],
    .params_size = sizeof(struct lsq_params),
    .validate = noisy_validate,
    .memory_need = noisy_memory_need,
    .plan_create = noisy_plan_create,
    .plan_destroy = noisy_plan_destroy,
    LSQ_SHARED_OPS,
    .plan_print = noisy_plan_print,
    .write_extra = noisy_write_extra,
};
