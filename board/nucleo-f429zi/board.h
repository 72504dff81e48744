/*
 * ST NUCLEO-F429ZI: roles to pins, polarity and clocks (UM1974 for the board,
 * RM0090 for the chip).  The data comes first; the few functions this folder's
 * files share with each other follow.  Portable code never includes this.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stdint.h>

/* ---- clocks ---- */

/* HSE in bypass: the ST-LINK's MCO drives PH0 with 8 MHz through a solder
 * bridge fitted at the factory (UM1974, "HSE clock").  Both PLL inputs are
 * brought to 2 MHz, the VCO input ST recommends for the least jitter, so N, P
 * and Q are the same for either. */
#define BOARD_HSE_HZ    8000000u
#define BOARD_HSI_HZ    16000000u
#define BOARD_PLL_M_HSE 4u
#define BOARD_PLL_M_HSI 8u
#define BOARD_PLL_N     180u /* VCO 360 MHz */
#define BOARD_PLL_P     2u   /* SYSCLK 180 MHz */
#define BOARD_PLL_Q     8u   /* 45 MHz: no USB, so no 48 MHz needed */
#define BOARD_SYSCLK_HZ 180000000u
#define BOARD_PCLK1_DIV 4u   /* APB1 45 MHz, its maximum */
#define BOARD_PCLK2_DIV 2u   /* APB2 90 MHz, its maximum */
#define BOARD_FLASH_WS  5u   /* 150 < HCLK <= 180 MHz at 2.7-3.6 V */

/* ---- console: USART3 on PD8 (TX) / PD9 (RX), the ST-LINK virtual COM port ---- */
#define BOARD_CONSOLE_BAUD    115200u
#define BOARD_CONSOLE_RX_SIZE 1024u /* >= HAL_CONSOLE_RX_MIN, a power of two */
#define BOARD_CONSOLE_TX_SIZE 2048u /* a power of two */
#define BOARD_CONSOLE_PORT    GPIOD_BASE
#define BOARD_CONSOLE_TX_PIN  8u
#define BOARD_CONSOLE_RX_PIN  9u

/* ---- buttons: B1 "user" on PC13, active high (external pull-down on the
 * board).  Index order is the order `status` and events list them. ---- */
#define BOARD_BUTTONS \
    X(user, GPIOC_BASE, 13u, false)
#define BOARD_BUTTON_PRIMARY 0u

/* ---- LEDs by role, all active high, push-pull ---- */
#define BOARD_LEDS                                \
    X(HAL_LED_STATUS, GPIOB_BASE, 0u)  /* LD1 green */ \
    X(HAL_LED_BUSY,   GPIOB_BASE, 7u)  /* LD2 blue */  \
    X(HAL_LED_ERROR,  GPIOB_BASE, 14u) /* LD3 red */

/* ---- Ethernet: RMII to the LAN8742A (UM1974 "Ethernet"), all AF11 at very
 * high speed since REF_CLK runs at 50 MHz.  The PHY makes REF_CLK from its own
 * 25 MHz oscillator, so without the PHY the MAC has no clock at all. ---- */
#define BOARD_ETH_RMII_PINS                             \
    X(GPIOA_BASE, 1u)  /* RMII_REF_CLK, from the PHY */ \
    X(GPIOA_BASE, 2u)  /* MDIO */                       \
    X(GPIOA_BASE, 7u)  /* RMII_CRS_DV */                \
    X(GPIOB_BASE, 13u) /* RMII_TXD1 */                  \
    X(GPIOC_BASE, 1u)  /* MDC */                        \
    X(GPIOC_BASE, 4u)  /* RMII_RXD0 */                  \
    X(GPIOC_BASE, 5u)  /* RMII_RXD1 */                  \
    X(GPIOG_BASE, 11u) /* RMII_TX_EN */                 \
    X(GPIOG_BASE, 13u) /* RMII_TXD0 */
#define BOARD_ETH_PHY_ADDR 0u /* the LAN8742A's PHYAD strap */
/* Frame buffers, one whole frame each (eth.c): 4 receive so a burst of small
 * frames (ARP, TCP ACKs) survives one slow superloop pass, 3 transmit so a
 * TCP window of a few segments is in flight before tx_begin says busy. */
#define BOARD_ETH_RX_BUFS 4u
#define BOARD_ETH_TX_BUFS 3u

/* ---- non-volatile memory (nvm.c): sectors of flash bank 2, the regions named
 * in linker/stm32f429zi.ld ---- */
/* F_SIZE of the F429ZI.  Only a 2 MB part has bank 2 at 0x08100000 whatever
 * its option bytes (a 1 MB part with DB1M puts it at 0x08080000). */
#define BOARD_FLASH_KB 2048u
/* The board powers the chip at 3.3 V (UM1974), within the 2.7-3.6 V where
 * RM0090 allows x32 parallelism for erase and word programming.  Worst cases
 * from the datasheet (DS9405, "Flash memory programming") at x32; nvm.c waits
 * twice as long before it calls the medium failed. */
#define BOARD_NVM_PROGRAM_MAX_US 100u  /* one byte or word, 16 us typical */
#define BOARD_NVM_ERASE_16K_MAX_MS 500u   /* 250 ms typical */
#define BOARD_NVM_ERASE_64K_MAX_MS 1100u  /* 550 ms typical */
#define BOARD_NVM_ERASE_128K_MAX_MS 2000u /* 1 s typical */

/* ---- interrupt priorities (4 bits on this chip: 0x00, 0x10 ... 0xF0) ---- */
/* The tick samples the buttons: it outranks the UART so a console flood
 * cannot delay a press.  The Ethernet interrupt only wakes the superloop, so
 * it comes last. */
#define BOARD_PRIO_SYSTICK 0x20u
#define BOARD_PRIO_CONSOLE 0x40u
#define BOARD_PRIO_ETH     0x60u

/* ---- shared between this folder's files ---- */

typedef enum {
    BOARD_CLOCK_HSE_PLL = 0, /* 180 MHz from the ST-LINK's 8 MHz: the normal case */
    BOARD_CLOCK_HSI_PLL,     /* 180 MHz from the internal RC: no MCO on PH0 */
    BOARD_CLOCK_HSI          /* 16 MHz internal RC: the PLL or over-drive failed */
} board_clock_t;

/* Sets up the clock tree (falling back as board_clock_t lists) and returns
 * what it achieved.  The frequencies below follow the outcome. */
board_clock_t board_clock_init(void);
/* The HSE is gone (none at start-up, or the clock security system saw it
 * fail): the same PLL settings from the internal RC (the same frequencies
 * everywhere), else the bare RC.  Usable from the NMI handler. */
board_clock_t board_clock_hse_lost(void);
board_clock_t board_clock_source(void);
/* "hse-pll", "hsi-pll" or "hsi", for a `status` line once the hal carries
 * board-specific facts. */
const char *board_clock_source_name(void);
uint32_t board_sysclk_hz(void);
uint32_t board_pclk1_hz(void);

/* Waits until (*reg & mask) == want, for at least timeout_us; returns whether
 * it got there.  Works before the tick runs and with interrupts masked. */
bool board_wait(const volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t timeout_us);

/* USART3 and its interrupt; its pins are set up by board.c beforehand. */
void board_console_init(void);

#endif
