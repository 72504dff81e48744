/* libFuzzer target for the serial console (spec section 2), where anyone at
 * the desk, or anything on the NUCLEO's USB, is.
 *
 * The device: the real console, line editor, command table, configuration,
 * store, trust anchors, queue and console lock, over the NOR fake
 * (tests/unit/fake_nvm.c), the entropy fake and the fuzz hal (device_hal.h:
 * the boards' own receive ring), booted in main.c's order.  Before each
 * input it boots on a blank medium and is given, through the console as a
 * provisioning tool would type them, secrets nobody at the console knows
 * (s_secrets), and per the input's first byte:
 *   bit 0   echo on when the input starts
 *   bits 1-2 how the secret (and the PAT) is typed: config set / one-line
 *           config import / config import begin..commit / config set with
 *           echo on (then lock set and unlock with echo on too)
 *   bit 3   org and webhook set too (trigger can queue)
 *   bit 4   the PAT set too
 *   bit 5   a passphrase set (lock set): the console starts locked
 *   bit 6   with bit 5: unlocked with it, so the input starts at an open
 *           console that has a passphrase
 *   bit 7   with bit 5: a reset after all that (locked again)
 * The other bytes arrive at the UART one by one, each handled by
 * console_task() and lock_task() as the superloop would, a passphrase hash
 * run slice by slice to its end (LOCK_ITERATIONS is 4 here, fuzz.mk);
 * FZ_TIME_BYTE (a control character the line editor ignores) also moves
 * the clock 61 s on, past a capture's idle time-out and, 15 of them, past
 * the longest wait after wrong passphrases (15 min).  While a command's
 * answer is due (an unlock waiting its turn), the sender waits for it as
 * tools/provision does: the bytes that come meanwhile are held and go to
 * the UART after it, a time byte only moves the clock, and after the input
 * the clock moves until the answer comes.  `reboot` and `diag ...` reboot
 * the device on the same medium, and the input goes on.
 *
 * The oracle (every failure aborts with its reason):
 * - Secrets (the secret, the PAT, the passphrase): no FZ_GRAM (6)
 *   consecutive characters of one appear in the output, unless those 6
 *   characters occur in the input as well (what the person typed may come
 *   back).  Every secret is random-looking and has no repeated character,
 *   so 6 of them in a row cannot come from anything else: stronger than
 *   "not the whole secret", and sound.
 * - The same rule for static RAM once the input has been handled (every
 *   .data/.bss object of every C file but this one and the medium's fake:
 *   the firmware, the libraries, the UART ring of device_hal.c): a secret
 *   goes to the medium and nowhere else for good, and the passphrase not
 *   even there; the line editor and the receive ring forget them.
 * - Typed secrets are masked: with echo on, every character of the value in
 *   `config set secret|pat <value>` (however spaced), of a one-line
 *   `config import <json>`, of each line of a `config import begin`
 *   capture, and of the passphrase of `lock set` and `unlock` was echoed as
 *   '*'.  A model of the line editor (shadow_t) records how each character
 *   was echoed; it must agree with the line the dispatcher gets.  Where the
 *   secret starts is read by this file's own parser (sensitive_tail), not
 *   by cmd_secret_from().
 * - The lock, against a model of it written from the spec (s_lk, not
 *   cmd_lock_refuses()): while it is locked, config set|unset|import|reset,
 *   ca add|remove|builtin on|off, trigger with JSON or words after the
 *   action, queue drop, time set, lock set|clear and diag are answered
 *   with one line, `ERR locked: ...`, and nothing is written to the medium;
 *   reading (status, config show|get, ca list, ca builtin, queue, queue
 *   retry, run, lock, unlock, help, version, echo, net, reboot) is never
 *   refused, nor anything at a console that is not locked.  unlock opens
 *   with the passphrase last set (seeded, or by a `lock set` of the
 *   input's) and nothing else, answers `ERR bad-passphrase` otherwise, and
 *   no sooner than 1 s after the last failure doubling per failure up to
 *   15 min (counted across resets); lock set takes 8 to 128 printable
 *   characters and locks at once; lock answers no-passphrase without one;
 *   lock clear removes it; every reset locks.  lock_state() agrees with
 *   the model after every answer and every reset.
 * - Framing: every dispatched line gets exactly one final line (OK or
 *   ERR; lines that look final are counted, and console_final_count()
 *   agrees), at once or, for a passphrase check, when its slices and its
 *   wait are over; none when it starts a capture; a capture writes exactly
 *   one final line from its start to its end; no final line comes that no
 *   command waits for; no `ERR internal`.  Every answer is whole lines of
 *   at most 600 characters ending in CRLF, EVT lines come before the final
 *   line, OK and EVT pairs are key=value without spaces, ERR codes are
 *   kebab-case, no prompt is drawn while a command runs, and input is never
 *   left unread.
 * - Durability: `config show`, `ca list`, `queue`, the secret, the PAT,
 *   whether a passphrase is set and the count of failed unlocks read the
 *   same after the input and after a reboot on the same medium.
 * - AddressSanitizer, UndefinedBehaviorSanitizer, leaks, and the NOR fake's
 *   abort on a bit programmed from 0 to 1.
 *
 * Not explored: bytes typed ahead of a deferred answer overrunning the
 * receive ring (the sender waits), and a reset during a passphrase check
 * (nothing can type `reboot` then). */
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
#include "hal_time.h"
#include "ram_scan.h"
#include "led.h"
#include "lineed.h"
#include "lock.h"
#include "queue.h"
#include "rng.h"
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
    {"PAT", "u6em7bcrdls2qg3znvyxpioawhf5ktj4"},
    /* printable ASCII with an inner space, as lock set takes it */
    {"passphrase", "?'k4HX5i2mJ|:0 nu;R/j+)=cYK_^r6"},
};
#define SECRET_COUNT (sizeof s_secrets / sizeof s_secrets[0])
#define SECRET_PAT (&s_secrets[1])
#define SECRET_PASSPHRASE (&s_secrets[2])

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

/* The harness's own reading of a command line, written from the spec rather
 * than from cmd.c (cmd_word, cmd_secret_from) or cmd_lock.c: words are runs
 * of anything but a space (the line editor made tabs spaces). */
typedef struct {
    const char *at;
    size_t len;
    const char *after; /* just past the word: the line's end or one space */
} fz_word_t;

/* The next word from *p (spaces before it skipped); false at the end. */
static bool next_word(const char **p, fz_word_t *w)
{
    const char *s = *p;
    while (*s == ' ') {
        s++;
    }
    if (*s == '\0') {
        return false;
    }
    w->at = s;
    while (*s != '\0' && *s != ' ') {
        s++;
    }
    w->len = (size_t)(s - w->at);
    w->after = s;
    *p = s;
    return true;
}

static bool word_is(const fz_word_t *w, const char *text)
{
    return w->len == strlen(text) && memcmp(w->at, text, w->len) == 0;
}

/* What follows word w once a space ends it (NULL when nothing ends it). */
static const char *after_space(const fz_word_t *w)
{
    return *w->after == ' ' ? w->after + 1 : NULL;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ') {
        p++;
    }
    return p;
}

/* Where the secret part of a command line starts, or NULL: the value of
 * `config set secret|pat` (the write-only keys, spec section 3), an inline
 * `config import`, the passphrase of `lock set` and of `unlock`. */
static const char *sensitive_tail(const char *line)
{
    const char *p = line;
    fz_word_t w1, w2, w3;
    if (!next_word(&p, &w1)) {
        return NULL;
    }
    if (word_is(&w1, "unlock")) {
        return after_space(&w1);
    }
    if (!next_word(&p, &w2)) {
        return NULL;
    }
    if (word_is(&w1, "lock") && word_is(&w2, "set")) {
        return after_space(&w2);
    }
    if (!word_is(&w1, "config")) {
        return NULL;
    }
    if (word_is(&w2, "import")) {
        const char *rest = after_space(&w2);
        return rest != NULL && strcmp(rest, "begin") != 0 && strcmp(rest, "commit") != 0 &&
                       strcmp(rest, "abort") != 0
                   ? rest
                   : NULL;
    }
    if (word_is(&w2, "set") && next_word(&p, &w3) && (word_is(&w3, "secret") || word_is(&w3, "pat"))) {
        return after_space(&w3);
    }
    return NULL;
}

/* ---- the console lock, as the spec describes it ----------------------------- */

/* What a locked console must do with a line (spec section 2, "Locked
 * console"; README "Console lock"). */
typedef enum { LK_ALLOW, LK_REFUSE, LK_EITHER } lk_rule_t;

static lk_rule_t lock_rule(const char *line)
{
    const char *p = line;
    fz_word_t w1, w2;
    if (!next_word(&p, &w1)) {
        return LK_ALLOW;
    }
    bool has2 = next_word(&p, &w2);
    const char *rest = has2 ? skip_spaces(w2.after) : p;
    if (word_is(&w1, "diag")) {
        return LK_REFUSE;
    }
    if (word_is(&w1, "time")) {
        return has2 && word_is(&w2, "set") ? LK_REFUSE : LK_EITHER;
    }
    if (!has2) {
        return LK_ALLOW; /* config, ca, queue, lock, trigger alone read or explain */
    }
    if (word_is(&w1, "config")) {
        return word_is(&w2, "set") || word_is(&w2, "unset") || word_is(&w2, "import") || word_is(&w2, "reset")
                   ? LK_REFUSE
                   : word_is(&w2, "show") || word_is(&w2, "get") ? LK_ALLOW : LK_EITHER;
    }
    if (word_is(&w1, "ca")) {
        if (word_is(&w2, "builtin")) {
            return *rest == '\0' ? LK_ALLOW
                   : strcmp(rest, "on") == 0 || strcmp(rest, "off") == 0 ? LK_REFUSE
                                                                          : LK_EITHER;
        }
        return word_is(&w2, "add") || word_is(&w2, "remove") ? LK_REFUSE
               : word_is(&w2, "list")                        ? LK_ALLOW
                                                             : LK_EITHER;
    }
    if (word_is(&w1, "queue")) {
        return word_is(&w2, "drop") ? LK_REFUSE : word_is(&w2, "retry") ? LK_ALLOW : LK_EITHER;
    }
    if (word_is(&w1, "lock")) {
        return word_is(&w2, "set") || word_is(&w2, "clear") ? LK_REFUSE : LK_EITHER;
    }
    if (word_is(&w1, "trigger")) {
        /* JSON properties, or anything after the action name; a long word
         * is no configured action */
        return w2.at[0] == '{' || *rest != '\0' ? LK_REFUSE : w2.len > 32 ? LK_EITHER : LK_ALLOW;
    }
    return LK_ALLOW; /* status, version, help, run, echo, net, reboot, unlock, unknown words */
}

/* The lock's model: whether a passphrase is set, which, whether the console
 * is open, the failures since the last right passphrase, and when the last
 * one was answered (or the device started). */
static struct {
    bool has, open;
    char pass[LOCK_PASS_MAX + 1];
    uint32_t failures;
    uint32_t wait_from;
} s_lk;

static bool model_locked(void)
{
    return s_lk.has && !s_lk.open;
}

/* The least wait after n failures: 1 s, doubling, at most 15 min. */
static uint32_t model_delay_ms(uint32_t n)
{
    if (n == 0) {
        return 0;
    }
    return n > 11u ? 900000u : (1000u << (n - 1u)) < 900000u ? 1000u << (n - 1u) : 900000u;
}

static bool passphrase_valid(const char *p)
{
    size_t n = strlen(p);
    if (n < 8 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((uint8_t)p[i] < 0x20 || (uint8_t)p[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

typedef enum { LK_OP_OTHER, LK_OP_UNLOCK, LK_OP_SET, LK_OP_RELOCK, LK_OP_CLEAR } lk_op_kind_t;

/* A dispatched line as far as the lock goes, until its answer. */
static struct {
    lk_op_kind_t kind;
    lk_rule_t rule;
    bool locked;             /* the model's state when it was dispatched */
    uint32_t failures;       /* likewise */
    unsigned long writes;    /* the medium's write count then */
    char arg[LINEED_MAX + 1]; /* the passphrase given */
    char line[64];
} s_op;

static void op_begin(const char *line)
{
    const char *p = line;
    fz_word_t w1, w2;
    memset(&s_op, 0, sizeof s_op);
    s_op.kind = LK_OP_OTHER;
    s_op.rule = lock_rule(line);
    s_op.locked = model_locked();
    s_op.failures = s_lk.failures;
    s_op.writes = fake_nvm_writes();
    snprintf(s_op.line, sizeof s_op.line, "%s", line);
    if (!next_word(&p, &w1)) {
        return;
    }
    if (word_is(&w1, "unlock")) {
        s_op.kind = LK_OP_UNLOCK;
        snprintf(s_op.arg, sizeof s_op.arg, "%s", skip_spaces(w1.after));
    } else if (word_is(&w1, "lock")) {
        if (!next_word(&p, &w2)) {
            s_op.kind = LK_OP_RELOCK;
        } else if (word_is(&w2, "set")) {
            s_op.kind = LK_OP_SET;
            snprintf(s_op.arg, sizeof s_op.arg, "%s", skip_spaces(w2.after));
        } else if (word_is(&w2, "clear")) {
            s_op.kind = LK_OP_CLEAR;
        }
    }
}

static bool final_is(const char *final, size_t len, const char *prefix)
{
    return len >= strlen(prefix) && memcmp(final, prefix, strlen(prefix)) == 0;
}

static void lock_state_check(const char *when)
{
    lock_state_t want = !s_lk.has ? LOCK_NONE : s_lk.open ? LOCK_OPEN : LOCK_LOCKED;
    if (lock_state() != want) {
        fail("%s: the lock is %s, the model says %d (has %d open %d)", when, lock_state_name(), (int)want,
             s_lk.has, s_lk.open);
    }
}

/* The answer to s_op: final is its final line (len characters, no CRLF),
 * lines the number of lines the command wrote. */
static void op_answered(const char *final, size_t len, unsigned lines)
{
    bool ok = final_is(final, len, "OK");
    bool refused = final_is(final, len, "ERR locked:");
    if (s_op.locked && s_op.rule == LK_REFUSE) {
        if (!refused || lines != 1) {
            fail("a locked console did not refuse '%s' with ERR locked alone: '%.*s'", s_op.line, (int)len, final);
        }
        if (fake_nvm_writes() != s_op.writes) {
            fail("a locked console refused '%s' but wrote to the medium", s_op.line);
        }
        return;
    }
    if (refused && (!s_op.locked || s_op.rule == LK_ALLOW)) {
        fail("'%s' was refused as locked (the console was %s)", s_op.line, s_op.locked ? "locked" : "not locked");
    }
    switch (s_op.kind) {
    case LK_OP_UNLOCK:
        if (!s_op.locked) {
            if (!ok) {
                fail("unlock on a console that is not locked: '%.*s'", (int)len, final);
            }
            break;
        }
        if (ok || final_is(final, len, "ERR bad-passphrase:")) {
            if (ok != (strcmp(s_op.arg, s_lk.pass) == 0)) {
                fail(ok ? "a locked console opened without its passphrase" : "the passphrase was refused");
            }
            if ((uint32_t)(hal_millis() - s_lk.wait_from) < model_delay_ms(s_op.failures)) {
                fail("an unlock after %u failures was answered %u ms after the last, before the wait of %u ms",
                     (unsigned)s_op.failures, (unsigned)(hal_millis() - s_lk.wait_from),
                     (unsigned)model_delay_ms(s_op.failures));
            }
            if (ok) {
                s_lk.open = true;
                s_lk.failures = 0;
            } else {
                s_lk.failures++;
                s_lk.wait_from = hal_millis();
            }
        } else if (!final_is(final, len, "ERR storage:") && !final_is(final, len, "ERR busy:")) {
            fail("unlock answered '%.*s'", (int)len, final);
        }
        break;
    case LK_OP_SET:
        if (ok) {
            if (!passphrase_valid(s_op.arg)) {
                fail("lock set took a passphrase outside 8 to 128 printable characters");
            }
            s_lk.has = true;
            s_lk.open = false;
            s_lk.failures = 0;
            snprintf(s_lk.pass, sizeof s_lk.pass, "%s", s_op.arg);
        } else if (final_is(final, len, "ERR bad-value:") && passphrase_valid(s_op.arg)) {
            fail("lock set refused a valid passphrase");
        }
        break;
    case LK_OP_RELOCK:
        if (ok != s_lk.has) {
            fail("lock answered '%.*s' with%s a passphrase", (int)len, final, s_lk.has ? "" : "out");
        }
        s_lk.open = false;
        break;
    case LK_OP_CLEAR:
        if (ok) {
            s_lk.has = false;
            s_lk.open = false;
            s_lk.failures = 0;
            memset(s_lk.pass, 0, sizeof s_lk.pass);
        }
        break;
    case LK_OP_OTHER:
    default:
        break;
    }
    lock_state_check(s_op.line);
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
/* For each byte, the secrets (bit s) one of whose grams starts with it: RAM
 * is read once for all of them. */
static uint8_t s_gram_any[256];

static void gram_tables(void)
{
    for (size_t s = 0; s < sizeof s_secrets / sizeof s_secrets[0]; s++) {
        const char *v = s_secrets[s].value;
        for (size_t i = 0; i + FZ_GRAM <= strlen(v); i++) {
            if (s_gram_start[s][(uint8_t)v[i]] != 0) {
                abort(); /* a repeated character: see s_secrets */
            }
            s_gram_start[s][(uint8_t)v[i]] = (uint8_t)(i + 1u);
            s_gram_any[(uint8_t)v[i]] |= (uint8_t)(1u << s);
        }
    }
}

/* The first place in [p, p+n) where FZ_GRAM consecutive characters of a
 * secret of mask (bit s: secret s) occur; which secret goes to *secret and
 * its gram index to *gram; -1 when none.  Written out rather than with
 * memmem: libFuzzer learns the arguments of memmem and strcmp, and it must
 * not learn the secret. */
__attribute__((no_sanitize("address", "undefined", "coverage"))) static long find_gram(const uint8_t *p, size_t n,
                                                                                       unsigned mask, size_t *secret,
                                                                                       size_t *gram)
{
    for (size_t j = 0; j + FZ_GRAM <= n; j++) {
        typedef uint64_t __attribute__((aligned(1), may_alias)) word_t;
        if (j + 8u <= n && *(const word_t *)(const void *)(p + j) == 0) {
            j += 7u; /* most of RAM: no gram starts at a zero byte */
            continue;
        }
        for (unsigned m = s_gram_any[p[j]] & mask; m != 0; m &= m - 1u) {
            size_t s = (size_t)__builtin_ctz(m);
            unsigned i = s_gram_start[s][p[j]];
            if (gram_at(p + j, s_secrets[s].value, i - 1u)) {
                *secret = s;
                *gram = i - 1u;
                return (long)j;
            }
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

/* A place in [p, p+n) holding a gram of a secret of mask that was not
 * typed, or -1. */
__attribute__((no_sanitize("coverage"))) static long find_secret(const uint8_t *p, size_t n, unsigned mask,
                                                                 const fz_secret_t **which)
{
    size_t from = 0, s, gram;
    long at;
    while (from < n && (at = find_gram(p + from, n - from, mask, &s, &gram)) >= 0) {
        if (!gram_in_input(s_secrets[s].value, gram)) {
            *which = &s_secrets[s];
            return (long)from + at;
        }
        from += (size_t)at + 1u;
    }
    return -1;
}

#define ALL_SECRETS ((1u << SECRET_COUNT) - 1u)

static void check_output_secrets(void)
{
    size_t n;
    const char *out = fz_tx(&n);
    const fz_secret_t *which;
    long at = find_secret((const uint8_t *)out, n, ALL_SECRETS, &which);
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
        long at = find_secret(obj[i].addr, obj[i].size, ALL_SECRETS, &which);
        if (at >= 0) {
            fail("the %s stayed in RAM: %s, byte %ld", which->what, obj[i].name, at);
        }
    }
}

/* The passphrase is not even on the medium: only its salted hash is. */
static void check_medium_passphrase(void)
{
    static const struct {
        hal_nvm_region_t region;
        size_t size;
    } regions[] = {{HAL_NVM_CONFIG, FZ_CONFIG_SIZE}, {HAL_NVM_QUEUE, FZ_QUEUE_SIZE}};
    unsigned mask = 1u << (SECRET_PASSPHRASE - s_secrets);
    for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++) {
        const fz_secret_t *which;
        long at = find_secret(fake_nvm_bytes(regions[r].region), regions[r].size, mask, &which);
        if (at >= 0) {
            fail("the passphrase is on the medium (region %d, byte %ld)", (int)regions[r].region, at);
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
/* A command answered later (a passphrase check): its final line is due,
 * and input waits for it in the sender (see run_input). */
static bool s_due;

/* The last line of out[from, to) (without CRLF); to must end a line. */
static const char *last_line(size_t from, size_t to, size_t *len)
{
    size_t n;
    const char *out = fz_tx(&n);
    if (to < from + 2) {
        *len = 0;
        return out + to;
    }
    size_t end = to - 2, start = end;
    while (start > from && out[start - 1] != '\n') {
        start--;
    }
    *len = end - start;
    return out + start;
}

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
    if (s_due) {
        fail("harness: '%s' dispatched while an answer is due", line);
    }
    if (lock_locked() != model_locked()) {
        fail("'%s' arrived at a console that is %slocked, the model says otherwise", line,
             lock_locked() ? "" : "not ");
    }
    op_begin(line);
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
    bool deferred = finals == 0 && delta == 1u && !started;
    if (!(finals == 1 || (finals == 0 && started) || deferred)) {
        fail("'%s' was answered with %u final lines", line, finals);
    }
    if (delta != finals && delta != finals + 1u) {
        fail("'%s': %u lines look final, %u were written as final", line, finals, (unsigned)delta);
    }
    if (deferred) {
        s_due = true;
    } else if (finals == 1) {
        size_t len;
        const char *final = last_line(out0, fz_tx_len(), &len);
        unsigned lines = 0;
        size_t n;
        const char *out = fz_tx(&n);
        for (size_t i = out0; i < n; i++) {
            lines += out[i] == '\n';
        }
        op_answered(final, len, lines);
    }
}

/* ---- the device ----------------------------------------------------------------- */

/* A deferred answer came: out[out0, now) holds it, and the prompt after it
 * with echo on. */
static void deferred_answer(size_t out0, uint32_t f0)
{
    if (!s_due) {
        fail("a final line that no command was waiting for");
    }
    if (console_final_count() - f0 != 1u) {
        fail("a deferred answer counted %u final lines", (unsigned)(console_final_count() - f0));
    }
    size_t n;
    const char *out = fz_tx(&n);
    size_t end = n;
    if (console_echo() && end >= out0 + 2 && memcmp(out + end - 2, "> ", 2) == 0) {
        end -= 2; /* the prompt again; the line being typed waits in the sender */
    }
    unsigned finals = check_lines(out0, end, s_op.line);
    if (finals != 1) {
        fail("the deferred answer to '%s' was %u final lines", s_op.line, finals);
    }
    s_due = false;
    size_t len;
    const char *final = last_line(out0, end, &len);
    op_answered(final, len, 1);
}

/* The superloop's tasks that matter here, in main.c's order; a passphrase
 * hash runs slice by slice until it is done (the superloop does not sleep
 * meanwhile), its answer perhaps waiting for the clock after that. */
static void run_tasks(void)
{
    console_task();
    for (unsigned slices = 0;; slices++) {
        size_t out0 = fz_tx_len();
        uint32_t f0 = console_final_count();
        lock_task();
        if (console_final_count() != f0) {
            deferred_answer(out0, f0);
        } else if (fz_tx_len() != out0) {
            fail("the lock's task wrote output without a final line");
        }
        if (!lock_busy()) {
            break;
        }
        if (slices > 100000u) {
            fail("a passphrase hash that does not end");
        }
    }
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
    lock_init();
    ev_boot(PB_VERSION, hal_board_name(), device_reset_name(hal_reset_cause()), durable);
    led_init();
    trigger_init();
    wallclock_init();
    if (!rng_init()) {
        fail("the DRBG did not start on the fake entropy source"); /* lock set needs it */
    }
    delivery_init();
    if (queue_init() != QUEUE_OK) {
        fail("the queue did not mount on the fake medium");
    }
    shadow_t fresh = {0};
    s_sh = fresh;
    s_cap.kind = CAP_NONE;
    s_depth = 0;
    s_due = false;
    s_lk.open = false; /* every reset locks */
    s_lk.wait_from = hal_millis();
    lock_state_check("after a reset");
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

/* A write-only key typed as bits 1-2 of the flags say. */
static void type_credential(const char *key, const char *value, unsigned how)
{
    char line[256];
    switch (how) {
    case 0:
        snprintf(line, sizeof line, "config set %s %s", key, value);
        type_line(line);
        break;
    case 1:
        snprintf(line, sizeof line, "config import {\"%s\":\"%s\",\"device_id\":\"fz-1\"}", key, value);
        type_line(line);
        break;
    case 2:
        type_line("config import begin");
        snprintf(line, sizeof line, "{\"device_id\":\"fz-2\",\n\"%s\":\"%s\"}\r", key, value);
        for (const char *p = line; *p; p++) {
            step((uint8_t)*p);
        }
        type_line("config import commit");
        break;
    default:
        type_line("echo on");
        snprintf(line, sizeof line, "config set %s %s", key, value);
        type_line(line);
        type_line("echo off");
        break;
    }
    memset(line, 0, sizeof line);
}

static void seed_device(uint8_t flags)
{
    unsigned how = (flags >> 1) & 3u;
    char line[256];
    if (flags & 0x08u) {
        type_line("config set org fuzz-org");
        type_line("config set webhook fuzz-hook");
    }
    type_credential("secret", s_secrets[0].value, how);
    if (flags & 0x10u) {
        type_credential("pat", SECRET_PAT->value, how);
    }
    if (flags & 0x20u) {
        /* locked at once; with bit 6 opened again, bit 7 a reset after */
        const char *pass = SECRET_PASSPHRASE->value;
        if (how == 3u) {
            type_line("echo on");
        }
        snprintf(line, sizeof line, "lock set %s", pass);
        type_line(line);
        if (!model_locked() || strcmp(s_lk.pass, pass) != 0) {
            fail("harness: lock set did not lock");
        }
        if (flags & 0x40u) {
            snprintf(line, sizeof line, "unlock  %s", pass);
            type_line(line);
        }
        if (how == 3u) {
            type_line("echo off");
        }
        memset(line, 0, sizeof line);
        if (flags & 0x80u) {
            boot(HAL_RESET_SW);
        }
    }
    if (flags & 0x01u) {
        type_line("echo on");
    }
}

/* ---- the input ---------------------------------------------------------------------- */

/* Bytes that came while an answer was due: the sender waits for the final
 * line before the next command (tools/provision does), so they go to the
 * UART after it.  A time byte while waiting only moves the clock. */
static uint8_t *s_held;
static size_t s_held_len, s_held_at;
static size_t s_pos;

/* FZ_TIME_STEP_MS pass while an answer is due. */
static void pass_time(void)
{
    size_t out0 = fz_tx_len();
    uint32_t f0 = console_final_count();
    bool echo0 = console_echo();
    fz_time_advance(FZ_TIME_STEP_MS);
    run_tasks();
    if (fz_uart_pending() != 0) {
        fail("harness: input in the UART while an answer was due");
    }
    if (!echo0) {
        unsigned finals = check_lines(out0, fz_tx_len(), "time passing");
        if (finals != console_final_count() - f0) {
            fail("time passing: %u lines look final, %u were written as final", finals,
                 (unsigned)(console_final_count() - f0));
        }
    }
}

/* Every byte of the input, then the time the last answer needs. */
static void run_input(void)
{
    unsigned waited = 0;
    for (;;) {
        if (!s_due) {
            waited = 0;
        }
        while (!s_due && s_held_at < s_held_len) {
            step(s_held[s_held_at++]);
        }
        if (s_pos < s_in_len) {
            uint8_t c = s_in[s_pos++];
            if (!s_due) {
                step(c);
            } else if (c == FZ_TIME_BYTE) {
                pass_time();
            } else {
                s_held[s_held_len++] = c;
            }
        } else if (s_due) {
            /* every line gets its final line: at most 15 min */
            if (++waited > 20u) {
                fail("an answer was still due %u s after the input", waited * FZ_TIME_STEP_MS / 1000u);
            }
            pass_time();
        } else {
            return; /* nothing due, so nothing held either */
        }
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
        /* Nothing is ever sent here, so a trigger's last= is what it waits
         * for now (clock-unset, net-down, not-configured, ...), which a
         * reboot changes (the clock is unset again): not state. */
        char *last = strstr(lines[count], " last=");
        if (last != NULL && strncmp(lines[count], "id=", 3) == 0) {
            *last = '\0';
        }
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

static bool credential_now(bool pat, char *buf, size_t size, size_t *len)
{
    memset(buf, 0, size);
    return pat ? cfg_pat(buf, size, len) : cfg_secret(buf, size, len);
}

static void check_durable(void)
{
    char *before = snapshot();
    char c0[2][CFG_PAT_MAX + 1], c1[2][CFG_PAT_MAX + 1];
    size_t l0[2] = {0, 0}, l1[2] = {0, 0};
    bool has0[2], has1[2];
    for (int k = 0; k < 2; k++) {
        has0[k] = credential_now(k == 1, c0[k], sizeof c0[k], &l0[k]);
    }
    uint32_t failures = lock_failures();
    boot(HAL_RESET_SW); /* checks that a passphrase stays */
    char *after = snapshot();
    for (int k = 0; k < 2; k++) {
        has1[k] = credential_now(k == 1, c1[k], sizeof c1[k], &l1[k]);
    }
    if (strcmp(before, after) != 0) {
        fprintf(stderr, "--- before the reboot ---\n%s--- after ---\n%s", before, after);
        fail("the configuration, anchors or queue changed across a reboot");
    }
    for (int k = 0; k < 2; k++) {
        if (has0[k] != has1[k] || l0[k] != l1[k] || memcmp(c0[k], c1[k], l0[k]) != 0) {
            fail("the %s changed across a reboot", k == 1 ? "PAT" : "secret");
        }
        cfg_wipe(c0[k], sizeof c0[k]);
        cfg_wipe(c1[k], sizeof c1[k]);
    }
    if (lock_failures() != failures) {
        fail("the failed unlock count went from %u to %u across a reboot", (unsigned)failures,
             (unsigned)lock_failures());
    }
    free(before);
    free(after);
}

/* ---- libFuzzer ------------------------------------------------------------------------ */

/* PB_FUZZ_DUMP set: each input's output goes to stderr (to see what a seed
 * does). */
static bool s_dump;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tlsport_init(); /* the anchors' parsing uses mbedTLS's heap hooks */
    gram_tables();
    s_dump = getenv("PB_FUZZ_DUMP") != NULL;
    return 0;
}

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
    memset(&s_lk, 0, sizeof s_lk);
    boot(HAL_RESET_POR);
    seed_device(flags);
    s_pos = 0;
    s_held = malloc(s_in_len + 1);
    if (s_held == NULL) {
        abort();
    }
    s_held_len = s_held_at = 0;
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
    run_input();
    fz_reset_armed = false;
    if (s_dump) {
        size_t n;
        const char *out = fz_tx(&n);
        fprintf(stderr, "%.*s\n", (int)n, out);
    }
    free(s_held);
    s_held = NULL;
    check_output_secrets();
    check_ram_secrets();
    check_medium_passphrase();
    check_durable();
    return 0;
}
