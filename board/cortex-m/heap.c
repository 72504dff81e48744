/* newlib's heap: _sbrk over the RAM the linker script leaves free between
 * the static data and the stack (less a margin), with the high-water mark
 * that `status` reports as heap_peak.  It is mbedTLS's memory (tlsport.c). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_board.h"

extern uint8_t _heap_start[], _heap_end[];

static uint8_t *s_brk = _heap_start;

void *_sbrk(ptrdiff_t incr)
{
    uint8_t *prev = s_brk;
    /* Linker symbols are addresses, not objects: compare them as numbers. */
    intptr_t room = (intptr_t)((uintptr_t)_heap_end - (uintptr_t)s_brk);
    intptr_t used = (intptr_t)((uintptr_t)s_brk - (uintptr_t)_heap_start);
    if (incr > room || -incr > used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    s_brk += incr;
    return prev;
}

/* newlib-nano's malloc reuses freed chunks before it asks sbrk for more and
 * never gives memory back, so the break is the peak, fragmentation
 * included. */
size_t hal_heap_peak(void)
{
    return (size_t)((uintptr_t)s_brk - (uintptr_t)_heap_start);
}

size_t hal_heap_size(void)
{
    return (size_t)((uintptr_t)_heap_end - (uintptr_t)_heap_start);
}

