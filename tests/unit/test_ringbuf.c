#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ringbuf.h"

static void rejects_size_not_power_of_two(void **state)
{
    (void)state;
    uint8_t store[12];
    ringbuf_t rb;
    assert_int_equal(ringbuf_init(&rb, store, sizeof store), -1);
    assert_int_equal(ringbuf_init(&rb, store, 0), -1);
    assert_int_equal(ringbuf_init(&rb, store, 8), 0);
}

static void fills_drains_and_wraps(void **state)
{
    (void)state;
    uint8_t store[8], out[16];
    ringbuf_t rb;
    ringbuf_init(&rb, store, sizeof store);
    assert_int_equal(ringbuf_free(&rb), 8);
    assert_int_equal(ringbuf_write(&rb, (const uint8_t *)"abcdefghij", 10), 8); /* only 8 fit */
    assert_int_equal(ringbuf_put(&rb, 'x'), 0);
    assert_int_equal(ringbuf_read(&rb, out, 5), 5);
    assert_memory_equal(out, "abcde", 5);
    assert_int_equal(ringbuf_write(&rb, (const uint8_t *)"12345", 5), 5); /* wraps */
    assert_int_equal(ringbuf_used(&rb), 8);
    assert_int_equal(ringbuf_read(&rb, out, sizeof out), 8);
    assert_memory_equal(out, "fgh12345", 8);
    uint8_t b;
    assert_int_equal(ringbuf_get(&rb, &b), 0);
}

static void indices_survive_counter_wrap(void **state)
{
    (void)state;
    uint8_t store[4], b;
    ringbuf_t rb;
    ringbuf_init(&rb, store, sizeof store);
    rb.head = rb.tail = SIZE_MAX - 1; /* free-running counters about to wrap */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(ringbuf_put(&rb, (uint8_t)i), 1);
        assert_int_equal(ringbuf_used(&rb), 1);
        assert_int_equal(ringbuf_get(&rb, &b), 1);
        assert_int_equal(b, i);
    }
}

/* The console's receive ring carries whatever is typed, the secret too: a
 * byte once read is no longer in the ring's memory. */
static void read_bytes_leave_nothing_behind(void **state)
{
    (void)state;
    uint8_t store[8] = {0}, out[8], b;
    ringbuf_t rb;
    ringbuf_init(&rb, store, sizeof store);
    ringbuf_write(&rb, (const uint8_t *)"s3cret!", 7);
    assert_int_equal(ringbuf_get(&rb, &b), 1);
    assert_int_equal(b, 's');
    assert_int_equal(ringbuf_read(&rb, out, sizeof out), 6);
    assert_memory_equal(out, "3cret!", 6);
    const uint8_t zeros[8] = {0};
    assert_memory_equal(store, zeros, sizeof store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rejects_size_not_power_of_two),
        cmocka_unit_test(fills_drains_and_wraps),
        cmocka_unit_test(indices_survive_counter_wrap),
        cmocka_unit_test(read_bytes_leave_nothing_behind),
    };
    return cmocka_run_group_tests_name("ringbuf", tests, NULL, NULL);
}
