#include "trigger.h"

#include "console.h"
#include "led.h"

#define REFUSED_FLASH_MS 3000u

bool trigger_configured(void)
{
    return false; /* no configuration store yet: org, webhook and secret are unset */
}

void trigger_press(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms)
{
    (void)action;
    (void)button;
    (void)kind;
    (void)t_ms;
    /* cppcheck-suppress knownConditionTrueFalse ; constant until the config store exists */
    if (!trigger_configured()) {
        con_evt("refused reason=not-configured");
        led_flash(LED_ERROR, REFUSED_FLASH_MS);
    }
}
