/* config.h — model files: read an INI file (libinih) with real line numbers, then bind
 * parameter tables to it.
 *
 * libinih pitfalls handled here (see shared notes §8): lines longer than the packaged
 * INI_MAX_LINE are rejected (inih would silently split them into phantom lines);
 * continuation lines and repeated keys are "duplicate key" errors; inline comments need
 * ';' or '#' after whitespace and are stripped here, so "lr = 0.5 # note" is 0.5;
 * parsing collects every error instead of stopping at the first.
 *
 * Usage:
 *   struct hd_config *cfg = hd_config_load(path, &err);     // syntax only
 *   hd_config_bind(cfg, engine_table, n, &run, &err);        // typed values + defaults
 *   hd_config_bind(cfg, problem_table, m, problem_params, &err);
 *   hd_config_check_unused(cfg, &err);                       // unknown keys, "did you mean"
 *   ...
 *   hd_config_free(cfg);
 */
#ifndef HDSIM_CONFIG_H
#define HDSIM_CONFIG_H

#include "errors.h"
#include "params.h"

#define HD_MAX_LINE 199 /* longest accepted model-file line, newline excluded */

struct hd_config_entry {
  char *section;
  char *key;
  char *value; /* inline comment and surrounding blanks stripped */
  int line;
  bool used; /* set when a bound table consumes it */
};

struct hd_config {
  char *path; /* as given */
  char *dir;  /* directory of the file, for relative input paths */
  char *text; /* whole file text, stored verbatim in the HDF5 root */
  struct hd_config_entry *entries;
  size_t n_entries;
  char **sections; /* every [section] seen, with the line it opened on */
  int *section_lines;
  size_t n_sections;
  /* tables bound so far (for unknown-key suggestions and line look-ups) */
  const struct hd_param *tables[8];
  size_t table_sizes[8];
  size_t n_tables;
};

/* The name standard input goes by in messages when the model path is "-"; its relative
 * input files resolve against the current directory. */
#define HD_STDIN_NAME "<stdin>"

/* Reads and tokenises the file ("-": standard input).  Returns NULL (with messages in err) if the file cannot
 * be read; returns a config with messages in err on syntax errors (long lines, keys
 * outside a section, duplicate keys, continuation lines).  The caller checks
 * err->count. */
struct hd_config *hd_config_load(const char *path, struct hd_errors *err);

/* Same from a string (tests, fuzzing); `name` is used as the file name in messages. */
struct hd_config *hd_config_load_string(const char *name, const char *text, struct hd_errors *err);

void hd_config_free(struct hd_config *cfg);

/* Fills dst from the table: every row gets its model-file value or its default; a
 * missing required key, an unparsable or out-of-range value is an error naming file,
 * line, section and key.  Marks entries used.  Returns the number of errors added. */
size_t hd_config_bind(struct hd_config *cfg, const struct hd_param *table, size_t n, void *dst,
                      struct hd_errors *err);

/* Reports every entry no bound table consumed: unknown keys (with "did you mean
 * [section] key?" from edit distance over all bound tables) and unknown sections. */
size_t hd_config_check_unused(const struct hd_config *cfg, struct hd_errors *err);

/* How close a typed name is to a candidate: 0 for the same word up to case, a small
 * edit distance for a near miss, >= 1000 when one is a '_'-token of the other, -1 when
 * not similar enough to suggest.  Shared by every "did you mean" hint. */
long hd_similarity(const char *typed, const char *candidate);

/* Line of a key (0 if absent) — for cross-field errors raised after binding. */
int hd_config_line(const struct hd_config *cfg, const char *section, const char *key);

/* The value written for a key (inline comment stripped), or NULL. */
const char *hd_config_value(const struct hd_config *cfg, const char *section, const char *key);

/* Adds an entry the file did not write, derived from another key (d from the spectrum
 * file's length): bound like a written one, `line` the line it derives from.  The model
 * text stored in the output stays as written; the resolved value is stored with the
 * parameters. */
void hd_config_add_derived(struct hd_config *cfg, const char *section, const char *key,
                           const char *value, int line);

/* True if the key was written in the file (not defaulted). */
bool hd_config_has(const struct hd_config *cfg, const char *section, const char *key);

/* Cross-field validation error: "file:line: [section] key: msg" with the key's line,
 * or the section's line if the key is absent. */
void hd_config_error(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                     const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Resolves an input path relative to the model file's directory (absolute paths
 * unchanged).  Returns 0, or -1 if it does not fit. */
int hd_config_resolve_path(const struct hd_config *cfg, const char *path, char *out, size_t len);

#endif
