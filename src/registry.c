/* registry.c — every problem hdsim knows, in one table. */
#include "registry.h"

#include <string.h>

extern const struct hd_problem hd_problem_streaming_lsq;
/* --- family problems: declarations (one block per family) --- */
/* multiclass (issue 3) */
/* noisy_sgd (issue 4) */
/* sam (issue 5) */
/* grokking (issue 6) */
extern const struct hd_problem hd_problem_dmft_grokking;
extern const struct hd_problem hd_problem_grok_linear_estimator;
/* --- end --- */

static const struct hd_problem *const problems[] = {
  &hd_problem_streaming_lsq,
  /* multiclass (issue 3) */
  /* noisy_sgd (issue 4) */
  /* sam (issue 5) */
  /* grokking (issue 6) */
  &hd_problem_dmft_grokking,
  &hd_problem_grok_linear_estimator,
};

size_t hd_registry_count(void) { return sizeof problems / sizeof problems[0]; }

const struct hd_problem *hd_registry_at(size_t i)
{
  return i < hd_registry_count() ? problems[i] : NULL;
}

const struct hd_problem *hd_registry_find(const char *name)
{
  for (size_t i = 0; i < hd_registry_count(); i++)
    if (strcmp(problems[i]->name, name) == 0) return problems[i];
  return NULL;
}

int hd_registry_check(FILE *f)
{
  int defects = 0;
  for (size_t i = 0; i < hd_registry_count(); i++) {
    const struct hd_problem *p = problems[i];
#define REQUIRE(field)                                                                   \
  if (!p->field) {                                                                       \
    fprintf(f, "hdsim: problem %zu (%s) lacks required op %s\n", i, p->name ? p->name : "?", #field);         \
    defects++;                                                                           \
  }
    REQUIRE(name) REQUIRE(summary) REQUIRE(params) REQUIRE(validate) REQUIRE(plan_create)
    REQUIRE(plan_destroy) REQUIRE(observables) REQUIRE(steps_per_time)
#undef REQUIRE
    int has_ode = p->ode_dimension && p->ode && p->ode_observe;
    int has_rec = p->recursion_dimension && p->recursion_init && p->recursion_step &&
                  p->recursion_observe;
    int has_sim = p->sim_state_size && p->sim_start && p->sim_advance && p->sim_observe;
    if (!has_ode && !has_rec) {
      fprintf(f, "hdsim: problem '%s' has no complete theory (ode or recursion)\n", p->name);
      defects++;
    }
    if (!has_sim) {
      fprintf(f, "hdsim: problem '%s' has no complete simulation\n", p->name);
      defects++;
    }
  }
  return defects;
}
