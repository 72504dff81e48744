#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "crc32.h"

#define HDR_MAGIC 0x54534250u /* "PBST" */
#define FORMAT_VERSION 1u
#define HDR_SIZE 16u
#define REC_HDR 8u
#define REC_PUT 0x50u   /* 'P' */
#define REC_DEL 0x44u   /* 'D' */
#define REC_COMMIT 0x43u /* 'C' */
/* A PUT whose key, value and CRC were overwritten with zeros (wipe()): only
 * bit 4 of 'P' is cleared, which NOR takes without an erase.  A torn write
 * never reads as this type: whatever part of 'P', 'D' or 'C' (or of 0xFF)
 * lands keeps a set bit besides bit 6. */
#define REC_WIPED 0x40u
#define STORE_KEYS_MAX 48u
#define COMMIT_SIZE (REC_HDR + 4u)
#define RAM_MEDIUM_SIZE 8192u /* the no-NVM fallback: two halves of 4 KB */
#define CHUNK 64u

typedef struct {
    uint32_t hash;
    uint32_t off; /* record offset within the live half */
} entry_t;

typedef struct {
    uint32_t off;  /* the record (its key is read back when it is applied) */
    uint8_t type;
} pending_t;

static struct {
    hal_nvm_region_t region;
    bool durable;
    uint8_t *ram;          /* RAM-only medium, or NULL */
    uint32_t half_size;
    uint32_t unit;
    unsigned half;         /* live half: 0 or 1 */
    uint32_t generation;
    uint32_t tail;         /* next free offset in the live half */
    bool dirty;            /* bytes past tail may not be erased: compact first */
    uint32_t next_txn;
    bool in_txn;
    uint32_t txn;
    entry_t index[STORE_KEYS_MAX];
    unsigned count;
    pending_t pending[STORE_TXN_MAX];
    unsigned npending;
    bool scrub;            /* the open change wrote or deleted a sensitive key */
} s;

static void *(*s_alloc)(size_t) = malloc;
static void (*s_release)(void *) = free;
static bool (*s_sensitive)(const char *key);

void store_set_sensitive(bool (*is_sensitive)(const char *key))
{
    s_sensitive = is_sensitive;
}

static bool sensitive(const char *key)
{
    return s_sensitive != NULL && s_sensitive(key);
}

void store_set_allocator(void *(*alloc)(size_t size), void (*release)(void *p))
{
    s_alloc = alloc;
    s_release = release;
}

/* ------------------------------------------------------------ medium */

static uint32_t base(unsigned half)
{
    return half * s.half_size;
}

static bool in_ram(uint32_t off, size_t len)
{
    return off <= RAM_MEDIUM_SIZE && len <= RAM_MEDIUM_SIZE - off;
}

static int m_read(uint32_t off, void *buf, size_t len)
{
    if (s.ram != NULL) {
        if (!in_ram(off, len)) {
            return STORE_IO;
        }
        memcpy(buf, s.ram + off, len);
        return 0;
    }
    return hal_nvm_read(s.region, off, buf, len) == HAL_NVM_OK ? 0 : STORE_IO;
}

static int m_program(uint32_t off, const void *data, size_t len)
{
    if (s.ram != NULL) {
        const uint8_t *d = data;
        if (!in_ram(off, len)) {
            return STORE_IO;
        }
        for (size_t i = 0; i < len; i++) {
            s.ram[off + i] &= d[i];
        }
        return 0;
    }
    return hal_nvm_program(s.region, off, data, len) == HAL_NVM_OK ? 0 : STORE_IO;
}

static int m_erase_half(unsigned half)
{
    /* A real sector erase takes up to seconds; the driver feeds the
     * watchdog meanwhile (hal_nvm.h). */
    for (uint32_t u = 0; u < s.half_size; u += s.unit) {
        if (s.ram != NULL) {
            memset(s.ram + base(half) + u, 0xFF, s.unit);
        } else if (hal_nvm_erase(s.region, base(half) + u) != HAL_NVM_OK) {
            return STORE_IO;
        }
    }
    return 0;
}

/* Whether the len bytes at abs all read as value. */
static bool all_read_as(uint32_t abs, uint32_t len, uint8_t value)
{
    uint8_t buf[CHUNK];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < CHUNK ? len - done : CHUNK;
        if (m_read(abs + done, buf, n) != 0) {
            return false;
        }
        for (const uint8_t *p = buf; p < buf + n; p++) {
            if (*p != value) {
                return false;
            }
        }
        done += n;
    }
    return true;
}

static bool half_blank(unsigned half)
{
    return all_read_as(base(half), s.half_size, 0xFFu);
}

/* ------------------------------------------------------------ records */

static uint32_t align4(uint32_t n)
{
    return (n + 3u) & ~3u;
}

static uint32_t rec_size(size_t keylen, size_t vlen)
{
    return align4(REC_HDR + (uint32_t)keylen + (uint32_t)vlen) + 4u;
}

static uint32_t key_hash(const char *key, size_t len)
{
    return crc32_update(0, key, len);
}

typedef struct {
    uint8_t type;
    uint8_t keylen;
    uint16_t vlen;
    uint32_t txn;
} rec_t;

static void rec_decode(const uint8_t b[REC_HDR], rec_t *r)
{
    r->type = b[0];
    r->keylen = b[1];
    r->vlen = (uint16_t)(b[2] | b[3] << 8);
    r->txn = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
}

static void rec_encode(uint8_t b[REC_HDR], const rec_t *r)
{
    b[0] = r->type;
    b[1] = r->keylen;
    b[2] = (uint8_t)r->vlen;
    b[3] = (uint8_t)(r->vlen >> 8);
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (uint8_t)(r->txn >> (8 * i));
    }
}

/* CRC over the record's bytes at abs (header, key, value, padding). */
static int rec_crc(uint32_t abs, uint32_t body, uint32_t *crc)
{
    uint8_t buf[CHUNK];
    uint32_t c = 0;
    for (uint32_t done = 0; done < body;) {
        uint32_t n = body - done < CHUNK ? body - done : CHUNK;
        if (m_read(abs + done, buf, n) != 0) {
            return STORE_IO;
        }
        c = crc32_update(c, buf, n);
        done += n;
    }
    *crc = c;
    return 0;
}

/* Whether a decoded header can be a record at off: a known type, lengths
 * within the limits, the whole record inside the half. */
static bool rec_sane(uint32_t off, const rec_t *r)
{
    bool commit = r->type == REC_COMMIT;
    if (r->type != REC_PUT && r->type != REC_DEL && r->type != REC_WIPED && !commit) {
        return false;
    }
    if (r->keylen > STORE_KEY_MAX || r->vlen > STORE_VALUE_MAX || (commit ? r->keylen != 0 : r->keylen == 0) ||
        (r->type != REC_PUT && r->type != REC_WIPED && r->vlen != 0)) {
        return false;
    }
    return off >= HDR_SIZE && off <= s.half_size && rec_size(r->keylen, r->vlen) <= s.half_size - off;
}

/* Reads the header at off of half: 1 = a sane header, 0 = end of log
 * (erased, or no room for a record), -1 = damaged or unreadable.  Every
 * reader of a record comes through here, every time: a length read from the
 * medium is used only once it has been checked. */
static int rec_head(unsigned half, uint32_t off, rec_t *r)
{
    static const uint8_t erased[REC_HDR] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t b[REC_HDR];
    if (off > s.half_size || s.half_size - off < REC_HDR + 4u) {
        return 0;
    }
    if (m_read(base(half) + off, b, REC_HDR) != 0) {
        return -1;
    }
    if (memcmp(b, erased, REC_HDR) == 0) {
        return 0;
    }
    rec_decode(b, r);
    return rec_sane(off, r) ? 1 : -1;
}

/* Reads and checks the record at off of half, CRC included; 1 = valid,
 * 0 = end of log (erased), -1 = damaged.  A wiped record has no CRC left:
 * its sane header is all that is checked. */
static int rec_read(unsigned half, uint32_t off, rec_t *r)
{
    int rc = rec_head(half, off, r);
    if (rc != 1 || r->type == REC_WIPED) {
        return rc;
    }
    uint32_t body = rec_size(r->keylen, r->vlen) - 4u;
    uint32_t crc, stored;
    uint8_t cb[4];
    if (rec_crc(base(half) + off, body, &crc) != 0 || m_read(base(half) + off + body, cb, 4) != 0) {
        return -1;
    }
    stored = (uint32_t)cb[0] | (uint32_t)cb[1] << 8 | (uint32_t)cb[2] << 16 | (uint32_t)cb[3] << 24;
    return stored == crc ? 1 : -1;
}

/* The key of the PUT or DEL record at off of the live half; *r gets its
 * header.  A key with a NUL byte is none (no firmware writes one): such a
 * record is never applied, listed or cleared. */
static int key_at(uint32_t off, char key[STORE_KEY_MAX + 1], rec_t *r)
{
    if (rec_head(s.half, off, r) != 1 || (r->type != REC_PUT && r->type != REC_DEL)) {
        return STORE_IO;
    }
    if (m_read(base(s.half) + off + REC_HDR, key, r->keylen) != 0) {
        return STORE_IO;
    }
    key[r->keylen] = '\0';
    return strlen(key) == r->keylen ? 0 : STORE_IO;
}

/* ------------------------------------------------------------ index */

static int find(const char *key)
{
    uint32_t h = key_hash(key, strlen(key));
    char k[STORE_KEY_MAX + 1];
    rec_t r;
    for (unsigned i = 0; i < s.count; i++) {
        if (s.index[i].hash == h && key_at(s.index[i].off, k, &r) == 0 && r.type == REC_PUT && strcmp(k, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Applies one committed record to the index; false when the index is full. */
static bool apply(const pending_t *p)
{
    char key[STORE_KEY_MAX + 1];
    rec_t r;
    if (key_at(p->off, key, &r) != 0 || r.type != p->type) {
        return false;
    }
    int i = find(key);
    if (p->type == REC_DEL) {
        if (i >= 0) {
            s.index[i] = s.index[--s.count];
        }
        return true;
    }
    if (i >= 0) {
        s.index[i].off = p->off;
        return true;
    }
    if (s.count >= STORE_KEYS_MAX) {
        return false;
    }
    s.index[s.count++] = (entry_t){key_hash(key, strlen(key)), p->off};
    return true;
}

/* ------------------------------------------------------------ replay */

static bool header_read(unsigned half, uint32_t *generation)
{
    uint8_t h[HDR_SIZE];
    if (m_read(base(half), h, HDR_SIZE) != 0) {
        return false;
    }
    uint32_t magic = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint32_t version = (uint32_t)h[4] | (uint32_t)h[5] << 8;
    uint32_t crc = (uint32_t)h[12] | (uint32_t)h[13] << 8 | (uint32_t)h[14] << 16 | (uint32_t)h[15] << 24;
    if (magic != HDR_MAGIC || crc != crc32_update(0, h, 12)) {
        return false;
    }
    /* A later format would be migrated here; this firmware knows version 1. */
    if (version != FORMAT_VERSION) {
        return false;
    }
    *generation = (uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 | (uint32_t)h[11] << 24;
    return true;
}

static int header_write(unsigned half, uint32_t generation)
{
    uint8_t h[HDR_SIZE] = {0};
    uint32_t magic = HDR_MAGIC;
    for (int i = 0; i < 4; i++) {
        h[i] = (uint8_t)(magic >> (8 * i));
        h[8 + i] = (uint8_t)(generation >> (8 * i));
    }
    h[4] = (uint8_t)FORMAT_VERSION;
    h[6] = HDR_SIZE;
    uint32_t crc = crc32_update(0, h, 12);
    for (int i = 0; i < 4; i++) {
        h[12 + i] = (uint8_t)(crc >> (8 * i));
    }
    return m_program(base(half), h, HDR_SIZE);
}

/* Rebuilds the index from the live half's log.  Records of a change that
 * never got its commit stay out; an open change keeps them as pending. */
static void replay(void)
{
    uint32_t off = HDR_SIZE;
    bool have_group = false;
    uint32_t group = 0;
    s.count = 0;
    s.npending = 0;
    s.dirty = false;
    for (;;) {
        rec_t r;
        int rc = rec_read(s.half, off, &r);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            s.dirty = true; /* a write cut short: what follows is not erased */
            break;
        }
        if (!have_group || r.txn != group) {
            s.npending = 0; /* the previous change never committed */
            have_group = true;
            group = r.txn;
        }
        if ((int32_t)(r.txn + 1u - s.next_txn) > 0) {
            s.next_txn = r.txn + 1u;
        }
        if (r.type == REC_COMMIT) {
            for (unsigned i = 0; i < s.npending; i++) {
                (void)apply(&s.pending[i]);
            }
            s.npending = 0;
            have_group = false;
        } else if (r.type != REC_WIPED && s.npending < STORE_TXN_MAX) {
            s.pending[s.npending++] = (pending_t){off, r.type};
        }
        off += rec_size(r.keylen, r.vlen);
    }
    s.tail = off;
    /* New records are programmed from here on, over bytes that must still
     * be erased: a log that ends at an erased header with bytes set past
     * it (a hostile or decayed medium) is compacted before the next write. */
    if (!s.dirty && !all_read_as(base(s.half) + off, s.half_size - off, 0xFFu)) {
        s.dirty = true;
    }
    if (!s.in_txn) {
        s.npending = 0;
    }
}

/* ------------------------------------------------------------ compaction */

/* Copies the record at src (live half) to dst of half `to`, giving it txn.
 * It is checked whole first, so a record damaged since mount is never copied
 * (nor read past its half): STORE_NOT_FOUND. */
static int copy_record(uint32_t src, unsigned to, uint32_t dst, uint32_t txn, uint32_t *size)
{
    uint8_t b[CHUNK];
    rec_t r;
    if (rec_read(s.half, src, &r) != 1 || (r.type != REC_PUT && r.type != REC_DEL)) {
        return STORE_NOT_FOUND;
    }
    r.txn = txn;
    rec_encode(b, &r);
    uint32_t body = rec_size(r.keylen, r.vlen) - 4u;
    uint32_t crc = crc32_update(0, b, REC_HDR);
    if (m_program(base(to) + dst, b, REC_HDR) != 0) {
        return STORE_IO;
    }
    for (uint32_t done = REC_HDR; done < body;) {
        uint32_t n = body - done < CHUNK ? body - done : CHUNK;
        if (m_read(base(s.half) + src + done, b, n) != 0 || m_program(base(to) + dst + done, b, n) != 0) {
            return STORE_IO;
        }
        crc = crc32_update(crc, b, n);
        done += n;
    }
    uint8_t cb[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    if (m_program(base(to) + dst + body, cb, 4) != 0) {
        return STORE_IO;
    }
    *size = body + 4u;
    return 0;
}

static int write_commit(unsigned half, uint32_t off, uint32_t txn)
{
    uint8_t b[COMMIT_SIZE];
    rec_t r = {REC_COMMIT, 0, 0, txn};
    rec_encode(b, &r);
    uint32_t crc = crc32_update(0, b, REC_HDR);
    for (int i = 0; i < 4; i++) {
        b[REC_HDR + i] = (uint8_t)(crc >> (8 * i));
    }
    return m_program(base(half) + off, b, COMMIT_SIZE);
}

/* Moves the live data (and an open change's records) to the other half,
 * then erases the half it leaves: that one holds every value ever replaced,
 * and a copy of each live one. */
static int compact(void)
{
    unsigned from = s.half, to = 1u - s.half;
    uint32_t off = HDR_SIZE, size;
    uint32_t txn = s.next_txn++;
    /* Normally already blank: the last compaction erased it. */
    if (!half_blank(to) && m_erase_half(to) != 0) {
        return STORE_IO;
    }
    for (unsigned i = 0; i < s.count;) {
        int rc = copy_record(s.index[i].off, to, off, txn, &size);
        if (rc == STORE_NOT_FOUND) {
            s.index[i] = s.index[--s.count]; /* damaged since mount: that value is lost */
            continue;
        }
        if (rc != 0) {
            return STORE_IO;
        }
        s.index[i].off = off; /* provisional: only used once `to` is live */
        off += size;
        i++;
    }
    if (s.count > 0) {
        if (write_commit(to, off, txn) != 0) {
            return STORE_IO;
        }
        off += COMMIT_SIZE;
    }
    for (unsigned i = 0; i < s.npending; i++) {
        if (copy_record(s.pending[i].off, to, off, s.txn, &size) != 0) {
            return STORE_IO;
        }
        s.pending[i].off = off;
        off += size;
    }
    /* The header last: until it is there, the old half stays the live one. */
    if (header_write(to, s.generation + 1u) != 0) {
        return STORE_IO;
    }
    s.half = to;
    s.generation++;
    s.tail = off;
    s.dirty = false;
    /* Should this fail (or the power go), store_open erases it. */
    (void)m_erase_half(from);
    return 0;
}

/* ------------------------------------------------------------ wiping */

static bool is_live(uint32_t off)
{
    for (unsigned i = 0; i < s.count; i++) {
        if (s.index[i].off == off) {
            return true;
        }
    }
    for (unsigned i = 0; s.in_txn && i < s.npending; i++) {
        if (s.pending[i].off == off) {
            return true;
        }
    }
    return false;
}

/* Whether everything after the header of the record at off is zero. */
static bool body_zero(uint32_t off, const rec_t *r)
{
    return all_read_as(base(s.half) + off + REC_HDR, rec_size(r->keylen, r->vlen) - REC_HDR, 0);
}

/* Overwrites the record at off with zeros after its header, and makes it
 * REC_WIPED.  The type goes first: from then on the log skips the record
 * without its CRC, so a cut while zeroing leaves a record that reads as
 * wiped and that the next scrub finishes. */
static int wipe(uint32_t off, const rec_t *r)
{
    static const uint8_t wiped = REC_WIPED;
    static const uint8_t zeros[CHUNK];
    uint32_t at = base(s.half) + off;
    uint32_t end = rec_size(r->keylen, r->vlen);
    if (r->type != REC_WIPED && m_program(at, &wiped, 1) != 0) {
        return STORE_IO;
    }
    for (uint32_t done = REC_HDR; done < end;) {
        uint32_t n = end - done < CHUNK ? end - done : CHUNK;
        if (m_program(at + done, zeros, n) != 0) {
            return STORE_IO;
        }
        done += n;
    }
    return 0;
}

/* Wipes every record of a sensitive key in the live log other than its
 * current value or the open change's own (replaced, deleted, left by an
 * aborted or cut change), and finishes wipes a power cut interrupted. */
static int scrub(void)
{
    int rc = 0;
    if (s_sensitive == NULL) {
        return 0;
    }
    for (uint32_t off = HDR_SIZE; off < s.tail;) {
        rec_t r;
        char key[STORE_KEY_MAX + 1];
        if (rec_head(s.half, off, &r) != 1) {
            break;
        }
        if ((r.type == REC_PUT && key_at(off, key, &r) == 0 && sensitive(key) && !is_live(off)) ||
            (r.type == REC_WIPED && !body_zero(off, &r))) {
            rc = wipe(off, &r) != 0 ? STORE_IO : rc;
        }
        off += rec_size(r.keylen, r.vlen);
    }
    return rc;
}

/* After a failed write the half's state is unknown: re-read it. */
static void recover(void)
{
    uint32_t g;
    if (header_read(s.half, &g)) {
        replay();
    }
    s.dirty = true;
}

/* ------------------------------------------------------------ open */

/* What a power cut (or older firmware) may have left readable goes: a torn
 * write is compacted away, the half that is not live is erased, superseded
 * sensitive records are wiped.  Best effort: the store works without it. */
static void settle(void)
{
    if (s.dirty) {
        if (compact() != 0) {
            recover();
        }
    } else if (!half_blank(1u - s.half)) {
        (void)m_erase_half(1u - s.half);
    }
    (void)scrub();
}

int store_open(hal_nvm_region_t region)
{
    if (s.ram != NULL) {
        s_release(s.ram); /* re-opening (tests, a later recovery) must not leak the RAM medium */
    }
    memset(&s, 0, sizeof s);
    s.region = region;
    bool present = hal_nvm_init() == HAL_NVM_OK;
    hal_nvm_info_t info = hal_nvm_info(region);
    if (present && info.erase_size > 0 && info.size >= 2u * info.erase_size) {
        s.durable = true;
        s.unit = info.erase_size;
        s.half_size = (info.size / info.erase_size / 2u) * info.erase_size;
    } else {
        s.ram = s_alloc(RAM_MEDIUM_SIZE);
        if (s.ram == NULL) {
            return STORE_NO_MEDIUM;
        }
        memset(s.ram, 0xFF, RAM_MEDIUM_SIZE);
        s.unit = RAM_MEDIUM_SIZE / 2u;
        s.half_size = RAM_MEDIUM_SIZE / 2u;
    }
    uint32_t g0 = 0, g1 = 0;
    bool v0 = header_read(0, &g0), v1 = header_read(1, &g1);
    if (v0 || v1) {
        s.half = (v0 && (!v1 || (int32_t)(g0 - g1) > 0)) ? 0u : 1u;
        s.generation = s.half == 0 ? g0 : g1;
        replay();
        settle();
        return s.durable ? STORE_OK : STORE_NO_MEDIUM;
    }
    /* A new (or wholly unreadable) medium: start empty in half 0. */
    if (m_erase_half(0) != 0 || header_write(0, 1) != 0) {
        return STORE_IO;
    }
    s.half = 0;
    s.generation = 1;
    s.tail = HDR_SIZE;
    settle();
    return s.durable ? STORE_OK : STORE_NO_MEDIUM;
}

bool store_durable(void)
{
    return s.durable;
}

/* ------------------------------------------------------------ reading */

int store_get(const char *key, void *buf, size_t size, size_t *len)
{
    int i = find(key);
    if (i < 0) {
        return STORE_NOT_FOUND;
    }
    rec_t r;
    if (rec_head(s.half, s.index[i].off, &r) != 1 || r.type != REC_PUT) {
        return STORE_IO; /* changed on the medium since find() read it */
    }
    if (len != NULL) {
        *len = r.vlen;
    }
    if (r.vlen > size) {
        return STORE_TOO_BIG;
    }
    uint32_t off = base(s.half) + s.index[i].off + REC_HDR + r.keylen;
    return m_read(off, buf, r.vlen) == 0 ? STORE_OK : STORE_IO;
}

bool store_has(const char *key)
{
    return find(key) >= 0;
}

void store_each(bool (*fn)(void *ctx, const char *key), void *ctx)
{
    char key[STORE_KEY_MAX + 1];
    rec_t r;
    for (unsigned i = 0; i < s.count; i++) {
        if (key_at(s.index[i].off, key, &r) == 0 && !fn(ctx, key)) {
            return;
        }
    }
}

uint32_t store_used(void)
{
    return s.tail;
}

uint32_t store_capacity(void)
{
    return s.half_size;
}

/* ------------------------------------------------------------ changes */

void store_begin(void)
{
    s.in_txn = true;
    s.txn = s.next_txn++;
    s.npending = 0;
    s.scrub = false;
}

void store_abort(void)
{
    /* Records already written stay in the log without a commit: ignored,
     * and wiped when they hold a sensitive value. */
    s.in_txn = false;
    s.npending = 0;
    if (s.scrub) {
        s.scrub = false;
        (void)scrub();
    }
}

static int append(uint8_t type, const char *key, const void *value, size_t len)
{
    size_t keylen = strlen(key);
    if (!s.in_txn) {
        return STORE_TXN;
    }
    if (keylen == 0 || keylen > STORE_KEY_MAX || len > STORE_VALUE_MAX) {
        return STORE_TOO_BIG;
    }
    if (s.npending >= STORE_TXN_MAX) {
        return STORE_TXN;
    }
    bool secret = sensitive(key);
    s.scrub = s.scrub || secret;
    uint32_t size = rec_size(keylen, len);
    if (s.dirty || s.tail + size + COMMIT_SIZE > s.half_size) {
        if (compact() != 0) {
            recover();
            return STORE_IO;
        }
        if (s.tail + size + COMMIT_SIZE > s.half_size) {
            return STORE_FULL;
        }
    }
    uint8_t b[REC_HDR];
    rec_t r = {type, (uint8_t)keylen, (uint16_t)len, s.txn};
    rec_encode(b, &r);
    uint32_t at = base(s.half) + s.tail;
    uint32_t body = size - 4u;
    static const uint8_t pad[3] = {0, 0, 0};
    uint32_t padlen = body - REC_HDR - (uint32_t)keylen - (uint32_t)len;
    uint32_t crc = crc32_update(0, b, REC_HDR);
    crc = crc32_update(crc, key, keylen);
    crc = crc32_update(crc, value, len);
    crc = crc32_update(crc, pad, padlen);
    uint8_t cb[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    if (m_program(at, b, REC_HDR) != 0 || m_program(at + REC_HDR, key, keylen) != 0 ||
        (len > 0 && m_program(at + REC_HDR + keylen, value, len) != 0) ||
        (padlen > 0 && m_program(at + REC_HDR + keylen + len, pad, padlen) != 0) ||
        m_program(at + body, cb, 4) != 0) {
        s.dirty = true;
        /* The torn record may hold part of the value: move away from it now
         * rather than at the next change (or the next start). */
        if (secret && compact() != 0) {
            recover();
        }
        return STORE_IO;
    }
    s.pending[s.npending++] = (pending_t){s.tail, type};
    s.tail += size;
    return STORE_OK;
}

int store_put(const char *key, const void *value, size_t len)
{
    return append(REC_PUT, key, value, len);
}

int store_del(const char *key)
{
    return append(REC_DEL, key, NULL, 0);
}

int store_commit(void)
{
    if (!s.in_txn) {
        return STORE_TXN;
    }
    if (s.npending == 0) {
        s.in_txn = false;
        return STORE_OK;
    }
    /* Every key this change adds must fit the index, or the commit would
     * make keys durable that the index cannot list. */
    unsigned added = 0;
    char key[STORE_KEY_MAX + 1];
    rec_t r;
    for (unsigned i = 0; i < s.npending; i++) {
        if (s.pending[i].type == REC_PUT && (key_at(s.pending[i].off, key, &r) != 0 || find(key) < 0)) {
            added++;
        }
    }
    if (s.count + added > STORE_KEYS_MAX) {
        store_abort();
        return STORE_FULL;
    }
    /* append() kept room for this record. */
    if (write_commit(s.half, s.tail, s.txn) != 0) {
        store_abort();
        recover();
        return STORE_IO;
    }
    s.tail += COMMIT_SIZE;
    for (unsigned i = 0; i < s.npending; i++) {
        (void)apply(&s.pending[i]); /* room was checked above */
    }
    s.in_txn = false;
    s.npending = 0;
    /* Committed: the values it replaced or deleted go.  Should this be cut
     * short, store_open finishes it. */
    if (s.scrub) {
        s.scrub = false;
        (void)scrub();
    }
    return STORE_OK;
}

int store_set(const char *key, const void *value, size_t len)
{
    store_begin();
    int rc = store_put(key, value, len);
    if (rc == STORE_OK) {
        return store_commit();
    }
    store_abort();
    return rc;
}

int store_delete(const char *key)
{
    if (!store_has(key)) {
        return STORE_OK;
    }
    store_begin();
    int rc = store_del(key);
    if (rc == STORE_OK) {
        return store_commit();
    }
    store_abort();
    return rc;
}

int store_clear(bool (*keep)(const char *key))
{
    char key[STORE_KEY_MAX + 1];
    rec_t r;
    store_begin();
    for (unsigned i = 0; i < s.count; i++) {
        if (key_at(s.index[i].off, key, &r) != 0) {
            store_abort();
            return STORE_IO;
        }
        if (!keep(key)) {
            int rc = store_del(key);
            if (rc != STORE_OK) {
                store_abort();
                return rc;
            }
        }
    }
    return store_commit();
}
