/* A transport (transport.h) whose far end a test plays: how each open()
 * ends, what the peer says and when, whether it closes or resets, how much a
 * send() takes.  What the device sends is kept for the test to read. */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

void fake_transport_reset(void);
const transport_t *fake_transport(void);

/* How the next open() ends, after `polls` calls to poll(): TRANSPORT_FAIL_NONE
 * opens it.  Later opens succeed at once unless this is called again. */
void fake_transport_next_open(transport_failure_t how, unsigned polls);
/* Every open() from now on ends this way (TRANSPORT_FAIL_NONE: opens). */
void fake_transport_every_open(transport_failure_t how);

/* The peer: bytes it sends (what recv() returns next, in the order given),
 * a clean close after them, a reset (recv and send fail at once). */
void fake_transport_peer_says(const char *text);
void fake_transport_peer_bytes(const void *data, size_t len);
void fake_transport_peer_closes(void);
void fake_transport_peer_resets(void);

/* At most n bytes per send() and per recv() (0: send() takes nothing). */
void fake_transport_send_chunk(size_t n);
void fake_transport_recv_chunk(size_t n);

/* What the device sent since the last call, NUL-terminated (free() it). */
char *fake_transport_take_sent(void);
unsigned fake_transport_opens(void);
unsigned fake_transport_closes(void);
const char *fake_transport_host(void);
uint16_t fake_transport_port(void);
bool fake_transport_open_now(void);

#endif
