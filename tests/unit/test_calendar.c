/* The one calendar (calendar.h): known dates, leap rules, and days <-> dates
 * round trips across eras, 1970 and negative days, checked day by day
 * against a date counted forward independently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "calendar.h"

static void known_dates(void **state)
{
    (void)state;
    assert_int_equal(calendar_days(1970, 1, 1), 0);
    assert_int_equal(calendar_days(1969, 12, 31), -1);
    assert_int_equal(calendar_days(2000, 3, 1), 11017);
    assert_int_equal(calendar_days(2026, 12, 6), 20793);
    assert_int_equal(calendar_days(9999, 12, 31), 2932896);
    calendar_date_t d = calendar_date(20793);
    assert_int_equal(d.year, 2026);
    assert_int_equal(d.month, 12);
    assert_int_equal(d.day, 6);
    d = calendar_date(-719528); /* 0000-01-01 */
    assert_int_equal(d.year, 0);
    assert_int_equal(d.month, 1);
    assert_int_equal(d.day, 1);
}

static void leap_rules(void **state)
{
    (void)state;
    assert_true(calendar_is_leap(2000));
    assert_true(calendar_is_leap(2024));
    assert_false(calendar_is_leap(1900));
    assert_false(calendar_is_leap(2100));
    assert_false(calendar_is_leap(2026));
    assert_true(calendar_valid(2024, 2, 29));
    assert_false(calendar_valid(2026, 2, 29));
    assert_false(calendar_valid(2100, 2, 29));
    assert_true(calendar_valid(2000, 2, 29));
    assert_false(calendar_valid(2026, 4, 31));
    assert_true(calendar_valid(2026, 12, 31));
    assert_false(calendar_valid(2026, 0, 1));
    assert_false(calendar_valid(2026, 13, 1));
    assert_false(calendar_valid(2026, 1, 0));
    assert_false(calendar_valid(2026, 1, 32));
}

/* Day by day from 1599-12-31 to 2401-01-01, so that every rule of the
 * Gregorian calendar and both directions of an era boundary are crossed. */
static void every_day_round_trips(void **state)
{
    (void)state;
    int64_t y = 1599;
    unsigned m = 12, d = 31;
    int64_t days = calendar_days(y, m, d);
    assert_int_equal(days, -135141);
    for (; y <= 2400; days++) {
        calendar_date_t got = calendar_date(days);
        assert_int_equal(got.year, y);
        assert_int_equal(got.month, m);
        assert_int_equal(got.day, d);
        assert_int_equal(calendar_days(y, m, d), days);
        /* the next day, counted without the algorithm */
        if (calendar_valid(y, m, d + 1)) {
            d++;
        } else if (m < 12) {
            m++;
            d = 1;
        } else {
            y++;
            m = 1;
            d = 1;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_dates),
        cmocka_unit_test(leap_rules),
        cmocka_unit_test(every_day_round_trips),
    };
    return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
