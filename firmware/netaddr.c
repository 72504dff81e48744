#include "netaddr.h"

#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A decimal number at *s of at most max, no leading zeros; advances *s. */
static bool number(const char **s, uint32_t max, uint32_t *out)
{
    const char *p = *s;
    uint32_t v = 0;
    if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1]))) {
        return false;
    }
    while (is_digit(*p)) {
        v = v * 10u + (uint32_t)(*p - '0');
        if (v > max) {
            return false;
        }
        p++;
    }
    *s = p;
    *out = v;
    return true;
}

static bool ipv4_at(const char **s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t part;
        if (i > 0 && *(*s)++ != '.') {
            return false;
        }
        if (!number(s, 255, &part)) {
            return false;
        }
        v = (v << 8) | part;
    }
    *ip = v;
    return true;
}

bool netaddr_parse_ipv4(const char *s, uint32_t *ip)
{
    return ipv4_at(&s, ip) && *s == '\0';
}

bool netaddr_is_hostname(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253) {
        return false;
    }
    const char *label = s;
    bool all_digits_last = true;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t n = (size_t)(p - label);
            if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-') {
                return false;
            }
            all_digits_last = true;
            for (const char *q = label; q < p; q++) {
                all_digits_last = all_digits_last && is_digit(*q);
            }
            if (*p == '\0') {
                break;
            }
            label = p + 1;
        } else if (!is_alnum(*p) && *p != '-') {
            return false;
        }
    }
    /* "1.2.3" or "300.1.1.1" is a mistyped address, not a name. */
    return !all_digits_last;
}

bool netaddr_parse_host_port(const char *s, char *host, size_t size, uint16_t default_port, uint16_t *port)
{
    const char *colon = strchr(s, ':');
    size_t hlen = colon ? (size_t)(colon - s) : strlen(s);
    if (hlen == 0 || hlen >= size) {
        return false;
    }
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    uint32_t ip;
    if (!netaddr_parse_ipv4(host, &ip) && !netaddr_is_hostname(host)) {
        return false;
    }
    if (colon == NULL) {
        *port = default_port;
        return true;
    }
    const char *p = colon + 1;
    uint32_t v;
    if (!number(&p, 65535, &v) || v == 0 || *p != '\0') {
        return false;
    }
    *port = (uint16_t)v;
    return true;
}

bool netaddr_parse_ip_key(const char *s, netaddr_static_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (strcmp(s, "dhcp") == 0) {
        out->dhcp = true;
        return true;
    }
    uint32_t prefix;
    if (!ipv4_at(&s, &out->ip) || *s++ != '/' || !number(&s, 32, &prefix) || *s++ != ',' ||
        !ipv4_at(&s, &out->gateway) || *s != '\0') {
        *why = "expected dhcp or <a.b.c.d>/<prefix>,<gateway>";
        return false;
    }
    if (prefix < 1 || prefix > 30) {
        *why = "prefix must be 1 to 30";
        return false;
    }
    out->netmask = 0xFFFFFFFFu << (32u - prefix);
    uint32_t host_bits = ~out->netmask;
    if ((out->ip & host_bits) == 0 || (out->ip & host_bits) == host_bits) {
        *why = "the address is the subnet's network or broadcast address";
        return false;
    }
    if ((out->gateway & out->netmask) != (out->ip & out->netmask) || out->gateway == out->ip ||
        (out->gateway & host_bits) == 0 || (out->gateway & host_bits) == host_bits) {
        *why = "the gateway must be another host in the same subnet";
        return false;
    }
    return true;
}
