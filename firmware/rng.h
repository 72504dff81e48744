/*
 * The device's one random generator: an AES-256 CTR_DRBG seeded from the
 * board's entropy source (hal_entropy.h), reseeded by mbedTLS on its own
 * schedule.  TLS, PSA Crypto, lwIP's TCP sequence numbers and DNS ids, and
 * the retry jitter all draw from it.
 *
 * Without an entropy source (QEMU without semihosting) rng_ready() is false:
 * TLS refuses every connection (no-entropy), and rng_u32() falls back to a
 * generator stirred with the tick, which is all lwIP then gets; no key is
 * ever made from it.
 */
#ifndef RNG_H
#define RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seeds the generator; false when there is no working source.  Call once at
 * start-up (again only in tests). */
bool rng_init(void);
bool rng_ready(void);

/* len bytes from the DRBG: 0, or -1 when it is not ready or failed (buf is
 * then not to be used). */
int rng_fill(void *buf, size_t len);

/* A 32-bit value: from the DRBG when ready, else from the fallback. */
uint32_t rng_u32(void);

/* mbedTLS's f_rng shape (mbedtls_ssl_conf_rng): p_rng is unused. */
int rng_mbedtls(void *p_rng, unsigned char *out, size_t len);

#endif
