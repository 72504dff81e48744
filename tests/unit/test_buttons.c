/* Buttons end to end on the host: tick sampling into the edge queue, press
 * recognition, events and the default action mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buttons.h"
#include "cfg.h"
#include "console.h"
#include "fake_device.h"
#include "fake_hal.h"
#include "led.h"
#include "trigger.h"

#define SELECT 0u
#define UP 1u

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    console_init();
    led_init();
    buttons_init(trigger_press);
    /* released lines, sampled by the tick */
    fake_time_advance(50);
    buttons_task();
    free(fake_console_take());
    return 0;
}

/* Holds a button for `hold` ms then leaves `gap` ms, with the superloop
 * running every `loop_ms` ms (0: not at all until the end). */
static void press_for(unsigned b, uint32_t hold, uint32_t gap, uint32_t loop_ms)
{
    fake_buttons_set(b, true);
    for (uint32_t i = 0; i < hold; i++) {
        fake_time_advance(1);
        if (loop_ms && i % loop_ms == 0) {
            buttons_task();
        }
    }
    fake_buttons_set(b, false);
    for (uint32_t i = 0; i < gap; i++) {
        fake_time_advance(1);
        if (loop_ms && i % loop_ms == 0) {
            buttons_task();
        }
    }
}

static void up_short_long_double(void **state)
{
    (void)state;
    press_for(UP, 100, 600, 1);
    press_for(UP, 1500, 600, 1);
    press_for(UP, 100, 150, 1);
    press_for(UP, 100, 600, 1);
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=up kind=short\r\n"
                             "EVT press button=up kind=long\r\n"
                             "EVT press button=up kind=double\r\n");
    free(out);
}

static void select_fires_at_once_and_is_refused_unconfigured(void **state)
{
    (void)state;
    fake_buttons_set(SELECT, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=select kind=short\r\n"
                             "EVT refused reason=not-configured\r\n");
    free(out);
    assert_string_equal(led_pattern_name(), "error");
    press_for(SELECT, 1500, 100, 1);
    free(fake_console_take());
    fake_time_advance(3000);
    assert_string_equal(led_pattern_name(), "off");
}

static void presses_made_while_the_loop_is_busy_are_not_lost(void **state)
{
    (void)state;
    /* The superloop does not run at all during the presses (a long TLS
     * handshake); only the tick samples. */
    press_for(UP, 100, 150, 0);
    press_for(UP, 100, 700, 0);
    press_for(UP, 1200, 50, 0);
    buttons_task();
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=up kind=double\r\n"
                             "EVT press button=up kind=long\r\n");
    free(out);
}

static void buttons_are_independent(void **state)
{
    (void)state;
    fake_buttons_set(UP, true);
    fake_time_advance(30);
    fake_buttons_set(2, true); /* down */
    fake_time_advance(1200);
    fake_buttons_set(UP, false);
    fake_buttons_set(2, false);
    fake_time_advance(600);
    buttons_task();
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=up kind=long\r\n"
                             "EVT press button=down kind=long\r\n");
    free(out);
}

static void a_bounce_storm_keeps_the_final_state(void **state)
{
    (void)state;
    /* 200 changes, one per tick, without the loop running: more than the
     * edge queue holds.  The settled level must still be right. */
    for (int i = 0; i < 200; i++) {
        fake_buttons_set(UP, i % 2 == 0);
        fake_time_advance(1);
    }
    fake_buttons_set(UP, false);
    fake_time_advance(1000);
    assert_true(buttons_edge_overflows() > 0);
    buttons_task();
    free(fake_console_take());
    press_for(UP, 100, 600, 1);
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=up kind=short\r\n");
    free(out);
}

static void default_mapping(void **state)
{
    (void)state;
    assert_string_equal(buttons_action_for(SELECT, PRESS_SHORT), "trigger");
    assert_null(buttons_action_for(SELECT, PRESS_LONG));
    assert_null(buttons_action_for(UP, PRESS_SHORT));
}

/* ---- mappings from the configuration */

static char s_actions[256];

static void record_action(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms)
{
    size_t n = strlen(s_actions);
    snprintf(s_actions + n, sizeof s_actions - n, "%s:%u:%s@%u ", action, button, press_kind_name(kind),
             (unsigned)t_ms);
}

static int setup_configured(void **state)
{
    (void)state;
    fake_device_fresh();
    led_init();
    s_actions[0] = '\0';
    buttons_init(record_action);
    fake_time_advance(50);
    buttons_task();
    free(fake_console_take());
    return 0;
}


/* A button whose only mapped press is short fires on the press itself;
 * mapping a long or double press to it makes it wait to tell them apart,
 * and unmapping it again makes it fire at once: the configuration is
 * followed as it changes. */
static void mapping_changes_when_a_button_fires(void **state)
{
    (void)state;
    uint32_t t0 = hal_millis();
    fake_buttons_set(SELECT, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    char want[64];
    snprintf(want, sizeof want, "trigger:0:short@%u ", (unsigned)t0 + 1); /* the tick that saw it */
    assert_string_equal(s_actions, want); /* at once, while still held */
    press_for(SELECT, 10, 600, 1);

    fake_device_set("action.deploy", "{}");
    fake_device_set("button.select.long", "deploy");
    s_actions[0] = '\0';
    fake_buttons_set(SELECT, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    assert_string_equal(s_actions, ""); /* it might become a long press */
    press_for(SELECT, 100, 600, 1);
    assert_non_null(strstr(s_actions, "trigger:0:short@"));
    s_actions[0] = '\0';
    press_for(SELECT, 1200, 100, 1);
    assert_non_null(strstr(s_actions, "deploy:0:long@"));

    /* another key changing leaves it alone */
    fake_device_set("org", "contoso");
    s_actions[0] = '\0';
    fake_buttons_set(SELECT, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    assert_string_equal(s_actions, "");
    press_for(SELECT, 10, 600, 1);

    assert_int_equal(cfg_unset("button.select.long"), CFG_OK);
    s_actions[0] = '\0';
    fake_buttons_set(SELECT, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    assert_non_null(strstr(s_actions, "trigger:0:short@"));
    press_for(SELECT, 10, 600, 1);

    /* an import that maps up's short press alone: up fires at once too */
    cfg_txn_begin();
    assert_int_equal(cfg_txn_put("button.up.short", "deploy"), CFG_OK);
    assert_int_equal(cfg_txn_commit(), CFG_OK);
    s_actions[0] = '\0';
    fake_buttons_set(UP, true);
    fake_time_advance(PRESS_DEBOUNCE_MS + 1);
    buttons_task();
    assert_non_null(strstr(s_actions, "deploy:1:short@"));
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=select kind=short\r\n"
                             "EVT press button=select kind=short\r\n"
                             "EVT press button=select kind=long\r\n"
                             "EVT press button=select kind=short\r\n"
                             "EVT press button=select kind=short\r\n"
                             "EVT press button=up kind=short\r\n");
    free(out);
}

/* A press with nothing mapped is only an event. */
static void an_unmapped_press_is_only_an_event(void **state)
{
    (void)state;
    press_for(UP, 1200, 600, 1);
    char *out = fake_console_take();
    assert_string_equal(out, "EVT press button=up kind=long\r\n");
    free(out);
    assert_string_equal(s_actions, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(up_short_long_double, setup),
        cmocka_unit_test_setup(select_fires_at_once_and_is_refused_unconfigured, setup),
        cmocka_unit_test_setup(presses_made_while_the_loop_is_busy_are_not_lost, setup),
        cmocka_unit_test_setup(buttons_are_independent, setup),
        cmocka_unit_test_setup(a_bounce_storm_keeps_the_final_state, setup),
        cmocka_unit_test_setup(default_mapping, setup),
        cmocka_unit_test_setup(mapping_changes_when_a_button_fires, setup_configured),
        cmocka_unit_test_setup(an_unmapped_press_is_only_an_event, setup_configured),
    };
    return cmocka_run_group_tests_name("buttons", tests, NULL, NULL);
}
