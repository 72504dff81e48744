/* libFuzzer target for the `ca add` PEM capture in firmware/ca.c, with the
 * real mbedTLS underneath (base64, ASN.1, X.509, PK, signature checks).
 *
 * The input is text split into lines at '\n' (a trailing '\r' is the
 * line editor's business and stays).  The target runs `ca add`, feeds every
 * line to the capture exactly as the console does (a line longer than the
 * console's 512 bytes arrives as NULL), and ends with an END line if the
 * capture is still open.  Then `ca list` and, when the input's first byte
 * says so, `ca remove` and `ca builtin`.  Checked on every input:
 *   - `ca add` writes exactly one final line (OK or ERR), whatever follows;
 *     lines passed on to the command table after a refused PEM get their
 *     own, and nothing is written after the capture ended;
 *   - an OK names a slot 1..8 whose stored DER parses, is at most 2,048
 *     bytes, and is a CA or self-signed; ERR codes are only
 *     bad-certificate, ca-full, busy or storage;
 *   - every answer is one line without control characters, and OK values
 *     have no spaces;
 *   - ASan/UBSan/LSan: no out-of-bounds access, no leak (mbedTLS allocates
 *     through libc here, so every block is watched).
 * The store, console and command table are small fakes below; the anchors
 * persist across inputs (up to eight), so later inputs also meet a full
 * store and duplicates. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "cfg.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "store.h"

#include "mbedtls/platform.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                              \
            abort();                                                                                                  \
        }                                                                                                             \
    } while (0)

#define LINE_MAX_CONSOLE 512u

/* ---- fakes: built-ins, wall clock, cfg ----------------------------------- */

static const uint8_t s_nothing[1];
const ca_builtin_t ca_builtins[CA_BUILTIN_COUNT] = {
    {"Fake Root 0", s_nothing, 0}, {"Fake Root 1", s_nothing, 0},
    {"Fake Root 2", s_nothing, 0}, {"Fake Root 3", s_nothing, 0}};

bool wallclock_now(uint64_t *utc_ms);
bool wallclock_now(uint64_t *utc_ms)
{
    (void)utc_ms;
    return false;
}

void cfg_add_listener(cfg_listener_t fn)
{
    (void)fn;
}

/* Endpoint binding (cfg.h): no credentials live in this fake store. */
int cfg_unbind(void)
{
    return STORE_OK;
}

void cfg_notify(const char *key)
{
    (void)key;
}

void cfg_unbound_clear(void)
{
}

const char *cfg_unbound(char *buf, size_t size)
{
    if (size > 0) {
        buf[0] = '\0';
    }
    return buf;
}

/* ---- fake store: a handful of keys in RAM ---------------------------------- */

#define KEYS 12
static struct {
    char key[STORE_KEY_MAX + 1];
    uint8_t value[STORE_VALUE_MAX];
    size_t len;
    bool used;
} s_kv[KEYS];

static int find(const char *key)
{
    for (int i = 0; i < KEYS; i++) {
        if (s_kv[i].used && strcmp(s_kv[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

int store_get(const char *key, void *buf, size_t size, size_t *len)
{
    int i = find(key);
    if (i < 0) {
        return STORE_NOT_FOUND;
    }
    *len = s_kv[i].len;
    if (s_kv[i].len > size) {
        return STORE_TOO_BIG;
    }
    memcpy(buf, s_kv[i].value, s_kv[i].len);
    return STORE_OK;
}

bool store_has(const char *key)
{
    return find(key) >= 0;
}

int store_set(const char *key, const void *value, size_t len)
{
    CHECK(strlen(key) <= STORE_KEY_MAX && len <= STORE_VALUE_MAX);
    int i = find(key);
    for (int j = 0; i < 0 && j < KEYS; j++) {
        if (!s_kv[j].used) {
            i = j;
        }
    }
    CHECK(i >= 0);
    strcpy(s_kv[i].key, key);
    memcpy(s_kv[i].value, value, len);
    s_kv[i].len = len;
    s_kv[i].used = true;
    return STORE_OK;
}

int store_put(const char *key, const void *value, size_t len)
{
    return store_set(key, value, len);
}

int store_delete(const char *key)
{
    int i = find(key);
    if (i < 0) {
        return STORE_NOT_FOUND;
    }
    s_kv[i].used = false;
    return STORE_OK;
}

void store_begin(void)
{
}

int store_del(const char *key)
{
    return store_delete(key);
}

int store_commit(void)
{
    return STORE_OK;
}

void store_abort(void)
{
}

/* ---- fake console and command table ------------------------------------------ */

static console_capture_fn s_capture;
static unsigned s_ca_finals;    /* final lines written by ca.c */
static unsigned s_other_finals; /* lines handed on to the command table */
static char s_last[CON_LINE_MAX + 1];

void console_capture(console_capture_fn fn)
{
    s_capture = fn;
}

uint8_t *console_capture_buffer(void)
{
    static uint8_t buf[CONSOLE_CAPTURE_MAX];
    return buf;
}

bool console_capturing(void)
{
    return s_capture != NULL;
}

static void check_line(const char *s)
{
    for (const char *p = s; *p; p++) {
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
}

void con_info(const char *fmt, ...)
{
    char line[CON_LINE_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    check_line(line);
}

void con_ok(const char *fmt, ...)
{
    s_ca_finals++;
    s_last[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s_last, sizeof s_last, fmt, ap);
        va_end(ap);
    }
    check_line(s_last);
    /* key=value pairs, one space apart: no value holds a space */
    for (const char *p = s_last; *p;) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        CHECK(n > 0 && memchr(p, '=', n) != NULL);
        p += n + (e ? 1 : 0);
    }
}

void con_err(const char *code, const char *fmt, ...)
{
    s_ca_finals++;
    int n = snprintf(s_last, sizeof s_last, "ERR %s: ", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_last + n, sizeof s_last - (size_t)n, fmt, ap);
    va_end(ap);
    check_line(s_last);
}

void con_evt(const char *fmt, ...)
{
    (void)fmt;
}

const char *cmd_word(const char *s, char *word, unsigned size)
{
    while (*s == ' ') {
        s++;
    }
    unsigned n = 0;
    while (s[n] != '\0' && s[n] != ' ') {
        if (n + 1 >= size) {
            return NULL;
        }
        word[n] = s[n];
        n++;
    }
    word[n] = '\0';
    s += n;
    return *s == ' ' ? s + 1 : s;
}

void cmd_dispatch(const char *line)
{
    /* A line after a refused PEM that is not base64: the real table would
     * run it; here it only counts, and must come once the capture is over. */
    CHECK(s_capture == NULL);
    CHECK(line != NULL);
    s_other_finals++;
}

/* ---- the target ------------------------------------------------------------------ */

static void feed(const char *line)
{
    if (s_capture != NULL) {
        s_capture(line != NULL ? CONSOLE_LINE : CONSOLE_TOO_LONG, line);
    } else {
        s_other_finals++; /* the console would run it as a command */
    }
}

static void check_ok(void)
{
    unsigned slot;
    char subject[CON_LINE_MAX + 1];
    CHECK(sscanf(s_last, "ca=%u subject=%600s", &slot, subject) == 2);
    CHECK(slot >= 1 && slot <= CA_ADDED_MAX);
    CHECK(strchr(subject, ' ') == NULL && strlen(subject) <= CA_CN_MAX);
    static uint8_t der[CA_DER_MAX + 1];
    size_t len;
    CHECK(ca_added_der(slot, der, sizeof der, &len));
    CHECK(len > 0 && len <= CA_DER_MAX);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    CHECK(mbedtls_x509_crt_parse_der(&crt, der, len) == 0);
    CHECK(crt.raw.len == len);
    CHECK(mbedtls_x509_crt_get_ca_istrue(&crt) == 1 || (crt.issuer_raw.len == crt.subject_raw.len &&
                            memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0) ||
          crt.version < 3);
    mbedtls_x509_crt_free(&crt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool s_init;
    if (!s_init) {
        mbedtls_platform_set_calloc_free(calloc, free);
        CHECK(psa_crypto_init() == PSA_SUCCESS); /* X.509 checks signatures through PSA */
        ca_init();
        s_init = true;
    }
    uint8_t mode = size > 0 ? data[0] : 0;

    s_ca_finals = 0;
    s_other_finals = 0;
    cmd_ca("add");
    CHECK(s_capture != NULL && s_ca_finals == 0);

    /* Lines, each a heap copy of exactly its bytes plus NUL, so reading past
     * it is caught.  A NUL inside a line ends it early, as C strings do. */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n') {
            continue;
        }
        size_t n = i - start;
        if (n > LINE_MAX_CONSOLE) {
            feed(NULL);
        } else {
            char *line = malloc(n + 1);
            memcpy(line, data + start, n);
            line[n] = '\0';
            feed(line);
            free(line);
        }
        start = i + 1;
    }
    if (s_capture != NULL) {
        feed("-----END CERTIFICATE-----");
    }
    if (s_capture != NULL) {
        feed("not base64, so the skipping ends");
    }
    CHECK(s_capture == NULL);
    CHECK(s_ca_finals == 1);
    if (strncmp(s_last, "ERR ", 4) == 0) {
        CHECK(strncmp(s_last, "ERR bad-certificate: ", 21) == 0 || strncmp(s_last, "ERR ca-full: ", 13) == 0 ||
              strncmp(s_last, "ERR busy: ", 10) == 0 || strncmp(s_last, "ERR storage: ", 13) == 0);
    } else {
        check_ok();
    }

    s_ca_finals = 0;
    cmd_ca("list");
    CHECK(s_ca_finals == 1 && strncmp(s_last, "builtin=", 8) == 0);
    if (mode & 0x80) {
        char arg[16];
        snprintf(arg, sizeof arg, "remove %u", 1u + (mode & 7u));
        s_ca_finals = 0;
        cmd_ca(arg);
        CHECK(s_ca_finals == 1);
    }
    if ((mode & 0x60) == 0x60) {
        s_ca_finals = 0;
        cmd_ca((mode & 0x10) ? "builtin off" : "builtin on");
        CHECK(s_ca_finals == 1);
    }
    return 0;
}
