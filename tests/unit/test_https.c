/* The HTTPS exchange (https.h) over a transport whose peer the test plays:
 * one request, one answer; the reuse rule of spec section 5 (an idle
 * connection is reused only when nothing arrived and it was not closed);
 * answers never matched to the wrong request; every way an exchange fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hal.h"
#include "fake_transport.h"
#include "https.h"
#include "mbedtls/platform.h"
#include "tlsport.h"

static const char HEAD[] = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
static const char BODY[] = "body";
static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static int s_build_error;
static unsigned s_builds;

static int build(void *ctx, const uint8_t **head, size_t *head_len, const uint8_t **body, size_t *body_len)
{
    (void)ctx;
    s_builds++;
    if (s_build_error != 0) {
        return s_build_error;
    }
    *head = (const uint8_t *)HEAD;
    *head_len = strlen(HEAD);
    *body = (const uint8_t *)BODY;
    *body_len = strlen(BODY);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    fake_transport_reset();
    tlsport_init();
    https_init(fake_transport());
    s_build_error = 0;
    s_builds = 0;
    return 0;
}

static https_request_t request(const char *host, uint16_t port)
{
    return (https_request_t){.host = host, .port = port, .build = build, .now_utc_s = 1748779200u};
}

/* Polls until the exchange ends (a few hundred passes at most). */
static https_state_t run(void)
{
    for (int i = 0; i < 1000; i++) {
        https_state_t st = https_poll();
        if (st != HTTPS_BUSY) {
            return st;
        }
        fake_time_advance(1);
    }
    return HTTPS_BUSY;
}

/* One exchange answered with `answer` (given once the request is sent). */
static https_state_t exchange(const char *host, uint16_t port, const char *answer)
{
    https_request_t r = request(host, port);
    https_start(&r);
    for (int i = 0; i < 10 && https_poll() == HTTPS_BUSY; i++) {
        /* until the request is out */
    }
    if (answer != NULL) {
        fake_transport_peer_says(answer);
    }
    return run();
}

static void expect_sent_request(void)
{
    char *sent = fake_transport_take_sent();
    char want[128];
    snprintf(want, sizeof want, "%s%s", HEAD, BODY);
    assert_string_equal(sent, want);
    free(sent);
}

static void one_request_one_answer(void **state)
{
    (void)state;
    assert_true(https_idle());
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    expect_sent_request();
    assert_int_equal(https_response()->status, 200);
    assert_false(https_reused());
    assert_string_equal(fake_transport_host(), "dev.azure.com");
    assert_int_equal(fake_transport_port(), 443);
    https_end();
    assert_true(https_idle());
    assert_true(fake_transport_open_now()); /* kept for the next request */
}

static void a_clean_kept_connection_is_reused(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    free(fake_transport_take_sent());
    assert_int_equal(exchange("dev.azure.com", 443, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"), HTTPS_DONE);
    expect_sent_request();
    assert_true(https_reused());
    assert_int_equal(https_response()->status, 202);
    assert_int_equal(fake_transport_opens(), 1);
    https_end();
}

/* The finding of the delivery issue: a second response written on the idle
 * connection must not be taken as the answer to the next request. */
static void a_stray_answer_on_the_idle_connection_is_never_matched(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    fake_transport_peer_says(OK); /* one second later, nobody asked */
    assert_int_equal(exchange("dev.azure.com", 443, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"), HTTPS_DONE);
    assert_int_equal(https_response()->status, 503); /* the new connection's own answer */
    assert_false(https_reused());
    assert_int_equal(fake_transport_opens(), 2);
    assert_int_equal(fake_transport_closes(), 1);
    https_end();
}

static void an_unsolicited_408_and_close_cost_nothing(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    fake_transport_peer_says("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    fake_transport_peer_closes();
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    assert_int_equal(https_response()->status, 200);
    assert_int_equal(fake_transport_opens(), 2);
    https_end();
}

static void a_peer_that_closed_the_idle_connection_gets_a_new_one(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    fake_transport_peer_closes();
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    assert_int_equal(fake_transport_opens(), 2);
    https_end();
}

static void another_endpoint_gets_a_new_connection(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    assert_int_equal(exchange("dev.azure.com", 8443, OK), HTTPS_DONE);
    https_end();
    assert_int_equal(exchange("tfs.example", 8443, OK), HTTPS_DONE);
    https_end();
    assert_int_equal(fake_transport_opens(), 3);
}

static void bytes_after_the_answer_end_the_connection(void **state)
{
    (void)state;
    fake_transport_next_open(TRANSPORT_FAIL_NONE, 0);
    assert_int_equal(exchange("dev.azure.com", 443, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n"),
                     HTTPS_DONE);
    assert_int_equal(https_response()->status, 200); /* this one stands */
    https_end();
    assert_false(fake_transport_open_now());
}

static void an_answer_that_closes_is_not_kept(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
                     HTTPS_DONE);
    https_end();
    assert_false(fake_transport_open_now());
    /* a body delimited by the close: complete, and not kept either */
    https_request_t r = request("dev.azure.com", 443);
    https_start(&r);
    (void)https_poll();
    (void)https_poll();
    fake_transport_peer_says("HTTP/1.1 200 OK\r\n\r\nall of it");
    fake_transport_peer_closes();
    assert_int_equal(run(), HTTPS_DONE);
    assert_int_equal(https_response()->body_len, 9);
    https_end();
    assert_false(fake_transport_open_now());
}

static void failures_of_the_answer(void **state)
{
    (void)state;
    /* a reset mid-answer */
    https_request_t r = request("dev.azure.com", 443);
    https_start(&r);
    (void)https_poll();
    fake_transport_peer_says("HTTP/1.1 200 OK\r\nContent-Le");
    (void)https_poll();
    fake_transport_peer_resets();
    assert_int_equal(run(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_IO);
    https_end();
    assert_false(fake_transport_open_now());
    /* closed before a byte of the answer */
    https_start(&r);
    (void)https_poll();
    (void)https_poll();
    fake_transport_peer_closes();
    assert_int_equal(run(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_NO_RESPONSE);
    https_end();
    /* closed inside it */
    https_start(&r);
    (void)https_poll();
    fake_transport_peer_says("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    fake_transport_peer_closes();
    assert_int_equal(run(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_BAD_RESPONSE);
    https_end();
    /* not HTTP */
    assert_int_equal(exchange("dev.azure.com", 443, "SSH-2.0-OpenSSH\r\n"), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_BAD_RESPONSE);
    https_end();
}

static void silence_and_a_stuck_peer_time_out(void **state)
{
    (void)state;
    https_request_t r = request("dev.azure.com", 443);
    https_start(&r);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    fake_time_advance(HTTPS_STALL_MS - 1u);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    fake_time_advance(1);
    assert_int_equal(https_poll(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_TIMEOUT);
    https_end();
    /* a peer that takes no byte of the request */
    fake_transport_send_chunk(0);
    https_start(&r);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    fake_time_advance(HTTPS_STALL_MS);
    assert_int_equal(https_poll(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_TIMEOUT);
    https_end();
    /* one that takes a byte at a time is slow, not stuck */
    free(fake_transport_take_sent());
    fake_transport_send_chunk(1);
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    expect_sent_request();
    https_end();
}

static void transport_and_build_failures_pass_through(void **state)
{
    (void)state;
    fake_transport_next_open(TRANSPORT_FAIL_CERT_EXPIRED, 3);
    https_request_t r = request("dev.azure.com", 443);
    https_start(&r);
    assert_int_equal(run(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_TRANSPORT);
    assert_int_equal(https_transport_failure(), TRANSPORT_FAIL_CERT_EXPIRED);
    assert_int_equal(s_builds, 0); /* no request is made for an unverified peer */
    char *sent = fake_transport_take_sent();
    assert_string_equal(sent, "");
    free(sent);
    https_end();
    s_build_error = 3;
    https_start(&r);
    assert_int_equal(run(), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_BUILD);
    assert_int_equal(https_build_error(), 3);
    https_end();
}

static void *no_memory(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

static void no_heap_for_the_parser(void **state)
{
    (void)state;
    mbedtls_platform_set_calloc_free(no_memory, free);
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_FAILED);
    assert_int_equal(https_failure(), HTTPS_FAIL_NO_MEMORY);
    https_end();
    tlsport_init();
}

static void an_idle_connection_is_closed_after_a_while(void **state)
{
    (void)state;
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    fake_time_advance(HTTPS_IDLE_CLOSE_MS - 1u);
    https_task();
    assert_true(fake_transport_open_now());
    fake_time_advance(1);
    https_task();
    assert_false(fake_transport_open_now());
    /* and https_close() drops one at once */
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    https_close();
    assert_false(fake_transport_open_now());
}

/* The endpoint or the anchors changed while an exchange was under way
 * (cfg.h, binding): that exchange ends as it would, but its connection is
 * not kept for the next one, answered before the change or after it. */
static void a_close_during_an_exchange_keeps_no_connection(void **state)
{
    (void)state;
    https_request_t r = request("dev.azure.com", 443);
    https_start(&r);
    assert_int_equal(https_poll(), HTTPS_BUSY);
    https_close(); /* still connecting */
    assert_true(fake_transport_open_now());
    fake_transport_peer_says(OK);
    assert_int_equal(run(), HTTPS_DONE);
    https_end();
    assert_false(fake_transport_open_now());
    unsigned opens = fake_transport_opens();
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    assert_int_equal(fake_transport_opens(), opens + 1); /* a new connection */
    assert_false(https_reused());
    /* answered, not yet ended: closed at the end */
    https_close();
    assert_true(fake_transport_open_now());
    https_end();
    assert_false(fake_transport_open_now());
    /* and the next exchange's connection is kept as usual */
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    https_end();
    assert_true(fake_transport_open_now());
    assert_int_equal(exchange("dev.azure.com", 443, OK), HTTPS_DONE);
    assert_true(https_reused());
    https_end();
}

static char s_streamed[256];
static size_t s_streamed_len;

static void on_body(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    memcpy(s_streamed + s_streamed_len, data, len);
    s_streamed_len += len;
}

static void a_body_can_be_streamed(void **state)
{
    (void)state;
    s_streamed_len = 0;
    https_request_t r = request("dev.azure.com", 443);
    r.on_body = on_body;
    fake_transport_recv_chunk(7);
    https_start(&r);
    (void)https_poll();
    (void)https_poll();
    fake_transport_peer_says("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\n{\"a\":\r\nA\r\n[1,2,3,4]}\r\n0\r\n\r\n");
    assert_int_equal(run(), HTTPS_DONE);
    assert_int_equal(s_streamed_len, 15);
    assert_memory_equal(s_streamed, "{\"a\":[1,2,3,4]}", 15);
    assert_int_equal(https_response()->body_len, 0); /* not kept as well */
    https_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(one_request_one_answer, setup),
        cmocka_unit_test_setup(a_clean_kept_connection_is_reused, setup),
        cmocka_unit_test_setup(a_stray_answer_on_the_idle_connection_is_never_matched, setup),
        cmocka_unit_test_setup(an_unsolicited_408_and_close_cost_nothing, setup),
        cmocka_unit_test_setup(a_peer_that_closed_the_idle_connection_gets_a_new_one, setup),
        cmocka_unit_test_setup(another_endpoint_gets_a_new_connection, setup),
        cmocka_unit_test_setup(bytes_after_the_answer_end_the_connection, setup),
        cmocka_unit_test_setup(an_answer_that_closes_is_not_kept, setup),
        cmocka_unit_test_setup(failures_of_the_answer, setup),
        cmocka_unit_test_setup(silence_and_a_stuck_peer_time_out, setup),
        cmocka_unit_test_setup(transport_and_build_failures_pass_through, setup),
        cmocka_unit_test_setup(no_heap_for_the_parser, setup),
        cmocka_unit_test_setup(an_idle_connection_is_closed_after_a_while, setup),
        cmocka_unit_test_setup(a_close_during_an_exchange_keeps_no_connection, setup),
        cmocka_unit_test_setup(a_body_can_be_streamed, setup),
    };
    return cmocka_run_group_tests_name("https", tests, NULL, NULL);
}
