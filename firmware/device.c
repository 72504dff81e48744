#include "device.h"

#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "hal_eth.h"
#include "hal_reset.h"
#include "store.h"

#define BOOT_KEY "sys.boot"

static uint32_t s_boot;

const char *device_reset_name(hal_reset_cause_t cause)
{
    static const char *const names[] = {"por", "sw", "wdt", "fault", "pin", "other"};
    return (unsigned)cause < sizeof names / sizeof names[0] ? names[cause] : "other";
}

const char *device_u64(uint64_t v, char buf[21])
{
    char *p = buf + 20;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    return p;
}

/* lwIP found its own state inconsistent: a bug, handled like a CPU fault so
 * it is reported and the device comes back. */
void pb_lwip_assert(const char *msg, const char *file, int line);
void pb_lwip_assert(const char *msg, const char *file, int line)
{
    (void)msg;
    (void)file;
    (void)line;
    __builtin_trap();
}

const char *device_default_id(void)
{
    static char id[16];
    uint8_t mac[6];
    hal_eth_mac_address(mac);
    snprintf(id, sizeof id, "pb-%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return id;
}

uint32_t device_count_boot(void)
{
    char buf[12] = {0};
    size_t len = 0;
    unsigned long n = 0;
    if (store_get(BOOT_KEY, buf, sizeof buf - 1, &len) == STORE_OK) {
        buf[len] = '\0';
        n = strtoul(buf, NULL, 10);
    }
    s_boot = (uint32_t)n + 1u;
    snprintf(buf, sizeof buf, "%lu", (unsigned long)s_boot);
    (void)store_set(BOOT_KEY, buf, strlen(buf)); /* RAM-only without a medium */
    return s_boot;
}

uint32_t device_boot(void)
{
    return s_boot;
}
