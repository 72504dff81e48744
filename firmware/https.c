/* One HTTPS exchange at a time; see https.h. */
#include "https.h"

#include <string.h>

#include "crc32.h"
#include "hal_time.h"
#include "mbedtls/platform.h"

#define READ_CHUNK 256u

typedef enum {
    X_IDLE,
    X_CONNECT, /* the transport opens: DNS, TCP, TLS */
    X_SEND,
    X_AWAIT,
    X_DONE,
    X_FAILED
} xstate_t;

static struct {
    const transport_t *t;
    xstate_t state;
    https_request_t req;
    https_failure_t failure;
    transport_failure_t transport_failure;
    int build_error;
    /* the connection: which endpoint, whether it may carry the next request */
    bool kept;
    bool no_keep;          /* https_close() came during this exchange: its connection is not kept */
    uint32_t kept_host_crc;
    uint16_t kept_port;
    uint32_t kept_since;
    bool reused;
    /* what is being sent */
    const uint8_t *head, *body;
    size_t head_len, body_len, sent;
    uint32_t progress_at; /* the last step that moved: HTTPS_STALL_MS from it */
    http_parser_t *parser; /* from the heap while an answer is read */
} x;

static void op_close(void)
{
    x.t->ops->close(x.t->ctx);
    x.kept = false;
}

void https_init(const transport_t *t)
{
    memset(&x, 0, sizeof x);
    x.t = t;
}

bool https_idle(void)
{
    return x.state == X_IDLE;
}

static void fail(https_failure_t f)
{
    x.failure = f;
    x.state = X_FAILED;
    op_close(); /* a broken exchange leaves the connection in no known state */
}

void https_start(const https_request_t *req)
{
    x.req = *req;
    x.failure = HTTPS_FAIL_NONE;
    x.transport_failure = TRANSPORT_FAIL_NONE;
    x.build_error = 0;
    x.progress_at = hal_millis();
    uint32_t crc = crc32_update(0, req->host, strlen(req->host));
    x.reused = x.kept && crc == x.kept_host_crc && req->port == x.kept_port &&
               x.t->ops->state(x.t->ctx) == TRANSPORT_OPEN && x.t->ops->idle_clean(x.t->ctx);
    if (x.reused) {
        x.state = X_SEND;
        x.head = NULL;
        return;
    }
    op_close();
    x.kept_host_crc = crc;
    x.kept_port = req->port;
    x.t->ops->open(x.t->ctx, req->host, req->port);
    x.state = X_CONNECT;
}

/* Inlined, as https_poll is, into each owner's task: a TLS handshake runs
 * below them, the deepest the stack goes, and with two owners (delivery,
 * run following) the compiler would otherwise add their frames to it. */
__attribute__((always_inline)) static inline void step_connect(void)
{
    transport_state_t st = x.t->ops->poll(x.t->ctx);
    if (st == TRANSPORT_OPEN) {
        x.state = X_SEND;
        x.head = NULL;
        x.progress_at = hal_millis();
    } else if (st == TRANSPORT_FAILED) {
        x.transport_failure = x.t->ops->failure(x.t->ctx);
        fail(HTTPS_FAIL_TRANSPORT);
    }
}

static void step_send(void)
{
    if (x.head == NULL) {
        int rc = x.req.build(x.req.ctx, &x.head, &x.head_len, &x.body, &x.body_len);
        if (rc != 0) {
            x.build_error = rc;
            x.head = NULL;
            fail(HTTPS_FAIL_BUILD);
            return;
        }
        x.sent = 0;
        x.progress_at = hal_millis();
    }
    size_t total = x.head_len + x.body_len;
    while (x.sent < total) {
        const uint8_t *p = x.sent < x.head_len ? x.head + x.sent : x.body + (x.sent - x.head_len);
        size_t n = x.sent < x.head_len ? x.head_len - x.sent : total - x.sent;
        int w = x.t->ops->send(x.t->ctx, p, n);
        if (w == TRANSPORT_AGAIN) {
            if ((uint32_t)(hal_millis() - x.progress_at) >= HTTPS_STALL_MS) {
                fail(HTTPS_FAIL_TIMEOUT);
            }
            return;
        }
        if (w < 0) {
            fail(HTTPS_FAIL_IO);
            return;
        }
        x.sent += (size_t)w;
        x.progress_at = hal_millis();
    }
    x.parser = mbedtls_calloc(1, sizeof *x.parser);
    if (x.parser == NULL) {
        fail(HTTPS_FAIL_NO_MEMORY);
        return;
    }
    http_parser_init(x.parser, x.req.now_utc_s);
    http_parser_on_body(x.parser, x.req.on_body, x.req.body_ctx);
    x.state = X_AWAIT;
}

static void answered(bool more_bytes)
{
    /* Bytes nobody asked for: this answer stands, the connection goes. */
    x.kept = x.parser->resp.reusable && !more_bytes && !x.no_keep;
    if (!x.kept) {
        x.t->ops->close(x.t->ctx);
    }
    x.kept_since = hal_millis();
    x.state = X_DONE;
}

static void step_await(void)
{
    uint8_t buf[READ_CHUNK];
    for (;;) {
        int n = x.t->ops->recv(x.t->ctx, buf, sizeof buf);
        if (n == TRANSPORT_AGAIN) {
            break;
        }
        if (n < 0) {
            int rc = n == TRANSPORT_CLOSED ? http_parse_eof(x.parser) : HTTP_E_TRUNCATED;
            if (rc == HTTP_DONE) {
                x.parser->resp.reusable = false;
                answered(false);
            } else {
                fail(rc == HTTP_E_NO_RESPONSE ? HTTPS_FAIL_NO_RESPONSE
                     : n == TRANSPORT_CLOSED  ? HTTPS_FAIL_BAD_RESPONSE
                                              : HTTPS_FAIL_IO);
            }
            return;
        }
        size_t used = 0;
        int rc = http_parse(x.parser, buf, (size_t)n, &used);
        x.progress_at = hal_millis();
        if (rc == HTTP_DONE) {
            answered(used < (size_t)n);
            return;
        }
        if (rc < 0) {
            fail(HTTPS_FAIL_BAD_RESPONSE);
            return;
        }
    }
    if ((uint32_t)(hal_millis() - x.progress_at) >= HTTPS_STALL_MS) {
        fail(HTTPS_FAIL_TIMEOUT);
    }
}

/* Inlined: see step_connect. */
__attribute__((always_inline)) inline https_state_t https_poll(void)
{
    switch (x.state) {
    case X_CONNECT:
        step_connect();
        break;
    case X_SEND:
        step_send();
        break;
    case X_AWAIT:
        step_await();
        break;
    default:
        break;
    }
    switch (x.state) {
    case X_IDLE:
        return HTTPS_IDLE;
    case X_DONE:
        return HTTPS_DONE;
    case X_FAILED:
        return HTTPS_FAILED;
    default:
        return HTTPS_BUSY;
    }
}

const http_response_t *https_response(void)
{
    return x.state == X_DONE && x.parser != NULL ? &x.parser->resp : NULL;
}

https_failure_t https_failure(void)
{
    return x.failure;
}

transport_failure_t https_transport_failure(void)
{
    return x.transport_failure;
}

int https_build_error(void)
{
    return x.build_error;
}

bool https_reused(void)
{
    return x.reused;
}

void https_end(void)
{
    if (x.no_keep) {
        op_close(); /* answered before the change came: kept until now */
        x.no_keep = false;
    }
    mbedtls_free(x.parser);
    x.parser = NULL;
    x.head = x.body = NULL;
    x.state = X_IDLE;
}

void https_abort(void)
{
    if (x.state != X_IDLE) {
        op_close();
        https_end();
    }
}

void https_task(void)
{
    if (x.state == X_IDLE && x.kept && (uint32_t)(hal_millis() - x.kept_since) >= HTTPS_IDLE_CLOSE_MS) {
        op_close();
    }
}

void https_close(void)
{
    if (x.state == X_IDLE) {
        op_close();
    } else {
        x.no_keep = true; /* the exchange finishes; its connection is not kept */
    }
}
