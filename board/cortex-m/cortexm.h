/*
 * Shared by every Cortex-M board: core registers (from the ARMv7-M
 * Architecture Reference Manual), the start-up and fault machinery, and the few
 * functions each board provides to it.  Boards include this; portable code
 * never does.
 */
#ifndef CORTEXM_H
#define CORTEXM_H

#include <stdint.h>

#include "hal_reset.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* System control block */
#define SCB_ICSR   REG32(0xE000ED04u)
#define SCB_VTOR   REG32(0xE000ED08u)
#define SCB_AIRCR  REG32(0xE000ED0Cu)
#define SCB_SCR    REG32(0xE000ED10u)
#define SCB_CCR    REG32(0xE000ED14u)
#define SCB_SHCSR  REG32(0xE000ED24u)
#define SCB_CFSR   REG32(0xE000ED28u)
#define SCB_HFSR   REG32(0xE000ED2Cu)
#define SCB_MMFAR  REG32(0xE000ED34u)
#define SCB_BFAR   REG32(0xE000ED38u)
#define SCB_CPACR  REG32(0xE000ED88u)
#define SCB_SHPR3_SYSTICK (*(volatile uint8_t *)(uintptr_t)0xE000ED23u)

#define SCB_AIRCR_VECTKEY      (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ  (1u << 2)
#define SCB_CCR_DIV_0_TRP      (1u << 4)
#define SCB_SHCSR_MEMFAULTENA  (1u << 16)
#define SCB_SHCSR_BUSFAULTENA  (1u << 17)
#define SCB_SHCSR_USGFAULTENA  (1u << 18)

/* SysTick */
#define SYST_CSR   REG32(0xE000E010u)
#define SYST_RVR   REG32(0xE000E014u)
#define SYST_CVR   REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

/* NVIC */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG32(0xE000E180u + 4u * (n))
#define NVIC_ISPR(n) REG32(0xE000E200u + 4u * (n))
#define NVIC_ISPR_SET(irq) (NVIC_ISPR((irq) >> 5) = 1u << ((irq) & 31u))
#define NVIC_IPR_BYTE(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (irq)))

static inline void cm_irq_enable(unsigned irq)  { NVIC_ISER(irq >> 5) = 1u << (irq & 31u); }
static inline void cm_irq_disable(unsigned irq) { NVIC_ICER(irq >> 5) = 1u << (irq & 31u); __asm__ volatile("dsb\n isb" ::: "memory"); }
static inline void cm_irq_priority(unsigned irq, uint8_t prio) { NVIC_IPR_BYTE(irq) = prio; }

static inline uint32_t cm_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask) :: "memory");
    return primask;
}
static inline void cm_irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" :: "r"(primask) : "memory");
}
static inline void cm_dsb(void) { __asm__ volatile("dsb" ::: "memory"); }

/* ---- provided by board/cortex-m for the boards ---- */

/* Starts the 1 ms SysTick from the core clock. */
void cm_tick_start(uint32_t core_hz);

/* Enables the configurable faults so CFSR tells what happened. */
void cm_faults_enable(void);

/* The reset-cause mark kept in RAM across warm resets: set just before a
 * reset the firmware causes; taken (read and cleared) once at boot. */
void cm_reset_mark_set(hal_reset_cause_t cause);
int cm_reset_mark_take(hal_reset_cause_t *cause);

/* Resets now, leaving the given mark; does not flush anything. */
void cm_reset_now(hal_reset_cause_t cause) __attribute__((noreturn));

/* ---- provided by each board for board/cortex-m ---- */

/* First thing after reset, before .data and .bss exist: what must precede
 * any C code (enabling the FPU, for instance).  Must not touch globals. */
void board_early_init(void);

/* Fault context: drains what the console still holds and writes s, polling
 * the UART with interrupts off.  Must not use the heap or much stack. */
void board_console_panic_write(const char *s);

#endif
