#include "cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "grammar.h"
#include "hal_button.h"
#include "json.h"
#include "netaddr.h"
#include "payload.h"
#include "store.h"

#define MAX_LISTENERS 8 /* net, buttons, ca, trigger, runs; room for more */

typedef bool (*validator_t)(const char *value, const char **why);

/* What a key is besides its value (spec section 2, endpoint binding). */
#define F_CREDENTIAL 0x01u /* write-only (never read back, no old copy on the medium) and bound to the
                            * endpoint: unset when the endpoint or the trust anchors change */
#define F_ENDPOINT 0x02u   /* where the credentials go: a change unsets them */

typedef struct {
    const char *name;
    const char *default_value; /* NULL: none ("" when shown) */
    validator_t validate;
    uint16_t max;              /* longest value a string key accepts; 0: a number */
    uint8_t flags;             /* F_* */
} cfg_key_def_t;

/* ------------------------------------------------------------ validators */


static bool v_org(const char *v, const char **why)
{
    *why = "1 to 64 of A-Z a-z 0-9 . _ -";
    return grammar_word(v, "._-", 1, CFG_MAX_ORG);
}

static bool v_webhook(const char *v, const char **why)
{
    *why = "1 to 64 of A-Z a-z 0-9 _ -";
    return grammar_word(v, "_-", 1, CFG_MAX_WEBHOOK);
}

static bool printable(const char *v, size_t max)
{
    size_t n = strlen(v);
    if (n < 1 || n > max) {
        return false;
    }
    for (const char *p = v; *p; p++) {
        if (*p < 0x20 || *p > 0x7E) {
            return false;
        }
    }
    return true;
}

static bool v_secret(const char *v, const char **why)
{
    *why = "1 to 128 printable ASCII characters";
    return printable(v, CFG_SECRET_MAX);
}

static bool v_pat(const char *v, const char **why)
{
    *why = "1 to 256 printable ASCII characters";
    return printable(v, CFG_PAT_MAX);
}

static bool v_project(const char *v, const char **why)
{
    /* A name or an id (a GUID); the space goes into URLs as %20. */
    *why = "1 to 64 of A-Z a-z 0-9 . _ - and space, no space first or last";
    size_t n = strlen(v);
    return grammar_word(v, "._- ", 1, CFG_MAX_PROJECT) && v[0] != ' ' && v[n - 1] != ' ';
}

static bool v_host(const char *v, const char **why)
{
    uint32_t ip;
    *why = "an RFC 1123 host name or a dotted IPv4 address";
    return netaddr_is_hostname(v) || netaddr_parse_ipv4(v, &ip);
}

/* A decimal integer lo..hi without sign or leading zeros. */
static bool number_in(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
    unsigned long n = 0;
    if (*v == '\0' || (v[0] == '0' && v[1] != '\0') || strlen(v) > 10) {
        return false;
    }
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        n = n * 10u + (unsigned long)(*p - '0');
    }
    if (out != NULL) {
        *out = n;
    }
    return n >= lo && n <= hi;
}

static bool v_port(const char *v, const char **why)
{
    *why = "a port number, 1 to 65535";
    return number_in(v, 1, 65535, NULL);
}

static bool v_path_prefix(const char *v, const char **why)
{
    *why = "empty or /segment[/segment...] of A-Z a-z 0-9 . _ -";
    return grammar_path_prefix(v, CFG_MAX_PATH_PREFIX);
}

static bool v_api_version(const char *v, const char **why)
{
    *why = "1 to 32 of A-Z a-z 0-9 . -";
    return grammar_word(v, ".-", 1, CFG_MAX_API_VERSION);
}

static bool v_sig_header(const char *v, const char **why)
{
    /* An HTTP field name: RFC 9110 token characters. */
    *why = "an HTTP header name (1 to 64 token characters)";
    return grammar_word(v, GRAMMAR_TCHARS, 1, CFG_MAX_SIG_HEADER);
}

static bool v_ip(const char *v, const char **why)
{
    netaddr_static_t st;
    return netaddr_parse_ip_key(v, &st, why);
}

static bool v_dns(const char *v, const char **why)
{
    char host[16];
    uint16_t port;
    uint32_t ip;
    *why = "expected <a.b.c.d> or <a.b.c.d>:<port>";
    return netaddr_parse_host_port(v, host, sizeof host, 53, &port) && netaddr_parse_ipv4(host, &ip);
}

static bool v_ntp(const char *v, const char **why)
{
    char host[254];
    uint16_t port;
    *why = "expected <host-or-a.b.c.d> or <host-or-a.b.c.d>:<port>";
    return netaddr_parse_host_port(v, host, sizeof host, 123, &port);
}

static bool v_device_id(const char *v, const char **why)
{
    *why = "1 to 32 of A-Z a-z 0-9 _ -";
    return grammar_word(v, "_-", 1, CFG_MAX_DEVICE_ID);
}

static bool v_identifier(const char *v, const char **why)
{
    /* Port identifiers; no character that would need escaping in JSON. */
    *why = "empty or up to 128 of A-Z a-z 0-9 _ - . @ : + / =";
    return *v == '\0' || grammar_word(v, "_-.@:+/=", 1, CFG_MAX_BLUEPRINT);
}

static bool v_max_age(const char *v, const char **why)
{
    *why = "seconds, 0 (never) to 315360000 (ten years)";
    return number_in(v, 0, 315360000ul, NULL);
}

static bool v_retry_ms(const char *v, const char **why)
{
    *why = "milliseconds, 100 to 86400000";
    return number_in(v, 100, 86400000ul, NULL);
}

/* The run.* limits keep every deadline of runs.c within 2^31 ms of now,
 * where its wrap-safe comparisons hold. */
static bool v_run_wait_s(const char *v, const char **why)
{
    *why = "seconds, 1 to 86400";
    return number_in(v, 1, 86400ul, NULL);
}

static bool v_run_poll_s(const char *v, const char **why)
{
    *why = "seconds, 2 to 3600";
    return number_in(v, 2, 3600ul, NULL);
}

static bool v_run_follow_s(const char *v, const char **why)
{
    *why = "seconds, 1 to 604800 (a week)";
    return number_in(v, 1, 604800ul, NULL);
}

/* Indexed by cfg_key_t. */
static const cfg_key_def_t s_keys[CFG_KEY_COUNT] = {
    [CFG_ORG] = {"org", NULL, v_org, CFG_MAX_ORG, F_ENDPOINT},
    [CFG_WEBHOOK] = {"webhook", NULL, v_webhook, CFG_MAX_WEBHOOK, F_ENDPOINT},
    [CFG_SECRET] = {"secret", NULL, v_secret, CFG_SECRET_MAX, F_CREDENTIAL},
    [CFG_HOST] = {"host", "dev.azure.com", v_host, CFG_MAX_HOST, F_ENDPOINT},
    [CFG_PORT] = {"port", "443", v_port, 0, F_ENDPOINT},
    [CFG_PATH_PREFIX] = {"path_prefix", "", v_path_prefix, CFG_MAX_PATH_PREFIX, F_ENDPOINT},
    [CFG_API_VERSION] = {"api_version", "6.0-preview", v_api_version, CFG_MAX_API_VERSION, 0},
    [CFG_SIG_HEADER] = {"sig_header", "X-Port-Signature", v_sig_header, CFG_MAX_SIG_HEADER, 0},
    [CFG_IP] = {"ip", "dhcp", v_ip, CFG_MAX_IP, 0},
    [CFG_DNS] = {"dns", NULL, v_dns, CFG_MAX_DNS, 0},
    [CFG_NTP] = {"ntp", NULL, v_ntp, CFG_MAX_NTP, 0},
    [CFG_DEVICE_ID] = {"device_id", NULL, v_device_id, CFG_MAX_DEVICE_ID, 0}, /* default derived from the MAC */
    [CFG_BLUEPRINT] = {"blueprint", "", v_identifier, CFG_MAX_BLUEPRINT, 0},
    [CFG_ENTITY] = {"entity", "", v_identifier, CFG_MAX_ENTITY, 0},
    [CFG_MAX_AGE] = {"max_age", "0", v_max_age, 0, 0},
    [CFG_RETRY_BASE_MS] = {"retry.base_ms", "2000", v_retry_ms, 0, 0},
    [CFG_RETRY_MAX_MS] = {"retry.max_ms", "300000", v_retry_ms, 0, 0},
    [CFG_RETRY_ERROR_MS] = {"retry.error_ms", "600000", v_retry_ms, 0, 0},
    [CFG_PROJECT] = {"project", "", v_project, CFG_MAX_PROJECT, 0},
    [CFG_PAT] = {"pat", NULL, v_pat, CFG_PAT_MAX, F_CREDENTIAL},
    [CFG_RUN_WAIT_S] = {"run.wait_s", "180", v_run_wait_s, 0, 0},
    [CFG_RUN_POLL_S] = {"run.poll_s", "10", v_run_poll_s, 0, 0},
    [CFG_RUN_FOLLOW_S] = {"run.follow_s", "7200", v_run_follow_s, 0, 0},
};
#define KEY_COUNT ((unsigned)CFG_KEY_COUNT)

static cfg_listener_t s_listeners[MAX_LISTENERS];
static unsigned s_nlisteners;

/* ------------------------------------------------------------ key names */

static const cfg_key_def_t *fixed(const char *key)
{
    for (unsigned i = 0; i < KEY_COUNT; i++) {
        if (strcmp(s_keys[i].name, key) == 0) {
            return &s_keys[i];
        }
    }
    return NULL;
}

static bool action_name_ok(const char *name)
{
    return grammar_word(name, "_-", 1, CFG_ACTION_NAME_MAX);
}

static bool is_action_key(const char *key)
{
    return strncmp(key, "action.", 7) == 0 && action_name_ok(key + 7);
}

/* button.<name>.<kind> with a button this board has. */
static bool is_button_key(const char *key)
{
    if (strncmp(key, "button.", 7) != 0) {
        return false;
    }
    const char *name = key + 7;
    const char *dot = strrchr(name, '.');
    if (dot == NULL) {
        return false;
    }
    const char *kind = dot + 1;
    if (strcmp(kind, "short") != 0 && strcmp(kind, "long") != 0 && strcmp(kind, "double") != 0) {
        return false;
    }
    for (unsigned i = 0; i < hal_button_count(); i++) {
        const char *b = hal_button_name(i);
        if (strlen(b) == (size_t)(dot - name) && strncmp(b, name, (size_t)(dot - name)) == 0) {
            return true;
        }
    }
    return false;
}

bool cfg_write_only(const char *key)
{
    const cfg_key_def_t *k = fixed(key);
    return k != NULL && (k->flags & F_CREDENTIAL) != 0;
}

bool cfg_sensitive(const char *key)
{
    return cfg_write_only(key) || strcmp(key, CFG_LOCK_HASH_KEY) == 0;
}

bool cfg_moves_endpoint(const char *key)
{
    if (key == NULL) {
        return true; /* an import or a reset: it may have */
    }
    const cfg_key_def_t *k = fixed(key);
    return (k != NULL && (k->flags & F_ENDPOINT) != 0) || strncmp(key, "ca.", 3) == 0;
}

bool cfg_known(const char *key)
{
    return fixed(key) != NULL || is_action_key(key) || is_button_key(key);
}

const char *cfg_fixed_key(unsigned index)
{
    return index < KEY_COUNT ? s_keys[index].name : NULL;
}

/* The default of a dynamic or fixed key, or NULL. */
static const char *default_of(const char *key, char *scratch, size_t size)
{
    const cfg_key_def_t *k = fixed(key);
    if (k != NULL) {
        if (strcmp(key, "device_id") == 0) {
            snprintf(scratch, size, "%s", device_default_id());
            return scratch;
        }
        return k->default_value;
    }
    if (strcmp(key, "action.trigger") == 0) {
        return "{}";
    }
    if (strncmp(key, "button.", 7) == 0) {
        char primary_short[48];
        snprintf(primary_short, sizeof primary_short, "button.%s.short", hal_button_name(hal_button_primary()));
        if (strcmp(key, primary_short) == 0) {
            return "trigger";
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ reading */

void cfg_init(void)
{
    s_nlisteners = 0;
}

void cfg_add_listener(cfg_listener_t fn)
{
    if (s_nlisteners < MAX_LISTENERS) {
        s_listeners[s_nlisteners++] = fn;
    }
}

static void notify(const char *key)
{
    for (unsigned i = 0; i < s_nlisteners; i++) {
        s_listeners[i](key);
    }
}

cfg_status_t cfg_value(const char *key, char *buf, size_t size, bool *is_set)
{
    if (!cfg_known(key)) {
        return CFG_UNKNOWN_KEY;
    }
    if (cfg_write_only(key)) {
        return CFG_WRITE_ONLY;
    }
    size_t len = 0;
    int rc = store_get(key, buf, size > 0 ? size - 1 : 0, &len);
    if (rc == STORE_OK) {
        buf[len] = '\0';
        if (is_set != NULL) {
            *is_set = true;
        }
        return CFG_OK;
    }
    if (rc == STORE_TOO_BIG) {
        return CFG_TOO_LONG;
    }
    if (is_set != NULL) {
        *is_set = false;
    }
    char scratch[40];
    const char *d = default_of(key, scratch, sizeof scratch);
    if (d == NULL) {
        d = "";
    }
    if (strlen(d) + 1 > size) {
        return CFG_TOO_LONG;
    }
    strcpy(buf, d);
    return CFG_OK;
}

bool cfg_is_set(const char *key)
{
    return store_has(key);
}

const char *cfg_str(cfg_key_t key, char *buf, size_t size)
{
    if (size == 0) {
        return buf;
    }
    if ((unsigned)key >= KEY_COUNT || s_keys[key].max == 0 || cfg_value(s_keys[key].name, buf, size, NULL) != CFG_OK) {
        buf[0] = '\0'; /* a caller's bug (CFG_GET_STR rules it out) or a secret: nothing */
    }
    return buf;
}

uint32_t cfg_u32(cfg_key_t key)
{
    char v[12];
    unsigned long n = 0;
    if ((unsigned)key < KEY_COUNT && s_keys[key].max == 0 && cfg_value(s_keys[key].name, v, sizeof v, NULL) == CFG_OK) {
        (void)number_in(v, 0, UINT32_MAX, &n);
    }
    return (uint32_t)n;
}

bool cfg_secret(void *buf, size_t size, size_t *len)
{
    return store_get("secret", buf, size, len) == STORE_OK;
}

bool cfg_pat(void *buf, size_t size, size_t *len)
{
    return store_get("pat", buf, size, len) == STORE_OK;
}

void cfg_wipe(void *buf, size_t len)
{
    /* volatile: the compiler may not drop a store it thinks is dead */
    volatile unsigned char *p = buf;
    while (len--) {
        *p++ = 0;
    }
}

bool cfg_configured(char *missing, size_t size)
{
    static const char *const required[] = {"org", "webhook", "secret"};
    size_t n = 0;
    bool ok = true;
    if (size > 0) {
        missing[0] = '\0';
    }
    for (unsigned i = 0; i < 3; i++) {
        if (!store_has(required[i])) {
            ok = false;
            if (size > n) {
                n += (size_t)snprintf(missing + n, size - n, "%s%s", n ? "," : "", required[i]);
            }
        }
    }
    return ok;
}

typedef struct {
    void (*fn)(void *ctx, const char *key);
    void *ctx;
} each_t;

static bool each_dynamic(void *ctx, const char *key)
{
    const each_t *e = ctx;
    if (is_action_key(key) || is_button_key(key)) {
        e->fn(e->ctx, key);
    }
    return true;
}

void cfg_each_dynamic(void (*fn)(void *ctx, const char *key), void *ctx)
{
    each_t e = {fn, ctx};
    store_each(each_dynamic, &e);
}

/* ------------------------------------------------------------ checking */

/* Validates; for actions, minifies into norm (size CFG_VALUE_MAX + 1). */
static cfg_status_t check(const char *key, const char *value, char *norm, const char **why)
{
    static char json_why[JSON_WHY_MAX + 8];
    if (!cfg_known(key)) {
        return CFG_UNKNOWN_KEY;
    }
    const cfg_key_def_t *k = fixed(key);
    if (k != NULL) {
        if (!k->validate(value, why)) {
            return CFG_BAD_VALUE;
        }
        strcpy(norm, value);
        return CFG_OK;
    }
    if (is_button_key(key)) {
        *why = "an action name: 1 to 32 of A-Z a-z 0-9 _ -";
        if (!action_name_ok(value)) {
            return CFG_BAD_VALUE;
        }
        strcpy(norm, value);
        return CFG_OK;
    }
    /* action.<name>: a strict JSON object, reserved names refused, at most
     * CFG_VALUE_MAX bytes once minified */
    json_err_t err;
    size_t len = strlen(value);
    int rc = json_check_reserved(value, len, payload_reserved_names, &err);
    if (rc == JSON_OK) {
        size_t out_len;
        rc = json_minify(value, len, norm, CFG_VALUE_MAX + 1, &out_len);
        if (rc == JSON_E_OVERFLOW) {
            *why = "json object longer than 480 bytes";
            return CFG_BAD_VALUE;
        }
    }
    if (rc != JSON_OK) {
        snprintf(json_why, sizeof json_why, "json %s", err.why);
        if (rc != JSON_E_RESERVED && rc != err.code) {
            snprintf(json_why, sizeof json_why, "json %s", json_strerror(rc));
        }
        *why = json_why;
        return CFG_BAD_VALUE;
    }
    return CFG_OK;
}

/* The normalised value on its way to the store lives on the stack of these
 * callers (a console command's, never a TLS handshake's): not static RAM,
 * which the TLS heap needs, nor the heap, which a handshake may be holding. */
cfg_status_t cfg_check(const char *key, const char *value, const char **why)
{
    char norm[CFG_VALUE_MAX + 1];
    cfg_status_t rc = strlen(value) > 4 * CFG_VALUE_MAX ? (*why = "value too long", CFG_BAD_VALUE)
                                                          : check(key, value, norm, why);
    cfg_wipe(norm, sizeof norm);
    return rc;
}

/* ------------------------------------------------------------ binding */

/* Credentials (by cfg_key_t bit) that the binding unset since
 * cfg_unbound_clear(). */
static uint32_t s_unbound;

void cfg_unbound_clear(void)
{
    s_unbound = 0;
}

const char *cfg_unbound(char *buf, size_t size)
{
    size_t n = 0;
    if (size == 0) {
        return buf;
    }
    buf[0] = '\0';
    for (unsigned i = 0; i < KEY_COUNT; i++) {
        if ((s_unbound & (1u << i)) != 0 && n < size) {
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", s_keys[i].name);
        }
    }
    return buf;
}

_Static_assert(CFG_KEY_COUNT <= 32, "a key's bit fits the credential masks");

/* The credential bit of key, 0 for any other key. */
static uint32_t credential_bit(const char *key)
{
    const cfg_key_def_t *k = fixed(key);
    return k != NULL && (k->flags & F_CREDENTIAL) != 0 ? 1u << (unsigned)(k - s_keys) : 0u;
}

/* Whether giving key the value next (NULL: its default) moves the endpoint.
 * Byte for byte: the same value again is no change; another spelling of the
 * same host (case, a trailing dot) is one. */
static bool moves(const char *key, const char *next)
{
    const cfg_key_def_t *k = fixed(key);
    if (k == NULL || (k->flags & F_ENDPOINT) == 0) {
        return false;
    }
    char now[CFG_BUF(HOST)];
    _Static_assert(CFG_MAX_HOST >= CFG_MAX_ORG && CFG_MAX_HOST >= CFG_MAX_WEBHOOK &&
                       CFG_MAX_HOST >= CFG_MAX_PATH_PREFIX,
                   "the host is the longest endpoint value");
    if (next == NULL) {
        next = k->default_value != NULL ? k->default_value : "";
    }
    return cfg_value(key, now, sizeof now, NULL) != CFG_OK || strcmp(now, next) != 0;
}

/* Adds, to the open store change, the deletion of every credential that is
 * set, except those in keep (the change sets them itself). */
static int unbind_put(uint32_t keep)
{
    for (unsigned i = 0; i < KEY_COUNT; i++) {
        uint32_t bit = 1u << i;
        if ((s_keys[i].flags & F_CREDENTIAL) == 0 || (keep & bit) != 0 || !store_has(s_keys[i].name)) {
            continue;
        }
        int rc = store_del(s_keys[i].name);
        if (rc != STORE_OK) {
            return rc;
        }
        s_unbound |= bit;
    }
    return STORE_OK;
}

int cfg_unbind(void)
{
    return unbind_put(0);
}

/* After a change committed: its key, then the credentials it unset. */
static void notify_change(const char *key)
{
    notify(key);
    for (unsigned i = 0; i < KEY_COUNT; i++) {
        if ((s_unbound & (1u << i)) != 0) {
            notify(s_keys[i].name);
        }
    }
}

void cfg_notify(const char *key)
{
    notify_change(key);
}

/* ------------------------------------------------------------ changing */

static bool s_in_txn;
static bool s_txn_failed;
static bool s_txn_moves;     /* the open import moves the endpoint */
static uint32_t s_txn_creds; /* credentials the open import sets */

void cfg_txn_begin(void)
{
    store_begin();
    s_in_txn = true;
    s_txn_failed = false;
    s_txn_moves = false;
    s_txn_creds = 0;
    s_unbound = 0;
}

cfg_status_t cfg_txn_put(const char *key, const char *value)
{
    const char *why;
    char norm[CFG_VALUE_MAX + 1];
    cfg_status_t rc = check(key, value, norm, &why);
    if (rc == CFG_OK) {
        /* against the committed values: the change's own are not visible yet */
        s_txn_moves = s_txn_moves || moves(key, norm);
        s_txn_creds |= credential_bit(key);
        if (store_put(key, norm, strlen(norm)) != STORE_OK) {
            rc = CFG_STORAGE;
        }
    }
    cfg_wipe(norm, CFG_VALUE_MAX + 1); /* it may have held the secret */
    if (rc != CFG_OK) {
        s_txn_failed = true;
    }
    return rc;
}

void cfg_txn_abort(void)
{
    store_abort();
    s_in_txn = false;
    s_unbound = 0;
}

cfg_status_t cfg_txn_commit(void)
{
    s_in_txn = false;
    /* In the same change: a power cut keeps the old endpoint with its
     * credentials, or the new one without them. */
    if (s_txn_failed || (s_txn_moves && unbind_put(s_txn_creds) != STORE_OK)) {
        store_abort();
        s_unbound = 0;
        return CFG_STORAGE;
    }
    if (store_commit() != STORE_OK) {
        s_unbound = 0;
        return CFG_STORAGE;
    }
    notify_change(NULL);
    return CFG_OK;
}

/* One key, with the binding: key = value (or deleted when value is NULL)
 * and, when that moves the endpoint, every credential unset, in one store
 * change. */
static cfg_status_t change(const char *key, const char *value, bool move)
{
    store_begin();
    int rc = value != NULL ? store_put(key, value, strlen(value)) : store_del(key);
    if (rc == STORE_OK && move) {
        rc = unbind_put(0);
    }
    if (rc == STORE_OK) {
        rc = store_commit();
    } else {
        store_abort();
    }
    if (rc != STORE_OK) {
        s_unbound = 0;
        return CFG_STORAGE;
    }
    notify_change(key);
    return CFG_OK;
}

cfg_status_t cfg_set(const char *key, const char *value, const char **why)
{
    char norm[CFG_VALUE_MAX + 1];
    s_unbound = 0;
    cfg_status_t rc = strlen(value) > 4 * CFG_VALUE_MAX ? (*why = "value too long", CFG_BAD_VALUE)
                                                          : check(key, value, norm, why);
    if (rc == CFG_OK) {
        rc = change(key, norm, moves(key, norm));
    }
    cfg_wipe(norm, CFG_VALUE_MAX + 1);
    return rc;
}

cfg_status_t cfg_unset(const char *key)
{
    if (!cfg_known(key)) {
        return CFG_UNKNOWN_KEY;
    }
    s_unbound = 0;
    if (!store_has(key)) {
        notify(key);
        return CFG_OK;
    }
    return change(key, NULL, moves(key, NULL));
}

static bool keep_on_reset(const char *key)
{
    /* the boot counter (run ids stay unique) and the console lock (lock.h:
     * `lock clear` removes it, a reset does not) */
    return strncmp(key, "sys.", 4) == 0;
}

cfg_status_t cfg_reset(void)
{
    s_unbound = 0;
    if (store_clear(keep_on_reset) != STORE_OK) {
        return CFG_STORAGE;
    }
    notify(NULL);
    return CFG_OK;
}
