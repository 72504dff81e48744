/* libFuzzer target for the serial console (spec section 2), where anyone at
 * the desk, or anything on the NUCLEO's USB, is.
 *
 * The device: the real console, line editor, command table, configuration,
 * store, trust anchors and queue, over the NOR fake (tests/unit/fake_nvm.c)
 * and the fuzz hal (device_hal.h: the boards' own receive ring).  Before each
 * input it boots on a blank medium and is given, through the console as a
 * provisioning tool would type them, a secret nobody at the console knows
 * (s_secrets), and per the input's first byte:
 *   bit 0   echo on when the input starts
 *   bits 1-2 how the secret is typed: config set / one-line config import /
 *           config import begin..commit / config set with echo on
 *   bit 3   org and webhook set too (trigger can queue)
 * The other bytes arrive at the UART one by one, each handled by
 * console_task() as the superloop would; FZ_TIME_BYTE (a control character
 * the line editor ignores) also moves the clock 61 s on, past a capture's
 * idle time-out.  `reboot` and `diag ...` reboot the device on the same
 * medium, and the input goes on.
 *
 * The oracle (every failure aborts with its reason):
 * - Secrets: no FZ_GRAM (6) consecutive characters of a seeded secret appear
 *   in the output, unless those 6 characters occur in the input as well (what
 *   the person typed may come back).  Every secret is random-looking and
 *   has no repeated character, so 6 of them in a row cannot come from
 *   anything else: stronger than "not the whole secret", and sound.
 * - The same rule for static RAM once the input has been handled (every
 *   .data/.bss object of every C file but this one and the medium's fake:
 *   the firmware, the libraries, the UART ring of device_hal.c): the secret
 *   goes to the medium and nowhere else for good; the line editor and the
 *   receive ring forget it.
 * - Typed secrets are masked: with echo on, every character of the value in
 *   `config set <sensitive key> <value>` (however spaced), of a one-line
 *   `config import <json>`, of each line of a `config import begin`
 *   capture (and of `lock set` / `unlock` once those commands exist) was
 *   echoed as '*'.  A model of the line editor (shadow_t) records how each
 *   character was echoed; it must agree with the line the dispatcher gets.
 * - Framing: every dispatched line gets exactly one final line (OK or
 *   ERR; lines that look final are counted, and console_final_count()
 *   agrees), or none when it starts a capture; a capture writes exactly one
 *   final line from its start to its end; no `ERR internal`.  Every answer
 *   is whole lines of at most 600 characters ending in CRLF, EVT lines come
 *   before the final line, OK and EVT pairs are key=value without spaces,
 *   ERR codes are kebab-case, no prompt is drawn while a command runs, and
 *   input is never left unread.
 * - Durability: `config show`, `ca list`, `queue` and the secret read the
 *   same after the input and after a reboot on the same medium.
 * - AddressSanitizer, UndefinedBehaviorSanitizer, leaks, and the NOR fake's
 *   abort on a bit programmed from 0 to 1.
 *
 * When the console lock and the `pat` key arrive: add the PAT and the
 * passphrase to s_secrets and their typing to seed_device() (bits 4-7 of
 * the first byte are free for "locked or not"), give cfg_sensitive() the
 * `pat` key (sensitive_tail() checks its masking from then on), and add the
 * lock's superloop task (the hash computed in slices) to run_tasks().
 * sensitive_tail() checks `lock set` and `unlock` as soon as the command
 * table has them, so lineed.c's s_secret_commands needs their words (and
 * `config set pat`), or this target fails at once; console.dict has them.
 * A hash that costs 0.5 s on the target wants a build option for its
 * iteration count, set low here (FUZZ_CFLAGS_console), and FZ_TIME_BYTE
 * moves the clock past the growing wait after wrong guesses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "cfg.h"
#include "cmd.h"
#include "console.h"
#include "delivery.h"
#include "device.h"
#include "events.h"
#include "fake_entropy.h"
#include "fake_eth.h"
#include "fake_nvm.h"
#include "device_hal.h"
#include "ram_scan.h"
#include "led.h"
#include "lineed.h"
#include "queue.h"
#include "store.h"
#include "tlsport.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

#define FZ_GRAM 6u
#define FZ_TIME_BYTE 0x1Du
#define FZ_TIME_STEP_MS (CONSOLE_CAPTURE_IDLE_MS + 1000u)

/* The smaller geometry of the unit tests: compaction and a full medium
 * after a few changes. */
#define FZ_CONFIG_SIZE 8192u
#define FZ_CONFIG_UNIT 2048u
#define FZ_QUEUE_SIZE (4u * 2048u)
#define FZ_QUEUE_UNIT 2048u

/* ---- the secrets ---------------------------------------------------------- */

typedef struct {
    const char *what;
    const char *value; /* no repeated character, nothing JSON escapes */
} fz_secret_t;

static const fz_secret_t s_secrets[] = {
    {"secret", "Q7v~Kp2^zX9|mW4`rT8@bN5#hJ3!dG6&yL0$fC1%"},
};
#define SECRET_COUNT (sizeof s_secrets / sizeof s_secrets[0])

/* ---- failing -------------------------------------------------------------- */

static const uint8_t *s_in;
static size_t s_in_len;

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\nfuzz_console: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    size_t n;
    const char *out = fz_tx(&n);
    size_t from = n > 1500 ? n - 1500 : 0;
    fprintf(stderr, "\n--- the last %zu bytes of output ---\n%.*s\n---\n", n - from, (int)(n - from), out + from);
    abort();
}

/* ---- a model of the line editor: how each character was echoed ------------ */

typedef enum { EC_NONE = 0, EC_CLEAR, EC_MASKED } echo_class_t;

typedef struct {
    char line[LINEED_MAX + 1];
    uint8_t echo[LINEED_MAX + 1];
    size_t len, dropped;
    bool last_cr;
} shadow_t;

static shadow_t s_sh;

typedef enum { SH_APPEND, SH_DROP, SH_ERASE, SH_KILL, SH_END, SH_IGNORE } sh_kind_t;

/* What lineed_feed() will do with c (lineed.c, byte for byte). */
static sh_kind_t shadow_kind(uint8_t c)
{
    if (c == '\n' && s_sh.last_cr) {
        return SH_IGNORE;
    }
    if (c == '\r' || c == '\n') {
        return SH_END;
    }
    if (c == '\b' || c == 0x7f) {
        return SH_ERASE;
    }
    if (c == 0x03 || c == 0x15) {
        return SH_KILL;
    }
    if (c < 0x20 && c != '\t') {
        return SH_IGNORE;
    }
    return s_sh.len >= LINEED_MAX ? SH_DROP : SH_APPEND;
}

static void shadow_reset(void)
{
    /* like lineed_reset: last_cr stays */
    memset(s_sh.line, 0, sizeof s_sh.line);
    memset(s_sh.echo, 0, sizeof s_sh.echo);
    s_sh.len = 0;
    s_sh.dropped = 0;
}

/* ---- which typed characters are secret ------------------------------------- */

static bool command_exists(const char *name)
{
    for (const cmd_t *c = cmd_table; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* Where the secret part of a command line starts (parsed as the dispatcher
 * and the handlers parse it, with their word sizes), or NULL. */
static const char *sensitive_tail(const char *line)
{
    char w1[24], w2[8], w3[48];
    const char *r1 = cmd_word(line, w1, sizeof w1);
    const char *r2 = r1 != NULL ? cmd_word(r1, w2, sizeof w2) : NULL;
    if (r1 == NULL) {
        return NULL;
    }
    if (strcmp(w1, "config") == 0 && r2 != NULL) {
        if (strcmp(w2, "import") == 0) {
            return strcmp(r2, "begin") != 0 && strcmp(r2, "commit") != 0 && strcmp(r2, "abort") != 0 ? r2 : NULL;
        }
        const char *r3 = cmd_word(r2, w3, sizeof w3);
        return strcmp(w2, "set") == 0 && r3 != NULL && cfg_sensitive(w3) ? r3 : NULL;
    }
    if (strcmp(w1, "unlock") == 0 && command_exists("unlock")) {
        return r1;
    }
    if (strcmp(w1, "lock") == 0 && r2 != NULL && strcmp(w2, "set") == 0 && command_exists("lock")) {
        return r2;
    }
    return NULL;
}

static void check_masked(const char *line, size_t from, const char *why)
{
    for (size_t p = from; p < s_sh.len; p++) {
        if (s_sh.echo[p] == EC_CLEAR) {
            fail("%s: character %zu of '%s' was echoed in clear", why, p, line);
        }
    }
}

/* ---- the secrets, in output and in RAM -------------------------------------- */

/* Whether FZ_GRAM characters of value starting at i occur at p[0..]. */
__attribute__((no_sanitize("address", "undefined", "coverage"))) static bool gram_at(const uint8_t *p, const char *value, size_t i)
{
    for (size_t k = 0; k < FZ_GRAM; k++) {
        if (p[k] != (uint8_t)value[i + k]) {
            return false;
        }
    }
    return true;
}

/* For each byte, 1 + the place in the secret where a gram starting with it
 * starts (0: none); every character of a secret is unique. */
static uint8_t s_gram_start[sizeof s_secrets / sizeof s_secrets[0]][256];

static void gram_tables(void)
{
    for (size_t s = 0; s < sizeof s_secrets / sizeof s_secrets[0]; s++) {
        const char *v = s_secrets[s].value;
        for (size_t i = 0; i + FZ_GRAM <= strlen(v); i++) {
            if (s_gram_start[s][(uint8_t)v[i]] != 0) {
                abort(); /* a repeated character: see s_secrets */
            }
            s_gram_start[s][(uint8_t)v[i]] = (uint8_t)(i + 1u);
        }
    }
}

/* The first place in [p, p+n) where FZ_GRAM consecutive characters of
 * secret s occur, whose gram index goes to *gram; -1 when none.  Written
 * out rather than with memmem: libFuzzer learns the arguments of memmem and
 * strcmp, and it must not learn the secret. */
__attribute__((no_sanitize("address", "undefined", "coverage"))) static long find_gram(const uint8_t *p, size_t n, size_t s,
                                                                           size_t *gram)
{
    const uint8_t *start = s_gram_start[s];
    for (size_t j = 0; j + FZ_GRAM <= n; j++) {
        typedef uint64_t __attribute__((aligned(1), may_alias)) word_t;
        if (j + 8u <= n && *(const word_t *)(const void *)(p + j) == 0) {
            j += 7u; /* most of RAM: no gram starts at a zero byte */
            continue;
        }
        unsigned i = start[p[j]];
        if (i != 0 && gram_at(p + j, s_secrets[s].value, i - 1u)) {
            *gram = i - 1u;
            return (long)j;
        }
    }
    return -1;
}

/* Whether gram i of value was typed. */
__attribute__((no_sanitize("coverage"))) static bool gram_in_input(const char *value, size_t i)
{
    for (size_t j = 0; j + FZ_GRAM <= s_in_len; j++) {
        if (gram_at(s_in + j, value, i)) {
            return true;
        }
    }
    return false;
}

/* A place in [p, p+n) holding a secret's gram that was not typed, or -1. */
__attribute__((no_sanitize("coverage"))) static long find_secret(const uint8_t *p, size_t n, const fz_secret_t **which)
{
    for (size_t s = 0; s < SECRET_COUNT; s++) {
        size_t from = 0, gram;
        long at;
        while (from < n && (at = find_gram(p + from, n - from, s, &gram)) >= 0) {
            if (!gram_in_input(s_secrets[s].value, gram)) {
                *which = &s_secrets[s];
                return (long)from + at;
            }
            from += (size_t)at + 1u;
        }
    }
    return -1;
}

static void check_output_secrets(void)
{
    size_t n;
    const char *out = fz_tx(&n);
    const fz_secret_t *which;
    long at = find_secret((const uint8_t *)out, n, &which);
    if (at >= 0) {
        fail("the %s appeared in the output at byte %ld: '%.*s'", which->what, at, (int)FZ_GRAM, out + at);
    }
}

static void check_ram_secrets(void)
{
    /* the harness's own model of the line, the medium, and the MAC's frames
     * (nothing sends any here) */
    static const char *const skip[] = {"fuzz_console.c", "fake_nvm.c", "fake_eth.c", NULL};
    const fz_object_t *obj;
    size_t count = fz_ram_objects(skip, &obj);
    for (size_t i = 0; i < count; i++) {
        const fz_secret_t *which;
        long at = find_secret(obj[i].addr, obj[i].size, &which);
        if (at >= 0) {
            fail("the %s stayed in RAM: %s, byte %ld", which->what, obj[i].name, at);
        }
    }
}

/* ---- the answers' shape ------------------------------------------------------ */

static bool pairs_ok(const char *p, const char *end)
{
    /* " key=value" repeated; values without spaces (spec section 2) */
    while (p < end) {
        if (*p++ != ' ') {
            return false;
        }
        const char *tok = p;
        while (p < end && *p != ' ') {
            p++;
        }
        const char *eq = memchr(tok, '=', (size_t)(p - tok));
        if (eq == NULL || eq == tok) {
            return false;
        }
        for (const char *k = tok; k < eq; k++) {
            if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_')) {
                return false;
            }
        }
    }
    return true;
}

static bool name_ok(const char *p, const char *end)
{
    if (p == end) {
        return false;
    }
    for (; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            return false;
        }
    }
    return true;
}

/* Checks out[from, to): whole lines, each well formed; returns the number of
 * final lines, which must be the last lines. */
static unsigned check_lines(size_t from, size_t to, const char *what)
{
    size_t n;
    const char *out = fz_tx(&n);
    const char *p = out + from, *end = out + to;
    unsigned finals = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL || nl == p || nl[-1] != '\r') {
            fail("%s: output that is not whole CRLF lines", what);
        }
        const char *eol = nl - 1;
        if (memchr(p, '\r', (size_t)(eol - p)) != NULL) {
            fail("%s: a CR inside a line", what);
        }
        if ((size_t)(eol - p) > CON_LINE_MAX) {
            fail("%s: a line of %zu characters", what, (size_t)(eol - p));
        }
        size_t len = (size_t)(eol - p);
        if (len >= 2 && p[0] == 'O' && p[1] == 'K') {
            if (len > 2 && !pairs_ok(p + 2, eol)) {
                fail("%s: OK line '%.*s' is not key=value pairs", what, (int)len, p);
            }
            finals++;
        } else if (len >= 4 && memcmp(p, "ERR ", 4) == 0) {
            const char *colon = memchr(p + 4, ':', (size_t)(eol - p - 4));
            if (colon == NULL || colon + 1 >= eol || colon[1] != ' ' || !name_ok(p + 4, colon)) {
                fail("%s: ERR line '%.*s' without a kebab-case code", what, (int)len, p);
            }
            if (colon - (p + 4) == 8 && memcmp(p + 4, "internal", 8) == 0) {
                fail("%s: %.*s", what, (int)len, p);
            }
            finals++;
        } else if (finals > 0) {
            fail("%s: '%.*s' after the final line", what, (int)len, p);
        } else if (len >= 4 && memcmp(p, "EVT ", 4) == 0) {
            const char *name_end = memchr(p + 4, ' ', (size_t)(eol - p - 4));
            name_end = name_end != NULL ? name_end : eol;
            if (!name_ok(p + 4, name_end) || !pairs_ok(name_end, eol)) {
                fail("%s: EVT line '%.*s' malformed", what, (int)len, p);
            }
        } else if (len >= 2 && p[0] == '>' && p[1] == ' ') {
            fail("%s: a prompt while a command runs: '%.*s'", what, (int)len, p);
        }
        p = nl + 1;
    }
    return finals;
}

/* ---- captures ------------------------------------------------------------------ */

typedef enum { CAP_NONE, CAP_IMPORT, CAP_OTHER } cap_kind_t;

static struct {
    cap_kind_t kind;
    uint32_t finals_at;
    char command[32];
} s_cap;

/* A capture that has ended wrote exactly one final line. */
static void capture_end_check(void)
{
    if (s_cap.kind != CAP_NONE && !console_capturing()) {
        uint32_t n = console_final_count() - s_cap.finals_at;
        if (n != 1) {
            fail("the capture of '%s' ended after %u final lines", s_cap.command, (unsigned)n);
        }
        s_cap.kind = CAP_NONE;
    }
}

/* ---- dispatching ------------------------------------------------------------------ */

static unsigned s_depth;
static size_t s_reboot_from; /* where the answer of a command that may reset starts */

void __real_cmd_dispatch(const char *line);
void __wrap_cmd_dispatch(const char *line);

void __wrap_cmd_dispatch(const char *line)
{
    capture_end_check(); /* a `ca add` skip that ended on this line */
    if (strlen(line) != s_sh.len || memcmp(line, s_sh.line, s_sh.len) != 0) {
        fail("harness: the line editor model saw '%.*s', the dispatcher got '%s'", (int)s_sh.len, s_sh.line, line);
    }
    const char *tail = sensitive_tail(line);
    if (tail != NULL) {
        check_masked(line, (size_t)(tail - line), "a typed secret");
    }
    size_t out0 = fz_tx_len();
    uint32_t f0 = console_final_count();
    bool cap0 = console_capturing();
    s_reboot_from = out0;
    s_depth++;
    __real_cmd_dispatch(line);
    s_depth--;
    uint32_t delta = console_final_count() - f0;
    bool started = !cap0 && console_capturing();
    if (started) {
        char w1[24], w2[8];
        const char *r1 = cmd_word(line, w1, sizeof w1);
        const char *r2 = r1 != NULL ? cmd_word(r1, w2, sizeof w2) : NULL;
        bool import = r2 != NULL && strcmp(w1, "config") == 0 && strcmp(w2, "import") == 0;
        s_cap.kind = import ? CAP_IMPORT : CAP_OTHER;
        s_cap.finals_at = console_final_count();
        snprintf(s_cap.command, sizeof s_cap.command, "%s", line);
    }
    /* The count includes a console_defer() (net resolve), which the
     * dispatcher counts as the answer to come: at most one more than the
     * final lines written. */
    unsigned finals = check_lines(out0, fz_tx_len(), line);
    if (!(finals == 1 || (finals == 0 && started))) {
        fail("'%s' was answered with %u final lines", line, finals);
    }
    if (delta != finals && delta != finals + 1u) {
        fail("'%s': %u lines look final, %u were written as final", line, finals, (unsigned)delta);
    }
}

/* ---- the device ----------------------------------------------------------------- */

static void run_tasks(void)
{
    console_task();
}

static void boot(hal_reset_cause_t cause)
{
    fz_hal_power_on(cause);
    fake_eth_reset();
    fake_entropy_reset();
    console_init();
    store_set_sensitive(cfg_sensitive);
    bool durable = store_open(HAL_NVM_CONFIG) == STORE_OK;
    if (!durable) {
        fail("the store did not open on the fake medium");
    }
    device_count_boot();
    cfg_init();
    ca_init();
    ev_boot(PB_VERSION, hal_board_name(), device_reset_name(hal_reset_cause()), durable);
    led_init();
    trigger_init();
    wallclock_init();
    delivery_init();
    if (queue_init() != QUEUE_OK) {
        fail("the queue did not mount on the fake medium");
    }
    shadow_t fresh = {0};
    s_sh = fresh;
    s_cap.kind = CAP_NONE;
    s_depth = 0;
}

/* ---- one byte at the UART ----------------------------------------------------------- */

static void step(uint8_t c)
{
    size_t out0 = fz_tx_len();
    bool echo0 = console_echo();
    bool import0 = s_cap.kind == CAP_IMPORT && console_capturing();
    uint32_t f0 = console_final_count();
    sh_kind_t kind = shadow_kind(c);
    if (fz_uart_receive(&c, 1) != 1) {
        fail("harness: the receive ring is full");
    }
    run_tasks();
    if (fz_uart_pending() != 0) {
        fail("the console left input unread");
    }
    bool ended_by_time = false;
    if (c == FZ_TIME_BYTE) {
        bool capturing = console_capturing();
        fz_time_advance(FZ_TIME_STEP_MS);
        run_tasks();
        ended_by_time = capturing && !console_capturing();
    }
    size_t n;
    const char *out = fz_tx(&n);
    s_sh.last_cr = c == '\r';
    switch (kind) {
    case SH_APPEND: {
        char ch = c == '\t' ? ' ' : (char)c;
        uint8_t how = EC_NONE;
        if (echo0) {
            char last = n > out0 ? out[n - 1] : '\0';
            if (last != ch && last != '*') {
                fail("harness: '%c' was echoed as '%c'", ch, last);
            }
            how = last == '*' ? EC_MASKED : EC_CLEAR; /* a typed '*' shows nothing either way */
        } else if (n != out0) {
            fail("output for a byte that ends no line");
        }
        s_sh.line[s_sh.len] = ch;
        s_sh.echo[s_sh.len] = how;
        s_sh.len++;
        break;
    }
    case SH_DROP:
        s_sh.dropped++;
        break;
    case SH_ERASE:
        if (s_sh.dropped > 0) {
            s_sh.dropped--;
        } else if (s_sh.len > 0) {
            s_sh.len--;
            s_sh.line[s_sh.len] = '\0';
            s_sh.echo[s_sh.len] = EC_NONE;
        }
        break;
    case SH_KILL:
        shadow_reset();
        break;
    case SH_END:
        if (import0) {
            check_masked(s_sh.line, 0, "a line of config import begin");
        }
        shadow_reset();
        break;
    case SH_IGNORE:
        break;
    }
    if (ended_by_time) {
        shadow_reset(); /* the capture's partial line went with it */
    }
    capture_end_check();
    if (!echo0 && !console_echo()) {
        unsigned text_finals = check_lines(out0, fz_tx_len(), "a step");
        uint32_t delta = console_final_count() - f0;
        if (text_finals > 1 || (delta != text_finals && delta != text_finals + 1u)) {
            fail("one input byte: %u lines look final, %u were written as final", text_finals,
                 (unsigned)(console_final_count() - f0));
        }
    }
}

/* A whole line typed by the harness itself, which must be answered OK. */
static void type_line(const char *line)
{
    for (const char *p = line; *p; p++) {
        step((uint8_t)*p);
    }
    size_t out0 = fz_tx_len();
    step('\r');
    size_t n;
    const char *out = fz_tx(&n);
    /* with echo on, the prompt follows */
    bool ok = (n - out0 >= 4 && memcmp(out + n - 4, "OK\r\n", 4) == 0) ||
              (n - out0 >= 6 && memcmp(out + n - 6, "OK\r\n> ", 6) == 0);
    if (!ok) {
        fail("harness: '%s' was not answered OK", line);
    }
}

static void seed_device(uint8_t flags)
{
    const char *secret = s_secrets[0].value;
    char line[256];
    if (flags & 0x08u) {
        type_line("config set org fuzz-org");
        type_line("config set webhook fuzz-hook");
    }
    switch ((flags >> 1) & 3u) {
    case 0:
        snprintf(line, sizeof line, "config set secret %s", secret);
        type_line(line);
        break;
    case 1:
        snprintf(line, sizeof line, "config import {\"secret\":\"%s\",\"device_id\":\"fz-1\"}", secret);
        type_line(line);
        break;
    case 2:
        type_line("config import begin");
        for (const char *p = "{\"device_id\":\"fz-2\",\n\"secret\":\""; *p; p++) {
            step((uint8_t)*p);
        }
        for (const char *p = secret; *p; p++) {
            step((uint8_t)*p);
        }
        for (const char *p = "\"}\r"; *p; p++) {
            step((uint8_t)*p);
        }
        type_line("config import commit");
        break;
    default:
        type_line("echo on");
        snprintf(line, sizeof line, "config set secret %s", secret);
        type_line(line);
        type_line("echo off");
        break;
    }
    memset(line, 0, sizeof line);
    if (flags & 0x01u) {
        type_line("echo on");
    }
}

/* ---- after the input ------------------------------------------------------------------ */

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What must survive a reboot, as the console shows it. */
static char *snapshot(void)
{
    static const char *const commands[] = {"config show", "ca list", "queue"};
    size_t out0 = fz_tx_len();
    console_set_echo(false);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        __real_cmd_dispatch(commands[i]);
    }
    size_t n;
    const char *out = fz_tx(&n);
    char *copy = malloc(n - out0 + 1);
    if (copy == NULL) {
        abort();
    }
    /* an event's broken half-line may come first: only whole lines count */
    size_t k = 0;
    for (size_t i = out0; i < n; i++) {
        if (!(out[i] == '\r' || out[i] == '\n') || (k > 0 && copy[k - 1] != '\n')) {
            copy[k++] = out[i];
        }
    }
    copy[k] = '\0';
    /* store_each lists keys in no particular order: compare sorted lines */
    size_t nlines = 0;
    for (size_t i = 0; i < k; i++) {
        nlines += copy[i] == '\n';
    }
    char **lines = malloc((nlines + 1) * sizeof *lines);
    char *sorted = malloc(k + 1);
    if (lines == NULL || sorted == NULL) {
        abort();
    }
    size_t count = 0;
    for (char *p = copy; *p; count++) {
        lines[count] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL) {
            fail("harness: a snapshot that does not end a line");
        }
        *nl = '\0';
        p = nl + 1;
    }
    qsort(lines, count, sizeof *lines, by_text);
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        at += (size_t)sprintf(sorted + at, "%s\n", lines[i]);
    }
    sorted[at] = '\0';
    free(lines);
    free(copy);
    return sorted;
}

static bool secret_now(char *buf, size_t size, size_t *len)
{
    memset(buf, 0, size);
    return cfg_secret(buf, size, len);
}

static void check_durable(void)
{
    char *before = snapshot();
    char s0[CFG_SECRET_MAX + 1], s1[CFG_SECRET_MAX + 1];
    size_t l0 = 0, l1 = 0;
    bool has0 = secret_now(s0, sizeof s0, &l0);
    boot(HAL_RESET_SW);
    char *after = snapshot();
    bool has1 = secret_now(s1, sizeof s1, &l1);
    if (strcmp(before, after) != 0) {
        fprintf(stderr, "--- before the reboot ---\n%s--- after ---\n%s", before, after);
        fail("the configuration, anchors or queue changed across a reboot");
    }
    if (has0 != has1 || l0 != l1 || memcmp(s0, s1, l0) != 0) {
        fail("the secret changed across a reboot");
    }
    cfg_wipe(s0, sizeof s0);
    cfg_wipe(s1, sizeof s1);
    free(before);
    free(after);
}

/* ---- libFuzzer ------------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tlsport_init(); /* the anchors' parsing uses mbedTLS's heap hooks */
    gram_tables();
    return 0;
}

static size_t s_pos;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t flags = size > 0 ? data[0] : 0;
    s_in = size > 0 ? data + 1 : data;
    s_in_len = size > 0 ? size - 1 : 0;
    fake_nvm_reset();
    fake_nvm_set_config_geometry(FZ_CONFIG_SIZE, FZ_CONFIG_UNIT);
    fake_nvm_set_queue_geometry(FZ_QUEUE_SIZE, FZ_QUEUE_UNIT);
    fz_tx_clear();
    fz_reset_armed = false;
    boot(HAL_RESET_POR);
    seed_device(flags);
    s_pos = 0;
    fz_reset_armed = true;
    if (setjmp(fz_reset_jmp) != 0) {
        /* `reboot` or `diag`: its answer was OK, the last thing it wrote */
        size_t n;
        const char *out = fz_tx(&n);
        if (n < s_reboot_from + 4 || memcmp(out + n - 4, "OK\r\n", 4) != 0 ||
            check_lines(s_reboot_from, n, "a reset") != 1) {
            fail("a command that resets the device did not answer OK first");
        }
        boot(HAL_RESET_SW);
    }
    while (s_pos < s_in_len) {
        step(s_in[s_pos++]);
    }
    fz_reset_armed = false;
    check_output_secrets();
    check_ram_secrets();
    check_durable();
    return 0;
}
