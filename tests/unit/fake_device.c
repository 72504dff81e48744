#include "fake_device.h"

#include "cfg.h"
#include "console.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "lock.h"
#include "store.h"
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
