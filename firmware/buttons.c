#include "buttons.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "events.h"
#include "hal_button.h"
#include "hal_time.h"

typedef struct {
    uint32_t t;
    uint32_t levels;
} edge_t;

/* Single producer (the tick) and single consumer (buttons_task). */
static edge_t s_edges[BUTTONS_EDGE_QUEUE];
static volatile uint32_t s_head;
static volatile uint32_t s_tail;
static volatile uint32_t s_overflows;
static uint32_t s_last_levels; /* owned by the tick */

static press_t s_press[BUTTONS_MAX];
static unsigned s_count;
static buttons_action_fn s_on_action;

void buttons_sample(uint32_t now)
{
    uint32_t levels = hal_button_levels();
    if (levels == s_last_levels) {
        return;
    }
    s_last_levels = levels;
    uint32_t head = s_head;
    if (head - s_tail >= BUTTONS_EDGE_QUEUE) {
        /* Full (only a storm of bounces does that): keep the newest levels in
         * the last slot so the settled state is never lost. */
        s_edges[(head - 1u) % BUTTONS_EDGE_QUEUE] = (edge_t){now, levels};
        s_overflows = s_overflows + 1u;
        return;
    }
    s_edges[head % BUTTONS_EDGE_QUEUE] = (edge_t){now, levels};
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    s_head = head + 1u;
}

uint32_t buttons_edge_overflows(void)
{
    return s_overflows;
}

const char *buttons_action_for(unsigned button, press_kind_t kind)
{
    /* button.<name>.<kind>; the primary button's short press defaults to
     * `trigger` (cfg knows the default). */
    static char action[CFG_ACTION_NAME_MAX + 1];
    char key[48];
    snprintf(key, sizeof key, "button.%s.%s", hal_button_name(button), press_kind_name(kind));
    if (cfg_value(key, action, sizeof action, NULL) != CFG_OK || action[0] == '\0') {
        return NULL;
    }
    return action;
}

static void on_press(void *ctx, press_kind_t kind, uint32_t t)
{
    unsigned button = (unsigned)(uintptr_t)ctx;
    ev_press(hal_button_name(button), press_kind_name(kind));
    const char *action = buttons_action_for(button, kind);
    if (action != NULL && s_on_action != NULL) {
        s_on_action(action, button, kind, t);
    }
}

static bool short_only(unsigned button)
{
    return buttons_action_for(button, PRESS_SHORT) != NULL && buttons_action_for(button, PRESS_LONG) == NULL &&
           buttons_action_for(button, PRESS_DOUBLE) == NULL;
}

/* A mapping changed: which buttons may fire on the press itself. */
static void on_cfg_change(const char *key)
{
    if (key != NULL && strncmp(key, "button.", 7) != 0) {
        return;
    }
    for (unsigned i = 0; i < s_count; i++) {
        press_set_short_only(&s_press[i], short_only(i));
    }
}

void buttons_init(buttons_action_fn on_action)
{
    s_on_action = on_action;
    s_count = hal_button_count();
    if (s_count > BUTTONS_MAX) {
        s_count = BUTTONS_MAX;
    }
    uint32_t now = hal_millis();
    s_last_levels = hal_button_levels();
    s_head = 0;
    s_tail = 0;
    for (unsigned i = 0; i < s_count; i++) {
        press_init(&s_press[i], (s_last_levels >> i) & 1u, now, on_press, (void *)(uintptr_t)i);
        press_set_short_only(&s_press[i], short_only(i));
    }
    cfg_add_listener(on_cfg_change);
    hal_tick_set_hook(buttons_sample);
}

void buttons_task(void)
{
    /* Read the time first: every change the tick stamped up to now is then
     * already queued, so no deadline fires ahead of an edge that beat it. */
    uint32_t now = hal_millis();
    while (s_tail != s_head) {
        edge_t e = s_edges[s_tail % BUTTONS_EDGE_QUEUE];
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        s_tail = s_tail + 1u;
        for (unsigned i = 0; i < s_count; i++) {
            press_input(&s_press[i], (e.levels >> i) & 1u, e.t);
        }
    }
    for (unsigned i = 0; i < s_count; i++) {
        press_poll(&s_press[i], now);
    }
}
