/* The console lock through the console, as a person or a program at the
 * serial port sees it (spec section 2, "Locked console"): lock set, unlock,
 * lock, lock clear and status lock=; every command a locked console refuses
 * and every one it leaves open; the check computed in slices between
 * superloop passes; wrong passphrases waiting 1 s, doubling, capped, the
 * count kept across resets (and counted when a reset cuts a check short);
 * the hash record leaving no copy on the medium; the passphrase never in
 * the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "cfg.h"
#include "console.h"
#include "fake_device.h"
#include "fake_entropy.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "lock.h"
#include "rng.h"
#include "store.h"
#include "tlsport.h"

#define PASS "correct horse battery"
#define OTHER "Tr0ub4dor&3-staple"

/* Every byte the console wrote in a test, to look for passphrases in. */
static char *s_all;
static size_t s_all_len;

static void keep(const char *out)
{
    size_t n = strlen(out);
    s_all = realloc(s_all, s_all_len + n + 1);
    memcpy(s_all + s_all_len, out, n + 1);
    s_all_len += n;
}

static int setup(void **state)
{
    (void)state;
    fake_entropy_reset();
    fake_device_fresh();
    tlsport_init(); /* the HMAC state comes from mbedTLS's heap */
    assert_true(rng_init());
    ca_init();
    lock_init();
    free(s_all);
    s_all = NULL;
    s_all_len = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (s_all != NULL) {
        assert_null(strstr(s_all, PASS));
        assert_null(strstr(s_all, OTHER));
        assert_null(strstr(s_all, "correct"));
    }
    free(s_all);
    s_all = NULL;
    return 0;
}

/* A reset as the device has one: the store opened again on the same
 * medium, the console and modules started afresh, uptime from 0. */
static void reboot(void)
{
    fake_time_set(0);
    assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
    console_init();
    cfg_init();
    lock_init();
}

static bool has_final(const char *out)
{
    return strncmp(out, "OK", 2) == 0 || strncmp(out, "ERR ", 4) == 0 || strstr(out, "\r\nOK") != NULL ||
           strstr(out, "\r\nERR ") != NULL;
}

typedef struct {
    unsigned slices;     /* superloop passes that ran a slice of the hash */
    uint32_t waited_ms;  /* fake time that passed before the final line */
} run_info_t;

/* Sends line and runs the superloop (console, lock) until its final line,
 * letting 1 ms pass per pass that computes nothing. */
static char *run_info(const char *line, run_info_t *info)
{
    run_info_t local;
    if (info == NULL) {
        info = &local;
    }
    memset(info, 0, sizeof *info);
    fake_console_input(line);
    fake_console_input("\r\n");
    size_t len = 0, cap = 256;
    char *all = calloc(1, cap);
    for (unsigned pass = 0; pass < 2000000u; pass++) {
        console_task();
        bool busy = lock_busy();
        lock_task();
        info->slices += busy;
        char *out = fake_console_take();
        size_t n = strlen(out);
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            all = realloc(all, cap);
        }
        memcpy(all + len, out, n + 1);
        len += n;
        free(out);
        if (has_final(all)) {
            keep(all);
            return all;
        }
        if (!busy) {
            fake_time_advance(1);
            info->waited_ms++;
        }
    }
    fail_msg("'%s' never answered", line);
    return NULL;
}

static char *run(const char *line)
{
    return run_info(line, NULL);
}

/* The line's final line starts with want. */
static void expect(const char *line, const char *want)
{
    char *out = run(line);
    const char *last = out; /* the final line: the last that starts OK or ERR (a prompt may follow) */
    for (const char *p = out; p != NULL && *p != '\0'; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncmp(p, "OK", 2) == 0 || strncmp(p, "ERR ", 4) == 0) {
            last = p;
        }
    }
    if (strncmp(last, want, strlen(want)) != 0) {
        fail_msg("'%s' answered '%s', wanted '%s...'", line, out, want);
    }
    free(out);
}

static void status_lock_is(const char *want)
{
    char *out = run("status");
    char line[32];
    snprintf(line, sizeof line, "\r\nlock=%s\r\n", want);
    if (strstr(out, line) == NULL) {
        fail_msg("status has no lock=%s: %s", want, out);
    }
    free(out);
}

static void lock_with(const char *pass)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "lock set %s", pass);
    expect(cmd, "OK");
}

static void unlock_with(const char *pass, const char *want)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "unlock %s", pass);
    expect(cmd, want);
}

/* ---- lock set, unlock, lock, lock clear */

static void lock_set_locks_at_once_and_unlock_opens(void **state)
{
    (void)state;
    status_lock_is("none");
    expect("lock", "ERR no-passphrase: ");
    unlock_with(PASS, "OK"); /* nothing to open */
    run_info_t info;
    char *out = run_info("lock set " PASS, &info);
    assert_string_equal(out, "OK\r\n");
    free(out);
    /* in slices: the superloop ran between them */
    assert_int_equal(info.slices, (LOCK_ITERATIONS + LOCK_SLICE_ITERATIONS - 1) / LOCK_SLICE_ITERATIONS);
    assert_int_equal(lock_last_iterations(), LOCK_ITERATIONS);
    status_lock_is("locked");
    expect("config set org contoso", "ERR locked: ");
    out = run_info("unlock " PASS, &info);
    assert_string_equal(out, "OK\r\n");
    free(out);
    assert_true(info.slices > 1);
    status_lock_is("open");
    expect("config set org contoso", "OK");
    expect("unlock " OTHER, "OK"); /* open already: nothing to check */
    expect("lock", "OK");
    status_lock_is("locked");
    expect("config set org other", "ERR locked: ");
    char org[16];
    cfg_value("org", org, sizeof org, NULL);
    assert_string_equal(org, "contoso");
}

static void every_reset_starts_locked(void **state)
{
    (void)state;
    lock_with(PASS);
    unlock_with(PASS, "OK");
    reboot();
    status_lock_is("locked");
    expect("config unset org", "ERR locked: ");
    unlock_with(PASS, "OK");
    /* config reset yes clears the configuration, not the lock */
    expect("config reset yes", "OK");
    status_lock_is("open");
    reboot();
    status_lock_is("locked");
}

static void lock_clear_removes_it_for_good(void **state)
{
    (void)state;
    lock_with(PASS);
    expect("lock clear", "ERR locked: ");
    unlock_with(PASS, "OK");
    expect("lock clear", "OK");
    status_lock_is("none");
    assert_false(store_has(CFG_LOCK_HASH_KEY));
    reboot();
    status_lock_is("none");
    expect("config set org contoso", "OK");
    expect("lock clear", "OK"); /* nothing to clear */
}

static void a_new_passphrase_replaces_the_old(void **state)
{
    (void)state;
    lock_with(PASS);
    expect("lock set " OTHER, "ERR locked: "); /* unlocked only */
    unlock_with(PASS, "OK");
    lock_with(OTHER); /* locks at once */
    status_lock_is("locked");
    unlock_with(PASS, "ERR bad-passphrase: ");
    unlock_with(OTHER, "OK");
}

static void passphrase_rules(void **state)
{
    (void)state;
    expect("lock set 7-chars", "ERR bad-value: ");
    char cmd[200] = "lock set ";
    memset(cmd + 9, 'p', 129);
    cmd[9 + 129] = '\0';
    expect(cmd, "ERR bad-value: "); /* 129 */
    expect("lock set caf\xc3\xa9-au-lait", "ERR bad-value: ");
    expect("lock set", "ERR bad-value: ");
    status_lock_is("none");
    cmd[9 + 128] = '\0';
    expect(cmd, "OK"); /* 128 */
    char un[200];
    snprintf(un, sizeof un, "unlock %s", cmd + 9);
    expect(un, "OK");
    /* spaces inside and at the end are the passphrase's; the ones after
     * the command word are not */
    expect("lock set   two  words here ", "OK");
    unlock_with("two words here", "ERR bad-passphrase: ");
    fake_time_advance(LOCK_WAIT_FIRST_MS);
    unlock_with("two  words here", "ERR bad-passphrase: ");
    fake_time_advance(2 * LOCK_WAIT_FIRST_MS);
    unlock_with("two  words here ", "OK");
    expect("lock set 8chars!!", "OK"); /* 8 */
}

static void without_entropy_no_passphrase_is_set(void **state)
{
    (void)state;
    fake_entropy_set_absent(true);
    assert_false(rng_init());
    expect("lock set " PASS, "ERR no-entropy: ");
    status_lock_is("none");
}

/* ---- what a locked console refuses, and what it leaves open */

static void locked_console_refuses_what_changes_the_device(void **state)
{
    (void)state;
    expect("config set org contoso", "OK");
    lock_with(PASS);
    static const char *const refused[] = {
        "config set org other",
        "config  set org other",
        " config set org other",
        "config set secret S3cret-value",
        "config unset org",
        "config import {\"org\":\"other\"}",
        "config import begin",
        "config import commit",
        "config reset yes",
        "config reset",
        "config setsetsetsetsetsetset org other", /* longer than any verb: refused unread */
        "ca add",
        "ca remove 1",
        "ca remove b0",
        "ca builtin off",
        "ca builtin on",
        "trigger {\"env\":\"prod\"}",
        "trigger  {\"env\":\"prod\"}",
        "trigger trigger {\"env\":\"prod\"}",
        "trigger trigger x",
        "queue drop pb-525400123456-1-1",
        "time set 2030-01-01T00:00:00Z",
        "time",
        "lock clear",
        "lock set " OTHER,
        "diag nosuch",
        "diag",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        expect(refused[i], "ERR locked: ");
    }
    char org[16];
    cfg_value("org", org, sizeof org, NULL);
    assert_string_equal(org, "contoso");
    assert_false(console_capturing()); /* neither ca add nor import begin started */
    /* open: reading, queue retry, a plain trigger (a press), echo, lock */
    static const struct {
        const char *line, *want;
    } open[] = {
        {"status", "OK"},
        {"config show", "OK"},
        {"config get org", "OK"},
        {"config get secret", "ERR secret-write-only: "},
        {"queue", "OK"},
        {"queue retry all", "OK count=0"},
        {"ca list", "OK builtin=on"},
        {"ca builtin", "OK builtin=on"},
        {"version", "OK version="},
        {"help", "OK"},
        {"trigger", "ERR not-configured: "},
        {"trigger trigger", "ERR not-configured: "},
        {"trigger  trigger  ", "ERR not-configured: "},
        {"echo on", "OK"},
        {"echo off", "OK"},
        {"lock", "OK"},
        {"frobnicate", "ERR unknown-command: "},
    };
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        expect(open[i].line, open[i].want);
    }
    status_lock_is("locked");
}

/* ---- wrong passphrases */

static void wrong_passphrases_wait_longer_each_time(void **state)
{
    (void)state;
    lock_with(PASS);
    /* the answer to attempt n + 1 comes lock_delay_ms(n) after failure n */
    static const uint32_t waits[] = {0, 1000, 2000, 4000, 8000, 16000};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        run_info_t info;
        char *out = run_info("unlock " OTHER, &info);
        assert_non_null(strstr(out, "ERR bad-passphrase: "));
        assert_int_equal(info.waited_ms, waits[i]);
        assert_int_equal(lock_failures(), i + 1);
        if (waits[i] > 0) {
            char wait[48];
            snprintf(wait, sizeof wait, "wait_ms=%lu failures=%zu\r\n", (unsigned long)waits[i], i);
            assert_non_null(strstr(out, wait)); /* said before the wait, for a person */
        }
        free(out);
    }
    /* the right one waits its turn too, then clears the count */
    run_info_t info;
    char *out = run_info("unlock " PASS, &info);
    assert_non_null(strstr(out, "OK\r\n"));
    assert_int_equal(info.waited_ms, 32000);
    free(out);
    assert_int_equal(lock_failures(), 0);
    status_lock_is("open");
    expect("lock", "OK");
    out = run_info("unlock " OTHER, &info);
    assert_int_equal(info.waited_ms, 0);
    free(out);
}

static void waits_double_up_to_the_cap(void **state)
{
    (void)state;
    assert_int_equal(lock_delay_ms(0), 0);
    assert_int_equal(lock_delay_ms(1), 1000);
    assert_int_equal(lock_delay_ms(2), 2000);
    assert_int_equal(lock_delay_ms(10), 512000);
    assert_int_equal(lock_delay_ms(11), LOCK_WAIT_MAX_MS);
    assert_int_equal(lock_delay_ms(12), LOCK_WAIT_MAX_MS);
    assert_int_equal(lock_delay_ms(UINT32_MAX), LOCK_WAIT_MAX_MS);
    assert_int_equal(LOCK_WAIT_MAX_MS, 15u * 60u * 1000u);
}

static void time_already_waited_counts(void **state)
{
    (void)state;
    lock_with(PASS);
    unlock_with(OTHER, "ERR bad-passphrase: ");
    unlock_with(OTHER, "ERR bad-passphrase: ");
    fake_time_advance(1500); /* of the 2 s after the second failure */
    run_info_t info;
    free(run_info("unlock " PASS, &info));
    assert_int_equal(info.waited_ms, 500);
}

static void failures_survive_a_reset(void **state)
{
    (void)state;
    lock_with(PASS);
    for (int i = 0; i < 3; i++) {
        free(run("unlock " OTHER));
    }
    reboot();
    assert_int_equal(lock_failures(), 3);
    /* a power cycle buys nothing: the wait runs from start-up */
    run_info_t info;
    char *out = run_info("unlock " PASS, &info);
    assert_non_null(strstr(out, "OK\r\n"));
    assert_int_equal(info.waited_ms, 4000);
    free(out);
    reboot();
    assert_int_equal(lock_failures(), 0);
}

/* The count is stored before the answer can be known: cutting the power
 * during a check leaves it counted, right passphrase or not. */
static void a_reset_during_a_check_counts_it(void **state)
{
    (void)state;
    lock_with(PASS);
    fake_console_input("unlock " PASS "\r\n");
    console_task();
    lock_task();
    assert_true(lock_busy());
    reboot();
    assert_int_equal(lock_failures(), 1);
    status_lock_is("locked");
    run_info_t info;
    free(run_info("unlock " PASS, &info));
    assert_int_equal(info.waited_ms, 1000);
    status_lock_is("open");
}

/* ---- the medium */

static void replaced_and_cleared_hashes_leave_no_copy(void **state)
{
    (void)state;
    uint8_t first[64], second[64];
    size_t n1 = 0, n2 = 0;
    lock_with(PASS);
    assert_int_equal(store_get(CFG_LOCK_HASH_KEY, first, sizeof first, &n1), STORE_OK);
    assert_int_equal(n1, 53); /* format, count, salt, hash */
    assert_int_equal(fake_nvm_count(first + 5, n1 - 5), 1);
    assert_int_equal(fake_nvm_count(PASS, strlen(PASS)), 0); /* never the passphrase itself */
    unlock_with(PASS, "OK");
    lock_with(OTHER);
    assert_int_equal(store_get(CFG_LOCK_HASH_KEY, second, sizeof second, &n2), STORE_OK);
    assert_int_equal(fake_nvm_count(first + 5, n1 - 5), 0);
    assert_int_equal(fake_nvm_count(second + 5, n2 - 5), 1);
    assert_memory_not_equal(first + 5, second + 5, 16); /* a fresh salt */
    unlock_with(OTHER, "OK");
    expect("lock clear", "OK");
    assert_int_equal(fake_nvm_count(second + 5, n2 - 5), 0);
    assert_int_equal(fake_nvm_count(OTHER, strlen(OTHER)), 0);
}

static void a_damaged_record_keeps_the_console_locked(void **state)
{
    (void)state;
    lock_with(PASS);
    store_set(CFG_LOCK_HASH_KEY, "\x01short", 6); /* not one this firmware wrote */
    reboot();
    status_lock_is("locked");
    expect("unlock " PASS, "ERR storage: ");
    expect("config set org x", "ERR locked: ");
}

/* ---- never printed */

static void echo_masks_passphrases(void **state)
{
    (void)state;
    expect("echo on", "OK");
    char *out = run("lock set " PASS);
    assert_null(strstr(out, "horse"));
    assert_non_null(strstr(out, "lock set *****"));
    free(out);
    out = run("unlock  " PASS);
    assert_null(strstr(out, "horse"));
    free(out);
    out = run("unlock\t" OTHER);
    assert_null(strstr(out, "staple"));
    free(out);
    expect("echo off", "OK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lock_set_locks_at_once_and_unlock_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(every_reset_starts_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_clear_removes_it_for_good, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_passphrase_replaces_the_old, setup, teardown),
        cmocka_unit_test_setup_teardown(passphrase_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(without_entropy_no_passphrase_is_set, setup, teardown),
        cmocka_unit_test_setup_teardown(locked_console_refuses_what_changes_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_passphrases_wait_longer_each_time, setup, teardown),
        cmocka_unit_test_setup_teardown(waits_double_up_to_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(time_already_waited_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(failures_survive_a_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reset_during_a_check_counts_it, setup, teardown),
        cmocka_unit_test_setup_teardown(replaced_and_cleared_hashes_leave_no_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(a_damaged_record_keeps_the_console_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(echo_masks_passphrases, setup, teardown),
    };
    return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
