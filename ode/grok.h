/* grok.h — DMFT grokking (shared/specs/dmft_grokking.md): a two-layer committee machine
 * f(x) = (alpha/N) sum_i phi(w_i.x), phi(h) = h + (eps/2) h^2, trained by full-batch GD
 * on P quadratic-target points (§1.1).  One plan is shared by
 *   ode/grok_closure.c     the exact (wbar, M) closure (§2.1) in propagator form, its GD
 *                          map (the N = infinity recursion) and gradient-flow ODE (§2.2)
 *   ode/grok_lazy.c        the lazy limit alpha -> infinity (§2.5)
 *   ode/grok_population.c  the population limit P -> infinity (§2.6)
 *   ode/grok_sample.c      the same N = infinity closure in sample space (§2.4), exact,
 *                          O(P^3) per step instead of O(P D^2): for P < D
 *   ode/grok_observe.c     every observable (§1.2, §1.4) from (wbar, M, wbar0, M0)
 *   src/sim/grok_net.c     the finite-N network: neuron-level GD or the closure seeded
 *                          with the run's actual W0 (§2.1, exact at any N), in weight or
 *                          in sample space
 *   ode/grok_problem.c     parameter table, validation, data, registry entry.
 *
 * Time t is the number of GD steps (the spec's convention: gradient flow takes the step
 * index as continuous time with eta0 fixed), so steps_per_time = 1.
 *
 * Propagator form (§2.1).  Every neuron obeys the same affine map w_i <- B w_i - c g, so
 * with wbar0 = mean w_i(0) and Sigma0 = (1/N) sum (w_i(0)-wbar0)(w_i(0)-wbar0)^T = L L^T,
 *     wbar(t) = U(t) wbar0 + v(t),   M(t) = wbar wbar^T + Z Z^T,   Z(t) = U(t) L.
 * The state is (wbar, Z) with Z of size D x r (r = N for N <= D: Z's columns are the
 * centred neurons / sqrt(N); r = D otherwise; r = D and L = sigma I at N = infinity):
 *     wbar+ = wbar - c (g + eps G wbar),   Z+ = Z - c eps G Z          (§2.1)
 *     g = X^T Delta,  G = X^T diag(Delta) X,  c = 2 eta0 / (alpha P)
 * and gradient flow is the same right-hand side as an ODE (§2.2: GD = forward Euler with
 * unit step). */
#ifndef HDSIM_ODE_GROK_H
#define HDSIM_ODE_GROK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "problem.h"

enum grok_target { GROK_TARGET_HALF, GROK_TARGET_FULL };          /* s_y = 1 | 2 */
enum grok_beta_norm { GROK_BETA_RANDOM, GROK_BETA_EXACT };
enum grok_lr { GROK_LR_MEAN_FIELD, GROK_LR_SIGMA_SWEEP };         /* eta0 N/alpha^2 [/sigma^2] */
enum grok_limit { GROK_LIMIT_WIDTH, GROK_LIMIT_LAZY, GROK_LIMIT_POPULATION };
enum grok_algorithm { GROK_ALG_CLOSURE, GROK_ALG_NEURONS, GROK_ALG_SAMPLES };
enum grok_form { GROK_FORM_AUTO, GROK_FORM_WEIGHTS, GROK_FORM_SAMPLES };

struct grok_params {
  /* [data] */
  long D, P, test_points;
  int target;       /* enum grok_target */
  int beta_norm;    /* enum grok_beta_norm */
  long data_seed;   /* -1: the model seed */
  /* [network] */
  long N;
  double alpha, eps, sigma;
  bool center;
  int algorithm;    /* enum grok_algorithm */
  /* [optimizer] */
  double eta0;
  int lr_scaling;   /* enum grok_lr */
  long batch;       /* 0: full batch; else minibatch SGD with B distinct points per step */
  double weight_decay; /* lambda0: per-step shrink omega = eta0 lambda0 / alpha^2 (§1.5) */
  double momentum;  /* mu: heavy ball u+ = mu u + increment, w+ = w + u+ (paper App. 14) */
  /* [theory] */
  int limit;        /* enum grok_limit */
  int closure_form; /* enum grok_form: the N = infinity closure in weight or sample space */
  /* [observables] */
  bool cka;
  bool kmse;        /* record the kernel-regression baseline (needs the P x P kernel) */
  double kmse_ridge;
};

/* Scratch for one evaluation of the closure right-hand side and of the observables. */
struct grok_work {
  double *a;     /* P: X wbar */
  double *XZ;    /* P x r */
  double *Delta; /* P */
  double *DXZ;   /* P x r: diag(Delta) X Z */
  double *Da;    /* P: Delta .* a */
  double *M;     /* D x D */
  double *Mp;    /* D x D: M' (centred or not) */
  double *tv;    /* D */
  double *tXM;   /* P_test x D */
  double *tK;    /* P_test x P_test (CKA only) */
  double *tv2;   /* max(P, P_test) */
  /* the blocked increment (grok_closure_blocked.c), when it pays for this P, D, r */
  size_t blocks;  /* 0: the plain form; else blocks of the full batch */
  bool parallel;  /* share the blocks among OpenMP threads (theory; not inside a run) */
  size_t panel;   /* 0: whole-triangle dtrmm and dsyrk; else their column-panel width */
  double *XT;     /* P x D: X T, then the rows scaled by Delta (or sqrt|Delta|, by sign) */
  double *part;   /* blocks x D x D: partial G */
  double *gpart;  /* blocks x D: partial g */
};

enum { GROK_MAX_BLOCKS = 8, GROK_PANEL = 16, GROK_PANEL_MAX_D = 160 };

struct grok_plan {
  struct grok_params p;
  size_t D, P, Pt, N, r; /* r = min(N, D): columns of Z in the finite-N closure */
  uint64_t seed;         /* model seed: initialisations */
  uint64_t data_seed;
  double s_y;            /* 1 (half) or 2 (full) */
  double eta0_eff;       /* eta0, or eta0 / sigma^2 under the sigma-sweep convention */
  size_t B;              /* points per step (P for full batch) */
  double c;              /* 2 eta0_eff / (alpha B) (§1.1, the loss averaged over the batch) */
  double decay;          /* omega = eta0_eff lambda0 / alpha^2: w <- (1 - omega) w - ... */
  double *X, *y;         /* P x D (row-major), P */
  double *Xt, *yt;       /* P_test x D, P_test */
  double *beta;          /* D */
  double beta2;          /* |beta|^2 */
  double kmse;           /* ridgeless kernel regression with the initial NTK (§1.4.8) */
  /* N = infinity initial condition: wbar0 = 0, M0 = sigma^2 I; f0 on train/test points */
  double *f0_inf, *f0t_inf;
  double *M0_inf, *zero_D; /* sigma^2 I (D x D) and 0 (D) */
  /* lazy limit (§2.5): K0 = V diag(lam) V^T, yhat = V^T y, K0 at (test, train) points */
  double *K0, *V, *lam, *yhat;
  /* theory scratch (one theory at a time; the blocked increment may share its blocks
   * among threads): observables, and the increment (D + D^2) */
  struct grok_work tw;
  double *tw_buf, *tdy;
  double *tbatch;        /* theory's batch gather: grok_batch_size(P) doubles */
  /* sample-space closure (§2.4, ode/grok_sample.c), allocated when it is the form used */
  bool sample_form;
  struct grok_sample *smp;
  struct hd_observable *obs;
  size_t n_obs;
  int slot_kmse, slot_cka; /* output slots of the optional observables, -1 when off */
  char note[256];
};

/* The training points one step uses: the whole set, or a gathered minibatch. */
struct grok_batch {
  const double *X, *y, *f0; /* n x D, n, n (f0 NULL when not centred) */
  size_t n;
};

/* Observable slots (grok_observe.c), then the optional kmse and cka in that order, at
 * plan->slot_kmse and plan->slot_cka (-1 when off). */
enum {
  GROK_OBS_TRAIN, GROK_OBS_TEST_POP, GROK_OBS_TEST_EMP, GROK_OBS_VAR, GROK_OBS_MIS,
  GROK_OBS_LIN, GROK_OBS_TRM, GROK_OBS_OVERLAP, GROK_OBS_COSINE, GROK_OBS_WBAR2,
  GROK_OBS_WNORM, GROK_OBS_RELCHANGE, GROK_OBS_FIXED, GROK_OBS_MAX = GROK_OBS_FIXED + 2
};
/* Largest P with the P x P kernel (kmse, lazy limit). */
#define GROK_KERNEL_MAX_P 8000

/* The scalars of (wbar, M) that the observables of §1.2 and §1.4 are read from. */
struct grok_summary {
  double u2;               /* |u|^2, u = wbar - wbar0 when centred, else wbar */
  double wbar2;            /* |wbar|^2 */
  double trM, trM0, trMp;  /* Tr M, Tr M0, Tr M' (M' = M - M0 when centred, else M) */
  double fro, froM;        /* ||M'||_F^2, ||M||_F^2 */
  double bMb;              /* beta^T M' beta */
  double move2;            /* |W - W0|_F^2 / N */
};

/* ---- ode/grok_observe.c ---- */
size_t grok_work_size(size_t P, size_t Pt, size_t D, size_t r, bool cka);
void grok_work_bind(struct grok_work *w, double *buf, size_t P, size_t Pt, size_t D, size_t r,
                    bool cka);
void grok_observables_build(struct grok_plan *P);
/* Everything but train loss, from the moments.  M and M0 are D x D; move2 is
 * |W - W0|_F^2 / N; f0t the initial test predictions (subtracted when centred). */
void grok_observe_moments(const struct grok_plan *P, const double *wbar, const double *M,
                          const double *wbar0, const double *M0, double move2,
                          const double *f0t, struct grok_work *w, double *out);
/* Test-set CKA of K(x,x') = x.x' [1 + eps wbar.(x+x') + eps^2 x^T M x'] (§1.4.7). */
double grok_cka(const struct grok_plan *P, const double *wbar, const double *M,
                struct grok_work *w);
/* The same from bt = Xt wbar and K = Xt (M - m_iso I) Xt^T (P_test x P_test, overwritten). */
double grok_cka_kernel(const struct grok_plan *P, const double *bt, double m_iso, double *K);
/* Test loss eq. 6 and its parts, Tr M, overlap, cosine, norms, relchange, kmse. */
void grok_observe_summary(const struct grok_plan *P, const struct grok_summary *m, double *out);
/* mean (f - y_test)^2 over the test set, f the test predictions (centred if so trained). */
double grok_test_mse(const struct grok_plan *P, const double *f);

/* ---- ode/grok_closure.c ---- */
/* A gradient-flow right-hand side's status for CVODE: 0, or 1 (recoverable: it retries
 * with a smaller step) when an increment is not finite. */
int grok_rhs_status(const double *dy, size_t n);
/* The full training set (f0: the initial predictions, NULL when not centred). */
struct grok_batch grok_full_batch(const struct grok_plan *P, const double *f0);
/* Doubles of scratch a minibatch gather needs (0 for full batch). */
size_t grok_batch_size(const struct grok_plan *P);
/* The points of step k: the full set, or B distinct points drawn by a partial
 * Fisher-Yates shuffle from the data seed's EXTRA stream at block k, shared by every run
 * and the theory (so the N = infinity map follows the same batches), gathered into buf. */
struct grok_batch grok_step_batch(const struct grok_plan *P, uint64_t k, const double *f0,
                                  double *buf);
/* The same points as a mask over the training set: inb[m] = 1 on them, 0 elsewhere (for
 * minibatch SGD only; perm: P doubles of scratch). */
void grok_step_mask(const struct grok_plan *P, uint64_t k, double *perm, double *inb);
/* Delta_mu on the batch from (wbar, Z) (r columns); fills w->a, w->XZ, w->Delta.
 * Returns the loss mean(Delta^2) on the batch. */
double grok_residual(const struct grok_plan *P, const struct grok_batch *b, const double *wbar,
                     const double *Z, size_t r, struct grok_work *w);
/* d(wbar, Z)/dt of §2.2 (= the GD increment of §2.1) on the batch, weight decay included. */
void grok_closure_rhs(const struct grok_plan *P, const struct grok_batch *b, const double *wbar,
                      const double *Z, size_t r, double *dwbar, double *dZ,
                      struct grok_work *w);
/* ---- ode/grok_closure_blocked.c ---- */
/* Blocks of an n-row batch: a power of two, >= 256 rows each, <= GROK_MAX_BLOCKS. */
size_t grok_blocks(size_t n);
/* Whether the blocked form (2 n D^2 + 3 D^2 r flops) beats the plain one (4 n D r). */
bool grok_blocked_pays(size_t n, size_t D, size_t r);
/* Column-panel width of the blocked form's X T and G at this D (0: whole-triangle BLAS). */
size_t grok_panel_width(size_t D);
/* Its scratch for batches of up to n rows (0 when it does not pay), and the binding. */
size_t grok_blocked_size(size_t n, size_t D, size_t r);
void grok_blocked_bind(struct grok_work *w, double *buf, size_t n, size_t D, size_t r);
/* The same increment as grok_closure_rhs (to rounding), through M = Z Z^T, a dtrmm and a
 * sign-split dsyrk; w must have been bound with the blocked scratch. */
void grok_closure_rhs_blocked(const struct grok_plan *P, const struct grok_batch *b,
                              const double *wbar, const double *Z, size_t r, double *dwbar,
                              double *dZ, struct grok_work *w);
/* M = wbar wbar^T + Z Z^T. */
void grok_moment(size_t D, const double *wbar, const double *Z, size_t r, double *M);
/* One optimizer step from the GD increment inc (n values): x += inc, or with momentum
 * mu > 0 the heavy-ball update vel = mu vel + inc, x += vel (the closure survives it:
 * every neuron's velocity obeys the same affine map, §1.5). */
void grok_apply_step(double mu, const double *inc, double *x, double *vel, size_t n);
size_t grok_width_dimension(const void *plan);
int grok_width_ode(void *plan, struct hd_ode_system *sys, double *y0);
void grok_width_rec_init(const void *plan, double *state);
void grok_width_rec_step(const void *plan, uint64_t k, double *state);
void grok_width_rec_observe(const void *plan, const double *state, double *out);

/* ---- ode/grok_sample.c ---- */
/* The closure in sample space (§2.4): wbar = s wbar0 + X^T b, U = s I + X^T R X, state
 * (b, s, R) of n = P + 1 + P^2 values (then their velocities with momentum).  What a start
 * contributes: a0 = X wbar0 (NULL for wbar0 = 0), Gam = X Sigma0 X^T / gscale with its
 * diagonal (at N = infinity Sigma0 = sigma^2 I: Gam = X X^T, gscale = sigma^2), and the
 * initial predictions f0 on the training points (NULL when not centred). */
struct grok_sample_seed {
  const double *a0, *Gam, *Gd, *f0;
  double gscale;
};
/* Scratch of one evaluation: a, Delta, inb, perm (P each), W, V (P x P), dy (n). */
struct grok_sample_work {
  double *a, *Delta, *inb, *perm, *W, *V, *dy;
};
size_t grok_sample_state_size(size_t P);
size_t grok_sample_work_size(size_t P);
void grok_sample_work_bind(struct grok_sample_work *w, double *buf, size_t P);
/* Delta on every training point (fills w->a, w->Delta, w->W = K R, w->V = W Gam); returns
 * the train loss mean(Delta^2). */
double grok_sample_residual(const struct grok_plan *P, const struct grok_sample_seed *z,
                            const double *y, struct grok_sample_work *w);
/* One optimizer step k (the step's batch, weight decay, momentum) of the state y. */
void grok_sample_step(const struct grok_plan *P, const struct grok_sample_seed *z, uint64_t k,
                      double *y, struct grok_sample_work *w);
/* Whether [theory] closure_form (auto: 2P <= D) puts the N = infinity closure in sample
 * space; and its set-up (the Gram matrices, once) and release. */
bool grok_sample_chosen(const struct grok_params *p);
int grok_sample_prepare(struct grok_plan *P);
void grok_sample_free(struct grok_sample *S);
size_t grok_sample_dimension(const void *plan);
void grok_sample_rec_init(const void *plan, double *state);
void grok_sample_rec_step(const void *plan, uint64_t k, double *state);
int grok_sample_ode(void *plan, struct hd_ode_system *sys, double *y0);
void grok_sample_observe(const void *plan, const double *state, double *out);

/* ---- ode/grok_lazy.c ---- */
int grok_lazy_prepare(struct grok_plan *P);
size_t grok_lazy_dimension(const void *plan);
int grok_lazy_ode(void *plan, struct hd_ode_system *sys, double *y0);
void grok_lazy_observe(const void *plan, const double *ahat, double *out);
void grok_lazy_rec_step(const void *plan, uint64_t k, double *state);
/* The closed form (GD or gradient flow) at step/time t: fills ahat (P). */
void grok_lazy_closed_form(const struct grok_plan *P, double t, bool gd, double *ahat);

/* ---- ode/grok_population.c ---- */
size_t grok_pop_dimension(const void *plan);
int grok_pop_ode(void *plan, struct hd_ode_system *sys, double *y0);
void grok_pop_observe(const void *plan, const double *ma, double *out);
void grok_pop_rec_init(const void *plan, double *state);
void grok_pop_rec_step(const void *plan, uint64_t k, double *state);
/* dm/dt, da/dt of §2.6 at (m, a). */
void grok_pop_rates(const struct grok_plan *P, double m, double a, double *dm, double *da);
/* Fixed point m* = sigma^2 + b_* D/(alpha eps) (§2.6). */
double grok_pop_fixed_point(const struct grok_plan *P);

/* ---- src/sim/grok_net.c ---- */
size_t grok_sim_state_size(const void *plan);
void grok_sim_start(const void *plan, uint64_t run, void *state);
int grok_sim_advance(const void *plan, uint64_t run, void *state, uint64_t k0, uint64_t k1,
                     uint64_t *bad_step);
void grok_sim_observe(const void *plan, const void *state, double *out);

#endif
