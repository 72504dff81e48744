/* The Builds API answer, read as it streams; see builds_reader.h.
 *
 * A push parser: one byte at a time, `mode` says what may come next, the
 * open containers are a bit each in `open` (object or array).  Where in the
 * document the reader is matters at three places only, so that is all it
 * tracks: the top-level object (depth 1), its "value" array (depth 2,
 * F_IN_VALUES) and that array's first element (depth 3, F_IN_BUILD).  A
 * member name is decoded into tok only at depths 1 and 3 of that path; a
 * wanted member's value is decoded into number or tok as it streams. */
#include "builds_reader.h"

#include <stdbool.h>
#include <string.h>

enum {
    M_VALUE,     /* a value */
    M_ARR_FIRST, /* a value or ']' (right after '[') */
    M_OBJ_FIRST, /* a member name or '}' (right after '{') */
    M_NAME,      /* a member name (after ',') */
    M_COLON,
    M_AFTER,     /* ',' or the closing bracket of the open container */
    M_STRING,    /* sub: 0 plain, 1 after '\', 2..5 hex digits of \u */
    M_NUMBER,    /* sub: N_* */
    M_LITERAL,   /* unit: which literal, sub: bytes of it matched */
    M_END        /* after the top-level object: white space only */
};

enum { N_MINUS = 1, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

/* The members read, and a bit each in `seen`. */
enum { W_NONE, W_VALUE, W_ID, W_NUMBER, W_STATUS, W_RESULT };
#define SEEN(w) (1u << (w))

#define F_IN_VALUES 0x01u /* the open depth-2 container is the top-level "value" */
#define F_FIRST 0x02u     /* ... and its first element is still to come */
#define F_IN_BUILD 0x04u  /* the open depth-3 container is value[0] */
#define F_NAME 0x08u      /* the string being read is a member name */
#define F_CAPTURE 0x10u   /* ... whose decoded bytes are kept */
#define F_OVERFLOW 0x20u  /* tok had no room for all of them */
#define F_HIGH 0x40u      /* the last \u escape was a high surrogate */
#define F_NONEMPTY 0x80u  /* value[0] exists */
/* In M_NUMBER, F_CAPTURE says the number is value[0]'s id, whose digits
 * are accumulated in r->id. */
#define TRUNCATED 0xFFu /* tok_len of a buildNumber longer than BUILDS_NUMBER_MAX */

static const char *const s_literals[] = {"true", "false", "null"};

static const char *const s_status_names[] = {
    [BUILDS_STATUS_NONE] = "none",         [BUILDS_NOT_STARTED] = "notStarted", [BUILDS_POSTPONED] = "postponed",
    [BUILDS_IN_PROGRESS] = "inProgress",   [BUILDS_CANCELLING] = "cancelling",  [BUILDS_COMPLETED] = "completed",
    [BUILDS_STATUS_OTHER] = "unknown",
};

static const char *const s_result_names[] = {
    [BUILDS_RESULT_NONE] = "none",     [BUILDS_SUCCEEDED] = "succeeded", [BUILDS_PARTIALLY_SUCCEEDED] = "partiallySucceeded",
    [BUILDS_FAILED] = "failed",        [BUILDS_CANCELED] = "canceled",   [BUILDS_RESULT_OTHER] = "unknown",
};

const char *builds_status_name(builds_status_t s)
{
    return (unsigned)s <= BUILDS_STATUS_OTHER ? s_status_names[s] : "unknown";
}

const char *builds_result_name(builds_result_t r)
{
    return (unsigned)r <= BUILDS_RESULT_OTHER ? s_result_names[r] : "unknown";
}

const char *builds_strerror(int rc)
{
    switch (rc) {
    case BUILDS_OK: return "ok";
    case BUILDS_EMPTY: return "no build";
    case BUILDS_E_SYNTAX: return "not JSON";
    case BUILDS_E_END: return "the answer ended early";
    case BUILDS_E_DEPTH: return "nested too deep";
    case BUILDS_E_SHAPE: return "not a list of builds";
    case BUILDS_E_FIELD: return "a build without a proper id or status";
    default: return "unknown";
    }
}

void builds_reader_init(builds_reader_t *r)
{
    memset(r, 0, sizeof *r);
    r->mode = M_VALUE;
}

static void fail(builds_reader_t *r, int code)
{
    r->error = (int8_t)code;
    r->err_offset = r->offset;
}

static bool is_ws(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex(unsigned c)
{
    if (c >= '0' && c <= '9') {
        return (int)(c - '0');
    }
    c |= 0x20u;
    return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10u) : -1;
}

static bool tok_is(const builds_reader_t *r, const char *s)
{
    return !(r->flags & F_OVERFLOW) && strlen(s) == r->tok_len && memcmp(r->tok, s, r->tok_len) == 0;
}

/* One decoded character of a string being kept (ASCII, or '?' for any
 * other character). */
static void put(builds_reader_t *r, char c)
{
    if (!(r->flags & F_CAPTURE)) {
        return;
    }
    if (!(r->flags & F_NAME) && r->member == W_NUMBER) {
        if (c == ' ') {
            c = '_'; /* an event's values hold no space */
        } else if ((unsigned char)c < 0x20u || c == 0x7f) {
            c = '?';
        }
        if (r->number_len < BUILDS_NUMBER_MAX) {
            r->number[r->number_len++] = c;
        } else {
            r->tok_len = TRUNCATED;
        }
        return;
    }
    if (r->tok_len < sizeof r->tok) {
        r->tok[r->tok_len++] = c;
    } else {
        r->flags |= F_OVERFLOW;
    }
}

/* A value at the current depth is complete. */
static void value_done(builds_reader_t *r)
{
    r->member = W_NONE;
    if (r->depth == 0) {
        r->mode = M_END;
        return;
    }
    if (r->depth == 2 && (r->flags & F_IN_VALUES)) {
        r->flags &= (uint8_t)~F_FIRST; /* later elements are read past */
    }
    r->mode = M_AFTER;
}

static void name_end(builds_reader_t *r)
{
    static const struct {
        const char *name;
        uint8_t member;
    } s_build_members[] = {{"id", W_ID}, {"buildNumber", W_NUMBER}, {"status", W_STATUS}, {"result", W_RESULT}};
    r->member = W_NONE;
    if (!(r->flags & F_CAPTURE)) {
        return;
    }
    if (r->depth == 1) {
        if (tok_is(r, "value")) {
            r->member = W_VALUE;
        }
    } else {
        for (unsigned i = 0; i < sizeof s_build_members / sizeof s_build_members[0]; i++) {
            if (tok_is(r, s_build_members[i].name)) {
                r->member = s_build_members[i].member;
            }
        }
    }
    if (r->member != W_NONE) {
        if (r->seen & SEEN(r->member)) {
            fail(r, r->member == W_VALUE ? BUILDS_E_SHAPE : BUILDS_E_FIELD);
            return;
        }
        r->seen |= (uint8_t)SEEN(r->member);
    }
}

static void string_end(builds_reader_t *r)
{
    bool name = r->flags & F_NAME;
    if (name) {
        name_end(r);
        r->mode = M_COLON;
    } else if (r->flags & F_CAPTURE) {
        if (r->member == W_NUMBER) {
            if (r->tok_len == TRUNCATED) {
                r->number[BUILDS_NUMBER_MAX - 1u] = '~';
            }
            r->number[r->number_len] = '\0';
        } else if (r->member == W_STATUS) {
            r->status = BUILDS_STATUS_OTHER;
            for (unsigned s = BUILDS_NOT_STARTED; s < BUILDS_STATUS_OTHER; s++) {
                if (tok_is(r, s_status_names[s])) {
                    r->status = (uint8_t)s;
                }
            }
        } else {
            r->result = BUILDS_RESULT_OTHER;
            for (unsigned s = BUILDS_RESULT_NONE; s < BUILDS_RESULT_OTHER; s++) {
                if (tok_is(r, s_result_names[s])) {
                    r->result = (uint8_t)s;
                }
            }
        }
    }
    r->flags &= (uint8_t) ~(F_NAME | F_CAPTURE | F_OVERFLOW | F_HIGH);
    r->tok_len = 0;
    if (!name) {
        value_done(r);
    }
}

static void string_start(builds_reader_t *r, bool name, bool capture)
{
    r->mode = M_STRING;
    r->sub = 0;
    r->tok_len = 0;
    r->flags = (uint8_t)((r->flags & ~(F_NAME | F_CAPTURE | F_OVERFLOW | F_HIGH)) | (name ? F_NAME : 0u) |
                         (capture ? F_CAPTURE : 0u));
}

static void string_byte(builds_reader_t *r, unsigned c)
{
    static const char s_esc[] = "\"\\/bfnrt", s_dec[] = "\"\\/\b\f\n\r\t";
    if (r->sub == 0) {
        if (c == '"') {
            string_end(r);
        } else if (c == '\\') {
            r->sub = 1;
        } else if (c < 0x20u) {
            fail(r, BUILDS_E_SYNTAX);
        } else {
            r->flags &= (uint8_t)~F_HIGH;
            if (c < 0x80u) {
                put(r, (char)c);
            } else if (c >= 0xC0u) {
                put(r, '?'); /* a character's lead byte; its continuation bytes add nothing */
            }
        }
        return;
    }
    if (r->sub == 1) {
        const char *e = c != 0 ? strchr(s_esc, (int)c) : NULL;
        if (c == 'u') {
            r->sub = 2;
            r->unit = 0;
        } else if (e != NULL) {
            r->flags &= (uint8_t)~F_HIGH;
            put(r, s_dec[e - s_esc]);
            r->sub = 0;
        } else {
            fail(r, BUILDS_E_SYNTAX);
        }
        return;
    }
    int h = hex(c);
    if (h < 0) {
        fail(r, BUILDS_E_SYNTAX);
        return;
    }
    r->unit = (uint16_t)((r->unit << 4) | (unsigned)h);
    if (++r->sub < 6) {
        return;
    }
    r->sub = 0;
    bool low = r->unit >= 0xDC00u && r->unit <= 0xDFFFu;
    if (r->unit < 0x80u) {
        put(r, (char)r->unit);
    } else if (!(low && (r->flags & F_HIGH))) {
        put(r, '?'); /* a pair's low half adds nothing */
    }
    r->flags = (uint8_t)((r->flags & ~F_HIGH) | (r->unit >= 0xD800u && r->unit <= 0xDBFFu ? F_HIGH : 0u));
}

static void open_container(builds_reader_t *r, unsigned c)
{
    if (r->depth >= BUILDS_DEPTH_MAX) {
        fail(r, BUILDS_E_DEPTH);
        return;
    }
    if (r->depth == 1 && r->member == W_VALUE) {
        r->flags |= F_IN_VALUES | F_FIRST;
    } else if (r->depth == 2 && (r->flags & F_IN_VALUES) && (r->flags & F_FIRST)) {
        r->flags |= F_IN_BUILD | F_NONEMPTY;
    }
    if (c == '{') {
        r->open |= 1ul << r->depth;
    } else {
        r->open &= ~(1ul << r->depth);
    }
    r->depth++;
    r->member = W_NONE;
    r->mode = c == '{' ? M_OBJ_FIRST : M_ARR_FIRST;
}

static void close_container(builds_reader_t *r, unsigned c)
{
    bool object = (r->open >> (r->depth - 1u)) & 1u;
    if ((c == '}') != object) {
        fail(r, BUILDS_E_SYNTAX);
        return;
    }
    r->depth--;
    if (r->depth == 2) {
        r->flags &= (uint8_t)~F_IN_BUILD;
    } else if (r->depth == 1) {
        r->flags &= (uint8_t)~F_IN_VALUES;
    }
    value_done(r);
}

static void value_start(builds_reader_t *r, unsigned c)
{
    bool str = c == '"', num = c == '-' || (c >= '0' && c <= '9'), open = c == '{' || c == '[';
    int lit = c == 't' ? 0 : c == 'f' ? 1 : c == 'n' ? 2 : -1;
    if (!str && !num && !open && lit < 0) {
        fail(r, BUILDS_E_SYNTAX);
        return;
    }
    /* where the document's shape wants one kind of value */
    unsigned want = r->depth == 0                                                           ? '{'
                    : r->depth == 1 && r->member == W_VALUE                                 ? '['
                    : r->depth == 2 && (r->flags & F_IN_VALUES) && (r->flags & F_FIRST) ? '{'
                                                                                            : 0;
    if (want != 0 && c != want) {
        fail(r, BUILDS_E_SHAPE);
        return;
    }
    bool wanted = r->depth == 3 && (r->flags & F_IN_BUILD) && r->member != W_NONE;
    if (wanted) {
        bool ok = r->member == W_ID ? num : r->member == W_STATUS ? str : str || lit == 2;
        if (!ok) {
            fail(r, BUILDS_E_FIELD);
            return;
        }
        if (r->member == W_NUMBER) {
            r->number_len = 0;
        }
    }
    if (open) {
        open_container(r, c);
    } else if (str) {
        string_start(r, false, wanted);
    } else if (num) {
        r->mode = M_NUMBER;
        r->sub = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
        r->flags = (uint8_t)((r->flags & ~F_CAPTURE) | (wanted ? F_CAPTURE : 0u));
        if (wanted) {
            r->id = c == '-' ? 0 : c - '0';
            r->id_bad = c == '-';
        }
    } else {
        r->mode = M_LITERAL;
        r->unit = (uint16_t)lit;
        r->sub = 1;
    }
}

/* The next digit d of the id being read. */
static void id_digit(builds_reader_t *r, unsigned d)
{
    if (r->id > (UINT32_MAX - d) / 10u) {
        r->id_bad = 1;
    }
    if (!r->id_bad) {
        r->id = r->id * 10u + d;
    }
}

/* One byte of a number; false when the number ended before it (the byte is
 * then the caller's to read again). */
static bool number_byte(builds_reader_t *r, unsigned c)
{
    bool digit = c >= '0' && c <= '9';
    bool e = c == 'e' || c == 'E';
    switch (r->sub) {
    case N_MINUS:
        if (!digit) {
            fail(r, BUILDS_E_SYNTAX);
            return true;
        }
        r->sub = c == '0' ? N_ZERO : N_INT;
        return true;
    case N_DOT:
    case N_ESIGN:
        if (!digit) {
            fail(r, BUILDS_E_SYNTAX);
            return true;
        }
        r->sub = r->sub == N_DOT ? N_FRAC : N_EXP;
        return true;
    case N_E:
        if (!digit && c != '+' && c != '-') {
            fail(r, BUILDS_E_SYNTAX);
            return true;
        }
        r->sub = digit ? N_EXP : N_ESIGN;
        return true;
    default:
        break;
    }
    /* N_ZERO, N_INT, N_FRAC, N_EXP: complete so far */
    if (digit && r->sub != N_ZERO) {
        if (r->sub == N_INT && (r->flags & F_CAPTURE)) {
            id_digit(r, c - '0');
        }
        return true;
    }
    if (c == '.' && (r->sub == N_ZERO || r->sub == N_INT)) {
        r->id_bad = 1;
        r->sub = N_DOT;
        return true;
    }
    if (e && r->sub != N_EXP) {
        r->id_bad = 1;
        r->sub = N_E;
        return true;
    }
    /* the number ended before c */
    if ((r->flags & F_CAPTURE) && (r->id_bad || r->id == 0)) {
        fail(r, BUILDS_E_FIELD);
        return true;
    }
    r->flags &= (uint8_t)~F_CAPTURE;
    value_done(r);
    return false;
}

static void byte(builds_reader_t *r, unsigned c)
{
    switch (r->mode) {
    case M_STRING:
        string_byte(r, c);
        return;
    case M_NUMBER:
        if (number_byte(r, c) || r->error) {
            return;
        }
        break; /* c follows the number: read it in the mode that follows */
    case M_LITERAL:
        if (c != (unsigned char)s_literals[r->unit][r->sub]) {
            fail(r, BUILDS_E_SYNTAX);
        } else if (s_literals[r->unit][++r->sub] == '\0') {
            value_done(r);
        }
        return;
    default:
        break;
    }
    if (is_ws(c)) {
        return;
    }
    switch (r->mode) {
    case M_VALUE:
        value_start(r, c);
        break;
    case M_ARR_FIRST:
        if (c == ']') {
            close_container(r, c);
        } else {
            value_start(r, c);
        }
        break;
    case M_OBJ_FIRST:
    case M_NAME:
        if (c == '"') {
            string_start(r, true, r->depth == 1 || (r->depth == 3 && (r->flags & F_IN_BUILD)));
        } else if (c == '}' && r->mode == M_OBJ_FIRST) {
            close_container(r, c);
        } else {
            fail(r, BUILDS_E_SYNTAX);
        }
        break;
    case M_COLON:
        if (c == ':') {
            r->mode = M_VALUE;
        } else {
            fail(r, BUILDS_E_SYNTAX);
        }
        break;
    case M_AFTER:
        if (c == ',') {
            r->mode = ((r->open >> (r->depth - 1u)) & 1u) ? M_NAME : M_VALUE;
        } else if (c == '}' || c == ']') {
            close_container(r, c);
        } else {
            fail(r, BUILDS_E_SYNTAX);
        }
        break;
    default: /* M_END */
        fail(r, BUILDS_E_SYNTAX);
        break;
    }
}

void builds_reader_feed(builds_reader_t *r, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len && r->error == 0; i++) {
        byte(r, data[i]);
        r->offset++;
    }
}

int builds_reader_finish(builds_reader_t *r)
{
    if (r->error != 0) {
        return r->error;
    }
    if (r->mode != M_END) {
        fail(r, BUILDS_E_END);
    } else if (!(r->seen & SEEN(W_VALUE))) {
        fail(r, BUILDS_E_SHAPE);
    } else if (!(r->flags & F_NONEMPTY)) {
        return BUILDS_EMPTY;
    } else if (!(r->seen & SEEN(W_ID)) || !(r->seen & SEEN(W_STATUS))) {
        fail(r, BUILDS_E_FIELD);
    } else {
        if (!(r->seen & SEEN(W_NUMBER)) || r->number[0] == '\0') {
            strcpy(r->number, "-");
        }
        return BUILDS_OK;
    }
    return r->error;
}
