/* `lock set <passphrase>`, `unlock <passphrase>`, `lock`, `lock clear`, and
 * what a locked console refuses (spec section 2, "Locked console"). */
#include <string.h>

#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "lock.h"

/* ------------------------------------------------------------ refusals */

/* Everything that changes the device, by command and first word of its
 * arguments.  Reading (status, config show|get, queue, run, ca list, ca
 * builtin without an argument, version, help), queue retry, echo, net
 * resolve, reboot (which locks again) and unlock stay open; so does a
 * command this table does not name. */
#define ANY NULL /* the command whatever follows */
static const struct {
    const char *name;
    const char *verbs[4];
} s_refused[] = {
    {"config", {"set", "unset", "import", "reset"}},
    {"ca", {"add", "remove", "builtin"}},
    {"queue", {"drop"}},
    {"time", {ANY}},
    {"lock", {"set", "clear"}},
    {"diag", {ANY}},
};

/* trigger with JSON properties: anything after the action name (or a JSON
 * object in its place), as cmd_trigger reads the line. */
static bool trigger_has_json(const char *args)
{
    char action[40];
    while (*args == ' ') {
        args++;
    }
    if (*args == '{') {
        return true;
    }
    const char *rest = cmd_word(args, action, sizeof action);
    if (rest == NULL) {
        return true; /* no action name that long: trigger refuses it anyway */
    }
    while (*rest == ' ') {
        rest++;
    }
    return *rest != '\0';
}

bool cmd_lock_refuses(const char *name, const char *args)
{
    if (strcmp(name, "trigger") == 0) {
        return trigger_has_json(args);
    }
    for (size_t i = 0; i < sizeof s_refused / sizeof s_refused[0]; i++) {
        if (strcmp(name, s_refused[i].name) != 0) {
            continue;
        }
        if (s_refused[i].verbs[0] == ANY) {
            return true;
        }
        char verb[16];
        const char *rest = cmd_word(args, verb, sizeof verb);
        if (rest == NULL) {
            return true; /* a verb too long to read here: refused, not guessed at */
        }
        if (verb[0] == '\0') {
            return false; /* no verb: the command's usage or its reading form */
        }
        while (*rest == ' ') {
            rest++;
        }
        if (strcmp(name, "ca") == 0 && strcmp(verb, "builtin") == 0 && *rest == '\0') {
            return false; /* `ca builtin` shows the setting */
        }
        for (size_t v = 0; v < sizeof s_refused[i].verbs / sizeof s_refused[i].verbs[0]; v++) {
            if (s_refused[i].verbs[v] != NULL && strcmp(verb, s_refused[i].verbs[v]) == 0) {
                return true;
            }
        }
        return false;
    }
    return false;
}

/* ------------------------------------------------------------ commands */

/* A command's final line; also the answer of a check that ran in slices. */
static void answer(lock_result_t r)
{
    switch (r) {
    case LOCK_OK:
        con_ok(NULL);
        break;
    case LOCK_BAD_PASSPHRASE:
        con_err("bad-passphrase", "wrong passphrase; the next attempt waits %lu s",
                (unsigned long)((lock_wait_ms() + 999u) / 1000u));
        break;
    case LOCK_BAD_VALUE:
        con_err("bad-value", "passphrase: %u to %u printable ASCII characters", LOCK_PASS_MIN, LOCK_PASS_MAX);
        break;
    case LOCK_NO_PASSPHRASE:
        con_err("no-passphrase", "no passphrase is set (lock set <passphrase> sets one)");
        break;
    case LOCK_BUSY:
        con_err("busy", "a passphrase check is under way");
        break;
    case LOCK_NO_MEMORY:
        con_err("busy", "no memory for the passphrase check while TLS is busy; try again");
        break;
    case LOCK_NO_ENTROPY:
        con_err("no-entropy", "no random source for the passphrase's salt");
        break;
    case LOCK_STORAGE:
        con_err("storage", "the passphrase hash could not be stored or read; nothing changed");
        break;
    case LOCK_STARTED:
    case LOCK_INTERNAL:
    default:
        con_err("internal", "the passphrase check failed");
        break;
    }
}

/* The passphrase: the rest of the line after the spaces that follow the
 * command word, kept verbatim (inner and trailing spaces are part of it). */
static const char *passphrase(const char *args)
{
    while (*args == ' ') {
        args++;
    }
    return args;
}

/* A check started: its answer comes when the slices are done, and input
 * waits meanwhile. */
static void started_or_answer(lock_result_t r)
{
    if (r == LOCK_STARTED) {
        console_defer();
    } else {
        answer(r);
    }
}

void cmd_unlock(const char *args)
{
    const char *pass = passphrase(args);
    uint32_t wait = lock_wait_ms();
    if (lock_locked() && wait > 0) {
        con_info("wait_ms=%lu failures=%lu", (unsigned long)wait, (unsigned long)lock_failures());
    }
    started_or_answer(lock_unlock(pass, strlen(pass), answer));
}

void cmd_lock(const char *args)
{
    char verb[8];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest != NULL && verb[0] == '\0') {
        answer(lock_relock());
    } else if (rest != NULL && strcmp(verb, "set") == 0) {
        const char *pass = passphrase(rest);
        started_or_answer(lock_set(pass, strlen(pass), answer));
    } else if (rest != NULL && strcmp(verb, "clear") == 0 && *rest == '\0') {
        answer(lock_clear());
    } else {
        con_err("bad-argument", "usage: lock | lock set <passphrase> | lock clear");
    }
}
