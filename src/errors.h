/* errors.h — a list of user-facing error messages, collected rather than fatal.
 *
 * Model-file validation reports every problem it finds, not only the first, each as
 *   file:line: [section] key: message
 * so the user fixes them all in one edit.  Nothing here prints or exits: the caller
 * decides (hd_errors_print then exit status 2 for bad input). */
#ifndef HDSIM_ERRORS_H
#define HDSIM_ERRORS_H

#include <stddef.h>
#include <stdio.h>

struct hd_errors {
  char **msg; /* formatted messages, in the order found */
  size_t count;
  size_t cap;
};

void hd_errors_init(struct hd_errors *e);
void hd_errors_free(struct hd_errors *e);

/* Adds "file:line: [section] key: <fmt>".  line <= 0 omits the line; section or key
 * NULL omit those parts. */
void hd_errors_add(struct hd_errors *e, const char *file, int line, const char *section,
                   const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds an already formatted message verbatim. */
void hd_errors_addf(struct hd_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void hd_errors_print(const struct hd_errors *e, FILE *f);

/* Formats a message into a caller's buffer (the msg, msglen pair the numerical layers take
 * instead of an error list); msg NULL or msglen 0 asks for no message. */
void hd_message(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
