/* Fakes of the hal interfaces for the host unit tests: a console whose input a
 * test feeds and whose output it reads, a clock it advances, buttons whose
 * levels it sets, LEDs it can look at. */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

void fake_hal_reset_all(void);

/* Console */
void fake_console_input(const char *s);
void fake_console_input_bytes(const void *data, size_t len);
/* Everything written since the last take, NUL-terminated; the caller frees. */
char *fake_console_take(void);
/* Limits how many bytes one hal_console_write accepts (0 = unlimited). */
void fake_console_set_write_chunk(size_t n);

/* A UART that accepts nothing; each attempt lets 1 ms pass. */
void fake_console_set_stalled(bool stalled);

/* Clock: advancing runs the tick hook once per millisecond, like SysTick. */
void fake_time_set(uint32_t ms);
void fake_time_advance(uint32_t ms);

/* Buttons: fake_buttons_set(i, pressed) changes the raw level. */
void fake_buttons_set(unsigned index, bool pressed);

/* LEDs */
bool fake_led(hal_led_role_t role);
void fake_led_set_present(hal_led_role_t role, bool present);

/* Reset: hal_reset() longjmps here when armed, else aborts. */
extern jmp_buf fake_reset_jmp;
extern bool fake_reset_armed;
extern unsigned fake_reset_count;
extern unsigned fake_wdt_feeds;

#endif
