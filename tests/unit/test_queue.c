/* The durable queue against the NOR fake: records round-trip, capacity and
 * refusal, compaction and wear, the RAM fallback, and a power cut after every
 * single write of random workloads (enqueue, deliver, rewrite, compaction),
 * after which every acknowledged trigger is still there or was delivered,
 * none comes back once marked done, and the ring stays usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hal.h"
#include "fake_nvm.h"
#include "hal_time.h"
#include "queue.h"

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    fake_nvm_reset();
    queue_set_allocator(NULL);
    return 0;
}

static uint32_t s_rnd = 1;

static uint32_t rnd(void)
{
    s_rnd ^= s_rnd << 13;
    s_rnd ^= s_rnd >> 17;
    s_rnd ^= s_rnd << 5;
    return s_rnd;
}

/* A trigger whose every field follows from (seq, version, size). */
static void make(trigger_rec_t *t, uint32_t seq, unsigned version, size_t props_len)
{
    memset(t, 0, sizeof *t);
    snprintf(t->action, sizeof t->action, "act%u", (unsigned)(seq % 7u));
    snprintf(t->device_id, sizeof t->device_id, "pb-525400123456");
    snprintf(t->blueprint, sizeof t->blueprint, "service");
    snprintf(t->entity, sizeof t->entity, seq % 3u ? "" : "checkout-%u", (unsigned)seq);
    snprintf(t->button, sizeof t->button, "%s", seq % 2u ? "serial" : "sw1");
    snprintf(t->press, sizeof t->press, "%s", seq % 2u ? "cli" : "short");
    t->boot = 7;
    t->seq = seq;
    t->at_ms = 1764331200000ull + seq * 1000u + version;
    t->at_utc = version > 0;
    t->at_estimated = version > 1;
    if (props_len < 2) {
        props_len = 2;
    }
    if (props_len > PAYLOAD_PROPS_MAX) {
        props_len = PAYLOAD_PROPS_MAX;
    }
    t->props[0] = '{';
    for (size_t i = 1; i + 1 < props_len; i++) {
        t->props[i] = (char)('a' + (seq + i) % 26u);
    }
    t->props[props_len - 1] = '}';
    t->props[props_len] = '\0';
}

/* The largest trigger there is: every string at its longest. */
static void make_largest(trigger_rec_t *t, uint32_t seq)
{
    make(t, seq, 1, PAYLOAD_PROPS_MAX);
    memset(t->blueprint, 'b', PAYLOAD_IDENT_MAX);
    memset(t->entity, 'e', PAYLOAD_IDENT_MAX);
}

static void assert_same(const trigger_rec_t *a, const trigger_rec_t *b)
{
    assert_string_equal(a->action, b->action);
    assert_string_equal(a->device_id, b->device_id);
    assert_string_equal(a->blueprint, b->blueprint);
    assert_string_equal(a->entity, b->entity);
    assert_string_equal(a->button, b->button);
    assert_string_equal(a->press, b->press);
    assert_int_equal(a->boot, b->boot);
    assert_int_equal(a->seq, b->seq);
    assert_true(a->at_ms == b->at_ms);
    assert_int_equal(a->at_utc, b->at_utc);
    assert_int_equal(a->at_estimated, b->at_estimated);
    assert_string_equal(a->props, b->props);
}

static uint32_t seq_of(unsigned i)
{
    queue_summary_t s;
    assert_int_equal(queue_peek(i, NULL, &s), QUEUE_OK);
    return s.seq;
}

static unsigned find_seq(uint32_t seq)
{
    for (unsigned i = 0; i < queue_count(); i++) {
        if (seq_of(i) == seq) {
            return i;
        }
    }
    fail_msg("no trigger with seq %u", (unsigned)seq);
    return 0;
}

static queue_sched_t sched_of(unsigned i)
{
    queue_sched_t q;
    assert_int_equal(queue_peek(i, &q, NULL), QUEUE_OK);
    return q;
}

static void round_trip_and_order(void **state)
{
    (void)state;
    trigger_rec_t in, out;
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_true(queue_durable());
    assert_int_equal(queue_count(), 0);
    for (uint32_t seq = 1; seq <= 5; seq++) {
        make(&in, seq, seq % 3u, seq == 3 ? PAYLOAD_PROPS_MAX : 20u * seq);
        assert_int_equal(queue_push(&in, in.seq), QUEUE_OK);
    }
    assert_int_equal(queue_init(), QUEUE_OK); /* a reset */
    assert_int_equal(queue_count(), 5);
    for (uint32_t seq = 1; seq <= 5; seq++) {
        make(&in, seq, seq % 3u, seq == 3 ? PAYLOAD_PROPS_MAX : 20u * seq);
        assert_int_equal(queue_read(seq - 1u, &out), QUEUE_OK);
        assert_same(&in, &out);
        assert_int_equal(sched_of(seq - 1u).attempts, 0);
        assert_int_equal(sched_of(seq - 1u).last, QUEUE_LAST_NEW);
    }
    queue_summary_t s;
    char id[64];
    assert_int_equal(queue_peek(1, NULL, &s), QUEUE_OK);
    queue_run_id(&s, id, sizeof id);
    assert_string_equal(id, "pb-525400123456-7-2");
    assert_string_equal(s.action, "act2");
    assert_int_equal(queue_find("pb-525400123456-7-4"), 3);
    assert_int_equal(queue_find("pb-525400123456-7-9"), -1);
}

static void done_records_survive_reset(void **state)
{
    (void)state;
    trigger_rec_t t;
    assert_int_equal(queue_init(), QUEUE_OK);
    for (uint32_t seq = 1; seq <= 4; seq++) {
        make(&t, seq, 0, 50);
        assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    }
    assert_int_equal(queue_remove(find_seq(2), QUEUE_DONE_DELIVERED), QUEUE_OK);
    assert_int_equal(queue_remove(find_seq(4), QUEUE_DONE_DROPPED), QUEUE_OK);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), 2);
    assert_int_equal(seq_of(0), 1);
    assert_int_equal(seq_of(1), 3);
}

static void update_wins_over_the_old_copy(void **state)
{
    (void)state;
    trigger_rec_t t, out;
    assert_int_equal(queue_init(), QUEUE_OK);
    make(&t, 1, 0, 40);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    make(&t, 2, 0, 40);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    make(&t, 1, 2, 40);
    assert_int_equal(queue_rewrite(0, &t), QUEUE_OK);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), 2);
    assert_int_equal(queue_read(0, &out), QUEUE_OK);
    assert_same(&t, &out);
    assert_true(out.at_estimated);
}

/* 128 of the largest triggers fit; the 129th is refused and changes nothing. */
static void capacity_of_largest_triggers(void **state)
{
    (void)state;
    trigger_rec_t t, out;
    assert_int_equal(queue_init(), QUEUE_OK);
    for (uint32_t seq = 1; seq <= QUEUE_CAPACITY; seq++) {
        make_largest(&t, seq);
        assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    }
    make(&t, 999, 1, 10);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_FULL);
    assert_int_equal(queue_count(), QUEUE_CAPACITY);
    /* deliver the oldest half and queue as many again: the ring turns */
    for (uint32_t round = 0; round < 3; round++) {
        for (unsigned i = 0; i < QUEUE_CAPACITY / 2u; i++) {
            assert_int_equal(queue_remove(0, QUEUE_DONE_DELIVERED), QUEUE_OK);
        }
        for (uint32_t k = 0; k < QUEUE_CAPACITY / 2u; k++) {
            make_largest(&t, 1000u * (round + 1u) + k);
            assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
        }
    }
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), QUEUE_CAPACITY);
    assert_int_equal(queue_read(QUEUE_CAPACITY - 1u, &out), QUEUE_OK);
    assert_int_equal(out.seq, 3000u + QUEUE_CAPACITY / 2u - 1u);
    queue_stats_t st = queue_stats();
    assert_int_equal(st.unit, FAKE_NVM_UNIT);
    assert_true(st.units_started > FAKE_NVM_QUEUE_SIZE / FAKE_NVM_UNIT); /* went round the ring */
}

/* Every unit takes its turn: after many rounds, erases differ by at most one
 * turn of the ring. */
static void wear_is_spread(void **state)
{
    (void)state;
    trigger_rec_t t;
    fake_nvm_set_queue_geometry(8u * 2048u, 2048u);
    assert_int_equal(queue_init(), QUEUE_OK);
    uint32_t seq = 1;
    make(&t, seq, 0, 30);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK); /* one that stays throughout */
    for (unsigned i = 0; i < 2000; i++) {
        make(&t, ++seq, 0, 100 + (i % 5u) * 60u);
        assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
        assert_int_equal(queue_remove(1, QUEUE_DONE_DELIVERED), QUEUE_OK);
    }
    queue_stats_t st = queue_stats();
    assert_true(st.units_started > 20u * 8u);
    unsigned long lo = ~0ul, hi = 0;
    for (uint32_t u = 0; u < 8; u++) {
        unsigned long n = fake_nvm_erases(HAL_NVM_QUEUE, u * 2048u);
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    print_message("queue wear: %lu units started, erases per unit %lu..%lu\n", (unsigned long)st.units_started, lo,
                  hi);
    assert_true(lo >= 20u && hi - lo <= 1u);
    assert_int_equal(queue_count(), 1);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), 1);
    assert_int_equal(seq_of(0), 1);
}

static void *test_alloc(size_t n)
{
    static uint8_t buf[QUEUE_RAM_SIZE];
    assert_int_equal(n, sizeof buf);
    return buf;
}

static void ram_only_without_a_medium(void **state)
{
    (void)state;
    trigger_rec_t t;
    fake_nvm_set_absent(true);
    assert_int_equal(queue_init(), QUEUE_IO); /* nowhere to keep anything */
    make(&t, 1, 0, 10);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_IO);
    queue_set_allocator(test_alloc);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_false(queue_durable());
    unsigned n = 0;
    for (uint32_t seq = 1; seq <= 40 && queue_push((make(&t, seq, 0, 100), &t), seq) == QUEUE_OK; seq++) {
        n++;
    }
    assert_true(n >= 8); /* what fits in a few KB of RAM */
    assert_int_equal(queue_push(&t, t.seq), QUEUE_FULL);
    assert_int_equal(queue_remove(0, QUEUE_DONE_DELIVERED), QUEUE_OK);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
}

static void damaged_record_is_reported_not_sent(void **state)
{
    (void)state;
    trigger_rec_t t, out;
    assert_int_equal(queue_init(), QUEUE_OK);
    make(&t, 1, 0, 200);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    uint8_t *mem = fake_nvm_bytes(HAL_NVM_QUEUE);
    mem[queue_record_offset(0) + 100u] ^= 0x01u; /* decays after mount */
    assert_int_equal(queue_read(0, &out), QUEUE_CORRUPT);
    /* a garbage medium mounts empty and works */
    memset(mem, 0x5A, 4096);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), 1);
}

/* The head unit's records end at an erased header, but bytes further on
 * are not erased (a hostile or decayed medium; found by
 * tests/fuzz/fuzz_nvm.c): the next record would be programmed over them
 * (the NOR fake aborts on that) and fail its read-back on every push, so the
 * unit counts as closed and the next record opens a fresh one. */
static void unerased_bytes_past_the_last_record_are_not_written_over(void **state)
{
    (void)state;
    trigger_rec_t t, out;
    assert_int_equal(queue_init(), QUEUE_OK);
    make(&t, 1, 0, 50);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    uint8_t *mem = fake_nvm_bytes(HAL_NVM_QUEUE);
    uint32_t end = queue_record_offset(0) + 200u;
    mem[end + 13u] = 0x00; /* inside where the next record goes */
    mem[end + 4000u] = 0x00;
    assert_int_equal(queue_init(), QUEUE_OK);
    make(&t, 2, 0, 50);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    assert_int_equal(queue_init(), QUEUE_OK);
    assert_int_equal(queue_count(), 2);
    assert_int_equal(queue_read(find_seq(2), &out), QUEUE_OK);
    assert_same(&t, &out);
}

/* A record's length changed after mount: every reader checks it again, so
 * the trigger reads as damaged, and the ring's accounting does not take it
 * (it used to underflow: every later push refused as full). */
static void a_header_changed_after_mount_is_checked(void **state)
{
    (void)state;
    trigger_rec_t t, out;
    queue_summary_t q;
    assert_int_equal(queue_init(), QUEUE_OK);
    make(&t, 1, 1, 100);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    make(&t, 2, 1, 100);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    uint8_t *hdr = fake_nvm_bytes(HAL_NVM_QUEUE) + queue_record_offset(0);
    hdr[3] = 0xFF; /* its length, now past the unit */
    assert_int_equal(queue_peek(0, NULL, &q), QUEUE_CORRUPT);
    assert_int_equal(queue_read(0, &out), QUEUE_CORRUPT);
    assert_int_equal(queue_read(1, &out), QUEUE_OK);
    make(&t, 1, 2, 100);
    assert_int_equal(queue_rewrite(0, &t), QUEUE_OK); /* a new copy */
    assert_int_equal(queue_read(0, &out), QUEUE_OK);
    make(&t, 3, 1, 100);
    assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    assert_int_equal(queue_count(), 3);
}

/* Every byte of the ring's first records changed in turn after mount: reads,
 * removal, compaction and a remount stay inside their buffers (ASan), and
 * the ring goes on taking triggers. */
static void every_byte_changed_after_mount_is_survived(void **state)
{
    (void)state;
    static const uint8_t how[][2] = {{0xFF, 0x00}, {0x00, 0xC8}, {0x00, 0xFF}}; /* xor, then or */
    trigger_rec_t t, out;
    queue_summary_t q;
    unsigned runs = 0;
    for (uint32_t pos = 0;; pos++) {
        for (size_t h = 0; h < sizeof how / sizeof how[0]; h++) {
            fake_nvm_reset();
            fake_nvm_set_queue_geometry(4u * 2048u, 2048u);
            assert_int_equal(queue_init(), QUEUE_OK);
            for (uint32_t seq = 1; seq <= 3; seq++) {
                make(&t, seq, seq - 1u, 60);
                assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
            }
            assert_int_equal(queue_remove(1, QUEUE_DONE_DELIVERED), QUEUE_OK);
            uint32_t end = queue_record_offset(1) + 160u;
            if (pos >= end) {
                print_message("%u changed bytes survived\n", runs);
                assert_true(runs > 500);
                return;
            }
            uint8_t *b = fake_nvm_bytes(HAL_NVM_QUEUE) + pos;
            *b = (uint8_t)((*b ^ how[h][0]) | how[h][1]);
            runs++;
            for (int round = 0; round < 2; round++) {
                for (unsigned i = 0; i < queue_count(); i++) {
                    (void)queue_peek(i, NULL, &q);
                    (void)queue_read(i, &out);
                }
                if (queue_count() > 0) {
                    make(&t, 9, 2, 60);
                    (void)queue_rewrite(0, &t);
                    (void)queue_remove(0, QUEUE_DONE_DROPPED);
                }
                for (uint32_t seq = 10; seq < 40; seq++) { /* the ring turns: compaction */
                    make(&t, seq, 1, 150);
                    if (queue_push(&t, t.seq) == QUEUE_OK) {
                        (void)queue_remove(queue_count() - 1u, QUEUE_DONE_DELIVERED);
                    }
                }
                (void)queue_init();
            }
            make(&t, 99, 1, 60);
            assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
        }
    }
}

static void in_flight_follows_its_trigger(void **state)
{
    (void)state;
    trigger_rec_t t;
    assert_int_equal(queue_init(), QUEUE_OK);
    for (uint32_t seq = 1; seq <= 3; seq++) {
        make(&t, seq, 0, 20);
        assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
    }
    queue_summary_t sum;
    /* the third is taken: the two older ones are not yet due */
    queue_set_due(0, hal_millis() + 1000u);
    queue_set_due(1, hal_millis() + 1000u);
    assert_true(queue_flight_begin(hal_millis()));
    assert_int_equal(queue_flight_peek(NULL, &sum), QUEUE_OK);
    assert_int_equal(sum.seq, 3);
    assert_int_equal(sched_of(2).attempts, 1);
    assert_true(sched_of(2).in_flight);
    assert_false(queue_flight_begin(hal_millis() + 1000u)); /* one at a time */
    assert_int_equal(queue_remove(2, QUEUE_DONE_DROPPED), QUEUE_BUSY);
    assert_int_equal(queue_remove(0, QUEUE_DONE_DROPPED), QUEUE_OK);
    assert_int_equal(queue_flight_peek(NULL, &sum), QUEUE_OK); /* it follows its trigger */
    assert_int_equal(sum.seq, 3);
    queue_flight_end(hal_millis() + 500u, 7u);
    assert_false(queue_flight_active());
    assert_int_equal(sched_of(1).last, 7u);
    assert_false(sched_of(1).in_flight);
    assert_true(queue_flight_begin(hal_millis() + 1000u)); /* the older one first */
    assert_int_equal(queue_flight_peek(NULL, &sum), QUEUE_OK);
    assert_int_equal(sum.seq, 2);
    assert_int_equal(queue_flight_done(QUEUE_DONE_DELIVERED), QUEUE_OK);
    assert_false(queue_flight_active());
    assert_int_equal(queue_count(), 1);
    assert_int_equal(seq_of(0), 3);
}

/* ------------------------------------------------------------ power cuts */

#define MAX_SEQ 4096u

typedef struct {
    uint8_t state[MAX_SEQ];     /* 0 never, 1 acknowledged, 2 marked done */
    uint8_t version[MAX_SEQ];
    uint16_t size[MAX_SEQ];
    uint32_t next_seq;
    /* the operation the cut interrupted */
    uint32_t op_seq;
    int op_kind;                /* 0 none, 1 push, 2 remove, 3 update */
} model_t;

static model_t s_m;

/* One random operation; false when a write failed (the power went). */
static bool step(void)
{
    trigger_rec_t t;
    uint32_t r = rnd() % 100u;
    s_m.op_kind = 0;
    if (r < 50 || queue_count() == 0) {
        uint32_t seq = s_m.next_seq;
        size_t size = rnd() % 8u == 0 ? PAYLOAD_PROPS_MAX : 10u + rnd() % 200u;
        make(&t, seq, 0, size);
        s_m.op_kind = 1;
        s_m.op_seq = seq;
        int rc = queue_push(&t, t.seq);
        if (rc == QUEUE_OK) {
            s_m.state[seq] = 1;
            s_m.size[seq] = (uint16_t)size;
            s_m.version[seq] = 0;
            s_m.next_seq++;
        } else if (rc == QUEUE_IO) {
            return false;
        } else {
            s_m.next_seq++; /* full: refused, never acknowledged */
        }
        return true;
    }
    unsigned e = rnd() % queue_count();
    uint32_t seq = seq_of(e);
    s_m.op_seq = seq;
    if (r < 85) {
        s_m.op_kind = 2;
        int rc = queue_remove(e, QUEUE_DONE_DELIVERED);
        if (rc != QUEUE_OK) {
            return false;
        }
        s_m.state[seq] = 2;
        return true;
    }
    if (r < 97) {
        s_m.op_kind = 3;
        make(&t, seq, s_m.version[seq] + 1u, s_m.size[seq]);
        if (queue_rewrite(e, &t) != QUEUE_OK) {
            return false;
        }
        s_m.version[seq]++;
        return true;
    }
    return queue_init() == QUEUE_OK; /* a clean reset */
}

/* The queue after a reset against what was acknowledged. */
static void check_against_model(void)
{
    static uint8_t seen[MAX_SEQ];
    trigger_rec_t t, out;
    memset(seen, 0, sizeof seen);
    uint32_t prev = 0;
    for (unsigned i = 0; i < queue_count(); i++) {
        assert_int_equal(queue_read(i, &out), QUEUE_OK);
        uint32_t seq = out.seq;
        assert_true(seq < MAX_SEQ);
        assert_true(i == 0 || seq > prev); /* oldest first, each once */
        prev = seq;
        seen[seq] = 1;
        bool interrupted = s_m.op_seq == seq && s_m.op_kind != 0;
        if (s_m.state[seq] == 2) {
            fail_msg("seq %u came back after it was marked done", (unsigned)seq);
        }
        if (s_m.state[seq] == 0) {
            /* only the push the power cut may show up, unacknowledged */
            assert_true(interrupted && s_m.op_kind == 1);
            s_m.state[seq] = 1;
            s_m.size[seq] = (uint16_t)strlen(out.props);
            s_m.next_seq = seq + 1u;
            continue;
        }
        make(&t, seq, s_m.version[seq], s_m.size[seq]);
        if (interrupted && s_m.op_kind == 3 && out.at_ms != t.at_ms) {
            make(&t, seq, s_m.version[seq] + 1u, s_m.size[seq]); /* the update landed */
            s_m.version[seq]++;
        }
        assert_same(&t, &out);
    }
    for (uint32_t seq = 0; seq < s_m.next_seq; seq++) {
        if (s_m.state[seq] == 1 && !seen[seq]) {
            bool interrupted_remove = s_m.op_kind == 2 && s_m.op_seq == seq;
            if (!interrupted_remove) {
                fail_msg("acknowledged seq %u was lost", (unsigned)seq);
            }
            s_m.state[seq] = 2;
        }
    }
    s_m.op_kind = 0;
}

static void run_workload(uint32_t seed, unsigned steps, long cut_after, unsigned after_steps)
{
    memset(&s_m, 0, sizeof s_m);
    s_m.next_seq = 1;
    s_rnd = seed;
    assert_int_equal(queue_init(), QUEUE_OK);
    fake_nvm_cut_after(cut_after, seed ^ (uint32_t)cut_after * 2654435761u);
    for (unsigned i = 0; i < steps; i++) {
        if (!step()) {
            break;
        }
    }
    fake_nvm_power_on();
    assert_int_equal(queue_init(), QUEUE_OK);
    check_against_model();
    /* and the ring goes on working after the recovery */
    for (unsigned i = 0; i < after_steps; i++) {
        assert_true(step());
    }
    assert_int_equal(queue_init(), QUEUE_OK);
    check_against_model();
}

static unsigned long workload_writes(uint32_t seed, unsigned steps)
{
    fake_nvm_reset();
    fake_nvm_set_queue_geometry(6u * 2048u, 2048u);
    unsigned long before = fake_nvm_writes();
    run_workload(seed, steps, -1, 0);
    return fake_nvm_writes() - before;
}

static void power_cut_at_every_write(void **state)
{
    (void)state;
    static const uint32_t seeds[] = {0x1234567u, 0xBADC0FEu, 0x5EED5u};
    unsigned long trials = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        unsigned long writes = workload_writes(seeds[k], 160);
        for (unsigned long cut = 0; cut < writes; cut++) {
            fake_nvm_reset();
            fake_nvm_set_queue_geometry(6u * 2048u, 2048u);
            run_workload(seeds[k], 160, (long)cut, 40);
            trials++;
        }
    }
    print_message("queue: %lu power-cut points checked\n", trials);
    assert_true(trials > 3000);
}

/* A write fails and the ones after it work (a flash timeout, say): the queue
 * refuses writes until it is mounted again, as delivery does between
 * attempts, and then nothing acknowledged is lost and nothing done returns. */
static void failed_write_then_remount(void **state)
{
    (void)state;
    unsigned long trials = 0;
    unsigned long writes = workload_writes(0xFA11u, 120);
    for (unsigned long fail = 0; fail < writes; fail += 3) {
        fake_nvm_reset();
        fake_nvm_set_queue_geometry(6u * 2048u, 2048u);
        memset(&s_m, 0, sizeof s_m);
        s_m.next_seq = 1;
        s_rnd = 0xFA11u;
        assert_int_equal(queue_init(), QUEUE_OK);
        fake_nvm_fail_after((long)fail, (uint32_t)fail + 7u);
        unsigned i = 0;
        for (; i < 120 && step(); i++) {
        }
        if (i < 120) {
            assert_true(queue_broken());
            trigger_rec_t t;
            make(&t, 9999, 0, 10);
            assert_int_equal(queue_push(&t, t.seq), QUEUE_IO); /* refused until mounted again */
            assert_int_equal(queue_init(), QUEUE_OK);
            assert_false(queue_broken());
            check_against_model();
            for (unsigned k = 0; k < 40; k++) {
                assert_true(step());
            }
        }
        assert_int_equal(queue_init(), QUEUE_OK);
        check_against_model();
        trials++;
    }
    print_message("queue: %lu single failed writes checked\n", trials);
}

/* The board's geometry with the full 128 pending: cut points sampled. */
static void power_cut_with_a_full_queue(void **state)
{
    (void)state;
    trigger_rec_t t;
    for (unsigned trial = 0; trial < 60; trial++) {
        fake_nvm_reset();
        memset(&s_m, 0, sizeof s_m);
        s_rnd = 77u + trial;
        assert_int_equal(queue_init(), QUEUE_OK);
        for (uint32_t seq = 1; seq <= QUEUE_CAPACITY; seq++) {
            make(&t, seq, 0, PAYLOAD_PROPS_MAX);
            assert_int_equal(queue_push(&t, t.seq), QUEUE_OK);
            s_m.state[seq] = 1;
            s_m.size[seq] = PAYLOAD_PROPS_MAX;
        }
        s_m.next_seq = QUEUE_CAPACITY + 1u;
        fake_nvm_cut_after((long)(rnd() % 1500u), trial + 1u);
        for (unsigned i = 0; i < 400; i++) {
            if (!step()) {
                break;
            }
        }
        fake_nvm_power_on();
        assert_int_equal(queue_init(), QUEUE_OK);
        check_against_model();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(round_trip_and_order, setup),
        cmocka_unit_test_setup(done_records_survive_reset, setup),
        cmocka_unit_test_setup(update_wins_over_the_old_copy, setup),
        cmocka_unit_test_setup(capacity_of_largest_triggers, setup),
        cmocka_unit_test_setup(wear_is_spread, setup),
        cmocka_unit_test_setup(ram_only_without_a_medium, setup),
        cmocka_unit_test_setup(damaged_record_is_reported_not_sent, setup),
        cmocka_unit_test_setup(unerased_bytes_past_the_last_record_are_not_written_over, setup),
        cmocka_unit_test_setup(a_header_changed_after_mount_is_checked, setup),
        cmocka_unit_test_setup(every_byte_changed_after_mount_is_survived, setup),
        cmocka_unit_test_setup(in_flight_follows_its_trigger, setup),
        cmocka_unit_test_setup(power_cut_at_every_write, setup),
        cmocka_unit_test_setup(power_cut_with_a_full_queue, setup),
        cmocka_unit_test_setup(failed_write_then_remount, setup),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
