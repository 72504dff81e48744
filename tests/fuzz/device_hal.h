/* The hal of the device-level fuzz targets (fuzz_console.c, fuzz_nvm.c).
 *
 * The console's receive side is the boards' own ring buffer (hal/ringbuf.c),
 * filled the way their UART interrupt fills it, so whatever the firmware
 * leaves in it is really there; the transmit side is a buffer the target
 * reads.  The clock moves only when the target moves it.  hal_reset() goes
 * back to the target through longjmp (fz_reset_jmp), and so does
 * hal_console_flush(): the firmware flushes only right before a reset it
 * causes on purpose (`diag fault|watchdog|stack`), which on the host would
 * hang or overflow the stack instead.
 *
 * The medium, the MAC and the entropy source are the unit tests' fakes
 * (tests/unit/fake_nvm.c, fake_eth.c, fake_entropy.c). */
#ifndef DEVICE_HAL_H
#define DEVICE_HAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

/* The boards' smaller receive ring (lm3s6965evb). */
#define FZ_RX_SIZE 512u

/* Power (back) on: an empty receive ring, the clock at 0, the given reset
 * cause.  The medium is left alone, and so is the output (the terminal on
 * the other end keeps what it received). */
void fz_hal_power_on(hal_reset_cause_t cause);

/* Bytes arriving at the UART, as its interrupt queues them; returns how many
 * fitted in the receive ring. */
size_t fz_uart_receive(const uint8_t *data, size_t len);
/* Bytes received and not yet read by the firmware. */
size_t fz_uart_pending(void);
/* The receive ring's storage, for looking at what it still holds. */
const uint8_t *fz_uart_rx_storage(size_t *size);

/* Everything the firmware wrote since the last fz_tx_clear (not
 * NUL-terminated; *len its length). */
const char *fz_tx(size_t *len);
size_t fz_tx_len(void);
void fz_tx_clear(void);

void fz_time_advance(uint32_t ms);

/* hal_reset() and hal_console_flush() longjmp here while armed (and abort
 * otherwise); fz_resets counts them. */
extern jmp_buf fz_reset_jmp;
extern bool fz_reset_armed;
extern unsigned fz_resets;

#endif
