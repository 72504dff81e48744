#include "delivery.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cmd.h"
#include "crc32.h"
#include "console.h"
#include "device.h"
#include "hal_time.h"
#include "http.h"
#include "led.h"
#include "mbedtls/platform.h"
#include "net.h"
#include "payload.h"
#include "queue.h"
#include "tls.h"
#include "transport.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

#define RESPONSE_TIMEOUT_MS 20000u
#define IDLE_CLOSE_MS 30000u   /* a kept-alive connection unused this long is closed */
#define READ_CHUNK 256u
#define EXPIRY_SWEEP_MS 1000u
#define REMOUNT_MS 5000u
#define ERROR_FLASH_MS 3000u
#define DELIVERED_FLASH_MS 1500u

typedef enum {
    D_IDLE,
    D_CONNECT,     /* DNS, TCP and TLS handshakes (the transport) */
    D_SEND,
    D_AWAIT
} dstate_t;

static struct {
    dstate_t state;
    char run_id[PAYLOAD_ID_MAX + 24];
    unsigned attempt;
    uint32_t started_at;
    bool press_known;       /* EVT delivered ms= when the press time is exact */
    uint32_t swept_at;
    /* the connection: kept open between triggers when the server allows */
    bool conn_open;
    uint32_t conn_host_crc; /* which host the kept connection is to */
    uint16_t conn_port;
    uint32_t conn_used_at;
    bool reused;            /* this attempt went out on the kept connection */
    uint32_t remount_at;
    /* what is being sent: the request head then the body */
    size_t head_len, body_len, sent;
    uint32_t delivered, failed;
    uint32_t rand;
} s;

/* The request (head, then body) lives in mbedTLS's pool only while it is
 * sent: after the handshake the pool has room, and 2.4 KB of static RAM
 * is what the 64 KB board cannot spare. */
#define REQ_SIZE (HTTP_REQUEST_HEAD_MAX + PAYLOAD_MAX + 1u)
static char *s_req; /* head at the start, body after HTTP_REQUEST_HEAD_MAX */
static http_parser_t s_parser;

static char *req_head(void)
{
    return s_req;
}

static char *req_body(void)
{
    return s_req + HTTP_REQUEST_HEAD_MAX;
}

static void req_free(void)
{
    if (s_req != NULL) {
        mbedtls_free(s_req);
        s_req = NULL;
    }
}

uint32_t delivery_delivered(void)
{
    return s.delivered;
}

uint32_t delivery_failed(void)
{
    return s.failed;
}

bool delivery_busy(void)
{
    return s.state != D_IDLE;
}

void delivery_init(void)
{
    memset(&s, 0, sizeof s);
    s.rand = hal_millis() | 1u;
}

/* ------------------------------------------------------------ outcomes */

static uint32_t cfg_ms(const char *key)
{
    char v[16];
    unsigned long n = 0;
    if (cfg_value(key, v, sizeof v, NULL) == CFG_OK) {
        sscanf(v, "%lu", &n);
    }
    return (uint32_t)n;
}

/* A factor between 0.5 and 1.0 (spec section 5), in 1/1024ths. */
static uint32_t jitter(uint32_t ms)
{
    s.rand ^= s.rand << 13;
    s.rand ^= s.rand >> 17;
    s.rand ^= s.rand << 5;
    uint32_t f = 512u + (s.rand % 513u);
    return (uint32_t)(((uint64_t)ms * f) / 1024u);
}

static uint32_t backoff_ms(unsigned attempt)
{
    uint64_t ms = cfg_ms("retry.base_ms");
    uint32_t max = cfg_ms("retry.max_ms");
    for (unsigned i = 1; i < attempt && ms < max; i++) {
        ms *= 2u;
    }
    return jitter(ms > max ? max : (uint32_t)ms);
}

static const transport_t *conn(void)
{
    return tls_transport();
}

static void close_conn(void)
{
    req_free();
    conn()->ops->close(conn()->ctx);
    s.conn_open = false;
}

static void finish(void)
{
    req_free();
    queue_set_in_flight(NULL);
    s.state = D_IDLE;
}

/* How the last attempt of a trigger ended, kept in its queue entry's `last`
 * and shown by `queue` as last=: QUEUE_LAST_NEW, a reason below, a TLS
 * failure with a token of its own, an HTTP status (100..999), or LAST_ERROR +
 * the status after EVT error (LAST_ERROR alone: the record is unreadable). */
enum {
    LAST_CLOCK_UNSET = 1,
    LAST_NOT_CONFIGURED,
    LAST_NET_DOWN,
    LAST_TIMEOUT,
    LAST_IO,
    LAST_NO_RESPONSE,
    LAST_BAD_RESPONSE,
    LAST_NO_MEMORY,
    LAST_REASONS,
    LAST_TRANSPORT = 32 /* + transport_failure_t */
};
#define LAST_ERROR 1000u

static const char *const s_last_names[LAST_REASONS] = {
    [QUEUE_LAST_NEW] = "new",
    [LAST_CLOCK_UNSET] = "clock-unset",
    [LAST_NOT_CONFIGURED] = "not-configured",
    [LAST_NET_DOWN] = "net-down",
    [LAST_TIMEOUT] = "timeout",
    [LAST_IO] = "io",
    [LAST_NO_RESPONSE] = "no-response",
    [LAST_BAD_RESPONSE] = "bad-response",
    [LAST_NO_MEMORY] = "no-memory",
};

/* The `last=` (and retry reason=) text; buf holds a status. */
static const char *last_name(uint16_t last, char buf[8])
{
    if (last < LAST_REASONS) {
        return s_last_names[last];
    }
    if (last >= LAST_TRANSPORT && last < 100u) {
        return transport_failure_name((transport_failure_t)(last - LAST_TRANSPORT));
    }
    if (last == LAST_ERROR) {
        return "storage";
    }
    snprintf(buf, 8, "%u", (unsigned)(last > LAST_ERROR ? last - LAST_ERROR : last));
    return buf;
}

bool delivery_needs_person(void)
{
    for (unsigned i = 0; i < queue_count(); i++) {
        if (queue_at(i)->last >= LAST_ERROR) {
            return true;
        }
    }
    return false;
}

/* The attempt's trigger stays queued: due again in in_ms, last as given. */
static void reschedule(uint32_t in_ms, uint16_t last)
{
    queue_entry_t *e = queue_in_flight();
    if (e != NULL) {
        e->next_at = hal_millis() + in_ms;
        e->last = last;
    }
    finish();
}

static void retry(uint16_t why, uint32_t in_ms)
{
    char buf[8];
    close_conn();
    con_evt("retry id=%s attempt=%u in_ms=%lu reason=%s", s.run_id, s.attempt, (unsigned long)in_ms,
            last_name(why, buf));
    reschedule(in_ms, why);
}

static bool elapsed_ms(queue_entry_t *e, const queue_summary_t *q, uint64_t *ms);

static void delivered(unsigned status)
{
    queue_entry_t *in_flight = queue_in_flight();
    queue_summary_t q;
    uint64_t ms;
    if (s.press_known && in_flight != NULL && queue_summary(in_flight, &q) == QUEUE_OK &&
        elapsed_ms(in_flight, &q, &ms)) {
        con_evt("delivered id=%s attempt=%u status=%u ms=%lu", s.run_id, s.attempt, status, (unsigned long)ms);
    } else {
        con_evt("delivered id=%s attempt=%u status=%u", s.run_id, s.attempt, status);
    }
    s.delivered++;
    led_flash(LED_DELIVERED, DELIVERED_FLASH_MS);
    queue_entry_t *e = queue_in_flight();
    finish();
    if (e != NULL) {
        (void)queue_remove(e, QUEUE_DONE_DELIVERED);
    }
}

/* Needs a person: kept, tried again every retry.error_ms, and the ones
 * behind it go on meanwhile. */
static void rejected(unsigned status, const char *reason)
{
    s.failed++;
    con_evt("error id=%s attempt=%u status=%u reason=%s", s.run_id, s.attempt, status, reason);
    led_flash(LED_ERROR, ERROR_FLASH_MS);
    reschedule(cfg_ms("retry.error_ms"), (uint16_t)(LAST_ERROR + status));
}

/* ------------------------------------------------------------ steps */

/* Spec section 4: a press made before the clock was set is back-dated from
 * uptime in the same boot; after a reset its time is that of the first
 * attempt, marked estimated.  True when t changed. */
static bool fix_press_time(trigger_rec_t *t)
{
    if (t->at_utc) {
        return false;
    }
    if (t->boot != device_boot() || !wallclock_at_uptime(t->at_ms, &t->at_ms)) {
        (void)wallclock_now(&t->at_ms);
        t->at_estimated = true;
    }
    t->at_utc = true;
    return true;
}

/* Writes the fixed press time back, so every later attempt (and one after a
 * reset) carries the same "at". */
static void settle_press_time(queue_entry_t *e)
{
    trigger_rec_t *t = mbedtls_calloc(1, sizeof *t);
    if (t == NULL) {
        return; /* build_request fixes it in RAM for this attempt */
    }
    if (queue_load(e, t) == QUEUE_OK && fix_press_time(t)) {
        (void)queue_update(e, t);
    }
    mbedtls_free(t);
}

/* How long ago the trigger was pressed, on the device's own running clock,
 * which no step of the wall clock moves (spec section 5): elapsed uptime for
 * a press in this boot; for an earlier one, the clock as first set in this
 * boot plus the uptime since, less the press's time.  False when that cannot
 * be known, or would be negative (the clocks of the two boots disagree). */
static bool elapsed_ms(queue_entry_t *e, const queue_summary_t *q, uint64_t *ms)
{
    uint64_t now = hal_uptime_ms();
    if (e->pressed_ms != QUEUE_PRESSED_UNKNOWN) {
        uint32_t d = (uint32_t)now - e->pressed_ms;
        if (d < 0x80000000u) {
            *ms = d;
            return true;
        }
        /* 24.8 days: before the 32 bits wrap, the running clock takes over */
        e->pressed_ms = QUEUE_PRESSED_UNKNOWN;
    }
    if (!q->at_utc) {
        if (q->boot != device_boot()) {
            return false; /* pressed in an earlier boot before the clock was set */
        }
        *ms = now > q->at_ms ? now - q->at_ms : 0u;
        return true;
    }
    return wallclock_since(q->at_ms, ms);
}

/* max_age: a trigger older than that is dropped with EVT expired. */
static bool expire_if_old(queue_entry_t *e, uint32_t max_age_s)
{
    queue_summary_t q;
    uint64_t age;
    if (max_age_s == 0 || queue_summary(e, &q) != QUEUE_OK || !elapsed_ms(e, &q, &age) ||
        age < (uint64_t)max_age_s * 1000u) {
        return false;
    }
    char id[PAYLOAD_ID_MAX + 24];
    queue_run_id(&q, id, sizeof id);
    (void)queue_remove(e, QUEUE_DONE_EXPIRED);
    con_evt("expired id=%s", id);
    return true;
}

static void sweep_expired(void)
{
    uint32_t max_age = cfg_ms("max_age");
    for (unsigned i = 0; max_age != 0 && i < queue_count();) {
        queue_entry_t *e = queue_at(i);
        if (e == queue_in_flight() || !expire_if_old(e, max_age)) {
            i++;
        }
    }
}

static void start_attempt(queue_entry_t *e)
{
    char host[254];
    queue_summary_t q;
    if (expire_if_old(e, cfg_ms("max_age"))) {
        return;
    }
    if (queue_summary(e, &q) != QUEUE_OK) {
        /* the record decayed on the medium: kept for a person to see */
        e->last = LAST_ERROR;
        e->next_at = hal_millis() + cfg_ms("retry.error_ms");
        return;
    }
    if (!q.at_utc) {
        settle_press_time(e);
        (void)queue_summary(e, &q);
    }
    queue_set_in_flight(e);
    if (e->attempts < UINT16_MAX) {
        e->attempts++;
    }
    s.attempt = e->attempts;
    s.started_at = hal_millis();
    queue_run_id(&q, s.run_id, sizeof s.run_id);
    s.press_known = q.at_utc && !q.at_estimated;
    con_evt("sending id=%s attempt=%u", s.run_id, s.attempt);
    cfg_value("host", host, sizeof host, NULL);
    uint16_t p = (uint16_t)cfg_ms("port");
    uint32_t crc = crc32_update(0, host, strlen(host));
    /* Spec section 5: a kept connection is reused only when nothing arrived
     * on it since the last answer and the peer has not closed it; otherwise
     * this attempt opens a new one, and nothing counts as failed. */
    s.reused = s.conn_open && conn()->ops->state(conn()->ctx) == TRANSPORT_OPEN && crc == s.conn_host_crc &&
               p == s.conn_port && conn()->ops->idle_clean(conn()->ctx);
    if (s.reused) {
        s.state = D_SEND; /* the kept connection */
        s.sent = 0;
        s.head_len = 0;
        return;
    }
    close_conn();
    s.conn_host_crc = crc;
    s.conn_port = p;
    conn()->ops->open(conn()->ctx, host, p);
    s.state = D_CONNECT;
}

/* The host is read from the configuration where it is needed rather than
 * kept: 254 bytes the 64 KB board would rather not hold. */
static void host_now(char host[254])
{
    cfg_value("host", host, 254, NULL);
}

static void step_connect(void)
{
    transport_state_t st = conn()->ops->poll(conn()->ctx);
    if (st == TRANSPORT_OPEN) {
        s.conn_open = true;
        s.state = D_SEND;
        s.sent = 0;
        s.head_len = 0;
        return;
    }
    if (st != TRANSPORT_FAILED) {
        return;
    }
    transport_failure_t f = conn()->ops->failure(conn()->ctx);
    const char *token = transport_tls_token(f);
    if (token != NULL) {
        con_evt("tls-fail id=%s reason=%s", s.run_id, token);
    }
    retry((uint16_t)(LAST_TRANSPORT + f), backoff_ms(s.attempt));
}

typedef enum {
    BUILD_OK = 0,
    BUILD_NO_MEMORY,      /* the pool is short: retried */
    BUILD_NOT_CONFIGURED, /* the secret went away meanwhile: retried */
    BUILD_STORAGE,        /* the stored trigger cannot be read back */
    BUILD_TOO_BIG         /* with today's org the body exceeds 1536 bytes */
} build_t;

/* Builds head and body for this attempt. */
static build_t build_request(void)
{
    char org[72], webhook[72], path_prefix[136], api_version[40], sig_header[72], host[254];
    uint8_t secret[CFG_SECRET_MAX + 1];
    size_t secret_len = 0;
    char sig[41];
    host_now(host);
    cfg_value("org", org, sizeof org, NULL);
    cfg_value("webhook", webhook, sizeof webhook, NULL);
    cfg_value("path_prefix", path_prefix, sizeof path_prefix, NULL);
    cfg_value("api_version", api_version, sizeof api_version, NULL);
    cfg_value("sig_header", sig_header, sizeof sig_header, NULL);
    s_req = mbedtls_calloc(1, REQ_SIZE);
    /* The trigger is read from the queue only for this: 1.1 KB of pool for
     * a moment rather than of static RAM for good. */
    trigger_rec_t *t = s_req != NULL ? mbedtls_calloc(1, sizeof *t) : NULL;
    queue_entry_t *e = queue_in_flight();
    if (t == NULL) {
        return BUILD_NO_MEMORY;
    }
    build_t rc = e != NULL && queue_load(e, t) == QUEUE_OK ? BUILD_OK : BUILD_STORAGE;
    (void)fix_press_time(t); /* when writing it back did not work */
    if (rc == BUILD_OK && payload_build(t, org, s.attempt, req_body(), PAYLOAD_MAX + 1, &s.body_len) != PAYLOAD_OK) {
        rc = BUILD_TOO_BIG;
    }
    mbedtls_free(t);
    if (rc != BUILD_OK) {
        return rc;
    }
    /* The secret is read at send time and wiped at once after signing. */
    if (!cfg_secret(secret, sizeof secret, &secret_len) ||
        payload_sign(secret, secret_len, req_body(), s.body_len, sig) != 0) {
        cfg_wipe(secret, sizeof secret);
        return BUILD_NOT_CONFIGURED;
    }
    cfg_wipe(secret, sizeof secret);
    http_request_t r = {
        .host = host,
        .port = s.conn_port,
        .path_prefix = path_prefix,
        .org = org,
        .webhook = webhook,
        .api_version = api_version,
        .sig_header = sig_header,
        .signature = sig,
        .version = PB_VERSION,
        .content_length = (uint32_t)s.body_len,
        .keep_alive = true,
    };
    return http_request_build(req_head(), HTTP_REQUEST_HEAD_MAX, &s.head_len, &r) == HTTP_OK ? BUILD_OK
                                                                                             : BUILD_TOO_BIG;
}

static void step_send(void)
{
    if (s.head_len == 0) {
        build_t b = build_request();
        if (b != BUILD_OK) {
            close_conn();
            if (b == BUILD_NO_MEMORY || b == BUILD_NOT_CONFIGURED) {
                retry(b == BUILD_NO_MEMORY ? LAST_NO_MEMORY : LAST_NOT_CONFIGURED, backoff_ms(s.attempt));
            } else {
                rejected(0, b == BUILD_STORAGE ? "storage" : "too-big"); /* needs a person */
            }
            return;
        }
        s.sent = 0;
        s.started_at = hal_millis();
    }
    size_t total = s.head_len + s.body_len;
    while (s.sent < total) {
        const char *p = s.sent < s.head_len ? req_head() + s.sent : req_body() + (s.sent - s.head_len);
        size_t n = s.sent < s.head_len ? s.head_len - s.sent : total - s.sent;
        int w = conn()->ops->send(conn()->ctx, p, n);
        if (w == 0) {
            /* lwIP's send buffer is full: next pass, unless the peer has
             * taken nothing for as long as an answer may take */
            if ((uint32_t)(hal_millis() - s.started_at) >= RESPONSE_TIMEOUT_MS) {
                retry(LAST_TIMEOUT, backoff_ms(s.attempt));
            }
            return;
        }
        if (w < 0) {
            /* a kept connection the server had closed meanwhile: the next
             * attempt opens a new one straight away */
            retry(LAST_IO, s.reused ? 0u : backoff_ms(s.attempt));
            return;
        }
        s.sent += (size_t)w;
    }
    req_free(); /* all sent */
    uint64_t now = 0;
    (void)wallclock_now(&now);
    http_parser_init(&s_parser, now / 1000u);
    s.started_at = hal_millis();
    s.state = D_AWAIT;
}

static void answered(void)
{
    const http_response_t *r = &s_parser.resp;
    bool reuse = r->reusable;
    s.conn_used_at = hal_millis();
    if (!reuse) {
        close_conn();
    }
    http_class_t c = http_classify(r);
    char status[8];
    snprintf(status, sizeof status, "%u", r->status);
    switch (c) {
    case HTTP_CLASS_DELIVERED:
        delivered(r->status);
        break;
    case HTTP_CLASS_RETRY: {
        uint16_t after = http_retry_after_s(r);
        uint32_t in_ms = after ? (uint32_t)after * 1000u : backoff_ms(s.attempt);
        con_evt("retry id=%s attempt=%u in_ms=%lu reason=%s", s.run_id, s.attempt, (unsigned long)in_ms, status);
        reschedule(in_ms, (uint16_t)r->status);
        break;
    }
    default:
        rejected(r->status, http_class_reason(c));
        break;
    }
}

static void step_await(void)
{
    uint8_t buf[READ_CHUNK];
    for (;;) {
        int n = conn()->ops->recv(conn()->ctx, buf, sizeof buf);
        int rc;
        size_t used = 0;
        if (n == 0) {
            break;
        }
        if (n < 0) {
            rc = n == TRANSPORT_CLOSED ? http_parse_eof(&s_parser) : HTTP_E_TRUNCATED;
            if (rc == HTTP_DONE) {
                s_parser.resp.reusable = false;
                answered();
            } else {
                retry(rc == HTTP_E_NO_RESPONSE ? LAST_NO_RESPONSE : LAST_IO, backoff_ms(s.attempt));
            }
            return;
        }
        rc = http_parse(&s_parser, buf, (size_t)n, &used);
        if (rc == HTTP_DONE) {
            if (used < (size_t)n) {
                /* bytes nobody asked for: answer this one, trust the
                 * connection no further */
                s_parser.resp.reusable = false;
            }
            answered();
            return;
        }
        if (rc < 0) {
            retry(LAST_BAD_RESPONSE, backoff_ms(s.attempt));
            return;
        }
    }
    if ((uint32_t)(hal_millis() - s.started_at) >= RESPONSE_TIMEOUT_MS) {
        retry(LAST_TIMEOUT, backoff_ms(s.attempt));
    }
}

/* What `queue` shows as last=: how the last attempt ended, or for a
 * trigger not yet tried, what it waits for. */
static uint16_t shown_last(const queue_entry_t *e)
{
    uint64_t now;
    if (e->last != QUEUE_LAST_NEW) {
        return e->last;
    }
    if (!wallclock_now(&now)) {
        return LAST_CLOCK_UNSET;
    }
    if (!trigger_configured()) {
        return LAST_NOT_CONFIGURED;
    }
    return net_is_up() ? QUEUE_LAST_NEW : LAST_NET_DOWN;
}

void delivery_task(void)
{
    switch (s.state) {
    case D_IDLE: {
        if (s.conn_open && (uint32_t)(hal_millis() - s.conn_used_at) >= IDLE_CLOSE_MS) {
            close_conn();
        }
        uint64_t now;
        /* A queue write failed: mount again (between attempts only), which
         * settles the medium exactly as after a power cut. */
        if (queue_broken() && (uint32_t)(hal_millis() - s.remount_at) >= REMOUNT_MS) {
            s.remount_at = hal_millis();
            (void)queue_init();
        }
        if ((uint32_t)(hal_millis() - s.swept_at) >= EXPIRY_SWEEP_MS) {
            s.swept_at = hal_millis();
            sweep_expired();
        }
        queue_entry_t *e = queue_next_due(hal_millis());
        if (e == NULL) {
            return;
        }
        /* Spec section 5: nothing is sent before the clock is set (`queue`
         * shows what a trigger waits for: shown_last). */
        if (!wallclock_now(&now) || !trigger_configured() || !net_is_up()) {
            return;
        }
        start_attempt(e);
        break;
    }
    case D_CONNECT:
        step_connect();
        break;
    case D_SEND:
        step_send();
        break;
    case D_AWAIT:
        step_await();
        break;
    }
}

/* ------------------------------------------------------------ `queue` */

static const char QUEUE_USAGE[] = "usage: queue [retry <runId>|all | drop <runId>]";

static void queue_list(void)
{
    char id[PAYLOAD_ID_MAX + 24], last[8];
    queue_summary_t q;
    uint32_t now = hal_millis();
    for (unsigned i = 0; i < queue_count(); i++) {
        queue_entry_t *e = queue_at(i);
        int32_t left = (int32_t)(e->next_at - now);
        if (queue_summary(e, &q) != QUEUE_OK) {
            snprintf(q.action, sizeof q.action, "unreadable");
        }
        queue_run_id(&q, id, sizeof id);
        con_info("id=%s action=%s attempts=%u next_in_ms=%ld last=%s", id, q.action, (unsigned)e->attempts,
                 (long)(left > 0 && e != queue_in_flight() ? left : 0), last_name(shown_last(e), last));
    }
    con_ok(NULL);
}

static void queue_retry(const char *id)
{
    unsigned n = 0;
    bool all = strcmp(id, "all") == 0;
    queue_entry_t *one = all ? NULL : queue_find(id);
    for (unsigned i = 0; i < queue_count(); i++) {
        queue_entry_t *e = queue_at(i);
        if ((all || e == one) && e != queue_in_flight()) {
            e->next_at = hal_millis();
            n++;
        }
    }
    if (n == 0 && one == NULL && !all) {
        con_err("bad-argument", "no pending trigger %s", id);
    } else {
        con_ok("count=%u", n);
    }
}

static void queue_drop(const char *id)
{
    queue_entry_t *e = queue_find(id);
    if (e == NULL) {
        con_err("bad-argument", "no pending trigger %s", id);
    } else if (e == queue_in_flight()) {
        con_err("busy", "%s is being sent; try again when its attempt ends", id);
    } else if (queue_remove(e, QUEUE_DONE_DROPPED) != QUEUE_OK) {
        con_err("storage", "%s is dropped until reset, but the queue memory did not take the change", id);
    } else {
        con_ok(NULL);
    }
}

void cmd_queue(const char *args)
{
    char verb[8], id[PAYLOAD_ID_MAX + 24];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL) {
        con_err("bad-argument", "%s", QUEUE_USAGE);
        return;
    }
    if (verb[0] == '\0') {
        queue_list();
        return;
    }
    if (cmd_word(rest, id, sizeof id) == NULL || id[0] == '\0') {
        con_err("bad-argument", "%s", QUEUE_USAGE);
    } else if (strcmp(verb, "retry") == 0) {
        queue_retry(id);
    } else if (strcmp(verb, "drop") == 0) {
        queue_drop(id);
    } else {
        con_err("bad-argument", "%s", QUEUE_USAGE);
    }
}
