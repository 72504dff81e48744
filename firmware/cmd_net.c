/* `net resolve <name>` and `time set <iso8601>`. */
#include <string.h>

#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "net.h"
#include "wallclock.h"

static void resolve_done(void *arg, bool ok, uint32_t addr, const char *why)
{
    (void)arg;
    if (ok) {
        con_ok("addr=%u.%u.%u.%u", (unsigned)(addr >> 24), (unsigned)(addr >> 16 & 0xFFu),
               (unsigned)(addr >> 8 & 0xFFu), (unsigned)(addr & 0xFFu));
    } else {
        con_err("dns-failed", "%s", why);
    }
}

void cmd_net(const char *args)
{
    char verb[12], name[254];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL || strcmp(verb, "resolve") != 0) {
        con_err("bad-argument", "usage: net resolve <name>");
        return;
    }
    const char *tail = cmd_word(rest, name, sizeof name);
    if (tail == NULL || name[0] == '\0' || *tail != '\0') {
        con_err("bad-argument", "usage: net resolve <name>");
        return;
    }
    console_defer();
    net_resolve(name, resolve_done, NULL);
}

void cmd_time(const char *args)
{
    char verb[8];
    const char *value = cmd_word(args, verb, sizeof verb);
    uint64_t utc_ms;
    if (value == NULL || strcmp(verb, "set") != 0) {
        con_err("bad-argument", "usage: time set <YYYY-MM-DDTHH:MM:SS[.mmm]Z>");
        return;
    }
    if (!wallclock_parse(value, &utc_ms)) {
        con_err("bad-value", "time must be UTC as YYYY-MM-DDTHH:MM:SS[.mmm]Z, 2000 to 2099");
        return;
    }
    wallclock_set_manual(utc_ms);
    con_ok(NULL);
}
