#include "net.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "events.h"
#include "ethif.h"
#include "hal_eth.h"
#include "hal_time.h"
#include "lwip/apps/sntp.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netaddr.h"
#include "netif/ethernet.h"
#include "wallclock.h"

#define NTP_DEFAULT_SERVER "pool.ntp.org"
#define FRAMES_PER_TASK 8u       /* bounds one pass so the console stays responsive */
#define SNTP_ANSWER_MS 4000u     /* a request unanswered this long counts as a failed exchange */
/* While a step is held (wallclock.h), ask again this often rather than hourly:
 * five more answers confirm it over the 10 minutes, or drop it. */
#define SNTP_CONFIRM_MS 120000u
#define DIFF_SEC_1970_2036 2085978496u
/* A MAC whose init failed is tried again after 1 s, then after twice as long
 * each time up to a minute: a PHY that is late out of reset is caught at once,
 * a board without one costs one attempt (up to about 0.6 s of blocking, the
 * PHY's reset time) a minute. */
#define ETH_RETRY_FIRST_MS 1000u
#define ETH_RETRY_MAX_MS 60000u

uint16_t pb_dns_port = 53;
uint16_t pb_sntp_port = 123;

typedef enum { REACH_UNKNOWN, REACH_OK, REACH_FAILING } reach_t;

static struct netif s_netif;
static const hal_eth_t *s_eth;
static bool s_eth_ok;
static bool s_eth_retry;          /* init failed in a way that may heal */
static uint32_t s_eth_retry_at;   /* hal_millis() of the next attempt */
static uint32_t s_eth_retry_ms;   /* the wait before the attempt after that */
static uint32_t s_eth_attempts;
static bool s_link;
static bool s_reported_up;
static uint32_t s_reported_ip;
static reach_t s_reach;
static char s_mac_hex[13];
static char s_hostname[20];
static char s_ntp_host[254];
static bool s_ntp_from_key;  /* s_ntp_host and pb_sntp_port came from the `ntp` key */
static bool s_in_input;      /* lwIP is handling a received frame */
static bool s_sntp_pending;  /* a request is out, no answer yet */
static uint32_t s_sntp_sent_at;
static bool s_sntp_confirm;  /* a step is held: ask again at s_sntp_confirm_at */
static uint32_t s_sntp_confirm_at;

/* ------------------------------------------------------------ lwIP hooks */

u32_t sys_now(void)
{
    return hal_millis();
}

void pb_sntp_get_time(int32_t *sec, uint32_t *frac)
{
    uint64_t utc_ms;
    if (!wallclock_now(&utc_ms)) {
        utc_ms = hal_uptime_ms(); /* any value: it only has to come back as the origin */
    }
    *sec = (int32_t)(uint32_t)(utc_ms / 1000u - DIFF_SEC_1970_2036);
    *frac = (uint32_t)(((utc_ms % 1000u) << 32) / 1000u);
    if (!s_in_input) {
        /* Outside frame input this builds a request. */
        s_sntp_pending = true;
        s_sntp_sent_at = hal_millis();
    }
}

void pb_sntp_set_time(int32_t sec, uint32_t frac)
{
    uint64_t unix_s = (uint64_t)((int64_t)sec + (int64_t)DIFF_SEC_1970_2036);
    uint64_t ms = (uint64_t)(((uint64_t)frac * 1000u) >> 32);
    s_sntp_pending = false;
    net_reach_report(true);
    s_sntp_confirm = wallclock_set_ntp(unix_s * 1000u + ms) == WALLCLOCK_HELD;
    s_sntp_confirm_at = hal_millis() + SNTP_CONFIRM_MS;
}

/* ------------------------------------------------------------ state */

bool net_is_up(void)
{
    return s_link && netif_is_up(&s_netif) && !ip4_addr_isany_val(*netif_ip4_addr(&s_netif));
}

const char *net_ip(void)
{
    static char buf[16];
    return ip4addr_ntoa_r(netif_ip4_addr(&s_netif), buf, sizeof buf) ? buf : "0.0.0.0";
}

const char *net_reach(void)
{
    static const char *const names[] = {"unknown", "ok", "failing"};
    return names[s_reach];
}

void net_reach_report(bool ok)
{
    s_reach = ok ? REACH_OK : REACH_FAILING;
}

const char *net_mac_hex(void)
{
    return s_mac_hex;
}

uint32_t net_frames_dropped(void)
{
    return hal_eth_rx_dropped() + ethif_tx_dropped();
}

uint32_t net_eth_init_attempts(void)
{
    return s_eth_attempts;
}

/* ------------------------------------------------------------ config */

static void apply_dns(void)
{
    char v[CFG_BUF(DNS)];
    char host[16];
    uint16_t port = 53;
    uint32_t ip;
    if (*CFG_GET_STR(DNS, v) != '\0' && netaddr_parse_host_port(v, host, sizeof host, 53, &port) &&
        netaddr_parse_ipv4(host, &ip)) {
        ip_addr_t addr = IPADDR4_INIT(lwip_htonl(ip));
        dns_setserver(0, &addr);
        dns_setserver(1, NULL);
    }
    pb_dns_port = port;
}

static void sntp_restart(void)
{
    sntp_stop();
    s_sntp_pending = false;
    if (net_is_up()) {
        sntp_init();
    }
}

/* The `ntp` key as host and port; false when it is unset (or unusable). */
static bool ntp_key(char *host, size_t size, uint16_t *port)
{
    char v[CFG_BUF(NTP)];
    *port = 123;
    return *CFG_GET_STR(NTP, v) != '\0' && netaddr_parse_host_port(v, host, size, 123, port);
}

static void apply_ntp(void)
{
    uint16_t port;
    uint32_t ip;
    sntp_stop();
    s_ntp_from_key = ntp_key(s_ntp_host, sizeof s_ntp_host, &port);
    if (s_ntp_from_key) {
        sntp_servermode_dhcp(0);
        if (netaddr_parse_ipv4(s_ntp_host, &ip)) {
            ip_addr_t addr = IPADDR4_INIT(lwip_htonl(ip));
            sntp_setserver(0, &addr);
        } else {
            sntp_setservername(0, s_ntp_host);
        }
    } else {
        /* DHCP's servers replace this name when it offers any. */
        sntp_setservername(0, NTP_DEFAULT_SERVER);
        sntp_servermode_dhcp(1);
    }
    pb_sntp_port = port;
    sntp_restart();
}

/* Whether `ntp` differs from what apply_ntp() last applied.  An import or
 * reset that leaves it alone must not restart SNTP: each restart asks DNS for
 * a server name again while the earlier lookup may still be in flight, and
 * lwIP keeps only DNS_TABLE_SIZE lookups, so the webhook host's (or `net
 * resolve`'s) would be refused until those time out. */
static bool ntp_changed(void)
{
    char host[sizeof s_ntp_host];
    uint16_t port;
    bool set = ntp_key(host, sizeof host, &port);
    return set != s_ntp_from_key || (set && (port != pb_sntp_port || strcmp(host, s_ntp_host) != 0));
}

static void apply_ip(void)
{
    static char applied[48];
    netaddr_static_t st;
    const char *why;
    char v[CFG_BUF(IP)];
    _Static_assert(sizeof applied >= sizeof v, "the applied value is a value");
    if (strcmp(CFG_GET_STR(IP, v), applied) == 0) {
        return; /* unchanged (an import of other keys): keep the lease */
    }
    strcpy(applied, v);
    if (!netaddr_parse_ip_key(v, &st, &why) || st.dhcp) {
        dhcp_start(&s_netif);
        return;
    }
    dhcp_release_and_stop(&s_netif);
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(st.ip));
    ip4_addr_set_u32(&mask, lwip_htonl(st.netmask));
    ip4_addr_set_u32(&gw, lwip_htonl(st.gateway));
    netif_set_addr(&s_netif, &ip, &mask, &gw);
}

/* key NULL: several keys changed at once (import, reset). */
static void on_cfg_change(const char *key)
{
    if (!s_eth_ok) {
        return;
    }
    if (key == NULL || strcmp(key, "ip") == 0) {
        apply_ip();
    }
    if (key == NULL || strcmp(key, "dns") == 0) {
        apply_dns();
        if (!cfg_is_set("dns") && dhcp_supplied_address(&s_netif)) {
            dhcp_renew(&s_netif); /* get DHCP's DNS servers back */
        }
    }
    if (key == NULL ? ntp_changed() : strcmp(key, "ntp") == 0) {
        apply_ntp();
    }
}

/* ------------------------------------------------------------ events */

/* EVT net up/down when link-plus-address is gained or lost, and net up
 * again when the address changes under it. */
static void report(void)
{
    bool up = net_is_up();
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(&s_netif));
    if (up == s_reported_up && (!up || ip == s_reported_ip)) {
        return;
    }
    s_reported_up = up;
    s_reported_ip = ip;
    if (up) {
        apply_dns(); /* DHCP's answer overwrote a configured DNS server */
        ev_net_up(net_ip());
        sntp_restart();
    } else {
        ev_net_down(NULL, 0);
        sntp_stop();
    }
}

static void on_status(struct netif *netif)
{
    (void)netif;
    /* A DHCP (re)bind overwrites the DNS servers: the `dns` key wins. */
    apply_dns();
    report();
}

/* ------------------------------------------------------------ init, task */

static const char *init_failure_name(hal_eth_init_t why)
{
    switch (why) {
    case HAL_ETH_INIT_MAC_RESET:
        return "mac-reset";
    case HAL_ETH_INIT_PHY:
        return "phy";
    default:
        return "unusable";
    }
}

/* One attempt at bringing the MAC up; on success the rest of the network
 * starts, on a failure that may heal the next attempt is scheduled. */
static void eth_start(void)
{
    uint8_t mac[6];
    hal_eth_mac_address(mac);
    s_eth_attempts++;
    hal_eth_init_t why = s_eth->ops->init(s_eth->ctx, mac);
    if (why != HAL_ETH_INIT_OK) {
        s_eth_retry = why == HAL_ETH_INIT_MAC_RESET || why == HAL_ETH_INIT_PHY;
        if (s_eth_retry) {
            ev_net_down(init_failure_name(why), s_eth_retry_ms);
            s_eth_retry_at = hal_millis() + s_eth_retry_ms;
            s_eth_retry_ms = s_eth_retry_ms * 2u > ETH_RETRY_MAX_MS ? ETH_RETRY_MAX_MS : s_eth_retry_ms * 2u;
        } else {
            ev_net_down(init_failure_name(why), 0); /* status keeps net=down; nothing is sent */
        }
        return;
    }
    s_eth_retry = false;
    s_eth_ok = true;
    cfg_add_listener(on_cfg_change);
    netif_set_up(&s_netif);
    s_link = s_eth->ops->link_up(s_eth->ctx);
    if (s_link) {
        netif_set_link_up(&s_netif);
    }
    apply_dns();
    apply_ntp();
    apply_ip();
}

void net_init(void)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t mac[6];
    hal_eth_mac_address(mac);
    for (unsigned i = 0; i < 6; i++) {
        s_mac_hex[2 * i] = hex[mac[i] >> 4];
        s_mac_hex[2 * i + 1] = hex[mac[i] & 0xF];
    }
    snprintf(s_hostname, sizeof s_hostname, "pb-%s", s_mac_hex);

    lwip_init();
    s_eth = hal_eth();
    s_reach = REACH_UNKNOWN;
    if (s_eth == NULL) {
        return;
    }
    netif_add(&s_netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, (void *)(uintptr_t)s_eth, ethif_init,
              ethernet_input);
    memcpy(s_netif.hwaddr, mac, sizeof mac);
    netif_set_hostname(&s_netif, s_hostname);
    netif_set_default(&s_netif);
    netif_set_status_callback(&s_netif, on_status);
    netif_set_link_callback(&s_netif, on_status);

    s_eth_retry_ms = ETH_RETRY_FIRST_MS;
    eth_start();
}

void net_task(void)
{
    uint32_t now = hal_millis();
    if (!s_eth_ok) {
        if (s_eth_retry && (int32_t)(now - s_eth_retry_at) >= 0) {
            eth_start();
        }
        return;
    }
    s_eth->ops->poll(s_eth->ctx, now);
    bool link = s_eth->ops->link_up(s_eth->ctx);
    if (link != s_link) {
        s_link = link;
        if (link) {
            netif_set_link_up(&s_netif);
        } else {
            netif_set_link_down(&s_netif);
        }
        report();
    }
    s_in_input = true;
    ethif_input(&s_netif, FRAMES_PER_TASK);
    s_in_input = false;
    sys_check_timeouts();
    if (s_sntp_pending && (uint32_t)(now - s_sntp_sent_at) >= SNTP_ANSWER_MS) {
        s_sntp_pending = false;
        net_reach_report(false);
    }
    if (s_sntp_confirm && wallclock_suspect() && (int32_t)(now - s_sntp_confirm_at) >= 0) {
        s_sntp_confirm = false;
        sntp_restart(); /* a request now; the answer arms the next one */
    }
}

/* ------------------------------------------------------------ resolve */

typedef struct {
    net_resolve_cb cb;
    void *arg;
    bool busy;
} resolve_t;

static resolve_t s_resolve;

static void resolved(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)name;
    resolve_t *r = arg;
    r->busy = false;
    net_reach_report(addr != NULL);
    if (addr != NULL) {
        r->cb(r->arg, true, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), NULL);
    } else {
        r->cb(r->arg, false, 0, "no answer from the DNS server");
    }
}

void net_resolve(const char *name, net_resolve_cb cb, void *arg)
{
    uint32_t literal;
    if (netaddr_parse_ipv4(name, &literal)) {
        cb(arg, true, literal, NULL);
        return;
    }
    if (!netaddr_is_hostname(name)) {
        cb(arg, false, 0, "not a host name");
        return;
    }
    if (!net_is_up()) {
        cb(arg, false, 0, "the network is down");
        return;
    }
    if (s_resolve.busy) {
        cb(arg, false, 0, "another lookup is in progress");
        return;
    }
    ip_addr_t addr;
    s_resolve = (resolve_t){cb, arg, true};
    err_t err = dns_gethostbyname(name, &addr, resolved, &s_resolve);
    if (err == ERR_OK) {
        s_resolve.busy = false;
        cb(arg, true, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&addr))), NULL);
    } else if (err != ERR_INPROGRESS) {
        s_resolve.busy = false;
        /* ERR_VAL: server 0 unset; otherwise lwIP's table of lookups is full */
        cb(arg, false, 0, err == ERR_VAL ? "no DNS server is known" : "too many lookups in flight");
    }
}
