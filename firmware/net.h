/*
 * The network: lwIP on the board's Ethernet MAC, addressing (DHCP or the `ip`
 * key), DNS (the `dns` key or DHCP's), SNTP (the `ntp` key, DHCP's or
 * pool.ntp.org) feeding the wall clock, and the state `status` reports.
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stdint.h>

void net_init(void);
/* Superloop task: driver housekeeping, received frames, lwIP timers. */
void net_task(void);

/* Link up and an address held: what `net=up` means. */
bool net_is_up(void);
/* The address as a.b.c.d ("0.0.0.0" without one); static buffer. */
const char *net_ip(void);
/* Outcome of the most recent network exchange (DNS, NTP or TCP). */
const char *net_reach(void); /* ok, failing, unknown */
void net_reach_report(bool ok);

/* Resolves a name through the configured DNS; cb runs exactly once, maybe
 * before net_resolve returns.  addr is in host order, valid when ok. */
typedef void (*net_resolve_cb)(void *arg, bool ok, uint32_t addr, const char *why);
void net_resolve(const char *name, net_resolve_cb cb, void *arg);

/* The station address as 12 lowercase hex digits, for device ids. */
const char *net_mac_hex(void);

/* Frames dropped in either direction since boot. */
uint32_t net_frames_dropped(void);

/* Times the MAC's init has been tried since boot (1 when it came up at once;
 * a failed init is retried with back-off and reported as EVT net down
 * reason=...). */
uint32_t net_eth_init_attempts(void);

#endif
