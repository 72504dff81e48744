/*
 * Fault handlers: report `EVT fault pc=... lr=... cfsr=... hfsr=...` on the
 * console with polled output (the interrupt-driven path may be what broke),
 * leave the fault mark and reset.
 */
#include <stdint.h>

#include "cortexm.h"
#include "semihost.h"

void cm_fault_report(uint32_t *frame);

static char *put_hex(char *p, const char *label, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    while (*label) {
        *p++ = *label++;
    }
    *p++ = '0';
    *p++ = 'x';
    for (int shift = 28; shift >= 0; shift -= 4) {
        *p++ = digits[(v >> shift) & 0xFu];
    }
    return p;
}

void cm_faults_enable(void)
{
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_USGFAULTENA;
    SCB_CCR |= SCB_CCR_DIV_0_TRP;
}

/* used: only the handler's assembly below calls it, which LTO cannot see. */
__attribute__((used)) void cm_fault_report(uint32_t *frame)
{
    if (sh_fault_fixup(frame)) {
        return; /* a semihosting call with no host: it fails, the code goes on */
    }
    /* The exception frame: r0 r1 r2 r3 r12 lr pc xpsr. */
    char line[80];
    char *p = line;
    const char *start = "EVT fault";
    while (*start) {
        *p++ = *start++;
    }
    p = put_hex(p, " pc=", frame[6]);
    p = put_hex(p, " lr=", frame[5]);
    p = put_hex(p, " cfsr=", SCB_CFSR);
    p = put_hex(p, " hfsr=", SCB_HFSR);
    *p++ = '\r';
    *p++ = '\n';
    *p = '\0';
    board_console_panic_write(line);
    cm_reset_now(HAL_RESET_FAULT);
}

/* Picks the stack the faulting code used and hands its frame to C. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b cm_fault_report\n");
}

void MemManage_Handler(void) __attribute__((alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((alias("HardFault_Handler")));

/* An interrupt nobody handles is a bug: report it like a fault (cfsr and hfsr
 * read 0) instead of hanging until the watchdog bites. */
void Default_Handler(void) __attribute__((alias("HardFault_Handler")));
void NMI_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
