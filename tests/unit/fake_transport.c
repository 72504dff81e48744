#include "fake_transport.h"

#include <stdlib.h>
#include <string.h>

#define BUF_MAX 65536u

static struct {
    transport_state_t state;
    transport_failure_t failure;
    transport_failure_t next_how, every_how;
    unsigned next_polls, polls_left;
    uint8_t rx[BUF_MAX];
    size_t rx_len, rx_off;
    bool closed_after;   /* the peer closes once rx is read */
    bool reset;
    uint8_t tx[BUF_MAX];
    size_t tx_len;
    size_t send_chunk, recv_chunk;
    unsigned opens, closes;
    char host[256];
    uint16_t port;
} f;

static void f_close(void *ctx);

static void f_open(void *ctx, const char *host, uint16_t port)
{
    f_close(ctx);
    f.opens++;
    strncpy(f.host, host, sizeof f.host - 1);
    f.port = port;
    f.state = TRANSPORT_OPENING;
    f.failure = TRANSPORT_FAIL_NONE;
    f.polls_left = f.next_polls;
    f.rx_len = f.rx_off = 0;
    f.closed_after = f.reset = false;
}

static transport_state_t f_poll(void *ctx)
{
    (void)ctx;
    if (f.state == TRANSPORT_OPENING) {
        if (f.polls_left > 0) {
            f.polls_left--;
        } else if (f.next_how == TRANSPORT_FAIL_NONE && f.every_how == TRANSPORT_FAIL_NONE) {
            f.state = TRANSPORT_OPEN;
        } else {
            f.state = TRANSPORT_FAILED;
            f.failure = f.next_how != TRANSPORT_FAIL_NONE ? f.next_how : f.every_how;
            f.next_how = TRANSPORT_FAIL_NONE;
        }
    }
    return f.state;
}

static transport_state_t f_state(void *ctx)
{
    (void)ctx;
    return f.state;
}

static transport_failure_t f_failure(void *ctx)
{
    (void)ctx;
    return f.failure;
}

static int f_send(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    if (f.state != TRANSPORT_OPEN || f.reset) {
        f.state = TRANSPORT_FAILED;
        f.failure = TRANSPORT_FAIL_IO;
        return TRANSPORT_ERROR;
    }
    size_t n = len < f.send_chunk ? len : f.send_chunk;
    if (n > BUF_MAX - f.tx_len) {
        n = BUF_MAX - f.tx_len;
    }
    memcpy(f.tx + f.tx_len, data, n);
    f.tx_len += n;
    return (int)n;
}

static int f_recv(void *ctx, void *buf, size_t size)
{
    (void)ctx;
    if (f.state != TRANSPORT_OPEN || f.reset) {
        f.state = TRANSPORT_FAILED;
        f.failure = TRANSPORT_FAIL_IO;
        return TRANSPORT_ERROR;
    }
    size_t avail = f.rx_len - f.rx_off;
    if (avail == 0) {
        return f.closed_after ? TRANSPORT_CLOSED : TRANSPORT_AGAIN;
    }
    size_t n = avail < size ? avail : size;
    if (n > f.recv_chunk) {
        n = f.recv_chunk;
    }
    memcpy(buf, f.rx + f.rx_off, n);
    f.rx_off += n;
    return (int)n;
}

static bool f_idle_clean(void *ctx)
{
    (void)ctx;
    return f.state == TRANSPORT_OPEN && !f.reset && !f.closed_after && f.rx_off == f.rx_len;
}

static void f_close(void *ctx)
{
    (void)ctx;
    if (f.state != TRANSPORT_IDLE) {
        f.closes++;
    }
    f.state = TRANSPORT_IDLE;
}

static const transport_ops_t s_ops = {f_open, f_poll, f_state, f_failure, f_send, f_recv, f_idle_clean, f_close};
static const transport_t s_transport = {&s_ops, NULL};

void fake_transport_reset(void)
{
    memset(&f, 0, sizeof f);
    f.send_chunk = BUF_MAX;
    f.recv_chunk = BUF_MAX;
}

const transport_t *fake_transport(void)
{
    return &s_transport;
}

void fake_transport_next_open(transport_failure_t how, unsigned polls)
{
    f.next_how = how;
    f.next_polls = polls;
}

void fake_transport_every_open(transport_failure_t how)
{
    f.every_how = how;
}

void fake_transport_peer_bytes(const void *data, size_t len)
{
    if (len > BUF_MAX - f.rx_len) {
        len = BUF_MAX - f.rx_len;
    }
    memcpy(f.rx + f.rx_len, data, len);
    f.rx_len += len;
}

void fake_transport_peer_says(const char *text)
{
    fake_transport_peer_bytes(text, strlen(text));
}

void fake_transport_peer_closes(void)
{
    f.closed_after = true;
}

void fake_transport_peer_resets(void)
{
    f.reset = true;
}

void fake_transport_send_chunk(size_t n)
{
    f.send_chunk = n;
}

void fake_transport_recv_chunk(size_t n)
{
    f.recv_chunk = n == 0 ? BUF_MAX : n;
}

char *fake_transport_take_sent(void)
{
    char *s = malloc(f.tx_len + 1);
    memcpy(s, f.tx, f.tx_len);
    s[f.tx_len] = '\0';
    f.tx_len = 0;
    return s;
}

unsigned fake_transport_opens(void)
{
    return f.opens;
}

unsigned fake_transport_closes(void)
{
    return f.closes;
}

const char *fake_transport_host(void)
{
    return f.host;
}

uint16_t fake_transport_port(void)
{
    return f.port;
}

bool fake_transport_open_now(void)
{
    return f.state == TRANSPORT_OPEN;
}
