/*
 * Pending triggers.  This implementation keeps them in RAM (QUEUE_CAPACITY);
 * the durable queue (issue: never lose a trigger) replaces it behind the same
 * interface.  Entries keep their order; the oldest due one goes first, and a
 * rejected trigger waiting for a person does not hold back the ones behind.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "payload.h"

#define QUEUE_CAPACITY 1u /* RAM-only until the durable queue lands */
#define QUEUE_LAST_MAX 24u

typedef struct {
    trigger_rec_t rec;
    uint32_t attempts;      /* attempts started */
    uint32_t next_at;       /* uptime ms when it is due */
    bool in_flight;
    char last[QUEUE_LAST_MAX]; /* last outcome: a reason or an HTTP status */
} queue_entry_t;

void queue_init(void);
/* Stores a copy; false when full. */
bool queue_push(const trigger_rec_t *rec);
unsigned queue_count(void);
queue_entry_t *queue_at(unsigned index);
queue_entry_t *queue_find(const char *run_id);
/* The oldest entry due at now, or NULL. */
queue_entry_t *queue_next_due(uint32_t now);
void queue_remove(const queue_entry_t *e);

#endif
