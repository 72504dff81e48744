/*
 * LED patterns: what the device is doing, shown on whatever LEDs the board
 * has.  A base pattern says the steady state; a flash overlays it for a while
 * (an error after a refused press, say).
 */
#ifndef LED_H
#define LED_H

#include <stdint.h>

typedef enum {
    LED_OFF = 0,
    LED_IDLE,         /* ready, nothing queued: slow heartbeat */
    LED_UNCONFIGURED, /* org, webhook or secret missing: slow blink */
    LED_PENDING,      /* triggers wait for the network or the service */
    LED_SENDING,      /* an attempt is running: fast blink */
    LED_ACCEPTED,     /* a trigger was stored (a short flash) */
    LED_DELIVERED,    /* the service took it (a flash) */
    LED_ERROR,        /* something needs a person: fast blink on the error LED */
    LED_QUEUE_FULL,   /* the queue refuses new triggers: error LED steady */
    LED_RUN_RUNNING,  /* a pipeline run is followed (queued or running): busy LED 2 Hz */
    LED_RUN_SUCCEEDED, /* the followed run succeeded: status LED steady */
    LED_RUN_FAILED,   /* it failed, was canceled, did not start or was lost: error LED, 3 blinks */
    LED_PATTERNS
} led_pattern_t;

void led_init(void);
/* Or a function that says the steady state whenever it is needed, so the
 * pattern (and `status led=`) always matches the device's state. */
void led_set_base_fn(led_pattern_t (*fn)(void));
/* Shows pattern for duration_ms, then the base pattern again. */
void led_flash(led_pattern_t pattern, uint32_t duration_ms);
/* A pattern kept for the base function to show (a run's result) until
 * led_hold_end() or duration_ms; led_held() is it, or LED_OFF. */
void led_hold(led_pattern_t pattern, uint32_t duration_ms);
void led_hold_end(void);
led_pattern_t led_held(void);
void led_task(void);
/* The pattern showing now, as `status` reports it. */
const char *led_pattern_name(void);

#endif
