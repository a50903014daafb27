/* array_input.h — vectors and matrices of doubles a model reads from files: an initial
 * iterate, a teacher, class means, eigenvectors, a data set.
 *
 * An array value in a model file (parameter type HD_ARRAY, params.h) names one of
 *   file.npy              a NumPy array file (format versions 1, 2 and 3; dtypes
 *                         f8, f4, i4, i8 of either byte order; C or Fortran order)
 *   file.h5:/group/name   a dataset of an HDF5 file (any integer or float type)
 *   file.txt (any other)  plain text: numbers separated by blanks, commas or newlines,
 *                         '#' comments (input_file.h) — a vector only
 * The file part is resolved against the model file's directory.  Every array has rank
 * 1 or 2, finite values, at most HD_INPUT_MAX_BYTES of data, and every file read is
 * registered for the provenance record (provenance.h), so a resume, sweep or MPI run
 * refuses a file whose contents changed.  The .npy reader is our own (the format is
 * one documented header and raw bytes, and Debian packages no C reader): it reads the
 * header dictionary strictly and refuses anything it does not understand. */
#ifndef HDSIM_ARRAY_INPUT_H
#define HDSIM_ARRAY_INPUT_H

#include <stddef.h>

#include "config.h"

enum hd_array_format { HD_ARRAY_TEXT, HD_ARRAY_NPY, HD_ARRAY_HDF5 };

struct hd_array {
  int rank;          /* 1 or 2 */
  size_t rows, cols; /* rank 1: rows = length, cols = 1 */
  double *v;         /* rows * cols values, row after row (C order), malloc'd */
};

/* Splits an array value into its file part and (HDF5) dataset path and tells the
 * format.  Refuses an empty value, an HDF5 file without ":/dataset", a dataset path
 * on a file that is not HDF5, or parts that do not fit.  0, or -1 with a message. */
int hd_array_spec_split(const char *spec, enum hd_array_format *fmt, char *file, size_t filelen,
                        char *dset, size_t dsetlen, char *msg, size_t msglen);

/* Reads the array `spec` names, its file part used as given (already resolved).
 * Messages name the data file (and dataset).  0, or -1 with a message. */
int hd_array_read(const char *spec, struct hd_array *a, char *msg, size_t msglen);

/* Reads an in-memory .npy image (`name` for messages); the bytes are not registered
 * for provenance (hd_array_read does that for files). */
int hd_array_parse_npy(const char *name, const unsigned char *data, size_t n, struct hd_array *a,
                       char *msg, size_t msglen);

void hd_array_free(struct hd_array *a);

/* The array a model key names, checked against the shape the model needs: a matrix of
 * rows x cols (cols = 0: a vector of `rows` values, given as shape (rows,), (rows, 1) or
 * (1, rows)); HD_ARRAY_ANY for rows (or a matrix's cols) accepts any length there.
 * The spec's file part is resolved against the model file.  On failure adds an error
 * "model:line: [section] key: <data file>: reason" to err and returns -1; on success
 * *out holds the values (row-major) and, when not NULL, *out_rows / *out_cols the
 * shape (a vector: rows = length, cols = 1). */
#define HD_ARRAY_ANY ((size_t)-1)
int hd_config_read_array(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                         const char *key, const char *spec, size_t rows, size_t cols, double **out,
                         size_t *out_rows, size_t *out_cols);

#endif
