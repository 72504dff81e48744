/*
 * LM3S6965 Ethernet controller: the on-chip MAC with its 2 KB FIFOs and the
 * internal PHY, behind hal_eth.h.
 *
 * Frames wait in the MAC's receive FIFO (QEMU's model holds 31); the
 * interrupt only masks itself and notes that the superloop has work, so the
 * FIFO is drained word by word from rx_read, never in interrupt context.
 *
 * QEMU's model has no MII registers: every PHY register reads 0.  A PHY whose
 * ID reads 0 is taken as an always-up link; a real PHY's link bit is honoured.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "cortexm.h"
#include "hal_eth.h"
#include "lm3s6965.h"

#define MDIO_TIMEOUT 10000u
#define LINK_POLL_MS 250u

typedef struct {
    bool up;
    bool phy_present;     /* a PHY with a real ID answers on MDIO */
    uint32_t link_checked_at;
    /* receive: the frame being read out of the FIFO */
    size_t rx_len;        /* frame bytes, without FCS; 0 = none taken */
    size_t rx_words_left; /* FIFO words of that frame not yet read */
    uint32_t rx_word;     /* bytes of the last word read, not yet used */
    unsigned rx_word_avail;
    /* transmit: the word being packed */
    uint32_t tx_word;
    unsigned tx_word_fill;
} lm3s_eth_t;

static lm3s_eth_t s_eth;
static volatile uint32_t s_rx_dropped;

void ETH_IRQHandler(void)
{
    uint32_t ris = MAC_RIS;
    if (ris & MAC_INT_FOV) {
        s_rx_dropped = s_rx_dropped + 1u;
    }
    /* Received frames stay in the FIFO for the superloop; stop asking until
     * it has drained them (rx_peek unmasks). */
    MAC_IM &= ~MAC_INT_RX;
    MAC_IACK = ris & (MAC_INT_FOV | MAC_INT_RXER | MAC_INT_TXER | MAC_INT_TXEMP);
}

static bool mdio_wait(void)
{
    for (uint32_t i = 0; i < MDIO_TIMEOUT; i++) {
        if (!(MAC_MCTL & MAC_MCTL_START)) {
            return true;
        }
    }
    return false;
}

static uint16_t phy_read(unsigned reg)
{
    MAC_MCTL = MAC_MCTL_REGADR(reg) | MAC_MCTL_START;
    if (!mdio_wait()) {
        return 0xFFFFu;
    }
    return (uint16_t)MAC_MRXD;
}

static bool link_read(void)
{
    return !s_eth.phy_present || (phy_read(PHY_MR1_BMSR) & PHY_BMSR_LINK) != 0;
}

static hal_eth_init_t eth_init(void *ctx, const uint8_t mac[6])
{
    (void)ctx;
    SYSCTL_RCGC2 |= SYSCTL_RCGC2_EMAC0 | SYSCTL_RCGC2_EPHY0;
    (void)SYSCTL_RCGC2; /* a few cycles before the controller is clocked */
    MAC_IM = 0;
    MAC_IACK = 0xFFu;
    /* MDIO clock at most 2.5 MHz: sysclk / (2 * (MDV + 1)) */
    MAC_MDV = BOARD_CORE_HZ / (2u * 2500000u);
    MAC_IA0 = (uint32_t)mac[0] | ((uint32_t)mac[1] << 8) | ((uint32_t)mac[2] << 16) | ((uint32_t)mac[3] << 24);
    MAC_IA1 = (uint32_t)mac[4] | ((uint32_t)mac[5] << 8);
    /* The internal PHY answers full duplex after autonegotiation. */
    MAC_TCTL = MAC_TCTL_PADEN | MAC_TCTL_CRC | MAC_TCTL_DUPLEX;
    MAC_RCTL = MAC_RCTL_RSTFIFO | MAC_RCTL_BADCRC;
    MAC_THR = 0x3Fu; /* send only on NEWTX, never on a FIFO threshold */

    uint32_t id = ((uint32_t)phy_read(PHY_MR2_ID1) << 16) | phy_read(PHY_MR3_ID2);
    if (id == 0xFFFFFFFFu) {
        return HAL_ETH_INIT_PHY; /* MDIO timed out or nothing drove it */
    }
    s_eth.phy_present = id != 0;
    s_eth.up = link_read();
    s_eth.link_checked_at = 0;
    s_eth.rx_len = 0;

    MAC_TCTL |= MAC_TCTL_TXEN;
    MAC_RCTL = MAC_RCTL_RXEN | MAC_RCTL_BADCRC; /* unicast + broadcast */
    MAC_IM = MAC_INT_RX | MAC_INT_FOV;
    cm_irq_priority(IRQ_ETH, 0x80);
    cm_irq_enable(IRQ_ETH);
    return HAL_ETH_INIT_OK;
}

static int eth_tx_begin(void *ctx, size_t len)
{
    (void)ctx;
    if (len < 14u || len > HAL_ETH_FRAME_MAX) {
        return HAL_ETH_ERROR;
    }
    if (MAC_TR & MAC_TR_NEWTX) {
        return HAL_ETH_BUSY; /* the FIFO holds one frame, still going out */
    }
    /* The FIFO starts with the payload length (frame minus its 14-byte
     * header) in the first two bytes; the frame follows. */
    s_eth.tx_word = (uint32_t)(len - 14u);
    s_eth.tx_word_fill = 2;
    return HAL_ETH_OK;
}

static void eth_tx_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        s_eth.tx_word |= (uint32_t)data[i] << (8u * s_eth.tx_word_fill);
        if (++s_eth.tx_word_fill == 4u) {
            MAC_DATA = s_eth.tx_word;
            s_eth.tx_word = 0;
            s_eth.tx_word_fill = 0;
        }
    }
}

static void eth_tx_end(void *ctx)
{
    (void)ctx;
    if (s_eth.tx_word_fill > 0) {
        MAC_DATA = s_eth.tx_word;
        s_eth.tx_word = 0;
        s_eth.tx_word_fill = 0;
    }
    MAC_TR = MAC_TR_NEWTX;
}

static size_t eth_rx_peek(void *ctx)
{
    (void)ctx;
    while (s_eth.rx_len == 0) {
        if (MAC_NP == 0) {
            /* Drained: acknowledge, look once more (a frame may have landed
             * in between), then let the next frame interrupt again. */
            MAC_IACK = MAC_INT_RX;
            if (MAC_NP == 0) {
                MAC_IM |= MAC_INT_RX;
                return 0;
            }
        }
        /* First word: the FIFO length (2 length bytes + frame + 4 FCS) and
         * the frame's first two bytes. */
        uint32_t w = MAC_DATA;
        size_t fifo_len = w & 0xFFFFu;
        size_t words = (fifo_len + 3u) / 4u;
        s_eth.rx_words_left = words > 0 ? words - 1u : 0;
        if (fifo_len < 6u + 14u || fifo_len - 6u > HAL_ETH_FRAME_MAX) {
            /* runt or giant: throw it away */
            while (s_eth.rx_words_left > 0) {
                (void)MAC_DATA;
                s_eth.rx_words_left--;
            }
            s_rx_dropped = s_rx_dropped + 1u;
            continue;
        }
        s_eth.rx_len = fifo_len - 6u;
        s_eth.rx_word = w >> 16;
        s_eth.rx_word_avail = 2;
    }
    return s_eth.rx_len;
}

static void eth_rx_read(void *ctx, uint8_t *dst, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        if (s_eth.rx_word_avail == 0) {
            if (s_eth.rx_words_left == 0) {
                dst[i] = 0; /* asked past the frame: a caller bug, kept harmless */
                continue;
            }
            s_eth.rx_word = MAC_DATA;
            s_eth.rx_words_left--;
            s_eth.rx_word_avail = 4;
        }
        dst[i] = (uint8_t)s_eth.rx_word;
        s_eth.rx_word >>= 8;
        s_eth.rx_word_avail--;
    }
}

static void eth_rx_done(void *ctx)
{
    (void)ctx;
    while (s_eth.rx_words_left > 0) {
        (void)MAC_DATA;
        s_eth.rx_words_left--;
    }
    s_eth.rx_len = 0;
    s_eth.rx_word_avail = 0;
}

static void eth_poll(void *ctx, uint32_t now_ms)
{
    (void)ctx;
    if (s_eth.phy_present && (uint32_t)(now_ms - s_eth.link_checked_at) >= LINK_POLL_MS) {
        s_eth.link_checked_at = now_ms;
        s_eth.up = link_read();
    }
}

static bool eth_link_up(void *ctx)
{
    (void)ctx;
    return s_eth.up;
}

static const hal_eth_ops_t s_ops = {
    .init = eth_init,
    .tx_begin = eth_tx_begin,
    .tx_write = eth_tx_write,
    .tx_end = eth_tx_end,
    .rx_peek = eth_rx_peek,
    .rx_read = eth_rx_read,
    .rx_done = eth_rx_done,
    .poll = eth_poll,
    .link_up = eth_link_up,
};

static const hal_eth_t s_hal_eth = {&s_ops, &s_eth};

const hal_eth_t *hal_eth(void)
{
    return &s_hal_eth;
}

uint32_t hal_eth_rx_dropped(void)
{
    return s_rx_dropped;
}

void hal_eth_mac_address(uint8_t mac[6])
{
    /* QEMU's model shows its -nic mac= address in MACIA0/1 from reset; on
     * silicon those read 0 and the factory address is in USER0/USER1. */
    SYSCTL_RCGC2 |= SYSCTL_RCGC2_EMAC0;
    (void)SYSCTL_RCGC2;
    uint32_t ia0 = MAC_IA0, ia1 = MAC_IA1 & 0xFFFFu;
    if (ia0 != 0 || ia1 != 0) {
        for (unsigned i = 0; i < 4; i++) {
            mac[i] = (uint8_t)(ia0 >> (8u * i));
        }
        mac[4] = (uint8_t)ia1;
        mac[5] = (uint8_t)(ia1 >> 8);
        return;
    }
    uint32_t u0 = FLASH_USERREG0, u1 = FLASH_USERREG1;
    if (u0 != 0xFFFFFFFFu && u1 != 0xFFFFFFFFu) {
        mac[0] = (uint8_t)u0;
        mac[1] = (uint8_t)(u0 >> 8);
        mac[2] = (uint8_t)(u0 >> 16);
        mac[3] = (uint8_t)u1;
        mac[4] = (uint8_t)(u1 >> 8);
        mac[5] = (uint8_t)(u1 >> 16);
        return;
    }
    /* An unprogrammed part: a fixed locally administered address. */
    static const uint8_t fallback[6] = {0x02, 0x00, 0x00, 0x65, 0x69, 0x65};
    for (unsigned i = 0; i < 6; i++) {
        mac[i] = fallback[i];
    }
}
