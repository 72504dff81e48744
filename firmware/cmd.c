#include "cmd.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cfg.h"
#include "commands.h"
#include "console.h"
#include "lock.h"
#include "store.h"

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
    if (*s == ' ') {
        s++; /* exactly one separator: values keep their own spaces */
    }
    return s;
}

/* A word of a line being typed: where it starts and ends, and whether a
 * space follows it (it is complete). */
typedef struct {
    size_t at, end;
    bool done;
} word_t;

static unsigned words(const char *line, size_t len, word_t *w, unsigned max)
{
    unsigned n = 0;
    size_t i = 0;
    while (n < max) {
        while (i < len && line[i] == ' ') {
            i++;
        }
        if (i == len) {
            break;
        }
        w[n].at = i;
        while (i < len && line[i] != ' ') {
            i++;
        }
        w[n].end = i;
        w[n].done = i < len;
        n++;
    }
    return n;
}

static bool word_is(const char *line, const word_t *w, const char *s)
{
    size_t n = strlen(s);
    return w->end - w->at == n && memcmp(line + w->at, s, n) == 0;
}

size_t cmd_secret_from(const char *line, size_t len)
{
    word_t w[3];
    char key[STORE_KEY_MAX + 1];
    unsigned n = words(line, len, w, 3);
    if (n >= 1 && w[0].done && word_is(line, &w[0], "unlock")) {
        return w[0].end + 1u;
    }
    if (n < 2 || !w[1].done) {
        return SIZE_MAX;
    }
    if ((word_is(line, &w[0], "lock") && word_is(line, &w[1], "set")) ||
        (word_is(line, &w[0], "config") && word_is(line, &w[1], "import"))) {
        return w[1].end + 1u;
    }
    if (n == 3 && w[2].done && word_is(line, &w[0], "config") && word_is(line, &w[1], "set") &&
        w[2].end - w[2].at < sizeof key) {
        memcpy(key, line + w[2].at, w[2].end - w[2].at);
        key[w[2].end - w[2].at] = '\0';
        if (cfg_write_only(key)) {
            return w[2].end + 1u;
        }
    }
    return SIZE_MAX;
}

void cmd_dispatch(const char *line)
{
    char name[24];
    const char *args = cmd_word(line, name, sizeof name);
    if (args == NULL || name[0] == '\0') {
        con_err("unknown-command", "not a command (try help)");
        return;
    }
    for (const cmd_t *c = cmd_table; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0) {
            if (lock_locked() && cmd_lock_refuses(name, args)) {
                con_err("locked", "the console is locked: unlock <passphrase> first");
                return;
            }
            uint32_t before = console_final_count();
            c->handler(args);
            /* A command that reads more lines (ca add, config import begin)
             * answers when they end. */
            if (console_final_count() == before && !console_capturing()) {
                /* A handler that forgot its final line is a bug, but the
                 * program on the other end must not wait forever. */
                con_err("internal", "command '%s' gave no answer", name);
            }
            return;
        }
    }
    con_err("unknown-command", "'%s' is not a command (try help)", name);
}
