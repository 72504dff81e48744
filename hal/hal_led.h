#ifndef HAL_LED_H
#define HAL_LED_H

#include <stdbool.h>

/*
 * LEDs by role.  A board maps each role to one of its LEDs or to none; the
 * firmware drives the roles it wants and a board without that LED ignores it.
 * A single-LED board maps only HAL_LED_STATUS, and the firmware then encodes
 * every pattern as a blink rhythm on it.
 */
typedef enum {
    HAL_LED_STATUS = 0, /* the one LED every board has (heartbeat/blink codes) */
    HAL_LED_BUSY,       /* work in progress (network, delivery) */
    HAL_LED_ERROR,      /* something needs a person */
    HAL_LED_ROLES
} hal_led_role_t;

/* Whether the board has an LED for this role. */
bool hal_led_present(hal_led_role_t role);

/* Turns the role's LED on or off; ignored when the board has none. */
void hal_led_set(hal_led_role_t role, bool on);

#endif
