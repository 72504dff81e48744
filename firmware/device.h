#ifndef DEVICE_H
#define DEVICE_H

#include "hal_reset.h"

/* The spec's name for a reset cause: por, sw, wdt, fault, pin, other. */
const char *device_reset_name(hal_reset_cause_t cause);

#endif
