/*
 * Console line editor: turns received bytes into command lines.  Lines end
 * with CR, LF or CRLF; BS and DEL erase; Ctrl-C and Ctrl-U drop the line; a
 * line longer than LINEED_MAX is discarded whole.  Echo, when wanted, goes
 * through a callback so the editor stays free of I/O.
 */
#ifndef LINEED_H
#define LINEED_H

#include <stdbool.h>
#include <stddef.h>

#define LINEED_MAX 512u

typedef enum {
    LINEED_NONE = 0,   /* byte consumed, no line yet */
    LINEED_LINE,       /* a complete line is in line[] (NUL-terminated) */
    LINEED_TOO_LONG    /* a line ended that had more than LINEED_MAX bytes */
} lineed_result_t;

typedef void (*lineed_echo_fn)(const char *s, size_t len);

typedef struct {
    char line[LINEED_MAX + 1];
    size_t len;
    size_t dropped;     /* bytes beyond LINEED_MAX in the current line */
    bool last_cr;       /* swallow the LF of a CRLF */
    lineed_echo_fn echo;  /* NULL = no echo */
    bool mask_all;        /* echo every byte as '*' (lines that may hold a secret) */
} lineed_t;

void lineed_init(lineed_t *le);
void lineed_set_echo(lineed_t *le, lineed_echo_fn echo);
lineed_result_t lineed_feed(lineed_t *le, char c);
/* Clears the line after the caller has used it, wiping every byte. */
void lineed_reset(lineed_t *le);
/* Writes the current partial line through echo (masked where a secret is
 * being typed), for redrawing the prompt after an event. */
void lineed_redraw(const lineed_t *le);

#endif
