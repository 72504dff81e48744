#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lineed.h"

static char s_echo[2048];
static size_t s_echo_len;

static void capture(const char *s, size_t len)
{
    memcpy(s_echo + s_echo_len, s, len);
    s_echo_len += len;
    s_echo[s_echo_len] = '\0';
}

static int setup(void **state)
{
    (void)state;
    s_echo_len = 0;
    s_echo[0] = '\0';
    return 0;
}

/* Feeds s; returns the result of the last byte. */
static lineed_result_t feed(lineed_t *le, const char *s)
{
    lineed_result_t r = LINEED_NONE;
    for (; *s; s++) {
        r = lineed_feed(le, *s);
        if (r != LINEED_NONE && s[1] != '\0') {
            fail_msg("line ended early at '%s'", s);
        }
    }
    return r;
}

static void cr_lf_and_crlf_end_lines(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    assert_int_equal(feed(&le, "help\r"), LINEED_LINE);
    assert_string_equal(le.line, "help");
    lineed_reset(&le);
    /* the LF of CRLF is not a second, empty line */
    assert_int_equal(lineed_feed(&le, '\n'), LINEED_NONE);
    assert_int_equal(feed(&le, "status\n"), LINEED_LINE);
    assert_string_equal(le.line, "status");
    lineed_reset(&le);
    assert_int_equal(feed(&le, "\n"), LINEED_LINE); /* LF LF: an empty line */
    assert_int_equal(le.len, 0);
}

static void backspace_and_delete_edit(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    assert_int_equal(feed(&le, "hepp\b\x7flp\r"), LINEED_LINE);
    assert_string_equal(le.line, "help");
    lineed_reset(&le);
    assert_int_equal(feed(&le, "\b\bok\r"), LINEED_LINE); /* nothing to erase */
    assert_string_equal(le.line, "ok");
}

static void control_characters_are_ignored_and_ctrl_c_drops(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    assert_int_equal(feed(&le, "ve\x01rs\x1bion\r"), LINEED_LINE);
    assert_string_equal(le.line, "version");
    lineed_reset(&le);
    assert_int_equal(feed(&le, "reboot\x03help\r"), LINEED_LINE);
    assert_string_equal(le.line, "help");
}

static void exactly_512_bytes_fit_and_513_do_not(void **state)
{
    (void)state;
    static lineed_t le;
    char line[600];
    lineed_init(&le);
    memset(line, 'a', 512);
    line[512] = '\r';
    line[513] = '\0';
    assert_int_equal(feed(&le, line), LINEED_LINE);
    assert_int_equal(le.len, 512);
    lineed_reset(&le);
    memset(line, 'b', 513);
    line[513] = '\r';
    line[514] = '\0';
    assert_int_equal(feed(&le, line), LINEED_TOO_LONG);
    assert_int_equal(le.len, 0);
    /* the next line is whole again */
    assert_int_equal(feed(&le, "help\r"), LINEED_LINE);
    assert_string_equal(le.line, "help");
}

static void backspace_inside_an_overlong_line_still_counts(void **state)
{
    (void)state;
    static lineed_t le;
    char line[600];
    lineed_init(&le);
    memset(line, 'a', 514);
    line[514] = '\b';
    line[515] = '\b';
    line[516] = '\r';
    line[517] = '\0';
    /* 514 typed, 2 erased: the line is 512 bytes after editing, and fits */
    assert_int_equal(feed(&le, line), LINEED_LINE);
    assert_int_equal(le.len, 512);
}

static void echo_shows_typing_and_masks_the_secret(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    lineed_set_echo(&le, capture);
    lineed_set_secret(&le, cmd_secret_from);
    feed(&le, "hi\bo\r");
    assert_string_equal(s_echo, "hi\b \bo\r\n");
    lineed_reset(&le);
    s_echo_len = 0;
    feed(&le, "config set secret s3cr\x7f" "et\r");
    assert_string_equal(s_echo, "config set secret ****\b \b**\r\n");
    assert_null(strstr(s_echo, "s3c"));
    assert_string_equal(le.line, "config set secret s3cet");
}

/* Masking keys on the words as the commands read them, not on the exact
 * spacing (issue 12, finding 5). */
static void masking_follows_the_parsed_words(void **state)
{
    (void)state;
    static const struct {
        const char *typed, *echo;
    } cases[] = {
        {"config set  secret Xy-9", "config set  secret ****"}, /* two spaces */
        {" config set secret Xy-9", " config set secret ****"},  /* a leading space */
        {"config\tset\tsecret\tXy-9", "config set secret ****"},  /* tabs are spaces */
        {"config  set secret  Xy-9", "config  set secret *****"},
        {"config set\tsecret  ab", "config set secret ***"},
        {"config   import {}", "config   import **"},
        {"lock set correct-horse", "lock set *************"},
        {"lock  set  correct-horse", "lock  set **************"},
        {"unlock correct-horse", "unlock *************"},
        {"  unlock correct-horse", "  unlock *************"},
        {"config import {\"secret\":\"Xy\"}", "config import ***************"},
        {"config set pat Pat0", "config set pat ****"}, /* the PAT is write-only too */
        {"  config set\tpat P4t", "  config set pat ***"},
        {"config import {\"pat\":\"x\"}", "config import ***********"},
        /* not secrets: shown as typed */
        {"config set secretive Xy", "config set secretive Xy"},
        {"config set org Xy", "config set org Xy"},
        {"lock", "lock"},
        {"unlocked Xy", "unlocked Xy"},
        {"config get secret", "config get secret"},
        {"config set patx vis", "config set patx vis"}, /* a longer name is another key */
        {"config set project Fab Rikam", "config set project Fab Rikam"},
        {"config get pat", "config get pat"},
        {"config unset secret", "config unset secret"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lineed_t le;
        lineed_init(&le);
        lineed_set_echo(&le, capture);
        lineed_set_secret(&le, cmd_secret_from);
        s_echo_len = 0;
        feed(&le, cases[i].typed);
        char want[128];
        snprintf(want, sizeof want, "%s", cases[i].echo);
        if (strcmp(s_echo, want) != 0) {
            fail_msg("typed '%s': echoed '%s', wanted '%s'", cases[i].typed, s_echo, want);
        }
        /* the redraw after an event masks the same bytes */
        s_echo_len = 0;
        lineed_redraw(&le);
        assert_string_equal(s_echo, want);
    }
}

/* A used line, and a byte erased from it, leave nothing in the buffer. */
static void used_and_erased_bytes_are_wiped(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    feed(&le, "unlock Xy-passphrase9\b\b");
    assert_int_equal(le.line[le.len], '\0');
    assert_int_equal(le.line[le.len + 1], '\0'); /* the erased '9' */
    assert_int_equal(feed(&le, "\r"), LINEED_LINE);
    lineed_reset(&le);
    for (size_t i = 0; i < sizeof le.line; i++) {
        assert_int_equal(le.line[i], 0);
    }
    feed(&le, "config set secret Xy\x03"); /* Ctrl-C */
    for (size_t i = 0; i < sizeof le.line; i++) {
        assert_int_equal(le.line[i], 0);
    }
}

static void without_echo_nothing_is_written(void **state)
{
    (void)state;
    lineed_t le;
    lineed_init(&le);
    feed(&le, "help\r");
    assert_int_equal(s_echo_len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(cr_lf_and_crlf_end_lines, setup),
        cmocka_unit_test_setup(backspace_and_delete_edit, setup),
        cmocka_unit_test_setup(control_characters_are_ignored_and_ctrl_c_drops, setup),
        cmocka_unit_test_setup(exactly_512_bytes_fit_and_513_do_not, setup),
        cmocka_unit_test_setup(backspace_inside_an_overlong_line_still_counts, setup),
        cmocka_unit_test_setup(echo_shows_typing_and_masks_the_secret, setup),
        cmocka_unit_test_setup(masking_follows_the_parsed_words, setup),
        cmocka_unit_test_setup(used_and_erased_bytes_are_wiped, setup),
        cmocka_unit_test_setup(without_echo_nothing_is_written, setup),
    };
    return cmocka_run_group_tests_name("lineed", tests, NULL, NULL);
}
