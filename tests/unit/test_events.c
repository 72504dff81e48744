/* The event sink (events.h): the exact `EVT` line of every event (spec
 * section 2) and the LED flash that goes with it; the LED patterns (led.h)
 * on the LEDs a board has, over the fake clock; the reason tokens of
 * transport failures (transport.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "events.h"
#include "fake_hal.h"
#include "led.h"
#include "transport.h"

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    console_init();
    led_init();
    return 0;
}

static void said(const char *want)
{
    char *out = fake_console_take();
    assert_string_equal(out, want);
    free(out);
}

/* ---- events */

static void device_and_network_events(void **state)
{
    (void)state;
    ev_boot("1.2.3", "lm3s6965evb", "por", true);
    said("EVT boot version=1.2.3 board=lm3s6965evb reset=por\r\n");
    ev_boot("1.2.3", "nucleo-f429zi", "wdt", false);
    said("EVT boot version=1.2.3 board=nucleo-f429zi reset=wdt nvm=none\r\n");
    ev_net_up("192.168.7.20");
    said("EVT net up ip=192.168.7.20\r\n");
    ev_net_down(NULL, 0);
    said("EVT net down\r\n");
    ev_net_down("phy", 4000);
    said("EVT net down reason=phy retry_in_ms=4000\r\n");
    ev_net_down("unusable", 0);
    said("EVT net down reason=unusable\r\n");
    assert_string_equal(led_pattern_name(), "off"); /* none of them flashes */
}

static void time_events(void **state)
{
    (void)state;
    ev_time_synced(UINT64_C(1796515200123)); /* 2026-12-06T00:00:00.123Z */
    said("EVT time synced utc=2026-12-06T00:00:00.123Z\r\n");
    ev_time_suspect(3600000);
    said("EVT time suspect step_s=3600\r\n");
    ev_time_suspect(-90500); /* whole seconds, towards zero */
    said("EVT time suspect step_s=-90\r\n");
    ev_time_suspect(-999);
    said("EVT time suspect step_s=-0\r\n");
    ev_time_suspect(INT64_C(-4102444800000)); /* 130 years back: still 32 bits of seconds */
    said("EVT time suspect step_s=-4102444800\r\n");
}

static void press_and_trigger_events_and_their_flashes(void **state)
{
    (void)state;
    ev_press("up", "double");
    said("EVT press button=up kind=double\r\n");
    assert_string_equal(led_pattern_name(), "off");
    fake_time_set(1000);
    ev_queued("pb-1-2-3", "deploy");
    said("EVT queued id=pb-1-2-3 action=deploy\r\n");
    assert_string_equal(led_pattern_name(), "accepted");
    fake_time_set(1599);
    assert_string_equal(led_pattern_name(), "accepted");
    fake_time_set(1600); /* 600 ms */
    assert_string_equal(led_pattern_name(), "off");

    ev_refused("not-configured", false);
    said("EVT refused reason=not-configured\r\n");
    assert_string_equal(led_pattern_name(), "error");
    ev_refused("queue-full", true);
    said("EVT refused reason=queue-full\r\n");
    assert_string_equal(led_pattern_name(), "queue-full");
    fake_time_set(1600 + 3000);
    assert_string_equal(led_pattern_name(), "off");

    ev_refused_quietly(true); /* the command answers with ERR itself */
    said("");
    assert_string_equal(led_pattern_name(), "queue-full");
    ev_refused_quietly(false);
    assert_string_equal(led_pattern_name(), "error");
}

static void delivery_events_and_their_flashes(void **state)
{
    (void)state;
    ev_sending("pb-1-2-3", 2);
    said("EVT sending id=pb-1-2-3 attempt=2\r\n");
    ev_tls_fail("pb-1-2-3", "cert-expired");
    said("EVT tls-fail id=pb-1-2-3 reason=cert-expired\r\n");
    ev_retry("pb-1-2-3", 2, 4000, "503");
    said("EVT retry id=pb-1-2-3 attempt=2 in_ms=4000 reason=503\r\n");
    ev_expired("pb-1-2-3");
    said("EVT expired id=pb-1-2-3\r\n");
    assert_string_equal(led_pattern_name(), "off");

    fake_time_set(10000);
    ev_delivered("pb-1-2-3", 3, 200, true, 5230);
    said("EVT delivered id=pb-1-2-3 attempt=3 status=200 ms=5230\r\n");
    assert_string_equal(led_pattern_name(), "delivered");
    ev_delivered("pb-1-2-4", 1, 202, false, 0); /* press time estimated after a reset */
    said("EVT delivered id=pb-1-2-4 attempt=1 status=202\r\n");
    fake_time_set(11499);
    assert_string_equal(led_pattern_name(), "delivered");
    fake_time_set(11500);
    assert_string_equal(led_pattern_name(), "off");

    ev_error("pb-1-2-5", 1, 404, "webhook-rejected");
    said("EVT error id=pb-1-2-5 attempt=1 status=404 reason=webhook-rejected\r\n");
    assert_string_equal(led_pattern_name(), "error");
    fake_time_set(14499);
    assert_string_equal(led_pattern_name(), "error");
    fake_time_set(14500);
    assert_string_equal(led_pattern_name(), "off");
}

static void run_events(void **state)
{
    (void)state;
    ev_run_not_started("pb-1-2-3");
    said("EVT run id=pb-1-2-3 state=not-started\r\n");
    ev_run_lost("pb-1-2-3", "capacity");
    said("EVT run id=pb-1-2-3 state=lost reason=capacity\r\n");
    ev_run_seen("pb-1-2-3", 4711, "20261206.3", "queued");
    said("EVT run id=pb-1-2-3 build=4711 number=20261206.3 state=queued\r\n");
    ev_run_completed("pb-1-2-3", 4711, "20261206.3", "succeeded", true);
    said("EVT run id=pb-1-2-3 build=4711 number=20261206.3 state=completed result=succeeded\r\n");
    ev_run_seen("pb-1-2-3", 4294967295u, "x", "running");
    said("EVT run id=pb-1-2-3 build=4294967295 number=x state=running\r\n");
}

/* ---- LED patterns */

/* The device's state as the LED's base function sees it. */
static led_pattern_t s_base = LED_OFF;

static led_pattern_t base_now(void)
{
    return s_base;
}

static void base(led_pattern_t p)
{
    s_base = p;
    led_set_base_fn(base_now);
}

static bool leds(bool status, bool busy, bool error)
{
    return fake_led(HAL_LED_STATUS) == status && fake_led(HAL_LED_BUSY) == busy && fake_led(HAL_LED_ERROR) == error;
}

static void draw_at(uint32_t ms)
{
    fake_time_set(ms);
    led_task();
}

static void a_blinking_pattern_follows_the_clock(void **state)
{
    (void)state;
    base(LED_IDLE); /* 100 ms on every 2 s */
    assert_string_equal(led_pattern_name(), "idle");
    draw_at(0);
    assert_true(leds(true, false, false));
    draw_at(99);
    assert_true(leds(true, false, false));
    draw_at(100);
    assert_true(leds(false, false, false));
    draw_at(1999);
    assert_true(leds(false, false, false));
    draw_at(2000);
    assert_true(leds(true, false, false));
    base(LED_UNCONFIGURED); /* half a second on, half off */
    draw_at(2499);
    assert_true(leds(true, false, false));
    draw_at(2500);
    assert_true(leds(false, false, false));
    base(LED_OFF);
    draw_at(3000);
    assert_true(leds(false, false, false));
}

static void a_role_the_board_lacks_is_drawn_on_status(void **state)
{
    (void)state;
    /* the fake board has only the status LED */
    base(LED_SENDING); /* fast blink on the busy LED */
    draw_at(0);
    assert_true(leds(true, false, false));
    draw_at(150);
    assert_true(leds(false, false, false));
    base(LED_QUEUE_FULL); /* steady on the error LED */
    draw_at(150);
    assert_true(leds(true, false, false));
    /* a board with all three */
    fake_led_set_present(HAL_LED_BUSY, true);
    fake_led_set_present(HAL_LED_ERROR, true);
    draw_at(300);
    assert_true(leds(false, false, true));
    base(LED_PENDING); /* 100 ms of every second, busy LED */
    draw_at(1050);
    assert_true(leds(false, true, false));
    draw_at(1100);
    assert_true(leds(false, false, false));
    base(LED_DELIVERED);
    draw_at(1100);
    assert_true(leds(true, false, false));
    base(LED_ERROR); /* 125 ms of every 250 */
    draw_at(1250);
    assert_true(leds(false, false, true));
    draw_at(1375);
    assert_true(leds(false, false, false));
}

static led_pattern_t s_state_pattern = LED_PENDING;

static led_pattern_t device_state(void)
{
    return s_state_pattern;
}

static void the_base_follows_the_device_and_a_flash_overlays_it(void **state)
{
    (void)state;
    led_set_base_fn(device_state);
    assert_string_equal(led_pattern_name(), "pending");
    s_state_pattern = LED_SENDING;
    assert_string_equal(led_pattern_name(), "sending");
    fake_time_set(500);
    led_flash(LED_ACCEPTED, 600);
    assert_string_equal(led_pattern_name(), "accepted");
    fake_led_set_present(HAL_LED_BUSY, true);
    draw_at(1099);
    assert_true(leds(false, true, false)); /* accepted: steady on busy */
    draw_at(1100);
    assert_string_equal(led_pattern_name(), "sending");
    /* a later flash replaces an earlier one */
    led_flash(LED_ERROR, 3000);
    led_flash(LED_DELIVERED, 1000);
    assert_string_equal(led_pattern_name(), "delivered");
    fake_time_set(2100);
    assert_string_equal(led_pattern_name(), "sending");
    /* led_init turns every LED off and forgets the flash and the function */
    led_set_base_fn(device_state);
    led_flash(LED_ERROR, 3000);
    draw_at(2100);
    led_init();
    assert_true(leds(false, false, false));
    assert_string_equal(led_pattern_name(), "off");
}

static void a_flash_survives_the_clock_wrapping(void **state)
{
    (void)state;
    fake_time_set(UINT32_MAX - 100);
    led_flash(LED_ERROR, 3000);
    fake_time_advance(1100); /* the millisecond tick wraps */
    assert_true(hal_millis() < 1000);
    assert_string_equal(led_pattern_name(), "error");
    fake_time_advance(1899);
    assert_string_equal(led_pattern_name(), "error");
    fake_time_advance(1); /* 3000 ms */
    assert_string_equal(led_pattern_name(), "off");
}

static void status_names_the_pattern(void **state)
{
    (void)state;
    base(LED_UNCONFIGURED);
    fake_console_input("status\r\n");
    console_task();
    char *out = fake_console_take();
    assert_non_null(strstr(out, "\r\nled=unconfigured\r\n"));
    free(out);
}

/* ---- transport failure tokens */

static void transport_failures_have_the_specs_tokens(void **state)
{
    (void)state;
    static const struct {
        transport_failure_t f;
        const char *tls, *name;
    } t[] = {
        {TRANSPORT_FAIL_NONE, NULL, "none"},
        {TRANSPORT_FAIL_DNS, NULL, "dns"},
        {TRANSPORT_FAIL_CONNECT, NULL, "connect"},
        {TRANSPORT_FAIL_TIMEOUT, NULL, "timeout"},
        {TRANSPORT_FAIL_NO_ENTROPY, "no-entropy", "no-entropy"},
        {TRANSPORT_FAIL_NO_MEMORY, "no-memory", "no-memory"},
        {TRANSPORT_FAIL_CERT_UNTRUSTED, "cert-untrusted", "cert-untrusted"},
        {TRANSPORT_FAIL_CERT_EXPIRED, "cert-expired", "cert-expired"},
        {TRANSPORT_FAIL_CERT_NOT_YET_VALID, "cert-not-yet-valid", "cert-not-yet-valid"},
        {TRANSPORT_FAIL_HOSTNAME, "hostname-mismatch", "hostname-mismatch"},
        {TRANSPORT_FAIL_HANDSHAKE, "handshake", "handshake"},
        {TRANSPORT_FAIL_IO, NULL, "io"},
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (t[i].tls == NULL) {
            assert_null(transport_tls_token(t[i].f));
        } else {
            assert_string_equal(transport_tls_token(t[i].f), t[i].tls);
        }
        assert_string_equal(transport_failure_name(t[i].f), t[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(device_and_network_events, setup),
        cmocka_unit_test_setup(time_events, setup),
        cmocka_unit_test_setup(press_and_trigger_events_and_their_flashes, setup),
        cmocka_unit_test_setup(delivery_events_and_their_flashes, setup),
        cmocka_unit_test_setup(run_events, setup),
        cmocka_unit_test_setup(a_blinking_pattern_follows_the_clock, setup),
        cmocka_unit_test_setup(a_role_the_board_lacks_is_drawn_on_status, setup),
        cmocka_unit_test_setup(the_base_follows_the_device_and_a_flash_overlays_it, setup),
        cmocka_unit_test_setup(a_flash_survives_the_clock_wrapping, setup),
        cmocka_unit_test_setup(status_names_the_pattern, setup),
        cmocka_unit_test_setup(transport_failures_have_the_specs_tokens, setup),
    };
    return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
