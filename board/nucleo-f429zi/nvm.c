/*
 * Non-volatile memory (hal_nvm.h) in bank 2 of the internal flash.  The
 * regions are named in linker/stm32f429zi.ld; this file checks once that the
 * chip and its option bytes give bank 2 the sectors assumed there (RM0090
 * table 6), then erases sectors and programs bytes and words through the
 * flash interface (RM0090 "Erase and program operations").
 *
 * The code runs from bank 1 while bank 2 is busy (read-while-write), so
 * nothing runs from RAM and interrupts stay enabled throughout; only a read of
 * bank 2 itself would stall, and nothing reads it during an operation.
 * ES0206 "Data cache might be corrupted during Flash memory read-while-write
 * operation": the data cache is off during each operation and reset before it
 * is turned back on, which also drops any line still holding bank 2's old
 * contents.  The instruction cache only ever holds bank 1.
 *
 * Bits: the hardware ANDs what is programmed into what is there (RM0090
 * "Programming": successive writes may clear more bits, only an erase sets
 * them), which is the hal's NOR rule as it stands; nothing here refuses a
 * program over programmed bytes.  The F4 has no ECC on its main flash, so
 * reprogramming does not break anything either.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cortexm.h"
#include "hal_nvm.h"
#include "hal_wdt.h"
#include "stm32f429.h"

/* From linker/stm32f429zi.ld: only their addresses mean anything. */
extern const uint8_t _nvm_config_start[], _nvm_config_size[];
extern const uint8_t _nvm_queue_start[], _nvm_queue_size[];

#define KB(n) ((uint32_t)(n) * 1024u)

/*
 * The watchdog (hal_nvm.h: the driver feeds it once per HAL_NVM_FEED_MS of
 * work, counted across calls).  Its shortest bite is 3.4 s on a fast LSI
 * (board.c), below a sector erase's longest wait (4 s) and near the 3.3 s of
 * programming a whole 128 KB sector word by word, which a queue compaction
 * does in 128-byte calls.  An erase is waited for in steps of
 * HAL_NVM_FEED_MS with a feed before each; programming feeds after every
 * PROGRAM_UNITS_PER_FEED units, which take at most HAL_NVM_FEED_MS even if
 * each one ran to its time-out.  The waits stay bounded, so a hung flash
 * interface ends in HAL_NVM_ERR_IO, not in a reset loop.
 */
#define ERASE_STEP_MS HAL_NVM_FEED_MS
#define PROGRAM_TIMEOUT_US (2u * BOARD_NVM_PROGRAM_MAX_US)
#define PROGRAM_UNITS_PER_FEED (HAL_NVM_FEED_MS * 1000u / PROGRAM_TIMEOUT_US)
_Static_assert(PROGRAM_UNITS_PER_FEED >= 1u, "a program unit outlasts the feeding interval");

typedef struct {
    unsigned number; /* RM0090's sector number, 12..23 */
    uint32_t start;
    uint32_t size;
} sector_t;

typedef struct {
    uint32_t start;
    uint32_t size;
    uint32_t unit; /* the size of each of its sectors */
} region_t;

typedef enum { NVM_UNCHECKED = 0, NVM_READY, NVM_ABSENT } nvm_state_t;

static nvm_state_t s_state;
static region_t s_regions[HAL_NVM_REGIONS];
static bool s_dcache_restore; /* the data cache was on before the operation */
static uint32_t s_units_since_feed; /* program units since this driver last fed the watchdog */

/* ---------------------------------------------------------------- geometry */

/* Bank 2 of a 2 MB part: sectors 12-15 of 16 KB, 16 of 64 KB, 17-23 of
 * 128 KB.  False outside bank 2. */
static bool sector_at(uint32_t addr, sector_t *sector)
{
    if (addr < FLASH_BANK2_BASE || addr - FLASH_BANK2_BASE >= FLASH_BANK_SIZE) {
        return false;
    }
    uint32_t off = addr - FLASH_BANK2_BASE;
    if (off < KB(64)) {
        sector->number = 12u + off / KB(16);
        sector->start = (sector->number - 12u) * KB(16);
        sector->size = KB(16);
    } else if (off < KB(128)) {
        sector->number = 16u;
        sector->start = KB(64);
        sector->size = KB(64);
    } else {
        sector->number = 17u + (off - KB(128)) / KB(128);
        sector->start = KB(128) + (sector->number - 17u) * KB(128);
        sector->size = KB(128);
    }
    sector->start += FLASH_BANK2_BASE;
    return true;
}

/* FLASH_CR.SNB: sectors 12..23 are coded 16..27. */
static uint32_t sector_code(unsigned number)
{
    return number >= 12u ? number + 4u : number;
}

/* nWRP clear means write-protected; with SPRMOD set the same bit set means
 * PCROP, which forbids reading as data as well as erasing (RM0090
 * "Proprietary code readout protection"). */
static bool sector_writable(unsigned number, uint32_t optcr, uint32_t optcr1)
{
    bool bit = (optcr1 & FLASH_OPTCR1_nWRP(number)) != 0;
    return (optcr & FLASH_OPTCR_SPRMOD) ? !bit : bit;
}

/* Whole sectors of bank 2, all of one size, an even number of them (the store
 * erases half a region sector by sector), none of them protected. */
static bool region_setup(region_t *region, uint32_t start, uint32_t size, uint32_t optcr,
                         uint32_t optcr1)
{
    sector_t first;
    if (!sector_at(start, &first) || first.start != start || size == 0 || size > FLASH_BANK_SIZE ||
        size % first.size != 0 || (size / first.size) % 2u != 0) {
        return false;
    }
    for (uint32_t off = 0; off < size; off += first.size) {
        sector_t s;
        if (!sector_at(start + off, &s) || s.size != first.size ||
            !sector_writable(s.number, optcr, optcr1)) {
            return false;
        }
    }
    region->start = start;
    region->size = size;
    region->unit = first.size;
    return true;
}

/* ---------------------------------------------------------------- checks */

/*
 * The option bytes come first: where the flash interface reads as zeros (an
 * emulator without one), every sector looks write-protected and the memory is
 * absent before anything else, such as F_SIZE in system memory, is touched.
 * DB1M is not consulted: it only changes the layout of 1 MB parts (RM0090
 * "Embedded Flash memory in STM32F42xxx and STM32F43xxx"), and anything but a
 * 2 MB part is refused by F_SIZE.  BFB2 would let the boot loader start
 * whatever bank 2 holds, and our data there could pass for a vector table.
 */
static nvm_state_t check_medium(void)
{
    uint32_t optcr = FLASH_OPTCR;
    uint32_t optcr1 = FLASH_OPTCR1;
    if (!region_setup(&s_regions[HAL_NVM_CONFIG], (uint32_t)(uintptr_t)_nvm_config_start,
                      (uint32_t)(uintptr_t)_nvm_config_size, optcr, optcr1) ||
        !region_setup(&s_regions[HAL_NVM_QUEUE], (uint32_t)(uintptr_t)_nvm_queue_start,
                      (uint32_t)(uintptr_t)_nvm_queue_size, optcr, optcr1)) {
        return NVM_ABSENT;
    }
    if ((optcr & FLASH_OPTCR_BFB2) || F_SIZE != BOARD_FLASH_KB) {
        return NVM_ABSENT;
    }
    return NVM_READY;
}

static int ready(void)
{
    if (s_state == NVM_UNCHECKED) {
        s_state = check_medium();
        if (s_state == NVM_ABSENT) {
            memset(s_regions, 0, sizeof s_regions);
        }
    }
    return s_state == NVM_READY ? HAL_NVM_OK : HAL_NVM_ERR_ABSENT;
}

/* The region, when the range [offset, offset + len) lies inside it. */
static const region_t *region_range(hal_nvm_region_t region, uint32_t offset, size_t len)
{
    if ((unsigned)region >= HAL_NVM_REGIONS) {
        return NULL;
    }
    const region_t *r = &s_regions[region];
    if (offset > r->size || len > r->size - offset) {
        return NULL;
    }
    return r;
}

/* ---------------------------------------------------------------- flash interface */

static bool idle(void)
{
    return (FLASH_SR & FLASH_SR_BSY) == 0;
}

/* Takes the error flags, clearing them. */
static uint32_t errors_take(void)
{
    uint32_t errors = FLASH_SR & FLASH_SR_ERRORS;
    FLASH_SR = errors;
    return errors;
}

/* Unlocks FLASH_CR with the data cache off.  Keys are written only while
 * locked: a second sequence is a bus fault and locks FLASH_CR until reset. */
static bool op_begin(void)
{
    if (!board_wait(&FLASH_SR, FLASH_SR_BSY, 0, PROGRAM_TIMEOUT_US)) {
        return false; /* FLASH_CR cannot even be written while busy */
    }
    if (FLASH_ACR & FLASH_ACR_DCEN) {
        FLASH_ACR &= ~FLASH_ACR_DCEN;
        s_dcache_restore = true;
    }
    FLASH_SR = FLASH_SR_ERRORS | FLASH_SR_EOP; /* stale flags, e.g. from a debugger */
    if (FLASH_CR & FLASH_CR_LOCK) {
        FLASH_KEYR = FLASH_KEYR_KEY1;
        FLASH_KEYR = FLASH_KEYR_KEY2;
    }
    return (FLASH_CR & FLASH_CR_LOCK) == 0;
}

/* Locks FLASH_CR and brings the data cache back, emptied.  Still busy (a
 * timed-out operation): a write to FLASH_CR would stall the bus until the
 * operation ends, so both wait for the next operation's op_end. */
static bool op_end(void)
{
    if (!idle()) {
        return false;
    }
    FLASH_CR = 0;
    FLASH_CR = FLASH_CR_LOCK;
    if (s_dcache_restore) {
        FLASH_ACR |= FLASH_ACR_DCRST;
        FLASH_ACR &= ~FLASH_ACR_DCRST;
        FLASH_ACR |= FLASH_ACR_DCEN;
        s_dcache_restore = false;
    }
    return true;
}

static void feed(void)
{
    hal_wdt_feed();
    s_units_since_feed = 0;
}

/* One byte (x8) or one aligned word (x32); FLASH_CR is unlocked and idle. */
static bool program_unit(uint32_t addr, uint32_t value, bool word)
{
    FLASH_CR = FLASH_CR_PG | (word ? FLASH_CR_PSIZE_X32 : FLASH_CR_PSIZE_X8);
    cm_dsb(); /* PG before the write to the flash itself */
    if (word) {
        *(volatile uint32_t *)(uintptr_t)addr = value;
    } else {
        *(volatile uint8_t *)(uintptr_t)addr = (uint8_t)value;
    }
    cm_dsb();
    bool done = board_wait(&FLASH_SR, FLASH_SR_BSY, 0, PROGRAM_TIMEOUT_US);
    if (++s_units_since_feed >= PROGRAM_UNITS_PER_FEED) {
        feed();
    }
    return done && errors_take() == 0;
}

static uint32_t erase_timeout_ms(uint32_t sector_size)
{
    uint32_t max = sector_size == KB(16)   ? BOARD_NVM_ERASE_16K_MAX_MS
                   : sector_size == KB(64) ? BOARD_NVM_ERASE_64K_MAX_MS
                                           : BOARD_NVM_ERASE_128K_MAX_MS;
    return 2u * max;
}

static bool erase_wait(uint32_t timeout_ms)
{
    for (uint32_t waited = 0; waited < timeout_ms; waited += ERASE_STEP_MS) {
        feed();
        if (board_wait(&FLASH_SR, FLASH_SR_BSY, 0, ERASE_STEP_MS * 1000u)) {
            return true;
        }
    }
    return idle();
}

/* ---------------------------------------------------------------- hal */

int hal_nvm_init(void)
{
    int status = ready();
    if (status == HAL_NVM_OK && idle() && (FLASH_CR & FLASH_CR_LOCK) == 0) {
        FLASH_CR = FLASH_CR_LOCK; /* a debugger may have left it open */
    }
    return status;
}

const char *hal_nvm_kind(void)
{
    return ready() == HAL_NVM_OK ? "flash" : "none";
}

hal_nvm_info_t hal_nvm_info(hal_nvm_region_t region)
{
    hal_nvm_info_t info = {0, 0};
    if (ready() == HAL_NVM_OK && (unsigned)region < HAL_NVM_REGIONS) {
        info.size = s_regions[region].size;
        info.erase_size = s_regions[region].unit;
    }
    return info;
}

int hal_nvm_read(hal_nvm_region_t region, uint32_t offset, void *buf, size_t len)
{
    if (ready() != HAL_NVM_OK) {
        return HAL_NVM_ERR_ABSENT;
    }
    const region_t *r = region_range(region, offset, len);
    if (r == NULL) {
        return HAL_NVM_ERR_RANGE;
    }
    if (len > 0) {
        memcpy(buf, (const void *)(uintptr_t)(r->start + offset), len);
    }
    return HAL_NVM_OK;
}

/* Aligned words at x32 where four bytes remain, bytes at x8 elsewhere;
 * all-ones units are skipped since programming them changes nothing.
 * Afterwards every bit the caller cleared must read back clear. */
int hal_nvm_program(hal_nvm_region_t region, uint32_t offset, const void *data, size_t len)
{
    if (ready() != HAL_NVM_OK) {
        return HAL_NVM_ERR_ABSENT;
    }
    const region_t *r = region_range(region, offset, len);
    if (r == NULL) {
        return HAL_NVM_ERR_RANGE;
    }
    if (len == 0) {
        return HAL_NVM_OK;
    }
    const uint8_t *src = data;
    uint32_t addr = r->start + offset;
    bool ok = op_begin();
    for (size_t i = 0; ok && i < len;) {
        if (((addr + i) & 3u) == 0 && len - i >= 4u) {
            uint32_t word;
            memcpy(&word, src + i, sizeof word);
            if (word != 0xFFFFFFFFu) {
                ok = program_unit(addr + (uint32_t)i, word, true);
            }
            i += 4u;
        } else {
            if (src[i] != 0xFFu) {
                ok = program_unit(addr + (uint32_t)i, src[i], false);
            }
            i++;
        }
    }
    ok = op_end() && ok;
    const volatile uint8_t *flash = (const volatile uint8_t *)(uintptr_t)addr;
    for (size_t i = 0; ok && i < len; i++) {
        ok = (flash[i] & (uint8_t)~src[i]) == 0;
    }
    return ok ? HAL_NVM_OK : HAL_NVM_ERR_IO;
}

/* Sector erase at x32, then a blank check of the whole sector. */
int hal_nvm_erase(hal_nvm_region_t region, uint32_t offset)
{
    if (ready() != HAL_NVM_OK) {
        return HAL_NVM_ERR_ABSENT;
    }
    const region_t *r = region_range(region, offset, 0);
    sector_t sector;
    if (r == NULL || offset >= r->size || offset % r->unit != 0 ||
        !sector_at(r->start + offset, &sector)) {
        return HAL_NVM_ERR_RANGE;
    }
    bool ok = op_begin();
    if (ok) {
        FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | FLASH_CR_SNB(sector_code(sector.number));
        FLASH_CR |= FLASH_CR_STRT;
        cm_dsb();
        ok = erase_wait(erase_timeout_ms(sector.size)) && errors_take() == 0;
    }
    ok = op_end() && ok;
    const volatile uint32_t *flash = (const volatile uint32_t *)(uintptr_t)sector.start;
    for (uint32_t i = 0; ok && i < sector.size / 4u; i++) {
        ok = flash[i] == 0xFFFFFFFFu;
    }
    return ok ? HAL_NVM_OK : HAL_NVM_ERR_IO;
}
