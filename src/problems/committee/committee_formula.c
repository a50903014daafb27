/* committee_formula.c — activation = formula: g(x) written in the model file, parsed and
 * differentiated once (src/formula.h), evaluated through the callbacks of struct cm_act.
 *
 * One parsed formula may be evaluated by one thread at a time (formula.h), so the plan keeps
 * a pool of clones: a theory solve or a simulated segment takes one (a mutex around the pool
 * only), evaluates with it alone, and gives it back; the pool is freed with the plan. */
#define HDSIM_COMMITTEE_PACKAGE
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "committee.h"
#include "formula.h"

struct cm_formula_pair {
  struct hd_formula *g, *dg;
  struct cm_formula_pair *next;
};

struct cm_formula {
  struct cm_formula_pair *first;     /* the parsed pair: the source of every clone */
  struct cm_formula_pair *free_list; /* clones not in use (every clone, once all are back) */
  pthread_mutex_t lock;
};

static double eval_g(double x, void *ctx)
{
  return hd_formula_eval(((struct cm_formula_pair *)ctx)->g, &x);
}

static double eval_dg(double x, void *ctx)
{
  return hd_formula_eval(((struct cm_formula_pair *)ctx)->dg, &x);
}

static void pair_free(struct cm_formula_pair *p)
{
  if (!p) return;
  hd_formula_free(p->g);
  hd_formula_free(p->dg);
  free(p);
}

static const char *const vars[] = {"x"};

/* Parses g and g'; checks that both are finite at a few points of the bulk of the Gaussian
 * (a formula that is not is refused up front instead of failing in the solver). */
struct cm_formula *cm_formula_create(const char *text, char *msg, size_t msglen)
{
  struct cm_formula_pair *p = calloc(1, sizeof *p);
  p->g = hd_formula_parse(text, 1, vars, msg, msglen);
  if (p->g) p->dg = hd_formula_derivative(p->g, "x", msg, msglen);
  if (!p->g || !p->dg) {
    pair_free(p);
    return NULL;
  }
  static const double probe[] = {0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0};
  for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
    double x = probe[i], g = eval_g(x, p), dg = eval_dg(x, p);
    if (!isfinite(g) || !isfinite(dg)) {
      snprintf(msg, msglen, "%s is not finite at x = %g (g = %g, g' = %g)",
               isfinite(g) ? "g'" : "g", x, g, dg);
      pair_free(p);
      return NULL;
    }
  }
  struct cm_formula *F = calloc(1, sizeof *F);
  F->first = p;
  pthread_mutex_init(&F->lock, NULL);
  return F;
}

void cm_formula_free(struct cm_formula *F)
{
  if (!F) return;
  for (struct cm_formula_pair *p = F->free_list, *n; p; p = n) {
    n = p->next;
    pair_free(p);
  }
  pair_free(F->first);
  pthread_mutex_destroy(&F->lock);
  free(F);
}

/* The parsed pair itself, for the theory (one solve at a time per plan). */
void cm_formula_theory_act(const struct cm_formula *F, struct cm_act *act)
{
  *act = (struct cm_act){.kind = CM_ACT_FORMULA, .g = eval_g, .dg = eval_dg, .ctx = F->first};
}

/* An activation evaluated by the caller alone until cm_formula_release. */
int cm_formula_acquire(struct cm_formula *F, struct cm_act *act)
{
  pthread_mutex_lock(&F->lock);
  struct cm_formula_pair *p = F->free_list;
  if (p) F->free_list = p->next;
  else {
    char msg[256];
    p = calloc(1, sizeof *p);
    p->g = hd_formula_clone(F->first->g, msg, sizeof msg);
    p->dg = hd_formula_clone(F->first->dg, msg, sizeof msg);
    if (!p->g || !p->dg) {
      pair_free(p);
      pthread_mutex_unlock(&F->lock);
      return -1;
    }
  }
  pthread_mutex_unlock(&F->lock);
  *act = (struct cm_act){.kind = CM_ACT_FORMULA, .g = eval_g, .dg = eval_dg, .ctx = p};
  return 0;
}

void cm_formula_release(struct cm_formula *F, const struct cm_act *act)
{
  struct cm_formula_pair *p = act->ctx;
  pthread_mutex_lock(&F->lock);
  p->next = F->free_list;
  F->free_list = p;
  pthread_mutex_unlock(&F->lock);
}
