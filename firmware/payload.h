/*
 * The request body of spec section 4: the action's merged properties, then
 * port_context and device, minified, at most PAYLOAD_MAX bytes; and the
 * trigger record whose fields were fixed at press time.
 */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_MAX 1536u
#define PAYLOAD_PROPS_MAX 736u    /* an action (480) merged with trigger-time JSON (256) */
#define PAYLOAD_ID_MAX 32u
#define PAYLOAD_IDENT_MAX 128u

/* The top-level member names the body writes itself, refused in an action's
 * properties and in trigger-time JSON (NULL-terminated, for json.h). */
extern const char *const payload_reserved_names[];

/* What a press fixes (spec section 4, "What is fixed when"). */
typedef struct {
    char action[33];
    char device_id[PAYLOAD_ID_MAX + 1];
    char blueprint[PAYLOAD_IDENT_MAX + 1];
    char entity[PAYLOAD_IDENT_MAX + 1];
    char button[16];              /* a button name, or "serial" for `trigger` */
    char press[8];                /* short, long, double, cli */
    uint32_t boot;
    uint32_t seq;
    uint64_t at_ms;               /* UTC ms of the press when at_utc, else uptime ms */
    bool at_utc;
    bool at_estimated;            /* the press time is not exactly known */
    char props[PAYLOAD_PROPS_MAX + 1]; /* merged, minified JSON object */
} trigger_rec_t;

typedef enum {
    PAYLOAD_OK = 0,
    PAYLOAD_TOO_BIG = -1,   /* the body would exceed PAYLOAD_MAX */
    PAYLOAD_NO_TIME = -2    /* the press time is not in UTC yet */
} payload_status_t;

/* "<device_id>-<boot>-<seq>" into out (size >= PAYLOAD_ID_MAX + 24). */
void payload_run_id(const trigger_rec_t *t, char *out, size_t size);
void payload_format_run_id(const char *device_id, uint32_t boot, uint32_t seq, char *out, size_t size);

/* Builds the body for this attempt with org read now (send time). */
int payload_build(const trigger_rec_t *t, const char *org, unsigned attempt, char *out, size_t size, size_t *len);

/* The body's length for the largest attempt number, without building it
 * (a trigger is refused at press time if it could never be sent). */
size_t payload_length(const trigger_rec_t *t, const char *org);

/* HMAC-SHA1 of body keyed with key, as 40 lowercase hex digits + NUL. */
int payload_sign(const void *key, size_t key_len, const char *body, size_t len, char hex[41]);

#endif
