/* h5stack.h — a sweep's observables stacked over (point, t) under /sweep/theory and
 * /sweep/simulation, read from the /points/K groups already in the file (h5stack.c). */
#ifndef HDSIM_H5STACK_H
#define HDSIM_H5STACK_H

#include "h5out.h"
#include "sweep.h"

/* file: the open HDF5 sweep file (an hid_t); returns 0 or -1. */
int hd_h5_stack_sweep(long long file, const struct hd_output *base, const struct hd_sweep *sw);

#endif
