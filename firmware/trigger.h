/*
 * Turning a press or the `trigger` command into a queued trigger (spec
 * sections 2-4): the action's properties merged with trigger-time JSON, and
 * everything the spec fixes at press time.
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "press.h"

#define TRIGGER_JSON_MAX 256u

typedef enum {
    TRIGGER_OK = 0,
    TRIGGER_NOT_CONFIGURED,
    TRIGGER_NO_ACTION,
    TRIGGER_BAD_JSON,
    TRIGGER_TOO_BIG,
    TRIGGER_QUEUE_FULL,
    TRIGGER_STORAGE
} trigger_status_t;

/* Starts following the configuration (after cfg_init). */
void trigger_init(void);
/* Whether org, webhook and secret are all set. */
bool trigger_configured(void);

/* Queues a trigger of action; json (may be NULL) is merged over its
 * properties.  button/press describe the source ("serial"/"cli" for the
 * command); press_uptime_ms is when it happened.  On success EVT queued is
 * reported and run_id (size >= 64) holds the id; otherwise *why explains
 * (the caller reports the refusal). */
trigger_status_t trigger_create(const char *action, const char *json, size_t json_len, const char *button,
                                const char *press, uint64_t press_uptime_ms, char *run_id, size_t run_id_size,
                                const char **why);

/* A press mapped to action (the buttons module's callback). */
void trigger_press(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms);

/* A refusal's token (EVT refused reason=). */
const char *trigger_status_name(trigger_status_t rc);

#endif
