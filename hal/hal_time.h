#ifndef HAL_TIME_H
#define HAL_TIME_H

#include <stdint.h>

/* Milliseconds since boot from the 1 ms tick.  Wraps after 49.7 days: compare
 * with (int32_t)(a - b), never with < on raw values.  ISR-safe. */
uint32_t hal_millis(void);

/* Milliseconds since boot, not wrapping. */
uint64_t hal_uptime_ms(void);

/* A function the tick interrupt calls every millisecond with hal_millis().
 * It runs in interrupt context: it must be short and must not call back into
 * the superloop's modules.  One hook; NULL removes it. */
typedef void (*hal_tick_hook_t)(uint32_t now_ms);
void hal_tick_set_hook(hal_tick_hook_t hook);

#endif
