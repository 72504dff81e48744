/* Software reset and the reset-cause mark that survives a warm reset. */
#include "cortexm.h"
#include "hal_console.h"
#include "hal_reset.h"

#define MARK_MAGIC 0x50425253u /* "PBRS" */

/* In .noinit: neither loaded nor zeroed, so a warm reset leaves it alone. */
static struct {
    uint32_t magic;
    uint32_t cause;
    uint32_t check; /* ~magic ^ cause: random power-on RAM will not match */
} s_mark __attribute__((section(".noinit")));

void cm_reset_mark_set(hal_reset_cause_t cause)
{
    s_mark.magic = MARK_MAGIC;
    s_mark.cause = (uint32_t)cause;
    s_mark.check = ~MARK_MAGIC ^ (uint32_t)cause;
}

int cm_reset_mark_take(hal_reset_cause_t *cause)
{
    int valid = s_mark.magic == MARK_MAGIC && s_mark.check == (~MARK_MAGIC ^ s_mark.cause) &&
                s_mark.cause <= (uint32_t)HAL_RESET_OTHER;
    if (valid) {
        *cause = (hal_reset_cause_t)s_mark.cause;
    }
    s_mark.magic = 0;
    return valid;
}

void cm_reset_now(hal_reset_cause_t cause)
{
    cm_reset_mark_set(cause);
    cm_dsb();
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    cm_dsb();
    for (;;) {
    }
}

void hal_reset(void)
{
    hal_console_flush();
    cm_reset_now(HAL_RESET_SW);
}
