/*
 * The button half of the hal, shared by every board: a board lists its
 * buttons in BOARD_BUTTONS as X(name, port, pin, active_low) and reads one pin
 * with board_pin_read(); the table, names and polarity are handled here.
 */
#ifndef BOARD_BUTTONS_H
#define BOARD_BUTTONS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *name;
    uint32_t port;
    uint8_t pin;
    bool active_low;
} board_button_t;

/* Defined by the board (board.c) from its BOARD_BUTTONS list. */
extern const board_button_t board_buttons[];
extern const unsigned board_button_count;
extern const unsigned board_button_primary;

/* The raw electrical level of one input pin (true = high).  ISR-safe. */
bool board_pin_read(uint32_t port, unsigned pin);

#define BOARD_BUTTON_ENTRY(name, port, pin, active_low) {#name, port, pin, active_low},

#endif
