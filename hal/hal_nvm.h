/*
 * Non-volatile memory with NOR-flash rules: an erase sets a whole erase unit
 * to 0xFF; programming can only clear bits (the result is old AND new).
 * Every board provides the same regions; the store and the queue above it
 * keep data safe across a power cut at any single write.
 *
 * All calls block until done.  Offsets are from the region's start.
 *
 * Program granularity: any offset and length inside the region, no
 * alignment.  Bytes are programmed in ascending address order in units of at
 * most 4 bytes (an aligned word at most).  A power cut during
 * hal_nvm_program leaves the bytes before some point programmed, at most one
 * unit after it partly programmed (each of its bits old, or old AND new), and
 * the rest as they were; a cut during hal_nvm_erase leaves that erase unit in
 * any state.
 *
 * The watchdog: the driver, and only the driver, keeps it fed for the time the
 * medium takes.  It feeds at least once per HAL_NVM_FEED_MS of program or
 * erase work, counted across calls, so neither one long call (a 128 KB sector
 * erase: up to 2 s on the NUCLEO) nor a run of short ones (a queue compaction
 * copying a whole erase unit in 128-byte calls: 128 KB, up to 3.3 s there)
 * starves it.  Callers never feed on the medium's account; the time they
 * spend between calls counts like any other work.
 */
#ifndef HAL_NVM_H
#define HAL_NVM_H

#include <stddef.h>
#include <stdint.h>

/* The longest stretch of medium work between two watchdog feeds (see above),
 * well inside the watchdog's shortest time-out (hal_wdt.h). */
#define HAL_NVM_FEED_MS 100u

typedef enum {
    HAL_NVM_CONFIG = 0, /* configuration, secret, trust anchors, boot counter */
    HAL_NVM_QUEUE,      /* the durable trigger queue */
    HAL_NVM_REGIONS
} hal_nvm_region_t;

typedef enum {
    HAL_NVM_OK = 0,
    HAL_NVM_ERR_RANGE = -1,   /* outside the region, or not erase-aligned */
    HAL_NVM_ERR_IO = -2,      /* the medium failed (or a fake cut the power) */
    HAL_NVM_ERR_ABSENT = -3   /* no non-volatile memory on this run */
} hal_nvm_status_t;

typedef struct {
    uint32_t size;       /* bytes in the region; 0 when absent */
    uint32_t erase_size; /* the erase unit; size is a multiple of it */
} hal_nvm_info_t;

/* Brings the medium up; HAL_NVM_ERR_ABSENT when there is none (under QEMU
 * without semihosting), and then every other call returns that too. */
int hal_nvm_init(void);
/* What backs the memory, for EVT boot and status: "file", "flash", "none". */
const char *hal_nvm_kind(void);

hal_nvm_info_t hal_nvm_info(hal_nvm_region_t region);
int hal_nvm_read(hal_nvm_region_t region, uint32_t offset, void *buf, size_t len);
int hal_nvm_program(hal_nvm_region_t region, uint32_t offset, const void *data, size_t len);
/* Erases the erase unit that starts at offset. */
int hal_nvm_erase(hal_nvm_region_t region, uint32_t offset);

#endif
