/* The core half of every Cortex-M vector table; a board appends its IRQs. */
#ifndef VECTORS_H
#define VECTORS_H

#include <stdint.h>

typedef void (*cm_vector_t)(void);

extern uint32_t _estack[];
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SysTick_Handler(void);
void NMI_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);

#define CM_CORE_VECTORS                                                                  \
    (cm_vector_t)(uintptr_t)_estack, Reset_Handler, NMI_Handler, HardFault_Handler,     \
        MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0, SVC_Handler, \
        DebugMon_Handler, 0, PendSV_Handler, SysTick_Handler

#endif
