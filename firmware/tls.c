/* The TLS transport over lwIP; see tls.h and transport.h. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* one field: see drop_peer_chain() */
#include "tls.h"

#include <string.h>

#include "ca.h"
#include "crc32.h"
#include "hal_time.h"
#include "hal_wdt.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "mbedtls/oid.h" /* MBEDTLS_X509_EXT_SUBJECT_ALT_NAME needs it */
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509.h"
#include "net.h"
#include "netaddr.h"
#include "rng.h"
#include "tlsport.h"

#define RESOLVE_TIMEOUT_MS 20000u /* lwIP's own retries end sooner; this bounds a lost answer */
#define CONNECT_TIMEOUT_MS 10000u
#define HANDSHAKE_TIMEOUT_MS 30000u
/* Largest serialized session kept for resumption (a TLS 1.3 ticket from
 * OpenSSL is about 250 bytes, the whole saved session about 450).  A larger
 * one is not kept: with it the ClientHello might not fit the 1 KB output
 * record, and the next connection does a full handshake instead. */
#define SESSION_MAX 640u

typedef enum {
    S_IDLE,
    S_RESOLVING,
    S_CONNECTING, /* TCP handshake */
    S_HANDSHAKE,  /* TLS handshake */
    S_OPEN,
    S_FAILED
} state_t;

static struct {
    state_t state;
    transport_failure_t failure;
    struct tcp_pcb *pcb;
    struct pbuf *rx;        /* received, not yet given to mbedTLS */
    size_t rx_off;          /* bytes of rx's first pbuf already given */
    uint32_t rx_given;      /* bytes given to mbedTLS, ever: see idle_clean() */
    bool peer_closed;       /* TCP FIN */
    bool tcp_error;         /* lwIP reported the connection dead (and freed the pcb) */
    bool ssl_ready;
    bool chain_seen;        /* the verify callback ran: a full handshake */
    bool resumed;
    bool offered_session;
    bool keep_no_session;   /* tls_forget_session() came while this connection was under way */
    bool ip_host;           /* host is a dotted IPv4 address */
    uint32_t addr;          /* host order */
    uint16_t port;
    uint32_t started_at;
    uint32_t generation;    /* which open() a DNS answer belongs to */
    uint32_t failures_at_start; /* tlsport_alloc_failures() when opening */
    uint32_t longest_step_ms;
    char *host;             /* while opening: from the heap, until mbedTLS has its copy */
    uint32_t host_crc;      /* which endpoint this is, for resumption */
    mbedtls_ssl_context ssl;
} s;

static mbedtls_ssl_config s_conf;
static bool s_conf_ok;

/* The session kept for resumption, serialized (mbedtls_ssl_session_save),
 * in a heap block of its size, and the endpoint it belongs to.  It is made
 * when a connection closes, when the rest of its memory is free again, so
 * the block lands low in the heap instead of splitting the free space the
 * next handshake needs; and it is given back to the heap as soon as the
 * next connection to that endpoint has offered it. */
static struct {
    uint8_t *data;
    uint16_t len;
    uint16_t port;
    uint32_t host_crc;
} s_saved;

/* ------------------------------------------------------------ verification */

static bool san_has_ip(const mbedtls_x509_crt *crt, uint32_t addr)
{
    const uint8_t want[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san != NULL; san = san->next) {
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) && san->buf.len == 4 &&
            memcmp(san->buf.p, want, 4) == 0) {
            return true;
        }
    }
    return false;
}

/* Called by mbedTLS for every certificate of the chain, leaf last, with the
 * problems it found.  Adds the project's rules: a pinned self-signed server
 * certificate is trusted (ca.h); the leaf must carry a subjectAltName (spec
 * section 5) and, for an IPv4 host, name that address (mbedTLS checks names
 * itself, but an IP host is given to it as no name, so that it is not sent
 * as SNI). */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)ca_verify_cb(ctx, crt, depth, flags);
    s.chain_seen = true;
    if (depth == 0) {
        if (!mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) ||
            (s.ip_host && !san_has_ip(crt, s.addr))) {
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
        }
    }
    return 0;
}

/* Signatures accepted from the server, PKCS#1 v1.5 before PSS: mbedTLS 3.6
 * verifies PSS only in TLS 1.3 (where it is the only RSA scheme allowed, so
 * a TLS 1.3 server still picks it), while a TLS 1.2 server that follows the
 * client's order (OpenSSL's default) then signs with PKCS#1 v1.5 instead of
 * picking PSS from the shared list, which would fail the handshake.  (The
 * library's default order is PSS first.) */
static const uint16_t s_sig_algs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,       MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,       MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE,
};

void tls_init(void)
{
    /* Groups offered, in order.  P-256 first: Azure's front end takes only
     * P-256 and P-384, and a TLS 1.3 key share for x25519 would cost a
     * HelloRetryRequest and a second key pair, more than x25519 saves
     * (README, TLS: the measured handshakes either way). */
    static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                      MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
    mbedtls_ssl_config_init(&s_conf);
    s_conf_ok = false;
    if (!rng_ready() || mbedtls_ssl_config_defaults(&s_conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return;
    }
    /* No insecure fallback exists: REQUIRED, and the anchors of ca.h. */
    mbedtls_ssl_conf_authmode(&s_conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_cb(&s_conf, ca_trust_cb, NULL);
    mbedtls_ssl_conf_verify(&s_conf, verify_cb, NULL);
    mbedtls_ssl_conf_rng(&s_conf, rng_mbedtls, NULL);
    mbedtls_ssl_conf_min_tls_version(&s_conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&s_conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_groups(&s_conf, groups);
    mbedtls_ssl_conf_sig_algs(&s_conf, s_sig_algs);
    mbedtls_ssl_conf_session_tickets(&s_conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    /* TLS 1.3 tickets come after the handshake; without this mbedTLS drops
     * them unread. */
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&s_conf,
                                                              MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    s_conf_ok = true;
}

/* ------------------------------------------------------------ sessions */

static void drop_saved(void)
{
    if (s_saved.data != NULL) {
        mbedtls_platform_zeroize(s_saved.data, s_saved.len);
        mbedtls_free(s_saved.data);
    }
    memset(&s_saved, 0, sizeof s_saved);
}

void tls_forget_session(void)
{
    drop_saved();
    /* The connection under way was verified against what changed: its
     * session is not kept when it closes either. */
    s.keep_no_session = s.state != S_IDLE && s.state != S_FAILED;
}

/* Keeps the session of the connection being closed, if its handshake
 * completed and the server gave something to resume with (a ticket, or a
 * TLS 1.2 session id), for the next connection to the same endpoint. */
static void keep_session(void)
{
    drop_saved();
    mbedtls_ssl_session *session = mbedtls_calloc(1, sizeof *session);
    uint8_t *buf = mbedtls_calloc(1, SESSION_MAX);
    size_t len = 0;
    if (session != NULL && buf != NULL) {
        mbedtls_ssl_session_init(session);
        if (mbedtls_ssl_get_session(&s.ssl, session) != 0 ||
            mbedtls_ssl_session_save(session, buf, SESSION_MAX, &len) != 0) {
            len = 0;
        }
        mbedtls_ssl_session_free(session);
    }
    mbedtls_free(session);
    if (len != 0) {
        s_saved.data = buf;
        s_saved.len = (uint16_t)len;
        s_saved.port = s.port;
        s_saved.host_crc = s.host_crc;
    } else {
        mbedtls_free(buf);
    }
}

/* The saved session moved into the lowest free block: called once the
 * connection's memory is free. */
static void settle_session(void)
{
    if (s_saved.data == NULL) {
        return;
    }
    uint8_t *low = mbedtls_calloc(1, s_saved.len);
    if (low != NULL) {
        memcpy(low, s_saved.data, s_saved.len);
        mbedtls_platform_zeroize(s_saved.data, s_saved.len);
        mbedtls_free(s_saved.data);
        s_saved.data = low;
    }
}

/* Offers the kept session to the handshake about to start, and gives its
 * memory back: mbedTLS has its own copy now, and a ticket is used once. */
static void offer_session(void)
{
    s.offered_session = false;
    if (s_saved.data == NULL || s_saved.port != s.port || s_saved.host_crc != s.host_crc) {
        return;
    }
    mbedtls_ssl_session *session = mbedtls_calloc(1, sizeof *session);
    if (session != NULL) {
        mbedtls_ssl_session_init(session);
        s.offered_session = mbedtls_ssl_session_load(session, s_saved.data, s_saved.len) == 0 &&
                            mbedtls_ssl_set_session(&s.ssl, session) == 0;
        mbedtls_ssl_session_free(session);
        mbedtls_free(session);
    }
    drop_saved();
}

/* mbedTLS 3.6's TLS 1.3 code needs MBEDTLS_SSL_KEEP_PEER_CERTIFICATE, which
 * keeps the server's parsed chain (several KB of the pool, 48 bytes per name
 * in the leaf) until the connection is freed, and copies it into every
 * session saved from the connection.  Once the handshake has verified it,
 * nothing reads it again (a resumed session needs no certificate), so it is
 * freed here: the one private field this file touches. */
static void drop_peer_chain(void)
{
    mbedtls_ssl_session *session = s.ssl.MBEDTLS_PRIVATE(session);
    if (session != NULL && session->MBEDTLS_PRIVATE(peer_cert) != NULL) {
        mbedtls_x509_crt_free(session->MBEDTLS_PRIVATE(peer_cert));
        mbedtls_free(session->MBEDTLS_PRIVATE(peer_cert));
        session->MBEDTLS_PRIVATE(peer_cert) = NULL;
    }
}

/* ------------------------------------------------------------ lwIP side */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)pcb;
    if (p == NULL) {
        s.peer_closed = true;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    }
    /* Kept until mbedTLS asks; acknowledged (tcp_recved) only then. */
    if (s.rx == NULL) {
        s.rx = p;
    } else {
        pbuf_cat(s.rx, p);
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    s.pcb = NULL; /* lwIP has freed it */
    s.tcp_error = true;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    if (err == ERR_OK && s.state == S_CONNECTING) {
        s.state = S_HANDSHAKE;
    }
    return ERR_OK;
}

/* mbedTLS's send: as much as lwIP's send buffer takes. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    if (s.pcb == NULL) {
        return MBEDTLS_ERR_SSL_CONN_EOF;
    }
    size_t room = tcp_sndbuf(s.pcb);
    if (room == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (len > room) {
        len = room;
    }
    if (len > 0xFFFFu) {
        len = 0xFFFFu;
    }
    err_t err = tcp_write(s.pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (err != ERR_OK) {
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    tcp_output(s.pcb);
    return (int)len;
}

/* mbedTLS's receive: from the kept pbufs, acknowledging what it takes. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t n = 0;
    while (n < len && s.rx != NULL) {
        struct pbuf *q = s.rx;
        size_t avail = q->len - s.rx_off;
        size_t take = len - n < avail ? len - n : avail;
        memcpy(buf + n, (const uint8_t *)q->payload + s.rx_off, take);
        n += take;
        s.rx_off += take;
        if (s.rx_off == q->len) {
            /* Detach the used pbuf; the rest of the chain keeps its one
             * reference, now held through s.rx. */
            s.rx = q->next;
            q->next = NULL;
            pbuf_free(q);
            s.rx_off = 0;
        }
    }
    if (n > 0) {
        if (s.pcb != NULL) {
            tcp_recved(s.pcb, (u16_t)n);
        }
        s.rx_given += (uint32_t)n;
        return (int)n;
    }
    if (s.peer_closed) {
        return 0; /* EOF */
    }
    if (s.pcb == NULL) {
        return MBEDTLS_ERR_SSL_CONN_EOF;
    }
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* ------------------------------------------------------------ state */

static void free_rx(void)
{
    if (s.rx != NULL) {
        pbuf_free(s.rx);
        s.rx = NULL;
    }
    s.rx_off = 0;
}

static void release(void)
{
    bool keep = false;
    if (s.ssl_ready) {
        if (s.state == S_OPEN && !s.keep_no_session) {
            keep_session();
            keep = true;
            if (s.pcb != NULL) {
                (void)mbedtls_ssl_close_notify(&s.ssl);
            }
        }
        mbedtls_ssl_free(&s.ssl);
        s.ssl_ready = false;
    }
    if (s.host != NULL) {
        mbedtls_free(s.host);
        s.host = NULL;
    }
    if (s.pcb != NULL) {
        tcp_arg(s.pcb, NULL);
        tcp_recv(s.pcb, NULL);
        tcp_err(s.pcb, NULL);
        if (keep) {
            /* An orderly close may linger (FIN_WAIT, TIME_WAIT) while the
             * peer takes its time; at the lowest priority lwIP reclaims it
             * whenever a new connection needs its control block (there are
             * only MEMP_NUM_TCP_PCB of them). */
            tcp_setprio(s.pcb, TCP_PRIO_MIN);
            if (tcp_close(s.pcb) != ERR_OK) {
                tcp_abort(s.pcb);
            }
        } else {
            /* A connection that failed before it was open (connect, TLS)
             * is of no further use: reset, so it holds nothing. */
            tcp_abort(s.pcb);
        }
        s.pcb = NULL;
    }
    free_rx();
    if (keep) {
        settle_session();
    }
}

static void fail(transport_failure_t f)
{
    if (s.state == S_HANDSHAKE || s.state == S_CONNECTING || s.state == S_RESOLVING) {
        /* A session the server would not resume, or an endpoint that
         * failed: start clean next time. */
        if (s.offered_session) {
            drop_saved();
        }
    }
    release();
    s.failure = f;
    s.state = S_FAILED;
    if (f != TRANSPORT_FAIL_NO_ENTROPY) {
        net_reach_report(false);
    }
}

static void tls_close(void *ctx)
{
    (void)ctx;
    release();
    s.state = S_IDLE;
    s.failure = TRANSPORT_FAIL_NONE;
}

static void start_tcp(void)
{
    s.pcb = tcp_new();
    if (s.pcb == NULL) {
        fail(TRANSPORT_FAIL_CONNECT);
        return;
    }
    tcp_arg(s.pcb, NULL);
    tcp_recv(s.pcb, on_recv);
    tcp_err(s.pcb, on_err);
    ip_addr_t ip = IPADDR4_INIT(lwip_htonl(s.addr));
    s.state = S_CONNECTING;
    s.started_at = hal_millis();
    if (tcp_connect(s.pcb, &ip, s.port, on_connected) != ERR_OK) {
        tcp_abort(s.pcb);
        s.pcb = NULL;
        fail(TRANSPORT_FAIL_CONNECT);
    }
}

static void on_resolved(void *arg, bool ok, uint32_t addr, const char *why)
{
    (void)why;
    /* arg is the open() the lookup was for: a later one ignores it */
    if (s.state != S_RESOLVING || (uintptr_t)arg != s.generation) {
        return;
    }
    if (!ok) {
        fail(TRANSPORT_FAIL_DNS);
        return;
    }
    s.addr = addr;
    start_tcp();
}

static void tls_open(void *ctx, const char *host, uint16_t port)
{
    tls_close(ctx);
    s.generation++;
    s.port = port;
    s.peer_closed = false;
    s.tcp_error = false;
    s.chain_seen = false;
    s.resumed = false;
    s.offered_session = false;
    s.keep_no_session = false;
    s.started_at = hal_millis();
    s.failures_at_start = tlsport_alloc_failures();
    if (!s_conf_ok) {
        fail(TRANSPORT_FAIL_NO_ENTROPY);
        return;
    }
    size_t n = strlen(host);
    s.host_crc = crc32_update(0, host, n);
    s.host = mbedtls_calloc(1, n + 1);
    if (s.host == NULL) {
        fail(TRANSPORT_FAIL_NO_MEMORY);
        return;
    }
    memcpy(s.host, host, n + 1);
    s.ip_host = netaddr_parse_ipv4(host, &s.addr);
    if (s.ip_host) {
        start_tcp();
        return;
    }
    s.state = S_RESOLVING;
    net_resolve(s.host, on_resolved, (void *)(uintptr_t)s.generation);
}

/* The TLS context is set up once TCP is connected, so that a lookup or a
 * connection that fails never takes the pool. */
static bool start_handshake(void)
{
    mbedtls_ssl_init(&s.ssl);
    s.ssl_ready = true;
    /* mbedTLS keeps its own copy of the name (SNI and the certificate
     * check); for an IP address, explicitly none (verify_cb checks it). */
    if (mbedtls_ssl_setup(&s.ssl, &s_conf) != 0 ||
        mbedtls_ssl_set_hostname(&s.ssl, s.ip_host ? NULL : s.host) != 0) {
        return false;
    }
    mbedtls_free(s.host);
    s.host = NULL;
    mbedtls_ssl_set_bio(&s.ssl, NULL, bio_send, bio_recv, NULL);
    offer_session();
    return true;
}

static bool is_alloc_error(int rc)
{
    int high = -((-rc) & 0xFF80), low = -((-rc) & 0x007F);
    return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED || high == MBEDTLS_ERR_X509_ALLOC_FAILED ||
           high == MBEDTLS_ERR_PK_ALLOC_FAILED || low == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
           low == MBEDTLS_ERR_ASN1_ALLOC_FAILED;
}

static transport_failure_t classify_handshake(int rc)
{
    /* Out of memory first: mbedTLS reports a signature it could not check
     * for want of memory as an untrusted certificate. */
    if (tlsport_alloc_failures() != s.failures_at_start || is_alloc_error(rc)) {
        return TRANSPORT_FAIL_NO_MEMORY;
    }
    uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (s.chain_seen && flags != 0 && flags != (uint32_t)-1)) {
        if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
            return TRANSPORT_FAIL_CERT_EXPIRED;
        }
        if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
            return TRANSPORT_FAIL_CERT_NOT_YET_VALID;
        }
        if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
            return TRANSPORT_FAIL_HOSTNAME;
        }
        return TRANSPORT_FAIL_CERT_UNTRUSTED;
    }
    return TRANSPORT_FAIL_HANDSHAKE; /* alerts, resets, bad records: the spec's catch-all */
}

static void handshake_step(void)
{
    /* One step at a time: the superloop (console, buttons, lwIP) runs
     * between steps; a public-key step may hold the CPU for a while. */
    uint32_t t0 = hal_millis();
    int rc = mbedtls_ssl_handshake_step(&s.ssl);
    uint32_t took = hal_millis() - t0;
    hal_wdt_feed();
    if (took > s.longest_step_ms) {
        s.longest_step_ms = took;
    }
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        rc = 0; /* the session holds it: kept when the connection closes */
    }
    if (rc == 0 && mbedtls_ssl_is_handshake_over(&s.ssl)) {
        s.resumed = s.offered_session && !s.chain_seen;
        drop_peer_chain();
        s.state = S_OPEN;
        net_reach_report(true);
    } else if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
        fail(s.tcp_error ? TRANSPORT_FAIL_CONNECT : classify_handshake(rc));
    } else if ((uint32_t)(hal_millis() - s.started_at) >= HANDSHAKE_TIMEOUT_MS) {
        fail(TRANSPORT_FAIL_TIMEOUT);
    } else if ((s.peer_closed && s.rx == NULL && rc != 0) || s.tcp_error) {
        fail(TRANSPORT_FAIL_HANDSHAKE);
    }
}

static transport_state_t public_state(void)
{
    switch (s.state) {
    case S_IDLE:
        return TRANSPORT_IDLE;
    case S_OPEN:
        return TRANSPORT_OPEN;
    case S_FAILED:
        return TRANSPORT_FAILED;
    default:
        return TRANSPORT_OPENING;
    }
}

static transport_state_t tls_poll(void *ctx)
{
    (void)ctx;
    if (s.state == S_RESOLVING && (uint32_t)(hal_millis() - s.started_at) >= RESOLVE_TIMEOUT_MS) {
        fail(TRANSPORT_FAIL_DNS);
    }
    if (s.state == S_CONNECTING) {
        if (s.tcp_error) {
            fail(TRANSPORT_FAIL_CONNECT);
        } else if ((uint32_t)(hal_millis() - s.started_at) >= CONNECT_TIMEOUT_MS) {
            fail(TRANSPORT_FAIL_TIMEOUT);
        }
    }
    if (s.state == S_HANDSHAKE && !s.ssl_ready && !start_handshake()) {
        fail(classify_handshake(0));
    }
    if (s.state == S_HANDSHAKE) {
        handshake_step();
    }
    return public_state();
}

static transport_state_t tls_state(void *ctx)
{
    (void)ctx;
    return public_state();
}

static transport_failure_t tls_failure(void *ctx)
{
    (void)ctx;
    return s.failure;
}

static int tls_send(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    if (s.state != S_OPEN) {
        return TRANSPORT_ERROR; /* never a byte to an unverified peer */
    }
    int rc = mbedtls_ssl_write(&s.ssl, data, len);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        return TRANSPORT_AGAIN;
    }
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        return TRANSPORT_AGAIN; /* the session holds it */
    }
    if (rc < 0) {
        fail(TRANSPORT_FAIL_IO);
        return TRANSPORT_ERROR;
    }
    return rc;
}

static int tls_recv(void *ctx, void *buf, size_t size)
{
    (void)ctx;
    if (s.state != S_OPEN) {
        return TRANSPORT_ERROR;
    }
    for (;;) {
        int rc = mbedtls_ssl_read(&s.ssl, buf, size);
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            continue; /* the session holds it */
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (s.tcp_error) {
                fail(TRANSPORT_FAIL_IO);
                return TRANSPORT_ERROR;
            }
            return TRANSPORT_AGAIN;
        }
        /* mbedTLS says 0 for the end of the TCP stream, whether the peer
         * closed it (a FIN) or lwIP reported it reset. */
        if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || (rc == 0 && !s.tcp_error)) {
            return TRANSPORT_CLOSED;
        }
        if (rc <= 0) {
            fail(TRANSPORT_FAIL_IO);
            return TRANSPORT_ERROR;
        }
        return rc;
    }
}

/* Runs mbedTLS over whatever arrived: tickets are taken, anything else (data,
 * an alert, a close) or a record only partly there makes the connection
 * unfit.  A read that took bytes from lwIP and still wants more has either
 * a record only partly there or a whole TLS 1.3 ticket, which mbedTLS takes
 * that way and handles on the next read: one more read tells which. */
static bool tls_idle_clean(void *ctx)
{
    (void)ctx;
    if (s.state != S_OPEN || s.peer_closed || s.tcp_error) {
        return false;
    }
    bool taken = false; /* the last read took bytes and gave nothing */
    for (;;) {
        unsigned char b;
        uint32_t given = s.rx_given;
        int rc = mbedtls_ssl_read(&s.ssl, &b, 1);
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            taken = false;
            continue; /* the session holds it */
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ && s.rx_given != given && !taken) {
            taken = true;
            continue;
        }
        return rc == MBEDTLS_ERR_SSL_WANT_READ && !taken && s.rx_given == given && s.rx == NULL &&
               !s.peer_closed && !s.tcp_error;
    }
}

static const transport_ops_t s_ops = {
    .open = tls_open,
    .poll = tls_poll,
    .state = tls_state,
    .failure = tls_failure,
    .send = tls_send,
    .recv = tls_recv,
    .idle_clean = tls_idle_clean,
    .close = tls_close,
};

static const transport_t s_transport = {.ops = &s_ops, .ctx = NULL};

const transport_t *tls_transport(void)
{
    return &s_transport;
}

uint32_t tls_longest_step_ms(void)
{
    return s.longest_step_ms;
}

