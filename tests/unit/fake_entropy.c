#include "fake_entropy.h"

#include <stdint.h>

#define SEED 0x2545F491u

static uint32_t s_state = SEED;
static bool s_absent;
static bool s_failing;
static bool s_inited; /* init called since reset */
static bool s_ready;  /* ... and returned HAL_ENTROPY_OK */
static size_t s_bytes;

void fake_entropy_reset(void)
{
    s_state = SEED;
    s_absent = false;
    s_failing = false;
    s_inited = false;
    s_ready = false;
    s_bytes = 0;
}

void fake_entropy_set_absent(bool absent) { s_absent = absent; }

void fake_entropy_set_failing(bool failing) { s_failing = failing; }

size_t fake_entropy_bytes_read(void) { return s_bytes; }

static uint32_t next(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 17;
    s_state ^= s_state << 5;
    return s_state;
}

static int status(void)
{
    return s_absent ? HAL_ENTROPY_ERR_ABSENT : s_failing ? HAL_ENTROPY_ERR_FAILED : HAL_ENTROPY_OK;
}

int hal_entropy_init(void)
{
    int rc = status();
    s_inited = true;
    s_ready = rc == HAL_ENTROPY_OK;
    return rc;
}

int hal_entropy_read(void *buf, size_t len)
{
    int rc = status();
    if (rc == HAL_ENTROPY_OK && !s_ready) {
        rc = HAL_ENTROPY_ERR_ABSENT; /* not initialised, as on the boards */
    }
    if (rc != HAL_ENTROPY_OK) {
        return rc;
    }
    uint8_t *out = buf;
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(next() >> 24);
    }
    s_bytes += len;
    return HAL_ENTROPY_OK;
}

