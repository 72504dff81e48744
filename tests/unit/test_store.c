/* The durable store against the NOR fake: behaviour, compaction, and a power
 * cut at every single write of a workload that always leaves the old or the
 * new state of the interrupted change, never a mix, never a broken store. */
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
#include "store.h"

static int setup(void **state)
{
    (void)state;
    fake_hal_reset_all();
    fake_nvm_reset();
    return 0;
}

static void expect(const char *key, const char *value)
{
    char buf[STORE_VALUE_MAX + 1];
    size_t len = 0;
    if (value == NULL) {
        assert_int_equal(store_get(key, buf, sizeof buf, &len), STORE_NOT_FOUND);
        return;
    }
    assert_int_equal(store_get(key, buf, sizeof buf, &len), STORE_OK);
    buf[len] = '\0';
    assert_string_equal(buf, value);
}

static int set(const char *key, const char *value)
{
    return store_set(key, value, strlen(value));
}

static void set_get_delete_and_reopen(void **state)
{
    (void)state;
    assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
    assert_true(store_durable());
    expect("org", NULL);
    assert_int_equal(set("org", "contoso"), STORE_OK);
    assert_int_equal(set("webhook", "deploy"), STORE_OK);
    assert_int_equal(set("org", "fabrikam"), STORE_OK);
    expect("org", "fabrikam");
    assert_int_equal(store_delete("webhook"), STORE_OK);
    assert_int_equal(store_delete("never-set"), STORE_OK);
    assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK); /* a reset */
    expect("org", "fabrikam");
    expect("webhook", NULL);
    assert_int_equal(store_set("empty", "", 0), STORE_OK);
    expect("empty", "");
}

static void binary_values_and_limits(void **state)
{
    (void)state;
    store_open(HAL_NVM_CONFIG);
    uint8_t der[STORE_VALUE_MAX];
    for (size_t i = 0; i < sizeof der; i++) {
        der[i] = (uint8_t)(i * 7);
    }
    assert_int_equal(store_set("ca.1", der, sizeof der), STORE_OK);
    uint8_t back[STORE_VALUE_MAX];
    size_t len;
    assert_int_equal(store_get("ca.1", back, sizeof back, &len), STORE_OK);
    assert_int_equal(len, sizeof der);
    assert_memory_equal(back, der, sizeof der);
    assert_int_equal(store_get("ca.1", back, 10, &len), STORE_TOO_BIG);
    assert_int_equal(len, sizeof der);
    uint8_t big[STORE_VALUE_MAX + 1] = {0};
    assert_int_equal(store_set("ca.2", big, sizeof big), STORE_TOO_BIG);
    char longkey[STORE_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(store_set(longkey, "v", 1), STORE_TOO_BIG);
    assert_int_equal(store_set("", "v", 1), STORE_TOO_BIG);
}

static void a_change_is_all_or_nothing(void **state)
{
    (void)state;
    store_open(HAL_NVM_CONFIG);
    set("a", "1");
    store_begin();
    store_put("a", "2", 1);
    store_put("b", "2", 1);
    expect("a", "1"); /* not visible before commit */
    store_abort();
    expect("a", "1");
    expect("b", NULL);
    store_begin();
    store_put("a", "3", 1);
    store_put("b", "3", 1);
    store_del("a");
    assert_int_equal(store_commit(), STORE_OK);
    expect("a", NULL);
    expect("b", "3");
    /* an aborted change followed by a committed one: only the latter counts */
    store_begin();
    store_put("c", "x", 1);
    store_abort();
    set("d", "4");
    store_open(HAL_NVM_CONFIG);
    expect("c", NULL);
    expect("d", "4");
    expect("b", "3");
}

static void compaction_keeps_the_newest_values(void **state)
{
    (void)state;
    fake_nvm_set_config_geometry(4096, 1024); /* 2 KB halves */
    store_open(HAL_NVM_CONFIG);
    char v[32];
    for (int i = 0; i < 500; i++) {
        snprintf(v, sizeof v, "value-%d", i);
        assert_int_equal(set(i % 2 ? "odd" : "even", v), STORE_OK);
        assert_int_equal(set("boot", v), STORE_OK);
    }
    expect("odd", "value-499");
    expect("even", "value-498");
    store_open(HAL_NVM_CONFIG);
    expect("boot", "value-499");
    assert_true(store_used() < store_capacity());
}

static void full_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    fake_nvm_set_config_geometry(4096, 1024);
    store_open(HAL_NVM_CONFIG);
    uint8_t blob[600] = {1};
    assert_int_equal(store_set("x1", blob, sizeof blob), STORE_OK);
    assert_int_equal(store_set("x2", blob, sizeof blob), STORE_OK);
    assert_int_equal(store_set("x3", blob, sizeof blob), STORE_OK);
    assert_int_equal(store_set("x4", blob, sizeof blob), STORE_FULL);
    store_open(HAL_NVM_CONFIG);
    assert_true(store_has("x3"));
    assert_false(store_has("x4"));
    assert_int_equal(store_delete("x1"), STORE_OK);
    assert_int_equal(store_set("x4", blob, sizeof blob), STORE_OK);
}

static bool keep_boot(const char *key)
{
    return strcmp(key, "boot") == 0;
}

static void clear_keeps_what_is_asked(void **state)
{
    (void)state;
    store_open(HAL_NVM_CONFIG);
    set("boot", "7");
    set("org", "o");
    set("secret", "s");
    assert_int_equal(store_clear(keep_boot), STORE_OK);
    store_open(HAL_NVM_CONFIG);
    expect("boot", "7");
    expect("org", NULL);
    expect("secret", NULL);
}

static void absent_medium_keeps_values_in_ram(void **state)
{
    (void)state;
    fake_nvm_set_absent(true);
    assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_NO_MEDIUM);
    assert_false(store_durable());
    assert_int_equal(set("org", "ram"), STORE_OK);
    expect("org", "ram");
}

static void damage_to_the_log_tail_is_survived(void **state)
{
    (void)state;
    store_open(HAL_NVM_CONFIG);
    set("a", "1");
    set("b", "2");
    uint32_t tail = store_used();
    /* garbage after the last record, as a cut write would leave */
    fake_nvm_bytes(HAL_NVM_CONFIG)[tail + 3] = 0x12;
    store_open(HAL_NVM_CONFIG);
    expect("a", "1");
    expect("b", "2");
    assert_int_equal(set("c", "3"), STORE_OK); /* moves to a clean half first */
    store_open(HAL_NVM_CONFIG);
    expect("c", "3");
    expect("a", "1");
}

/* ---- the power-cut sweep */

#define KEYS 5
static const char *const s_keys[KEYS] = {"org", "webhook", "secret", "action.deploy", "boot"};

typedef struct {
    char v[KEYS][64]; /* "" = unset */
} model_t;

/* Change number i of the workload, applied to the store and to the model. */
static int step(int i, model_t *m, bool apply_store)
{
    char v[64];
    int k = i % KEYS;
    int rc = STORE_OK;
    if (i % 7 == 3) { /* a multi-key change, like config import */
        if (apply_store) {
            store_begin();
        }
        for (int j = 0; j < 3; j++) {
            int kk = (k + j) % KEYS;
            snprintf(v, sizeof v, "imp%d-%d", i, j);
            if (apply_store && rc == STORE_OK) {
                rc = store_put(s_keys[kk], v, strlen(v));
            }
            strcpy(m->v[kk], v);
        }
        if (apply_store) {
            rc = rc == STORE_OK ? store_commit() : (store_abort(), rc);
        }
    } else if (i % 11 == 5) { /* a delete */
        if (apply_store) {
            rc = store_delete(s_keys[k]);
        }
        m->v[k][0] = '\0';
    } else {
        snprintf(v, sizeof v, "v%d-%.*s", i, i % 40, "0123456789012345678901234567890123456789");
        if (apply_store) {
            rc = set(s_keys[k], v);
        }
        strcpy(m->v[k], v);
    }
    return rc;
}

static bool store_matches(const model_t *m)
{
    char buf[128];
    for (int k = 0; k < KEYS; k++) {
        size_t len = 0;
        int rc = store_get(s_keys[k], buf, sizeof buf - 1, &len);
        if (m->v[k][0] == '\0') {
            if (rc != STORE_NOT_FOUND) {
                return false;
            }
        } else {
            if (rc != STORE_OK) {
                return false;
            }
            buf[len] = '\0';
            if (strcmp(buf, m->v[k]) != 0) {
                return false;
            }
        }
    }
    return true;
}

static void power_cut_at_every_write_leaves_old_or_new(void **state)
{
    (void)state;
    const int steps = 200;
    /* A dry run counts the writes: 2 KB halves make it compact several times. */
    fake_nvm_reset();
    fake_nvm_set_config_geometry(4096, 1024);
    store_open(HAL_NVM_CONFIG);
    model_t m = {0};
    for (int i = 0; i < steps; i++) {
        assert_int_equal(step(i, &m, true), STORE_OK);
    }
    unsigned long total = fake_nvm_writes();
    assert_true(total > 1000);

    unsigned long cuts = 0;
    for (unsigned long cut = 0; cut < total; cut++) {
        fake_nvm_reset();
        fake_nvm_set_config_geometry(4096, 1024);
        store_open(HAL_NVM_CONFIG);
        unsigned long opened = fake_nvm_writes();
        if (cut < opened) {
            continue; /* cuts during the very first format are covered below */
        }
        fake_nvm_cut_after((long)(cut - opened), (uint32_t)cut * 2654435761u);
        model_t before = {0}, after = {0};
        int i = 0;
        for (; i < steps; i++) {
            before = after;
            step(i, &after, true);
            if (fake_nvm_cut_happened()) {
                break;
            }
        }
        assert_true(fake_nvm_cut_happened());
        cuts++;
        fake_nvm_power_on();
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        if (!store_matches(&before) && !store_matches(&after)) {
            fail_msg("cut at write %lu (change %d): neither the old nor the new state", cut, i);
        }
        /* and the store goes on working */
        assert_int_equal(set("after", "cut"), STORE_OK);
        store_open(HAL_NVM_CONFIG);
        expect("after", "cut");
        assert_true(store_matches(&before) || store_matches(&after));
    }
    print_message("power cut at %lu write points, every one recovered\n", cuts);
    assert_true(cuts > 1000);
}

static void power_cut_while_formatting_a_new_medium(void **state)
{
    (void)state;
    for (long cut = 0; cut < 6; cut++) {
        fake_nvm_reset();
        fake_nvm_set_config_geometry(4096, 1024);
        fake_nvm_cut_after(cut, (uint32_t)cut + 1);
        (void)store_open(HAL_NVM_CONFIG);
        fake_nvm_power_on();
        assert_int_equal(store_open(HAL_NVM_CONFIG), STORE_OK);
        assert_int_equal(set("org", "o"), STORE_OK);
        store_open(HAL_NVM_CONFIG);
        expect("org", "o");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(set_get_delete_and_reopen, setup),
        cmocka_unit_test_setup(binary_values_and_limits, setup),
        cmocka_unit_test_setup(a_change_is_all_or_nothing, setup),
        cmocka_unit_test_setup(compaction_keeps_the_newest_values, setup),
        cmocka_unit_test_setup(full_is_refused_and_changes_nothing, setup),
        cmocka_unit_test_setup(clear_keeps_what_is_asked, setup),
        cmocka_unit_test_setup(absent_medium_keeps_values_in_ram, setup),
        cmocka_unit_test_setup(damage_to_the_log_tail_is_survived, setup),
        cmocka_unit_test_setup(power_cut_at_every_write_leaves_old_or_new, setup),
        cmocka_unit_test_setup(power_cut_while_formatting_a_new_medium, setup),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
