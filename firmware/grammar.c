/* See grammar.h.  Character classes are ASCII's, whatever the C locale. */
#include "grammar.h"

#include <string.h>

static bool is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool grammar_word(const char *s, const char *extra, size_t min, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n == max || !(is_alnum(s[n]) || strchr(extra, s[n]) != NULL)) {
            return false;
        }
    }
    return n >= min;
}

bool grammar_path_prefix(const char *s, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t n = 0;
    while (s[n] != '\0') {
        if (n >= max || s[n] != '/') {
            return false;
        }
        size_t seg = ++n;
        while (s[n] != '\0' && s[n] != '/') {
            if (n >= max || !(is_alnum(s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-')) {
                return false;
            }
            n++;
        }
        if (n == seg) {
            return false;
        }
    }
    return true;
}
