/* The random generator (rng.h) over the fake entropy source: seeded from a
 * working source, nothing from an absent or failing one (TLS is then
 * refused, and lwIP gets the tick-stirred fallback), and PSA drawing from
 * the same generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_entropy.h"
#include "fake_hal.h"
#include "mbedtls/ctr_drbg.h"
#include "psa/crypto.h"
#include "rng.h"
#include "tlsport.h"

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    fake_entropy_reset();
    tlsport_init(); /* as at start-up: before the generator */
    return 0;
}

/* How many of n rng_u32() values are distinct. */
static unsigned distinct_u32(unsigned n)
{
    uint32_t v[64];
    unsigned d = 0;
    assert_true(n <= 64);
    for (unsigned i = 0; i < n; i++) {
        v[i] = rng_u32();
        bool seen = false;
        for (unsigned j = 0; j < i; j++) {
            seen |= v[j] == v[i];
        }
        d += !seen;
    }
    return d;
}

static void a_working_source_seeds_the_generator(void **state)
{
    (void)state;
    assert_int_equal(fake_entropy_bytes_read(), 0);
    assert_true(rng_init());
    assert_true(rng_ready());
    assert_true(fake_entropy_bytes_read() >= 32); /* seeded from the source */
    uint8_t a[32], b[32], zero[32] = {0};
    assert_int_equal(rng_fill(a, sizeof a), 0);
    assert_int_equal(rng_fill(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_int_equal(distinct_u32(64), 64);
    assert_int_equal(rng_mbedtls(NULL, a, sizeof a), 0);
    size_t got = 0;
    assert_int_equal(mbedtls_psa_external_get_random(NULL, b, sizeof b, &got), PSA_SUCCESS);
    assert_int_equal(got, sizeof b);
    /* again while ready (start-up runs it once; the tests more often) */
    assert_true(rng_init());
    assert_true(rng_ready());
}

static void the_stream_depends_on_the_source(void **state)
{
    (void)state;
    uint8_t first[16], again[16];
    assert_true(rng_init());
    assert_int_equal(rng_fill(first, sizeof first), 0);
    fake_entropy_reset(); /* the source's bytes from the start again */
    assert_true(rng_init());
    assert_int_equal(rng_fill(again, sizeof again), 0);
    assert_memory_equal(first, again, sizeof first); /* all of it comes from the source */
}

static void without_a_source_nothing_is_drawn_but_lwip_still_gets_values(void **state)
{
    (void)state;
    fake_entropy_set_absent(true);
    assert_false(rng_init());
    assert_false(rng_ready());
    uint8_t buf[16];
    assert_int_equal(rng_fill(buf, sizeof buf), -1);
    assert_int_equal(rng_mbedtls(NULL, buf, sizeof buf), MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED);
    size_t got = 99;
    assert_int_equal(mbedtls_psa_external_get_random(NULL, buf, sizeof buf, &got), PSA_ERROR_INSUFFICIENT_ENTROPY);
    assert_int_equal(got, 0);
    /* the fallback for TCP sequence numbers and DNS ids: never stuck, at a
     * fixed tick or a moving one */
    assert_int_equal(distinct_u32(64), 64);
    for (int i = 0; i < 8; i++) {
        fake_time_advance(1);
        assert_true(rng_u32() != 0);
    }
    assert_int_equal(fake_entropy_bytes_read(), 0);
}

static void a_source_that_fails_its_self_test_is_no_source(void **state)
{
    (void)state;
    fake_entropy_set_failing(true);
    assert_false(rng_init());
    assert_false(rng_ready());
    uint8_t buf[8];
    assert_int_equal(rng_fill(buf, sizeof buf), -1);
    /* a working generator dropped by a later failed init */
    fake_entropy_set_failing(false);
    assert_true(rng_init());
    fake_entropy_set_failing(true);
    assert_false(rng_init());
    assert_int_equal(rng_fill(buf, sizeof buf), -1);
}

/* A source that dies after a good seed: the generator goes on until it
 * must reseed (every MBEDTLS_CTR_DRBG_RESEED_INTERVAL requests), then
 * refuses rather than go on without fresh entropy. */
static void a_source_that_dies_later_stops_the_generator_at_its_reseed(void **state)
{
    (void)state;
    assert_true(rng_init());
    fake_entropy_set_failing(true);
    uint8_t b;
    int i = 0;
    while (i < MBEDTLS_CTR_DRBG_RESEED_INTERVAL + 10 && rng_fill(&b, 1) == 0) {
        i++;
    }
    assert_int_equal(i, MBEDTLS_CTR_DRBG_RESEED_INTERVAL);
    assert_int_equal(rng_fill(&b, 1), -1);
    fake_entropy_set_failing(false);
    assert_int_equal(rng_fill(&b, 1), 0); /* it reseeds once the source is back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_working_source_seeds_the_generator, setup),
        cmocka_unit_test_setup(the_stream_depends_on_the_source, setup),
        cmocka_unit_test_setup(without_a_source_nothing_is_drawn_but_lwip_still_gets_values, setup),
        cmocka_unit_test_setup(a_source_that_fails_its_self_test_is_no_source, setup),
        cmocka_unit_test_setup(a_source_that_dies_later_stops_the_generator_at_its_reseed, setup),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
