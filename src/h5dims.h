/* h5dims.h — coordinates as HDF5 dimension scales and CF attributes, the form netCDF-4,
 * xarray and ncdump read: a coordinate is a 1-D dataset marked as a scale under its own
 * name, and every dataset names the coordinate of each of its axes (H5DSattach_scale).
 * HDF5 ids are passed as long long so callers need not include hdf5.h; each function
 * returns 0 or -1.
 */
#ifndef HDSIM_H5DIMS_H
#define HDSIM_H5DIMS_H

#include <stddef.h>

/* The CF version whose attribute spelling the files follow (root attribute Conventions). */
#define HD_CF_CONVENTIONS "CF-1.8"

/* Marks the 1-D dataset loc/name as the coordinate `name`, with units, long_name and
 * (if not NULL) description. */
int hd_h5_coord(long long loc, const char *name, const char *units, const char *long_name,
                const char *description);

/* Writes the 1-D coordinate loc/name = 0, 1, ..., n-1 (int64), e.g. `run` or `point`. */
int hd_h5_index_coord(long long loc, const char *name, size_t n, const char *long_name);

/* Attaches to axis k of the dataset loc/dset the coordinate at absolute path scales[k],
 * for k < n_axes. */
int hd_h5_attach(long long loc, const char *dset, const char *const *scales, int n_axes);

/* Sets the CF attributes units and long_name of loc/dset (an object path). */
int hd_h5_cf(long long loc, const char *obj, const char *units, const char *long_name);

/* After H5Ocopy of groups of the file src into the group dst (same relative paths),
 * rebuilds in dst the coordinates' attachments of src (H5Ocopy leaves their references
 * pointing at addresses of src). */
int hd_h5_copy_dims(long long src, long long dst);

/* Completes a whole file before it is closed, for what its writers left undeclared
 * (a problem's own groups): every 1-D dataset named t, orders or s becomes a coordinate;
 * each axis of a dataset without coordinates takes the coordinate of its group with that
 * length (t preferred for the last axis, then t of an enclosing group), or else an index
 * coordinate <group>_index; numeric datasets without units get units "1" (every quantity
 * hdsim writes is dimensionless) and long_name from their description; the root gets
 * Conventions. */
int hd_h5_complete(long long file);

#endif
