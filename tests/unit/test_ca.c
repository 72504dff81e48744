/* Trust anchors: `ca add|list|remove|builtin` through the console, the
 * built-in roots, durability in the store, and the mbedTLS callbacks the TLS
 * glue uses.  Certificates come from tests/unit/certs (gen.sh). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* own_buffer: whether a candidate owns its DER */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "certs/certs.h"
#include "cfg.h"
#include "console.h"
#include "fake_device.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "store.h"
#include "tlsport.h"
#include "wallclock.h"

#include "mbedtls/base64.h"
#include "mbedtls/platform.h"
#include "mbedtls/x509_crt.h"

#define UTC_2030 UINT64_C(1893456000000) /* 2030-01-01T00:00:00Z in ms */

static int setup(void **state)
{
    (void)state;
    fake_device_fresh();
    tlsport_init(); /* glibc's heap: AddressSanitizer watches every block */
    ca_init();
    return 0;
}

static char *run(const char *text)
{
    fake_console_input(text);
    console_task();
    return fake_console_take();
}

static void run_expect(const char *text, const char *want)
{
    char *out = run(text);
    if (strcmp(out, want) != 0) {
        fail_msg("input:\n%s\nanswered:\n%s\nwanted:\n%s", text, out, want);
    }
    free(out);
}

/* `ca add` followed by the PEM text, as one paste. */
static char *add(const char *pem)
{
    fake_console_input("ca add\r\n");
    return run(pem);
}

static void add_expect(const char *pem, const char *want)
{
    char *out = add(pem);
    if (strcmp(out, want) != 0) {
        fail_msg("ca add answered '%s', wanted '%s'", out, want);
    }
    free(out);
}

static void add_ok(const char *pem, unsigned slot)
{
    char *out = add(pem);
    char want[32];
    snprintf(want, sizeof want, "OK ca=%u subject=", slot);
    if (strncmp(out, want, strlen(want)) != 0 || strchr(out, '\n') != out + strlen(out) - 1) {
        fail_msg("ca add answered '%s', wanted '%s...'", out, want);
    }
    free(out);
}

static void add_refused(const char *pem, const char *why)
{
    char *out = add(pem);
    char want[200];
    snprintf(want, sizeof want, "ERR bad-certificate: %s\r\n", why);
    if (strcmp(out, want) != 0) {
        fail_msg("ca add answered '%s', wanted '%s'", out, want);
    }
    free(out);
}

/* The PEM with line `drop` (0 = BEGIN) left out, or with `replace` in its
 * place; the caller frees. */
static char *pem_edit(const char *pem, int drop, const char *replace)
{
    char *out = calloc(1, strlen(pem) + (replace ? strlen(replace) : 0) + 3);
    const char *p = pem;
    for (int line = 0; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        if (line != drop) {
            strncat(out, p, n);
        } else if (replace != NULL) {
            strcat(out, replace);
            strcat(out, "\n");
        }
        p += n;
    }
    return out;
}

static mbedtls_x509_crt *parse_pem(const char *pem)
{
    mbedtls_x509_crt *crt = calloc(1, sizeof *crt);
    mbedtls_x509_crt_init(crt);
    /* The tests' own decoding: base64 of the body, through the same line
     * capture would be circular, so use mbedTLS's base64 directly. */
    unsigned char der[4096];
    char b64[6000] = "";
    const char *p = strchr(pem, '\n') + 1;
    const char *end = strstr(pem, "-----END");
    for (; p < end; p++) {
        if (*p != '\n') {
            strncat(b64, p, 1);
        }
    }
    size_t len;
    assert_int_equal(mbedtls_base64_decode(der, sizeof der, &len, (const unsigned char *)b64, strlen(b64)), 0);
    assert_int_equal(mbedtls_x509_crt_parse_der(crt, der, len), 0);
    return crt;
}

/* -std=c11 has no strdup. */
static char *dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

static void free_crt(mbedtls_x509_crt *crt)
{
    mbedtls_x509_crt_free(crt);
    free(crt);
}

/* ---- built-in anchors ---------------------------------------------------- */

static void list_shows_the_builtins_in_spec_order(void **state)
{
    (void)state;
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\n"
                              "b1 builtin DigiCert_Global_Root_G3\r\n"
                              "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                              "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                              "OK builtin=on\r\n");
}

static void builtins_are_the_roots_they_claim(void **state)
{
    (void)state;
    static const struct {
        mbedtls_pk_type_t type;
        size_t bits;
    } want[CA_BUILTIN_COUNT] = {{MBEDTLS_PK_RSA, 2048}, {MBEDTLS_PK_ECKEY, 384}, {MBEDTLS_PK_RSA, 4096}, {MBEDTLS_PK_ECKEY, 384}};
    for (unsigned i = 0; i < CA_BUILTIN_COUNT; i++) {
        const uint8_t *der;
        size_t len;
        char cn[CA_CN_MAX + 1];
        assert_true(ca_builtin_der(i, &der, &len));
        assert_ptr_equal(der, ca_builtins[i].der); /* in flash, not a copy */
        assert_true(ca_der_cn(der, len, cn, sizeof cn));
        assert_string_equal(cn, ca_builtins[i].cn);
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        assert_int_equal(mbedtls_x509_crt_parse_der_nocopy(&crt, der, len), 0);
        assert_int_equal(mbedtls_x509_crt_get_ca_istrue(&crt), 1);
        assert_int_equal(mbedtls_pk_get_type(&crt.pk), want[i].type);
        assert_int_equal(mbedtls_pk_get_bitlen(&crt.pk), want[i].bits);
        /* still valid in 2030 */
        assert_true(crt.valid_to.year > 2030);
        mbedtls_x509_crt_free(&crt);
    }
    const uint8_t *der;
    size_t len;
    assert_false(ca_builtin_der(CA_BUILTIN_COUNT, &der, &len));
}

static void builtin_off_and_on_is_durable(void **state)
{
    (void)state;
    run_expect("ca builtin\r\n", "OK builtin=on\r\n");
    run_expect("ca builtin off\r\n", "OK builtin=off\r\n");
    const uint8_t *der;
    size_t len;
    assert_false(ca_builtin_enabled());
    assert_false(ca_builtin_der(0, &der, &len));
    char *out = run("ca list\r\n");
    assert_non_null(strstr(out, "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\nOK builtin=off\r\n"));
    free(out);
    /* a reset later */
    store_open(HAL_NVM_CONFIG);
    cfg_init();
    ca_init();
    assert_false(ca_builtin_enabled());
    run_expect("ca builtin\r\n", "OK builtin=off\r\n");
    run_expect("ca builtin on\r\n", "OK builtin=on\r\n");
    store_open(HAL_NVM_CONFIG);
    ca_init();
    assert_true(ca_builtin_enabled());
    run_expect("ca builtin maybe\r\n", "ERR bad-argument: usage: ca builtin on|off\r\n");
}

/* ---- ca add ---------------------------------------------------------------- */

static void adds_a_ca_and_lists_it(void **state)
{
    (void)state;
    add_expect(CERT_CA, "OK ca=1 subject=Pipebutton_Test_CA\r\n");
    char *out = run("ca list\r\n");
    assert_non_null(strstr(out, "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                                "1 added Pipebutton_Test_CA\r\nOK builtin=on\r\n"));
    free(out);
    uint8_t der[CA_DER_MAX];
    size_t len;
    assert_true(ca_added_der(1, der, sizeof der, &len));
    assert_int_equal(len, 476);
    assert_false(ca_added_der(2, der, sizeof der, &len));
    assert_false(ca_added_der(0, der, sizeof der, &len));
    assert_false(ca_added_der(9, der, sizeof der, &len));
}

static void accepts_pinned_server_intermediate_and_rsa4096(void **state)
{
    (void)state;
    add_expect(CERT_SERVER_SELF, "OK ca=1 subject=tfs_build_server\r\n");
    add_expect(CERT_SUB_CA, "OK ca=2 subject=Pipebutton_Test_Sub_CA\r\n");
    add_expect(CERT_RSA4096, "OK ca=3 subject=Pipebutton_RSA-4096_Root\r\n");
    add_expect(CERT_NO_CN, "OK ca=4 subject=No_Common_Name\r\n");
}

static void refuses_what_cannot_be_an_anchor(void **state)
{
    (void)state;
    add_refused(CERT_LEAF, "neither a CA certificate (basicConstraints CA:TRUE) nor self-signed");
    add_refused(CERT_RSA1024, "RSA key shorter than 2048 bits");
    add_refused(CERT_P521, "unsupported or bad public key (RSA up to 4096 bits, or ECDSA P-256/P-384)");
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\n"
                              "b1 builtin DigiCert_Global_Root_G3\r\n"
                              "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                              "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                              "OK builtin=on\r\n");
}

static void refuses_a_self_issued_certificate_with_a_bad_signature(void **state)
{
    (void)state;
    /* Flip one bit in the last full body line: the signature of the
     * self-signed server certificate. */
    char *pem = dup(CERT_SERVER_SELF);
    char *end = strstr(pem, "-----END");
    char *line = end - 2;
    while (line > pem && line[-1] != '\n') {
        line--;
    }
    line -= 2;
    while (line > pem && line[-1] != '\n') {
        line--;
    }
    line[10] = line[10] == 'A' ? 'B' : 'A';
    add_refused(pem, "issuer and subject are the same but the signature does not verify with its own key");
    free(pem);
}

static void refuses_more_than_2048_bytes_and_skips_the_rest(void **state)
{
    (void)state;
    /* One final line for the whole paste: the rest of the PEM, END
     * included, is skipped without a word; then commands work again. */
    add_refused(CERT_BIG, "more than 2048 bytes of DER");
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\n"
                              "b1 builtin DigiCert_Global_Root_G3\r\n"
                              "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                              "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                              "OK builtin=on\r\n");
}

static void refuses_garbage_and_truncation(void **state)
{
    (void)state;
    char *pem = pem_edit(CERT_CA, 3, "this is not base64!");
    add_refused(pem, "a line that is not base64");
    free(pem);
    pem = pem_edit(CERT_CA, 3, "-----BEGIN CERTIFICATE-----");
    add_refused(pem, "unexpected line in the PEM (only BEGIN/END CERTIFICATE are allowed)");
    free(pem);
    /* a body line lost: the DER is shorter than its outer length says */
    pem = pem_edit(CERT_CA, 5, NULL);
    add_refused(pem, "not one DER certificate (truncated, or data after it)");
    free(pem);
    /* one character lost: an incomplete base64 group */
    pem = dup(CERT_CA);
    char *end = strstr(pem, "\n-----END");
    memmove(end - 1, end, strlen(end) + 1);
    add_refused(pem, "truncated base64 (the last group is incomplete)");
    free(pem);
    add_refused("-----BEGIN CERTIFICATE-----\nSGVsbG8sIHdvcmxkIQ==\n-----END CERTIFICATE-----\n",
                "not one DER certificate (truncated, or data after it)");
    add_refused("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
                "not a well-formed X.509 certificate");
    add_refused("-----BEGIN CERTIFICATE-----\nSGVsbG8=\nSGVsbG8=\n-----END CERTIFICATE-----\n",
                "data after the base64 padding");
    add_refused("-----BEGIN CERTIFICATE-----\nSG=sbG8=\n-----END CERTIFICATE-----\n", "bad base64");
    add_refused("-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n", "no certificate between BEGIN and END");
    add_refused("-----BEGIN PRIVATE KEY-----\n", "expected -----BEGIN CERTIFICATE-----");
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\n"
                              "b1 builtin DigiCert_Global_Root_G3\r\n"
                              "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                              "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                              "OK builtin=on\r\n");
}

static void a_refused_paste_ends_at_the_first_command_line(void **state)
{
    (void)state;
    /* Garbage, two more base64 lines (skipped), then a command: it runs. */
    fake_console_input("ca add\r\n-----BEGIN CERTIFICATE-----\r\n!!!\r\nAAAA\r\nBBBB\r\n");
    run_expect("ca builtin\r\n", "ERR bad-certificate: a line that is not base64\r\nOK builtin=on\r\n");
    /* Before BEGIN, the wrong line is the answer, not a command. */
    run_expect("ca add\r\nca list\r\n", "ERR bad-certificate: expected -----BEGIN CERTIFICATE-----\r\n");
}

static void overlong_lines_are_refused(void **state)
{
    (void)state;
    char line[700];
    memset(line, 'A', 600);
    strcpy(line + 600, "\r\n");
    /* inside the PEM: refused, the rest skipped */
    fake_console_input("ca add\r\n-----BEGIN CERTIFICATE-----\r\n");
    fake_console_input(line);
    fake_console_input("AAAA\r\n-----END CERTIFICATE-----\r\n");
    run_expect("ca builtin\r\n", "ERR bad-certificate: a line longer than the console takes\r\nOK builtin=on\r\n");
    /* before it */
    fake_console_input("ca add\r\n");
    fake_console_input(line);
    run_expect("", "ERR bad-certificate: an over-long line where -----BEGIN CERTIFICATE----- was expected\r\n");
}

static void tolerates_blank_lines_crlf_and_indentation(void **state)
{
    (void)state;
    char text[4096] = "\r\n";
    for (const char *p = CERT_CA; *p; p++) {
        if (*p == '\n') {
            strcat(text, "  \r\n\r\n");
        } else {
            strncat(text, p, 1);
        }
    }
    add_expect(text, "OK ca=1 subject=Pipebutton_Test_CA\r\n");
}

static void the_answer_waits_for_the_end_line(void **state)
{
    (void)state;
    /* Line by line, as a person pastes: no output until END. */
    run_expect("ca add\r\n", "");
    const char *p = CERT_CA;
    while (*p) {
        const char *e = strchr(p, '\n');
        char line[100];
        snprintf(line, sizeof line, "%.*s\r\n", (int)(e - p), p);
        p = e + 1;
        char *out = run(line);
        if (*p) {
            assert_string_equal(out, "");
        } else {
            assert_string_equal(out, "OK ca=1 subject=Pipebutton_Test_CA\r\n");
        }
        free(out);
    }
}

static void usage_errors(void **state)
{
    (void)state;
    const char *usage = "ERR bad-argument: usage: ca add|list|remove <slot>|builtin on|off\r\n";
    run_expect("ca\r\n", usage);
    run_expect("ca frobnicate\r\n", usage);
    run_expect("ca add now\r\n", usage);
    run_expect("ca list all\r\n", usage);
}

/* ---- slots ------------------------------------------------------------------ */

static void same_certificate_twice_keeps_its_slot(void **state)
{
    (void)state;
    add_ok(CERT_CA, 1);
    add_ok(CERT_SUB_CA, 2);
    add_expect(CERT_SUB_CA, "OK ca=2 subject=Pipebutton_Test_Sub_CA\r\n");
    char *out = run("ca list\r\n");
    assert_non_null(strstr(out, "\r\n1 added Pipebutton_Test_CA\r\n2 added Pipebutton_Test_Sub_CA\r\nOK builtin=on\r\n"));
    free(out);
}

static void slots_keep_their_numbers(void **state)
{
    (void)state;
    add_ok(CERT_CA, 1);
    add_ok(CERT_SUB_CA, 2);
    add_ok(CERT_SERVER_SELF, 3);
    run_expect("ca remove 2\r\n", "OK\r\n");
    char *out = run("ca list\r\n");
    assert_non_null(strstr(out, "\r\n1 added Pipebutton_Test_CA\r\n3 added tfs_build_server\r\nOK builtin=on\r\n"));
    free(out);
    add_ok(CERT_RSA4096, 2); /* the lowest free slot */
    add_ok(CERT_SUB_CA, 4);
    out = run("ca list\r\n");
    assert_non_null(strstr(out, "\r\n1 added Pipebutton_Test_CA\r\n2 added Pipebutton_RSA-4096_Root\r\n"
                                "3 added tfs_build_server\r\n4 added Pipebutton_Test_Sub_CA\r\nOK builtin=on\r\n"));
    free(out);
}

static void nine_do_not_fit(void **state)
{
    (void)state;
    const char *certs[] = {CERT_CA,       CERT_CA_UPPER, CERT_CA_OTHER, CERT_SUB_CA,
                           CERT_RSA4096,  CERT_EXTRA1,   CERT_EXTRA2,   CERT_EXTRA3};
    for (unsigned i = 0; i < 8; i++) {
        add_ok(certs[i], i + 1);
    }
    add_expect(CERT_SERVER_SELF, "ERR ca-full: all 8 slots are in use; ca remove one first\r\n");
    /* one already there is still found */
    add_expect(CERT_EXTRA2, "OK ca=7 subject=Pipebutton_Extra_CA_2\r\n");
    run_expect("ca remove 5\r\n", "OK\r\n");
    add_expect(CERT_SERVER_SELF, "OK ca=5 subject=tfs_build_server\r\n");
}

static void remove_refuses_builtin_empty_and_bad_slots(void **state)
{
    (void)state;
    add_ok(CERT_CA, 1);
    run_expect("ca remove b0\r\n",
               "ERR bad-argument: b0 is built in and cannot be removed (ca builtin off stops trusting b0..b3)\r\n");
    const char *usage = "ERR bad-argument: usage: ca remove <slot>, slot 1..8 (ca list shows them)\r\n";
    run_expect("ca remove\r\n", usage);
    run_expect("ca remove 9\r\n", usage);
    run_expect("ca remove 0\r\n", usage);
    run_expect("ca remove 10\r\n", usage);
    run_expect("ca remove one\r\n", usage);
    run_expect("ca remove 2\r\n", "ERR bad-argument: slot 2 is empty\r\n");
    run_expect("ca remove 1\r\n", "OK\r\n");
    run_expect("ca remove 1\r\n", "ERR bad-argument: slot 1 is empty\r\n");
}

static void anchors_survive_a_reset(void **state)
{
    (void)state;
    add_ok(CERT_CA, 1);
    add_ok(CERT_RSA4096, 2);
    add_ok(CERT_SERVER_SELF, 3);
    run_expect("ca remove 2\r\n", "OK\r\n");
    /* power off and on: the store is opened again from the same NOR */
    assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
    console_init();
    cfg_init();
    ca_init();
    char *out = run("ca list\r\n");
    assert_non_null(strstr(out, "\r\n1 added Pipebutton_Test_CA\r\n3 added tfs_build_server\r\nOK builtin=on\r\n"));
    free(out);
    add_expect(CERT_SERVER_SELF, "OK ca=3 subject=tfs_build_server\r\n");
    add_ok(CERT_SUB_CA, 2);
}

static void config_reset_drops_added_anchors(void **state)
{
    (void)state;
    add_ok(CERT_CA, 1);
    run_expect("ca builtin off\r\n", "OK builtin=off\r\n");
    run_expect("config reset yes\r\n", "OK\r\n");
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\n"
                              "b1 builtin DigiCert_Global_Root_G3\r\n"
                              "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                              "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\n"
                              "OK builtin=on\r\n");
}

/* ---- the TLS callbacks --------------------------------------------------------------- */

static unsigned count(const mbedtls_x509_crt *c)
{
    unsigned n = 0;
    for (; c != NULL; c = c->next) {
        n++;
    }
    return n;
}

/* ---- endpoint binding (spec section 2): the anchors decide which server
 * the secret signs for */

static void provision_secret(void)
{
    run_expect("config set secret Anchor-S3cret-77\r\n", "OK\r\n");
    assert_true(cfg_is_set("secret"));
}

static void changing_the_anchors_unsets_the_secret(void **state)
{
    (void)state;
    provision_secret();
    add_expect(CERT_CA, "OK ca=1 subject=Pipebutton_Test_CA unset=secret\r\n");
    assert_false(cfg_is_set("secret"));
    assert_int_equal(fake_nvm_count("Anchor-S3cret-77", 16), 0);
    store_open(HAL_NVM_CONFIG); /* durably */
    assert_false(cfg_is_set("secret"));
    ca_init();
    /* the same certificate again is no change */
    provision_secret();
    add_expect(CERT_CA, "OK ca=1 subject=Pipebutton_Test_CA\r\n");
    assert_true(cfg_is_set("secret"));
    /* a refused one neither */
    add_refused(CERT_LEAF, "neither a CA certificate (basicConstraints CA:TRUE) nor self-signed");
    assert_true(cfg_is_set("secret"));
    run_expect("ca remove 1\r\n", "OK unset=secret\r\n");
    assert_false(cfg_is_set("secret"));
    provision_secret();
    run_expect("ca remove 1\r\n", "ERR bad-argument: slot 1 is empty\r\n");
    run_expect("ca builtin on\r\n", "OK builtin=on\r\n"); /* on already */
    assert_true(cfg_is_set("secret"));
    run_expect("ca builtin off\r\n", "OK builtin=off unset=secret\r\n");
    assert_false(cfg_is_set("secret"));
    provision_secret();
    run_expect("ca builtin off\r\n", "OK builtin=off\r\n");
    run_expect("ca builtin on\r\n", "OK builtin=on unset=secret\r\n");
    assert_int_equal(fake_nvm_count("Anchor-S3cret-77", 16), 0);
    /* without a secret there is nothing to say */
    add_expect(CERT_SUB_CA, "OK ca=1 subject=Pipebutton_Test_Sub_CA\r\n");
}

/* The anchor and the unset secret are one store change. */
static void a_cut_ca_add_keeps_the_secret_or_adds_the_anchor_without_it(void **state)
{
    (void)state;
    unsigned long points = 0;
    for (long cut = 0;; cut++) {
        setup(NULL);
        provision_secret();
        fake_nvm_cut_after(cut, (uint32_t)cut + 11u);
        free(add(CERT_CA));
        if (!fake_nvm_cut_happened()) {
            break;
        }
        points++;
        fake_nvm_power_on();
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        bool anchor = store_has("ca.1");
        assert_true(anchor != cfg_is_set("secret"));
        if (anchor) {
            assert_int_equal(fake_nvm_count("Anchor-S3cret-77", 16), 0);
        }
    }
    print_message("ca add survived a power cut at %lu write points\n", points);
    assert_true(points > 8);
}

static void free_candidates(mbedtls_x509_crt *c)
{
    mbedtls_x509_crt_free(c);
    mbedtls_free(c);
}

static void trust_cb_offers_only_matching_anchors(void **state)
{
    (void)state;
    add_ok(CERT_CA_OTHER, 1); /* same CN, other O: not the issuer */
    add_ok(CERT_SUB_CA, 2);
    add_ok(CERT_CA, 3);
    add_ok(CERT_SERVER_SELF, 4);
    mbedtls_x509_crt *leaf = parse_pem(CERT_LEAF);
    mbedtls_x509_crt *cand = NULL;
    assert_int_equal(ca_trust_cb(NULL, leaf, &cand), 0);
    assert_int_equal(count(cand), 1);
    assert_int_equal(cand->raw.len, 476); /* ca.pem */
    assert_true(cand->MBEDTLS_PRIVATE(own_buffer));
    free_candidates(cand);
    /* names compare case-blind, as mbedTLS does */
    mbedtls_x509_crt *upper = parse_pem(CERT_LEAF_UPPER);
    assert_int_equal(ca_trust_cb(NULL, upper, &cand), 0);
    assert_int_equal(count(cand), 1);
    assert_int_equal(cand->raw.len, 476);
    free_candidates(cand);
    /* nobody issued the pinned server certificate but itself */
    mbedtls_x509_crt *srv = parse_pem(CERT_SERVER_SELF);
    assert_int_equal(ca_trust_cb(NULL, srv, &cand), 0);
    assert_int_equal(count(cand), 1);
    assert_int_equal(cand->raw.len, 497);
    free_candidates(cand);
    /* an issuer nobody knows */
    mbedtls_x509_crt *rsa = parse_pem(CERT_RSA4096);
    assert_int_equal(ca_trust_cb(NULL, rsa, &cand), 0);
    assert_null(cand);
    free_crt(leaf);
    free_crt(upper);
    free_crt(srv);
    free_crt(rsa);
}

static void trust_cb_offers_builtins_from_flash_unless_off(void **state)
{
    (void)state;
    mbedtls_x509_crt *child = parse_pem(CERT_UNDER_G2); /* issuer: DigiCert Global Root G2 */
    mbedtls_x509_crt *cand = NULL;
    assert_int_equal(ca_trust_cb(NULL, child, &cand), 0);
    assert_int_equal(count(cand), 1);
    assert_ptr_equal(cand->raw.p, ca_builtins[0].der); /* parsed in place */
    assert_false(cand->MBEDTLS_PRIVATE(own_buffer));
    free_candidates(cand);
    run_expect("ca builtin off\r\n", "OK builtin=off\r\n");
    assert_int_equal(ca_trust_cb(NULL, child, &cand), 0);
    assert_null(cand);
    free_crt(child);
}

static int verify(const char *pem, const char *host, bool with_verify_cb, uint32_t *flags)
{
    mbedtls_x509_crt *crt = parse_pem(pem);
    int ret = mbedtls_x509_crt_verify_with_ca_cb(crt, ca_trust_cb, NULL, &mbedtls_x509_crt_profile_default, host,
                                                 flags, with_verify_cb ? ca_verify_cb : NULL, NULL);
    free_crt(crt);
    return ret;
}

static void chains_verify_through_the_callbacks(void **state)
{
    (void)state;
    uint32_t flags;
    wallclock_set_manual(UTC_2030);
    assert_int_not_equal(verify(CERT_LEAF, "leaf.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    add_ok(CERT_CA, 1);
    assert_int_equal(verify(CERT_LEAF, "leaf.example", true, &flags), 0);
    assert_int_equal(flags, 0);
    assert_int_equal(verify(CERT_LEAF_UPPER, "leaf.example", true, &flags), 0);
    assert_int_not_equal(verify(CERT_LEAF, "other.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
    /* the clock not set: fail closed */
    wallclock_init();
    assert_int_not_equal(verify(CERT_LEAF, "leaf.example", true, &flags), 0);
    assert_true(flags & MBEDTLS_X509_BADCERT_EXPIRED);
    /* far in the future */
    wallclock_set_manual(UTC_2030 * 3);
    assert_int_not_equal(verify(CERT_LEAF, "leaf.example", true, &flags), 0);
    assert_true(flags & MBEDTLS_X509_BADCERT_EXPIRED);
    wallclock_set_manual(UTC_2030);
    run_expect("ca remove 1\r\n", "OK\r\n");
    assert_int_not_equal(verify(CERT_LEAF, "leaf.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
}

static void a_pinned_self_signed_server_is_trusted(void **state)
{
    (void)state;
    uint32_t flags;
    wallclock_set_manual(UTC_2030);
    assert_int_not_equal(verify(CERT_SERVER_SELF, "tfs.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    add_ok(CERT_SERVER_SELF, 1);
    /* mbedTLS alone does not trust a self-signed leaf through the trusted-CA callback ... */
    assert_int_not_equal(verify(CERT_SERVER_SELF, "tfs.example", false, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    /* ... ca_verify_cb does, and keeps the other checks */
    assert_int_equal(verify(CERT_SERVER_SELF, "tfs.example", true, &flags), 0);
    assert_int_equal(flags, 0);
    assert_int_not_equal(verify(CERT_SERVER_SELF, "other.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
    /* a different self-signed certificate with the same name is not it */
    add_ok(CERT_CA, 2);
    run_expect("ca remove 1\r\n", "OK\r\n");
    assert_int_not_equal(verify(CERT_SERVER_SELF, "tfs.example", true, &flags), 0);
    assert_int_equal(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
}

/* ---- the port: heap, time ---------------------------------------------------------------- */

/* An allocation too large for any heap returns NULL here, as it does on the
 * target, instead of AddressSanitizer stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void failed_allocations_are_counted(void **state)
{
    (void)state;
    tlsport_init();
    uint32_t before = tlsport_alloc_failures();
    void *p = mbedtls_calloc(1, 64);
    assert_non_null(p);
    mbedtls_free(p);
    assert_int_equal(tlsport_alloc_failures(), before);
    assert_null(mbedtls_calloc(1, SIZE_MAX / 2));
    assert_int_equal(tlsport_alloc_failures(), before + 1);
}

static void *no_memory(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

static void a_full_heap_means_busy_not_bad(void **state)
{
    (void)state;
    mbedtls_platform_set_calloc_free(no_memory, free);
    /* the PEM is read into the console's own buffer whatever the heap
     * holds; checking it needs the heap */
    char *out = add(CERT_CA);
    assert_string_equal(out, "ERR busy: no memory for the certificate while TLS is busy; try again\r\n");
    free(out);
    tlsport_init();
    add_ok(CERT_CA, 1);
}

static void an_abandoned_capture_ends_by_itself(void **state)
{
    (void)state;
    fake_console_input("ca add\r\n-----BEGIN CERTIFICATE-----\r\n");
    console_task();
    fake_time_advance(CONSOLE_CAPTURE_IDLE_MS - 1);
    console_task();
    char *out = fake_console_take();
    assert_string_equal(out, ""); /* still waiting for the PEM */
    free(out);
    fake_time_advance(1);
    console_task();
    out = fake_console_take();
    assert_string_equal(out, "ERR timeout: no input for 60 s: the certificate was dropped\r\n");
    free(out);
    assert_false(console_capturing());
    /* what follows is a command again */
    run_expect("ca list\r\n", "b0 builtin DigiCert_Global_Root_G2\r\nb1 builtin DigiCert_Global_Root_G3\r\n"
                                "b2 builtin Microsoft_RSA_Root_Certificate_Authority_2017\r\n"
                                "b3 builtin Microsoft_ECC_Root_Certificate_Authority_2017\r\nOK builtin=on\r\n");
}

/* A capture that was refused already answered: when the rest of its PEM
 * never comes, it ends without a second final line (a program would take
 * that one as the answer to its next command). */
static void a_refused_capture_ends_silently(void **state)
{
    (void)state;
    run_expect("ca add\r\n-----BEGIN CERTIFICATE-----\r\n!!!\r\n", "ERR bad-certificate: a line that is not base64\r\n");
    assert_true(console_capturing()); /* skipping the rest of the PEM */
    fake_time_advance(CONSOLE_CAPTURE_IDLE_MS);
    console_task();
    char *out = fake_console_take();
    assert_string_equal(out, "");
    free(out);
    assert_false(console_capturing());
    run_expect("ca builtin\r\n", "OK builtin=on\r\n");
}

static void time_comes_from_the_wall_clock(void **state)
{
    (void)state;
    time_t t = 5;
    assert_int_equal(tlsport_time(&t), -1);
    assert_int_equal(t, -1);
    wallclock_set_manual(UTC_2030 + 999);
    assert_int_equal(tlsport_time(NULL), 1893456000);
}

static void gmtime_r_without_libc(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        int year, mon, mday, hour, min, sec, wday, yday;
    } cases[] = {
        {0, 70, 0, 1, 0, 0, 0, 4, 0},
        {951782400, 100, 1, 29, 0, 0, 0, 2, 59},          /* 2000-02-29 */
        {1893456000 - 1, 129, 11, 31, 23, 59, 59, 1, 364}, /* 2029-12-31T23:59:59 */
        {2214172800, 140, 2, 1, 0, 0, 0, 4, 60},              /* 2040-03-01, a leap year */
        {INT64_C(253402300799), 8099, 11, 31, 23, 59, 59, 5, 364},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tm tm;
        mbedtls_time_t t = (mbedtls_time_t)cases[i].t;
        assert_ptr_equal(mbedtls_platform_gmtime_r(&t, &tm), &tm);
        assert_int_equal(tm.tm_year, cases[i].year);
        assert_int_equal(tm.tm_mon, cases[i].mon);
        assert_int_equal(tm.tm_mday, cases[i].mday);
        assert_int_equal(tm.tm_hour, cases[i].hour);
        assert_int_equal(tm.tm_min, cases[i].min);
        assert_int_equal(tm.tm_sec, cases[i].sec);
        assert_int_equal(tm.tm_wday, cases[i].wday);
        assert_int_equal(tm.tm_yday, cases[i].yday);
    }
    struct tm tm;
    mbedtls_time_t bad = -1;
    assert_null(mbedtls_platform_gmtime_r(&bad, &tm));
    bad = (mbedtls_time_t)INT64_C(253402300800);
    assert_null(mbedtls_platform_gmtime_r(&bad, &tm));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(list_shows_the_builtins_in_spec_order, setup),
        cmocka_unit_test_setup(builtins_are_the_roots_they_claim, setup),
        cmocka_unit_test_setup(builtin_off_and_on_is_durable, setup),
        cmocka_unit_test_setup(adds_a_ca_and_lists_it, setup),
        cmocka_unit_test_setup(accepts_pinned_server_intermediate_and_rsa4096, setup),
        cmocka_unit_test_setup(refuses_what_cannot_be_an_anchor, setup),
        cmocka_unit_test_setup(refuses_a_self_issued_certificate_with_a_bad_signature, setup),
        cmocka_unit_test_setup(refuses_more_than_2048_bytes_and_skips_the_rest, setup),
        cmocka_unit_test_setup(a_refused_capture_ends_silently, setup),
        cmocka_unit_test_setup(refuses_garbage_and_truncation, setup),
        cmocka_unit_test_setup(a_refused_paste_ends_at_the_first_command_line, setup),
        cmocka_unit_test_setup(overlong_lines_are_refused, setup),
        cmocka_unit_test_setup(tolerates_blank_lines_crlf_and_indentation, setup),
        cmocka_unit_test_setup(the_answer_waits_for_the_end_line, setup),
        cmocka_unit_test_setup(usage_errors, setup),
        cmocka_unit_test_setup(same_certificate_twice_keeps_its_slot, setup),
        cmocka_unit_test_setup(slots_keep_their_numbers, setup),
        cmocka_unit_test_setup(nine_do_not_fit, setup),
        cmocka_unit_test_setup(remove_refuses_builtin_empty_and_bad_slots, setup),
        cmocka_unit_test_setup(anchors_survive_a_reset, setup),
        cmocka_unit_test_setup(config_reset_drops_added_anchors, setup),
        cmocka_unit_test_setup(changing_the_anchors_unsets_the_secret, setup),
        cmocka_unit_test_setup(a_cut_ca_add_keeps_the_secret_or_adds_the_anchor_without_it, setup),
        cmocka_unit_test_setup(trust_cb_offers_only_matching_anchors, setup),
        cmocka_unit_test_setup(trust_cb_offers_builtins_from_flash_unless_off, setup),
        cmocka_unit_test_setup(chains_verify_through_the_callbacks, setup),
        cmocka_unit_test_setup(a_pinned_self_signed_server_is_trusted, setup),
        cmocka_unit_test_setup(failed_allocations_are_counted, setup),
        cmocka_unit_test_setup(a_full_heap_means_busy_not_bad, setup),
        cmocka_unit_test_setup(an_abandoned_capture_ends_by_itself, setup),
        cmocka_unit_test_setup(time_comes_from_the_wall_clock, setup),
        cmocka_unit_test_setup(gmtime_r_without_libc, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
