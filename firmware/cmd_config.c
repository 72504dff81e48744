/* `config show|get|set|unset` (spec section 2). */
#include <string.h>

#include "cfg.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"

static void show(void)
{
    const char *key;
    for (unsigned i = 0; (key = cfg_key_at(i)) != NULL; i++) {
        con_info("%s=%s", key, cfg_get_or_default(key));
    }
    con_ok(NULL);
}

static void unknown(const char *key)
{
    con_err("unknown-key", "'%s' is not a configuration key (config show lists them)", key);
}

void cmd_config(const char *args)
{
    char verb[8], key[40];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL) {
        con_err("bad-argument", "usage: config show|get <key>|set <key> <value>|unset <key>");
        return;
    }
    if (strcmp(verb, "show") == 0 && *rest == '\0') {
        show();
        return;
    }
    const char *value = cmd_word(rest, key, sizeof key);
    if (value == NULL) {
        unknown(rest);
        return;
    }
    if (key[0] == '\0') {
        con_err("bad-argument", "usage: config %s <key>%s", verb, strcmp(verb, "set") == 0 ? " <value>" : "");
        return;
    }
    if (strcmp(verb, "get") == 0 && *value == '\0') {
        if (!cfg_known(key)) {
            unknown(key);
        } else {
            con_info("%s=%s", key, cfg_get_or_default(key));
            con_ok(NULL);
        }
    } else if (strcmp(verb, "set") == 0) {
        const char *why = "invalid";
        switch (cfg_set(key, value, &why)) {
        case CFG_OK:
            con_ok(NULL);
            break;
        case CFG_UNKNOWN_KEY:
            unknown(key);
            break;
        case CFG_BAD_VALUE:
            con_err("bad-value", "%s: %s", key, why);
            break;
        }
    } else if (strcmp(verb, "unset") == 0 && *value == '\0') {
        if (cfg_unset(key) == CFG_OK) {
            con_ok(NULL);
        } else {
            unknown(key);
        }
    } else {
        con_err("bad-argument", "usage: config show|get <key>|set <key> <value>|unset <key>");
    }
}
