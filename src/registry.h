/* registry.h — the table of problems.  Adding a problem = one line in registry.c. */
#ifndef HDSIM_REGISTRY_H
#define HDSIM_REGISTRY_H

#include <stddef.h>

#include "problem.h"

size_t hd_registry_count(void);
const struct hd_problem *hd_registry_at(size_t i);
const struct hd_problem *hd_registry_find(const char *name);

/* The row flagged HD_FINITE_SIZE in a problem's table, or NULL. */
const struct hd_param *hd_problem_size_param(const struct hd_problem *p);
/* Its value in a parameter struct (NaN if the problem has none). */
double hd_problem_size(const struct hd_problem *p, const void *params);
/* Sets it (an int row takes the value rounded). */
void hd_problem_set_size(const struct hd_problem *p, void *params, double value);

/* Verifies that every registered problem fills the required ops and at least one theory
 * (ode or recursion).  Returns the number of defects, described on f. */
int hd_registry_check(FILE *f);

#endif
