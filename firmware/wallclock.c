#include "wallclock.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "events.h"
#include "hal_time.h"

/* The build date in seconds since 1970, from the Makefile: the time of the
 * latest commit (or SOURCE_DATE_EPOCH), so a rebuild of one commit gives the
 * same image. */
#ifndef PB_BUILD_EPOCH
#ifdef __CPPCHECK__
#define PB_BUILD_EPOCH 1767225600 /* any real date: what the checker sees */
#else
#error "PB_BUILD_EPOCH (the build date, seconds since 1970) comes from the Makefile"
#endif
#endif

#define DAY_MS 86400000u

static wallclock_state_t s_state;
static int64_t s_offset_ms;       /* UTC ms = uptime ms + offset */
static int64_t s_first_offset_ms; /* the offset as first set in this boot: the running clock */
static int64_t s_held_offset_ms;  /* while suspect: the step's offset... */
static uint64_t s_held_since;     /* ...and the uptime of the first answer that gave it */

void wallclock_init(void)
{
    s_state = WALLCLOCK_UNSYNCED;
    s_offset_ms = 0;
    s_first_offset_ms = 0;
}

const char *wallclock_state_name(void)
{
    static const char *const names[] = {"unsynced", "manual", "synced", "suspect"};
    return names[s_state];
}

bool wallclock_suspect(void)
{
    return s_state == WALLCLOCK_SUSPECT;
}

uint64_t wallclock_floor_ms(void)
{
    return (uint64_t)PB_BUILD_EPOCH / 86400u * DAY_MS;
}

bool wallclock_at_uptime(uint64_t uptime_ms, uint64_t *utc_ms)
{
    if (s_state == WALLCLOCK_UNSYNCED) {
        return false;
    }
    *utc_ms = (uint64_t)((int64_t)uptime_ms + s_offset_ms);
    return true;
}

bool wallclock_now(uint64_t *utc_ms)
{
    return wallclock_at_uptime(hal_uptime_ms(), utc_ms);
}

bool wallclock_running(uint64_t *utc_ms)
{
    if (s_state == WALLCLOCK_UNSYNCED) {
        return false;
    }
    *utc_ms = (uint64_t)((int64_t)hal_uptime_ms() + s_first_offset_ms);
    return true;
}

bool wallclock_since(uint64_t utc_ms, uint64_t *ms)
{
    uint64_t now;
    if (!wallclock_running(&now) || now < utc_ms) {
        return false;
    }
    *ms = now - utc_ms;
    return true;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

static void set_offset(int64_t offset, wallclock_state_t state)
{
    if (s_state == WALLCLOCK_UNSYNCED) {
        s_first_offset_ms = offset;
    }
    s_offset_ms = offset;
    s_state = state;
}

wallclock_ntp_t wallclock_set_ntp(uint64_t utc_ms)
{
    if (utc_ms < wallclock_floor_ms()) {
        return WALLCLOCK_REFUSED;
    }
    uint64_t up = hal_uptime_ms();
    int64_t offset = (int64_t)utc_ms - (int64_t)up;
    int64_t step = offset - s_offset_ms;
    bool report = s_state != WALLCLOCK_SYNCED || abs64(step) >= WALLCLOCK_REPORT_STEP_MS;
    if (s_state != WALLCLOCK_UNSYNCED && abs64(step) > WALLCLOCK_STEP_MAX_MS) {
        if (s_state != WALLCLOCK_SUSPECT || abs64(offset - s_held_offset_ms) > WALLCLOCK_AGREE_MS) {
            /* A new step (or one that disagrees with the one held): wait for
             * answers over WALLCLOCK_CONFIRM_MS from now. */
            s_state = WALLCLOCK_SUSPECT;
            s_held_offset_ms = offset;
            s_held_since = up;
            /* Both clocks lie between 1970 and 2106: the seconds fit 32 bits. */
            ev_time_suspect(step);
            return WALLCLOCK_HELD;
        }
        if (up - s_held_since < WALLCLOCK_CONFIRM_MS) {
            return WALLCLOCK_HELD;
        }
    }
    set_offset(offset, WALLCLOCK_SYNCED);
    if (report) {
        ev_time_synced(utc_ms);
    }
    return WALLCLOCK_APPLIED;
}

void wallclock_set_manual(uint64_t utc_ms)
{
    set_offset((int64_t)utc_ms - (int64_t)hal_uptime_ms(), WALLCLOCK_MANUAL);
}

void wallclock_format(uint64_t utc_ms, char out[WALLCLOCK_ISO_LEN])
{
    uint64_t secs = utc_ms / 1000u;
    calendar_date_t date = calendar_date((int64_t)(secs / 86400u));
    unsigned sod = (unsigned)(secs % 86400u);
    /* Sized for any unsigned the compiler can imagine; the real text is 24. */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)date.year, date.month, date.day, sod / 3600u,
             sod / 60u % 60u, sod % 60u, (unsigned)(utc_ms % 1000u));
    memcpy(out, tmp, WALLCLOCK_ISO_LEN - 1);
    out[WALLCLOCK_ISO_LEN - 1] = '\0';
}

/* Reads exactly n digits; false otherwise. */
static bool digits(const char **s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10u + (unsigned)(c - '0');
    }
    *s += n;
    *out = v;
    return true;
}

static bool literal(const char **s, char c)
{
    if (**s != c) {
        return false;
    }
    (*s)++;
    return true;
}

bool wallclock_parse(const char *s, uint64_t *utc_ms)
{
    unsigned y, mo, d, h, mi, sec, ms = 0;
    if (!digits(&s, 4, &y) || !literal(&s, '-') || !digits(&s, 2, &mo) || !literal(&s, '-') ||
        !digits(&s, 2, &d) || !literal(&s, 'T') || !digits(&s, 2, &h) || !literal(&s, ':') ||
        !digits(&s, 2, &mi) || !literal(&s, ':') || !digits(&s, 2, &sec)) {
        return false;
    }
    if (literal(&s, '.')) {
        unsigned n = 0, scale = 100;
        while (*s >= '0' && *s <= '9' && n < 9) {
            ms += (unsigned)(*s - '0') * scale;
            scale /= 10u;
            s++;
            n++;
        }
        if (n == 0) {
            return false;
        }
    }
    if (!literal(&s, 'Z') || *s != '\0') {
        return false;
    }
    if (y < 2000 || y > 2099 || !calendar_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59) {
        return false;
    }
    int64_t days = calendar_days(y, mo, d);
    *utc_ms = ((uint64_t)days * 86400u + h * 3600u + mi * 60u + sec) * 1000u + ms;
    return true;
}
