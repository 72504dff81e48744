/* Delivery (delivery.h) on the host: the real queue, configuration, trigger
 * creation, HTTPS exchange and retry policy, over a transport whose peer the
 * test plays.  Every attempt is `EVT sending` then exactly one of delivered,
 * retry or error; answers are matched only to the request they answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "delivery.h"
#include "device.h"
#include "fake_nvm.h"
#include "payload.h"
#include "fake_device.h"
#include "fake_hal.h"
#include "fake_transport.h"
#include "http.h"
#include "https.h"
#include "mbedtls/platform.h"
#include "net.h"
#include "queue.h"
#include "tlsport.h"
#include "trigger.h"
#include "wallclock.h"

#define UTC_2026 UINT64_C(1796515200000) /* 2026-12-06T00:00:00Z */
static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char ENVELOPE[] =
    "{\"$id\":\"1\",\"innerException\":null,\"message\":\"Cannot find webhook for the given webHookId port_trigger.\","
    "\"typeName\":\"Microsoft.TeamFoundation.DistributedTask.WebApi.WebHookException, "
    "Microsoft.TeamFoundation.DistributedTask.WebApi\",\"typeKey\":\"WebHookException\",\"errorCode\":0,\"eventId\":3000}";



/* Runs the superloop's delivery and network tasks for ms milliseconds,
 * collecting the console's output. */
static void run_ms(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        delivery_task();
        net_task();
        fake_time_advance(1);
    }
    fake_out_collect();
}

/* Runs until the request is out, then answers it; returns the request. */
static char *answer(const char *response)
{
    char *sent = NULL;
    for (int i = 0; i < 200; i++) {
        run_ms(1);
        sent = fake_transport_take_sent();
        if (sent[0] != '\0') {
            break;
        }
        free(sent);
        sent = NULL;
    }
    if (sent == NULL) {
        fail_msg("no request went out; the console said:\n%s", fake_out());
    }
    if (response != NULL) {
        fake_transport_peer_says(response);
    }
    run_ms(5);
    return sent;
}

static char *queue_one(void)
{
    static char id[64];
    const char *why = "";
    assert_int_equal(trigger_create("trigger", NULL, 0, "serial", "cli", hal_uptime_ms(), id, sizeof id, &why),
                     TRIGGER_OK);
    return id;
}

static int setup(void **state)
{
    (void)state;
    fake_device_delivering();
    fake_device_set("retry.base_ms", "1000");
    wallclock_set_manual(UTC_2026);
    https_init(fake_transport());
    delivery_init();
    fake_out_clear();
    run_ms(5);
    assert_true(net_is_up());
    fake_out_clear();
    return 0;
}

static void a_trigger_is_delivered_once_signed(void **state)
{
    (void)state;
    char *id = queue_one();
    char *req = answer(OK);
    assert_non_null(strstr(req, "POST /contoso/_apis/public/distributedtask/webhooks/port_trigger?api-version=6.0-preview "
                                "HTTP/1.1\r\nHost: dev.azure.com\r\n"));
    assert_non_null(strstr(req, "X-Port-Signature: "));
    assert_non_null(strstr(req, id));
    free(req);
    char want[128];
    snprintf(want, sizeof want, "EVT sending id=%s attempt=1\r\n", id);
    fake_out_expect(want);
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1 status=200 ms=", id);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 0);
    assert_int_equal(delivery_delivered(), 1);
    assert_false(delivery_busy());
    assert_string_equal(fake_transport_host(), "dev.azure.com");
    assert_int_equal(fake_transport_port(), 443);
}

static void retry_after_then_delivered_with_the_same_id(void **state)
{
    (void)state;
    char *id = queue_one();
    free(answer("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n"));
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=7000 reason=503\r\n", id);
    fake_out_expect(want);
    queue_sched_t q;
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    char last[8];
    assert_string_equal(delivery_last_name(&q, last), "503");
    run_ms(6900);
    assert_int_equal(fake_out_count("EVT sending"), 1); /* not before its time */
    char *req = answer(OK);
    assert_non_null(strstr(req, "\"attempt\":2"));
    free(req);
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=2 status=200", id);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 0);
}

static void a_webhook_exception_waits_for_a_person_without_blocking_the_next(void **state)
{
    (void)state;
    char *first = queue_one();
    char want[512];
    snprintf(want, sizeof want,
             "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(ENVELOPE), ENVELOPE);
    free(answer(want));
    snprintf(want, sizeof want, "EVT error id=%s attempt=1 status=500 reason=webhook-rejected\r\n", first);
    fake_out_expect(want);
    assert_true(delivery_needs_person());
    assert_int_equal(delivery_failed(), 1);
    char second[64];
    strcpy(second, queue_one());
    free(answer(OK));
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1", second);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 1); /* the rejected one stays */
    queue_sched_t q;
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    char last[8];
    assert_string_equal(delivery_last_name(&q, last), "500");
    /* tried again after retry.error_ms (600 s) */
    run_ms(599000);
    assert_int_equal(fake_out_count("EVT sending id="), 2);
    run_ms(1000);
    free(answer(OK));
    assert_int_equal(queue_count(), 0);
    assert_false(delivery_needs_person());
}

static void other_answers(void **state)
{
    (void)state;
    char want[128];
    struct {
        const char *answer;
        const char *kind;
        const char *event; /* after "EVT ... id=<id> attempt=1 " */
    } cases[] = {
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "error", "status=404 reason=http-4xx"},
        {"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", "error", "status=302 reason=unexpected-status"},
        {"HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n", "retry", "in_ms=2000 reason=429"},
        {"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\n<h1>", "retry", "in_ms="},
        {"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", "delivered", "status=202"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = queue_one();
        free(answer(cases[i].answer));
        snprintf(want, sizeof want, "EVT %s id=%s attempt=1 %s", cases[i].kind, id, cases[i].event);
        fake_out_expect(want);
        int pos = queue_find(id);
        if (pos >= 0) {
            assert_int_equal(queue_remove((unsigned)pos, QUEUE_DONE_DROPPED), QUEUE_OK);
        }
    }
}

static void tls_and_network_failures_are_retried(void **state)
{
    (void)state;
    char *id = queue_one();
    fake_transport_next_open(TRANSPORT_FAIL_CERT_UNTRUSTED, 2);
    run_ms(10);
    char want[128];
    snprintf(want, sizeof want, "EVT tls-fail id=%s reason=cert-untrusted\r\nEVT retry id=%s attempt=1 in_ms=", id, id);
    fake_out_expect(want);
    char *sent = fake_transport_take_sent();
    assert_string_equal(sent, ""); /* not a byte */
    free(sent);
    fake_out_clear();
    fake_transport_next_open(TRANSPORT_FAIL_DNS, 0);
    run_ms(1001);
    snprintf(want, sizeof want, "EVT retry id=%s attempt=2 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=dns\r\n");
    assert_int_equal(fake_out_count("tls-fail"), 0); /* not TLS's */
    queue_sched_t q;
    char last[8];
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    assert_string_equal(delivery_last_name(&q, last), "dns");
    fake_out_clear();
    fake_transport_next_open(TRANSPORT_FAIL_NO_MEMORY, 0);
    run_ms(2001);
    fake_out_expect("EVT tls-fail id=");
    fake_out_expect("reason=no-memory\r\n");
}

static void connection_reuse_follows_section_5(void **state)
{
    (void)state;
    char *id = queue_one();
    free(answer(OK));
    assert_int_equal(fake_transport_opens(), 1);
    /* clean: reused */
    id = queue_one();
    free(answer(OK));
    assert_int_equal(fake_transport_opens(), 1);
    /* a stray answer arrives on the idle connection: the next trigger goes
     * out on a new one, and only its own answer counts */
    fake_transport_peer_says(OK);
    id = queue_one();
    free(answer("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"));
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    assert_int_equal(fake_transport_opens(), 2);
    run_ms(1001);
    fake_out_clear();
    /* a proxy's unsolicited 408 and close: no failed attempt */
    free(answer(OK));
    fake_transport_peer_says("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    fake_transport_peer_closes();
    id = queue_one();
    free(answer(OK));
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1", id);
    fake_out_expect(want);
    assert_int_equal(fake_transport_opens(), 3);
    /* a peer that closed the idle connection: the same */
    fake_transport_peer_closes();
    id = queue_one();
    free(answer(OK));
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1", id);
    fake_out_expect(want);
    assert_int_equal(fake_transport_opens(), 4);
    assert_int_equal(fake_out_count("EVT error"), 0);
}

static void a_reset_mid_answer_and_silence(void **state)
{
    (void)state;
    char *id = queue_one();
    free(answer("HTTP/1.1 200 OK\r\nContent-"));
    fake_transport_peer_resets();
    run_ms(5);
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=io\r\n");
    fake_out_clear();
    run_ms(1001);
    free(answer(NULL)); /* the server says nothing */
    run_ms(HTTPS_STALL_MS);
    snprintf(want, sizeof want, "EVT retry id=%s attempt=2 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=timeout\r\n");
}

static void nothing_goes_out_before_the_clock_or_when_not_configured(void **state)
{
    (void)state;
    wallclock_init(); /* unset */
    queue_one();
    run_ms(100);
    assert_int_equal(fake_transport_opens(), 0);
    queue_sched_t q;
    char last[8];
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    assert_string_equal(delivery_last_name(&q, last), "clock-unset");
    assert_false(delivery_due());
    wallclock_set_manual(UTC_2026);
    assert_true(delivery_due());
    assert_int_equal(cfg_unset("secret"), CFG_OK);
    run_ms(100);
    assert_int_equal(fake_transport_opens(), 0);
    assert_string_equal(delivery_last_name(&q, last), "not-configured");
    fake_device_set("secret", "back");
    free(answer(OK));
    assert_int_equal(queue_count(), 0);
}

static void *no_memory(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

static void no_heap_for_the_request_is_retried(void **state)
{
    (void)state;
    char *id = queue_one();
    mbedtls_platform_set_calloc_free(no_memory, free);
    run_ms(20);
    tlsport_init();
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=no-memory\r\n");
}

static void old_triggers_expire_on_the_running_clock(void **state)
{
    (void)state;
    fake_device_set("max_age", "60");
    fake_transport_every_open(TRANSPORT_FAIL_CONNECT);
    char *id = queue_one();
    run_ms(30000);
    assert_int_equal(queue_count(), 1);
    /* a step of the wall clock does not age it */
    wallclock_set_manual(UTC_2026 + UINT64_C(86400000));
    run_ms(1000);
    assert_int_equal(queue_count(), 1);
    run_ms(30000);
    char want[96];
    snprintf(want, sizeof want, "EVT expired id=%s\r\n", id);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 0);
}

static void answers_cut_short_or_broken_are_retried(void **state)
{
    (void)state;
    static const struct {
        const char *answer; /* then the peer closes */
        const char *reason;
    } cases[] = {
        {"", "no-response"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "bad-response"},
        {"SSH-2.0-OpenSSH_9.2\r\n", "bad-response"},
    };
    char want[128];
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_transport_reset();
        https_init(fake_transport());
        fake_out_clear();
        char *id = queue_one();
        free(answer(cases[i].answer));
        fake_transport_peer_closes();
        run_ms(5);
        snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
        fake_out_expect(want);
        snprintf(want, sizeof want, "reason=%s\r\n", cases[i].reason);
        fake_out_expect(want);
        assert_int_equal(fake_out_count("EVT delivered"), 0);
        assert_false(delivery_needs_person()); /* these heal by themselves */
        queue_sched_t q;
        char last[8];
        assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
        assert_string_equal(delivery_last_name(&q, last), cases[i].reason);
        assert_int_equal(queue_remove(0, QUEUE_DONE_DROPPED), QUEUE_OK);
    }
}

/* A kept connection the server closes as the request goes out: a new one
 * at once, no back-off (retry.c). */
static void a_kept_connection_closed_under_the_request_is_retried_at_once(void **state)
{
    (void)state;
    queue_one();
    free(answer(OK));
    char *id = queue_one();
    free(answer(NULL)); /* sent on the kept connection */
    assert_int_equal(fake_transport_opens(), 1);
    fake_transport_peer_closes();
    run_ms(5);
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=0 reason=no-response\r\n", id);
    fake_out_expect(want);
    free(answer(OK));
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=2 status=200", id);
    fake_out_expect(want);
    assert_int_equal(fake_transport_opens(), 2);
}

/* Refuses the one allocation the size of the answer's parser. */
static void *no_parser(size_t n, size_t size)
{
    return n * size == sizeof(http_parser_t) ? NULL : calloc(n, size);
}

/* The answer's parser is allocated once the request is out. */
static void no_heap_for_the_answer_is_retried(void **state)
{
    (void)state;
    char *id = queue_one();
    mbedtls_platform_set_calloc_free(no_parser, free);
    char *req = answer(NULL);
    tlsport_init();
    assert_non_null(strstr(req, id)); /* it went out */
    free(req);
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=no-memory\r\n");
    assert_int_equal(queue_count(), 1);
}

static unsigned s_callocs_left;

static void *few_callocs(size_t n, size_t size)
{
    if (s_callocs_left == 0) {
        return NULL;
    }
    s_callocs_left--;
    return calloc(n, size);
}

/* The signature's HMAC needs heap too, while the TLS session holds most of
 * it: running out there is no-memory, not a missing secret. */
static void no_heap_for_the_signature_is_no_memory(void **state)
{
    (void)state;
    char *id = queue_one();
    s_callocs_left = 2; /* the request's buffer and the trigger's copy, not the HMAC's */
    mbedtls_platform_set_calloc_free(few_callocs, free);
    run_ms(20);
    tlsport_init();
    char want[128];
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=no-memory\r\n");
    char *sent = fake_transport_take_sent();
    assert_string_equal(sent, ""); /* nothing unsigned goes out */
    free(sent);
}

/* While a secret that went away as the connection opened is not-configured. */
static void a_secret_gone_during_the_connection_is_not_configured(void **state)
{
    (void)state;
    char *id = queue_one();
    fake_transport_next_open(TRANSPORT_FAIL_NONE, 50);
    run_ms(5);
    char want[128];
    snprintf(want, sizeof want, "EVT sending id=%s attempt=1\r\n", id);
    fake_out_expect(want);
    assert_int_equal(cfg_unset("secret"), CFG_OK);
    run_ms(100);
    snprintf(want, sizeof want, "EVT retry id=%s attempt=1 in_ms=", id);
    fake_out_expect(want);
    fake_out_expect("reason=not-configured\r\n");
    char *sent = fake_transport_take_sent();
    assert_string_equal(sent, "");
    free(sent);
}

/* A trigger as an earlier boot left it on the medium. */
static char *push_from_earlier_boot(bool at_utc, uint64_t at_ms)
{
    static char id[64];
    trigger_rec_t t;
    memset(&t, 0, sizeof t);
    strcpy(t.action, "trigger");
    strcpy(t.device_id, "pb-525400123456");
    strcpy(t.button, "select");
    strcpy(t.press, "short");
    strcpy(t.props, "{}");
    t.boot = device_boot() + 1000u;
    t.seq = 1;
    t.at_utc = at_utc;
    t.at_ms = at_ms;
    assert_int_equal(queue_push(&t, 0), QUEUE_OK);
    assert_int_equal(queue_init(), QUEUE_OK); /* mounted again: pressed in no boot it knows */
    payload_run_id(&t, id, sizeof id);
    return id;
}

/* Spec section 4: pressed in an earlier boot before its clock was set, the
 * trigger takes the time of its first attempt, marked estimated, and keeps
 * it for every later attempt. */
static void a_press_from_an_earlier_boot_without_a_clock_is_dated_at_its_first_attempt(void **state)
{
    (void)state;
    char *id = push_from_earlier_boot(false, 1234);
    char *req = answer("HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n");
    assert_non_null(strstr(req, "\"at\":\"2026-12-06T00:00:00.0"));
    assert_non_null(strstr(req, "\"at_estimated\":true"));
    free(req);
    trigger_rec_t t;
    assert_int_equal(queue_read(0, &t), QUEUE_OK);
    assert_true(t.at_utc);
    assert_true(t.at_estimated);
    uint64_t first_at = t.at_ms;
    assert_true(first_at >= UTC_2026 && first_at < UTC_2026 + 1000);
    run_ms(1000);
    req = answer(OK);
    char at[48];
    char iso[WALLCLOCK_ISO_LEN];
    wallclock_format(first_at, iso);
    snprintf(at, sizeof at, "\"at\":\"%s\"", iso);
    assert_non_null(strstr(req, at)); /* the same time, not the second attempt's */
    free(req);
    char want[128];
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=2 status=200\r\n", id); /* no ms= */
    fake_out_expect(want);
}

/* max_age on the running clock for triggers of an earlier boot: by their
 * UTC press time; one pressed before that boot's clock was set cannot be
 * aged and is not expired. */
static void triggers_from_an_earlier_boot_expire_by_their_press_time(void **state)
{
    (void)state;
    fake_device_set("max_age", "60");
    fake_transport_every_open(TRANSPORT_FAIL_CONNECT);
    char old_id[64];
    strcpy(old_id, push_from_earlier_boot(true, UTC_2026 - 3600000));
    run_ms(5); /* before any sweep: the attempt itself finds it too old */
    char want[96];
    snprintf(want, sizeof want, "EVT expired id=%s\r\n", old_id);
    fake_out_expect(want);
    assert_int_equal(fake_out_count("EVT sending"), 0);
    assert_int_equal(queue_count(), 0);
    /* pressed before its boot's clock was set: no age until its first
     * attempt dates it (while nothing can be sent, the sweeps leave it) */
    fake_out_clear();
    assert_int_equal(cfg_unset("org"), CFG_OK);
    char *id = push_from_earlier_boot(false, 1234);
    run_ms(61000);
    assert_int_equal(fake_out_count("EVT expired"), 0);
    assert_int_equal(queue_count(), 1);
    fake_device_set("org", "contoso");
    fake_device_set("secret", FAKE_DEVICE_SECRET); /* the endpoint moved: bound again */
    run_ms(59000);
    assert_true(fake_out_count("EVT sending") > 1);
    assert_int_equal(fake_out_count("EVT expired"), 0);
    run_ms(2000); /* 60 s after the first attempt */
    snprintf(want, sizeof want, "EVT expired id=%s\r\n", id);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 0);
}

/* The trigger is read from the medium when its request is built: a record
 * that decayed is never sent, and waits for a person. */
static void a_damaged_record_is_kept_for_a_person_not_sent(void **state)
{
    (void)state;
    char id[64];
    strcpy(id, queue_one());
    uint8_t *mem = fake_nvm_bytes(HAL_NVM_QUEUE);
    mem[queue_record_offset(0) + 30u] ^= 0x01u;
    run_ms(50);
    char *sent = fake_transport_take_sent();
    assert_string_equal(sent, ""); /* not a byte */
    free(sent);
    char want[128];
    snprintf(want, sizeof want, "EVT error id=%s attempt=1 status=0 reason=storage\r\n", id);
    fake_out_expect(want);
    assert_int_equal(queue_count(), 1);
    queue_sched_t q;
    char last[8];
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    assert_string_equal(delivery_last_name(&q, last), "storage");
    assert_true(delivery_needs_person());
    assert_false(delivery_due()); /* not before retry.error_ms */
}

/* A queue write that fails leaves the queue broken; delivery mounts it again
 * between attempts, at most every 5 s, which settles the medium as after a
 * power cut: a trigger whose "delivered" mark did not land comes back and is
 * sent again with the same id (at least once, never lost). */
static void a_failed_queue_write_is_remounted_between_attempts(void **state)
{
    (void)state;
    char id[64];
    strcpy(id, queue_one());
    free(answer(NULL));
    fake_nvm_fail_after(0, 5); /* marking it delivered fails */
    fake_transport_peer_says(OK);
    run_ms(5);
    char want[96];
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1", id);
    fake_out_expect(want);
    assert_true(queue_broken());
    assert_int_equal(queue_count(), 0);
    uint32_t t = 0;
    while (queue_broken() && hal_millis() < 20000) {
        t = hal_millis();
        run_ms(1);
    }
    assert_int_equal(t, 5000); /* 5 s after the last mount (at boot here) */
    assert_int_equal(queue_count(), 1);
    assert_int_equal(queue_find(id), 0);
    fake_out_clear();
    free(answer(OK));
    snprintf(want, sizeof want, "EVT delivered id=%s attempt=1", id); /* attempts count again from 1 */
    fake_out_expect(want);
    assert_int_equal(queue_count(), 0);
    /* another failure soon after: the next mount waits its 5 s */
    fake_nvm_fail_after(0, 5);
    const char *why = "";
    char other[64];
    assert_int_equal(trigger_create("trigger", NULL, 0, "serial", "cli", hal_uptime_ms(), other, sizeof other, &why),
                     TRIGGER_STORAGE);
    assert_true(queue_broken());
    while (queue_broken() && hal_millis() < 30000) {
        t = hal_millis();
        run_ms(1);
    }
    assert_int_equal(t, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_trigger_is_delivered_once_signed, setup),
        cmocka_unit_test_setup(retry_after_then_delivered_with_the_same_id, setup),
        cmocka_unit_test_setup(a_webhook_exception_waits_for_a_person_without_blocking_the_next, setup),
        cmocka_unit_test_setup(other_answers, setup),
        cmocka_unit_test_setup(tls_and_network_failures_are_retried, setup),
        cmocka_unit_test_setup(connection_reuse_follows_section_5, setup),
        cmocka_unit_test_setup(a_reset_mid_answer_and_silence, setup),
        cmocka_unit_test_setup(nothing_goes_out_before_the_clock_or_when_not_configured, setup),
        cmocka_unit_test_setup(no_heap_for_the_request_is_retried, setup),
        cmocka_unit_test_setup(old_triggers_expire_on_the_running_clock, setup),
        cmocka_unit_test_setup(answers_cut_short_or_broken_are_retried, setup),
        cmocka_unit_test_setup(a_kept_connection_closed_under_the_request_is_retried_at_once, setup),
        cmocka_unit_test_setup(no_heap_for_the_answer_is_retried, setup),
        cmocka_unit_test_setup(no_heap_for_the_signature_is_no_memory, setup),
        cmocka_unit_test_setup(a_secret_gone_during_the_connection_is_not_configured, setup),
        cmocka_unit_test_setup(a_press_from_an_earlier_boot_without_a_clock_is_dated_at_its_first_attempt, setup),
        cmocka_unit_test_setup(triggers_from_an_earlier_boot_expire_by_their_press_time, setup),
        cmocka_unit_test_setup(a_damaged_record_is_kept_for_a_person_not_sent, setup),
        cmocka_unit_test_setup(a_failed_queue_write_is_remounted_between_attempts, setup),
    };
    return cmocka_run_group_tests_name("delivery", tests, NULL, NULL);
}
