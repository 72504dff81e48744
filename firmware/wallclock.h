/*
 * Wall-clock time: UTC milliseconds since 1970, kept as an offset from the
 * uptime tick and set by NTP or by hand.  Nothing may be sent before it is
 * set (spec section 5).
 *
 * The network's time is not trusted blindly (SNTP is unauthenticated): an
 * answer before the firmware's build date is ignored, and once the clock is
 * set, an answer that would step it by more than WALLCLOCK_STEP_MAX_MS is
 * held (state "suspect", EVT time suspect) until answers spread over at
 * least WALLCLOCK_CONFIRM_MS agree on the step; the clock runs on from its
 * last good value meanwhile.  A person's `time set` applies at once.
 *
 * The running clock is the clock as first set in this boot plus the uptime
 * since: no later step, accepted or not, moves it.  Ages (max_age, the
 * delivered ms=) are measured on it, never on the wall clock.
 */
#ifndef WALLCLOCK_H
#define WALLCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { WALLCLOCK_UNSYNCED, WALLCLOCK_MANUAL, WALLCLOCK_SYNCED, WALLCLOCK_SUSPECT } wallclock_state_t;

/* An NTP answer that moves the clock by less than this is not reported. */
#define WALLCLOCK_REPORT_STEP_MS 1000
/* A larger step from the network waits to be confirmed... */
#define WALLCLOCK_STEP_MAX_MS (15 * 60 * 1000)
/* ...by answers at least this far apart (uptime) that all agree on it... */
#define WALLCLOCK_CONFIRM_MS (10u * 60u * 1000u)
/* ...to within this (one answer further off starts the wait again). */
#define WALLCLOCK_AGREE_MS (30 * 1000)

/* What became of an NTP answer. */
typedef enum {
    WALLCLOCK_APPLIED,  /* set, corrected or a step confirmed */
    WALLCLOCK_HELD,     /* a large step not confirmed yet: suspect */
    WALLCLOCK_REFUSED   /* before the build date */
} wallclock_ntp_t;

void wallclock_init(void);
const char *wallclock_state_name(void); /* synced, manual, suspect, unsynced */
/* A step is held: SNTP should ask again sooner than its hourly update. */
bool wallclock_suspect(void);

/* UTC ms now; false (and *utc_ms untouched) while the clock is not set. */
bool wallclock_now(uint64_t *utc_ms);
/* UTC ms at a given uptime, for back-dating events; false while unset. */
bool wallclock_at_uptime(uint64_t uptime_ms, uint64_t *utc_ms);
/* The running clock (see above) now; false while the clock was never set in
 * this boot. */
bool wallclock_running(uint64_t *utc_ms);

/* How long ago utc_ms was, on the running clock; false while the clock was
 * never set in this boot, or when utc_ms is later than the running clock
 * (a stamp from an earlier boot whose clock disagrees): never negative. */
bool wallclock_since(uint64_t utc_ms, uint64_t *ms);

/* The earliest time the network may give: 00:00 UTC of the build date. */
uint64_t wallclock_floor_ms(void);

/* From NTP: EVT time synced on the first setting, on corrections of
 * WALLCLOCK_REPORT_STEP_MS or more and when a held step is applied or
 * dropped; EVT time suspect step_s=<n> when a new step is held. */
wallclock_ntp_t wallclock_set_ntp(uint64_t utc_ms);
/* By hand (`time set`): at once, whatever it steps; time=manual until NTP
 * answers. */
void wallclock_set_manual(uint64_t utc_ms);

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes + NUL). */
#define WALLCLOCK_ISO_LEN 25u
void wallclock_format(uint64_t utc_ms, char out[WALLCLOCK_ISO_LEN]);
/* Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" from 2000 to 2099 (a device clock
 * outside that is a typo); false on anything else. */
bool wallclock_parse(const char *s, uint64_t *utc_ms);

#endif
