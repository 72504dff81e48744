#include "trigger.h"

#include "cfg.h"
#include "console.h"
#include "led.h"

#define REFUSED_FLASH_MS 3000u

bool trigger_configured(void)
{
    return cfg_configured(NULL, 0);
}

void trigger_press(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms)
{
    (void)action;
    (void)button;
    (void)kind;
    (void)t_ms;
    if (!trigger_configured()) {
        con_evt("refused reason=not-configured");
        led_flash(LED_ERROR, REFUSED_FLASH_MS);
        return;
    }
    /* Delivery (the signed request) is the next milestone: until then a
     * configured device says plainly that it cannot queue yet. */
    con_evt("refused reason=no-delivery");
    led_flash(LED_ERROR, REFUSED_FLASH_MS);
}
