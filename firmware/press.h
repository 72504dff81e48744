/*
 * Press recognition for one button (spec section 3), from time-stamped raw
 * level changes: 20 ms debounce, long at 1000 ms held, double when a second
 * press starts within 400 ms of a short one's release.  Pure logic: time comes
 * in as arguments, results go out through a callback.
 *
 * A button counts only after it has been seen released since start-up, so a
 * button held at power-up (or QEMU's line that reads pressed until the key is
 * first used) does nothing.
 */
#ifndef PRESS_H
#define PRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PRESS_DEBOUNCE_MS 20u
#define PRESS_LONG_MS     1000u
#define PRESS_DOUBLE_MS   400u

typedef enum { PRESS_SHORT, PRESS_LONG, PRESS_DOUBLE } press_kind_t;

/* t_ms: when the press (its first debounced edge) happened. */
typedef void (*press_cb_t)(void *ctx, press_kind_t kind, uint32_t t_ms);

typedef enum {
    PRESS_S_UNARMED, /* not yet seen released */
    PRESS_S_IDLE,
    PRESS_S_DOWN,    /* first press held, not yet long */
    PRESS_S_UP,      /* short press released, a second may follow */
    PRESS_S_FIRED    /* reported; waiting for the release */
} press_state_t;

typedef struct {
    press_cb_t cb;
    void *ctx;
    bool short_only;    /* report short on the press itself */
    bool raw;           /* last raw level */
    bool stable;        /* debounced level */
    uint32_t raw_t;     /* when raw last changed */
    press_state_t state;
    uint32_t t_down;    /* first press of the current gesture */
    uint32_t t_up;      /* its release */
} press_t;

/* level: the raw level at start-up (true = pressed), sampled at t_ms. */
void press_init(press_t *p, bool level, uint32_t t_ms, press_cb_t cb, void *ctx);

/* When only short is mapped there is nothing to wait for. */
void press_set_short_only(press_t *p, bool short_only);

/* A raw level change at t_ms.  Changes must come in time order. */
void press_input(press_t *p, bool level, uint32_t t_ms);

/* Lets time pass to now_ms: fires what is due. */
void press_poll(press_t *p, uint32_t now_ms);

const char *press_kind_name(press_kind_t kind);

#endif
