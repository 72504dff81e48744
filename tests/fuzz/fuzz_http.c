/* libFuzzer target for http.c: the response parser in arbitrary chunkings,
 * and the request builder with arbitrary fields.
 *
 * Input layout:
 *   byte 0       flags: bits 0-3 = k, the number of chunk-length bytes that
 *                follow; bit 4 = report EOF after the data; bit 5 = 8 bytes
 *                of "now" (little-endian UTC seconds) follow the chunk
 *                lengths, else now is 2025-06-01T12:00:00Z; bit 6 = request
 *                mode (the rest is request fields, see fuzz_request)
 *   k bytes      chunk lengths, used in turn, cyclically (0 = an empty call)
 *   [8 bytes]    now
 *   the rest     the bytes the server sends
 *
 * Checked: every call takes at most what it was given, all of it when it
 * answers HTTP_INCOMPLETE, and nothing after a final answer; each piece is
 * copied into an allocation of its exact size, so a read past it is an
 * ASan report; the response's fields obey their documented ranges; and the
 * whole data in one call, in the input's chunking and one byte at a time all
 * end with the same answer, the same byte count and the same response. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "retry.h"

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                                     \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

#define DEFAULT_NOW 1748779200u

typedef struct {
    int r;
    size_t consumed;
    http_parser_t p;
} run_t;

/* One call on a private copy of exactly len bytes. */
static int feed(http_parser_t *p, const uint8_t *d, size_t len, size_t *consumed)
{
    uint8_t *copy = len != 0 ? malloc(len) : NULL;
    CHECK(len == 0 || copy != NULL);
    if (len != 0) {
        memcpy(copy, d, len);
    }
    *consumed = (size_t)-1;
    int r = http_parse(p, copy, len, consumed);
    free(copy);
    CHECK(*consumed <= len);
    CHECK(r == HTTP_INCOMPLETE || r == HTTP_DONE || (r <= HTTP_E_ARG && r >= HTTP_E_NO_RESPONSE));
    CHECK(r != HTTP_E_ARG && r != HTTP_E_OVERFLOW && r != HTTP_E_TRUNCATED && r != HTTP_E_NO_RESPONSE);
    if (r == HTTP_INCOMPLETE) {
        CHECK(*consumed == len);
    }
    return r;
}

/* Feeds msg in pieces of the given lengths (cyclic; none = all at once). */
static void run(run_t *out, const uint8_t *msg, size_t n, const uint8_t *lens, size_t nlens, uint64_t now, bool eof)
{
    http_parser_init(&out->p, now);
    out->r = HTTP_INCOMPLETE;
    out->consumed = 0;
    size_t at = 0, k = 0, empty = 0;
    while (out->r == HTTP_INCOMPLETE && at < n) {
        size_t want = nlens == 0 ? n - at : lens[k++ % nlens];
        if (want == 0 && ++empty > 64) {
            want = 1; /* only empty calls: do not loop forever */
        }
        size_t len = want < n - at ? want : n - at, c;
        out->r = feed(&out->p, msg + at, len, &c);
        out->consumed += c;
        at += len;
    }
    if (out->r != HTTP_INCOMPLETE) {
        /* final: later calls take nothing and say the same */
        size_t c;
        CHECK(feed(&out->p, msg, n, &c) == out->r && c == 0);
    }
    if (out->r == HTTP_INCOMPLETE && eof) {
        out->r = http_parse_eof(&out->p);
        CHECK(out->r == HTTP_DONE || out->r == HTTP_E_TRUNCATED || out->r == HTTP_E_NO_RESPONSE);
        CHECK((out->r == HTTP_E_NO_RESPONSE) == (n == 0));
        CHECK(http_parse_eof(&out->p) == out->r);
    }
    CHECK(out->consumed <= n);
    if (out->r == HTTP_INCOMPLETE) {
        CHECK(out->consumed == n);
    }
}

static void check_response(const run_t *x)
{
    const http_response_t *r = &x->p.resp;
    CHECK(r->body_len <= HTTP_BODY_KEEP);
    CHECK(r->body_len == (r->body_total < HTTP_BODY_KEEP ? r->body_total : HTTP_BODY_KEEP));
    CHECK(r->body_total <= HTTP_CONTENT_LENGTH_MAX);
    CHECK(r->retry_after_s <= HTTP_RETRY_AFTER_MAX_S);
    CHECK(!r->has_content_length || r->content_length <= HTTP_CONTENT_LENGTH_MAX);
    CHECK(r->body_total <= x->consumed);
    if (x->r != HTTP_DONE) {
        return;
    }
    CHECK(r->status >= 100 && r->status <= 999 && (r->status >= 200 || r->status == 101));
    CHECK(r->version_minor <= 1);
    CHECK(!(r->chunked && r->has_content_length));
    CHECK(!r->chunked || r->version_minor == 1);
    CHECK(!r->reusable || !r->close);
    bool no_body = r->status == 101 || r->status == 204 || r->status == 304;
    if (no_body) {
        CHECK(r->body_total == 0);
    } else if (r->has_content_length) {
        CHECK(r->body_total == r->content_length);
    }
    if (!no_body && !r->chunked && !r->has_content_length) {
        CHECK(!r->reusable); /* delimited by the close */
    }
    /* what delivery makes of the answer, and the policy's verdict on it */
    bool exception = http_webhook_exception(r);
    CHECK(!exception || r->status == 500);
    outcome_t o = {.kind = exception ? OUTCOME_WEBHOOK_REJECTED : OUTCOME_HTTP,
                   .status = r->status,
                   .retry_after_s = r->retry_after_s};
    retry_config_t cfg = {2000, 300000, 600000};
    retry_plan_t plan = retry_plan(&o, 1, &cfg, UINT32_MAX);
    CHECK(plan.verdict == retry_verdict(&o));
    const char *why = plan.reason;
    switch (plan.verdict) {
    case VERDICT_DELIVERED:
        CHECK(!exception && (r->status == 200 || r->status == 201 || r->status == 202 || r->status == 204));
        break;
    case VERDICT_RETRY:
        CHECK(!exception && why == NULL && (r->status == 429 || (r->status >= 500 && r->status <= 599)));
        if ((r->status == 429 || r->status == 503) && r->retry_after_s != 0) {
            CHECK(r->retry_after_s <= 3600 && plan.in_ms == r->retry_after_s * 1000u);
        } else {
            CHECK(plan.in_ms >= cfg.base_ms / 2 && plan.in_ms <= cfg.base_ms);
        }
        break;
    default:
        CHECK(plan.verdict == VERDICT_ERROR && why != NULL && plan.in_ms == cfg.error_ms);
        if (exception) {
            CHECK(strcmp(why, "webhook-rejected") == 0);
        } else if (r->status >= 400 && r->status <= 499) {
            CHECK(strcmp(why, "http-4xx") == 0 && r->status != 429);
        } else {
            CHECK(strcmp(why, "unexpected-status") == 0);
        }
        break;
    }
}

static void same(const run_t *a, const run_t *b)
{
    CHECK(a->r == b->r);
    CHECK(a->consumed == b->consumed);
    const http_response_t *x = &a->p.resp, *y = &b->p.resp;
    CHECK(x->status == y->status && x->version_minor == y->version_minor);
    CHECK(x->chunked == y->chunked && x->has_content_length == y->has_content_length);
    CHECK(x->close == y->close && x->reusable == y->reusable);
    CHECK(x->retry_after_s == y->retry_after_s && x->content_length == y->content_length);
    CHECK(x->body_total == y->body_total && x->body_len == y->body_len);
    if (a->r == HTTP_DONE || (a->r == HTTP_INCOMPLETE && b->r == HTTP_INCOMPLETE && x->body_total > 0)) {
        CHECK(memcmp(x->body, y->body, x->body_len) == 0);
    }
}

/* Request mode: 2 bytes port, 4 bytes content length, 1 byte keep-alive,
 * then NUL-separated host, prefix, org, webhook, api_version, sig_header,
 * signature, version (missing ones are NULL). */
static void fuzz_request(const uint8_t *d, size_t n)
{
    if (n < 7) {
        return;
    }
    http_request_t q;
    memset(&q, 0, sizeof q);
    q.port = (uint16_t)(d[0] | d[1] << 8);
    q.content_length = (uint32_t)d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[5] << 24;
    q.keep_alive = d[6] & 1;
    char *text = malloc(n - 7 + 1);
    CHECK(text != NULL);
    memcpy(text, d + 7, n - 7);
    text[n - 7] = '\0';
    const char **fields[] = {&q.host,    &q.path_prefix, &q.org,       &q.webhook,
                             &q.api_version, &q.sig_header,  &q.signature, &q.version};
    char *s = text;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0] && s <= text + (n - 7); k++) {
        *fields[k] = s;
        s += strlen(s) + 1;
    }
    size_t size = d[6] >> 1 ? (size_t)(d[6] >> 1) * 8 : HTTP_REQUEST_HEAD_MAX;
    char *out = malloc(size);
    CHECK(out != NULL);
    size_t len = (size_t)-1;
    int r = http_request_build(out, size, &len, &q);
    CHECK(r == HTTP_OK || r == HTTP_E_ARG || r == HTTP_E_OVERFLOW);
    if (r != HTTP_OK) {
        CHECK(len == (size_t)-1 && out[0] == '\0');
    } else {
        CHECK(len < size && out[len] == '\0' && strlen(out) == len);
        CHECK(size != HTTP_REQUEST_HEAD_MAX || len <= 870);
        CHECK(strncmp(out, "POST /", 6) == 0);
        /* exactly the expected lines: no field can add one */
        size_t lines = 0;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)out[k];
            CHECK(c >= 0x20 && c < 0x7F ? true : (c == '\r' && out[k + 1] == '\n') || (c == '\n' && out[k - 1] == '\r'));
            lines += c == '\n';
        }
        CHECK(lines == (q.keep_alive ? 7u : 8u));
        CHECK(len >= 4 && memcmp(out + len - 4, "\r\n\r\n", 4) == 0);
        /* and it fits exactly */
        char *tight = malloc(len + 1);
        CHECK(tight != NULL);
        CHECK(http_request_build(tight, len + 1, NULL, &q) == HTTP_OK && memcmp(tight, out, len + 1) == 0);
        CHECK(http_request_build(tight, len, NULL, &q) == HTTP_E_OVERFLOW);
        free(tight);
    }
    free(out);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t k = flags & 0x0F, at = 1;
    if (size < at + k) {
        return 0;
    }
    const uint8_t *lens = data + at;
    at += k;
    uint64_t now = DEFAULT_NOW;
    if (flags & 0x20) {
        if (size < at + 8) {
            return 0;
        }
        now = 0;
        for (int b = 7; b >= 0; b--) {
            now = now << 8 | data[at + (size_t)b];
        }
        at += 8;
    }
    const uint8_t *msg = data + at;
    size_t n = size - at;
    if (flags & 0x40) {
        fuzz_request(msg, n);
        return 0;
    }
    bool eof = (flags & 0x10) != 0;

    static run_t whole, chunked, bytes;
    static const uint8_t one = 1;
    run(&whole, msg, n, NULL, 0, now, eof);
    check_response(&whole);
    run(&chunked, msg, n, lens, k, now, eof);
    check_response(&chunked);
    same(&whole, &chunked);
    run(&bytes, msg, n, &one, 1, now, eof);
    same(&whole, &bytes);
    return 0;
}
