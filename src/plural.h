/* plural.h — "1 thread", "2 threads": the noun that goes with a count in messages. */
#ifndef HDSIM_PLURAL_H
#define HDSIM_PLURAL_H

static inline const char *hd_plural(long long n, const char *one, const char *many)
{
  return n == 1 || n == -1 ? one : many;
}

#endif
