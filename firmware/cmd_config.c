/* `config show|get|set|unset|import|reset` (spec section 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "hal_button.h"
#include "json.h"
#include "lineed.h"

#define IMPORT_MAX CONSOLE_CAPTURE_MAX /* the import is read into the console's capture buffer */
#define USAGE "usage: config show | get <key> | set <key> <value> | unset <key> | import <json>|begin|commit|abort | reset yes"

static void show_one(const char *key)
{
    char value[CFG_VALUE_MAX + 1];
    bool set;
    if (cfg_write_only(key)) {
        con_info("%s=%s", key, cfg_is_set(key) ? "<set>" : "<unset>");
    } else if (cfg_value(key, value, sizeof value, &set) == CFG_OK) {
        con_info("%s=%s", key, value);
    }
}

static void show_dynamic(void *ctx, const char *key)
{
    (void)ctx;
    show_one(key);
}

static void show(void)
{
    const char *key;
    for (unsigned i = 0; (key = cfg_fixed_key(i)) != NULL; i++) {
        show_one(key);
    }
    /* the defaults of the open-ended families, unless stored */
    if (!cfg_is_set("action.trigger")) {
        show_one("action.trigger");
    }
    char primary[48];
    snprintf(primary, sizeof primary, "button.%s.short", hal_button_name(hal_button_primary()));
    if (!cfg_is_set(primary)) {
        show_one(primary);
    }
    cfg_each_dynamic(show_dynamic, NULL);
    con_ok(NULL);
}

static void unknown(const char *key)
{
    con_err("unknown-key", "'%s' is not a configuration key (config show lists them)", key);
}

static void answer(cfg_status_t rc, const char *key, const char *why)
{
    char unbound[24];
    switch (rc) {
    case CFG_OK:
        /* the endpoint moved: say which credentials went with it */
        if (cfg_unbound(unbound, sizeof unbound)[0] != '\0') {
            con_ok("unset=%s", unbound);
        } else {
            con_ok(NULL);
        }
        break;
    case CFG_UNKNOWN_KEY:
        unknown(key);
        break;
    case CFG_BAD_VALUE:
        con_err("bad-value", "%s: %s", key, why);
        break;
    case CFG_WRITE_ONLY:
        con_err("secret-write-only", "%s is write-only: it can be set, never read", key);
        break;
    case CFG_STORAGE:
        con_err("storage", "the configuration could not be stored; nothing changed");
        break;
    case CFG_TOO_LONG:
        con_err("internal", "value of %s does not fit", key);
        break;
    }
}

/* ------------------------------------------------------------ import */

typedef struct {
    bool apply;          /* second pass: write (first pass only checks) */
    cfg_status_t rc;
    char key[48];
    const char *why;
} import_t;

static int import_member(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    import_t *im = ctx;
    char buf[CFG_VALUE_MAX + 1];
    if (name_len >= sizeof im->key) {
        memcpy(im->key, name, sizeof im->key - 1);
        im->key[sizeof im->key - 1] = '\0';
        im->rc = CFG_UNKNOWN_KEY;
        return 1;
    }
    memcpy(im->key, name, name_len);
    im->key[name_len] = '\0';
    if (!cfg_known(im->key)) {
        im->rc = CFG_UNKNOWN_KEY;
        return 1;
    }
    bool action = strncmp(im->key, "action.", 7) == 0;
    if (action) {
        if (value[0] != '{') {
            im->rc = CFG_BAD_VALUE;
            im->why = "an action's value must be a JSON object";
        } else if (json_minify(value, value_len, buf, sizeof buf, NULL) != JSON_OK) {
            im->rc = CFG_BAD_VALUE;
            im->why = "json object longer than 480 bytes";
        }
    } else {
        int rc = json_string_decode(value, value_len, buf, sizeof buf, NULL);
        if (rc != JSON_OK) {
            im->rc = CFG_BAD_VALUE;
            im->why = rc == JSON_E_OVERFLOW ? "value too long" : "the value must be a JSON string (without \\u0000)";
        }
    }
    if (im->rc == CFG_OK) {
        im->rc = im->apply ? cfg_txn_put(im->key, buf) : cfg_check(im->key, buf, &im->why);
    }
    cfg_wipe(buf, sizeof buf); /* it may be the secret */
    return im->rc == CFG_OK ? 0 : 1;
}

static void import(const char *text, size_t len)
{
    json_err_t err;
    import_t im = {false, CFG_OK, "", ""};
    int rc = json_validate_object(text, len, &err);
    if (rc != JSON_OK) {
        con_err("bad-value", "json %s", err.why);
        return;
    }
    (void)json_each_member(text, len, import_member, &im, NULL);
    if (im.rc != CFG_OK) {
        answer(im.rc, im.key, im.why);
        return;
    }
    cfg_txn_begin();
    im.apply = true;
    (void)json_each_member(text, len, import_member, &im, NULL);
    if (im.rc != CFG_OK) {
        cfg_txn_abort();
        answer(im.rc, im.key, im.why);
        return;
    }
    answer(cfg_txn_commit(), "", "");
}

static char *s_import; /* the console's capture buffer, while an import is read */
static size_t s_import_len;
static bool s_import_overflow;
static bool s_import_broken; /* an over-long line came: the rest is read and dropped */

static void import_end(void)
{
    console_capture(NULL); /* wipes the buffer, which may hold the secret */
    s_import = NULL;
    s_import_len = 0;
}

static void import_line(console_input_t what, const char *line)
{
    if (what == CONSOLE_IDLE) {
        import_end();
        con_err("timeout", "no input for %u s: the import was dropped, nothing changed",
                (unsigned)(CONSOLE_CAPTURE_IDLE_MS / 1000u));
        return;
    }
    if (what == CONSOLE_TOO_LONG) {
        /* Its remaining lines are swallowed until commit or abort, never
         * run as commands (one of them may hold the secret). */
        s_import_broken = true;
        return;
    }
    if (strcmp(line, "config import commit") == 0) {
        if (s_import_broken) {
            import_end();
            con_err("line-too-long", "a line of the import held more than %u bytes; nothing changed", LINEED_MAX);
        } else if (s_import_overflow) {
            import_end();
            con_err("bad-value", "json longer than %u bytes; nothing changed", IMPORT_MAX);
        } else {
            import(s_import, s_import_len);
            import_end();
        }
        return;
    }
    if (strcmp(line, "config import abort") == 0) {
        import_end();
        con_ok(NULL);
        return;
    }
    size_t n = strlen(line);
    if (s_import_len + n > IMPORT_MAX) {
        s_import_overflow = true; /* keep reading until commit: then refuse */
        return;
    }
    memcpy(s_import + s_import_len, line, n);
    s_import_len += n;
}

static void import_cmd(const char *arg)
{
    if (strcmp(arg, "begin") == 0) {
        s_import = (char *)console_capture_buffer();
        s_import_len = 0;
        s_import_overflow = false;
        s_import_broken = false;
        console_capture(import_line);
        console_mask_input(true);
        con_ok(NULL);
    } else if (strcmp(arg, "commit") == 0 || strcmp(arg, "abort") == 0) {
        con_err("bad-argument", "no import in progress (config import begin starts one)");
    } else {
        import(arg, strlen(arg));
    }
}

/* ------------------------------------------------------------ command */

void cmd_config(const char *args)
{
    char verb[8], key[48];
    const char *rest = cmd_word(args, verb, sizeof verb);
    if (rest == NULL) {
        con_err("bad-argument", USAGE);
        return;
    }
    if (strcmp(verb, "show") == 0 && *rest == '\0') {
        show();
        return;
    }
    if (strcmp(verb, "import") == 0) {
        import_cmd(rest);
        return;
    }
    if (strcmp(verb, "reset") == 0) {
        if (strcmp(rest, "yes") != 0) {
            con_err("bad-argument", "config reset yes: clears the configuration, the secret, the PAT and added CAs");
        } else {
            answer(cfg_reset(), "", "");
        }
        return;
    }
    const char *value = cmd_word(rest, key, sizeof key);
    if (value == NULL) {
        unknown(rest);
        return;
    }
    if (key[0] == '\0') {
        con_err("bad-argument", USAGE);
        return;
    }
    if (strcmp(verb, "get") == 0 && *value == '\0') {
        char buf[CFG_VALUE_MAX + 1];
        cfg_status_t rc = cfg_value(key, buf, sizeof buf, NULL);
        if (rc == CFG_OK) {
            con_info("%s=%s", key, buf);
        }
        answer(rc, key, "");
    } else if (strcmp(verb, "set") == 0) {
        const char *why = "invalid";
        answer(cfg_set(key, value, &why), key, why);
    } else if (strcmp(verb, "unset") == 0 && *value == '\0') {
        answer(cfg_unset(key), key, "");
    } else {
        con_err("bad-argument", USAGE);
    }
}
