/* `trigger [<action>] [<json-object>]` (spec section 2). */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "events.h"
#include "hal_button.h"
#include "hal_time.h"
#include "trigger.h"

void cmd_trigger(const char *args)
{
    char action[CFG_ACTION_NAME_MAX + 2];
    const char *json = args;
    while (*json == ' ') {
        json++;
    }
    if (*json != '{' && *json != '\0') {
        const char *rest = cmd_word(json, action, sizeof action);
        if (rest == NULL) {
            con_err("bad-argument", "usage: trigger [<action>] [<json-object>]");
            return;
        }
        json = rest;
    } else {
        /* the primary button's short-press action */
        char key[48];
        snprintf(key, sizeof key, "button.%s.short", hal_button_name(hal_button_primary()));
        if (cfg_value(key, action, sizeof action, NULL) != CFG_OK || action[0] == '\0') {
            con_err("bad-argument", "the primary button has no short-press action: name one");
            return;
        }
    }
    char run_id[64];
    const char *why = "";
    trigger_status_t rc =
        trigger_create(action, json, strlen(json), "serial", "cli", hal_uptime_ms(), run_id, sizeof run_id, &why);
    if (rc == TRIGGER_QUEUE_FULL || rc == TRIGGER_STORAGE) {
        ev_refused_quietly(rc == TRIGGER_QUEUE_FULL); /* the LED, as for a press */
    }
    switch (rc) {
    case TRIGGER_OK:
        con_ok("id=%s", run_id);
        break;
    case TRIGGER_NOT_CONFIGURED:
        con_err("not-configured", "%s", why);
        break;
    case TRIGGER_QUEUE_FULL:
        con_err("queue-full", "%s; nothing queued", why);
        break;
    case TRIGGER_STORAGE:
        con_err("storage", "%s; nothing queued", why);
        break;
    case TRIGGER_NO_ACTION:
        con_err("bad-argument", "%s", why);
        break;
    case TRIGGER_BAD_JSON:
    case TRIGGER_TOO_BIG:
        con_err("bad-value", "%s", why);
        break;
    }
}
