/* Run following (runs.h) on the host: the real delivery, queue,
 * configuration, HTTPS exchange and Builds API reader over a transport
 * whose peer the test plays.  The query and its Basic PAT; each state
 * change one event; not-started after run.wait_s; lost for 401/403, 404,
 * run.follow_s and capacity; transient failures and Retry-After; and
 * deliveries first, before, during and after a poll. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "console.h"
#include "delivery.h"
#include "events.h"
#include "fake_device.h"
#include "fake_hal.h"
#include "fake_transport.h"
#include "https.h"
#include "led.h"
#include "mbedtls/base64.h"
#include "net.h"
#include "queue.h"
#include "runs.h"
#include "tlsport.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

#define UTC_2026 UINT64_C(1796515200000) /* 2026-12-06T00:00:00Z */
#define PAT "Runs-PAT-0001~x"
static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";



/* The superloop's tasks (as main() runs them) for ms milliseconds,
 * collecting the console's output. */
static void run_ms(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        delivery_task();
        runs_task();
        https_task();
        net_task();
        fake_time_advance(1);
    }
    fake_out_collect();
}

/* What the device sent since the last look ("" when nothing). */
static char *sent(void)
{
    return fake_transport_take_sent();
}

/* Runs up to max_ms until a request goes out; returns it (NULL: none). */
static char *next_request(uint32_t max_ms)
{
    for (uint32_t t = 0; t < max_ms; t++) {
        run_ms(1);
        char *s = sent();
        if (s[0] != '\0') {
            return s;
        }
        free(s);
    }
    return NULL;
}

static bool is_get(const char *req)
{
    return req != NULL && strncmp(req, "GET ", 4) == 0;
}

static bool is_post(const char *req)
{
    return req != NULL && strncmp(req, "POST ", 5) == 0;
}

static char *queue_one(void)
{
    static char ids[16][64];
    static unsigned n;
    char *id = ids[n++ % 16];
    const char *why = "";
    assert_int_equal(trigger_create("trigger", NULL, 0, "serial", "cli", hal_uptime_ms(), id, 64, &why), TRIGGER_OK);
    return id;
}

/* Queues a trigger and delivers it; returns its runId. */
static char *deliver_one(void)
{
    char *id = queue_one();
    char *req = next_request(100);
    assert_true(is_post(req));
    free(req);
    fake_transport_peer_says(OK);
    run_ms(2);
    char want[128];
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1 status=200", id);
    fake_out_expect(want);
    return id;
}

/* A 200 answer with one build (status and result as JSON text, e.g.
 * "\"completed\"" or NULL: no member); id 0: no build. */
static void say_builds(uint32_t id, const char *number, const char *status, const char *result)
{
    char body[1024], msg[1300];
    if (id == 0) {
        snprintf(body, sizeof body, "{\"count\":0,\"value\":[]}");
    } else {
        snprintf(body, sizeof body,
                 "{\"count\":1,\"value\":[{\"properties\":{\"status\":\"completed\",\"result\":\"failed\"},"
                 "\"definition\":{\"id\":12,\"name\":\"deploy\"},\"id\":%lu,\"buildNumber\":\"%s\","
                 "\"status\":%s%s%s}]}",
                 (unsigned long)id, number, status, result != NULL ? ",\"result\":" : "", result != NULL ? result : "");
    }
    snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    fake_transport_peer_says(msg);
}

/* Runs until the next poll (within max_ms), answers it with builds as
 * say_builds() and lets the answer be read. */
static void poll_answered(uint32_t max_ms, uint32_t id, const char *status, const char *result)
{
    char *req = next_request(max_ms);
    if (!is_get(req)) {
        fail_msg("no poll within %u ms; sent '%s'; the console said:\n%s", (unsigned)max_ms, req ? req : "", fake_out());
    }
    free(req);
    say_builds(id, "20261206.1", status, result);
    run_ms(2);
}

/* An answer with this status line and body, its length counted. */
static char *answer_with(const char *status_line, const char *body)
{
    static char msg[512];
    snprintf(msg, sizeof msg, "%s\r\nContent-Length: %zu\r\n\r\n%s", status_line, strlen(body), body);
    return msg;
}

static void poll_says(uint32_t max_ms, const char *response)
{
    char *req = next_request(max_ms);
    if (!is_get(req)) {
        fail_msg("no poll within %u ms (polls %u failed %u); the console said:\n%s", (unsigned)max_ms, (unsigned)runs_polls(), (unsigned)runs_polls_failed(), fake_out());
    }
    free(req);
    if (response != NULL) {
        fake_transport_peer_says(response);
    }
    run_ms(2);
}

/* No request at all for ms milliseconds. */
static void quiet_for(uint32_t ms)
{
    char *req = next_request(ms);
    if (req != NULL) {
        fail_msg("a request went out: %.60s", req);
    }
}

static int setup(void **state)
{
    (void)state;
    fake_device_delivering();
    fake_device_set("project", "Fabrikam Fiber");
    fake_device_set("pat", PAT);
    fake_device_set("run.poll_s", "2");
    fake_device_set("run.wait_s", "10");
    fake_device_set("run.follow_s", "60");
    wallclock_set_manual(UTC_2026);
    https_init(fake_transport());
    delivery_init();
    runs_init();
    led_init();
    fake_out_clear();
    run_ms(5);
    assert_true(net_is_up());
    fake_out_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* the PAT is never printed */
    assert_null(strstr(fake_out(), "Runs-PAT"));
    https_abort(); /* a poll the test left under way */
    runs_init();
    return 0;
}

static void the_query_is_the_spec_s_get_with_the_pat_as_basic(void **state)
{
    (void)state;
    char *id = deliver_one();
    /* not before a poll period */
    quiet_for(1990);
    char *req = next_request(20);
    assert_true(is_get(req));
    unsigned char b64[64];
    size_t n;
    assert_int_equal(mbedtls_base64_encode(b64, sizeof b64, &n, (const unsigned char *)":" PAT, strlen(":" PAT)), 0);
    char want[600];
    snprintf(want, sizeof want,
             "GET /contoso/Fabrikam%%20Fiber/_apis/build/builds?tagFilters=%s&queryOrder=queueTimeAscending&$top=1"
             "&api-version=7.1 HTTP/1.1\r\nHost: dev.azure.com\r\nAuthorization: Basic %s\r\n"
             "Accept: application/json\r\nUser-Agent: pipebutton/%s\r\n\r\n",
             id, b64, PB_VERSION);
    assert_string_equal(req, want);
    free(req);
    /* on the delivery's kept-alive connection */
    assert_int_equal(fake_transport_opens(), 1);
    /* a port other than 443 and a path prefix, as the webhook has them */
    say_builds(0, "", NULL, NULL);
    run_ms(2);
    fake_device_set("port", "8443");
    fake_device_set("path_prefix", "/tfs");
    /* the endpoint moved: the PAT went with it (endpoint binding), and the
     * run followed at the old one is forgotten */
    assert_null(next_request(2100));
    fake_device_set("secret", FAKE_DEVICE_SECRET);
    fake_device_set("pat", PAT);
    deliver_one();
    req = next_request(2100);
    assert_true(is_get(req));
    assert_non_null(strstr(req, "GET /tfs/contoso/Fabrikam%20Fiber/_apis/build/builds?"));
    assert_non_null(strstr(req, "\r\nHost: dev.azure.com:8443\r\n"));
    free(req);
    assert_int_equal(fake_transport_port(), 8443);
    assert_int_equal(runs_polls(), 2);
}

/* The longest configuration the keys accept still makes a query. */
static void the_longest_query_fits(void **state)
{
    (void)state;
    char host[254], pat[257], prefix[129], project[65], id[33];
    memset(host, 'h', 253);
    for (int i = 63; i < 253; i += 64) {
        host[i] = '.';
    }
    host[253] = '\0';
    memset(pat, '~', 256);
    pat[256] = '\0';
    memset(prefix, 'p', 128);
    prefix[0] = '/';
    prefix[128] = '\0';
    memset(project, ' ', 64);
    project[0] = project[63] = 'x';
    project[64] = '\0';
    memset(id, 'd', 32);
    id[32] = '\0';
    fake_device_set("host", host);
    fake_device_set("path_prefix", prefix);
    fake_device_set("project", project);
    fake_device_set("device_id", id);
    fake_device_set("port", "65535");
    fake_device_set("org", "oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo");
    /* the credentials last: moving the endpoint unsets them (binding) */
    fake_device_set("secret", FAKE_DEVICE_SECRET);
    fake_device_set("pat", pat);
    char *run_id = deliver_one();
    char *req = next_request(2100);
    assert_true(is_get(req));
    assert_non_null(strstr(req, "\r\n\r\n"));
    /* runs.c's figure, 1,254 bytes, is for a 54-byte runId and a 32-byte
     * version */
    assert_int_equal(strlen(req), 1254u - (54u - strlen(run_id)) - (32u - strlen(PB_VERSION)));
    free(req);
}

static void a_run_is_followed_to_its_end_one_event_per_change(void **state)
{
    (void)state;
    char *id = deliver_one();
    assert_true(runs_following());
    poll_answered(2100, 0, NULL, NULL); /* the tag is not there yet */
    assert_int_equal(fake_out_count("EVT run "), 0);
    poll_answered(2100, 1201, "\"notStarted\"", NULL);
    char want[160];
    snprintf(want, sizeof want, "EVT run id=%s build=1201 number=20261206.1 state=queued\r\n", id);
    fake_out_expect(want);
    poll_answered(2100, 1201, "\"postponed\"", "\"none\"");
    assert_int_equal(fake_out_count("EVT run "), 1); /* still queued: no event */
    poll_answered(2100, 1201, "\"inProgress\"", NULL);
    snprintf(want, sizeof want, "EVT run id=%s build=1201 number=20261206.1 state=running\r\n", id);
    fake_out_expect(want);
    poll_answered(2100, 1201, "\"cancelling\"", NULL);
    poll_answered(2100, 1201, "\"inProgress\"", NULL);
    assert_int_equal(fake_out_count("EVT run "), 2);
    poll_answered(2100, 1201, "\"completed\"", "\"succeeded\"");
    snprintf(want, sizeof want, "EVT run id=%s build=1201 number=20261206.1 state=completed result=succeeded\r\n", id);
    fake_out_expect(want);
    assert_int_equal(fake_out_count("EVT run "), 3);
    assert_false(runs_following());
    assert_int_equal(led_held(), LED_RUN_SUCCEEDED);
    /* no more polls for it */
    quiet_for(10000);
    runs_info_t info;
    assert_true(runs_get(0, &info));
    assert_string_equal(info.run_id, id);
    assert_int_equal(info.build, 1201);
    assert_string_equal(info.state, "completed");
    assert_string_equal(info.result, "succeeded");
    assert_null(info.reason);
    /* the result shows until the next press */
    ev_press("select", "short");
    assert_int_equal(led_held(), LED_OFF);
}

static void a_failed_or_canceled_run_first_seen_completed(void **state)
{
    (void)state;
    char *id = deliver_one();
    poll_answered(2100, 77, "\"completed\"", "\"failed\"");
    char want[160];
    snprintf(want, sizeof want, "EVT run id=%s build=77 number=20261206.1 state=completed result=failed\r\n", id);
    fake_out_expect(want);
    assert_int_equal(fake_out_count("EVT run "), 1);
    assert_int_equal(led_held(), LED_RUN_FAILED);
    id = deliver_one();
    assert_int_equal(led_held(), LED_OFF); /* a new trigger: the old result is done with */
    poll_answered(2100, 78, "\"completed\"", "\"canceled\"");
    snprintf(want, sizeof want, "EVT run id=%s build=78 number=20261206.1 state=completed result=canceled\r\n", id);
    fake_out_expect(want);
    assert_int_equal(led_held(), LED_RUN_FAILED);
    id = deliver_one();
    poll_answered(2100, 79, "\"completed\"", "\"partiallySucceeded\"");
    assert_int_equal(led_held(), LED_RUN_SUCCEEDED);
    /* the result goes after 10 minutes */
    run_ms(RUN_RESULT_MS);
    assert_int_equal(led_held(), LED_OFF);
}

static void no_build_within_run_wait_s_is_not_started(void **state)
{
    (void)state;
    char *id = deliver_one();
    uint32_t t0 = hal_millis();
    for (int i = 0; i < 4; i++) {
        poll_answered(2100, 0, NULL, NULL);
    }
    assert_int_equal(fake_out_count("EVT run "), 0);
    poll_answered(2100, 0, NULL, NULL); /* the one at 10 s */
    char want[128];
    snprintf(want, sizeof want, "EVT run id=%s state=not-started\r\n", id);
    fake_out_expect(want);
    assert_true(hal_millis() - t0 >= 10000);
    assert_false(runs_following());
    assert_int_equal(led_held(), LED_RUN_FAILED);
    quiet_for(5000);
    /* run.wait_s shorter than the poll period: one look, when it ends */
    fake_device_set("run.wait_s", "1");
    fake_out_clear();
    id = deliver_one();
    quiet_for(990);
    poll_answered(20, 0, NULL, NULL);
    snprintf(want, sizeof want, "EVT run id=%s state=not-started\r\n", id);
    fake_out_expect(want);
}

static void unauthorized_and_not_found_end_the_following(void **state)
{
    (void)state;
    static const struct {
        const char *answer, *reason;
    } cases[] = {
        {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n", "unauthorized"},
        {"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "unauthorized"},
        {"HTTP/1.1 203 Non-Authoritative Information\r\nContent-Length: 6\r\n\r\n<html>", "unauthorized"},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "not-found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = deliver_one();
        poll_says(2100, cases[i].answer);
        char want[128];
        snprintf(want, sizeof want, "EVT run id=%s state=lost reason=%s\r\n", id, cases[i].reason);
        fake_out_expect(want);
        assert_false(runs_following());
        assert_int_equal(led_held(), LED_RUN_FAILED);
        quiet_for(4000);
    }
}

static void transient_failures_wait_for_the_next_poll(void **state)
{
    (void)state;
    char *id = deliver_one();
    uint32_t polls_failed = runs_polls_failed();
    /* 5xx, a redirect, a malformed list, a truncated one */
    poll_says(2100, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    poll_says(2100, "HTTP/1.1 302 Found\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n");
    poll_says(2100, answer_with("HTTP/1.1 200 OK", "{\"value\":[{}],}"));
    poll_says(2100, answer_with("HTTP/1.1 200 OK", "{\"value\":[{\"id\":1,\"st"));
    /* DNS, a refused connection, TLS, silence (HTTPS_STALL_MS), on new
     * connections (the server closed the kept one) */
    fake_transport_peer_closes();
    fake_transport_next_open(TRANSPORT_FAIL_DNS, 0);
    run_ms(2100);
    fake_transport_next_open(TRANSPORT_FAIL_CONNECT, 0);
    run_ms(2100);
    fake_transport_next_open(TRANSPORT_FAIL_CERT_UNTRUSTED, 0);
    run_ms(2100);
    poll_says(2100, NULL);
    run_ms(HTTPS_STALL_MS);
    assert_int_equal(runs_polls_failed() - polls_failed, 8);
    assert_int_equal(fake_out_count("EVT run "), 0);
    assert_int_equal(fake_out_count("EVT tls-fail"), 0); /* polls say nothing of their failures */
    assert_true(runs_following());
    /* and following goes on */
    poll_answered(2100, 5, "\"inProgress\"", NULL);
    char want[128];
    snprintf(want, sizeof want, "EVT run id=%s build=5 number=20261206.1 state=running\r\n", id);
    fake_out_expect(want);
}

static void retry_after_holds_every_poll_back(void **state)
{
    (void)state;
    fake_device_set("run.wait_s", "600");
    deliver_one();
    deliver_one();
    poll_says(2100, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 9\r\nContent-Length: 0\r\n\r\n");
    uint32_t t429 = hal_millis();
    /* neither run is polled for 9 s */
    quiet_for(8990);
    char *req = next_request(100);
    assert_true(is_get(req));
    free(req);
    assert_true(hal_millis() - t429 >= 9000);
    say_builds(0, "", NULL, NULL);
    run_ms(2);
    /* the other right after */
    req = next_request(10);
    assert_true(is_get(req));
    free(req);
    /* a 503 with Retry-After the same; a 429 without: the next poll period */
    say_builds(0, "", NULL, NULL);
    run_ms(2);
    poll_says(2100, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n");
    quiet_for(4990);
    free(next_request(20));
    fake_transport_peer_says("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
    run_ms(2);
    req = next_request(2100); /* the other run, due meanwhile */
    assert_true(is_get(req));
    free(req);
}

static void run_follow_s_ends_it(void **state)
{
    (void)state;
    fake_device_set("run.follow_s", "30");
    uint32_t t0 = hal_millis();
    char *id = deliver_one();
    for (int i = 0; i < 14; i++) {
        poll_answered(2100, 9, "\"inProgress\"", NULL);
    }
    assert_true(runs_following());
    char want[128];
    snprintf(want, sizeof want, "EVT run id=%s state=lost reason=timeout\r\n", id);
    for (int i = 0; i < 3000 && strstr(fake_out(), want) == NULL; i++) {
        char *req = next_request(1);
        if (req != NULL) {
            say_builds(9, "1", "\"inProgress\"", NULL);
            free(req);
        }
    }
    fake_out_expect(want);
    assert_in_range(hal_millis() - t0, 30000u, 30010u);
    assert_false(runs_following());
}

static void a_fifth_trigger_drops_the_oldest_and_eight_are_listed(void **state)
{
    (void)state;
    fake_device_set("run.poll_s", "60");
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        ids[i] = deliver_one();
    }
    char want[128];
    snprintf(want, sizeof want, "EVT run id=%s state=lost reason=capacity\r\n", ids[0]);
    fake_out_expect(want);
    assert_int_equal(fake_out_count("EVT run "), 1);
    runs_info_t info;
    assert_true(runs_get(0, &info));
    assert_string_equal(info.state, "lost");
    assert_string_equal(info.reason, "capacity");
    for (unsigned i = 1; i < 5; i++) {
        assert_true(runs_get(i, &info));
        assert_string_equal(info.run_id, ids[i]);
        assert_string_equal(info.state, "waiting");
        assert_int_equal(info.build, 0);
        assert_null(info.result);
    }
    /* more: each drops the oldest followed; the list keeps the latest 8 */
    for (int i = 0; i < 6; i++) {
        deliver_one();
    }
    assert_int_equal(fake_out_count("state=lost reason=capacity"), 7);
    unsigned n = 0, followed = 0;
    while (runs_get(n, &info)) {
        followed += strcmp(info.state, "waiting") == 0;
        n++;
    }
    assert_int_equal(n, RUNS_KEPT);
    assert_int_equal(followed, RUNS_FOLLOWED);
    /* `run` lists them */
    fake_out_clear();
    fake_console_input("run\r\n");
    console_task();
    run_ms(1);
    assert_int_equal(fake_out_count("\r\nid=") + (strncmp(fake_out(), "id=", 3) == 0), RUNS_KEPT);
    fake_out_expect(" build=- state=lost result=- reason=capacity\r\n");
    fake_out_expect(" build=- state=waiting result=-\r\n");
    fake_out_expect("OK\r\n");
}

/* Deliveries first: a poll that fell due while triggers wait (a backlog)
 * goes only after the last of them. */
static void a_due_trigger_goes_before_a_due_poll(void **state)
{
    (void)state;
    deliver_one();
    run_ms(1990);
    char *b = queue_one();
    char *c = queue_one();
    char *req = next_request(2);
    assert_true(is_post(req));
    assert_non_null(strstr(req, b));
    free(req);
    run_ms(100); /* the poll falls due while b's answer is awaited */
    fake_transport_peer_says(OK);
    req = next_request(100);
    assert_true(is_post(req));
    assert_non_null(strstr(req, c));
    free(req);
    run_ms(100);
    fake_transport_peer_says(OK);
    req = next_request(100);
    assert_true(is_get(req));
    free(req);
}

/* A trigger that falls due while a poll is under way waits for its answer
 * (the connection is then reused), never more than RUNS_YIELD_MS. */
static void a_poll_under_way_yields_within_a_second(void **state)
{
    (void)state;
    deliver_one();
    char *req = next_request(2100);
    assert_true(is_get(req));
    free(req);
    char *b = queue_one();
    run_ms(50);
    free(sent());
    say_builds(0, "", NULL, NULL); /* the answer comes: b goes next, on the same connection */
    req = next_request(10);
    assert_true(is_post(req));
    assert_non_null(strstr(req, b));
    free(req);
    fake_transport_peer_says(OK);
    run_ms(2);
    assert_int_equal(fake_transport_opens(), 1);
    /* a poll that gets no answer is dropped RUNS_YIELD_MS after c fell due */
    req = next_request(2100);
    assert_true(is_get(req));
    free(req);
    uint32_t polls_failed = runs_polls_failed();
    char *c = queue_one();
    uint32_t due = hal_millis();
    req = next_request(RUNS_YIELD_MS + 10);
    assert_true(is_post(req));
    assert_non_null(strstr(req, c));
    free(req);
    assert_in_range(hal_millis() - due, RUNS_YIELD_MS, RUNS_YIELD_MS + 5u);
    assert_int_equal(fake_transport_opens(), 2); /* the poll's connection was closed */
    assert_int_equal(runs_polls_failed() - polls_failed, 1);
    fake_transport_peer_says(OK);
    run_ms(2);
    char want[128];
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1 status=200", c);
    fake_out_expect(want);
}

/* The emulator's 11 KB answer (two builds, look-alikes, shuffled) in a
 * chunked body read 7 bytes at a time. */
static void an_azure_sized_chunked_answer(void **state)
{
    (void)state;
    FILE *f = fopen("tests/unit/builds/azure-shuffled.json", "rb");
    assert_non_null(f);
    static char body[16384];
    size_t len = fread(body, 1, sizeof body, f);
    fclose(f);
    char *id = deliver_one();
    char *req = next_request(2100);
    assert_true(is_get(req));
    free(req);
    fake_transport_recv_chunk(7);
    fake_transport_peer_says("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    char size[16];
    for (size_t at = 0; at < len; at += 1000) {
        size_t n = len - at < 1000 ? len - at : 1000;
        snprintf(size, sizeof size, "%zx\r\n", n);
        fake_transport_peer_says(size);
        fake_transport_peer_bytes(body + at, n);
        fake_transport_peer_says("\r\n");
    }
    fake_transport_peer_says("0\r\n\r\n");
    run_ms(50);
    char want[128];
    snprintf(want, sizeof want, "EVT run id=%s build=1201 number=20260101.1 state=running\r\n", id);
    fake_out_expect(want);
    assert_int_equal(runs_polls_failed(), 0);
}

static void without_project_or_pat_nothing_is_followed(void **state)
{
    (void)state;
    assert_int_equal(cfg_unset("pat"), CFG_OK);
    deliver_one();
    assert_false(runs_following());
    quiet_for(15000);
    fake_device_set("pat", PAT);
    assert_int_equal(cfg_unset("project"), CFG_OK);
    deliver_one();
    quiet_for(15000);
    assert_int_equal(runs_polls(), 0);
    /* unset while following: the followed runs are forgotten, quietly */
    fake_device_set("project", "Fabrikam Fiber");
    deliver_one();
    assert_true(runs_following());
    char *req = next_request(2100);
    assert_true(is_get(req));
    free(req);
    assert_int_equal(cfg_unset("pat"), CFG_OK); /* during the poll */
    assert_false(runs_following());
    assert_true(https_idle());
    quiet_for(15000);
    assert_int_equal(fake_out_count("EVT run "), 0);
    runs_info_t info;
    assert_false(runs_get(0, &info));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_query_is_the_spec_s_get_with_the_pat_as_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(the_longest_query_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(a_run_is_followed_to_its_end_one_event_per_change, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_or_canceled_run_first_seen_completed, setup, teardown),
        cmocka_unit_test_setup_teardown(no_build_within_run_wait_s_is_not_started, setup, teardown),
        cmocka_unit_test_setup_teardown(unauthorized_and_not_found_end_the_following, setup, teardown),
        cmocka_unit_test_setup_teardown(transient_failures_wait_for_the_next_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(retry_after_holds_every_poll_back, setup, teardown),
        cmocka_unit_test_setup_teardown(run_follow_s_ends_it, setup, teardown),
        cmocka_unit_test_setup_teardown(a_fifth_trigger_drops_the_oldest_and_eight_are_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_due_trigger_goes_before_a_due_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(a_poll_under_way_yields_within_a_second, setup, teardown),
        cmocka_unit_test_setup_teardown(an_azure_sized_chunked_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(without_project_or_pat_nothing_is_followed, setup, teardown),
    };
    return cmocka_run_group_tests_name("runs", tests, NULL, NULL);
}
