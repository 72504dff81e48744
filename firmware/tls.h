/*
 * The TLS transport (transport.h) over lwIP's raw TCP API with Mbed TLS 3.6:
 * TLS 1.3 and TLS 1.2 offered, the server chooses.
 *
 * Verification is always required: the chain must end at a trust anchor of
 * ca.h, be valid now, and name the host in a subjectAltName (a DNS name, or
 * the IP address when the host is a dotted IPv4 address, which is then not
 * sent as SNI: RFC 6066).  Nothing can be written before the handshake has
 * verified the peer, in either version, and no early data is ever sent.
 * mbedTLS allocates from its own pool (tlsport.h), never from lwIP's heap.
 * Received TCP data is acknowledged as mbedTLS consumes it, so a 16 KB
 * record streams through lwIP's small window.
 *
 * Resumption: the session the last connection ended with (a TLS 1.3 or 1.2
 * ticket, or a TLS 1.2 session id) is kept in RAM only, for that host and
 * port only, and offered by the next connection to them; the server decides
 * whether to resume.  A resumed handshake verifies no certificate: the
 * session is forgotten whenever the host, the port or the trust anchors
 * change (tls_forget_session) and after any failed handshake.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

/* Sets up the TLS configuration; call after rng_init() and tlsport_init().
 * Without a seeded generator every connection fails with
 * TRANSPORT_FAIL_NO_ENTROPY. */
void tls_init(void);

/* The transport; its ctx is unused (one connection at a time). */
const transport_t *tls_transport(void);

/* Drops the session kept for resumption (endpoint or anchors changed); a
 * connection under way keeps none when it closes. */
void tls_forget_session(void);

/* For status and the benchmark: the longest single call into mbedTLS's
 * handshake since boot in ms (public-key steps hold the CPU; the watchdog and
 * interrupts go on), whether the current or last connection was resumed, and
 * the TLS version it uses ("1.2", "1.3", or "-"). */
uint32_t tls_longest_step_ms(void);

#endif
