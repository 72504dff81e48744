/*
 * The board's entropy source: full-entropy bytes for seeding the TLS random
 * generator (the firmware wraps it as an mbedTLS entropy source; this header
 * knows nothing of mbedTLS).
 *
 * Contract:
 *  - Called from the superloop only; not ISR-safe, not reentrant.
 *  - hal_entropy_init() is called once before any read; calling it again
 *    returns the first call's result and touches nothing.
 *  - After an init that did not return HAL_ENTROPY_OK (or before init),
 *    every read returns that same error (HAL_ENTROPY_ERR_ABSENT before init)
 *    and leaves buf untouched.  There is no fallback to a weaker source.
 *  - A read blocks only as long as the hardware needs to produce len bytes
 *    (microseconds for the sizes TLS asks for); every wait is bounded.
 *  - A read that fails may have written part of buf: the caller must not use
 *    any of it.
 */
#ifndef HAL_ENTROPY_H
#define HAL_ENTROPY_H

#include <stddef.h>

typedef enum {
    HAL_ENTROPY_OK = 0,
    HAL_ENTROPY_ERR_ABSENT = -1, /* no source on this run (QEMU without semihosting) */
    HAL_ENTROPY_ERR_FAILED = -2  /* the source failed a health test or stopped answering */
} hal_entropy_status_t;

/* Brings the source up and runs its start-up self-test: HAL_ENTROPY_OK,
 * HAL_ENTROPY_ERR_ABSENT when there is none, HAL_ENTROPY_ERR_FAILED when it
 * is there but failed the test. */
int hal_entropy_init(void);

/* Fills buf with len bytes of full-entropy data: HAL_ENTROPY_OK, or a
 * negative hal_entropy_status_t.  A read that fails a continuous health test
 * (a repeated sample) or meets a hardware error retries a bounded number of
 * times, then returns HAL_ENTROPY_ERR_FAILED; the next read tries again.
 * With a working source, len 0 succeeds without touching buf (NULL is fine). */
int hal_entropy_read(void *buf, size_t len);


#endif
