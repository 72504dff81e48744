/*
 * Non-volatile memory under QEMU: QEMU does not model the LM3S6965's flash
 * controller, so the store lives in the host file pipebutton-nvm.bin in
 * QEMU's working directory, reached through semihosting (spec section 6),
 * with NOR rules kept here: erase writes 0xFF, programming ANDs.
 *
 * Layout of the file: the configuration region (64 KB, 16 KB erase units),
 * then the queue region (256 KB: a ring of 16 units).  A file from older
 * firmware is shorter and grows with erased bytes.
 *
 * The watchdog (hal_nvm.h): host file I/O is quick, but a loaded host can
 * stall it, so the driver feeds between chunks once HAL_NVM_FEED_MS have
 * passed since it last fed.
 */
#include <stdbool.h>
#include <string.h>

#include "hal_nvm.h"
#include "hal_time.h"
#include "hal_wdt.h"
#include "semihost.h"

#define NVM_FILE "pipebutton-nvm.bin"
#define UNIT (16u * 1024u)
#define CONFIG_SIZE (64u * 1024u)
#define QUEUE_SIZE (256u * 1024u)
#define FILE_SIZE (CONFIG_SIZE + QUEUE_SIZE)
#define CHUNK 256u

static int s_fd = -1;
static bool s_tried;
static uint32_t s_fed_at;

static void keep_fed(void)
{
    if ((uint32_t)(hal_millis() - s_fed_at) >= HAL_NVM_FEED_MS) {
        hal_wdt_feed();
        s_fed_at = hal_millis();
    }
}

static uint32_t region_base(hal_nvm_region_t region)
{
    return region == HAL_NVM_CONFIG ? 0u : CONFIG_SIZE;
}

static uint32_t region_size(hal_nvm_region_t region)
{
    return region == HAL_NVM_CONFIG ? CONFIG_SIZE : region == HAL_NVM_QUEUE ? QUEUE_SIZE : 0u;
}

/* Grows a new (or short) file to full size with erased bytes. */
static int fill_erased(uint32_t from, uint32_t to)
{
    uint8_t ff[CHUNK];
    memset(ff, 0xFF, sizeof ff);
    if (sh_seek(s_fd, from) != 0) {
        return -1;
    }
    for (uint32_t at = from; at < to; at += CHUNK) {
        keep_fed();
        if (sh_write(s_fd, ff, CHUNK) != 0) {
            return -1;
        }
    }
    return 0;
}

int hal_nvm_init(void)
{
    if (s_tried) {
        return s_fd >= 0 ? HAL_NVM_OK : HAL_NVM_ERR_ABSENT;
    }
    s_tried = true;
    s_fd = sh_open(NVM_FILE, SH_MODE_RPB);
    if (s_fd < 0) {
        s_fd = sh_open(NVM_FILE, SH_MODE_WPB); /* the first boot in this folder */
    }
    if (s_fd < 0) {
        return HAL_NVM_ERR_ABSENT;
    }
    long len = sh_flen(s_fd);
    if (len < 0 || (len < (long)FILE_SIZE && fill_erased((uint32_t)len & ~(CHUNK - 1u), FILE_SIZE) != 0)) {
        sh_close(s_fd);
        s_fd = -1;
        return HAL_NVM_ERR_ABSENT;
    }
    return HAL_NVM_OK;
}

const char *hal_nvm_kind(void)
{
    return s_fd >= 0 ? "file" : "none";
}

hal_nvm_info_t hal_nvm_info(hal_nvm_region_t region)
{
    if (s_fd < 0) {
        return (hal_nvm_info_t){0, 0};
    }
    return (hal_nvm_info_t){region_size(region), UNIT};
}

static int check(hal_nvm_region_t region, uint32_t offset, size_t len)
{
    if (s_fd < 0) {
        return HAL_NVM_ERR_ABSENT;
    }
    uint32_t size = region_size(region);
    if (offset > size || len > size - offset) {
        return HAL_NVM_ERR_RANGE;
    }
    return HAL_NVM_OK;
}

int hal_nvm_read(hal_nvm_region_t region, uint32_t offset, void *buf, size_t len)
{
    int rc = check(region, offset, len);
    if (rc != HAL_NVM_OK) {
        return rc;
    }
    if (len == 0) {
        return HAL_NVM_OK;
    }
    if (sh_seek(s_fd, region_base(region) + offset) != 0 || sh_read(s_fd, buf, len) != 0) {
        return HAL_NVM_ERR_IO;
    }
    return HAL_NVM_OK;
}

int hal_nvm_program(hal_nvm_region_t region, uint32_t offset, const void *data, size_t len)
{
    int rc = check(region, offset, len);
    if (rc != HAL_NVM_OK) {
        return rc;
    }
    const uint8_t *d = data;
    uint8_t cur[CHUNK];
    for (size_t done = 0; done < len;) {
        size_t n = len - done;
        if (n > CHUNK) {
            n = CHUNK;
        }
        uint32_t at = region_base(region) + offset + (uint32_t)done;
        keep_fed();
        if (sh_seek(s_fd, at) != 0 || sh_read(s_fd, cur, n) != 0) {
            return HAL_NVM_ERR_IO;
        }
        for (size_t i = 0; i < n; i++) {
            cur[i] &= d[done + i]; /* NOR: programming only clears bits */
        }
        if (sh_seek(s_fd, at) != 0 || sh_write(s_fd, cur, n) != 0) {
            return HAL_NVM_ERR_IO;
        }
        done += n;
    }
    return HAL_NVM_OK;
}

int hal_nvm_erase(hal_nvm_region_t region, uint32_t offset)
{
    int rc = check(region, offset, UNIT);
    if (rc != HAL_NVM_OK) {
        return rc;
    }
    if (offset % UNIT != 0) {
        return HAL_NVM_ERR_RANGE;
    }
    uint32_t at = region_base(region) + offset;
    return fill_erased(at, at + UNIT) == 0 ? HAL_NVM_OK : HAL_NVM_ERR_IO;
}
