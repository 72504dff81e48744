/* libFuzzer target for the request body (spec section 4): arbitrary
 * properties (kept only when strict JSON, as the firmware would have them)
 * and arbitrary field values within their validated alphabets.  Invariants:
 * the body is never longer than 1,536 bytes nor its buffer, is one strict JSON
 * object, ends with the device member, carries the run id, and
 * payload_length() is an upper bound exact up to the attempt's digits; the
 * signature is 40 lowercase hex digits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "payload.h"
#include "tlsport.h"
#include "wallclock.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* What wallclock.c needs from the firmware around it. */
#include "events.h"
void ev_time_synced(uint64_t utc_ms) { (void)utc_ms; }
void ev_time_suspect(int64_t step_ms) { (void)step_ms; }

/* Fills out with up to max characters of alphabet chosen by data. */
static size_t take(const uint8_t **data, size_t *size, char *out, size_t max, const char *alphabet)
{
    size_t want = *size > 0 ? (size_t)(**data % (max + 1)) : 0;
    size_t n = 0, k = strlen(alphabet);
    if (*size > 0) {
        (*data)++;
        (*size)--;
    }
    while (n < want && *size > 0) {
        out[n++] = alphabet[**data % k];
        (*data)++;
        (*size)--;
    }
    out[n] = '\0';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char ident[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    static const char port_ident[] = "abcXYZ019_-.@:+/=";
    static int s_init;
    if (!s_init) {
        tlsport_init();
        s_init = 1;
    }
    trigger_rec_t t;
    memset(&t, 0, sizeof t);
    char org[65];
    take(&data, &size, t.action, 32, ident);
    take(&data, &size, t.device_id, PAYLOAD_ID_MAX, ident);
    take(&data, &size, t.blueprint, PAYLOAD_IDENT_MAX, port_ident);
    take(&data, &size, t.entity, PAYLOAD_IDENT_MAX, port_ident);
    take(&data, &size, org, 64, ident);
    strcpy(t.button, size > 0 && (data[0] & 1) ? "serial" : "select");
    strcpy(t.press, size > 0 && (data[0] & 2) ? "cli" : "double");
    t.boot = size > 1 ? data[1] * 65537u : 1;
    t.seq = size > 2 ? data[2] * 16777259u : 1;
    t.at_ms = size > 3 ? (uint64_t)data[3] * 123456789012u : 0;
    t.at_utc = size > 4 ? (data[4] & 1) : 1;
    t.at_estimated = size > 4 ? (data[4] & 2) : 0;
    const uint8_t *rest = size > 5 ? data + 5 : data + size;
    size_t rest_len = size > 5 ? size - 5 : 0;
    /* the properties, as the firmware stores them: strict, minified, no
     * reserved top-level name (trigger_create refuses those) */
    size_t props_len = 0;
    if (json_minify((const char *)rest, rest_len, t.props, sizeof t.props, &props_len) != JSON_OK ||
        json_check_reserved(t.props, props_len, payload_reserved_names, NULL) != JSON_OK) {
        strcpy(t.props, "{}");
        props_len = 2;
    }
    static char body[PAYLOAD_MAX + 1];
    size_t len = 0;
    unsigned attempt = size > 0 ? data[0] : 1;
    int rc = payload_build(&t, org, attempt, body, sizeof body, &len);
    if (!t.at_utc) {
        CHECK(rc == PAYLOAD_NO_TIME);
        return 0;
    }
    size_t bound = payload_length(&t, org);
    if (rc != PAYLOAD_OK) {
        CHECK(rc == PAYLOAD_TOO_BIG);
        CHECK(bound + 1 > sizeof body - 9); /* only what really does not fit */
        return 0;
    }
    CHECK(len <= PAYLOAD_MAX && strlen(body) == len);
    CHECK(bound >= len && bound <= len + 9);
    /* One strict JSON object: the properties' members unchanged, then the
     * members the spec adds, which make one valid object on their own.  (The
     * whole body is not run through json_validate_object: up to 64 tokens of
     * properties plus the added members can exceed the token limit that
     * validator sets for what the device reads, not for JSON.) */
    CHECK(len > props_len && memcmp(body, t.props, props_len - 1) == 0);
    static char added[PAYLOAD_MAX + 2];
    const char *from = body + props_len - 1 + (props_len > 2 ? 1 : 0); /* after the ',' */
    CHECK(props_len == 2 || body[props_len - 1] == ',');
    added[0] = '{';
    memcpy(added + 1, from, len - (size_t)(from - body));
    size_t added_len = 1 + len - (size_t)(from - body);
    CHECK(json_check_reserved(added, added_len, NULL, NULL) == JSON_OK);
    for (const char *const *r = payload_reserved_names; *r != NULL; r++) {
        const char *names[] = {*r, NULL};
        CHECK(json_check_reserved(added, added_len, names, NULL) == JSON_E_RESERVED); /* it is there */
    }
    char run_id[PAYLOAD_ID_MAX + 24];
    payload_run_id(&t, run_id, sizeof run_id);
    CHECK(strstr(body, run_id) != NULL);
    CHECK(len > 2 && strcmp(body + len - 2, "}}") == 0);
    char hex[41];
    CHECK(payload_sign(org, strlen(org), body, len, hex) == 0);
    CHECK(strlen(hex) == 40 && strspn(hex, "0123456789abcdef") == 40);
    return 0;
}
