/* rng.h — reproducible random streams (Random123 Philox4x32-10).
 *
 * A stream is keyed by (seed, run) and addressed by a counter, so the numbers a run
 * sees depend only on (seed, run, purpose, step) — never on the thread or rank that
 * computes it.  Within a run, each `purpose` (features, label noise, init, ...) is a
 * separate sub-stream, and block `step` of it is a pure function of the counter, so a
 * run can be resumed or reordered without changing a single bit.
 *
 * Gaussians come from a ziggurat over whole arrays: Philox words are drawn in their own
 * pass into a buffer, then transformed.  Portable C, IEEE-strict, bit-identical on every
 * x86-64 build with the same libm (the slow path uses exp/log). */
#ifndef HDSIM_RNG_H
#define HDSIM_RNG_H

#include <stddef.h>
#include <stdint.h>

enum hd_stream_purpose {
  HD_STREAM_FEATURES = 1, /* per-step data vector z */
  HD_STREAM_LABEL = 2,    /* per-step label noise */
  HD_STREAM_INIT = 3,     /* initial point of a run */
  HD_STREAM_TARGET = 4,   /* problem-level draws shared by all runs (use run = UINT64_MAX) */
  HD_STREAM_EXTRA = 5     /* first purpose free for problem-specific streams */
};

struct hd_rng {
  uint32_t key[2]; /* (seed, run): low word of the seed, run (rng.c) */
  uint32_t ctr[4]; /* counter words 1..3: step, purpose, high word of the seed; 0 unused */
  uint64_t purpose;
  uint64_t step;      /* current block index */
  uint64_t buf[2];    /* last Philox output, as two 64-bit words */
  unsigned used;      /* words of buf consumed */
  uint64_t block_pos; /* Philox blocks drawn in this step (counter word 0) */
};

/* Positions the stream (seed, run, purpose) at block `step`.  Limits of the counter
 * layout (rng.c): run < 2^32 - 1 or run = UINT64_MAX (problem-level streams), purpose
 * < 256, step < 2^56, and fewer than 2^33 words drawn in one step; a call outside them
 * is a programming error and aborts with a message. */
void hd_rng_init(struct hd_rng *r, uint64_t seed, uint64_t run, uint64_t purpose, uint64_t step);

/* Moves to block `step` of the same stream (cheap, no state carried over). */
void hd_rng_seek(struct hd_rng *r, uint64_t step);

uint64_t hd_rng_u64(struct hd_rng *r);
double hd_rng_uniform(struct hd_rng *r); /* in (0, 1), 53-bit */
double hd_rng_normal(struct hd_rng *r);  /* N(0,1), ziggurat */

/* Fills out[0..n) with N(0,1) deviates (array ziggurat: Philox words in their own pass). */
void hd_rng_normal_array(struct hd_rng *r, double *out, size_t n);

/* out[i] = scale[i] * z_i, where z_0..z_{n-1} are exactly the deviates (and the stream
 * position afterwards exactly the one) hd_rng_normal_array would give; scale == NULL
 * means all ones.  Saves a pass when drawing x = sqrt(lambda) .* z.  [added by rng.c] */
void hd_rng_normal_array_scaled(struct hd_rng *r, double *out, const double *scale, size_t n);

/* Fills out[0..n) with +-1 (unit-variance Rademacher), 64 signs per Philox word. */
void hd_rng_rademacher_array(struct hd_rng *r, double *out, size_t n);

/* Name of the Gaussian kernel compiled in, stored in the HDF5 root. */
const char *hd_rng_kernel_name(void);

#endif
