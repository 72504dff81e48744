#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The console UART.  Receive is interrupt driven into a ring buffer of at
 * least HAL_CONSOLE_RX_MIN bytes, so input typed while the superloop is busy
 * is kept; transmit is interrupt driven from a ring buffer.
 */
#define HAL_CONSOLE_RX_MIN 512u

/* Copies up to max received bytes into buf; returns how many (0 if none).
 * Never blocks. */
size_t hal_console_read(uint8_t *buf, size_t max);

/* Queues up to len bytes for transmission; returns how many were queued
 * (less than len when the transmit buffer is full).  Never blocks. */
size_t hal_console_write(const uint8_t *buf, size_t len);


/* Blocks until everything queued has left the UART (used before a reset). */
void hal_console_flush(void);

/* Bytes lost because the receive buffer was full, since boot. */
uint32_t hal_console_rx_overruns(void);

#endif
