/* Press recognition against a fake clock: spec section 3's timings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "press.h"

typedef struct {
    int count;
    press_kind_t kind[8];
    uint32_t t[8];      /* press time passed in */
    uint32_t seen[8];   /* clock when reported */
} log_t;

static uint32_t s_clock;

static void record(void *ctx, press_kind_t kind, uint32_t t)
{
    log_t *log = ctx;
    assert_true(log->count < 8);
    log->kind[log->count] = kind;
    log->t[log->count] = t;
    log->seen[log->count] = s_clock;
    log->count++;
}

/* Runs the clock 1 ms at a time to `until`, polling like the superloop. */
static void run_to(press_t *p, uint32_t until)
{
    while ((int32_t)(until - s_clock) > 0) {
        s_clock++;
        press_poll(p, s_clock);
    }
}

static void level(press_t *p, bool pressed)
{
    press_input(p, pressed, s_clock);
}

/* A press of `hold` ms starting now, then `gap` ms released. */
static void tap(press_t *p, uint32_t hold, uint32_t gap)
{
    level(p, true);
    run_to(p, s_clock + hold);
    level(p, false);
    run_to(p, s_clock + gap);
}

static void armed(press_t *p, log_t *log, uint32_t start)
{
    s_clock = start;
    *log = (log_t){0};
    press_init(p, false, s_clock, record, log);
    run_to(p, s_clock + 50);
}

static void short_press_reports_after_the_double_window(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 1000);
    uint32_t pressed_at = s_clock;
    tap(&p, 100, 399);
    assert_int_equal(log.count, 0); /* could still become a double */
    run_to(&p, s_clock + 2);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_SHORT);
    assert_int_equal(log.t[0], pressed_at);
}

static void long_press_reports_when_1000ms_is_reached(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 5);
    uint32_t pressed_at = s_clock;
    level(&p, true);
    run_to(&p, pressed_at + 999);
    assert_int_equal(log.count, 0);
    run_to(&p, pressed_at + 1000);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_LONG);
    assert_int_equal(log.seen[0], pressed_at + 1000);
    run_to(&p, pressed_at + 1500); /* still held: nothing more */
    level(&p, false);
    run_to(&p, s_clock + 1000);
    assert_int_equal(log.count, 1);
}

static void two_quick_presses_are_one_double(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    tap(&p, 100, 150);
    tap(&p, 100, 1000);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_DOUBLE);
}

static void second_press_399ms_after_release_is_still_double(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    tap(&p, 100, 399);
    tap(&p, 100, 1000);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_DOUBLE);
}

static void second_press_after_the_window_is_two_shorts(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    tap(&p, 100, 450);
    tap(&p, 100, 1000);
    assert_int_equal(log.count, 2);
    assert_int_equal(log.kind[0], PRESS_SHORT);
    assert_int_equal(log.kind[1], PRESS_SHORT);
}

static void bounces_shorter_than_20ms_are_ignored(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    /* contact bounce on the press and release edges */
    for (int i = 0; i < 5; i++) {
        level(&p, true);
        run_to(&p, s_clock + 2);
        level(&p, false);
        run_to(&p, s_clock + 1);
    }
    level(&p, true);
    run_to(&p, s_clock + 100);
    for (int i = 0; i < 3; i++) {
        level(&p, false);
        run_to(&p, s_clock + 3);
        level(&p, true);
        run_to(&p, s_clock + 1);
    }
    level(&p, false);
    run_to(&p, s_clock + 1000);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_SHORT);
}

static void a_19ms_blip_is_no_press(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    tap(&p, 19, 1000);
    assert_int_equal(log.count, 0);
    tap(&p, 20, 1000);
    assert_int_equal(log.count, 1);
}

static void button_held_at_start_counts_only_after_release(void **state)
{
    (void)state;
    press_t p;
    log_t log = {0};
    s_clock = 0;
    press_init(&p, true, s_clock, record, &log); /* QEMU: line reads pressed */
    run_to(&p, 3000);
    assert_int_equal(log.count, 0);
    level(&p, false); /* first release arms it */
    run_to(&p, s_clock + 1000);
    assert_int_equal(log.count, 0);
    tap(&p, 100, 1000);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_SHORT);
}

static void short_only_fires_on_the_press_itself(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    press_set_short_only(&p, true);
    uint32_t pressed_at = s_clock;
    level(&p, true);
    run_to(&p, pressed_at + PRESS_DEBOUNCE_MS);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_SHORT);
    assert_int_equal(log.seen[0], pressed_at + PRESS_DEBOUNCE_MS);
    run_to(&p, pressed_at + 1500); /* held long: still just the one short */
    level(&p, false);
    run_to(&p, s_clock + 100);
    tap(&p, 100, 100); /* a quick second press is another short, not a double */
    assert_int_equal(log.count, 2);
    assert_int_equal(log.kind[1], PRESS_SHORT);
}

static void late_processing_gives_the_same_answer(void **state)
{
    (void)state;
    /* The superloop was busy (a TLS handshake) while a double happened: the
     * recorded edges arrive together and are classified by their times. */
    press_t p;
    log_t log;
    armed(&p, &log, 100);
    uint32_t t0 = s_clock;
    press_input(&p, true, t0);
    press_input(&p, false, t0 + 100);
    press_input(&p, true, t0 + 250);
    press_input(&p, false, t0 + 350);
    s_clock = t0 + 1200;
    press_poll(&p, s_clock);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_DOUBLE);
    assert_int_equal(log.t[0], t0);
}

static void late_processing_of_long_then_short(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, 0);
    uint32_t t0 = s_clock;
    press_input(&p, true, t0);
    press_input(&p, false, t0 + 1500);
    press_input(&p, true, t0 + 1600);
    press_input(&p, false, t0 + 1700);
    press_poll(&p, t0 + 3000);
    assert_int_equal(log.count, 2);
    assert_int_equal(log.kind[0], PRESS_LONG);
    assert_int_equal(log.kind[1], PRESS_SHORT);
    assert_int_equal(log.t[1], t0 + 1600);
}

static void works_across_clock_wrap(void **state)
{
    (void)state;
    press_t p;
    log_t log;
    armed(&p, &log, UINT32_MAX - 600);
    tap(&p, 1200, 100); /* the long press spans the wrap */
    assert_int_equal(log.count, 1);
    assert_int_equal(log.kind[0], PRESS_LONG);
}

static void kind_names(void **state)
{
    (void)state;
    assert_string_equal(press_kind_name(PRESS_SHORT), "short");
    assert_string_equal(press_kind_name(PRESS_LONG), "long");
    assert_string_equal(press_kind_name(PRESS_DOUBLE), "double");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_press_reports_after_the_double_window),
        cmocka_unit_test(long_press_reports_when_1000ms_is_reached),
        cmocka_unit_test(two_quick_presses_are_one_double),
        cmocka_unit_test(second_press_399ms_after_release_is_still_double),
        cmocka_unit_test(second_press_after_the_window_is_two_shorts),
        cmocka_unit_test(bounces_shorter_than_20ms_are_ignored),
        cmocka_unit_test(a_19ms_blip_is_no_press),
        cmocka_unit_test(button_held_at_start_counts_only_after_release),
        cmocka_unit_test(short_only_fires_on_the_press_itself),
        cmocka_unit_test(late_processing_gives_the_same_answer),
        cmocka_unit_test(late_processing_of_long_then_short),
        cmocka_unit_test(works_across_clock_wrap),
        cmocka_unit_test(kind_names),
    };
    return cmocka_run_group_tests_name("press", tests, NULL, NULL);
}
