/* params.h — the parameter table: one row per model-file key.
 *
 * A row is the single source of truth for a key: the parser reads and range-checks
 * it, `hdsim describe` prints it, and the HDF5 writer stores the resolved value as a
 * typed attribute.  Values land in a plain C struct at `offset` (offsetof), so theory
 * and simulation read typed fields and nothing re-parses text. */
#ifndef HDSIM_PARAMS_H
#define HDSIM_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HD_STR_MAX 256

enum hd_type {
  HD_INT,    /* stored as long */
  HD_REAL,   /* stored as double; must be finite */
  HD_BOOL,   /* stored as bool; text true/false only */
  HD_ENUM,   /* stored as int: index into choices */
  HD_STRING, /* stored as char[HD_STR_MAX] */
  HD_PATH, /* stored as char[HD_STR_MAX]; a file path, relative to the model file's directory for inputs */
  HD_GRID, /* stored as struct hd_grid: auto | log(a, b, n) | linear(a, b, n) | t1, t2, ... */
  HD_REAL_LIST, /* stored as struct hd_real_list: "1.1, 1.5"; each value finite, in range */
  HD_INT_LIST,  /* stored as struct hd_int_list: "1, 2, 4"; each value in range */
  HD_PATH_LIST, /* stored as struct hd_path_list: "a.txt, b.h5" (paths hold no comma) */
  HD_ARRAY      /* stored as char[HD_STR_MAX]: "" (none), x.npy, x.h5:/dataset or x.txt, a
                   vector or matrix read by src/array_input.h; the syntax is checked here */
};

/* List values: comma separated, blanks around each value ignored, "" the empty list.
 * A fixed capacity keeps the parameter structs plain (copyable, no ownership): more
 * than HD_LIST_MAX values is refused with a message.  HD_LIST_MAX covers one value per
 * class of the largest mixture (64 classes).  min / max / flags of a list row bound
 * every element; how many elements a key needs (one per class, ...) is the family's
 * cross-field check. */
#define HD_LIST_MAX 64

struct hd_real_list {
  size_t n;
  double v[HD_LIST_MAX];
};

struct hd_int_list {
  size_t n;
  long v[HD_LIST_MAX];
};

struct hd_path_list {
  size_t n;
  char v[HD_LIST_MAX][HD_STR_MAX];
};

enum hd_grid_kind { HD_GRID_AUTO, HD_GRID_LOG, HD_GRID_LINEAR, HD_GRID_LIST };

/* At most this many times in an explicit list (a model-file line holds a few dozen;
 * the list is formatted whole into /parameters and the provenance digest). */
#define HD_GRID_LIST_MAX 64

/* At most this many output times in a grid: every run keeps runs x times x observables
 * values, and a grid is built point by point. */
#define HD_GRID_MAX_POINTS 10000000L

struct hd_grid {
  enum hd_grid_kind kind;
  double a, b; /* first and last time (log: 0 < a < b; linear: 0 <= a < b; list: its ends) */
  long n;      /* number of points, >= 2 (list: >= 1) */
  double list[HD_GRID_LIST_MAX]; /* list: the times, finite, >= 0, strictly increasing */
};

/* Room for any value hd_param_format writes (the longest: a full list of reals). */
#define HD_FORMAT_MAX 4096

/* Range flags */
#define HD_MIN_EXCL 1u /* value must be > min instead of >= */
#define HD_MAX_EXCL 2u /* value must be < max instead of <= */
#define HD_NO_MAX   4u /* no upper bound */
#define HD_NO_MIN   8u /* no lower bound */
/* Marks the problem's finite-size parameter (d, or the width N): the one `hdsim validate`
 * varies along its ladder and /compare scales errors by (sqrt of).  One row per problem. */
#define HD_FINITE_SIZE 16u
/* HD_REAL only: the word "auto" is accepted besides a number, stored as NaN, written back
 * (model text, /parameters, provenance) as "auto"; the key's reader decides what it
 * means (e.g. [theory] atol: tolerances scaled by the solution). */
#define HD_AUTO 32u

struct hd_param {
  const char *section; /* "data", "optimizer", ... */
  const char *key;
  enum hd_type type;
  size_t offset;              /* offsetof(struct ..., field) */
  const char *def;            /* default as model-file text; NULL: the key is required */
  double min, max;            /* range for HD_INT / HD_REAL */
  unsigned flags;             /* HD_MIN_EXCL | HD_MAX_EXCL | HD_NO_MAX | HD_NO_MIN */
  const char *const *choices; /* HD_ENUM: NULL-terminated list of accepted words */
  const char *unit;           /* "" when dimensionless */
  const char *doc;            /* one line: what it means */
  const char *spec;           /* spec equation label(s), e.g. "LS-1", or NULL */
};

/* Parses `text` per `row` into dst + row->offset.  On failure returns -1 and writes a
 * message (without file/line/key prefix) into msg. */
int hd_param_parse(const struct hd_param *row, const char *text, void *dst, char *msg,
                   size_t msglen);

/* Writes the value at src + row->offset as model-file text (round-trips through
 * hd_param_parse; reals with %.17g). */
void hd_param_format(const struct hd_param *row, const void *src, char *buf, size_t len);

/* "int", "real", "bool", "enum", "string", "path", "grid", "real list", "int list",
 * "path list", "array" */
const char *hd_type_name(enum hd_type t);

/* Human-readable range / choices of a row, e.g. "[0, inf)", "(0, 2)",
 * "isotropic | zero_one | power_law | file"; a list row's range is its elements'
 * followed by the capacity, e.g. "[1, inf) each, at most 64 values". */
void hd_param_range(const struct hd_param *row, char *buf, size_t len);

/* Prints the table grouped by section: key, type, default (or "required"), range,
 * unit, doc, spec label.  Used by `hdsim describe`. */
void hd_params_describe(const struct hd_param *rows, size_t n, FILE *out);

#endif
