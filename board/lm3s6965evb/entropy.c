/*
 * Entropy under QEMU: the LM3S6965 has no random number generator, so the
 * bytes come from the host's /dev/urandom through semihosting (spec section
 * 6).  The file is opened once and the handle kept.  Without semihosting the
 * open fails (the fault handler turns the BKPT into a failed call) and the
 * source is absent: the firmware then refuses TLS.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hal_entropy.h"
#include "semihost.h"

#define ENTROPY_FILE "/dev/urandom"
/* Linux returns reads of up to 256 bytes from /dev/urandom whole, never cut
 * short by a signal; sh_read cannot report a short read, so stay within it. */
#define CHUNK 256u
#define PROBE 16u

static int s_fd = -1;
static bool s_tried;
static int s_status = HAL_ENTROPY_ERR_ABSENT;

/* The start-up self-test: two reads succeed and differ (a host that answers
 * with a constant, or with nothing, is no source). */
static bool probe(void)
{
    uint8_t a[PROBE];
    uint8_t b[PROBE];
    return sh_read(s_fd, a, sizeof a) == 0 && sh_read(s_fd, b, sizeof b) == 0 && memcmp(a, b, sizeof a) != 0;
}

int hal_entropy_init(void)
{
    if (s_tried) {
        return s_status;
    }
    s_tried = true;
    s_fd = sh_open(ENTROPY_FILE, SH_MODE_RB);
    if (s_fd < 0) {
        s_status = HAL_ENTROPY_ERR_ABSENT;
    } else if (!probe()) {
        s_status = HAL_ENTROPY_ERR_FAILED;
    } else {
        s_status = HAL_ENTROPY_OK;
    }
    return s_status;
}

int hal_entropy_read(void *buf, size_t len)
{
    if (s_status != HAL_ENTROPY_OK) {
        return s_status;
    }
    uint8_t *out = buf;
    for (size_t done = 0; done < len;) {
        size_t n = len - done > CHUNK ? CHUNK : len - done;
        if (sh_read(s_fd, out + done, n) != 0) {
            return HAL_ENTROPY_ERR_FAILED;
        }
        done += n;
    }
    return HAL_ENTROPY_OK;
}

