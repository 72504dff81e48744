#include "led.h"

#include <stdbool.h>
#include <stddef.h>

#include "hal_led.h"
#include "hal_time.h"

typedef struct {
    const char *name;
    hal_led_role_t role; /* drawn on STATUS when the board lacks this role */
    uint16_t period_ms;  /* 0 = steady */
    uint16_t on_ms;      /* each blink; as long off between blinks */
    uint8_t blinks;      /* per period */
} pattern_t;

static const pattern_t s_patterns[LED_PATTERNS] = {
    [LED_OFF] = {"off", HAL_LED_STATUS, 0, 0, 1},
    [LED_IDLE] = {"idle", HAL_LED_STATUS, 2000, 100, 1},
    [LED_UNCONFIGURED] = {"unconfigured", HAL_LED_STATUS, 1000, 500, 1},
    [LED_PENDING] = {"pending", HAL_LED_BUSY, 1000, 100, 1},
    [LED_SENDING] = {"sending", HAL_LED_BUSY, 200, 100, 1},
    [LED_ACCEPTED] = {"accepted", HAL_LED_BUSY, 0, 1, 1},
    [LED_DELIVERED] = {"delivered", HAL_LED_STATUS, 0, 1, 1},
    [LED_ERROR] = {"error", HAL_LED_ERROR, 250, 125, 1},
    [LED_QUEUE_FULL] = {"queue-full", HAL_LED_ERROR, 0, 1, 1},
    [LED_RUN_RUNNING] = {"run-running", HAL_LED_BUSY, 500, 250, 1},
    [LED_RUN_SUCCEEDED] = {"run-succeeded", HAL_LED_STATUS, 0, 1, 1},
    /* three blinks, told apart from error's even 4 Hz on a single LED */
    [LED_RUN_FAILED] = {"run-failed", HAL_LED_ERROR, 2000, 150, 3},
};

static led_pattern_t s_base;
static led_pattern_t (*s_base_fn)(void);
static led_pattern_t s_flash;
static uint32_t s_flash_until;
static bool s_flashing;
static led_pattern_t s_hold;
static uint32_t s_hold_until;

void led_init(void)
{
    s_base = LED_OFF;
    s_base_fn = NULL;
    s_flashing = false;
    s_hold = LED_OFF;
    for (int r = 0; r < HAL_LED_ROLES; r++) {
        hal_led_set((hal_led_role_t)r, false);
    }
}

void led_set_base_fn(led_pattern_t (*fn)(void))
{
    s_base_fn = fn;
}

void led_flash(led_pattern_t pattern, uint32_t duration_ms)
{
    s_flash = pattern;
    s_flash_until = hal_millis() + duration_ms;
    s_flashing = true;
}

void led_hold(led_pattern_t pattern, uint32_t duration_ms)
{
    s_hold = pattern;
    s_hold_until = hal_millis() + duration_ms;
}

void led_hold_end(void)
{
    s_hold = LED_OFF;
}

led_pattern_t led_held(void)
{
    if (s_hold != LED_OFF && (int32_t)(hal_millis() - s_hold_until) >= 0) {
        s_hold = LED_OFF;
    }
    return s_hold;
}

static led_pattern_t current(uint32_t now)
{
    if (s_flashing && (int32_t)(now - s_flash_until) >= 0) {
        s_flashing = false;
    }
    return s_flashing ? s_flash : s_base_fn != NULL ? s_base_fn() : s_base;
}

const char *led_pattern_name(void)
{
    return s_patterns[current(hal_millis())].name;
}

void led_task(void)
{
    uint32_t now = hal_millis();
    const pattern_t *p = &s_patterns[current(now)];
    hal_led_role_t role = hal_led_present(p->role) ? p->role : HAL_LED_STATUS;
    uint32_t t = p->period_ms == 0 ? 0 : now % p->period_ms;
    uint32_t blinks = p->blinks;
    bool on = p->period_ms == 0 ? p->on_ms > 0 : t < blinks * 2u * p->on_ms && (t / p->on_ms) % 2u == 0;
    for (int r = 0; r < HAL_LED_ROLES; r++) {
        hal_led_set((hal_led_role_t)r, (hal_led_role_t)r == role && on);
    }
}
