#include "lineed.h"

#include <stdint.h>
#include <string.h>

#include "cfg.h"

void lineed_init(lineed_t *le)
{
    memset(le, 0, sizeof *le);
}

void lineed_set_echo(lineed_t *le, lineed_echo_fn echo)
{
    le->echo = echo;
}

void lineed_reset(lineed_t *le)
{
    le->len = 0;
    le->dropped = 0;
    le->line[0] = '\0';
}

static void echo(const lineed_t *le, const char *s, size_t len)
{
    if (le->echo != NULL && len > 0) {
        le->echo(s, len);
    }
}

/* The next word of line[0..len) from *at, as cmd_word splits a command
 * (spaces before it skipped); *end is where it stops.  False when no space
 * follows it yet: a word still being typed may grow into another name. */
static bool next_word(const lineed_t *le, size_t *at, char *word, size_t size)
{
    size_t i = *at, n = 0;
    while (i < le->len && le->line[i] == ' ') {
        i++;
    }
    for (; i < le->len && le->line[i] != ' '; i++) {
        if (n + 1 < size) {
            word[n] = le->line[i];
        }
        n++;
    }
    if (i >= le->len || n == 0 || n >= size) {
        return false;
    }
    word[n] = '\0';
    *at = i + 1; /* one separator: a value's own spaces are the value's */
    return true;
}

/* Where a secret starts in the line: after `config set <key> ` for a
 * write-only key (cfg_write_only: the secret, the PAT), after `config
 * import ` (an import may hold them), with words separated by any number of
 * spaces as the command parser reads them.  SIZE_MAX: nowhere (yet). */
static size_t secret_from(const lineed_t *le)
{
    char word[48];
    size_t at = 0;
    if (le->mask_all) {
        return 0;
    }
    if (!next_word(le, &at, word, sizeof word) || strcmp(word, "config") != 0 ||
        !next_word(le, &at, word, sizeof word)) {
        return SIZE_MAX;
    }
    if (strcmp(word, "import") == 0) {
        return at;
    }
    if (strcmp(word, "set") == 0 && next_word(le, &at, word, sizeof word) && cfg_write_only(word)) {
        return at;
    }
    return SIZE_MAX;
}

void lineed_redraw(const lineed_t *le)
{
    size_t from = secret_from(le);
    for (size_t i = 0; i < le->len; i++) {
        echo(le, i >= from ? "*" : &le->line[i], 1);
    }
}

lineed_result_t lineed_feed(lineed_t *le, char c)
{
    bool was_cr = le->last_cr;
    le->last_cr = (c == '\r');
    if (c == '\n' && was_cr) {
        return LINEED_NONE;
    }
    if (c == '\r' || c == '\n') {
        echo(le, "\r\n", 2);
        le->line[le->len] = '\0';
        if (le->dropped > 0) {
            lineed_reset(le);
            return LINEED_TOO_LONG;
        }
        return LINEED_LINE;
    }
    if (c == '\b' || c == 0x7f) {
        if (le->dropped > 0) {
            le->dropped--;
        } else if (le->len > 0) {
            le->len--;
            echo(le, "\b \b", 3);
        }
        return LINEED_NONE;
    }
    if (c == 0x03 || c == 0x15) { /* Ctrl-C, Ctrl-U: abandon the line */
        lineed_reset(le);
        echo(le, "^C\r\n", 4);
        return LINEED_NONE;
    }
    if ((unsigned char)c < 0x20 && c != '\t') {
        return LINEED_NONE; /* other control characters mean nothing here */
    }
    if (c == '\t') {
        c = ' ';
    }
    if (le->len >= LINEED_MAX) {
        le->dropped++;
        return LINEED_NONE;
    }
    le->line[le->len] = c;
    size_t from = secret_from(le);
    le->len++;
    echo(le, le->len - 1u >= from ? "*" : &c, 1);
    return LINEED_NONE;
}
