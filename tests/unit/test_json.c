#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Validation of a C string (no NUL inside). */
static int check(const char *s)
{
    json_err_t err;
    return json_validate_object(s, strlen(s), &err);
}

/* Each of bad[] refused with the status expected (a failure names the case). */
typedef struct {
    const char *text;
    json_status_t code;
} bad_t;

static void expect_refused(const bad_t *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_err_t err;
        int r = json_validate_object(bad[i].text, strlen(bad[i].text), &err);
        if (r != (int)bad[i].code) {
            print_error("case %zu: %s -> %d (%s), expected %d\n", i, bad[i].text, r, json_strerror(r),
                        (int)bad[i].code);
        }
        assert_int_equal(r, bad[i].code);
        assert_int_equal(err.code, bad[i].code);
        assert_true(err.offset <= strlen(bad[i].text));
        assert_non_null(strstr(err.why, json_strerror(r)));
        assert_non_null(strstr(err.why, " at byte "));
    }
}

#define EXPECT_REFUSED(arr) expect_refused(arr, sizeof arr / sizeof arr[0])

static void accepts_tricky_valid_json(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{}",
        " \t\r\n{ \t\r\n} \t\r\n",
        "{\"a\":[]}",
        "{\"a\":[[],[[]],{}]}",
        "{\"a\":[1,[2,[3,{\"b\":[true,false,null]}]]]}",
        "{\"\":0}",
        "{\"a\":-0,\"b\":1E+2,\"c\":0.5e-3,\"d\":-1.25E10,\"e\":1e5,\"f\":0,\"g\":123456789012345678901234567890}",
        "{\"a\":0e0,\"b\":-0.0,\"c\":9E-0}",
        "{\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u001f \\uFFFF \\u00e9\"}",
        "{\"pair\":\"\\ud83d\\ude00\",\"PAIR\":\"\\uD83D\\uDE00\",\"max\":\"\\udbff\\udfff\"}",
        "{\"utf8\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80\"}",
        "{\"\xc3\xa9\":1}",
        "{\"del\":\"\x7f\"}",
        "{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}",
        "{\"a\":\"a\",\"A\":\"a\"}",
        "{\"x\":\"{[,:]}\"}",
        "{\"a\" : 1 , \"b\" : [ 1 , 2 ] }",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_err_t err;
        int r = json_validate_object(good[i], strlen(good[i]), &err);
        if (r != JSON_OK) {
            print_error("case %zu: %s -> %s\n", i, good[i], err.why);
        }
        assert_int_equal(r, JSON_OK);
        assert_int_equal(err.code, JSON_OK);
        assert_string_equal(err.why, "");
    }
    /* err is optional */
    assert_int_equal(json_validate_object("{}", 2, NULL), JSON_OK);
    assert_int_equal(json_validate_object("{", 1, NULL), JSON_E_END);
    /* only len bytes count: what follows is not looked at */
    assert_int_equal(json_validate_object("{}garbage", 2, NULL), JSON_OK);
}

static void refuses_bad_literals(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":tru}", JSON_E_LITERAL},    {"{\"a\":nul}", JSON_E_LITERAL},   {"{\"a\":fals}", JSON_E_LITERAL},
        {"{\"a\":truex}", JSON_E_LITERAL},  {"{\"a\":nulll}", JSON_E_LITERAL}, {"{\"a\":t}", JSON_E_LITERAL},
        {"{\"a\":undefined}", JSON_E_LITERAL}, {"{\"a\":True}", JSON_E_UNEXPECTED}, {"{\"a\":NULL}", JSON_E_UNEXPECTED},
        {"{\"a\":true1}", JSON_E_LITERAL},  {"{\"a\":tr", JSON_E_LITERAL},
    };
    EXPECT_REFUSED(bad);
}

static void refuses_bad_numbers(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":01}", JSON_E_NUMBER},   {"{\"a\":-}", JSON_E_NUMBER},     {"{\"a\":1.}", JSON_E_NUMBER},
        {"{\"a\":.5}", JSON_E_NUMBER},   {"{\"a\":1e}", JSON_E_NUMBER},    {"{\"a\":1e+}", JSON_E_NUMBER},
        {"{\"a\":1E-}", JSON_E_NUMBER},  {"{\"a\":+1}", JSON_E_NUMBER},    {"{\"a\":0x1F}", JSON_E_NUMBER},
        {"{\"a\":00}", JSON_E_NUMBER},   {"{\"a\":-01}", JSON_E_NUMBER},   {"{\"a\":1.e5}", JSON_E_NUMBER},
        {"{\"a\":1.5.3}", JSON_E_NUMBER}, {"{\"a\":--1}", JSON_E_NUMBER},  {"{\"a\":1e5e5}", JSON_E_NUMBER},
        {"{\"a\":1-2}", JSON_E_NUMBER},  {"{\"a\":-Infinity}", JSON_E_NUMBER}, {"{\"a\":NaN}", JSON_E_UNEXPECTED},
        {"{\"a\":Infinity}", JSON_E_UNEXPECTED}, {"{\"a\":1", JSON_E_END}, {"{\"a\":-", JSON_E_NUMBER},
        {"{\"a\":1_000}", JSON_E_NUMBER},
    };
    EXPECT_REFUSED(bad);
}

static void refuses_bad_structure(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"", JSON_E_END},
        {" \n\t", JSON_E_END},
        {"{", JSON_E_END},
        {"{\"a\"", JSON_E_END},
        {"{\"a\":", JSON_E_END},
        {"{\"a\":1,", JSON_E_END},
        {"{\"a\":[1", JSON_E_END},
        {"{\"a\":1,}", JSON_E_TRAILING_COMMA},
        {"{\"a\":[1,]}", JSON_E_TRAILING_COMMA},
        {"{\"a\":[1,2,],\"b\":0}", JSON_E_TRAILING_COMMA},
        {"{\"a\":{\"b\":1,}}", JSON_E_TRAILING_COMMA},
        {"{,}", JSON_E_NAME},
        {"{\"a\":[,1]}", JSON_E_UNEXPECTED},
        {"{\"a\":1,,\"b\":2}", JSON_E_NAME},
        {"{\"a\":1 \"b\":2}", JSON_E_MISSING_COMMA},
        {"{\"a\":[1 2]}", JSON_E_MISSING_COMMA},
        {"{\"a\":[\"x\" \"y\"]}", JSON_E_MISSING_COMMA},
        {"{\"a\":{}{}}", JSON_E_MISSING_COMMA},
        {"{\"a\" 1}", JSON_E_MISSING_COLON},
        {"{\"a\"}", JSON_E_MISSING_COLON},
        {"{\"a\"::1}", JSON_E_UNEXPECTED},
        {"{\"a\":1:2}", JSON_E_UNEXPECTED},
        {"{\"a\":}", JSON_E_UNEXPECTED},
        {"{\"a\":]}", JSON_E_UNEXPECTED},
        {"{a:1}", JSON_E_NAME},
        {"{1:2}", JSON_E_NAME},
        {"{'a':1}", JSON_E_NAME},
        {"{\"a\":'x'}", JSON_E_UNEXPECTED},
        {"{/*c*/}", JSON_E_NAME},
        {"{\"a\":1}//c", JSON_E_TRAILING_DATA},
        {"{\"a\":[1}}", JSON_E_UNEXPECTED},
        {"{\"a\":{]}", JSON_E_NAME},
        {"{]", JSON_E_NAME},
        {"{}}", JSON_E_TRAILING_DATA},
        {"{}{}", JSON_E_TRAILING_DATA},
        {"{} {}", JSON_E_TRAILING_DATA},
        {"{}x", JSON_E_TRAILING_DATA},
        {"{},", JSON_E_TRAILING_DATA},
        {"{}\f", JSON_E_TRAILING_DATA},
        {"{\"a\":1}\v", JSON_E_TRAILING_DATA},
        {"\f{}", JSON_E_NOT_OBJECT},
        {"[1]", JSON_E_NOT_OBJECT},
        {"[]", JSON_E_NOT_OBJECT},
        {"\"x\"", JSON_E_NOT_OBJECT},
        {"1", JSON_E_NOT_OBJECT},
        {"null", JSON_E_NOT_OBJECT},
        {"}", JSON_E_NOT_OBJECT},
        {"{\"a\":1}\xc2\xa0", JSON_E_TRAILING_DATA},
        {"{\xc2\xa0}", JSON_E_NAME},
        {"{\"a\":\xc3\xa9}", JSON_E_UNEXPECTED},
    };
    EXPECT_REFUSED(bad);
}

static void refuses_control_characters(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":\"x\ny\"}", JSON_E_CONTROL}, {"{\"a\":\"\t\"}", JSON_E_CONTROL}, {"{\"a\":\"\r\"}", JSON_E_CONTROL},
        {"{\"a\":\"\x1f\"}", JSON_E_CONTROL}, {"{\"\x01\":1}", JSON_E_CONTROL},   {"{\"a\":\"\x1b[0m\"}", JSON_E_CONTROL},
    };
    EXPECT_REFUSED(bad);
    /* a NUL byte, inside a string and outside */
    static const char nul_in[] = "{\"a\":\"x\0y\"}";
    static const char nul_out[] = "{\"a\":1\0}";
    json_err_t err;
    assert_int_equal(json_validate_object(nul_in, sizeof nul_in - 1, &err), JSON_E_CONTROL);
    assert_int_equal(err.offset, 7);
    assert_string_equal(err.why, "control character in string 0x00 at byte 7");
    assert_int_equal(json_validate_object(nul_out, sizeof nul_out - 1, &err), JSON_E_UNEXPECTED);
    assert_string_equal(err.why, "unexpected character 0x00 at byte 6");
}

static void refuses_bad_escapes(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":\"\\x41\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\'\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\U0041\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\u12\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\u12", JSON_E_ESCAPE},
        {"{\"a\":\"\\uZZZZ\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\u 123\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\", JSON_E_END},
        {"{\"a\":\"\\\"}", JSON_E_END},
        {"{\"a\":\"\\0\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\ud800\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\ud800x\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\uDBFF\\n\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\ud800\\u0041\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\ud800\\ud800\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\ud800\\uZZ00\"}", JSON_E_ESCAPE},
        {"{\"a\":\"\\ud800\\", JSON_E_SURROGATE},
        {"{\"a\":\"\\udc00\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\uDFFF\"}", JSON_E_SURROGATE},
        {"{\"a\":\"\\udc00\\ud800\"}", JSON_E_SURROGATE},
        {"{\"\\ud800\":1}", JSON_E_SURROGATE},
    };
    EXPECT_REFUSED(bad);
}

static void refuses_bad_utf8(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":\"\xc0\x80\"}", JSON_E_UTF8},             /* overlong NUL */
        {"{\"a\":\"\xc1\xbf\"}", JSON_E_UTF8},             /* overlong 2-byte */
        {"{\"a\":\"\xe0\x80\xaf\"}", JSON_E_UTF8},         /* overlong '/' */
        {"{\"a\":\"\xe0\x9f\xbf\"}", JSON_E_UTF8},         /* overlong 3-byte */
        {"{\"a\":\"\xf0\x80\x80\x80\"}", JSON_E_UTF8},     /* overlong 4-byte */
        {"{\"a\":\"\xf0\x8f\xbf\xbf\"}", JSON_E_UTF8},     /* overlong 4-byte, top */
        {"{\"a\":\"\xed\xa0\x80\"}", JSON_E_UTF8},         /* U+D800 */
        {"{\"a\":\"\xed\xbf\xbf\"}", JSON_E_UTF8},         /* U+DFFF */
        {"{\"a\":\"\xed\xa0\xbd\xed\xb8\x80\"}", JSON_E_UTF8}, /* CESU-8 pair */
        {"{\"a\":\"\xf4\x90\x80\x80\"}", JSON_E_UTF8},     /* U+110000 */
        {"{\"a\":\"\xf5\x80\x80\x80\"}", JSON_E_UTF8},
        {"{\"a\":\"\xf8\x88\x80\x80\x80\"}", JSON_E_UTF8}, /* 5-byte form */
        {"{\"a\":\"\xfe\"}", JSON_E_UTF8},
        {"{\"a\":\"\xff\"}", JSON_E_UTF8},
        {"{\"a\":\"\xc3\"}", JSON_E_UTF8},                 /* truncated before the quote */
        {"{\"a\":\"\xe2\x82\"}", JSON_E_UTF8},
        {"{\"a\":\"\xf0\x9f\x98\"}", JSON_E_UTF8},
        {"{\"a\":\"\xc3", JSON_E_UTF8},                    /* truncated at the end of the text */
        {"{\"a\":\"\xf0\x9f", JSON_E_UTF8},
        {"{\"a\":\"\x80\"}", JSON_E_UTF8},                 /* stray continuation bytes */
        {"{\"a\":\"\xbf\"}", JSON_E_UTF8},
        {"{\"a\":\"\xc3\xa9\xa9\"}", JSON_E_UTF8},
        {"{\"a\":\"\xc3\xc3\"}", JSON_E_UTF8},
        {"{\"a\":\"\xe2\x28\xa1\"}", JSON_E_UTF8},
        {"{\"\xe9\":1}", JSON_E_UTF8},                     /* Latin-1, in a name */
    };
    EXPECT_REFUSED(bad);
}

static void refuses_byte_order_mark(void **state)
{
    (void)state;
    json_err_t err;
    assert_int_equal(json_validate_object("\xef\xbb\xbf{}", 5, &err), JSON_E_BOM);
    assert_string_equal(err.why, "byte order mark at byte 0");
    assert_int_equal(json_validate_object(" \xef\xbb\xbf{}", 6, &err), JSON_E_NOT_OBJECT);
    assert_int_equal(json_validate_object("\xef\xbb", 2, &err), JSON_E_NOT_OBJECT);
    /* U+FEFF inside a string is just a character */
    assert_int_equal(check("{\"a\":\"\xef\xbb\xbf\"}"), JSON_OK);
}

static void refuses_duplicate_names(void **state)
{
    (void)state;
    static const bad_t bad[] = {
        {"{\"a\":1,\"a\":1}", JSON_E_DUPLICATE},
        {"{\"a\":1,\"b\":2,\"a\":3}", JSON_E_DUPLICATE},
        {"{\"a\":1,\"\\u0061\":2}", JSON_E_DUPLICATE},
        {"{\"\\u0061\":1,\"a\":2}", JSON_E_DUPLICATE},
        {"{\"a/b\":1,\"a\\/b\":2}", JSON_E_DUPLICATE},
        {"{\"\xc3\xa9\":1,\"\\u00e9\":2}", JSON_E_DUPLICATE},
        {"{\"\\u00E9\":1,\"\\u00e9\":2}", JSON_E_DUPLICATE},
        {"{\"\xe2\x82\xac\":1,\"\\u20ac\":2}", JSON_E_DUPLICATE},
        {"{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", JSON_E_DUPLICATE},
        {"{\"\\n\":1,\"\\u000a\":2}", JSON_E_DUPLICATE},
        {"{\"\":1,\"\":2}", JSON_E_DUPLICATE},
        {"{\"x\":{\"a\":1,\"b\":{},\"a\":2}}", JSON_E_DUPLICATE},
        {"{\"x\":[1,{\"k\":[],\"k\":[]}]}", JSON_E_DUPLICATE},
        {"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":1,\"h\":2}}}}}}}}", JSON_E_DUPLICATE},
        {"{\"a\":{\"x\":1},\"b\":2,\"a\":3}", JSON_E_DUPLICATE},
    };
    EXPECT_REFUSED(bad);

    json_err_t err;
    const char *s = "{\"a\":1, \"b\":{\"a\":2}, \"\\u0061\":3}";
    assert_int_equal(json_validate_object(s, strlen(s), &err), JSON_E_DUPLICATE);
    assert_int_equal(err.offset, 21);
    assert_string_equal(err.why, "duplicate member name at byte 21");

    /* the same name in different objects, or as a value, is fine */
    static const char *const good[] = {
        "{\"a\":{\"a\":{\"a\":1}}}",
        "{\"a\":\"a\",\"b\":[\"a\",\"a\"]}",
        "{\"x\":[{\"k\":1},{\"k\":2}],\"k\":3}",
        "{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":4,\"\\u00e9\":5,\"e\\u0301\":6}",
        "{\"ab\":1,\"a\":2,\"abc\":3}",
        "{\"\\ud83d\\ude00\":1,\"\\ud83d\\ude01\":2}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(check(good[i]), JSON_OK);
    }
}

/* n nested containers ("{"a": ... }") holding a 1. */
static size_t nested(char *buf, size_t size, unsigned n, int arrays)
{
    size_t len = 0;
    len += (size_t)snprintf(buf + len, size - len, "{\"d\":");
    for (unsigned k = 1; k < n; k++) {
        len += (size_t)snprintf(buf + len, size - len, arrays ? "[" : "{\"d\":");
    }
    len += (size_t)snprintf(buf + len, size - len, "1");
    for (unsigned k = 1; k < n; k++) {
        len += (size_t)snprintf(buf + len, size - len, arrays ? "]" : "}");
    }
    len += (size_t)snprintf(buf + len, size - len, "}");
    return len;
}

static void depth_limit(void **state)
{
    (void)state;
    char buf[256];
    json_err_t err;
    for (int arrays = 0; arrays <= 1; arrays++) {
        size_t len = nested(buf, sizeof buf, JSON_MAX_DEPTH, arrays);
        assert_int_equal(json_validate_object(buf, len, &err), JSON_OK);
        len = nested(buf, sizeof buf, JSON_MAX_DEPTH + 1, arrays);
        assert_int_equal(json_validate_object(buf, len, &err), JSON_E_DEPTH);
        assert_string_equal(err.why, arrays ? "nested deeper than 8 at byte 12" : "nested deeper than 8 at byte 40");
    }
    /* empty containers count too */
    assert_int_equal(check("{\"a\":[[[[[[[]]]]]]]}"), JSON_OK);
    assert_int_equal(check("{\"a\":[[[[[[[[]]]]]]]]}"), JSON_E_DEPTH);
    /* depth is per path, not in total */
    assert_int_equal(check("{\"a\":[[[[[[1]]]]]],\"b\":[[[[[[{}]]]]]]}"), JSON_OK);
    /* deep garbage is refused by the depth limit before it is read */
    assert_int_equal(check("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["), JSON_E_NOT_OBJECT);
    assert_int_equal(check("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["), JSON_E_DEPTH);
}

/* An object of exactly n tokens: {"a":[1,1,...]} is 3 + (n-3) numbers. */
static size_t tokens(char *buf, size_t size, unsigned n)
{
    size_t len = (size_t)snprintf(buf, size, "{\"a\":[");
    for (unsigned k = 0; k + 3 < n; k++) {
        len += (size_t)snprintf(buf + len, size - len, k ? ",1" : "1");
    }
    len += (size_t)snprintf(buf + len, size - len, "]}");
    return len;
}

static void token_limit(void **state)
{
    (void)state;
    char buf[512];
    json_err_t err;
    size_t len = tokens(buf, sizeof buf, JSON_MAX_TOKENS);
    assert_int_equal(json_validate_object(buf, len, &err), JSON_OK);
    len = tokens(buf, sizeof buf, JSON_MAX_TOKENS + 1);
    assert_int_equal(json_validate_object(buf, len, &err), JSON_E_TOKENS);
    assert_int_equal(err.offset, len - 3);
    /* names count: 1 object + 32 members of 2 = 65 */
    len = (size_t)snprintf(buf, sizeof buf, "{");
    for (unsigned k = 0; k < 32; k++) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"k%u\":%u", k ? "," : "", k, k);
    }
    len += (size_t)snprintf(buf + len, sizeof buf - len, "}");
    assert_int_equal(json_validate_object(buf, len, &err), JSON_E_TOKENS);
    assert_string_equal(err.why, "more than 64 tokens at byte 266");
    /* 1 + 30 members of 2 + "z":[""] (3) = 64; one more string is 65 */
    len = (size_t)snprintf(buf, sizeof buf, "{");
    for (unsigned k = 0; k < 30; k++) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"k%u\":{}", k ? "," : "", k);
    }
    strcpy(buf + len, ",\"z\":[\"\"]}");
    assert_int_equal(json_validate_object(buf, strlen(buf), &err), JSON_OK);
    strcpy(buf + len, ",\"z\":[\"\",\"\"]}");
    assert_int_equal(json_validate_object(buf, strlen(buf), &err), JSON_E_TOKENS);
    assert_int_equal(err.offset, strlen(buf) - 4);
}

static void error_texts_and_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        {"{\"a\":1,\"b\":[1,2,],\"c\":3}", "trailing comma at byte 15"},
        {"{\"a\":1,\"bb\":\"x\",}", "trailing comma at byte 15"},
        {"{\"a\":1 \"b\":2}", "missing comma at byte 7"},
        {"{\"a\" 1}", "missing colon at byte 5"},
        {"{\"a\":tru}", "invalid literal at byte 5"},
        {"{\"a\":01}", "invalid number at byte 5"},
        {"{\"a\":+1}", "invalid number at byte 5"},
        {"{\"a\":\"\\x\"}", "invalid escape at byte 6"},
        {"{\"a\":\"\\ud800\"}", "unpaired surrogate escape at byte 6"},
        {"{\"a\":\"\xc0\x80\"}", "invalid UTF-8 at byte 6"},
        {"{\"a\":\"x\ty\"}", "control character in string 0x09 at byte 7"},
        {"{\"a\":1}x", "data after the object at byte 7"},
        {"{\"a\":1", "unexpected end at byte 6"},
        {"{\"a\":\"abc", "unexpected end at byte 9"},
        {"{\"a\":#}", "unexpected character '#' at byte 5"},
        {"{\"a\":'}", "unexpected character 0x27 at byte 5"},
        {"{\"a\":\xff}", "unexpected character 0xff at byte 5"},
        {"[1]", "not an object at byte 0"},
        {"{a:1}", "member name is not a string at byte 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_err_t err;
        assert_int_not_equal(check(cases[i].text), JSON_OK);
        (void)json_validate_object(cases[i].text, strlen(cases[i].text), &err);
        assert_string_equal(err.why, cases[i].why);
    }
}

static void arguments_and_strerror(void **state)
{
    (void)state;
    json_err_t err;
    assert_int_equal(json_validate_object(NULL, 0, &err), JSON_E_ARG);
    assert_int_equal(json_validate_object(NULL, 5, NULL), JSON_E_ARG);
    static char big[JSON_MAX_LEN + 2];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[JSON_MAX_LEN - 1] = '}';
    assert_int_equal(json_validate_object(big, JSON_MAX_LEN, &err), JSON_OK);
    big[JSON_MAX_LEN - 1] = ' ';
    big[JSON_MAX_LEN] = '}';
    assert_int_equal(json_validate_object(big, JSON_MAX_LEN + 1, &err), JSON_E_TOO_LONG);
    assert_string_equal(err.why, "longer than 65535 bytes at byte 65535");

    for (int s = JSON_OK; s <= JSON_E_INTERNAL; s++) {
        assert_non_null(json_strerror(s));
        assert_true(strlen(json_strerror(s)) > 1);
    }
    assert_string_equal(json_strerror(JSON_E_TRAILING_COMMA), "trailing comma");
    assert_string_equal(json_strerror(-1), "unknown error");
    assert_string_equal(json_strerror(JSON_E_INTERNAL + 1), "unknown error");
}

static void minify_is_byte_exact(void **state)
{
    (void)state;
    const char *in = " {\n  \"a b\" : \"x \\t \\u00E9\\/ \\\" \\\\\" ,\n\t\"n\" : [ -0.50E+01 , 1e2, 0 ] ,\r\n"
                     "  \"o\" : { \"k\" : true , \"l\" : null , \"m\" : false } ,\"e\":{ },\"f\":[ ],"
                     "\"u\":\"\xc3\xa9 \xf0\x9f\x98\x80\"\n} \n";
    const char *want = "{\"a b\":\"x \\t \\u00E9\\/ \\\" \\\\\",\"n\":[-0.50E+01,1e2,0],"
                       "\"o\":{\"k\":true,\"l\":null,\"m\":false},\"e\":{},\"f\":[],\"u\":\"\xc3\xa9 \xf0\x9f\x98\x80\"}";
    char out[256];
    size_t n = 0;
    assert_int_equal(json_minify(in, strlen(in), out, sizeof out, &n), JSON_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    /* idempotent */
    char again[256];
    size_t m = 0;
    assert_int_equal(json_minify(out, n, again, sizeof again, &m), JSON_OK);
    assert_int_equal(m, n);
    assert_memory_equal(again, out, n + 1);
    /* out_len is optional */
    assert_int_equal(json_minify("{ }", 3, out, sizeof out, NULL), JSON_OK);
    assert_string_equal(out, "{}");
}

static void minify_sizes_and_errors(void **state)
{
    (void)state;
    const char *in = "{ \"a\" : 1 }";
    char out[16];
    size_t n = 99;
    /* "{"a":1}" is 7 bytes: 8 with the terminator fits, 7 does not */
    assert_int_equal(json_minify(in, strlen(in), out, 8, &n), JSON_OK);
    assert_string_equal(out, "{\"a\":1}");
    assert_int_equal(n, 7);
    memset(out, 'Z', sizeof out);
    n = 99;
    assert_int_equal(json_minify(in, strlen(in), out, 7, &n), JSON_E_OVERFLOW);
    assert_int_equal(n, 99);
    assert_int_equal(out[0], 'Z'); /* untouched */
    assert_int_equal(json_minify(in, strlen(in), out, 0, &n), JSON_E_OVERFLOW);
    assert_int_equal(json_minify(in, strlen(in), NULL, 8, &n), JSON_E_ARG);
    /* invalid input: the validation status, out untouched */
    assert_int_equal(json_minify("{\"a\":1,}", 8, out, sizeof out, &n), JSON_E_TRAILING_COMMA);
    assert_int_equal(json_minify("{\"a\":1,\"a\":2}", 13, out, sizeof out, &n), JSON_E_DUPLICATE);
    assert_int_equal(out[0], 'Z');
    /* in place */
    char buf[32];
    strcpy(buf, " { \"k\" : [ 1 , \" x \" ] } ");
    assert_int_equal(json_minify(buf, strlen(buf), buf, sizeof buf, &n), JSON_OK);
    assert_string_equal(buf, "{\"k\":[1,\" x \"]}");
    /* already minified, in place, exactly full */
    char exact[8] = "{\"a\":1}";
    assert_int_equal(json_minify(exact, 7, exact, sizeof exact, &n), JSON_OK);
    assert_string_equal(exact, "{\"a\":1}");
}

static const char *const s_reserved[] = {"port_context", "device", NULL};

static void reserved_names(void **state)
{
    (void)state;
    json_err_t err;
    const char *s = "{\"x\":1,\"device\":{}}";
    assert_int_equal(json_check_reserved(s, strlen(s), s_reserved, &err), JSON_E_RESERVED);
    assert_string_equal(err.why, "reserved member name \"device\" at byte 7");
    s = "{\"port_context\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), s_reserved, &err), JSON_E_RESERVED);
    assert_int_equal(err.offset, 1);
    s = "{\"\\u0064evice\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), s_reserved, &err), JSON_E_RESERVED);
    assert_string_equal(err.why, "reserved member name \"device\" at byte 1");
    s = "{\"port\\u005fcontext\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), s_reserved, &err), JSON_E_RESERVED);
    s = "{\"port_context\\/\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), s_reserved, &err), JSON_OK);
    /* not reserved: other spellings, nested, values */
    static const char *const good[] = {
        "{\"Device\":1}",
        "{\"devices\":1}",
        "{\"devic\":1}",
        "{\"device \":1}",
        "{\"x\":{\"device\":1,\"port_context\":2}}",
        "{\"x\":[{\"device\":1}]}",
        "{\"x\":\"device\",\"y\":[\"port_context\"]}",
        "{}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(json_check_reserved(good[i], strlen(good[i]), s_reserved, &err), JSON_OK);
        assert_string_equal(err.why, "");
    }
    /* validates too; a NULL list only validates */
    assert_int_equal(json_check_reserved("{\"a\":1,}", 8, s_reserved, &err), JSON_E_TRAILING_COMMA);
    assert_int_equal(json_check_reserved("{\"device\":1}", 12, NULL, &err), JSON_OK);
    assert_int_equal(json_check_reserved("{\"device\":1,\"device\":2}", 23, s_reserved, &err), JSON_E_DUPLICATE);
    /* a long or unprintable reserved name is shortened in the text */
    static const char *const odd[] = {"abcdefghijklmnopqrstuvwxyz0123456789", "\n", NULL};
    s = "{\"abcdefghijklmnopqrstuvwxyz0123456789\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), odd, &err), JSON_E_RESERVED);
    assert_string_equal(err.why, "reserved member name \"abcdefghijklmnopqrstuvwx\" at byte 1");
    s = "{\"\\n\":1}";
    assert_int_equal(json_check_reserved(s, strlen(s), odd, &err), JSON_E_RESERVED);
    assert_string_equal(err.why, "reserved member name \"?\" at byte 1");
}

static void merge_expect(const char *base, const char *over, const char *want)
{
    char out[512];
    size_t n = 0;
    int r = json_merge_shallow(base, strlen(base), over, strlen(over), out, sizeof out, &n);
    if (r != JSON_OK) {
        print_error("merge %s + %s -> %s\n", base, over, json_strerror(r));
    }
    assert_int_equal(r, JSON_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(json_validate_object(out, n, NULL), JSON_OK);
}

static void merge_semantics(void **state)
{
    (void)state;
    /* spec section 4: the action's properties, then the new trigger-time
     * members; a trigger-time member with the same name replaces the action's
     * value in place */
    merge_expect("{\"environment\":\"staging\",\"dry_run\":true,\"services\":[\"api\",\"web\"]}",
                 "{\"dry_run\":false,\"ticket\":\"OPS-42\"}",
                 "{\"environment\":\"staging\",\"dry_run\":false,\"services\":[\"api\",\"web\"],\"ticket\":\"OPS-42\"}");
    /* shallow: an object value is replaced as a whole, not merged */
    merge_expect("{\"o\":{\"a\":1,\"b\":2},\"z\":0}", "{\"o\":{\"b\":3}}", "{\"o\":{\"b\":3},\"z\":0}");
    /* order: base's order, then over's new members in over's order */
    merge_expect("{\"c\":1,\"b\":2,\"a\":3}", "{\"z\":9,\"a\":30,\"y\":8,\"c\":10}",
                 "{\"c\":10,\"b\":2,\"a\":30,\"z\":9,\"y\":8}");
    /* empty sides */
    merge_expect("{}", "{}", "{}");
    merge_expect("{\"a\":1}", "{}", "{\"a\":1}");
    merge_expect("{}", "{\"a\":1}", "{\"a\":1}");
    /* white space in the inputs is dropped, string bytes and number spellings kept */
    merge_expect(" { \"a\" : \"x  y\" , \"n\" : 1.50E+3 } ", "\n{ \"b\" : [ 1 , { } ] }\n",
                 "{\"a\":\"x  y\",\"n\":1.50E+3,\"b\":[1,{}]}");
    /* names match after decoding; a replaced member keeps base's spelling */
    merge_expect("{\"\\u0061\":1,\"b\":2}", "{\"a\":\"\\u00e9\",\"\\u0062\":3,\"c\":4}",
                 "{\"\\u0061\":\"\\u00e9\",\"b\":3,\"c\":4}");
    /* values with brackets and quotes inside strings */
    merge_expect("{\"a\":\"}\",\"b\":\"\\\"]\"}", "{\"b\":{\"x\":\"{\"},\"c\":\"\\\\\"}",
                 "{\"a\":\"}\",\"b\":{\"x\":\"{\"},\"c\":\"\\\\\"}");
    /* same object on both sides */
    merge_expect("{\"a\":1,\"b\":[2]}", "{\"a\":1,\"b\":[2]}", "{\"a\":1,\"b\":[2]}");
}

static void merge_sizes_and_errors(void **state)
{
    (void)state;
    const char *base = "{\"a\":1}";
    const char *over = "{\"b\":2}";
    const char *want = "{\"a\":1,\"b\":2}"; /* 13 bytes */
    char out[32];
    size_t n = 0;
    assert_int_equal(json_merge_shallow(base, 7, over, 7, out, 14, &n), JSON_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, 13);
    memset(out, 'Z', sizeof out);
    n = 99;
    assert_int_equal(json_merge_shallow(base, 7, over, 7, out, 13, &n), JSON_E_OVERFLOW);
    assert_int_equal(n, 99);
    assert_int_equal(out[0], 'Z');
    assert_int_equal(json_merge_shallow(base, 7, over, 7, out, 0, &n), JSON_E_OVERFLOW);
    assert_int_equal(json_merge_shallow(base, 7, over, 7, NULL, 14, &n), JSON_E_ARG);
    assert_int_equal(json_merge_shallow(base, 7, over, 7, out, sizeof out, NULL), JSON_OK);
    /* invalid inputs */
    assert_int_equal(json_merge_shallow("{\"a\":1,}", 8, over, 7, out, sizeof out, &n), JSON_E_TRAILING_COMMA);
    assert_int_equal(json_merge_shallow(base, 7, "[1]", 3, out, sizeof out, &n), JSON_E_NOT_OBJECT);
    assert_int_equal(json_merge_shallow(base, 7, "{\"b\":1,\"b\":1}", 13, out, sizeof out, &n), JSON_E_DUPLICATE);
    assert_int_equal(json_merge_shallow(NULL, 0, over, 7, out, sizeof out, &n), JSON_E_ARG);
    /* the result may hold more tokens than one input may */
    char a[512], b[512], big[1024];
    size_t la = tokens(a, sizeof a, JSON_MAX_TOKENS);
    size_t lb = (size_t)snprintf(b, sizeof b, "{\"b\":[%.*s]}", (int)(la - 8), a + 6);
    assert_int_equal(json_validate_object(b, lb, NULL), JSON_OK);
    assert_int_equal(json_merge_shallow(a, la, b, lb, big, sizeof big, &n), JSON_OK);
    assert_int_equal(n, la + lb - 1);
    assert_int_equal(json_validate_object(big, n, NULL), JSON_E_TOKENS);
}

typedef struct {
    char log[512];
    size_t len;
    int stop_after;
    int calls;
} walk_t;

static int record(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    walk_t *w = ctx;
    assert_int_equal(name[name_len < JSON_NAME_MAX ? name_len : JSON_NAME_MAX - 1], '\0');
    w->len += (size_t)snprintf(w->log + w->len, sizeof w->log - w->len, "%zu:%s=%.*s;", name_len, name, (int)value_len,
                               value);
    return ++w->calls == w->stop_after;
}

static void each_member(void **state)
{
    (void)state;
    json_err_t err;
    walk_t w = {"", 0, 0, 0};
    const char *s = "{ \"org\" : \"my\\u0020org\" , \"action.\\u0064eploy\":{ \"a\" : [1, 2] },\"n\":-1.5e3,"
                    "\"t\":true,\"\\u00e9\\n\":null,\"\":\"\"}";
    assert_int_equal(json_each_member(s, strlen(s), record, &w, &err), JSON_OK);
    assert_string_equal(w.log, "3:org=\"my\\u0020org\";13:action.deploy={ \"a\" : [1, 2] };1:n=-1.5e3;1:t=true;"
                               "3:\xc3\xa9\n=null;0:=\"\";");
    /* stopped early by the callback */
    memset(&w, 0, sizeof w);
    w.stop_after = 2;
    assert_int_equal(json_each_member(s, strlen(s), record, &w, &err), JSON_OK);
    assert_int_equal(w.calls, 2);
    /* refused text: no call at all */
    memset(&w, 0, sizeof w);
    assert_int_equal(json_each_member("{\"a\":1,\"b\":2,}", 15, record, &w, &err), JSON_E_TRAILING_COMMA);
    assert_string_equal(err.why, "trailing comma at byte 12");
    assert_int_equal(w.calls, 0);
    assert_int_equal(json_each_member("{}", 2, record, &w, &err), JSON_OK);
    assert_int_equal(w.calls, 0);
    assert_int_equal(json_each_member("{\"a\":1}", 7, NULL, NULL, &err), JSON_OK);
    /* a long name is cut in name, with its full length in name_len */
    char buf[256];
    memset(&w, 0, sizeof w);
    size_t len = (size_t)snprintf(buf, sizeof buf, "{\"%0100d\":1}", 7);
    assert_int_equal(json_each_member(buf, len, record, &w, &err), JSON_OK);
    assert_int_equal(strncmp(w.log, "100:", 4), 0);
    assert_int_equal(strlen(w.log), 4 + (JSON_NAME_MAX - 1) + 3);
    /* exactly JSON_NAME_MAX - 1 bytes still whole */
    memset(&w, 0, sizeof w);
    len = (size_t)snprintf(buf, sizeof buf, "{\"%0*d\":1}", JSON_NAME_MAX - 1, 7);
    assert_int_equal(json_each_member(buf, len, record, &w, &err), JSON_OK);
    assert_int_equal(strlen(w.log), 3 + (JSON_NAME_MAX - 1) + 3);
    /* \u0000 in a name: strlen(name) < name_len */
    memset(&w, 0, sizeof w);
    s = "{\"a\\u0000b\":1}";
    assert_int_equal(json_each_member(s, strlen(s), record, &w, &err), JSON_OK);
    assert_string_equal(w.log, "3:a=1;");
}

static void string_decode(void **state)
{
    (void)state;
    char out[64];
    size_t n = 99;
    const char *s = "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\xc3\xa9\"";
    assert_int_equal(json_string_decode(s, strlen(s), out, sizeof out, &n), JSON_OK);
    assert_string_equal(out, "a\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9");
    assert_int_equal(n, strlen(out));
    assert_int_equal(json_string_decode("\"\"", 2, out, sizeof out, &n), JSON_OK);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    /* sizes: "\u00e9x" is 3 bytes, 4 with the terminator; len - 1 always fits */
    s = "\"\\u00e9x\"";
    assert_int_equal(json_string_decode(s, strlen(s), out, 4, NULL), JSON_OK);
    assert_string_equal(out, "\xc3\xa9x");
    memset(out, 'Z', sizeof out);
    assert_int_equal(json_string_decode(s, strlen(s), out, 3, &n), JSON_E_OVERFLOW);
    assert_int_equal(out[0], 'Z');
    assert_int_equal(json_string_decode("\"abc\"", 5, out, 4, &n), JSON_OK);
    assert_int_equal(json_string_decode("\"abc\"", 5, out, 3, &n), JSON_E_OVERFLOW);
    /* refusals */
    static const bad_t bad[] = {
        {"", JSON_E_NOT_STRING},          {"abc", JSON_E_NOT_STRING},       {" \"a\"", JSON_E_NOT_STRING},
        {"1", JSON_E_NOT_STRING},         {"\"a\" ", JSON_E_TRAILING_DATA}, {"\"a\"\"", JSON_E_TRAILING_DATA},
        {"\"a", JSON_E_END},              {"\"", JSON_E_END},               {"\"\\x\"", JSON_E_ESCAPE},
        {"\"\\ud800\"", JSON_E_SURROGATE}, {"\"\xc0\x80\"", JSON_E_UTF8},   {"\"a\tb\"", JSON_E_CONTROL},
        {"\"\\u0000\"", JSON_E_NUL},     {"\"ab\\u0000\"", JSON_E_NUL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = json_string_decode(bad[i].text, strlen(bad[i].text), out, sizeof out, &n);
        if (r != (int)bad[i].code) {
            print_error("case %zu: %s -> %s\n", i, bad[i].text, json_strerror(r));
        }
        assert_int_equal(r, bad[i].code);
    }
    assert_int_equal(json_string_decode(NULL, 2, out, sizeof out, &n), JSON_E_ARG);
    assert_int_equal(json_string_decode("\"\"", 2, NULL, 1, &n), JSON_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_tricky_valid_json),
        cmocka_unit_test(refuses_bad_literals),
        cmocka_unit_test(refuses_bad_numbers),
        cmocka_unit_test(refuses_bad_structure),
        cmocka_unit_test(refuses_control_characters),
        cmocka_unit_test(refuses_bad_escapes),
        cmocka_unit_test(refuses_bad_utf8),
        cmocka_unit_test(refuses_byte_order_mark),
        cmocka_unit_test(refuses_duplicate_names),
        cmocka_unit_test(depth_limit),
        cmocka_unit_test(token_limit),
        cmocka_unit_test(error_texts_and_offsets),
        cmocka_unit_test(arguments_and_strerror),
        cmocka_unit_test(minify_is_byte_exact),
        cmocka_unit_test(minify_sizes_and_errors),
        cmocka_unit_test(reserved_names),
        cmocka_unit_test(merge_semantics),
        cmocka_unit_test(merge_sizes_and_errors),
        cmocka_unit_test(each_member),
        cmocka_unit_test(string_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
