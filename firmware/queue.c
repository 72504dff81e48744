#include "queue.h"

#include <string.h>

#include "crc32.h"
#include "hal_nvm.h"
#include "hal_time.h"

/* ------------------------------------------------------------ layout */

#define ALIGN 8u            /* records start on 8 bytes: loc is offset / 8 */
#define UNIT_HDR 16u        /* magic, seq, unit size, CRC */
#define REC_HDR 12u         /* type, version, len, ~len, 0xFFFF, CRC */
#define UNIT_MAGIC 0x31514250u /* "PBQ1" */
#define REC_VERSION 1u
#define REC_TRIGGER 0x54u   /* 'T' */
#define REC_DONE 0x44u      /* 'D' */
#define REC_GC_DONE 0x47u   /* 'G' */
#define FIXED_LEN 17u       /* boot, seq, at_ms, flags */
#define FLAG_AT_UTC 0x01u
#define FLAG_AT_ESTIMATED 0x02u
#define MAX_UNITS 64u
#define CHUNK 128u
/* Every unit keeps room for the one gc-done record its compaction writes:
 * so the live records of any unit always fit into a fresh one with it. */
#define GC_RESERVE 16u
#define RAM_UNIT (QUEUE_RAM_SIZE / 4u)
/* The largest trigger record, and the done record each one will need. */
#define REC_MAX_BYTES                                                                                              \
    ((REC_HDR + FIXED_LEN + 33u + (1u + PAYLOAD_ID_MAX) + 16u + 8u + 2u * (1u + PAYLOAD_IDENT_MAX) + 2u +          \
      PAYLOAD_PROPS_MAX + ALIGN - 1u) & ~(ALIGN - 1u))
#define DONE_BYTES 24u

static struct {
    bool mounted;
    bool ram;
    uint8_t *ram_buf;
    uint32_t size, unit, nunits;
    int head;           /* the unit being written; -1 while the ring is empty */
    uint32_t head_seq;
    uint32_t arc;       /* units in use, the oldest (tail) to head */
    uint32_t wr;        /* next write offset in head (== unit: closed) */
    bool tail_copied;   /* gc-done for the tail is on the medium */
    bool broken;        /* a write failed: nothing more until queue_init */
    uint32_t budget;    /* live bytes the ring can always make room for */
    uint32_t live;      /* bytes of the pending triggers' newest records */
} m;

/* The RAM index: one entry per pending trigger, oldest first. */
typedef struct __attribute__((packed)) {
    uint32_t next_at;
    uint16_t loc;        /* offset of its newest record / ALIGN */
    uint16_t attempts;
    uint16_t last;
    uint32_t pressed_ms;
} queue_entry_t;

static queue_entry_t s_q[QUEUE_CAPACITY];
static unsigned s_n;
static int s_busy = -1;
static void *(*s_alloc)(size_t size);

static uint32_t align8(uint32_t n)
{
    return (n + ALIGN - 1u) & ~(ALIGN - 1u);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | ((uint32_t)get16(p + 2) << 16);
}

/* ------------------------------------------------------------ medium */

static int med_read(uint32_t off, void *buf, size_t len)
{
    if (m.ram) {
        memcpy(buf, m.ram_buf + off, len);
        return QUEUE_OK;
    }
    return hal_nvm_read(HAL_NVM_QUEUE, off, buf, len) == HAL_NVM_OK ? QUEUE_OK : QUEUE_IO;
}

static int med_program(uint32_t off, const void *data, size_t len)
{
    if (m.ram) {
        const uint8_t *d = data;
        for (size_t i = 0; i < len; i++) {
            m.ram_buf[off + i] &= d[i];
        }
        return QUEUE_OK;
    }
    if (hal_nvm_program(HAL_NVM_QUEUE, off, data, len) != HAL_NVM_OK) {
        m.broken = true;
        return QUEUE_IO;
    }
    return QUEUE_OK;
}

static int med_erase(uint32_t off)
{
    if (m.ram) {
        memset(m.ram_buf + off, 0xFF, m.unit);
        return QUEUE_OK;
    }
    if (hal_nvm_erase(HAL_NVM_QUEUE, off) != HAL_NVM_OK) {
        m.broken = true;
        return QUEUE_IO;
    }
    return QUEUE_OK;
}

static uint32_t unit_base(uint32_t u)
{
    return u * m.unit;
}

static bool all_erased(const uint8_t *p, size_t n)
{
    while (n > 0 && *p == 0xFFu) {
        p++;
        n--;
    }
    return n == 0;
}

static uint32_t chunk_of(uint32_t left)
{
    return left < CHUNK ? left : CHUNK;
}

static bool blank(uint32_t off, uint32_t len)
{
    uint8_t buf[CHUNK];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = chunk_of(len - done);
        if (med_read(off + done, buf, n) != QUEUE_OK || !all_erased(buf, n)) {
            return false;
        }
        done += n;
    }
    return true;
}

/* ------------------------------------------------------------ records */

/* A record is produced twice by the same encoder: once to learn its length
 * and CRC, once to program it.  No buffer of a whole record is needed. */
typedef struct {
    bool write;
    int rc;
    uint32_t off;   /* where the payload starts (write) */
    uint32_t len;
    uint32_t crc;
} sink_t;

static void emit(sink_t *k, const void *p, size_t n)
{
    if (k->write) {
        if (k->rc == QUEUE_OK && n > 0) {
            k->rc = med_program(k->off + k->len, p, n);
        }
    } else {
        k->crc = crc32_update(k->crc, p, n);
    }
    k->len += (uint32_t)n;
}

static void emit_str8(sink_t *k, const char *s)
{
    uint8_t n = (uint8_t)strlen(s);
    emit(k, &n, 1);
    emit(k, s, n);
}

typedef void (*encoder_t)(sink_t *k, const void *ctx);

static void enc_trigger(sink_t *k, const void *ctx)
{
    const trigger_rec_t *t = ctx;
    uint8_t fixed[FIXED_LEN];
    put32(fixed, t->boot);
    put32(fixed + 4, t->seq);
    put32(fixed + 8, (uint32_t)t->at_ms);
    put32(fixed + 12, (uint32_t)(t->at_ms >> 32));
    fixed[16] = (uint8_t)((t->at_utc ? FLAG_AT_UTC : 0u) | (t->at_estimated ? FLAG_AT_ESTIMATED : 0u));
    emit(k, fixed, sizeof fixed);
    emit_str8(k, t->action);
    emit_str8(k, t->device_id);
    emit_str8(k, t->button);
    emit_str8(k, t->press);
    emit_str8(k, t->blueprint);
    emit_str8(k, t->entity);
    uint8_t n[2];
    put16(n, (uint16_t)strlen(t->props));
    emit(k, n, 2);
    emit(k, t->props, strlen(t->props));
}

typedef struct {
    uint8_t bytes[12];
    uint8_t len;
} small_t;

static void enc_small(sink_t *k, const void *ctx)
{
    const small_t *s = ctx;
    emit(k, s->bytes, s->len);
}

typedef struct {
    uint32_t off;
    uint8_t type;
    uint16_t len;
    bool ok;        /* the CRC matches */
    uint8_t head8[8]; /* the payload's first bytes: a trigger's boot and seq */
} rec_t;

static void rec_header(uint8_t hdr[REC_HDR], uint8_t type, uint16_t len, uint32_t payload_crc)
{
    hdr[0] = type;
    hdr[1] = REC_VERSION;
    put16(hdr + 2, len);
    put16(hdr + 4, (uint16_t)(0xFFFFu ^ len));
    put16(hdr + 6, 0xFFFFu);
    put32(hdr + 8, crc32_update(payload_crc, hdr, 8));
}

/* Whether hdr can head a record at off: a known type and version, a length
 * that matches its complement and keeps the record inside its unit.  Every
 * reader checks the header it read, every time: the medium may have changed
 * since mount. */
static bool hdr_sane(uint32_t off, const uint8_t hdr[REC_HDR])
{
    uint16_t len = get16(hdr + 2);
    uint32_t end = off - off % m.unit + m.unit;
    return (hdr[0] == REC_TRIGGER || hdr[0] == REC_DONE || hdr[0] == REC_GC_DONE) && hdr[1] == REC_VERSION &&
           (uint32_t)get16(hdr + 4) + len == 0xFFFFu && off % m.unit >= UNIT_HDR && off <= end - REC_HDR &&
           len <= end - REC_HDR - off;
}

/* Reads the record at off (inside the unit that starts at base).  Returns 1
 * for a record (r->ok says whether its CRC holds), 0 at the unit's unwritten
 * end, -1 for a torn header: nothing after it can be trusted. */
static int rec_read(uint32_t base, uint32_t off, rec_t *r)
{
    uint8_t hdr[REC_HDR];
    if (off + REC_HDR > base + m.unit || med_read(off, hdr, REC_HDR) != QUEUE_OK) {
        return 0;
    }
    if (all_erased(hdr, REC_HDR)) {
        return 0;
    }
    uint16_t len = get16(hdr + 2);
    if (!hdr_sane(off, hdr)) {
        return -1;
    }
    r->off = off;
    r->type = hdr[0];
    r->len = len;
    memset(r->head8, 0, sizeof r->head8);
    r->ok = false;
    if (med_read(off + REC_HDR, r->head8, len < 8u ? len : 8u) != QUEUE_OK) {
        return 1;
    }
    uint32_t crc = 0;
    uint8_t buf[CHUNK];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = chunk_of(len - done);
        if (med_read(off + REC_HDR + done, buf, n) != QUEUE_OK) {
            return 1;
        }
        crc = crc32_update(crc, buf, n);
        done += n;
    }
    r->ok = crc32_update(crc, hdr, 8) == get32(hdr + 8);
    return 1;
}

/* The space the record at loc takes (0 when unreadable). */
static uint32_t rec_bytes_at(uint32_t off)
{
    uint8_t hdr[REC_HDR];
    if (off > m.size - REC_HDR || med_read(off, hdr, REC_HDR) != QUEUE_OK || !hdr_sane(off, hdr)) {
        return 0;
    }
    return align8(REC_HDR + get16(hdr + 2));
}

static uint64_t rec_key(const rec_t *r)
{
    return ((uint64_t)get32(r->head8) << 32) | get32(r->head8 + 4);
}

/* ------------------------------------------------------------ the ring */

static int open_next(void);

/* Room for need bytes in the head, opening (and compacting) units as
 * needed.  reserve: whether the gc-done reserve must stay free. */
static int make_room(uint32_t need, bool reserve)
{
    uint32_t keep = reserve ? GC_RESERVE : 0u;
    if (need + keep > m.unit - UNIT_HDR) {
        return QUEUE_FULL;
    }
    /* Each pass compacts one more unit; after a full turn every unit has
     * been compacted, so if there is still no room the ring is full. */
    for (uint32_t tries = 0; tries <= m.nunits; tries++) {
        if (m.head >= 0 && m.wr + need + keep <= m.unit) {
            return QUEUE_OK;
        }
        int rc = open_next();
        if (rc != QUEUE_OK) {
            return rc;
        }
    }
    return QUEUE_FULL;
}

/* Appends one record; *at_out (when given) gets where it went. */
static int write_record(uint8_t type, encoder_t enc, const void *ctx, bool reserve, uint32_t *at_out)
{
    if (m.broken) {
        return QUEUE_IO;
    }
    sink_t k = {0};
    enc(&k, ctx);
    uint32_t need = align8(REC_HDR + k.len);
    int rc = make_room(need, reserve);
    if (rc != QUEUE_OK) {
        return rc;
    }
    uint8_t hdr[REC_HDR];
    rec_header(hdr, type, (uint16_t)k.len, k.crc);
    uint32_t at = unit_base((uint32_t)m.head) + m.wr;
    /* Past it whatever happens: a torn record is skipped, never overwritten. */
    m.wr += need;
    if (med_program(at, hdr, REC_HDR) != QUEUE_OK) {
        return QUEUE_IO;
    }
    sink_t w = {.write = true, .off = at + REC_HDR};
    enc(&w, ctx);
    if (w.rc != QUEUE_OK) {
        return w.rc;
    }
    /* Acknowledged only once it reads back whole. */
    rec_t r;
    if (rec_read(unit_base((uint32_t)m.head), at, &r) != 1 || !r.ok) {
        return QUEUE_IO;
    }
    if (at_out != NULL) {
        *at_out = at;
    }
    return QUEUE_OK;
}

static queue_entry_t *entry_at_loc(uint32_t off)
{
    for (unsigned i = 0; i < s_n; i++) {
        if ((uint32_t)s_q[i].loc * ALIGN == off) {
            return &s_q[i];
        }
    }
    return NULL;
}

static int copy_record(const rec_t *r, uint32_t *at_out)
{
    uint32_t need = align8(REC_HDR + r->len);
    if (m.wr + need > m.unit) {
        return QUEUE_FULL; /* cannot happen: see GC_RESERVE */
    }
    uint32_t at = unit_base((uint32_t)m.head) + m.wr;
    m.wr += need;
    uint8_t buf[CHUNK];
    for (uint32_t done = 0; done < REC_HDR + r->len;) {
        uint32_t n = chunk_of(REC_HDR + r->len - done);
        if (med_read(r->off + done, buf, n) != QUEUE_OK || med_program(at + done, buf, n) != QUEUE_OK) {
            return QUEUE_IO;
        }
        done += n;
    }
    *at_out = at;
    return QUEUE_OK;
}

static int erase_tail(void)
{
    uint32_t tail = ((uint32_t)m.head + 1u) % m.nunits;
    if (med_erase(unit_base(tail)) != QUEUE_OK) {
        return QUEUE_IO;
    }
    m.arc--;
    m.tail_copied = false;
    return QUEUE_OK;
}

/* The ring is full of units: copies the oldest unit's live triggers into the
 * head (fresh, so they fit), records that, then erases the oldest. */
static int compact_tail(void)
{
    uint32_t tail = ((uint32_t)m.head + 1u) % m.nunits;
    uint32_t base = unit_base(tail);
    rec_t r;
    for (uint32_t off = base + UNIT_HDR; rec_read(base, off, &r) == 1; off += align8(REC_HDR + r.len)) {
        queue_entry_t *e = r.type == REC_TRIGGER && r.ok ? entry_at_loc(r.off) : NULL;
        if (e != NULL) {
            uint32_t at;
            int rc = copy_record(&r, &at);
            if (rc != QUEUE_OK) {
                return rc;
            }
            e->loc = (uint16_t)(at / ALIGN);
        }
    }
    small_t g = {.len = 4};
    put32(g.bytes, m.head_seq - (m.nunits - 1u));
    int rc = write_record(REC_GC_DONE, enc_small, &g, false, NULL);
    if (rc != QUEUE_OK) {
        return rc;
    }
    m.tail_copied = true;
    return erase_tail();
}

static int open_next(void)
{
    if (m.arc >= m.nunits) {
        /* a compaction whose erase failed: finish it first */
        int rc = m.tail_copied ? erase_tail() : QUEUE_FULL;
        if (rc != QUEUE_OK) {
            return rc;
        }
    }
    uint32_t next = m.head < 0 ? 0u : ((uint32_t)m.head + 1u) % m.nunits;
    uint32_t base = unit_base(next);
    if (!blank(base, m.unit) && med_erase(base) != QUEUE_OK) {
        return QUEUE_IO;
    }
    uint8_t h[UNIT_HDR];
    put32(h, UNIT_MAGIC);
    put32(h + 4, m.head_seq + 1u);
    put32(h + 8, m.unit);
    put32(h + 12, crc32_update(0, h, 12));
    if (med_program(base, h, UNIT_HDR) != QUEUE_OK) {
        return QUEUE_IO;
    }
    m.head = (int)next;
    m.head_seq++;
    m.arc++;
    m.wr = UNIT_HDR;
    return m.arc == m.nunits ? compact_tail() : QUEUE_OK;
}

/* ------------------------------------------------------------ mount */

/* The unit's sequence number, or 0 when it holds no valid header. */
static uint32_t unit_seq(uint32_t u)
{
    uint8_t h[UNIT_HDR];
    if (med_read(unit_base(u), h, UNIT_HDR) != QUEUE_OK || get32(h) != UNIT_MAGIC || get32(h + 8) != m.unit ||
        crc32_update(0, h, 12) != get32(h + 12)) {
        return 0;
    }
    return get32(h + 4);
}

/* Where the next record goes in unit u (unit size when a torn header closes
 * it, or when bytes past its last record are not erased: a record would be
 * programmed over them); *gc_seq gets the sequence named by its last gc-done
 * record. */
static uint32_t unit_end(uint32_t u, uint32_t *gc_seq)
{
    uint32_t base = unit_base(u);
    uint32_t off = base + UNIT_HDR;
    rec_t r;
    int rc;
    while ((rc = rec_read(base, off, &r)) == 1) {
        if (r.type == REC_GC_DONE && r.ok) {
            *gc_seq = get32(r.head8);
        }
        off += align8(REC_HDR + r.len);
    }
    return rc < 0 || !blank(off, base + m.unit - off) ? m.unit : off - base;
}

static void index_remove(unsigned i, uint64_t *keys)
{
    memmove(&s_q[i], &s_q[i + 1], (s_n - i - 1u) * sizeof s_q[0]);
    if (keys != NULL) {
        memmove(&keys[i], &keys[i + 1], (s_n - i - 1u) * sizeof keys[0]);
    }
    s_n--;
    if (s_busy > (int)i) {
        s_busy--;
    } else if (s_busy == (int)i) {
        s_busy = -1;
    }
}

static void index_unit(uint32_t u, uint64_t *keys)
{
    uint32_t base = unit_base(u);
    rec_t r;
    for (uint32_t off = base + UNIT_HDR; rec_read(base, off, &r) == 1; off += align8(REC_HDR + r.len)) {
        if (!r.ok || r.type == REC_GC_DONE) {
            continue;
        }
        uint64_t key = rec_key(&r);
        unsigned i = 0;
        while (i < s_n && keys[i] != key) {
            i++;
        }
        if (r.type == REC_DONE) {
            if (i < s_n) {
                index_remove(i, keys);
            }
        } else if (i < s_n) {
            s_q[i].loc = (uint16_t)(r.off / ALIGN); /* a newer copy */
        } else if (s_n < QUEUE_CAPACITY) {
            keys[s_n] = key;
            s_q[s_n++] = (queue_entry_t){
                .loc = (uint16_t)(r.off / ALIGN), .last = QUEUE_LAST_NEW, .pressed_ms = QUEUE_PRESSED_UNKNOWN};
        }
    }
}

static int mount(void)
{
    uint32_t seq[MAX_UNITS];
    uint32_t top = 0;
    m.head = -1;
    for (uint32_t u = 0; u < m.nunits; u++) {
        seq[u] = unit_seq(u);
        if (seq[u] != 0 && seq[u] > top) {
            top = seq[u];
            m.head = (int)u;
        }
    }
    if (m.head < 0) {
        return QUEUE_OK; /* new: the first record opens unit 0 */
    }
    m.head_seq = top;
    m.arc = 1;
    for (uint32_t u = ((uint32_t)m.head + m.nunits - 1u) % m.nunits; m.arc < m.nunits && seq[u] == top - m.arc;
         u = (u + m.nunits - 1u) % m.nunits) {
        m.arc++;
    }
    uint32_t gc_seq = 0;
    m.wr = unit_end((uint32_t)m.head, &gc_seq);
    if (m.arc == m.nunits) {
        /* A compaction was cut short.  If its gc-done landed, the oldest unit
         * is garbage; if not, the head holds nothing but partial copies of
         * the oldest unit, which is still whole. */
        m.tail_copied = gc_seq == top - (m.nunits - 1u);
        if (m.tail_copied) {
            return erase_tail();
        }
        if (med_erase(unit_base((uint32_t)m.head)) != QUEUE_OK) {
            return QUEUE_IO;
        }
        m.head = (int)(((uint32_t)m.head + m.nunits - 1u) % m.nunits);
        m.head_seq--;
        m.arc--;
        m.wr = unit_end((uint32_t)m.head, &gc_seq);
    }
    return QUEUE_OK;
}

static void index_build(void)
{
    uint64_t keys[QUEUE_CAPACITY];
    s_n = 0;
    if (m.head < 0) {
        return;
    }
    uint32_t tail = ((uint32_t)m.head + m.nunits + 1u - m.arc) % m.nunits;
    for (uint32_t i = 0; i < m.arc; i++) {
        index_unit((tail + i) % m.nunits, keys);
    }
    /* oldest trigger first, whatever unit its newest copy is in */
    uint32_t now = hal_millis();
    for (unsigned i = 0; i < s_n; i++) {
        s_q[i].next_at = now;
        m.live += rec_bytes_at((uint32_t)s_q[i].loc * ALIGN) + DONE_BYTES;
        for (unsigned j = i; j > 0 && keys[j - 1] > keys[j]; j--) {
            uint64_t k = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = k;
            queue_entry_t e = s_q[j];
            s_q[j] = s_q[j - 1];
            s_q[j - 1] = e;
        }
    }
}

void queue_set_allocator(void *(*alloc)(size_t size))
{
    s_alloc = alloc;
}

int queue_init(void)
{
    memset(&m, 0, sizeof m);
    s_n = 0;
    s_busy = -1;
    hal_nvm_info_t info = {0, 0};
    if (hal_nvm_init() == HAL_NVM_OK) {
        info = hal_nvm_info(HAL_NVM_QUEUE);
    }
    /* loc counts 8-byte steps in 16 bits: at most 512 KB of a larger region */
    uint32_t usable = info.size < 0x80000u ? info.size : 0x80000u - 0x80000u % (info.erase_size ? info.erase_size : 1u);
    if (usable >= 3u * info.erase_size && info.erase_size % ALIGN == 0 &&
        info.erase_size > UNIT_HDR + GC_RESERVE + REC_MAX_BYTES) {
        m.size = usable;
        m.unit = info.erase_size;
    } else {
        /* Kept across a remount after a failed write (never across a reset:
         * static RAM starts again with the firmware). */
        static uint8_t *ram;
        if (ram == NULL && s_alloc != NULL) {
            ram = s_alloc(QUEUE_RAM_SIZE);
            if (ram != NULL) {
                memset(ram, 0xFF, QUEUE_RAM_SIZE);
            }
        }
        if (ram == NULL) {
            return QUEUE_IO;
        }
        m.ram = true;
        m.ram_buf = ram;
        m.size = QUEUE_RAM_SIZE;
        m.unit = RAM_UNIT;
    }
    m.nunits = m.size / m.unit;
    if (m.nunits > MAX_UNITS) {
        m.nunits = MAX_UNITS;
    }
    /* With at most this much live, some unit always has room once the ring
     * has been compacted one turn (two units are the head and the spare). */
    m.budget = (m.nunits - 2u) * (m.unit - UNIT_HDR - GC_RESERVE - REC_MAX_BYTES);
    int rc = mount();
    index_build();
    m.mounted = rc == QUEUE_OK || m.head >= 0 || s_n > 0;
    return rc;
}

bool queue_durable(void)
{
    return m.mounted && !m.ram;
}

bool queue_broken(void)
{
    return m.broken;
}

/* ------------------------------------------------------------ operations */

int queue_push(const trigger_rec_t *rec, uint64_t pressed_uptime_ms)
{
    if (!m.mounted || m.broken) {
        return QUEUE_IO;
    }
    if (s_n >= QUEUE_CAPACITY) {
        return QUEUE_FULL;
    }
    /* Room is kept for the done record every pending trigger will need, so
     * delivering one never fails for want of space. */
    sink_t k = {0};
    enc_trigger(&k, rec);
    uint32_t bytes = align8(REC_HDR + k.len) + DONE_BYTES;
    if (m.live + bytes > m.budget) {
        return QUEUE_FULL;
    }
    uint32_t at;
    int rc = write_record(REC_TRIGGER, enc_trigger, rec, true, &at);
    if (rc != QUEUE_OK) {
        return rc;
    }
    m.live += bytes;
    s_q[s_n++] = (queue_entry_t){.loc = (uint16_t)(at / ALIGN),
                                 .next_at = hal_millis(),
                                 .last = QUEUE_LAST_NEW,
                                 .pressed_ms = (uint32_t)pressed_uptime_ms};
    return QUEUE_OK;
}

static int update_at(queue_entry_t *e, const trigger_rec_t *rec)
{
    uint32_t at;
    uint32_t old = rec_bytes_at((uint32_t)e->loc * ALIGN);
    int rc = write_record(REC_TRIGGER, enc_trigger, rec, true, &at);
    if (rc == QUEUE_OK) {
        e->loc = (uint16_t)(at / ALIGN);
        m.live = m.live - old + rec_bytes_at(at);
    }
    return rc;
}

static int remove_at(unsigned i, queue_done_t why)
{
    queue_entry_t *e = &s_q[i];
    uint32_t bytes = rec_bytes_at((uint32_t)e->loc * ALIGN) + DONE_BYTES;
    m.live = m.live > bytes ? m.live - bytes : 0u;
    /* the done record: the trigger's boot and seq (its first 8 bytes), why */
    small_t d = {.len = 9};
    int rc = rec_bytes_at((uint32_t)e->loc * ALIGN) >= REC_HDR + FIXED_LEN
                 ? med_read((uint32_t)e->loc * ALIGN + REC_HDR, d.bytes, 8)
                 : QUEUE_CORRUPT;
    if (rc == QUEUE_OK) {
        d.bytes[8] = (uint8_t)why;
        rc = write_record(REC_DONE, enc_small, &d, true, NULL);
    }
    /* Gone from this boot whatever the medium said: if the done record did
     * not land, the trigger comes back after a reset or remount (sent twice,
     * same runId), which is the safe side. */
    index_remove(i, NULL);
    return rc;
}

unsigned queue_count(void)
{
    return s_n;
}

static int summary_of(const queue_entry_t *e, queue_summary_t *out);
static int load_entry(const queue_entry_t *e, trigger_rec_t *t);

static int peek_entry(int i, queue_sched_t *sched, queue_summary_t *sum)
{
    if (i < 0 || (unsigned)i >= s_n) {
        return QUEUE_IO;
    }
    queue_entry_t *e = &s_q[i];
    /* A press time kept as 32 bits of uptime is trusted for 24.8 days; after
     * that the running clock ages the trigger (before the bits wrap). */
    if (e->pressed_ms != QUEUE_PRESSED_UNKNOWN && (uint32_t)hal_uptime_ms() - e->pressed_ms >= 0x80000000u) {
        e->pressed_ms = QUEUE_PRESSED_UNKNOWN;
    }
    if (sched != NULL) {
        *sched = (queue_sched_t){.next_at = e->next_at,
                                 .attempts = e->attempts,
                                 .last = e->last,
                                 .pressed_ms = e->pressed_ms,
                                 .in_flight = i == s_busy};
    }
    return sum != NULL ? summary_of(e, sum) : QUEUE_OK;
}

int queue_peek(unsigned i, queue_sched_t *sched, queue_summary_t *sum)
{
    return peek_entry(i < s_n ? (int)i : -1, sched, sum);
}

void queue_set_due(unsigned i, uint32_t now)
{
    if (i < s_n) {
        s_q[i].next_at = now;
    }
}

int queue_remove(unsigned i, queue_done_t why)
{
    if (i >= s_n) {
        return QUEUE_IO;
    }
    return (int)i == s_busy ? QUEUE_BUSY : remove_at(i, why);
}

int queue_read(unsigned i, trigger_rec_t *out)
{
    return i < s_n ? load_entry(&s_q[i], out) : QUEUE_IO;
}

int queue_rewrite(unsigned i, const trigger_rec_t *rec)
{
    return i < s_n ? update_at(&s_q[i], rec) : QUEUE_IO;
}

bool queue_flight_begin(uint32_t now)
{
    for (unsigned i = 0; s_busy < 0 && i < s_n; i++) {
        if ((int32_t)(now - s_q[i].next_at) >= 0) {
            s_busy = (int)i;
            if (s_q[i].attempts < UINT16_MAX) {
                s_q[i].attempts++;
            }
            return true;
        }
    }
    return false;
}

bool queue_flight_active(void)
{
    return s_busy >= 0;
}

int queue_flight_peek(queue_sched_t *sched, queue_summary_t *sum)
{
    return peek_entry(s_busy, sched, sum);
}

int queue_flight_load(trigger_rec_t *out)
{
    return s_busy >= 0 ? queue_read((unsigned)s_busy, out) : QUEUE_IO;
}

int queue_flight_update(const trigger_rec_t *rec)
{
    return s_busy >= 0 ? queue_rewrite((unsigned)s_busy, rec) : QUEUE_IO;
}

void queue_flight_end(uint32_t next_at, uint16_t last)
{
    if (s_busy >= 0) {
        s_q[s_busy].next_at = next_at;
        s_q[s_busy].last = last;
    }
    s_busy = -1;
}

int queue_flight_done(queue_done_t why)
{
    if (s_busy < 0) {
        return QUEUE_IO;
    }
    unsigned i = (unsigned)s_busy;
    s_busy = -1;
    return remove_at(i, why);
}

/* ------------------------------------------------------------ reading */

typedef struct {
    uint32_t off, end;
    uint32_t crc;
    int rc;
} reader_t;

static void take(reader_t *r, void *buf, size_t n)
{
    if (r->rc != QUEUE_OK || r->off + n > r->end) {
        r->rc = QUEUE_CORRUPT;
        memset(buf, 0, n);
        return;
    }
    if (med_read(r->off, buf, n) != QUEUE_OK) {
        r->rc = QUEUE_IO;
        return;
    }
    r->crc = crc32_update(r->crc, buf, n);
    r->off += (uint32_t)n;
}

static void take_str(reader_t *r, char *out, size_t size, bool wide)
{
    uint8_t n8[2] = {0, 0};
    take(r, n8, wide ? 2u : 1u);
    size_t n = wide ? get16(n8) : n8[0];
    if (n >= size) {
        r->rc = r->rc == QUEUE_OK ? QUEUE_CORRUPT : r->rc;
        out[0] = '\0';
        return;
    }
    take(r, out, n);
    out[n] = '\0';
}

static void take_fixed(reader_t *r, uint32_t *boot, uint32_t *seq, uint64_t *at, bool *utc, bool *est)
{
    uint8_t f[FIXED_LEN];
    take(r, f, sizeof f);
    *boot = get32(f);
    *seq = get32(f + 4);
    *at = get32(f + 8) | ((uint64_t)get32(f + 12) << 32);
    *utc = (f[16] & FLAG_AT_UTC) != 0;
    *est = (f[16] & FLAG_AT_ESTIMATED) != 0;
}

static int reader_open(const queue_entry_t *e, reader_t *r, uint8_t hdr[REC_HDR])
{
    uint32_t off = (uint32_t)e->loc * ALIGN;
    *r = (reader_t){.off = off + REC_HDR};
    if (off > m.size - REC_HDR || med_read(off, hdr, REC_HDR) != QUEUE_OK) {
        return QUEUE_IO;
    }
    r->end = r->off + get16(hdr + 2);
    return hdr[0] == REC_TRIGGER && hdr_sane(off, hdr) ? QUEUE_OK : QUEUE_CORRUPT;
}

_Static_assert(sizeof(((trigger_rec_t *)0)->action) == sizeof(((queue_summary_t *)0)->action) &&
                   sizeof(((trigger_rec_t *)0)->device_id) == sizeof(((queue_summary_t *)0)->device_id),
               "a summary's strings are the record's");

/* The fields a summary holds, which come first in a trigger record. */
static int read_summary(const queue_entry_t *e, reader_t *r, uint8_t hdr[REC_HDR], queue_summary_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = reader_open(e, r, hdr);
    if (rc != QUEUE_OK) {
        return rc;
    }
    take_fixed(r, &out->boot, &out->seq, &out->at_ms, &out->at_utc, &out->at_estimated);
    take_str(r, out->action, sizeof out->action, false);
    take_str(r, out->device_id, sizeof out->device_id, false);
    return r->rc;
}

static int summary_of(const queue_entry_t *e, queue_summary_t *out)
{
    reader_t r;
    uint8_t hdr[REC_HDR];
    return read_summary(e, &r, hdr, out);
}

static int load_entry(const queue_entry_t *e, trigger_rec_t *t)
{
    reader_t r;
    uint8_t hdr[REC_HDR];
    queue_summary_t q;
    memset(t, 0, sizeof *t);
    int rc = read_summary(e, &r, hdr, &q);
    if (rc != QUEUE_OK) {
        return rc;
    }
    t->boot = q.boot;
    t->seq = q.seq;
    t->at_ms = q.at_ms;
    t->at_utc = q.at_utc;
    t->at_estimated = q.at_estimated;
    memcpy(t->action, q.action, sizeof t->action);
    memcpy(t->device_id, q.device_id, sizeof t->device_id);
    take_str(&r, t->button, sizeof t->button, false);
    take_str(&r, t->press, sizeof t->press, false);
    take_str(&r, t->blueprint, sizeof t->blueprint, false);
    take_str(&r, t->entity, sizeof t->entity, false);
    take_str(&r, t->props, sizeof t->props, true);
    if (r.rc != QUEUE_OK) {
        return r.rc;
    }
    /* The medium may have decayed since mount: check the CRC again. */
    if (r.off != r.end || crc32_update(r.crc, hdr, 8) != get32(hdr + 8)) {
        return QUEUE_CORRUPT;
    }
    return QUEUE_OK;
}

void queue_run_id(const queue_summary_t *s, char *out, size_t size)
{
    payload_format_run_id(s->device_id, s->boot, s->seq, out, size);
}

int queue_find(const char *run_id)
{
    char id[PAYLOAD_ID_MAX + 24];
    queue_summary_t sum;
    for (unsigned i = 0; i < s_n; i++) {
        if (summary_of(&s_q[i], &sum) == QUEUE_OK) {
            queue_run_id(&sum, id, sizeof id);
            if (strcmp(id, run_id) == 0) {
                return (int)i;
            }
        }
    }
    return -1;
}

uint32_t queue_record_offset(unsigned i)
{
    return i < s_n ? (uint32_t)s_q[i].loc * ALIGN : 0u;
}

queue_stats_t queue_stats(void)
{
    return (queue_stats_t){m.size, m.unit, m.head_seq};
}
