/* What tlsport.c asks of the board, for fuzz targets that link it: no heap
 * figures, a clock that stands still, and no randomness (PSA is only asked
 * to verify here). */
#include <stddef.h>
#include <stdint.h>

#include "hal_board.h"
#include "hal_time.h"
#include "psa/crypto.h"

size_t hal_heap_peak(void)
{
    return 0;
}

size_t hal_heap_size(void)
{
    return 0;
}

uint64_t hal_uptime_ms(void)
{
    return 0;
}

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context, uint8_t *output,
                                             size_t output_size, size_t *output_length)
{
    (void)context;
    (void)output;
    (void)output_size;
    *output_length = 0;
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
}
