/*
 * The Ethernet MAC, as a small function table so the real drivers, a host
 * driver and the unit tests' fake all plug into the same network glue.
 *
 * Contract:
 *  - Every function is called from the superloop only and never blocks for
 *    longer than it takes to copy one frame.
 *  - Frames are whole Ethernet frames without the FCS (the MAC adds and checks
 *    it), 14 to HAL_ETH_FRAME_MAX bytes.
 *  - The driver's receive interrupt only records that frames wait (in the
 *    MAC's FIFO or DMA ring); the superloop takes them with rx_peek/rx_read/
 *    rx_done, so lwIP is only ever entered from the superloop.
 *  - Nothing is sent before init() returned HAL_ETH_INIT_OK.
 *  - init() may be called again after it failed (the network glue retries
 *    with back-off); each call starts the MAC from reset.
 */
#ifndef HAL_ETH_H
#define HAL_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HAL_ETH_FRAME_MAX 1514u

typedef enum {
    HAL_ETH_OK = 0,
    HAL_ETH_BUSY = -1,   /* no room to transmit now: try again later */
    HAL_ETH_ERROR = -2   /* the frame was refused (too long, MAC fault) */
} hal_eth_status_t;

/* Why init() failed.  The first two may heal (a PHY still in reset, its
 * reference clock not yet running) and are retried; the last never will on
 * this run. */
typedef enum {
    HAL_ETH_INIT_OK = 0,
    HAL_ETH_INIT_MAC_RESET, /* the MAC's reset did not complete (no reference clock from the PHY) */
    HAL_ETH_INIT_PHY,       /* the PHY did not answer on MDIO, or its reset did not complete */
    HAL_ETH_INIT_UNUSABLE   /* the MAC cannot work on this run (e.g. the core clock is below its minimum) */
} hal_eth_init_t;

typedef struct {
    /* Brings the MAC (and PHY) up with this station address.  Blocks for at
     * most about a second (a PHY reset). */
    hal_eth_init_t (*init)(void *ctx, const uint8_t mac[6]);

    /* Transmit one frame in pieces: begin(total length), write(...) until
     * total bytes were given, end() hands it to the wire.  begin returns
     * HAL_ETH_BUSY when no buffer is free; after a 0 from begin, write and end
     * cannot fail. */
    int (*tx_begin)(void *ctx, size_t len);
    void (*tx_write)(void *ctx, const uint8_t *data, size_t len);
    void (*tx_end)(void *ctx);

    /* Length of the next received frame, 0 when none waits. */
    size_t (*rx_peek)(void *ctx);
    /* Copies the next len bytes of that frame (successive calls continue). */
    void (*rx_read)(void *ctx, uint8_t *dst, size_t len);
    /* Releases the frame, read or not. */
    void (*rx_done)(void *ctx);

    /* Periodic housekeeping (PHY link state, error recovery); now in ms. */
    void (*poll)(void *ctx, uint32_t now_ms);
    /* Whether the link is up (a PHY that cannot say counts as up). */
    bool (*link_up)(void *ctx);
} hal_eth_ops_t;

typedef struct {
    const hal_eth_ops_t *ops;
    void *ctx;
} hal_eth_t;

/* The board's MAC, or NULL when the board has none. */
const hal_eth_t *hal_eth(void);

/* The board's station address: factory-programmed where the chip has one,
 * else locally administered and derived from a chip unique ID (documented by
 * the board). */
void hal_eth_mac_address(uint8_t mac[6]);

/* Frames received and lost (FIFO/ring overflow) since boot, for `status`. */
uint32_t hal_eth_rx_dropped(void);

#endif
