#ifndef DEVICE_H
#define DEVICE_H

#include "hal_reset.h"

/* The spec's name for a reset cause: por, sw, wdt, fault, pin, other. */
const char *device_reset_name(hal_reset_cause_t cause);

#include <stdint.h>

/* Decimal text of v (newlib-nano's printf has no %llu); buf holds 21 bytes. */
const char *device_u64(uint64_t v, char buf[21]);

#endif
