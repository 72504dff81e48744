#include "fake_device.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "console.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "fake_transport.h"
#include "lock.h"
#include "net.h"
#include "queue.h"
#include "store.h"
#include "tlsport.h"
#include "trigger.h"
#include "wallclock.h"

void fake_device_fresh(void)
{
    fake_hal_reset_all();
    fake_nvm_reset();
    fake_eth_reset();
    store_set_sensitive(cfg_sensitive);
    store_open(HAL_NVM_CONFIG);
    console_init();
    cfg_init();
    lock_init();
    wallclock_init();
}

void fake_device_delivering(void)
{
    fake_device_fresh();
    fake_transport_reset();
    tlsport_init();
    queue_set_allocator(NULL);
    assert_int_equal(queue_init(), QUEUE_OK);
    trigger_init();
    static bool s_net;
    if (!s_net) {
        net_init();
        s_net = true;
    }
    fake_device_set("ip", "192.168.7.20/24,192.168.7.1");
    fake_device_set("org", "contoso");
    fake_device_set("webhook", "port_trigger");
    fake_device_set("secret", FAKE_DEVICE_SECRET);
}

void fake_device_set(const char *key, const char *value)
{
    const char *why = "";
    if (cfg_set(key, value, &why) != CFG_OK) {
        fail_msg("config set %s: %s", key, why);
    }
}

static char s_out[65536];

void fake_out_collect(void)
{
    char *out = fake_console_take();
    strncat(s_out, out, sizeof s_out - strlen(s_out) - 1);
    free(out);
}

const char *fake_out(void)
{
    return s_out;
}

void fake_out_clear(void)
{
    s_out[0] = '\0';
}

void fake_out_expect(const char *text)
{
    if (strstr(s_out, text) == NULL) {
        fail_msg("no '%s' in:\n%s", text, s_out);
    }
}

unsigned fake_out_count(const char *text)
{
    unsigned n = 0;
    for (const char *p = strstr(s_out, text); p != NULL; p = strstr(p + 1, text)) {
        n++;
    }
    return n;
}
