#include "trigger.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "device.h"
#include "hal_button.h"
#include "hal_time.h"
#include "json.h"
#include "events.h"
#include "payload.h"
#include "queue.h"
#include "wallclock.h"

static uint32_t s_seq;
static char s_why[JSON_WHY_MAX + 16];
/* Kept current by a configuration listener: the superloop asks every pass
 * (LED, delivery), and the store should not be read that often. */
static bool s_configured;

static void on_config(const char *key)
{
    if (key == NULL || strcmp(key, "org") == 0 || strcmp(key, "webhook") == 0 || strcmp(key, "secret") == 0) {
        s_configured = cfg_configured(NULL, 0);
    }
}

void trigger_init(void)
{
    s_seq = 0;
    cfg_add_listener(on_config);
    on_config(NULL);
}

bool trigger_configured(void)
{
    return s_configured;
}

trigger_status_t trigger_create(const char *action, const char *json, size_t json_len, const char *button,
                                const char *press, uint64_t press_uptime_ms, char *run_id, size_t run_id_size,
                                const char **why)
{
    static char missing[40];
    if (!cfg_configured(missing, sizeof missing)) {
        snprintf(s_why, sizeof s_why, "set %s first", missing);
        *why = s_why;
        return TRIGGER_NOT_CONFIGURED;
    }
    char key[48], props[CFG_VALUE_MAX + 1];
    bool set = false;
    snprintf(key, sizeof key, "action.%s", action);
    if (!cfg_known(key) || cfg_value(key, props, sizeof props, &set) != CFG_OK ||
        (!set && strcmp(action, "trigger") != 0)) {
        snprintf(s_why, sizeof s_why, "no action '%.32s' is configured", action);
        *why = s_why;
        return TRIGGER_NO_ACTION;
    }
    trigger_rec_t rec;
    memset(&rec, 0, sizeof rec);
    if (json != NULL && json_len > 0) {
        json_err_t err;
        if (json_len > TRIGGER_JSON_MAX) {
            *why = "json longer than 256 bytes";
            return TRIGGER_BAD_JSON;
        }
        if (json_check_reserved(json, json_len, payload_reserved_names, &err) != JSON_OK) {
            snprintf(s_why, sizeof s_why, "json %s", err.why);
            *why = s_why;
            return TRIGGER_BAD_JSON;
        }
        if (json_merge_shallow(props, strlen(props), json, json_len, rec.props, sizeof rec.props, NULL) != JSON_OK) {
            *why = "the merged properties are too long";
            return TRIGGER_TOO_BIG;
        }
    } else {
        strcpy(rec.props, props);
    }
    snprintf(rec.action, sizeof rec.action, "%s", action);
    CFG_GET_STR(DEVICE_ID, rec.device_id);
    CFG_GET_STR(BLUEPRINT, rec.blueprint);
    CFG_GET_STR(ENTITY, rec.entity);
    snprintf(rec.button, sizeof rec.button, "%s", button);
    snprintf(rec.press, sizeof rec.press, "%s", press);
    rec.boot = device_boot();
    rec.seq = s_seq + 1u;
    rec.at_utc = wallclock_at_uptime(press_uptime_ms, &rec.at_ms);
    if (!rec.at_utc) {
        rec.at_ms = press_uptime_ms; /* back-dated once the clock is set */
    }
    /* The body must fit in 1,536 bytes whatever attempt it is (org as now). */
    char org[CFG_BUF(ORG)];
    if (payload_length(&rec, CFG_GET_STR(ORG, org)) > PAYLOAD_MAX) {
        *why = "the request body would exceed 1536 bytes";
        return TRIGGER_TOO_BIG;
    }
    switch (queue_push(&rec, press_uptime_ms)) {
    case QUEUE_OK:
        break;
    case QUEUE_FULL:
        *why = "the queue is full";
        return TRIGGER_QUEUE_FULL;
    default:
        *why = "the queue memory failed to store it";
        return TRIGGER_STORAGE;
    }
    s_seq++;
    payload_run_id(&rec, run_id, run_id_size);
    ev_queued(run_id, action);
    return TRIGGER_OK;
}

void trigger_press(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms)
{
    char run_id[64];
    const char *why;
    /* t_ms is the tick at the press: turn it into uptime */
    uint64_t up = hal_uptime_ms() - (uint32_t)(hal_millis() - t_ms);
    trigger_status_t rc = trigger_create(action, NULL, 0, hal_button_name(button), press_kind_name(kind), up, run_id,
                                         sizeof run_id, &why);
    if (rc != TRIGGER_OK) {
        ev_refused(trigger_status_name(rc), rc == TRIGGER_QUEUE_FULL);
    }
}

const char *trigger_status_name(trigger_status_t rc)
{
    static const char *const names[] = {"ok",      "not-configured", "no-action", "bad-json",
                                        "too-big", "queue-full",     "storage"};
    return (unsigned)rc < sizeof names / sizeof names[0] ? names[rc] : "storage";
}
