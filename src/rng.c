/* rng.c — Philox4x32-10 streams and a 256-layer ziggurat for N(0,1).
 *
 * Stream layout.  The Philox4x32 key is (seed, run): {seed_lo, run32}, with run32 = run
 * for run < 2^32 - 1 and 0xFFFFFFFF for run = UINT64_MAX (problem-level streams); the
 * counter of the m-th block of block (step) `step` of purpose `purpose` is
 *   {m, step_lo, step_hi | purpose << 24, seed_hi},
 * so (seed, run, purpose, step, m) -> (key, counter) is one-to-one within the limits in
 * rng.h (seeds below 2^32, the usual ones, are the key's first word alone).  Block m
 * gives the 64-bit words y0 | y1 << 32 and y2 | y3 << 32, in that order; hd_rng_u64
 * returns the words of blocks m = 0, 1, 2, ... in turn.
 *
 * Why Philox4x32 and not 4x64: the 64-bit multiply-high of Philox4x64 has no SIMD form,
 * so 4x64 costs ~2.5 ns per 64-bit word on the dev machine whatever the ISA, and the
 * Gaussian draw needs one word per deviate.  Philox4x32's 32x32->64 multiply is one
 * pmuludq per lane: with AVX2, three groups of four blocks in flight give ~1.2 ns per
 * word, and the kernel as a whole runs ~1.5x faster (bench/README.md).  The vector passes
 * are integer code and give the same words as the scalar Random123 call, bit for bit
 * (tests: rng, isa_bits).
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
 * pass (vectorised, above), then transforms the buffer; the sign comes with the layer
 * width from one table (z = j * (+-X[i] 2^-53): negation is exact, so the bits are those
 * of the sign-bit form).  About 2.4 ns per deviate with AVX2 on the 2-core dev machine. */
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ZIG_C 256
#define ZIG_R 3.6541528853610088

#if defined(__GNUC__)
#define HD_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HD_NOINLINE    __attribute__((noinline))
#else
#define HD_LIKELY(x)   (x)
#define HD_UNLIKELY(x) (x)
#define HD_NOINLINE
#endif

/* ---------------------------------------------------------------- tables ---------- */

static uint64_t zig_k[ZIG_C];    /* accept j < zig_k[i] */
static double zig_w[ZIG_C];      /* X[i] * 2^-53 */
static double zig_ws[2 * ZIG_C]; /* [sign bit, layer] -> +-X[i] * 2^-53 (bits 0..8 of a word) */
static double zig_x[ZIG_C + 1];  /* X[0] = V/f(R), X[1] = R, ..., X[256] = 0 */
static double zig_f[ZIG_C + 1];  /* f(X[i]) = exp(-X[i]^2/2) */
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
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

#define RUN_PROBLEM 0xFFFFFFFFu /* key word 1 of the run = UINT64_MAX streams */

static void layout_fail(const char *what, uint64_t v)
{
  fprintf(stderr,
          "hdsim: internal error: random stream %s %" PRIu64 " outside the key and counter "
          "layout (src/rng.h)\n",
          what, v);
  abort();
}

/* Block m of the current step, as two 64-bit words. */
static inline void philox_block(const struct hd_rng *r, uint64_t m, uint64_t out[2])
{
  philox4x32_ctr_t c = {{(uint32_t)m, r->ctr[1], r->ctr[2], r->ctr[3]}};
  philox4x32_key_t k = {{r->key[0], r->key[1]}};
  philox4x32_ctr_t y = philox4x32(c, k);
  out[0] = (uint64_t)y.v[0] | (uint64_t)y.v[1] << 32;
  out[1] = (uint64_t)y.v[2] | (uint64_t)y.v[3] << 32;
}

void hd_rng_init(struct hd_rng *r, uint64_t seed, uint64_t run, uint64_t purpose, uint64_t step)
{
  memset(r, 0, sizeof *r);
  if (run >= RUN_PROBLEM && run != UINT64_MAX) layout_fail("run", run);
  if (purpose > 255) layout_fail("purpose", purpose);
  r->key[0] = (uint32_t)seed;
  r->key[1] = run == UINT64_MAX ? RUN_PROBLEM : (uint32_t)run;
  r->ctr[3] = (uint32_t)(seed >> 32);
  r->purpose = purpose;
  hd_rng_seek(r, step);
}

void hd_rng_seek(struct hd_rng *r, uint64_t step)
{
  if (HD_UNLIKELY(step >> 56)) layout_fail("step", step);
  r->step = step;
  r->ctr[1] = (uint32_t)step;
  r->ctr[2] = (uint32_t)(step >> 32) | (uint32_t)r->purpose << 24;
  r->used = 2;      /* buffer empty */
  r->block_pos = 0; /* next Philox block within this step */
}

static inline uint64_t rng_next(struct hd_rng *r)
{
  if (HD_UNLIKELY(r->used >= 2)) {
    if (HD_UNLIKELY(r->block_pos >> 32)) layout_fail("block", r->block_pos);
    philox_block(r, r->block_pos, r->buf);
    r->block_pos++;
    r->used = 0;
  }
  return r->buf[r->used++];
}

uint64_t hd_rng_u64(struct hd_rng *r) { return rng_next(r); }

/* The bulk pass: blocks m0 .. m0+nb-1 of the current step into w[0..2nb).  Philox4x32's
 * multiply is a 32x32->64 product, which SSE2/AVX2 do in every 64-bit lane (pmuludq).
 * Each lane carries one block (its 32-bit words zero-extended; the high halves of the
 * product lanes are don't-care, as pmuludq reads only the low 32 bits), and PHX_G
 * groups of lanes are in flight so the multiply latency is hidden.  Same words as
 * philox_block, bit for bit: integer arithmetic, the same rounds and key schedule. */
#if defined(__AVX2__)
#include <immintrin.h>
typedef __m256i phx_v;
#define PHX_LANES    4
#define phx_set1(a)  _mm256_set1_epi64x((long long)(a))
#define phx_mul      _mm256_mul_epu32
#define phx_srl32(a) _mm256_srli_epi64(a, 32)
#define phx_sll32(a) _mm256_slli_epi64(a, 32)
#define phx_xor      _mm256_xor_si256
#define phx_and      _mm256_and_si256
#define phx_or       _mm256_or_si256
static inline phx_v phx_lanes(uint32_t m)
{
  return _mm256_set_epi64x((long long)(uint32_t)(m + 3), (long long)(uint32_t)(m + 2),
                           (long long)(uint32_t)(m + 1), (long long)m);
}
/* lane j of e (even words) and o (odd words) -> w[2j], w[2j+1] */
static inline void phx_store(uint64_t *w, phx_v e, phx_v o)
{
  const phx_v t0 = _mm256_unpacklo_epi64(e, o), t1 = _mm256_unpackhi_epi64(e, o);
  _mm256_storeu_si256((phx_v *)w, _mm256_permute2x128_si256(t0, t1, 0x20));
  _mm256_storeu_si256((phx_v *)(w + 4), _mm256_permute2x128_si256(t0, t1, 0x31));
}
#define PHX_G    3
#define PHX_KIND "AVX2 Philox pass"
#elif defined(__SSE2__)
#include <emmintrin.h>
typedef __m128i phx_v;
#define PHX_LANES    2
#define phx_set1(a)  _mm_set1_epi64x((long long)(a))
#define phx_mul      _mm_mul_epu32
#define phx_srl32(a) _mm_srli_epi64(a, 32)
#define phx_sll32(a) _mm_slli_epi64(a, 32)
#define phx_xor      _mm_xor_si128
#define phx_and      _mm_and_si128
#define phx_or       _mm_or_si128
static inline phx_v phx_lanes(uint32_t m)
{
  return _mm_set_epi64x((long long)(uint32_t)(m + 1), (long long)m);
}
static inline void phx_store(uint64_t *w, phx_v e, phx_v o)
{
  _mm_storeu_si128((phx_v *)w, _mm_unpacklo_epi64(e, o));
  _mm_storeu_si128((phx_v *)(w + 2), _mm_unpackhi_epi64(e, o));
}
#define PHX_G        3
#define PHX_KIND     "SSE2 Philox pass"
#endif
#ifndef PHX_KIND
#define PHX_KIND "portable C"
#endif

static void philox_fill(struct hd_rng *r, uint64_t *restrict w, size_t nb)
{
  const uint64_t m0 = r->block_pos;
  if (HD_UNLIKELY((m0 + nb) >> 32)) layout_fail("block", m0 + nb);
  size_t b = 0;
#ifdef PHX_G
  const phx_v M0 = phx_set1(PHILOX_M4x32_0), M1 = phx_set1(PHILOX_M4x32_1);
  const phx_v lo32 = phx_set1(0xFFFFFFFFu);
  const phx_v c1 = phx_set1(r->ctr[1]), c2 = phx_set1(r->ctr[2]), c3 = phx_set1(r->ctr[3]);
  for (; b + PHX_G * PHX_LANES <= nb; b += PHX_G * PHX_LANES) {
    phx_v x0[PHX_G], x1[PHX_G], x2[PHX_G], x3[PHX_G];
    for (int g = 0; g < PHX_G; g++) {
      x0[g] = phx_lanes((uint32_t)(m0 + b) + (uint32_t)(g * PHX_LANES));
      x1[g] = c1;
      x2[g] = c2;
      x3[g] = c3;
    }
    uint32_t ka = r->key[0], kb = r->key[1];
    for (int round = 0; round < 10; round++) { /* Random123's philox4x32round + bumpkey */
      const phx_v K0 = phx_set1(ka), K1 = phx_set1(kb);
      for (int g = 0; g < PHX_G; g++) {
        const phx_v p0 = phx_mul(x0[g], M0), p1 = phx_mul(x2[g], M1);
        const phx_v s1 = phx_xor(x1[g], K0), s3 = phx_xor(x3[g], K1);
        x0[g] = phx_xor(phx_srl32(p1), s1); /* hi1 ^ x1 ^ k0 */
        x1[g] = p1;                         /* lo1 (low half) */
        x2[g] = phx_xor(phx_srl32(p0), s3); /* hi0 ^ x3 ^ k1 */
        x3[g] = p0;                         /* lo0 (low half) */
      }
      ka += PHILOX_W32_0;
      kb += PHILOX_W32_1;
    }
    for (int g = 0; g < PHX_G; g++) {
      const phx_v e = phx_or(phx_and(x0[g], lo32), phx_sll32(x1[g])); /* y0 | y1 << 32 */
      const phx_v o = phx_or(phx_and(x2[g], lo32), phx_sll32(x3[g])); /* y2 | y3 << 32 */
      phx_store(w + 2 * (b + (size_t)g * PHX_LANES), e, o);
    }
  }
#endif
  for (; b < nb; b++) philox_block(r, m0 + b, w + 2 * b);
  r->block_pos = m0 + nb;
  r->used = 2;
}

/* ------------------------------------------------------------ word source ---------- */

/* Words come from w[pos..len) first, then from the stream itself (whose position is just
 * past w).  With len == 0 it is the stream. */
struct wsrc {
  const uint64_t *w;
  size_t pos, len;
  struct hd_rng *r;
};

static inline uint64_t ws_next(struct wsrc *s)
{
  if (s->pos < s->len) return s->w[s->pos++];
  return rng_next(s->r);
}

/* (0,1): j / 2^53 for the top 53 bits j of a word, a zero j being skipped (next word). */
static inline double ws_uniform(struct wsrc *s)
{
  uint64_t j;
  do j = ws_next(s) >> 11;
  while (HD_UNLIKELY(j == 0));
  return (double)(int64_t)j * 0x1p-53;
}

double hd_rng_uniform(struct hd_rng *r)
{
  struct wsrc s = {NULL, 0, 0, r};
  return ws_uniform(&s);
}

/* ------------------------------------------------------------- ziggurat ------------- */

static inline double with_sign(double x, uint64_t w)
{
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  b ^= (w & 0x100u) << 55; /* bit 8 -> bit 63 */
  memcpy(&x, &b, sizeof b);
  return x;
}

/* The draw for word w whose fast test failed (or any word: the test is repeated). */
static HD_NOINLINE double zig_slow(uint64_t w, struct wsrc *s)
{
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

static inline double zig(uint64_t w, struct wsrc *s)
{
  const unsigned i = (unsigned)(w & 0xFFu);
  const uint64_t j = w >> 11;
  if (HD_LIKELY(j < zig_k[i])) return (double)(int64_t)j * zig_ws[w & 0x1FFu];
  return zig_slow(w, s);
}

double hd_rng_normal(struct hd_rng *r)
{
  zig_tables();
  struct wsrc s = {NULL, 0, 0, r};
  const uint64_t w = rng_next(r);
  return zig(w, &s);
}

/* ------------------------------------------------------------- arrays ---------------- */

#define ZIG_CHUNK_BLOCKS 512 /* 1024 words = 8 KiB of Philox output per pass */

/* The longest run of fast-path draws o[0..j) from w[0..j), j <= m, with o[j] = sc[j] z_j
 * (sc == NULL: o[j] = z_j).  Stops at the first word whose fast test fails. */
static inline size_t zig_fast_run(const uint64_t *restrict w, double *restrict o,
                                  const double *restrict sc, size_t m)
{
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

void hd_rng_normal_array_scaled(struct hd_rng *r, double *restrict out,
                                const double *restrict scale, size_t n)
{
  uint64_t wb[2 * ZIG_CHUNK_BLOCKS];
  size_t i = 0;
  zig_tables();
  while (i < n) {
    /* finish a partly used block one draw at a time (exactly hd_rng_normal) */
    while (r->used < 2 && i < n) {
      struct wsrc s0 = {NULL, 0, 0, r};
      const double z = zig(rng_next(r), &s0);
      out[i] = scale ? scale[i] * z : z;
      i++;
    }
    if (i == n) break;

    /* pass 1: Philox words for the rest (plus ~1.6% for slow-path draws), in a tight loop */
    const size_t need = n - i;
    size_t nb = (need + need / 64 + 4 + 1) / 2;
    if (nb > ZIG_CHUNK_BLOCKS) nb = ZIG_CHUNK_BLOCKS;
    const uint64_t m0 = r->block_pos;
    philox_fill(r, wb, nb);

    /* pass 2: transform; a slow path may take further words from wb, then from r */
    struct wsrc s = {wb, 0, 2 * nb, r};
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
      if (p % 2 == 0) {
        r->block_pos = m0 + p / 2;
        r->used = 2;
      } else {
        r->block_pos = m0 + p / 2 + 1;
        memcpy(r->buf, wb + 2 * (p / 2), sizeof r->buf);
        r->used = 1;
      }
    }
  }
}

void hd_rng_normal_array(struct hd_rng *r, double *out, size_t n)
{
  hd_rng_normal_array_scaled(r, out, NULL, n);
}

/* sign patterns of the 16 nibbles: bit b -> entry b, 0 -> +1, 1 -> -1 */
static const double rad_tab[16][4] = {
    {1, 1, 1, 1},   {-1, 1, 1, 1},   {1, -1, 1, 1},   {-1, -1, 1, 1},
    {1, 1, -1, 1},  {-1, 1, -1, 1},  {1, -1, -1, 1},  {-1, -1, -1, 1},
    {1, 1, 1, -1},  {-1, 1, 1, -1},  {1, -1, 1, -1},  {-1, -1, 1, -1},
    {1, 1, -1, -1}, {-1, 1, -1, -1}, {1, -1, -1, -1}, {-1, -1, -1, -1}};

void hd_rng_rademacher_array(struct hd_rng *r, double *out, size_t n)
{
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
  return "philox4x32-10+ziggurat256 (" PHX_KIND ", ISA " HDSIM_KERNEL_ISA ")";
}
