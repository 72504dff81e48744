/*
 * The HTTP/1.1 client's pure parts: the request head of spec section 4, an
 * incremental response parser fed whatever the TLS layer delivers, and the
 * check for Azure's webhook exception in a 500's body.  No
 * I/O, no clock, no allocation: the caller owns every buffer (an
 * http_parser_t is a plain struct it keeps, typically static) and passes in
 * the time.
 *
 * The server is not trusted.  Every length has a limit below (each can be
 * overridden with -D, within the bounds the static assertions in http.c
 * check); going over one is an error, never a silent truncation, except for
 * the body, of which the first HTTP_BODY_KEEP bytes are kept and the rest
 * counted.  The grammar is RFC 9112's, applied strictly where a lenient
 * reading could let two parties see different messages:
 *   - lines end with CR LF; a bare CR or bare LF is an error;
 *   - status line "HTTP/1.0" or "HTTP/1.1", SP, three digits (100..999), and
 *     optionally SP and a reason phrase (ignored); other versions are
 *     HTTP_E_VERSION;
 *   - header names are tokens, compared case-insensitively, with no white
 *     space before the colon; values may hold SP, HTAB, visible ASCII and
 *     obs-text (0x80..0xFF), nothing else; a line starting with SP or HTAB
 *     (obsolete line folding) is an error;
 *   - Content-Length: digits, or a comma list of identical values, possibly
 *     repeated over several lines with that same value; two different values,
 *     or one above HTTP_CONTENT_LENGTH_MAX, is HTTP_E_LENGTH;
 *   - Transfer-Encoding: exactly one line whose value is "chunked" (any case);
 *     any other coding, a list, a repeat, or its presence in an HTTP/1.0
 *     response is HTTP_E_TRANSFER_ENCODING; together with Content-Length it is
 *     HTTP_E_LENGTH (a request-smuggling shape);
 *   - chunked bodies: hex size (leading zeros allowed, value at most
 *     HTTP_CONTENT_LENGTH_MAX and so is the sum), optional chunk extensions
 *     (";..." of visible characters, ignored), CR LF after every chunk's
 *     data, trailer fields checked like header lines and then ignored;
 *   - with neither header the body runs until the connection closes, which
 *     the caller reports with http_parse_eof(); still at most
 *     HTTP_CONTENT_LENGTH_MAX bytes;
 *   - 1xx responses other than 101 are interim: their header section is
 *     checked and dropped and the next response is read (at most
 *     HTTP_INTERIM_MAX of them); 101 (never asked for) is final and has no
 *     body; so have 204 and 304.
 *
 * Responses to HEAD do not exist here: the device only POSTs.
 *
 * Memory: no static RAM and nothing allocated here; an http_parser_t holds
 * the kept body (HTTP_BODY_KEEP bytes), which also serves as the line buffer
 * while the header section is read, and its caller decides where it lives
 * (https.c takes it from the heap once the connection is open).  Stack:
 * small and bounded; http_webhook_exception adds json.c's validation.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits (defaults; each may be set with -D) --------------------------- */

/* Bytes of the status line, CR LF not counted. */
#ifndef HTTP_STATUS_LINE_MAX
#define HTTP_STATUS_LINE_MAX 256u
#endif
/* Bytes of one header or trailer field line, CR LF not counted. */
#ifndef HTTP_HEADER_LINE_MAX
#define HTTP_HEADER_LINE_MAX 512u
#endif
/* Field lines in one header section (and, separately, in the trailer section). */
#ifndef HTTP_HEADERS_MAX
#define HTTP_HEADERS_MAX 64u
#endif
/* Bytes of one chunk-size line (size and extensions), CR LF not counted. */
#ifndef HTTP_CHUNK_LINE_MAX
#define HTTP_CHUNK_LINE_MAX 128u
#endif
/* Interim (1xx) responses before the final one. */
#ifndef HTTP_INTERIM_MAX
#define HTTP_INTERIM_MAX 8u
#endif
/* Body bytes kept; the spec's webhook rule looks at the first 2 KB. */
#ifndef HTTP_BODY_KEEP
#define HTTP_BODY_KEEP 512u
#endif
/* Largest body: a Content-Length, the sum of the chunk sizes, or what comes
 * before the close. */
#ifndef HTTP_CONTENT_LENGTH_MAX
#define HTTP_CONTENT_LENGTH_MAX (16ul * 1024ul * 1024ul)
#endif

/* Retry-After is clamped to this range (spec section 5). */
#define HTTP_RETRY_AFTER_MIN_S 1u
#define HTTP_RETRY_AFTER_MAX_S 3600u

/* A request head built from any configuration that cfg.c accepts fits in
 * this many bytes, terminator included (the longest is 870 + 1). */
#define HTTP_REQUEST_HEAD_MAX 896u

/* ---- status --------------------------------------------------------------- */

typedef enum {
    HTTP_OK = 0,                    /* http_request_build: written */
    HTTP_INCOMPLETE = 1,            /* http_parse: every byte taken, more needed */
    HTTP_DONE = 2,                  /* http_parse/_eof: the response is complete */
    HTTP_E_ARG = -1,                /* a NULL pointer, or a request field outside its syntax */
    HTTP_E_OVERFLOW = -2,           /* the request head does not fit */
    HTTP_E_STATUS_LINE = -3,        /* the status line is malformed */
    HTTP_E_VERSION = -4,            /* HTTP/x.y other than 1.0 and 1.1 */
    HTTP_E_HEADER = -5,             /* a malformed header or trailer line (incl. folding, bare CR/LF) */
    HTTP_E_TOO_LONG = -6,           /* a status, header, trailer or chunk-size line over its limit */
    HTTP_E_TOO_MANY = -7,           /* over HTTP_HEADERS_MAX field lines or HTTP_INTERIM_MAX 1xx */
    HTTP_E_LENGTH = -8,             /* Content-Length malformed, conflicting, with chunked, or too big */
    HTTP_E_TRANSFER_ENCODING = -9,  /* Transfer-Encoding other than one "chunked" in HTTP/1.1 */
    HTTP_E_CHUNK = -10,             /* malformed chunked framing */
    HTTP_E_TRUNCATED = -11,         /* the connection closed inside the response */
    HTTP_E_NO_RESPONSE = -12        /* the connection closed before any response byte */
} http_status_t;


/* ---- the request head (spec section 4) ------------------------------------ */

typedef struct {
    const char *host;          /* RFC 1123 name or dotted IPv4: [A-Za-z0-9.-]{1,253} */
    uint16_t port;             /* 1..65535; ":port" is added to Host unless 443 */
    const char *path_prefix;   /* NULL, "" or (/[A-Za-z0-9._-]+)*, at most 128 bytes */
    const char *org;           /* [A-Za-z0-9._-]{1,64} */
    const char *webhook;       /* [A-Za-z0-9_-]{1,64} */
    const char *api_version;   /* [A-Za-z0-9.-]{1,32} */
    const char *sig_header;    /* an RFC 9110 token, 1..64 bytes */
    const char *signature;     /* exactly 40 lowercase hex digits */
    const char *version;       /* the firmware's semver: [A-Za-z0-9.+-]{1,32} */
    uint32_t content_length;   /* the body's length (the body is sent separately) */
    bool keep_alive;           /* false: "Connection: close" is sent */
} http_request_t;

/* Writes the request head, up to and including the blank line, into
 * out[0..size), NUL-terminated; *len (may be NULL) gets its length without
 * the terminator.  The lines, in this order:
 *
 *   POST X/O/_apis/public/distributedtask/webhooks/W?api-version=V HTTP/1.1
 *   Host: H            or H:P when P is not 443
 *   Content-Type: application/json
 *   Content-Length: n
 *   <sig_header>: <signature>
 *   User-Agent: pipebutton/<version>
 *   Connection: close  only when !keep_alive (HTTP/1.1 keeps alive otherwise)
 *   (empty line)
 *
 * Every field is checked against its syntax above (the configuration was
 * checked when set; this keeps a CR LF or a space from ever reaching the
 * wire): HTTP_E_ARG if one is off.  HTTP_E_OVERFLOW if the head plus its
 * terminator does not fit in size; out is then undefined (not a partial
 * request: out[0] is NUL when size > 0). */
int http_request_build(char *out, size_t size, size_t *len, const http_request_t *r);

/* ---- the response ------------------------------------------------------- */

typedef struct {
    uint16_t status;           /* the final response's code, 100..999; 0 before its status line */
    uint8_t version_minor;     /* 0 or 1 (HTTP/1.x) */
    bool chunked;              /* Transfer-Encoding: chunked */
    bool has_content_length;
    bool close;                /* Connection: close, or HTTP/1.0 without keep-alive */
    /* After HTTP_DONE: the connection may carry the next request: the body's
     * end was known from its framing (not from the close) and the server did
     * not ask to close. */
    bool reusable;
    uint16_t retry_after_s;    /* 0: none (absent, invalid or repeated); else 1..3600 */
    uint32_t content_length;   /* when has_content_length */
    uint32_t body_total;       /* body bytes received (chunk framing removed) */
    uint16_t body_len;         /* bytes kept in body: min(body_total, HTTP_BODY_KEEP) */
    /* body[0..body_len): the first bytes of the body.  While the header
     * section is read this is the parser's line buffer: nothing else in it
     * means anything. */
    uint8_t body[HTTP_BODY_KEEP];
} http_response_t;

/* Receives the body's bytes as they arrive, chunk framing removed, instead
 * of the parser keeping the first HTTP_BODY_KEEP of them. */
typedef void (*http_body_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct {
    http_response_t resp;      /* what was parsed so far; complete after HTTP_DONE */
    http_body_fn on_body;      /* http_parser_on_body() */
    void *body_ctx;
    /* private: the parser's state */
    uint64_t now_s;            /* UTC seconds, for Retry-After dates */
    uint32_t remaining;        /* body or chunk bytes still to come */
    uint32_t chunk_size;       /* the chunk-size line's value so far */
    uint32_t received;         /* bytes taken, saturating */
    uint16_t line_len;         /* bytes of the current line so far, CR LF not counted */
    uint8_t state;
    uint8_t sub;               /* the state's own sub-state */
    uint8_t lines;             /* field lines in this section */
    uint8_t interim;           /* 1xx responses seen */
    uint8_t retry_after_lines;
    bool cr;                   /* a CR was the last byte: LF must follow */
    bool te_seen;
    bool keep_alive_token;     /* Connection: keep-alive */
    int8_t error;              /* sticky: the first error, 0 if none */
} http_parser_t;

/* Starts a parser for one response; now_utc_s converts an HTTP-date
 * Retry-After into seconds.  Reuse a parser for the next response on a kept
 * connection by calling this again. */
void http_parser_init(http_parser_t *p, uint64_t now_utc_s);

/* Hands the body to fn (NULL: keep its first bytes in resp.body). */
void http_parser_on_body(http_parser_t *p, http_body_fn fn, void *ctx);

/* Takes data[0..len) (len may be 0 and data then NULL), in whatever pieces
 * the transport delivers.  *consumed (never NULL) gets how many bytes were
 * taken:
 *   HTTP_INCOMPLETE  all len bytes; feed more (or http_parse_eof() when the
 *                    peer closes);
 *   HTTP_DONE        the response ended after *consumed bytes; the others
 *                    belong to no request of ours (the caller treats any as
 *                    an error).  Later calls return HTTP_DONE, taking 0.
 *   < 0              an error, found at data[*consumed]: the byte that
 *                    showed it (for a line checked as a whole, the LF that
 *                    ends it); later calls return the same error, taking 0.
 *                    HTTP_E_ARG (not kept) if data is NULL and len is not 0.
 * Whatever the chunking, the same bytes give the same result. */
int http_parse(http_parser_t *p, const uint8_t *data, size_t len, size_t *consumed);

/* The peer closed the connection: HTTP_DONE if that completes the response
 * (a body delimited by the close; or one already complete), else
 * HTTP_E_NO_RESPONSE (not a byte came) or HTTP_E_TRUNCATED; an earlier
 * error stays. */
int http_parse_eof(http_parser_t *p);

/* ---- the answer's meaning -------------------------------------------------- */

/* Whether a 500's kept body (body[0..body_len)) is Azure's webhook
 * exception: one strict JSON object (json.h, with its limits: at most 64
 * tokens, depth 8, no duplicate names) with a top-level member "typeName" or
 * "typeKey" whose string value contains "webhook" in any ASCII case, escapes
 * decoded.  Anything else - HTML, a truncated or oversized envelope, a
 * WebHook named only in "message" - is not (retry.h says what follows). */
bool http_webhook_exception(const http_response_t *r);

#endif
