/*
 * Wall-clock time: UTC milliseconds since 1970, kept as an offset from the
 * uptime tick and set by NTP or by hand.  Nothing may be sent before it is
 * set (spec section 5).
 */
#ifndef WALLCLOCK_H
#define WALLCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { WALLCLOCK_UNSYNCED, WALLCLOCK_MANUAL, WALLCLOCK_SYNCED } wallclock_state_t;

/* An NTP answer that moves the clock by less than this is not reported. */
#define WALLCLOCK_REPORT_STEP_MS 1000

void wallclock_init(void);
wallclock_state_t wallclock_state(void);
const char *wallclock_state_name(void); /* synced, manual, unsynced */

/* UTC ms now; false (and *utc_ms untouched) while the clock is not set. */
bool wallclock_now(uint64_t *utc_ms);
/* UTC ms at a given uptime, for back-dating events; false while unset. */
bool wallclock_at_uptime(uint64_t uptime_ms, uint64_t *utc_ms);

/* From NTP: emits EVT time synced on the first setting and on corrections
 * of WALLCLOCK_REPORT_STEP_MS or more. */
void wallclock_set_ntp(uint64_t utc_ms);
/* By hand (`time set`): time=manual until NTP answers. */
void wallclock_set_manual(uint64_t utc_ms);

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes + NUL). */
#define WALLCLOCK_ISO_LEN 25u
void wallclock_format(uint64_t utc_ms, char out[WALLCLOCK_ISO_LEN]);
/* Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" from 2000 to 2099 (a device clock
 * outside that is a typo); false on anything else. */
bool wallclock_parse(const char *s, uint64_t *utc_ms);

#endif
