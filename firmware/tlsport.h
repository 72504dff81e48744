/*
 * What mbedTLS needs from the firmware (firmware/port/mbedtls_pb_config.h names
 * these hooks): its memory, the wall-clock time, a monotonic millisecond
 * clock and a gmtime that does not allocate.  Randomness is rng.h's.
 *
 * The memory is the C library's heap (newlib-nano's malloc), which the
 * board's linker script gives all the RAM that nothing else needs
 * (hal_board.h's hal_heap_*).  The firmware's own blocks (the HTTPS
 * exchange's request and parser, the saved TLS session) come through
 * mbedtls_calloc too, so the counts below see every allocation but the
 * store's RAM-only fallback (no medium at all); lwIP has its own pools.
 * newlib-nano keeps 4 to 8 bytes per block where mbedTLS's own
 * memory_buffer_alloc keeps 32, and a certificate with 150 names is 150
 * small blocks.
 */
#ifndef TLSPORT_H
#define TLSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Points mbedTLS at the heap through a layer that counts failed
 * allocations, and starts PSA Crypto.  Call once at start-up, before any
 * other mbedTLS call (again only in the host tests, while no mbedTLS object
 * holds memory).  Before it, mbedtls_calloc() returns NULL. */
void tlsport_init(void);

/* The heap's size and high-water mark (bytes ever taken from it,
 * fragmentation included): the TLS session's memory. */
size_t tlsport_pool_size(void);
size_t tlsport_pool_peak(void);
/* Allocations through mbedtls_calloc that failed since boot.  A TLS session that
 * failed while this went up ran out of memory, whatever else mbedTLS said
 * (a certificate check whose arithmetic could not allocate reports the
 * certificate as untrusted). */
uint32_t tlsport_alloc_failures(void);

/* MBEDTLS_PLATFORM_TIME_MACRO: UTC seconds since 1970 from the wall clock,
 * or (time_t)-1 while the clock is not set.  Also stored in *t when t is not
 * NULL. */
time_t tlsport_time(time_t *t);

/* mbedtls_platform_gmtime_r() (MBEDTLS_PLATFORM_GMTIME_R_ALT) and
 * mbedtls_ms_time() (MBEDTLS_PLATFORM_MS_TIME_ALT) are declared by mbedTLS
 * and defined in tlsport.c. */

#endif
