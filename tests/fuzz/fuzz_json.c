/* libFuzzer target for firmware/json.c.
 *
 * The input is one text, or two texts split at the first NUL byte (a NUL can
 * never be part of valid JSON, so the split costs the fuzzer nothing): A and
 * B.  Checked on every input:
 *   - json_validate_object accepts A exactly when an independent reference
 *     validator below (recursive descent, written separately) does; the
 *     error is well formed (code, offset inside the text, printable why) and
 *     never JSON_E_INTERNAL (which json.c no longer returns);
 *   - json_check_reserved and json_each_member agree with the validation;
 *   - json_minify of a valid A validates again, is idempotent, has no white
 *     space outside strings, keeps every other byte in order, works in place,
 *     and reports JSON_E_OVERFLOW one byte short;
 *   - json_merge_shallow of valid A and B validates (or only has more than 64
 *     tokens), merging with {} gives the minified other side, merging the
 *     result with B again changes nothing, and one byte short overflows;
 *   - json_string_decode of a string value round-trips;
 *   - ASan/UBSan: no out-of-bounds access (every text is a heap copy of
 *     exactly its length, so reading one byte past it is caught).
 * A broken invariant aborts, which libFuzzer reports as a crash. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                              \
            abort();                                                                                                  \
        }                                                                                                             \
    } while (0)

/* ---- reference validator: accept/reject only ------------------------------ */

typedef struct {
    const unsigned char *s;
    size_t n, i;
    int tokens;
} ref_t;

static void ref_ws(ref_t *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r')) {
        r->i++;
    }
}

static bool ref_token(ref_t *r)
{
    return ++r->tokens <= JSON_MAX_TOKENS;
}

static int ref_hex(ref_t *r)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        if (r->i >= r->n) {
            return -1;
        }
        unsigned char c = r->s[r->i++];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* Appends code point cp as UTF-8 to out (when not NULL). */
static void ref_put(unsigned char *out, size_t *len, unsigned long cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (out != NULL) {
        memcpy(out + *len, b, n);
    }
    *len += n;
}

/* A string at r->i (the quote); its decoded bytes into out (room: the text
 * length) when out is not NULL.  Decodes code points and checks their range,
 * rather than using a table of valid byte ranges as json.c does. */
static bool ref_string(ref_t *r, unsigned char *out, size_t *len)
{
    *len = 0;
    if (r->i >= r->n || r->s[r->i] != '"') {
        return false;
    }
    r->i++;
    for (;;) {
        if (r->i >= r->n) {
            return false;
        }
        unsigned char c = r->s[r->i++];
        if (c == '"') {
            return true;
        }
        if (c < 0x20) {
            return false;
        }
        if (c == '\\') {
            if (r->i >= r->n) {
                return false;
            }
            unsigned char e = r->s[r->i++];
            const char *from = "\"\\/bfnrt";
            const char *p = e != 0 ? strchr(from, e) : NULL;
            if (p != NULL) {
                ref_put(out, len, (unsigned char)"\"\\/\b\f\n\r\t"[p - from]);
                continue;
            }
            if (e != 'u') {
                return false;
            }
            int hi = ref_hex(r);
            if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) {
                return false;
            }
            if (hi >= 0xD800 && hi <= 0xDBFF) {
                if (r->n - r->i < 2 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u') {
                    return false;
                }
                r->i += 2;
                int lo = ref_hex(r);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    return false;
                }
                ref_put(out, len, 0x10000ul + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00));
            } else {
                ref_put(out, len, (unsigned long)hi);
            }
            continue;
        }
        if (c < 0x80) {
            ref_put(out, len, c);
            continue;
        }
        /* UTF-8: lead byte gives the length, the value gives the range */
        int extra;
        unsigned long cp;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (int k = 0; k < extra; k++) {
            if (r->i >= r->n || (r->s[r->i] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (r->s[r->i++] & 0x3F);
        }
        static const unsigned long min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        ref_put(out, len, cp);
    }
}

static bool ref_digits(ref_t *r)
{
    size_t start = r->i;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
        r->i++;
    }
    return r->i > start;
}

static bool ref_number(ref_t *r)
{
    if (r->i < r->n && r->s[r->i] == '-') {
        r->i++;
    }
    if (r->i < r->n && r->s[r->i] == '0') {
        r->i++;
    } else if (r->i >= r->n || r->s[r->i] < '1' || r->s[r->i] > '9' || !ref_digits(r)) {
        return false;
    }
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (!ref_digits(r)) {
            return false;
        }
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) {
            r->i++;
        }
        if (!ref_digits(r)) {
            return false;
        }
    }
    return true;
}

static bool ref_value(ref_t *r, int depth);

static bool ref_object(ref_t *r, int depth)
{
    /* decoded names of this object, for the duplicate check */
    unsigned char *names[JSON_MAX_TOKENS];
    size_t lens[JSON_MAX_TOKENS];
    int count = 0;
    bool ok = false;
    r->i++; /* '{' */
    ref_ws(r);
    if (r->i < r->n && r->s[r->i] == '}') {
        r->i++;
        return true;
    }
    for (;;) {
        ref_ws(r);
        if (!ref_token(r) || count >= JSON_MAX_TOKENS) {
            break;
        }
        unsigned char *name = malloc(r->n + 1);
        CHECK(name != NULL);
        names[count] = name;
        if (!ref_string(r, name, &lens[count])) {
            count++;
            break;
        }
        bool dup = false;
        for (int k = 0; k < count; k++) {
            dup = dup || (lens[k] == lens[count] && memcmp(names[k], name, lens[k]) == 0);
        }
        count++;
        if (dup) {
            break;
        }
        ref_ws(r);
        if (r->i >= r->n || r->s[r->i] != ':') {
            break;
        }
        r->i++;
        if (!ref_value(r, depth)) {
            break;
        }
        ref_ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == '}') {
            r->i++;
            ok = true;
        }
        break;
    }
    for (int k = 0; k < count; k++) {
        free(names[k]);
    }
    return ok;
}

static bool ref_array(ref_t *r, int depth)
{
    r->i++; /* '[' */
    ref_ws(r);
    if (r->i < r->n && r->s[r->i] == ']') {
        r->i++;
        return true;
    }
    for (;;) {
        if (!ref_value(r, depth)) {
            return false;
        }
        ref_ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == ']') {
            r->i++;
            return true;
        }
        return false;
    }
}

/* A value at r->i after white space; depth = containers around it. */
static bool ref_value(ref_t *r, int depth)
{
    ref_ws(r);
    if (r->i >= r->n || !ref_token(r)) {
        return false;
    }
    unsigned char c = r->s[r->i];
    if (c == '{' || c == '[') {
        if (depth + 1 > JSON_MAX_DEPTH) {
            return false;
        }
        return c == '{' ? ref_object(r, depth + 1) : ref_array(r, depth + 1);
    }
    if (c == '"') {
        size_t len;
        return ref_string(r, NULL, &len);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (!ref_number(r)) {
            return false;
        }
    } else {
        static const char *const lits[] = {"true", "false", "null"};
        size_t k;
        for (k = 0; k < 3; k++) {
            size_t l = strlen(lits[k]);
            if (r->n - r->i >= l && memcmp(r->s + r->i, lits[k], l) == 0) {
                r->i += l;
                break;
            }
        }
        if (k == 3) {
            return false;
        }
    }
    /* what may follow (01, 1x, truex) is the container's business */
    return true;
}

static bool ref_valid_object(const char *s, size_t n)
{
    ref_t r = {(const unsigned char *)s, n, 0, 0};
    if (n > JSON_MAX_LEN) {
        return false;
    }
    ref_ws(&r);
    if (r.i >= n || s[r.i] != '{') {
        return false;
    }
    if (!ref_value(&r, 0)) {
        return false;
    }
    ref_ws(&r);
    return r.i == n;
}

/* ---- checks on json.c ---------------------------------------------------- */

static char *dup_exact(const char *s, size_t n)
{
    char *p = malloc(n != 0 ? n : 1);
    CHECK(p != NULL);
    if (n != 0) {
        memcpy(p, s, n);
    }
    return p;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void check_err(int r, const json_err_t *err, size_t len)
{
    CHECK(r != JSON_E_INTERNAL);
    CHECK(r == err->code);
    if (r == JSON_OK) {
        CHECK(err->why[0] == '\0');
        return;
    }
    CHECK(r > JSON_OK && r < JSON_E_INTERNAL);
    CHECK(err->offset <= len || (r == JSON_E_TOO_LONG && err->offset == JSON_MAX_LEN));
    const char *end = memchr(err->why, '\0', sizeof err->why);
    CHECK(end != NULL);
    size_t wl = (size_t)(end - err->why);
    CHECK(wl > 0);
    for (size_t k = 0; k < wl; k++) {
        CHECK(err->why[k] >= 0x20 && err->why[k] < 0x7f);
    }
    CHECK(strstr(err->why, json_strerror(r)) == err->why);
    char tail[40];
    snprintf(tail, sizeof tail, " at byte %zu", err->offset);
    CHECK(wl >= strlen(tail) && strcmp(err->why + wl - strlen(tail), tail) == 0);
}

/* The minified form of a valid s is s without white space outside strings. */
static void check_minified(const char *s, size_t n, const char *m, size_t mn)
{
    bool in_string = false, escaped = false;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (is_ws(c)) {
            continue;
        }
        CHECK(j < mn && m[j] == c);
        j++;
    }
    CHECK(j == mn);
    CHECK(m[mn] == '\0');
}

typedef struct {
    const char *text;
    size_t len;
    int members;
} walk_t;

static int on_member(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    walk_t *w = ctx;
    w->members++;
    CHECK(name[name_len < JSON_NAME_MAX ? name_len : JSON_NAME_MAX - 1] == '\0');
    CHECK(value >= w->text && value + value_len <= w->text + w->len && value_len > 0);
    CHECK(!is_ws(value[0]) && !is_ws(value[value_len - 1]));
    if (value[0] == '"') {
        /* a string value decodes, and a decoded text without characters that
         * need escaping is a string again when quoted */
        char *out = malloc(value_len);
        size_t n = 0;
        CHECK(out != NULL);
        int r = json_string_decode(value, value_len, out, value_len - 1, &n);
        CHECK(r == JSON_OK || r == JSON_E_NUL);
        if (r == JSON_OK) {
            CHECK(n <= value_len - 2 && out[n] == '\0' && strlen(out) == n);
            bool plain = true;
            for (size_t k = 0; k < n; k++) {
                plain = plain && (unsigned char)out[k] >= 0x20 && out[k] != '"' && out[k] != '\\';
            }
            if (plain) {
                char *q = malloc(n + 2);
                char *back = malloc(n + 1);
                size_t bn = 0;
                CHECK(q != NULL && back != NULL);
                q[0] = '"';
                memcpy(q + 1, out, n);
                q[n + 1] = '"';
                CHECK(json_string_decode(q, n + 2, back, n + 1, &bn) == JSON_OK);
                CHECK(bn == n && memcmp(back, out, n) == 0);
                free(q);
                free(back);
            }
            if (n > 0) {
                CHECK(json_string_decode(value, value_len, out, n, NULL) == JSON_E_OVERFLOW);
            }
        }
        free(out);
    }
    return 0;
}

static int members(const char *s, size_t n)
{
    walk_t w = {s, n, 0};
    json_err_t err;
    CHECK(json_each_member(s, n, on_member, &w, &err) == JSON_OK);
    return w.members;
}

/* A valid text's minified copy (malloc'd, exactly mn + 1 bytes). */
static char *minified(const char *s, size_t n, size_t *mn)
{
    char *m = malloc(n + 1);
    CHECK(m != NULL);
    CHECK(json_minify(s, n, m, n + 1, mn) == JSON_OK);
    char *exact = dup_exact(m, *mn + 1);
    free(m);
    return exact;
}

static void check_one(const char *s, size_t n)
{
    static const char *const reserved[] = {"port_context", "device", NULL};
    json_err_t err;
    int r = json_validate_object(s, n, &err);
    check_err(r, &err, n);
    CHECK((r == JSON_OK) == ref_valid_object(s, n));

    json_err_t err2;
    int rr = json_check_reserved(s, n, reserved, &err2);
    check_err(rr, &err2, n);
    CHECK(r == JSON_OK ? (rr == JSON_OK || rr == JSON_E_RESERVED) : (rr == r && err2.offset == err.offset));

    walk_t w = {s, n, 0};
    CHECK(json_each_member(s, n, on_member, &w, &err2) == r);
    CHECK(r == JSON_OK || w.members == 0);

    if (r != JSON_OK) {
        char out[8];
        CHECK(json_minify(s, n, out, sizeof out, NULL) == r);
        return;
    }

    size_t mn;
    char *m = minified(s, n, &mn);
    CHECK(mn <= n);
    check_minified(s, n, m, mn);
    CHECK(json_validate_object(m, mn, &err) == JSON_OK);
    CHECK(members(m, mn) == w.members);
    /* idempotent, in place, exact size */
    char *again = dup_exact(m, mn + 1);
    size_t an = 0;
    CHECK(json_minify(again, mn, again, mn + 1, &an) == JSON_OK);
    CHECK(an == mn && memcmp(again, m, mn + 1) == 0);
    free(again);
    char *inplace = malloc(n + 1);
    CHECK(inplace != NULL);
    memcpy(inplace, s, n);
    CHECK(json_minify(inplace, n, inplace, n + 1, &an) == JSON_OK);
    CHECK(an == mn && memcmp(inplace, m, mn + 1) == 0);
    free(inplace);
    char *tight = malloc(mn + 1);
    CHECK(tight != NULL);
    CHECK(json_minify(s, n, tight, mn, &an) == JSON_E_OVERFLOW);
    free(tight);
    free(m);
}

static void check_merge(const char *a, size_t an, const char *b, size_t bn)
{
    if (json_validate_object(a, an, NULL) != JSON_OK || json_validate_object(b, bn, NULL) != JSON_OK) {
        char out[8];
        CHECK(json_merge_shallow(a, an, b, bn, out, sizeof out, NULL) != JSON_OK);
        return;
    }
    size_t man, mbn, n = 0, n2 = 0;
    char *ma = minified(a, an, &man);
    char *mb = minified(b, bn, &mbn);
    size_t cap = man + mbn + 1;
    char *out = malloc(cap);
    CHECK(out != NULL);
    CHECK(json_merge_shallow(a, an, b, bn, out, cap, &n) == JSON_OK);
    CHECK(n < cap && out[n] == '\0' && out[0] == '{' && out[n - 1] == '}');
    char *merged = dup_exact(out, n + 1);
    int r = json_validate_object(merged, n, NULL);
    CHECK(r == JSON_OK || r == JSON_E_TOKENS);
    /* one byte short */
    CHECK(json_merge_shallow(a, an, b, bn, out, n, NULL) == JSON_E_OVERFLOW);
    /* merged with {}: the other side, minified */
    CHECK(json_merge_shallow(a, an, "{}", 2, out, cap, &n2) == JSON_OK);
    CHECK(n2 == man && memcmp(out, ma, man + 1) == 0);
    CHECK(json_merge_shallow("{ }", 3, b, bn, out, cap, &n2) == JSON_OK);
    CHECK(n2 == mbn && memcmp(out, mb, mbn + 1) == 0);
    if (r == JSON_OK) {
        int ma_members = members(ma, man), mb_members = members(mb, mbn), mm = members(merged, n);
        CHECK(mm >= ma_members && mm >= mb_members && mm <= ma_members + mb_members);
        /* over again changes nothing */
        char *twice = malloc(n + mbn + 1);
        CHECK(twice != NULL);
        CHECK(json_merge_shallow(merged, n, b, bn, twice, n + mbn + 1, &n2) == JSON_OK);
        CHECK(n2 == n && memcmp(twice, merged, n + 1) == 0);
        free(twice);
    }
    free(merged);
    free(out);
    free(ma);
    free(mb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nul = size != 0 ? memchr(data, '\0', size) : NULL;
    size_t an = nul != NULL ? (size_t)(nul - (const char *)data) : size;
    char *a = dup_exact((const char *)data, an);
    check_one(a, an);
    if (nul != NULL) {
        /* the whole input too (with its NUL: refused, but safely) */
        char *whole = dup_exact((const char *)data, size);
        check_one(whole, size);
        free(whole);
        size_t bn = size - an - 1;
        char *b = dup_exact(nul + 1, bn);
        check_one(b, bn);
        check_merge(a, an, b, bn);
        check_merge(b, bn, a, an);
        free(b);
    } else {
        check_merge(a, an, a, an);
    }
    /* a string on its own */
    if (an > 0 && a[0] == '"') {
        char *out = malloc(an);
        size_t n;
        CHECK(out != NULL);
        int r = json_string_decode(a, an, out, an, &n);
        CHECK(r != JSON_OK || (n + 2 <= an && out[n] == '\0'));
        free(out);
    }
    free(a);
    return 0;
}
