/* LM3S6965 registers used by this board, named as in the TI datasheet
 * (DS-LM3S6965). */
#ifndef LM3S6965_H
#define LM3S6965_H

#include "cortexm.h"

/* System control */
#define SYSCTL_BASE   0x400FE000u
#define SYSCTL_RIS    REG32(SYSCTL_BASE + 0x050u)
#define SYSCTL_RESC   REG32(SYSCTL_BASE + 0x05Cu)
#define SYSCTL_RCC    REG32(SYSCTL_BASE + 0x060u)
#define SYSCTL_RCGC0  REG32(SYSCTL_BASE + 0x100u)
#define SYSCTL_RCGC1  REG32(SYSCTL_BASE + 0x104u)
#define SYSCTL_RCGC2  REG32(SYSCTL_BASE + 0x108u)

#define SYSCTL_RIS_PLLLRIS   (1u << 6)
#define SYSCTL_RCC_XTAL_M    (0xFu << 6)
#define SYSCTL_RCC_XTAL_8MHZ (0xEu << 6)
#define SYSCTL_RCC_OSCSRC_M  (0x3u << 4)
#define SYSCTL_RCC_BYPASS    (1u << 11)
#define SYSCTL_RCC_PWRDN     (1u << 13)
#define SYSCTL_RCC_USESYSDIV (1u << 22)
#define SYSCTL_RCC_SYSDIV_M  (0xFu << 23)
#define SYSCTL_RCC_SYSDIV(d) (((uint32_t)(d) - 1u) << 23) /* divides the 200 MHz PLL/2 */

#define SYSCTL_RESC_EXT (1u << 0)
#define SYSCTL_RESC_POR (1u << 1)
#define SYSCTL_RESC_BOR (1u << 2)
#define SYSCTL_RESC_WDT (1u << 3)
#define SYSCTL_RESC_SW  (1u << 4)
#define SYSCTL_RESC_LDO (1u << 5)

#define SYSCTL_RCGC0_WDT   (1u << 3)
#define SYSCTL_RCGC1_UART0 (1u << 0)
#define SYSCTL_RCGC2_GPIOA (1u << 0)
#define SYSCTL_RCGC2_GPIOE (1u << 4)
#define SYSCTL_RCGC2_GPIOF (1u << 5)

/* GPIO ports (APB aperture) */
#define GPIOA_BASE 0x40004000u
#define GPIOE_BASE 0x40024000u
#define GPIOF_BASE 0x40025000u
/* GPIODATA is masked by address bits [9:2]: this reads or writes only `pins`. */
#define GPIO_DATA(base, pins) REG32((base) + ((uint32_t)(pins) << 2))
#define GPIO_DIR(base)   REG32((base) + 0x400u)
#define GPIO_AFSEL(base) REG32((base) + 0x420u)
#define GPIO_PUR(base)   REG32((base) + 0x510u)
#define GPIO_DEN(base)   REG32((base) + 0x51Cu)

/* UART0 */
#define UART0_BASE 0x4000C000u
#define UART_DR(b)   REG32((b) + 0x000u)
#define UART_FR(b)   REG32((b) + 0x018u)
#define UART_IBRD(b) REG32((b) + 0x024u)
#define UART_FBRD(b) REG32((b) + 0x028u)
#define UART_LCRH(b) REG32((b) + 0x02Cu)
#define UART_CTL(b)  REG32((b) + 0x030u)
#define UART_IFLS(b) REG32((b) + 0x034u)
#define UART_IM(b)   REG32((b) + 0x038u)
#define UART_MIS(b)  REG32((b) + 0x040u)
#define UART_ICR(b)  REG32((b) + 0x044u)

#define UART_DR_OE     (1u << 11)
#define UART_FR_BUSY   (1u << 3)
#define UART_FR_RXFE   (1u << 4)
#define UART_FR_TXFF   (1u << 5)
#define UART_LCRH_FEN  (1u << 4)
#define UART_LCRH_WLEN8 (3u << 5)
#define UART_CTL_UARTEN (1u << 0)
#define UART_CTL_TXE   (1u << 8)
#define UART_CTL_RXE   (1u << 9)
#define UART_INT_RX    (1u << 4)
#define UART_INT_TX    (1u << 5)
#define UART_INT_RT    (1u << 6)
#define UART_INT_OE    (1u << 10)

/* Watchdog 0 */
#define WDT_BASE  0x40000000u
#define WDT_LOAD  REG32(WDT_BASE + 0x000u)
#define WDT_CTL   REG32(WDT_BASE + 0x008u)
#define WDT_ICR   REG32(WDT_BASE + 0x00Cu)
#define WDT_TEST  REG32(WDT_BASE + 0x418u)
#define WDT_LOCK  REG32(WDT_BASE + 0xC00u)
#define WDT_CTL_INTEN (1u << 0)
#define WDT_CTL_RESEN (1u << 1)
#define WDT_TEST_STALL (1u << 8)
#define WDT_UNLOCK_KEY 0x1ACCE551u

/* Ethernet controller (MAC and its internal PHY) */
#define ETH_BASE     0x40048000u
#define MAC_RIS      REG32(ETH_BASE + 0x000u) /* read: raw status; write: MACIACK */
#define MAC_IACK     REG32(ETH_BASE + 0x000u)
#define MAC_IM       REG32(ETH_BASE + 0x004u)
#define MAC_RCTL     REG32(ETH_BASE + 0x008u)
#define MAC_TCTL     REG32(ETH_BASE + 0x00Cu)
#define MAC_DATA     REG32(ETH_BASE + 0x010u)
#define MAC_IA0      REG32(ETH_BASE + 0x014u)
#define MAC_IA1      REG32(ETH_BASE + 0x018u)
#define MAC_THR      REG32(ETH_BASE + 0x01Cu)
#define MAC_MCTL     REG32(ETH_BASE + 0x020u)
#define MAC_MDV      REG32(ETH_BASE + 0x024u)
#define MAC_MTXD     REG32(ETH_BASE + 0x02Cu)
#define MAC_MRXD     REG32(ETH_BASE + 0x030u)
#define MAC_NP       REG32(ETH_BASE + 0x034u)
#define MAC_TR       REG32(ETH_BASE + 0x038u)

#define MAC_INT_RX    (1u << 0)
#define MAC_INT_TXER  (1u << 1)
#define MAC_INT_TXEMP (1u << 2)
#define MAC_INT_FOV   (1u << 3)
#define MAC_INT_RXER  (1u << 4)
#define MAC_RCTL_RXEN    (1u << 0)
#define MAC_RCTL_AMUL    (1u << 1)
#define MAC_RCTL_BADCRC  (1u << 3)
#define MAC_RCTL_RSTFIFO (1u << 4)
#define MAC_TCTL_TXEN    (1u << 0)
#define MAC_TCTL_PADEN   (1u << 1)
#define MAC_TCTL_CRC     (1u << 2)
#define MAC_TCTL_DUPLEX  (1u << 4)
#define MAC_MCTL_START   (1u << 0)
#define MAC_MCTL_WRITE   (1u << 1)
#define MAC_MCTL_REGADR(r) ((uint32_t)(r) << 3)
#define MAC_TR_NEWTX     (1u << 0)

/* Internal PHY registers (IEEE 802.3 clause 22) */
#define PHY_MR0_BMCR   0u
#define PHY_MR1_BMSR   1u
#define PHY_MR2_ID1    2u
#define PHY_MR3_ID2    3u
#define PHY_BMSR_LINK  (1u << 2)

#define SYSCTL_RCGC2_EMAC0 (1u << 28)
#define SYSCTL_RCGC2_EPHY0 (1u << 30)
/* The factory MAC address lives in the flash user registers. */
#define FLASH_USERREG0 REG32(0x400FE1E0u)
#define FLASH_USERREG1 REG32(0x400FE1E4u)

/* Interrupt numbers */
#define IRQ_UART0 5u
#define IRQ_WDT   18u
#define IRQ_ETH   42u
#define IRQ_COUNT 48u

#endif
