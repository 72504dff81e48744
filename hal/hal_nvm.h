/*
 * Non-volatile memory with NOR-flash rules: an erase sets a whole erase unit
 * to 0xFF; programming can only clear bits (the result is old AND new).
 * Every board provides the same regions; the store above it keeps data safe
 * across a power cut at any single write.
 *
 * All calls block until done (a sector erase may take a second or two on a
 * real chip: callers feed the watchdog around it).  Offsets are from the
 * region's start.
 */
#ifndef HAL_NVM_H
#define HAL_NVM_H

#include <stddef.h>
#include <stdint.h>

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
