/* input_file.c — capped, checked reading of input files (input_file.h). */
#include "input_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "provenance.h"

/* text != 0: stop at the first NUL byte (a device such as /dev/zero, or a binary file,
 * is refused after one buffer instead of being read to the cap). */
static int slurp(const char *path, int text, char **data, size_t *n, char *msg, size_t msglen)
{
  *data = NULL;
  *n = 0;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(msg, msglen, "input file '%s' is a directory", path);
    return -1;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(msg, msglen, "cannot open input file '%s': %s", path, strerror(errno));
    return -1;
  }
  size_t len = 0, cap = 1 << 16;
  char *buf = malloc(cap + 1);
  int rc = -1;
  if (!buf) {
    snprintf(msg, msglen, "out of memory reading '%s'", path);
    goto out;
  }
  for (;;) {
    if (len == cap) {
      if (cap >= HD_INPUT_MAX_BYTES) {
        snprintf(msg, msglen, "input file '%s' is larger than %zu MiB", path,
                 HD_INPUT_MAX_BYTES >> 20);
        goto out;
      }
      char *grown = realloc(buf, 2 * cap + 1);
      if (!grown) {
        snprintf(msg, msglen, "out of memory reading '%s'", path);
        goto out;
      }
      buf = grown, cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    if (text && memchr(buf + len, '\0', got)) {
      size_t at = len + (size_t)((char *)memchr(buf + len, '\0', got) - (buf + len));
      size_t line = 1;
      for (size_t i = 0; i < at; i++) line += buf[i] == '\n';
      snprintf(msg, msglen, "input file '%s' line %zu: NUL byte (not a text file)", path, line);
      goto out;
    }
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    snprintf(msg, msglen, "cannot read input file '%s': %s", path, strerror(errno));
    goto out;
  }
  buf[len] = '\0';
  *data = buf;
  *n = len;
  buf = NULL;
  rc = 0;
out:
  free(buf);
  fclose(f);
  return rc;
}

int hd_input_slurp(const char *path, char **data, size_t *n, char *msg, size_t msglen)
{
  return slurp(path, 0, data, n, msg, msglen);
}

long hd_input_read_numbers(const char *path, double **values, char *msg, size_t msglen)
{
  *values = NULL;
  char *text;
  size_t len;
  if (slurp(path, 1, &text, &len, msg, msglen) != 0) return -1;
  size_t n = 0, cap = 1024, line = 1;
  double *v = malloc(cap * sizeof *v);
  const char *p = text;
  while (v && *p) {
    if (*p == '\n') {
      line++, p++;
      continue;
    }
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == ',') {
      p++;
      continue;
    }
    if (*p == '#') {
      while (*p && *p != '\n') p++;
      continue;
    }
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    int sep = *end == '\0' || *end == ' ' || *end == '\t' || *end == '\r' || *end == '\n' ||
              *end == ',' || *end == '#';
    if (end == p || !sep) {
      snprintf(msg, msglen, "input file '%s' line %zu: not a number", path, line);
      goto fail;
    }
    if (!isfinite(x) || (errno == ERANGE && fabs(x) > 1)) {
      snprintf(msg, msglen, "input file '%s' line %zu: value %.*s is not finite", path, line,
               (int)(end - p > 40 ? 40 : end - p), p);
      goto fail;
    }
    if (n == cap) {
      double *grown = realloc(v, (cap *= 2) * sizeof *v);
      if (!grown) break;
      v = grown;
    }
    v[n++] = x;
    p = end;
  }
  if (!v || *p) {
    snprintf(msg, msglen, "out of memory reading '%s'", path);
    goto fail;
  }
  hd_provenance_add_bytes(path, text, len);
  free(text);
  *values = v;
  return (long)n;
fail:
  free(v);
  free(text);
  return -1;
}
