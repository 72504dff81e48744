/*
 * How a delivery attempt ended, and what follows from it: the retry policy
 * of spec section 5, as pure functions (no clock, no configuration read, no
 * randomness of its own), so changing the policy means changing this file.
 *
 *   delivered       200, 201, 202, 204: the trigger leaves the queue
 *   retry           429 and 503 after Retry-After when given (1..3600 s);
 *                   other 5xx, timeouts, connection and TLS failures after
 *                   min(max, base * 2^(attempt-1)) scaled by 0.5..1.0; a
 *                   failure on a connection kept from an earlier exchange
 *                   at once, on a new one (the peer may have closed it just
 *                   then; spec section 5)
 *   error           a webhook exception (a 500 whose body names WebHook in
 *                   typeName/typeKey), other 4xx, any other status, and a
 *                   trigger that cannot be sent as stored: kept, tried
 *                   again every error_ms, needs a person
 */
#ifndef RETRY_H
#define RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

typedef enum {
    OUTCOME_NONE = 0,         /* not tried yet */
    OUTCOME_HTTP,             /* an answer: status says which */
    OUTCOME_WEBHOOK_REJECTED, /* a 500 carrying Azure's webhook exception */
    OUTCOME_TRANSPORT,        /* DNS, TCP or TLS: failure says which */
    OUTCOME_TIMEOUT,          /* no progress while sending or waiting */
    OUTCOME_IO,               /* the connection broke */
    OUTCOME_NO_RESPONSE,      /* closed before a byte of the answer */
    OUTCOME_BAD_RESPONSE,     /* not HTTP as RFC 9112 has it */
    OUTCOME_NO_MEMORY,        /* no heap for the request or the answer */
    OUTCOME_NOT_CONFIGURED,   /* the secret went away before it was signed */
    OUTCOME_STORAGE,          /* the stored trigger no longer reads back */
    OUTCOME_TOO_BIG,          /* with today's org the body exceeds 1,536 bytes */
    OUTCOME_KINDS
} outcome_kind_t;

typedef struct {
    outcome_kind_t kind;
    transport_failure_t failure; /* OUTCOME_TRANSPORT */
    uint16_t status;             /* OUTCOME_HTTP, OUTCOME_WEBHOOK_REJECTED */
    uint16_t retry_after_s;      /* OUTCOME_HTTP: 0 = none */
    bool reused;                 /* on a connection kept from an earlier exchange */
} outcome_t;

typedef enum { VERDICT_DELIVERED, VERDICT_RETRY, VERDICT_ERROR } verdict_t;

typedef struct {
    uint32_t base_ms, max_ms, error_ms; /* retry.base_ms, retry.max_ms, retry.error_ms */
} retry_config_t;

typedef struct {
    verdict_t verdict;
    uint32_t in_ms;      /* RETRY and ERROR: when to try again */
    const char *reason;  /* EVT retry's or EVT error's reason (a status is
                          * given as NULL: print the status) */
} retry_plan_t;

/* What follows from an attempt: attempt is 1-based; random is any 32-bit
 * value (the jitter). */
retry_plan_t retry_plan(const outcome_t *o, unsigned attempt, const retry_config_t *cfg, uint32_t random);

/* The verdict alone (does the trigger wait for a person?). */
verdict_t retry_verdict(const outcome_t *o);

/* A short token for how an attempt ended, for `queue`'s last= and EVT
 * retry's reason=: dns, connect, timeout, a TLS token, io, ... or NULL for an
 * HTTP answer, webhook exception included (its status is shown). */
const char *outcome_name(const outcome_t *o);

/* The queue keeps how each trigger's last attempt ended in 16 bits. */
uint16_t outcome_pack(const outcome_t *o);
outcome_t outcome_unpack(uint16_t packed);

#endif
