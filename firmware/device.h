#ifndef DEVICE_H
#define DEVICE_H

#include "hal_reset.h"

/* The spec's name for a reset cause: por, sw, wdt, fault, pin, other. */
const char *device_reset_name(hal_reset_cause_t cause);

#include <stdint.h>

/* Decimal text of v (newlib-nano's printf has no %llu); buf holds 21 bytes. */
const char *device_u64(uint64_t v, char buf[21]);

/* "pb-" and the station address in hex: device_id's default (spec 3). */
const char *device_default_id(void);

/* Counts this boot durably (the store must be open); returns the count. */
uint32_t device_count_boot(void);
/* This boot's number (1 for the first boot of a device). */
uint32_t device_boot(void);

#endif
