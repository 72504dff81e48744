/* pipebutton: the superloop. */
#include <stdbool.h>
#include <string.h>

#include "buttons.h"
#include "delivery.h"
#include "queue.h"
#include "runs.h"
#include "https.h"
#include "rng.h"
#include "tls.h"
#include "ca.h"
#include "mbedtls/platform.h"
#include "tlsport.h"
#include "cfg.h"
#include "console.h"
#include "events.h"
#include "device.h"
#include "hal.h"
#include "led.h"
#include "lock.h"
#include "net.h"
#include "store.h"
#include "trigger.h"
#include "version.h"
#include "wallclock.h"

/* The steady LED pattern follows the device's state, most urgent first. */
static led_pattern_t led_base(void)
{
    if (delivery_busy()) {
        return LED_SENDING;
    }
    if (queue_count() >= QUEUE_CAPACITY) {
        return LED_QUEUE_FULL;
    }
    if (!trigger_configured()) {
        return LED_UNCONFIGURED;
    }
    if (delivery_needs_person()) {
        return LED_ERROR;
    }
    if (runs_following()) {
        return LED_RUN_RUNNING;
    }
    led_pattern_t result = led_held();
    if (result != LED_OFF) {
        return result;
    }
    return queue_count() > 0 ? LED_PENDING : LED_IDLE;
}

/* A change that may move the endpoint (cfg.h, binding): the kept-alive
 * connection and the TLS session were verified for what it was. */
static void on_cfg_change(const char *key)
{
    if (cfg_moves_endpoint(key)) {
        https_close();
        tls_forget_session();
    }
}

static void *pool_alloc(size_t size)
{
    return mbedtls_calloc(1, size);
}

int main(void)
{
    hal_board_init();
    console_init();
    /* The store first, silently: EVT boot is the first line and says when
     * there is no non-volatile memory. */
    tlsport_init();
    store_set_allocator(pool_alloc, mbedtls_free);
    store_set_sensitive(cfg_sensitive);
    bool durable = store_open(HAL_NVM_CONFIG) == STORE_OK;
    device_count_boot();
    cfg_init();
    ca_init();
    lock_init();
    ev_boot(PB_VERSION, hal_board_name(), device_reset_name(hal_reset_cause()), durable);
    led_init();
    trigger_init();
    led_set_base_fn(led_base);
    buttons_init(trigger_press);
    wallclock_init();
    hal_wdt_start();
    /* Before the network: lwIP's DHCP transaction ids and TCP sequence
     * numbers come from it.  Without an entropy source every attempt ends in
     * tls-fail reason=no-entropy. */
    (void)rng_init();
    net_init();
    queue_set_allocator(pool_alloc);
    (void)queue_init(); /* status shows queue_store= when it found no medium */
    tls_init();
    https_init(tls_transport());
    cfg_add_listener(on_cfg_change);
    delivery_init();
    runs_init();

    for (;;) {
        hal_wdt_feed();
        buttons_task();
        net_task();
        delivery_task();
        runs_task();
        https_task();
        console_task();
        lock_task();
        led_task();
        if (!lock_busy()) {
            hal_idle(); /* a passphrase hash runs a slice per pass */
        }
    }
}
