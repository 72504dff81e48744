/* A fake Ethernet MAC behind hal_eth.h: tests inject received frames, read
 * transmitted ones, make the MAC busy or link-down, and make its init fail. */
#ifndef FAKE_ETH_H
#define FAKE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_eth.h"

void fake_eth_reset(void);
void fake_eth_inject(const uint8_t *frame, size_t len);
/* Transmitted frames, oldest first; returns the length, 0 when none. */
size_t fake_eth_take_tx(uint8_t *out, size_t max);
unsigned fake_eth_tx_count(void);
unsigned fake_eth_rx_pending(void);
void fake_eth_set_busy(bool busy);
void fake_eth_set_link(bool up);
/* The next `times` init calls fail with `why`; later ones succeed. */
void fake_eth_fail_init(unsigned times, hal_eth_init_t why);
unsigned fake_eth_init_calls(void);
bool fake_eth_initialised(void);
extern const uint8_t fake_eth_mac[6];

#endif
