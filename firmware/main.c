/* pipebutton: the superloop. */
#include "buttons.h"
#include "cfg.h"
#include "console.h"
#include "device.h"
#include "hal.h"
#include "led.h"
#include "net.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

int main(void)
{
    hal_board_init();
    console_init();
    con_evt("boot version=%s board=%s reset=%s", PB_VERSION, hal_board_name(),
            device_reset_name(hal_reset_cause()));
    led_init();
    led_set_base(trigger_configured() ? LED_IDLE : LED_UNCONFIGURED);
    buttons_init(trigger_press);
    cfg_init();
    wallclock_init();
    hal_wdt_start();
    net_init();

    for (;;) {
        hal_wdt_feed();
        buttons_task();
        net_task();
        console_task();
        led_task();
        hal_idle();
    }
}
