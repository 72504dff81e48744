/* libFuzzer target for builds_reader.c: the Builds API answer reader.
 *
 * Input layout: byte 0 picks a chunk length (1 + byte 0 % 64); the rest is
 * the answer's body.
 *
 * Checked, for every input:
 *   - the same answer (code, error offset, fields) whether the body comes in
 *     one piece, byte by byte or in the chosen chunks, each piece copied
 *     into an allocation of its exact size (ASan sees a read past it);
 *   - the same answer as a reference reader written here another way (the
 *     whole text at once, recursive descent, names and strings decoded in
 *     full before they are compared), which follows the rules that
 *     builds_reader.h states: the oracle;
 *   - on BUILDS_OK: id > 0, number NUL-terminated, 1..BUILDS_NUMBER_MAX
 *     printable ASCII bytes without a space, status and result in range. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builds_reader.h"

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                                     \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

typedef struct {
    int rc;
    uint32_t err_offset;
    uint32_t id;
    char number[BUILDS_NUMBER_MAX + 1];
    int status, result;
} answer_t;

static answer_t stream(const uint8_t *text, size_t len, size_t chunk)
{
    builds_reader_t r;
    builds_reader_init(&r);
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        uint8_t *piece = malloc(n);
        CHECK(piece != NULL);
        memcpy(piece, text + at, n);
        builds_reader_feed(&r, piece, n);
        free(piece);
    }
    answer_t a = {0};
    a.rc = builds_reader_finish(&r);
    a.err_offset = r.err_offset;
    if (a.rc == BUILDS_OK) {
        a.id = r.id;
        memcpy(a.number, r.number, sizeof a.number);
        a.status = r.status;
        a.result = r.result;
    }
    return a;
}

/* ---------------------------------------------------------------- the reference */

enum { R_OTHER, R_TOP, R_VALUES, R_FIRST, R_ID, R_NUMBER, R_STATUS, R_RESULT };

typedef struct {
    const uint8_t *s;
    size_t n, i;
    int err;
    size_t err_at;
    unsigned seen; /* bits: 1 value, R_ID.. the build's members */
    bool nonempty;
    answer_t a;
} ref_t;

/* A decoded string: bytes < 0x80 as they are; every other character one
 * 0xFF (raw: at its lead byte; escaped: a surrogate pair's low half adds
 * nothing after a high one). */
typedef struct {
    uint8_t *b;
    size_t len;
} dstr_t;

static bool failed(ref_t *r, int code, size_t at)
{
    if (r->err == 0) {
        r->err = code;
        r->err_at = at;
    }
    return false;
}

static bool need(ref_t *r)
{
    return r->i < r->n || failed(r, BUILDS_E_END, r->n);
}

static void ws(ref_t *r)
{
    while (r->i < r->n && strchr(" \t\r\n", r->s[r->i]) != NULL && r->s[r->i] != 0) {
        r->i++;
    }
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* At the opening quote; *out (malloc'd) the decoded string. */
static bool string(ref_t *r, dstr_t *out)
{
    out->b = malloc(r->n + 1);
    CHECK(out->b != NULL);
    out->len = 0;
    bool high = false;
    r->i++;
    for (;;) {
        if (!need(r)) {
            return false;
        }
        uint8_t c = r->s[r->i];
        if (c == '"') {
            r->i++;
            return true;
        }
        if (c < 0x20) {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        if (c != '\\') {
            if (c < 0x80) {
                out->b[out->len++] = c;
            } else if (c >= 0xC0) {
                out->b[out->len++] = 0xFF;
            }
            high = false;
            r->i++;
            continue;
        }
        r->i++;
        if (!need(r)) {
            return false;
        }
        c = r->s[r->i];
        const char *simple = "\"\\/bfnrt", *meaning = "\"\\/\b\f\n\r\t";
        const char *p = c != 0 ? strchr(simple, c) : NULL;
        if (p != NULL) {
            out->b[out->len++] = (uint8_t)meaning[p - simple];
            high = false;
            r->i++;
            continue;
        }
        if (c != 'u') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        unsigned unit = 0;
        for (int k = 0; k < 4; k++) {
            r->i++;
            if (!need(r)) {
                return false;
            }
            int h = hexval(r->s[r->i]);
            if (h < 0) {
                return failed(r, BUILDS_E_SYNTAX, r->i);
            }
            unit = unit * 16u + (unsigned)h;
        }
        r->i++;
        if (unit < 0x80) {
            out->b[out->len++] = (uint8_t)unit;
        } else if (!(unit >= 0xDC00 && unit <= 0xDFFF && high)) {
            out->b[out->len++] = 0xFF;
        }
        high = unit >= 0xD800 && unit <= 0xDBFF;
    }
}

static bool dstr_is(const dstr_t *d, const char *s)
{
    return d->len == strlen(s) && memcmp(d->b, s, d->len) == 0;
}

static bool value(ref_t *r, int role, unsigned depth);

/* A number at r->i (its first byte checked); for an id, its value. */
static bool number(ref_t *r, int role)
{
    bool plain = true; /* no sign, fraction or exponent */
    uint64_t v = 0;
    if (r->s[r->i] == '-') {
        plain = false;
        r->i++;
        if (!need(r)) {
            return false;
        }
    }
    uint8_t c = r->s[r->i];
    if (c < '0' || c > '9') {
        return failed(r, BUILDS_E_SYNTAX, r->i);
    }
    if (c == '0') {
        r->i++;
    } else {
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            v = v * 10u + (uint64_t)(r->s[r->i] - '0');
            if (v > UINT32_MAX) {
                v = UINT64_C(1) << 40;
            }
            r->i++;
        }
    }
    if (r->i < r->n && r->s[r->i] == '.') {
        plain = false;
        r->i++;
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] < '0' || r->s[r->i] > '9') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            r->i++;
        }
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        plain = false;
        r->i++;
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] == '+' || r->s[r->i] == '-') {
            r->i++;
            if (!need(r)) {
                return false;
            }
        }
        if (r->s[r->i] < '0' || r->s[r->i] > '9') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            r->i++;
        }
    }
    /* a number ends only where something follows it */
    if (!need(r)) {
        return false;
    }
    if (role == R_ID) {
        if (!plain || v == 0 || v > UINT32_MAX) {
            return failed(r, BUILDS_E_FIELD, r->i);
        }
        r->a.id = (uint32_t)v;
    }
    return true;
}

static bool object(ref_t *r, int role, unsigned depth)
{
    r->i++;
    ws(r);
    if (!need(r)) {
        return false;
    }
    if (r->s[r->i] == '}') {
        r->i++;
        return true;
    }
    for (;;) {
        ws(r);
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] != '"') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        dstr_t name;
        bool ok = string(r, &name);
        int member = R_OTHER;
        if (ok && role == R_TOP && dstr_is(&name, "value")) {
            member = R_VALUES;
            if (r->seen & 1u) {
                ok = failed(r, BUILDS_E_SHAPE, r->i - 1);
            }
            r->seen |= 1u;
        } else if (ok && role == R_FIRST) {
            static const char *const names[] = {[R_ID] = "id", [R_NUMBER] = "buildNumber",
                                                [R_STATUS] = "status", [R_RESULT] = "result"};
            for (int k = R_ID; k <= R_RESULT; k++) {
                if (dstr_is(&name, names[k])) {
                    member = k;
                }
            }
            if (member != R_OTHER) {
                if (r->seen & (1u << member)) {
                    ok = failed(r, BUILDS_E_FIELD, r->i - 1);
                }
                r->seen |= 1u << member;
            }
        }
        free(name.b);
        if (!ok) {
            return false;
        }
        ws(r);
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] != ':') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        r->i++;
        if (!value(r, member, depth + 1)) {
            return false;
        }
        ws(r);
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] == '}') {
            r->i++;
            return true;
        }
        if (r->s[r->i] != ',') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        r->i++;
    }
}

static bool array(ref_t *r, int role, unsigned depth)
{
    r->i++;
    ws(r);
    if (!need(r)) {
        return false;
    }
    if (r->s[r->i] == ']') {
        r->i++;
        return true;
    }
    for (unsigned k = 0;; k++) {
        if (!value(r, role == R_VALUES && k == 0 ? R_FIRST : R_OTHER, depth + 1)) {
            return false;
        }
        ws(r);
        if (!need(r)) {
            return false;
        }
        if (r->s[r->i] == ']') {
            r->i++;
            return true;
        }
        if (r->s[r->i] != ',') {
            return failed(r, BUILDS_E_SYNTAX, r->i);
        }
        r->i++;
    }
}

/* depth: containers open around this value. */
static bool value(ref_t *r, int role, unsigned depth)
{
    ws(r);
    if (!need(r)) {
        return false;
    }
    uint8_t c = r->s[r->i];
    bool str = c == '"', num = c == '-' || (c >= '0' && c <= '9'), open = c == '{' || c == '[';
    bool lit = c == 't' || c == 'f' || c == 'n';
    if (!str && !num && !open && !lit) {
        return failed(r, BUILDS_E_SYNTAX, r->i);
    }
    int want = role == R_TOP || role == R_FIRST ? '{' : role == R_VALUES ? '[' : 0;
    if (want != 0 && c != want) {
        return failed(r, BUILDS_E_SHAPE, r->i);
    }
    if ((role == R_ID && !num) || (role == R_STATUS && !str) ||
        ((role == R_NUMBER || role == R_RESULT) && !str && c != 'n')) {
        return failed(r, BUILDS_E_FIELD, r->i);
    }
    if (open) {
        if (depth >= BUILDS_DEPTH_MAX) {
            return failed(r, BUILDS_E_DEPTH, r->i);
        }
        if (role == R_FIRST) {
            r->nonempty = true;
        }
        return c == '{' ? object(r, role, depth) : array(r, role, depth);
    }
    if (num) {
        return number(r, role);
    }
    if (lit) {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        for (size_t k = 0; word[k]; k++, r->i++) {
            if (!need(r)) {
                return false;
            }
            if (r->s[r->i] != (uint8_t)word[k]) {
                return failed(r, BUILDS_E_SYNTAX, r->i);
            }
        }
        return true;
    }
    dstr_t d;
    if (!string(r, &d)) {
        free(d.b);
        return false;
    }
    if (role == R_NUMBER) {
        size_t k = 0;
        for (size_t j = 0; j < d.len; j++) {
            char ch = (char)d.b[j];
            ch = d.b[j] == ' ' ? '_' : d.b[j] < 0x20 || d.b[j] >= 0x7F ? '?' : ch;
            if (k < BUILDS_NUMBER_MAX) {
                r->a.number[k++] = ch;
            } else {
                r->a.number[BUILDS_NUMBER_MAX - 1] = '~';
            }
        }
        r->a.number[k] = '\0';
    } else if (role == R_STATUS || role == R_RESULT) {
        static const char *const statuses[] = {"notStarted", "postponed", "inProgress", "cancelling", "completed"};
        static const char *const results[] = {"none", "succeeded", "partiallySucceeded", "failed", "canceled"};
        if (role == R_STATUS) {
            r->a.status = BUILDS_STATUS_OTHER;
            for (int k = 0; k < 5; k++) {
                if (dstr_is(&d, statuses[k])) {
                    r->a.status = BUILDS_NOT_STARTED + k;
                }
            }
        } else {
            r->a.result = BUILDS_RESULT_OTHER;
            for (int k = 0; k < 5; k++) {
                if (dstr_is(&d, results[k])) {
                    r->a.result = BUILDS_RESULT_NONE + k;
                }
            }
        }
    }
    free(d.b);
    return true;
}

static answer_t reference(const uint8_t *text, size_t len)
{
    ref_t r = {.s = text, .n = len};
    if (value(&r, R_TOP, 0)) {
        ws(&r);
        if (r.i < r.n) {
            failed(&r, BUILDS_E_SYNTAX, r.i);
        }
    }
    answer_t a = {0};
    if (r.err != 0) {
        a.rc = r.err;
        a.err_offset = (uint32_t)r.err_at;
    } else if (!(r.seen & 1u)) {
        a.rc = BUILDS_E_SHAPE;
        a.err_offset = (uint32_t)len;
    } else if (!r.nonempty) {
        a.rc = BUILDS_EMPTY;
        a.err_offset = 0;
    } else if (!(r.seen & (1u << R_ID)) || !(r.seen & (1u << R_STATUS))) {
        a.rc = BUILDS_E_FIELD;
        a.err_offset = (uint32_t)len;
    } else {
        a = r.a;
        a.rc = BUILDS_OK;
        a.err_offset = 0;
        if (a.number[0] == '\0') {
            strcpy(a.number, "-");
        }
    }
    return a;
}

/* ---------------------------------------------------------------- the checks */

static void same(const answer_t *x, const answer_t *y)
{
    CHECK(x->rc == y->rc);
    if (x->rc < 0) {
        CHECK(x->err_offset == y->err_offset);
    }
    if (x->rc == BUILDS_OK) {
        CHECK(x->id == y->id);
        CHECK(strcmp(x->number, y->number) == 0);
        CHECK(x->status == y->status);
        CHECK(x->result == y->result);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t chunk = 1u + data[0] % 64u;
    const uint8_t *text = data + 1;
    size_t len = size - 1;

    answer_t whole = stream(text, len, len == 0 ? 1 : len);
    answer_t bytes = stream(text, len, 1);
    answer_t chunks = stream(text, len, chunk);
    same(&whole, &bytes);
    same(&whole, &chunks);
    answer_t ref = reference(text, len);
    if (whole.rc != ref.rc || (whole.rc < 0 && whole.err_offset != ref.err_offset)) {
        fprintf(stderr, "reader %d at %u, reference %d at %u\n", whole.rc, (unsigned)whole.err_offset, ref.rc,
                (unsigned)ref.err_offset);
    }
    same(&whole, &ref);

    if (whole.rc == BUILDS_OK) {
        CHECK(whole.id > 0);
        CHECK(memchr(whole.number, '\0', sizeof whole.number) != NULL);
        size_t n = strlen(whole.number);
        CHECK(n >= 1 && n <= BUILDS_NUMBER_MAX);
        for (size_t i = 0; i < n; i++) {
            CHECK(whole.number[i] > ' ' && whole.number[i] < 0x7F);
        }
        CHECK(whole.status > BUILDS_STATUS_NONE && whole.status <= BUILDS_STATUS_OTHER);
        CHECK(whole.result <= BUILDS_RESULT_OTHER);
    }
    CHECK(whole.rc >= BUILDS_E_FIELD && whole.rc <= BUILDS_EMPTY);
    CHECK(whole.err_offset <= len);
    return 0;
}
