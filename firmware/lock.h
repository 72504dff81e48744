/*
 * The console lock (spec section 2, "Locked console"): a passphrase that,
 * once set, closes every command that changes the device until `unlock`;
 * after every reset the console starts locked.  This module is the state
 * and the passphrase check; cmd_lock.c is the console's side (the commands,
 * and which commands a locked console refuses).
 *
 * The passphrase is never stored: the store holds (under CFG_LOCK_HASH_KEY,
 * a sensitive key, so a replaced or cleared hash leaves no copy on the
 * medium) a format byte, the PBKDF2 iteration count, a 16-byte random salt
 * and PBKDF2-HMAC-SHA256(passphrase, salt, iterations), 32 bytes.  The
 * count is stored with the hash, so a later firmware can raise it.  One
 * check costs LOCK_ITERATIONS iterations (about 0.5 s on lm3s6965evb under
 * QEMU -icount shift=4, README "Security model"), computed in slices of
 * LOCK_SLICE_ITERATIONS from lock_task(), so the superloop (buttons,
 * deliveries, the network) keeps running; the caller's answer comes through
 * a callback when the slices are done.  Hashes are compared in constant
 * time.
 *
 * Wrong passphrases: the failure count is stored (LOCK_FAILS_KEY) before
 * each check starts and cleared after a right one, so cutting the power
 * during a check, or resetting after a failure, gains nothing.  After n
 * failures the answer to the next attempt comes no sooner than
 * lock_delay_ms(n) after the last failure (after start-up when the
 * failures are from an earlier boot): 1 s, doubling, at most
 * LOCK_WAIT_MAX_MS.
 *
 * Memory: the state is static (204 bytes on lm3s6965evb); mbedTLS's HMAC
 * state (about 0.25 KB) comes from its heap only while a hash is being
 * computed.
 */
#ifndef LOCK_H
#define LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PBKDF2 iterations of a new hash: 2048 take 502 ms on lm3s6965evb under
 * QEMU -icount shift=4 (tools/bench-lock.py; README, "Security model").  A
 * board may choose its own through BOARD_DEFS; a stored hash keeps the
 * count it was made with. */
#ifndef LOCK_ITERATIONS
#define LOCK_ITERATIONS 2048u
#endif
/* Iterations per call of lock_task(): a slice holds the CPU for about
 * 4 ms (QEMU -icount shift=4: 0.245 ms per iteration). */
#ifndef LOCK_SLICE_ITERATIONS
#define LOCK_SLICE_ITERATIONS 16u
#endif
#define LOCK_WAIT_FIRST_MS 1000u
#define LOCK_WAIT_MAX_MS (15u * 60u * 1000u)

#define LOCK_PASS_MIN 8u
#define LOCK_PASS_MAX 128u
#define LOCK_SALT_LEN 16u
#define LOCK_FAILS_KEY "sys.lockfails"

typedef enum { LOCK_NONE, LOCK_LOCKED, LOCK_OPEN } lock_state_t;

typedef enum {
    LOCK_OK = 0,
    LOCK_STARTED,        /* a hash is being computed: the lock_done_fn gives the answer */
    LOCK_BAD_PASSPHRASE, /* unlock: not the passphrase */
    LOCK_BAD_VALUE,      /* lock set: not 8 to 128 printable ASCII characters */
    LOCK_NO_PASSPHRASE,  /* lock: none is set */
    LOCK_BUSY,           /* a check is under way */
    LOCK_NO_MEMORY,      /* mbedTLS's heap (a TLS handshake) has no room for the HMAC now */
    LOCK_NO_ENTROPY,     /* lock set: no random salt (QEMU without semihosting) */
    LOCK_STORAGE,        /* the store failed, or the stored hash cannot be read: nothing changed */
    LOCK_INTERNAL        /* mbedTLS failed during a hash */
} lock_result_t;

/* Called once when a started lock_set() or lock_unlock() has its answer. */
typedef void (*lock_done_fn)(lock_result_t result);

/* Reads the hash and the failure count from the store (after store_open):
 * locked when a hash is there, whatever the previous boot did. */
void lock_init(void);

lock_state_t lock_state(void);
const char *lock_state_name(void); /* "none", "locked", "open" */
bool lock_locked(void);

/* Whether s (len bytes) may be a passphrase: LOCK_PASS_MIN to LOCK_PASS_MAX
 * printable ASCII characters, space included. */
bool lock_passphrase_ok(const char *s, size_t len);

/* `lock set`: hashes pass with a fresh salt, then stores the hash (the old
 * one wiped), clears the failure count and locks.  LOCK_STARTED, and done
 * gets LOCK_OK or LOCK_STORAGE; anything else is the answer at once.  The
 * caller checks that the console is not locked.  pass is not kept: it keys
 * the HMAC before this returns. */
lock_result_t lock_set(const char *pass, size_t len, lock_done_fn done);
/* `unlock`: LOCK_OK at once when there is nothing to open (no passphrase,
 * or open already).  Else LOCK_STARTED: the failure count is stored, the
 * check runs, and done gets LOCK_OK (the console is open) or
 * LOCK_BAD_PASSPHRASE, no sooner than lock_wait_ms() said before the call.
 * Anything else is the answer at once (nothing counted).  pass is not
 * kept. */
lock_result_t lock_unlock(const char *pass, size_t len, lock_done_fn done);
/* `lock`: LOCK_OK (locked), LOCK_NO_PASSPHRASE. */
lock_result_t lock_relock(void);
/* `lock clear`: removes the hash and the failure count for good (the
 * caller checks that the console is open). */
lock_result_t lock_clear(void);

/* Milliseconds the next unlock attempt's answer waits for at least, from
 * now (0: none). */
uint32_t lock_wait_ms(void);
/* Failed attempts since the last right one (across resets). */
uint32_t lock_failures(void);
/* The wait after n failures: 0, then LOCK_WAIT_FIRST_MS doubling, capped. */
uint32_t lock_delay_ms(uint32_t failures);

/* A hash is being computed: the superloop must not sleep between slices. */
bool lock_busy(void);
/* Superloop task: one slice of a running hash, the end of a wait. */
void lock_task(void);

/* For status and the measurement of LOCK_ITERATIONS: how long the last
 * hash took from its start to its last slice, in ms (0: none since boot),
 * and its iteration count. */
uint32_t lock_last_hash_ms(void);
uint32_t lock_last_iterations(void);

#endif
