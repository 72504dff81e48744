#include "press.h"

#include <stddef.h>

/* Wrap-safe "a is at or after b". */
static bool reached(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

const char *press_kind_name(press_kind_t kind)
{
    switch (kind) {
    case PRESS_SHORT:
        return "short";
    case PRESS_LONG:
        return "long";
    case PRESS_DOUBLE:
        return "double";
    }
    return "?";
}

void press_init(press_t *p, bool level, uint32_t t_ms, press_cb_t cb, void *ctx)
{
    p->cb = cb;
    p->ctx = ctx;
    p->short_only = false;
    p->raw = level;
    p->stable = level;
    p->raw_t = t_ms;
    p->state = level ? PRESS_S_UNARMED : PRESS_S_IDLE;
    p->t_down = t_ms;
    p->t_up = t_ms;
}

void press_set_short_only(press_t *p, bool short_only)
{
    p->short_only = short_only;
}

static void fire(press_t *p, press_kind_t kind, uint32_t t)
{
    if (p->cb != NULL) {
        p->cb(p->ctx, kind, t);
    }
}

/* The debounced level changed at time t. */
static void on_edge(press_t *p, bool pressed, uint32_t t)
{
    switch (p->state) {
    case PRESS_S_UNARMED:
        if (!pressed) {
            p->state = PRESS_S_IDLE;
        }
        break;
    case PRESS_S_IDLE:
        if (pressed) {
            p->t_down = t;
            if (p->short_only) {
                fire(p, PRESS_SHORT, t);
                p->state = PRESS_S_FIRED;
            } else {
                p->state = PRESS_S_DOWN;
            }
        }
        break;
    case PRESS_S_DOWN:
        if (!pressed) {
            p->t_up = t;
            p->state = PRESS_S_UP;
        }
        break;
    case PRESS_S_UP:
        if (pressed) {
            fire(p, PRESS_DOUBLE, p->t_down);
            p->state = PRESS_S_FIRED;
        }
        break;
    case PRESS_S_FIRED:
        if (!pressed) {
            p->state = PRESS_S_IDLE;
        }
        break;
    }
}

/* The state's own deadline, if it has one. */
static bool state_deadline(const press_t *p, uint32_t *deadline)
{
    if (p->state == PRESS_S_DOWN) {
        *deadline = p->t_down + PRESS_LONG_MS;
        return true;
    }
    if (p->state == PRESS_S_UP) {
        *deadline = p->t_up + PRESS_DOUBLE_MS;
        return true;
    }
    return false;
}

static void on_deadline(press_t *p)
{
    if (p->state == PRESS_S_DOWN) {
        fire(p, PRESS_LONG, p->t_down);
        p->state = PRESS_S_FIRED;
    } else {
        fire(p, PRESS_SHORT, p->t_down);
        p->state = PRESS_S_IDLE;
    }
}

void press_poll(press_t *p, uint32_t now)
{
    for (;;) {
        bool pending = p->raw != p->stable;
        uint32_t deadline;
        bool timed = state_deadline(p, &deadline);
        /* A raw change that began before the deadline decides the gesture
         * first, once it has been stable long enough to be believed; until
         * then the deadline must wait too (a press at 399 ms is a double). */
        if (pending && (!timed || !reached(p->raw_t, deadline))) {
            if (!reached(now, p->raw_t + PRESS_DEBOUNCE_MS)) {
                return;
            }
            p->stable = p->raw;
            on_edge(p, p->stable, p->raw_t);
            continue;
        }
        if (timed && reached(now, deadline)) {
            on_deadline(p);
            continue;
        }
        if (pending && reached(now, p->raw_t + PRESS_DEBOUNCE_MS)) {
            p->stable = p->raw;
            on_edge(p, p->stable, p->raw_t);
            continue;
        }
        return;
    }
}

void press_input(press_t *p, bool level, uint32_t t)
{
    press_poll(p, t);
    if (level != p->raw) {
        p->raw = level;
        p->raw_t = t;
    }
}
