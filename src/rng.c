/* rng.c — Philox4x64-10 streams and a 256-layer ziggurat for N(0,1).
 *
 * Stream layout.  key = {seed, run}; the Philox counter of the m-th 4-word block of block
 * (step) `step` of purpose `purpose` is {step, m, purpose, 0}.  hd_rng_u64 returns the
 * words of blocks m = 0, 1, 2, ... in order (word j of each block in turn).
 *
 * Ziggurat (Marsaglia & Tsang 2000, in Doornik's ZIGNOR arrangement, 256 layers).  One
 * 64-bit word per draw in the fast path:
 *   bits 0..7   layer i,
 *   bit  8      sign,
 *   bits 9..10  unused,
 *   bits 11..63 j, a 53-bit uniform integer: |z| = j * X[i] / 2^53 (exact product of two
 *               doubles, one rounding), accepted at once when j < K[i] = 2^53 X[i+1]/X[i].
 * Otherwise (1.5% of words: mostly the top layers) the slow path: layer 0 samples the tail beyond R (Marsaglia's exponential
 * method, two uniforms per try), other layers do the wedge test (one uniform, one exp);
 * a wedge rejection starts over with the next word.  Uniforms for the slow path are
 * hd_rng_uniform values taken from the same word sequence, so the numbers consumed are
 * a pure function of the stream: the array code below gives exactly the scalar results.
 *
 * Tables are computed once (pthread_once) from R = 3.6541528853610088 with libm
 * exp/log/sqrt/erfc, i.e. bit-identical for a given libm.  IEEE-strict: no -ffast-math,
 * no contraction assumed; results do not depend on the optimisation level or compiler.
 * (Caveat: glibc itself picks FMA or SSE2 variants of exp/log by CPU; they agree to the
 * last bit on almost all arguments, so a rare tail/wedge draw could in principle differ
 * between CPUs.)
 *
 * Speed: hd_rng_normal_array draws the Philox words for up to 1024 deviates in their own
 * pass (cloned for BMI2 `mulx` where the compiler supports target_clones: integer code,
 * same bits), then transforms the buffer with one counter in a register.  The fast path
 * takes the sign with the layer width from one table, z = j * (+-X[i] 2^-53): negating
 * is exact, so the bits are those of flipping z's sign bit, with five fewer instructions
 * per deviate (~20% of the transform).  About 2.8 ns per deviate on the 2-core dev
 * machine, of which Philox is ~60%. */
#include "rng.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include <Random123/philox.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ZIG_C 256
#define ZIG_R 3.6541528853610088

#if defined(__GNUC__)
#define HD_LIKELY(x) __builtin_expect(!!(x), 1)
#define HD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HD_NOINLINE __attribute__((noinline))
#else
#define HD_LIKELY(x) (x)
#define HD_UNLIKELY(x) (x)
#define HD_NOINLINE
#endif

/* ---------------------------------------------------------------- tables ---------- */

static uint64_t zig_k[ZIG_C];        /* accept j < zig_k[i] */
static double zig_w[ZIG_C];          /* X[i] * 2^-53 */
static double zig_ws[2 * ZIG_C];     /* [sign bit, layer] -> +-X[i] * 2^-53 (bits 0..8 of a word) */
static double zig_x[ZIG_C + 1];      /* X[0] = V/f(R), X[1] = R, ..., X[256] = 0 */
static double zig_f[ZIG_C + 1];      /* f(X[i]) = exp(-X[i]^2/2) */
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void) {
  const double R = ZIG_R;
  const double fR = exp(-0.5 * R * R);
  /* area of each layer (unnormalised density exp(-x^2/2)) */
  const double V = R * fR + sqrt(M_PI / 2.0) * erfc(R / sqrt(2.0));
  zig_x[0] = V / fR;
  zig_x[1] = R;
  for (int i = 1; i < ZIG_C - 1; i++)
    zig_x[i + 1] = sqrt(-2.0 * log(V / zig_x[i] + exp(-0.5 * zig_x[i] * zig_x[i])));
  zig_x[ZIG_C] = 0.0;
  for (int i = 0; i <= ZIG_C; i++) zig_f[i] = exp(-0.5 * zig_x[i] * zig_x[i]);
  for (int i = 0; i < ZIG_C; i++) {
    zig_w[i] = ldexp(zig_x[i], -53);
    zig_ws[i] = zig_w[i];
    zig_ws[ZIG_C + i] = -zig_w[i];
    zig_k[i] = (uint64_t)ldexp(zig_x[i + 1] / zig_x[i], 53); /* < 2^53, exact conversion */
  }
}

static inline void zig_tables(void) { pthread_once(&zig_once, zig_init); }

/* ---------------------------------------------------------------- Philox ---------- */

static inline void philox_block(const struct hd_rng *r, uint64_t m, uint64_t out[4]) {
  philox4x64_ctr_t c = {{r->step, m, r->purpose, 0}};
  philox4x64_key_t k = {{r->key[0], r->key[1]}};
  philox4x64_ctr_t y = philox4x64(c, k);
  out[0] = y.v[0];
  out[1] = y.v[1];
  out[2] = y.v[2];
  out[3] = y.v[3];
}

void hd_rng_init(struct hd_rng *r, uint64_t seed, uint64_t run, uint64_t purpose, uint64_t step) {
  memset(r, 0, sizeof *r);
  r->key[0] = seed;
  r->key[1] = run;
  r->purpose = purpose;
  hd_rng_seek(r, step);
}

void hd_rng_seek(struct hd_rng *r, uint64_t step) {
  r->step = step;
  r->used = 4;       /* buffer empty */
  r->block_pos = 0;  /* next Philox block within this step */
}

static inline uint64_t rng_next(struct hd_rng *r) {
  if (HD_UNLIKELY(r->used >= 4)) {
    philox_block(r, r->block_pos, r->buf);
    r->block_pos++;
    r->used = 0;
  }
  return r->buf[r->used++];
}

uint64_t hd_rng_u64(struct hd_rng *r) { return rng_next(r); }

/* Integer-only code gives the same bits on every x86-64, so the bulk Philox pass may be
 * cloned for BMI2 (mulx: ~30% faster) and picked at load time; the rest stays baseline. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(HDSIM_NO_TARGET_CLONES) && \
    !defined(__SANITIZE_ADDRESS__)
#define HD_PHILOX_CLONES __attribute__((target_clones("default", "bmi2")))
#endif
#endif
#ifndef HD_PHILOX_CLONES
#define HD_PHILOX_CLONES
#endif

/* Generates blocks block_pos .. block_pos+nb-1 into w[0..4nb) and moves past them. */
HD_PHILOX_CLONES static void philox_fill(struct hd_rng *r, uint64_t *restrict w, size_t nb) {
  const philox4x64_key_t k = {{r->key[0], r->key[1]}};
  const uint64_t step = r->step, purpose = r->purpose, m0 = r->block_pos;
  for (size_t b = 0; b < nb; b++) {
    philox4x64_ctr_t c = {{step, m0 + b, purpose, 0}};
    philox4x64_ctr_t y = philox4x64(c, k);
    w[4 * b + 0] = y.v[0];
    w[4 * b + 1] = y.v[1];
    w[4 * b + 2] = y.v[2];
    w[4 * b + 3] = y.v[3];
  }
  r->block_pos = m0 + nb;
  r->used = 4;
}

/* ------------------------------------------------------------ word source ---------- */

/* Words come from w[pos..len) first, then from the stream itself (whose position is just
 * past w).  With len == 0 it is the stream. */
struct wsrc {
  const uint64_t *w;
  size_t pos, len;
  struct hd_rng *r;
};

static inline uint64_t ws_next(struct wsrc *s) {
  if (s->pos < s->len) return s->w[s->pos++];
  return rng_next(s->r);
}

/* (0,1): j / 2^53 for the top 53 bits j of a word, a zero j being skipped (next word). */
static inline double ws_uniform(struct wsrc *s) {
  uint64_t j;
  do j = ws_next(s) >> 11;
  while (HD_UNLIKELY(j == 0));
  return (double)(int64_t)j * 0x1p-53;
}

double hd_rng_uniform(struct hd_rng *r) {
  struct wsrc s = {NULL, 0, 0, r};
  return ws_uniform(&s);
}

/* ------------------------------------------------------------- ziggurat ------------- */

static inline double with_sign(double x, uint64_t w) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  b ^= (w & 0x100u) << 55; /* bit 8 -> bit 63 */
  memcpy(&x, &b, sizeof b);
  return x;
}

/* The draw for word w whose fast test failed (or any word: the test is repeated). */
static HD_NOINLINE double zig_slow(uint64_t w, struct wsrc *s) {
  for (;;) {
    const unsigned i = (unsigned)(w & 0xFFu);
    const uint64_t j = w >> 11;
    const double x = (double)(int64_t)j * zig_w[i];
    if (j < zig_k[i]) return with_sign(x, w);
    if (i == 0) { /* tail beyond R */
      double xt, y;
      do {
        xt = -log(ws_uniform(s)) / ZIG_R;
        y = -log(ws_uniform(s));
      } while (y + y < xt * xt);
      return with_sign(ZIG_R + xt, w);
    }
    /* wedge: x in [X[i+1], X[i]); point height f(X[i]) + u (f(X[i+1]) - f(X[i])) */
    const double u = ws_uniform(s);
    if (zig_f[i] + u * (zig_f[i + 1] - zig_f[i]) < exp(-0.5 * x * x)) return with_sign(x, w);
    w = ws_next(s);
  }
}

static inline double zig(uint64_t w, struct wsrc *s) {
  const unsigned i = (unsigned)(w & 0xFFu);
  const uint64_t j = w >> 11;
  if (HD_LIKELY(j < zig_k[i])) return (double)(int64_t)j * zig_ws[w & 0x1FFu];
  return zig_slow(w, s);
}

double hd_rng_normal(struct hd_rng *r) {
  zig_tables();
  struct wsrc s = {NULL, 0, 0, r};
  const uint64_t w = rng_next(r);
  return zig(w, &s);
}

/* ------------------------------------------------------------- arrays ---------------- */

#define ZIG_CHUNK_BLOCKS 256 /* 1024 words = 8 KiB of Philox output per pass */

/* The longest run of fast-path draws o[0..j) from w[0..j), j <= m, with o[j] = sc[j] z_j
 * (sc == NULL: o[j] = z_j).  Stops at the first word whose fast test fails. */
static inline size_t zig_fast_run(const uint64_t *restrict w, double *restrict o,
                                  const double *restrict sc, size_t m) {
  size_t j = 0;
  for (; j < m; j++) {
    const uint64_t wj = w[j];
    const unsigned l = (unsigned)(wj & 0xFFu);
    const uint64_t u = wj >> 11;
    if (HD_UNLIKELY(u >= zig_k[l])) break;
    const double z = (double)(int64_t)u * zig_ws[wj & 0x1FFu]; /* = with_sign(u * zig_w[l], wj) */
    o[j] = sc ? sc[j] * z : z;
  }
  return j;
}

void hd_rng_normal_array_scaled(struct hd_rng *r, double *restrict out, const double *restrict scale,
                                size_t n) {
  uint64_t wb[4 * ZIG_CHUNK_BLOCKS];
  size_t i = 0;
  zig_tables();
  while (i < n) {
    /* finish a partly used block one draw at a time (exactly hd_rng_normal) */
    while (r->used < 4 && i < n) {
      struct wsrc s0 = {NULL, 0, 0, r};
      const double z = zig(rng_next(r), &s0);
      out[i] = scale ? scale[i] * z : z;
      i++;
    }
    if (i == n) break;

    /* pass 1: Philox words for the rest (plus ~1.6% for slow-path draws), in a tight loop */
    const size_t need = n - i;
    size_t nb = (need + need / 64 + 4 + 3) / 4;
    if (nb > ZIG_CHUNK_BLOCKS) nb = ZIG_CHUNK_BLOCKS;
    const uint64_t m0 = r->block_pos;
    philox_fill(r, wb, nb);

    /* pass 2: transform; a slow path may take further words from wb, then from r */
    struct wsrc s = {wb, 0, 4 * nb, r};
    for (;;) {
      const size_t m = n - i < s.len - s.pos ? n - i : s.len - s.pos;
      if (m == 0) break;
      const size_t j = scale ? zig_fast_run(wb + s.pos, out + i, scale + i, m)
                             : zig_fast_run(wb + s.pos, out + i, NULL, m);
      i += j;
      s.pos += j;
      if (j < m) { /* word wb[s.pos] failed the fast test */
        const uint64_t w = wb[s.pos++];
        const double z = zig_slow(w, &s);
        out[i] = scale ? scale[i] * z : z;
        i++;
      }
    }

    /* unused words left in wb: put the stream back just after the last word used */
    if (s.pos < s.len) {
      const size_t p = s.pos;
      if (p % 4 == 0) {
        r->block_pos = m0 + p / 4;
        r->used = 4;
      } else {
        r->block_pos = m0 + p / 4 + 1;
        memcpy(r->buf, wb + 4 * (p / 4), sizeof r->buf);
        r->used = (unsigned)(p % 4);
      }
    }
  }
}

void hd_rng_normal_array(struct hd_rng *r, double *out, size_t n) {
  hd_rng_normal_array_scaled(r, out, NULL, n);
}

/* sign patterns of the 16 nibbles: bit b -> entry b, 0 -> +1, 1 -> -1 */
static const double rad_tab[16][4] = {
    {1, 1, 1, 1},   {-1, 1, 1, 1},   {1, -1, 1, 1},   {-1, -1, 1, 1},
    {1, 1, -1, 1},  {-1, 1, -1, 1},  {1, -1, -1, 1},  {-1, -1, -1, 1},
    {1, 1, 1, -1},  {-1, 1, 1, -1},  {1, -1, 1, -1},  {-1, -1, 1, -1},
    {1, 1, -1, -1}, {-1, 1, -1, -1}, {1, -1, -1, -1}, {-1, -1, -1, -1}};

void hd_rng_rademacher_array(struct hd_rng *r, double *out, size_t n) {
  /* bit b of the w-th word gives out[64 w + b]: 0 -> +1, 1 -> -1; the unused bits of the
   * last word are dropped */
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const uint64_t w = rng_next(r);
    for (unsigned q = 0; q < 16; q++) memcpy(out + i + 4 * q, rad_tab[(w >> (4 * q)) & 15u], 32);
  }
  if (i < n) {
    const uint64_t w = rng_next(r);
    for (unsigned b = 0; i + b < n; b++) out[i + b] = ((w >> b) & 1u) ? -1.0 : 1.0;
  }
}

const char *hd_rng_kernel_name(void)
{
  return "philox4x64-10+ziggurat256 (portable C, ISA " HDSIM_KERNEL_ISA ")";
}
