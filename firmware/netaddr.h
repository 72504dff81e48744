/* Parsing of the network configuration values (spec section 3): strict, so a
 * typo is refused rather than half understood. */
#ifndef NETADDR_H
#define NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Dotted quad, each part 0..255 without leading zeros; *ip in host order. */
bool netaddr_parse_ipv4(const char *s, uint32_t *ip);

/* An RFC 1123 host name: dot-separated labels of letters, digits and inner
 * hyphens, 1..63 each, at most 253 in all, not all-numeric at the end. */
bool netaddr_is_hostname(const char *s);

/* "<host>" or "<host>:<port>", host a name or a dotted quad; the host is
 * copied into host (size bytes), port is default_port when absent. */
bool netaddr_parse_host_port(const char *s, char *host, size_t size, uint16_t default_port, uint16_t *port);

/* The `ip` key: "dhcp" (sets *dhcp) or "<a.b.c.d>/<prefix>,<gateway>" with
 * prefix 1..30 and the gateway a host inside that subnet. */
typedef struct {
    bool dhcp;
    uint32_t ip, netmask, gateway;
} netaddr_static_t;
bool netaddr_parse_ip_key(const char *s, netaddr_static_t *out, const char **why);

#endif
