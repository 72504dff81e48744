/* The mbedTLS platform hooks; see tlsport.h and firmware/port/mbedtls_config.h. */
#include "tlsport.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform_util.h"
#include "wallclock.h"

/* 8-aligned so that the allocator's MBEDTLS_MEMORY_ALIGN_MULTIPLE (8) does
 * not cost the first bytes.  In .bss: on lm3s6965evb this one array is half
 * of the RAM, which `make size` shows under firmware. */
static unsigned char s_pool[TLSPORT_POOL_SIZE] __attribute__((aligned(8)));

/* The allocator keeps its first block header at the pool's start (8 words:
 * 32 bytes on the target, 64 on a 64-bit host) and never reads the free
 * space after it, so everything past the first 64 bytes can be painted.
 * calloc zeroes the bytes asked for in every block it hands out, so a byte
 * that still holds the paint was never allocated, except in a block's
 * slack (alignment, or a remainder too small to split off: < 72 bytes):
 * the peak is exact to within that. */
#define PAINT_FROM 64u
#define PAINT 0xA5u

void tlsport_init(void)
{
    mbedtls_memory_buffer_alloc_init(s_pool, sizeof s_pool);
    memset(s_pool + PAINT_FROM, PAINT, sizeof s_pool - PAINT_FROM);
}

size_t tlsport_pool_size(void)
{
    return sizeof s_pool;
}

size_t tlsport_pool_peak(void)
{
    size_t top = sizeof s_pool;
    while (top > PAINT_FROM && s_pool[top - 1] == PAINT) {
        top--;
    }
    return top;
}

time_t tlsport_time(time_t *t)
{
    uint64_t utc_ms;
    time_t now = (time_t)-1;
    if (wallclock_now(&utc_ms)) {
        now = (time_t)(utc_ms / 1000u);
    }
    if (t != NULL) {
        *t = now;
    }
    return now;
}

void tlsport_exit(int status)
{
    (void)status;
    /* An undefined instruction: the fault handler reports and resets; on
     * the host, the test dies with SIGILL. */
    __builtin_trap();
}

/* Howard Hinnant's civil_from_days (proleptic Gregorian calendar), for days
 * since 1970-01-01 >= 0. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    /* 253402300799 is 9999-12-31T23:59:59Z, the last second X.509 can name. */
    if (tt == NULL || tm_buf == NULL || *tt < 0 || (int64_t)*tt > INT64_C(253402300799)) {
        return NULL;
    }
    int64_t t = (int64_t)*tt;
    int64_t days = t / 86400;
    int64_t secs = t % 86400;

    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from March 1 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], March = 0 */
    int64_t mday = doy - (153 * mp + 2) / 5 + 1;
    int64_t mon = mp < 10 ? mp + 3 : mp - 9; /* [1, 12] */
    int64_t year = yoe + era * 400 + (mon <= 2);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static const int16_t s_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    memset(tm_buf, 0, sizeof *tm_buf);
    tm_buf->tm_sec = (int)(secs % 60);
    tm_buf->tm_min = (int)(secs / 60 % 60);
    tm_buf->tm_hour = (int)(secs / 3600);
    tm_buf->tm_mday = (int)mday;
    tm_buf->tm_mon = (int)mon - 1;
    tm_buf->tm_year = (int)(year - 1900);
    tm_buf->tm_wday = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
    tm_buf->tm_yday = s_before_month[mon - 1] + (int)mday - 1 + (leap && mon > 2 ? 1 : 0);
    return tm_buf;
}
