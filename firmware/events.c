/* The event sink; see events.h.  Flashes overlay the LED's steady pattern
 * (led.h) for as long as a person needs to notice them. */
#include "events.h"

#include "console.h"
#include "led.h"
#include "wallclock.h"

#define ACCEPTED_FLASH_MS 600u
#define DELIVERED_FLASH_MS 1500u
#define ERROR_FLASH_MS 3000u

void ev_boot(const char *version, const char *board, const char *reset, bool durable)
{
    con_evt("boot version=%s board=%s reset=%s%s", version, board, reset, durable ? "" : " nvm=none");
}

void ev_net_up(const char *ip)
{
    con_evt("net up ip=%s", ip);
}

void ev_net_down(const char *reason, uint32_t retry_in_ms)
{
    if (reason == NULL) {
        con_evt("net down");
    } else if (retry_in_ms != 0) {
        con_evt("net down reason=%s retry_in_ms=%lu", reason, (unsigned long)retry_in_ms);
    } else {
        con_evt("net down reason=%s", reason);
    }
}

void ev_time_synced(uint64_t utc_ms)
{
    char iso[WALLCLOCK_ISO_LEN];
    wallclock_format(utc_ms, iso);
    con_evt("time synced utc=%s", iso);
}

void ev_time_suspect(int64_t step_ms)
{
    uint64_t s = (uint64_t)(step_ms < 0 ? -step_ms : step_ms) / 1000u;
    /* both clocks lie between 1970 and 2106: the seconds fit 32 bits */
    con_evt("time suspect step_s=%s%lu", step_ms < 0 ? "-" : "", (unsigned long)s);
}

void ev_press(const char *button, const char *kind)
{
    con_evt("press button=%s kind=%s", button, kind);
    led_hold_end(); /* a run's result has been seen */
}

void ev_queued(const char *run_id, const char *action)
{
    con_evt("queued id=%s action=%s", run_id, action);
    led_hold_end();
    led_flash(LED_ACCEPTED, ACCEPTED_FLASH_MS);
}

void ev_refused_quietly(bool queue_full)
{
    led_flash(queue_full ? LED_QUEUE_FULL : LED_ERROR, ERROR_FLASH_MS);
}

void ev_refused(const char *reason, bool queue_full)
{
    con_evt("refused reason=%s", reason);
    ev_refused_quietly(queue_full);
}

void ev_sending(const char *run_id, unsigned attempt)
{
    con_evt("sending id=%s attempt=%u", run_id, attempt);
}

void ev_tls_fail(const char *run_id, const char *reason)
{
    con_evt("tls-fail id=%s reason=%s", run_id, reason);
}

void ev_delivered(const char *run_id, unsigned attempt, unsigned status, bool ms_known, uint64_t ms)
{
    if (ms_known) {
        con_evt("delivered id=%s attempt=%u status=%u ms=%lu", run_id, attempt, status, (unsigned long)ms);
    } else {
        con_evt("delivered id=%s attempt=%u status=%u", run_id, attempt, status);
    }
    led_flash(LED_DELIVERED, DELIVERED_FLASH_MS);
}

void ev_retry(const char *run_id, unsigned attempt, uint32_t in_ms, const char *reason)
{
    con_evt("retry id=%s attempt=%u in_ms=%lu reason=%s", run_id, attempt, (unsigned long)in_ms, reason);
}

void ev_error(const char *run_id, unsigned attempt, unsigned status, const char *reason)
{
    con_evt("error id=%s attempt=%u status=%u reason=%s", run_id, attempt, status, reason);
    led_flash(LED_ERROR, ERROR_FLASH_MS);
}

void ev_expired(const char *run_id)
{
    con_evt("expired id=%s", run_id);
}

void ev_run_seen(const char *run_id, uint32_t build, const char *number, const char *state)
{
    con_evt("run id=%s build=%lu number=%s state=%s", run_id, (unsigned long)build, number, state);
}

void ev_run_completed(const char *run_id, uint32_t build, const char *number, const char *result, bool succeeded)
{
    con_evt("run id=%s build=%lu number=%s state=completed result=%s", run_id, (unsigned long)build, number, result);
    led_hold(succeeded ? LED_RUN_SUCCEEDED : LED_RUN_FAILED, RUN_RESULT_MS);
}

void ev_run_not_started(const char *run_id)
{
    con_evt("run id=%s state=not-started", run_id);
    led_hold(LED_RUN_FAILED, RUN_RESULT_MS);
}

void ev_run_lost(const char *run_id, const char *reason)
{
    con_evt("run id=%s state=lost reason=%s", run_id, reason);
    led_hold(LED_RUN_FAILED, RUN_RESULT_MS);
}
