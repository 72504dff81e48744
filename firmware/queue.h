/*
 * The durable trigger queue (spec section 5): every acknowledged trigger is a
 * record in the HAL_NVM_QUEUE region until it is delivered, dropped or
 * expired, and survives reset and power loss in between.
 *
 * On the medium: a ring of erase units, written in order, so wear is spread
 * evenly over all of them.  Each unit starts with a header carrying a
 * sequence number; records follow, each with its own CRC-32:
 *   trigger   what spec section 4 fixes at press time (the whole trigger)
 *   done      the trigger <boot,seq> left the queue (delivered, dropped,
 *             expired): written before the trigger leaves the RAM index
 *   gc-done   every live trigger of the oldest unit has been copied forward,
 *             so that unit may be erased
 * A trigger record may exist more than once (a copy made while compacting,
 * or a rewrite that fixed its press time); the newest copy wins.  Before a
 * new unit is needed, the oldest is compacted into a fresh one; a power cut
 * anywhere leaves either the old copies or complete new ones.
 *
 * In RAM: a 14-byte entry per pending trigger (where its newest copy is, its
 * attempt count, when it is due, how its last attempt ended and, for a press
 * in this boot, its uptime), oldest first.  Without a medium (QEMU without
 * semihosting) the same ring lives in a few KB of RAM and lasts until reset.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

#define QUEUE_CAPACITY 128u

typedef enum {
    QUEUE_OK = 0,
    QUEUE_FULL = -1,    /* QUEUE_CAPACITY pending, or no room on the medium */
    QUEUE_IO = -2,      /* the medium failed; nothing was acknowledged */
    QUEUE_CORRUPT = -3, /* a stored record no longer matches its CRC */
    QUEUE_BUSY = -4     /* an attempt for that trigger is in flight */
} queue_status_t;

/* A new trigger's `last`: not tried yet. */
#define QUEUE_LAST_NEW 0u

/* Why a trigger left the queue (recorded for diagnosis). */
typedef enum {
    QUEUE_DONE_DELIVERED = 1,
    QUEUE_DONE_DROPPED = 2,
    QUEUE_DONE_EXPIRED = 3
} queue_done_t;

/* A pending trigger's schedule, as a copy: the queue's index itself stays
 * inside queue.c. */
typedef struct {
    uint32_t next_at;    /* uptime ms (hal_millis) when it is due */
    uint16_t attempts;   /* attempts started since boot (saturates) */
    uint16_t last;       /* how the last attempt ended (retry.h's outcome_pack); QUEUE_LAST_NEW */
    uint32_t pressed_ms; /* uptime ms (low 32 bits) of a press in this boot, for
                          * ages that no clock step moves; QUEUE_PRESSED_UNKNOWN
                          * for an earlier boot (or after a remount) */
    bool in_flight;      /* an attempt for it is running */
} queue_sched_t;
#define QUEUE_PRESSED_UNKNOWN 0xFFFFFFFFu

/* What `queue`, the expiry sweep and the start of an attempt need, without
 * loading the whole record. */
typedef struct {
    uint32_t boot, seq;
    uint64_t at_ms;
    bool at_utc, at_estimated;
    char action[33];
    char device_id[PAYLOAD_ID_MAX + 1];
} queue_summary_t;

/* Where the RAM-only ring (no medium) gets its QUEUE_RAM_SIZE bytes. */
#define QUEUE_RAM_SIZE (4u * 2048u)
void queue_set_allocator(void *(*alloc)(size_t size));

/* Mounts the ring: finishes what a power cut interrupted, then builds the
 * index.  QUEUE_OK, or QUEUE_IO when neither the medium nor RAM is there. */
int queue_init(void);
bool queue_durable(void);
/* A write failed, so the RAM index may no longer match the medium: every
 * write is refused until queue_init() mounts again, which finishes or undoes
 * what the failure left exactly as after a power cut.  Attempt counts and due
 * times start again. */
bool queue_broken(void);

/* Stores a trigger durably; QUEUE_OK only once it is on the medium.
 * pressed_uptime_ms: when it was pressed, in this boot's uptime. */
int queue_push(const trigger_rec_t *rec, uint64_t pressed_uptime_ms);
unsigned queue_count(void);
/* The trigger at position i (0 = the oldest): its schedule and, when sum is
 * not NULL, its summary.  QUEUE_OK; QUEUE_CORRUPT when the record no longer
 * reads back (the schedule is still filled); QUEUE_IO past the end.
 * Positions shift as triggers leave: use one at once, never keep it. */
int queue_peek(unsigned i, queue_sched_t *sched, queue_summary_t *sum);
/* The whole record of the trigger at position i (QUEUE_CORRUPT when it no
 * longer matches its CRC), and a replacement of it (its press time became
 * known: the newest copy wins). */
int queue_read(unsigned i, trigger_rec_t *out);
int queue_rewrite(unsigned i, const trigger_rec_t *rec);
/* The position of the trigger whose run id is run_id, or -1. */
int queue_find(const char *run_id);
/* Makes the trigger at position i due at now (`queue retry`). */
void queue_set_due(unsigned i, uint32_t now);
/* Marks the trigger at position i done on the medium, then forgets it:
 * QUEUE_BUSY when an attempt for it is in flight. */
int queue_remove(unsigned i, queue_done_t why);

/* ---- the attempt in flight: at most one at a time.  Its trigger is
 * followed while others leave the queue and records move. */

/* Takes the oldest trigger due at now and counts an attempt for it; false
 * when none is due. */
bool queue_flight_begin(uint32_t now);
bool queue_flight_active(void);
int queue_flight_peek(queue_sched_t *sched, queue_summary_t *sum);
int queue_flight_load(trigger_rec_t *out);
/* Replaces its record (its press time became known). */
int queue_flight_update(const trigger_rec_t *rec);
/* Ends the attempt; the trigger stays, due at next_at, last as given. */
void queue_flight_end(uint32_t next_at, uint16_t last);
/* Ends the attempt and marks the trigger done (delivered, expired). */
int queue_flight_done(queue_done_t why);

void queue_run_id(const queue_summary_t *s, char *out, size_t size);

/* For tests and diagnosis: bytes of the ring, its erase units, how many
 * units have been started since the medium was new (wear). */
typedef struct {
    uint32_t size, unit, units_started;
} queue_stats_t;
queue_stats_t queue_stats(void);
/* Where the newest record of the trigger at position i starts in the region. */
uint32_t queue_record_offset(unsigned i);

#endif
