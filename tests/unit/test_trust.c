/* The trust path TLS uses, on the host with the test PKI (tools/testpki.sh):
 * an anchor added with `ca add` verifies a chain shaped like Azure's through
 * ca_trust_cb, and each failure mode maps to the spec's reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca.h"
#include "cfg.h"
#include "console.h"
#include "fake_device.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "mbedtls/base64.h"
#include "mbedtls/x509_crt.h"
#include "store.h"
#include "tlsport.h"
#include "wallclock.h"

#ifndef TESTPKI
#define TESTPKI "build/testpki"
#endif

static char *slurp(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", TESTPKI, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("%s missing: run tools/testpki.sh %s", path, TESTPKI);
    }
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *copy = malloc(n + 1);
    memcpy(copy, buf, n + 1);
    return copy;
}

static int setup(void **state)
{
    (void)state;
    fake_device_fresh();
    tlsport_init();
    ca_init();
    /* the test PKI is made "now": use the host's clock */
    wallclock_set_manual((uint64_t)time(NULL) * 1000u);
    return 0;
}

static void add_anchor(const char *file)
{
    char *pem = slurp(file);
    fake_console_input("ca add\r\n");
    fake_console_input(pem);
    console_task();
    char *out = fake_console_take();
    if (strncmp(out, "OK ca=", 6) != 0) {
        fail_msg("ca add %s: %s", file, out);
    }
    free(out);
    free(pem);
}

/* The firmware has no PEM parser in its mbedTLS (ca add decodes its own):
 * decode each certificate block here. */
static void parse_pem_chain(mbedtls_x509_crt *chain, const char *pem)
{
    const char *begin = "-----BEGIN CERTIFICATE-----", *end = "-----END CERTIFICATE-----";
    for (const char *p = strstr(pem, begin); p != NULL; p = strstr(p, begin)) {
        p += strlen(begin);
        const char *e = strstr(p, end);
        assert_non_null(e);
        char b64[8192];
        size_t n = 0;
        for (const char *q = p; q < e; q++) {
            if (*q != '\r' && *q != '\n') {
                b64[n++] = *q;
            }
        }
        unsigned char der[6144];
        size_t der_len;
        assert_int_equal(mbedtls_base64_decode(der, sizeof der, &der_len, (const unsigned char *)b64, n), 0);
        assert_int_equal(mbedtls_x509_crt_parse_der(chain, der, der_len), 0);
        p = e;
    }
}

static uint32_t verify(const char *chain_file, const char *host)
{
    char *pem = slurp(chain_file);
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    parse_pem_chain(&chain, pem);
    uint32_t flags = 0;
    (void)mbedtls_x509_crt_verify_with_ca_cb(&chain, ca_trust_cb, NULL, &mbedtls_x509_crt_profile_default, host,
                                             &flags, ca_verify_cb, NULL);
    mbedtls_x509_crt_free(&chain);
    free(pem);
    return flags;
}

static void an_added_root_verifies_an_azure_shaped_chain(void **state)
{
    (void)state;
    add_anchor("root.pem");
    assert_int_equal(verify("chain.pem", "dev.azure.com"), 0);
    assert_int_equal(verify("ec-chain.pem", "dev.azure.com"), MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    add_anchor("ec-root.pem");
    assert_int_equal(verify("ec-chain.pem", "dev.azure.com"), 0);
}

static void failure_modes_have_their_flags(void **state)
{
    (void)state;
    add_anchor("root.pem");
    assert_true(verify("expired-chain.pem", "dev.azure.com") & MBEDTLS_X509_BADCERT_EXPIRED);
    assert_true(verify("notyet-chain.pem", "dev.azure.com") & MBEDTLS_X509_BADCERT_FUTURE);
    assert_true(verify("wronghost-chain.pem", "dev.azure.com") & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_true(verify("untrusted-chain.pem", "dev.azure.com") & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_true(verify("chain.pem", "evil.example.com") & MBEDTLS_X509_BADCERT_CN_MISMATCH);
}

static void without_the_anchor_nothing_is_trusted(void **state)
{
    (void)state;
    assert_true(verify("chain.pem", "dev.azure.com") & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
}

static void a_pinned_self_signed_server_certificate(void **state)
{
    (void)state;
    assert_true(verify("tfs.pem", "tfs.example.test") & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    add_anchor("tfs.pem");
    assert_int_equal(verify("tfs.pem", "tfs.example.test"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(an_added_root_verifies_an_azure_shaped_chain, setup),
        cmocka_unit_test_setup(failure_modes_have_their_flags, setup),
        cmocka_unit_test_setup(without_the_anchor_nothing_is_trusted, setup),
        cmocka_unit_test_setup(a_pinned_self_signed_server_certificate, setup),
    };
    return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}
