/* The Builds API answer reader (builds_reader.h): value[0]'s id,
 * buildNumber, status and result from Azure-shaped answers (the emulator's,
 * tests/unit/builds/, with look-alike members nested everywhere) in every
 * chunking, members in any order, escapes, limits, and a clear error for
 * everything that is not such an answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builds_reader.h"

/* Reads text in pieces of `chunk` bytes (0: all at once). */
static int read_in(builds_reader_t *r, const char *text, size_t len, size_t chunk)
{
    builds_reader_init(r);
    if (chunk == 0) {
        chunk = len;
    }
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        /* a private copy of exactly n bytes: ASan sees any read past it */
        uint8_t *piece = malloc(n);
        memcpy(piece, text + at, n);
        builds_reader_feed(r, piece, n);
        free(piece);
    }
    return builds_reader_finish(r);
}

static int read_text(builds_reader_t *r, const char *text)
{
    return read_in(r, text, strlen(text), 0);
}

static char *load(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/unit/builds/%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static void expect_build(const char *text, uint32_t id, const char *number, builds_status_t status,
                         builds_result_t result)
{
    builds_reader_t r;
    int rc = read_text(&r, text);
    if (rc != BUILDS_OK) {
        fail_msg("%s at %u: %s", builds_strerror(rc), (unsigned)r.err_offset, text);
    }
    assert_int_equal(r.id, id);
    assert_string_equal(r.number, number);
    assert_int_equal(r.status, status);
    assert_int_equal(r.result, result);
}

static void expect_error(const char *text, int rc, uint32_t offset)
{
    builds_reader_t r;
    int got = read_text(&r, text);
    if (got != rc || r.err_offset != offset) {
        fail_msg("'%s': %d (%s) at %u, wanted %d (%s) at %u", text, got, builds_strerror(got),
                 (unsigned)r.err_offset, rc, builds_strerror(rc), (unsigned)offset);
    }
}

/* The emulator's 11 KB answer of two builds (value[0] inProgress), members
 * shuffled, and the same in Azure's order: every chunking gives value[0]. */
static void azure_answers_in_every_chunking(void **state)
{
    (void)state;
    static const char *const files[] = {"azure-shuffled.json", "azure-ordered.json"};
    static const size_t chunks[] = {0, 1, 2, 3, 7, 64, 255, 256, 1000, 4096};
    for (size_t f = 0; f < 2; f++) {
        size_t len;
        const char *text = load(files[f], &len);
        assert_true(len > 10000);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            builds_reader_t r;
            assert_int_equal(read_in(&r, text, len, chunks[c]), BUILDS_OK);
            assert_int_equal(r.id, 1201);
            assert_string_equal(r.number, "20260101.1");
            assert_int_equal(r.status, BUILDS_IN_PROGRESS);
            assert_int_equal(r.result, BUILDS_RESULT_NONE);
        }
    }
}

static void look_alikes_elsewhere_are_read_past(void **state)
{
    (void)state;
    /* same names in nested objects and arrays, before and after the real
     * ones; a second build; the outer object's own members */
    expect_build("{\"status\":\"completed\",\"id\":9,\"count\":2,\"value\":[{"
                 "\"properties\":{\"status\":{\"$value\":\"completed\"},\"result\":\"failed\",\"id\":77},"
                 "\"definition\":{\"id\":12,\"project\":{\"id\":\"p\",\"state\":\"wellFormed\"}},"
                 "\"validationResults\":[{\"result\":\"warning\"},[\"status\",{\"buildNumber\":\"x\"}]],"
                 "\"id\":1201,\"buildNumber\":\"20260101.1\",\"status\":\"inProgress\","
                 "\"templateParameters\":{\"status\":\"completed\",\"result\":\"failed\",\"id\":\"0\"},"
                 "\"logs\":{\"id\":0}},"
                 "{\"id\":1202,\"buildNumber\":\"20260101.2\",\"status\":\"completed\",\"result\":\"failed\"}],"
                 "\"result\":\"canceled\"}",
                 1201, "20260101.1", BUILDS_IN_PROGRESS, BUILDS_RESULT_NONE);
    /* the wanted members first, last, or between */
    expect_build("{\"value\":[{\"result\":\"succeeded\",\"status\":\"completed\",\"buildNumber\":\"1.0\",\"id\":4}]}", 4,
                 "1.0", BUILDS_COMPLETED, BUILDS_SUCCEEDED);
    expect_build(" \r\n\t{ \"value\" : [ { \"id\" : 5 , \"status\" : \"notStarted\" } , 1, \"x\" ] } \n", 5, "-",
                 BUILDS_NOT_STARTED, BUILDS_RESULT_NONE);
}

static void every_status_and_result(void **state)
{
    (void)state;
    static const struct {
        const char *status, *result;
        builds_status_t s;
        builds_result_t r;
    } cases[] = {
        {"\"notStarted\"", "null", BUILDS_NOT_STARTED, BUILDS_RESULT_NONE},
        {"\"postponed\"", "\"none\"", BUILDS_POSTPONED, BUILDS_RESULT_NONE},
        {"\"inProgress\"", "\"none\"", BUILDS_IN_PROGRESS, BUILDS_RESULT_NONE},
        {"\"cancelling\"", "null", BUILDS_CANCELLING, BUILDS_RESULT_NONE},
        {"\"completed\"", "\"succeeded\"", BUILDS_COMPLETED, BUILDS_SUCCEEDED},
        {"\"completed\"", "\"partiallySucceeded\"", BUILDS_COMPLETED, BUILDS_PARTIALLY_SUCCEEDED},
        {"\"completed\"", "\"failed\"", BUILDS_COMPLETED, BUILDS_FAILED},
        {"\"completed\"", "\"canceled\"", BUILDS_COMPLETED, BUILDS_CANCELED},
        /* what Azure does not define, or in another case, is not guessed at */
        {"\"all\"", "\"Succeeded\"", BUILDS_STATUS_OTHER, BUILDS_RESULT_OTHER},
        {"\"Completed\"", "\"succeededAndThenSomeMoreWords\"", BUILDS_STATUS_OTHER, BUILDS_RESULT_OTHER},
        {"\"\"", "\"\"", BUILDS_STATUS_OTHER, BUILDS_RESULT_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[200];
        snprintf(text, sizeof text, "{\"value\":[{\"id\":1,\"status\":%s,\"result\":%s}]}", cases[i].status,
                 cases[i].result);
        expect_build(text, 1, "-", cases[i].s, cases[i].r);
    }
    assert_string_equal(builds_status_name(BUILDS_IN_PROGRESS), "inProgress");
    assert_string_equal(builds_result_name(BUILDS_PARTIALLY_SUCCEEDED), "partiallySucceeded");
    assert_string_equal(builds_result_name(BUILDS_RESULT_OTHER), "unknown");
}

static void escapes_are_decoded_and_the_number_made_printable(void **state)
{
    (void)state;
    /* names and values with escapes */
    expect_build("{\"v\\u0061lue\":[{\"\\u0069d\":42,\"st\\u0061tus\":\"in\\u0050rogress\","
                 "\"buildNumber\":\"a\\/b\\\\c\\\"d\\te\"}]}",
                 42, "a/b\\c\"d?e", BUILDS_IN_PROGRESS, BUILDS_RESULT_NONE);
    /* spaces become '_', non-ASCII one '?' per character (raw or escaped,
     * a surrogate pair too), controls '?' */
    expect_build("{\"value\":[{\"id\":1,\"status\":\"completed\",\"result\":\"failed\","
                 "\"buildNumber\":\"Release 1.2 caf\xc3\xa9 \\u00e9\\ud83d\\ude00\xf0\x9f\x98\x80\\u0000!\"}]}",
                 1, "Release_1.2_caf?_??\?\?!", BUILDS_COMPLETED, BUILDS_FAILED);
    /* a lone surrogate is one '?' too (not checked, see builds_reader.h) */
    expect_build("{\"value\":[{\"id\":1,\"status\":\"completed\",\"buildNumber\":\"\\udc00x\\ud800\"}]}", 1, "?x?",
                 BUILDS_COMPLETED, BUILDS_RESULT_NONE);
    /* a name with an escaped NUL or non-ASCII is another name */
    expect_build("{\"value\":[{\"id\":1,\"status\\u0000\":\"x\",\"stat\xc3\xbcs\":\"y\",\"status\":\"postponed\"}]}", 1,
                 "-", BUILDS_POSTPONED, BUILDS_RESULT_NONE);
}

static void long_values_stay_bounded(void **state)
{
    (void)state;
    char text[4096];
    char number[200];
    memset(number, '7', 100);
    number[100] = '\0';
    snprintf(text, sizeof text, "{\"value\":[{\"id\":4294967295,\"status\":\"completed\",\"buildNumber\":\"%s\"}]}",
             number);
    /* 31 bytes and '~' */
    expect_build(text, 4294967295u, "7777777777777777777777777777777~", BUILDS_COMPLETED, BUILDS_RESULT_NONE);
    memset(number, '8', 32);
    number[32] = '\0';
    snprintf(text, sizeof text, "{\"value\":[{\"id\":3,\"status\":\"completed\",\"buildNumber\":\"%s\"}]}", number);
    expect_build(text, 3, number, BUILDS_COMPLETED, BUILDS_RESULT_NONE); /* exactly 32: whole */
    /* a status or name far longer than any wanted one */
    char long_name[300];
    memset(long_name, 's', 250);
    long_name[250] = '\0';
    snprintf(text, sizeof text, "{\"value\":[{\"%s\":1,\"id\":3,\"status\":\"%s\"}]}", long_name, long_name);
    expect_build(text, 3, "-", BUILDS_STATUS_OTHER, BUILDS_RESULT_NONE);
    /* the reader itself is small whatever comes */
    assert_true(sizeof(builds_reader_t) <= 96);
}

static void depth_limit(void **state)
{
    (void)state;
    char text[200];
    /* 32 containers open at once are read; a 33rd is refused */
    strcpy(text, "{\"value\":[{\"id\":1,\"status\":\"completed\",\"a\":");
    size_t n = strlen(text);
    for (int i = 0; i < 29; i++) {
        text[n++] = '[';
    }
    for (int i = 0; i < 29; i++) {
        text[n++] = ']';
    }
    strcpy(text + n, "}]}");
    expect_build(text, 1, "-", BUILDS_COMPLETED, BUILDS_RESULT_NONE);
    strcpy(text, "{\"value\":[{\"id\":1,\"status\":\"completed\",\"a\":");
    n = strlen(text);
    size_t at = n + 29;
    for (int i = 0; i < 30; i++) {
        text[n++] = '[';
    }
    text[n] = '\0';
    expect_error(text, BUILDS_E_DEPTH, (uint32_t)at);
}

static void no_build_yet(void **state)
{
    (void)state;
    builds_reader_t r;
    assert_int_equal(read_text(&r, "{\"count\":0,\"value\":[]}"), BUILDS_EMPTY);
    assert_int_equal(read_text(&r, "{\"value\" : [ ] }"), BUILDS_EMPTY);
}

static void malformed_answers_are_errors(void **state)
{
    (void)state;
    /* not JSON: the offending byte */
    expect_error("", BUILDS_E_END, 0);
    expect_error("{\"value\":[]", BUILDS_E_END, 11);
    expect_error("{\"value\":[{\"id\":1,\"status\":\"completed\"}],}", BUILDS_E_SYNTAX, 41);
    expect_error("{\"value\":[{\"id\":1 \"status\":\"completed\"}]}", BUILDS_E_SYNTAX, 18);
    expect_error("{\"value\" []}", BUILDS_E_SYNTAX, 9);
    expect_error("{\"a\":tru}", BUILDS_E_SYNTAX, 8);
    expect_error("{\"a\":nul,\"value\":[]}", BUILDS_E_SYNTAX, 8);
    expect_error("{\"a\":01,\"value\":[]}", BUILDS_E_SYNTAX, 6);
    expect_error("{\"a\":1.,\"value\":[]}", BUILDS_E_SYNTAX, 7);
    expect_error("{\"a\":-,\"value\":[]}", BUILDS_E_SYNTAX, 6);
    expect_error("{\"a\":1e+,\"value\":[]}", BUILDS_E_SYNTAX, 8);
    expect_error("{\"a\":+1,\"value\":[]}", BUILDS_E_SYNTAX, 5);
    expect_error("{\"a\":\"x\ty\",\"value\":[]}", BUILDS_E_SYNTAX, 7);
    expect_error("{\"a\":\"\\x\",\"value\":[]}", BUILDS_E_SYNTAX, 7);
    expect_error("{\"a\":\"\\u12G4\",\"value\":[]}", BUILDS_E_SYNTAX, 10);
    expect_error("{\"a\":[1}],\"value\":[]}", BUILDS_E_SYNTAX, 7);
    expect_error("{\"value\":[]}x", BUILDS_E_SYNTAX, 12);
    expect_error("{\"value\":[]}{}", BUILDS_E_SYNTAX, 12);
    expect_error("\xef\xbb\xbf{\"value\":[]}", BUILDS_E_SYNTAX, 0);
    expect_error("{'value':[]}", BUILDS_E_SYNTAX, 1);
    /* JSON, but not a list of builds */
    expect_error("[{\"value\":[]}]", BUILDS_E_SHAPE, 0);
    expect_error("{\"count\":0}", BUILDS_E_SHAPE, 11);
    expect_error("{\"value\":{}}", BUILDS_E_SHAPE, 9);
    expect_error("{\"value\":null}", BUILDS_E_SHAPE, 9);
    expect_error("{\"value\":[[]]}", BUILDS_E_SHAPE, 10);
    expect_error("{\"value\":[1,{}]}", BUILDS_E_SHAPE, 10);
    expect_error("{\"value\":[],\"value\":[]}", BUILDS_E_SHAPE, 18);
    /* a build without a proper id or status */
    expect_error("{\"value\":[{\"status\":\"completed\"}]}", BUILDS_E_FIELD, 34);
    expect_error("{\"value\":[{\"id\":1}]}", BUILDS_E_FIELD, 20);
    expect_error("{\"value\":[{\"id\":\"1\",\"status\":\"completed\"}]}", BUILDS_E_FIELD, 16);
    expect_error("{\"value\":[{\"id\":-1,\"status\":\"completed\"}]}", BUILDS_E_FIELD, 18);
    expect_error("{\"value\":[{\"id\":1.0,\"status\":\"completed\"}]}", BUILDS_E_FIELD, 19);
    expect_error("{\"value\":[{\"id\":1e3,\"status\":\"completed\"}]}", BUILDS_E_FIELD, 19);
    expect_error("{\"value\":[{\"id\":0,\"status\":\"completed\"}]}", BUILDS_E_FIELD, 17);
    expect_error("{\"value\":[{\"id\":4294967296,\"status\":\"completed\"}]}", BUILDS_E_FIELD, 26);
    expect_error("{\"value\":[{\"id\":1,\"status\":3}]}", BUILDS_E_FIELD, 27);
    expect_error("{\"value\":[{\"id\":1,\"status\":null}]}", BUILDS_E_FIELD, 27);
    expect_error("{\"value\":[{\"id\":1,\"status\":\"completed\",\"result\":true}]}", BUILDS_E_FIELD, 48);
    expect_error("{\"value\":[{\"id\":1,\"status\":\"completed\",\"buildNumber\":7}]}", BUILDS_E_FIELD, 53);
    expect_error("{\"value\":[{\"id\":1,\"status\":\"completed\",\"id\":2}]}", BUILDS_E_FIELD, 42);
    expect_error("{\"value\":[{\"id\":1,\"status\":\"completed\",\"st\\u0061tus\":\"x\"}]}", BUILDS_E_FIELD, 51);
    /* an error stays: later bytes change nothing */
    builds_reader_t r;
    builds_reader_init(&r);
    builds_reader_feed(&r, (const uint8_t *)"{\"a\":x", 6);
    builds_reader_feed(&r, (const uint8_t *)"\"value\":[]}", 11);
    assert_int_equal(builds_reader_finish(&r), BUILDS_E_SYNTAX);
    assert_int_equal(r.err_offset, 5);
    assert_string_equal(builds_strerror(BUILDS_E_FIELD), "a build without a proper id or status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(azure_answers_in_every_chunking),
        cmocka_unit_test(look_alikes_elsewhere_are_read_past),
        cmocka_unit_test(every_status_and_result),
        cmocka_unit_test(escapes_are_decoded_and_the_number_made_printable),
        cmocka_unit_test(long_values_stay_bounded),
        cmocka_unit_test(depth_limit),
        cmocka_unit_test(no_build_yet),
        cmocka_unit_test(malformed_answers_are_errors),
    };
    return cmocka_run_group_tests_name("builds_reader", tests, NULL, NULL);
}
