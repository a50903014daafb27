/* params.c — strict parsing, formatting and documentation of parameter-table rows.
 *
 * Parsing is deliberately unforgiving: a number must be consumed entirely (trailing
 * blanks aside), reals must be finite, booleans are exactly true/false and enumerations
 * match a listed word exactly.  A silently misread model file is far more expensive
 * than an error message. */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_input.h"

/* ---------------------------------------------------------------- small helpers */

static const char *skip_blanks(const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
  return s;
}

static bool only_blanks(const char *s) { return *skip_blanks(s) == '\0'; }

/* Shortest %.Ng (N = 15..17) that reads back as the same double, so ranges print as
 * "0.1" rather than "0.10000000000000001" yet never lie about a bound. */
static void fmt_real_short(double x, char *buf, size_t len)
{
  if (isinf(x)) {
    snprintf(buf, len, "%s", x > 0 ? "inf" : "-inf");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) return;
  }
}

/* Bounds of an HD_INT row are integers stored as doubles: print them without an
 * exponent while that is exact. */
static void fmt_bound(const struct hd_param *row, double x, char *buf, size_t len)
{
  if ((row->type == HD_INT || row->type == HD_INT_LIST) && x == floor(x) && fabs(x) < 1e19)
    snprintf(buf, len, "%.0f", x);
  else fmt_real_short(x, buf, len);
}

/* Reads one finite double at *s (leading blanks allowed); advances *s past it.
 * Returns 0, or -1 with *why set to a reason. */
static int read_real(const char **s, double *x, const char **why)
{
  char *end;
  errno = 0;
  double v = strtod(*s, &end);
  if (end == *s) {
    *why = "not a number";
    return -1;
  }
  if (!isfinite(v)) {
    *why = "not finite";
    return -1;
  }
  if (errno == ERANGE && v == 0.0) {
    *why = "underflows to zero";
    return -1;
  }
  *x = v;
  *s = end;
  return 0;
}

/* Reads one whole number at *s (leading blanks allowed); advances *s past it.  Besides
 * plain integers, any exactly integral number is one: 1e3, 2.5e1, and powers 2^10 of
 * whole numbers (so `d = 1e6` means what it says). */
static int read_long(const char **s, long *x, const char **why)
{
  char *end;
  errno = 0;
  long v = strtol(*s, &end, 10);
  if (end == *s && **s != '.') {
    *why = "not an integer";
    return -1;
  }
  if (*end == '.' || *end == 'e' || *end == 'E') { /* 1e3, 1000.0 */
    errno = 0;
    double r = strtod(*s, &end);
    if (end == *s || !isfinite(r) || r != floor(r)) {
      *why = "not an integer";
      return -1;
    }
    if (errno == ERANGE || fabs(r) >= 9.2e18) {
      *why = "does not fit in a 64-bit integer";
      return -1;
    }
    v = (long)r;
  } else if (errno == ERANGE) {
    *why = "does not fit in a 64-bit integer";
    return -1;
  }
  if (*end == '^') { /* 2^10: a whole base to a whole exponent >= 0, exactly */
    char *e_end;
    errno = 0;
    long e = strtol(end + 1, &e_end, 10);
    if (e_end == end + 1 || e < 0 || end[1] == '+' || end[1] == '-' || end[1] == ' ') {
      *why = "not an integer";
      return -1;
    }
    if (v == LONG_MIN && e > 1) {
      *why = "does not fit in a 64-bit integer";
      return -1;
    }
    long p = e == 1 ? v : 1;
    for (long k = 0; k < e && e != 1; k++) {
      if (v != 0 && labs(p) > 9200000000000000000L / labs(v)) {
        *why = "does not fit in a 64-bit integer";
        return -1;
      }
      p *= v;
    }
    v = p;
    end = e_end;
  }
  *x = v;
  *s = end;
  return 0;
}

static void element_range(const struct hd_param *row, char *buf, size_t len);

static int out_of_range(const struct hd_param *row, const char *text, char *msg, size_t msglen)
{
  char range[128];
  element_range(row, range, sizeof range);
  snprintf(msg, msglen, "value %s out of range %s", text, range);
  return -1;
}

/* Range check shared by HD_INT and HD_REAL (and their lists' elements); `text` is echoed in the message. */
static int check_range(const struct hd_param *row, double v, const char *text, char *msg,
                       size_t msglen)
{
  bool low_ok = (row->flags & HD_NO_MIN) ||
                ((row->flags & HD_MIN_EXCL) ? v > row->min : v >= row->min);
  bool high_ok = (row->flags & HD_NO_MAX) ||
                 ((row->flags & HD_MAX_EXCL) ? v < row->max : v <= row->max);
  if (low_ok && high_ok) return 0;
  return out_of_range(row, text, msg, msglen);
}

/* ---------------------------------------------------------------- per-type parsers */

static int parse_int(const struct hd_param *row, const char *text, long *out, char *msg,
                     size_t msglen)
{
  const char *s = text, *why;
  long v;
  if (read_long(&s, &v, &why) < 0) {
    if (strcmp(why, "not an integer") == 0)
      snprintf(msg, msglen, "expected an integer, got \"%s\"", text);
    else snprintf(msg, msglen, "integer \"%s\" %s", text, why);
    return -1;
  }
  if (!only_blanks(s)) {
    snprintf(msg, msglen, "expected an integer, got \"%s\"", text);
    return -1;
  }
  /* compared as integers: through a double, 9000000000000000001 would pass a bound of
   * 9e18 (doubles that large are 1024 apart) */
  bool low_ok = (row->flags & HD_NO_MIN) || row->min < -9.2e18 ||
                ((row->flags & HD_MIN_EXCL)
                     ? v > (long)ceil(row->min) - (row->min == ceil(row->min) ? 0 : 1)
                     : v >= (long)ceil(row->min));
  bool high_ok = (row->flags & HD_NO_MAX) || row->max > 9.2e18 ||
                 ((row->flags & HD_MAX_EXCL)
                      ? v < (long)floor(row->max) + (row->max == floor(row->max) ? 0 : 1)
                      : v <= (long)floor(row->max));
  if (!low_ok || !high_ok) return out_of_range(row, text, msg, msglen);
  if (check_range(row, (double)v, text, msg, msglen) < 0) return -1;
  *out = v;
  return 0;
}

static int parse_real(const struct hd_param *row, const char *text, double *out, char *msg,
                      size_t msglen)
{
  const char *s = text, *why;
  double v;
  if ((row->flags & HD_AUTO) && strcmp(skip_blanks(text), "auto") == 0) {
    *out = NAN;
    return 0;
  }
  if (read_real(&s, &v, &why) < 0) {
    if (strcmp(why, "not a number") == 0 && (row->flags & HD_AUTO))
      snprintf(msg, msglen, "expected auto or a real number, got \"%s\"", text);
    else if (strcmp(why, "not a number") == 0)
      snprintf(msg, msglen, "expected a real number, got \"%s\"", text);
    else if (strcmp(why, "not finite") == 0)
      snprintf(msg, msglen, "expected a finite real number, got \"%s\"", text);
    else snprintf(msg, msglen, "real number \"%s\" %s", text, why);
    return -1;
  }
  if (!only_blanks(s)) {
    snprintf(msg, msglen, "expected a real number, got \"%s\"", text);
    return -1;
  }
  if (check_range(row, v, text, msg, msglen) < 0) return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *text, bool *out, char *msg, size_t msglen)
{
  if (strcmp(text, "true") == 0) {
    *out = true;
    return 0;
  }
  if (strcmp(text, "false") == 0) {
    *out = false;
    return 0;
  }
  snprintf(msg, msglen, "expected true or false, got \"%s\"", text);
  return -1;
}

static int parse_enum(const struct hd_param *row, const char *text, int *out, char *msg,
                      size_t msglen)
{
  for (int i = 0; row->choices && row->choices[i]; i++) {
    if (strcmp(text, row->choices[i]) == 0) {
      *out = i;
      return 0;
    }
  }
  char list[512];
  hd_param_range(row, list, sizeof list);
  snprintf(msg, msglen, "expected one of: %s; got \"%s\"", list, text);
  return -1;
}

static int parse_string(const char *text, char *out, char *msg, size_t msglen)
{
  size_t n = strlen(text);
  if (n > HD_STR_MAX - 1) {
    snprintf(msg, msglen, "text longer than %d characters", HD_STR_MAX - 1);
    return -1;
  }
  memcpy(out, text, n + 1);
  return 0;
}

/* An array value: "" (none given) or a file the array reader accepts (its syntax
 * only; the file is read by the family that needs it, where the shape is known). */
static int parse_array(const char *text, char *out, char *msg, size_t msglen)
{
  if (text[0]) {
    enum hd_array_format fmt;
    char file[HD_STR_MAX], dset[HD_STR_MAX];
    if (hd_array_spec_split(text, &fmt, file, sizeof file, dset, sizeof dset, msg, msglen) != 0)
      return -1;
  }
  return parse_string(text, out, msg, msglen);
}

/* Expects blanks then character c at *s; advances past it. */
static bool expect_char(const char **s, char c)
{
  const char *p = skip_blanks(*s);
  if (*p != c) return false;
  *s = p + 1;
  return true;
}

/* t1, t2, ...: explicit output times, finite, >= 0 and strictly increasing. */
static int parse_time_list(const char *text, struct hd_grid *out, char *msg, size_t msglen)
{
  struct hd_grid g = {.kind = HD_GRID_LIST};
  const char *s = text, *why;
  for (;;) {
    double t;
    if (read_real(&s, &t, &why) < 0) {
      snprintf(msg, msglen, "output time %ld: %s (a list of times is t1, t2, ..., e.g. 0, 0.5, 1)",
               g.n + 1, why);
      return -1;
    }
    if (g.n == HD_GRID_LIST_MAX) {
      snprintf(msg, msglen, "at most %d output times in a list", HD_GRID_LIST_MAX);
      return -1;
    }
    if (!(t >= 0)) {
      snprintf(msg, msglen, "output time %ld is %.17g: times are >= 0", g.n + 1, t);
      return -1;
    }
    if (g.n > 0 && !(t > g.list[g.n - 1])) {
      snprintf(msg, msglen,
               "output times must be strictly increasing: time %ld (%.17g) follows %.17g", g.n + 1,
               t, g.list[g.n - 1]);
      return -1;
    }
    g.list[g.n++] = t;
    s = skip_blanks(s);
    if (*s == '\0') break;
    if (*s != ',') {
      snprintf(msg, msglen, "expected a comma after output time %ld, got \"%s\"", g.n, s);
      return -1;
    }
    s++;
  }
  g.a = g.list[0];
  g.b = g.list[g.n - 1];
  *out = g;
  return 0;
}

/* auto | log(a, b, n) | linear(a, b, n) | t1, t2, ..., blanks allowed around every
 * token. */
static int parse_grid(const char *text, struct hd_grid *out, char *msg, size_t msglen)
{
  const char *s = skip_blanks(text), *word = s, *why;
  if (isdigit((unsigned char)*s) || *s == '.' || *s == '+' || *s == '-')
    return parse_time_list(s, out, msg, msglen);
  while (isalpha((unsigned char)*s)) s++;
  size_t wlen = (size_t)(s - word);
  struct hd_grid g = {HD_GRID_AUTO, 0.0, 0.0, 0, {0}};

  if (wlen == 4 && strncmp(word, "auto", 4) == 0 && only_blanks(s)) {
    *out = g;
    return 0;
  }
  if (wlen == 3 && strncmp(word, "log", 3) == 0) g.kind = HD_GRID_LOG;
  else if (wlen == 6 && strncmp(word, "linear", 6) == 0) g.kind = HD_GRID_LINEAR;
  else goto syntax;

  if (!expect_char(&s, '(') || read_real(&s, &g.a, &why) < 0 || !expect_char(&s, ',') ||
      read_real(&s, &g.b, &why) < 0 || !expect_char(&s, ',') || read_long(&s, &g.n, &why) < 0 ||
      !expect_char(&s, ')') || !only_blanks(s))
    goto syntax;

  if (g.kind == HD_GRID_LOG && !(0.0 < g.a && g.a < g.b)) {
    snprintf(msg, msglen, "log grid needs 0 < a < b, got a = %.17g, b = %.17g", g.a, g.b);
    return -1;
  }
  if (g.kind == HD_GRID_LINEAR && !(0.0 <= g.a && g.a < g.b)) {
    snprintf(msg, msglen, "linear grid needs 0 <= a < b, got a = %.17g, b = %.17g", g.a, g.b);
    return -1;
  }
  if (g.n < 2 || g.n > HD_GRID_MAX_POINTS) {
    snprintf(msg, msglen, "grid needs n >= 2 and n <= %ld points, got n = %ld", HD_GRID_MAX_POINTS,
             g.n);
    return -1;
  }
  *out = g;
  return 0;

syntax:
  snprintf(msg, msglen,
           "expected auto, log(a, b, n), linear(a, b, n) with finite a, b and an "
           "integer n, or a list of times t1, t2, ..., got \"%s\"",
           text);
  return -1;
}

/* ---------------------------------------------------------------- lists */

static bool is_list(enum hd_type t)
{
  return t == HD_REAL_LIST || t == HD_INT_LIST || t == HD_PATH_LIST;
}

/* Parses one element `tok` (blanks trimmed) of a list into slot k of the list at out. */
static int parse_element(const struct hd_param *row, const char *tok, void *out, size_t k,
                         char *msg, size_t msglen)
{
  switch (row->type) {
  case HD_REAL_LIST: return parse_real(row, tok, &((struct hd_real_list *)out)->v[k], msg, msglen);
  case HD_INT_LIST: return parse_int(row, tok, &((struct hd_int_list *)out)->v[k], msg, msglen);
  default: return parse_string(tok, ((struct hd_path_list *)out)->v[k], msg, msglen);
  }
}

/* "v1, v2, ...": each element parsed and range-checked as its scalar type.  The list
 * is written to dst only when every element is good.  A one-element list reports an
 * element's error exactly as the scalar type would; longer lists name the position. */
static int parse_list(const struct hd_param *row, const char *text, void *dst, char *msg,
                      size_t msglen)
{
  union {
    struct hd_real_list r;
    struct hd_int_list i;
    struct hd_path_list p;
  } tmp;
  memset(&tmp, 0, sizeof tmp); /* unused slots zero: equal lists are equal structs */
  size_t n = 0, total = 1;
  for (const char *c = text; *c; c++) total += *c == ',';
  if (only_blanks(text)) total = 0;
  if (total > HD_LIST_MAX) {
    snprintf(msg, msglen, "%zu values, at most %d", total, HD_LIST_MAX);
    return -1;
  }
  for (const char *s = text; total > 0; n++) {
    const char *comma = strchr(s, ',');
    const char *end = comma ? comma : s + strlen(s);
    const char *a = skip_blanks(s), *b = end;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n')) b--;
    char tok[HD_STR_MAX + 1], why[256];
    if (a == b) {
      snprintf(msg, msglen, "value %zu of \"%s\" is empty", n + 1, text);
      return -1;
    }
    if ((size_t)(b - a) > HD_STR_MAX - 1) {
      snprintf(msg, msglen, "value %zu of \"%s\" is longer than %d characters", n + 1, text,
               HD_STR_MAX - 1);
      return -1;
    }
    memcpy(tok, a, (size_t)(b - a));
    tok[b - a] = '\0';
    if (parse_element(row, tok, &tmp, n, why, sizeof why) < 0) {
      if (total == 1) snprintf(msg, msglen, "%s", why);
      else snprintf(msg, msglen, "value %zu of \"%s\": %s", n + 1, text, why);
      return -1;
    }
    if (!comma) break;
    s = comma + 1;
  }
  n = total;
  switch (row->type) {
  case HD_REAL_LIST:
    tmp.r.n = n;
    memcpy(dst, &tmp.r, sizeof tmp.r);
    break;
  case HD_INT_LIST:
    tmp.i.n = n;
    memcpy(dst, &tmp.i, sizeof tmp.i);
    break;
  default:
    tmp.p.n = n;
    memcpy(dst, &tmp.p, sizeof tmp.p);
    break;
  }
  return 0;
}

/* Elements joined by ", "; reals in the shortest form that reads back exactly. */
static void format_list(const struct hd_param *row, const void *p, char *buf, size_t len)
{
  size_t used = 0, n = *(const size_t *)p;
  buf[0] = '\0';
  for (size_t k = 0; k < n && used < len; k++) {
    char one[HD_STR_MAX];
    switch (row->type) {
    case HD_REAL_LIST:
      fmt_real_short(((const struct hd_real_list *)p)->v[k], one, sizeof one);
      break;
    case HD_INT_LIST:
      snprintf(one, sizeof one, "%ld", ((const struct hd_int_list *)p)->v[k]);
      break;
    default: snprintf(one, sizeof one, "%s", ((const struct hd_path_list *)p)->v[k]); break;
    }
    int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", one);
    if (w < 0) return;
    used += (size_t)w;
  }
}

/* ---------------------------------------------------------------- public API */

int hd_param_parse(const struct hd_param *row, const char *text, void *dst, char *msg,
                   size_t msglen)
{
  char *p = (char *)dst + row->offset;
  switch (row->type) {
  case HD_INT: return parse_int(row, text, (long *)(void *)p, msg, msglen);
  case HD_REAL: return parse_real(row, text, (double *)(void *)p, msg, msglen);
  case HD_BOOL: return parse_bool(text, (bool *)(void *)p, msg, msglen);
  case HD_ENUM: return parse_enum(row, text, (int *)(void *)p, msg, msglen);
  case HD_STRING:
  case HD_PATH: return parse_string(text, p, msg, msglen);
  case HD_ARRAY: return parse_array(text, p, msg, msglen);
  case HD_GRID: return parse_grid(text, (struct hd_grid *)(void *)p, msg, msglen);
  case HD_REAL_LIST:
  case HD_INT_LIST:
  case HD_PATH_LIST: return parse_list(row, text, p, msg, msglen);
  }
  snprintf(msg, msglen, "internal error: unknown parameter type %d", (int)row->type);
  return -1;
}

void hd_param_format(const struct hd_param *row, const void *src, char *buf, size_t len)
{
  const char *p = (const char *)src + row->offset;
  if (len == 0) return;
  switch (row->type) {
  case HD_INT: snprintf(buf, len, "%ld", *(const long *)(const void *)p); return;
  case HD_REAL: {
    double v = *(const double *)(const void *)p;
    if ((row->flags & HD_AUTO) && isnan(v)) snprintf(buf, len, "auto");
    else snprintf(buf, len, "%.17g", v);
    return;
  }
  case HD_BOOL: snprintf(buf, len, "%s", *(const bool *)(const void *)p ? "true" : "false"); return;
  case HD_ENUM: {
    int idx = *(const int *)(const void *)p, n = 0;
    while (row->choices && row->choices[n]) n++;
    snprintf(buf, len, "%s", (idx >= 0 && idx < n) ? row->choices[idx] : "?");
    return;
  }
  case HD_STRING:
  case HD_ARRAY:
  case HD_PATH: snprintf(buf, len, "%s", p); return;
  case HD_GRID: {
    const struct hd_grid *g = (const struct hd_grid *)(const void *)p;
    if (g->kind == HD_GRID_AUTO) snprintf(buf, len, "auto");
    else if (g->kind == HD_GRID_LIST) {
      size_t used = 0;
      buf[0] = '\0';
      for (long k = 0; k < g->n && used < len; k++) {
        char one[40];
        fmt_real_short(g->list[k], one, sizeof one);
        int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", one);
        if (w < 0) return;
        used += (size_t)w;
      }
    } else
      snprintf(buf, len, "%s(%.17g, %.17g, %ld)", g->kind == HD_GRID_LOG ? "log" : "linear", g->a,
               g->b, g->n);
    return;
  }
  case HD_REAL_LIST:
  case HD_INT_LIST:
  case HD_PATH_LIST: format_list(row, p, buf, len); return;
  }
  buf[0] = '\0';
}

const char *hd_type_name(enum hd_type t)
{
  switch (t) {
  case HD_INT: return "int";
  case HD_REAL: return "real";
  case HD_BOOL: return "bool";
  case HD_ENUM: return "enum";
  case HD_STRING: return "string";
  case HD_PATH: return "path";
  case HD_GRID: return "grid";
  case HD_REAL_LIST: return "real list";
  case HD_INT_LIST: return "int list";
  case HD_PATH_LIST: return "path list";
  case HD_ARRAY: return "array";
  }
  return "?";
}

/* The range of one value: the row's own for scalars, an element's for lists. */
static void element_range(const struct hd_param *row, char *buf, size_t len)
{
  if (len == 0) return;
  buf[0] = '\0';
  switch (row->type) {
  case HD_INT:
  case HD_REAL:
  case HD_INT_LIST:
  case HD_REAL_LIST: {
    char lo[40], hi[40];
    if (row->flags & HD_NO_MIN) snprintf(lo, sizeof lo, "-inf");
    else fmt_bound(row, row->min, lo, sizeof lo);
    if (row->flags & HD_NO_MAX) snprintf(hi, sizeof hi, "inf");
    else fmt_bound(row, row->max, hi, sizeof hi);
    char open = (row->flags & (HD_NO_MIN | HD_MIN_EXCL)) ? '(' : '[';
    char close = (row->flags & (HD_NO_MAX | HD_MAX_EXCL)) ? ')' : ']';
    snprintf(buf, len, "%c%s, %s%c", open, lo, hi, close);
    return;
  }
  case HD_BOOL: snprintf(buf, len, "true | false"); return;
  case HD_ENUM: {
    size_t used = 0;
    for (int i = 0; row->choices && row->choices[i]; i++) {
      int w = snprintf(buf + used, len - used, "%s%s", i ? " | " : "", row->choices[i]);
      if (w < 0 || (size_t)w >= len - used) return; /* truncated, still terminated */
      used += (size_t)w;
    }
    return;
  }
  case HD_GRID: snprintf(buf, len, "auto | log(a, b, n) | linear(a, b, n) | t1, t2, ..."); return;
  case HD_ARRAY: snprintf(buf, len, "FILE.npy | FILE.h5:/DATASET | FILE (text)"); return;
  case HD_STRING:
  case HD_PATH:
  case HD_PATH_LIST: return;
  }
}

void hd_param_range(const struct hd_param *row, char *buf, size_t len)
{
  if (len == 0) return;
  if (row->type == HD_REAL && (row->flags & HD_AUTO)) {
    int w = snprintf(buf, len, "auto | ");
    if (w < 0 || (size_t)w >= len) return;
    element_range(row, buf + w, len - (size_t)w);
    return;
  }
  element_range(row, buf, len);
  if (!is_list(row->type)) return;
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "%sat most %d values", used ? " each, " : "", HD_LIST_MAX);
}

/* One block per key:
 *   [section] key  (type, default X | required)  range  unit: U
 *       doc
 *       theory: LABEL   (in the problem's docs/theory document)
 * with a blank line between sections (rows grouped in order of first appearance). */
void hd_params_describe(const struct hd_param *rows, size_t n, FILE *out)
{
  bool *done = calloc(n ? n : 1, sizeof *done);
  if (!done) return;
  bool first_section = true;
  for (size_t i = 0; i < n; i++) {
    if (done[i]) continue;
    if (!first_section) fputc('\n', out);
    first_section = false;
    for (size_t j = i; j < n; j++) {
      if (done[j] || strcmp(rows[j].section, rows[i].section) != 0) continue;
      const struct hd_param *r = &rows[j];
      done[j] = true;
      fprintf(out, "[%s] %s  (%s, ", r->section, r->key, hd_type_name(r->type));
      if (!r->def) fprintf(out, "required)");
      else if (r->def[0] == '\0') fprintf(out, "default \"\")");
      else fprintf(out, "default %s)", r->def);
      char range[512];
      hd_param_range(r, range, sizeof range);
      if (range[0]) fprintf(out, "  %s", range);
      if (r->unit && r->unit[0]) fprintf(out, "  unit: %s", r->unit);
      fputc('\n', out);
      if (r->doc && r->doc[0]) fprintf(out, "    %s\n", r->doc);
      if (r->spec && r->spec[0]) fprintf(out, "    theory: %s\n", r->spec);
      if (r->flags & HD_FINITE_SIZE)
        fprintf(out, "    finite-size parameter: the ladder variable of `hdsim validate --dims`\n");
    }
  }
  free(done);
}
