/*
 * One HTTPS exchange at a time over a transport (transport.h): open or reuse
 * the connection, send one request, read one answer with the strict parser
 * of http.h.  Delivery and run following both use it; whoever starts an
 * exchange owns it until https_end().
 *
 * The connection stays open between exchanges when the answer allows it
 * (HTTP/1.1 keep-alive, its end known from its framing) and is reused by the
 * next exchange to the same host and port only when nothing arrived on it
 * meanwhile and the peer has not closed it (spec section 5); otherwise it is
 * closed and a new one opened, which costs the exchange nothing.  An answer
 * is only ever matched to the request sent just before it on that
 * connection: bytes after it, or bytes that came while it was idle, end the
 * connection.  A kept connection unused for HTTPS_IDLE_CLOSE_MS is closed.
 *
 * The request is asked of the caller (build) only once the connection is
 * open, so its memory is taken after the TLS handshake, when the heap has
 * room again; the parser's memory too.
 */
#ifndef HTTPS_H
#define HTTPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "transport.h"

/* A step that makes no progress for this long ends the exchange. */
#define HTTPS_STALL_MS 20000u
#define HTTPS_IDLE_CLOSE_MS 30000u

typedef enum {
    HTTPS_IDLE = 0,  /* no exchange */
    HTTPS_BUSY,      /* poll again */
    HTTPS_DONE,      /* an answer: https_response() */
    HTTPS_FAILED     /* https_failure() */
} https_state_t;

typedef enum {
    HTTPS_FAIL_NONE = 0,
    HTTPS_FAIL_TRANSPORT,     /* no connection: https_transport_failure() */
    HTTPS_FAIL_BUILD,         /* the caller could not make the request: https_build_error() */
    HTTPS_FAIL_NO_MEMORY,     /* no heap for the answer's parser */
    HTTPS_FAIL_TIMEOUT,       /* the peer took nothing, or said nothing, for HTTPS_STALL_MS */
    HTTPS_FAIL_IO,            /* the connection broke while sending or reading */
    HTTPS_FAIL_NO_RESPONSE,   /* it closed before a byte of the answer */
    HTTPS_FAIL_BAD_RESPONSE   /* the answer broke HTTP's grammar, or was cut short */
} https_failure_t;

/* Makes the request once the connection is open: points *head and *body at
 * the bytes to send, which stay the caller's and must live until
 * https_end(); returns 0, or a code of the caller's own (the exchange fails
 * with HTTPS_FAIL_BUILD and https_build_error() returns it). */
typedef int (*https_build_fn)(void *ctx, const uint8_t **head, size_t *head_len, const uint8_t **body,
                              size_t *body_len);

typedef struct {
    const char *host;          /* copied by the transport */
    uint16_t port;
    https_build_fn build;
    void *ctx;
    http_body_fn on_body;      /* NULL: the answer's first HTTP_BODY_KEEP bytes are kept */
    void *body_ctx;
    uint64_t now_utc_s;        /* for a Retry-After date */
} https_request_t;

void https_init(const transport_t *t);

bool https_idle(void);
/* Starts an exchange (https_idle() must be true). */
void https_start(const https_request_t *req);
https_state_t https_poll(void);
/* After HTTPS_DONE: the parsed answer. */
const http_response_t *https_response(void);
https_failure_t https_failure(void);
transport_failure_t https_transport_failure(void);
int https_build_error(void);
/* Whether this exchange went out on a connection kept from an earlier one. */
bool https_reused(void);
/* The owner is done with the answer or the failure: the parser's memory
 * goes back, the connection stays for the next exchange if it may. */
void https_end(void);

/* The owner gives the exchange up at once, whatever its state: the
 * connection is closed (an answer may still be on its way to it) and the
 * parser's memory goes back; https_idle() is then true. */
void https_abort(void);

/* Superloop task: closes a kept connection that has been idle too long. */
void https_task(void);
/* Closes the kept connection (its endpoint or trust changed); during an
 * exchange, that one finishes and its connection is closed at https_end(). */
void https_close(void);

#endif
