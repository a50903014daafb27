/* sha256.h — SHA-256 (FIPS 180-4), small and dependency-free, for the provenance digest
 * of an output (provenance.h).  Not for secrets: plain C, no constant-time care. */
#ifndef HDSIM_SHA256_H
#define HDSIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct hd_sha256 {
  uint32_t h[8];
  uint64_t bytes; /* message length so far */
  unsigned char buf[64];
  size_t fill; /* bytes waiting in buf */
};

void hd_sha256_init(struct hd_sha256 *s);
void hd_sha256_update(struct hd_sha256 *s, const void *data, size_t n);
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void hd_sha256_final_hex(struct hd_sha256 *s, char hex[65]);
/* One call: the digest of data[0..n). */
void hd_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
