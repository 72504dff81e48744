/*
 * Ethernet: the STM32F429's MAC and its DMA over RMII to the on-board
 * LAN8742A (RM0090 "Ethernet (ETH)", LAN8742A datasheet), behind hal_eth.h.
 *
 * One frame per buffer.  Each descriptor owns a 1524-byte buffer, enough for
 * the largest frame the MAC hands over (1522 bytes: VLAN tag and FCS
 * included), so a frame that spans descriptors is a giant or a broken one and
 * is dropped.  The hal copies frames in and out (tx_write, rx_read), so the
 * network stack's own buffers never have to be where the DMA can reach.
 *
 * Descriptors are the normal 4-word kind in ring mode (one array each way,
 * the last one marked end-of-ring): no timestamps or checksum offload are
 * used, so the enhanced 8-word format would only cost RAM.  The MAC appends
 * the FCS on transmit and checks it on receive; IP/TCP/UDP checksums are left
 * to the stack.  Store-and-forward both ways: the MAC drops frames with a bad
 * FCS itself and never starts sending a frame it does not have whole.
 *
 * The interrupt only acknowledges a received frame: it is there to end
 * hal_idle's sleep at once rather than at the next tick.  Frames wait in the
 * ring until the superloop takes them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cortexm.h"
#include "hal_eth.h"
#include "stm32f429.h"

#define FCS_LEN        4u
#define FRAME_MIN      14u /* a header and nothing else */
#define BUF_SIZE       1524u
#define ETH_MIN_HCLK_HZ 25000000u /* RM0090 "Clocks": AHB at least 25 MHz with the Ethernet */

_Static_assert(BUF_SIZE % 4u == 0, "DMA buffer sizes must be multiples of the 32-bit bus width");
_Static_assert(BUF_SIZE >= 1518u + 4u, "a VLAN-tagged frame with its FCS must fit one buffer");
_Static_assert(BUF_SIZE <= 0x1FFFu, "buffer size must fit the 13-bit RBS1/TBS1 field");
_Static_assert(HAL_ETH_FRAME_MAX <= BUF_SIZE, "hal frame does not fit a buffer");

/* Clause 22 PHY registers, and the LAN8742A's special control/status register */
#define PHY_BMCR   0u
#define PHY_BMSR   1u
#define PHY_ID1    2u
#define PHY_ID2    3u
#define PHY_ANAR   4u
#define PHY_ANLPAR 5u
#define PHY_PSCSR  31u

#define BMCR_ANRESTART (1u << 9)
#define BMCR_ANEN      (1u << 12)
#define BMCR_RESET     (1u << 15)
#define BMSR_LINK      (1u << 2) /* latches low until read */
#define BMSR_ANDONE    (1u << 5)
#define ANA_10FD       (1u << 6)
#define ANA_100HD      (1u << 7)
#define ANA_100FD      (1u << 8)
#define PSCSR_100      (1u << 3) /* bits 4:2: speed indication */
#define PSCSR_FD       (1u << 4)

#define LAN8742A_ID    0x0007C130u
#define PHY_ID_MODEL   0xFFFFFFF0u /* the low 4 bits are the silicon revision */
#define PHY_ID_NOBODY  0xFFFFFFFFu /* MDIO's pull-up: no PHY drove the bus */

/* A PHY soft reset is done well within 500 ms (the LAN8742A datasheet's
 * reset timing; ST's own driver waits as long).  An MDIO transaction is 64
 * MDC periods, 36 us at 1.76 MHz.  The DMA reset needs REF_CLK from the PHY,
 * which is there within a few ms of power-up or never. */
#define TIMEOUT_DMA_RESET_US 100000u
#define TIMEOUT_MDIO_US      1000u
#define TIMEOUT_PHY_RESET_MS 500u
#define LINK_POLL_MS         250u
/* ES0206 "Successive write operations to the same register might not be
 * fully taken into account": some MAC and DMA registers cross into the 2.5 or
 * 25 MHz TX/RX clock domain, and a second write within four of those clocks
 * (1.6 us at 10 Mbit/s) can be lost. */
#define ERRATA_GAP_US        2u
/* Revision A silicon (REV_ID 0x1000) can bring RMII up in a state where every
 * received frame fails its CRC.  ST's own STM32CubeF4 LwIP examples handle it
 * for that revision only (ethernetif.c, RMII_Thread): every 200 ms, once any
 * good unicast frame has arrived the interface is fine for good; until then,
 * more than 10 CRC errors re-select RMII in SYSCFG_PMC and reset the MMC
 * counters.  rmii_watch() does the same from poll(). */
#define RMII_WATCH_MS        200u
#define RMII_CRC_ERRORS_MAX  10u

typedef struct {
    volatile uint32_t des0; /* OWN, status; on transmit also FS/LS/TER */
    volatile uint32_t des1; /* buffer size; on receive also RER */
    volatile uint32_t des2; /* buffer address */
    volatile uint32_t des3; /* second buffer: unused in ring mode */
} eth_desc_t;
_Static_assert(sizeof(eth_desc_t) == 16u, "normal descriptors are 4 words, back to back (DSL = 0)");

typedef enum {
    PHY_LAN8742A, /* negotiation result from its register 31 */
    PHY_OTHER,    /* any other clause 22 PHY: resolved from ANAR & ANLPAR */
    PHY_NONE      /* ID 0: a model without PHY registers, link always up */
} phy_kind_t;

/* Everything the Ethernet DMA reads or writes is in .dma, which
 * linker/sections.ld places in SRAM and asserts is there: the DMA cannot reach
 * the CCM at 0x10000000.  Not zeroed at start-up: rings_init writes every
 * descriptor word, and a buffer is read only after the DMA filled it. */
#define DMA_MEMORY __attribute__((section(".dma"), aligned(4)))
static eth_desc_t s_rx_desc[BOARD_ETH_RX_BUFS] DMA_MEMORY;
static eth_desc_t s_tx_desc[BOARD_ETH_TX_BUFS] DMA_MEMORY;
static uint8_t s_rx_buf[BOARD_ETH_RX_BUFS][BUF_SIZE] DMA_MEMORY;
static uint8_t s_tx_buf[BOARD_ETH_TX_BUFS][BUF_SIZE] DMA_MEMORY;

static bool s_ready;
static phy_kind_t s_phy;
static uint32_t s_mdio_cr;
static unsigned s_rx_next; /* the descriptor the next frame arrives in */
static size_t s_rx_off;    /* how far rx_read got into it */
static unsigned s_tx_next;
static size_t s_tx_len;
static size_t s_tx_off;
static bool s_tx_open;
static bool s_link_up;
static bool s_link_polled;
static uint32_t s_link_polled_ms;
static uint32_t s_rx_dropped;
static bool s_rmii_watch; /* revision A, no good unicast frame yet */
static uint32_t s_rmii_watched_ms;

void ETH_IRQHandler(void);

/* ---------------------------------------------------------------- helpers */

/* board_wait on a condition that never holds is a delay calibrated to the
 * clock the board actually runs at. */
static void delay_us(uint32_t us)
{
    (void)board_wait(&DWT_CYCCNT, 0u, 1u, us);
}

/* For the registers ES0206 names (MACCR, MACFFR, MACA0HR/LR, DMABMR,
 * DMAOMR): the read-back completes the write, the pause keeps the next one
 * out of its window. */
static void mac_write(volatile uint32_t *reg, uint32_t value)
{
    *reg = value;
    (void)*reg;
    delay_us(ERRATA_GAP_US);
}

static bool in_sram(const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p;
    return a >= SRAM_BASE && a + len <= SRAM_BASE + SRAM_SIZE;
}

/* MDC must stay at or below 2.5 MHz (IEEE 802.3 clause 22). */
static uint32_t mdc_range(uint32_t hclk_hz)
{
    if (hclk_hz >= 150000000u) {
        return ETH_MACMIIAR_CR_DIV102;
    }
    if (hclk_hz >= 100000000u) {
        return ETH_MACMIIAR_CR_DIV62;
    }
    if (hclk_hz >= 60000000u) {
        return ETH_MACMIIAR_CR_DIV42;
    }
    if (hclk_hz >= 35000000u) {
        return ETH_MACMIIAR_CR_DIV26;
    }
    return ETH_MACMIIAR_CR_DIV16;
}

/* ---------------------------------------------------------------- MDIO */

static bool mdio_idle(void)
{
    return board_wait(&ETH_MACMIIAR, ETH_MACMIIAR_MB, 0u, TIMEOUT_MDIO_US);
}

static bool mdio_read(unsigned reg, uint16_t *value)
{
    if (!mdio_idle()) {
        return false;
    }
    ETH_MACMIIAR = s_mdio_cr | ETH_MACMIIAR_PA(BOARD_ETH_PHY_ADDR) | ETH_MACMIIAR_MR(reg) |
                   ETH_MACMIIAR_MB;
    if (!mdio_idle()) {
        return false;
    }
    *value = (uint16_t)ETH_MACMIIDR;
    return true;
}

static bool mdio_write(unsigned reg, uint16_t value)
{
    if (!mdio_idle()) {
        return false;
    }
    ETH_MACMIIDR = value;
    ETH_MACMIIAR = s_mdio_cr | ETH_MACMIIAR_PA(BOARD_ETH_PHY_ADDR) | ETH_MACMIIAR_MR(reg) |
                   ETH_MACMIIAR_MW | ETH_MACMIIAR_MB;
    return mdio_idle();
}

/* ---------------------------------------------------------------- PHY */

static hal_eth_init_t phy_init(void)
{
    uint16_t id1;
    uint16_t id2;
    if (!mdio_read(PHY_ID1, &id1) || !mdio_read(PHY_ID2, &id2)) {
        return HAL_ETH_INIT_PHY;
    }
    uint32_t id = ((uint32_t)id1 << 16) | id2;
    if (id == PHY_ID_NOBODY) {
        return HAL_ETH_INIT_PHY;
    }
    if (id == 0) {
        /* Answers but has no registers (an emulator's model): the project's
         * rule is an always-up link. */
        s_phy = PHY_NONE;
        return HAL_ETH_INIT_OK;
    }
    s_phy = (id & PHY_ID_MODEL) == LAN8742A_ID ? PHY_LAN8742A : PHY_OTHER;

    /* From a known state whatever a previous run or a debugger left. */
    if (!mdio_write(PHY_BMCR, BMCR_RESET)) {
        return HAL_ETH_INIT_PHY;
    }
    bool reset_done = false;
    for (uint32_t ms = 0; ms < TIMEOUT_PHY_RESET_MS && !reset_done; ms++) {
        uint16_t bmcr;
        delay_us(1000u);
        reset_done = mdio_read(PHY_BMCR, &bmcr) && (bmcr & BMCR_RESET) == 0;
    }
    if (!reset_done) {
        return HAL_ETH_INIT_PHY;
    }
    /* Advertises everything it can (ANAR's reset value); the link comes up
     * seconds later and poll() notices. */
    if (!mdio_write(PHY_BMCR, BMCR_ANEN | BMCR_ANRESTART)) {
        return HAL_ETH_INIT_PHY;
    }
    return HAL_ETH_INIT_OK;
}

/* What the link came up with, as MACCR's FES (100 Mbit/s) and DM (full
 * duplex); false when the PHY did not answer. */
static bool phy_link_mode(uint32_t *maccr_mode)
{
    uint16_t v;
    bool fast;
    bool full;
    if (s_phy == PHY_LAN8742A) {
        if (!mdio_read(PHY_PSCSR, &v)) {
            return false;
        }
        fast = (v & PSCSR_100) != 0;
        full = (v & PSCSR_FD) != 0;
    } else {
        /* IEEE 802.3 priority resolution: the best mode both ends offer,
         * 10 Mbit/s half duplex when nothing better is common. */
        uint16_t theirs;
        if (!mdio_read(PHY_ANAR, &v) || !mdio_read(PHY_ANLPAR, &theirs)) {
            return false;
        }
        uint16_t common = v & theirs;
        fast = (common & (ANA_100FD | ANA_100HD)) != 0;
        full = fast ? (common & ANA_100FD) != 0 : (common & ANA_10FD) != 0;
    }
    *maccr_mode = (fast ? ETH_MACCR_FES : 0u) | (full ? ETH_MACCR_DM : 0u);
    return true;
}

/* ---------------------------------------------------------------- MAC */

/* Speed and duplex change with the transmitter and receiver off; each finishes
 * the frame it is on first. */
static void mac_start(uint32_t mode)
{
    uint32_t cr = ETH_MACCR & ~(ETH_MACCR_FES | ETH_MACCR_DM | ETH_MACCR_TE | ETH_MACCR_RE);
    mac_write(&ETH_MACCR, cr);
    mac_write(&ETH_MACCR, cr | mode);
    mac_write(&ETH_MACCR, cr | mode | ETH_MACCR_TE | ETH_MACCR_RE);
}

static void rings_init(void)
{
    for (unsigned i = 0; i < BOARD_ETH_RX_BUFS; i++) {
        s_rx_desc[i].des1 = ETH_RDES1_RBS1(BUF_SIZE) | (i == BOARD_ETH_RX_BUFS - 1u ? ETH_RDES1_RER : 0u);
        s_rx_desc[i].des2 = (uint32_t)(uintptr_t)s_rx_buf[i];
        s_rx_desc[i].des3 = 0;
        s_rx_desc[i].des0 = ETH_RDES0_OWN;
    }
    for (unsigned i = 0; i < BOARD_ETH_TX_BUFS; i++) {
        s_tx_desc[i].des1 = 0;
        s_tx_desc[i].des2 = (uint32_t)(uintptr_t)s_tx_buf[i];
        s_tx_desc[i].des3 = 0;
        s_tx_desc[i].des0 = i == BOARD_ETH_TX_BUFS - 1u ? ETH_TDES0_TER : 0u;
    }
    s_rx_next = 0;
    s_rx_off = 0;
    s_tx_next = 0;
    s_tx_open = false;
    cm_dsb();
    ETH_DMARDLAR = (uint32_t)(uintptr_t)s_rx_desc;
    ETH_DMATDLAR = (uint32_t)(uintptr_t)s_tx_desc;
}

/* Frames the DMA could not store, from its clear-on-read counters: no
 * descriptor free (MFC) or the RX FIFO overflowed (MFA).  An overflow bit
 * means at least one more wrap of that counter. */
static void rx_missed_collect(void)
{
    uint32_t r = ETH_DMAMFBOCR;
    uint32_t missed = ETH_DMAMFBOCR_MFC(r) + ETH_DMAMFBOCR_MFA(r);
    if (r & ETH_DMAMFBOCR_OMFC) {
        missed += 0x10000u;
    }
    if (r & ETH_DMAMFBOCR_OFOC) {
        missed += 0x800u;
    }
    s_rx_dropped += missed;
}

/* The DMA suspends when it meets a descriptor the CPU still owns (RBUS) and
 * resumes on a poll demand. */
static void rx_resume(void)
{
    if (ETH_DMASR & ETH_DMASR_RBUS) {
        ETH_DMASR = ETH_DMASR_RBUS;
        ETH_DMARPDR = 0;
    }
}

/* Gives the current receive descriptor back to the DMA. */
static void rx_release(void)
{
    cm_dsb(); /* the buffer is read before the DMA may refill it */
    s_rx_desc[s_rx_next].des0 = ETH_RDES0_OWN;
    s_rx_next = (s_rx_next + 1u) % BOARD_ETH_RX_BUFS;
    s_rx_off = 0;
    cm_dsb();
    rx_resume();
}

/* ---------------------------------------------------------------- ops */

static hal_eth_init_t eth_init(void *ctx, const uint8_t mac[6])
{
    (void)ctx;
    s_ready = false;
    s_link_up = false;
    s_link_polled = false;
    cm_irq_disable(IRQ_ETH);

    if (board_sysclk_hz() < ETH_MIN_HCLK_HZ) {
        return HAL_ETH_INIT_UNUSABLE; /* on the 16 MHz fallback clock: see board_clock_init */
    }
    if (!in_sram(s_rx_desc, sizeof s_rx_desc) || !in_sram(s_tx_desc, sizeof s_tx_desc) ||
        !in_sram(s_rx_buf, sizeof s_rx_buf) || !in_sram(s_tx_buf, sizeof s_tx_buf)) {
        return HAL_ETH_INIT_UNUSABLE; /* cannot happen: the linker script asserts .dma is in SRAM */
    }

    /* RM0090 wants RMII chosen while the MAC is held in reset and before its
     * clocks run.  SYSCFG sits on APB2: the read-back makes sure the choice
     * has landed before the MAC leaves reset. */
    RCC_APB2ENR |= RCC_APB2ENR_SYSCFGEN;
    (void)RCC_APB2ENR;
    RCC_AHB1ENR &= ~(RCC_AHB1ENR_ETHMACEN | RCC_AHB1ENR_ETHMACTXEN | RCC_AHB1ENR_ETHMACRXEN);
    RCC_AHB1RSTR |= RCC_AHB1RSTR_ETHMACRST;
    SYSCFG_PMC |= SYSCFG_PMC_MII_RMII_SEL;
    (void)SYSCFG_PMC;
    RCC_AHB1ENR |= RCC_AHB1ENR_ETHMACEN | RCC_AHB1ENR_ETHMACTXEN | RCC_AHB1ENR_ETHMACRXEN;
    (void)RCC_AHB1ENR;
    RCC_AHB1RSTR &= ~RCC_AHB1RSTR_ETHMACRST;
    (void)RCC_AHB1RSTR;

    /* The software reset completes in the RMII clock domain: it hangs until
     * the PHY drives REF_CLK. */
    ETH_DMABMR |= ETH_DMABMR_SR;
    if (!board_wait(&ETH_DMABMR, ETH_DMABMR_SR, 0u, TIMEOUT_DMA_RESET_US)) {
        return HAL_ETH_INIT_MAC_RESET;
    }

    /* HCLK = SYSCLK on this board (AHB prescaler 1). */
    s_mdio_cr = mdc_range(board_sysclk_hz());
    ETH_MACMIIAR = s_mdio_cr;
    hal_eth_init_t rc = phy_init();
    if (rc != HAL_ETH_INIT_OK) {
        return rc;
    }

    /* RM0090 "DMA initialization": bus mode, interrupts, descriptors, MAC,
     * then start the DMA, then the MAC (at link-up). */
    mac_write(&ETH_DMABMR, ETH_DMABMR_AAB | ETH_DMABMR_FB | ETH_DMABMR_PBL(32));
    /* The MMC counters, PMT and timestamp events reach the ETH interrupt with
     * no DMAIER enable: masked at their source, or a counter passing half
     * range would interrupt forever. */
    ETH_MMCRIMR = ETH_MMCRIMR_RGUFM | ETH_MMCRIMR_RFAEM | ETH_MMCRIMR_RFCEM;
    ETH_MMCTIMR = ETH_MMCTIMR_TGFM | ETH_MMCTIMR_TGFMSCM | ETH_MMCTIMR_TGFSCM;
    ETH_MACIMR = ETH_MACIMR_TSTIM | ETH_MACIMR_PMTIM;
    ETH_DMAIER = ETH_DMAIER_NISE | ETH_DMAIER_RIE;
    rings_init();

    /* High half first: the low half's write latches the pair.  The first
     * byte on the wire is the lowest byte of MACA0LR. */
    mac_write(&ETH_MACA0HR, (uint32_t)mac[4] | ((uint32_t)mac[5] << 8));
    mac_write(&ETH_MACA0LR, (uint32_t)mac[0] | ((uint32_t)mac[1] << 8) | ((uint32_t)mac[2] << 16) |
                                ((uint32_t)mac[3] << 24));
    /* Our address and broadcast pass the perfect filter.  The hal carries no
     * multicast list, so all multicast passes and a group the stack joins is
     * heard without a hash filter. */
    mac_write(&ETH_MACFFR, ETH_MACFFR_PAM);
    /* ROD: in half duplex, do not receive our own transmissions. */
    mac_write(&ETH_MACCR, ETH_MACCR | ETH_MACCR_ROD);

    mac_write(&ETH_DMAOMR, ETH_DMAOMR_RSF | ETH_DMAOMR_TSF);
    mac_write(&ETH_DMAOMR, ETH_DMAOMR_RSF | ETH_DMAOMR_TSF | ETH_DMAOMR_ST | ETH_DMAOMR_SR);

    if (s_phy == PHY_NONE) {
        mac_start(ETH_MACCR_FES | ETH_MACCR_DM);
        s_link_up = true;
    }

    ETH_DMASR = ETH_DMASR_NIS | ETH_DMASR_RS;
    cm_irq_priority(IRQ_ETH, BOARD_PRIO_ETH);
    cm_irq_enable(IRQ_ETH);
    s_rmii_watch = DBGMCU_IDCODE_REV_ID(DBGMCU_IDCODE) == DBGMCU_REV_A;
    s_rmii_watched_ms = 0;
    s_ready = true;
    return HAL_ETH_INIT_OK;
}

static int eth_tx_begin(void *ctx, size_t len)
{
    (void)ctx;
    if (!s_ready || len < FRAME_MIN || len > HAL_ETH_FRAME_MAX) {
        return HAL_ETH_ERROR;
    }
    if (s_tx_desc[s_tx_next].des0 & ETH_TDES0_OWN) {
        return HAL_ETH_BUSY; /* the DMA has not sent the frame from a ring ago */
    }
    s_tx_len = len;
    s_tx_off = 0;
    s_tx_open = true;
    return HAL_ETH_OK;
}

static void eth_tx_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (!s_tx_open) {
        return;
    }
    size_t room = s_tx_len - s_tx_off;
    if (len > room) {
        len = room;
    }
    memcpy(&s_tx_buf[s_tx_next][s_tx_off], data, len);
    s_tx_off += len;
}

static void eth_tx_end(void *ctx)
{
    (void)ctx;
    if (!s_tx_open) {
        return;
    }
    s_tx_open = false;
    eth_desc_t *d = &s_tx_desc[s_tx_next];
    uint32_t ring_end = s_tx_next == BOARD_ETH_TX_BUFS - 1u ? ETH_TDES0_TER : 0u;
    d->des1 = ETH_TDES1_TBS1(s_tx_len);
    d->des0 = ring_end | ETH_TDES0_FS | ETH_TDES0_LS;
    cm_dsb(); /* frame and length in memory before the DMA may take them */
    d->des0 = ring_end | ETH_TDES0_FS | ETH_TDES0_LS | ETH_TDES0_OWN;
    cm_dsb();
    /* The DMA suspends (TBUS) whenever it runs out of frames; the poll
     * demand wakes it to look again. */
    ETH_DMASR = ETH_DMASR_TBUS;
    ETH_DMATPDR = 0;
    s_tx_next = (s_tx_next + 1u) % BOARD_ETH_TX_BUFS;
}

static size_t eth_rx_peek(void *ctx)
{
    (void)ctx;
    if (!s_ready) {
        return 0;
    }
    /* Bounded: each pass either returns or gives a descriptor back. */
    for (unsigned i = 0; i < BOARD_ETH_RX_BUFS; i++) {
        uint32_t status = s_rx_desc[s_rx_next].des0;
        if (status & ETH_RDES0_OWN) {
            return 0;
        }
        cm_dsb(); /* the status before the buffer it describes */
        uint32_t len = ETH_RDES0_FL(status);
        if ((status & (ETH_RDES0_FS | ETH_RDES0_LS | ETH_RDES0_ES)) == (ETH_RDES0_FS | ETH_RDES0_LS) &&
            len >= FRAME_MIN + FCS_LEN && len <= HAL_ETH_FRAME_MAX + FCS_LEN) {
            return len - FCS_LEN;
        }
        /* Errored, too long for the hal, or one piece of a frame that spans
         * buffers: counted once, at its first piece. */
        if (status & ETH_RDES0_FS) {
            s_rx_dropped++;
        }
        rx_release();
    }
    return 0;
}

static void eth_rx_read(void *ctx, uint8_t *dst, size_t len)
{
    size_t frame = eth_rx_peek(ctx);
    if (s_rx_off >= frame) {
        return;
    }
    if (len > frame - s_rx_off) {
        len = frame - s_rx_off;
    }
    memcpy(dst, &s_rx_buf[s_rx_next][s_rx_off], len);
    s_rx_off += len;
}

static void eth_rx_done(void *ctx)
{
    if (eth_rx_peek(ctx) > 0) {
        rx_release();
    }
}

/* The revision A RMII workaround (see RMII_WATCH_MS). */
static void rmii_watch(uint32_t now_ms)
{
    if ((uint32_t)(now_ms - s_rmii_watched_ms) < RMII_WATCH_MS) {
        return;
    }
    s_rmii_watched_ms = now_ms;
    if (ETH_MMCRGUFCR > 0u) {
        s_rmii_watch = false;
    } else if (ETH_MMCRFCECR > RMII_CRC_ERRORS_MAX) {
        SYSCFG_PMC &= ~SYSCFG_PMC_MII_RMII_SEL;
        SYSCFG_PMC |= SYSCFG_PMC_MII_RMII_SEL;
        ETH_MMCCR |= ETH_MMCCR_CR;
    }
}

static void eth_poll(void *ctx, uint32_t now_ms)
{
    (void)ctx;
    if (!s_ready) {
        return;
    }
    if (s_rmii_watch) {
        rmii_watch(now_ms);
    }
    rx_missed_collect();
    /* A release that raced the DMA's suspension would otherwise leave the
     * ring idle until the next frame starts arriving. */
    rx_resume();

    if (s_phy == PHY_NONE) {
        return;
    }
    if (s_link_polled && (int32_t)(now_ms - s_link_polled_ms) < (int32_t)LINK_POLL_MS) {
        return;
    }
    s_link_polled = true;
    s_link_polled_ms = now_ms;

    /* One read: the link bit latches low, so a drop between two polls still
     * shows as down once, and the renegotiated mode is applied when it is
     * back.  While down, the MAC and DMA keep running and the PHY discards
     * what they send. */
    uint16_t bmsr;
    if (!mdio_read(PHY_BMSR, &bmsr)) {
        return;
    }
    bool up = (bmsr & BMSR_LINK) && (bmsr & BMSR_ANDONE);
    if (up && !s_link_up) {
        uint32_t mode;
        if (!phy_link_mode(&mode)) {
            return;
        }
        mac_start(mode);
    }
    s_link_up = up;
}

static bool eth_link_up(void *ctx)
{
    (void)ctx;
    return s_link_up;
}

void ETH_IRQHandler(void)
{
    /* Only RIE is enabled, so RS is the only cause.  The read-back lets the
     * clear land before the exception returns, or it would fire again. */
    ETH_DMASR = ETH_DMASR_NIS | ETH_DMASR_RS;
    (void)ETH_DMASR;
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

static const hal_eth_t s_eth = {.ops = &s_ops, .ctx = NULL};

const hal_eth_t *hal_eth(void)
{
    return &s_eth;
}

/* ---------------------------------------------------------------- address */

/*
 * No factory address on this board: 02 (locally administered, unicast), then
 * the five most significant bytes of the 64-bit FNV-1a hash of the 12 UID
 * bytes taken in address order.  Documented with a worked example in the
 * README, so a person can predict a board's address from `mdb 0x1FFF7A10 12`.
 */
#define FNV64_OFFSET 0xCBF29CE484222325ull
#define FNV64_PRIME  0x00000100000001B3ull
#define UID_BYTES    12u

void hal_eth_mac_address(uint8_t mac[6])
{
    const volatile uint8_t *uid = (const volatile uint8_t *)(uintptr_t)UID_BASE;
    uint64_t h = FNV64_OFFSET;
    for (unsigned i = 0; i < UID_BYTES; i++) {
        h ^= uid[i];
        h *= FNV64_PRIME;
    }
    mac[0] = 0x02u;
    for (unsigned i = 1; i < 6u; i++) {
        mac[i] = (uint8_t)(h >> (64u - 8u * i));
    }
}

uint32_t hal_eth_rx_dropped(void)
{
    if (s_ready) {
        rx_missed_collect();
    }
    return s_rx_dropped;
}
