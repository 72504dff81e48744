/*
 * The event sink: everything the device announces (the `EVT` lines of spec
 * section 2) and the LED flashes that go with them.  Domain modules report
 * what happened here and neither print nor blink themselves, so the wording
 * of every event, and which flash it gets, is in one file.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stdint.h>

/* ---- device and network */
void ev_boot(const char *version, const char *board, const char *reset, bool durable);
void ev_net_up(const char *ip);
/* reason NULL: link or address lost; retry_in_ms 0: it will not be retried. */
void ev_net_down(const char *reason, uint32_t retry_in_ms);
void ev_time_synced(uint64_t utc_ms);
void ev_time_suspect(int64_t step_ms);

/* ---- presses and triggers */
void ev_press(const char *button, const char *kind);
void ev_queued(const char *run_id, const char *action);
/* A press that could not be queued; queue_full picks the queue-full LED. */
void ev_refused(const char *reason, bool queue_full);
/* The same refusal from the `trigger` command, which answers with ERR
 * itself: only the LED. */
void ev_refused_quietly(bool queue_full);

/* ---- delivery attempts (spec section 2: sending, then exactly one of
 * delivered, retry, error; tls-fail may come between) */
void ev_sending(const char *run_id, unsigned attempt);
void ev_tls_fail(const char *run_id, const char *reason);
/* ms_known false: the press time was estimated (after a reset), no ms=. */
void ev_delivered(const char *run_id, unsigned attempt, unsigned status, bool ms_known, uint64_t ms);
void ev_retry(const char *run_id, unsigned attempt, uint32_t in_ms, const char *reason);
void ev_error(const char *run_id, unsigned attempt, unsigned status, const char *reason);
void ev_expired(const char *run_id);

/* ---- following pipeline runs (spec section 8); one event per change.  A
 * run's end shows on the LED (run-succeeded or run-failed) until the next
 * press or trigger, or RUN_RESULT_MS. */
#define RUN_RESULT_MS 600000u
/* First seen as, or changed to, state "queued" or "running". */
void ev_run_seen(const char *run_id, uint32_t build, const char *number, const char *state);
/* Completed with result (Azure's word); succeeded picks the LED. */
void ev_run_completed(const char *run_id, uint32_t build, const char *number, const char *result, bool succeeded);
/* No build carried the tag run.wait_s after EVT delivered. */
void ev_run_not_started(const char *run_id);
/* Following stopped (unauthorized, not-found, timeout, capacity). */
void ev_run_lost(const char *run_id, const char *reason);

#endif
