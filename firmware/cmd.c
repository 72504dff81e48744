#include "cmd.h"

#include <string.h>

#include "console.h"

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
