/*
 * Fault handlers: report `EVT fault pc=... lr=... cfsr=... hfsr=...` on the
 * console with polled output (the interrupt-driven path may be what broke),
 * leave the fault mark and reset.
 *
 * A stack overflow needs care: the report itself needs stack, and there is
 * none.  The main stack sits at the bottom of RAM with the MPU guard below it
 * (linker/sections.ld), so the first push past the bottom is a MemManage
 * fault.  The processor then stacks the exception frame below the stack
 * pointer, into the guard: that stacking faults too (MSTKERR), leaves the
 * frame's contents unknown and the stack pointer inside the guard, and the
 * handler starts there.  Any push the handler made would fault again, so
 * HardFault_Handler is naked and touches no stack until it has looked at
 * the stack pointer (CM_FAULT_ENTRY in cortexm.h): with less than
 * CM_FAULT_ROOM bytes left above the bottom of the stack it moves the stack
 * pointer to the top of the stack and reports from there.  The stack's contents are dead by then (a reset follows), and
 * what the report needs at the top (under 200 bytes) never reaches a frame
 * that did land near the bottom, which is still read for pc and lr.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cortexm.h"
#include "semihost.h"

#define FRAME_WORDS 8u /* r0 r1 r2 r3 r12 lr pc xpsr */

extern uint32_t _sstack[];
extern const uint8_t _flash_start[], _flash_end[], _ram_start[], _ram_end[];

static bool within(uintptr_t addr, size_t len, const uint8_t *start, const uint8_t *end)
{
    return addr >= (uintptr_t)start && addr <= (uintptr_t)end && len <= (uintptr_t)end - addr;
}

bool cm_addr_readable(uintptr_t addr, size_t len)
{
    return within(addr, len, _flash_start, _flash_end) || within(addr, len, _ram_start, _ram_end);
}

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

void cm_fault_report_reset(const uint32_t *frame, const char *extra)
{
    uint32_t pc = 0;
    uint32_t lr = 0;
    if (frame != NULL && cm_addr_readable((uintptr_t)frame, FRAME_WORDS * 4u)) {
        pc = frame[6];
        lr = frame[5];
    }
    char line[112];
    char *p = line;
    const char *start = "EVT fault";
    while (*start) {
        *p++ = *start++;
    }
    p = put_hex(p, " pc=", pc);
    p = put_hex(p, " lr=", lr);
    p = put_hex(p, " cfsr=", SCB_CFSR);
    p = put_hex(p, " hfsr=", SCB_HFSR);
    /* Room for a short key=value; a longer one is cut, never overrun. */
    if (extra != NULL) {
        *p++ = ' ';
        while (*extra && p < line + sizeof line - 3) {
            *p++ = *extra++;
        }
    }
    *p++ = '\r';
    *p++ = '\n';
    *p = '\0';
    board_console_panic_write(line);
    cm_reset_now(HAL_RESET_FAULT);
}

/* CM_FAULT_ENTRY's target.  A frame below the floor means the stack ran out
 * and this runs on a fresh stack at its top: a frame stacked into the guard
 * (MSTKERR) holds nothing to trust, and must not be read there either (the
 * guard faults; cm_fault_report_reset reads only inside RAM). */
__attribute__((used)) /* reached only from CM_FAULT_ENTRY's assembly, which LTO does not read */
void cm_fault_report(uint32_t *frame)
{
    if ((uintptr_t)frame < (uintptr_t)_sstack + CM_FAULT_ROOM) {
        cm_fault_report_reset((SCB_CFSR & SCB_CFSR_MSTKERR) ? NULL : frame, "stack=overflow");
    }
    if (sh_fault_fixup(frame)) {
        return; /* a semihosting call with no host: it fails, the code goes on */
    }
    cm_fault_report_reset(frame, NULL);
}

__attribute__((naked)) void HardFault_Handler(void)
{
    CM_FAULT_ENTRY(cm_fault_report);
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
