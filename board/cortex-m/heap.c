/* newlib's heap: _sbrk over the RAM between the static data and the stack,
 * with the high-water mark that `status` reports as heap_peak. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_board.h"

extern uint8_t _heap_start[], _heap_end[];

static uint8_t *s_brk = _heap_start;

void *_sbrk(ptrdiff_t incr)
{
    uint8_t *prev = s_brk;
    if (incr > _heap_end - s_brk || incr < _heap_start - s_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    s_brk += incr;
    return prev;
}

/* sbrk never gives memory back in newlib-nano, so the break is the peak. */
size_t hal_heap_peak(void)
{
    return (size_t)(s_brk - _heap_start);
}

size_t hal_heap_size(void)
{
    return (size_t)(_heap_end - _heap_start);
}
