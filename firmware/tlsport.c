/* The mbedTLS platform hooks; see tlsport.h and firmware/port/mbedtls_pb_config.h. */
#include "tlsport.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "hal_board.h"
#include "hal_time.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "psa/crypto.h"
#include "wallclock.h"

static uint32_t s_failures;

static void *counting_calloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL && n != 0 && size != 0) {
        s_failures++;
    }
    return p;
}

void tlsport_init(void)
{
    /* (Again, in the host tests: PSA's tables go back to the allocator they
     * came from first.) */
    mbedtls_psa_crypto_free();
    (void)mbedtls_platform_set_calloc_free(counting_calloc, free);
    (void)psa_crypto_init(); /* without it every TLS and X.509 operation fails: loudly */
}

size_t tlsport_pool_size(void)
{
    return hal_heap_size();
}

size_t tlsport_pool_peak(void)
{
    return hal_heap_peak();
}

uint32_t tlsport_alloc_failures(void)
{
    return s_failures;
}

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)hal_uptime_ms();
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

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    /* 253402300799 is 9999-12-31T23:59:59Z, the last second X.509 can name. */
    if (tt == NULL || tm_buf == NULL || *tt < 0 || (int64_t)*tt > INT64_C(253402300799)) {
        return NULL;
    }
    int64_t t = (int64_t)*tt;
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    calendar_date_t date = calendar_date(days);

    memset(tm_buf, 0, sizeof *tm_buf);
    tm_buf->tm_sec = (int)(secs % 60);
    tm_buf->tm_min = (int)(secs / 60 % 60);
    tm_buf->tm_hour = (int)(secs / 3600);
    tm_buf->tm_mday = (int)date.day;
    tm_buf->tm_mon = (int)date.month - 1;
    tm_buf->tm_year = (int)(date.year - 1900);
    tm_buf->tm_wday = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
    tm_buf->tm_yday = (int)(days - calendar_days(date.year, 1, 1));
    return tm_buf;
}
