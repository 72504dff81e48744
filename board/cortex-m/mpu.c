/* The MPU guard below the main stack (linker/sections.ld explains the
 * layout, fault.c how an overflow is reported). */
#include <stdint.h>

#include "cortexm.h"

extern const uint8_t _stack_guard_start[], _stack_guard_size[];

void cm_stack_guard_enable(void)
{
    if (MPU_TYPE_DREGION(MPU_TYPE) == 0) {
        return; /* no MPU: an overflow still leaves RAM, where the bus faults */
    }
    uint32_t size = (uint32_t)(uintptr_t)_stack_guard_size;
    MPU_CTRL = 0;
    MPU_RNR = 0;
    MPU_RBAR = (uint32_t)(uintptr_t)_stack_guard_start;
    MPU_RASR = MPU_RASR_XN | MPU_RASR_AP_NONE | MPU_RASR_SIZE(31u - (unsigned)__builtin_clz(size)) |
               MPU_RASR_ENABLE;
    /* Everything else keeps the default memory map.  HFNMIENA stays clear:
     * HardFault and NMI handlers run without the MPU, a last resort if a
     * MemManage handler ever faulted again. */
    MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
    __asm__ volatile("dsb\n isb" ::: "memory");
}
