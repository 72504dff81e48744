/* Configuration through the console, as a user or the provisioning tool sees
 * it: validation of every key, import all-or-nothing, reset, the write-only
 * secret (never shown, and no old value left on the medium), and power cuts
 * during set, import and reset. */
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
#include "fake_device.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "store.h"
#include "tlsport.h"

static int setup(void **state)
{
    (void)state;
    fake_device_fresh();
    tlsport_init(); /* multi-line imports borrow mbedTLS's heap */
    return 0;
}

static char *run(const char *line)
{
    fake_console_input(line);
    fake_console_input("\r\n");
    console_task();
    return fake_console_take();
}

/* Runs line and checks its final line starts with want. */
static void expect_final(const char *line, const char *want)
{
    char *out = run(line);
    const char *last = out;
    for (const char *p = strstr(out, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        last = p + 2;
    }
    if (strncmp(last, want, strlen(want)) != 0) {
        fail_msg("'%s' answered '%s', wanted '%s...'", line, last, want);
    }
    free(out);
}

static void get_is(const char *key, const char *value)
{
    char cmd[80], want[600];
    snprintf(cmd, sizeof cmd, "config get %s", key);
    snprintf(want, sizeof want, "%s=%s\r\nOK\r\n", key, value);
    char *out = run(cmd);
    assert_string_equal(out, want);
    free(out);
}

static void defaults(void **state)
{
    (void)state;
    get_is("host", "dev.azure.com");
    get_is("port", "443");
    get_is("api_version", "6.0-preview");
    get_is("sig_header", "X-Port-Signature");
    get_is("ip", "dhcp");
    get_is("device_id", "pb-525400123456");
    get_is("action.trigger", "{}");
    get_is("button.select.short", "trigger");
    get_is("button.up.long", "");
    get_is("retry.base_ms", "2000");
    get_is("org", "");
    get_is("project", "");
    get_is("run.wait_s", "180");
    get_is("run.poll_s", "10");
    get_is("run.follow_s", "7200");
    expect_final("config get secret", "ERR secret-write-only: ");
    expect_final("config get pat", "ERR secret-write-only: ");
    expect_final("config get colour", "ERR unknown-key: ");
    expect_final("config get action.bad!name", "ERR unknown-key: ");
    expect_final("config get button.nosuch.short", "ERR unknown-key: ");
    expect_final("config get button.up.triple", "ERR unknown-key: ");
}

static void every_key_validates(void **state)
{
    (void)state;
    static const struct {
        const char *key, *good, *bad;
    } cases[] = {
        {"org", "my-org.name_1", "has space"},
        {"org", "o", "x123456789x123456789x123456789x123456789x123456789x123456789x12345"},
        {"webhook", "deploy_hook-1", "dot.not.allowed"},
        {"secret", "p@ss w0rd~", "caf\xc3\xa9"},
        {"host", "tfs.example.local", "bad_host"},
        {"host", "192.168.1.10", "1.2.3"},
        {"port", "8443", "0"},
        {"port", "65535", "65536"},
        {"port", "1", "08443"},
        {"path_prefix", "/tfs/Collection.1", "tfs"},
        {"path_prefix", "/a/b", "/a//b"},
        {"api_version", "7.1-preview.1", "7.1 preview"},
        {"sig_header", "X-Hub-Signature", "X Sig"},
        {"ip", "10.0.0.5/8,10.0.0.1", "10.0.0.5"},
        {"dns", "10.0.2.3:5353", "dns.example"},
        {"ntp", "time.example:1123", "time.example:0"},
        {"device_id", "lobby-button_2", "too-long-id-0123456789012345678901"},
        {"blueprint", "microservice", "has space"},
        {"entity", "payments-api", "quote\""},
        {"max_age", "86400", "-1"},
        {"retry.base_ms", "500", "99"},
        {"retry.error_ms", "60000", "1e6"},
        {"project", "Fabrikam Fiber", " Fabrikam"},
        {"project", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c", "Fabrikam "},
        {"project", "p", "x123456789x123456789x123456789x123456789x123456789x123456789x12345"},
        {"project", "a.b_c-d", "a/b"},
        {"pat", "abc DEF~!", "caf\xc3\xa9"},
        {"run.wait_s", "1", "0"},
        {"run.wait_s", "86400", "86401"},
        {"run.poll_s", "2", "1"},
        {"run.poll_s", "3600", "3601"},
        {"run.follow_s", "604800", "604801"},
        {"run.follow_s", "1", "-5"},
        {"button.up.long", "deploy", "not an action"},
        {"action.deploy", "{\"env\": \"prod\", \"n\": 1}", "{\"env\": prod}"},
        {"action.deploy", "{}", "[]"},
        {"action.deploy", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}", "{\"port_context\":{}}"},
        {"action.deploy", "{\"x\":true}", "{\"device\":1}"},
        {"action.deploy", "{\"x\":\"\\u00e9\"}", "{\"x\":1,\"x\":2}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "config set %s %s", cases[i].key, cases[i].good);
        expect_final(cmd, "OK");
        snprintf(cmd, sizeof cmd, "config set %s %s", cases[i].key, cases[i].bad);
        char want[80];
        snprintf(want, sizeof want, "ERR bad-value: %s: ", cases[i].key);
        expect_final(cmd, want);
    }
    get_is("action.deploy", "{\"x\":\"\\u00e9\"}"); /* minified, escapes kept, unchanged by the refusal */
    expect_final("config set colour blue", "ERR unknown-key: ");
}

static void action_size_limit_is_480_minified(void **state)
{
    (void)state;
    char cmd[600], value[520];
    /* {"k":"xxx..."}: 8 bytes of syntax + the string */
    memset(value, 0, sizeof value);
    strcpy(value, "{\"k\": \"");
    memset(value + 7, 'x', 472);
    strcpy(value + 7 + 472, "\"}");
    snprintf(cmd, sizeof cmd, "config set action.big %s", value);
    expect_final(cmd, "OK"); /* 480 once the space is gone */
    value[7 + 472] = 'x';
    strcpy(value + 7 + 473, "\"}");
    snprintf(cmd, sizeof cmd, "config set action.big %s", value);
    expect_final(cmd, "ERR bad-value: action.big: ");
}

static void secret_is_never_shown(void **state)
{
    (void)state;
    char *out = run("config show");
    assert_non_null(strstr(out, "secret=<unset>\r\n"));
    free(out);
    expect_final("config set secret Sup3r-S3cret!", "OK");
    out = run("config show");
    assert_non_null(strstr(out, "secret=<set>\r\n"));
    assert_null(strstr(out, "Sup3r"));
    free(out);
    /* with echo on, typing it shows stars only, in set and in import */
    free(run("echo on"));
    out = run("config set secret Another-S3cret");
    assert_null(strstr(out, "Another"));
    free(out);
    out = run("config import {\"secret\":\"Third-S3cret\"}");
    assert_null(strstr(out, "Third"));
    free(out);
    char buf[64];
    size_t len;
    assert_true(cfg_secret(buf, sizeof buf, &len));
    assert_int_equal(len, strlen("Third-S3cret"));
    assert_memory_equal(buf, "Third-S3cret", len);
}

/* The PAT is write-only like the secret: shown only as set or unset,
 * refused to `config get`, masked when typed, 1 to 256 characters. */
static void pat_is_write_only_like_the_secret(void **state)
{
    (void)state;
    char *out = run("config show");
    assert_non_null(strstr(out, "pat=<unset>\r\n"));
    assert_non_null(strstr(out, "project=\r\n"));
    free(out);
    char cmd[300];
    char pat[257];
    memset(pat, 'p', 256);
    pat[256] = '\0';
    snprintf(cmd, sizeof cmd, "config set pat %s", pat);
    expect_final(cmd, "OK");
    snprintf(cmd, sizeof cmd, "config set pat %sq", pat);
    expect_final(cmd, "ERR bad-value: pat: ");
    expect_final("config set pat ", "ERR bad-value: pat: ");
    out = run("config show");
    assert_non_null(strstr(out, "pat=<set>\r\n"));
    assert_null(strstr(out, "ppp"));
    free(out);
    expect_final("config get pat", "ERR secret-write-only: pat ");
    free(run("echo on"));
    out = run("config  set pat Typed-PAT-0001");
    assert_null(strstr(out, "Typed-PAT"));
    free(out);
    out = run("config import {\"pat\":\"Imported-PAT-0002\",\"project\":\"Fabrikam\"}");
    assert_null(strstr(out, "Imported-PAT"));
    free(out);
    char buf[CFG_PAT_MAX + 1];
    size_t len;
    assert_true(cfg_pat(buf, sizeof buf, &len));
    assert_int_equal(len, strlen("Imported-PAT-0002"));
    assert_memory_equal(buf, "Imported-PAT-0002", len);
    char value[8];
    assert_int_equal(cfg_value("pat", value, sizeof value, NULL), CFG_WRITE_ONLY);
    assert_true(cfg_sensitive("pat"));
    free(run("echo off"));
    assert_int_equal(cfg_u32(CFG_RUN_POLL_S), 10);
    expect_final("config set run.poll_s 2", "OK");
    assert_int_equal(cfg_u32(CFG_RUN_POLL_S), 2);
}

static void import_is_all_or_nothing(void **state)
{
    (void)state;
    expect_final("config set org before", "OK");
    expect_final("config import {\"org\":\"after\",\"port\":\"99999\"}", "ERR bad-value: port: ");
    get_is("org", "before");
    expect_final("config import {\"org\":\"after\",\"colour\":\"blue\"}", "ERR unknown-key: ");
    get_is("org", "before");
    expect_final("config import {\"org\":\"after\",\"port\":8443}", "ERR bad-value: port: ");
    expect_final("config import {\"org\":\"after\",\"org\":\"twice\"}", "ERR bad-value: json ");
    expect_final("config import {\"org\":\"after\",}", "ERR bad-value: json ");
    expect_final("config import [1]", "ERR bad-value: json ");
    get_is("org", "before");
    expect_final("config import {\"org\":\"after\",\"action.deploy\":{\"env\":\"prod\"},"
                 "\"button.up.double\":\"deploy\",\"secret\":\"s\"}",
                 "OK");
    get_is("org", "after");
    get_is("action.deploy", "{\"env\":\"prod\"}");
    get_is("button.up.double", "deploy");
    expect_final("config import {\"action.x\":\"not an object\"}", "ERR bad-value: action.x: ");
}

static void multi_line_import(void **state)
{
    (void)state;
    expect_final("config import begin", "OK");
    /* content lines get no answer */
    char *out = run("{\"org\": \"multi\",");
    assert_string_equal(out, "");
    free(out);
    out = run("  \"webhook\": \"w\"}");
    assert_string_equal(out, "");
    free(out);
    expect_final("config import commit", "OK");
    get_is("org", "multi");
    get_is("webhook", "w");
    expect_final("config import begin", "OK");
    free(run("{\"org\": \"dropped\"}"));
    expect_final("config import abort", "OK");
    get_is("org", "multi");
    expect_final("config import commit", "ERR bad-argument: ");
    /* a broken document is refused whole */
    expect_final("config import begin", "OK");
    free(run("{\"org\": \"half\","));
    expect_final("config import commit", "ERR bad-value: json ");
    get_is("org", "multi");
}

/* Issue 12, finding 5: an over-long line inside a capture used to end the
 * import, and the lines after it ran as commands, printed in their
 * refusals.  The rest of the capture is swallowed until commit or abort. */
static void an_overlong_line_in_an_import_swallows_the_rest(void **state)
{
    (void)state;
    expect_final("config import begin", "OK");
    char big[700];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *out = run(big);
    assert_string_equal(out, "");
    free(out);
    out = run("\"secret\":\"Swallowed-S3cret\"}");
    assert_string_equal(out, ""); /* not run, not printed */
    free(out);
    out = run("config show");
    assert_string_equal(out, ""); /* still the import's */
    free(out);
    out = run("config import commit");
    assert_string_equal(out, "ERR line-too-long: a line of the import held more than 512 bytes; nothing changed\r\n");
    free(out);
    assert_false(cfg_is_set("secret"));
    expect_final("config show", "OK"); /* commands again */
    /* abort ends it the same way */
    expect_final("config import begin", "OK");
    free(run(big));
    free(run("{\"secret\":\"Swallowed-S3cret\"}"));
    expect_final("config import abort", "OK");
    assert_false(cfg_is_set("secret"));
    assert_int_equal(fake_nvm_count("Swallowed-S3cret", 16), 0);
}

static void unset_and_reset(void **state)
{
    (void)state;
    expect_final("config set host tfs.local", "OK");
    expect_final("config unset host", "OK");
    get_is("host", "dev.azure.com");
    expect_final("config unset colour", "ERR unknown-key: ");
    expect_final("config set org o", "OK");
    expect_final("config set secret s", "OK");
    store_set("sys.boot", "41", 2);
    expect_final("config reset", "ERR bad-argument: ");
    get_is("org", "o");
    expect_final("config reset yes", "OK");
    get_is("org", "");
    char *out = run("config show");
    assert_non_null(strstr(out, "secret=<unset>"));
    free(out);
    char buf[8];
    size_t len;
    assert_int_equal(store_get("sys.boot", buf, sizeof buf, &len), STORE_OK); /* kept */
}

/* config show: every fixed key, the defaults of the open-ended families
 * unless stored, then what is stored of them, each once. */
static void show_lists_defaults_and_stored_families(void **state)
{
    (void)state;
    char *out = run("config show");
    assert_non_null(strstr(out, "\r\naction.trigger={}\r\nbutton.select.short=trigger\r\nOK\r\n"));
    assert_non_null(strstr(out, "host=dev.azure.com\r\n"));
    free(out);
    expect_final("config set action.deploy {\"env\": \"prod\"}", "OK");
    expect_final("config set button.up.double deploy", "OK");
    expect_final("config set button.select.short deploy", "OK");
    expect_final("config set action.trigger {\"a\":1}", "OK");
    out = run("config show");
    assert_non_null(strstr(out, "action.deploy={\"env\":\"prod\"}\r\n"));
    assert_non_null(strstr(out, "button.up.double=deploy\r\n"));
    assert_non_null(strstr(out, "button.select.short=deploy\r\n"));
    assert_non_null(strstr(out, "action.trigger={\"a\":1}\r\n"));
    assert_null(strstr(out, "action.trigger={}"));             /* the default, no longer */
    assert_null(strstr(out, "button.select.short=trigger"));
    const char *first = strstr(out, "button.up.double=");
    assert_null(strstr(first + 1, "button.up.double="));      /* once */
    assert_non_null(strstr(out, "secret=<unset>\r\n"));
    free(out);
}

static void config_usage_errors(void **state)
{
    (void)state;
    static const char usage[] = "ERR bad-argument: usage: config show | get <key> | set <key> <value> | unset <key> | "
                                "import <json>|begin|commit|abort | reset yes\r\n";
    static const char *const lines[] = {"config", "config frob", "config show all", "config get org extra",
                                        "config unset org extra", "config configure org x", "config get"};
    for (unsigned i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char *out = run(lines[i]);
        if (strcmp(out, usage) != 0) {
            fail_msg("'%s' answered %s", lines[i], out);
        }
        free(out);
    }
    char line[128];
    snprintf(line, sizeof line, "config get action.%060d", 0); /* longer than any key */
    char *out = run(line);
    assert_non_null(strstr(out, "ERR unknown-key: 'action.000"));
    free(out);
}

static void import_refuses_what_no_key_takes(void **state)
{
    (void)state;
    char line[1200];
    snprintf(line, sizeof line, "config import {\"action.%060d\":{}}", 0);
    expect_final(line, "ERR unknown-key: 'action.000");
    int n = snprintf(line, sizeof line, "config import {\"action.big\":{\"k\":\"");
    memset(line + n, 'x', 475); /* 483 bytes minified; the line within 512 */
    strcpy(line + n + 475, "\"}}");
    expect_final(line, "ERR bad-value: action.big: json object longer than 480 bytes");
    n = snprintf(line, sizeof line, "config import {\"org\":\"");
    memset(line + n, 'o', 481);
    strcpy(line + n + 481, "\"}");
    expect_final(line, "ERR bad-value: org: value too long");
    expect_final("config import {\"org\":\"a\\u0000b\"}",
                 "ERR bad-value: org: the value must be a JSON string (without \\u0000)");
    expect_final("config import {\"org\":{}}", "ERR bad-value: org: the value must be a JSON string");
    get_is("org", "");
}

/* The lines of a multi-line import are never run as commands (one may hold
 * the secret), however the import ends. */
static void a_multi_line_import_that_goes_wrong_changes_nothing(void **state)
{
    (void)state;
    expect_final("config set org before", "OK");
    /* silence: dropped after a minute */
    char *out;
    expect_final("config import begin", "OK");
    out = run("{\"org\":\"idle\"}");
    assert_string_equal(out, "");
    free(out);
    fake_time_advance(CONSOLE_CAPTURE_IDLE_MS);
    console_task();
    out = fake_console_take();
    assert_string_equal(out, "ERR timeout: no input for 60 s: the import was dropped, nothing changed\r\n");
    free(out);
    get_is("org", "before");
    /* a line over 512 bytes: the rest is swallowed, then refused */
    expect_final("config import begin", "OK");
    char line[700];
    memset(line, ' ', 600);
    line[600] = '\0';
    out = run(line);
    assert_string_equal(out, "");
    free(out);
    out = run("config set org sneaky"); /* read as part of the import, not run */
    assert_string_equal(out, "");
    free(out);
    expect_final("config import commit",
                 "ERR line-too-long: a line of the import held more than 512 bytes; nothing changed");
    get_is("org", "before");
    /* more than the 2 KB the import is read into */
    expect_final("config import begin", "OK");
    free(run("{\"org\":\"big\","));
    memset(line, ' ', 500);
    line[500] = '\0';
    for (int i = 0; i < 5; i++) {
        free(run(line));
    }
    free(run("\"webhook\":\"w\"}"));
    expect_final("config import commit", "ERR bad-value: json longer than 2048 bytes; nothing changed");
    get_is("org", "before");
    get_is("webhook", "");
    expect_final("config import abort", "ERR bad-argument: no import in progress");
}

static unsigned on_medium(const char *text)
{
    return fake_nvm_count(text, strlen(text));
}

static void old_secrets_leave_no_copy_on_the_medium(void **state)
{
    (void)state;
    expect_final("config set secret Alpha-S3cret-0001", "OK");
    assert_int_equal(on_medium("Alpha-S3cret-0001"), 1);
    expect_final("config set secret Bravo-S3cret-0002", "OK");
    expect_final("config reset yes", "OK");
    assert_int_equal(on_medium("Alpha-S3cret-0001"), 0);
    assert_int_equal(on_medium("Bravo-S3cret-0002"), 0);
    expect_final("config import {\"org\":\"o\",\"secret\":\"Charlie-S3cret-0003\"}", "OK");
    expect_final("config unset secret", "OK");
    assert_int_equal(on_medium("Charlie-S3cret-0003"), 0);
    expect_final("config set secret Delta-S3cret-0004", "OK");
    expect_final("config import {\"secret\":\"Echo-S3cret-0005\",\"webhook\":\"w\"}", "OK");
    assert_int_equal(on_medium("Delta-S3cret-0004"), 0);
    assert_int_equal(on_medium("Echo-S3cret-0005"), 1);
    /* the PAT the same way */
    expect_final("config set pat Alpha-PAT-0001", "OK");
    expect_final("config set pat Bravo-PAT-0002", "OK");
    assert_int_equal(on_medium("Alpha-PAT-0001"), 0);
    expect_final("config import {\"project\":\"p\",\"pat\":\"Charlie-PAT-0003\"}", "OK");
    assert_int_equal(on_medium("Bravo-PAT-0002"), 0);
    expect_final("config unset pat", "OK");
    assert_int_equal(on_medium("Charlie-PAT-0003"), 0);
    expect_final("config set pat Delta-PAT-0004", "OK");
    expect_final("config reset yes", "OK");
    assert_int_equal(on_medium("Delta-PAT-0004"), 0);
}

static void configured_names_what_is_missing(void **state)
{
    (void)state;
    char missing[40];
    assert_false(cfg_configured(missing, sizeof missing));
    assert_string_equal(missing, "org,webhook,secret");
    expect_final("config set webhook w", "OK");
    assert_false(cfg_configured(missing, sizeof missing));
    assert_string_equal(missing, "org,secret");
    expect_final("config set org o", "OK");
    expect_final("config set secret s", "OK");
    assert_true(cfg_configured(missing, sizeof missing));
}

/* ---- endpoint binding (spec section 2) */

static bool secret_set(void)
{
    return cfg_is_set("secret");
}

/* The final line of line, whole (its OK pairs matter here). */
static void answer_is(const char *line, const char *want)
{
    char *out = run(line);
    char full[160];
    snprintf(full, sizeof full, "%s\r\n", want);
    if (strcmp(out, full) != 0) {
        fail_msg("'%s' answered '%s', wanted '%s'", line, out, want);
    }
    free(out);
}

static void moving_the_endpoint_unsets_the_secret(void **state)
{
    (void)state;
    static const char *const moves[] = {
        "config set org other",      "config set webhook other",  "config set host evil.example",
        "config set host 192.0.2.1", "config set port 8443",      "config set path_prefix /tfs",
        "config unset org",          "config unset webhook",
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        expect_final("config import {\"org\":\"contoso\",\"webhook\":\"hook\",\"secret\":\"Binding-S3cret\"}",
                     "OK");
        assert_true(secret_set());
        answer_is(moves[i], "OK unset=secret");
        assert_false(secret_set());
        /* durably, and no copy left on the medium */
        assert_int_equal(on_medium("Binding-S3cret"), 0);
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        assert_false(secret_set());
        expect_final("config reset yes", "OK");
    }
}

/* Setting a key to the value it has (or its default when unset), or
 * unsetting one that is not set, is not a change; another spelling is. */
static void the_same_endpoint_again_keeps_the_secret(void **state)
{
    (void)state;
    expect_final("config import {\"org\":\"contoso\",\"webhook\":\"hook\",\"secret\":\"Binding-S3cret\"}", "OK");
    static const char *const same[] = {
        "config set org contoso", "config set webhook hook", "config set host dev.azure.com",
        "config set port 443",    "config unset port",       "config unset path_prefix",
        "config import {\"org\":\"contoso\",\"host\":\"dev.azure.com\"}",
        /* not endpoint keys */
        "config set api_version 7.1", "config set sig_header X-Other", "config set device_id lobby",
        "config set action.deploy {}", "config set ntp 10.0.2.2",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        answer_is(same[i], "OK");
        assert_true(secret_set());
    }
    expect_final("config set host tfs.example", "OK unset=secret");
    expect_final("config set secret Binding-S3cret", "OK");
    answer_is("config set host TFS.example", "OK unset=secret"); /* byte for byte */
    expect_final("config set secret Binding-S3cret", "OK");
    answer_is("config unset host", "OK unset=secret"); /* back to dev.azure.com */
    answer_is("config set port 443", "OK");
}

static void an_import_that_sets_the_secret_keeps_it(void **state)
{
    (void)state;
    expect_final("config import {\"org\":\"contoso\",\"webhook\":\"hook\",\"secret\":\"Old-S3cret\"}", "OK");
    /* moves the endpoint and sets a secret: the new one stays */
    answer_is("config import {\"host\":\"tfs.example\",\"secret\":\"New-S3cret\",\"port\":\"8443\"}", "OK");
    char buf[32];
    size_t len;
    assert_true(cfg_secret(buf, sizeof buf, &len));
    assert_int_equal(len, strlen("New-S3cret"));
    assert_memory_equal(buf, "New-S3cret", len);
    assert_int_equal(on_medium("Old-S3cret"), 0);
    /* the secret first, the endpoint after, in one import: kept too */
    answer_is("config import {\"secret\":\"Third-S3cret\",\"org\":\"fabrikam\"}", "OK");
    assert_true(secret_set());
    /* moves it without a secret: unset */
    answer_is("config import {\"org\":\"contoso\",\"action.a\":{}}", "OK unset=secret");
    assert_false(secret_set());
    assert_int_equal(on_medium("Third-S3cret"), 0);
    /* a refused import changes nothing, the secret included */
    expect_final("config set secret Fourth-S3cret", "OK");
    expect_final("config import {\"org\":\"x\",\"port\":\"0\"}", "ERR bad-value: port: ");
    assert_true(secret_set());
    /* the multi-line form */
    expect_final("config import begin", "OK");
    free(run("{\"host\": \"tfs2.example\","));
    free(run("\"webhook\": \"w2\"}"));
    answer_is("config import commit", "OK unset=secret");
    assert_false(secret_set());
}

static void a_cut_binding_keeps_the_old_endpoint_with_its_secret_or_the_new_without(void **state)
{
    (void)state;
    unsigned long points = 0;
    for (long cut = 0;; cut++) {
        setup(NULL);
        fake_nvm_set_config_geometry(4096, 1024);
        store_open(HAL_NVM_CONFIG);
        expect_final("config import {\"org\":\"contoso\",\"webhook\":\"hook\",\"secret\":\"Cut-S3cret-01\"}",
                     "OK");
        /* the half nearly full: the change compacts first, and the sweep
         * cuts compaction too */
        while (store_used() + 48u < store_capacity()) {
            expect_final("config set blueprint filler-blueprint-value", "OK");
        }
        fake_nvm_cut_after(cut, (uint32_t)cut + 3u);
        free(run("config set host evil.example"));
        if (!fake_nvm_cut_happened()) {
            /* past the last write: the whole change */
            assert_false(secret_set());
            break;
        }
        points++;
        fake_nvm_power_on();
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        char host[64];
        cfg_value("host", host, sizeof host, NULL);
        if (strcmp(host, "evil.example") == 0) {
            assert_false(secret_set());
            assert_int_equal(on_medium("Cut-S3cret-01"), 0);
        } else {
            assert_string_equal(host, "dev.azure.com");
            assert_true(secret_set());
        }
    }
    print_message("binding survived a power cut at %lu write points\n", points);
    assert_true(points > 20);
}

/* ---- power cuts during set, import and reset */

typedef struct {
    char org[32], webhook[32];
    bool secret;
} snap_t;

static snap_t snapshot(void)
{
    snap_t s = {0};
    cfg_value("org", s.org, sizeof s.org, NULL);
    cfg_value("webhook", s.webhook, sizeof s.webhook, NULL);
    s.secret = cfg_is_set("secret");
    return s;
}

static bool same(snap_t a, snap_t b)
{
    return strcmp(a.org, b.org) == 0 && strcmp(a.webhook, b.webhook) == 0 && a.secret == b.secret;
}

/* Run twice over, so the second round starts from a store the first one
 * filled (and compaction happens inside the sweep). */
#define OP_ROUNDS 2
static const char *const ops[] = {
    "config set org first",
    "config import {\"org\":\"second\",\"webhook\":\"hook\",\"secret\":\"Sekr3t-0001\"}",
    "config set webhook hook2",
    "config reset yes",
    "config import {\"org\":\"third\",\"webhook\":\"h3\",\"secret\":\"Sekr3t-0003\",\"action.a\":{\"k\":1}}",
    "config unset secret",
};
#define NOPS ((int)(sizeof ops / sizeof ops[0]))
static const char *const secrets[] = {"Sekr3t-0001", "Sekr3t-0003"};

/* Whatever the cut, the medium holds no secret but the current one. */
static void no_old_secret(long cut)
{
    char cur[CFG_SECRET_MAX + 1] = "";
    size_t len = 0;
    if (cfg_secret(cur, sizeof cur - 1, &len)) {
        cur[len] = '\0';
    }
    for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++) {
        if (strcmp(cur, secrets[k]) != 0 && on_medium(secrets[k]) != 0) {
            fail_msg("cut at write %ld: the old secret %s is still on the medium", cut, secrets[k]);
        }
    }
}

/* The state right after op i (of the rounds) completed, from what it sets. */
static bool cut_result_is_new(int i, snap_t now)
{
    switch (i % NOPS) {
    case 0:
        return strcmp(now.org, "first") == 0;
    case 1:
        return strcmp(now.org, "second") == 0 && strcmp(now.webhook, "hook") == 0 && now.secret;
    case 2: /* moves the endpoint: the secret goes in the same change */
        return strcmp(now.webhook, "hook2") == 0 && !now.secret;
    case 3:
        return now.org[0] == '\0' && now.webhook[0] == '\0' && !now.secret;
    case 4:
        return strcmp(now.org, "third") == 0 && strcmp(now.webhook, "h3") == 0 && now.secret;
    default:
        return !now.secret;
    }
}

static void power_cuts_during_set_import_and_reset(void **state)
{
    (void)state;
    const int nops = OP_ROUNDS * NOPS;
    unsigned long points = 0;
    for (long cut = 0;; cut++) {
        setup(NULL);
        fake_nvm_set_config_geometry(4096, 1024); /* compaction happens inside the sweep */
        store_open(HAL_NVM_CONFIG);
        snap_t before = snapshot(), after = before;
        fake_nvm_cut_after(cut, (uint32_t)cut + 7u);
        int i;
        for (i = 0; i < nops; i++) {
            before = after;
            free(run(ops[i % NOPS]));
            if (fake_nvm_cut_happened()) {
                break;
            }
            after = snapshot();
        }
        if (i == nops) {
            break; /* the workload finished without reaching the cut */
        }
        points++;
        fake_nvm_power_on();
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        snap_t now = snapshot();
        /* the interrupted change happened whole or not at all */
        assert_true(same(now, before) || cut_result_is_new(i, now));
        /* never a mix within an import: org and webhook move together */
        if (i % NOPS == 1) {
            assert_true((strcmp(now.org, "second") == 0) == (strcmp(now.webhook, "hook") == 0));
            assert_true((strcmp(now.org, "second") == 0) == now.secret);
        }
        if (i % NOPS == 4) {
            assert_true((strcmp(now.org, "third") == 0) == (strcmp(now.webhook, "h3") == 0));
            assert_true((strcmp(now.org, "third") == 0) == now.secret);
        }
        if (i % NOPS == 3) { /* reset: all cleared or none */
            bool cleared = now.org[0] == '\0' && now.webhook[0] == '\0' && !now.secret;
            assert_true(cleared || same(now, before));
        }
        no_old_secret(cut);
        /* still usable */
        expect_final("config set org alive", "OK");
        no_old_secret(cut);
    }
    print_message("config survived a power cut at %lu write points\n", points);
    assert_true(points > 100);
    (void)same;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults, setup),
        cmocka_unit_test_setup(every_key_validates, setup),
        cmocka_unit_test_setup(action_size_limit_is_480_minified, setup),
        cmocka_unit_test_setup(secret_is_never_shown, setup),
        cmocka_unit_test_setup(pat_is_write_only_like_the_secret, setup),
        cmocka_unit_test_setup(import_is_all_or_nothing, setup),
        cmocka_unit_test_setup(multi_line_import, setup),
        cmocka_unit_test_setup(an_overlong_line_in_an_import_swallows_the_rest, setup),
        cmocka_unit_test_setup(unset_and_reset, setup),
        cmocka_unit_test_setup(show_lists_defaults_and_stored_families, setup),
        cmocka_unit_test_setup(config_usage_errors, setup),
        cmocka_unit_test_setup(import_refuses_what_no_key_takes, setup),
        cmocka_unit_test_setup(a_multi_line_import_that_goes_wrong_changes_nothing, setup),
        cmocka_unit_test_setup(old_secrets_leave_no_copy_on_the_medium, setup),
        cmocka_unit_test_setup(configured_names_what_is_missing, setup),
        cmocka_unit_test_setup(power_cuts_during_set_import_and_reset, setup),
        cmocka_unit_test_setup(moving_the_endpoint_unsets_the_secret, setup),
        cmocka_unit_test_setup(the_same_endpoint_again_keeps_the_secret, setup),
        cmocka_unit_test_setup(an_import_that_sets_the_secret_keeps_it, setup),
        cmocka_unit_test_setup(a_cut_binding_keeps_the_old_endpoint_with_its_secret_or_the_new_without, setup),
    };
    return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
