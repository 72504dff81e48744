/* libFuzzer target for a hostile medium: the input is an image of the
 * non-volatile memory, and the store (configuration, secret, anchors, boot
 * counter) and the trigger queue are mounted over it, read whole, changed,
 * and mounted again, as a device does across a reboot.
 *
 * The image: byte 0 holds flags, then the configuration region
 * (FZ_CONFIG_SIZE bytes: the store's two halves), then the queue region
 * (FZ_QUEUE_SIZE bytes: its ring of units); what the input does not cover
 * is erased (0xFF).  Flag bit 0 recomputes the CRC of every record the
 * store's log walk reaches (and of its half headers), bit 1 the same for the
 * queue's units and records, so that the fuzzer reaches what a valid CRC
 * guards instead of stopping at it.  The smaller geometry of the unit tests
 * keeps the images short; the code is the same for every geometry.
 *
 * Seeds come from the firmware's own writers: PB_FUZZ_WRITE_SEEDS=<dir>
 * makes the target write them (a blank medium, a provisioned device with
 * queued triggers, a medium after compactions and ring turns, one with a
 * torn write, one with a replaced secret) and exit (tests/fuzz/fuzz.mk).
 *
 * The oracle (every failure aborts with its reason):
 * - no crash, out-of-bounds access, undefined behaviour or leak (ASan and
 *   UBSan), and no bit programmed from 0 to 1 (the NOR fake aborts): the
 *   store and the queue never write where they have not erased;
 * - both mount on any image (store_open STORE_OK, queue_init QUEUE_OK; the
 *   medium itself never fails here), and every key, value, configuration
 *   reading, anchor and queued trigger can be read;
 * - mounting twice gives the same keys and values and the same triggers;
 * - after org, the secret (twice) and a trigger are written and a trigger is
 *   removed, a remount reads back exactly what was written when the write
 *   said OK, nothing when it refused, every other key and trigger as it
 *   was, and the replaced secret nowhere in the configuration region (no
 *   more often than the image itself held it). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "cfg.h"
#include "crc32.h"
#include "device.h"
#include "fake_entropy.h"
#include "fake_eth.h"
#include "fake_nvm.h"
#include "device_hal.h"
#include "payload.h"
#include "queue.h"
#include "store.h"
#include "tlsport.h"

#define FZ_CONFIG_SIZE 4096u
#define FZ_CONFIG_UNIT 1024u
#define FZ_QUEUE_SIZE (4u * 2048u)
#define FZ_QUEUE_UNIT 2048u
#define FZ_IMAGE_SIZE (1u + FZ_CONFIG_SIZE + FZ_QUEUE_SIZE)

#define CHECK(c, ...)                                                                                               \
    do {                                                                                                            \
        if (!(c)) {                                                                                                 \
            fprintf(stderr, "\nfuzz_nvm: check failed: %s (line %d): ", #c, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                                           \
            fprintf(stderr, "\n");                                                                                  \
            abort();                                                                                                \
        }                                                                                                           \
    } while (0)

/* Neither value can be in an image by chance (the check allows for an image
 * that holds them anyway). */
static const char s_secret_a[] = "Zq3!Vw8#Lm5^Tr1~Hb6|Nc0%";
static const char s_secret_b[] = "pY7@dF2&kS9*gJ4+xU1=eR6?";
#define FZ_BOOT 0xFEEDF00Du

/* ---- CRC fixing: the log walks of store.c and queue.c, writing CRCs ------ */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void fix_store(uint8_t *m)
{
    uint32_t half = FZ_CONFIG_SIZE / 2u;
    for (uint32_t h = 0; h < 2; h++) {
        uint8_t *b = m + h * half;
        if (get32(b) == 0x54534250u) {
            put32(b + 12, crc32_update(0, b, 12));
        }
        for (uint32_t off = 16; off + 12u <= half;) {
            uint8_t type = b[off], keylen = b[off + 1];
            uint32_t vlen = (uint32_t)b[off + 2] | (uint32_t)b[off + 3] << 8;
            uint32_t body = (8u + keylen + vlen + 3u) & ~3u;
            if ((type != 0x50 && type != 0x44 && type != 0x43 && type != 0x40) || body + 4u > half - off) {
                break;
            }
            if (type != 0x40) {
                put32(b + off + body, crc32_update(0, b + off, body));
            }
            off += body + 4u;
        }
    }
}

static void fix_queue(uint8_t *m)
{
    for (uint32_t u = 0; u < FZ_QUEUE_SIZE / FZ_QUEUE_UNIT; u++) {
        uint8_t *b = m + u * FZ_QUEUE_UNIT;
        if (get32(b) == 0x31514250u) {
            put32(b + 12, crc32_update(0, b, 12));
        }
        for (uint32_t off = 16; off + 12u <= FZ_QUEUE_UNIT;) {
            uint8_t *h = b + off;
            uint32_t len = (uint32_t)h[2] | (uint32_t)h[3] << 8;
            if ((h[0] != 0x54 && h[0] != 0x44 && h[0] != 0x47) || len > FZ_QUEUE_UNIT - 12u - off) {
                break;
            }
            h[4] = (uint8_t)~h[2];
            h[5] = (uint8_t)~h[3];
            put32(h + 8, crc32_update(crc32_update(0, h + 12, len), h, 8));
            off += (12u + len + 7u) & ~7u;
        }
    }
}

/* ---- reading everything ------------------------------------------------------ */

typedef struct {
    char key[STORE_KEY_MAX + 1];
    uint16_t len;
    uint8_t value[STORE_VALUE_MAX];
} kv_t;

typedef struct {
    kv_t kv[64];
    unsigned n;
} dump_t;

static bool collect(void *ctx, const char *key)
{
    dump_t *d = ctx;
    CHECK(d->n < sizeof d->kv / sizeof d->kv[0], "more keys than the index holds");
    CHECK(strlen(key) >= 1 && strlen(key) <= STORE_KEY_MAX, "key '%s'", key);
    kv_t *e = &d->kv[d->n];
    size_t len = 0;
    snprintf(e->key, sizeof e->key, "%s", key);
    /* a value that no longer reads back (damaged since) is left out */
    if (store_get(key, e->value, sizeof e->value, &len) == STORE_OK) {
        CHECK(len <= STORE_VALUE_MAX, "length %zu", len);
        e->len = (uint16_t)len;
        d->n++;
    }
    return true;
}

static int kv_order(const void *a, const void *b)
{
    return strcmp(((const kv_t *)a)->key, ((const kv_t *)b)->key);
}

static void dump_store(dump_t *d)
{
    d->n = 0;
    store_each(collect, d);
    qsort(d->kv, d->n, sizeof d->kv[0], kv_order);
    for (unsigned i = 1; i < d->n; i++) {
        CHECK(strcmp(d->kv[i - 1].key, d->kv[i].key) != 0, "key '%s' listed twice", d->kv[i].key);
    }
}

static const kv_t *dump_find(const dump_t *d, const char *key)
{
    for (unsigned i = 0; i < d->n; i++) {
        if (strcmp(d->kv[i].key, key) == 0) {
            return &d->kv[i];
        }
    }
    return NULL;
}

static bool listed(const char *key, const char *const *keys)
{
    for (; keys != NULL && *keys != NULL; keys++) {
        if (strcmp(key, *keys) == 0) {
            return true;
        }
    }
    return false;
}

/* Equal, leaving out the keys in skip (NULL-terminated, or NULL). */
static void dumps_equal(const dump_t *a, const dump_t *b, const char *const *skip, const char *when)
{
    unsigned i = 0, j = 0;
    for (;;) {
        while (i < a->n && listed(a->kv[i].key, skip)) {
            i++;
        }
        while (j < b->n && listed(b->kv[j].key, skip)) {
            j++;
        }
        if (i == a->n || j == b->n) {
            break;
        }
        CHECK(strcmp(a->kv[i].key, b->kv[j].key) == 0, "%s: key '%s' became '%s'", when, a->kv[i].key, b->kv[j].key);
        CHECK(a->kv[i].len == b->kv[j].len && memcmp(a->kv[i].value, b->kv[j].value, a->kv[i].len) == 0,
              "%s: the value of '%s' changed", when, a->kv[i].key);
        i++;
        j++;
    }
    CHECK(i == a->n && j == b->n, "%s: %s", when, i < a->n ? "a key was lost" : "a key appeared");
}

static void read_config(void)
{
    char buf[CFG_VALUE_MAX + 1];
    const char *key;
    for (unsigned i = 0; (key = cfg_fixed_key(i)) != NULL; i++) {
        bool set;
        cfg_status_t rc = cfg_value(key, buf, sizeof buf, &set);
        CHECK(rc == CFG_OK || rc == CFG_WRITE_ONLY || rc == CFG_TOO_LONG, "cfg_value(%s) = %d", key, rc);
        CHECK(rc != CFG_OK || strlen(buf) < sizeof buf, "%s", key);
    }
    for (unsigned k = 0; k < CFG_KEY_COUNT; k++) {
        (void)cfg_u32((cfg_key_t)k);
        (void)cfg_str((cfg_key_t)k, buf, sizeof buf);
    }
    uint8_t secret[CFG_SECRET_MAX + 1];
    size_t len = 0;
    if (cfg_secret(secret, sizeof secret, &len)) {
        CHECK(len <= sizeof secret, "secret of %zu bytes", len);
    }
    cfg_wipe(secret, sizeof secret);
    char missing[40];
    (void)cfg_configured(missing, sizeof missing);
    char label[CA_CN_MAX + 1];
    for (unsigned slot = 1; slot <= CA_ADDED_MAX; slot++) {
        if (ca_added_label(slot, label)) {
            CHECK(strlen(label) <= CA_CN_MAX, "label");
        }
    }
}

typedef struct {
    char id[PAYLOAD_ID_MAX + 24];
    uint32_t boot, seq; /* its key in the queue */
    bool readable;
    trigger_rec_t rec;
} qitem_t;

static qitem_t s_q0[QUEUE_CAPACITY], s_q1[QUEUE_CAPACITY];

/* Every pending trigger: summary, whole record, its run id found again. */
static unsigned read_queue(qitem_t *out)
{
    unsigned n = queue_count();
    CHECK(n <= QUEUE_CAPACITY, "%u pending", n);
    for (unsigned i = 0; i < n; i++) {
        queue_sched_t q;
        queue_summary_t sum;
        qitem_t *it = &out[i];
        memset(it, 0, sizeof *it);
        int rc = queue_peek(i, &q, &sum);
        CHECK(rc == QUEUE_OK || rc == QUEUE_CORRUPT, "queue_peek = %d", rc);
        CHECK(strlen(sum.action) < sizeof sum.action && strlen(sum.device_id) < sizeof sum.device_id, "summary");
        queue_run_id(&sum, it->id, sizeof it->id);
        it->boot = sum.boot;
        it->seq = sum.seq;
        rc = queue_read(i, &it->rec);
        CHECK(rc == QUEUE_OK || rc == QUEUE_CORRUPT, "queue_read = %d", rc);
        it->readable = rc == QUEUE_OK;
        if (it->readable) {
            CHECK(strlen(it->rec.props) <= PAYLOAD_PROPS_MAX, "props");
            int at = queue_find(it->id);
            CHECK(at >= 0, "trigger %s not found by its run id", it->id);
            (void)queue_record_offset(i);
        }
    }
    return n;
}

static bool same_rec(const trigger_rec_t *a, const trigger_rec_t *b)
{
    return strcmp(a->action, b->action) == 0 && strcmp(a->device_id, b->device_id) == 0 &&
           strcmp(a->blueprint, b->blueprint) == 0 && strcmp(a->entity, b->entity) == 0 &&
           strcmp(a->button, b->button) == 0 && strcmp(a->press, b->press) == 0 && a->boot == b->boot &&
           a->seq == b->seq && a->at_ms == b->at_ms && a->at_utc == b->at_utc && a->at_estimated == b->at_estimated &&
           strcmp(a->props, b->props) == 0;
}

static int find_id(const qitem_t *q, unsigned n, const char *id)
{
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(q[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- mounting ---------------------------------------------------------------- */

static void mount(void)
{
    fz_hal_power_on(HAL_RESET_POR);
    fake_eth_reset();
    fake_entropy_reset();
    store_set_sensitive(cfg_sensitive);
    int rc = store_open(HAL_NVM_CONFIG);
    CHECK(rc == STORE_OK, "store_open = %d", rc);
    cfg_init();
    ca_init();
    rc = queue_init();
    CHECK(rc == QUEUE_OK, "queue_init = %d", rc);
    CHECK(queue_durable(), "the queue fell back to RAM");
}

/* How often the len bytes occur in the configuration region. */
static unsigned count_in(const uint8_t *region, const char *s)
{
    size_t len = strlen(s);
    unsigned n = 0;
    for (size_t i = 0; i + len <= FZ_CONFIG_SIZE; i++) {
        if (region[i] == (uint8_t)s[0] && memcmp(region + i, s, len) == 0) {
            n++;
        }
    }
    return n;
}

static void make_trigger(trigger_rec_t *t, uint32_t seq)
{
    memset(t, 0, sizeof *t);
    strcpy(t->action, "deploy");
    strcpy(t->device_id, "fz-dev");
    strcpy(t->blueprint, "service");
    strcpy(t->entity, "");
    strcpy(t->button, "select");
    strcpy(t->press, "short");
    strcpy(t->props, "{\"env\":\"prod\"}");
    t->boot = FZ_BOOT;
    t->seq = seq;
    t->at_ms = 1700000000000ull + seq;
    t->at_utc = true;
}

static dump_t s_d0, s_d1, s_d2;
static uint8_t s_image_config[FZ_CONFIG_SIZE];

static void run(const uint8_t *data, size_t size)
{
    fake_nvm_reset();
    fake_nvm_set_config_geometry(FZ_CONFIG_SIZE, FZ_CONFIG_UNIT);
    fake_nvm_set_queue_geometry(FZ_QUEUE_SIZE, FZ_QUEUE_UNIT);
    uint8_t flags = size > 0 ? data[0] : 0;
    const uint8_t *img = size > 0 ? data + 1 : data;
    size_t len = size > 0 ? size - 1 : 0;
    uint8_t *config = fake_nvm_bytes(HAL_NVM_CONFIG);
    uint8_t *queue = fake_nvm_bytes(HAL_NVM_QUEUE);
    memcpy(config, img, len < FZ_CONFIG_SIZE ? len : FZ_CONFIG_SIZE);
    if (len > FZ_CONFIG_SIZE) {
        size_t q = len - FZ_CONFIG_SIZE;
        memcpy(queue, img + FZ_CONFIG_SIZE, q < FZ_QUEUE_SIZE ? q : FZ_QUEUE_SIZE);
    }
    if (flags & 1u) {
        fix_store(config);
    }
    if (flags & 2u) {
        fix_queue(queue);
    }
    memcpy(s_image_config, config, FZ_CONFIG_SIZE);

    /* mount, read everything */
    mount();
    dump_store(&s_d0);
    read_config();
    unsigned n0 = read_queue(s_q0);

    /* mount again: the same */
    mount();
    dump_store(&s_d1);
    dumps_equal(&s_d0, &s_d1, NULL, "a second mount");
    unsigned n1 = read_queue(s_q1);
    CHECK(n1 == n0, "%u triggers, then %u", n0, n1);
    for (unsigned i = 0; i < n0; i++) {
        CHECK(strcmp(s_q0[i].id, s_q1[i].id) == 0 && s_q0[i].readable == s_q1[i].readable &&
                  (!s_q0[i].readable || same_rec(&s_q0[i].rec, &s_q1[i].rec)),
              "trigger %u differs after a second mount", i);
    }

    /* change things (the boot counter as every boot does) */
    (void)device_count_boot();
    const char *why = "";
    cfg_status_t org_rc = cfg_set("org", "fz-org", &why);
    cfg_status_t a_rc = cfg_set("secret", s_secret_a, &why);
    cfg_status_t b_rc = cfg_set("secret", s_secret_b, &why);
    CHECK(org_rc == CFG_OK || org_rc == CFG_STORAGE, "org: %d", org_rc);
    CHECK(a_rc == CFG_OK || a_rc == CFG_STORAGE, "secret: %d", a_rc);
    CHECK(b_rc == CFG_OK || b_rc == CFG_STORAGE, "secret: %d", b_rc);
    static trigger_rec_t t;
    make_trigger(&t, 7u + (uint32_t)n0);
    char t_id[PAYLOAD_ID_MAX + 24];
    payload_run_id(&t, t_id, sizeof t_id);
    bool t_known = false; /* a trigger of the same key is pending already */
    for (unsigned i = 0; i < n1; i++) {
        t_known = t_known || (s_q1[i].boot == t.boot && s_q1[i].seq == t.seq);
    }
    int push_rc = queue_push(&t, 0);
    CHECK(push_rc == QUEUE_OK || push_rc == QUEUE_FULL, "queue_push = %d", push_rc);
    char gone[PAYLOAD_ID_MAX + 24] = "";
    int remove_rc = QUEUE_IO;
    /* (not the pushed one's key: the done record would take it too) */
    if (n1 > 0 && s_q1[0].readable && !(s_q1[0].boot == t.boot && s_q1[0].seq == t.seq)) {
        remove_rc = queue_remove(0, QUEUE_DONE_DROPPED);
        CHECK(remove_rc == QUEUE_OK || remove_rc == QUEUE_CORRUPT, "queue_remove = %d", remove_rc);
        snprintf(gone, sizeof gone, "%s", s_q1[0].id);
    }

    /* a reboot: what was written is there, the rest as it was */
    mount();
    dump_store(&s_d2);
    read_config();
    static const char *const changed[] = {"org", "secret", "sys.boot", NULL};
    dumps_equal(&s_d1, &s_d2, changed, "after the changes");
    const kv_t *org = dump_find(&s_d2, "org"), *org1 = dump_find(&s_d1, "org");
    if (org_rc == CFG_OK) {
        CHECK(org != NULL && org->len == 6 && memcmp(org->value, "fz-org", 6) == 0, "org written, not read back");
    } else {
        CHECK((org == NULL) == (org1 == NULL) && (org == NULL || (org->len == org1->len &&
                                                                   memcmp(org->value, org1->value, org->len) == 0)),
              "org refused, yet changed");
    }
    char secret[CFG_SECRET_MAX + 1] = {0};
    size_t slen = 0;
    bool has = cfg_secret(secret, sizeof secret, &slen);
    if (b_rc == CFG_OK) {
        CHECK(has && slen == strlen(s_secret_b) && memcmp(secret, s_secret_b, slen) == 0, "secret not read back");
        unsigned before = count_in(s_image_config, s_secret_a);
        unsigned now = count_in(fake_nvm_bytes(HAL_NVM_CONFIG), s_secret_a);
        CHECK(now <= before, "the replaced secret is still on the medium (%u copies)", now);
    } else if (a_rc == CFG_OK) {
        CHECK(has && slen == strlen(s_secret_a) && memcmp(secret, s_secret_a, slen) == 0, "secret not read back");
    }
    cfg_wipe(secret, sizeof secret);
    unsigned n2 = read_queue(s_q0);
    if (push_rc == QUEUE_OK) {
        int at = find_id(s_q0, n2, t_id);
        CHECK(at >= 0 && s_q0[at].readable && same_rec(&s_q0[at].rec, &t), "the pushed trigger did not come back");
    } else if (!t_known) {
        CHECK(find_id(s_q0, n2, t_id) < 0, "a refused trigger came back");
    }
    if (remove_rc == QUEUE_OK) {
        CHECK(find_id(s_q0, n2, gone) < 0, "the removed trigger %s came back", gone);
    }
    /* every other trigger stays */
    for (unsigned i = 0; i < n1; i++) {
        if (strcmp(s_q1[i].id, gone) == 0 || (s_q1[i].boot == t.boot && s_q1[i].seq == t.seq)) {
            continue; /* removed, or the same trigger as the pushed one (the newest copy wins) */
        }
        int at = find_id(s_q0, n2, s_q1[i].id);
        CHECK(at >= 0, "trigger %s was lost", s_q1[i].id);
        CHECK(!s_q1[i].readable || (s_q0[at].readable && same_rec(&s_q0[at].rec, &s_q1[i].rec)),
              "trigger %s changed", s_q1[i].id);
    }
}

/* ---- seeds ---------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, uint8_t flags)
{
    static uint8_t image[FZ_IMAGE_SIZE];
    image[0] = flags;
    memcpy(image + 1, fake_nvm_bytes(HAL_NVM_CONFIG), FZ_CONFIG_SIZE);
    memcpy(image + 1 + FZ_CONFIG_SIZE, fake_nvm_bytes(HAL_NVM_QUEUE), FZ_QUEUE_SIZE);
    size_t len = sizeof image;
    while (len > 1 && image[len - 1] == 0xFF) {
        len--; /* the rest reads as erased anyway */
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(image, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_nvm: cannot write %s\n", path);
        exit(1);
    }
}

static void provision(void)
{
    const char *why;
    static const char *const kv[][2] = {
        {"org", "contoso"},       {"webhook", "deploy-hook"},     {"host", "dev.azure.com"},
        {"port", "443"},          {"action.deploy", "{\"env\":\"prod\",\"n\":1}"},
        {"button.up.long", "deploy"}, {"max_age", "86400"},         {"device_id", "lobby-1"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        CHECK(cfg_set(kv[i][0], kv[i][1], &why) == CFG_OK, "seed: %s", kv[i][0]);
    }
    CHECK(cfg_set("secret", "seed-secret-1", &why) == CFG_OK, "seed");
    const uint8_t *der;
    size_t len;
    if (ca_builtin_der(CA_BUILTIN_COUNT - 1u, &der, &len)) {
        (void)store_set("ca.1", der, len);
    }
    (void)store_set("ca.builtin", "off", 3);
}

static void queue_some(uint32_t from, unsigned n)
{
    trigger_rec_t t;
    for (unsigned i = 0; i < n; i++) {
        make_trigger(&t, from + i);
        t.boot = 3;
        CHECK(queue_push(&t, 0) == QUEUE_OK, "seed push");
    }
}

static void write_seeds(const char *dir)
{
    fake_nvm_reset();
    fake_nvm_set_config_geometry(FZ_CONFIG_SIZE, FZ_CONFIG_UNIT);
    fake_nvm_set_queue_geometry(FZ_QUEUE_SIZE, FZ_QUEUE_UNIT);
    mount();
    write_seed(dir, "blank-mounted", 0);

    device_count_boot();
    provision();
    queue_some(1, 3);
    CHECK(queue_remove(1, QUEUE_DONE_DELIVERED) == QUEUE_OK, "seed remove");
    write_seed(dir, "provisioned", 0);
    write_seed(dir, "provisioned-crc-fixed", 3);

    /* compactions of the store, turns of the queue's ring */
    const char *why;
    for (unsigned i = 0; i < 40; i++) {
        char v[16];
        snprintf(v, sizeof v, "%u", 100 + i * 7);
        CHECK(cfg_set("retry.base_ms", v, &why) == CFG_OK, "seed");
    }
    CHECK(cfg_set("secret", "seed-secret-2", &why) == CFG_OK, "seed");
    for (unsigned i = 0; i < 60; i++) {
        queue_some(100 + i, 1);
        CHECK(queue_remove(0, QUEUE_DONE_DELIVERED) == QUEUE_OK, "seed remove");
    }
    write_seed(dir, "worn", 0);

    /* a change cut short by a power cut */
    fake_nvm_cut_after(2, 7);
    (void)cfg_set("webhook", "cut-short-webhook-name", &why);
    fake_nvm_power_on();
    write_seed(dir, "torn-write", 0);
    write_seed(dir, "torn-write-crc-fixed", 1);

    /* What the fuzzer found, kept as seeds (each has a unit test too):
     * bytes set past the store's log and past the queue head's records,
     * and a key with a NUL byte (its CRC fixed by flag bit 0). */
    fake_nvm_reset();
    fake_nvm_set_config_geometry(FZ_CONFIG_SIZE, FZ_CONFIG_UNIT);
    fake_nvm_set_queue_geometry(FZ_QUEUE_SIZE, FZ_QUEUE_UNIT);
    mount();
    CHECK(cfg_set("org", "contoso", &why) == CFG_OK && cfg_set("secret", "s1", &why) == CFG_OK, "seed");
    queue_some(1, 2);
    uint32_t tail = store_used();
    uint8_t *config = fake_nvm_bytes(HAL_NVM_CONFIG), *queue = fake_nvm_bytes(HAL_NVM_QUEUE);
    config[tail + 8] = 0x00;
    write_seed(dir, "found-unerased-past-the-store-log", 0);
    config[tail + 8] = 0xFF;
    queue[queue_record_offset(1) + 120u] = 0x00; /* inside the next record */
    write_seed(dir, "found-unerased-past-the-queue-records", 0);
    for (uint32_t i = 16; i + 11 < FZ_CONFIG_SIZE / 2u; i++) {
        if (memcmp(config + i + 8, "org", 3) == 0 && config[i] == 0x50 && config[i + 1] == 3) {
            config[i + 8] = 0x00; /* the key "org" becomes "\0rg" */
            break;
        }
    }
    write_seed(dir, "found-nul-key", 1);
}

/* ---- libFuzzer ------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tlsport_init(); /* the anchors' parsing uses mbedTLS's heap hooks */
    const char *dir = getenv("PB_FUZZ_WRITE_SEEDS");
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    return 0;
}
