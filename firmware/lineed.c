#include "lineed.h"

#include <string.h>

/* What follows these command words may be a secret: echoed as '*'.  The
 * words are matched the way the dispatcher splits them (cmd_word: leading
 * spaces skipped, one space after each word), so no spacing shows it. */
#define SECRET_WORDS_MAX 3
static const char *const s_secret_commands[][SECRET_WORDS_MAX + 1] = {
    {"config", "set", "secret", NULL},
    {"config", "import", NULL},
};

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
    /* All of it: the line may have held the secret, erased bytes too. */
    volatile char *p = le->line;
    for (size_t i = 0; i < sizeof le->line; i++) {
        p[i] = '\0';
    }
    le->len = 0;
    le->dropped = 0;
}

static void echo(const lineed_t *le, const char *s, size_t len)
{
    if (le->echo != NULL && len > 0) {
        le->echo(s, len);
    }
}

/* Whether the line's first pos bytes hold all of words, each ended by its
 * separator: pos is then inside what follows them. */
static bool after_words(const char *line, size_t pos, const char *const *words)
{
    size_t i = 0;
    for (; *words != NULL; words++) {
        while (i < pos && line[i] == ' ') {
            i++;
        }
        size_t n = strlen(*words);
        /* the word and the space after it, before pos */
        if (i + n >= pos || strncmp(line + i, *words, n) != 0 || line[i + n] != ' ') {
            return false;
        }
        i += n + 1u;
    }
    return true;
}

/* Whether position pos of the line falls inside a secret value. */
static bool masked_at(const lineed_t *le, size_t pos)
{
    if (le->mask_all) {
        return true;
    }
    for (size_t i = 0; i < sizeof s_secret_commands / sizeof s_secret_commands[0]; i++) {
        if (after_words(le->line, pos, s_secret_commands[i])) {
            return true;
        }
    }
    return false;
}

void lineed_redraw(const lineed_t *le)
{
    for (size_t i = 0; i < le->len; i++) {
        echo(le, masked_at(le, i) ? "*" : &le->line[i], 1);
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
    echo(le, masked_at(le, le->len) ? "*" : &c, 1);
    le->len++;
    return LINEED_NONE;
}
