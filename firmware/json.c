/* Strict JSON: see json.h.
 *
 * One pass over the text: scan() is a small iterative state machine that
 * checks the RFC 8259 grammar byte by byte (literals, numbers, strings with
 * their escapes and UTF-8, commas and colons, one top-level object and
 * nothing after it), the depth and the token count, and remembers the member
 * names of the objects still open, which is all the duplicate-name and
 * reserved-name checks need.  It names the first error and its byte offset.
 * (jsmn, which this once ran as a second pass, accepts trailing commas,
 * missing commas and colons, bad literals and numbers, bad UTF-8 and lone
 * surrogates, and wants a 1 KB token array on the stack.)
 *
 * The copying functions (minify, merge) work on validated text only and need
 * no tokens: they skip white space outside strings and copy every other byte.
 */
#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- errors -------------------------------------------------------------- */

static const char *const s_status_text[] = {
    [JSON_OK] = "ok",
    [JSON_E_ARG] = "no text",
    [JSON_E_TOO_LONG] = "longer than 65535 bytes",
    [JSON_E_END] = "unexpected end",
    [JSON_E_UNEXPECTED] = "unexpected character",
    [JSON_E_NOT_OBJECT] = "not an object",
    [JSON_E_TRAILING_DATA] = "data after the object",
    [JSON_E_TRAILING_COMMA] = "trailing comma",
    [JSON_E_MISSING_COMMA] = "missing comma",
    [JSON_E_MISSING_COLON] = "missing colon",
    [JSON_E_NAME] = "member name is not a string",
    [JSON_E_LITERAL] = "invalid literal",
    [JSON_E_NUMBER] = "invalid number",
    [JSON_E_CONTROL] = "control character in string",
    [JSON_E_ESCAPE] = "invalid escape",
    [JSON_E_SURROGATE] = "unpaired surrogate escape",
    [JSON_E_UTF8] = "invalid UTF-8",
    [JSON_E_BOM] = "byte order mark",
    [JSON_E_DEPTH] = "nested deeper than 8",
    [JSON_E_TOKENS] = "more than 64 tokens",
    [JSON_E_DUPLICATE] = "duplicate member name",
    [JSON_E_RESERVED] = "reserved member name",
    [JSON_E_OVERFLOW] = "output too long",
    [JSON_E_NOT_STRING] = "not a string",
    [JSON_E_NUL] = "\\u0000 in a string",
    [JSON_E_INTERNAL] = "internal parser error",
};

const char *json_strerror(int status)
{
    if (status < 0 || (size_t)status >= sizeof s_status_text / sizeof s_status_text[0]) {
        return "unknown error";
    }
    return s_status_text[status];
}

typedef struct {
    char *p;
    size_t n, size;
} textbuf_t;

static void tb_put(textbuf_t *b, char c)
{
    if (b->n + 1 < b->size) {
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
    }
}

static void tb_str(textbuf_t *b, const char *s)
{
    while (*s != '\0') {
        tb_put(b, *s++);
    }
}

static void tb_dec(textbuf_t *b, size_t v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && n < sizeof digits);
    while (n > 0) {
        tb_put(b, digits[--n]);
    }
}

static void tb_hexbyte(textbuf_t *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    tb_str(b, "0x");
    tb_put(b, hex[c >> 4]);
    tb_put(b, hex[c & 15u]);
}

/* Fills *err (when there is one) and returns code.  detail_byte >= 0 adds the
 * offending byte ('x' or 0x1f); detail_name adds a quoted, sanitised name. */
static int fail_detail(json_err_t *err, json_status_t code, size_t at, int detail_byte, const char *detail_name)
{
    if (err != NULL) {
        textbuf_t b = {err->why, 0, sizeof err->why};
        err->code = (int)code;
        err->offset = at;
        err->why[0] = '\0';
        tb_str(&b, json_strerror((int)code));
        if (detail_byte >= 0) {
            unsigned char c = (unsigned char)detail_byte;
            tb_put(&b, ' ');
            if (c > 0x20 && c < 0x7f && c != '\'') {
                tb_put(&b, '\'');
                tb_put(&b, (char)c);
                tb_put(&b, '\'');
            } else {
                tb_hexbyte(&b, c);
            }
        }
        if (detail_name != NULL) {
            size_t k;
            tb_str(&b, " \"");
            for (k = 0; k < 24 && detail_name[k] != '\0'; k++) {
                unsigned char c = (unsigned char)detail_name[k];
                tb_put(&b, (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?');
            }
            tb_put(&b, '"');
        }
        tb_str(&b, " at byte ");
        tb_dec(&b, at);
    }
    return (int)code;
}

static int fail(json_err_t *err, json_status_t code, size_t at)
{
    return fail_detail(err, code, at, -1, NULL);
}

static int ok(json_err_t *err)
{
    if (err != NULL) {
        err->code = JSON_OK;
        err->offset = 0;
        err->why[0] = '\0';
    }
    return JSON_OK;
}

/* ---- first pass: the grammar ----------------------------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(char c)
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

/* The four hex digits of a \u escape at s[i..i+4), or -1. */
static long hex4(const char *s, size_t len, size_t i)
{
    long v = 0;
    if (i > len || len - i < 4) {
        return -1;
    }
    for (size_t k = 0; k < 4; k++) {
        int h = hex_val(s[i + k]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence (2..4 bytes) at p[0] >= 0x80, or 0
 * (RFC 3629 table 4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        if (p[0] == 0xE0) {
            lo = 0xA0;
        } else if (p[0] == 0xED) {
            hi = 0x9F;
        }
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        if (p[0] == 0xF0) {
            lo = 0x90;
        } else if (p[0] == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t k = 2; k < n; k++) {
        if ((p[k] & 0xC0u) != 0x80u) {
            return 0;
        }
    }
    return n;
}

/* The string whose opening quote is s[*i]; *i ends after the closing quote. */
static int scan_string(const char *s, size_t len, size_t *i, json_err_t *err)
{
    size_t p = *i + 1;
    while (p < len) {
        unsigned char c = (unsigned char)s[p];
        if (c == '"') {
            *i = p + 1;
            return JSON_OK;
        }
        if (c == '\\') {
            if (p + 1 >= len) {
                return fail(err, JSON_E_END, len);
            }
            switch (s[p + 1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                p += 2;
                break;
            case 'u': {
                long cp = hex4(s, len, p + 2);
                if (cp < 0) {
                    return fail(err, JSON_E_ESCAPE, p);
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(err, JSON_E_SURROGATE, p);
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo;
                    if (p + 7 >= len || s[p + 6] != '\\' || s[p + 7] != 'u') {
                        return fail(err, JSON_E_SURROGATE, p);
                    }
                    lo = hex4(s, len, p + 8);
                    if (lo < 0) {
                        return fail(err, JSON_E_ESCAPE, p + 6);
                    }
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        return fail(err, JSON_E_SURROGATE, p);
                    }
                    p += 12;
                } else {
                    p += 6;
                }
                break;
            }
            default:
                return fail(err, JSON_E_ESCAPE, p);
            }
        } else if (c < 0x20) {
            return fail_detail(err, JSON_E_CONTROL, p, c, NULL);
        } else if (c < 0x80) {
            p++;
        } else {
            size_t n = utf8_seq((const unsigned char *)s + p, len - p);
            if (n == 0) {
                return fail(err, JSON_E_UTF8, p);
            }
            p += n;
        }
    }
    return fail(err, JSON_E_END, len);
}

/* A byte that may not follow a number or literal directly. */
static bool glued(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-' ||
           c == '_';
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? starting at s[*i]. */
static int scan_number(const char *s, size_t len, size_t *i, json_err_t *err)
{
    size_t p = *i;
    if (s[p] == '-') {
        p++;
    }
    if (p >= len || !is_digit(s[p])) {
        return fail(err, JSON_E_NUMBER, *i);
    }
    if (s[p] == '0') {
        p++;
    } else {
        while (p < len && is_digit(s[p])) {
            p++;
        }
    }
    if (p < len && s[p] == '.') {
        p++;
        if (p >= len || !is_digit(s[p])) {
            return fail(err, JSON_E_NUMBER, *i);
        }
        while (p < len && is_digit(s[p])) {
            p++;
        }
    }
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < len && (s[p] == '+' || s[p] == '-')) {
            p++;
        }
        if (p >= len || !is_digit(s[p])) {
            return fail(err, JSON_E_NUMBER, *i);
        }
        while (p < len && is_digit(s[p])) {
            p++;
        }
    }
    /* 01, 1.2.3, 0x1f, 1e5e, 1-2: one bad number, not a number and then junk */
    if (p < len && glued(s[p])) {
        return fail(err, JSON_E_NUMBER, *i);
    }
    *i = p;
    return JSON_OK;
}

static int scan_literal(const char *s, size_t len, size_t *i, json_err_t *err)
{
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t k = 0; k < sizeof lits / sizeof lits[0]; k++) {
        size_t n = strlen(lits[k]);
        if (lits[k][0] != s[*i]) {
            continue;
        }
        if (len - *i >= n && memcmp(s + *i, lits[k], n) == 0 && (len - *i == n || !glued(s[*i + n]))) {
            *i += n;
            return JSON_OK;
        }
        break;
    }
    return fail(err, JSON_E_LITERAL, *i);
}

enum expect {
    EXPECT_VALUE,      /* top level, after ':' or after ',' in an array */
    EXPECT_FIRST_ITEM, /* after '[': a value or ']' */
    EXPECT_NAME,       /* after ',' in an object */
    EXPECT_FIRST_NAME, /* after '{': a name or '}' */
    EXPECT_COLON,      /* after a member name */
    EXPECT_NEXT        /* after a value: ',' or the closer, or the end at the top */
};

/* The grammar, depth, token count and member names of text. */
static bool same_name(const char *s, size_t a0, size_t a1, const char *t, size_t b0, size_t b1);
static bool name_is(const char *s, size_t a0, size_t a1, const char *name);

/* The member names of the objects still open, innermost last: enough to
 * refuse a name its object already has.  The first reserved top-level name is
 * only remembered: it is refused once the whole text has validated, so an
 * invalid text gets the same error with or without a reserved list. */
typedef struct {
    uint16_t start[JSON_MAX_TOKENS], end[JSON_MAX_TOKENS]; /* string bodies */
    uint8_t count;
    uint8_t first[JSON_MAX_DEPTH]; /* where the names of the object at depth d+1 begin */
    const char *reserved_hit;      /* the first reserved name met, or NULL */
    size_t reserved_at;
} names_t;

/* A member name s[a..b) of the object at depth (1 = top level). */
static int check_name(names_t *nm, unsigned depth, const char *s, size_t a, size_t b, const char *const *reserved,
                      json_err_t *err)
{
    for (unsigned k = nm->first[depth - 1]; k < nm->count; k++) {
        if (same_name(s, nm->start[k], nm->end[k], s, a, b)) {
            return fail(err, JSON_E_DUPLICATE, a - 1);
        }
    }
    for (size_t k = 0; depth == 1 && nm->reserved_hit == NULL && reserved != NULL && reserved[k] != NULL; k++) {
        if (name_is(s, a, b, reserved[k])) {
            nm->reserved_hit = reserved[k];
            nm->reserved_at = a - 1;
        }
    }
    nm->start[nm->count] = (uint16_t)a;
    nm->end[nm->count] = (uint16_t)b;
    nm->count++;
    return JSON_OK;
}

static int scan(const char *s, size_t len, const char *const *reserved, json_err_t *err)
{
    unsigned objects = 0; /* bit d: the container at depth d+1 is an object */
    unsigned depth = 0;
    int tokens = 0;
    names_t nm;
    nm.count = 0;
    nm.reserved_hit = NULL;
    nm.reserved_at = 0;
    size_t comma = 0; /* where the last ',' was */
    enum expect expect = EXPECT_VALUE;
    size_t i = 0;

    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) {
        return fail(err, JSON_E_BOM, 0);
    }
    for (;;) {
        char c;
        bool in_object;
        int r;

        while (i < len && is_ws(s[i])) {
            i++;
        }
        if (i == len) {
            if (expect == EXPECT_NEXT && depth == 0) {
                if (nm.reserved_hit != NULL) {
                    return fail_detail(err, JSON_E_RESERVED, nm.reserved_at, -1, nm.reserved_hit);
                }
                return ok(err);
            }
            return fail(err, JSON_E_END, len);
        }
        c = s[i];
        in_object = depth > 0 && (objects & (1u << (depth - 1))) != 0;

        switch (expect) {
        case EXPECT_NEXT:
            if (depth == 0) {
                return fail(err, JSON_E_TRAILING_DATA, i);
            }
            if (c == ',') {
                comma = i++;
                expect = in_object ? EXPECT_NAME : EXPECT_VALUE;
            } else if (c == (in_object ? '}' : ']')) {
                depth--;
                nm.count = in_object ? nm.first[depth] : nm.count;
                i++;
            } else if (c == '"' || c == '{' || c == '[' || c == '-' || is_digit(c) || c == 't' || c == 'f' ||
                       c == 'n') {
                return fail(err, JSON_E_MISSING_COMMA, i);
            } else {
                return fail_detail(err, JSON_E_UNEXPECTED, i, (unsigned char)c, NULL);
            }
            continue;
        case EXPECT_COLON:
            if (c != ':') {
                return fail(err, JSON_E_MISSING_COLON, i);
            }
            i++;
            expect = EXPECT_VALUE;
            continue;
        case EXPECT_FIRST_NAME:
        case EXPECT_NAME:
            if (c == '}') {
                if (expect == EXPECT_NAME) {
                    return fail(err, JSON_E_TRAILING_COMMA, comma);
                }
                depth--;
                nm.count = nm.first[depth];
                i++;
                expect = EXPECT_NEXT;
                continue;
            }
            if (c != '"') {
                return fail(err, JSON_E_NAME, i);
            }
            if (++tokens > JSON_MAX_TOKENS) {
                return fail(err, JSON_E_TOKENS, i);
            }
            size_t name_start = i + 1;
            r = scan_string(s, len, &i, err);
            if (r == JSON_OK) {
                r = check_name(&nm, depth, s, name_start, i - 1, reserved, err);
            }
            if (r != JSON_OK) {
                return r;
            }
            expect = EXPECT_COLON;
            continue;
        case EXPECT_FIRST_ITEM:
        case EXPECT_VALUE:
            break;
        }

        /* a value */
        if (c == ']' && expect == EXPECT_FIRST_ITEM) {
            depth--;
            i++;
            expect = EXPECT_NEXT;
            continue;
        }
        if (c == ']' && depth > 0 && !in_object) {
            return fail(err, JSON_E_TRAILING_COMMA, comma);
        }
        if (depth == 0 && c != '{') {
            return fail(err, JSON_E_NOT_OBJECT, i);
        }
        if (++tokens > JSON_MAX_TOKENS) {
            return fail(err, JSON_E_TOKENS, i);
        }
        if (c == '{' || c == '[') {
            if (depth >= JSON_MAX_DEPTH) {
                return fail(err, JSON_E_DEPTH, i);
            }
            if (c == '{') {
                objects |= 1u << depth;
                nm.first[depth] = nm.count;
                expect = EXPECT_FIRST_NAME;
            } else {
                objects &= ~(1u << depth);
                expect = EXPECT_FIRST_ITEM;
            }
            depth++;
            i++;
            continue;
        }
        if (c == '"') {
            r = scan_string(s, len, &i, err);
        } else if (c == '-' || is_digit(c) || c == '+' || c == '.') {
            r = (c == '+' || c == '.') ? fail(err, JSON_E_NUMBER, i) : scan_number(s, len, &i, err);
        } else if (c >= 'a' && c <= 'z') {
            r = scan_literal(s, len, &i, err);
        } else {
            r = fail_detail(err, JSON_E_UNEXPECTED, i, (unsigned char)c, NULL);
        }
        if (r != JSON_OK) {
            return r;
        }
        expect = EXPECT_NEXT;
    }
}

/* ---- decoded names ------------------------------------------------------- */

/* Yields the bytes a JSON string body (valid, between the quotes) stands
 * for: escapes decoded, \u escapes (pairs combined) as UTF-8. */
typedef struct {
    const char *s;
    size_t i, end;
    unsigned char buf[4];
    unsigned char n, k;
} decoder_t;

static void dec_init(decoder_t *d, const char *s, size_t start, size_t end)
{
    d->s = s;
    d->i = start;
    d->end = end;
    d->n = 0;
    d->k = 0;
}

static int dec_next(decoder_t *d)
{
    const char *s = d->s;
    long cp;
    if (d->k < d->n) {
        return d->buf[d->k++];
    }
    if (d->i >= d->end) {
        return -1;
    }
    if (s[d->i] != '\\') {
        return (unsigned char)s[d->i++];
    }
    if (d->i + 1 >= d->end) {
        d->i = d->end;
        return -1;
    }
    d->i += 2;
    switch (s[d->i - 1]) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default: /* " \ / */
        return (unsigned char)s[d->i - 1];
    }
    cp = hex4(s, d->end, d->i);
    if (cp < 0) {
        d->i = d->end;
        return -1;
    }
    d->i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = (d->i + 2 <= d->end && s[d->i] == '\\') ? hex4(s, d->end, d->i + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            d->i = d->end;
            return -1;
        }
        d->i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp < 0x80) {
        return (int)cp;
    }
    if (cp < 0x800) {
        d->buf[0] = (unsigned char)(0xC0 | (cp >> 6));
        d->n = 2;
    } else if (cp < 0x10000) {
        d->buf[0] = (unsigned char)(0xE0 | (cp >> 12));
        d->buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d->n = 3;
    } else {
        d->buf[0] = (unsigned char)(0xF0 | (cp >> 18));
        d->buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        d->buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d->n = 4;
    }
    d->buf[d->n - 1] = (unsigned char)(0x80 | (cp & 0x3F));
    d->k = 1;
    return d->buf[0];
}

/* Whether two string bodies s[a0..a1) and t[b0..b1) decode to the same bytes. */
static bool same_name(const char *s, size_t a0, size_t a1, const char *t, size_t b0, size_t b1)
{
    decoder_t a, b;
    int ca, cb;
    dec_init(&a, s, a0, a1);
    dec_init(&b, t, b0, b1);
    do {
        ca = dec_next(&a);
        cb = dec_next(&b);
    } while (ca == cb && ca >= 0);
    return ca == cb;
}

static bool name_is(const char *s, size_t a0, size_t a1, const char *name)
{
    decoder_t a;
    int c;
    size_t k = 0;
    dec_init(&a, s, a0, a1);
    while ((c = dec_next(&a)) >= 0) {
        if (name[k] == '\0' || (unsigned char)name[k] != c) {
            return false;
        }
        k++;
    }
    return name[k] == '\0';
}

/* ---- validation ----------------------------------------------------------- */

static int validate(const char *s, size_t len, const char *const *reserved, json_err_t *err)
{
    if (s == NULL) {
        return fail(err, JSON_E_ARG, 0);
    }
    if (len > JSON_MAX_LEN) {
        return fail(err, JSON_E_TOO_LONG, JSON_MAX_LEN);
    }
    return scan(s, len, reserved, err);
}

int json_validate_object(const char *text, size_t len, json_err_t *err)
{
    return validate(text, len, NULL, err);
}

int json_check_reserved(const char *text, size_t len, const char *const *names, json_err_t *err)
{
    return validate(text, len, names, err);
}

/* ---- copying validated text ------------------------------------------------ */

/* Output that only counts while p is NULL. */
typedef struct {
    char *p;
    size_t n;
} out_t;

static void put(out_t *o, char c)
{
    if (o->p != NULL) {
        o->p[o->n] = c;
    }
    o->n++;
}

static void put_raw(out_t *o, const char *s, size_t a, size_t b)
{
    while (a < b) {
        put(o, s[a++]);
    }
}

/* s[a..b) (validated JSON) without white space outside strings.  Safe in
 * place: the write position never passes the read position. */
static void put_min(out_t *o, const char *s, size_t a, size_t b)
{
    bool in_string = false;
    while (a < b) {
        char c = s[a++];
        if (in_string) {
            if (c == '\\' && a < b) {
                put(o, c);
                c = s[a++];
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (is_ws(c)) {
            continue;
        }
        put(o, c);
    }
}

/* Counts, checks the room for the terminator, then writes. */
static int emit_checked(out_t *o, char *out, size_t out_size, size_t *out_len)
{
    if (out == NULL || o->n >= out_size) {
        return out == NULL ? JSON_E_ARG : JSON_E_OVERFLOW;
    }
    o->p = out;
    if (out_len != NULL) {
        *out_len = o->n;
    }
    o->n = 0;
    return JSON_OK;
}

int json_minify(const char *text, size_t len, char *out, size_t out_size, size_t *out_len)
{
    out_t o = {NULL, 0};
    int r = validate(text, len, NULL, NULL);
    if (r != JSON_OK) {
        return r;
    }
    put_min(&o, text, 0, len);
    r = emit_checked(&o, out, out_size, out_len);
    if (r != JSON_OK) {
        return r;
    }
    put_min(&o, text, 0, len);
    out[o.n] = '\0';
    return JSON_OK;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && is_ws(s[i])) {
        i++;
    }
    return i;
}

/* After the string whose opening quote is s[i] (valid text). */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return len;
}

/* After the value that starts at s[i] (valid text). */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    unsigned depth = 0;
    if (i >= len) {
        return len;
    }
    if (s[i] == '"') {
        return skip_string(s, len, i);
    }
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && !is_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') {
            i++;
        }
        return i;
    }
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, len, i);
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
        i++;
    }
    return len;
}

/* One member of a valid object: name body (between the quotes) and value. */
typedef struct {
    size_t name0, name1, value0, value1;
} member_t;

/* *pos starts at 0 (before the '{') and advances one member per call. */
static bool next_member(const char *s, size_t len, size_t *pos, member_t *m)
{
    size_t i = skip_ws(s, len, *pos);
    if (i < len && (s[i] == '{' || s[i] == ',')) {
        i = skip_ws(s, len, i + 1);
    }
    if (i >= len || s[i] != '"') {
        return false;
    }
    m->name0 = i + 1;
    i = skip_string(s, len, i);
    m->name1 = i - 1;
    i = skip_ws(s, len, i);
    i = skip_ws(s, len, i + 1); /* the ':' */
    m->value0 = i;
    m->value1 = skip_value(s, len, i);
    *pos = m->value1;
    return true;
}

static bool find_member(const char *s, size_t len, const char *t, const member_t *like, member_t *m)
{
    size_t pos = 0;
    while (next_member(s, len, &pos, m)) {
        if (same_name(s, m->name0, m->name1, t, like->name0, like->name1)) {
            return true;
        }
    }
    return false;
}

static void merge(out_t *o, const char *base, size_t base_len, const char *over, size_t over_len)
{
    member_t mb, mo, other;
    size_t pos = 0;
    bool first = true;

    put(o, '{');
    while (next_member(base, base_len, &pos, &mb)) {
        bool replaced = find_member(over, over_len, base, &mb, &mo);
        if (!first) {
            put(o, ',');
        }
        first = false;
        put_raw(o, base, mb.name0 - 1, mb.name1 + 1);
        put(o, ':');
        if (replaced) {
            put_min(o, over, mo.value0, mo.value1);
        } else {
            put_min(o, base, mb.value0, mb.value1);
        }
    }
    pos = 0;
    while (next_member(over, over_len, &pos, &mo)) {
        if (find_member(base, base_len, over, &mo, &other)) {
            continue;
        }
        if (!first) {
            put(o, ',');
        }
        first = false;
        put_raw(o, over, mo.name0 - 1, mo.name1 + 1);
        put(o, ':');
        put_min(o, over, mo.value0, mo.value1);
    }
    put(o, '}');
}

int json_merge_shallow(const char *base, size_t base_len, const char *over, size_t over_len, char *out, size_t out_size,
                       size_t *out_len)
{
    out_t o = {NULL, 0};
    int r = validate(base, base_len, NULL, NULL);
    if (r == JSON_OK) {
        r = validate(over, over_len, NULL, NULL);
    }
    if (r != JSON_OK) {
        return r;
    }
    merge(&o, base, base_len, over, over_len);
    r = emit_checked(&o, out, out_size, out_len);
    if (r != JSON_OK) {
        return r;
    }
    merge(&o, base, base_len, over, over_len);
    out[o.n] = '\0';
    return JSON_OK;
}

/* Decodes the string body s[a..b) (valid) into out (size > 0), cut to fit and
 * NUL-terminated; returns the full decoded length. */
static size_t decode_body(const char *s, size_t a, size_t b, char *out, size_t size, bool *has_nul)
{
    decoder_t d;
    size_t n = 0;
    int c;
    dec_init(&d, s, a, b);
    while ((c = dec_next(&d)) >= 0) {
        if (c == 0) {
            *has_nul = true;
        }
        if (n + 1 < size) {
            out[n] = (char)c;
        }
        n++;
    }
    out[n < size ? n : size - 1] = '\0';
    return n;
}

int json_each_member(const char *text, size_t len, json_member_fn fn, void *ctx, json_err_t *err)
{
    member_t m;
    size_t pos = 0;
    int r = validate(text, len, NULL, err);
    if (r != JSON_OK || fn == NULL) {
        return r;
    }
    while (next_member(text, len, &pos, &m)) {
        char name[JSON_NAME_MAX];
        bool has_nul = false;
        size_t n = decode_body(text, m.name0, m.name1, name, sizeof name, &has_nul);
        if (fn(ctx, name, n, text + m.value0, m.value1 - m.value0) != 0) {
            break;
        }
    }
    return JSON_OK;
}

int json_string_decode(const char *s, size_t len, char *out, size_t out_size, size_t *out_len)
{
    size_t end = 0;
    size_t n;
    bool has_nul = false;
    char probe;
    int r;
    if (s == NULL || out == NULL) {
        return JSON_E_ARG;
    }
    if (len > JSON_MAX_LEN) {
        return JSON_E_TOO_LONG;
    }
    if (len == 0 || s[0] != '"') {
        return JSON_E_NOT_STRING;
    }
    r = scan_string(s, len, &end, NULL);
    if (r != JSON_OK) {
        return r;
    }
    if (end != len) {
        return JSON_E_TRAILING_DATA;
    }
    n = decode_body(s, 1, len - 1, &probe, 1, &has_nul);
    if (has_nul) {
        return JSON_E_NUL;
    }
    if (n >= out_size) {
        return JSON_E_OVERFLOW;
    }
    (void)decode_body(s, 1, len - 1, out, out_size, &has_nul);
    if (out_len != NULL) {
        *out_len = n;
    }
    return JSON_OK;
}
