/*
 * The board's buttons: the tick interrupt records every level change with its
 * time (so a press made while the superloop is busy is still seen whole), and
 * buttons_task() runs press recognition on the record, reports each press and
 * runs the action mapped to it.
 */
#ifndef BUTTONS_H
#define BUTTONS_H

#include <stdint.h>

#include "press.h"

#define BUTTONS_MAX 8u
#define BUTTONS_EDGE_QUEUE 16u /* a power of two */

/* Called when a press has an action mapped to it. */
typedef void (*buttons_action_fn)(const char *action, unsigned button, press_kind_t kind, uint32_t t_ms);

void buttons_init(buttons_action_fn on_action);
void buttons_task(void);

/* Level changes the tick could not queue (merged into the last one). */
uint32_t buttons_edge_overflows(void);

/* The action mapped to a button's press kind, or NULL (issue: config). */
const char *buttons_action_for(unsigned button, press_kind_t kind);

/* The tick hook; exposed for the unit tests. */
void buttons_sample(uint32_t now_ms);

#endif
