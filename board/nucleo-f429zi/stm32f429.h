/*
 * STM32F429ZI registers used by this board, named as in the reference manual
 * (RM0090) so each line can be checked against it: <PERIPH>_<REG> for a
 * register, <PERIPH>_<REG>_<FIELD> for its bits.  Only what the board uses.
 */
#ifndef STM32F429_H
#define STM32F429_H

#include "cortexm.h"

/* ---- Core debug and trace (ARMv7-M ARM, not in cortexm.h yet) ---- */
#define DEMCR        REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL     REG32(0xE0001000u)
#define DWT_CYCCNT   REG32(0xE0001004u)
#define DWT_CTRL_CYCCNTENA (1u << 0)

#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/* ---- RCC (RM0090 section 6.3) ---- */
#define RCC_BASE     0x40023800u
#define RCC_CR       REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR  REG32(RCC_BASE + 0x04u)
#define RCC_CFGR     REG32(RCC_BASE + 0x08u)
#define RCC_CIR      REG32(RCC_BASE + 0x0Cu)
#define RCC_AHB1RSTR REG32(RCC_BASE + 0x10u)
#define RCC_AHB1ENR  REG32(RCC_BASE + 0x30u)
#define RCC_AHB2ENR  REG32(RCC_BASE + 0x34u)
#define RCC_APB1ENR  REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR  REG32(RCC_BASE + 0x44u)
#define RCC_CSR      REG32(RCC_BASE + 0x74u)

#define RCC_CR_HSION   (1u << 0)
#define RCC_CR_HSIRDY  (1u << 1)
#define RCC_CR_HSEON   (1u << 16)
#define RCC_CR_HSERDY  (1u << 17)
#define RCC_CR_HSEBYP  (1u << 18)
#define RCC_CR_CSSON   (1u << 19) /* clock security system: HSE failure -> HSI and NMI */
#define RCC_CR_PLLON   (1u << 24)
#define RCC_CR_PLLRDY  (1u << 25)

#define RCC_PLLCFGR_PLLM(m)  ((uint32_t)(m) << 0)       /* 2..63 */
#define RCC_PLLCFGR_PLLN(n)  ((uint32_t)(n) << 6)       /* 50..432 */
#define RCC_PLLCFGR_PLLP(p)  ((((uint32_t)(p) / 2u) - 1u) << 16) /* 2,4,6,8 */
#define RCC_PLLCFGR_PLLSRC_HSE (1u << 22)
#define RCC_PLLCFGR_PLLQ(q)  ((uint32_t)(q) << 24)      /* 2..15 */
/* The fields above; the bits outside them are reserved and kept. */
#define RCC_PLLCFGR_FIELDS   (0x3Fu | (0x1FFu << 6) | (0x3u << 16) | (1u << 22) | (0xFu << 24))

#define RCC_CFGR_SW_MASK     (0x3u << 0)
#define RCC_CFGR_SW_HSI      (0x0u << 0)
#define RCC_CFGR_SW_PLL      (0x2u << 0)
#define RCC_CFGR_SWS_MASK    (0x3u << 2)
#define RCC_CFGR_SWS_HSI     (0x0u << 2)
#define RCC_CFGR_SWS_PLL     (0x2u << 2)
#define RCC_CFGR_HPRE_MASK   (0xFu << 4)
#define RCC_CFGR_HPRE_DIV1   (0x0u << 4)
#define RCC_CFGR_PPRE1_MASK  (0x7u << 10)
#define RCC_CFGR_PPRE1_DIV4  (0x5u << 10)
#define RCC_CFGR_PPRE2_MASK  (0x7u << 13)
#define RCC_CFGR_PPRE2_DIV2  (0x4u << 13)

#define RCC_CIR_CSSF (1u << 7)  /* the CSS saw the HSE fail; raises NMI until cleared */
#define RCC_CIR_CSSC (1u << 23) /* write 1: clears CSSF */

#define RCC_AHB1RSTR_ETHMACRST (1u << 25)

#define RCC_AHB1ENR_GPIOAEN    (1u << 0)
#define RCC_AHB1ENR_GPIOBEN    (1u << 1)
#define RCC_AHB1ENR_GPIOCEN    (1u << 2)
#define RCC_AHB1ENR_GPIODEN    (1u << 3)
#define RCC_AHB1ENR_GPIOGEN    (1u << 6)
#define RCC_AHB1ENR_ETHMACEN   (1u << 25)
#define RCC_AHB1ENR_ETHMACTXEN (1u << 26)
#define RCC_AHB1ENR_ETHMACRXEN (1u << 27)
#define RCC_AHB2ENR_RNGEN      (1u << 6)
#define RCC_APB1ENR_USART3EN   (1u << 18)
#define RCC_APB1ENR_PWREN      (1u << 28)
#define RCC_APB2ENR_SYSCFGEN   (1u << 14)

#define RCC_CSR_RMVF     (1u << 24)
#define RCC_CSR_BORRSTF  (1u << 25)
#define RCC_CSR_PINRSTF  (1u << 26)
#define RCC_CSR_PORRSTF  (1u << 27)
#define RCC_CSR_SFTRSTF  (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define RCC_CSR_WWDGRSTF (1u << 30)
#define RCC_CSR_LPWRRSTF (1u << 31)

/* ---- PWR (RM0090 section 5.4) ---- */
#define PWR_BASE     0x40007000u
#define PWR_CR       REG32(PWR_BASE + 0x00u)
#define PWR_CSR      REG32(PWR_BASE + 0x04u)
#define PWR_CR_VOS_MASK   (0x3u << 14)
#define PWR_CR_VOS_SCALE1 (0x3u << 14)
#define PWR_CR_ODEN       (1u << 16)
#define PWR_CR_ODSWEN     (1u << 17)
#define PWR_CSR_VOSRDY    (1u << 14)
#define PWR_CSR_ODRDY     (1u << 16)
#define PWR_CSR_ODSWRDY   (1u << 17)

/* ---- Flash interface (RM0090 section 3.9) ---- */
#define FLASH_BASE   0x40023C00u
#define FLASH_ACR    REG32(FLASH_BASE + 0x00u)
#define FLASH_ACR_LATENCY_MASK (0xFu << 0)
#define FLASH_ACR_LATENCY(ws)  ((uint32_t)(ws) << 0)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN   (1u << 9)
#define FLASH_ACR_DCEN   (1u << 10)
#define FLASH_ACR_DCRST  (1u << 12) /* writable only with DCEN clear */
#define FLASH_KEYR   REG32(FLASH_BASE + 0x04u)
#define FLASH_SR     REG32(FLASH_BASE + 0x0Cu)
#define FLASH_CR     REG32(FLASH_BASE + 0x10u)
#define FLASH_OPTCR  REG32(FLASH_BASE + 0x14u)
#define FLASH_OPTCR1 REG32(FLASH_BASE + 0x18u)

#define FLASH_KEYR_KEY1 0x45670123u
#define FLASH_KEYR_KEY2 0xCDEF89ABu

/* Status flags are cleared by writing 1 (rc_w1). */
#define FLASH_SR_EOP    (1u << 0)
#define FLASH_SR_OPERR  (1u << 1) /* only set with ERRIE */
#define FLASH_SR_WRPERR (1u << 4)
#define FLASH_SR_PGAERR (1u << 5)
#define FLASH_SR_PGPERR (1u << 6)
#define FLASH_SR_PGSERR (1u << 7)
#define FLASH_SR_RDERR  (1u << 8) /* PCROP read, F42xxx/F43xxx only */
#define FLASH_SR_BSY    (1u << 16)
#define FLASH_SR_ERRORS (FLASH_SR_OPERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | \
                         FLASH_SR_PGPERR | FLASH_SR_PGSERR | FLASH_SR_RDERR)

#define FLASH_CR_PG        (1u << 0)
#define FLASH_CR_SER       (1u << 1)
/* SNB[4:0] takes the sector's code, not its number: sectors 0-11 are 0-11,
 * sectors 12-23 (bank 2) are 16-27 (0b1xxxx); 12-15 are not allowed. */
#define FLASH_CR_SNB(code) (((uint32_t)(code) & 0x1Fu) << 3)
#define FLASH_CR_PSIZE_X8  (0x0u << 8)
#define FLASH_CR_PSIZE_X32 (0x2u << 8) /* VDD 2.7-3.6 V */
#define FLASH_CR_STRT      (1u << 16)
#define FLASH_CR_LOCK      (1u << 31)

#define FLASH_OPTCR_BFB2   (1u << 4)  /* boot from bank 2 */
#define FLASH_OPTCR_DB1M   (1u << 30) /* dual bank on 1 MB parts; no effect on 2 MB */
#define FLASH_OPTCR_SPRMOD (1u << 31) /* nWRP bits select PCROP instead of write protection */
/* Bank 2's protection bits, one per sector 12..23 (nWRP[11:0] at bit 16). */
#define FLASH_OPTCR1_nWRP(sector) (1u << (16u + (sector) - 12u))

/* Main memory, 2 MB parts (RM0090 table 6): two banks of 1 MB, each with
 * 4 x 16 KB, 1 x 64 KB and 7 x 128 KB sectors; bank 2 holds sectors 12-23. */
#define FLASH_BANK2_BASE 0x08100000u
#define FLASH_BANK_SIZE  (1024u * 1024u)

/* ---- GPIO (RM0090 section 8.4) ---- */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIOC_BASE 0x40020800u
#define GPIOD_BASE 0x40020C00u
#define GPIOG_BASE 0x40021800u
#define GPIO_MODER(b)   REG32((b) + 0x00u)
#define GPIO_OTYPER(b)  REG32((b) + 0x04u)
#define GPIO_OSPEEDR(b) REG32((b) + 0x08u)
#define GPIO_PUPDR(b)   REG32((b) + 0x0Cu)
#define GPIO_IDR(b)     REG32((b) + 0x10u)
#define GPIO_BSRR(b)    REG32((b) + 0x18u)
#define GPIO_AFR(b, pin) REG32((b) + 0x20u + 4u * ((pin) >> 3)) /* AFRL / AFRH */

#define GPIO_MODE_INPUT  0x0u
#define GPIO_MODE_OUTPUT 0x1u
#define GPIO_MODE_AF     0x2u
#define GPIO_PUPD_NONE   0x0u
#define GPIO_PUPD_UP     0x1u
#define GPIO_SPEED_LOW    0x0u
#define GPIO_SPEED_MEDIUM 0x1u
#define GPIO_SPEED_VERY_HIGH 0x3u
#define GPIO_AF7         7u
#define GPIO_AF11        11u

/* ---- SYSCFG (RM0090, "SYSCFG registers for STM32F42xxx and STM32F43xxx") ---- */
#define SYSCFG_BASE 0x40013800u
#define SYSCFG_PMC  REG32(SYSCFG_BASE + 0x04u)
#define SYSCFG_PMC_MII_RMII_SEL (1u << 23)

/* ---- Memory map (RM0090 section 2.3): SRAM1, SRAM2 and SRAM3 back to back.
 * The only RAM the Ethernet DMA reaches; the CCM at 0x10000000 is CPU-only. ---- */
#define SRAM_BASE 0x20000000u
#define SRAM_SIZE (192u * 1024u)

/* ---- USART (RM0090 section 30.6) ---- */
#define USART3_BASE 0x40004800u
#define USART_SR(b)  REG32((b) + 0x00u)
#define USART_DR(b)  REG32((b) + 0x04u)
#define USART_BRR(b) REG32((b) + 0x08u)
#define USART_CR1(b) REG32((b) + 0x0Cu)
#define USART_CR2(b) REG32((b) + 0x10u)
#define USART_CR3(b) REG32((b) + 0x14u)

#define USART_SR_ORE    (1u << 3)
#define USART_SR_RXNE   (1u << 5)
#define USART_SR_TC     (1u << 6)
#define USART_SR_TXE    (1u << 7)
#define USART_CR1_RE     (1u << 2)
#define USART_CR1_TE     (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TXEIE  (1u << 7)
#define USART_CR1_UE     (1u << 13)

/* ---- Ethernet MAC, MMC and DMA (RM0090, "Ethernet register descriptions") ---- */
#define ETH_BASE      0x40028000u
#define ETH_MACCR     REG32(ETH_BASE + 0x0000u)
#define ETH_MACFFR    REG32(ETH_BASE + 0x0004u)
#define ETH_MACMIIAR  REG32(ETH_BASE + 0x0010u)
#define ETH_MACMIIDR  REG32(ETH_BASE + 0x0014u)
#define ETH_MACIMR    REG32(ETH_BASE + 0x003Cu)
#define ETH_MACA0HR   REG32(ETH_BASE + 0x0040u)
#define ETH_MACA0LR   REG32(ETH_BASE + 0x0044u)
#define ETH_MMCCR     REG32(ETH_BASE + 0x0100u)
#define ETH_MMCRIMR   REG32(ETH_BASE + 0x010Cu)
#define ETH_MMCTIMR   REG32(ETH_BASE + 0x0110u)
#define ETH_MMCRFCECR REG32(ETH_BASE + 0x0194u) /* frames received with a CRC error */
#define ETH_MMCRGUFCR REG32(ETH_BASE + 0x01C4u) /* good unicast frames received */
#define ETH_DMABMR    REG32(ETH_BASE + 0x1000u)
#define ETH_DMATPDR   REG32(ETH_BASE + 0x1004u)
#define ETH_DMARPDR   REG32(ETH_BASE + 0x1008u)
#define ETH_DMARDLAR  REG32(ETH_BASE + 0x100Cu)
#define ETH_DMATDLAR  REG32(ETH_BASE + 0x1010u)
#define ETH_DMASR     REG32(ETH_BASE + 0x1014u)
#define ETH_DMAOMR    REG32(ETH_BASE + 0x1018u)
#define ETH_DMAIER    REG32(ETH_BASE + 0x101Cu)
#define ETH_DMAMFBOCR REG32(ETH_BASE + 0x1020u)

#define ETH_MACCR_RE   (1u << 2)
#define ETH_MACCR_TE   (1u << 3)
#define ETH_MACCR_DM   (1u << 11)
#define ETH_MACCR_ROD  (1u << 13)
#define ETH_MACCR_FES  (1u << 14)

#define ETH_MACFFR_PAM (1u << 4)

#define ETH_MACMIIAR_MB        (1u << 0)
#define ETH_MACMIIAR_MW        (1u << 1)
#define ETH_MACMIIAR_CR_DIV42  (0x0u << 2) /* HCLK 60-100 MHz */
#define ETH_MACMIIAR_CR_DIV62  (0x1u << 2) /* HCLK 100-150 MHz */
#define ETH_MACMIIAR_CR_DIV16  (0x2u << 2) /* HCLK 20-35 MHz */
#define ETH_MACMIIAR_CR_DIV26  (0x3u << 2) /* HCLK 35-60 MHz */
#define ETH_MACMIIAR_CR_DIV102 (0x4u << 2) /* HCLK 150-180 MHz */
#define ETH_MACMIIAR_MR(reg)   (((uint32_t)(reg) & 0x1Fu) << 6)
#define ETH_MACMIIAR_PA(addr)  (((uint32_t)(addr) & 0x1Fu) << 11)

#define ETH_MACIMR_PMTIM (1u << 3)
#define ETH_MACIMR_TSTIM (1u << 9)

#define ETH_MMCCR_CR       (1u << 0) /* resets every MMC counter */

#define ETH_MMCRIMR_RFCEM  (1u << 5)
#define ETH_MMCRIMR_RFAEM  (1u << 6)
#define ETH_MMCRIMR_RGUFM  (1u << 17)
#define ETH_MMCTIMR_TGFSCM  (1u << 14)
#define ETH_MMCTIMR_TGFMSCM (1u << 15)
#define ETH_MMCTIMR_TGFM    (1u << 21)

#define ETH_DMABMR_SR      (1u << 0)
#define ETH_DMABMR_PBL(n)  ((uint32_t)(n) << 8) /* 1..32 beats */
#define ETH_DMABMR_FB      (1u << 16)
#define ETH_DMABMR_AAB     (1u << 25)

#define ETH_DMASR_TBUS (1u << 2)
#define ETH_DMASR_RS   (1u << 6)
#define ETH_DMASR_RBUS (1u << 7)
#define ETH_DMASR_NIS  (1u << 16)

#define ETH_DMAOMR_SR  (1u << 1)
#define ETH_DMAOMR_ST  (1u << 13)
#define ETH_DMAOMR_TSF (1u << 21)
#define ETH_DMAOMR_RSF (1u << 25)

#define ETH_DMAIER_RIE  (1u << 6)
#define ETH_DMAIER_NISE (1u << 16)

#define ETH_DMAMFBOCR_MFC(r)  ((r) & 0xFFFFu)         /* no descriptor free */
#define ETH_DMAMFBOCR_OMFC    (1u << 16)
#define ETH_DMAMFBOCR_MFA(r)  (((r) >> 17) & 0x7FFu)  /* RX FIFO overflow */
#define ETH_DMAMFBOCR_OFOC    (1u << 28)

/* Normal (4-word) DMA descriptors, ring mode */
#define ETH_TDES0_TER  (1u << 21)
#define ETH_TDES0_FS   (1u << 28)
#define ETH_TDES0_LS   (1u << 29)
#define ETH_TDES0_OWN  (1u << 31)
#define ETH_TDES1_TBS1(n) ((uint32_t)(n) & 0x1FFFu)

#define ETH_RDES0_LS   (1u << 8)
#define ETH_RDES0_FS   (1u << 9)
#define ETH_RDES0_ES   (1u << 15)
#define ETH_RDES0_FL(d) (((d) >> 16) & 0x3FFFu) /* FCS included */
#define ETH_RDES0_OWN  (1u << 31)
#define ETH_RDES1_RBS1(n) ((uint32_t)(n) & 0x1FFFu)
#define ETH_RDES1_RER  (1u << 15)

/* ---- Random number generator (RM0090 section 24.4).  Clocked by PLL48CLK,
 * the main PLL's Q output: at most 48 MHz, and above HCLK/16 or the clock
 * checker flags CECS. ---- */
#define RNG_BASE 0x50060800u
#define RNG_CR   REG32(RNG_BASE + 0x00u)
#define RNG_SR   REG32(RNG_BASE + 0x04u)
#define RNG_DR   REG32(RNG_BASE + 0x08u)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_CR_IE    (1u << 3)
#define RNG_SR_DRDY  (1u << 0)
#define RNG_SR_CECS  (1u << 1) /* clock error, current */
#define RNG_SR_SECS  (1u << 2) /* seed error, current */
#define RNG_SR_CEIS  (1u << 5) /* clock error seen; rc_w0: cleared by writing 0 */
#define RNG_SR_SEIS  (1u << 6) /* seed error seen; rc_w0 */

/* ---- Independent watchdog (RM0090 section 21.4) ---- */
#define IWDG_BASE 0x40003000u
#define IWDG_KR   REG32(IWDG_BASE + 0x00u)
#define IWDG_PR   REG32(IWDG_BASE + 0x04u)
#define IWDG_RLR  REG32(IWDG_BASE + 0x08u)
#define IWDG_SR   REG32(IWDG_BASE + 0x0Cu)
#define IWDG_KR_RELOAD 0xAAAAu
#define IWDG_KR_UNLOCK 0x5555u
#define IWDG_KR_START  0xCCCCu
#define IWDG_PR_DIV64  0x4u
#define IWDG_RLR_MAX   0xFFFu
#define IWDG_SR_PVU    (1u << 0)
#define IWDG_SR_RVU    (1u << 1)

/* ---- Debug MCU (RM0090 section 38.16) ---- */
#define DBGMCU_IDCODE  REG32(0xE0042000u)
#define DBGMCU_IDCODE_REV_ID(r) ((r) >> 16)
#define DBGMCU_REV_A   0x1000u /* silicon revision A (ES0206 table 2) */
#define DBGMCU_CR      REG32(0xE0042004u) /* DBG_SLEEP, DBG_STOP, DBG_STANDBY, trace */
#define DBGMCU_APB1_FZ REG32(0xE0042008u)
#define DBGMCU_APB1_FZ_DBG_IWDG_STOP (1u << 12)

/* ---- Device electronic signature (RM0090 section 39): 96-bit unique ID, and
 * the flash size in KB (F_SIZE, a 16-bit read-only register) ---- */
#define UID_BASE 0x1FFF7A10u
#define F_SIZE   (*(const volatile uint16_t *)(uintptr_t)0x1FFF7A22u)

/* ---- Interrupt numbers (RM0090 table 62) ---- */
#define IRQ_USART3 39u
#define IRQ_ETH    61u
#define IRQ_COUNT  91u

#endif
