/* LM3S6965 vector table: the core exceptions, then the device interrupts. */
#include "lm3s6965.h"
#include "vectors.h"

/* Designated entries after the range fill are the point here. */
#pragma GCC diagnostic ignored "-Woverride-init"

void UART0_IRQHandler(void);
void WDT_IRQHandler(void);
void ETH_IRQHandler(void);

__attribute__((section(".isr_vector"), used)) static const cm_vector_t s_vectors[16 + IRQ_COUNT] = {
    CM_CORE_VECTORS,
    [16 ... 16 + IRQ_COUNT - 1] = Default_Handler,
    [16 + IRQ_UART0] = UART0_IRQHandler,
    [16 + IRQ_WDT] = WDT_IRQHandler,
    [16 + IRQ_ETH] = ETH_IRQHandler,
};
