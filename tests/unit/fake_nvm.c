#include "fake_nvm.h"

#include <stdlib.h>
#include <string.h>

static uint8_t s_config[FAKE_NVM_CONFIG_SIZE];
static uint8_t s_queue[FAKE_NVM_QUEUE_SIZE];
static bool s_absent;
static long s_cut_after = -1;
static long s_fail_after = -1;
static bool s_cut;
static unsigned long s_writes;
static uint32_t s_seed;
static uint32_t s_config_size = FAKE_NVM_CONFIG_SIZE;
static uint32_t s_unit = FAKE_NVM_UNIT;
static uint32_t s_queue_size = FAKE_NVM_QUEUE_SIZE;
#define MIN_UNIT 1024u
static unsigned long s_erases[HAL_NVM_REGIONS][FAKE_NVM_QUEUE_SIZE / MIN_UNIT];
static uint32_t s_queue_unit = FAKE_NVM_UNIT;

void fake_nvm_reset(void)
{
    memset(s_config, 0xFF, sizeof s_config);
    memset(s_queue, 0xFF, sizeof s_queue);
    s_absent = false;
    s_cut_after = -1;
    s_fail_after = -1;
    s_cut = false;
    s_writes = 0;
    s_config_size = FAKE_NVM_CONFIG_SIZE;
    s_unit = FAKE_NVM_UNIT;
    s_queue_size = FAKE_NVM_QUEUE_SIZE;
    s_queue_unit = FAKE_NVM_UNIT;
    memset(s_erases, 0, sizeof s_erases);
}

unsigned long fake_nvm_erases(hal_nvm_region_t region, uint32_t offset)
{
    return s_erases[region][offset / MIN_UNIT];
}

void fake_nvm_set_queue_geometry(uint32_t size, uint32_t unit)
{
    s_queue_size = size;
    s_queue_unit = unit;
}

static uint32_t unit_of(hal_nvm_region_t region)
{
    return region == HAL_NVM_CONFIG ? s_unit : s_queue_unit;
}

void fake_nvm_set_config_geometry(uint32_t size, uint32_t unit)
{
    s_config_size = size;
    s_unit = unit;
}

void fake_nvm_set_absent(bool absent) { s_absent = absent; }

void fake_nvm_cut_after(long n, uint32_t seed)
{
    s_cut_after = n;
    s_seed = seed ? seed : 1;
}

bool fake_nvm_cut_happened(void) { return s_cut; }

void fake_nvm_fail_after(long n, uint32_t seed)
{
    s_fail_after = n;
    s_seed = seed ? seed : 1;
}

void fake_nvm_power_on(void)
{
    s_cut = false;
    s_cut_after = -1;
}

unsigned long fake_nvm_writes(void) { return s_writes; }

uint8_t *fake_nvm_bytes(hal_nvm_region_t region)
{
    return region == HAL_NVM_CONFIG ? s_config : s_queue;
}

long fake_nvm_find(hal_nvm_region_t region, long from, const void *bytes, size_t len)
{
    const uint8_t *m = fake_nvm_bytes(region);
    size_t size = region == HAL_NVM_CONFIG ? sizeof s_config : sizeof s_queue;
    const uint8_t *b = bytes;
    for (size_t i = from < 0 ? 0u : (size_t)from; len > 0 && i + len <= size; i++) {
        if (m[i] == b[0] && memcmp(m + i, b, len) == 0) {
            return (long)i;
        }
    }
    return -1;
}

unsigned fake_nvm_count(const void *bytes, size_t len)
{
    unsigned n = 0;
    for (int r = 0; r < HAL_NVM_REGIONS; r++) {
        for (long at = 0; (at = fake_nvm_find((hal_nvm_region_t)r, at, bytes, len)) >= 0; at++) {
            n++;
        }
    }
    return n;
}

static uint32_t rnd(void)
{
    s_seed ^= s_seed << 13;
    s_seed ^= s_seed >> 17;
    s_seed ^= s_seed << 5;
    return s_seed;
}

static uint8_t *mem(hal_nvm_region_t region, uint32_t *size)
{
    *size = region == HAL_NVM_CONFIG ? s_config_size : s_queue_size;
    return fake_nvm_bytes(region);
}

typedef enum { POWER_ON, POWER_CUT_NOW, POWER_DEAD } power_t;

/* Whether this write lands, is the one cut part-way, or finds the power gone. */
static power_t power(void)
{
    if (s_cut) {
        return POWER_DEAD;
    }
    if (s_cut_after == 0) {
        s_cut = true;
        return POWER_CUT_NOW;
    }
    if (s_cut_after > 0) {
        s_cut_after--;
    }
    if (s_fail_after == 0) {
        s_fail_after = -1;
        return POWER_CUT_NOW; /* this one write fails; the power stays */
    }
    if (s_fail_after > 0) {
        s_fail_after--;
    }
    return POWER_ON;
}

/* The length of the programming unit that starts i bytes into a program of
 * len bytes at offset. */
static size_t unit_len(uint32_t offset, size_t i, size_t len)
{
    return ((offset + i) % 4u == 0 && len - i >= 4u) ? 4u : 1u;
}

int hal_nvm_init(void) { return s_absent ? HAL_NVM_ERR_ABSENT : HAL_NVM_OK; }
const char *hal_nvm_kind(void) { return s_absent ? "none" : "fake"; }

hal_nvm_info_t hal_nvm_info(hal_nvm_region_t region)
{
    uint32_t size;
    (void)mem(region, &size);
    return s_absent ? (hal_nvm_info_t){0, 0} : (hal_nvm_info_t){size, unit_of(region)};
}

int hal_nvm_read(hal_nvm_region_t region, uint32_t offset, void *buf, size_t len)
{
    uint32_t size;
    uint8_t *m = mem(region, &size);
    if (s_absent) {
        return HAL_NVM_ERR_ABSENT;
    }
    if (offset > size || len > size - offset) {
        return HAL_NVM_ERR_RANGE;
    }
    memcpy(buf, m + offset, len);
    return HAL_NVM_OK;
}

int hal_nvm_program(hal_nvm_region_t region, uint32_t offset, const void *data, size_t len)
{
    uint32_t size;
    uint8_t *m = mem(region, &size);
    const uint8_t *d = data;
    if (s_absent) {
        return HAL_NVM_ERR_ABSENT;
    }
    if (offset > size || len > size - offset) {
        return HAL_NVM_ERR_RANGE;
    }
    for (size_t i = 0; i < len; i++) {
        if ((uint8_t)(~m[offset + i] & d[i]) != 0) {
            abort(); /* setting a bit without an erase: NOR cannot, the store must not */
        }
    }
    s_writes++;
    power_t p = power();
    if (p == POWER_DEAD) {
        return HAL_NVM_ERR_IO;
    }
    if (p == POWER_CUT_NOW) {
        /* hal_nvm.h's granularity, in the NUCLEO driver's units: aligned
         * words where four bytes remain, single bytes elsewhere.  The units
         * before the cut land, the one being written may be partly there
         * (any of its cleared bits), the rest stay as they were. */
        size_t units = 0;
        for (size_t i = 0; i < len; i += unit_len(offset, i, len)) {
            units++;
        }
        size_t cut = units > 0 ? rnd() % units : 0;
        size_t i = 0;
        for (size_t u = 0; u < cut; u++) {
            size_t n = unit_len(offset, i, len);
            for (size_t j = i; j < i + n; j++) {
                m[offset + j] &= d[j];
            }
            i += n;
        }
        if (i < len) {
            size_t n = unit_len(offset, i, len);
            for (size_t j = i; j < i + n; j++) {
                m[offset + j] &= (uint8_t)(d[j] | (uint8_t)rnd());
            }
        }
        return HAL_NVM_ERR_IO;
    }
    for (size_t i = 0; i < len; i++) {
        m[offset + i] &= d[i];
    }
    return HAL_NVM_OK;
}

int hal_nvm_erase(hal_nvm_region_t region, uint32_t offset)
{
    uint32_t size;
    uint8_t *m = mem(region, &size);
    uint32_t unit = unit_of(region);
    if (s_absent) {
        return HAL_NVM_ERR_ABSENT;
    }
    if (offset % unit != 0 || offset >= size) {
        return HAL_NVM_ERR_RANGE;
    }
    s_writes++;
    power_t p = power();
    if (p == POWER_DEAD) {
        return HAL_NVM_ERR_IO;
    }
    if (p == POWER_CUT_NOW) {
        /* an erase cut short: part of the unit erased, the rest scrambled */
        uint32_t done = rnd() % unit;
        memset(m + offset, 0xFF, done);
        for (uint32_t i = done; i < unit; i++) {
            m[offset + i] |= (uint8_t)rnd();
        }
        return HAL_NVM_ERR_IO;
    }
    memset(m + offset, 0xFF, unit);
    s_erases[region][offset / MIN_UNIT]++;
    return HAL_NVM_OK;
}
