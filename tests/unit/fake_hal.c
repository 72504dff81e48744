#include "fake_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char s_in[8192];
static size_t s_in_len, s_in_pos;
static char *s_out;
static size_t s_out_len, s_out_cap;
static size_t s_write_chunk;
static bool s_stalled;
static uint64_t s_now;
static hal_tick_hook_t s_hook;
static uint32_t s_levels;
static bool s_leds[HAL_LED_ROLES];
static bool s_led_present[HAL_LED_ROLES] = {true, false, false};

jmp_buf fake_reset_jmp;
bool fake_reset_armed;
unsigned fake_reset_count;
unsigned fake_wdt_feeds;

static const char *const s_button_names[] = {"select", "up", "down"};

void fake_hal_reset_all(void)
{
    s_in_len = s_in_pos = 0;
    free(s_out);
    s_out = NULL;
    s_out_len = s_out_cap = 0;
    s_write_chunk = 0;
    s_stalled = false;
    s_now = 0;
    s_hook = NULL;
    s_levels = 0;
    memset(s_leds, 0, sizeof s_leds);
    s_led_present[HAL_LED_STATUS] = true;
    s_led_present[HAL_LED_BUSY] = false;
    s_led_present[HAL_LED_ERROR] = false;
    fake_reset_armed = false;
    fake_reset_count = 0;
    fake_wdt_feeds = 0;
}

/* ---- console */
void fake_console_input_bytes(const void *data, size_t len)
{
    if (s_in_pos == s_in_len) {
        s_in_pos = s_in_len = 0;
    }
    if (len > sizeof s_in - s_in_len) {
        abort(); /* the test asked for more than the fake holds */
    }
    memcpy(s_in + s_in_len, data, len);
    s_in_len += len;
}

void fake_console_input(const char *s)
{
    fake_console_input_bytes(s, strlen(s));
}

char *fake_console_take(void)
{
    char *r = malloc(s_out_len + 1);
    memcpy(r, s_out ? s_out : "", s_out_len);
    r[s_out_len] = '\0';
    s_out_len = 0;
    return r;
}

void fake_console_set_write_chunk(size_t n)
{
    s_write_chunk = n;
}

size_t hal_console_read(uint8_t *buf, size_t max)
{
    size_t n = s_in_len - s_in_pos;
    if (n > max) {
        n = max;
    }
    memcpy(buf, s_in + s_in_pos, n);
    s_in_pos += n;
    return n;
}

void fake_console_set_stalled(bool stalled)
{
    s_stalled = stalled;
}

size_t hal_console_write(const uint8_t *buf, size_t len)
{
    if (s_stalled) {
        s_now++; /* time passes while the writer waits */
        return 0;
    }
    if (s_write_chunk && len > s_write_chunk) {
        len = s_write_chunk;
    }
    if (s_out_len + len + 1 > s_out_cap) {
        s_out_cap = (s_out_len + len + 1) * 2;
        s_out = realloc(s_out, s_out_cap);
    }
    memcpy(s_out + s_out_len, buf, len);
    s_out_len += len;
    return len;
}

void hal_console_flush(void) {}
uint32_t hal_console_rx_overruns(void) { return 0; }

/* ---- time */
void fake_time_set(uint32_t ms) { s_now = ms; }

void fake_time_advance(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        s_now++;
        if (s_hook) {
            s_hook((uint32_t)s_now);
        }
    }
}

uint32_t hal_millis(void) { return (uint32_t)s_now; }
uint64_t hal_uptime_ms(void) { return s_now; }
void hal_tick_set_hook(hal_tick_hook_t hook) { s_hook = hook; }

/* ---- buttons */
void fake_buttons_set(unsigned index, bool pressed)
{
    if (pressed) {
        s_levels |= 1u << index;
    } else {
        s_levels &= ~(1u << index);
    }
}

unsigned hal_button_count(void) { return 3; }
const char *hal_button_name(unsigned i) { return i < 3 ? s_button_names[i] : "?"; }
unsigned hal_button_primary(void) { return 0; }
uint32_t hal_button_levels(void) { return s_levels; }

/* ---- LEDs */
bool fake_led(hal_led_role_t role) { return s_leds[role]; }
void fake_led_set_present(hal_led_role_t role, bool present) { s_led_present[role] = present; }
bool hal_led_present(hal_led_role_t role) { return s_led_present[role]; }
void hal_led_set(hal_led_role_t role, bool on) { s_leds[role] = on; }

/* ---- board, watchdog, reset */
void hal_board_init(void) {}
const char *hal_board_name(void) { return "host"; }
void hal_idle(void) {}
size_t hal_stack_peak(void) { return 1234; }
size_t hal_stack_size(void) { return 8192; }
size_t hal_heap_peak(void) { return 0; }
size_t hal_heap_size(void) { return 4096; }

void hal_wdt_start(void) {}
void hal_wdt_feed(void) { fake_wdt_feeds++; }
hal_reset_cause_t hal_reset_cause(void) { return HAL_RESET_POR; }

void hal_reset(void)
{
    fake_reset_count++;
    if (fake_reset_armed) {
        longjmp(fake_reset_jmp, 1);
    }
    abort();
}
