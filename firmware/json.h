/* Strict JSON for configuration and trigger-time input (spec section 3) and
 * for building the request body (spec section 4).
 *
 * Accepted is exactly one RFC 8259 object: valid UTF-8 (no overlongs, no
 * UTF-8-encoded surrogates, nothing above U+10FFFF), no byte order mark, no
 * control character unescaped in a string, \u escapes with surrogates only as
 * a high-low pair, RFC 8259 numbers and literals, no duplicate member name in
 * any object (names compared after decoding escapes, so "a" and "\u0061" are
 * the same name), at most JSON_MAX_DEPTH nested objects/arrays and at most
 * JSON_MAX_TOKENS tokens (every object, array, string - member names too -,
 * number, true, false and null counts one).  White space around and between
 * tokens is allowed and insignificant.
 *
 * How: one strict pass of json.c's own checks the grammar, the limits and the
 * encoding, remembers the member names of the objects still open for the
 * duplicate and reserved-name checks, and names the first error.  jsmn is not
 * used: it is a tokeniser, not a validator (it lets through most of what is
 * refused above), so a second pass would only repeat this one's work and hold
 * a token array on the stack.
 *
 * Nothing allocates and nothing is static: the functions are reentrant.
 * Validation holds the open objects' member-name offsets (4 bytes per name,
 * JSON_MAX_TOKENS of them) on the stack while it runs, and json_each_member
 * holds none of that while its callback runs.
 *
 * Byte offsets in errors count from 0 at text[0]. */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH  8
#define JSON_MAX_TOKENS 64
/* Longer texts are refused (offsets are kept in 16 bits). */
#define JSON_MAX_LEN 65535u
/* err->why, terminator included. */
#define JSON_WHY_MAX 64
/* json_each_member's decoded-name buffer, terminator included. */
#define JSON_NAME_MAX 64

typedef enum {
    JSON_OK = 0,
    JSON_E_ARG,             /* a NULL pointer where text is needed */
    JSON_E_TOO_LONG,        /* more than JSON_MAX_LEN bytes */
    JSON_E_END,             /* the text ends inside the object (or is empty) */
    JSON_E_UNEXPECTED,      /* a byte that cannot start or continue anything here */
    JSON_E_NOT_OBJECT,      /* the top-level value is not an object */
    JSON_E_TRAILING_DATA,   /* something after the top-level object */
    JSON_E_TRAILING_COMMA,  /* ',' right before '}' or ']' */
    JSON_E_MISSING_COMMA,   /* two values or members without ',' between */
    JSON_E_MISSING_COLON,   /* member name not followed by ':' */
    JSON_E_NAME,            /* a member name is not a string */
    JSON_E_LITERAL,         /* not exactly true, false or null */
    JSON_E_NUMBER,          /* not an RFC 8259 number (01, 1., .5, -, 1e, ...) */
    JSON_E_CONTROL,         /* byte below 0x20 inside a string */
    JSON_E_ESCAPE,          /* backslash not followed by a valid escape */
    JSON_E_SURROGATE,       /* \u escape of a lone or reversed surrogate */
    JSON_E_UTF8,            /* invalid UTF-8 in a string */
    JSON_E_BOM,             /* byte order mark */
    JSON_E_DEPTH,           /* nested deeper than JSON_MAX_DEPTH */
    JSON_E_TOKENS,          /* more than JSON_MAX_TOKENS tokens */
    JSON_E_DUPLICATE,       /* a member name twice in one object */
    JSON_E_RESERVED,        /* a reserved top-level member name */
    JSON_E_OVERFLOW,        /* the output does not fit */
    JSON_E_NOT_STRING,      /* json_string_decode: the text is not one string */
    JSON_E_NUL,             /* json_string_decode: \u0000 in the string */
    JSON_E_INTERNAL         /* not returned: kept so status numbers stay stable */
} json_status_t;

typedef struct {
    int code;               /* a json_status_t, as the functions return it */
    size_t offset;          /* where in the text, 0-based */
    /* "<json_strerror(code)>[ <detail>] at byte <offset>", e.g.
     * "trailing comma at byte 17", "unexpected '+' at byte 5": ready for
     * `ERR bad-value: json <why>`.  Printable ASCII only. */
    char why[JSON_WHY_MAX];
} json_err_t;

/* A short fixed text for a status, e.g. "trailing comma"; never NULL. */
const char *json_strerror(int status);

/* JSON_OK (0) if text[0..len) is one strict JSON object within the limits,
 * else a json_status_t with err (which may be NULL) filled in.  text need not
 * be NUL-terminated; a NUL byte in it is refused like any control byte. */
int json_validate_object(const char *text, size_t len, json_err_t *err);

/* Validates as json_validate_object and then refuses (JSON_E_RESERVED) a
 * top-level member whose name, escapes decoded, equals one of names (a
 * NULL-terminated list of NUL-terminated UTF-8 strings; NULL = none), so
 * "\u0064evice" is "device".  One call checks a configured or trigger-time
 * object completely. */
int json_check_reserved(const char *text, size_t len, const char *const *names, json_err_t *err);

/* Validates, then writes text without its insignificant white space: every
 * other byte, strings and numbers included, is copied unchanged (escapes
 * kept).  The output is NUL-terminated; *out_len (may be NULL) gets its length
 * without the terminator, so out_size must be at least that + 1, else
 * JSON_E_OVERFLOW.  out may be text itself (in place) but must not otherwise
 * overlap it.  On any error out is left untouched. */
int json_minify(const char *text, size_t len, char *out, size_t out_size, size_t *out_len);

/* Shallow merge (spec section 4): base's members in base's order, where a
 * member of over with the same name (escapes decoded) replaces base's value in
 * place; then over's other members in over's order.  Member names are copied
 * as the input that supplies the member spells them (for a replaced value:
 * base's spelling).  Both inputs are validated (and may contain white space);
 * the output is one minified, NUL-terminated object, which may hold more than
 * JSON_MAX_TOKENS tokens (base and over each hold at most that many).
 * out_size and *out_len as for json_minify; out must not overlap the inputs. */
int json_merge_shallow(const char *base, size_t base_len, const char *over, size_t over_len, char *out, size_t out_size,
                       size_t *out_len);


/* Calls fn for each top-level member of text, in order, after validating it
 * as json_validate_object does (err as there; fn is not called at all when
 * text is refused).  name is the member name with its escapes decoded and
 * NUL-terminated, name_len its full decoded length: a name of name_len >=
 * JSON_NAME_MAX is cut to its first JSON_NAME_MAX - 1 bytes in name (so a
 * caller compares name_len before it trusts name), and a \u0000 in a name
 * makes strlen(name) < name_len.  value[0..value_len) is the member's value as
 * it stands in text (a string with its quotes and escapes, an object or array
 * with any white space inside; never NUL-terminated).  A nonzero return from
 * fn stops the walk early; JSON_OK is returned either way.  No tokens are
 * held while fn runs, so fn may call the other json_ functions. */
typedef int (*json_member_fn)(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len);
int json_each_member(const char *text, size_t len, json_member_fn fn, void *ctx, json_err_t *err);

/* Decodes one JSON string, s[0..len) being exactly the string with its quotes
 * (a value as json_each_member hands it over), into out as UTF-8, escapes
 * decoded and NUL-terminated; *out_len (may be NULL) gets the length without
 * the terminator.  JSON_E_NOT_STRING if s does not start with '"',
 * JSON_E_TRAILING_DATA if anything follows the closing quote, the string
 * errors of validation (escape, surrogate, UTF-8, control byte, end),
 * JSON_E_NUL for \u0000 (the result is a C string), JSON_E_OVERFLOW when
 * out_size is not at least the length + 1.  The decoded text is never longer
 * than len - 2, so out_size = len - 1 is always enough.  out must not overlap s;
 * on error out is untouched. */
int json_string_decode(const char *s, size_t len, char *out, size_t out_size, size_t *out_len);

#endif
