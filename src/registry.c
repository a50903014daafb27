/* registry.c — every problem hdsim knows, in one table. */
#include "registry.h"

#include <math.h>
#include <string.h>

#include "problem_list.h"

#define HD_PROBLEM(name) extern const struct hd_problem hd_problem_##name;
HD_PROBLEM_LIST
#undef HD_PROBLEM

#define HD_PROBLEM(name) &hd_problem_##name,
static const struct hd_problem *const problems[] = {HD_PROBLEM_LIST};
#undef HD_PROBLEM

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

const struct hd_param *hd_problem_size_param(const struct hd_problem *p)
{
  for (size_t i = 0; i < p->n_params; i++)
    if (p->params[i].flags & HD_FINITE_SIZE) return &p->params[i];
  return NULL;
}

double hd_problem_size(const struct hd_problem *p, const void *params)
{
  const struct hd_param *r = hd_problem_size_param(p);
  if (!r) return NAN;
  const char *at = (const char *)params + r->offset;
  return r->type == HD_INT ? (double)*(const long *)at : *(const double *)at;
}

void hd_problem_set_size(const struct hd_problem *p, void *params, double value)
{
  const struct hd_param *r = hd_problem_size_param(p);
  if (!r) return;
  char *at = (char *)params + r->offset;
  if (r->type == HD_INT) *(long *)at = lround(value);
  else *(double *)at = value;
}

int hd_registry_check(FILE *f)
{
  int defects = 0;
  for (size_t i = 0; i < hd_registry_count(); i++) {
    const struct hd_problem *p = problems[i];
#define REQUIRE(field)                                                                             \
  if (!p->field) {                                                                                 \
    fprintf(f, "hdsim: problem %zu (%s) lacks required op %s\n", i, p->name ? p->name : "?",       \
            #field);                                                                               \
    defects++;                                                                                     \
  }
    REQUIRE(name)
    REQUIRE(summary) REQUIRE(params) REQUIRE(validate) REQUIRE(plan_create) REQUIRE(plan_destroy)
        REQUIRE(observables) REQUIRE(steps_per_time) REQUIRE(time_meaning) REQUIRE(memory_need)
#undef REQUIRE
            size_t n_size = 0;
    for (size_t k = 0; k < p->n_params; k++) n_size += (p->params[k].flags & HD_FINITE_SIZE) != 0;
    if (n_size > 1) {
      fprintf(f, "hdsim: problem '%s' flags %zu finite-size parameters (at most one)\n", p->name,
              n_size);
      defects++;
    }
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
