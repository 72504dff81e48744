#ifndef HAL_WDT_H
#define HAL_WDT_H

#include <stdint.h>

/* Starts the watchdog; it resets the chip when not fed for HAL_WDT_TIMEOUT_MS
 * (a TLS handshake may hold the CPU for about a second, hence the margin).
 * Once started it cannot be stopped. */
#define HAL_WDT_TIMEOUT_MS 5000u
void hal_wdt_start(void);

/* Restarts the watchdog's countdown. */
void hal_wdt_feed(void);

#endif
