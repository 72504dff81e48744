/*
 * lwIP network interface over a hal_eth_t MAC: frames out through
 * tx_begin/write/end, frames in from the superloop through rx_peek/read/done.
 */
#ifndef ETHIF_H
#define ETHIF_H

#include "hal_eth.h"
#include "lwip/err.h"
#include "lwip/netif.h"

/* netif_add() init callback; state must be a const hal_eth_t *. */
err_t ethif_init(struct netif *netif);

/* Hands up to max_frames received frames to lwIP; returns how many. */
unsigned ethif_input(struct netif *netif, unsigned max_frames);

/* Frames lwIP wanted sent but the MAC had no room for, since boot. */
uint32_t ethif_tx_dropped(void);

#endif
