/* input_file.h — the one reader of every input file a model names (spectra, noise
 * matrices): a size cap, text without NUL bytes, numbers that are finite, and the bytes
 * registered for the provenance record (provenance.h).  Every reader goes through here so
 * that a bad file is refused the same way whoever reads it. */
#ifndef HDSIM_INPUT_FILE_H
#define HDSIM_INPUT_FILE_H

#include <stddef.h>

/* No input file is larger (a d = 10^7 spectrum in text is ~250 MB). */
#define HD_INPUT_MAX_BYTES ((size_t)1 << 30)

/* Reads the whole file (binary), up to HD_INPUT_MAX_BYTES.  *data is NUL-terminated
 * (one byte beyond *n).  0, or -1 with a message naming the file. */
int hd_input_slurp(const char *path, char **data, size_t *n, char *msg, size_t msglen);

/* A text file of numbers, blank- or newline-separated, '#' comments to the end of a
 * line.  Refuses NUL bytes, anything that is not a number, and non-finite values
 * (inf, nan, overflow), naming the file and line.  Registers the bytes for the
 * provenance record.  Returns the count (>= 0) with *values malloc'd, or -1 with a
 * message. */
long hd_input_read_numbers(const char *path, double **values, char *msg, size_t msglen);

#endif
