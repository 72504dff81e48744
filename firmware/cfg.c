#include "cfg.h"

#include <string.h>

#include "netaddr.h"

typedef bool (*validator_t)(const char *value, const char **why);

typedef struct {
    const char *name;
    const char *default_text; /* shown when unset */
    validator_t validate;
} key_t;

static bool valid_ip(const char *v, const char **why)
{
    netaddr_static_t st;
    return netaddr_parse_ip_key(v, &st, why);
}

static bool valid_dns(const char *v, const char **why)
{
    char host[16];
    uint16_t port;
    uint32_t ip;
    if (!netaddr_parse_host_port(v, host, sizeof host, 53, &port) || !netaddr_parse_ipv4(host, &ip)) {
        *why = "expected <a.b.c.d> or <a.b.c.d>:<port>";
        return false;
    }
    return true;
}

static bool valid_ntp(const char *v, const char **why)
{
    char host[254];
    uint16_t port;
    if (!netaddr_parse_host_port(v, host, sizeof host, 123, &port)) {
        *why = "expected <host-or-a.b.c.d> or <host-or-a.b.c.d>:<port>";
        return false;
    }
    return true;
}

static const key_t s_keys[] = {
    {"ip", "dhcp", valid_ip},
    {"dns", "", valid_dns},
    {"ntp", "", valid_ntp},
};
#define KEY_COUNT (sizeof s_keys / sizeof s_keys[0])

static char s_values[KEY_COUNT][CFG_VALUE_MAX + 1];
static bool s_set[KEY_COUNT];
static cfg_listener_t s_listener;

static int find(const char *key)
{
    for (unsigned i = 0; i < KEY_COUNT; i++) {
        if (strcmp(s_keys[i].name, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void cfg_init(void)
{
    memset(s_set, 0, sizeof s_set);
    s_listener = NULL;
}

bool cfg_known(const char *key)
{
    return find(key) >= 0;
}

const char *cfg_key_at(unsigned index)
{
    return index < KEY_COUNT ? s_keys[index].name : NULL;
}

const char *cfg_get(const char *key)
{
    int i = find(key);
    return i >= 0 && s_set[i] ? s_values[i] : NULL;
}

const char *cfg_get_or_default(const char *key)
{
    int i = find(key);
    if (i < 0) {
        return "";
    }
    return s_set[i] ? s_values[i] : s_keys[i].default_text;
}

void cfg_set_listener(cfg_listener_t fn)
{
    s_listener = fn;
}

cfg_status_t cfg_set(const char *key, const char *value, const char **why)
{
    int i = find(key);
    if (i < 0) {
        return CFG_UNKNOWN_KEY;
    }
    if (strlen(value) > CFG_VALUE_MAX) {
        *why = "value too long";
        return CFG_BAD_VALUE;
    }
    if (!s_keys[i].validate(value, why)) {
        return CFG_BAD_VALUE;
    }
    strcpy(s_values[i], value);
    s_set[i] = true;
    if (s_listener != NULL) {
        s_listener(key);
    }
    return CFG_OK;
}

cfg_status_t cfg_unset(const char *key)
{
    int i = find(key);
    if (i < 0) {
        return CFG_UNKNOWN_KEY;
    }
    s_set[i] = false;
    if (s_listener != NULL) {
        s_listener(key);
    }
    return CFG_OK;
}
