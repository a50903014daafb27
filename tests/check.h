/* check.h — the CHECK macro the C unit tests share: count passes and failures, print
 * each failure with file, line and the values that failed, and end with the closing line
 * CI reads ("N passed, M failed"). */
#ifndef HDSIM_TESTS_CHECK_H
#define HDSIM_TESTS_CHECK_H

#include <stdio.h>

static int n_pass, n_fail;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (cond) {                                                                                    \
      n_pass++;                                                                                    \
    } else {                                                                                       \
      n_fail++;                                                                                    \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                       \
      printf(__VA_ARGS__);                                                                         \
      printf("\n");                                                                                \
    }                                                                                              \
  } while (0)

static inline int check_finish(void)
{
  printf("%d passed, %d failed\n", n_pass, n_fail);
  return n_fail ? 1 : 0;
}

#endif
