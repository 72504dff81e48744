/* A deterministic entropy source behind hal_entropy.h for the host unit tests:
 * xorshift32 bytes from a fixed seed, so a test sees the same bytes on every
 * run; it can be made absent (QEMU without semihosting) or failing.  Like the
 * boards, it must be initialised before reads succeed; unlike them, each
 * hal_entropy_init() looks at the settings afresh. */
#ifndef FAKE_ENTROPY_H
#define FAKE_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>

#include "hal_entropy.h"

/* Present, working, not initialised, the byte stream back at its start. */
void fake_entropy_reset(void);
/* Absent: init and reads return HAL_ENTROPY_ERR_ABSENT, kind is "none"
 * (otherwise "fake" once init was called). */
void fake_entropy_set_absent(bool absent);
/* Failing: init and reads return HAL_ENTROPY_ERR_FAILED (a source that fails
 * its self-test, or starts failing after a good init). */
void fake_entropy_set_failing(bool failing);
/* Bytes handed out by successful reads since reset. */
size_t fake_entropy_bytes_read(void);

#endif
