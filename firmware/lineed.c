#include "lineed.h"

#include <stdint.h>
#include <string.h>

void lineed_init(lineed_t *le)
{
    memset(le, 0, sizeof *le);
}

void lineed_set_echo(lineed_t *le, lineed_echo_fn echo)
{
    le->echo = echo;
}

void lineed_set_secret(lineed_t *le, lineed_secret_fn secret_from)
{
    le->secret_from = secret_from;
}

void lineed_reset(lineed_t *le)
{
    /* volatile: the compiler may not drop a wipe of bytes it sees no reader of */
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

/* Where the line's first len bytes start a secret: 0 for a line that is
 * all secret, SIZE_MAX for none. */
static size_t secret_start(const lineed_t *le, size_t len)
{
    if (le->mask_all) {
        return 0;
    }
    return le->secret_from != NULL ? le->secret_from(le->line, len) : SIZE_MAX;
}

void lineed_redraw(const lineed_t *le)
{
    size_t from = secret_start(le, le->len);
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
            le->line[--le->len] = '\0';
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
    size_t from = secret_start(le, le->len + 1);
    le->len++;
    echo(le, le->len - 1u >= from ? "*" : &c, 1);
    return LINEED_NONE;
}
