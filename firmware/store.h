/*
 * A small durable key-value store on one hal_nvm region (the configuration,
 * the secret, trust anchors and the boot counter live here).
 *
 * Layout: the region is split into two halves; the live half holds a header
 * and an append-only log of records.  A change is a group of records followed
 * by a commit record; at start-up, records after the last valid commit are
 * ignored, so a power cut at any single write leaves either all of a change
 * or none of it.  When the live half is full the newest value of each key is
 * copied to the other half, whose header is written last; the half with the
 * valid header and the higher generation wins; the half it leaves is then
 * erased.  Records carry a CRC-32, the header a format version so later
 * firmware can migrate.
 *
 * Sensitive keys (the secret and other write-only values: store_set_sensitive)
 * leave no readable copy behind: once a change that replaces or deletes one
 * has committed, or a change that wrote one is dropped, its other records are
 * overwritten with zeros in place (NOR programming clears bits without an
 * erase; only the record's type and lengths stay).  store_open finishes what
 * a power cut interrupted: it wipes what is left, compacts away a torn write
 * and erases the other half.
 *
 * Nothing read back from the medium is trusted: every record header is
 * checked against the limits below and the half's end each time it is read,
 * so a byte that changes after mount costs that record, never memory safety.
 *
 * Keys are strings of at most STORE_KEY_MAX bytes; values are byte strings of
 * at most STORE_VALUE_MAX bytes.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_nvm.h"

#define STORE_KEY_MAX 40u
#define STORE_VALUE_MAX 2048u   /* a DER certificate */
#define STORE_TXN_MAX 24u       /* keys in one change (config import) */

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,
    STORE_TOO_BIG = -2,     /* key or value too long, or buffer too small */
    STORE_FULL = -3,        /* the live data does not fit even after compaction */
    STORE_IO = -4,          /* the medium failed; nothing was changed */
    STORE_NO_MEDIUM = -5,   /* RAM only: changes last until reset */
    STORE_TXN = -6          /* a change is too large or misused */
} store_status_t;

/* Where the RAM-only fallback (no medium) gets its 8 KB: malloc unless set.
 * The firmware points it at mbedTLS's pool, which is idle on such a run
 * (without a medium there is no entropy either, so no TLS). */
void store_set_allocator(void *(*alloc)(size_t size), void (*release)(void *p));

/* Keys whose superseded values must not stay readable on the medium; set
 * before store_open (which wipes what an interrupted change left).  NULL:
 * none. */
void store_set_sensitive(bool (*is_sensitive)(const char *key));

/* Opens the store on region: finds the live half, replays its log, then
 * settles the medium (see above). */
int store_open(hal_nvm_region_t region);
/* Whether values survive a reset (false: RAM-only fallback). */
bool store_durable(void);

/* Copies the value into buf (size bytes); *len gets its length.  Returns
 * STORE_NOT_FOUND when the key is not set, STORE_TOO_BIG when buf is short. */
int store_get(const char *key, void *buf, size_t size, size_t *len);
bool store_has(const char *key);

/* One-key changes, each durable when it returns STORE_OK. */
int store_set(const char *key, const void *value, size_t len);
int store_delete(const char *key);

/* Several changes applied all or nothing: begin, put/del..., commit.  Until
 * commit nothing is visible; abort (or a reset) drops them. */
void store_begin(void);
int store_put(const char *key, const void *value, size_t len);
int store_del(const char *key);
int store_commit(void);
void store_abort(void);

/* Deletes every key for which keep(key) is false, in one change. */
int store_clear(bool (*keep)(const char *key));

/* Calls fn for every live key, in no particular order, until it returns
 * false. */
void store_each(bool (*fn)(void *ctx, const char *key), void *ctx);

/* Bytes used by live records, and the half's capacity (for status). */
uint32_t store_used(void);
uint32_t store_capacity(void);

#endif
