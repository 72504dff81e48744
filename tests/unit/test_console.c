/* Console framing and command dispatch, through the fake UART. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "console.h"
#include "fake_hal.h"
#include "led.h"

static char *run(const char *input)
{
    fake_console_input(input);
    console_task();
    return fake_console_take();
}

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    console_init();
    led_init();
    return 0;
}

/* Every line ends in CRLF; count the final lines (OK/ERR). */
static int finals(const char *out)
{
    int n = 0;
    for (const char *p = out; *p;) {
        if (strncmp(p, "OK", 2) == 0 || strncmp(p, "ERR ", 4) == 0) {
            n++;
        }
        const char *e = strstr(p, "\r\n");
        assert_non_null(e);
        p = e + 2;
    }
    return n;
}

static void help_lists_every_command_then_ok(void **state)
{
    (void)state;
    char *out = run("help\r\n");
    for (const cmd_t *c = cmd_table; c->name; c++) {
        char want[64];
        snprintf(want, sizeof want, "\r\n%s", c->name);
        assert_true(strncmp(out, c->name, strlen(c->name)) == 0 || strstr(out, want) != NULL);
    }
    assert_non_null(strstr(out, "\r\nOK\r\n"));
    assert_int_equal(finals(out), 1);
    free(out);
}

static void version_reports_versions(void **state)
{
    (void)state;
    char *out = run("version\r");
    assert_string_equal(out, "OK version=0.1.0 board=host lwip=2.2.1 mbedtls=3.6.6\r\n");
    free(out);
}

static void unknown_command_is_an_error(void **state)
{
    (void)state;
    char *out = run("frobnicate now\n");
    assert_string_equal(out, "ERR unknown-command: 'frobnicate' is not a command (try help)\r\n");
    free(out);
    out = run("averyveryverylongcommandnamethatfitsnowhere\n");
    assert_true(strncmp(out, "ERR unknown-command: ", 21) == 0);
    free(out);
}

static void overlong_line_is_refused_and_not_run(void **state)
{
    (void)state;
    char line[700];
    strcpy(line, "reboot ");
    memset(line + 7, 'x', 600);
    strcpy(line + 607, "\r\n");
    fake_reset_armed = false; /* running it would abort the test */
    char *out = run(line);
    assert_string_equal(out, "ERR line-too-long: a line holds at most 512 bytes; nothing was run\r\n");
    assert_int_equal(fake_reset_count, 0);
    free(out);
    out = run("version\r\n");
    assert_true(strncmp(out, "OK version=", 11) == 0);
    free(out);
}

static void several_lines_in_one_read_each_get_an_answer(void **state)
{
    (void)state;
    char *out = run("version\r\nstatus\r\nnope\r\n\r\n");
    assert_int_equal(finals(out), 3); /* the empty line is not a command */
    free(out);
}

static void status_has_the_measured_fields(void **state)
{
    (void)state;
    fake_time_set(4242);
    char *out = run("status\r\n");
    assert_non_null(strstr(out, "uptime_ms=4242\r\n"));
    assert_non_null(strstr(out, "stack_peak=1234\r\n"));
    assert_non_null(strstr(out, "heap_peak=0\r\n"));
    assert_non_null(strstr(out, "led=off\r\n"));
    assert_non_null(strstr(out, "reset=por\r\n"));
    assert_non_null(strstr(out, "\r\nlock=none\r\n"));
    assert_int_equal(finals(out), 1);
    free(out);
}

static void echo_on_echoes_with_prompt_and_off_stops(void **state)
{
    (void)state;
    char *out = run("echo on\r\n");
    assert_string_equal(out, "OK\r\n> ");
    free(out);
    out = run("version\r");
    assert_true(strncmp(out, "version\r\nOK version=", 20) == 0);
    assert_non_null(strstr(out, "\r\n> "));
    free(out);
    out = run("echo off\r");
    assert_string_equal(out, "echo off\r\nOK\r\n");
    free(out);
    out = run("echo maybe\r");
    assert_string_equal(out, "ERR bad-argument: usage: echo on|off\r\n");
    free(out);
}

static void event_with_echo_breaks_the_line_and_redraws_it(void **state)
{
    (void)state;
    free(run("echo on\r"));
    free(run("ver"));
    con_evt("press button=up kind=short");
    char *out = fake_console_take();
    assert_string_equal(out, "\r\nEVT press button=up kind=short\r\n> ver");
    free(out);
}

/* The prompt comes back when a command has finished, never in the middle of
 * its answer with the executed line drawn again as if still being typed (an
 * answer that arrives at once after console_defer, an event the command
 * causes). */
static void no_prompt_while_a_command_runs(void **state)
{
    (void)state;
    free(run("echo on\r"));
    char *out = run("net resolve 10.0.0.1\r");
    assert_string_equal(out, "net resolve 10.0.0.1\r\nOK addr=10.0.0.1\r\n> ");
    free(out);
}

static void event_without_echo_is_one_line(void **state)
{
    (void)state;
    con_evt("boot version=%s", "1");
    char *out = fake_console_take();
    assert_string_equal(out, "EVT boot version=1\r\n");
    free(out);
}

static void output_waits_for_room_instead_of_dropping(void **state)
{
    (void)state;
    fake_console_set_write_chunk(3);
    char *out = run("version\r");
    assert_string_equal(out, "OK version=0.1.0 board=host lwip=2.2.1 mbedtls=3.6.6\r\n");
    assert_true(fake_wdt_feeds > 0);
    free(out);
}

static void output_gives_up_on_a_dead_uart(void **state)
{
    (void)state;
    fake_console_set_stalled(true);
    con_evt("press button=up kind=short");
    fake_console_set_stalled(false);
    assert_int_equal(console_tx_dropped(), strlen("EVT press button=up kind=short\r\n"));
    assert_true(hal_millis() >= 500);
    char *out = run("version\r");
    assert_true(strncmp(out, "OK version=", 11) == 0); /* and it works again */
    free(out);
}

static void reboot_answers_ok_before_resetting(void **state)
{
    (void)state;
    fake_reset_armed = true;
    if (setjmp(fake_reset_jmp) == 0) {
        fake_console_input("reboot\r");
        console_task();
        fail_msg("reboot returned");
    }
    char *out = fake_console_take();
    assert_string_equal(out, "OK\r\n");
    assert_int_equal(fake_reset_count, 1);
    free(out);
}

static void diag_rejects_unknown_test(void **state)
{
    (void)state;
    char *out = run("diag nothing\r");
    assert_string_equal(out, "ERR bad-argument: usage: diag fault|watchdog|stack\r\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(help_lists_every_command_then_ok, setup),
        cmocka_unit_test_setup(version_reports_versions, setup),
        cmocka_unit_test_setup(unknown_command_is_an_error, setup),
        cmocka_unit_test_setup(overlong_line_is_refused_and_not_run, setup),
        cmocka_unit_test_setup(several_lines_in_one_read_each_get_an_answer, setup),
        cmocka_unit_test_setup(status_has_the_measured_fields, setup),
        cmocka_unit_test_setup(echo_on_echoes_with_prompt_and_off_stops, setup),
        cmocka_unit_test_setup(event_with_echo_breaks_the_line_and_redraws_it, setup),
        cmocka_unit_test_setup(no_prompt_while_a_command_runs, setup),
        cmocka_unit_test_setup(event_without_echo_is_one_line, setup),
        cmocka_unit_test_setup(output_waits_for_room_instead_of_dropping, setup),
        cmocka_unit_test_setup(output_gives_up_on_a_dead_uart, setup),
        cmocka_unit_test_setup(reboot_answers_ok_before_resetting, setup),
        cmocka_unit_test_setup(diag_rejects_unknown_test, setup),
    };
    return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
