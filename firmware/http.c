/* HTTP/1.1 client, pure parts: see http.h.
 *
 * The parser is a byte-at-a-time state machine for everything that is a line
 * (status line, header and trailer fields, chunk-size lines) and copies body
 * bytes in runs.  Status and header lines are gathered in resp.body, which
 * holds nothing else until the body starts, and are interpreted when their
 * CR LF arrives; trailer and chunk-size lines are checked as they stream by
 * and never stored.  Because every decision depends only on the bytes seen
 * so far, never on how they were cut into calls, any chunking of the same
 * bytes gives the same result at the same offset (the fuzz target checks it).
 */
#include "http.h"

#include <string.h>

#include "calendar.h"
#include "grammar.h"
#include "json.h"

/* The line buffer is the kept body: every line must fit in it. */
_Static_assert(HTTP_STATUS_LINE_MAX >= 12u && HTTP_STATUS_LINE_MAX <= HTTP_BODY_KEEP, "status line buffer");
_Static_assert(HTTP_HEADER_LINE_MAX >= 32u && HTTP_HEADER_LINE_MAX <= HTTP_BODY_KEEP, "header line buffer");
_Static_assert(HTTP_BODY_KEEP <= 65535u, "body_len is 16 bits");
_Static_assert(HTTP_HEADERS_MAX >= 1u && HTTP_HEADERS_MAX < 255u, "lines is 8 bits");
_Static_assert(HTTP_INTERIM_MAX < 255u, "interim is 8 bits");
_Static_assert(HTTP_CHUNK_LINE_MAX >= 1u && HTTP_CHUNK_LINE_MAX <= 65535u, "line_len is 16 bits");
_Static_assert(HTTP_CONTENT_LENGTH_MAX <= 0x7FFFFFFFul, "lengths are 32 bits");

/* ---- characters ----------------------------------------------------------- */

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* RFC 9110 tchar */
static bool is_tchar(unsigned c)
{
    return is_alnum(c) || (c != 0 && strchr(GRAMMAR_TCHARS, (int)c) != NULL);
}

/* What a field value, reason phrase or chunk extension may hold: HTAB, SP,
 * VCHAR, obs-text. */
static bool is_text(unsigned c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

static unsigned lower(unsigned c)
{
    return c >= 'A' && c <= 'Z' ? c + 32u : c;
}

static int hex_value(unsigned c)
{
    if (is_digit(c)) {
        return (int)(c - '0');
    }
    c = lower(c);
    return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* s[0..n) equals the lowercase word w, ignoring ASCII case. */
static bool eq_nocase(const uint8_t *s, size_t n, const char *w)
{
    size_t k = 0;
    for (; k < n && w[k] != '\0'; k++) {
        if (lower(s[k]) != (unsigned char)w[k]) {
            return false;
        }
    }
    return k == n && w[k] == '\0';
}

/* ---- the request ---------------------------------------------------------- */

typedef struct {
    char *out;
    size_t size;
    size_t len;
    bool over;
} s_out_t;

static void put_n(s_out_t *o, const char *s, size_t n)
{
    /* room for the terminator stays */
    if (o->over || n >= o->size - o->len) {
        o->over = true;
        return;
    }
    memcpy(o->out + o->len, s, n);
    o->len += n;
}

static void put(s_out_t *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static void put_u32(s_out_t *o, uint32_t v)
{
    char d[10];
    size_t n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    put_n(o, d + sizeof d - n, n);
}

/* 40 lower-case hex digits: HMAC-SHA1 as the signature header carries it. */
static bool signature_ok(const char *s)
{
    if (s == NULL) {
        return false;
    }
    for (size_t n = 0; n < 40u; n++) {
        unsigned c = (unsigned char)s[n];
        if (!(is_digit(c) || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return s[40] == '\0';
}

int http_request_build(char *out, size_t size, size_t *len, const http_request_t *r)
{
    if (out == NULL || r == NULL) {
        return HTTP_E_ARG;
    }
    if (size > 0) {
        out[0] = '\0';
    }
    if (!grammar_word(r->host, ".-", 1, 253u) || r->port == 0 ||
        !(r->path_prefix == NULL || grammar_path_prefix(r->path_prefix, 128u)) || !grammar_word(r->org, "._-", 1, 64u) ||
        !grammar_word(r->webhook, "_-", 1, 64u) || !grammar_word(r->api_version, ".-", 1, 32u) ||
        !grammar_word(r->sig_header, GRAMMAR_TCHARS, 1, 64u) || !signature_ok(r->signature) ||
        !grammar_word(r->version, ".+-", 1, 32u)) {
        return HTTP_E_ARG;
    }
    s_out_t o = {out, size, 0, size == 0};
    put(&o, "POST ");
    if (r->path_prefix != NULL) {
        put(&o, r->path_prefix);
    }
    put(&o, "/");
    put(&o, r->org);
    put(&o, "/_apis/public/distributedtask/webhooks/");
    put(&o, r->webhook);
    put(&o, "?api-version=");
    put(&o, r->api_version);
    put(&o, " HTTP/1.1\r\nHost: ");
    put(&o, r->host);
    if (r->port != 443u) {
        put(&o, ":");
        put_u32(&o, r->port);
    }
    put(&o, "\r\nContent-Type: application/json\r\nContent-Length: ");
    put_u32(&o, r->content_length);
    put(&o, "\r\n");
    put(&o, r->sig_header);
    put(&o, ": ");
    put(&o, r->signature);
    put(&o, "\r\nUser-Agent: pipebutton/");
    put(&o, r->version);
    put(&o, "\r\n");
    if (!r->keep_alive) {
        put(&o, "Connection: close\r\n");
    }
    put(&o, "\r\n");
    if (o.over) {
        if (size > 0) {
            out[0] = '\0';
        }
        return HTTP_E_OVERFLOW;
    }
    out[o.len] = '\0';
    if (len != NULL) {
        *len = o.len;
    }
    return HTTP_OK;
}

/* ---- HTTP-date (RFC 9110 section 5.6.7) ------------------------------------ */

static int digits(const uint8_t *s, size_t n)
{
    int v = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit(s[k])) {
            return -1;
        }
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

static const char s_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char s_days[] = "MonTueWedThuFriSatSun";
static const char *const s_long_days[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                          "Sunday"};

static int month_of(const uint8_t *s)
{
    for (int k = 0; k < 12; k++) {
        if (memcmp(s, s_months + 3 * k, 3) == 0) {
            return k + 1;
        }
    }
    return 0;
}

static bool day_name(const uint8_t *s)
{
    for (int k = 0; k < 7; k++) {
        if (memcmp(s, s_days + 3 * k, 3) == 0) {
            return true;
        }
    }
    return false;
}

/* "HH:MM:SS" into seconds of the day, or -1. */
static int32_t time_of_day(const uint8_t *s)
{
    int h = digits(s, 2), m = digits(s + 3, 2), sec = digits(s + 6, 2);
    if (h < 0 || m < 0 || sec < 0 || s[2] != ':' || s[5] != ':' || h > 23 || m > 59 || sec > 60) {
        return -1;
    }
    return (int32_t)(h * 3600 + m * 60 + sec);
}

static bool date_ok(int y, int m, int d)
{
    return y >= 0 && m >= 1 && d >= 1 && calendar_valid(y, (unsigned)m, (unsigned)d);
}

/* An HTTP-date in any of its three forms into UTC seconds since 1970 (may be
 * negative); false if s[0..n) is none of them.  The day name must be one but
 * is not checked against the date. */
static bool http_date(const uint8_t *s, size_t n, uint64_t now_s, int64_t *t)
{
    int y, m, d;
    int32_t tod;
    if (n == 29) {
        /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        if (!day_name(s) || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
            memcmp(s + 25, " GMT", 4) != 0) {
            return false;
        }
        d = digits(s + 5, 2);
        m = month_of(s + 8);
        y = digits(s + 12, 4);
        tod = time_of_day(s + 17);
    } else if (n == 24) {
        /* asctime: Sun Nov  6 08:49:37 1994 */
        if (!day_name(s) || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ') {
            return false;
        }
        m = month_of(s + 4);
        d = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
        y = digits(s + 20, 4);
        tod = time_of_day(s + 11);
    } else {
        /* rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT */
        size_t k = 0, dn = 0;
        for (; k < 7; k++) {
            dn = strlen(s_long_days[k]);
            if (n == dn + 24 && memcmp(s, s_long_days[k], dn) == 0) {
                break;
            }
        }
        if (k == 7) {
            return false;
        }
        s += dn;
        if (memcmp(s, ", ", 2) != 0 || s[4] != '-' || s[8] != '-' || s[11] != ' ' || memcmp(s + 20, " GMT", 4) != 0) {
            return false;
        }
        d = digits(s + 2, 2);
        m = month_of(s + 5);
        int yy = digits(s + 9, 2);
        tod = time_of_day(s + 12);
        if (yy < 0) {
            return false;
        }
        /* RFC 9110: a two-digit year more than 50 years in the future is the
         * most recent past year with those digits. */
        uint64_t days = now_s / 86400u;
        int32_t now_year = (int32_t)calendar_date(days > 3000000u ? 3000000 : (int64_t)days).year;
        y = (int)(now_year - now_year % 100 + yy);
        if (y > now_year + 50) {
            y -= 100;
        }
    }
    if (tod < 0 || !date_ok(y, m, d)) {
        return false;
    }
    *t = calendar_days(y, (unsigned)m, (unsigned)d) * 86400 + tod;
    return true;
}

/* A Retry-After value (OWS trimmed) into 1..3600 seconds, 0 if invalid. */
static uint16_t retry_after(const uint8_t *v, size_t n, uint64_t now_s)
{
    uint32_t s = 0;
    if (n == 0) {
        return 0;
    }
    if (is_digit(v[0])) {
        for (size_t k = 0; k < n; k++) {
            if (!is_digit(v[k])) {
                return 0;
            }
            if (s <= HTTP_RETRY_AFTER_MAX_S) {
                s = s * 10u + (uint32_t)(v[k] - '0');
            }
        }
    } else {
        int64_t t;
        if (!http_date(v, n, now_s, &t)) {
            return 0;
        }
        /* now_s beyond INT64_MAX is not a time this device will see */
        int64_t now = now_s > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)now_s;
        if (t <= now) {
            s = 0;
        } else {
            s = t - now > (int64_t)HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S : (uint32_t)(t - now);
        }
    }
    if (s < HTTP_RETRY_AFTER_MIN_S) {
        s = HTTP_RETRY_AFTER_MIN_S;
    }
    return (uint16_t)(s > HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S : s);
}

/* ---- the response parser --------------------------------------------------- */

enum {
    ST_STATUS = 0, /* the status line, into the line buffer */
    ST_HEADER,     /* header field lines, into the line buffer */
    ST_BODY_LEN,   /* remaining bytes of a Content-Length body */
    ST_BODY_EOF,   /* a body delimited by the close */
    ST_CHUNK_SIZE, /* a chunk-size line (sub: CH_*) */
    ST_CHUNK_DATA, /* remaining bytes of a chunk */
    ST_CHUNK_END,  /* the CR LF after a chunk's data (sub 0: CR, 1: LF) */
    ST_TRAILER,    /* trailer field lines, checked and dropped */
    ST_DONE
};

/* sub-states of a field line */
enum { FL_START = 0, FL_NAME, FL_VALUE };
/* sub-states of a chunk-size line */
enum { CH_START = 0, CH_DIGITS, CH_BWS, CH_EXT };

void http_parser_init(http_parser_t *p, uint64_t now_utc_s)
{
    memset(p, 0, sizeof *p);
    p->now_s = now_utc_s;
}

/* Forgets a response's header section: for the next one after a 1xx. */
static void reset_section(http_parser_t *p)
{
    http_response_t *r = &p->resp;
    r->status = 0;
    r->version_minor = 0;
    r->chunked = false;
    r->has_content_length = false;
    r->close = false;
    r->reusable = false;
    r->retry_after_s = 0;
    r->content_length = 0;
    p->retry_after_lines = 0;
    p->te_seen = false;
    p->keep_alive_token = false;
}

static int status_line(http_parser_t *p, size_t n)
{
    const uint8_t *s = p->resp.body;
    if (n < 8 || memcmp(s, "HTTP/", 5) != 0 || !is_digit(s[5]) || s[6] != '.' || !is_digit(s[7])) {
        return HTTP_E_STATUS_LINE;
    }
    if (s[5] != '1' || (s[7] != '0' && s[7] != '1')) {
        return HTTP_E_VERSION;
    }
    if (n < 12 || s[8] != ' ' || digits(s + 9, 3) < 100 || (n > 12 && s[12] != ' ')) {
        return HTTP_E_STATUS_LINE;
    }
    /* the reason phrase's bytes were checked as they came (line_byte) */
    p->resp.status = (uint16_t)digits(s + 9, 3);
    p->resp.version_minor = (uint8_t)(s[7] - '0');
    return HTTP_INCOMPLETE;
}

/* Content-Length: 1#(1*DIGIT), every element the same value. */
static int content_length(http_parser_t *p, const uint8_t *v, size_t n)
{
    size_t k = 0;
    do {
        while (k < n && (v[k] == ' ' || v[k] == '\t')) {
            k++;
        }
        if (k == n || !is_digit(v[k])) {
            return HTTP_E_LENGTH;
        }
        uint32_t x = 0;
        for (; k < n && is_digit(v[k]); k++) {
            x = x * 10u + (uint32_t)(v[k] - '0');
            if (x > HTTP_CONTENT_LENGTH_MAX) {
                return HTTP_E_LENGTH;
            }
        }
        while (k < n && (v[k] == ' ' || v[k] == '\t')) {
            k++;
        }
        if (k < n && v[k] != ',') {
            return HTTP_E_LENGTH;
        }
        if (p->resp.has_content_length && x != p->resp.content_length) {
            return HTTP_E_LENGTH;
        }
        p->resp.has_content_length = true;
        p->resp.content_length = x;
    } while (k++ < n);
    return HTTP_INCOMPLETE;
}

/* Connection: a comma list of tokens; close and keep-alive matter. */
static void connection(http_parser_t *p, const uint8_t *v, size_t n)
{
    size_t k = 0;
    while (k < n) {
        size_t a = k;
        while (k < n && v[k] != ',') {
            k++;
        }
        size_t b = k++;
        while (a < b && (v[a] == ' ' || v[a] == '\t')) {
            a++;
        }
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) {
            b--;
        }
        if (eq_nocase(v + a, b - a, "close")) {
            p->resp.close = true;
        } else if (eq_nocase(v + a, b - a, "keep-alive")) {
            p->keep_alive_token = true;
        }
    }
}

/* A complete header line (already checked by field_char) in the buffer. */
static int header_line(http_parser_t *p, size_t n)
{
    const uint8_t *s = p->resp.body;
    size_t colon = 0;
    while (s[colon] != ':') {
        colon++;
    }
    size_t a = colon + 1, b = n;
    while (a < b && (s[a] == ' ' || s[a] == '\t')) {
        a++;
    }
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) {
        b--;
    }
    const uint8_t *v = s + a;
    size_t vn = b - a;
    if (eq_nocase(s, colon, "content-length")) {
        return content_length(p, v, vn);
    }
    if (eq_nocase(s, colon, "transfer-encoding")) {
        if (p->te_seen || p->resp.version_minor == 0 || !eq_nocase(v, vn, "chunked")) {
            return HTTP_E_TRANSFER_ENCODING;
        }
        p->te_seen = true;
        p->resp.chunked = true;
    } else if (eq_nocase(s, colon, "connection")) {
        connection(p, v, vn);
    } else if (eq_nocase(s, colon, "retry-after")) {
        if (p->retry_after_lines < 2) {
            p->retry_after_lines++;
        }
        p->resp.retry_after_s = retry_after(v, vn, p->now_s);
    }
    return HTTP_INCOMPLETE;
}

/* The empty line after a header section. */
static int headers_end(http_parser_t *p)
{
    http_response_t *r = &p->resp;
    if (r->status < 200 && r->status != 101) {
        if (++p->interim > HTTP_INTERIM_MAX) {
            return HTTP_E_TOO_MANY;
        }
        reset_section(p);
        p->state = ST_STATUS;
        return HTTP_INCOMPLETE;
    }
    if (r->chunked && r->has_content_length) {
        return HTTP_E_LENGTH;
    }
    if (p->retry_after_lines > 1) {
        r->retry_after_s = 0;
    }
    r->close = r->close || (r->version_minor == 0 && !p->keep_alive_token);
    r->reusable = !r->close;
    r->body_len = 0;
    r->body_total = 0;
    if (r->status == 101 || r->status == 204 || r->status == 304) {
        r->reusable = r->reusable && r->status != 101;
        p->state = ST_DONE;
        return HTTP_DONE;
    }
    if (r->chunked) {
        p->state = ST_CHUNK_SIZE;
        return HTTP_INCOMPLETE;
    }
    if (r->has_content_length) {
        p->remaining = r->content_length;
        p->state = r->content_length == 0 ? ST_DONE : ST_BODY_LEN;
        return r->content_length == 0 ? HTTP_DONE : HTTP_INCOMPLETE;
    }
    r->reusable = false;
    p->state = ST_BODY_EOF;
    return HTTP_INCOMPLETE;
}

/* One byte of a header or trailer line, checked as it comes: a token, ':',
 * then text.  A line starting with white space is obsolete folding. */
static int field_char(http_parser_t *p, unsigned c)
{
    switch (p->sub) {
    case FL_START:
        if (!is_tchar(c)) {
            return HTTP_E_HEADER;
        }
        p->sub = FL_NAME;
        break;
    case FL_NAME:
        if (c == ':') {
            p->sub = FL_VALUE;
        } else if (!is_tchar(c)) {
            return HTTP_E_HEADER;
        }
        break;
    default:
        if (!is_text(c)) {
            return HTTP_E_HEADER;
        }
        break;
    }
    return HTTP_INCOMPLETE;
}

/* One byte of a chunk-size line: hex digits, optional BWS, then ";..." */
static int chunk_char(http_parser_t *p, unsigned c)
{
    int h = hex_value(c);
    if (p->sub == CH_EXT) {
        return is_text(c) ? HTTP_INCOMPLETE : HTTP_E_CHUNK;
    }
    if (h >= 0 && p->sub != CH_BWS) {
        if (p->chunk_size > (HTTP_CONTENT_LENGTH_MAX - (uint32_t)h) / 16u) {
            return HTTP_E_LENGTH;
        }
        p->chunk_size = p->chunk_size * 16u + (uint32_t)h;
        p->sub = CH_DIGITS;
    } else if (p->sub != CH_START && (c == ' ' || c == '\t')) {
        p->sub = CH_BWS;
    } else if (p->sub != CH_START && c == ';') {
        p->sub = CH_EXT;
    } else {
        return HTTP_E_CHUNK;
    }
    return HTTP_INCOMPLETE;
}

/* The CR LF of a line has arrived. */
static int line_end(http_parser_t *p)
{
    uint8_t sub = p->sub;
    size_t n = p->line_len;
    p->line_len = 0;
    p->sub = 0;
    switch (p->state) {
    case ST_STATUS:
        p->lines = 0;
        p->state = ST_HEADER;
        return status_line(p, n);
    case ST_HEADER:
    case ST_TRAILER:
        if (n == 0) {
            if (p->state == ST_TRAILER) {
                p->state = ST_DONE;
                return HTTP_DONE;
            }
            return headers_end(p);
        }
        if (sub != FL_VALUE) {
            return HTTP_E_HEADER;
        }
        if (++p->lines > HTTP_HEADERS_MAX) {
            return HTTP_E_TOO_MANY;
        }
        return p->state == ST_HEADER ? header_line(p, n) : HTTP_INCOMPLETE;
    default: /* ST_CHUNK_SIZE */
        if (sub != CH_DIGITS && sub != CH_EXT) {
            return HTTP_E_CHUNK;
        }
        if (p->chunk_size > HTTP_CONTENT_LENGTH_MAX - p->resp.body_total) {
            return HTTP_E_LENGTH;
        }
        p->remaining = p->chunk_size;
        p->chunk_size = 0;
        if (p->remaining == 0) {
            p->lines = 0;
            p->state = ST_TRAILER;
        } else {
            p->state = ST_CHUNK_DATA;
        }
        return HTTP_INCOMPLETE;
    }
}

/* One byte of a line in any line state. */
static int line_byte(http_parser_t *p, unsigned c)
{
    int bad = p->state == ST_STATUS ? HTTP_E_STATUS_LINE : p->state == ST_CHUNK_SIZE ? HTTP_E_CHUNK : HTTP_E_HEADER;
    if (p->cr) {
        if (c != '\n') {
            return bad;
        }
        p->cr = false;
        return line_end(p);
    }
    if (c == '\r') {
        p->cr = true;
        return HTTP_INCOMPLETE;
    }
    if (c == '\n') {
        return bad;
    }
    size_t max = p->state == ST_STATUS     ? HTTP_STATUS_LINE_MAX
                 : p->state == ST_CHUNK_SIZE ? HTTP_CHUNK_LINE_MAX
                                             : HTTP_HEADER_LINE_MAX;
    if (p->line_len >= max) {
        return HTTP_E_TOO_LONG;
    }
    int r = HTTP_INCOMPLETE;
    if (p->state == ST_CHUNK_SIZE) {
        r = chunk_char(p, c);
    } else if (p->state != ST_STATUS) {
        r = field_char(p, c);
    } else if ((p->line_len < 5 && c != (unsigned char)"HTTP/"[p->line_len]) || !is_text(c)) {
        /* not a status line: said at once, not after 256 bytes or a close */
        r = HTTP_E_STATUS_LINE;
    }
    if (r == HTTP_INCOMPLETE) {
        if (p->state == ST_STATUS || p->state == ST_HEADER) {
            p->resp.body[p->line_len] = (uint8_t)c;
        }
        p->line_len++;
    }
    return r;
}

static void keep(http_parser_t *p, const uint8_t *d, size_t n)
{
    http_response_t *r = &p->resp;
    r->body_total += (uint32_t)n;
    if (p->on_body != NULL) {
        p->on_body(p->body_ctx, d, n);
        return;
    }
    size_t room = HTTP_BODY_KEEP - r->body_len;
    size_t k = n < room ? n : room;
    memcpy(r->body + r->body_len, d, k);
    r->body_len = (uint16_t)(r->body_len + k);
}

void http_parser_on_body(http_parser_t *p, http_body_fn fn, void *ctx)
{
    p->on_body = fn;
    p->body_ctx = ctx;
}

int http_parse(http_parser_t *p, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    int r = HTTP_INCOMPLETE;
    *consumed = 0;
    if (p->error != 0) {
        return p->error;
    }
    if (p->state == ST_DONE) {
        return HTTP_DONE;
    }
    if (data == NULL) {
        return len == 0 ? HTTP_INCOMPLETE : HTTP_E_ARG;
    }
    while (i < len && r == HTTP_INCOMPLETE) {
        size_t avail = len - i, n;
        switch (p->state) {
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
            n = avail < p->remaining ? avail : p->remaining;
            keep(p, data + i, n);
            i += n;
            p->remaining -= (uint32_t)n;
            if (p->remaining == 0) {
                if (p->state == ST_BODY_LEN) {
                    p->state = ST_DONE;
                    r = HTTP_DONE;
                } else {
                    p->state = ST_CHUNK_END;
                    p->sub = 0;
                }
            }
            break;
        case ST_BODY_EOF:
            n = HTTP_CONTENT_LENGTH_MAX - p->resp.body_total;
            if (avail > n) {
                keep(p, data + i, n);
                i += n;
                r = HTTP_E_LENGTH;
            } else {
                keep(p, data + i, avail);
                i += avail;
            }
            break;
        case ST_CHUNK_END:
            if (data[i] != (p->sub == 0 ? '\r' : '\n')) {
                r = HTTP_E_CHUNK;
                break;
            }
            i++;
            if (p->sub++ != 0) {
                p->sub = CH_START;
                p->state = ST_CHUNK_SIZE;
            }
            break;
        default:
            r = line_byte(p, data[i]);
            if (r >= 0) {
                i++;
            }
            break;
        }
    }
    *consumed = i;
    p->received = i > UINT32_MAX - p->received ? UINT32_MAX : p->received + (uint32_t)i;
    if (r < 0) {
        p->error = (int8_t)r;
    }
    return r;
}

int http_parse_eof(http_parser_t *p)
{
    if (p->error != 0) {
        return p->error;
    }
    if (p->state == ST_BODY_EOF) {
        p->state = ST_DONE;
    }
    if (p->state == ST_DONE) {
        return HTTP_DONE;
    }
    p->error = (int8_t)(p->received == 0 ? HTTP_E_NO_RESPONSE : HTTP_E_TRUNCATED);
    return p->error;
}

/* ---- delivery rules -------------------------------------------------------- */

/* Whether the JSON string s[0..n) (quotes included, already validated)
 * contains "webhook" in any ASCII case once its escapes are decoded.  No
 * border of "webhook" is longer than nothing ('w' occurs once), so a
 * mismatch restarts the match at this character. */
static bool mentions_webhook(const char *s, size_t n)
{
    static const char w[] = "webhook";
    size_t m = 0;
    for (size_t k = 1; k + 1 < n && m < sizeof w - 1; k++) {
        unsigned c = (unsigned char)s[k];
        if (c == '\\') {
            c = (unsigned char)s[++k];
            if (c == 'u') {
                unsigned cp = 0;
                for (int j = 0; j < 4; j++) {
                    cp = cp * 16u + (unsigned)hex_value((unsigned char)s[++k]);
                }
                c = cp < 0x80u ? cp : 0x80u;
            }
            /* \" \\ \/ decode to themselves; \b \f \n \r \t to controls,
             * which match nothing here, and neither do their letters */
            else if (c != '"' && c != '\\' && c != '/') {
                c = 0;
            }
        }
        c = lower(c);
        m = c == (unsigned char)w[m] ? m + 1 : (c == 'w' ? 1 : 0);
    }
    return m == sizeof w - 1;
}

static int on_member(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    bool *found = ctx;
    bool type_member = (name_len == 8 && memcmp(name, "typeName", 8) == 0) ||
                       (name_len == 7 && memcmp(name, "typeKey", 7) == 0);
    if (type_member && value[0] == '"' && mentions_webhook(value, value_len)) {
        *found = true;
        return 1;
    }
    return 0;
}

bool http_webhook_exception(const http_response_t *r)
{
    bool found = false;
    size_t n = r->body_len <= HTTP_BODY_KEEP ? r->body_len : HTTP_BODY_KEEP;
    if (r->status != 500) {
        return false;
    }
    (void)json_each_member((const char *)r->body, n, on_member, &found, NULL);
    return found;
}
