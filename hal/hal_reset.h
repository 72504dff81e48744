#ifndef HAL_RESET_H
#define HAL_RESET_H

/* Why the chip last reset.  Boards whose silicon (or emulator) does not say
 * keep a mark in RAM that survives a warm reset: hal_reset() and the fault and
 * watchdog handlers write it just before the reset they cause. */
typedef enum {
    HAL_RESET_POR = 0, /* power on (or no cause known) */
    HAL_RESET_SW,      /* hal_reset(): the reboot command */
    HAL_RESET_WDT,     /* the watchdog expired */
    HAL_RESET_FAULT,   /* a CPU fault; EVT fault was printed before it */
    HAL_RESET_PIN,     /* the reset pin / button */
    HAL_RESET_OTHER    /* brown-out, low power, ... */
} hal_reset_cause_t;

/* The cause captured by hal_board_init(). */
hal_reset_cause_t hal_reset_cause(void);

/* Flushes the console and resets the chip by software. */
void hal_reset(void) __attribute__((noreturn));

#endif
