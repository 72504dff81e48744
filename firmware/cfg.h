/*
 * Configuration keys (spec section 3): validation, values, defaults and
 * change notification.  Values are held in RAM for now; the durable store
 * (issue: configuration) will sit under this same interface.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CFG_OK = 0,
    CFG_UNKNOWN_KEY,
    CFG_BAD_VALUE
} cfg_status_t;

#define CFG_VALUE_MAX 256u

/* The value, or NULL when the key is unset (callers apply the default). */
const char *cfg_get(const char *key);
/* The value or the key's default text ("" when it has none). */
const char *cfg_get_or_default(const char *key);

/* Validates and stores; on CFG_BAD_VALUE *why says what is wrong. */
cfg_status_t cfg_set(const char *key, const char *value, const char **why);
cfg_status_t cfg_unset(const char *key);
bool cfg_known(const char *key);

/* Walks the keys in table order, for `config show`. */
const char *cfg_key_at(unsigned index);

/* Called after a key changed (set or unset). */
typedef void (*cfg_listener_t)(const char *key);
void cfg_set_listener(cfg_listener_t fn);

void cfg_init(void);

#endif
