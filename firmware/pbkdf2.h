/*
 * PBKDF2-HMAC-SHA256 (RFC 8018, section 5.2) computed in slices, so that a
 * deliberately slow derivation (the console lock's passphrase hash, lock.h)
 * never holds the superloop for long: pbkdf2_start() keys the HMAC,
 * pbkdf2_step() runs a bounded number of iterations per call, and the key
 * is in the caller's buffer once a step returns 1.  The result is the one
 * mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, ...) gives in one call;
 * it is built on the same HMAC (mbedtls_md_hmac_*), an iteration costing
 * the same four SHA-256 blocks.
 *
 * Memory: the context (about 0.1 KB) is the caller's; mbedTLS's HMAC state
 * (a SHA-256 context and the key's two pads, about 0.25 KB) comes from
 * mbedTLS's heap from pbkdf2_start() until the last step or pbkdf2_abort(),
 * which wipe it.  One derivation per context at a time; not reentrant
 * otherwise.
 */
#ifndef PBKDF2_H
#define PBKDF2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/md.h"

#define PBKDF2_HASH_LEN 32u  /* SHA-256: one block of output */

enum {
    PBKDF2_E_BAD_INPUT = -1, /* no iterations, or an empty output */
    PBKDF2_E_NO_MEMORY = -2, /* mbedTLS's heap could not hold the HMAC state */
    PBKDF2_E_CRYPTO = -3     /* mbedTLS failed otherwise */
};

typedef struct {
    mbedtls_md_context_t md;
    bool running;
    uint32_t iterations;
    uint32_t done;           /* iterations of the current block made so far */
    uint32_t block;          /* 1-based index of the output block being made */
    uint8_t u[PBKDF2_HASH_LEN];
    uint8_t t[PBKDF2_HASH_LEN];
    const uint8_t *salt;
    size_t salt_len;
    uint8_t *out;
    size_t out_len;
    size_t out_done;
} pbkdf2_t;

/* Keys the HMAC with pass; salt and out (out_len bytes) must live until
 * the last step.  The pass
 * bytes are not kept (the HMAC keeps its pads in mbedTLS's heap).  0, or a
 * PBKDF2_E_* code with nothing left allocated. */
int pbkdf2_start(pbkdf2_t *p, const void *pass, size_t pass_len, const void *salt, size_t salt_len,
                 uint32_t iterations, void *out, size_t out_len);

/* Runs at most max_iterations more iterations (at least one): 1 when the
 * key is complete in out (the HMAC state is then wiped and freed), 0 when
 * more remain, or a PBKDF2_E_* code (everything wiped and freed). */
int pbkdf2_step(pbkdf2_t *p, uint32_t max_iterations);

/* Drops a derivation (done or not): wipes the context and frees the HMAC
 * state.  Harmless on a context that holds none. */
void pbkdf2_abort(pbkdf2_t *p);

#endif
