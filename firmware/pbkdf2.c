/* Sliced PBKDF2-HMAC-SHA256; see pbkdf2.h. */
#include "pbkdf2.h"

#include <string.h>

#include "mbedtls/platform_util.h"

static int crypto_error(int ret)
{
    return ret == MBEDTLS_ERR_MD_ALLOC_FAILED ? PBKDF2_E_NO_MEMORY : PBKDF2_E_CRYPTO;
}

void pbkdf2_abort(pbkdf2_t *p)
{
    if (p->running) {
        mbedtls_md_free(&p->md); /* zeroizes the pads and the hash state */
    }
    mbedtls_platform_zeroize(p, sizeof *p);
}

int pbkdf2_start(pbkdf2_t *p, const void *pass, size_t pass_len, const void *salt, size_t salt_len,
                 uint32_t iterations, void *out, size_t out_len)
{
    memset(p, 0, sizeof *p);
    if (iterations == 0 || out_len == 0) {
        return PBKDF2_E_BAD_INPUT;
    }
    mbedtls_md_init(&p->md);
    int ret = mbedtls_md_setup(&p->md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
    if (ret == 0) {
        p->running = true;
        ret = mbedtls_md_hmac_starts(&p->md, pass, pass_len);
    } else {
        mbedtls_md_free(&p->md); /* whatever half of it was allocated */
    }
    if (ret != 0) {
        pbkdf2_abort(p);
        return crypto_error(ret);
    }
    p->salt = salt;
    p->salt_len = salt_len;
    p->iterations = iterations;
    p->out = out;
    p->out_len = out_len;
    return 0;
}

/* U1 = PRF(P, S || INT(i)) of the current block: the block's first
 * iteration. */
static int first_iteration(pbkdf2_t *p)
{
    const uint8_t index[4] = {(uint8_t)(p->block >> 24), (uint8_t)(p->block >> 16), (uint8_t)(p->block >> 8),
                              (uint8_t)p->block};
    int ret = mbedtls_md_hmac_reset(&p->md);
    if (ret == 0) {
        ret = mbedtls_md_hmac_update(&p->md, p->salt, p->salt_len);
    }
    if (ret == 0) {
        ret = mbedtls_md_hmac_update(&p->md, index, sizeof index);
    }
    if (ret == 0) {
        ret = mbedtls_md_hmac_finish(&p->md, p->u);
    }
    memcpy(p->t, p->u, sizeof p->t);
    return ret;
}

/* U_j = PRF(P, U_{j-1}); T ^= U_j. */
static int next_iteration(pbkdf2_t *p)
{
    int ret = mbedtls_md_hmac_reset(&p->md);
    if (ret == 0) {
        ret = mbedtls_md_hmac_update(&p->md, p->u, sizeof p->u);
    }
    if (ret == 0) {
        ret = mbedtls_md_hmac_finish(&p->md, p->u);
    }
    for (size_t i = 0; i < sizeof p->t; i++) {
        p->t[i] ^= p->u[i];
    }
    return ret;
}

int pbkdf2_step(pbkdf2_t *p, uint32_t max_iterations)
{
    if (!p->running) {
        return PBKDF2_E_BAD_INPUT;
    }
    for (uint32_t n = 0; n == 0 || n < max_iterations; n++) {
        int ret;
        if (p->done == 0) {
            p->block++;
            ret = first_iteration(p);
        } else {
            ret = next_iteration(p);
        }
        if (ret != 0) {
            pbkdf2_abort(p);
            return crypto_error(ret);
        }
        if (++p->done < p->iterations) {
            continue;
        }
        /* T_i complete: the next part of the key */
        size_t take = p->out_len - p->out_done < sizeof p->t ? p->out_len - p->out_done : sizeof p->t;
        memcpy(p->out + p->out_done, p->t, take);
        p->out_done += take;
        p->done = 0;
        if (p->out_done == p->out_len) {
            pbkdf2_abort(p);
            return 1;
        }
    }
    return 0;
}
