/* The console lock; see lock.h. */
#include "lock.h"

#include <string.h>

#include "cfg.h"
#include "hal_time.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/platform_util.h"
#include "pbkdf2.h"
#include "rng.h"
#include "store.h"

/* The stored hash: format, iterations (little-endian), salt, hash. */
#define REC_FORMAT 1u
#define REC_LEN (1u + 4u + LOCK_SALT_LEN + PBKDF2_HASH_LEN)
/* A count beyond this is not one this firmware wrote: the record is
 * refused rather than a check made to take hours. */
#define ITERATIONS_MAX 1000000u

typedef enum { OP_NONE, OP_SET, OP_UNLOCK } op_t;

static struct {
    bool has_hash;
    bool open;
    uint32_t failures;
    uint32_t wait_from;       /* the last failure's answer, or start-up */
    op_t op;
    bool hashing;
    lock_done_fn done;
    lock_result_t result;     /* of the finished hash, until answer_at */
    uint32_t answer_at;
    uint32_t started_at;
    uint32_t iterations;
    uint8_t salt[LOCK_SALT_LEN];
    uint8_t hash[PBKDF2_HASH_LEN];
    uint32_t last_ms;
    uint32_t last_iterations;
    pbkdf2_t kdf;
} s;

static void put_u32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t lock_delay_ms(uint32_t failures)
{
    if (failures == 0) {
        return 0;
    }
    uint32_t ms = LOCK_WAIT_FIRST_MS;
    for (uint32_t i = 1; i < failures && ms < LOCK_WAIT_MAX_MS; i++) {
        ms *= 2u;
    }
    return ms < LOCK_WAIT_MAX_MS ? ms : LOCK_WAIT_MAX_MS;
}

uint32_t lock_wait_ms(void)
{
    int32_t left = (int32_t)(s.wait_from + lock_delay_ms(s.failures) - hal_millis());
    return left > 0 ? (uint32_t)left : 0u;
}

uint32_t lock_failures(void)
{
    return s.failures;
}

void lock_init(void)
{
    pbkdf2_abort(&s.kdf);
    memset(&s, 0, sizeof s);
    uint8_t buf[REC_LEN];
    size_t len = 0;
    /* Present in any shape (even one that cannot be read): locked.  A
     * console that fails open would hand the device to whoever cut a
     * record short. */
    s.has_hash = store_get(CFG_LOCK_HASH_KEY, buf, sizeof buf, &len) != STORE_NOT_FOUND;
    mbedtls_platform_zeroize(buf, sizeof buf);
    uint8_t n[4];
    if (store_get(LOCK_FAILS_KEY, n, sizeof n, &len) == STORE_OK && len == sizeof n) {
        s.failures = get_u32(n);
    }
    s.wait_from = hal_millis();
}

lock_state_t lock_state(void)
{
    return !s.has_hash ? LOCK_NONE : s.open ? LOCK_OPEN : LOCK_LOCKED;
}

const char *lock_state_name(void)
{
    static const char *const names[] = {"none", "locked", "open"};
    return names[lock_state()];
}

bool lock_locked(void)
{
    return lock_state() == LOCK_LOCKED;
}

bool lock_busy(void)
{
    return s.hashing;
}

bool lock_passphrase_ok(const char *p, size_t len)
{
    if (len < LOCK_PASS_MIN || len > LOCK_PASS_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] > 0x7E) {
            return false;
        }
    }
    return true;
}

static lock_result_t start_hash(const char *pass, size_t len, op_t op, lock_done_fn done)
{
    int rc = pbkdf2_start(&s.kdf, pass, len, s.salt, sizeof s.salt, s.iterations, s.hash, sizeof s.hash);
    if (rc != 0) {
        return rc == PBKDF2_E_NO_MEMORY ? LOCK_NO_MEMORY : LOCK_INTERNAL;
    }
    s.op = op;
    s.done = done;
    s.hashing = true;
    s.started_at = hal_millis();
    s.answer_at = s.started_at;
    return LOCK_STARTED;
}

lock_result_t lock_set(const char *pass, size_t len, lock_done_fn done)
{
    if (s.op != OP_NONE) {
        return LOCK_BUSY;
    }
    if (!lock_passphrase_ok(pass, len)) {
        return LOCK_BAD_VALUE;
    }
    if (rng_fill(s.salt, sizeof s.salt) != 0) {
        return LOCK_NO_ENTROPY;
    }
    s.iterations = LOCK_ITERATIONS;
    return start_hash(pass, len, OP_SET, done);
}

/* The stored hash into expect, its salt and count into s. */
static bool read_record(uint8_t expect[PBKDF2_HASH_LEN])
{
    uint8_t rec[REC_LEN];
    size_t len = 0;
    bool ok = store_get(CFG_LOCK_HASH_KEY, rec, sizeof rec, &len) == STORE_OK && len == REC_LEN &&
              rec[0] == REC_FORMAT;
    if (ok) {
        s.iterations = get_u32(rec + 1);
        ok = s.iterations >= 1 && s.iterations <= ITERATIONS_MAX;
        memcpy(s.salt, rec + 5, LOCK_SALT_LEN);
        memcpy(expect, rec + 5 + LOCK_SALT_LEN, PBKDF2_HASH_LEN);
    }
    mbedtls_platform_zeroize(rec, sizeof rec);
    return ok;
}

static int store_failures(uint32_t n)
{
    if (n == 0) {
        return store_delete(LOCK_FAILS_KEY);
    }
    uint8_t b[4];
    put_u32(b, n);
    return store_set(LOCK_FAILS_KEY, b, sizeof b);
}

lock_result_t lock_unlock(const char *pass, size_t len, lock_done_fn done)
{
    if (s.op != OP_NONE) {
        return LOCK_BUSY;
    }
    if (lock_state() != LOCK_LOCKED) {
        return LOCK_OK;
    }
    uint8_t expect[PBKDF2_HASH_LEN];
    if (!read_record(expect)) {
        return LOCK_STORAGE;
    }
    mbedtls_platform_zeroize(expect, sizeof expect); /* read again at the end */
    uint32_t wait = lock_wait_ms();
    lock_result_t rc = start_hash(pass, len, OP_UNLOCK, done);
    if (rc != LOCK_STARTED) {
        return rc;
    }
    /* Counted before the answer can be known: a reset now or during the
     * check leaves it counted. */
    if (store_failures(s.failures + 1u) != STORE_OK) {
        pbkdf2_abort(&s.kdf);
        s.op = OP_NONE;
        s.hashing = false;
        return LOCK_STORAGE;
    }
    s.failures++;
    s.answer_at = hal_millis() + wait;
    return LOCK_STARTED;
}

lock_result_t lock_relock(void)
{
    if (!s.has_hash) {
        return LOCK_NO_PASSPHRASE;
    }
    s.open = false;
    return LOCK_OK;
}

lock_result_t lock_clear(void)
{
    if (s.op != OP_NONE) {
        return LOCK_BUSY;
    }
    store_begin();
    int rc = STORE_OK;
    if (store_has(CFG_LOCK_HASH_KEY)) {
        rc = store_del(CFG_LOCK_HASH_KEY);
    }
    if (rc == STORE_OK && store_has(LOCK_FAILS_KEY)) {
        rc = store_del(LOCK_FAILS_KEY);
    }
    if (rc == STORE_OK) {
        rc = store_commit(); /* the hash record is wiped (cfg_sensitive) */
    } else {
        store_abort();
    }
    if (rc != STORE_OK) {
        return LOCK_STORAGE;
    }
    s.has_hash = false;
    s.open = false;
    s.failures = 0;
    return LOCK_OK;
}

/* The hash of a `lock set` is done: store it, in one change with the
 * failure count cleared. */
static lock_result_t finish_set(void)
{
    uint8_t rec[REC_LEN];
    rec[0] = REC_FORMAT;
    put_u32(rec + 1, s.iterations);
    memcpy(rec + 5, s.salt, LOCK_SALT_LEN);
    memcpy(rec + 5 + LOCK_SALT_LEN, s.hash, PBKDF2_HASH_LEN);
    store_begin();
    int rc = store_put(CFG_LOCK_HASH_KEY, rec, sizeof rec);
    if (rc == STORE_OK && store_has(LOCK_FAILS_KEY)) {
        rc = store_del(LOCK_FAILS_KEY);
    }
    if (rc == STORE_OK) {
        rc = store_commit();
    } else {
        store_abort();
    }
    mbedtls_platform_zeroize(rec, sizeof rec);
    if (rc != STORE_OK) {
        return LOCK_STORAGE;
    }
    s.has_hash = true;
    s.open = false; /* locked at once (spec) */
    s.failures = 0;
    s.wait_from = hal_millis();
    return LOCK_OK;
}

static lock_result_t finish_unlock(void)
{
    uint8_t expect[PBKDF2_HASH_LEN];
    lock_result_t r = LOCK_STORAGE;
    if (read_record(expect)) {
        r = mbedtls_ct_memcmp(s.hash, expect, sizeof expect) == 0 ? LOCK_OK : LOCK_BAD_PASSPHRASE;
    }
    mbedtls_platform_zeroize(expect, sizeof expect);
    /* A right passphrase clears the count; should that write fail, the
     * count stays (the next unlock waits) but the console opens. */
    if (r == LOCK_OK && store_failures(0) == STORE_OK) {
        s.failures = 0;
    }
    return r;
}

void lock_task(void)
{
    if (s.op == OP_NONE) {
        return;
    }
    if (s.hashing) {
        int rc = pbkdf2_step(&s.kdf, LOCK_SLICE_ITERATIONS);
        if (rc == 0) {
            return;
        }
        s.hashing = false;
        s.last_ms = hal_millis() - s.started_at;
        s.last_iterations = s.iterations;
        if (rc < 0) {
            s.result = LOCK_INTERNAL;
        } else {
            s.result = s.op == OP_SET ? finish_set() : finish_unlock();
        }
        mbedtls_platform_zeroize(s.hash, sizeof s.hash);
    }
    if ((int32_t)(hal_millis() - s.answer_at) < 0) {
        return; /* the wait after earlier failures */
    }
    if (s.op == OP_UNLOCK) {
        if (s.result == LOCK_OK) {
            s.open = true;
        } else {
            s.wait_from = hal_millis();
        }
    }
    lock_done_fn done = s.done;
    lock_result_t result = s.result;
    s.op = OP_NONE;
    s.done = NULL;
    if (done != NULL) {
        done(result);
    }
}

uint32_t lock_last_hash_ms(void)
{
    return s.last_ms;
}

uint32_t lock_last_iterations(void)
{
    return s.last_iterations;
}
