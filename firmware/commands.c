/* The command table and the commands that belong to no other module. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ca.h"
#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "delivery.h"
#include "device.h"
#include "hal.h"
#include "led.h"
#include "lock.h"
#include "net.h"
#include "queue.h"
#include "runs.h"
#include "store.h"
#include "tls.h"
#include "tlsport.h"
#include "trigger.h"
#include "wallclock.h"
#include "lwip/init.h"
#include "mbedtls/version.h"
#include "version.h"

static void cmd_help(const char *args)
{
    (void)args;
    for (const cmd_t *c = cmd_table; c->name != NULL; c++) {
        char head[48];
        snprintf(head, sizeof head, "%s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
        con_info("%-26s %s", head, c->help);
    }
    con_ok(NULL);
}

static void cmd_version(const char *args)
{
    (void)args;
    char mbedtls[18];
    mbedtls_version_get_string(mbedtls);
    con_ok("version=%s board=%s lwip=%d.%d.%d mbedtls=%s", PB_VERSION, hal_board_name(), LWIP_VERSION_MAJOR,
           LWIP_VERSION_MINOR, LWIP_VERSION_REVISION, mbedtls);
}

static void cmd_echo(const char *args)
{
    if (strcmp(args, "on") == 0 || strcmp(args, "off") == 0) {
        console_set_echo(args[1] == 'n');
        con_ok(NULL);
    } else {
        con_err("bad-argument", "usage: echo on|off");
    }
}

static void cmd_status(const char *args)
{
    (void)args;
    uint64_t utc_ms;
    con_info("net=%s", net_is_up() ? "up" : "down");
    con_info("reach=%s", net_reach());
    con_info("ip=%s", net_ip());
    con_info("time=%s", wallclock_state_name());
    char date[WALLCLOCK_ISO_LEN];
    wallclock_format(wallclock_floor_ms(), date);
    con_info("build_date=%.10s", date);
    con_info("queue=%u", queue_count());
    con_info("queue_capacity=%u", QUEUE_CAPACITY);
    con_info("delivered=%lu", (unsigned long)delivery_delivered());
    con_info("failed=%lu", (unsigned long)delivery_failed());
    con_info("run_polls=%lu", (unsigned long)runs_polls());
    con_info("run_polls_failed=%lu", (unsigned long)runs_polls_failed());
    if (wallclock_now(&utc_ms)) {
        char iso[WALLCLOCK_ISO_LEN];
        wallclock_format(utc_ms, iso);
        con_info("utc=%s", iso);
    }
    con_info("board=%s", hal_board_name());
    con_info("reset=%s", device_reset_name(hal_reset_cause()));
    con_info("boot=%lu", (unsigned long)device_boot());
    con_info("nvm=%s", store_durable() ? hal_nvm_kind() : "none");
    char num[21];
    con_info("uptime_ms=%s", device_u64(hal_uptime_ms(), num));
    con_info("led=%s", led_pattern_name());
    con_info("lock=%s", lock_state_name());
    con_info("lock_hash_ms=%lu", (unsigned long)lock_last_hash_ms());
    con_info("lock_iterations=%lu", (unsigned long)lock_last_iterations());
    con_info("heap_peak=%u", (unsigned)hal_heap_peak());
    con_info("heap_size=%u", (unsigned)hal_heap_size());
    con_info("tls_pool_peak=%u", (unsigned)tlsport_pool_peak());
    con_info("tls_pool_size=%u", (unsigned)tlsport_pool_size());
    con_info("tls_longest_step_ms=%lu", (unsigned long)tls_longest_step_ms());
    con_info("stack_peak=%u", (unsigned)hal_stack_peak());
    con_info("stack_size=%u", (unsigned)hal_stack_size());
    con_info("console_overruns=%lu", (unsigned long)hal_console_rx_overruns());
    con_info("console_dropped=%lu", (unsigned long)console_tx_dropped());
    con_info("frames_dropped=%lu", (unsigned long)net_frames_dropped());
    con_info("eth_init_attempts=%lu", (unsigned long)net_eth_init_attempts());
    con_ok(NULL);
}

static void cmd_reboot(const char *args)
{
    (void)args;
    con_ok(NULL);
    hal_reset();
}

/* For `diag stack`: the depth test never holds (the compiler cannot see
 * through the volatile), and each level keeps a buffer live across the call,
 * so the recursion can be neither flattened into a loop nor made a tail call:
 * it eats the stack until the guard below it stops it. */
static unsigned diag_recurse(unsigned depth, const volatile unsigned *limit)
{
    volatile uint8_t frame[64];
    frame[0] = (uint8_t)depth;
    if (depth >= *limit) {
        return frame[0];
    }
    return diag_recurse(depth + 1u, limit) + frame[0];
}

/* Bring-up checks of the fault, watchdog and stack-guard paths, for real
 * boards and tests. */
static void cmd_diag(const char *args)
{
    if (strcmp(args, "fault") == 0) {
        con_ok(NULL);
        hal_console_flush();
        /* An undefined instruction: a UsageFault wherever the code runs. */
        __asm__ volatile(".short 0xde00");
    } else if (strcmp(args, "watchdog") == 0) {
        con_ok(NULL);
        hal_console_flush();
        for (;;) {
            /* starve the watchdog */
        }
    } else if (strcmp(args, "stack") == 0) {
        con_ok(NULL);
        hal_console_flush();
        volatile unsigned limit = UINT_MAX;
        (void)diag_recurse(0, &limit);
    } else {
        con_err("bad-argument", "usage: diag fault|watchdog|stack");
    }
}

const cmd_t cmd_table[] = {
    {"help", "", "list the commands", cmd_help},
    {"version", "", "firmware, board and library versions", cmd_version},
    {"status", "", "device state as key=value lines", cmd_status},
    {"echo", "on|off", "echo input and show a prompt (for people)", cmd_echo},
    {"config", "show|get|set|unset ...", "read and change the configuration", cmd_config},
    {"ca", "add|list|remove <slot>|builtin on|off", "trust anchors for TLS", cmd_ca},
    {"trigger", "[<action>] [<json>]", "queue a trigger as if a button were pressed", cmd_trigger},
    {"queue", "[retry <runId>|all | drop <runId>]", "pending triggers", cmd_queue},
    {"run", "", "pipeline runs followed and the latest finished", cmd_run},
    {"net", "resolve <name>", "look a name up through the configured DNS", cmd_net},
    {"time", "set <iso8601>", "set the clock by hand (until NTP answers)", cmd_time},
    {"lock", "[set <passphrase> | clear]", "lock the console (set a passphrase, or remove it)", cmd_lock},
    {"unlock", "<passphrase>", "open a locked console until lock or reset", cmd_unlock},
    {"reboot", "", "restart the device", cmd_reboot},
    {"diag", "fault|watchdog|stack", "test the fault, watchdog or stack-overflow reset", cmd_diag},
    {NULL, NULL, NULL, NULL},
};
