/*
 * Shared by every Cortex-M board: core registers (from the ARMv7-M
 * Architecture Reference Manual), the start-up and fault machinery, and the few
 * functions each board provides to it.  Boards include this; portable code
 * never does.
 */
#ifndef CORTEXM_H
#define CORTEXM_H

#include <stdbool.h>
#include <stddef.h>
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
#define SCB_CFSR_MSTKERR       (1u << 4)  /* MemManage on exception entry stacking */

/* Memory protection unit (PMSAv7: the Cortex-M3 and M4 alike) */
#define MPU_TYPE   REG32(0xE000ED90u)
#define MPU_CTRL   REG32(0xE000ED94u)
#define MPU_RNR    REG32(0xE000ED98u)
#define MPU_RBAR   REG32(0xE000ED9Cu)
#define MPU_RASR   REG32(0xE000EDA0u)
#define MPU_TYPE_DREGION(t)  (((t) >> 8) & 0xFFu)
#define MPU_CTRL_ENABLE      (1u << 0)
#define MPU_CTRL_PRIVDEFENA  (1u << 2)  /* the default map wherever no region applies */
#define MPU_RASR_ENABLE      (1u << 0)
#define MPU_RASR_SIZE(log2)  (((uint32_t)(log2) - 1u) << 1) /* a region of 2^log2 bytes */
#define MPU_RASR_AP_NONE     (0x0u << 24)
#define MPU_RASR_XN          (1u << 28)

/* Core debug */
#define DHCSR REG32(0xE000EDF0u)
#define DHCSR_C_DEBUGEN (1u << 0) /* a debugger has enabled halting debug */

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

/* Makes the address range below the main stack (linker/sections.ld) an MPU
 * region nobody may access, so a stack overflow faults at once.  Called by
 * Reset_Handler before main(). */
void cm_stack_guard_enable(void);

/* Stack a fault report needs below the point where the fault arrives (under
 * 200 bytes by -fstack-usage: 120 for the line, the callers and the polled
 * console write 8 to 24 each); with less left, CM_FAULT_ENTRY moves to the
 * top of the stack first. */
#define CM_FAULT_ROOM 256u

/* The body of a naked handler for a fault, or an exception that ends like
 * one: r0 = the exception frame (thread mode runs on the main stack), then,
 * if the main stack has less than CM_FAULT_ROOM bytes left (it overflowed,
 * or nearly), the stack pointer moves to the top of the stack, whose contents
 * are dead (a reset follows); no push happens before that.  Then fn(frame):
 * a frame below _sstack + CM_FAULT_ROOM tells fn it runs on the fresh stack.
 * board/cortex-m/fault.c explains why this works. */
#define CM_FAULT_ENTRY(fn)                     \
    __asm__ volatile("tst lr, #4\n"            \
                     "ite eq\n"                \
                     "mrseq r0, msp\n"         \
                     "mrsne r0, psp\n"         \
                     "mrs r1, msp\n"           \
                     "movw r2, #:lower16:_sstack\n" \
                     "movt r2, #:upper16:_sstack\n" \
                     "add r2, r2, %0\n"        \
                     "cmp r1, r2\n"            \
                     "bhs 1f\n"                \
                     "movw r1, #:lower16:_estack\n" \
                     "movt r1, #:upper16:_estack\n" \
                     "msr msp, r1\n"           \
                     "isb\n"                   \
                     "1:\n"                    \
                     "b " #fn "\n"             \
                     :                         \
                     : "i"(CM_FAULT_ROOM))

/* Prints `EVT fault pc=... lr=... cfsr=... hfsr=...` for the exception frame
 * (pc and lr read 0 when frame is NULL: no frame to trust), followed by
 * " <extra>" when extra is not NULL, with polled output, then resets with the
 * fault mark.  For handlers of events that end like a fault. */
void cm_fault_report_reset(const uint32_t *frame, const char *extra) __attribute__((noreturn));

/* Whether [addr, addr + len) lies in the image's flash or RAM regions: what a
 * fault handler may read without faulting again. */
bool cm_addr_readable(uintptr_t addr, size_t len);

/* The generic fault report (CM_FAULT_ENTRY's usual target): a failed
 * semihosting call is resumed, anything else reported and reset. */
void cm_fault_report(uint32_t *frame);

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
