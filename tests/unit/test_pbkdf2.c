/* The sliced PBKDF2-HMAC-SHA256 of the console lock: the same key as
 * mbedTLS's one-call mbedtls_pkcs5_pbkdf2_hmac_ext() and as RFC 7914's
 * published vectors, whatever the slice size; bounded work per step;
 * memory given back (AddressSanitizer's leak check) on completion, abort
 * and failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/pkcs5.h"
#include "mbedtls/platform.h"
#include "pbkdf2.h"
#include "tlsport.h"

static int setup(void **state)
{
    (void)state;
    tlsport_init();
    return 0;
}

/* Runs a whole derivation in slices of `slice`; returns the steps taken. */
static unsigned derive(const void *pass, size_t plen, const void *salt, size_t slen, uint32_t iterations,
                       uint8_t *out, size_t out_len, uint32_t slice)
{
    pbkdf2_t p;
    assert_int_equal(pbkdf2_start(&p, pass, plen, salt, slen, iterations, out, out_len), 0);
    unsigned steps = 0;
    int rc;
    do {
        rc = pbkdf2_step(&p, slice);
        assert_true(rc >= 0);
        steps++;
        assert_true(steps < 1000000u);
    } while (rc == 0);
    /* after the last step the context holds nothing */
    assert_false(p.running);
    return steps;
}

static void hex(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* RFC 7914, section 11: the PBKDF2-HMAC-SHA256 test vectors (64 bytes of
 * output: two blocks). */
static void rfc7914_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *pass, *salt;
        uint32_t c;
        const char *dk;
    } v[] = {
        {"passwd", "salt", 1,
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
         "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
        {"Password", "NaCl", 80000,
         "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
         "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t want[64], got[64];
        hex(v[i].dk, want, sizeof want);
        /* the long one in the lock's slices only: 160,000 HMACs take a while under ASan */
        for (uint32_t slice = v[i].c > 1 ? 40u : 1u; slice <= 100000u; slice *= v[i].c > 1 ? 100000u : 7u) {
            memset(got, 0, sizeof got);
            derive(v[i].pass, strlen(v[i].pass), v[i].salt, strlen(v[i].salt), v[i].c, got, sizeof got, slice);
            assert_memory_equal(got, want, sizeof want);
        }
    }
}

/* Against mbedTLS's own one-call PBKDF2: passphrases shorter and longer
 * than SHA-256's 64-byte block (a longer key is hashed first), the lock's
 * 16-byte salt and an empty one, outputs of part of, exactly and more than
 * one block, slices that divide the count and ones that do not. */
static void equals_mbedtls_one_call(void **state)
{
    (void)state;
    static const size_t plens[] = {8, 63, 64, 65, 128};
    static const uint32_t counts[] = {1, 2, 3, 40, 41, 1000};
    static const size_t outs[] = {1, 16, 32, 33, 80};
    static const uint32_t slices[] = {1, 7, 40, 1000};
    uint8_t pass[128], salt[16];
    for (size_t i = 0; i < sizeof pass; i++) {
        pass[i] = (uint8_t)(0x20 + (i * 37u) % 95u);
    }
    for (size_t i = 0; i < sizeof salt; i++) {
        salt[i] = (uint8_t)(i * 151u + 7u);
    }
    unsigned checked = 0;
    for (size_t a = 0; a < sizeof plens / sizeof plens[0]; a++) {
        for (size_t b = 0; b < sizeof counts / sizeof counts[0]; b++) {
            for (size_t c = 0; c < sizeof outs / sizeof outs[0]; c++) {
                size_t slen = (a + b + c) % 3 == 0 ? 0 : sizeof salt;
                uint8_t want[80], got[80];
                assert_int_equal(mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, pass, plens[a], salt, slen,
                                                               counts[b], (uint32_t)outs[c], want),
                                 0);
                for (size_t d = 0; d < sizeof slices / sizeof slices[0]; d++) {
                    memset(got, 0xA5, sizeof got);
                    derive(pass, plens[a], salt, slen, counts[b], got, outs[c], slices[d]);
                    assert_memory_equal(got, want, outs[c]);
                    if (outs[c] < sizeof got) {
                        assert_int_equal(got[outs[c]], 0xA5); /* nothing past the output */
                    }
                    checked++;
                }
            }
        }
    }
    assert_int_equal(checked, 5u * 6u * 5u * 4u);
}

/* A step does at most its share: ceil(iterations / slice) steps per
 * 32-byte block. */
static void steps_are_bounded(void **state)
{
    (void)state;
    uint8_t out[64];
    assert_int_equal(derive("passphrase", 10, "salt", 4, 100, out, 32, 40), 3);    /* 40 + 40 + 20 */
    assert_int_equal(derive("passphrase", 10, "salt", 4, 100, out, 32, 100), 1);
    assert_int_equal(derive("passphrase", 10, "salt", 4, 100, out, 32, 1), 100);
    assert_int_equal(derive("passphrase", 10, "salt", 4, 100, out, 64, 50), 4);    /* two blocks */
    assert_int_equal(derive("passphrase", 10, "salt", 4, 100, out, 64, 0), 200);  /* 0: one at a time */
}

static void abort_and_bad_input_give_everything_back(void **state)
{
    (void)state;
    pbkdf2_t p;
    uint8_t out[32];
    assert_int_equal(pbkdf2_start(&p, "passphrase", 10, "salt", 4, 0, out, sizeof out), PBKDF2_E_BAD_INPUT);
    assert_int_equal(pbkdf2_start(&p, "passphrase", 10, "salt", 4, 10, out, 0), PBKDF2_E_BAD_INPUT);
    assert_int_equal(pbkdf2_step(&p, 1), PBKDF2_E_BAD_INPUT);
    /* abandoned half-way: the HMAC state goes (the leak check would say) */
    assert_int_equal(pbkdf2_start(&p, "passphrase", 10, "salt", 4, 10, out, sizeof out), 0);
    assert_int_equal(pbkdf2_step(&p, 3), 0);
    pbkdf2_abort(&p);
    assert_false(p.running);
    for (size_t i = 0; i < sizeof p; i++) {
        assert_int_equal(((const uint8_t *)&p)[i], 0); /* the pads' copies and U, T wiped */
    }
    pbkdf2_abort(&p); /* twice is harmless */
    assert_int_equal(pbkdf2_step(&p, 1), PBKDF2_E_BAD_INPUT);
}

static void *no_calloc(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

static void no_memory_is_reported_and_holds_nothing(void **state)
{
    (void)state;
    pbkdf2_t p;
    uint8_t out[32];
    mbedtls_platform_set_calloc_free(no_calloc, free);
    assert_int_equal(pbkdf2_start(&p, "passphrase", 10, "salt", 4, 10, out, sizeof out), PBKDF2_E_NO_MEMORY);
    assert_false(p.running);
    tlsport_init();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(rfc7914_vectors, setup),
        cmocka_unit_test_setup(equals_mbedtls_one_call, setup),
        cmocka_unit_test_setup(steps_are_bounded, setup),
        cmocka_unit_test_setup(abort_and_bad_input_give_everything_back, setup),
        cmocka_unit_test_setup(no_memory_is_reported_and_holds_nothing, setup),
    };
    return cmocka_run_group_tests_name("pbkdf2", tests, NULL, NULL);
}
