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
 * the stack pointer: with less than FAULT_ROOM bytes left above the bottom of
 * the stack it moves the stack pointer to the top of the stack and reports
 * from there.  The stack's contents are dead by then (a reset follows), and
 * what the report needs at the top (under 200 bytes) never reaches a frame
 * that did land near the bottom, which is still read for pc and lr.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cortexm.h"
#include "semihost.h"

/* Stack the report needs below the point where a fault arrives: with less,
 * the handler moves to the top of the stack first.  The report path uses
 * under 200 bytes (-fstack-usage: 120 for the line, the callers and the
 * polled console write 8 to 24 each). */
#define FAULT_ROOM 256u
#define FRAME_WORDS 8u /* r0 r1 r2 r3 r12 lr pc xpsr */

extern uint32_t _sstack[], _estack[];
extern const uint8_t _flash_start[], _flash_end[], _ram_start[], _ram_end[];

void cm_fault_report(uint32_t *frame);
void cm_fault_overflow(const uint32_t *frame);

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

/* A fault with room on the stack: the frame is where the handler found it. */
void cm_fault_report(uint32_t *frame)
{
    if (sh_fault_fixup(frame)) {
        return; /* a semihosting call with no host: it fails, the code goes on */
    }
    cm_fault_report_reset(frame, NULL);
}

/* The stack ran out; this runs at the top of the stack.  A frame that was
 * stacked into the guard (MSTKERR) holds nothing to trust, and it must not
 * be read there either: the guard faults. */
void cm_fault_overflow(const uint32_t *frame)
{
    bool landed = !(SCB_CFSR & SCB_CFSR_MSTKERR) && (uintptr_t)frame >= (uintptr_t)_sstack &&
                  (uintptr_t)(frame + FRAME_WORDS) <= (uintptr_t)_estack;
    cm_fault_report_reset(landed ? frame : NULL, "stack=overflow");
}

/* Picks the stack the faulting code used and hands its frame to C; with the
 * main stack (MSP, which this handler runs on) nearly or wholly spent, first
 * moves to the top of the stack (see the top of this file).  No push before
 * that decision. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "mrs r1, msp\n"
        "movw r2, #:lower16:_sstack\n"
        "movt r2, #:upper16:_sstack\n"
        "add r2, r2, %0\n"
        "cmp r1, r2\n"
        "bhs 1f\n"
        "movw r1, #:lower16:_estack\n"
        "movt r1, #:upper16:_estack\n"
        "msr msp, r1\n"
        "isb\n"
        "b cm_fault_overflow\n"
        "1:\n"
        "b cm_fault_report\n"
        :
        : "i"(FAULT_ROOM));
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
