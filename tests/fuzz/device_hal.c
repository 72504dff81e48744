#include "device_hal.h"

#include <stdlib.h>
#include <string.h>

#include "ringbuf.h"

jmp_buf fz_reset_jmp;
bool fz_reset_armed;
unsigned fz_resets;

static uint8_t s_rx_store[FZ_RX_SIZE];
static ringbuf_t s_rx;
static char *s_tx;
static size_t s_tx_len, s_tx_cap;
static uint64_t s_now;
static hal_reset_cause_t s_cause;
static bool s_leds[HAL_LED_ROLES];

static const char *const s_buttons[] = {"select", "up", "down", "left", "right"};

void fz_hal_power_on(hal_reset_cause_t cause)
{
    memset(s_rx_store, 0, sizeof s_rx_store); /* RAM does not survive a power cycle */
    ringbuf_init(&s_rx, s_rx_store, sizeof s_rx_store);
    s_now = 0;
    s_cause = cause;
    memset(s_leds, 0, sizeof s_leds);
}

/* ---- console */

size_t fz_uart_receive(const uint8_t *data, size_t len)
{
    return ringbuf_write(&s_rx, data, len);
}

size_t fz_uart_pending(void)
{
    return ringbuf_used(&s_rx);
}

const uint8_t *fz_uart_rx_storage(size_t *size)
{
    *size = sizeof s_rx_store;
    return s_rx_store;
}

const char *fz_tx(size_t *len)
{
    *len = s_tx_len;
    return s_tx != NULL ? s_tx : "";
}

size_t fz_tx_len(void)
{
    return s_tx_len;
}

void fz_tx_clear(void)
{
    s_tx_len = 0;
}

size_t hal_console_read(uint8_t *buf, size_t max)
{
    return ringbuf_read(&s_rx, buf, max);
}

size_t hal_console_write(const uint8_t *buf, size_t len)
{
    if (s_tx_len + len > s_tx_cap) {
        size_t cap = (s_tx_len + len) * 2u + 4096u;
        char *p = realloc(s_tx, cap);
        if (p == NULL) {
            abort();
        }
        s_tx = p;
        s_tx_cap = cap;
    }
    memcpy(s_tx + s_tx_len, buf, len);
    s_tx_len += len;
    return len;
}

size_t hal_console_tx_space(void)
{
    return 2048;
}

uint32_t hal_console_rx_overruns(void)
{
    return 0;
}

static void __attribute__((noreturn)) reset_now(void)
{
    fz_resets++;
    if (!fz_reset_armed) {
        abort();
    }
    longjmp(fz_reset_jmp, 1);
}

void hal_console_flush(void)
{
    reset_now();
}

/* ---- time */

void fz_time_advance(uint32_t ms)
{
    s_now += ms;
}

uint32_t hal_millis(void)
{
    return (uint32_t)s_now;
}

uint64_t hal_uptime_ms(void)
{
    return s_now;
}

void hal_tick_set_hook(hal_tick_hook_t hook)
{
    (void)hook; /* nothing presses the buttons here */
}

/* ---- buttons and LEDs: lm3s6965evb's set */

unsigned hal_button_count(void)
{
    return sizeof s_buttons / sizeof s_buttons[0];
}

const char *hal_button_name(unsigned i)
{
    return i < hal_button_count() ? s_buttons[i] : "?";
}

unsigned hal_button_primary(void)
{
    return 0;
}

uint32_t hal_button_levels(void)
{
    return 0;
}

bool hal_led_present(hal_led_role_t role)
{
    return role == HAL_LED_STATUS;
}

void hal_led_set(hal_led_role_t role, bool on)
{
    s_leds[role] = on;
}

/* ---- board, watchdog, reset */

void hal_board_init(void) {}

const char *hal_board_name(void)
{
    return "host";
}

void hal_idle(void) {}

size_t hal_stack_peak(void)
{
    return 0;
}

size_t hal_stack_size(void)
{
    return 0;
}

size_t hal_heap_peak(void)
{
    return 0;
}

size_t hal_heap_size(void)
{
    return 0;
}

void hal_wdt_start(void) {}

void hal_wdt_feed(void) {}

hal_reset_cause_t hal_reset_cause(void)
{
    return s_cause;
}

void hal_reset(void)
{
    reset_now();
}
