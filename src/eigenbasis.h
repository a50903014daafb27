/* eigenbasis.h — vectors a user gives in the data's own coordinates, taken to the
 * covariance eigenbasis in which the theory and the simulation work.
 *
 * The families simulate in eigen-coordinates: with K = U diag(lambda) U^T and Gaussian
 * features, x = U diag(sqrt(lambda)) z has eigen-coordinates U^T x = diag(sqrt(lambda)) z,
 * so SGD on theta in the data's coordinates is SGD on U^T theta in the eigenbasis, step
 * for step and in law (every observable is rotation invariant).  A vector v in the data's
 * coordinates is therefore U^T v in the families' coordinates. */
#ifndef HDSIM_EIGENBASIS_H
#define HDSIM_EIGENBASIS_H

#include <stddef.h>

#include "config.h"

/* How far U (d x d, row-major, column i the i-th eigenvector) is from orthonormal:
 * max |(U^T U - I)_ij|. */
double hd_eigenbasis_defect(const double *U, size_t d);

/* Largest defect accepted: eigenvectors from a double-precision eigensolver are
 * orthonormal to ~d * 1e-16; float32 files are not. */
#define HD_EIGENBASIS_TOL 1e-8

/* out = U^T v (out and v distinct, d values each). */
void hd_eigenbasis_apply(const double *U, size_t d, const double *v, double *out);

/* Reads the d x d matrix a model key names and checks it is orthonormal (errors name
 * file, line, section, key and the data file).  Returns the matrix (malloc'd) or NULL
 * after adding an error. */
double *hd_eigenbasis_read(const struct hd_config *cfg, struct hd_errors *err, const char *section,
                           const char *key, const char *spec, size_t d);

#endif
