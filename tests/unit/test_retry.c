/* The retry policy of spec section 5 (retry.h), as a pure function: every
 * outcome class, back-off doubling to its ceiling with its jitter bounds,
 * Retry-After, the immediate re-send on a kept connection, what waits for a
 * person, and the 16-bit form the queue keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "retry.h"

static const retry_config_t CFG = {2000, 300000, 600000};
#define LOW 0u    /* random -> factor 0.5 */
#define HIGH 512u /* random -> factor 1.0 */

static outcome_t http(uint16_t status, uint16_t retry_after_s)
{
    return (outcome_t){.kind = OUTCOME_HTTP, .status = status, .retry_after_s = retry_after_s};
}

static outcome_t kind(outcome_kind_t k)
{
    return (outcome_t){.kind = k};
}

static void delivered_statuses(void **state)
{
    (void)state;
    static const uint16_t ok[] = {200, 201, 202, 204};
    for (unsigned i = 0; i < 4; i++) {
        outcome_t o = http(ok[i], 0);
        assert_int_equal(retry_plan(&o, 1, &CFG, 7).verdict, VERDICT_DELIVERED);
        assert_int_equal(retry_verdict(&o), VERDICT_DELIVERED);
    }
    /* 203 (Azure's sign-in page for some routes) and 206 are not */
    outcome_t o = http(203, 0);
    retry_plan_t p = retry_plan(&o, 1, &CFG, 7);
    assert_int_equal(p.verdict, VERDICT_ERROR);
    assert_string_equal(p.reason, "unexpected-status");
    assert_int_equal(p.in_ms, CFG.error_ms);
}

static void backoff_doubles_to_its_ceiling_with_jitter(void **state)
{
    (void)state;
    outcome_t o = http(500, 0);
    uint32_t want = 2000;
    for (unsigned attempt = 1; attempt <= 12; attempt++) {
        retry_plan_t lo = retry_plan(&o, attempt, &CFG, LOW);
        retry_plan_t hi = retry_plan(&o, attempt, &CFG, HIGH);
        assert_int_equal(lo.verdict, VERDICT_RETRY);
        assert_null(lo.reason); /* the status is the reason */
        assert_int_equal(hi.in_ms, want);
        assert_int_equal(lo.in_ms, want / 2u);
        for (uint32_t r = 1; r < 2000; r += 97) {
            uint32_t ms = retry_plan(&o, attempt, &CFG, r).in_ms;
            assert_true(ms >= want / 2u && ms <= want);
        }
        want = want * 2u > CFG.max_ms ? CFG.max_ms : want * 2u;
    }
    /* an attempt count far past the ceiling does not overflow */
    assert_int_equal(retry_plan(&o, 60000, &CFG, HIGH).in_ms, CFG.max_ms);
}

static void retry_after_for_429_and_503_only(void **state)
{
    (void)state;
    outcome_t a = http(429, 7), b = http(503, 3600), c = http(502, 30), d = http(503, 0);
    assert_int_equal(retry_plan(&a, 1, &CFG, LOW).in_ms, 7000);
    assert_int_equal(retry_plan(&b, 5, &CFG, LOW).in_ms, 3600000);
    assert_int_equal(retry_plan(&c, 1, &CFG, HIGH).in_ms, 2000); /* other 5xx: back-off */
    assert_int_equal(retry_plan(&d, 2, &CFG, HIGH).in_ms, 4000);
}

static void failures_back_off_and_a_kept_connection_goes_again_at_once(void **state)
{
    (void)state;
    static const outcome_kind_t kinds[] = {OUTCOME_TRANSPORT,   OUTCOME_TIMEOUT,   OUTCOME_IO,
                                           OUTCOME_NO_RESPONSE, OUTCOME_BAD_RESPONSE, OUTCOME_NO_MEMORY,
                                           OUTCOME_NOT_CONFIGURED};
    for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        outcome_t o = kind(kinds[i]);
        o.failure = TRANSPORT_FAIL_CONNECT;
        retry_plan_t p = retry_plan(&o, 3, &CFG, HIGH);
        assert_int_equal(p.verdict, VERDICT_RETRY);
        assert_int_equal(p.in_ms, 8000);
        assert_non_null(p.reason);
    }
    outcome_t io = kind(OUTCOME_IO), none = kind(OUTCOME_NO_RESPONSE), tmo = kind(OUTCOME_TIMEOUT);
    io.reused = none.reused = tmo.reused = true;
    assert_int_equal(retry_plan(&io, 3, &CFG, HIGH).in_ms, 0);
    assert_int_equal(retry_plan(&none, 3, &CFG, HIGH).in_ms, 0);
    assert_int_equal(retry_plan(&tmo, 3, &CFG, HIGH).in_ms, 8000); /* a silent server is not a race */
}

static void what_needs_a_person(void **state)
{
    (void)state;
    struct {
        outcome_t o;
        const char *reason;
    } cases[] = {
        {{.kind = OUTCOME_WEBHOOK_REJECTED, .status = 500}, "webhook-rejected"},
        {{.kind = OUTCOME_HTTP, .status = 404}, "http-4xx"},
        {{.kind = OUTCOME_HTTP, .status = 401}, "http-4xx"},
        {{.kind = OUTCOME_HTTP, .status = 302}, "unexpected-status"},
        {{.kind = OUTCOME_HTTP, .status = 101}, "unexpected-status"},
        {{.kind = OUTCOME_STORAGE}, "storage"},
        {{.kind = OUTCOME_TOO_BIG}, "too-big"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        retry_plan_t p = retry_plan(&cases[i].o, 1, &CFG, HIGH);
        assert_int_equal(p.verdict, VERDICT_ERROR);
        assert_string_equal(p.reason, cases[i].reason);
        assert_int_equal(p.in_ms, CFG.error_ms);
        assert_int_equal(retry_verdict(&cases[i].o), VERDICT_ERROR);
    }
}

static void names_and_packing(void **state)
{
    (void)state;
    outcome_t t = {.kind = OUTCOME_TRANSPORT, .failure = TRANSPORT_FAIL_CERT_EXPIRED};
    assert_string_equal(outcome_name(&t), "cert-expired");
    t.failure = TRANSPORT_FAIL_DNS;
    assert_string_equal(outcome_name(&t), "dns");
    outcome_t h = http(503, 0), n = kind(OUTCOME_NONE);
    assert_null(outcome_name(&h));
    assert_string_equal(outcome_name(&n), "new");
    assert_int_equal(outcome_pack(&n), 0); /* QUEUE_LAST_NEW */
    for (unsigned k = 0; k < OUTCOME_KINDS; k++) {
        outcome_t o = {.kind = (outcome_kind_t)k, .status = 999, .failure = TRANSPORT_FAIL_IO};
        outcome_t back = outcome_unpack(outcome_pack(&o));
        assert_int_equal(back.kind, o.kind);
        if (o.kind == OUTCOME_TRANSPORT) {
            assert_int_equal(back.failure, o.failure);
        } else {
            assert_int_equal(back.status, 999);
        }
    }
    assert_int_equal(outcome_unpack(0xFFFFu).kind, OUTCOME_NONE); /* a kind that does not exist */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delivered_statuses),
        cmocka_unit_test(backoff_doubles_to_its_ceiling_with_jitter),
        cmocka_unit_test(retry_after_for_429_and_503_only),
        cmocka_unit_test(failures_back_off_and_a_kept_connection_goes_again_at_once),
        cmocka_unit_test(what_needs_a_person),
        cmocka_unit_test(names_and_packing),
    };
    return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
