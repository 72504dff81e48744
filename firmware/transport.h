/*
 * A verified byte stream to a named server: the seam between the HTTPS
 * exchange (https.h) and what carries the bytes.  tls.c implements it with
 * mbedTLS over lwIP's raw TCP; tests/unit/fake_transport.c implements it
 * with a script; a modem or a Wi-Fi module would be a third.
 *
 * One connection at a time per transport.  Every function returns at once:
 * nothing waits for the network; the caller polls from the superloop.
 *
 * Contract:
 *  - open(host, port) starts resolving, connecting and (for TLS) the
 *    handshake, after closing whatever was open.  host is an RFC 1123 name or
 *    a dotted IPv4 address and is copied.  A TLS transport verifies the
 *    chain to a trust anchor, the validity period and the host name (SNI is
 *    sent for names, never for IP addresses), and refuses a leaf certificate
 *    without a subjectAltName.  Nothing can be sent before it is verified.
 *  - poll() advances an opening connection and returns the state:
 *    TRANSPORT_OPENING (call again), TRANSPORT_OPEN, or TRANSPORT_FAILED with
 *    failure() telling why.  Once OPEN a connection stays OPEN until close()
 *    or until send/recv report that it ended.
 *  - send(data, len) takes up to len bytes: >0 bytes taken, TRANSPORT_AGAIN
 *    (0: no room now, call again), TRANSPORT_CLOSED or TRANSPORT_ERROR (the
 *    connection is over; failure() is TRANSPORT_FAIL_IO).  Only when OPEN.
 *  - recv(buf, size) returns >0 bytes of the peer's data, TRANSPORT_AGAIN
 *    (nothing yet), TRANSPORT_CLOSED (the peer closed the stream cleanly: no
 *    more data, ever) or TRANSPORT_ERROR (reset, a bad record...).
 *  - idle_clean() asks whether an open connection that nobody is reading is
 *    still fit for another request: it is OPEN, the peer has not closed it,
 *    and not one byte of data arrived since the last recv().  Protocol
 *    housekeeping that carries no data (a TLS 1.3 session ticket) does not
 *    count.  A false answer is final: close() it.
 *  - close() ends the connection (for TLS a close_notify, then the TCP
 *    close) and frees what it held; state() is then TRANSPORT_IDLE.  Safe in
 *    any state.
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TRANSPORT_IDLE = 0,
    TRANSPORT_OPENING,
    TRANSPORT_OPEN,
    TRANSPORT_FAILED
} transport_state_t;

/* send() and recv() results other than a byte count. */
enum {
    TRANSPORT_AGAIN = 0,
    TRANSPORT_CLOSED = -1,
    TRANSPORT_ERROR = -2
};

typedef enum {
    TRANSPORT_FAIL_NONE = 0,
    TRANSPORT_FAIL_DNS,               /* the name did not resolve */
    TRANSPORT_FAIL_CONNECT,           /* TCP refused, reset or unreachable */
    TRANSPORT_FAIL_TIMEOUT,           /* a step took too long */
    TRANSPORT_FAIL_NO_ENTROPY,        /* no random source: TLS is impossible */
    TRANSPORT_FAIL_NO_MEMORY,         /* the TLS memory ran out */
    TRANSPORT_FAIL_CERT_UNTRUSTED,
    TRANSPORT_FAIL_CERT_EXPIRED,
    TRANSPORT_FAIL_CERT_NOT_YET_VALID,
    TRANSPORT_FAIL_HOSTNAME,          /* no subjectAltName names the host */
    TRANSPORT_FAIL_HANDSHAKE,         /* anything else in the TLS handshake */
    TRANSPORT_FAIL_IO                 /* it broke after it was open */
} transport_failure_t;

typedef struct {
    void (*open)(void *ctx, const char *host, uint16_t port);
    transport_state_t (*poll)(void *ctx);
    transport_state_t (*state)(void *ctx);
    transport_failure_t (*failure)(void *ctx);
    int (*send)(void *ctx, const void *data, size_t len);
    int (*recv)(void *ctx, void *buf, size_t size);
    bool (*idle_clean)(void *ctx);
    void (*close)(void *ctx);
} transport_ops_t;

typedef struct {
    const transport_ops_t *ops;
    void *ctx;
} transport_t;

/* The `EVT tls-fail reason=` token of spec section 2 for a failure of the
 * TLS session itself (cert-untrusted, no-memory, handshake, ...), or NULL
 * for failures that are not TLS's (dns, connect, timeout, io). */
const char *transport_tls_token(transport_failure_t f);

/* A short token for any failure, for `EVT retry reason=` and `queue`'s
 * last=: the TLS token, or dns, connect, timeout, io. */
const char *transport_failure_name(transport_failure_t f);

#endif
