/*
 * C runtime start-up for every Cortex-M board: copy .data, zero .bss, paint
 * the stack so its high-water mark can be measured, run constructors, main().
 */
#include <stddef.h>
#include <stdint.h>

#include "cortexm.h"

#define STACK_PAINT 0xA5A5A5A5u

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _sstack[], _estack[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);

void Reset_Handler(void)
{
    board_early_init();
    /* Linker symbols are addresses, not objects: compare them as numbers. */
    const uint32_t *src = _sidata;
    for (uint32_t *dst = _sdata; (uintptr_t)dst < (uintptr_t)_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; (uintptr_t)dst < (uintptr_t)_ebss;) {
        *dst++ = 0;
    }
    /* Paint up to a margin below the live stack pointer: the words above it
     * hold this function's own frame. */
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = _sstack; (uintptr_t)p < sp - 64u; p++) {
        *p = STACK_PAINT;
    }
    cm_stack_guard_enable();
    for (void (**fn)(void) = __init_array_start; fn < __init_array_end; fn++) {
        (*fn)();
    }
    main();
    for (;;) {
    }
}

size_t hal_stack_size(void)
{
    return (size_t)((uintptr_t)_estack - (uintptr_t)_sstack);
}

size_t hal_stack_peak(void)
{
    const uint32_t *p = _sstack;
    while ((uintptr_t)p < (uintptr_t)_estack && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)_estack - (uintptr_t)p);
}
