#ifndef HAL_BOARD_H
#define HAL_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, tick, console, buttons, LEDs and reset-cause capture.  Called once,
 * first thing in main(); the watchdog is started separately (hal_wdt_start). */
void hal_board_init(void);

/* The BOARD name as the build knows it, e.g. "lm3s6965evb". */
const char *hal_board_name(void);

/* Sleep until the next interrupt (the 1 ms tick at the latest).  Returns at
 * once if an interrupt arrived since the last call. */
void hal_idle(void);

/* Highest number of bytes of the main stack ever used since boot, measured
 * from a fill pattern laid at reset, and the stack's size. */
size_t hal_stack_peak(void);
size_t hal_stack_size(void);

/* The C library's heap (malloc), all the RAM the static data and the stack
 * leave: its high-water mark (bytes ever handed out by sbrk) and its size. */
size_t hal_heap_peak(void);
size_t hal_heap_size(void);

#endif
