/* The request body and its signature (spec section 4), with the test vectors
 * of azure-webhook.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "payload.h"
#include "tlsport.h"

static void hmac_sha1_test_vectors(void **state)
{
    (void)state;
    char hex[41];
    const char *msg = "{\"resource\":{\"message\":{\"title\":\"Hello, world!\",\"subtitle\":\"I'm using WebHooks!\"}}}";
    assert_int_equal(strlen(msg), 83);
    assert_int_equal(payload_sign("secret", 6, msg, strlen(msg), hex), 0);
    assert_string_equal(hex, "750d33212d3ad4932cc390819050734831a0a94f");
    uint8_t key[20];
    memset(key, 0x0b, sizeof key);
    assert_int_equal(payload_sign(key, sizeof key, "Hi There", 8, hex), 0);
    assert_string_equal(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    assert_int_equal(payload_sign("Jefe", 4, "what do ya want for nothing?", 28, hex), 0);
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static trigger_rec_t sample(void)
{
    trigger_rec_t t;
    memset(&t, 0, sizeof t);
    strcpy(t.action, "deploy");
    strcpy(t.device_id, "pb-525400123456");
    strcpy(t.button, "select");
    strcpy(t.press, "short");
    t.boot = 7;
    t.seq = 3;
    t.at_ms = 1795863600123u; /* 2026-11-28T11:00:00.123Z */
    t.at_utc = true;
    strcpy(t.props, "{\"env\":\"prod\",\"msg\":\"caf\\u00e9 \\\"x\\\"\"}");
    return t;
}

static void body_has_the_spec_shape(void **state)
{
    (void)state;
    trigger_rec_t t = sample();
    char body[PAYLOAD_MAX + 1];
    size_t len;
    assert_int_equal(payload_build(&t, "contoso", 2, body, sizeof body, &len), PAYLOAD_OK);
    assert_int_equal(strlen(body), len);
    assert_string_equal(body,
                        "{\"env\":\"prod\",\"msg\":\"caf\\u00e9 \\\"x\\\"\","
                        "\"port_context\":{\"runId\":\"pb-525400123456-7-3\",\"blueprint\":\"\",\"entity\":null,"
                        "\"action\":\"deploy\",\"trigger\":{\"by\":{\"orgId\":\"contoso\",\"userId\":\"pb-525400123456\"},"
                        "\"origin\":\"DEVICE\",\"at\":\"2026-11-28T11:00:00.123Z\",\"operation\":\"CREATE\"}},"
                        "\"device\":{\"id\":\"pb-525400123456\",\"button\":\"select\",\"press\":\"short\",\"boot\":7,"
                        "\"seq\":3,\"attempt\":2,\"at_estimated\":false}}");
    assert_int_equal(json_validate_object(body, len, NULL), JSON_OK);
    /* the length check used at press time: an upper bound, exact up to the
     * attempt number's digits (it assumes the largest) */
    size_t bound = payload_length(&t, "contoso");
    assert_true(bound >= len && bound <= len + 9);
    strcpy(t.props, "{}");
    assert_int_equal(payload_build(&t, "contoso", 4000000000u, body, sizeof body, &len), PAYLOAD_OK);
    assert_int_equal(payload_length(&t, "contoso"), len);
}

static void entity_makes_a_day_2_operation(void **state)
{
    (void)state;
    trigger_rec_t t = sample();
    strcpy(t.entity, "payments-api");
    strcpy(t.blueprint, "service");
    strcpy(t.props, "{}");
    t.at_estimated = true;
    char body[PAYLOAD_MAX + 1];
    size_t len;
    assert_int_equal(payload_build(&t, "o", 1, body, sizeof body, &len), PAYLOAD_OK);
    assert_non_null(strstr(body, "{\"port_context\":{\"runId\""));
    assert_non_null(strstr(body, "\"blueprint\":\"service\",\"entity\":{\"identifier\":\"payments-api\",\"blueprint\":\"service\"}"));
    assert_non_null(strstr(body, "\"operation\":\"DAY-2\""));
    assert_non_null(strstr(body, "\"at_estimated\":true}"));
    assert_int_equal(json_validate_object(body, len, NULL), JSON_OK);
}

static void limits(void **state)
{
    (void)state;
    trigger_rec_t t = sample();
    char body[PAYLOAD_MAX + 1];
    size_t len;
    t.at_utc = false;
    assert_int_equal(payload_build(&t, "o", 1, body, sizeof body, &len), PAYLOAD_NO_TIME);
    t = sample();
    /* largest properties: still within 1,536 bytes */
    memset(t.props, 0, sizeof t.props);
    strcpy(t.props, "{\"k\":\"");
    memset(t.props + 6, 'x', PAYLOAD_PROPS_MAX - 8);
    strcpy(t.props + 6 + PAYLOAD_PROPS_MAX - 8, "\"}");
    strcpy(t.entity, "e");
    assert_int_equal(payload_build(&t, "o", 1, body, sizeof body, &len), PAYLOAD_OK);
    assert_true(len <= PAYLOAD_MAX);
    /* a buffer one byte short is refused, never overrun */
    char small[64];
    assert_int_equal(payload_build(&t, "o", 1, small, sizeof small, &len), PAYLOAD_TOO_BIG);
    char id[64];
    payload_run_id(&t, id, sizeof id);
    assert_string_equal(id, "pb-525400123456-7-3");
    /* over 1,536 bytes is refused whatever room the caller has */
    memset(t.blueprint, 'b', PAYLOAD_IDENT_MAX);
    memset(t.entity, 'e', PAYLOAD_IDENT_MAX);
    memset(t.action, 'a', sizeof t.action - 1);
    memset(t.device_id, 'd', PAYLOAD_ID_MAX);
    char org[65], big[4096];
    memset(org, 'o', 64);
    org[64] = '\0';
    assert_true(payload_length(&t, org) > PAYLOAD_MAX);
    assert_int_equal(payload_build(&t, org, 1, big, sizeof big, &len), PAYLOAD_TOO_BIG);
    /* properties that are no object (a record that decayed) are refused */
    t = sample();
    strcpy(t.props, "{\"a\":1");
    assert_int_equal(payload_build(&t, "o", 1, body, sizeof body, &len), PAYLOAD_TOO_BIG);
    strcpy(t.props, "}");
    assert_int_equal(payload_build(&t, "o", 1, body, sizeof body, &len), PAYLOAD_TOO_BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_sha1_test_vectors),
        cmocka_unit_test(body_has_the_spec_shape),
        cmocka_unit_test(entity_makes_a_day_2_operation),
        cmocka_unit_test(limits),
    };
    tlsport_init(); /* HMAC contexts come from mbedTLS's pool */
    return cmocka_run_group_tests_name("payload", tests, NULL, NULL);
}
