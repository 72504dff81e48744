/*
 * One TLS 1.2 client connection over lwIP's raw TCP API, driven from the
 * superloop: tls_poll() advances it without ever waiting for the network.
 *
 * Verification is always required: the chain must end at a trust anchor of
 * ca.h, be valid now, and name the host (SNI is sent).  Nothing can be
 * written before the handshake has verified the peer.  mbedTLS allocates
 * from its own pool (tlsport.h), never from lwIP's heap.  Received TCP data
 * is acknowledged as mbedTLS consumes it, so a 16 KB record streams through
 * lwIP's small window.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TLS_IDLE = 0,
    TLS_CONNECTING,  /* TCP handshake */
    TLS_HANDSHAKE,   /* TLS handshake */
    TLS_OPEN,        /* verified: tls_write/tls_read */
    TLS_CLOSED,      /* ended cleanly (the peer closed, or tls_close) */
    TLS_FAILED       /* see tls_failure() */
} tls_state_t;

typedef enum {
    TLS_FAIL_NONE = 0,
    TLS_FAIL_CONNECT,           /* TCP refused, reset or unreachable */
    TLS_FAIL_TIMEOUT,           /* a step took too long */
    TLS_FAIL_CERT_UNTRUSTED,
    TLS_FAIL_CERT_EXPIRED,
    TLS_FAIL_CERT_NOT_YET_VALID,
    TLS_FAIL_HOSTNAME,
    TLS_FAIL_NO_ENTROPY,
    TLS_FAIL_HANDSHAKE,         /* anything else in the handshake */
    TLS_FAIL_IO                 /* the connection broke after the handshake */
} tls_failure_t;

/* Seeds the random generator from hal_entropy; false when there is no
 * source (every tls_connect then fails with TLS_FAIL_NO_ENTROPY). */
bool tls_init(void);

/* Starts a connection to addr (host order) for host name host (SNI and the
 * certificate check).  The previous connection must be closed. */
void tls_connect(uint32_t addr, uint16_t port, const char *host);

/* Advances the connection; returns its state. */
tls_state_t tls_poll(void);
tls_state_t tls_state(void);
tls_failure_t tls_failure(void);
/* The token of spec section 2 for a handshake failure (cert-untrusted, ...),
 * or NULL for failures that are not TLS's (connect, timeout, io). */
const char *tls_failure_token(tls_failure_t f);

/* Writes up to len bytes; returns bytes taken (0: try again), <0 on error. */
int tls_write(const void *data, size_t len);
/* Reads up to size bytes; returns bytes read, 0 when none yet, -1 at the
 * peer's close, <-1 on error. */
int tls_read(void *buf, size_t size);

/* Closes (close_notify, then TCP close) and frees everything. */
void tls_close(void);

/* The longest single call into mbedTLS's handshake since boot, in ms: the
 * public-key steps hold the CPU (the watchdog and interrupts go on). */
uint32_t tls_longest_step_ms(void);

#endif
