#include "ethif.h"

#include <string.h>

#include "hal_time.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

/* A busy MAC is waited on this long (a 1514-byte frame takes 1.2 ms at
 * 10 Mbit/s) before the frame is given up; TCP and the DNS/SNTP retries
 * recover what is lost.  The try count bounds a clock that does not move. */
#define TX_BUSY_WAIT_MS 3u
#define TX_BUSY_TRIES 100000u

static uint32_t s_tx_dropped;

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    const hal_eth_t *eth = netif->state;
    uint32_t start = hal_millis();
    int rc = eth->ops->tx_begin(eth->ctx, p->tot_len);
    for (unsigned i = 0; rc == HAL_ETH_BUSY && i < TX_BUSY_TRIES && (uint32_t)(hal_millis() - start) < TX_BUSY_WAIT_MS;
         i++) {
        rc = eth->ops->tx_begin(eth->ctx, p->tot_len);
    }
    if (rc != HAL_ETH_OK) {
        s_tx_dropped++;
        return rc == HAL_ETH_BUSY ? ERR_MEM : ERR_IF;
    }
    for (const struct pbuf *q = p; q != NULL; q = q->next) {
        eth->ops->tx_write(eth->ctx, q->payload, q->len);
    }
    eth->ops->tx_end(eth->ctx);
    return ERR_OK;
}

err_t ethif_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

unsigned ethif_input(struct netif *netif, unsigned max_frames)
{
    const hal_eth_t *eth = netif->state;
    unsigned n = 0;
    size_t len;
    while (n < max_frames && (len = eth->ops->rx_peek(eth->ctx)) > 0) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (p != NULL) {
            for (struct pbuf *q = p; q != NULL; q = q->next) {
                eth->ops->rx_read(eth->ctx, q->payload, q->len);
            }
        }
        eth->ops->rx_done(eth->ctx);
        n++;
        if (p != NULL && netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
        }
        /* p == NULL: the pool is full; the frame is dropped like on a wire */
    }
    return n;
}

uint32_t ethif_tx_dropped(void)
{
    return s_tx_dropped;
}
