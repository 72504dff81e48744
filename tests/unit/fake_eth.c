#include "fake_eth.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS 16

typedef struct {
    uint8_t data[HAL_ETH_FRAME_MAX];
    size_t len;
} frame_t;

static frame_t s_rx[SLOTS], s_tx[SLOTS];
static unsigned s_rx_head, s_rx_tail, s_tx_head, s_tx_tail, s_tx_total;
static size_t s_rx_pos;
static frame_t s_building;
static size_t s_building_expect;
static bool s_busy, s_link = true, s_init, s_in_tx;
static unsigned s_init_calls, s_init_failures;
static hal_eth_init_t s_init_failure;

const uint8_t fake_eth_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

void fake_eth_reset(void)
{
    s_rx_head = s_rx_tail = s_tx_head = s_tx_tail = s_tx_total = 0;
    s_rx_pos = 0;
    s_busy = s_init = s_in_tx = false;
    s_link = true;
    s_init_calls = s_init_failures = 0;
}

void fake_eth_inject(const uint8_t *frame, size_t len)
{
    if (s_rx_head - s_rx_tail >= SLOTS || len > HAL_ETH_FRAME_MAX) {
        abort();
    }
    memcpy(s_rx[s_rx_head % SLOTS].data, frame, len);
    s_rx[s_rx_head % SLOTS].len = len;
    s_rx_head++;
}

size_t fake_eth_take_tx(uint8_t *out, size_t max)
{
    if (s_tx_tail == s_tx_head) {
        return 0;
    }
    frame_t *f = &s_tx[s_tx_tail++ % SLOTS];
    size_t n = f->len < max ? f->len : max;
    memcpy(out, f->data, n);
    return f->len;
}

unsigned fake_eth_tx_count(void) { return s_tx_total; }
void fake_eth_set_busy(bool busy) { s_busy = busy; }
void fake_eth_set_link(bool up) { s_link = up; }
bool fake_eth_initialised(void) { return s_init; }
unsigned fake_eth_init_calls(void) { return s_init_calls; }

void fake_eth_fail_init(unsigned times, hal_eth_init_t why)
{
    s_init_failures = times;
    s_init_failure = why;
}

static hal_eth_init_t f_init(void *ctx, const uint8_t mac[6])
{
    (void)ctx;
    if (memcmp(mac, fake_eth_mac, 6) != 0 || s_init) {
        abort(); /* the glue must use the board's address, and stop trying once up */
    }
    s_init_calls++;
    if (s_init_failures > 0) {
        s_init_failures--;
        return s_init_failure;
    }
    s_init = true;
    return HAL_ETH_INIT_OK;
}

static int f_tx_begin(void *ctx, size_t len)
{
    (void)ctx;
    if (!s_init || s_in_tx) {
        abort(); /* nothing may be sent before init; no nested frames */
    }
    if (len > HAL_ETH_FRAME_MAX) {
        return HAL_ETH_ERROR;
    }
    if (s_busy || s_tx_head - s_tx_tail >= SLOTS) {
        return HAL_ETH_BUSY;
    }
    s_building.len = 0;
    s_building_expect = len;
    s_in_tx = true;
    return HAL_ETH_OK;
}

static void f_tx_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (!s_in_tx || s_building.len + len > s_building_expect) {
        abort();
    }
    memcpy(s_building.data + s_building.len, data, len);
    s_building.len += len;
}

static void f_tx_end(void *ctx)
{
    (void)ctx;
    if (!s_in_tx || s_building.len != s_building_expect) {
        abort(); /* the length given to begin must match what was written */
    }
    s_tx[s_tx_head++ % SLOTS] = s_building;
    s_tx_total++;
    s_in_tx = false;
}

static size_t f_rx_peek(void *ctx)
{
    (void)ctx;
    return s_rx_tail == s_rx_head ? 0 : s_rx[s_rx_tail % SLOTS].len;
}

static void f_rx_read(void *ctx, uint8_t *dst, size_t len)
{
    (void)ctx;
    frame_t *f = &s_rx[s_rx_tail % SLOTS];
    if (s_rx_tail == s_rx_head || s_rx_pos + len > f->len) {
        abort(); /* reading past the frame */
    }
    memcpy(dst, f->data + s_rx_pos, len);
    s_rx_pos += len;
}

static void f_rx_done(void *ctx)
{
    (void)ctx;
    if (s_rx_tail != s_rx_head) {
        s_rx_tail++;
    }
    s_rx_pos = 0;
}

static void f_poll(void *ctx, uint32_t now_ms)
{
    (void)ctx;
    (void)now_ms;
}

static bool f_link_up(void *ctx)
{
    (void)ctx;
    return s_link;
}

static const hal_eth_ops_t s_ops = {f_init, f_tx_begin, f_tx_write, f_tx_end, f_rx_peek,
                                    f_rx_read, f_rx_done, f_poll, f_link_up};
static const hal_eth_t s_eth = {&s_ops, NULL};

const hal_eth_t *hal_eth(void) { return &s_eth; }
void hal_eth_mac_address(uint8_t mac[6]) { memcpy(mac, fake_eth_mac, 6); }
uint32_t hal_eth_rx_dropped(void) { return 0; }

unsigned fake_eth_rx_pending(void) { return s_rx_head - s_rx_tail; }
