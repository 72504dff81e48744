#include "tls.h"

#include <string.h>

#include "ca.h"
#include "hal_entropy.h"
#include "hal_time.h"
#include "hal_wdt.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/net_sockets.h" /* only its error codes: the transport is lwIP */
#include "mbedtls/ssl.h"
#include "mbedtls/x509.h"
#include "net.h"

#define CONNECT_TIMEOUT_MS 10000u
#define HANDSHAKE_TIMEOUT_MS 30000u

static struct {
    tls_state_t state;
    tls_failure_t failure;
    struct tcp_pcb *pcb;
    struct pbuf *rx;        /* received, not yet given to mbedTLS */
    size_t rx_off;          /* bytes of rx's first pbuf already given */
    bool peer_closed;
    bool tcp_error;
    uint32_t started_at;
    bool ssl_ready;
    mbedtls_ssl_context ssl;
    uint32_t longest_step_ms;
} s;

static mbedtls_ssl_config s_conf;
static mbedtls_entropy_context s_entropy;
static mbedtls_ctr_drbg_context s_drbg;
static bool s_seeded;

/* ------------------------------------------------------------ entropy */

static int entropy_source(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
    (void)ctx;
    if (hal_entropy_read(out, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

bool tls_init(void)
{
    static const char personal[] = "pipebutton";
    mbedtls_entropy_init(&s_entropy);
    mbedtls_ctr_drbg_init(&s_drbg);
    mbedtls_ssl_config_init(&s_conf);
    if (hal_entropy_init() != 0 ||
        mbedtls_entropy_add_source(&s_entropy, entropy_source, NULL, 32, MBEDTLS_ENTROPY_SOURCE_STRONG) != 0 ||
        mbedtls_ctr_drbg_seed(&s_drbg, mbedtls_entropy_func, &s_entropy, (const unsigned char *)personal,
                              sizeof personal - 1) != 0) {
        return false;
    }
    if (mbedtls_ssl_config_defaults(&s_conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return false;
    }
    /* No insecure fallback exists: REQUIRED, and the anchors of ca.h. */
    mbedtls_ssl_conf_authmode(&s_conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_cb(&s_conf, ca_trust_cb, NULL);
    mbedtls_ssl_conf_verify(&s_conf, ca_verify_cb, NULL);
    mbedtls_ssl_conf_rng(&s_conf, mbedtls_ctr_drbg_random, &s_drbg);
    mbedtls_ssl_conf_min_version(&s_conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    /* P-256 first: mbedTLS 2.28 would offer P-384 first, slower and bigger. */
    static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
                                                  MBEDTLS_ECP_DP_NONE};
    mbedtls_ssl_conf_curves(&s_conf, curves);
    s_seeded = true;
    return true;
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
    if (err == ERR_OK && s.state == TLS_CONNECTING) {
        s.state = TLS_HANDSHAKE;
    }
    return ERR_OK;
}

/* mbedTLS's send: as much as lwIP's send buffer takes. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    if (s.pcb == NULL) {
        return MBEDTLS_ERR_NET_CONN_RESET;
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
        return MBEDTLS_ERR_NET_SEND_FAILED;
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
        return (int)n;
    }
    if (s.peer_closed) {
        return 0; /* EOF */
    }
    if (s.pcb == NULL) {
        return MBEDTLS_ERR_NET_CONN_RESET;
    }
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* ------------------------------------------------------------ state */

static void fail(tls_failure_t f)
{
    s.failure = f;
    s.state = TLS_FAILED;
}

static void free_rx(void)
{
    if (s.rx != NULL) {
        pbuf_free(s.rx);
        s.rx = NULL;
    }
    s.rx_off = 0;
}

void tls_close(void)
{
    if (s.ssl_ready) {
        if (s.state == TLS_OPEN) {
            (void)mbedtls_ssl_close_notify(&s.ssl);
        }
        mbedtls_ssl_free(&s.ssl);
        s.ssl_ready = false;
    }
    if (s.pcb != NULL) {
        tcp_arg(s.pcb, NULL);
        tcp_recv(s.pcb, NULL);
        tcp_err(s.pcb, NULL);
        if (tcp_close(s.pcb) != ERR_OK) {
            tcp_abort(s.pcb);
        }
        s.pcb = NULL;
    }
    free_rx();
    if (s.state != TLS_FAILED) {
        s.state = s.state == TLS_IDLE ? TLS_IDLE : TLS_CLOSED;
    }
}

void tls_connect(uint32_t addr, uint16_t port, const char *host)
{
    tls_close();
    s.failure = TLS_FAIL_NONE;
    s.peer_closed = false;
    s.tcp_error = false;
    s.started_at = hal_millis();
    if (!s_seeded) {
        fail(TLS_FAIL_NO_ENTROPY);
        return;
    }
    mbedtls_ssl_init(&s.ssl);
    s.ssl_ready = true;
    /* mbedTLS keeps its own copy of the name (SNI and the certificate check) */
    if (mbedtls_ssl_setup(&s.ssl, &s_conf) != 0 || mbedtls_ssl_set_hostname(&s.ssl, host) != 0) {
        fail(TLS_FAIL_HANDSHAKE);
        return;
    }
    mbedtls_ssl_set_bio(&s.ssl, NULL, bio_send, bio_recv, NULL);
    s.pcb = tcp_new();
    if (s.pcb == NULL) {
        fail(TLS_FAIL_CONNECT);
        return;
    }
    tcp_arg(s.pcb, NULL);
    tcp_recv(s.pcb, on_recv);
    tcp_err(s.pcb, on_err);
    ip_addr_t ip = IPADDR4_INIT(lwip_htonl(addr));
    s.state = TLS_CONNECTING;
    if (tcp_connect(s.pcb, &ip, port, on_connected) != ERR_OK) {
        tcp_abort(s.pcb);
        s.pcb = NULL;
        fail(TLS_FAIL_CONNECT);
    }
}

static tls_failure_t classify_handshake(int rc)
{
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
        if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
            return TLS_FAIL_CERT_EXPIRED;
        }
        if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
            return TLS_FAIL_CERT_NOT_YET_VALID;
        }
        if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
            return TLS_FAIL_HOSTNAME;
        }
        return TLS_FAIL_CERT_UNTRUSTED;
    }
    return TLS_FAIL_HANDSHAKE; /* alerts, resets, bad records: the spec's catch-all */
}

tls_state_t tls_poll(void)
{
    if (s.state == TLS_CONNECTING) {
        if (s.tcp_error) {
            fail(TLS_FAIL_CONNECT);
        } else if ((uint32_t)(hal_millis() - s.started_at) >= CONNECT_TIMEOUT_MS) {
            fail(TLS_FAIL_TIMEOUT);
        }
    }
    if (s.state == TLS_HANDSHAKE) {
        /* One step at a time: the superloop (console, buttons, lwIP) runs
         * between steps; a public-key step may hold the CPU for a while. */
        uint32_t t0 = hal_millis();
        int rc = mbedtls_ssl_handshake_step(&s.ssl);
        uint32_t took = hal_millis() - t0;
        hal_wdt_feed();
        if (took > s.longest_step_ms) {
            s.longest_step_ms = took;
        }
        if (rc == 0 && s.ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) {
            s.state = TLS_OPEN;
            net_reach_report(true);
        } else if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            fail(s.tcp_error ? TLS_FAIL_CONNECT : classify_handshake(rc));
        } else if ((uint32_t)(hal_millis() - s.started_at) >= HANDSHAKE_TIMEOUT_MS) {
            fail(TLS_FAIL_TIMEOUT);
        } else if (s.peer_closed && s.rx == NULL && rc != 0) {
            fail(TLS_FAIL_HANDSHAKE);
        }
    }
    if (s.state == TLS_FAILED && s.failure != TLS_FAIL_NO_ENTROPY) {
        net_reach_report(false);
    }
    return s.state;
}

tls_state_t tls_state(void)
{
    return s.state;
}

tls_failure_t tls_failure(void)
{
    return s.failure;
}

const char *tls_failure_token(tls_failure_t f)
{
    switch (f) {
    case TLS_FAIL_CERT_UNTRUSTED:
        return "cert-untrusted";
    case TLS_FAIL_CERT_EXPIRED:
        return "cert-expired";
    case TLS_FAIL_CERT_NOT_YET_VALID:
        return "cert-not-yet-valid";
    case TLS_FAIL_HOSTNAME:
        return "hostname-mismatch";
    case TLS_FAIL_NO_ENTROPY:
        return "no-entropy";
    case TLS_FAIL_HANDSHAKE:
        return "handshake";
    default:
        return NULL;
    }
}

int tls_write(const void *data, size_t len)
{
    if (s.state != TLS_OPEN) {
        return -2; /* never a byte to an unverified peer */
    }
    int rc = mbedtls_ssl_write(&s.ssl, data, len);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        return 0;
    }
    if (rc < 0) {
        fail(TLS_FAIL_IO);
        return -2;
    }
    return rc;
}

int tls_read(void *buf, size_t size)
{
    if (s.state != TLS_OPEN) {
        return -2;
    }
    int rc = mbedtls_ssl_read(&s.ssl, buf, size);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        if (s.pcb == NULL && s.tcp_error) {
            fail(TLS_FAIL_IO);
            return -2;
        }
        return 0;
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        return -1;
    }
    if (rc < 0) {
        fail(TLS_FAIL_IO);
        return -2;
    }
    return rc;
}

uint32_t tls_longest_step_ms(void)
{
    return s.longest_step_ms;
}
