/* provenance.h — what a result depends on, recorded in the output and checked on resume.
 *
 * A result is a function of: the resolved parameters (formatted from the parameter
 * tables, so comments and key order in the model file do not matter), the bytes of
 * every input file read (spectra, noise matrices, anything a problem reads), the seed,
 * the hdsim version and the layout of the random streams.  Each part is stored in the
 * output's root attributes (provenance_*), with one SHA-256 over all of them
 * (provenance_digest).  `--resume` of a run or of a sweep point rebuilds the same record
 * for the present model and refuses a file whose record differs, naming the parts that
 * changed.
 *
 * Input files: every reader registers the bytes it parsed with hd_provenance_add_bytes
 * (hd_input_read does so itself); a problem package reading a file its own way calls
 * hd_provenance_add_file(path) after reading it.  The list is per process and starts
 * afresh with every model prepared (hd_provenance_inputs_reset). */
#ifndef HDSIM_PROVENANCE_H
#define HDSIM_PROVENANCE_H

#include <stddef.h>

#include "problem.h"
#include "run_params.h"

struct hd_sweep;

/* The layout of the random streams (rng.h): changes whenever a stream's words change. */
#define HD_RNG_LAYOUT                                                                              \
  "philox4x32-10; key (seed low word, run); counter (block, step, purpose, seed high word); v1"

struct hd_provenance {
  char *parameters; /* "[section] key = value\n" per result-relevant parameter */
  char *inputs;     /* "sha256 bytes path\n" per input file, in reading order */
  long seed;
  char digest[65]; /* SHA-256 over all parts, hex */
};

void hd_provenance_inputs_reset(void);
void hd_provenance_add_bytes(const char *path, const void *data, size_t n);
/* Reads the file (up to HD_INPUT_MAX_BYTES) and registers its bytes.  0, or -1 if it
 * cannot be read (the caller has already reported the reason of its own failure). */
int hd_provenance_add_file(const char *path);
size_t hd_provenance_input_count(void);
const char *hd_provenance_input_path(size_t i);

/* The record of the present model (problem params after any sweep point applied; sw:
 * the whole sweep's table for a sweep's gathered file, else NULL). */
void hd_provenance_build(struct hd_provenance *p, const struct hd_problem *pb, const void *params,
                         const struct hd_run_params *run, const struct hd_sweep *sw);
void hd_provenance_free(struct hd_provenance *p);

/* Root attributes provenance_digest, provenance_parameters, provenance_inputs,
 * provenance_rng_layout (hdsim_version and seed are written beside them). */
int hd_provenance_write(long long h5file, const struct hd_provenance *p);

/* Compares the record stored in an open HDF5 file with `expect`.  Returns 0, or -1 with
 * a message naming every part that differs (parameters by key, input files by path,
 * seed, version, random-stream layout). */
int hd_provenance_check(long long h5file, const char *path, const struct hd_provenance *expect,
                        char *msg, size_t msglen);

#endif
