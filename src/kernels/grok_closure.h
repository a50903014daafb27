/* grok_closure.h — the numerical kernel of DMFT grokking (docs/theory/grok.md)
 * that its theory (ode/grok_limit.h) and its finite networks (sim/grok_net.h) both run:
 * a two-layer committee machine f(x) = (alpha/N) sum_i phi(w_i.x), phi(h) = h +
 * (eps/2) h^2, trained by full-batch GD on P quadratic-target points (§1.1).
 *   kernels/grok_closure.c          the (wbar, Z) closure increment of §2.1 (plain form),
 *                                   the step's batch, the optimizer step
 *   kernels/grok_closure_blocked.c  the same increment with half the flops for n > 1.5 D
 *   kernels/grok_sample.c           the same map in sample space (§2.4), O(P^3) a step
 *   kernels/grok_observe.c          every observable (§1.2, §1.4) from (wbar, M, wbar0, M0)
 *
 * Time t is the number of GD steps (grok.md's convention: gradient flow takes the step
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
#ifndef HDSIM_KERNELS_GROK_CLOSURE_H
#define HDSIM_KERNELS_GROK_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The trained system as every kernel sees it: the dataset and the scalars of the map,
 * filled by the dmft_grokking package from its parameters (GSL-style: plain fields, the
 * arrays owned by whoever filled it). */
struct grok_system {
  size_t D, P, Pt; /* input dimension, training points, test points */
  size_t B;        /* points per step (P for full batch) */
  double alpha, eps, sigma;
  double s_y;            /* 1 (y = (beta.x)^2 / 2) or 2 */
  double eta0_eff;       /* eta0, or eta0 / sigma^2 under the sigma-sweep convention */
  double c;              /* 2 eta0_eff / (alpha B) (§1.1, the loss averaged over the batch) */
  double decay;          /* omega = eta0_eff lambda0 / alpha^2: w <- (1 - omega) w - ... */
  double momentum;       /* heavy-ball mu (0: plain GD) */
  bool center;           /* train the centred predictor f - f(W0) */
  uint64_t data_seed;    /* the minibatches' stream */
  const double *X, *y;   /* P x D (row-major), P */
  const double *Xt, *yt; /* P_test x D, P_test */
  const double *beta;    /* D */
  double beta2;          /* |beta|^2 */
  const double *K;       /* X X^T (P x P) when a sample-space form runs, else NULL */
  /* the output slots beyond the fixed ones: kmse (a constant) and cka, -1 when off */
  int slot_kmse, slot_cka;
  double kmse;
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
  size_t blocks; /* 0: the plain form; else blocks of the full batch */
  bool parallel; /* share the blocks among OpenMP threads (theory; not inside a run) */
  int threads;   /* the most threads a parallel increment may use; 0: OpenMP's default */
  size_t panel;  /* 0: whole-triangle dtrmm and dsyrk; else their column-panel width */
  double *XT;    /* P x D: X T, then the rows scaled by Delta (or sqrt|Delta|, by sign) */
  double *part;  /* blocks x D x D: partial G */
  double *gpart; /* blocks x D: partial g */
};

enum { GROK_MAX_BLOCKS = 8, GROK_PANEL = 16, GROK_PANEL_MAX_D = 160 };

/* The training points one step uses: the whole set, or a gathered minibatch. */
struct grok_batch {
  const double *X, *y, *f0; /* n x D, n, n (f0 NULL when not centred) */
  size_t n;
};

/* Observable slots (grok_observe.c), then the optional kmse and cka in that order, at
 * slot_kmse and slot_cka (-1 when off). */
enum {
  GROK_OBS_TRAIN,
  GROK_OBS_TEST_POP,
  GROK_OBS_TEST_EMP,
  GROK_OBS_VAR,
  GROK_OBS_MIS,
  GROK_OBS_LIN,
  GROK_OBS_TRM,
  GROK_OBS_OVERLAP,
  GROK_OBS_COSINE,
  GROK_OBS_WBAR2,
  GROK_OBS_WNORM,
  GROK_OBS_RELCHANGE,
  GROK_OBS_FIXED,
  GROK_OBS_MAX = GROK_OBS_FIXED + 2
};

/* The scalars of (wbar, M) that the observables of §1.2 and §1.4 are read from. */
struct grok_summary {
  double u2;              /* |u|^2, u = wbar - wbar0 when centred, else wbar */
  double wbar2;           /* |wbar|^2 */
  double trM, trM0, trMp; /* Tr M, Tr M0, Tr M' (M' = M - M0 when centred, else M) */
  double fro, froM;       /* ||M'||_F^2, ||M||_F^2 */
  double bMb;             /* beta^T M' beta */
  double move2;           /* |W - W0|_F^2 / N */
};

/* ---- kernels/grok_observe.c ---- */
size_t grok_work_size(size_t P, size_t Pt, size_t D, size_t r, bool cka);
void grok_work_bind(struct grok_work *w, double *buf, size_t P, size_t Pt, size_t D, size_t r,
                    bool cka);
/* Everything but train loss, from the moments.  M and M0 are D x D; move2 is
 * |W - W0|_F^2 / N; f0t the initial test predictions (subtracted when centred). */
void grok_observe_moments(const struct grok_system *S, const double *wbar, const double *M,
                          const double *wbar0, const double *M0, double move2, const double *f0t,
                          struct grok_work *w, double *out);
/* Test-set CKA of K(x,x') = x.x' [1 + eps wbar.(x+x') + eps^2 x^T M x'] (§1.4.7). */
double grok_cka(const struct grok_system *S, const double *wbar, const double *M,
                struct grok_work *w);
/* The same from bt = Xt wbar and K = Xt (M - m_iso I) Xt^T (P_test x P_test, overwritten). */
double grok_cka_kernel(const struct grok_system *S, const double *bt, double m_iso, double *K);
/* Test loss eq. 6 and its parts, Tr M, overlap, cosine, norms, relchange, kmse. */
void grok_observe_summary(const struct grok_system *S, const struct grok_summary *m, double *out);
/* mean (f - y_test)^2 over the test set, f the test predictions (centred if so trained). */
double grok_test_mse(const struct grok_system *S, const double *f);

/* ---- kernels/grok_closure.c ---- */
/* A gradient-flow right-hand side's status for CVODE: 0, or 1 (recoverable: it retries
 * with a smaller step) when an increment is not finite. */
int grok_rhs_status(const double *dy, size_t n);
/* The full training set (f0: the initial predictions, NULL when not centred). */
struct grok_batch grok_full_batch(const struct grok_system *S, const double *f0);
/* Doubles of scratch a minibatch gather needs (0 for full batch). */
size_t grok_batch_size(const struct grok_system *S);
/* The points of step k: the full set, or B distinct points drawn by a partial
 * Fisher-Yates shuffle from the data seed's EXTRA stream at block k, shared by every run
 * and the theory (so the N = infinity map follows the same batches), gathered into buf. */
struct grok_batch grok_step_batch(const struct grok_system *S, uint64_t k, const double *f0,
                                  double *buf);
/* The same points as a mask over the training set: inb[m] = 1 on them, 0 elsewhere (for
 * minibatch SGD only; perm: P doubles of scratch). */
void grok_step_mask(const struct grok_system *S, uint64_t k, double *perm, double *inb);
/* Delta_mu on the batch from (wbar, Z) (r columns); fills w->a, w->XZ, w->Delta.
 * Returns the loss mean(Delta^2) on the batch. */
double grok_residual(const struct grok_system *S, const struct grok_batch *b, const double *wbar,
                     const double *Z, size_t r, struct grok_work *w);
/* d(wbar, Z)/dt of §2.2 (= the GD increment of §2.1) on the batch, weight decay included. */
void grok_closure_rhs(const struct grok_system *S, const struct grok_batch *b, const double *wbar,
                      const double *Z, size_t r, double *dwbar, double *dZ, struct grok_work *w);
/* M = wbar wbar^T + Z Z^T. */
void grok_moment(size_t D, const double *wbar, const double *Z, size_t r, double *M);
/* One optimizer step from the GD increment inc (n values): x += inc, or with momentum
 * mu > 0 the heavy-ball update vel = mu vel + inc, x += vel (the closure survives it:
 * every neuron's velocity obeys the same affine map, §1.5). */
void grok_apply_step(double mu, const double *inc, double *x, double *vel, size_t n);

/* ---- kernels/grok_closure_blocked.c ---- */
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
void grok_closure_rhs_blocked(const struct grok_system *S, const struct grok_batch *b,
                              const double *wbar, const double *Z, size_t r, double *dwbar,
                              double *dZ, struct grok_work *w);

/* ---- kernels/grok_sample.c ---- */
/* The closure in sample space (§2.4): wbar = s wbar0 + X^T b, U = s I + X^T R X, state
 * (b, s, R) of n = P + 1 + P^2 values (then their velocities with momentum), on the Gram
 * matrix S->K.  What a start contributes: a0 = X wbar0 (NULL for wbar0 = 0), Gam =
 * X Sigma0 X^T / gscale with its diagonal (at N = infinity Sigma0 = sigma^2 I: Gam =
 * X X^T, gscale = sigma^2), and the initial predictions f0 on the training points (NULL
 * when not centred). */
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
double grok_sample_residual(const struct grok_system *S, const struct grok_sample_seed *z,
                            const double *y, struct grok_sample_work *w);
/* The increment (db, ds, dR) of one step on the points where inb = 1 (all if NULL). */
void grok_sample_increment(const struct grok_system *S, const struct grok_sample_seed *z,
                           const double *y, const double *inb, double *dy,
                           struct grok_sample_work *w);
/* One optimizer step k (the step's batch, weight decay, momentum) of the state y. */
void grok_sample_step(const struct grok_system *S, const struct grok_sample_seed *z, uint64_t k,
                      double *y, struct grok_sample_work *w);

#endif
