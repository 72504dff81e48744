/* The HTTP client's pure parts: the request head (spec section 4), the
 * response parser fed in every chunking, and the delivery classes of spec
 * section 5 with the answers of azure-webhook.md and the webhook emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "retry.h"

/* The delivery classes of spec section 5 as the firmware reaches them from an
 * answer: http_webhook_exception() on the body, then retry.h's plan. */
typedef enum {
    HTTP_CLASS_DELIVERED,
    HTTP_CLASS_RETRY,
    HTTP_CLASS_ERROR_WEBHOOK,
    HTTP_CLASS_ERROR_4XX,
    HTTP_CLASS_ERROR_UNEXPECTED
} http_class_t;

static retry_plan_t plan_for(const http_response_t *r)
{
    static const retry_config_t cfg = {2000, 300000, 600000};
    outcome_t o = {.kind = http_webhook_exception(r) ? OUTCOME_WEBHOOK_REJECTED : OUTCOME_HTTP,
                   .status = r->status,
                   .retry_after_s = r->retry_after_s};
    return retry_plan(&o, 1, &cfg, 0);
}

static http_class_t http_classify(const http_response_t *r)
{
    retry_plan_t p = plan_for(r);
    if (p.verdict != VERDICT_ERROR) {
        return p.verdict == VERDICT_DELIVERED ? HTTP_CLASS_DELIVERED : HTTP_CLASS_RETRY;
    }
    return strcmp(p.reason, "webhook-rejected") == 0 ? HTTP_CLASS_ERROR_WEBHOOK
           : strcmp(p.reason, "http-4xx") == 0       ? HTTP_CLASS_ERROR_4XX
                                                     : HTTP_CLASS_ERROR_UNEXPECTED;
}

static const char *http_class_reason(http_class_t c)
{
    static const char *const reasons[] = {NULL, NULL, "webhook-rejected", "http-4xx", "unexpected-status"};
    return reasons[c];
}

/* The wait a 429 or 503 asks for (0: none, or another status). */
static uint16_t http_retry_after_s(const http_response_t *r)
{
    retry_plan_t p = plan_for(r);
    return (r->status == 429 || r->status == 503) && r->retry_after_s != 0 ? (uint16_t)(p.in_ms / 1000u) : 0;
}

/* 2025-06-01T12:00:00Z */
#define NOW 1748779200u

static const char SIG[] = "750d33212d3ad4932cc390819050734831a0a94f";

/* ---- the request ---------------------------------------------------------- */

static http_request_t default_request(void)
{
    http_request_t r = {
        .host = "dev.azure.com",
        .port = 443,
        .path_prefix = "",
        .org = "myorg",
        .webhook = "port_trigger",
        .api_version = "6.0-preview",
        .sig_header = "X-Port-Signature",
        .signature = SIG,
        .version = "0.1.0",
        .content_length = 321,
        .keep_alive = true,
    };
    return r;
}

static void request_default_config(void **state)
{
    (void)state;
    char out[HTTP_REQUEST_HEAD_MAX];
    size_t len = 0;
    http_request_t r = default_request();
    const char *want = "POST /myorg/_apis/public/distributedtask/webhooks/port_trigger?api-version=6.0-preview HTTP/1.1\r\n"
                       "Host: dev.azure.com\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 321\r\n"
                       "X-Port-Signature: 750d33212d3ad4932cc390819050734831a0a94f\r\n"
                       "User-Agent: pipebutton/0.1.0\r\n"
                       "\r\n";
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    /* NULL prefix is the empty prefix; len may be NULL */
    r.path_prefix = NULL;
    assert_int_equal(http_request_build(out, sizeof out, NULL, &r), HTTP_OK);
    assert_string_equal(out, want);
}

static void request_close_port_prefix(void **state)
{
    (void)state;
    char out[HTTP_REQUEST_HEAD_MAX];
    size_t len = 0;
    http_request_t r = default_request();
    r.host = "10.0.2.2";
    r.port = 8443;
    r.path_prefix = "/tfs/Coll.1";
    r.org = "DefaultCollection";
    r.webhook = "hook-1";
    r.api_version = "7.1";
    r.sig_header = "X-Hub-Signature";
    r.version = "1.2.3-rc.1+build.5";
    r.content_length = 0;
    r.keep_alive = false;
    const char *want = "POST /tfs/Coll.1/DefaultCollection/_apis/public/distributedtask/webhooks/hook-1?api-version=7.1 "
                       "HTTP/1.1\r\n"
                       "Host: 10.0.2.2:8443\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 0\r\n"
                       "X-Hub-Signature: 750d33212d3ad4932cc390819050734831a0a94f\r\n"
                       "User-Agent: pipebutton/1.2.3-rc.1+build.5\r\n"
                       "Connection: close\r\n"
                       "\r\n";
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    r.port = 1;
    r.content_length = 4294967295u;
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    assert_non_null(strstr(out, "\r\nHost: 10.0.2.2:1\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Length: 4294967295\r\n"));
    r.port = 65535;
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    assert_non_null(strstr(out, "\r\nHost: 10.0.2.2:65535\r\n"));
}

static void request_overflow_at_every_size(void **state)
{
    (void)state;
    char want[HTTP_REQUEST_HEAD_MAX], out[HTTP_REQUEST_HEAD_MAX];
    size_t len = 0, n = 0;
    http_request_t r = default_request();
    assert_int_equal(http_request_build(want, sizeof want, &len, &r), HTTP_OK);
    for (size_t size = 0; size <= len; size++) {
        memset(out, 'x', sizeof out);
        n = 12345;
        assert_int_equal(http_request_build(out, size, &n, &r), HTTP_E_OVERFLOW);
        assert_int_equal(n, 12345);
        if (size > 0) {
            assert_int_equal(out[0], '\0');
        }
        assert_int_equal(out[size], 'x'); /* nothing written past size */
    }
    assert_int_equal(http_request_build(out, len + 1, &n, &r), HTTP_OK);
    assert_int_equal(n, len);
    assert_string_equal(out, want);
}

static void fill(char *s, size_t n, char c)
{
    memset(s, c, n);
    s[n] = '\0';
}

static void request_longest_fits(void **state)
{
    (void)state;
    char host[254], prefix[129], org[65], hook[65], api[33], sig[65], ver[33];
    fill(host, 253, 'h');
    fill(prefix, 128, 'p');
    prefix[0] = '/';
    fill(org, 64, 'o');
    fill(hook, 64, 'w');
    fill(api, 32, 'v');
    fill(sig, 64, 'S');
    fill(ver, 32, '9');
    http_request_t r = {host, 10000, prefix, org, hook, api, sig, SIG, ver, 4294967295u, false};
    char out[HTTP_REQUEST_HEAD_MAX];
    size_t len = 0;
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    r.port = 65535;
    assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_OK);
    assert_int_equal(len, 870);
    assert_true(len < HTTP_REQUEST_HEAD_MAX);
}

static void request_refuses_bad_fields(void **state)
{
    (void)state;
    char out[HTTP_REQUEST_HEAD_MAX];
    char long_host[300], long_prefix[140], long_org[70], long_sig[70];
    fill(long_host, 254, 'h');
    fill(long_prefix, 129, 'p');
    long_prefix[0] = '/';
    fill(long_org, 65, 'o');
    fill(long_sig, 65, 'S');
    size_t len = 7;
    http_request_t r = default_request();
    assert_int_equal(http_request_build(NULL, sizeof out, &len, &r), HTTP_E_ARG);
    assert_int_equal(http_request_build(out, sizeof out, &len, NULL), HTTP_E_ARG);

#define BAD(field, value)                                                                                              \
    do {                                                                                                               \
        r = default_request();                                                                                         \
        r.field = value;                                                                                               \
        out[0] = 'x';                                                                                                  \
        assert_int_equal(http_request_build(out, sizeof out, &len, &r), HTTP_E_ARG);                                   \
        assert_int_equal(out[0], '\0');                                                                                \
        assert_int_equal(len, 7);                                                                                      \
    } while (0)
    BAD(host, NULL);
    BAD(host, "");
    BAD(host, "dev.azure.com\r\nX-Evil: 1");
    BAD(host, "dev azure");
    BAD(host, "dev_azure.com");
    BAD(host, long_host);
    BAD(port, 0);
    BAD(path_prefix, "tfs");
    BAD(path_prefix, "/tfs/");
    BAD(path_prefix, "//tfs");
    BAD(path_prefix, "/t fs");
    BAD(path_prefix, "/tfs?x=1");
    BAD(path_prefix, long_prefix);
    BAD(org, NULL);
    BAD(org, "");
    BAD(org, "my org");
    BAD(org, "my/org");
    BAD(org, long_org);
    BAD(webhook, "port.trigger");
    BAD(webhook, "a\n");
    BAD(webhook, "");
    BAD(api_version, "6.0 preview");
    BAD(api_version, "6.0&x=1");
    BAD(api_version, "123456789012345678901234567890123");
    BAD(sig_header, NULL);
    BAD(sig_header, "X-Port-Signature:");
    BAD(sig_header, "X Port");
    BAD(sig_header, "");
    BAD(sig_header, long_sig);
    BAD(signature, NULL);
    BAD(signature, "750D33212D3AD4932CC390819050734831A0A94F");
    BAD(signature, "750d33212d3ad4932cc390819050734831a0a94");
    BAD(signature, "750d33212d3ad4932cc390819050734831a0a94f0");
    BAD(signature, "750d33212d3ad4932cc390819050734831a0a94g");
    BAD(signature, "sha1=750d33212d3ad4932cc390819050734831a0a94f");
    BAD(version, "");
    BAD(version, "0.1.0 evil");
    BAD(version, "0.1.0\r\n");
#undef BAD
}

/* ---- parsing in every chunking -------------------------------------------- */

typedef struct {
    int r;
    size_t consumed;
    http_parser_t p;
} result_t;

/* Feeds s[0..n) in pieces of the given lengths (cuts[] are split offsets,
 * increasing), stopping at the first non-INCOMPLETE; then EOF if asked. */
static void run_cuts(result_t *out, const uint8_t *s, size_t n, const size_t *cuts, size_t ncuts, uint64_t now,
                     bool eof)
{
    http_parser_init(&out->p, now);
    out->r = HTTP_INCOMPLETE;
    out->consumed = 0;
    size_t at = 0;
    for (size_t k = 0; k <= ncuts && out->r == HTTP_INCOMPLETE; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        size_t c = 0;
        out->r = http_parse(&out->p, s + at, end - at, &c);
        assert_true(c <= end - at);
        if (out->r == HTTP_INCOMPLETE) {
            assert_int_equal(c, end - at);
        }
        out->consumed += c;
        at = end;
    }
    if (out->r == HTTP_INCOMPLETE && eof) {
        out->r = http_parse_eof(&out->p);
    }
}

static void same(const result_t *a, const result_t *b)
{
    assert_int_equal(a->r, b->r);
    assert_int_equal(a->consumed, b->consumed);
    const http_response_t *x = &a->p.resp, *y = &b->p.resp;
    assert_int_equal(x->status, y->status);
    assert_int_equal(x->version_minor, y->version_minor);
    assert_int_equal(x->chunked, y->chunked);
    assert_int_equal(x->has_content_length, y->has_content_length);
    assert_int_equal(x->close, y->close);
    assert_int_equal(x->reusable, y->reusable);
    assert_int_equal(x->retry_after_s, y->retry_after_s);
    assert_int_equal(x->content_length, y->content_length);
    assert_int_equal(x->body_total, y->body_total);
    assert_int_equal(x->body_len, y->body_len);
    if (a->r == HTTP_DONE) {
        assert_memory_equal(x->body, y->body, x->body_len);
    }
}

static uint32_t s_rng = 12345;
static uint32_t rnd(void)
{
    s_rng = s_rng * 1103515245u + 12345u;
    return s_rng >> 8;
}

/* Parses s whole, one byte at a time, cut in two at every offset (inputs up
 * to 4 KB), in three at every pair of offsets (up to 160 bytes) and in 50
 * random chunkings; every way must agree.  Returns the whole parse. */
static result_t *parse_ways(const void *data, size_t n, uint64_t now, bool eof)
{
    const uint8_t *s = data;
    static result_t whole, other;
    run_cuts(&whole, s, n, NULL, 0, now, eof);
    size_t *cuts = malloc((n + 1) * sizeof *cuts);
    assert_non_null(cuts);
    for (size_t k = 0; k < n; k++) {
        cuts[k] = k + 1;
    }
    run_cuts(&other, s, n, cuts, n > 0 ? n - 1 : 0, now, eof);
    same(&whole, &other);
    if (n <= 4096) {
        for (size_t a = 0; a <= n; a++) {
            run_cuts(&other, s, n, &a, 1, now, eof);
            same(&whole, &other);
        }
    }
    if (n <= 160) {
        for (size_t a = 0; a <= n; a++) {
            for (size_t b = a; b <= n; b++) {
                size_t two[2] = {a, b};
                run_cuts(&other, s, n, two, 2, now, eof);
                same(&whole, &other);
            }
        }
    }
    for (int t = 0; t < 50; t++) {
        size_t m = 0, at = 0;
        while (at < n) {
            at += 1 + rnd() % (rnd() % 2 ? 8 : 600);
            if (at < n) {
                cuts[m++] = at;
            }
        }
        run_cuts(&other, s, n, cuts, m, now, eof);
        same(&whole, &other);
    }
    free(cuts);
    return &whole;
}

static result_t *parse_str(const char *s, bool eof)
{
    return parse_ways(s, strlen(s), NOW, eof);
}

/* The emulator's header block (tools/webhook_emulator.py _headers). */
#define EMU_HEADERS                                                                                                    \
    "Cache-Control: no-cache\r\n"                                                                                      \
    "Pragma: no-cache\r\n"                                                                                             \
    "Expires: -1\r\n"                                                                                                  \
    "P3P: CP=\"CAO DSP COR ADMa DEV CONo TELo CUR PSA PSD TAI IVDo OUR SAMi BUS DEM NAV STA UNI COM INT PHY ONL FIN " \
    "PUR LOC CNT\"\r\n"                                                                                                \
    "X-TFS-ProcessId: 0f4d3bd8-9a63-4c2b-8f0e-2d8f7d33b0a1\r\n"                                                        \
    "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"                                               \
    "ActivityId: 6b1c2f0e-3e43-4f59-a4d7-c0f5b1e3d2a9\r\n"                                                             \
    "X-TFS-Session: 6b1c2f0e-3e43-4f59-a4d7-c0f5b1e3d2a9\r\n"                                                          \
    "X-VSS-E2EID: 6b1c2f0e-3e43-4f59-a4d7-c0f5b1e3d2a9\r\n"                                                            \
    "X-VSS-SenderDeploymentId: e8c4a8a6-5b3c-4f7e-9a1d-7c0b2f6d1e55\r\n"                                               \
    "X-Frame-Options: SAMEORIGIN\r\n"                                                                                  \
    "Request-Context: appId=cid-v1:a1b2c3d4-0000-4000-8000-000000000000\r\n"                                           \
    "Access-Control-Expose-Headers: Request-Context\r\n"                                                               \
    "X-Content-Type-Options: nosniff\r\n"                                                                              \
    "X-Cache: CONFIG_NOCACHE\r\n"                                                                                      \
    "X-MSEdge-Ref: Ref A: 1F2E3D4C5B6A79881F2E3D4C5B6A7988 Ref B: PB1EDGE0101 Ref C: 2025-06-01T12:00:00Z\r\n"        \
    "Date: Sun, 01 Jun 2025 12:00:00 GMT\r\n"

#define ENVELOPE                                                                                                       \
    "{\"$id\":\"1\",\"innerException\":null,\"message\":\"Cannot find webhook for the given webHookId port_trigger. "  \
    "Try enabling CD trigger for this artifact.\",\"typeName\":\"Microsoft.TeamFoundation.DistributedTask.WebApi."    \
    "WebHookException, Microsoft.TeamFoundation.DistributedTask.WebApi\",\"typeKey\":\"WebHookException\","           \
    "\"errorCode\":0,\"eventId\":3000}"

/* A complete response: status line, headers, Content-Length, body. */
static char *response(char *buf, size_t size, const char *status, const char *headers, const char *body)
{
    int n = snprintf(buf, size, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n%s", status, headers, strlen(body), body);
    assert_true(n > 0 && (size_t)n < size);
    return buf;
}

static void emulator_200_empty(void **state)
{
    (void)state;
    result_t *r = parse_str("HTTP/1.1 200 OK\r\n" EMU_HEADERS "Content-Length: 0\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    const http_response_t *x = &r->p.resp;
    assert_int_equal(x->status, 200);
    assert_int_equal(x->version_minor, 1);
    assert_true(x->has_content_length);
    assert_int_equal(x->content_length, 0);
    assert_int_equal(x->body_len, 0);
    assert_int_equal(x->body_total, 0);
    assert_false(x->close);
    assert_true(x->reusable);
    assert_int_equal(x->retry_after_s, 0);
    assert_int_equal(http_classify(x), HTTP_CLASS_DELIVERED);
    assert_null(http_class_reason(http_classify(x)));

    /* the same answer closing the connection */
    r = parse_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" EMU_HEADERS "Connection: close\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_true(r->p.resp.close);
    assert_false(r->p.resp.reusable);
}

static void azure_500_envelope_is_webhook_rejected(void **state)
{
    (void)state;
    static char buf[4096];
    result_t *r = parse_str(response(buf, sizeof buf, "500 Internal Server Error",
                                     EMU_HEADERS "Content-Type: application/json; charset=utf-8\r\n", ENVELOPE),
                            false);
    assert_int_equal(r->r, HTTP_DONE);
    const http_response_t *x = &r->p.resp;
    assert_int_equal(x->status, 500);
    assert_int_equal(x->body_len, strlen(ENVELOPE));
    assert_memory_equal(x->body, ENVELOPE, strlen(ENVELOPE));
    assert_true(x->reusable);
    assert_int_equal(http_classify(x), HTTP_CLASS_ERROR_WEBHOOK);
    assert_string_equal(http_class_reason(http_classify(x)), "webhook-rejected");
    assert_int_equal(http_retry_after_s(x), 0);
}

/* Classifies a response built from status and body. */
static http_class_t classify_body(const char *status, const char *body)
{
    static char buf[8192];
    response(buf, sizeof buf, status, "", body);
    result_t *r = parse_ways(buf, strlen(buf), NOW, false);
    assert_int_equal(r->r, HTTP_DONE);
    return http_classify(&r->p.resp);
}

static void the_500_rule(void **state)
{
    (void)state;
    /* only typeName or typeKey, either one, any case, escapes decoded */
    assert_int_equal(classify_body("500 x", "{\"typeName\":\"a.WebHookException, b\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"typeKey\":\"WebHookException\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"typeKey\":\"webhook\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"typeKey\":\"WEBHOOK\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"typeKey\":\"wwebhookk\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"typeKey\":\"\\u0057eb\\u0048ook\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", "{\"type\\u004bey\":\"WebHook\"}"), HTTP_CLASS_ERROR_WEBHOOK);
    assert_int_equal(classify_body("500 x", " \r\n{ \"a\" : [1,{\"typeKey\":\"x\"}], \"typeName\" : \"WebHook\" }\n"),
                     HTTP_CLASS_ERROR_WEBHOOK);
    /* everything else is a server fault: retry */
    static const char *const retry[] = {
        "",
        "Internal Server Error",
        "{}",
        "[{\"typeKey\":\"WebHookException\"}]",
        "{\"message\":\"WebHookException\"}",
        "{\"typekey\":\"WebHookException\"}",
        "{\"TypeName\":\"WebHookException\"}",
        "{\"typeKey\":\"Web Hook\"}",
        "{\"typeKey\":\"WebHoo\"}",
        "{\"typeKey\":\"WebHo\\nok\"}",
        "{\"typeKey\":\"WebHo\\\\ok\"}",
        "{\"typeKey\":[\"WebHook\"]}",
        "{\"typeKey\":{\"typeKey\":\"WebHook\"}}",
        "{\"inner\":{\"typeKey\":\"WebHook\"}}",
        "{\"typeKey\":\"WebHook\"",
        "{\"typeKey\":\"WebHook\"}x",
        "{\"typeKey\":\"WebHook\",}",
        "{\"typeKey\":\"WebHook\",\"typeKey\":\"x\"}",
        "\xef\xbb\xbf{\"typeKey\":\"WebHook\"}",
        /* the emulator's 500-json: an envelope of another exception */
        "{\"$id\":\"1\",\"innerException\":null,\"message\":\"VS800075: The deployment is unavailable. Please try "
        "again later.\",\"typeName\":\"Microsoft.VisualStudio.Services.Common.VssServiceException, "
        "Microsoft.VisualStudio.Services.Common\",\"typeKey\":\"VssServiceException\",\"errorCode\":0,"
        "\"eventId\":3000}",
        /* the emulator's 500-plain */
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
        "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n<html><head><title>500 - Internal server "
        "error.</title></head><body><h2>500 - Internal server error.</h2></body></html>\r\n",
    };
    for (size_t k = 0; k < sizeof retry / sizeof retry[0]; k++) {
        assert_int_equal(classify_body("500 Internal Server Error", retry[k]), HTTP_CLASS_RETRY);
    }
    /* the envelope with another status */
    assert_int_equal(classify_body("501 x", ENVELOPE), HTTP_CLASS_RETRY);
    assert_int_equal(classify_body("503 x", ENVELOPE), HTTP_CLASS_RETRY);
    assert_int_equal(classify_body("400 x", ENVELOPE), HTTP_CLASS_ERROR_4XX);
    assert_int_equal(classify_body("200 x", ENVELOPE), HTTP_CLASS_DELIVERED);

    /* only the first 2 KB is looked at: an envelope padded past it is not one */
    static char big[4096];
    size_t pad = HTTP_BODY_KEEP - strlen(ENVELOPE);
    memset(big, ' ', pad);
    strcpy(big + pad, ENVELOPE);
    assert_int_equal(strlen(big), HTTP_BODY_KEEP);
    assert_int_equal(classify_body("500 x", big), HTTP_CLASS_ERROR_WEBHOOK);
    memset(big, ' ', pad + 1);
    strcpy(big + pad + 1, ENVELOPE);
    assert_int_equal(classify_body("500 x", big), HTTP_CLASS_RETRY);
}

static void plain_500_is_retry(void **state)
{
    (void)state;
    static char buf[4096];
    result_t *r = parse_str(response(buf, sizeof buf, "500 Internal Server Error", "Content-Type: text/html\r\n",
                                     "<html><body>Server Error</body></html>\r\n"),
                            false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_RETRY);
    assert_null(http_class_reason(HTTP_CLASS_RETRY));
}

static uint16_t retry_after_of(const char *status, const char *value, uint64_t now)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\nRetry-After:%s\r\nContent-Length: 0\r\n\r\n", status, value);
    result_t *r = parse_ways(buf, strlen(buf), now, false);
    assert_int_equal(r->r, HTTP_DONE);
    return http_retry_after_s(&r->p.resp);
}

static void retry_after_values(void **state)
{
    (void)state;
    result_t *r0;
    const char *s = "429 Too Many Requests";
    assert_int_equal(retry_after_of(s, " 120", NOW), 120);
    assert_int_equal(retry_after_of(s, "120", NOW), 120);
    assert_int_equal(retry_after_of(s, " \t120 \t", NOW), 120);
    assert_int_equal(retry_after_of(s, " 1", NOW), 1);
    assert_int_equal(retry_after_of(s, " 0", NOW), 1);
    assert_int_equal(retry_after_of(s, " 000", NOW), 1);
    assert_int_equal(retry_after_of(s, " 3600", NOW), 3600);
    assert_int_equal(retry_after_of(s, " 3601", NOW), 3600);
    assert_int_equal(retry_after_of(s, " 99999", NOW), 3600);
    assert_int_equal(retry_after_of(s, " 99999999999999999999999999999999", NOW), 3600);
    assert_int_equal(retry_after_of(s, " 0000000000000000000000000000000000000007", NOW), 7);
    /* garbage: none */
    static const char *const bad[] = {"", " ", " -1", " +5", " 1.5", " 12a", " 12 s", " 1,2", " soon",
                                      " Sun, 01 Jun 2025 12:05:00 UTC", " Sun, 01 Jun 2025 12:05:00 gmt",
                                      " sun, 01 Jun 2025 12:05:00 GMT", " Sun, 01 jun 2025 12:05:00 GMT",
                                      " Sun,  1 Jun 2025 12:05:00 GMT", " Sun, 01 Jun 2025 12:05 GMT",
                                      " Sun, 01 Jun 2025 24:05:00 GMT", " Sun, 01 Jun 2025 12:60:00 GMT",
                                      " Sun, 01 Jun 2025 12:05:61 GMT", " Sun, 31 Jun 2025 12:05:00 GMT",
                                      " Sun, 29 Feb 2025 12:05:00 GMT", " Sun, 00 Jun 2025 12:05:00 GMT",
                                      " Sun, 01 Jun 2025 12:05:00 GMT x", " Xyz, 01 Jun 2025 12:05:00 GMT",
                                      " Sun, 01 Jun 2025 12-05-00 GMT", " 2025-06-01T12:05:00Z",
                                      " Sunday, 01-Jun-2025 12:05:00 GMT", " Sonntag, 01-Jun-25 12:05:00 GMT",
                                      " Sun Jun 1 12:05:00 2025", " Sun Jun 001 12:05:00 2025",
                                      " Sun,Jun  1 12:05:00 2025", " Sun Jun  1 12:05:00,2025", " Sun Jun  1 12:05:00 20x5",
                                      " Sunday,-01-Jun-25 12:05:00 GMT", " Sunday, 01 Jun 25 12:05:00 GMT",
                                      " Sunday, 01-Jun-2x 12:05:00 GMT", " Sunday, 01-Jun-25 12:05:00 GMTx",
                                      " Sunday, 01-Jun-25 12:05:00 UTC"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(retry_after_of(s, bad[k], NOW), 0);
    }
    /* HTTP dates, in the three forms */
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 12:05:00 GMT", NOW), 300);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 12:00:01 GMT", NOW), 1);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 12:00:00 GMT", NOW), 1);  /* now: clamped */
    assert_int_equal(retry_after_of(s, " Sun, 06 Nov 1994 08:49:37 GMT", NOW), 1);  /* past */
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 13:00:00 GMT", NOW), 3600);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 13:00:01 GMT", NOW), 3600);
    assert_int_equal(retry_after_of(s, " Fri, 31 Dec 9999 23:59:60 GMT", NOW), 3600);
    assert_int_equal(retry_after_of(s, " Mon, 02 Jun 2025 00:00:00 GMT", NOW), 3600);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 11:59:59 GMT", NOW + 3600), 1);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 12:00:00 GMT", NOW - 1234), 1234);
    assert_int_equal(retry_after_of(s, " Thu, 29 Feb 2024 00:00:00 GMT", 1709164800u - 60u), 60);
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jun-25 12:05:00 GMT", NOW), 300);
    assert_int_equal(retry_after_of(s, " Wednesday, 01-Jun-25 12:01:30 GMT", NOW), 90); /* weekday not checked */
    assert_int_equal(retry_after_of(s, " Sun Jun  1 12:05:00 2025", NOW), 300);
    assert_int_equal(retry_after_of(s, " Sun Jun 01 12:05:00 2025", NOW), 300);
    /* RFC 850's two-digit year: more than 50 years ahead is the past century */
    assert_int_equal(retry_after_of(s, " Sunday, 06-Nov-94 08:49:37 GMT", NOW), 1);
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jan-75 00:00:00 GMT", NOW), 3600); /* 2075 */
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jan-76 00:00:00 GMT", NOW), 1);    /* 1976 */
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jan-24 00:00:00 GMT", NOW), 1);    /* 2024 */
    /* 503 too; other statuses do not ask for a wait */
    assert_int_equal(retry_after_of("503 Service Unavailable", " 5", NOW), 5);
    assert_int_equal(retry_after_of("500 x", " 5", NOW), 0);
    assert_int_equal(retry_after_of("502 x", " 5", NOW), 0);
    assert_int_equal(retry_after_of("200 x", " 5", NOW), 0);
    /* leap years: 2000 is one, 1900 and 2100 are not */
    assert_int_equal(retry_after_of(s, " Tue, 29 Feb 2000 00:00:00 GMT", NOW), 1);
    assert_int_equal(retry_after_of(s, " Thu, 29 Feb 1900 00:00:00 GMT", NOW), 0);
    assert_int_equal(retry_after_of(s, " Mon, 29 Feb 2100 00:00:00 GMT", NOW), 0);
    assert_int_equal(retry_after_of(s, " Mon, 28 Feb 2100 00:00:00 GMT", NOW), 3600);
    /* a clock far out (not a time the device sees) stays defined */
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jun-25 12:05:00 GMT", UINT64_MAX), 1);
    assert_int_equal(retry_after_of(s, " Sun, 01 Jun 2025 12:05:00 GMT", UINT64_MAX), 1);
    assert_int_equal(retry_after_of(s, " Sunday, 01-Jun-99 12:05:00 GMT", 0), 3600); /* 1999, seen from 1970 */
    assert_int_equal(retry_after_of(s, " 7", UINT64_MAX), 7);
    /* twice or more: ambiguous, none */
    r0 = parse_str("HTTP/1.1 429 x\r\nRetry-After: 5\r\nRetry-After: 5\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n",
                   false);
    assert_int_equal(r0->p.resp.retry_after_s, 0);
    result_t *r = parse_str("HTTP/1.1 429 x\r\nRetry-After: 5\r\nContent-Length: 0\r\nretry-after: 5\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.retry_after_s, 0);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_RETRY);
    /* name in any case */
    r = parse_str("HTTP/1.1 429 x\r\nRETRY-AFTER: 5\r\nContent-Length: 0\r\n\r\n", false);
    assert_int_equal(r->p.resp.retry_after_s, 5);
}

static void emulator_429_and_503(void **state)
{
    (void)state;
    static char buf[4096];
    result_t *r = parse_str(
        response(buf, sizeof buf, "429 Too Many Requests",
                 EMU_HEADERS "Content-Type: application/json; charset=utf-8\r\nRetry-After: 120\r\n"
                             "X-RateLimit-Resource: Concurrency\r\nX-RateLimit-Delay: 1.5\r\nX-RateLimit-Limit: 200\r\n"
                             "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 1748779500\r\n",
                 "{\"$id\":\"1\",\"innerException\":null,\"message\":\"TF400733: The request has been canceled\","
                 "\"typeName\":\"Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
                 "Microsoft.TeamFoundation.Framework.Server\",\"typeKey\":\"RequestBlockedException\","
                 "\"errorCode\":0,\"eventId\":3000}"),
        false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_RETRY);
    assert_int_equal(http_retry_after_s(&r->p.resp), 120);

    r = parse_str(response(buf, sizeof buf, "503 Service Unavailable",
                           "Content-Type: text/html; charset=us-ascii\r\nRetry-After: Sun, 01 Jun 2025 12:00:30 GMT\r\n",
                           "<HTML><BODY><h2>Service Unavailable</h2></BODY></HTML>\r\n"),
                  false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_RETRY);
    assert_int_equal(http_retry_after_s(&r->p.resp), 30);
}

static void sign_in_203_is_unexpected(void **state)
{
    (void)state;
    static char buf[4096];
    result_t *r = parse_str(response(buf, sizeof buf, "203 Non-Authoritative Information",
                                     "Content-Type: text/html; charset=utf-8\r\n",
                                     "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><title>Azure DevOps Services | Sign "
                                     "In</title></head>\n<body class=\"signin\"><h1>Sign in</h1></body>\n</html>\n"),
                            false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.status, 203);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_ERROR_UNEXPECTED);
    assert_string_equal(http_class_reason(HTTP_CLASS_ERROR_UNEXPECTED), "unexpected-status");
}

static void classes(void **state)
{
    (void)state;
    static const struct {
        uint16_t status;
        http_class_t c;
    } t[] = {
        {200, HTTP_CLASS_DELIVERED},        {201, HTTP_CLASS_DELIVERED},        {202, HTTP_CLASS_DELIVERED},
        {204, HTTP_CLASS_DELIVERED},        {203, HTTP_CLASS_ERROR_UNEXPECTED}, {205, HTTP_CLASS_ERROR_UNEXPECTED},
        {206, HTTP_CLASS_ERROR_UNEXPECTED}, {299, HTTP_CLASS_ERROR_UNEXPECTED}, {100, HTTP_CLASS_ERROR_UNEXPECTED},
        {101, HTTP_CLASS_ERROR_UNEXPECTED}, {301, HTTP_CLASS_ERROR_UNEXPECTED}, {302, HTTP_CLASS_ERROR_UNEXPECTED},
        {304, HTTP_CLASS_ERROR_UNEXPECTED}, {400, HTTP_CLASS_ERROR_4XX},        {401, HTTP_CLASS_ERROR_4XX},
        {403, HTTP_CLASS_ERROR_4XX},        {404, HTTP_CLASS_ERROR_4XX},        {415, HTTP_CLASS_ERROR_4XX},
        {428, HTTP_CLASS_ERROR_4XX},        {429, HTTP_CLASS_RETRY},            {430, HTTP_CLASS_ERROR_4XX},
        {499, HTTP_CLASS_ERROR_4XX},        {500, HTTP_CLASS_RETRY},            {501, HTTP_CLASS_RETRY},
        {502, HTTP_CLASS_RETRY},            {503, HTTP_CLASS_RETRY},            {504, HTTP_CLASS_RETRY},
        {599, HTTP_CLASS_RETRY},            {600, HTTP_CLASS_ERROR_UNEXPECTED}, {999, HTTP_CLASS_ERROR_UNEXPECTED},
        {0, HTTP_CLASS_ERROR_UNEXPECTED},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        http_response_t r;
        memset(&r, 0, sizeof r);
        r.status = t[k].status;
        r.retry_after_s = 9;
        assert_int_equal(http_classify(&r), t[k].c);
        assert_int_equal(http_retry_after_s(&r), t[k].status == 429 || t[k].status == 503 ? 9 : 0);
    }
    assert_string_equal(http_class_reason(HTTP_CLASS_ERROR_WEBHOOK), "webhook-rejected");
    assert_string_equal(http_class_reason(HTTP_CLASS_ERROR_4XX), "http-4xx");
    assert_string_equal(http_class_reason(HTTP_CLASS_ERROR_UNEXPECTED), "unexpected-status");
    assert_null(http_class_reason(HTTP_CLASS_DELIVERED));
    assert_null(http_class_reason(HTTP_CLASS_RETRY));
}

static void rest_of(const result_t *r, const char *s, const char *rest)
{
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(strlen(s) - r->consumed, strlen(rest));
    assert_string_equal(s + r->consumed, rest);
}

static void chunked_everywhere(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "7\r\nMozilla\r\n9;name=\"a b\";x\r\nDeveloper\r\n07 ; y\r\nNetwork\r\n"
                    "A\r\n, 01234567\r\n0\r\nExpires: never\r\nX-Trailer:\r\n\r\n";
    result_t *r = parse_str(s, false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->consumed, strlen(s));
    const http_response_t *x = &r->p.resp;
    assert_true(x->chunked);
    assert_false(x->has_content_length);
    assert_true(x->reusable);
    assert_int_equal(x->body_total, 33);
    assert_int_equal(x->body_len, 33);
    assert_memory_equal(x->body, "MozillaDeveloperNetwork, 01234567", 33);

    /* the emulator's chunked answer, then bytes of something else */
    const char *e = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json; charset=utf-8\r\n"
                    "\r\na\r\n{\"queued\":\r\n15\r\ntrue,\"note\":\"chunked \r\n1a\r\nanswer from the emulator\"}\r\n"
                    "0\r\n\r\nHTTP/1.1";
    r = parse_str(e, false);
    rest_of(r, e, "HTTP/1.1");
    assert_int_equal(r->p.resp.body_len, 57);
    assert_memory_equal(r->p.resp.body, "{\"queued\":true,\"note\":\"chunked answer from the emulator\"}", 57);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_DELIVERED);

    /* empty chunked body; hex in both cases; a close */
    r = parse_str("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_false(r->p.resp.reusable);
    r = parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n0\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.body_total, 0);
    assert_false(r->p.resp.reusable);
    r = parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding:  chunked \t\r\n\r\n"
                  "b\r\n0123456789a\r\nB\r\n0123456789b\r\n0000\r\n\r\n",
                  false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.body_total, 22);

    /* malformed framing */
    static const struct {
        const char *body;
        int r;
    } bad[] = {
        {"7\r\nMozillaX\r\n0\r\n\r\n", HTTP_E_CHUNK},
        {"7\r\nMozilla\n0\r\n\r\n", HTTP_E_CHUNK},
        {"7\r\nMozilla\r0\r\n\r\n", HTTP_E_CHUNK},
        {"g\r\n", HTTP_E_CHUNK},
        {"\r\n", HTTP_E_CHUNK},
        {" 7\r\n", HTTP_E_CHUNK},
        {"7 \r\n", HTTP_E_CHUNK},
        {"7 8\r\n", HTTP_E_CHUNK},
        {";x\r\n", HTTP_E_CHUNK},
        {"-7\r\n", HTTP_E_CHUNK},
        {"0x7\r\n", HTTP_E_CHUNK},
        {"7\n", HTTP_E_CHUNK},
        {"7\rx", HTTP_E_CHUNK},
        {"7;a\x01\r\n", HTTP_E_CHUNK},
        {"7;a\x7f\r\n", HTTP_E_CHUNK},
        {"1000001\r\n", HTTP_E_LENGTH},
        {"FFFFFFFFFFFFFFFFFFFF\r\n", HTTP_E_LENGTH},
        {"0\r\n x: y\r\n\r\n", HTTP_E_HEADER},
        {"0\r\nx y\r\n\r\n", HTTP_E_HEADER},
        {"0\r\nx\r\n\r\n", HTTP_E_HEADER},
        {"0\r\n: y\r\n\r\n", HTTP_E_HEADER},
        {"0\r\nx: \x01\r\n\r\n", HTTP_E_HEADER},
        {"0\r\nx: y\n\r\n", HTTP_E_HEADER},
        {"0\r\n\n", HTTP_E_HEADER},
        {"0\r\n\r\r", HTTP_E_HEADER},
    };
    char buf[256];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", bad[k].body);
        r = parse_str(buf, true);
        assert_int_equal(r->r, bad[k].r);
    }
    /* the largest chunk size is accepted (its data need not come) */
    r = parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000;x\r\nabc", false);
    assert_int_equal(r->r, HTTP_INCOMPLETE);
    assert_int_equal(r->p.resp.body_total, 3);
    /* closed early */
    static const char *const cut[] = {"", "7", "7\r", "7\r\nMoz", "7\r\nMozilla", "7\r\nMozilla\r\n",
                                      "0\r\n", "0\r\nx: y\r\n"};
    for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", cut[k]);
        r = parse_str(buf, true);
        assert_int_equal(r->r, HTTP_E_TRUNCATED);
    }
}

static void chunked_random_bodies(void **state)
{
    (void)state;
    /* random chunk sizes and extensions, checked against the plain body */
    static uint8_t msg[8192], plain[4096];
    for (int t = 0; t < 40; t++) {
        size_t n = (size_t)snprintf((char *)msg, sizeof msg, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n");
        size_t total = 0;
        while (total < 3000 && rnd() % 8 != 0) {
            size_t c = 1 + rnd() % 300;
            if (rnd() % 2) {
                n += (size_t)snprintf((char *)msg + n, sizeof msg - n, "%zx", c);
            } else {
                n += (size_t)snprintf((char *)msg + n, sizeof msg - n, "%zX", c);
            }
            if (rnd() % 3 == 0) {
                n += (size_t)snprintf((char *)msg + n, sizeof msg - n, " ;ext=%u", (unsigned)rnd() % 100);
            }
            memcpy(msg + n, "\r\n", 2);
            n += 2;
            for (size_t k = 0; k < c; k++) {
                plain[total] = (uint8_t)rnd();
                msg[n++] = plain[total++];
            }
            memcpy(msg + n, "\r\n", 2);
            n += 2;
        }
        n += (size_t)snprintf((char *)msg + n, sizeof msg - n, "0\r\n\r\n");
        result_t *r = parse_ways(msg, n, NOW, false);
        assert_int_equal(r->r, HTTP_DONE);
        assert_int_equal(r->consumed, n);
        assert_int_equal(r->p.resp.body_total, total);
        assert_int_equal(r->p.resp.body_len, total < HTTP_BODY_KEEP ? total : HTTP_BODY_KEEP);
        assert_memory_equal(r->p.resp.body, plain, r->p.resp.body_len);
        assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_DELIVERED);
    }
}

static void keep_alive_and_close(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool eof, close, reusable;
    } t[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", false, false, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", false, true, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: CLOSE\r\n\r\nok", false, true, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: Upgrade, close \r\n\r\nok", false, true, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nConnection: close\r\n\r\nok", false, true,
         false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: closed\r\n\r\nok", false, false, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: ,,\r\n\r\nok", false, false, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\t ,x\r\n\r\nok", false, true, false},
        {"HTTP/1.1 200 OK\r\nX-Connection: close\r\nContent-Length: 2\r\n\r\nok", false, false, true},
        /* no length: the body runs to the close */
        {"HTTP/1.1 200 OK\r\n\r\nok", true, false, false},
        {"HTTP/1.1 200 OK\r\n\r\n", true, false, false},
        /* HTTP/1.0 closes unless it says keep-alive */
        {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, true, false},
        {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: Keep-Alive\r\n\r\nok", false, false, true},
        {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, close\r\n\r\nok", false, true, false},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nok", true, false, false},
        {"HTTP/1.0 200 OK\r\n\r\nok", true, true, false},
        {"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n", false, false, true},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        result_t *r = parse_str(t[k].s, t[k].eof);
        assert_int_equal(r->r, HTTP_DONE);
        assert_int_equal(r->consumed, strlen(t[k].s));
        assert_int_equal(r->p.resp.close, t[k].close);
        assert_int_equal(r->p.resp.reusable, t[k].reusable);
        assert_int_equal(r->p.resp.body_total, strstr(t[k].s, "\r\n\r\nok") != NULL ? 2 : 0);
        if (t[k].eof) {
            /* without the close it is not complete */
            r = parse_str(t[k].s, false);
            assert_int_equal(r->r, HTTP_INCOMPLETE);
        }
    }
}

static void http_1_0(void **state)
{
    (void)state;
    result_t *r = parse_str("HTTP/1.0 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nboom", true);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.version_minor, 0);
    assert_int_equal(r->p.resp.status, 500);
    assert_int_equal(r->p.resp.body_len, 4);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_RETRY);
    /* HTTP/1.0 has no chunked coding */
    r = parse_str("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true);
    assert_int_equal(r->r, HTTP_E_TRANSFER_ENCODING);
}

static void interim_responses(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    result_t *r = parse_str(s, false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->consumed, strlen(s));
    assert_int_equal(r->p.resp.status, 200);
    assert_true(r->p.resp.reusable);
    /* an interim section's fields do not leak into the final response */
    s = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nRetry-After: 7\r\nConnection: close\r\n"
        "Content-Length: 5\r\n\r\nHTTP/1.0 102 Processing\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
    r = parse_str(s, false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.status, 503);
    assert_int_equal(r->p.resp.retry_after_s, 0);
    assert_false(r->p.resp.close);
    assert_int_equal(r->p.resp.content_length, 0);
    /* at most HTTP_INTERIM_MAX of them */
    char buf[1024] = "";
    for (unsigned k = 0; k < HTTP_INTERIM_MAX; k++) {
        strcat(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    strcat(buf, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    r = parse_str(buf, false);
    assert_int_equal(r->r, HTTP_DONE);
    memmove(buf + 25, buf, strlen(buf) + 1);
    memcpy(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    r = parse_str(buf, false);
    assert_int_equal(r->r, HTTP_E_TOO_MANY);
    /* 101 is final and has no body */
    r = parse_str("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\nPRI", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.status, 101);
    assert_false(r->p.resp.reusable);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_ERROR_UNEXPECTED);
    /* 204 and 304 have none either, whatever they say */
    r = parse_str("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.body_total, 0);
    assert_true(r->p.resp.reusable);
    r = parse_str("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_DELIVERED);
    /* closed after an interim response */
    r = parse_str("HTTP/1.1 100 Continue\r\n\r\n", true);
    assert_int_equal(r->r, HTTP_E_TRUNCATED);
}

static char *repeat(char *out, char c, size_t n)
{
    memset(out, c, n);
    out[n] = '\0';
    return out;
}

static void line_limits(void **state)
{
    (void)state;
    static char buf[65536], fillb[4096];
    result_t *r;
    /* status line: HTTP_STATUS_LINE_MAX bytes before CR LF */
    size_t reason = HTTP_STATUS_LINE_MAX - 13;
    snprintf(buf, sizeof buf, "HTTP/1.1 200 %s\r\nContent-Length: 0\r\n\r\n", repeat(fillb, 'r', reason));
    assert_int_equal(strchr(buf, '\r') - buf, HTTP_STATUS_LINE_MAX);
    assert_int_equal(parse_str(buf, false)->r, HTTP_DONE);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 %s\r\nContent-Length: 0\r\n\r\n", repeat(fillb, 'r', reason + 1));
    r = parse_str(buf, false);
    assert_int_equal(r->r, HTTP_E_TOO_LONG);
    assert_int_equal(r->consumed, HTTP_STATUS_LINE_MAX);

    /* a header line: HTTP_HEADER_LINE_MAX */
    size_t value = HTTP_HEADER_LINE_MAX - 3;
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nX: %s\r\nContent-Length: 0\r\n\r\n", repeat(fillb, 'v', value));
    assert_int_equal(parse_str(buf, false)->r, HTTP_DONE);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nX: %s\r\nContent-Length: 0\r\n\r\n", repeat(fillb, 'v', value + 1));
    r = parse_str(buf, false);
    assert_int_equal(r->r, HTTP_E_TOO_LONG);
    assert_int_equal(r->consumed, 17 + HTTP_HEADER_LINE_MAX);
    /* the same for a trailer line */
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: %s\r\n\r\n",
             repeat(fillb, 'v', value));
    assert_int_equal(parse_str(buf, false)->r, HTTP_DONE);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: %s\r\n\r\n",
             repeat(fillb, 'v', value + 1));
    assert_int_equal(parse_str(buf, false)->r, HTTP_E_TOO_LONG);

    /* HTTP_HEADERS_MAX header lines, and as many trailer lines */
    for (int over = 0; over <= 1; over++) {
        size_t n = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n");
        for (unsigned k = 1; k < HTTP_HEADERS_MAX + (unsigned)over; k++) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "X-%u: %u\r\n", k, k);
        }
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n1\r\nx\r\n0\r\n");
        for (unsigned k = 0; k < HTTP_HEADERS_MAX; k++) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "T-%u: %u\r\n", k, k);
        }
        snprintf(buf + n, sizeof buf - n, "\r\n");
        r = parse_ways(buf, strlen(buf), NOW, false);
        assert_int_equal(r->r, over ? HTTP_E_TOO_MANY : HTTP_DONE);
        if (!over) {
            snprintf(buf + n, sizeof buf - n, "T-x: y\r\n\r\n");
            assert_int_equal(parse_ways(buf, strlen(buf), NOW, false)->r, HTTP_E_TOO_MANY);
        }
    }

    /* a chunk-size line: HTTP_CHUNK_LINE_MAX */
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s1\r\nx\r\n0\r\n\r\n",
             repeat(fillb, '0', HTTP_CHUNK_LINE_MAX - 1));
    assert_int_equal(parse_str(buf, false)->r, HTTP_DONE);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s1\r\nx\r\n0\r\n\r\n",
             repeat(fillb, '0', HTTP_CHUNK_LINE_MAX));
    assert_int_equal(parse_str(buf, false)->r, HTTP_E_TOO_LONG);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;%s\r\nx\r\n0\r\n\r\n",
             repeat(fillb, 'e', HTTP_CHUNK_LINE_MAX - 2));
    assert_int_equal(parse_str(buf, false)->r, HTTP_DONE);
    snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;%s\r\nx\r\n0\r\n\r\n",
             repeat(fillb, 'e', HTTP_CHUNK_LINE_MAX - 1));
    assert_int_equal(parse_str(buf, false)->r, HTTP_E_TOO_LONG);
}

static void content_length_rules(void **state)
{
    (void)state;
    static const struct {
        const char *h;
        int r;
        uint32_t cl;
    } t[] = {
        {"Content-Length: 0", HTTP_DONE, 0},
        {"content-length:0", HTTP_DONE, 0},
        {"Content-Length: 00", HTTP_DONE, 0},
        {"Content-Length: 2", HTTP_INCOMPLETE, 2},
        {"Content-Length: 16777216", HTTP_INCOMPLETE, 16777216u},
        {"Content-Length: 000000000000000000000016777216", HTTP_INCOMPLETE, 16777216u},
        {"Content-Length: 16777217", HTTP_E_LENGTH, 0},
        {"Content-Length: 99999999999999999999999", HTTP_E_LENGTH, 0},
        {"Content-Length: 5, 5", HTTP_INCOMPLETE, 5},
        {"Content-Length: 5,5 ,  5", HTTP_INCOMPLETE, 5},
        {"Content-Length:\t5\t,\t5\t", HTTP_INCOMPLETE, 5},
        {"Content-Length: 5\r\nContent-Length: 5", HTTP_INCOMPLETE, 5},
        {"Content-Length: 5\r\nContent-Length: 6", HTTP_E_LENGTH, 0},
        {"Content-Length: 5, 6", HTTP_E_LENGTH, 0},
        {"Content-Length: 5,", HTTP_E_LENGTH, 0},
        {"Content-Length: ,5", HTTP_E_LENGTH, 0},
        {"Content-Length: 5 5", HTTP_E_LENGTH, 0},
        {"Content-Length:", HTTP_E_LENGTH, 0},
        {"Content-Length: +5", HTTP_E_LENGTH, 0},
        {"Content-Length: -1", HTTP_E_LENGTH, 0},
        {"Content-Length: 0x10", HTTP_E_LENGTH, 0},
        {"Content-Length: 5;", HTTP_E_LENGTH, 0},
        {"Content-Length: 5\r\nTransfer-Encoding: chunked", HTTP_E_LENGTH, 0},
        {"Transfer-Encoding: chunked\r\nContent-Length: 0", HTTP_E_LENGTH, 0},
        {"Transfer-Encoding: gzip", HTTP_E_TRANSFER_ENCODING, 0},
        {"Transfer-Encoding: gzip, chunked", HTTP_E_TRANSFER_ENCODING, 0},
        {"Transfer-Encoding: chunked, chunked", HTTP_E_TRANSFER_ENCODING, 0},
        {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", HTTP_E_TRANSFER_ENCODING, 0},
        {"Transfer-Encoding: identity", HTTP_E_TRANSFER_ENCODING, 0},
        {"Transfer-Encoding:", HTTP_E_TRANSFER_ENCODING, 0},
        {"Content-Length : 5", HTTP_E_HEADER, 0},
    };
    char buf[256];
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n%s\r\n\r\n", t[k].h);
        result_t *r = parse_str(buf, false);
        assert_int_equal(r->r, t[k].r);
        if (r->r >= 0) {
            assert_true(r->p.resp.has_content_length);
            assert_int_equal(r->p.resp.content_length, t[k].cl);
        }
    }
    /* a body shorter than its Content-Length is cut by the close */
    assert_int_equal(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok", true)->r, HTTP_E_TRUNCATED);
    /* the bytes after the body are not ours */
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
    result_t *r = parse_str(s, false);
    rest_of(r, s, "HTTP/1.1 200 OK\r\n");
    size_t c = 99;
    assert_int_equal(http_parse(&r->p, (const uint8_t *)"x", 1, &c), HTTP_DONE);
    assert_int_equal(c, 0);
    assert_int_equal(http_parse_eof(&r->p), HTTP_DONE);
}

static void body_16k_in_one_piece(void **state)
{
    (void)state;
    enum { BODY = 16384 };
    static uint8_t msg[BODY + 512];
    static uint8_t body[BODY];
    const char *line = "pipebutton big-record filler: one full 16384-byte TLS record.\n";
    for (size_t k = 0; k < BODY; k++) {
        body[k] = (uint8_t)line[k % strlen(line)];
    }
    /* by Content-Length */
    size_t h = (size_t)snprintf((char *)msg, sizeof msg,
                                "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                                BODY);
    memcpy(msg + h, body, BODY);
    result_t *r = parse_ways(msg, h + BODY, NOW, false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->consumed, h + BODY);
    assert_int_equal(r->p.resp.body_total, BODY);
    assert_int_equal(r->p.resp.body_len, HTTP_BODY_KEEP);
    assert_memory_equal(r->p.resp.body, body, HTTP_BODY_KEEP);
    assert_true(r->p.resp.reusable);
    assert_int_equal(http_classify(&r->p.resp), HTTP_CLASS_DELIVERED);
    /* as one chunk */
    h = (size_t)snprintf((char *)msg, sizeof msg, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", BODY);
    memcpy(msg + h, body, BODY);
    memcpy(msg + h + BODY, "\r\n0\r\n\r\n", 7);
    r = parse_ways(msg, h + BODY + 7, NOW, false);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.body_total, BODY);
    assert_int_equal(r->p.resp.body_len, HTTP_BODY_KEEP);
    assert_memory_equal(r->p.resp.body, body, HTTP_BODY_KEEP);
    /* until the close */
    h = (size_t)snprintf((char *)msg, sizeof msg, "HTTP/1.1 200 OK\r\n\r\n");
    memcpy(msg + h, body, BODY);
    r = parse_ways(msg, h + BODY, NOW, true);
    assert_int_equal(r->r, HTTP_DONE);
    assert_int_equal(r->p.resp.body_total, BODY);
    assert_memory_equal(r->p.resp.body, body, HTTP_BODY_KEEP);
}

static void body_limit_until_close(void **state)
{
    (void)state;
    enum { MB = 1024 * 1024 };
    static uint8_t mb[MB];
    static http_parser_t p;
    size_t c;
    http_parser_init(&p, NOW);
    const char *h = "HTTP/1.1 200 OK\r\n\r\n";
    assert_int_equal(http_parse(&p, (const uint8_t *)h, strlen(h), &c), HTTP_INCOMPLETE);
    for (int k = 0; k < 16; k++) {
        assert_int_equal(http_parse(&p, mb, MB, &c), HTTP_INCOMPLETE);
        assert_int_equal(c, MB);
    }
    assert_int_equal(p.resp.body_total, HTTP_CONTENT_LENGTH_MAX);
    assert_int_equal(http_parse(&p, mb, 10, &c), HTTP_E_LENGTH);
    assert_int_equal(c, 0);
    assert_int_equal(http_parse_eof(&p), HTTP_E_LENGTH);
    /* one call that goes over: the error sits at the first byte too many */
    http_parser_init(&p, NOW);
    assert_int_equal(http_parse(&p, (const uint8_t *)h, strlen(h), &c), HTTP_INCOMPLETE);
    for (int k = 0; k < 15; k++) {
        assert_int_equal(http_parse(&p, mb, MB, &c), HTTP_INCOMPLETE);
    }
    assert_int_equal(http_parse(&p, mb, MB - 5, &c), HTTP_INCOMPLETE);
    assert_int_equal(http_parse(&p, mb, 8, &c), HTTP_E_LENGTH);
    assert_int_equal(c, 5);
    /* chunks whose sum goes over */
    http_parser_init(&p, NOW);
    h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800000\r\n";
    assert_int_equal(http_parse(&p, (const uint8_t *)h, strlen(h), &c), HTTP_INCOMPLETE);
    for (int k = 0; k < 8; k++) {
        assert_int_equal(http_parse(&p, mb, MB, &c), HTTP_INCOMPLETE);
    }
    h = "\r\n800001\r\n";
    assert_int_equal(http_parse(&p, (const uint8_t *)h, strlen(h), &c), HTTP_E_LENGTH);
    assert_int_equal(c, strlen(h) - 1);
}

static void malformed_status_lines(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int r;
    } t[] = {
        {"HTTP/1.1 200\r\n", HTTP_INCOMPLETE},
        {"HTTP/1.1 200 \r\n", HTTP_INCOMPLETE},
        {"HTTP/1.1 599 any \t\x80\xff text\r\n", HTTP_INCOMPLETE},
        {"HTTP/1.1 100\r\n", HTTP_INCOMPLETE},
        {"HTTP/1.1 200OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1  200 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 20 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 099 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 000 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 2000 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 2a0 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 -20 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1\t200 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 O\x01K\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 O\x7fK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 OK\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 OK\rX", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 OK\r\r\n", HTTP_E_STATUS_LINE},
        {"\r\nHTTP/1.1 200 OK\r\n", HTTP_E_STATUS_LINE},
        {" HTTP/1.1 200 OK\r\n", HTTP_E_STATUS_LINE},
        {"http/1.1 200 OK\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 \r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/2 200\r\n", HTTP_E_STATUS_LINE},
        {"HTTP/1.x 200 OK\r\n", HTTP_E_STATUS_LINE},
        {"ICY 200 OK\r\n", HTTP_E_STATUS_LINE},
        {"\x15\x03\x03", HTTP_E_STATUS_LINE},   /* a TLS alert: refused at once */
        {"HTTP/1.1 200 O\x01", HTTP_E_STATUS_LINE},
        {"HTTP/1.1 200 OK\x7f", HTTP_E_STATUS_LINE},
        {"HTTPS", HTTP_E_STATUS_LINE},
        {"X", HTTP_E_STATUS_LINE},
        {"HTTP/2.0 200 OK\r\n", HTTP_E_VERSION},
        {"HTTP/1.2 200 OK\r\n", HTTP_E_VERSION},
        {"HTTP/0.9 200 OK\r\n", HTTP_E_VERSION},
        {"HTTP/3.0 200 OK\r\n", HTTP_E_VERSION},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        assert_int_equal(parse_str(t[k].s, false)->r, t[k].r);
    }
}

static void malformed_headers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        " X: y",           /* white space before the first field */
        "X: a\r\n  b",     /* obsolete line folding */
        "X: a\r\n\tb",     /* the same with a tab */
        "X : y",           /* white space before the colon */
        "X\t: y",
        "X y",             /* no colon */
        "X",
        ": y",             /* no name */
        "X(: y",           /* not a token */
        "X\x80: y",
        "X: a\x01b",       /* control in a value */
        "X: a\x7f",
        "X: a\nY: b",      /* bare LF */
        "X: a\rY: b",      /* bare CR */
        "X: a\r\r\n",
    };
    char buf[256];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t n = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n%s\r\nContent-Length: 0\r\n\r\n", bad[k]);
        result_t *r = parse_ways(buf, n, NOW, false);
        assert_int_equal(r->r, HTTP_E_HEADER);
        assert_true(r->consumed >= 17);
    }
    static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";
    result_t *r = parse_ways(nul, sizeof nul - 1, NOW, false);
    assert_int_equal(r->r, HTTP_E_HEADER);
    assert_int_equal(r->consumed, 21); /* at the NUL */
    /* allowed: empty values, obs-text, odd but valid names */
    r = parse_str("HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Sp:   \r\nX-Obs: \xe9t\xe9\r\n!#$%&'*+-.^_`|~09az: v\r\n"
                  "Content-Length: 0\r\n\r\n",
                  false);
    assert_int_equal(r->r, HTTP_DONE);
}

static void eof_and_sticky_errors(void **state)
{
    (void)state;
    static http_parser_t p;
    size_t c = 9;
    http_parser_init(&p, NOW);
    assert_int_equal(http_parse(&p, NULL, 0, &c), HTTP_INCOMPLETE);
    assert_int_equal(c, 0);
    assert_int_equal(http_parse(&p, NULL, 5, &c), HTTP_E_ARG);
    assert_int_equal(c, 0);
    assert_int_equal(http_parse_eof(&p), HTTP_E_NO_RESPONSE);
    assert_int_equal(http_parse_eof(&p), HTTP_E_NO_RESPONSE);
    assert_int_equal(http_parse(&p, (const uint8_t *)"H", 1, &c), HTTP_E_NO_RESPONSE);
    assert_int_equal(c, 0);

    http_parser_init(&p, NOW);
    assert_int_equal(http_parse(&p, (const uint8_t *)"HTTP/1.1 2", 10, &c), HTTP_INCOMPLETE);
    assert_int_equal(http_parse_eof(&p), HTTP_E_TRUNCATED);

    /* an error reports its offset and stays */
    const char *s = "HTTP/1.1 200 OK\r\nX y\r\n";
    http_parser_init(&p, NOW);
    assert_int_equal(http_parse(&p, (const uint8_t *)s, strlen(s), &c), HTTP_E_HEADER);
    assert_int_equal(c, 18);
    assert_int_equal(http_parse(&p, (const uint8_t *)"\r\n", 2, &c), HTTP_E_HEADER);
    assert_int_equal(c, 0);
    assert_int_equal(http_parse_eof(&p), HTTP_E_HEADER);

    /* reused for the next response on a kept connection */
    s = "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\nabc";
    for (int k = 0; k < 2; k++) {
        http_parser_init(&p, NOW);
        assert_int_equal(http_parse(&p, (const uint8_t *)s, strlen(s), &c), HTTP_DONE);
        assert_int_equal(c, strlen(s));
        assert_int_equal(p.resp.status, 202);
        assert_memory_equal(p.resp.body, "abc", 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_default_config),
        cmocka_unit_test(request_close_port_prefix),
        cmocka_unit_test(request_overflow_at_every_size),
        cmocka_unit_test(request_longest_fits),
        cmocka_unit_test(request_refuses_bad_fields),
        cmocka_unit_test(emulator_200_empty),
        cmocka_unit_test(azure_500_envelope_is_webhook_rejected),
        cmocka_unit_test(the_500_rule),
        cmocka_unit_test(plain_500_is_retry),
        cmocka_unit_test(retry_after_values),
        cmocka_unit_test(emulator_429_and_503),
        cmocka_unit_test(sign_in_203_is_unexpected),
        cmocka_unit_test(classes),
        cmocka_unit_test(chunked_everywhere),
        cmocka_unit_test(chunked_random_bodies),
        cmocka_unit_test(keep_alive_and_close),
        cmocka_unit_test(http_1_0),
        cmocka_unit_test(interim_responses),
        cmocka_unit_test(line_limits),
        cmocka_unit_test(content_length_rules),
        cmocka_unit_test(body_16k_in_one_piece),
        cmocka_unit_test(body_limit_until_close),
        cmocka_unit_test(malformed_status_lines),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(eof_and_sticky_errors),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
