/*
 * Delivery: takes due triggers from the queue and delivers each as one signed
 * HTTPS request (spec sections 4 and 5) through the HTTPS exchange
 * (https.h).  One attempt at a time, as a state machine with a single exit
 * (finish) that turns the attempt's outcome into the retry policy's plan
 * (retry.h) and the events of spec section 2: sending, then exactly one of
 * delivered, retry or error (tls-fail between when TLS fails).  Triggers
 * older than max_age are dropped (expired) on the device's own running clock.
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "queue.h"

void delivery_init(void);
void delivery_task(void);

/* Whether an attempt is in progress (the LED). */
bool delivery_busy(void);

/* Whether a trigger waits after EVT error (the error LED). */
bool delivery_needs_person(void);

/* Whether a trigger is due now (run following waits for deliveries). */
bool delivery_due(void);

/* Counters for `status`. */
uint32_t delivery_delivered(void);
uint32_t delivery_failed(void);

/* What `queue` shows as last=: how the trigger's last attempt ended, or for
 * one not tried yet what it waits for (clock-unset, not-configured,
 * net-down, new).  buf holds a status when that is the answer. */
const char *delivery_last_name(const queue_sched_t *q, char buf[8]);

#endif
