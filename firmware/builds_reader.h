/*
 * A streaming reader of the Builds API's list answer (spec section 8):
 *
 *   {"count":<n>,"value":[<build>, ...]}
 *
 * It takes `id`, `buildNumber`, `status` and `result` from value[0], in
 * whatever pieces the body arrives (http.c has removed the chunk framing), in
 * the fixed RAM of a builds_reader_t: nothing of the text is kept but the
 * four members.  Members may come in any order; members of the same names
 * inside nested objects or arrays (definition.id, properties.status, ...),
 * members of the outer object other than "value" and elements after
 * value[0] are read past; several KB per build are nothing special.
 *
 * The whole text is checked as RFC 8259 JSON (literals, numbers, strings with
 * their escapes, no control byte in a string, nothing after the top-level
 * object but white space) up to BUILDS_DEPTH_MAX nested containers.  Not
 * checked, to stay small: UTF-8 (bytes of 0x80 and above pass as they are)
 * and whether a \u escape's surrogates pair up.  Member names are compared
 * after their escapes are decoded ("\u0069d" is "id").
 *
 * What is read:
 *   id           a JSON integer 1..4294967295 (no sign, fraction or exponent)
 *   buildNumber  a string, or null or absent ("-"); at most
 *                BUILDS_NUMBER_MAX bytes are kept, a longer one ends in '~';
 *                made printable for an event's value: a space becomes '_',
 *                another control byte '?', a non-ASCII character one '?'
 *   status       a string; one Azure does not define is BUILDS_STATUS_OTHER
 *   result       a string, or null or absent; "none" is BUILDS_RESULT_NONE
 * value[0] without id or status, with one of the four of another type, or
 * with one of them twice, is BUILDS_E_FIELD; a document that is not an
 * object with one "value" array whose first element (if any) is an object
 * is BUILDS_E_SHAPE.
 *
 * No allocation, no I/O, no global state: the caller owns the reader.
 */
#ifndef BUILDS_READER_H
#define BUILDS_READER_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of buildNumber kept (Azure's default format, yyyyMMdd.r, is 10 or
 * so). */
#define BUILDS_NUMBER_MAX 32u
/* Containers open at once; Azure's build object nests 6 deep. */
#define BUILDS_DEPTH_MAX 32u

typedef enum {
    BUILDS_STATUS_NONE = 0, /* not read */
    BUILDS_NOT_STARTED,
    BUILDS_POSTPONED,
    BUILDS_IN_PROGRESS,
    BUILDS_CANCELLING,
    BUILDS_COMPLETED,
    BUILDS_STATUS_OTHER /* a string Azure does not define */
} builds_status_t;

typedef enum {
    BUILDS_RESULT_NONE = 0, /* absent, null or "none" */
    BUILDS_SUCCEEDED,
    BUILDS_PARTIALLY_SUCCEEDED,
    BUILDS_FAILED,
    BUILDS_CANCELED,
    BUILDS_RESULT_OTHER /* a string Azure does not define */
} builds_result_t;

typedef enum {
    BUILDS_OK = 0,         /* value[0] was read: id, number, status, result */
    BUILDS_EMPTY = 1,      /* "value" is empty: no build carries the tag */
    BUILDS_E_SYNTAX = -1,  /* not JSON: the byte at err_offset */
    BUILDS_E_END = -2,     /* the text ended inside the document (or was empty) */
    BUILDS_E_DEPTH = -3,   /* more than BUILDS_DEPTH_MAX containers open */
    BUILDS_E_SHAPE = -4,   /* not {"value":[{...}, ...], ...} (see above) */
    BUILDS_E_FIELD = -5    /* value[0]'s id/buildNumber/status/result (see above) */
} builds_rc_t;

typedef struct {
    /* The build, after builds_reader_finish() returned BUILDS_OK. */
    uint32_t id;
    char number[BUILDS_NUMBER_MAX + 1];
    uint8_t status; /* builds_status_t */
    uint8_t result; /* builds_result_t */
    /* Where an error was found: bytes taken before the byte that showed it
     * (the length of the text for BUILDS_E_END and a missing member). */
    uint32_t err_offset;
    /* private: the reader's state */
    uint32_t offset;   /* bytes taken */
    uint32_t open;     /* bit d set: the container at depth d+1 is an object */
    uint16_t unit;     /* a \u escape's code unit so far */
    int8_t error;      /* sticky: the first error */
    uint8_t depth;     /* containers open */
    uint8_t mode;      /* what the next byte may be */
    uint8_t sub;       /* the mode's own state (a string's escape, a number's part) */
    uint8_t member;    /* the wanted member whose name was just read, or 0 */
    uint8_t seen;      /* wanted members met so far (a bit each) */
    uint8_t flags;
    uint8_t number_len;
    uint8_t id_bad;    /* the id being read has a sign, fraction or exponent, or overflows */
    uint8_t tok_len;   /* bytes in tok */
    char tok[20];      /* a member name being read, or a status/result value */
} builds_reader_t;

void builds_reader_init(builds_reader_t *r);
/* Takes data[0..len) (len may be 0).  Nothing to return: an error is kept
 * and later bytes are ignored; builds_reader_finish() tells. */
void builds_reader_feed(builds_reader_t *r, const uint8_t *data, size_t len);
/* The text is complete: BUILDS_OK, BUILDS_EMPTY or an error (builds_rc_t). */
int builds_reader_finish(builds_reader_t *r);

/* Azure's words for them: "notStarted", "succeeded", ...; "none" for
 * BUILDS_RESULT_NONE, "unknown" for the _OTHER values. */
const char *builds_status_name(builds_status_t s);
const char *builds_result_name(builds_result_t r);
/* A short fixed text for a builds_rc_t; never NULL. */
const char *builds_strerror(int rc);

#endif
