/* The TLS transport (tls.h, transport.h) on the host, with the real lwIP over
 * the fake MAC and the real mbedTLS.  The test plays the network by hand:
 * it answers ARP and DNS, and plays the server's side of TCP segment by
 * segment (SYN-ACK, RST, data within the window the device advertises, FIN).
 * Behind that TCP, the server's TLS is OpenSSL working on memory buffers in
 * this process (no socket, no other process): a full handshake in TLS 1.3 or
 * 1.2, resumption, and servers with bad certificates.  A recorded server
 * flight could not do this: the client's random and key share change every
 * handshake.  lwIP is initialised once per process; the tests run in order
 * on the one stack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "cfg.h"
#include "fake_device.h"
#include "fake_entropy.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "net.h"
#include "rng.h"
#include "tls.h"
#include "tlsport.h"
#include "wallclock.h"

#ifndef TESTPKI
#define TESTPKI "build/testpki"
#endif

#define PEER_IP 0xC0A80709u /* 192.168.7.9: the server, on the device's subnet */
#define DNS_IP 0xC0A80701u  /* 192.168.7.1: gateway and DNS server */
#define OUR_IP 0xC0A80714u  /* 192.168.7.20 */
#define HOST "dev.azure.com"
#define SEG_MAX 536u        /* the device's MSS */

static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 1};
static const transport_t *T;

/* ------------------------------------------------------------ frames */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += get16(p + i);
    }
    if (len & 1u) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* An IPv4 packet from src to the device, in an Ethernet frame. */
static void inject_ip(uint8_t proto, uint32_t src, const uint8_t *l4, size_t l4len)
{
    static uint16_t s_ipid;
    uint8_t f[HAL_ETH_FRAME_MAX];
    assert_true(14 + 20 + l4len <= sizeof f);
    memset(f, 0, sizeof f);
    memcpy(f, fake_eth_mac, 6);
    memcpy(f + 6, PEER_MAC, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + l4len));
    put16(ip + 4, s_ipid++);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, OUR_IP);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    memcpy(ip + 20, l4, l4len);
    if (proto == 6) {
        uint8_t pseudo[12];
        put32(pseudo, src);
        put32(pseudo + 4, OUR_IP);
        pseudo[8] = 0;
        pseudo[9] = 6;
        put16(pseudo + 10, (uint32_t)l4len);
        put16(ip + 20 + 16, fold(sum16(ip + 20, l4len, sum16(pseudo, 12, 0))));
    }
    size_t len = 14 + 20 + l4len;
    assert_true(fake_eth_rx_pending() < 14);
    fake_eth_inject(f, len < 60 ? 60 : len);
}

/* ------------------------------------------------------------ DNS */

static struct {
    char nxdomain[64]; /* a name answered with NXDOMAIN */
    char silent[64];   /* a name never answered */
    uint32_t addr;     /* the answer for every other name */
    unsigned queries;
    char last[256];    /* the last name asked */
} s_dns;

static void on_dns(const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
    const uint8_t *q = udp + 8;
    size_t qlen = udp_len - 8;
    char name[256];
    size_t n = 0;
    for (size_t i = 12; i < qlen && q[i] != 0; i += (size_t)q[i] + 1) {
        if (n != 0) {
            name[n++] = '.';
        }
        memcpy(name + n, q + i + 1, q[i]);
        n += q[i];
    }
    name[n] = '\0';
    s_dns.queries++;
    strcpy(s_dns.last, name);
    if (strcmp(name, s_dns.silent) == 0) {
        return;
    }
    uint8_t r[600];
    memcpy(r + 8, q, qlen);
    uint8_t *d = r + 8;
    bool nx = strcmp(name, s_dns.nxdomain) == 0;
    d[2] = 0x81;             /* QR, RD */
    d[3] = nx ? 0x83 : 0x80; /* RA; NXDOMAIN or NOERROR */
    put16(d + 6, nx ? 0 : 1);
    size_t dlen = qlen;
    if (!nx) {
        static const uint8_t a[12] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4}; /* TTL 3600 */
        memcpy(d + dlen, a, sizeof a);
        put32(d + dlen + sizeof a, s_dns.addr);
        dlen += sizeof a + 4;
    }
    put16(r, get16(udp + 2));
    put16(r + 2, get16(udp));
    put16(r + 4, (uint32_t)(8 + dlen));
    put16(r + 6, 0);
    inject_ip(17, get32(ip + 16), r, 8 + dlen);
}

/* ------------------------------------------------------------ the server's TCP */

typedef enum { SYN_ACCEPT, SYN_REFUSE, SYN_IGNORE } syn_mode_t;

#define STREAM_MAX 65536u

typedef struct {
    syn_mode_t syn_mode;
    bool no_ack;          /* take nothing the device sends */
    unsigned syns;
    uint32_t syn_dst;     /* where the last SYN went, from which port and sequence number */
    uint16_t syn_sport;
    uint32_t syn_seq;
    unsigned stray_rsts;  /* resets for segments of no connection */
    bool open;            /* SYN-ACK sent for the current connection */
    uint32_t server_ip;
    uint16_t cport, sport;
    uint32_t rcv_nxt;     /* the device's next sequence number */
    uint32_t iss;
    size_t snd_una, snd_nxt; /* offsets into s2c */
    size_t wnd_edge;      /* offset the device's window reaches */
    uint32_t last_ack_at;
    uint8_t c2s[STREAM_MAX];
    size_t c2s_len;
    uint8_t s2c[STREAM_MAX];
    size_t s2c_len;
    bool fin_queued, fin_sent, fin_acked;
    bool client_fin, client_rst;
    unsigned rsts_seen;
} peer_t;

static peer_t s_tcp;

static void tcp_seg(uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                    const uint8_t *data, size_t len)
{
    uint8_t seg[24 + SEG_MAX];
    size_t hl = (flags & 0x02) ? 24 : 20;
    memset(seg, 0, hl);
    put16(seg, sport);
    put16(seg + 2, dport);
    put32(seg + 4, seq);
    put32(seg + 8, ack);
    seg[12] = (uint8_t)((hl / 4) << 4);
    seg[13] = flags;
    put16(seg + 14, 8192);
    if (hl == 24) {
        seg[20] = 2; /* MSS */
        seg[21] = 4;
        put16(seg + 22, 1460);
    }
    if (len > 0) {
        memcpy(seg + hl, data, len);
    }
    inject_ip(6, src, seg, hl + len);
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static void peer_ack(void)
{
    tcp_seg(s_tcp.server_ip, s_tcp.sport, s_tcp.cport, s_tcp.iss + 1 + (uint32_t)s_tcp.snd_nxt + (s_tcp.fin_sent ? 1 : 0),
            s_tcp.rcv_nxt, F_ACK, NULL, 0);
}

static void server_accept(void);
static void server_step(void);

/* The server's TLS (below): OpenSSL on memory buffers. */
static struct {
    SSL_CTX *ctx; /* NULL: no TLS server, the test writes the bytes */
    SSL *ssl;
    size_t fed;   /* bytes of c2s given to OpenSSL */
    bool done, failed, close_notify, resumed;
    char app[4096];
    size_t app_len;
} s_srv;

/* How the connection before the current one ended. */
static struct {
    bool close_notify, fin;
} s_prev;

static void on_tcp(const uint8_t *ip, const uint8_t *t, size_t len)
{
    uint16_t sport = get16(t), dport = get16(t + 2);
    uint32_t seq = get32(t + 4), ack = get32(t + 8);
    uint8_t flags = t[13];
    size_t hl = (size_t)(t[12] >> 4) * 4;
    const uint8_t *data = t + hl;
    size_t dlen = len - hl;
    uint32_t dst = get32(ip + 16);

    if (flags & F_SYN) {
        s_tcp.syns++;
        s_tcp.syn_dst = dst;
        s_tcp.syn_sport = sport;
        s_tcp.syn_seq = seq;
        if (s_tcp.syn_mode == SYN_REFUSE) {
            tcp_seg(dst, dport, sport, 0, seq + 1, F_RST | F_ACK, NULL, 0);
        } else if (s_tcp.syn_mode == SYN_ACCEPT && !(s_tcp.open && sport == s_tcp.cport)) {
            server_step(); /* what the previous connection said last */
            s_prev.close_notify = s_srv.close_notify;
            s_prev.fin = s_tcp.client_fin;
            memset(&s_tcp.open, 0, sizeof s_tcp - offsetof(peer_t, open));
            s_tcp.open = true;
            s_tcp.server_ip = dst;
            s_tcp.cport = sport;
            s_tcp.sport = dport;
            s_tcp.rcv_nxt = seq + 1;
            s_tcp.iss = 0x10000000u + s_tcp.syns * 0x1000u;
            s_tcp.wnd_edge = get16(t + 14);
            s_tcp.last_ack_at = hal_millis();
            tcp_seg(dst, dport, sport, s_tcp.iss, s_tcp.rcv_nxt, F_SYN | F_ACK, NULL, 0);
            server_accept();
        } else if (s_tcp.open && sport == s_tcp.cport) {
            tcp_seg(dst, dport, sport, s_tcp.iss, s_tcp.rcv_nxt, F_SYN | F_ACK, NULL, 0); /* retransmitted SYN */
        }
        return;
    }
    if (!s_tcp.open || sport != s_tcp.cport || dport != s_tcp.sport) {
        if (flags & F_RST) {
            s_tcp.stray_rsts++;
        } else { /* a connection that is over here: reset it there */
            tcp_seg(dst, dport, sport, ack, seq + (uint32_t)dlen + ((flags & F_FIN) ? 1 : 0), F_RST | F_ACK, NULL, 0);
        }
        return;
    }
    if (flags & F_RST) {
        s_tcp.client_rst = true;
        s_tcp.rsts_seen++;
        s_tcp.open = false;
        return;
    }
    if (s_tcp.no_ack) {
        return;
    }
    if (flags & F_ACK) {
        uint32_t acked = ack - (s_tcp.iss + 1);
        if (acked <= s_tcp.s2c_len && acked > s_tcp.snd_una) {
            s_tcp.snd_una = acked;
            s_tcp.last_ack_at = hal_millis();
        }
        if (s_tcp.fin_sent && acked == s_tcp.s2c_len + 1) {
            s_tcp.fin_acked = true;
            s_tcp.snd_una = s_tcp.s2c_len;
        }
        if (acked <= s_tcp.s2c_len + 1) {
            s_tcp.wnd_edge = acked + get16(t + 14);
        }
    }
    bool must_ack = false;
    if (dlen > 0 && seq == s_tcp.rcv_nxt) {
        assert_true(s_tcp.c2s_len + dlen <= STREAM_MAX);
        memcpy(s_tcp.c2s + s_tcp.c2s_len, data, dlen);
        s_tcp.c2s_len += dlen;
        s_tcp.rcv_nxt += (uint32_t)dlen;
        must_ack = true;
    } else if (dlen > 0) {
        must_ack = true; /* a retransmission: say again where we are */
    }
    if ((flags & F_FIN) && seq + dlen == s_tcp.rcv_nxt && !s_tcp.client_fin) {
        s_tcp.client_fin = true;
        s_tcp.rcv_nxt++;
        must_ack = true;
    }
    if (must_ack) {
        peer_ack();
    }
}

static void on_arp(const uint8_t *f)
{
    if (get16(f + 20) != 1) {
        return;
    }
    uint8_t r[42];
    memcpy(r, f + 6, 6);
    memcpy(r + 6, PEER_MAC, 6);
    put16(r + 12, 0x0806);
    memcpy(r + 14, f + 14, 6); /* htype, ptype, hlen, plen */
    put16(r + 20, 2);
    memcpy(r + 22, PEER_MAC, 6);
    memcpy(r + 28, f + 38, 4);
    memcpy(r + 32, f + 22, 10);
    fake_eth_inject(r, sizeof r);
}

/* Everything the device sent: ARP and DNS answered, TCP played. */
static void take_frames(void)
{
    static uint8_t f[HAL_ETH_FRAME_MAX];
    size_t len;
    while ((len = fake_eth_take_tx(f, sizeof f)) > 0) {
        uint16_t type = get16(f + 12);
        if (type == 0x0806) {
            on_arp(f);
            continue;
        }
        if (type != 0x0800) {
            continue;
        }
        const uint8_t *ip = f + 14;
        size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
        size_t ip_len = get16(ip + 2);
        const uint8_t *l4 = ip + ihl;
        if (ip[9] == 17 && get16(l4 + 2) == 53 && get32(ip + 16) == DNS_IP) {
            on_dns(ip, l4, ip_len - ihl);
        } else if (ip[9] == 6) {
            on_tcp(ip, l4, ip_len - ihl);
        }
    }
}

/* Data and FIN to the device, within its window; everything unacknowledged
 * for half a second is sent again (go-back-N: lwIP drops what its few
 * buffers cannot hold). */
static void tcp_push(void)
{
    if (!s_tcp.open || s_tcp.client_rst) {
        return;
    }
    uint32_t now = hal_millis();
    if ((s_tcp.snd_nxt > s_tcp.snd_una || (s_tcp.fin_sent && !s_tcp.fin_acked)) &&
        (uint32_t)(now - s_tcp.last_ack_at) >= 500u) {
        s_tcp.snd_nxt = s_tcp.snd_una;
        s_tcp.fin_sent = false;
        s_tcp.last_ack_at = now;
    }
    while (s_tcp.snd_nxt < s_tcp.s2c_len && s_tcp.snd_nxt < s_tcp.wnd_edge && fake_eth_rx_pending() < 6) {
        size_t n = s_tcp.s2c_len - s_tcp.snd_nxt;
        if (n > SEG_MAX) {
            n = SEG_MAX;
        }
        if (n > s_tcp.wnd_edge - s_tcp.snd_nxt) {
            n = s_tcp.wnd_edge - s_tcp.snd_nxt;
        }
        if (s_tcp.snd_nxt == s_tcp.snd_una) {
            s_tcp.last_ack_at = now;
        }
        tcp_seg(s_tcp.server_ip, s_tcp.sport, s_tcp.cport, s_tcp.iss + 1 + (uint32_t)s_tcp.snd_nxt, s_tcp.rcv_nxt,
                F_ACK | F_PSH, s_tcp.s2c + s_tcp.snd_nxt, n);
        s_tcp.snd_nxt += n;
    }
    if (s_tcp.fin_queued && !s_tcp.fin_sent && s_tcp.snd_nxt == s_tcp.s2c_len && fake_eth_rx_pending() < 6) {
        tcp_seg(s_tcp.server_ip, s_tcp.sport, s_tcp.cport, s_tcp.iss + 1 + (uint32_t)s_tcp.s2c_len, s_tcp.rcv_nxt,
                F_FIN | F_ACK, NULL, 0);
        s_tcp.fin_sent = true;
        s_tcp.last_ack_at = now;
    }
}

static void peer_write(const void *data, size_t len)
{
    assert_true(s_tcp.s2c_len + len <= STREAM_MAX);
    memcpy(s_tcp.s2c + s_tcp.s2c_len, data, len);
    s_tcp.s2c_len += len;
}

static void peer_reset(void)
{
    tcp_seg(s_tcp.server_ip, s_tcp.sport, s_tcp.cport, s_tcp.iss + 1 + (uint32_t)s_tcp.snd_nxt, s_tcp.rcv_nxt,
            F_RST | F_ACK, NULL, 0);
    s_tcp.open = false;
}

/* ------------------------------------------------------------ the server's TLS */


static void server_free(void)
{
    if (s_srv.ssl != NULL) {
        SSL_free(s_srv.ssl);
    }
    s_srv.ssl = NULL;
}

static void server_accept(void)
{
    server_free();
    s_srv.fed = 0;
    s_srv.done = s_srv.failed = s_srv.close_notify = s_srv.resumed = false;
    s_srv.app_len = 0;
    if (s_srv.ctx == NULL) {
        return;
    }
    s_srv.ssl = SSL_new(s_srv.ctx);
    assert_non_null(s_srv.ssl);
    SSL_set_bio(s_srv.ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(s_srv.ssl);
}

static void server_flush(void)
{
    char buf[4096];
    int n;
    while ((n = BIO_read(SSL_get_wbio(s_srv.ssl), buf, sizeof buf)) > 0) {
        peer_write(buf, (size_t)n);
    }
}

static void server_step(void)
{
    if (s_srv.ssl == NULL || s_srv.failed) {
        return;
    }
    if (s_tcp.c2s_len > s_srv.fed) {
        BIO_write(SSL_get_rbio(s_srv.ssl), s_tcp.c2s + s_srv.fed, (int)(s_tcp.c2s_len - s_srv.fed));
        s_srv.fed = s_tcp.c2s_len;
    }
    if (!s_srv.done) {
        int rc = SSL_do_handshake(s_srv.ssl);
        if (rc == 1) {
            s_srv.done = true;
            s_srv.resumed = SSL_session_reused(s_srv.ssl) == 1;
        } else if (SSL_get_error(s_srv.ssl, rc) != SSL_ERROR_WANT_READ) {
            s_srv.failed = true;
            ERR_clear_error();
        }
    }
    if (s_srv.done && !s_srv.close_notify) {
        int n;
        while ((n = SSL_read(s_srv.ssl, s_srv.app + s_srv.app_len, (int)(sizeof s_srv.app - s_srv.app_len))) > 0) {
            s_srv.app_len += (size_t)n;
        }
        if (SSL_get_error(s_srv.ssl, n) == SSL_ERROR_ZERO_RETURN) {
            s_srv.close_notify = true;
        }
        ERR_clear_error();
    }
    server_flush();
}

/* The TLS version the server negotiated: "1.3", "1.2" or "-" (none). */
static const char *server_version(void)
{
    if (s_srv.ssl == NULL || !s_srv.done) {
        return "-";
    }
    return SSL_version(s_srv.ssl) == TLS1_3_VERSION ? "1.3" : SSL_version(s_srv.ssl) == TLS1_2_VERSION ? "1.2" : "?";
}

static void server_send(const char *text)
{
    assert_true(s_srv.done);
    assert_int_equal(SSL_write(s_srv.ssl, text, (int)strlen(text)), (int)strlen(text));
    server_flush();
}

static X509 *load_cert(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", TESTPKI, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("%s missing: run tools/testpki.sh %s", path, TESTPKI);
    }
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static EVP_PKEY *load_key(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", TESTPKI, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    return k;
}

/* A TLS server for the next connections: leaf and key, the issuing CA
 * after it, versions min..max. */
static void server_use(X509 *leaf, EVP_PKEY *key, int min, int max)
{
    if (s_srv.ctx != NULL) {
        SSL_CTX_free(s_srv.ctx);
    }
    s_srv.ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s_srv.ctx);
    assert_int_equal(SSL_CTX_use_certificate(s_srv.ctx, leaf), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(s_srv.ctx, key), 1);
    X509 *ca = load_cert("intermediate.pem");
    assert_int_equal(SSL_CTX_add1_chain_cert(s_srv.ctx, ca), 1);
    X509_free(ca);
    SSL_CTX_set_min_proto_version(s_srv.ctx, min);
    SSL_CTX_set_max_proto_version(s_srv.ctx, max);
    X509_free(leaf);
    EVP_PKEY_free(key);
}

static void server_use_files(const char *leaf, const char *key, int version)
{
    server_use(load_cert(leaf), load_key(key), version, version);
}

static void server_none(void)
{
    server_free();
    if (s_srv.ctx != NULL) {
        SSL_CTX_free(s_srv.ctx);
    }
    s_srv.ctx = NULL;
}

/* A P-256 leaf signed by the test PKI's issuing CA, with subjectAltName san
 * (OpenSSL's syntax, "IP:192.168.7.9") or none. */
static void server_use_made_leaf(const char *san)
{
    X509 *ca = load_cert("intermediate.pem");
    EVP_PKEY *ca_key = load_key("intermediate.key");
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400L);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)HOST, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(ca));
    if (san != NULL) {
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        assert_non_null(ext);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    server_use(x, key, TLS1_3_VERSION, TLS1_3_VERSION);
}

/* ------------------------------------------------------------ the heap */

/* The test is linked with --wrap=calloc: the heap that tlsport.c's counting
 * allocator draws from (the C library's on the device) can be made to
 * refuse, or to be slow, so the firmware's own allocation path is what
 * runs out.  s_callocs_left: allocations that still succeed, -1 for no
 * limit; s_ms_per_calloc: fake milliseconds each one takes. */
static long s_callocs_left = -1;
static uint32_t s_ms_per_calloc;
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
    if (s_callocs_left == 0) {
        return NULL;
    }
    if (s_callocs_left > 0) {
        s_callocs_left--;
    }
    if (s_ms_per_calloc != 0) {
        fake_time_advance(s_ms_per_calloc);
    }
    return __real_calloc(n, size);
}

/* ------------------------------------------------------------ running */

/* One pass of the superloop per millisecond: the network answers, the
 * server's TLS runs, lwIP runs, the transport is polled while it opens. */
static void run_ms(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        take_frames();
        server_step();
        tcp_push();
        net_task();
        if (T->ops->state(T->ctx) == TRANSPORT_OPENING) {
            (void)T->ops->poll(T->ctx);
        }
        fake_time_advance(1);
    }
}

/* Runs until the transport is no longer opening (at most ms); its state. */
static transport_state_t open_within(uint32_t ms)
{
    for (uint32_t i = 0; i < ms && T->ops->state(T->ctx) == TRANSPORT_OPENING; i++) {
        run_ms(1);
    }
    return T->ops->state(T->ctx);
}

static void expect_failure(transport_failure_t want)
{
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_FAILED);
    assert_int_equal(T->ops->failure(T->ctx), want);
}

static void expect_not_open_calls_refused(void)
{
    char b[4];
    assert_int_equal(T->ops->send(T->ctx, "x", 1), TRANSPORT_ERROR);
    assert_int_equal(T->ops->recv(T->ctx, b, sizeof b), TRANSPORT_ERROR);
    assert_false(T->ops->idle_clean(T->ctx));
}

/* Reads until n bytes came, or the connection ended; the last result. */
static int recv_some(char *buf, size_t size, size_t *got)
{
    *got = 0;
    int rc = TRANSPORT_AGAIN;
    for (int i = 0; i < 2000; i++) {
        rc = T->ops->recv(T->ctx, buf + *got, size - 1 - *got);
        if (rc > 0) {
            *got += (size_t)rc;
            buf[*got] = '\0';
            continue;
        }
        if (rc != TRANSPORT_AGAIN || *got > 0) {
            break;
        }
        run_ms(1);
    }
    return rc;
}

static void send_all(const char *text)
{
    size_t len = strlen(text), done = 0;
    for (int i = 0; i < 2000 && done < len; i++) {
        int rc = T->ops->send(T->ctx, text + done, len - done);
        assert_true(rc >= 0);
        done += (size_t)rc;
        run_ms(1);
    }
    assert_int_equal(done, len);
}

/* Ends whatever is open and lets lwIP and the peer settle. */
static void close_and_settle(void)
{
    T->ops->close(T->ctx);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
    assert_int_equal(T->ops->failure(T->ctx), TRANSPORT_FAIL_NONE);
    run_ms(50);
}

static void reset_peer(syn_mode_t mode)
{
    s_tcp.syn_mode = mode;
    s_tcp.no_ack = false;
    s_tcp.syns = 0;
    s_tcp.open = false;
    s_tcp.c2s_len = s_tcp.s2c_len = 0;
    s_dns.queries = 0;
    s_dns.last[0] = '\0';
}

/* ------------------------------------------------------------ set-up */

static void add_anchor(const char *file)
{
    X509 *x = load_cert(file);
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    unsigned slot;
    char label[CA_CN_MAX + 1];
    const char *why = "";
    if (ca_add(der, (size_t)len, &slot, label, &why) != CA_OK) {
        fail_msg("ca add %s: %s", file, why);
    }
    OPENSSL_free(der);
    X509_free(x);
}

static int group_setup(void **state)
{
    (void)state;
    fake_device_fresh();
    fake_entropy_reset();
    tlsport_init();
    ca_init();
    assert_true(rng_init());
    tls_init();
    T = tls_transport();
    net_init();
    const char *why;
    assert_int_equal(cfg_set("ip", "192.168.7.20/24,192.168.7.1", &why), CFG_OK);
    assert_int_equal(cfg_set("dns", "192.168.7.1", &why), CFG_OK);
    assert_int_equal(cfg_set("ntp", "192.168.7.1", &why), CFG_OK);
    /* the test PKI and the leaves made here are valid "now" */
    wallclock_set_manual((uint64_t)time(NULL) * 1000u);
    add_anchor("root.pem");
    s_dns.addr = PEER_IP;
    strcpy(s_dns.nxdomain, "nowhere.example.test");
    strcpy(s_dns.silent, "silent.example.test");
    run_ms(10);
    assert_true(net_is_up());
    free(fake_console_take());
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    T->ops->close(T->ctx);
    tls_forget_session();
    server_none();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    reset_peer(SYN_ACCEPT);
    server_none();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_and_settle();
    free(fake_console_take());
    return 0;
}

/* ------------------------------------------------------------ tests */

static void before_any_connection_nothing_is_open(void **state)
{
    (void)state;
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
    assert_int_equal(T->ops->failure(T->ctx), TRANSPORT_FAIL_NONE);
    assert_int_equal(T->ops->poll(T->ctx), TRANSPORT_IDLE);
    expect_not_open_calls_refused();
    T->ops->close(T->ctx); /* safe when idle */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
}

static void without_entropy_every_connection_fails_at_once(void **state)
{
    (void)state;
    fake_entropy_set_absent(true);
    assert_false(rng_init());
    tls_init();
    net_reach_report(true);
    T->ops->open(T->ctx, HOST, 443);
    expect_failure(TRANSPORT_FAIL_NO_ENTROPY);
    run_ms(20);
    assert_int_equal(s_tcp.syns, 0);     /* not even TCP */
    assert_int_equal(s_dns.queries, 0);
    assert_string_equal(net_reach(), "ok"); /* the network is not to blame */
    expect_not_open_calls_refused();
    fake_entropy_set_absent(false);
    assert_true(rng_init());
    tls_init();
}

static void an_ip_literal_connects_without_dns_and_a_reset_is_connect(void **state)
{
    (void)state;
    reset_peer(SYN_REFUSE);
    T->ops->open(T->ctx, "192.168.7.9", 8443);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    expect_not_open_calls_refused();
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_CONNECT);
    assert_int_equal(s_tcp.syns, 1);
    assert_int_equal(s_dns.queries, 0);
    assert_string_equal(net_reach(), "failing");
    expect_not_open_calls_refused();
}

static void no_syn_ack_is_a_timeout_after_ten_seconds(void **state)
{
    (void)state;
    reset_peer(SYN_IGNORE);
    T->ops->open(T->ctx, "192.168.7.9", 443);
    run_ms(10000); /* polled at 0 .. 9,999 ms */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    assert_true(s_tcp.syns >= 2); /* lwIP tried again meanwhile */
    run_ms(1);
    expect_failure(TRANSPORT_FAIL_TIMEOUT);
}

static void a_name_is_resolved_then_connected(void **state)
{
    (void)state;
    reset_peer(SYN_REFUSE);
    T->ops->open(T->ctx, "build.example.test", 443);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    assert_int_equal(s_dns.queries, 1);
    assert_string_equal(s_dns.last, "build.example.test");
    assert_int_equal(s_tcp.syns, 1);
    assert_int_equal(s_tcp.syn_dst, PEER_IP); /* the answer's address */
    expect_failure(TRANSPORT_FAIL_CONNECT);
}

static void a_name_that_does_not_exist_is_dns(void **state)
{
    (void)state;
    T->ops->open(T->ctx, "nowhere.example.test", 443);
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_DNS);
    assert_int_equal(s_dns.queries, 1);
    assert_int_equal(s_tcp.syns, 0);
}

static void an_unanswered_lookup_is_dns_within_twenty_seconds(void **state)
{
    (void)state;
    T->ops->open(T->ctx, "silent.example.test", 443);
    run_ms(2000);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    assert_int_equal(open_within(18000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_DNS);
    assert_true(s_dns.queries >= 2);
    assert_int_equal(s_tcp.syns, 0);
}

static void close_while_resolving_ignores_the_late_answer(void **state)
{
    (void)state;
    reset_peer(SYN_ACCEPT);
    s_dns.addr = PEER_IP;
    T->ops->open(T->ctx, "late.example.test", 443);
    T->ops->close(T->ctx); /* before the answer is taken */
    run_ms(200);
    assert_int_equal(s_dns.queries, 1);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
    assert_int_equal(s_tcp.syns, 0); /* the answer opened nothing */
}

/* The ClientHello's extensions: type -> (offset, length) in s_tcp.c2s. */
static bool find_ext(uint16_t type, size_t *at, size_t *len)
{
    const uint8_t *c = s_tcp.c2s;
    size_t p = 5 + 4 + 2 + 32; /* record header, handshake header, version, random */
    p += 1 + c[p];             /* session id */
    p += 2 + get16(c + p);     /* cipher suites */
    p += 1 + c[p];             /* compression methods */
    size_t end = p + 2 + get16(c + p);
    assert_true(end <= s_tcp.c2s_len);
    for (p += 2; p + 4 <= end; p += 4 + get16(c + p + 2)) {
        if (get16(c + p) == type) {
            *at = p + 4;
            *len = get16(c + p + 2);
            return true;
        }
    }
    return false;
}

/* Opens to host with a server that takes the ClientHello and never
 * answers; returns when it has all of it. */
static void client_hello_to(const char *host)
{
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, host, 443);
    for (int i = 0; i < 500; i++) {
        run_ms(1);
        if (s_tcp.c2s_len >= 5 && s_tcp.c2s_len >= 5u + get16(s_tcp.c2s + 3)) {
            break;
        }
    }
    assert_true(s_tcp.c2s_len >= 5);
    assert_int_equal(s_tcp.c2s_len, 5u + get16(s_tcp.c2s + 3)); /* exactly one record */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
}

static void the_client_hello_offers_both_versions_and_names_the_host(void **state)
{
    (void)state;
    client_hello_to(HOST);
    const uint8_t *c = s_tcp.c2s;
    assert_int_equal(c[0], 0x16); /* handshake record */
    assert_int_equal(c[1], 3);
    assert_int_equal(c[5], 1);    /* ClientHello */
    assert_int_equal(get16(c + 9), 0x0303);
    size_t at, len;
    assert_true(find_ext(43, &at, &len)); /* supported_versions */
    bool v13 = false, v12 = false;
    for (size_t i = at + 1; i < at + len; i += 2) {
        v13 |= get16(c + i) == 0x0304;
        v12 |= get16(c + i) == 0x0303;
        assert_true(get16(c + i) >= 0x0303); /* nothing older */
    }
    assert_true(v13 && v12);
    assert_true(find_ext(0, &at, &len)); /* server_name: list, host_name(0), the name */
    assert_int_equal(c[at + 2], 0);
    assert_int_equal(get16(c + at + 3), strlen(HOST));
    assert_memory_equal(c + at + 5, HOST, strlen(HOST));
    assert_int_equal(T->ops->send(T->ctx, "GET", 3), TRANSPORT_ERROR); /* nothing before verification */
}

static void an_ip_literal_is_not_sent_as_sni(void **state)
{
    (void)state;
    client_hello_to("192.168.7.9");
    size_t at, len;
    assert_true(find_ext(43, &at, &len));
    assert_false(find_ext(0, &at, &len)); /* RFC 6066: no literal addresses */
    assert_int_equal(s_dns.queries, 0);
}

static void a_silent_server_is_a_timeout_after_thirty_seconds(void **state)
{
    (void)state;
    uint32_t t0 = hal_millis();
    client_hello_to(HOST);
    run_ms(30000 - 1 - (hal_millis() - t0));
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    run_ms(2);
    expect_failure(TRANSPORT_FAIL_TIMEOUT);
}

/* A connection that never opened is of no further use: reset, so it holds
 * none of lwIP's two control blocks. */
static void close_during_the_handshake_resets_tcp(void **state)
{
    (void)state;
    client_hello_to(HOST);
    size_t sent = s_tcp.c2s_len;
    T->ops->close(T->ctx);
    run_ms(50);
    assert_true(s_tcp.client_rst);
    assert_false(s_tcp.client_fin);
    assert_int_equal(s_tcp.c2s_len, sent); /* no alert, no data */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
}

static void a_plain_http_answer_fails_the_handshake(void **state)
{
    (void)state;
    client_hello_to(HOST);
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    peer_write(http, sizeof http - 1);
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HANDSHAKE);
    assert_string_equal(net_reach(), "failing");
}

static void an_alert_fails_the_handshake(void **state)
{
    (void)state;
    client_hello_to(HOST);
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}; /* fatal handshake_failure */
    peer_write(alert, sizeof alert);
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HANDSHAKE);
}

static void a_server_that_closes_fails_the_handshake(void **state)
{
    (void)state;
    client_hello_to(HOST);
    s_tcp.fin_queued = true;
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HANDSHAKE);
}

static void a_reset_during_the_handshake_is_connect(void **state)
{
    (void)state;
    client_hello_to(HOST);
    peer_reset();
    assert_int_equal(open_within(1000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_CONNECT);
}

static void close_while_connecting_then_a_late_syn_ack(void **state)
{
    (void)state;
    reset_peer(SYN_IGNORE);
    T->ops->open(T->ctx, "192.168.7.9", 443);
    run_ms(5);
    assert_int_equal(s_tcp.syns, 1);
    T->ops->close(T->ctx);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
    run_ms(5000);
    assert_int_equal(s_tcp.syns, 1); /* not sent again: the attempt is gone */
    unsigned rsts = s_tcp.stray_rsts;
    tcp_seg(PEER_IP, 443, s_tcp.syn_sport, 0x5000, s_tcp.syn_seq + 1, F_SYN | F_ACK, NULL, 0);
    run_ms(5);
    assert_int_equal(s_tcp.stray_rsts, rsts + 1); /* lwIP refuses it */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_IDLE);
}

/* ---- full handshakes against OpenSSL */

static void open_to(const char *host, uint16_t port)
{
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, host, port);
    if (open_within(5000) != TRANSPORT_OPEN) {
        fail_msg("not open: state %d failure %d (server done %d failed %d)", T->ops->state(T->ctx),
                 T->ops->failure(T->ctx), s_srv.done, s_srv.failed);
    }
}

/* Lets everything the server sent after the handshake (TLS 1.3 tickets)
 * arrive whole, and has it read: nothing of it is data. */
static void settle_open(void)
{
    char b[8];
    for (int i = 0; i < 1000 && s_tcp.snd_una < s_tcp.s2c_len; i++) {
        run_ms(1);
        assert_int_equal(T->ops->recv(T->ctx, b, sizeof b), TRANSPORT_AGAIN);
    }
    assert_int_equal(s_tcp.snd_una, s_tcp.s2c_len);
    run_ms(5);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(T->ops->recv(T->ctx, b, sizeof b), TRANSPORT_AGAIN);
    }
}

/* Waits until the server's bytes are all with the device, unread. */
static void until_delivered(void)
{
    for (int i = 0; i < 1000 && (s_tcp.snd_una < s_tcp.s2c_len || (s_tcp.fin_sent && !s_tcp.fin_acked)); i++) {
        run_ms(1);
    }
    assert_int_equal(s_tcp.snd_una, s_tcp.s2c_len);
    run_ms(5);
}

/* Spec section 5's reuse rule asks idle_clean() before every request on a
 * kept connection; session tickets are housekeeping, not an answer. */
static void tickets_that_arrive_while_idle_leave_it_clean(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    until_delivered(); /* OpenSSL's two tickets after the handshake, unread */
    assert_true(T->ops->idle_clean(T->ctx));
    assert_true(T->ops->idle_clean(T->ctx));
    /* one more ticket, later, on the idle connection */
    assert_int_equal(SSL_new_session_ticket(s_srv.ssl), 1);
    assert_int_equal(SSL_do_handshake(s_srv.ssl), 1);
    server_flush();
    until_delivered();
    assert_true(T->ops->idle_clean(T->ctx));
    /* a ticket half taken by a read does not stop a send */
    assert_int_equal(SSL_new_session_ticket(s_srv.ssl), 1);
    assert_int_equal(SSL_do_handshake(s_srv.ssl), 1);
    server_flush();
    until_delivered();
    char b[4];
    assert_int_equal(T->ops->recv(T->ctx, b, sizeof b), TRANSPORT_AGAIN);
    send_all("ping");
    run_ms(20);
    assert_int_equal(s_srv.app_len, 4);
}

static void a_full_tls13_exchange_and_a_clean_close(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    assert_true(s_srv.done);
    assert_string_equal(server_version(), "1.3");
    assert_false(s_srv.resumed);
    assert_string_equal(net_reach(), "ok");
    settle_open();

    static const char req[] = "POST /x HTTP/1.1\r\nHost: dev.azure.com\r\nContent-Length: 0\r\n\r\n";
    send_all(req);
    run_ms(20);
    assert_int_equal(s_srv.app_len, strlen(req));
    assert_memory_equal(s_srv.app, req, strlen(req));

    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    server_send(resp);
    char buf[256];
    size_t got;
    assert_true(recv_some(buf, sizeof buf, &got) > 0 || got > 0);
    assert_string_equal(buf, resp);
    assert_int_equal(T->ops->recv(T->ctx, buf, sizeof buf), TRANSPORT_AGAIN);
    assert_true(T->ops->idle_clean(T->ctx));

    size_t before = s_tcp.c2s_len;
    T->ops->close(T->ctx);
    run_ms(50);
    assert_true(s_tcp.c2s_len > before); /* close_notify, then FIN */
    assert_true(s_srv.close_notify);
    assert_true(s_tcp.client_fin);
}

static void tls12_when_the_server_allows_only_that(void **state)
{
    (void)state;
    tls_forget_session();
    server_use_files("leaf.pem", "leaf.key", TLS1_2_VERSION);
    open_to(HOST, 443);
    assert_string_equal(server_version(), "1.2");
    assert_false(s_srv.resumed);
    send_all("ping");
    run_ms(20);
    assert_int_equal(s_srv.app_len, 4);
    server_send("pong");
    char buf[16];
    size_t got;
    recv_some(buf, sizeof buf, &got);
    assert_string_equal(buf, "pong");
}

static void the_next_connection_to_the_same_endpoint_resumes(void **state)
{
    (void)state;
    static const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
    for (unsigned i = 0; i < 2; i++) {
        int version = versions[i];
        tls_forget_session();
        server_use_files("leaf.pem", "leaf.key", version);
        open_to(HOST, 443);
        assert_false(s_srv.resumed);
        settle_open();
        close_and_settle();
        open_to(HOST, 443);
        assert_true(s_srv.resumed);
        assert_string_equal(server_version(), version == TLS1_3_VERSION ? "1.3" : "1.2");
        send_all("again");
        run_ms(20);
        assert_int_equal(s_srv.app_len, 5);
        settle_open();
        close_and_settle();
    }
}

static void a_session_is_offered_only_to_its_endpoint(void **state)
{
    (void)state;
    tls_forget_session();
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    close_and_settle();
    open_to(HOST, 8443); /* another port: not offered, a full handshake */
    size_t at, len;
    assert_false(find_ext(41, &at, &len));
    assert_false(s_srv.resumed);
    settle_open();
    close_and_settle();
    open_to(HOST, 8443); /* its own session now */
    assert_true(find_ext(41, &at, &len));
    assert_true(s_srv.resumed);
    settle_open();
    close_and_settle();
    tls_forget_session(); /* the anchors changed, say */
    open_to(HOST, 8443);
    assert_false(find_ext(41, &at, &len));
    assert_false(s_srv.resumed);
}

static void idle_clean_turns_false_on_data_a_partial_record_or_a_close(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    server_send("HTTP/1.1 200 OK\r\n\r\n"); /* a stray answer nobody asked for */
    run_ms(20);
    assert_false(T->ops->idle_clean(T->ctx));
    close_and_settle();

    open_to(HOST, 443);
    settle_open();
    static const uint8_t part[3] = {0x17, 0x03, 0x03}; /* the start of a record */
    peer_write(part, sizeof part);
    run_ms(20);
    assert_false(T->ops->idle_clean(T->ctx));
    close_and_settle();

    open_to(HOST, 443);
    settle_open();
    s_tcp.fin_queued = true;
    run_ms(20);
    assert_false(T->ops->idle_clean(T->ctx));
}

static void a_close_notify_from_the_server_is_closed(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    server_send("bye");
    SSL_shutdown(s_srv.ssl);
    server_flush();
    s_tcp.fin_queued = true;
    char buf[16];
    size_t got;
    int rc = recv_some(buf, sizeof buf, &got);
    assert_string_equal(buf, "bye");
    for (int i = 0; i < 100 && rc != TRANSPORT_CLOSED; i++) {
        run_ms(1);
        rc = T->ops->recv(T->ctx, buf, sizeof buf);
    }
    assert_int_equal(rc, TRANSPORT_CLOSED);
    assert_false(T->ops->idle_clean(T->ctx));
}

/* Many servers end the TCP stream without a close_notify; whether the
 * answer was whole is then the HTTP parser's call, so it is CLOSED. */
static void a_close_without_close_notify_is_closed(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    server_send("bye");
    s_tcp.fin_queued = true;
    until_delivered();
    char buf[16];
    size_t got;
    assert_int_equal(recv_some(buf, sizeof buf, &got), TRANSPORT_CLOSED);
    assert_int_equal(got, 3);
    assert_string_equal(buf, "bye");
    assert_int_equal(T->ops->recv(T->ctx, buf, sizeof buf), TRANSPORT_CLOSED); /* and again */
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPEN); /* until close() */
}

static void a_reset_after_open_is_an_io_error(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    peer_reset();
    run_ms(5);
    assert_false(T->ops->idle_clean(T->ctx));
    char buf[16];
    assert_int_equal(T->ops->recv(T->ctx, buf, sizeof buf), TRANSPORT_ERROR);
    expect_failure(TRANSPORT_FAIL_IO);
    close_and_settle();

    open_to(HOST, 443);
    settle_open();
    peer_reset();
    run_ms(5);
    assert_int_equal(T->ops->send(T->ctx, "late", 4), TRANSPORT_ERROR);
    expect_failure(TRANSPORT_FAIL_IO);
}

static void send_says_again_when_tcp_has_no_room(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    s_tcp.no_ack = true; /* the server stops taking anything */
    static char big[4096];
    memset(big, 'a', sizeof big);
    size_t taken = 0;
    int rc = 0;
    for (int i = 0; i < 50; i++) {
        rc = T->ops->send(T->ctx, big, sizeof big);
        if (rc == TRANSPORT_AGAIN) {
            break;
        }
        assert_true(rc > 0);
        taken += (size_t)rc;
        run_ms(1);
    }
    assert_int_equal(rc, TRANSPORT_AGAIN);
    assert_true(taken > 0 && taken < sizeof big);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPEN);
}

static void opening_again_closes_what_was_open(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    uint16_t first = s_tcp.cport;
    T->ops->open(T->ctx, HOST, 443);
    assert_int_equal(T->ops->state(T->ctx), TRANSPORT_OPENING);
    assert_int_equal(open_within(5000), TRANSPORT_OPEN);
    assert_true(s_tcp.cport != first);
    /* the first connection ended properly before the second began */
    assert_true(s_prev.close_notify);
    assert_true(s_prev.fin);
}

/* A session is kept only when there is one to keep and room for it. */
static void resumes_after(void (*between)(void))
{
    tls_forget_session();
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    between();
    close_and_settle();
    s_callocs_left = -1;
    open_to(HOST, 443);
}

static void nothing(void)
{
}

static void no_memory_now(void)
{
    s_callocs_left = 0; /* for the close */
}

static int big_ticket(SSL *ssl, void *arg)
{
    (void)arg;
    static const unsigned char pad[1024];
    return SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), pad, sizeof pad);
}

static SSL_TICKET_RETURN use_ticket(SSL *ssl, SSL_SESSION *ss, const unsigned char *name, size_t name_len,
                                    SSL_TICKET_STATUS status, void *arg)
{
    (void)ssl;
    (void)ss;
    (void)name;
    (void)name_len;
    (void)arg;
    return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_IGNORE_RENEW;
}

static void no_session_is_kept_without_room_or_a_ticket(void **state)
{
    (void)state;
    size_t at, len;
    resumes_after(nothing);
    assert_true(s_srv.resumed);
    assert_true(find_ext(41, &at, &len)); /* pre_shared_key: the ticket offered */

    resumes_after(no_memory_now); /* no room when the connection closes */
    assert_false(s_srv.resumed);
    assert_false(find_ext(41, &at, &len));

    /* a ticket too big for the 1 KB ClientHello is not kept */
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    SSL_CTX_set_session_ticket_cb(s_srv.ctx, big_ticket, use_ticket, NULL);
    open_to(HOST, 443);
    settle_open();
    close_and_settle();
    open_to(HOST, 443);
    assert_false(find_ext(41, &at, &len));
    assert_false(s_srv.resumed);
    close_and_settle();

    /* a server that gives no ticket */
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    SSL_CTX_set_num_tickets(s_srv.ctx, 0);
    open_to(HOST, 443);
    settle_open();
    close_and_settle();
    open_to(HOST, 443);
    assert_false(find_ext(41, &at, &len));
}

static void a_failed_handshake_forgets_the_session(void **state)
{
    (void)state;
    tls_forget_session();
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    settle_open();
    close_and_settle();
    /* a server that cannot resume it and then fails */
    server_use_files("expired-leaf.pem", "expired-leaf.key", TLS1_3_VERSION);
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, HOST, 443);
    assert_int_equal(open_within(5000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_CERT_EXPIRED);
    size_t at, len;
    assert_true(find_ext(41, &at, &len)); /* it was offered */
    close_and_settle();
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    open_to(HOST, 443);
    assert_false(find_ext(41, &at, &len));
    assert_false(s_srv.resumed);
}

static void with_the_link_down_connect_fails_at_once(void **state)
{
    (void)state;
    fake_eth_set_link(false);
    run_ms(2);
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, "192.168.7.9", 443);
    expect_failure(TRANSPORT_FAIL_CONNECT);
    fake_eth_set_link(true);
    run_ms(2);
    assert_true(net_is_up());
    assert_int_equal(s_tcp.syns, 0);
}

/* status's tls_longest_step_ms: the longest single handshake step, which
 * holds the CPU.  Here each allocation takes a millisecond. */
static void the_longest_handshake_step_is_measured(void **state)
{
    (void)state;
    tls_forget_session();
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    reset_peer(SYN_ACCEPT);
    uint32_t before = tls_longest_step_ms();
    s_ms_per_calloc = 1;
    uint32_t t0 = hal_millis();
    T->ops->open(T->ctx, HOST, 443);
    transport_state_t st = open_within(30000);
    s_ms_per_calloc = 0;
    assert_int_equal(st, TRANSPORT_OPEN);
    uint32_t longest = tls_longest_step_ms();
    assert_true(longest > before);
    assert_true(longest >= 100);                  /* a certificate's parse is hundreds of blocks */
    assert_true(longest < hal_millis() - t0);     /* one step, not the whole handshake */
}

/* ---- certificates */

static void expect_cert_failure(const char *leaf, const char *key, transport_failure_t want)
{
    tls_forget_session();
    server_use_files(leaf, key, TLS1_3_VERSION);
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, HOST, 443);
    assert_int_equal(open_within(5000), TRANSPORT_FAILED);
    expect_failure(want);
    assert_int_equal(s_srv.app_len, 0);
    close_and_settle();
}

static void certificate_failures_have_their_reasons(void **state)
{
    (void)state;
    expect_cert_failure("expired-leaf.pem", "expired-leaf.key", TRANSPORT_FAIL_CERT_EXPIRED);
    expect_cert_failure("notyet-leaf.pem", "notyet-leaf.key", TRANSPORT_FAIL_CERT_NOT_YET_VALID);
    expect_cert_failure("wronghost-leaf.pem", "wronghost-leaf.key", TRANSPORT_FAIL_HOSTNAME);
    /* untrusted-leaf's issuer is not the intermediate the server sends */
    expect_cert_failure("untrusted-leaf.pem", "untrusted-leaf.key", TRANSPORT_FAIL_CERT_UNTRUSTED);
}

static void an_ip_host_needs_its_address_in_the_certificate(void **state)
{
    (void)state;
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION); /* names only */
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, "192.168.7.9", 443);
    assert_int_equal(open_within(5000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HOSTNAME);
    close_and_settle();

    server_use_made_leaf("IP:192.168.7.8"); /* another address */
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, "192.168.7.9", 443);
    assert_int_equal(open_within(5000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HOSTNAME);
    close_and_settle();

    server_use_made_leaf("DNS:other.example.test,IP:192.168.7.9");
    open_to("192.168.7.9", 443);
    assert_string_equal(server_version(), "1.3");
}

static void a_leaf_without_subject_alt_name_is_refused(void **state)
{
    (void)state;
    server_use_made_leaf(NULL); /* CN=dev.azure.com only */
    reset_peer(SYN_ACCEPT);
    T->ops->open(T->ctx, HOST, 443);
    assert_int_equal(open_within(5000), TRANSPORT_FAILED);
    expect_failure(TRANSPORT_FAIL_HOSTNAME);
}

/* ---- memory */

/* Opens with n allocations allowed; the failure, or NONE if it opened. */
static transport_failure_t failure_with_callocs(long n)
{
    server_use_files("leaf.pem", "leaf.key", TLS1_3_VERSION);
    tls_forget_session();
    reset_peer(SYN_ACCEPT);
    uint32_t failed_before = tlsport_alloc_failures();
    s_callocs_left = n;
    T->ops->open(T->ctx, HOST, 443);
    transport_state_t st = open_within(5000);
    s_callocs_left = -1;
    transport_failure_t f = T->ops->failure(T->ctx);
    assert_true(st != TRANSPORT_FAILED || tlsport_alloc_failures() > failed_before);
    close_and_settle();
    return st == TRANSPORT_FAILED ? f : TRANSPORT_FAIL_NONE;
}

static void running_out_of_memory_is_no_memory(void **state)
{
    (void)state;
    /* not even the host name's copy: nothing goes out */
    assert_int_equal(failure_with_callocs(0), TRANSPORT_FAIL_NO_MEMORY);
    assert_int_equal(s_tcp.syns, 0);
    /* the name's copy, then not the session's record buffers: after TCP */
    assert_int_equal(failure_with_callocs(1), TRANSPORT_FAIL_NO_MEMORY);
    assert_int_equal(s_tcp.syns, 1);
    assert_int_equal(s_tcp.c2s_len, 0);
    /* at later steps of the handshake (it takes thousands of small blocks),
     * whatever mbedTLS makes of it; with enough, it opens */
    unsigned failed = 0;
    long n = 2;
    transport_failure_t f;
    while ((f = failure_with_callocs(n)) != TRANSPORT_FAIL_NONE) {
        assert_int_equal(f, TRANSPORT_FAIL_NO_MEMORY);
        assert_true(n < 1000000);
        failed++;
        n = n * 3 / 2 + 1;
    }
    assert_true(failed > 10);
    assert_true(s_srv.done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(before_any_connection_nothing_is_open, setup, teardown),
        cmocka_unit_test_setup_teardown(without_entropy_every_connection_fails_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(an_ip_literal_connects_without_dns_and_a_reset_is_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(no_syn_ack_is_a_timeout_after_ten_seconds, setup, teardown),
        cmocka_unit_test_setup_teardown(a_name_is_resolved_then_connected, setup, teardown),
        cmocka_unit_test_setup_teardown(a_name_that_does_not_exist_is_dns, setup, teardown),
        cmocka_unit_test_setup_teardown(an_unanswered_lookup_is_dns_within_twenty_seconds, setup, teardown),
        cmocka_unit_test_setup_teardown(close_while_resolving_ignores_the_late_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(the_client_hello_offers_both_versions_and_names_the_host, setup, teardown),
        cmocka_unit_test_setup_teardown(an_ip_literal_is_not_sent_as_sni, setup, teardown),
        cmocka_unit_test_setup_teardown(a_silent_server_is_a_timeout_after_thirty_seconds, setup, teardown),
        cmocka_unit_test_setup_teardown(close_during_the_handshake_resets_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(a_plain_http_answer_fails_the_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(an_alert_fails_the_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(a_server_that_closes_fails_the_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reset_during_the_handshake_is_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(close_while_connecting_then_a_late_syn_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_tls13_exchange_and_a_clean_close, setup, teardown),
        cmocka_unit_test_setup_teardown(tickets_that_arrive_while_idle_leave_it_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(tls12_when_the_server_allows_only_that, setup, teardown),
        cmocka_unit_test_setup_teardown(the_next_connection_to_the_same_endpoint_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_session_is_offered_only_to_its_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_clean_turns_false_on_data_a_partial_record_or_a_close, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_notify_from_the_server_is_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_without_close_notify_is_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reset_after_open_is_an_io_error, setup, teardown),
        cmocka_unit_test_setup_teardown(send_says_again_when_tcp_has_no_room, setup, teardown),
        cmocka_unit_test_setup_teardown(opening_again_closes_what_was_open, setup, teardown),
        cmocka_unit_test_setup_teardown(no_session_is_kept_without_room_or_a_ticket, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_handshake_forgets_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(with_the_link_down_connect_fails_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(the_longest_handshake_step_is_measured, setup, teardown),
        cmocka_unit_test_setup_teardown(certificate_failures_have_their_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(an_ip_host_needs_its_address_in_the_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(a_leaf_without_subject_alt_name_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(running_out_of_memory_is_no_memory, setup, teardown),
    };
    return cmocka_run_group_tests_name("tls", tests, group_setup, group_teardown);
}
