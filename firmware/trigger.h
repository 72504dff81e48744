/*
 * Turning a press (or the `trigger` command, later) into a queued delivery.
 * Today the device has no configuration store, so it is never configured and
 * every press is refused with the spec's not-configured answer; the config
 * and delivery issues grow this module.
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "press.h"

/* Whether org, webhook and secret are all set. */
bool trigger_configured(void);

/* A press mapped to action: queue it, or say why not (EVT refused). */
void trigger_press(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms);

#endif
