/*
 * LM3S6965 evaluation board: clocks, console UART0, navigation buttons, the
 * status LED, watchdog and reset cause.  Runs on QEMU's lm3s6965evb machine;
 * the register sequences follow the datasheet so they hold on silicon too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "board_buttons.h"
#include "cortexm.h"
#include "hal.h"
#include "lm3s6965.h"
#include "ringbuf.h"

/* ---------------------------------------------------------------- clocks */

void board_early_init(void)
{
    /* The Cortex-M3 has no FPU and nothing must precede .data/.bss here. */
}

static void clock_init(void)
{
    uint32_t rcc = SYSCTL_RCC;
    /* Run from the raw oscillator while the PLL is reconfigured. */
    rcc |= SYSCTL_RCC_BYPASS;
    rcc &= ~SYSCTL_RCC_USESYSDIV;
    SYSCTL_RCC = rcc;
    rcc &= ~(SYSCTL_RCC_XTAL_M | SYSCTL_RCC_OSCSRC_M | SYSCTL_RCC_PWRDN);
    rcc |= SYSCTL_RCC_XTAL_8MHZ; /* OSCSRC 0 = main oscillator */
    SYSCTL_RCC = rcc;
    rcc = (rcc & ~SYSCTL_RCC_SYSDIV_M) | SYSCTL_RCC_SYSDIV(BOARD_SYSDIV) | SYSCTL_RCC_USESYSDIV;
    SYSCTL_RCC = rcc;
    /* Bounded: if the PLL never locks we stay on the crystal rather than hang. */
    for (uint32_t i = 0; i < 100000u; i++) {
        if (SYSCTL_RIS & SYSCTL_RIS_PLLLRIS) {
            SYSCTL_RCC = rcc & ~SYSCTL_RCC_BYPASS;
            return;
        }
    }
}

/* ---------------------------------------------------------------- console */

static uint8_t s_rx_store[BOARD_CONSOLE_RX_SIZE];
static uint8_t s_tx_store[BOARD_CONSOLE_TX_SIZE];
static ringbuf_t s_rx;
static ringbuf_t s_tx;
static volatile uint32_t s_rx_overruns;

/* Moves queued bytes into the UART FIFO.  Runs in the ISR, or in thread mode
 * with the UART interrupt masked, so there is one consumer at a time. */
static void console_tx_fill(void)
{
    uint8_t byte;
    while (!(UART_FR(UART0_BASE) & UART_FR_TXFF)) {
        if (!ringbuf_get(&s_tx, &byte)) {
            UART_IM(UART0_BASE) &= ~UART_INT_TX;
            return;
        }
        UART_DR(UART0_BASE) = byte;
    }
    UART_IM(UART0_BASE) |= UART_INT_TX;
}

void UART0_IRQHandler(void)
{
    uint32_t mis = UART_MIS(UART0_BASE);
    UART_ICR(UART0_BASE) = mis;
    while (!(UART_FR(UART0_BASE) & UART_FR_RXFE)) {
        if (ringbuf_free(&s_rx) == 0) {
            /* Full: leave the rest in the UART's FIFO and stop asking until
             * the superloop has read.  Under QEMU that holds the sender back
             * (its UART has no baud rate); on silicon the FIFO buys 16 bytes
             * and an overrun is counted. */
            UART_IM(UART0_BASE) &= ~(UART_INT_RX | UART_INT_RT);
            break;
        }
        uint32_t dr = UART_DR(UART0_BASE);
        if (dr & UART_DR_OE) {
            s_rx_overruns++;
        }
        ringbuf_put(&s_rx, (uint8_t)dr);
    }
    if (mis & UART_INT_TX) {
        console_tx_fill();
    }
}

static void console_init(void)
{
    ringbuf_init(&s_rx, s_rx_store, sizeof s_rx_store);
    ringbuf_init(&s_tx, s_tx_store, sizeof s_tx_store);
    SYSCTL_RCGC1 |= SYSCTL_RCGC1_UART0;
    SYSCTL_RCGC2 |= SYSCTL_RCGC2_GPIOA;
    GPIO_AFSEL(GPIOA_BASE) |= 0x3u; /* PA0 U0RX, PA1 U0TX */
    GPIO_DEN(GPIOA_BASE) |= 0x3u;
    UART_CTL(UART0_BASE) = 0;
    /* 50 MHz / (16 * 115200) = 27.127: integer 27, fraction 0.127 * 64 = 8 */
    uint32_t div64 = (BOARD_CORE_HZ * 4u + BOARD_CONSOLE_BAUD / 2u) / BOARD_CONSOLE_BAUD;
    UART_IBRD(UART0_BASE) = div64 >> 6;
    UART_FBRD(UART0_BASE) = div64 & 0x3Fu;
    UART_LCRH(UART0_BASE) = UART_LCRH_WLEN8 | UART_LCRH_FEN;
    UART_IFLS(UART0_BASE) = 0; /* RX at 1/8 full, TX at 1/8 full */
    UART_IM(UART0_BASE) = UART_INT_RX | UART_INT_RT | UART_INT_OE;
    UART_CTL(UART0_BASE) = UART_CTL_UARTEN | UART_CTL_TXE | UART_CTL_RXE;
    cm_irq_priority(IRQ_UART0, 0x40);
    cm_irq_enable(IRQ_UART0);
}

size_t hal_console_read(uint8_t *buf, size_t max)
{
    size_t n = ringbuf_read(&s_rx, buf, max);
    if (n > 0 && !(UART_IM(UART0_BASE) & UART_INT_RX)) {
        cm_irq_disable(IRQ_UART0);
        UART_IM(UART0_BASE) |= UART_INT_RX | UART_INT_RT;
        cm_irq_enable(IRQ_UART0);
        /* QEMU raises the RX interrupt only on a new byte: look now. */
        NVIC_ISPR_SET(IRQ_UART0);
    }
    return n;
}

size_t hal_console_write(const uint8_t *buf, size_t len)
{
    size_t n = ringbuf_write(&s_tx, buf, len);
    cm_irq_disable(IRQ_UART0);
    console_tx_fill();
    cm_irq_enable(IRQ_UART0);
    return n;
}

void hal_console_flush(void)
{
    /* ~18 ms per 2 KB at 115200 baud; the bound only guards a dead UART. */
    for (uint32_t i = 0; i < 5000000u && (ringbuf_used(&s_tx) || (UART_FR(UART0_BASE) & UART_FR_BUSY)); i++) {
        cm_irq_disable(IRQ_UART0);
        console_tx_fill();
        cm_irq_enable(IRQ_UART0);
    }
}

uint32_t hal_console_rx_overruns(void)
{
    return s_rx_overruns;
}

void board_console_panic_write(const char *s)
{
    uint8_t byte;
    (void)cm_irq_save();
    while (ringbuf_get(&s_tx, &byte)) {
        while (UART_FR(UART0_BASE) & UART_FR_TXFF) {
        }
        UART_DR(UART0_BASE) = byte;
    }
    for (; *s; s++) {
        while (UART_FR(UART0_BASE) & UART_FR_TXFF) {
        }
        UART_DR(UART0_BASE) = (uint8_t)*s;
    }
    while (UART_FR(UART0_BASE) & UART_FR_BUSY) {
    }
}

/* ---------------------------------------------------------------- buttons */

#define X BOARD_BUTTON_ENTRY
const board_button_t board_buttons[] = {BOARD_BUTTONS};
#undef X
const unsigned board_button_count = sizeof board_buttons / sizeof board_buttons[0];
const unsigned board_button_primary = BOARD_BUTTON_PRIMARY;

static void buttons_init(void)
{
    SYSCTL_RCGC2 |= SYSCTL_RCGC2_GPIOE | SYSCTL_RCGC2_GPIOF;
    for (unsigned i = 0; i < board_button_count; i++) {
        uint32_t mask = 1u << board_buttons[i].pin;
        GPIO_DIR(board_buttons[i].port) &= ~mask;
        GPIO_PUR(board_buttons[i].port) |= mask;
        GPIO_DEN(board_buttons[i].port) |= mask;
    }
}

bool board_pin_read(uint32_t port, unsigned pin)
{
    return GPIO_DATA(port, 1u << pin) != 0;
}

/* ---------------------------------------------------------------- LED */

static void led_init(void)
{
    uint32_t mask = 1u << BOARD_LED_STATUS_PIN;
    GPIO_DIR(BOARD_LED_STATUS_PORT) |= mask;
    GPIO_DEN(BOARD_LED_STATUS_PORT) |= mask;
    GPIO_DATA(BOARD_LED_STATUS_PORT, mask) = 0;
}

bool hal_led_present(hal_led_role_t role)
{
    return role == HAL_LED_STATUS;
}

void hal_led_set(hal_led_role_t role, bool on)
{
    if (role == HAL_LED_STATUS) {
        uint32_t mask = 1u << BOARD_LED_STATUS_PIN;
        GPIO_DATA(BOARD_LED_STATUS_PORT, mask) = on ? mask : 0;
    }
}

/* ---------------------------------------------------------------- watchdog */

/*
 * The watchdog interrupts at the first time-out and resets at the second, so
 * the load is half the time-out.  The interrupt leaves the mark QEMU's model
 * needs to report reset=wdt (it has no RESC), then masks itself so a merely
 * slow loop still gets to feed.
 */
void WDT_IRQHandler(void)
{
    cm_reset_mark_set(HAL_RESET_WDT);
    cm_irq_disable(IRQ_WDT);
}

void hal_wdt_start(void)
{
    SYSCTL_RCGC0 |= SYSCTL_RCGC0_WDT;
    WDT_LOCK = WDT_UNLOCK_KEY;
    WDT_LOAD = (BOARD_CORE_HZ / 1000u) * (HAL_WDT_TIMEOUT_MS / 2u);
    WDT_TEST = WDT_TEST_STALL; /* pause while a debugger halts the core */
    WDT_CTL = WDT_CTL_INTEN | WDT_CTL_RESEN;
    WDT_LOCK = 0;
    cm_irq_enable(IRQ_WDT);
}

void hal_wdt_feed(void)
{
    hal_reset_cause_t pending;
    WDT_LOCK = WDT_UNLOCK_KEY;
    WDT_ICR = 1u; /* clears the interrupt and reloads */
    WDT_LOCK = 0;
    if (cm_reset_mark_take(&pending) && pending != HAL_RESET_WDT) {
        cm_reset_mark_set(pending);
    }
    cm_irq_enable(IRQ_WDT);
}

/* ---------------------------------------------------------------- reset cause */

static hal_reset_cause_t s_reset_cause;

static hal_reset_cause_t reset_cause_capture(void)
{
    hal_reset_cause_t cause;
    uint32_t resc = SYSCTL_RESC;
    SYSCTL_RESC = 0;
    if (cm_reset_mark_take(&cause)) {
        return cause; /* our own reset: more precise than RESC (a fault resets by SW) */
    }
    if (resc & SYSCTL_RESC_WDT) {
        return HAL_RESET_WDT;
    }
    if (resc & SYSCTL_RESC_SW) {
        return HAL_RESET_SW;
    }
    if (resc & SYSCTL_RESC_POR) {
        return HAL_RESET_POR;
    }
    if (resc & (SYSCTL_RESC_BOR | SYSCTL_RESC_LDO)) {
        return HAL_RESET_OTHER;
    }
    if (resc & SYSCTL_RESC_EXT) {
        return HAL_RESET_PIN;
    }
    return HAL_RESET_POR; /* QEMU: no cause and no mark means a cold start */
}

hal_reset_cause_t hal_reset_cause(void)
{
    return s_reset_cause;
}

/* ---------------------------------------------------------------- board */

void hal_board_init(void)
{
    s_reset_cause = reset_cause_capture();
    cm_faults_enable();
    clock_init();
    console_init();
    buttons_init();
    led_init();
    /* The tick samples the buttons: it outranks the UART so a console flood
     * cannot delay a press. */
    SCB_SHPR3_SYSTICK = 0x20;
    cm_tick_start(BOARD_CORE_HZ);
}

const char *hal_board_name(void)
{
    return PB_BOARD_NAME;
}
