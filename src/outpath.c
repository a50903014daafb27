/* outpath.c — output-name checks and the output lock (outpath.h). */
#include "outpath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "provenance.h"

/* The longest suffix hdsim appends to an output name: ".partial.tmp.<pid>". */
#define LONGEST_SUFFIX 40

char *hd_path_join(const char *a, const char *b)
{
  size_t na = strlen(a), nb = strlen(b);
  char *s = malloc(na + nb + 1);
  if (!s) abort();
  memcpy(s, a, na);
  memcpy(s + na, b, nb + 1);
  return s;
}

static int same_file(const struct stat *a, const char *other)
{
  struct stat b;
  return other && stat(other, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* One name: not a directory, a regular file if it exists, not an input. */
static int check_name(const char *name, const char *model, char *msg, size_t msglen)
{
  struct stat st;
  if (stat(name, &st) != 0) return 0; /* created by the run */
  if (S_ISDIR(st.st_mode)) {
    snprintf(msg, msglen, "output '%s' is a directory", name);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(msg, msglen, "output '%s' exists and is not a regular file", name);
    return -1;
  }
  if (same_file(&st, model)) {
    snprintf(msg, msglen, "output '%s' is the model file; refusing to overwrite it", name);
    return -1;
  }
  for (size_t i = 0; i < hd_provenance_input_count(); i++)
    if (same_file(&st, hd_provenance_input_path(i))) {
      snprintf(msg, msglen, "output '%s' is the input file '%s'; refusing to overwrite it", name,
               hd_provenance_input_path(i));
      return -1;
    }
  return 0;
}

int hd_outpath_check(const char *path, const char *model, char *msg, size_t msglen)
{
  if (!path[0]) {
    snprintf(msg, msglen, "empty output file name");
    return -1;
  }
  size_t len = strlen(path);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (!base[0]) {
    snprintf(msg, msglen, "output '%s' names a directory", path);
    return -1;
  }
  long name_max = pathconf(".", _PC_NAME_MAX);
  if (name_max <= 0) name_max = 255;
  if (strlen(base) + LONGEST_SUFFIX > (size_t)name_max || len + LONGEST_SUFFIX >= PATH_MAX) {
    snprintf(msg, msglen,
             "output name '%.60s...' is too long (%zu characters; a file name "
             "may have %ld, hdsim appends up to %d)",
             path, strlen(base), name_max, LONGEST_SUFFIX);
    return -1;
  }
  char *partial = hd_path_join(path, ".partial"), *points = hd_path_join(path, ".points");
  int rc = check_name(path, model, msg, msglen);
  if (rc == 0) rc = check_name(partial, model, msg, msglen);
  struct stat st;
  if (rc == 0 && stat(points, &st) == 0 && !S_ISDIR(st.st_mode)) {
    snprintf(msg, msglen, "'%s' (where a sweep keeps its points) exists and is not a directory",
             points);
    rc = -1;
  }
  if (rc == 0) {
    char *copy = hd_path_join(path, "");
    const char *dir = dirname(copy);
    if (access(dir, W_OK | X_OK) != 0) {
      snprintf(msg, msglen, "cannot write output file '%s': directory '%s' %s", path, dir,
               errno == ENOENT ? "does not exist" : "is not writable");
      rc = -1;
    }
    free(copy);
  }
  free(partial);
  free(points);
  return rc;
}

/* name is "<stem>.tmp.<digits>" for one of the stems. */
static int stale_tmp(const char *name, const char *const *stems, size_t n_stems)
{
  for (size_t i = 0; i < n_stems; i++) {
    size_t n = strlen(stems[i]);
    if (strncmp(name, stems[i], n) != 0 || strncmp(name + n, ".tmp.", 5) != 0) continue;
    const char *p = name + n + 5;
    if (!*p) continue;
    while (*p >= '0' && *p <= '9') p++;
    if (!*p) return 1;
  }
  return 0;
}

static void remove_stale(const char *dir, const char *const *stems, size_t n_stems)
{
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (!stale_tmp(e->d_name, stems, n_stems)) continue;
    char *slash = hd_path_join(dir, "/"), *full = hd_path_join(slash, e->d_name);
    unlink(full);
    free(slash);
    free(full);
  }
  closedir(d);
}

static void clean_stale(const char *path)
{
  char *copy = hd_path_join(path, ""), *copy2 = hd_path_join(path, "");
  const char *dir = dirname(copy), *base = basename(copy2);
  char *partial = hd_path_join(base, ".partial");
  const char *stems[] = {base, partial};
  remove_stale(dir, stems, 2);
  /* a sweep's points: point_K.h5 and point_K.h5.partial, any K */
  char *points = hd_path_join(path, ".points");
  DIR *d = opendir(points);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      char *dot = strstr(e->d_name, ".tmp.");
      if (strncmp(e->d_name, "point_", 6) != 0 || !dot) continue;
      char *stem = strndup(e->d_name, (size_t)(dot - e->d_name));
      const char *one[] = {stem};
      if (stem && stale_tmp(e->d_name, one, 1)) {
        char *slash = hd_path_join(points, "/"), *full = hd_path_join(slash, e->d_name);
        unlink(full);
        free(slash);
        free(full);
      }
      free(stem);
    }
    closedir(d);
  }
  free(points);
  free(partial);
  free(copy);
  free(copy2);
}

int hd_outlock_acquire(struct hd_outlock *l, const char *path, char *msg, size_t msglen)
{
  l->lock_path = hd_path_join(path, ".lock");
  l->fd = -1;
  if (msglen) msg[0] = '\0';
  for (int attempt = 0; attempt < 8; attempt++) {
    int fd = open(l->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      snprintf(msg, msglen, "cannot create lock file '%s': %s", l->lock_path, strerror(errno));
      break;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      if (e == EWOULDBLOCK)
        snprintf(msg, msglen,
                 "another hdsim process is writing '%s' (it holds '%s'); wait "
                 "for it to finish or choose another output",
                 path, l->lock_path);
      else snprintf(msg, msglen, "cannot lock '%s': %s", l->lock_path, strerror(e));
      break;
    }
    /* The holder before us may have unlinked the name after we opened it: the lock then
     * guards nothing, so take it again on the name as it is now. */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(l->lock_path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
      l->fd = fd;
      hd_interrupt_lock_file(l->lock_path);
      clean_stale(path);
      return 0;
    }
    close(fd);
  }
  if (l->fd < 0 && !msg[0]) snprintf(msg, msglen, "cannot take the lock '%s'", l->lock_path);
  free(l->lock_path);
  l->lock_path = NULL;
  return -1;
}

void hd_outlock_release(struct hd_outlock *l)
{
  if (l->fd >= 0) {
    hd_interrupt_lock_file(NULL);
    unlink(l->lock_path); /* under the lock: a waiter re-checks the name (above) */
    close(l->fd);
  }
  free(l->lock_path);
  l->lock_path = NULL;
  l->fd = -1;
}
