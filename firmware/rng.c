/* The device's random generator; see rng.h. */
#include "rng.h"

#include "hal_entropy.h"
#include "hal_time.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "psa/crypto.h"

static mbedtls_entropy_context s_entropy;
static mbedtls_ctr_drbg_context s_drbg;
static bool s_ready;
static uint32_t s_weak; /* the fallback's state, only while !s_ready */

static int entropy_source(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
    (void)ctx;
    if (hal_entropy_read(out, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

bool rng_init(void)
{
    static const char personal[] = "pipebutton";
    if (s_ready) {
        mbedtls_ctr_drbg_free(&s_drbg);
        mbedtls_entropy_free(&s_entropy);
    }
    s_ready = false;
    mbedtls_entropy_init(&s_entropy);
    mbedtls_ctr_drbg_init(&s_drbg);
    if (hal_entropy_init() != 0 ||
        mbedtls_entropy_add_source(&s_entropy, entropy_source, NULL, 32, MBEDTLS_ENTROPY_SOURCE_STRONG) != 0 ||
        mbedtls_ctr_drbg_seed(&s_drbg, mbedtls_entropy_func, &s_entropy, (const unsigned char *)personal,
                              sizeof personal - 1) != 0) {
        return false;
    }
    s_ready = true;
    return true;
}

bool rng_ready(void)
{
    return s_ready;
}

int rng_fill(void *buf, size_t len)
{
    if (!s_ready || mbedtls_ctr_drbg_random(&s_drbg, buf, len) != 0) {
        return -1;
    }
    return 0;
}

uint32_t rng_u32(void)
{
    uint32_t v;
    if (rng_fill(&v, sizeof v) == 0) {
        return v;
    }
    /* xorshift32 stirred with the tick: no entropy source exists, so no
     * key depends on this (see rng.h). */
    uint32_t x = s_weak ^ hal_millis();
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s_weak = x != 0 ? x : 0x9E3779B9u;
    return s_weak;
}

int rng_mbedtls(void *p_rng, unsigned char *out, size_t len)
{
    (void)p_rng;
    return rng_fill(out, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: PSA draws from the same DRBG. */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context, uint8_t *output,
                                             size_t output_size, size_t *output_length)
{
    (void)context;
    if (rng_fill(output, output_size) != 0) {
        *output_length = 0;
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}
