/* The grammars of the values the device is given and sends (spec section 3):
 * one copy, for the configuration's validators (cfg.c) and the request
 * builder's own check of what it puts on the wire (http.c). */
#ifndef GRAMMAR_H
#define GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 9110 token characters besides letters and digits. */
#define GRAMMAR_TCHARS "!#$%&'*+-.^_`|~"

/* min..max characters, each a letter, a digit or one of extra. */
bool grammar_word(const char *s, const char *extra, size_t min, size_t max);
/* Empty, or /segment[/segment...] of letters, digits . _ -, at most max
 * bytes in all. */
bool grammar_path_prefix(const char *s, size_t max);

#endif
