/* errors.c — collected user-facing error messages (see errors.h). */
#include "errors.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void hd_errors_init(struct hd_errors *e)
{
  e->msg = NULL;
  e->count = 0;
  e->cap = 0;
}

void hd_errors_free(struct hd_errors *e)
{
  for (size_t i = 0; i < e->count; i++) free(e->msg[i]);
  free(e->msg);
  hd_errors_init(e);
}

/* Appends an owned string.  Running out of memory while recording a message leaves
 * nothing sensible to report, so it aborts rather than silently dropping an error. */
static void push(struct hd_errors *e, char *s)
{
  if (!s) abort();
  if (e->count == e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 8;
    char **m = realloc(e->msg, cap * sizeof *m);
    if (!m) abort();
    e->msg = m;
    e->cap = cap;
  }
  e->msg[e->count++] = s;
}

/* vsnprintf into a fresh buffer of exactly the right size. */
static char *vformat(const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return strdup("(unformattable error message)");
  char *s = malloc((size_t)n + 1);
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

void hd_errors_add(struct hd_errors *e, const char *file, int line, const char *section,
                   const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *body = vformat(fmt, ap);
  va_end(ap);
  if (!body) abort();

  /* Prefix "file:line: [section] key: " with each part optional. */
  char lbuf[32] = "";
  if (line > 0) snprintf(lbuf, sizeof lbuf, ":%d", line);
  const char *f = file ? file : "";
  const char *fsep = (file || line > 0) ? ": " : "";
  const char *sopen = section ? "[" : "", *sname = section ? section : "",
             *sclose = section ? "]" : "";
  const char *ksep = (section && key) ? " " : "";
  const char *k = key ? key : "";
  const char *tail = (section || key) ? ": " : "";

  size_t n = strlen(f) + strlen(lbuf) + strlen(fsep) + strlen(sname) + 2 + strlen(ksep) +
             strlen(k) + strlen(tail) + strlen(body) + 1;
  char *s = malloc(n);
  if (!s) abort();
  snprintf(s, n, "%s%s%s%s%s%s%s%s%s%s", f, lbuf, fsep, sopen, sname, sclose, ksep, k, tail, body);
  free(body);
  push(e, s);
}

void hd_errors_addf(struct hd_errors *e, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  push(e, s);
}

void hd_errors_print(const struct hd_errors *e, FILE *f)
{
  for (size_t i = 0; i < e->count; i++) fprintf(f, "%s\n", e->msg[i]);
}

void hd_message(char *msg, size_t msglen, const char *fmt, ...)
{
  if (!msg || !msglen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, msglen, fmt, ap);
  va_end(ap);
}
