/*
 * Entropy from the STM32F429's random number generator (RM0090 section 24):
 * analog ring oscillators seed an LFSR, and a 32-bit sample is ready every
 * 40 periods of its clock.
 *
 * Clock: the RNG runs on PLL48CLK, the main PLL's Q output.  RM0090 asks for
 * at most 48 MHz there (the 48 MHz exactly is USB's need, not the RNG's), and
 * the clock checker flags CECS when it is below HCLK/16.  clock.c sets
 * VCO 360 MHz / Q 8 = 45 MHz against HCLK 180 MHz (floor 11.25 MHz), a sample
 * every 0.9 us; the asserts below keep it so.  On the HSI fallback without
 * the PLL there is no RNG clock at all and the source is absent.
 *
 * Health tests, in software where the hardware has none:
 *  - the hardware flags seed errors (SECS: more than 64 equal bits or 32
 *    alternations in the seed) and clock errors (CECS); a sample is used only
 *    with neither flag current nor seen (SEIS/CEIS), and after either the RNG
 *    is restarted (RM0090 24.3.2: clear SEIS, then clear and set RNGEN);
 *  - RM0090 24.3.1, after FIPS PUB 140-2: the first sample after enabling is
 *    not used but kept for comparison, and every later sample must differ from
 *    the one before (the continuous random number generator test).  The RNG
 *    does not do this itself; sample() and next_word() below do.
 * A word that fails either test is dropped and the RNG restarted; a bounded
 * number of failures in a row fails the read.  Every wait is bounded.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cortexm.h"
#include "hal_entropy.h"
#include "stm32f429.h"

#define RNG_CLK_HZ (BOARD_HSE_HZ / BOARD_PLL_M_HSE * BOARD_PLL_N / BOARD_PLL_Q)
_Static_assert(BOARD_HSE_HZ / BOARD_PLL_M_HSE == BOARD_HSI_HZ / BOARD_PLL_M_HSI,
               "both PLL sources must give the RNG the same clock");
_Static_assert(RNG_CLK_HZ <= 48000000u, "RM0090: PLL48CLK must not exceed 48 MHz for the RNG");
_Static_assert(RNG_CLK_HZ > BOARD_SYSCLK_HZ / 16u, "RM0090: the RNG clock must exceed HCLK/16 (CECS)");

/* A sample takes 40 RNG clocks (0.9 us at 45 MHz), the first after enabling
 * a few more: a hundred times that before calling the RNG stuck. */
#define SAMPLE_TIMEOUT_US 100u
/* Restarts of the RNG one word may take before the read fails: a seed error
 * or a repeated sample on a healthy chip is rare; on a broken one it recurs. */
#define ATTEMPTS 3u
/* Words checked by the start-up self-test after the first, discarded one. */
#define STARTUP_WORDS 4u

#define RNG_SR_ERRORS (RNG_SR_CECS | RNG_SR_SECS | RNG_SR_CEIS | RNG_SR_SEIS)

static bool s_tried;
static bool s_present;
static int s_status = HAL_ENTROPY_ERR_ABSENT;
/* s_last holds the previous sample since the RNG was last enabled. */
static bool s_primed;
static uint32_t s_last;

/* One sample, or false after a timeout or with a seed or clock error. */
static bool sample(uint32_t *out)
{
    bool ready = board_wait(&RNG_SR, RNG_SR_DRDY, RNG_SR_DRDY, SAMPLE_TIMEOUT_US);
    if (!ready || (RNG_SR & RNG_SR_ERRORS) != 0) {
        return false;
    }
    uint32_t v = RNG_DR;
    /* An error raised between the check and the read spoils it as well. */
    if ((RNG_SR & RNG_SR_ERRORS) != 0) {
        return false;
    }
    *out = v;
    return true;
}

/* Restarts the RNG and keeps its first sample for the continuous test, in
 * RM0090's order for a seed error (24.3.2): clear SEIS first, then clear and
 * set RNGEN, which reseeds.  A clock error that persists (CECS) stops the
 * RNG, so the first sample never comes and this fails. */
static bool restart(void)
{
    RNG_SR = 0u; /* clears SEIS and CEIS (rc_w0); the other bits are read-only */
    RNG_CR &= ~RNG_CR_RNGEN;
    RNG_CR |= RNG_CR_RNGEN;
    s_primed = sample(&s_last);
    return s_primed;
}

/* The next word that passed every test, restarting the RNG after a failure,
 * at most ATTEMPTS times. */
static bool next_word(uint32_t *out)
{
    for (unsigned attempt = 0; attempt < ATTEMPTS; attempt++) {
        uint32_t v;
        if ((s_primed || restart()) && sample(&v) && v != s_last) {
            s_last = v;
            *out = v;
            return true;
        }
        s_primed = false; /* a timeout, an error or a repeat: start afresh */
    }
    return false;
}

int hal_entropy_init(void)
{
    if (s_tried) {
        return s_status;
    }
    s_tried = true;
    if (board_clock_source() == BOARD_CLOCK_HSI) {
        return s_status; /* no PLL, no PLL48CLK: HAL_ENTROPY_ERR_ABSENT */
    }
    s_present = true;
    RCC_AHB2ENR |= RCC_AHB2ENR_RNGEN;
    (void)RCC_AHB2ENR; /* two cycles before the RNG sees its clock */
    RNG_CR &= ~RNG_CR_IE; /* polled */
    s_status = HAL_ENTROPY_OK;
    for (unsigned i = 0; i < STARTUP_WORDS; i++) {
        uint32_t w;
        if (!next_word(&w)) {
            s_status = HAL_ENTROPY_ERR_FAILED;
            RNG_CR &= ~RNG_CR_RNGEN;
            break;
        }
    }
    return s_status;
}

int hal_entropy_read(void *buf, size_t len)
{
    if (s_status != HAL_ENTROPY_OK) {
        return s_status;
    }
    uint8_t *out = buf;
    for (size_t done = 0; done < len;) {
        uint32_t w;
        if (!next_word(&w)) {
            return HAL_ENTROPY_ERR_FAILED;
        }
        size_t n = len - done < sizeof w ? len - done : sizeof w;
        memcpy(out + done, &w, n); /* the rest of a last word is dropped, never reused */
        done += n;
    }
    return HAL_ENTROPY_OK;
}

