#include "device.h"

#include "hal_reset.h"

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
