#include "payload.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/md.h"
#include "wallclock.h"

const char *const payload_reserved_names[] = {"port_context", "device", NULL};


void payload_format_run_id(const char *device_id, uint32_t boot, uint32_t seq, char *out, size_t size)
{
    snprintf(out, size, "%s-%lu-%lu", device_id, (unsigned long)boot, (unsigned long)seq);
}

void payload_run_id(const trigger_rec_t *t, char *out, size_t size)
{
    payload_format_run_id(t->device_id, t->boot, t->seq, out, size);
}

/* Appends printf output to out at *n; false when it does not fit. */
static bool add(char *out, size_t size, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool add(char *out, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* out NULL: only count (payload_length) */
    int m = vsnprintf(out != NULL ? out + *n : NULL, out != NULL && size > *n ? size - *n : 0, fmt, ap);
    va_end(ap);
    if (m < 0 || *n + (size_t)m >= size) {
        return false;
    }
    *n += (size_t)m;
    return true;
}

/* Writes (or, with out NULL, only counts) what follows the properties'
 * members: `,"port_context":{...},"device":{...}}`, at *n. */
static bool tail(const trigger_rec_t *t, const char *org, unsigned attempt, bool first, char *out, size_t size,
                 size_t *n)
{
    char iso[WALLCLOCK_ISO_LEN], run_id[PAYLOAD_ID_MAX + 24];
    wallclock_format(t->at_ms, iso);
    payload_run_id(t, run_id, sizeof run_id);
    /* Every string here comes from a validated key (no character that needs
     * escaping), so it is written as it is. */
    bool ok = add(out, size, n, "%s\"port_context\":{\"runId\":\"%s\",\"blueprint\":\"%s\",\"entity\":",
                  first ? "" : ",", run_id, t->blueprint);
    ok = ok && (t->entity[0] == '\0'
                    ? add(out, size, n, "null")
                    : add(out, size, n, "{\"identifier\":\"%s\",\"blueprint\":\"%s\"}", t->entity, t->blueprint));
    ok = ok && add(out, size, n,
                   ",\"action\":\"%s\",\"trigger\":{\"by\":{\"orgId\":\"%s\",\"userId\":\"%s\"},"
                   "\"origin\":\"DEVICE\",\"at\":\"%s\",\"operation\":\"%s\"}}",
                   t->action, org, t->device_id, iso, t->entity[0] == '\0' ? "CREATE" : "DAY-2");
    ok = ok && add(out, size, n,
                   ",\"device\":{\"id\":\"%s\",\"button\":\"%s\",\"press\":\"%s\",\"boot\":%lu,\"seq\":%lu,"
                   "\"attempt\":%u,\"at_estimated\":%s}}",
                   t->device_id, t->button, t->press, (unsigned long)t->boot, (unsigned long)t->seq, attempt,
                   t->at_estimated ? "true" : "false");
    return ok;
}

int payload_build(const trigger_rec_t *t, const char *org, unsigned attempt, char *out, size_t size, size_t *len)
{
    if (!t->at_utc) {
        return PAYLOAD_NO_TIME;
    }
    if (size > PAYLOAD_MAX + 1) {
        size = PAYLOAD_MAX + 1; /* the body's own limit, spec section 4 */
    }
    /* The properties (a minified object) without their closing brace, then
     * the two members the spec adds, written in place. */
    size_t n = strlen(t->props);
    if (n < 2 || t->props[n - 1] != '}' || n > size) {
        return PAYLOAD_TOO_BIG;
    }
    n--;
    memcpy(out, t->props, n);
    if (!tail(t, org, attempt, n == 1, out, size, &n)) {
        return PAYLOAD_TOO_BIG;
    }
    *len = n;
    return PAYLOAD_OK;
}

size_t payload_length(const trigger_rec_t *t, const char *org)
{
    /* Counted, not written; at_ms may still be uptime: its ISO text has the
     * same length.  The largest attempt number makes it an upper bound. */
    size_t n = strlen(t->props) - 1u;
    if (!tail(t, org, 4000000000u, n == 1, NULL, (size_t)-1, &n)) {
        return (size_t)-1;
    }
    return n;
}

int payload_sign(const void *key, size_t key_len, const char *body, size_t len, char hex[41])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[20];
    const mbedtls_md_info_t *sha1 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    if (sha1 == NULL || mbedtls_md_hmac(sha1, key, key_len, (const unsigned char *)body, len, mac) != 0) {
        return -1;
    }
    for (int i = 0; i < 20; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0xF];
    }
    hex[40] = '\0';
    return 0;
}
