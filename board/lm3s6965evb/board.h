/*
 * Stellaris LM3S6965 evaluation board as QEMU's lm3s6965evb machine models it:
 * roles to pins, polarity and clocks.  Data only; the code is in board.c.
 */
#ifndef BOARD_H
#define BOARD_H

#define BOARD_XTAL_HZ  8000000u
#define BOARD_CORE_HZ  50000000u  /* 400 MHz PLL / 2 / SYSDIV 4 */
#define BOARD_SYSDIV   4u

#define BOARD_CONSOLE_BAUD 115200u
#define BOARD_CONSOLE_RX_SIZE 512u /* >= HAL_CONSOLE_RX_MIN, a power of two */
#define BOARD_CONSOLE_TX_SIZE 256u /* the UART drains it in 22 ms; the TLS heap gets the rest */

/* Buttons: the evaluation board's navigation switches, active low with the
 * pad's pull-up.  Index order is the order `status` and events list them. */
#define BOARD_BUTTONS                      \
    X(select, GPIOF_BASE, 1u, true)        \
    X(up,     GPIOE_BASE, 0u, true)        \
    X(down,   GPIOE_BASE, 1u, true)        \
    X(left,   GPIOE_BASE, 2u, true)        \
    X(right,  GPIOE_BASE, 3u, true)
#define BOARD_BUTTON_PRIMARY 0u

/* The one user LED, "status", on PF0, active high. */
#define BOARD_LED_STATUS_PORT GPIOF_BASE
#define BOARD_LED_STATUS_PIN  0u

#endif
