#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "console.h"
#include "delivery.h"
#include "device.h"
#include "fake_device.h"
#include "fake_hal.h"
#include "queue.h"
#include "trigger.h"
#include "wallclock.h"

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    console_init();
    wallclock_init();
    return 0;
}

static void unset_until_set(void **state)
{
    (void)state;
    uint64_t t = 7;
    assert_false(wallclock_now(&t));
    assert_int_equal(t, 7);
    assert_string_equal(wallclock_state_name(), "unsynced");
}

static void format_known_instants(void **state)
{
    (void)state;
    char iso[WALLCLOCK_ISO_LEN];
    wallclock_format(0, iso);
    assert_string_equal(iso, "1970-01-01T00:00:00.000Z");
    wallclock_format(951782400123u, iso); /* leap day 2000 */
    assert_string_equal(iso, "2000-02-29T00:00:00.123Z");
    wallclock_format(1795863600999u, iso);
    assert_string_equal(iso, "2026-11-28T11:00:00.999Z");
    wallclock_format(4102444799000u, iso);
    assert_string_equal(iso, "2099-12-31T23:59:59.000Z");
}

static void parse_round_trips(void **state)
{
    (void)state;
    uint64_t ms;
    assert_true(wallclock_parse("2026-11-28T11:00:00Z", &ms));
    assert_int_equal(ms, 1795863600000u);
    assert_true(wallclock_parse("2026-11-28T11:00:00.5Z", &ms));
    assert_int_equal(ms, 1795863600500u);
    assert_true(wallclock_parse("2000-02-29T00:00:00.123456789Z", &ms));
    assert_int_equal(ms, 951782400123u);
    char iso[WALLCLOCK_ISO_LEN];
    for (uint64_t t = 946684800000u; t < 4102444800000u; t += 86400123u * 37u) {
        wallclock_format(t, iso);
        assert_true(wallclock_parse(iso, &ms));
        assert_int_equal(ms, t);
    }
}

static void parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "2026-11-28", "2026-11-28T11:00:00", "2026-11-28T11:00:00+00:00",
                                      "2026-11-28 11:00:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                                      "2100-02-28T00:00:00Z", "1999-12-31T23:59:59Z", "2026-11-28T24:00:00Z",
                                      "2026-11-28T23:60:00Z", "2026-11-28T23:59:60Z", "2026-11-28T11:00:00.Z",
                                      "2026-11-28T11:00:00.1234567890Z", "2026-11-28T11:00:00Zjunk",
                                      "2026-1-28T11:00:00Z"};
    uint64_t ms;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(wallclock_parse(bad[i], &ms));
    }
}

/* Times the tests use: well after the firmware's build date, whatever it is. */
#define MIN_MS 60000u
#define DAY 86400000ull
static uint64_t t0(void)
{
    return wallclock_floor_ms() + 30u * DAY + 11u * 3600000u;
}

static char *take(void)
{
    return fake_console_take();
}

static void console_is(const char *want)
{
    char *out = take();
    assert_string_equal(out, want);
    free(out);
}

static void synced_event_is(uint64_t utc_ms)
{
    char iso[WALLCLOCK_ISO_LEN], want[64];
    wallclock_format(utc_ms, iso);
    snprintf(want, sizeof want, "EVT time synced utc=%s\r\n", iso);
    console_is(want);
}

static uint64_t now_ms(void)
{
    uint64_t t = 0;
    assert_true(wallclock_now(&t));
    return t;
}

static void manual_then_ntp(void **state)
{
    (void)state;
    fake_time_set(5000);
    wallclock_set_manual(t0());
    assert_string_equal(wallclock_state_name(), "manual");
    fake_time_advance(250);
    assert_int_equal(now_ms(), t0() + 250u);
    uint64_t at;
    assert_true(wallclock_at_uptime(1000, &at)); /* back-dating a press */
    assert_int_equal(at, t0() - 4000u);
    free(take());
    assert_int_equal(wallclock_set_ntp(t0() + 100000u), WALLCLOCK_APPLIED);
    synced_event_is(t0() + 100000u);
    assert_string_equal(wallclock_state_name(), "synced");
}

static void small_ntp_corrections_are_quiet(void **state)
{
    (void)state;
    wallclock_set_ntp(t0());
    free(take());
    wallclock_set_ntp(t0() + 999u); /* 999 ms step */
    console_is("");
    wallclock_set_ntp(t0() - 1000u); /* 1999 ms back */
    synced_event_is(t0() - 1000u);
}

/* ---- time trust (spec section 5) */

static void nothing_before_the_build_date(void **state)
{
    (void)state;
    uint64_t floor = wallclock_floor_ms();
    assert_true(floor % DAY == 0);
    assert_true(floor > 1767225600000ull); /* 2026-01-01: a real build date */
    assert_int_equal(wallclock_set_ntp(floor - 1u), WALLCLOCK_REFUSED);
    assert_int_equal(wallclock_set_ntp(946684800000ull), WALLCLOCK_REFUSED); /* a server stuck in 2000 */
    assert_string_equal(wallclock_state_name(), "unsynced");
    console_is("");
    assert_int_equal(wallclock_set_ntp(floor), WALLCLOCK_APPLIED);
    synced_event_is(floor);
    /* once set, an earlier answer is not even a candidate step */
    assert_int_equal(wallclock_set_ntp(floor - 3u * DAY), WALLCLOCK_REFUSED);
    console_is("");
    assert_string_equal(wallclock_state_name(), "synced");
    /* a person may set any time */
    wallclock_set_manual(floor - 400u * DAY);
    assert_int_equal(now_ms(), floor - 400u * DAY);
}

static void a_large_step_is_held_and_the_clock_runs_on(void **state)
{
    (void)state;
    assert_int_equal(wallclock_set_ntp(t0()), WALLCLOCK_APPLIED); /* the first setting: taken as it is */
    free(take());
    /* 15 minutes either way is a correction... */
    fake_time_advance(1000);
    assert_int_equal(wallclock_set_ntp(t0() + 1000u + 15u * MIN_MS), WALLCLOCK_APPLIED);
    synced_event_is(t0() + 1000u + 15u * MIN_MS);
    assert_int_equal(wallclock_set_ntp(t0() + 1000u), WALLCLOCK_APPLIED);
    synced_event_is(t0() + 1000u);
    /* ...a millisecond more is a step to confirm */
    assert_int_equal(wallclock_set_ntp(t0() + 1000u + 15u * MIN_MS + 1u), WALLCLOCK_HELD);
    console_is("EVT time suspect step_s=900\r\n");
    assert_string_equal(wallclock_state_name(), "suspect");
    assert_true(wallclock_suspect());
    /* two days ahead, three days back: held, and the clock runs on */
    assert_int_equal(wallclock_set_ntp(t0() + 1000u + 2u * DAY), WALLCLOCK_HELD);
    console_is("EVT time suspect step_s=172800\r\n");
    fake_time_advance(5000);
    assert_int_equal(now_ms(), t0() + 6000u);
    assert_int_equal(wallclock_set_ntp(t0() + 6000u - 3u * DAY), WALLCLOCK_HELD);
    console_is("EVT time suspect step_s=-259200\r\n");
    assert_int_equal(now_ms(), t0() + 6000u);
    /* an answer that agrees with the clock again ends it */
    assert_int_equal(wallclock_set_ntp(t0() + 6020u), WALLCLOCK_APPLIED);
    synced_event_is(t0() + 6020u);
    assert_string_equal(wallclock_state_name(), "synced");
}

/* Answers every 2 minutes that agree: the step is applied once they span
 * 10 minutes, not before. */
static void a_step_confirmed_over_ten_minutes_is_applied(void **state)
{
    (void)state;
    wallclock_set_ntp(t0());
    free(take());
    const uint64_t ahead = 2u * DAY;
    for (unsigned i = 0; i < 5; i++) {
        /* the server's answers jitter by a few seconds: still agreement */
        uint64_t answer = t0() + i * 2u * MIN_MS + ahead + (i % 2u) * 3000u;
        assert_int_equal(wallclock_set_ntp(answer), WALLCLOCK_HELD);
        assert_int_equal(now_ms(), t0() + i * 2u * MIN_MS);
        fake_time_advance(2u * MIN_MS);
    }
    console_is("EVT time suspect step_s=172800\r\n"); /* once, for the step */
    assert_int_equal(wallclock_set_ntp(t0() + 10u * MIN_MS + ahead), WALLCLOCK_APPLIED);
    synced_event_is(t0() + 10u * MIN_MS + ahead);
    assert_int_equal(now_ms(), t0() + 10u * MIN_MS + ahead);
    assert_string_equal(wallclock_state_name(), "synced");
    /* the running clock did not move */
    uint64_t running;
    assert_true(wallclock_running(&running));
    assert_int_equal(running, t0() + 10u * MIN_MS);
}

/* An answer that disagrees with the step held starts the wait again. */
static void a_disagreeing_answer_starts_the_wait_again(void **state)
{
    (void)state;
    wallclock_set_ntp(t0());
    free(take());
    assert_int_equal(wallclock_set_ntp(t0() + 2u * DAY), WALLCLOCK_HELD);
    fake_time_advance(5u * MIN_MS);
    assert_int_equal(wallclock_set_ntp(t0() + 5u * MIN_MS + 3u * DAY), WALLCLOCK_HELD);
    console_is("EVT time suspect step_s=172800\r\nEVT time suspect step_s=259200\r\n");
    fake_time_advance(6u * MIN_MS); /* 11 minutes after the first, 6 after the second */
    assert_int_equal(wallclock_set_ntp(t0() + 11u * MIN_MS + 3u * DAY), WALLCLOCK_HELD);
    assert_int_equal(wallclock_set_ntp(t0() + 11u * MIN_MS + 2u * DAY), WALLCLOCK_HELD); /* and again */
    console_is("EVT time suspect step_s=172800\r\n");
    fake_time_advance(10u * MIN_MS - 1u);
    assert_int_equal(wallclock_set_ntp(t0() + 21u * MIN_MS - 1u + 2u * DAY), WALLCLOCK_HELD);
    fake_time_advance(1);
    assert_int_equal(wallclock_set_ntp(t0() + 21u * MIN_MS + 2u * DAY), WALLCLOCK_APPLIED);
    assert_int_equal(now_ms(), t0() + 21u * MIN_MS + 2u * DAY);
}

static void a_person_sets_the_time_at_once(void **state)
{
    (void)state;
    wallclock_set_ntp(t0());
    assert_int_equal(wallclock_set_ntp(t0() + 2u * DAY), WALLCLOCK_HELD);
    free(take());
    wallclock_set_manual(t0() - 3u * DAY); /* whatever it steps */
    assert_string_equal(wallclock_state_name(), "manual");
    assert_int_equal(now_ms(), t0() - 3u * DAY);
    console_is("");
    /* the network is checked against the clock the person set */
    assert_int_equal(wallclock_set_ntp(t0()), WALLCLOCK_HELD);
    console_is("EVT time suspect step_s=259200\r\n");
    assert_int_equal(wallclock_set_ntp(t0() - 3u * DAY + 500u), WALLCLOCK_APPLIED);
    assert_string_equal(wallclock_state_name(), "synced");
    /* and the running clock is the clock as first set in this boot */
    uint64_t running;
    assert_true(wallclock_running(&running));
    assert_int_equal(running, t0());
}

/* How long ago a stamp was, on the running clock: never negative, whatever
 * the wall clock did (EVT delivered ms=). */
static void elapsed_time_never_underflows(void **state)
{
    (void)state;
    uint64_t ms = 7;
    assert_false(wallclock_since(t0(), &ms)); /* not set in this boot */
    fake_time_set(1000);
    wallclock_set_ntp(t0());
    fake_time_advance(4000);
    assert_true(wallclock_since(t0() - 60000u, &ms));
    assert_int_equal(ms, 64000u);
    /* the clock is set back three days by hand: ages do not move */
    wallclock_set_manual(t0() - 3u * DAY);
    assert_true(wallclock_since(t0() - 60000u, &ms));
    assert_int_equal(ms, 64000u);
    /* a stamp later than the running clock (the two boots' clocks disagree):
     * unknown, not a negative age wrapped round */
    ms = 7;
    assert_false(wallclock_since(t0() + 5000u, &ms));
    assert_int_equal(ms, 7);
}

/* ---- max_age on the running clock, through delivery's expiry sweep */

static void delivery_setup(void)
{
    const char *why;
    fake_device_fresh();
    device_count_boot();
    trigger_init();
    assert_int_equal(queue_init(), QUEUE_OK);
    delivery_init();
    assert_int_equal(cfg_set("org", "contoso", &why), CFG_OK);
    assert_int_equal(cfg_set("webhook", "deploy", &why), CFG_OK);
    assert_int_equal(cfg_set("secret", "s", &why), CFG_OK);
    assert_int_equal(cfg_set("max_age", "3600", &why), CFG_OK);
}

/* A trigger as `trigger` queues it (the network is down: nothing is sent). */
static void press(char run_id[64])
{
    const char *why;
    assert_int_equal(trigger_create("trigger", NULL, 0, "serial", "cli", hal_uptime_ms(), run_id, 64, &why),
                     TRIGGER_OK);
}

/* Seconds pass with the superloop's delivery task; no trigger expires. */
static void run_s(unsigned seconds)
{
    for (unsigned i = 0; i < seconds; i++) {
        fake_time_advance(1000);
        delivery_task();
    }
    char *out = take();
    assert_null(strstr(out, "EVT expired"));
    free(out);
}

static void expired_now(const char *run_id)
{
    char want[96];
    fake_time_advance(1000);
    delivery_task();
    snprintf(want, sizeof want, "EVT expired id=%s\r\n", run_id);
    console_is(want);
}

/* Answers ahead of the running clock by `ahead`, every 2 minutes, until the
 * step is applied (10 minutes). */
static void confirm_step(int64_t ahead)
{
    uint64_t running;
    for (unsigned i = 0;; i++) {
        assert_true(i <= 5);
        assert_true(wallclock_running(&running));
        if (wallclock_set_ntp((uint64_t)((int64_t)running + ahead)) == WALLCLOCK_APPLIED) {
            break;
        }
        run_s(120);
    }
    assert_string_equal(wallclock_state_name(), "synced");
}

static void max_age_is_immune_to_clock_steps(void **state)
{
    (void)state;
    char a[64], b[64];
    delivery_setup();
    wallclock_set_ntp(t0());
    press(a);
    run_s(60);
    /* one answer two days ahead: held; nothing expires */
    uint64_t running;
    assert_true(wallclock_running(&running));
    assert_int_equal(wallclock_set_ntp(running + 2u * DAY), WALLCLOCK_HELD);
    run_s(5);
    assert_int_equal(queue_count(), 1);
    /* confirmed over ten minutes and applied: still nothing expires */
    confirm_step((int64_t)(2u * DAY));
    run_s(30);
    press(b); /* stamped on the stepped clock */
    /* and a person sets the clock three days back */
    wallclock_set_manual(now_ms() - 3u * DAY);
    /* a is 60 + 5 + 600 + 30 s old: it expires when its hour is up, by uptime */
    run_s(3600 - 695 - 1);
    assert_int_equal(queue_count(), 2);
    expired_now(a);
    assert_int_equal(queue_count(), 1);
    run_s(695 - 1);
    expired_now(b);
    assert_int_equal(queue_count(), 0);
}

/* A trigger from an earlier boot: its age runs from the clock as first set in
 * this boot, which a later step does not move. */
static void max_age_of_an_earlier_boot_runs_from_the_first_setting(void **state)
{
    (void)state;
    char c[64];
    delivery_setup();
    wallclock_set_ntp(t0());
    press(c);
    run_s(600);
    /* a reset: uptime starts again, the clock is unset, the queue mounts */
    fake_time_set(0);
    wallclock_init();
    device_count_boot();
    assert_int_equal(queue_init(), QUEUE_OK);
    delivery_init();
    run_s(30); /* without a clock its age is unknown: kept */
    wallclock_set_ntp(t0() + 700000u); /* 600 s before the reset, 70 s down and up: c is 700 s old */
    run_s(10);
    /* two days ahead, confirmed and applied */
    uint64_t running;
    assert_true(wallclock_running(&running));
    assert_int_equal(wallclock_set_ntp(running + 2u * DAY), WALLCLOCK_HELD);
    confirm_step((int64_t)(2u * DAY));
    /* 700 + 10 + 600 s */
    run_s(3600 - 1310 - 1);
    assert_int_equal(queue_count(), 1);
    expired_now(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(unset_until_set, setup),
        cmocka_unit_test_setup(format_known_instants, setup),
        cmocka_unit_test_setup(parse_round_trips, setup),
        cmocka_unit_test_setup(parse_refuses, setup),
        cmocka_unit_test_setup(manual_then_ntp, setup),
        cmocka_unit_test_setup(small_ntp_corrections_are_quiet, setup),
        cmocka_unit_test_setup(nothing_before_the_build_date, setup),
        cmocka_unit_test_setup(a_large_step_is_held_and_the_clock_runs_on, setup),
        cmocka_unit_test_setup(a_step_confirmed_over_ten_minutes_is_applied, setup),
        cmocka_unit_test_setup(a_disagreeing_answer_starts_the_wait_again, setup),
        cmocka_unit_test_setup(a_person_sets_the_time_at_once, setup),
        cmocka_unit_test_setup(elapsed_time_never_underflows, setup),
        cmocka_unit_test_setup(max_age_is_immune_to_clock_steps, setup),
        cmocka_unit_test_setup(max_age_of_an_earlier_boot_runs_from_the_first_setting, setup),
    };
    return cmocka_run_group_tests_name("wallclock", tests, NULL, NULL);
}
