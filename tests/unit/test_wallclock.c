#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "fake_hal.h"
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

static void manual_then_ntp(void **state)
{
    (void)state;
    fake_time_set(5000);
    wallclock_set_manual(1795863600000u);
    assert_string_equal(wallclock_state_name(), "manual");
    fake_time_advance(250);
    uint64_t now;
    assert_true(wallclock_now(&now));
    assert_int_equal(now, 1795863600250u);
    uint64_t at;
    assert_true(wallclock_at_uptime(1000, &at)); /* back-dating a press */
    assert_int_equal(at, 1795863596000u);
    free(fake_console_take());
    wallclock_set_ntp(1795863700000u);
    char *out = fake_console_take();
    assert_string_equal(out, "EVT time synced utc=2026-11-28T11:01:40.000Z\r\n");
    free(out);
    assert_string_equal(wallclock_state_name(), "synced");
}

static void small_ntp_corrections_are_quiet(void **state)
{
    (void)state;
    wallclock_set_ntp(1795863600000u);
    free(fake_console_take());
    wallclock_set_ntp(1795863600999u); /* 999 ms step */
    char *out = fake_console_take();
    assert_string_equal(out, "");
    free(out);
    wallclock_set_ntp(1795863599000u); /* 1999 ms back */
    out = fake_console_take();
    assert_string_equal(out, "EVT time synced utc=2026-11-28T10:59:59.000Z\r\n");
    free(out);
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
    };
    return cmocka_run_group_tests_name("wallclock", tests, NULL, NULL);
}
