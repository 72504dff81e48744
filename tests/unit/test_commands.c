/* The `trigger`, `queue`, `net resolve` and `time set` commands (spec
 * section 2) through the console, over the real configuration, trigger
 * creation and durable queue on the NOR fake: the exact answers and what
 * they change.  The network is not started here: `net resolve` of a name
 * finds it down (test_net.c asks a DNS server). */
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
#include "fake_hal.h"
#include "fake_nvm.h"
#include "led.h"
#include "queue.h"
#include "retry.h"
#include "trigger.h"
#include "wallclock.h"

#define UTC_2026 UINT64_C(1796515200000) /* 2026-12-06T00:00:00Z */

static char *run(const char *line)
{
    fake_console_input(line);
    fake_console_input("\r\n");
    console_task();
    return fake_console_take();
}

static void expect(const char *line, const char *want)
{
    char *out = run(line);
    if (strcmp(out, want) != 0) {
        fail_msg("'%s' answered\n%s\nnot\n%s", line, out, want);
    }
    free(out);
}


static int setup(void **state)
{
    (void)state;
    fake_device_fresh();
    queue_set_allocator(NULL);
    assert_int_equal(queue_init(), QUEUE_OK);
    trigger_init();
    led_init();
    fake_device_set("org", "contoso");
    fake_device_set("webhook", "port_trigger");
    fake_device_set("secret", "Cmd-S3cret-Value");
    fake_device_set("device_id", "pb-test");
    wallclock_set_manual(UTC_2026);
    free(fake_console_take());
    return 0;
}

/* `trigger ...`: its answer must be EVT queued then OK id=; the id. */
static const char *queued(const char *line, const char *action)
{
    static char id[64];
    char *out = run(line);
    char want[160];
    if (sscanf(out, "EVT queued id=%63s", id) != 1) {
        fail_msg("'%s' answered\n%s", line, out);
    }
    snprintf(want, sizeof want, "EVT queued id=%s action=%s\r\nOK id=%s\r\n", id, action, id);
    assert_string_equal(out, want);
    free(out);
    return id;
}

static void props_of(unsigned i, char *props, size_t size)
{
    trigger_rec_t rec;
    assert_int_equal(queue_read(i, &rec), QUEUE_OK);
    snprintf(props, size, "%s", rec.props);
}

/* ---- trigger */

static void trigger_queues_the_primary_buttons_action(void **state)
{
    (void)state;
    const char *id = queued("trigger", "trigger");
    assert_string_equal(id, "pb-test-0-1");
    assert_int_equal(queue_count(), 1);
    char props[PAYLOAD_PROPS_MAX + 1];
    props_of(0, props, sizeof props);
    assert_string_equal(props, "{}"); /* action.trigger's default */
    trigger_rec_t rec;
    assert_int_equal(queue_read(0, &rec), QUEUE_OK);
    assert_string_equal(rec.button, "serial");
    assert_string_equal(rec.press, "cli");
    assert_true(rec.at_utc);
    assert_true(rec.at_ms == UTC_2026);
    assert_string_equal(queued("trigger", "trigger"), "pb-test-0-2"); /* the next sequence number */
    assert_string_equal(led_pattern_name(), "accepted");
}

static void trigger_names_an_action_and_merges_json(void **state)
{
    (void)state;
    fake_device_set("action.deploy", "{\"env\":\"prod\",\"ring\":1}");
    fake_device_set("button.select.short", "deploy");
    char props[PAYLOAD_PROPS_MAX + 1];
    queued("trigger deploy", "deploy");
    props_of(0, props, sizeof props);
    assert_string_equal(props, "{\"env\":\"prod\",\"ring\":1}");
    /* the trigger-time members win; new ones are appended */
    queued("trigger deploy {\"ring\": 2, \"why\":\"hotfix\"}", "deploy");
    props_of(1, props, sizeof props);
    assert_string_equal(props, "{\"env\":\"prod\",\"ring\":2,\"why\":\"hotfix\"}");
    /* JSON alone: the primary button's short-press action */
    queued("trigger   {\"ring\":3}", "deploy");
    props_of(2, props, sizeof props);
    assert_string_equal(props, "{\"env\":\"prod\",\"ring\":3}");
    /* the built-in action needs no configuration */
    queued("trigger trigger {\"a\":true}", "trigger");
    props_of(3, props, sizeof props);
    assert_string_equal(props, "{\"a\":true}");
}

static void trigger_refuses_bad_json_reserved_names_and_size(void **state)
{
    (void)state;
    expect("trigger {\"a\":", "ERR bad-value: json unexpected end at byte 5\r\n");
    expect("trigger trigger [1,2]", "ERR bad-value: json not an object at byte 0\r\n");
    expect("trigger {\"device\":{}}", "ERR bad-value: json reserved member name \"device\" at byte 1\r\n");
    expect("trigger {\"port_context\":1}",
           "ERR bad-value: json reserved member name \"port_context\" at byte 1\r\n");
    expect("trigger {\"a\":1,\"a\":2}", "ERR bad-value: json duplicate member name at byte 7\r\n");
    char line[400];
    int n = snprintf(line, sizeof line, "trigger {\"k\":\"");
    memset(line + n, 'x', 250);
    strcpy(line + n + 250, "\"}");
    expect(line, "ERR bad-value: json longer than 256 bytes\r\n");
    assert_int_equal(queue_count(), 0);
    assert_string_equal(led_pattern_name(), "off"); /* a typo is no device error */
}

/* Every field at its longest: an action of 480 bytes with 256 more at
 * trigger time, the longest org, device id, action name, blueprint and
 * entity.  The body would pass 1,536 bytes (spec section 4). */
static void trigger_refuses_a_body_over_1536_bytes(void **state)
{
    (void)state;
    char name[CFG_ACTION_NAME_MAX + 1], key[48], action[CFG_VALUE_MAX + 1], json[TRIGGER_JSON_MAX + 1];
    char line[600], ident[PAYLOAD_IDENT_MAX + 1], org[CFG_MAX_ORG + 1], id[CFG_MAX_DEVICE_ID + 1];
    memset(name, 'n', CFG_ACTION_NAME_MAX);
    name[CFG_ACTION_NAME_MAX] = '\0';
    snprintf(key, sizeof key, "action.%s", name);
    snprintf(action, sizeof action, "{\"a\":\"%0*d\"}", (int)CFG_VALUE_MAX - 8, 0);
    fake_device_set(key, action);
    snprintf(json, sizeof json, "{\"b\":\"%0*d\"}", (int)TRIGGER_JSON_MAX - 8, 0);
    memset(ident, 'e', PAYLOAD_IDENT_MAX);
    ident[PAYLOAD_IDENT_MAX] = '\0';
    fake_device_set("entity", ident);
    fake_device_set("blueprint", ident);
    memset(org, 'o', CFG_MAX_ORG);
    org[CFG_MAX_ORG] = '\0';
    fake_device_set("org", org);
    fake_device_set("secret", "Cmd-S3cret-Value"); /* moving the endpoint unset it */
    memset(id, 'd', CFG_MAX_DEVICE_ID);
    id[CFG_MAX_DEVICE_ID] = '\0';
    fake_device_set("device_id", id);
    snprintf(line, sizeof line, "trigger %s %s", name, json);
    expect(line, "ERR bad-value: the request body would exceed 1536 bytes\r\n");
    assert_int_equal(queue_count(), 0);
    snprintf(line, sizeof line, "trigger %s", name); /* without the 256 bytes it fits */
    queued(line, name);
}

static void trigger_refuses_unknown_actions_and_bad_names(void **state)
{
    (void)state;
    expect("trigger nope", "ERR bad-argument: no action 'nope' is configured\r\n");
    expect("trigger action.x", "ERR bad-argument: no action 'action.x' is configured\r\n");
    expect("trigger abcdefghijklmnopqrstuvwxyz0123456789",
           "ERR bad-argument: usage: trigger [<action>] [<json-object>]\r\n");
    assert_int_equal(queue_count(), 0);
}

static void trigger_before_configuration_names_what_is_missing(void **state)
{
    (void)state;
    assert_int_equal(cfg_unset("secret"), CFG_OK);
    expect("trigger", "ERR not-configured: set secret first\r\n");
    assert_int_equal(cfg_unset("org"), CFG_OK);
    assert_int_equal(cfg_unset("webhook"), CFG_OK);
    expect("trigger", "ERR not-configured: set org,webhook,secret first\r\n");
    assert_int_equal(queue_count(), 0);
    assert_string_equal(led_pattern_name(), "off"); /* the command says it: no flash */
}

static void trigger_on_a_full_queue_says_so_and_flashes(void **state)
{
    (void)state;
    for (unsigned i = 0; i < QUEUE_CAPACITY; i++) {
        char *out = run("trigger");
        assert_non_null(strstr(out, "\r\nOK id="));
        free(out);
    }
    expect("trigger", "ERR queue-full: the queue is full; nothing queued\r\n");
    assert_int_equal(queue_count(), QUEUE_CAPACITY);
    assert_string_equal(led_pattern_name(), "queue-full");
}

static void trigger_when_the_queue_memory_fails(void **state)
{
    (void)state;
    fake_nvm_fail_after(0, 7);
    expect("trigger", "ERR storage: the queue memory failed to store it; nothing queued\r\n");
    assert_string_equal(led_pattern_name(), "error");
    assert_int_equal(queue_count(), 0);
    /* the press's path: an event, with the same reason */
    fake_nvm_fail_after(0, 7);
    trigger_press("trigger", 0, PRESS_SHORT, hal_millis());
    char *out = fake_console_take();
    assert_string_equal(out, "EVT refused reason=storage\r\n");
    free(out);
}

static void a_refused_press_says_why(void **state)
{
    (void)state;
    trigger_press("nope", 0, PRESS_LONG, hal_millis());
    char *out = fake_console_take();
    assert_string_equal(out, "EVT refused reason=no-action\r\n");
    free(out);
    assert_string_equal(led_pattern_name(), "error");
    assert_int_equal(cfg_unset("webhook"), CFG_OK);
    trigger_press("trigger", 0, PRESS_SHORT, hal_millis());
    out = fake_console_take();
    assert_string_equal(out, "EVT refused reason=not-configured\r\n");
    free(out);
    assert_false(trigger_configured());
    fake_device_set("webhook", "port_trigger");
    assert_false(trigger_configured()); /* the endpoint moved: no secret */
    fake_device_set("secret", "Cmd-S3cret-Value");
    assert_true(trigger_configured()); /* followed through the listener */
    fake_time_advance(100);
    trigger_press("trigger", 1, PRESS_DOUBLE, hal_millis() - 40);
    trigger_rec_t rec;
    assert_int_equal(queue_read(0, &rec), QUEUE_OK);
    assert_string_equal(rec.button, "up");
    assert_string_equal(rec.press, "double");
    assert_true(rec.at_ms == UTC_2026 + 60); /* when it was pressed, not when it was seen */
    static const char *const names[] = {"ok", "not-configured", "no-action", "bad-json", "too-big",
                                        "queue-full", "storage"};
    for (int i = 0; i <= TRIGGER_STORAGE; i++) {
        assert_string_equal(trigger_status_name((trigger_status_t)i), names[i]);
    }
    assert_string_equal(trigger_status_name((trigger_status_t)99), "storage");
}

static void a_press_before_the_clock_is_set_is_dated_later(void **state)
{
    (void)state;
    fake_device_fresh(); /* a clock never set */
    assert_int_equal(queue_init(), QUEUE_OK);
    trigger_init();
    fake_device_set("org", "contoso");
    fake_device_set("webhook", "port_trigger");
    fake_device_set("secret", "Cmd-S3cret-Value");
    fake_time_advance(5000);
    free(fake_console_take());
    queued("trigger", "trigger");
    trigger_rec_t rec;
    assert_int_equal(queue_read(0, &rec), QUEUE_OK);
    assert_false(rec.at_utc);
    assert_true(rec.at_ms == 5000); /* uptime, back-dated once the clock is set */
}

/* ---- queue */

static void queue_lists_each_pending_trigger(void **state)
{
    (void)state;
    expect("queue", "OK\r\n");
    queued("trigger", "trigger");
    fake_device_set("action.deploy", "{}");
    queued("trigger deploy", "deploy");
    /* the network is down here: that is what they wait for */
    expect("queue", "id=pb-test-0-1 action=trigger attempts=0 next_in_ms=0 last=net-down\r\n"
                    "id=pb-test-0-2 action=deploy attempts=0 next_in_ms=0 last=net-down\r\n"
                    "OK\r\n");
    /* the first attempt failed with a 503, the next one in 5 s */
    assert_true(queue_flight_begin(hal_millis()));
    outcome_t o = {.kind = OUTCOME_HTTP, .status = 503};
    queue_flight_end(hal_millis() + 5000, outcome_pack(&o));
    fake_time_advance(1000);
    expect("queue", "id=pb-test-0-1 action=trigger attempts=1 next_in_ms=4000 last=503\r\n"
                    "id=pb-test-0-2 action=deploy attempts=0 next_in_ms=0 last=net-down\r\n"
                    "OK\r\n");
    /* the name of a transport failure */
    assert_true(queue_flight_begin(hal_millis()));
    o = (outcome_t){.kind = OUTCOME_TRANSPORT, .failure = TRANSPORT_FAIL_CERT_EXPIRED};
    queue_flight_end(hal_millis() + 60000, outcome_pack(&o));
    char *out = run("queue");
    assert_non_null(strstr(out, "id=pb-test-0-2 action=deploy attempts=1 next_in_ms=60000 last=cert-expired\r\n"));
    free(out);
}

static void queue_says_what_a_new_trigger_waits_for(void **state)
{
    (void)state;
    queued("trigger", "trigger");
    assert_int_equal(cfg_unset("org"), CFG_OK);
    expect("queue", "id=pb-test-0-1 action=trigger attempts=0 next_in_ms=0 last=not-configured\r\n"
                    "OK\r\n");
    fake_device_set("org", "contoso");
    wallclock_init(); /* as after a reset: the clock not set yet */
    expect("queue", "id=pb-test-0-1 action=trigger attempts=0 next_in_ms=0 last=clock-unset\r\n"
                    "OK\r\n");
}

static void queue_retry_makes_pending_triggers_due(void **state)
{
    (void)state;
    char first[64];
    snprintf(first, sizeof first, "%s", queued("trigger", "trigger"));
    queued("trigger", "trigger");
    queued("trigger", "trigger");
    outcome_t o = {.kind = OUTCOME_HTTP, .status = 500};
    for (int i = 0; i < 3; i++) {
        assert_true(queue_flight_begin(hal_millis()));
        queue_flight_end(hal_millis() + 60000, outcome_pack(&o));
    }
    char line[96];
    snprintf(line, sizeof line, "queue retry %s", first);
    expect(line, "OK count=1\r\n");
    queue_sched_t q;
    assert_int_equal(queue_peek(0, &q, NULL), QUEUE_OK);
    assert_int_equal(q.next_at, hal_millis());
    assert_int_equal(queue_peek(1, &q, NULL), QUEUE_OK);
    assert_int_equal(q.next_at, hal_millis() + 60000);
    /* all of them, but not one whose attempt is running */
    assert_true(queue_flight_begin(hal_millis())); /* the first, due now */
    expect("queue retry all", "OK count=2\r\n");
    assert_int_equal(queue_peek(2, &q, NULL), QUEUE_OK);
    assert_int_equal(q.next_at, hal_millis());
    expect("queue retry pb-test-0-9", "ERR bad-argument: no pending trigger pb-test-0-9\r\n");
    snprintf(line, sizeof line, "queue retry %s", first);
    expect(line, "OK count=0\r\n"); /* in flight: nothing to hurry */
}

static void queue_drop_removes_one_but_not_one_in_flight(void **state)
{
    (void)state;
    char first[64], second[64], line[96];
    snprintf(first, sizeof first, "%s", queued("trigger", "trigger"));
    snprintf(second, sizeof second, "%s", queued("trigger", "trigger"));
    assert_true(queue_flight_begin(hal_millis()));
    snprintf(line, sizeof line, "queue drop %s", first);
    char want[160];
    snprintf(want, sizeof want, "ERR busy: %s is being sent; try again when its attempt ends\r\n", first);
    expect(line, want);
    assert_int_equal(queue_count(), 2);
    snprintf(line, sizeof line, "queue drop %s", second);
    expect(line, "OK\r\n");
    assert_int_equal(queue_count(), 1);
    assert_int_equal(queue_find(second), -1);
    expect(line, "ERR bad-argument: no pending trigger pb-test-0-2\r\n"); /* gone */
    queue_flight_end(hal_millis(), QUEUE_LAST_NEW);
    snprintf(line, sizeof line, "queue drop %s", first);
    expect(line, "OK\r\n");
    expect("queue", "OK\r\n");
}

static void queue_drop_when_the_medium_fails(void **state)
{
    (void)state;
    char id[64], line[96], want[160];
    snprintf(id, sizeof id, "%s", queued("trigger", "trigger"));
    fake_nvm_fail_after(0, 3);
    snprintf(line, sizeof line, "queue drop %s", id);
    snprintf(want, sizeof want,
             "ERR storage: %s is dropped until reset, but the queue memory did not take the change\r\n", id);
    expect(line, want);
    assert_int_equal(queue_count(), 0);
}

static void queue_usage_errors(void **state)
{
    (void)state;
    static const char usage[] = "ERR bad-argument: usage: queue [retry <runId>|all | drop <runId>]\r\n";
    expect("queue drop", usage);
    expect("queue retry", usage);
    expect("queue flush all", usage);
    expect("queue retryall x", usage); /* the verb does not fit */
    char line[200];
    snprintf(line, sizeof line, "queue drop %0120d", 0); /* longer than any run id */
    expect(line, usage);
}

/* ---- net resolve, time set */

static void net_resolve_answers_literals_and_refusals(void **state)
{
    (void)state;
    expect("net resolve 10.1.2.3", "OK addr=10.1.2.3\r\n");
    expect("net resolve 255.0.128.7", "OK addr=255.0.128.7\r\n");
    expect("net resolve bad_name!", "ERR dns-failed: not a host name\r\n");
    expect("net resolve build.example.test", "ERR dns-failed: the network is down\r\n");
    static const char usage[] = "ERR bad-argument: usage: net resolve <name>\r\n";
    expect("net", usage);
    expect("net resolve", usage);
    expect("net resolve a.example b.example", usage);
    expect("net lookup a.example", usage);
    expect("net resolvethisname x", usage); /* the verb does not fit */
}

static void time_set_sets_the_clock_by_hand(void **state)
{
    (void)state;
    fake_device_fresh();
    free(fake_console_take());
    assert_string_equal(wallclock_state_name(), "unsynced");
    expect("time set 2027-03-04T05:06:07.089Z", "OK\r\n");
    assert_string_equal(wallclock_state_name(), "manual");
    uint64_t now;
    assert_true(wallclock_now(&now));
    assert_true(now == UINT64_C(1804136767089));
    char *out = run("status");
    assert_non_null(strstr(out, "time=manual\r\n"));
    assert_non_null(strstr(out, "utc=2027-03-04T05:06:07.089Z\r\n"));
    free(out);
    static const char bad[] = "ERR bad-value: time must be UTC as YYYY-MM-DDTHH:MM:SS[.mmm]Z, 2000 to 2099\r\n";
    expect("time set 2027-03-04 05:06:07", bad);
    expect("time set 1999-12-31T23:59:59Z", bad);
    expect("time set", bad);
    static const char usage[] = "ERR bad-argument: usage: time set <YYYY-MM-DDTHH:MM:SS[.mmm]Z>\r\n";
    expect("time", usage);
    expect("time get", usage);
    expect("time settings 2027-03-04T05:06:07Z", usage);
    assert_true(wallclock_now(&now));
    assert_true(now == UINT64_C(1804136767089)); /* untouched by the refusals */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(trigger_queues_the_primary_buttons_action, setup),
        cmocka_unit_test_setup(trigger_names_an_action_and_merges_json, setup),
        cmocka_unit_test_setup(trigger_refuses_bad_json_reserved_names_and_size, setup),
        cmocka_unit_test_setup(trigger_refuses_a_body_over_1536_bytes, setup),
        cmocka_unit_test_setup(trigger_refuses_unknown_actions_and_bad_names, setup),
        cmocka_unit_test_setup(trigger_before_configuration_names_what_is_missing, setup),
        cmocka_unit_test_setup(trigger_on_a_full_queue_says_so_and_flashes, setup),
        cmocka_unit_test_setup(trigger_when_the_queue_memory_fails, setup),
        cmocka_unit_test_setup(a_refused_press_says_why, setup),
        cmocka_unit_test_setup(a_press_before_the_clock_is_set_is_dated_later, setup),
        cmocka_unit_test_setup(queue_lists_each_pending_trigger, setup),
        cmocka_unit_test_setup(queue_says_what_a_new_trigger_waits_for, setup),
        cmocka_unit_test_setup(queue_retry_makes_pending_triggers_due, setup),
        cmocka_unit_test_setup(queue_drop_removes_one_but_not_one_in_flight, setup),
        cmocka_unit_test_setup(queue_drop_when_the_medium_fails, setup),
        cmocka_unit_test_setup(queue_usage_errors, setup),
        cmocka_unit_test_setup(net_resolve_answers_literals_and_refusals, setup),
        cmocka_unit_test_setup(time_set_sets_the_clock_by_hand, setup),
    };
    return cmocka_run_group_tests_name("commands", tests, NULL, NULL);
}
