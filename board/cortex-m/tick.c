/* The 1 ms SysTick: time base, tick hook and idle. */
#include <stddef.h>

#include "cortexm.h"
#include "hal_board.h"
#include "hal_time.h"

static volatile uint32_t s_ms;
static volatile uint32_t s_ms_hi; /* wraps of s_ms, for hal_uptime_ms */
static volatile hal_tick_hook_t s_hook;

void cm_tick_start(uint32_t core_hz)
{
    SYST_RVR = core_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

void SysTick_Handler(void)
{
    uint32_t now = s_ms + 1u;
    s_ms = now;
    /* cppcheck-suppress knownConditionTrueFalse ; it is true once every 49.7 days */
    if (now == 0u) {
        s_ms_hi = s_ms_hi + 1u;
    }
    hal_tick_hook_t hook = s_hook;
    if (hook != NULL) {
        hook(now);
    }
}

uint32_t hal_millis(void)
{
    return s_ms;
}

uint64_t hal_uptime_ms(void)
{
    uint32_t primask = cm_irq_save();
    uint64_t t = ((uint64_t)s_ms_hi << 32) | s_ms;
    cm_irq_restore(primask);
    return t;
}

void hal_tick_set_hook(hal_tick_hook_t hook)
{
    s_hook = hook;
}

/* Weak: a board whose chip needs something around the WFI (an erratum)
 * provides its own. */
__attribute__((weak)) void hal_idle(void)
{
    /* An interrupt that lands between the superloop's last look at its work
     * and this WFI is served at once; its work waits for the next tick at most. */
    __asm__ volatile("dsb\n wfi" ::: "memory");
}
