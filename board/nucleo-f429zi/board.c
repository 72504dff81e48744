/*
 * ST NUCLEO-F429ZI: pins, the user button, the three LEDs, the independent
 * watchdog, reset cause and the order things start in.  Clocks are in
 * clock.c, the console in uart.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "board_buttons.h"
#include "cortexm.h"
#include "hal.h"
#include "stm32f429.h"

/* ---------------------------------------------------------------- pins */

static void pin_mode(uint32_t port, unsigned pin, uint32_t mode, uint32_t pupd)
{
    uint32_t shift = 2u * pin;
    GPIO_PUPDR(port) = (GPIO_PUPDR(port) & ~(0x3u << shift)) | (pupd << shift);
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(0x3u << shift)) | (mode << shift);
}

static void pin_speed(uint32_t port, unsigned pin, uint32_t speed)
{
    uint32_t shift = 2u * pin;
    GPIO_OSPEEDR(port) = (GPIO_OSPEEDR(port) & ~(0x3u << shift)) | (speed << shift);
}

static void pin_af(uint32_t port, unsigned pin, uint32_t af)
{
    uint32_t shift = 4u * (pin & 7u);
    GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << shift)) | (af << shift);
}

/* ---------------------------------------------------------------- buttons */

#define X BOARD_BUTTON_ENTRY
const board_button_t board_buttons[] = {BOARD_BUTTONS};
#undef X
const unsigned board_button_count = sizeof board_buttons / sizeof board_buttons[0];
const unsigned board_button_primary = BOARD_BUTTON_PRIMARY;

bool board_pin_read(uint32_t port, unsigned pin)
{
    return (GPIO_IDR(port) & (1u << pin)) != 0;
}

/* ---------------------------------------------------------------- LEDs */

typedef struct {
    uint32_t port; /* 0: no LED for this role */
    uint8_t pin;
} port_pin_t;

#define X(role, port, pin) [role] = {port, pin},
static const port_pin_t s_leds[HAL_LED_ROLES] = {BOARD_LEDS};
#undef X

#define X(port, pin) {port, pin},
static const port_pin_t s_eth_pins[] = {BOARD_ETH_RMII_PINS};
#undef X

bool hal_led_present(hal_led_role_t role)
{
    return (unsigned)role < HAL_LED_ROLES && s_leds[role].port != 0;
}

void hal_led_set(hal_led_role_t role, bool on)
{
    if (hal_led_present(role)) {
        /* BSRR sets (low half) or resets (high half) one pin atomically, so no
         * lock is needed against anyone else driving the port. */
        uint32_t bit = 1u << s_leds[role].pin;
        GPIO_BSRR(s_leds[role].port) = on ? bit : bit << 16;
    }
}

static void pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOBEN | RCC_AHB1ENR_GPIOCEN |
                   RCC_AHB1ENR_GPIODEN | RCC_AHB1ENR_GPIOGEN;
    (void)RCC_AHB1ENR; /* two cycles before the ports see their clocks */

    /* B1 has its own pull-down on the board: no internal pull. */
    for (unsigned i = 0; i < board_button_count; i++) {
        pin_mode(board_buttons[i].port, board_buttons[i].pin, GPIO_MODE_INPUT, GPIO_PUPD_NONE);
    }
    for (unsigned role = 0; role < HAL_LED_ROLES; role++) {
        const port_pin_t *led = &s_leds[role];
        if (led->port != 0) {
            /* Off before it becomes an output, so it never flashes at boot. */
            GPIO_BSRR(led->port) = (1u << led->pin) << 16;
            GPIO_OTYPER(led->port) &= ~(1u << led->pin);
            pin_speed(led->port, led->pin, GPIO_SPEED_LOW);
            pin_mode(led->port, led->pin, GPIO_MODE_OUTPUT, GPIO_PUPD_NONE);
        }
    }

    /* Console: AF7 before the mode switch so the pin never drives GPIO output.
     * RX keeps a pull-up so an unplugged ST-LINK reads as an idle line. */
    pin_af(BOARD_CONSOLE_PORT, BOARD_CONSOLE_TX_PIN, GPIO_AF7);
    pin_af(BOARD_CONSOLE_PORT, BOARD_CONSOLE_RX_PIN, GPIO_AF7);
    GPIO_OTYPER(BOARD_CONSOLE_PORT) &= ~(1u << BOARD_CONSOLE_TX_PIN);
    pin_speed(BOARD_CONSOLE_PORT, BOARD_CONSOLE_TX_PIN, GPIO_SPEED_MEDIUM);
    pin_mode(BOARD_CONSOLE_PORT, BOARD_CONSOLE_TX_PIN, GPIO_MODE_AF, GPIO_PUPD_NONE);
    pin_mode(BOARD_CONSOLE_PORT, BOARD_CONSOLE_RX_PIN, GPIO_MODE_AF, GPIO_PUPD_UP);

    /* RMII and MDIO: handed to the MAC now, harmless while its clock is off
     * (eth.c starts it).  MDIO has its pull-up on the board. */
    for (unsigned i = 0; i < sizeof s_eth_pins / sizeof s_eth_pins[0]; i++) {
        const port_pin_t *p = &s_eth_pins[i];
        pin_af(p->port, p->pin, GPIO_AF11);
        GPIO_OTYPER(p->port) &= ~(1u << p->pin);
        pin_speed(p->port, p->pin, GPIO_SPEED_VERY_HIGH);
        pin_mode(p->port, p->pin, GPIO_MODE_AF, GPIO_PUPD_NONE);
    }
}

/* ---------------------------------------------------------------- watchdog */

/*
 * The IWDG counts the LSI, nominally 32 kHz but 17..47 kHz across parts and
 * temperature (datasheet), so the nominal 5 s is 3.4..9.4 s on a given chip.
 * /64 gives 2 ms steps and a reload of 2500, within the 12-bit counter.
 */
#define LSI_NOMINAL_HZ 32000u
#define WDT_DIVIDER    64u
#define WDT_RELOAD     (HAL_WDT_TIMEOUT_MS * (LSI_NOMINAL_HZ / WDT_DIVIDER) / 1000u)
_Static_assert(WDT_RELOAD <= IWDG_RLR_MAX, "watchdog reload does not fit the 12-bit counter");

void hal_wdt_start(void)
{
    /* Stop the count while a debugger halts the core, so `make debug`
     * breakpoints do not end in a reset. */
    DBGMCU_APB1_FZ |= DBGMCU_APB1_FZ_DBG_IWDG_STOP;
    IWDG_KR = IWDG_KR_START; /* also forces the LSI on */
    IWDG_KR = IWDG_KR_UNLOCK;
    IWDG_PR = IWDG_PR_DIV64;
    IWDG_RLR = WDT_RELOAD;
    /* The values cross into the LSI domain in a few LSI periods; reloading
     * before that would still use the reset values (about 0.5 s). */
    (void)board_wait(&IWDG_SR, IWDG_SR_PVU | IWDG_SR_RVU, 0, 10000u);
    IWDG_KR = IWDG_KR_RELOAD;
}

void hal_wdt_feed(void)
{
    IWDG_KR = IWDG_KR_RELOAD;
}

/* ---------------------------------------------------------------- reset cause */

static hal_reset_cause_t s_reset_cause;

/*
 * RCC_CSR keeps its flags until RMVF, and a power-on clears all but POR, BOR
 * and PIN; cleared at every boot, they describe the last reset alone.  The
 * reset pin's flag is set by every reset (the chip drives NRST itself), so it
 * is the cause only when nothing else is.  A brown-out alone (BORRSTF without
 * PORRSTF) is reported as "other".
 */
static hal_reset_cause_t reset_cause_capture(void)
{
    hal_reset_cause_t mark;
    int marked = cm_reset_mark_take(&mark);
    uint32_t csr = RCC_CSR;
    RCC_CSR |= RCC_CSR_RMVF;

    if (marked) {
        return mark; /* our own reset: more precise than SFTRSTF (a fault resets by software too) */
    }
    if (csr & (RCC_CSR_IWDGRSTF | RCC_CSR_WWDGRSTF)) {
        return HAL_RESET_WDT;
    }
    if (csr & RCC_CSR_SFTRSTF) {
        return HAL_RESET_SW; /* a debugger's reset, or a reset whose mark was lost */
    }
    if (csr & RCC_CSR_LPWRRSTF) {
        return HAL_RESET_OTHER;
    }
    if (csr & RCC_CSR_PORRSTF) {
        return HAL_RESET_POR;
    }
    if (csr & RCC_CSR_BORRSTF) {
        return HAL_RESET_OTHER;
    }
    if (csr & RCC_CSR_PINRSTF) {
        return HAL_RESET_PIN;
    }
    return HAL_RESET_POR;
}

hal_reset_cause_t hal_reset_cause(void)
{
    return s_reset_cause;
}

/* ---------------------------------------------------------------- NMI */

/*
 * The clock security system's NMI (clock.c arms it while the ST-LINK's HSE
 * drives the PLL).  By the time it is taken the hardware has moved the system
 * clock to the 16 MHz HSI and stopped the PLL, but left the bus dividers set
 * for 180 MHz: the console would run at about a eleventh of its baud rate and
 * the tick eleven times slow.  The handler clears CSSF (until it is cleared
 * the NMI is taken again and again), brings the PLL back up from the HSI
 * (180 MHz, every derived clock as before, so the polled console write is
 * readable), then reports it like a fault and resets:
 *
 *   EVT fault pc=0x... lr=0x... cfsr=0x00000000 hfsr=0x00000000 clock=hse-lost
 *
 * (pc and lr: where the code was when the clock failed).  The next boot finds
 * no HSE and runs from the HSI through the PLL, or from the HSE again if it
 * came back: `EVT boot ... reset=fault`.  Any other NMI is reported as a fault.
 */
void board_nmi(uint32_t *frame);

__attribute__((used)) /* reached only from CM_FAULT_ENTRY's assembly, which LTO does not read */
void board_nmi(uint32_t *frame)
{
    if (RCC_CIR & RCC_CIR_CSSF) {
        RCC_CIR |= RCC_CIR_CSSC;
        (void)board_clock_hse_lost();
        cm_fault_report_reset(frame, "clock=hse-lost");
    }
    cm_fault_report(frame);
}

__attribute__((naked)) void NMI_Handler(void)
{
    CM_FAULT_ENTRY(board_nmi);
}

/* ---------------------------------------------------------------- idle */

/*
 * ES0206 "Debugging Sleep/Stop mode with WFE/WFI entry": while DBGMCU_CR's
 * DBG_SLEEP is set, the instructions fetched right after a WFI can be wrong
 * when the core wakes, and the errata's workaround is to follow the WFI with
 * NOPs.  OpenOCD's stm32f4x.cfg sets DBG_SLEEP on every connect, `make flash`
 * included, and it stays set until a power cycle, so a board flashed and left
 * running meets it.  Here the WFI also opens an aligned 16-byte flash line
 * that holds nothing but NOPs and the return: whatever the prefetch fetched
 * around the WFI when it stopped is harmless.  (Others report a WFI at an
 * address ending in 4 as the trigger; this one never is.)  hal_board_init
 * also clears DBGMCU_CR when no debugger is attached.
 */
__attribute__((naked, noinline, aligned(16))) static void wfi_line(void)
{
    __asm__ volatile(
        "wfi\n"
        "nop\n"
        "nop\n"
        "nop\n"
        "bx lr\n"
        "nop\n"
        "nop\n"
        "nop\n");
}

void hal_idle(void)
{
    /* An interrupt that lands between the superloop's last look at its work
     * and this WFI is served at once; its work waits for the next tick at most. */
    __asm__ volatile("dsb" ::: "memory");
    wfi_line();
}

/* ---------------------------------------------------------------- board */

void hal_board_init(void)
{
    s_reset_cause = reset_cause_capture();
    /* A debugger sets DBGMCU_CR (sleep, stop and standby kept debuggable) and
     * it survives every reset but a power cycle; with none attached
     * (DHCSR.C_DEBUGEN clear), nobody needs it. */
    if (!(DHCSR & DHCSR_C_DEBUGEN)) {
        DBGMCU_CR = 0;
    }
    cm_faults_enable();
    (void)board_clock_init();
    pins_init();
    board_console_init();
    SCB_SHPR3_SYSTICK = BOARD_PRIO_SYSTICK;
    cm_tick_start(board_sysclk_hz());
}

const char *hal_board_name(void)
{
    return PB_BOARD_NAME;
}
