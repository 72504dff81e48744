/*
 * The console on USART3 (PD8 TX, PD9 RX: the ST-LINK virtual COM port).
 * Receive and transmit are interrupt driven through ring buffers; the flush
 * and the fault path drive the UART by polling instead, with its interrupt
 * masked, so there is only ever one consumer of the transmit ring.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "cortexm.h"
#include "hal_console.h"
#include "ringbuf.h"
#include "stm32f429.h"

#define UART USART3_BASE

_Static_assert(BOARD_CONSOLE_RX_SIZE >= HAL_CONSOLE_RX_MIN, "console RX ring below the hal minimum");
_Static_assert((BOARD_CONSOLE_RX_SIZE & (BOARD_CONSOLE_RX_SIZE - 1u)) == 0, "RX ring size not a power of two");
_Static_assert((BOARD_CONSOLE_TX_SIZE & (BOARD_CONSOLE_TX_SIZE - 1u)) == 0, "TX ring size not a power of two");

/* A byte takes 87 us at 115200 baud: a UART that takes ten times that to
 * take one is dead, and the polled paths stop rather than spin. */
#define BYTE_TIMEOUT_US 1000u
#define POLL_SLICE_US   10u

void USART3_IRQHandler(void);

static uint8_t s_rx_store[BOARD_CONSOLE_RX_SIZE];
static uint8_t s_tx_store[BOARD_CONSOLE_TX_SIZE];
static ringbuf_t s_rx;
static ringbuf_t s_tx;
static volatile uint32_t s_rx_overruns;

static bool console_ready(void)
{
    return (USART_CR1(UART) & USART_CR1_UE) != 0;
}

/* Takes the received byte, if any.  `sr` must have been read just before:
 * reading SR then DR is what clears ORE. */
static void rx_take(uint32_t sr)
{
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        uint8_t byte = (uint8_t)USART_DR(UART);
        if (sr & USART_SR_ORE) {
            s_rx_overruns++; /* the byte after this one was lost in the UART */
        }
        if (!ringbuf_put(&s_rx, byte)) {
            s_rx_overruns++;
        }
    }
}

void USART3_IRQHandler(void)
{
    uint32_t sr = USART_SR(UART);
    rx_take(sr);
    if ((sr & USART_SR_TXE) && (USART_CR1(UART) & USART_CR1_TXEIE)) {
        uint8_t byte;
        if (ringbuf_get(&s_tx, &byte)) {
            USART_DR(UART) = byte;
        } else {
            /* TXE stays set while the UART is idle: without this the
             * interrupt would fire forever. */
            USART_CR1(UART) &= ~USART_CR1_TXEIE;
        }
    }
}

/* Sends one byte by polling, still taking input while it waits so a long
 * flush does not overrun the receiver.  Only with the USART3 interrupt
 * masked.  False when the UART is stuck. */
static bool tx_polled(uint8_t byte)
{
    for (uint32_t waited = 0; waited < BYTE_TIMEOUT_US; waited += POLL_SLICE_US) {
        rx_take(USART_SR(UART));
        if (board_wait(&USART_SR(UART), USART_SR_TXE, USART_SR_TXE, POLL_SLICE_US)) {
            USART_DR(UART) = byte;
            return true;
        }
    }
    return false;
}

/* Empties the transmit ring by polling, then waits for the last stop bit.
 * Only with the USART3 interrupt masked. */
static void tx_drain_polled(const char *tail)
{
    uint8_t byte;
    USART_CR1(UART) &= ~USART_CR1_TXEIE;
    while (ringbuf_get(&s_tx, &byte)) {
        if (!tx_polled(byte)) {
            return;
        }
    }
    for (; tail != NULL && *tail != '\0'; tail++) {
        if (!tx_polled((uint8_t)*tail)) {
            return;
        }
    }
    (void)board_wait(&USART_SR(UART), USART_SR_TC, USART_SR_TC, BYTE_TIMEOUT_US);
}

void board_console_init(void)
{
    (void)ringbuf_init(&s_rx, s_rx_store, sizeof s_rx_store);
    (void)ringbuf_init(&s_tx, s_tx_store, sizeof s_tx_store);
    RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)RCC_APB1ENR; /* two cycles before the USART sees its clock */
    USART_CR1(UART) = 0;
    USART_CR2(UART) = 0; /* 1 stop bit */
    USART_CR3(UART) = 0; /* no flow control, no DMA */
    /* With OVER8 = 0, BRR's mantissa.fraction (12.4) is 16 * USARTDIV = PCLK1 / baud:
     * 45 MHz gives 390.6 -> 391 (0x187), 115090 baud, -0.09 %. */
    uint32_t pclk = board_pclk1_hz();
    USART_BRR(UART) = (pclk + BOARD_CONSOLE_BAUD / 2u) / BOARD_CONSOLE_BAUD;
    USART_CR1(UART) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    cm_irq_priority(IRQ_USART3, BOARD_PRIO_CONSOLE);
    cm_irq_enable(IRQ_USART3);
}

size_t hal_console_read(uint8_t *buf, size_t max)
{
    return ringbuf_read(&s_rx, buf, max);
}

size_t hal_console_write(const uint8_t *buf, size_t len)
{
    size_t n = ringbuf_write(&s_tx, buf, len);
    if (n > 0 && console_ready()) {
        /* The ISR clears TXEIE: keep it from doing so half-way through this
         * read-modify-write. */
        uint32_t primask = cm_irq_save();
        USART_CR1(UART) |= USART_CR1_TXEIE;
        cm_irq_restore(primask);
    }
    return n;
}

void hal_console_flush(void)
{
    if (!console_ready()) {
        return;
    }
    /* Polled rather than waiting for the interrupt, which may be unable to
     * run where a reset is being prepared; the tick keeps running. */
    cm_irq_disable(IRQ_USART3);
    tx_drain_polled(NULL);
    cm_irq_enable(IRQ_USART3);
}

uint32_t hal_console_rx_overruns(void)
{
    return s_rx_overruns;
}

void board_console_panic_write(const char *s)
{
    uint32_t primask = cm_irq_save();
    if (console_ready()) {
        tx_drain_polled(s);
    }
    cm_irq_restore(primask);
}
