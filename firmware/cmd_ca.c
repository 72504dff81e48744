/* `ca add|list|remove|builtin` (spec section 2): the console's side of the
 * trust anchors of ca.h, with the PEM capture of `ca add`. */
#include <string.h>

#include "ca.h"
#include "cfg.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "mbedtls/base64.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
/* " unset=<credentials>" for an OK line after a change that unset them
 * (cfg.h, endpoint binding), else "": two %s arguments. */
#define UNBOUND_PAIR(buf)                                                                                      \
    cfg_unbound((buf), sizeof(buf))[0] != '\0' ? " unset=" : "", (buf)
#define PEM_END "-----END CERTIFICATE-----"

/* `ca add` reassembles the DER here while the PEM lines arrive: the
 * console's capture buffer, so that an open capture never takes memory from
 * a TLS handshake.  The TLS callbacks, which can run between two lines of a
 * capture, never touch it. */
static uint8_t *s_der;
_Static_assert(CA_DER_MAX <= CONSOLE_CAPTURE_MAX, "the console's capture buffer holds an anchor's DER");

typedef enum {
    CAP_IDLE,
    CAP_BEGIN, /* waiting for -----BEGIN CERTIFICATE----- */
    CAP_BODY,  /* base64 lines until -----END CERTIFICATE----- */
    CAP_SKIP   /* refused: skipping the rest of the PEM, see skip_line() */
} cap_state_t;

static cap_state_t s_cap;
static size_t s_cap_len;   /* DER bytes decoded so far */
static char s_carry[4];    /* base64 characters of an incomplete group */
static unsigned s_ncarry;
static bool s_padded;      /* a group with '=' was seen: the data has ended */



/* The DER in s_der[0..len) is complete: check and store it, answer. */
static void add(size_t len)
{
    unsigned slot = 0;
    char label[CA_CN_MAX + 1];
    const char *why = "";
    char unbound[24];
    cfg_unbound_clear();
    switch (ca_add(s_der, len, &slot, label, &why)) {
    case CA_OK:
        con_ok("ca=%u subject=%s%s%s", slot, label, UNBOUND_PAIR(unbound));
        break;
    case CA_BAD_CERT:
        con_err("bad-certificate", "%s", why);
        break;
    case CA_NO_MEMORY:
        con_err("busy", "no memory for the certificate while TLS is busy; try again");
        break;
    case CA_FULL:
        con_err("ca-full", "all %u slots are in use; ca remove one first", CA_ADDED_MAX);
        break;
    default:
        con_err("storage", "the certificate could not be stored (%s); nothing changed", why);
        break;
    }
}

/* ---- the PEM capture ------------------------------------------------------------ */

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=';
}

/* The line without leading and trailing blanks, as [*start, *start + len). */
static size_t trim(const char *line, const char **start)
{
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r')) {
        n--;
    }
    *start = line;
    return n;
}

static bool line_is(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

static void capture_end(void)
{
    s_cap = CAP_IDLE;
    console_capture(NULL);
}

/* Refused before the PEM started, or at its end: the capture is over. */
static void refuse(const char *why)
{
    capture_end();
    con_err("bad-certificate", "%s", why);
}

/* Refused in the middle of the PEM: answer now, then skip the rest of the
 * PEM (base64 lines and the END line) without a word, so that a program that
 * sent the whole certificate still gets exactly one final line and its next
 * command is not lost among "unknown command" answers.  The first line that
 * is neither ends the skipping and runs as a command. */
static void refuse_and_skip(const char *why)
{
    s_cap = CAP_SKIP;
    con_err("bad-certificate", "%s", why);
}

static void skip_line(const char *line)
{
    if (line == NULL) {
        return; /* an over-long line: base64 that did not fit */
    }
    const char *s;
    size_t n = trim(line, &s);
    if (line_is(s, n, PEM_END)) {
        capture_end();
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_b64(s[i])) {
            capture_end();
            cmd_dispatch(line);
            return;
        }
    }
}

/* Decodes one complete group of four base64 characters into s_der. */
static const char *decode_group(void)
{
    unsigned char out[3];
    size_t olen;
    if (s_padded) {
        return "data after the base64 padding";
    }
    if (mbedtls_base64_decode(out, sizeof out, &olen, (const unsigned char *)s_carry, 4) != 0 || olen == 0) {
        return "bad base64";
    }
    s_padded = s_carry[3] == '=';
    if (s_cap_len + olen > CA_DER_MAX) {
        return "more than 2048 bytes of DER";
    }
    memcpy(s_der + s_cap_len, out, olen);
    s_cap_len += olen;
    s_ncarry = 0;
    return NULL;
}

static void body_line(const char *line)
{
    if (line == NULL) {
        refuse_and_skip("a line longer than the console takes");
        return;
    }
    const char *s;
    size_t n = trim(line, &s);
    if (n == 0) {
        return;
    }
    if (line_is(s, n, PEM_END)) {
        if (s_ncarry != 0) {
            refuse("truncated base64 (the last group is incomplete)");
        } else if (s_cap_len == 0) {
            refuse("no certificate between BEGIN and END");
        } else {
            add(s_cap_len);
            capture_end(); /* after: it wipes the buffer the DER is in */
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_b64(s[i])) {
            refuse_and_skip(s[0] == '-' ? "unexpected line in the PEM (only BEGIN/END CERTIFICATE are allowed)"
                                        : "a line that is not base64");
            return;
        }
        s_carry[s_ncarry++] = s[i];
        if (s_ncarry == 4) {
            const char *why = decode_group();
            if (why != NULL) {
                refuse_and_skip(why);
                return;
            }
        }
    }
}

void cmd_ca_capture_line(const char *line)
{
    switch (s_cap) {
    case CAP_BEGIN: {
        if (line == NULL) {
            refuse("an over-long line where " PEM_BEGIN " was expected");
            return;
        }
        const char *s;
        size_t n = trim(line, &s);
        if (n == 0) {
            return;
        }
        if (!line_is(s, n, PEM_BEGIN)) {
            refuse("expected " PEM_BEGIN);
            return;
        }
        s_cap = CAP_BODY;
        return;
    }
    case CAP_BODY:
        body_line(line);
        return;
    case CAP_SKIP:
        skip_line(line);
        return;
    case CAP_IDLE:
    default:
        capture_end(); /* not ours: never happens */
        return;
    }
}

/* ---- the command ---------------------------------------------------------------- */

static void list(void)
{
    char label[CA_CN_MAX + 1];
    for (unsigned i = 0; i < CA_BUILTIN_COUNT; i++) {
        ca_builtin_label(i, label);
        con_info("b%u builtin %s", i, label);
    }
    for (unsigned slot = 1; slot <= CA_ADDED_MAX; slot++) {
        if (ca_added_label(slot, label)) {
            con_info("%u added %s", slot, label);
        }
    }
    con_ok("builtin=%s", ca_builtin_enabled() ? "on" : "off");
}

static void remove_slot(const char *arg)
{
    if (arg[0] == 'b' && arg[1] >= '0' && arg[1] <= '9') {
        con_err("bad-argument", "%s is built in and cannot be removed (ca builtin off stops trusting b0..b3)", arg);
        return;
    }
    unsigned slot = 0;
    if (arg[0] >= '1' && arg[0] <= '9' && arg[1] == '\0') {
        slot = (unsigned)(arg[0] - '0');
    }
    if (slot < 1 || slot > CA_ADDED_MAX) {
        con_err("bad-argument", "usage: ca remove <slot>, slot 1..%u (ca list shows them)", CA_ADDED_MAX);
        return;
    }
    char unbound[24];
    cfg_unbound_clear();
    switch (ca_remove(slot)) {
    case CA_OK:
        if (cfg_unbound(unbound, sizeof unbound)[0] != '\0') {
            con_ok("unset=%s", unbound);
        } else {
            con_ok(NULL);
        }
        break;
    case CA_NO_SLOT:
        con_err("bad-argument", "slot %u is empty", slot);
        break;
    default:
        con_err("storage", "the certificate could not be removed; nothing changed");
        break;
    }
}

static void builtin(const char *arg)
{
    if (arg[0] == '\0') {
        con_ok("builtin=%s", ca_builtin_enabled() ? "on" : "off");
        return;
    }
    bool on = strcmp(arg, "on") == 0;
    if (!on && strcmp(arg, "off") != 0) {
        con_err("bad-argument", "usage: ca builtin on|off");
        return;
    }
    char unbound[24];
    cfg_unbound_clear();
    if (ca_set_builtin(on) != CA_OK) {
        con_err("storage", "the setting could not be stored; nothing changed");
        return;
    }
    con_ok("builtin=%s%s%s", on ? "on" : "off", UNBOUND_PAIR(unbound));
}

/* The console's capture callback. */
static void capture_line(console_input_t what, const char *line)
{
    if (what == CONSOLE_IDLE) {
        /* A refused certificate was answered already: one final line per
         * `ca add`, or a program takes the second for its next command's. */
        bool answered = s_cap == CAP_SKIP;
        capture_end();
        if (!answered) {
            con_err("timeout", "no input for %u s: the certificate was dropped",
                    (unsigned)(CONSOLE_CAPTURE_IDLE_MS / 1000u));
        }
        return;
    }
    cmd_ca_capture_line(what == CONSOLE_LINE ? line : NULL);
}

void cmd_ca(const char *args)
{
    static const char usage[] = "usage: ca add|list|remove <slot>|builtin on|off";
    char verb[8];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL) {
        con_err("bad-argument", "%s", usage);
    } else if (strcmp(verb, "add") == 0 && *rest == '\0') {
        /* The answer comes after the END line (or a refused line). */
        s_der = console_capture_buffer();
        s_cap = CAP_BEGIN;
        s_cap_len = 0;
        s_ncarry = 0;
        s_padded = false;
        console_capture(capture_line);
    } else if (strcmp(verb, "list") == 0 && *rest == '\0') {
        list();
    } else if (strcmp(verb, "remove") == 0) {
        remove_slot(rest);
    } else if (strcmp(verb, "builtin") == 0) {
        builtin(rest);
    } else {
        con_err("bad-argument", "%s", usage);
    }
}
