/* sweep.h — the [sweep] section: dotted `section.key = values` keys whose Cartesian
 * product (first key slowest) gives the points of a sweep.  Values are a list
 * (`0.1, 0.2`), a range `log(a, b, n)` or `linear(a, b, n)`, or lists and ranges mixed;
 * `zip = k1, k2, ...` makes the named keys vary together (one axis of the product, equal
 * numbers of values).  Each point is an ordinary run of the model with those values
 * substituted; the output file holds one group per point (/points/k, laid out like a
 * single run) and the table of swept values (/sweep). */
#ifndef HDSIM_SWEEP_H
#define HDSIM_SWEEP_H

#include <stddef.h>

#include "config.h"
#include "params.h"
#include "problem.h"

#define HD_SWEEP_MAX_KEYS   8
#define HD_SWEEP_MAX_VALUES 64
#define HD_SWEEP_MAX_POINTS 10000 /* points of a whole sweep (each is a run and a file) */

struct hd_sweep_key {
  char section[64], key[64];  /* the swept parameter */
  const struct hd_param *row; /* its table row */
  int is_engine;              /* row of the engine table (else the problem's) */
  int line;                   /* of the [sweep] entry */
  size_t axis;                /* axis of the product (zipped keys share one) */
  size_t n_values;
  char values[HD_SWEEP_MAX_VALUES][HD_STR_MAX];
};

struct hd_sweep {
  size_t n_keys;
  struct hd_sweep_key keys[HD_SWEEP_MAX_KEYS];
  size_t n_axes;
  size_t axis_values[HD_SWEEP_MAX_KEYS]; /* values along each axis */
  size_t n_points;                       /* product over the axes; 1 if no keys */
};

/* The [sweep] section's documentation rows (`hdsim describe`); never bound. */
extern const struct hd_param hd_sweep_param_table[];
extern const size_t hd_sweep_param_count;

/* Reads the [sweep] entries (marking them used) and checks every key and value against
 * the tables; errors name file, line, [sweep] and the key, with "did you mean" for a
 * mistyped key or section. */
void hd_sweep_parse(struct hd_config *cfg, const struct hd_problem *pb, struct hd_sweep *sw,
                    struct hd_errors *err);

/* Index of key k's value at point p (first axis slowest). */
size_t hd_sweep_value_index(const struct hd_sweep *sw, size_t point, size_t k);

/* Writes point p's values into the engine and problem parameter structs. */
void hd_sweep_apply(const struct hd_sweep *sw, size_t point, void *run_params,
                    void *problem_params);

#endif
