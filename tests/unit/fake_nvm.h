/* A NOR-flash fake behind hal_nvm.h: erase sets 0xFF, programming may only
 * clear bits (setting one aborts the test: a store bug), and the power can be
 * cut at any single write, leaving that write partly done with hal_nvm.h's
 * granularity (a programmed prefix, then one word or byte partly there).  It
 * takes no time, so it never feeds the watchdog: hal_nvm.h leaves that to
 * the drivers, and nothing above them feeds on the medium's account. */
#ifndef FAKE_NVM_H
#define FAKE_NVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_nvm.h"

#define FAKE_NVM_CONFIG_SIZE (64u * 1024u)
#define FAKE_NVM_QUEUE_SIZE (256u * 1024u)
#define FAKE_NVM_UNIT (16u * 1024u)

/* A fresh, fully erased medium; present. */
void fake_nvm_reset(void);
/* A smaller configuration region (to reach compaction quickly). */
void fake_nvm_set_config_geometry(uint32_t size, uint32_t unit);
/* A smaller queue region or other erase units (compaction, wear, full). */
void fake_nvm_set_queue_geometry(uint32_t size, uint32_t unit);
/* Absent: init fails with HAL_NVM_ERR_ABSENT (QEMU without semihosting). */
void fake_nvm_set_absent(bool absent);
/* After n more successful program/erase calls, the next one is cut part-way
 * (a seeded random prefix of it lands) and every later one fails, until
 * fake_nvm_power_on().  Negative: never. */
void fake_nvm_cut_after(long n, uint32_t seed);
bool fake_nvm_cut_happened(void);
/* After n more successful program/erase calls, the next one fails part-way
 * (like a cut) but the power stays on: later writes work again. */
void fake_nvm_fail_after(long n, uint32_t seed);
void fake_nvm_power_on(void);
/* Mutating calls since reset, for finding every cut point. */
unsigned long fake_nvm_writes(void);
/* Erases of the unit at offset since reset (wear). */
unsigned long fake_nvm_erases(hal_nvm_region_t region, uint32_t offset);
/* Direct access, to damage bytes on purpose. */
uint8_t *fake_nvm_bytes(hal_nvm_region_t region);
/* Where len bytes occur in the region (every byte of it, live or not), from
 * offset from on; -1 when nowhere. */
long fake_nvm_find(hal_nvm_region_t region, long from, const void *bytes, size_t len);
/* How many times they occur on the whole medium, both regions. */
unsigned fake_nvm_count(const void *bytes, size_t len);

#endif
