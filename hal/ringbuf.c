#include "ringbuf.h"

/* Orders the data access against the index update as seen by an interrupt
 * handler on the same core; a single-core Cortex-M needs no more. */
#define RB_BARRIER() __atomic_signal_fence(__ATOMIC_SEQ_CST)

int ringbuf_init(ringbuf_t *rb, uint8_t *storage, size_t size)
{
    if (size == 0 || (size & (size - 1)) != 0) {
        return -1;
    }
    rb->buf = storage;
    rb->size = size;
    rb->head = 0;
    rb->tail = 0;
    return 0;
}

size_t ringbuf_used(const ringbuf_t *rb)
{
    return rb->head - rb->tail;
}

size_t ringbuf_free(const ringbuf_t *rb)
{
    return rb->size - ringbuf_used(rb);
}

int ringbuf_put(ringbuf_t *rb, uint8_t byte)
{
    size_t head = rb->head;
    if (head - rb->tail >= rb->size) {
        return 0;
    }
    rb->buf[head & (rb->size - 1)] = byte;
    RB_BARRIER();
    rb->head = head + 1;
    return 1;
}

int ringbuf_get(ringbuf_t *rb, uint8_t *byte)
{
    size_t tail = rb->tail;
    if (rb->head == tail) {
        return 0;
    }
    *byte = rb->buf[tail & (rb->size - 1)];
    /* Forgotten once read (the console's ring carries the secret as it is
     * typed).  The slot is still the consumer's until tail moves on. */
    rb->buf[tail & (rb->size - 1)] = 0;
    RB_BARRIER();
    rb->tail = tail + 1;
    return 1;
}

size_t ringbuf_write(ringbuf_t *rb, const uint8_t *data, size_t len)
{
    size_t n = 0;
    while (n < len && ringbuf_put(rb, data[n])) {
        n++;
    }
    return n;
}

size_t ringbuf_read(ringbuf_t *rb, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (n < max && ringbuf_get(rb, &out[n])) {
        n++;
    }
    return n;
}
