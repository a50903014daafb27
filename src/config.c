/* config.c — model files: libinih with real line numbers, then typed binding.
 *
 * Debian's libinih is built with INI_HANDLER_LINENO=0 and a 200-byte line buffer, so
 * on its own it can neither tell the handler which line a key is on nor cope with a
 * long line (it splits it into phantom lines).  We therefore hand inih our own reader:
 * it walks the file text held in memory, counts real lines, and gives inih only lines
 * that fit.  Because inih calls the handler for a line before asking for the next one,
 * the reader's line counter is the handler's line number.
 *
 * The reader also classifies each line (blank/comment, [section], key line) exactly as
 * inih will, which lets us (a) keep our own authoritative section name (inih truncates
 * them at 49 characters and does not call the handler on a header), (b) recognise
 * inih's continuation lines, and (c) notice lines inih rejected without calling the
 * handler — inih only returns the first such line, we report all of them. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE_BYTES (16u << 20) /* a model file is a few kB; refuse anything absurd */
#define MAX_TABLES     (sizeof(((struct hd_config *)0)->tables) / sizeof(const struct hd_param *))

/* ---------------------------------------------------------------- memory helpers */

/* Model-file bookkeeping is a few hundred bytes; if even that cannot be allocated there
 * is no sensible recovery, so abort rather than thread NULL checks everywhere. */
static void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q) abort();
  return q;
}

static char *xstrndup(const char *s, size_t n)
{
  char *d = xrealloc(NULL, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

/* ---------------------------------------------------------------- look-ups */

static struct hd_config_entry *find_entry(const struct hd_config *cfg, const char *section,
                                          const char *key)
{
  for (size_t i = 0; i < cfg->n_entries; i++) {
    struct hd_config_entry *e = &cfg->entries[i];
    if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0) return e;
  }
  return NULL;
}

static int section_index(const struct hd_config *cfg, const char *section)
{
  for (size_t i = 0; i < cfg->n_sections; i++)
    if (strcmp(cfg->sections[i], section) == 0) return (int)i;
  return -1;
}

/* Line of the first [section] header, 0 if the section never appears. */
static int section_line(const struct hd_config *cfg, const char *section)
{
  int i = section_index(cfg, section);
  return i < 0 ? 0 : cfg->section_lines[i];
}

static void add_entry(struct hd_config *cfg, const char *section, const char *key,
                      const char *value, int line)
{
  cfg->entries = xrealloc(cfg->entries, (cfg->n_entries + 1) * sizeof *cfg->entries);
  struct hd_config_entry *e = &cfg->entries[cfg->n_entries++];
  e->section = xstrdup(section);
  e->key = xstrdup(key);
  e->value = xstrdup(value);
  e->line = line;
  e->used = false;
}

/* Records a section on first sight and returns its stored (stable) name. */
static const char *add_section(struct hd_config *cfg, const char *name, int line)
{
  int i = section_index(cfg, name);
  if (i >= 0) return cfg->sections[i];
  size_t n = cfg->n_sections + 1;
  cfg->sections = xrealloc(cfg->sections, n * sizeof *cfg->sections);
  cfg->section_lines = xrealloc(cfg->section_lines, n * sizeof *cfg->section_lines);
  cfg->sections[n - 1] = xstrdup(name);
  cfg->section_lines[n - 1] = line;
  cfg->n_sections = n;
  return cfg->sections[n - 1];
}

/* ---------------------------------------------------------------- the loader */

struct loader {
  struct hd_config *cfg;
  struct hd_errors *err;
  const char *pos;     /* next unread character of cfg->text */
  int line;            /* real number of the line last handed to inih */
  const char *section; /* current section (stored in cfg), NULL before any header */
  bool skip_keys;      /* after a malformed header: drop keys, its error says enough */
  bool expect_handler; /* current line is a key or continuation line ... */
  bool handled;        /* ... and inih did call the handler for it */
  bool continuation;   /* inih will treat the current line as a continuation */
  bool have_prev;      /* mirrors inih's prev_name being non-empty */
  char *prev_key;      /* full name of the last key line (inih's copy is truncated) */
};

static bool is_comment_start(char c) { return c == ';' || c == '#'; }

static const char *lskip(const char *s)
{
  while (*s && isspace((unsigned char)*s)) s++;
  return s;
}

/* Trims trailing blanks in place. */
static void rstrip(char *s)
{
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
}

/* Cuts an inline comment: ';' or '#' at the start or after a blank.  inih strips only
 * ';' comments, so "lr = 0.5 # note" arrives as "0.5 # note". */
static void strip_inline_comment(char *v)
{
  for (size_t i = 0; v[i]; i++) {
    if (is_comment_start(v[i]) && (i == 0 || isspace((unsigned char)v[i - 1]))) {
      v[i] = '\0';
      break;
    }
  }
  rstrip(v);
}

/* Called before each new line and at the end: a key line for which inih did not call
 * the handler was rejected by inih (no '=' or ':'). */
static void finish_line(struct loader *st)
{
  if (st->expect_handler && !st->handled && !st->skip_keys)
    hd_errors_add(st->err, st->cfg->path, st->line, NULL, NULL,
                  "expected 'key = value', a [section] header or a comment");
  st->expect_handler = false;
}

/* A header line (already left-trimmed, starts with '[').  Rewrites `line` to what inih
 * should see: the normalised "[name]" if valid, "" otherwise (so inih's state, like
 * ours, stays as it was). */
static void section_header(struct loader *st, char *line)
{
  const char *name = line + 1, *p = name;
  /* The name ends at ']'; a ';' or '#' after a blank starts a comment first. */
  while (*p && *p != ']' && !(is_comment_start(*p) && p > name && isspace((unsigned char)p[-1])))
    p++;
  if (*p != ']') {
    hd_errors_add(st->err, st->cfg->path, st->line, NULL, NULL, "missing ']' in section header");
    st->skip_keys = true;
    line[0] = '\0';
    return;
  }
  const char *rest = lskip(p + 1);
  if (*rest && !is_comment_start(*rest))
    hd_errors_add(st->err, st->cfg->path, st->line, NULL, NULL,
                  "unexpected text after ']' in section header");
  name = lskip(name);
  size_t n = (size_t)(p - name);
  while (n > 0 && isspace((unsigned char)name[n - 1])) n--;
  if (n == 0) {
    hd_errors_add(st->err, st->cfg->path, st->line, NULL, NULL, "empty section name");
    st->skip_keys = true;
    line[0] = '\0';
    return;
  }
  char *clean = xstrndup(name, n);
  st->section = add_section(st->cfg, clean, st->line);
  free(clean);
  st->skip_keys = false;
  st->have_prev = false; /* inih forgets prev_name at a header */
  /* "[" name "]" fits: it is no longer than the original line. */
  memmove(line + 1, st->section, n);
  line[n + 1] = ']';
  line[n + 2] = '\0';
}

/* An over-long line is reported at its real number and replaced by an empty line for
 * inih.  If it is a key line we still record the key, with an empty value, so binding
 * neither reports it "required key missing" nor silently uses the default. */
static void long_line(struct loader *st, const char *text, size_t len)
{
  hd_errors_add(st->err, st->cfg->path, st->line, NULL, NULL,
                "line longer than %d characters (%zu)", HD_MAX_LINE, len);
  const char *s = text;
  while (s < text + len && isspace((unsigned char)*s)) s++;
  bool indented = s > text;
  if (s == text + len || is_comment_start(*s) || *s == '[') return;
  if (st->skip_keys || !st->section || (indented && st->have_prev)) return;
  const char *sep = s;
  while (sep < text + len && *sep != '=' && *sep != ':') sep++;
  if (sep == text + len) return;
  size_t klen = (size_t)(sep - s);
  while (klen > 0 && isspace((unsigned char)s[klen - 1])) klen--;
  if (klen == 0) return;
  char *key = xstrndup(s, klen);
  if (!find_entry(st->cfg, st->section, key)) add_entry(st->cfg, st->section, key, "", st->line);
  free(key);
}

/* Decides what inih will make of a line that fits.  May rewrite a header line. */
static void classify(struct loader *st, char *line)
{
  const char *s = lskip(line);
  st->handled = false;
  st->continuation = false;
  if (*s == '\0' || is_comment_start(*s)) return; /* blank or comment */
  if (*s == '[') {
    /* Left-trim headers so inih never mistakes an indented one for a continuation. */
    memmove(line, s, strlen(s) + 1);
    section_header(st, line);
    return;
  }
  st->expect_handler = true;
  st->continuation = (s > line) && st->have_prev;
}

/* fgets-like reader over cfg->text for ini_parse_stream. */
static char *read_line(char *str, int num, void *stream)
{
  struct loader *st = stream;
  finish_line(st);
  if (*st->pos == '\0') return NULL;

  const char *start = st->pos, *nl = strchr(start, '\n');
  size_t len = nl ? (size_t)(nl - start) : strlen(start);
  st->pos = nl ? nl + 1 : start + len;
  st->line++;
  if (len > 0 && start[len - 1] == '\r') len--; /* CRLF files */
  if (st->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
    start += 3; /* UTF-8 byte-order mark */
    len -= 3;
  }

  str[0] = '\0';
  size_t room = num > 1 ? (size_t)num - 1 : 0;
  if (len > HD_MAX_LINE || len > room) {
    long_line(st, start, len);
    return str;
  }
  memcpy(str, start, len);
  str[len] = '\0';
  classify(st, str);
  return str;
}

/* inih's handler.  `section` is ignored: ours is authoritative and untruncated. */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
  (void)section;
  struct loader *st = user;
  const char *path = st->cfg->path;
  st->handled = true;
  if (!st->continuation) {
    free(st->prev_key);
    st->prev_key = xstrdup(name);
    st->have_prev = name[0] != '\0';
  }
  const char *key = st->continuation && st->prev_key ? st->prev_key : name;
  if (st->skip_keys) return 1;
  if (!st->section) {
    hd_errors_add(st->err, path, st->line, NULL, key[0] ? key : NULL,
                  "key outside any section (put it under a [section] header)");
    return 1;
  }
  if (key[0] == '\0') {
    hd_errors_add(st->err, path, st->line, st->section, NULL, "missing key name before '='");
    return 1;
  }
  const struct hd_config_entry *first = find_entry(st->cfg, st->section, key);
  if (first) {
    if (st->continuation)
      hd_errors_add(st->err, path, st->line, st->section, key,
                    "duplicate key (first set at line %d): an indented line continues the "
                    "previous value, and multi-line values are not supported",
                    first->line);
    else
      hd_errors_add(st->err, path, st->line, st->section, key,
                    "duplicate key (first set at line %d)", first->line);
    return 1;
  }
  char *v = xstrdup(value);
  strip_inline_comment(v);
  /* An empty value is stored anyway (see hd_config_bind) so the key is not also
   * reported missing or silently defaulted. */
  if (v[0] == '\0') hd_errors_add(st->err, path, st->line, st->section, key, "empty value");
  add_entry(st->cfg, st->section, key, v, st->line);
  free(v);
  return 1;
}

static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  if (slash == path) return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

/* Builds a config around `text` (ownership taken) and tokenises it. */
static struct hd_config *parse_text(const char *name, char *text, struct hd_errors *err)
{
  struct hd_config *cfg = xrealloc(NULL, sizeof *cfg);
  memset(cfg, 0, sizeof *cfg);
  cfg->path = xstrdup(name);
  cfg->dir = dir_of(name);
  cfg->text = text;

  struct loader st = {.cfg = cfg, .err = err, .pos = text};
  int rc = ini_parse_stream(read_line, &st, on_pair, &st);
  finish_line(&st);
  if (rc == -2) hd_errors_add(err, name, 0, NULL, NULL, "out of memory while parsing");
  free(st.prev_key);
  return cfg;
}

struct hd_config *hd_config_load_string(const char *name, const char *text, struct hd_errors *err)
{
  return parse_text(name, xstrdup(text ? text : ""), err);
}

/* Standard input can be read once, but a sweep and a ladder load the model once per
 * point: the first load keeps the text for the later ones. */
static char *stdin_text;

static void free_stdin_text(void) { free(stdin_text); }

struct hd_config *hd_config_load(const char *path, struct hd_errors *err)
{
  bool from_stdin = strcmp(path, "-") == 0;
  if (from_stdin && stdin_text) return parse_text(HD_STDIN_NAME, xstrdup(stdin_text), err);
  FILE *f = from_stdin ? stdin : fopen(path, "rb");
  if (from_stdin) path = HD_STDIN_NAME;
  if (!f) {
    hd_errors_add(err, path, 0, NULL, NULL, "cannot open model file: %s", strerror(errno));
    return NULL;
  }
  size_t len = 0, cap = 4096;
  char *buf = xrealloc(NULL, cap);
  for (;;) {
    if (len + 1 == cap) cap *= 2;
    buf = xrealloc(buf, cap);
    size_t got = fread(buf + len, 1, cap - 1 - len, f);
    len += got;
    if (got == 0 || len > MAX_FILE_BYTES) break;
  }
  int read_errno = ferror(f) ? errno : 0;
  bool failed = ferror(f) != 0;
  if (!from_stdin) fclose(f);
  if (failed) {
    hd_errors_add(err, path, 0, NULL, NULL, "cannot read model file: %s",
                  strerror(read_errno ? read_errno : EIO));
    free(buf);
    return NULL;
  }
  if (len > MAX_FILE_BYTES) {
    hd_errors_add(err, path, 0, NULL, NULL, "model file larger than %u MiB", MAX_FILE_BYTES >> 20);
    free(buf);
    return NULL;
  }
  buf[len] = '\0';
  if (strlen(buf) != len) /* parsing stops at the NUL; say so rather than guess */
    hd_errors_add(err, path, 0, NULL, NULL, "model file contains a NUL byte");
  if (from_stdin) {
    stdin_text = xstrdup(buf);
    atexit(free_stdin_text);
  }
  return parse_text(path, buf, err);
}

void hd_config_free(struct hd_config *cfg)
{
  if (!cfg) return;
  for (size_t i = 0; i < cfg->n_entries; i++) {
    free(cfg->entries[i].section);
    free(cfg->entries[i].key);
    free(cfg->entries[i].value);
  }
  free(cfg->entries);
  for (size_t i = 0; i < cfg->n_sections; i++) free(cfg->sections[i]);
  free(cfg->sections);
  free(cfg->section_lines);
  free(cfg->path);
  free(cfg->dir);
  free(cfg->text);
  free(cfg);
}

/* ---------------------------------------------------------------- binding */

static void register_table(struct hd_config *cfg, const struct hd_param *table, size_t n,
                           struct hd_errors *err)
{
  for (size_t t = 0; t < cfg->n_tables; t++)
    if (cfg->tables[t] == table) return;
  if (cfg->n_tables == MAX_TABLES) {
    hd_errors_add(err, cfg->path, 0, NULL, NULL,
                  "internal error: more than %zu parameter tables bound", MAX_TABLES);
    return;
  }
  cfg->tables[cfg->n_tables] = table;
  cfg->table_sizes[cfg->n_tables] = n;
  cfg->n_tables++;
}

size_t hd_config_bind(struct hd_config *cfg, const struct hd_param *table, size_t n, void *dst,
                      struct hd_errors *err)
{
  size_t before = err->count;
  char msg[640];
  register_table(cfg, table, n, err);
  for (size_t i = 0; i < n; i++) {
    const struct hd_param *r = &table[i];
    struct hd_config_entry *e = find_entry(cfg, r->section, r->key);
    if (e) e->used = true;
    /* The default goes in first so dst is defined even if the file's value is bad. */
    if (r->def && hd_param_parse(r, r->def, dst, msg, sizeof msg) < 0)
      hd_errors_add(err, cfg->path, 0, r->section, r->key,
                    "internal error: invalid default \"%s\": %s", r->def, msg);
    if (e && e->value[0] != '\0') {
      if (hd_param_parse(r, e->value, dst, msg, sizeof msg) < 0)
        hd_errors_add(err, cfg->path, e->line, r->section, r->key, "%s", msg);
    } else if (!e && !r->def) {
      hd_errors_add(err, cfg->path, section_line(cfg, r->section), r->section, r->key,
                    "required key missing");
    }
    /* e with an empty value: the loader already reported it. */
  }
  return err->count - before;
}

/* ---------------------------------------------------------------- unknown keys */

/* Levenshtein distance (two rows); keys are short, longer strings are "far". */
static size_t edit_distance(const char *a, const char *b)
{
  enum { MAXLEN = 64 };
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAXLEN || lb > MAXLEN) return (size_t)-1;
  size_t prev[MAXLEN + 1], cur[MAXLEN + 1];
  for (size_t j = 0; j <= lb; j++) prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, cur, (lb + 1) * sizeof *prev);
  }
  return prev[lb];
}

/* True if `word` is one of the '_'-separated tokens of `s` ("lr" in "lr_rate"). */
static bool has_token(const char *s, const char *word)
{
  size_t wl = strlen(word);
  if (wl < 2) return false;
  for (const char *p = s; (p = strstr(p, word)) != NULL; p++) {
    bool left = p == s || p[-1] == '_';
    bool right = p[wl] == '\0' || p[wl] == '_';
    if (left && right) return true;
  }
  return false;
}

/* Similarity score of a typed name against a candidate; -1 when not similar enough.
 * Close means: same up to case, or an edit distance of at most 2 (or a third of the
 * typed length) that does not rewrite the whole shorter word, or one is a whole
 * '_'-token of the other. */
long hd_similarity(const char *typed, const char *cand)
{
  if (strcasecmp(typed, cand) == 0) return 0;
  size_t d = edit_distance(typed, cand);
  size_t lt = strlen(typed), lc = strlen(cand), shorter = lt < lc ? lt : lc;
  size_t limit = lt / 3 > 2 ? lt / 3 : 2;
  if (d != (size_t)-1 && d <= limit && d < shorter) return (long)d;
  if (has_token(typed, cand) || has_token(cand, typed)) /* ranked after every near miss */
    return 1000 + (d > 999 ? 999 : (long)d);
  return -1;
}

/* A section is known if a bound table has keys in it, or if a free-form reader (the
 * [sweep] section) consumed its entries. */
static bool section_known(const struct hd_config *cfg, const char *section)
{
  for (size_t t = 0; t < cfg->n_tables; t++)
    for (size_t i = 0; i < cfg->table_sizes[t]; i++)
      if (strcmp(cfg->tables[t][i].section, section) == 0) return true;
  for (size_t k = 0; k < cfg->n_entries; k++)
    if (cfg->entries[k].used && strcmp(cfg->entries[k].section, section) == 0) return true;
  return false;
}

/* "; did you mean 'lr'?" / "; did you mean '[optimizer] lr'?" or "". */
static void suggest_key(const struct hd_config *cfg, const char *section, const char *key,
                        char *out, size_t len)
{
  const struct hd_param *best_same = NULL, *best_other = NULL, *exact_other = NULL;
  long score_same = -1, score_other = -1;
  for (size_t t = 0; t < cfg->n_tables; t++) {
    for (size_t i = 0; i < cfg->table_sizes[t]; i++) {
      const struct hd_param *r = &cfg->tables[t][i];
      bool same = strcmp(r->section, section) == 0;
      if (!same && strcmp(r->key, key) == 0) {
        if (!exact_other) exact_other = r;
        continue;
      }
      long s = hd_similarity(key, r->key);
      if (s < 0) continue;
      if (same && (score_same < 0 || s < score_same)) best_same = r, score_same = s;
      if (!same && (score_other < 0 || s < score_other)) best_other = r, score_other = s;
    }
  }
  /* The same key under another section is the likeliest slip; then a near miss here. */
  if (exact_other)
    snprintf(out, len, "; did you mean '[%s] %s'?", exact_other->section, exact_other->key);
  else if (best_same) snprintf(out, len, "; did you mean '%s'?", best_same->key);
  else if (best_other)
    snprintf(out, len, "; did you mean '[%s] %s'?", best_other->section, best_other->key);
  else out[0] = '\0';
}

static void suggest_section(const struct hd_config *cfg, const char *section, char *out, size_t len)
{
  const char *best = NULL;
  long best_score = -1;
  for (size_t t = 0; t < cfg->n_tables; t++)
    for (size_t i = 0; i < cfg->table_sizes[t]; i++) {
      const char *cand = cfg->tables[t][i].section;
      long s = hd_similarity(section, cand);
      if (s >= 0 && (best_score < 0 || s < best_score)) best = cand, best_score = s;
    }
  if (best) snprintf(out, len, "; did you mean [%s]?", best);
  else out[0] = '\0';
}

size_t hd_config_check_unused(const struct hd_config *cfg, struct hd_errors *err)
{
  size_t before = err->count;
  char hint[256];
  /* Sections and entries are both stored in file order: merge them so the messages
   * come out sorted by line. */
  size_t s = 0, k = 0;
  while (s < cfg->n_sections || k < cfg->n_entries) {
    bool take_section = s < cfg->n_sections &&
                        (k == cfg->n_entries || cfg->section_lines[s] <= cfg->entries[k].line);
    if (take_section) {
      const char *name = cfg->sections[s];
      if (!section_known(cfg, name)) {
        suggest_section(cfg, name, hint, sizeof hint);
        hd_errors_add(err, cfg->path, cfg->section_lines[s], NULL, NULL, "unknown section [%s]%s",
                      name, hint);
      }
      s++;
      continue;
    }
    const struct hd_config_entry *e = &cfg->entries[k++];
    /* Keys of an unknown section are covered by the one section message. */
    if (e->used || !section_known(cfg, e->section)) continue;
    suggest_key(cfg, e->section, e->key, hint, sizeof hint);
    hd_errors_add(err, cfg->path, e->line, e->section, e->key, "unknown key%s", hint);
  }
  return err->count - before;
}

/* ---------------------------------------------------------------- queries */

void hd_config_add_derived(struct hd_config *cfg, const char *section, const char *key,
                           const char *value, int line)
{
  add_entry(cfg, section, key, value, line);
}

const char *hd_config_value(const struct hd_config *cfg, const char *section, const char *key)
{
  const struct hd_config_entry *e = find_entry(cfg, section, key);
  return e ? e->value : NULL;
}

int hd_config_line(const struct hd_config *cfg, const char *section, const char *key)
{
  const struct hd_config_entry *e = find_entry(cfg, section, key);
  return e ? e->line : 0;
}

bool hd_config_has(const struct hd_config *cfg, const char *section, const char *key)
{
  return find_entry(cfg, section, key) != NULL;
}

void hd_config_error(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                     const char *key, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line = (section && key) ? hd_config_line(cfg, section, key) : 0;
  if (line == 0 && section) line = section_line(cfg, section);
  hd_errors_add(err, cfg->path, line, section, key, "%s", msg);
}

int hd_config_resolve_path(const struct hd_config *cfg, const char *path, char *out, size_t len)
{
  int n;
  if (path[0] == '/' || path[0] == '\0' || strcmp(cfg->dir, ".") == 0) {
    n = snprintf(out, len, "%s", path);
  } else {
    size_t dl = strlen(cfg->dir);
    const char *sep = (dl > 0 && cfg->dir[dl - 1] == '/') ? "" : "/";
    n = snprintf(out, len, "%s%s%s", cfg->dir, sep, path);
  }
  return (n < 0 || (size_t)n >= len) ? -1 : 0;
}
