/* outpath.h — the output name, checked before any work and held exclusively.
 *
 * Before a run starts: the output must not be a directory or anything but a regular file,
 * must not be the model file or any input file read (same inode), its directory must be
 * writable, and every name derived from it (OUT.partial, OUT.points/, OUT.lock and the
 * temporary names) must fit the file system's limits, so nothing is ever truncated.
 *
 * While a run writes OUT (and OUT.partial, OUT.points/), it holds an exclusive flock on
 * OUT.lock: a second hdsim with the same output refuses at once instead of sharing the
 * partial files.  Holding the lock also proves that any OUT.tmp.* left behind belongs to
 * a process that died, so those are removed. */
#ifndef HDSIM_OUTPATH_H
#define HDSIM_OUTPATH_H

#include <stddef.h>

/* malloc'd "a" "b" (never truncated); aborts on out of memory. */
char *hd_path_join(const char *a, const char *b);

/* Returns 0, or -1 with a message.  `model` may be NULL. */
int hd_outpath_check(const char *path, const char *model, char *msg, size_t msglen);

struct hd_outlock {
  char *lock_path;
  int fd; /* -1 when not held */
};

/* Takes the lock on `path` (non-blocking) and removes stale temporary files of path,
 * path.partial and path.points/.  0, or -1 with a message (another process holds it). */
int hd_outlock_acquire(struct hd_outlock *l, const char *path, char *msg, size_t msglen);
void hd_outlock_release(struct hd_outlock *l);

#endif
