/*
 * Single-producer single-consumer byte ring buffer, safe between one
 * interrupt handler and the superloop without locks: the producer only writes
 * head, the consumer only writes tail.  Portable; boards use it for their UART
 * drivers, which is why it lives beside the hal interfaces.
 */
#ifndef RINGBUF_H
#define RINGBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    size_t size;             /* a power of two */
    volatile size_t head;    /* next write position, free-running */
    volatile size_t tail;    /* next read position, free-running */
} ringbuf_t;

/* size must be a power of two; returns 0, or -1 if it is not. */
int ringbuf_init(ringbuf_t *rb, uint8_t *storage, size_t size);
size_t ringbuf_used(const ringbuf_t *rb);
size_t ringbuf_free(const ringbuf_t *rb);
/* Writes up to len bytes; returns how many fitted. */
size_t ringbuf_write(ringbuf_t *rb, const uint8_t *data, size_t len);
/* Reads up to max bytes; returns how many were read.  A byte read is
 * zeroed in the ring (reads and gets alike). */
size_t ringbuf_read(ringbuf_t *rb, uint8_t *out, size_t max);
/* One byte each way; return 1 on success, 0 when full/empty. */
int ringbuf_put(ringbuf_t *rb, uint8_t byte);
int ringbuf_get(ringbuf_t *rb, uint8_t *byte);

#endif
