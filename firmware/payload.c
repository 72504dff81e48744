#include "payload.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "mbedtls/md.h"
#include "wallclock.h"

#define MEMBER_MAX 720u

void payload_run_id(const trigger_rec_t *t, char *out, size_t size)
{
    snprintf(out, size, "%s-%lu-%lu", t->device_id, (unsigned long)t->boot, (unsigned long)t->seq);
}

/* Appends printf output to out at *n; false when it does not fit. */
static bool add(char *out, size_t size, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool add(char *out, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(out + *n, size > *n ? size - *n : 0, fmt, ap);
    va_end(ap);
    if (m < 0 || *n + (size_t)m >= size) {
        return false;
    }
    *n += (size_t)m;
    return true;
}

/* The two members after the properties: port_context into pc, device into
 * dev (each 720 bytes); false when one does not fit. */
static bool members(const trigger_rec_t *t, const char *org, unsigned attempt, char *pc, size_t *pc_len, char *dev,
                    size_t *dev_len)
{
    char iso[WALLCLOCK_ISO_LEN], run_id[PAYLOAD_ID_MAX + 24];
    char *member = pc;
    wallclock_format(t->at_ms, iso);
    payload_run_id(t, run_id, sizeof run_id);
    /* Every string here comes from a validated key (no character that needs
     * escaping), so it is written as it is. */
    size_t m = 0;
    bool ok = add(member, MEMBER_MAX, &m, "\"port_context\":{\"runId\":\"%s\",\"blueprint\":\"%s\",\"entity\":", run_id,
                  t->blueprint);
    ok = ok && (t->entity[0] == '\0' ? add(member, MEMBER_MAX, &m, "null")
                                     : add(member, MEMBER_MAX, &m, "{\"identifier\":\"%s\",\"blueprint\":\"%s\"}",
                                           t->entity, t->blueprint));
    ok = ok && add(member, MEMBER_MAX, &m,
                   ",\"action\":\"%s\",\"trigger\":{\"by\":{\"orgId\":\"%s\",\"userId\":\"%s\"},"
                   "\"origin\":\"DEVICE\",\"at\":\"%s\",\"operation\":\"%s\"}}",
                   t->action, org, t->device_id, iso, t->entity[0] == '\0' ? "CREATE" : "DAY-2");
    *pc_len = m;
    member = dev;
    m = 0;
    ok = ok && add(member, MEMBER_MAX, &m,
             "\"device\":{\"id\":\"%s\",\"button\":\"%s\",\"press\":\"%s\",\"boot\":%lu,\"seq\":%lu,"
             "\"attempt\":%u,\"at_estimated\":%s}",
             t->device_id, t->button, t->press, (unsigned long)t->boot, (unsigned long)t->seq, attempt,
             t->at_estimated ? "true" : "false");
    *dev_len = m;
    return ok;
}

int payload_build(const trigger_rec_t *t, const char *org, unsigned attempt, char *out, size_t size, size_t *len)
{
    char pc[MEMBER_MAX], dev[MEMBER_MAX];
    size_t pc_len, dev_len;
    if (!t->at_utc) {
        return PAYLOAD_NO_TIME;
    }
    if (size > PAYLOAD_MAX + 1) {
        size = PAYLOAD_MAX + 1; /* the body's own limit, spec section 4 */
    }
    size_t n = strlen(t->props);
    if (n + 1 > size || !members(t, org, attempt, pc, &pc_len, dev, &dev_len) ||
        json_object_append(out = memcpy(out, t->props, n + 1), size, &n, pc, pc_len) != JSON_OK ||
        json_object_append(out, size, &n, dev, dev_len) != JSON_OK) {
        return PAYLOAD_TOO_BIG;
    }
    *len = n;
    return PAYLOAD_OK;
}

size_t payload_length(const trigger_rec_t *t, const char *org)
{
    char pc[MEMBER_MAX], dev[MEMBER_MAX];
    size_t pc_len, dev_len;
    /* at_ms may still be uptime: its ISO text has the same length */
    if (!members(t, org, 4000000000u, pc, &pc_len, dev, &dev_len)) {
        return (size_t)-1;
    }
    /* two commas, unless the properties are {} (then one) */
    return strlen(t->props) + pc_len + dev_len + (strcmp(t->props, "{}") == 0 ? 1u : 2u);
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
