/*
 * What mbedTLS needs from the firmware (firmware/port/mbedtls_config.h names
 * these hooks): its own static memory pool, the wall-clock time, a gmtime
 * that does not allocate, and a way to stop on heap corruption.  The entropy
 * source is not here: the TLS glue registers it with
 * mbedtls_entropy_add_source().
 */
#ifndef TLSPORT_H
#define TLSPORT_H

#include <stddef.h>
#include <time.h>

/* The pool every mbedTLS allocation comes from: one TLS session (16 KB
 * incoming record buffer, 2 KB outgoing, the server's chain while it is
 * verified, the ECDHE and RSA arithmetic) plus `ca add`.  A board may
 * override it with -DTLSPORT_POOL_SIZE=... .
 *
 * Peaks measured on a Cortex-M3 (QEMU mps2-an385, -icount shift=4, this
 * configuration, openssl s_server, a 1,950-byte request), tlsport_pool_peak():
 *   after mbedtls_ssl_setup (the two record buffers and contexts)  19.8 KB
 *   RSA-2048 root (as DigiCert G2), 1.6 KB leaf with 31 names      30.0 KB
 *   RSA-4096 root (as Microsoft RSA 2017), the same leaf           35.2 KB
 *   RSA-4096 root, 3.4 KB leaf with 101 names                      38.5 KB
 *   ECDSA P-384 root and intermediate, P-256 leaf, 101 names       30.5 KB
 *   `ca add` of a self-signed RSA-4096 root (P-384 root: 4.5 KB)   11.6 KB
 * Each name in the server's certificate costs a 48-byte block while the
 * chain is verified.  A pool smaller than the peak fails the handshake. */
#ifndef TLSPORT_POOL_SIZE
#define TLSPORT_POOL_SIZE (39u * 1024u)
#endif

/* Gives mbedTLS the pool (mbedtls_memory_buffer_alloc_init) and paints its
 * free space for tlsport_pool_peak().  Call once at start-up, before any
 * other mbedTLS call; calling it again is allowed only while no mbedTLS
 * object holds memory (the host tests do). */
void tlsport_init(void);

size_t tlsport_pool_size(void);
/* High-water mark: bytes from the pool's start to the highest byte ever
 * handed out (headers and fragmentation included, to within 72 bytes), in
 * the manner of a painted stack. */
size_t tlsport_pool_peak(void);

/* MBEDTLS_PLATFORM_TIME_MACRO: UTC seconds since 1970 from the wall clock,
 * or (time_t)-1 while the clock is not set.  Also stored in *t when t is not
 * NULL. */
time_t tlsport_time(time_t *t);

/* MBEDTLS_PLATFORM_EXIT_MACRO: only the pool allocator calls it, when it
 * finds its block headers corrupted.  Faults (EVT fault, then a reset). */
void tlsport_exit(int status) __attribute__((noreturn));

/* mbedtls_platform_gmtime_r() (MBEDTLS_PLATFORM_GMTIME_R_ALT) is declared in
 * mbedtls/platform_util.h and defined in tlsport.c: NULL for times before
 * 1970 (the unset clock) or after 9999. */

#endif
