/*
 * Delivery: takes due triggers from the queue and delivers each as one signed
 * HTTPS request (spec sections 4 and 5), as an explicit state machine
 * (resolve, connect, handshake, send, await the answer, done) that never
 * waits in a loop for the network.  Events: sending, then one of delivered,
 * retry or error (tls-fail between when TLS fails).
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

void delivery_init(void);
void delivery_task(void);

/* Whether an attempt is in progress (LED, `queue drop`). */
bool delivery_busy(void);

/* Whether a trigger waits after EVT error (the error LED). */
bool delivery_needs_person(void);

/* Counters for `status`. */
uint32_t delivery_delivered(void);
uint32_t delivery_failed(void);

/* The `queue` command. */
void cmd_queue(const char *args);

#endif
