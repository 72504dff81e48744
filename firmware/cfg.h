/*
 * Configuration keys (spec section 3): validation, defaults, durable values
 * (through the store), change notification.
 *
 * Fixed keys are listed in cfg.c's table; two families are open-ended:
 * `action.<name>` (a JSON object, stored minified) and
 * `button.<button>.<short|long|double>` (an action name).  The secret and
 * the PAT are write-only: cfg_value() refuses them, only cfg_secret() and
 * cfg_pat() read them, and no replaced, unset or reset value of either stays
 * readable on the medium.
 *
 * Endpoint binding (spec section 2): the credentials (the write-only keys:
 * the secret, and the PAT) sign for, or open, one destination.  A change
 * that moves it (org, webhook, host, port, path_prefix: set to another
 * value, or unset from one that is not the default) unsets every
 * credential the same change does not set itself, in the same store
 * change, so no power cut leaves the new endpoint with the old secret.
 * Setting a key to the value it has is no change.  The trust anchors
 * (ca.c) bind the same way through cfg_unbind().  A new credential key
 * gets F_CREDENTIAL in cfg.c's table and is then unset, wiped and kept
 * write-only like the secret.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CFG_OK = 0,
    CFG_UNKNOWN_KEY,
    CFG_BAD_VALUE,
    CFG_WRITE_ONLY, /* a write-only key (the secret, the PAT) cannot be read back */
    CFG_STORAGE,    /* the store failed or is full: nothing changed */
    CFG_TOO_LONG    /* the caller's buffer is too small */
} cfg_status_t;

#define CFG_VALUE_MAX 480u     /* an action's JSON object */
#define CFG_SECRET_MAX 128u
#define CFG_PAT_MAX 256u
#define CFG_ACTION_NAME_MAX 32u

/* The fixed keys, in the order `config show` lists them. */
typedef enum {
    CFG_ORG,
    CFG_WEBHOOK,
    CFG_SECRET,
    CFG_HOST,
    CFG_PORT,
    CFG_PATH_PREFIX,
    CFG_API_VERSION,
    CFG_SIG_HEADER,
    CFG_IP,
    CFG_DNS,
    CFG_NTP,
    CFG_DEVICE_ID,
    CFG_BLUEPRINT,
    CFG_ENTITY,
    CFG_MAX_AGE,
    CFG_RETRY_BASE_MS,
    CFG_RETRY_MAX_MS,
    CFG_RETRY_ERROR_MS,
    CFG_PROJECT,
    CFG_PAT,
    CFG_RUN_WAIT_S,
    CFG_RUN_POLL_S,
    CFG_RUN_FOLLOW_S,
    CFG_KEY_COUNT
} cfg_key_t;

/* The longest value each string key accepts: its validator checks these
 * limits, and CFG_GET_STR() checks at compile time that a buffer holds one. */
#define CFG_MAX_ORG 64u
#define CFG_MAX_WEBHOOK 64u
#define CFG_MAX_HOST 253u
#define CFG_MAX_PATH_PREFIX 128u
#define CFG_MAX_API_VERSION 32u
#define CFG_MAX_SIG_HEADER 64u
#define CFG_MAX_IP 34u     /* a.b.c.d/pp,a.b.c.d */
#define CFG_MAX_DNS 21u    /* a.b.c.d:ppppp */
#define CFG_MAX_NTP 259u   /* host:ppppp */
#define CFG_MAX_DEVICE_ID 32u
#define CFG_MAX_BLUEPRINT 128u
#define CFG_MAX_ENTITY 128u
#define CFG_MAX_PROJECT 64u
#define CFG_BUF(name) (CFG_MAX_##name + 1u)

/* A string key's value, or its default, into buf (NUL-terminated); returns
 * buf.  Use CFG_GET_STR(NAME, buf) for a char array: it does not compile
 * when the array is smaller than CFG_BUF(NAME). */
const char *cfg_str(cfg_key_t key, char *buf, size_t size);
#define CFG_GET_STR(name, buf)                                                                                 \
    cfg_str(CFG_##name, (buf), sizeof(buf) + 0u * sizeof(char[sizeof(buf) >= CFG_BUF(name) ? 1 : -1]))
/* A numeric key's value, or its default (port, max_age, retry.*, run.*): what was
 * stored passed its validator, so reading it cannot fail. */
uint32_t cfg_u32(cfg_key_t key);

void cfg_init(void);

/* Known key (fixed, or a well-formed action.* / button.* name). */
bool cfg_known(const char *key);
/* A key that is set but never read back (the secret, the PAT). */
bool cfg_write_only(const char *key);
/* Keys the store must leave no old copy of (store_set_sensitive): the
 * write-only keys and the console lock's passphrase hash. */
bool cfg_sensitive(const char *key);
/* Where lock.c keeps the passphrase hash: a sys.* key, so no config
 * command reaches it and `config reset yes` keeps it. */
#define CFG_LOCK_HASH_KEY "sys.lock"

/* Whether a change notified with key (cfg_add_listener) may have moved the
 * endpoint: an endpoint key, a trust anchor ("ca.*"), or NULL (an import or
 * a reset).  Whoever keeps a connection or a TLS session to it drops them. */
bool cfg_moves_endpoint(const char *key);

/* Endpoint binding for a change made outside this module (a trust anchor
 * added or removed, the built-ins switched): called between store_begin()
 * and store_commit() of that change, it adds the deletion of every
 * credential that is set.  STORE_OK or a store status (then abort the
 * change).  After the commit, cfg_notify() with the changed key. */
int cfg_unbind(void);
/* Calls the listeners for key, and for every credential the change unset. */
void cfg_notify(const char *key);
/* The credentials the binding unset since the last change began (or
 * cfg_unbound_clear()), as "secret" or "secret,pat", "" when none; into
 * buf, which is returned.  For the console's answer, so a person knows. */
const char *cfg_unbound(char *buf, size_t size);
void cfg_unbound_clear(void);

/* The value, or the key's default, into buf (NUL-terminated); *is_set (may be
 * NULL) says which.  An unset key without a default gives "". */
cfg_status_t cfg_value(const char *key, char *buf, size_t size, bool *is_set);
bool cfg_is_set(const char *key);

/* The secret's bytes for the signer; *len its length.  false when unset
 * (or longer than size).  The caller wipes buf after use (cfg_wipe). */
bool cfg_secret(void *buf, size_t size, size_t *len);
/* The PAT's bytes for the Builds API's Authorization; as cfg_secret. */
bool cfg_pat(void *buf, size_t size, size_t *len);
void cfg_wipe(void *buf, size_t len);

/* Validates, normalises (action JSON is minified) and stores durably, with
 * the binding; on CFG_BAD_VALUE *why says what is wrong.  Nothing changes
 * on any error. */
cfg_status_t cfg_set(const char *key, const char *value, const char **why);
/* Back to the default, durably, with the binding. */
cfg_status_t cfg_unset(const char *key);

/* All-or-nothing: validate every pair first with cfg_check, then apply them
 * with cfg_txn_begin / cfg_txn_put / cfg_txn_commit.  The binding is
 * applied at the commit: a credential the import sets is kept. */
cfg_status_t cfg_check(const char *key, const char *value, const char **why);
void cfg_txn_begin(void);
cfg_status_t cfg_txn_put(const char *key, const char *value);
cfg_status_t cfg_txn_commit(void);
void cfg_txn_abort(void);

/* Factory reset: every configuration key, the secret and (through the
 * listeners) added trust anchors; the boot counter and queue stay. */
cfg_status_t cfg_reset(void);

/* Fixed keys in display order; NULL past the end. */
const char *cfg_fixed_key(unsigned index);
/* Calls fn for each stored action.* and button.* key. */
void cfg_each_dynamic(void (*fn)(void *ctx, const char *key), void *ctx);

/* Whether org, webhook and secret are all set; names the missing ones. */
bool cfg_configured(char *missing, size_t size);

/* Called after a key changed (set, unset, import, reset: key NULL). */
typedef void (*cfg_listener_t)(const char *key);
void cfg_add_listener(cfg_listener_t fn);

#endif
