/*
 * Early start-up and the clock tree: 180 MHz from the ST-LINK's 8 MHz MCO
 * (HSE bypass) through the PLL with the regulator in over-drive, falling back
 * to the internal 16 MHz RC, through the PLL or, failing that, directly.
 * Every wait is bounded, so a board with a missing clock still boots and says
 * so instead of hanging before the console exists.  While the HSE drives the
 * PLL, the clock security system watches it; its NMI (board.c) falls back to
 * the internal RC and reports.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "cortexm.h"
#include "stm32f429.h"

/* Generous: a bypass clock is there at once and a missing one never comes,
 * the PLL locks in about 100 us, the regulator switches in about 100 us. */
#define TIMEOUT_HSE_US    100000u
#define TIMEOUT_PLL_US    10000u
#define TIMEOUT_OD_US     10000u
#define TIMEOUT_SWITCH_US 10000u
#define TIMEOUT_HSI_US    1000u

static board_clock_t s_source = BOARD_CLOCK_HSI;
static uint32_t s_sysclk_hz = BOARD_HSI_HZ;
static uint32_t s_pclk1_hz = BOARD_HSI_HZ;
/* What board_wait converts microseconds with: never below the real clock, or
 * a timeout would end early.  Raised before each switch up, lowered after
 * each switch down. */
static uint32_t s_cycles_per_us = BOARD_HSI_HZ / 1000000u;

static uint32_t cycles_since(uint32_t start)
{
    return DWT_CYCCNT - start; /* modulo 2^32: right across the wrap */
}

void board_early_init(void)
{
    /* We build with -mfloat-abi=hard: the first FP instruction the compiler
     * emits anywhere would be a UsageFault without CP10/CP11. */
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    /* The cycle counter times board_wait before SysTick exists. */
    DEMCR |= DEMCR_TRCENA;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
    __asm__ volatile("dsb\n isb" ::: "memory");
}

bool board_wait(const volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t timeout_us)
{
    /* Good up to about 23 s at 180 MHz; every caller asks for far less. */
    uint32_t budget = timeout_us * s_cycles_per_us;
    uint32_t start = DWT_CYCCNT;
    /* A debugger may clear TRCENA and stop the counter; a pass takes more than
     * one cycle, so also counting passes against the budget never gives up
     * early and still ends. */
    for (uint32_t pass = 0; pass < budget; pass++) {
        if ((*reg & mask) == want) {
            return true;
        }
        if (cycles_since(start) > budget) {
            break;
        }
    }
    return (*reg & mask) == want;
}

/* Back to the reset state: SYSCLK = HSI, no prescalers, over-drive and PLL
 * off.  A debugger can start us with the PLL still running (a jump to
 * Reset_Handler does not reset the RCC), and a failed attempt leaves it
 * half-way; PLLCFGR and VOS may only change with the PLL off. */
static void run_on_hsi(void)
{
    RCC_CR |= RCC_CR_HSION;
    (void)board_wait(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY, TIMEOUT_HSI_US);
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_HSI;
    (void)board_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_HSI, TIMEOUT_SWITCH_US);
    RCC_CFGR &= ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK);
    s_cycles_per_us = BOARD_HSI_HZ / 1000000u;
    s_sysclk_hz = BOARD_HSI_HZ;
    s_pclk1_hz = BOARD_HSI_HZ;
    /* RM0090 5.1.4, leaving over-drive with the system clock off the PLL:
     * first the regulator switches back (ODSWEN), wait until it has (ODSWRDY
     * clears; the system clock stalls meanwhile), only then over-drive off. */
    PWR_CR &= ~PWR_CR_ODSWEN;
    (void)board_wait(&PWR_CSR, PWR_CSR_ODSWRDY, 0, TIMEOUT_OD_US);
    PWR_CR &= ~PWR_CR_ODEN;
    RCC_CR &= ~RCC_CR_PLLON;
    (void)board_wait(&RCC_CR, RCC_CR_PLLRDY, 0, TIMEOUT_PLL_US);
}

static void hse_stop(void)
{
    RCC_CR &= ~RCC_CR_CSSON; /* stopping the HSE on purpose is not a failure */
    RCC_CR &= ~RCC_CR_HSEON;
    (void)board_wait(&RCC_CR, RCC_CR_HSERDY, 0, TIMEOUT_HSE_US);
    RCC_CR &= ~RCC_CR_HSEBYP;
}

static bool hse_start(void)
{
    hse_stop(); /* HSEBYP can only be written with the HSE off */
    RCC_CR |= RCC_CR_HSEBYP;
    RCC_CR |= RCC_CR_HSEON;
    return board_wait(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, TIMEOUT_HSE_US);
}

/* RM0090 5.1.4 "Entering Over-drive mode": PLL on, then ODEN, then ODSWEN,
 * then wait for the lock; 180 MHz needs over-drive, 168 MHz would not. */
static bool pll_start(uint32_t source_and_m)
{
    RCC_PLLCFGR = (RCC_PLLCFGR & ~RCC_PLLCFGR_FIELDS) | source_and_m | RCC_PLLCFGR_PLLN(BOARD_PLL_N) |
                  RCC_PLLCFGR_PLLP(BOARD_PLL_P) | RCC_PLLCFGR_PLLQ(BOARD_PLL_Q);
    RCC_CR |= RCC_CR_PLLON;
    PWR_CR |= PWR_CR_ODEN;
    if (!board_wait(&PWR_CSR, PWR_CSR_ODRDY, PWR_CSR_ODRDY, TIMEOUT_OD_US)) {
        return false;
    }
    PWR_CR |= PWR_CR_ODSWEN;
    if (!board_wait(&PWR_CSR, PWR_CSR_ODSWRDY, PWR_CSR_ODSWRDY, TIMEOUT_OD_US)) {
        return false;
    }
    return board_wait(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, TIMEOUT_PLL_US);
}

static bool switch_to_pll(void)
{
    /* Wait states first: flash must keep up before the clock speeds up.  RM0090
     * asks to read the latency back before relying on it. */
    FLASH_ACR = FLASH_ACR_LATENCY(BOARD_FLASH_WS) | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    if ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_ACR_LATENCY(BOARD_FLASH_WS)) {
        return false;
    }
    /* The APB dividers too, so neither bus is ever over its maximum. */
    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK)) |
               RCC_CFGR_HPRE_DIV1 | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
    s_cycles_per_us = BOARD_SYSCLK_HZ / 1000000u;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    if (!board_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL, TIMEOUT_SWITCH_US)) {
        return false;
    }
    s_sysclk_hz = BOARD_SYSCLK_HZ;
    s_pclk1_hz = BOARD_SYSCLK_HZ / BOARD_PCLK1_DIV;
    return true;
}

board_clock_t board_clock_init(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    /* A clock enable takes two cycles to reach the peripheral (ES0206, "Delay
     * after an RCC peripheral clock enabling"): the read-back covers them. */
    (void)RCC_APB1ENR;
    run_on_hsi();
    PWR_CR = (PWR_CR & ~PWR_CR_VOS_MASK) | PWR_CR_VOS_SCALE1;

    if (hse_start() && pll_start(RCC_PLLCFGR_PLLSRC_HSE | RCC_PLLCFGR_PLLM(BOARD_PLL_M_HSE)) &&
        switch_to_pll()) {
        /* The clock security system watches the HSE from now on: if the
         * ST-LINK stops driving it (re-enumerated, reflashed, unplugged from
         * a board powered elsewhere), the hardware switches to the HSI at
         * once and raises NMI (board_clock_hse_lost). */
        RCC_CR |= RCC_CR_CSSON;
        s_source = BOARD_CLOCK_HSE_PLL;
        return s_source;
    }
    /* No MCO on PH0: its solder bridge opened, or an ST-LINK that does not drive it. */
    return board_clock_hse_lost();
}

board_clock_t board_clock_hse_lost(void)
{
    run_on_hsi();
    hse_stop();
    if (pll_start(RCC_PLLCFGR_PLLM(BOARD_PLL_M_HSI)) && switch_to_pll()) {
        s_source = BOARD_CLOCK_HSI_PLL;
        return s_source;
    }
    run_on_hsi();
    s_source = BOARD_CLOCK_HSI;
    return s_source;
}

board_clock_t board_clock_source(void)
{
    return s_source;
}

const char *board_clock_source_name(void)
{
    static const char *const names[] = {"hse-pll", "hsi-pll", "hsi"};
    return names[s_source];
}

uint32_t board_sysclk_hz(void)
{
    return s_sysclk_hz;
}

uint32_t board_pclk1_hz(void)
{
    return s_pclk1_hz;
}
