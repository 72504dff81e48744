/* The network glue with the real lwIP on the host, over a fake MAC: what goes
 * on the wire, in what order, and what the console says about it.  lwIP keeps
 * global state, so the tests share one initialised stack and run in order. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "console.h"
#include "fake_device.h"
#include "ethif.h"
#include "fake_eth.h"
#include "fake_hal.h"
#include "fake_nvm.h"
#include "store.h"
#include "net.h"
#include "wallclock.h"

static uint8_t s_frame[HAL_ETH_FRAME_MAX];

static void run_ms(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        fake_time_advance(1);
        net_task();
    }
}

static void drain_tx(void)
{
    while (fake_eth_take_tx(s_frame, sizeof s_frame) > 0) {
    }
}

/* The MAC's init fails seven times (the PHY late out of reset; once the MAC's
 * reset not completing, as when the PHY's reference clock is late) before it
 * comes up; the first test follows the retries, the others use the stack it
 * leaves. */
static int group_setup(void **state)
{
    (void)state;
    fake_device_fresh();
    assert_false(fake_eth_initialised());
    fake_eth_fail_init(2, HAL_ETH_INIT_PHY);
    net_init();
    return 0;
}

static void expect_console(const char *want)
{
    char *out = fake_console_take();
    assert_string_equal(out, want);
    free(out);
}

static void a_failed_init_is_retried_with_back_off(void **state)
{
    (void)state;
    static const unsigned waits[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000};
    char line[80];
    for (unsigned i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        assert_int_equal(fake_eth_init_calls(), i + 1);
        assert_int_equal(net_eth_init_attempts(), i + 1);
        snprintf(line, sizeof line, "EVT net down reason=%s retry_in_ms=%u\r\n", i == 2 ? "mac-reset" : "phy",
                 waits[i]);
        expect_console(line);
        assert_false(fake_eth_initialised());
        assert_false(net_is_up());
        assert_int_equal(fake_eth_tx_count(), 0); /* nothing sent while down */
        run_ms(waits[i] - 1);
        assert_int_equal(fake_eth_init_calls(), i + 1); /* not a millisecond early */
        expect_console("");
        if (i == 1) {
            fake_eth_fail_init(1, HAL_ETH_INIT_MAC_RESET); /* the 3rd attempt */
        } else if (i == 2) {
            fake_eth_fail_init(4, HAL_ETH_INIT_PHY); /* the 4th to 7th */
        }
        run_ms(1);
    }
    /* The 8th attempt, a minute after the 7th, brings it up. */
    assert_int_equal(fake_eth_init_calls(), 8);
    assert_int_equal(net_eth_init_attempts(), 8);
    assert_true(fake_eth_initialised());
    expect_console("");
    /* Never tried again once up: the fake aborts on an init after a success,
     * and the tests below run the stack for a minute more. */
}

static void dhcp_discover_goes_out_first(void **state)
{
    (void)state;
    assert_true(fake_eth_initialised());
    run_ms(10);
    size_t len = fake_eth_take_tx(s_frame, sizeof s_frame);
    assert_true(len > 14 + 20 + 8 + 240);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(s_frame, bcast, 6);
    assert_memory_equal(s_frame + 6, fake_eth_mac, 6);
    assert_int_equal(s_frame[12], 0x08); /* IPv4 */
    assert_int_equal(s_frame[13], 0x00);
    const uint8_t *udp = s_frame + 14 + 20;
    assert_int_equal((udp[0] << 8) | udp[1], 68);
    assert_int_equal((udp[2] << 8) | udp[3], 67);
    const uint8_t *bootp = udp + 8;
    assert_int_equal(bootp[0], 1); /* BOOTREQUEST */
    assert_memory_equal(bootp + 28, fake_eth_mac, 6);
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    assert_memory_equal(bootp + 236, cookie, 4);
    assert_int_equal(bootp[240], 53); /* message type option: */
    assert_int_equal(bootp[242], 1);  /* DISCOVER */
    assert_string_equal(net_mac_hex(), "525400123456");
    assert_false(net_is_up());
    drain_tx();
}

static void static_address_comes_up_and_answers_arp(void **state)
{
    (void)state;
    free(fake_console_take());
    const char *why;
    assert_int_equal(cfg_set("ip", "192.168.7.20/24,192.168.7.1", &why), CFG_OK);
    run_ms(5);
    char *out = fake_console_take();
    assert_non_null(strstr(out, "EVT net up ip=192.168.7.20\r\n"));
    free(out);
    assert_true(net_is_up());
    assert_string_equal(net_ip(), "192.168.7.20");
    drain_tx();

    /* who-has 192.168.7.20 tell 192.168.7.1 */
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06, /* ethernet */
        0, 1, 0x08, 0, 6, 4, 0, 1,                                         /* request */
        0x02, 0, 0, 0, 0, 1, 192, 168, 7, 1,                               /* sender */
        0, 0, 0, 0, 0, 0, 192, 168, 7, 20};                                /* target */
    fake_eth_inject(arp, sizeof arp);
    run_ms(1);
    size_t len = fake_eth_take_tx(s_frame, sizeof s_frame);
    assert_true(len >= 42);
    static const uint8_t asker[6] = {0x02, 0, 0, 0, 0, 1};
    assert_memory_equal(s_frame, asker, 6);
    assert_int_equal(s_frame[21], 2); /* reply */
    assert_memory_equal(s_frame + 22, fake_eth_mac, 6);
    static const uint8_t ours[4] = {192, 168, 7, 20};
    assert_memory_equal(s_frame + 28, ours, 4);
}

static void link_loss_and_return_are_events(void **state)
{
    (void)state;
    free(fake_console_take());
    fake_eth_set_link(false);
    run_ms(2);
    char *out = fake_console_take();
    assert_string_equal(out, "EVT net down\r\n");
    free(out);
    assert_false(net_is_up());
    fake_eth_set_link(true);
    run_ms(2);
    out = fake_console_take();
    assert_string_equal(out, "EVT net up ip=192.168.7.20\r\n");
    free(out);
}

static void a_flood_is_taken_a_few_frames_per_pass(void **state)
{
    (void)state;
    /* frames for someone else: dropped by lwIP, but at most 8 per pass so the
     * console and the buttons keep their turn */
    static const uint8_t other[60] = {0x02, 9, 9, 9, 9, 9, 0x02, 8, 8, 8, 8, 8, 0x08, 0x00};
    for (int i = 0; i < 12; i++) {
        fake_eth_inject(other, sizeof other);
    }
    net_task();
    assert_int_equal(fake_eth_rx_pending(), 4);
    net_task();
    assert_int_equal(fake_eth_rx_pending(), 0);
}

typedef struct {
    int calls;
    bool ok;
    uint32_t addr;
    const char *why;
} result_t;

static void on_resolved(void *arg, bool ok, uint32_t addr, const char *why)
{
    result_t *r = arg;
    r->calls++;
    r->ok = ok;
    r->addr = addr;
    r->why = why;
    assert_true(ok || (why != NULL && why[0] != '\0'));
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2) {
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void resolve_literal_and_refusals(void **state)
{
    (void)state;
    result_t r = {0};
    net_resolve("10.1.2.3", on_resolved, &r);
    assert_int_equal(r.calls, 1);
    assert_true(r.ok);
    assert_int_equal(r.addr, 0x0A010203u);
    r = (result_t){0};
    net_resolve("bad_name!", on_resolved, &r);
    assert_int_equal(r.calls, 1);
    assert_false(r.ok);
}

static void resolve_asks_the_configured_server_and_port(void **state)
{
    (void)state;
    const char *why;
    assert_int_equal(cfg_set("dns", "192.168.7.1:5353", &why), CFG_OK);
    drain_tx();
    result_t r = {0};
    net_resolve("build.example.test", on_resolved, &r);
    run_ms(2);
    assert_int_equal(r.calls, 0);
    size_t len = fake_eth_take_tx(s_frame, sizeof s_frame);
    assert_true(len > 42);
    static const uint8_t server[4] = {192, 168, 7, 1};
    assert_memory_equal(s_frame + 14 + 16, server, 4);   /* IP destination */
    const uint8_t *udp = s_frame + 14 + 20;
    assert_int_equal(udp[2] << 8 | udp[3], 5353);         /* configured port */

    /* The answer: the query turned around, with one A record appended. */
    uint8_t reply[HAL_ETH_FRAME_MAX];
    size_t qlen = len;
    memcpy(reply, s_frame + 6, 6);
    memcpy(reply + 6, s_frame, 6);
    memcpy(reply + 12, s_frame + 12, qlen - 12);
    uint8_t *ip = reply + 14;
    uint8_t tmp[4];
    memcpy(tmp, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, tmp, 4);
    uint8_t *u = ip + 20;
    uint8_t port[2] = {u[0], u[1]};
    u[0] = u[2];
    u[1] = u[3];
    u[2] = port[0];
    u[3] = port[1];
    uint8_t *dns = u + 8;
    dns[2] = 0x81; /* QR RD */
    dns[3] = 0x80; /* RA, NOERROR */
    dns[7] = 1;    /* one answer */
    static const uint8_t answer[16] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 9};
    memcpy(reply + qlen, answer, sizeof answer);
    size_t rlen = qlen + sizeof answer;
    size_t ip_len = rlen - 14;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[10] = ip[11] = 0;
    uint16_t sum = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
    size_t udp_len = ip_len - 20;
    u[4] = (uint8_t)(udp_len >> 8);
    u[5] = (uint8_t)udp_len;
    u[6] = u[7] = 0; /* no UDP checksum */
    fake_eth_inject(reply, rlen);
    run_ms(2);
    assert_int_equal(r.calls, 1);
    assert_true(r.ok);
    assert_int_equal(r.addr, 0xCB007109u);
    assert_string_equal(net_reach(), "ok");
}

static void an_unanswered_lookup_fails_and_reach_says_so(void **state)
{
    (void)state;
    result_t r = {0};
    net_resolve("silent.example.test", on_resolved, &r);
    run_ms(20000);
    assert_int_equal(r.calls, 1);
    assert_false(r.ok);
    assert_string_equal(net_reach(), "failing");
    drain_tx();
}

static void a_busy_mac_drops_and_counts(void **state)
{
    (void)state;
    uint32_t before = net_frames_dropped();
    fake_eth_set_busy(true);
    result_t r = {0};
    net_resolve("busy.example.test", on_resolved, &r);
    run_ms(2);
    fake_eth_set_busy(false);
    assert_true(net_frames_dropped() > before);
    run_ms(20000);
    assert_int_equal(r.calls, 1); /* still answered exactly once */
    drain_tx();
}

/* Takes every frame sent so far; counts the IPv4 UDP ones to dst_port, and
 * those among them that carry needle (when given). */
static int udp_sent_to(uint16_t dst_port, const char *needle)
{
    int n = 0;
    size_t len;
    while ((len = fake_eth_take_tx(s_frame, sizeof s_frame)) > 0) {
        if (len < 42 || s_frame[12] != 0x08 || s_frame[13] != 0x00 || s_frame[14 + 9] != 17) {
            continue;
        }
        const uint8_t *udp = s_frame + 14 + (s_frame[14] & 0x0F) * 4;
        if ((udp[2] << 8 | udp[3]) != dst_port) {
            continue;
        }
        if (needle == NULL || memmem(udp, len - (size_t)(udp - s_frame), needle, strlen(needle)) != NULL) {
            n++;
        }
    }
    return n;
}

static void import_other_keys(void)
{
    cfg_txn_begin();
    assert_int_equal(cfg_txn_put("blueprint", "service"), CFG_OK);
    assert_int_equal(cfg_txn_commit(), CFG_OK);
}

static void an_import_that_leaves_ntp_alone_does_not_restart_sntp(void **state)
{
    (void)state;
    const char *why;
    drain_tx();
    assert_int_equal(cfg_set("ntp", "192.168.7.1:1123", &why), CFG_OK);
    run_ms(5);
    assert_int_equal(udp_sent_to(1123, NULL), 1); /* a new server is asked at once */
    import_other_keys();
    run_ms(5);
    assert_int_equal(udp_sent_to(1123, NULL), 0);
    /* an import that does change it */
    cfg_txn_begin();
    assert_int_equal(cfg_txn_put("ntp", "192.168.7.1:1124"), CFG_OK);
    assert_int_equal(cfg_txn_commit(), CFG_OK);
    run_ms(5);
    assert_int_equal(udp_sent_to(1124, NULL), 1);
}

static void imports_leave_room_for_a_lookup(void **state)
{
    (void)state;
    const char *why;
    /* SNTP looks its server's name up, and nobody answers */
    assert_int_equal(cfg_set("ntp", "time.example.test", &why), CFG_OK);
    run_ms(5);
    assert_int_equal(udp_sent_to(5353, "\x04time\x07" "example"), 1);
    import_other_keys();
    import_other_keys();
    result_t r = {0};
    net_resolve("host.example.test", on_resolved, &r);
    run_ms(5);
    assert_int_equal(r.calls, 0); /* asked, not refused */
    assert_int_equal(udp_sent_to(5353, "\x04host\x07" "example"), 1);
    run_ms(20000);
    assert_int_equal(r.calls, 1);
    drain_tx();

    /* lwIP's table of lookups really full: said so, not "no DNS server" */
    assert_int_equal(cfg_set("ntp", "time.example.test", &why), CFG_OK);
    run_ms(5);
    assert_int_equal(cfg_set("ntp", "time2.example.test", &why), CFG_OK);
    run_ms(5);
    r = (result_t){0};
    net_resolve("host.example.test", on_resolved, &r);
    assert_int_equal(r.calls, 1);
    assert_false(r.ok);
    assert_string_equal(r.why, "too many lookups in flight");
    run_ms(20000);
    drain_tx();
}

/* The last UDP frame sent to dst_port, into s_frame; its length or 0. */
static size_t last_udp_to(uint16_t dst_port)
{
    static uint8_t f[HAL_ETH_FRAME_MAX];
    size_t len, found = 0;
    while ((len = fake_eth_take_tx(f, sizeof f)) > 0) {
        if (len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 17 &&
            (f[14 + 20 + 2] << 8 | f[14 + 20 + 3]) == dst_port) {
            memcpy(s_frame, f, len);
            found = len;
        }
    }
    return found;
}

/* An NTP server's answer to the request in s_frame, saying unix_s. */
static void answer_ntp(uint32_t unix_s)
{
    uint8_t reply[14 + 20 + 8 + 48];
    memcpy(reply, s_frame + 6, 6);
    memcpy(reply + 6, s_frame, 6);
    reply[12] = 0x08;
    reply[13] = 0x00;
    uint8_t *ip = reply + 14;
    memcpy(ip, s_frame + 14, 20);
    memcpy(ip + 12, s_frame + 14 + 16, 4);
    memcpy(ip + 16, s_frame + 14 + 12, 4);
    ip[2] = 0;
    ip[3] = 20 + 8 + 48;
    ip[10] = ip[11] = 0;
    uint16_t sum = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
    uint8_t *u = ip + 20;
    const uint8_t *qu = s_frame + 14 + 20;
    u[0] = qu[2];
    u[1] = qu[3];
    u[2] = qu[0];
    u[3] = qu[1];
    u[4] = 0;
    u[5] = 8 + 48;
    u[6] = u[7] = 0;
    uint8_t *ntp = u + 8;
    memset(ntp, 0, 48);
    ntp[0] = 0x24; /* no leap warning, version 4, server */
    ntp[1] = 2;    /* stratum */
    memcpy(ntp + 24, qu + 8 + 40, 8); /* originate: the request's transmit time */
    uint32_t ntp_s = unix_s + 2208988800u;
    for (int i = 0; i < 2; i++) { /* receive and transmit */
        uint8_t *t = ntp + 32 + 8 * i;
        t[0] = (uint8_t)(ntp_s >> 24);
        t[1] = (uint8_t)(ntp_s >> 16);
        t[2] = (uint8_t)(ntp_s >> 8);
        t[3] = (uint8_t)ntp_s;
    }
    fake_eth_inject(reply, sizeof reply);
}

#define UNIX_2030 1906502400u /* 2030-06-01T00:00:00Z */

/* SNTP feeds the wall clock; a large step is held and asked about again
 * every 2 minutes (not hourly) until confirmed or dropped. */
static void an_ntp_answer_sets_the_clock_and_a_step_is_asked_again_soon(void **state)
{
    (void)state;
    const char *why;
    free(fake_console_take());
    drain_tx();
    assert_int_equal(cfg_set("ntp", "192.168.7.1:123", &why), CFG_OK);
    run_ms(5);
    assert_true(last_udp_to(123) > 0); /* asked at once */
    assert_string_equal(wallclock_state_name(), "unsynced");
    answer_ntp(UNIX_2030);
    run_ms(5);
    char *out = fake_console_take();
    assert_non_null(strstr(out, "EVT time synced utc=2030-06-01T00:00:00."));
    free(out);
    assert_string_equal(wallclock_state_name(), "synced");
    assert_string_equal(net_reach(), "ok");
    uint64_t now;
    assert_true(wallclock_now(&now));
    assert_true(now / 1000u == UNIX_2030);

    /* a new server (the key changed) answers an hour later than that (a
     * second more: the clock ran on for a few milliseconds meanwhile) */
    assert_int_equal(cfg_set("ntp", "192.168.7.1", &why), CFG_OK);
    run_ms(5);
    assert_true(last_udp_to(123) > 0);
    answer_ntp(UNIX_2030 + 3601u);
    run_ms(5);
    out = fake_console_take();
    assert_string_equal(out, "EVT time suspect step_s=3600\r\n");
    free(out);
    assert_string_equal(wallclock_state_name(), "suspect");
    assert_true(wallclock_now(&now));
    assert_true(now / 1000u < UNIX_2030 + 60u); /* the clock runs on meanwhile */
    run_ms(120000 - 20);
    assert_int_equal(last_udp_to(123), 0); /* not asked before its time */
    run_ms(40);
    assert_true(last_udp_to(123) > 0); /* two minutes later */
    drain_tx();
}

/* One lookup at a time: a second is refused at once, the first goes on. */
static void a_second_lookup_waits_for_none(void **state)
{
    (void)state;
    const char *why;
    assert_int_equal(cfg_set("ntp", "192.168.7.1", &why), CFG_OK);
    run_ms(5);
    drain_tx();
    result_t a = {0}, b = {0};
    net_resolve("first.example.test", on_resolved, &a);
    net_resolve("second.example.test", on_resolved, &b);
    assert_int_equal(a.calls, 0);
    assert_int_equal(b.calls, 1);
    assert_false(b.ok);
    assert_string_equal(b.why, "another lookup is in progress");
    run_ms(20000);
    assert_int_equal(a.calls, 1);
    drain_tx();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_init_is_retried_with_back_off),
        cmocka_unit_test(dhcp_discover_goes_out_first),
        cmocka_unit_test(static_address_comes_up_and_answers_arp),
        cmocka_unit_test(link_loss_and_return_are_events),
        cmocka_unit_test(a_flood_is_taken_a_few_frames_per_pass),
        cmocka_unit_test(resolve_literal_and_refusals),
        cmocka_unit_test(resolve_asks_the_configured_server_and_port),
        cmocka_unit_test(an_unanswered_lookup_fails_and_reach_says_so),
        cmocka_unit_test(a_busy_mac_drops_and_counts),
        cmocka_unit_test(an_import_that_leaves_ntp_alone_does_not_restart_sntp),
        /* before the next: its abandoned lookups of NTP server names end
         * in SNTP retries (lwIP cannot cancel a lookup) */
        cmocka_unit_test(an_ntp_answer_sets_the_clock_and_a_step_is_asked_again_soon),
        cmocka_unit_test(imports_leave_room_for_a_lookup),
        cmocka_unit_test(a_second_lookup_waits_for_none),
    };
    return cmocka_run_group_tests_name("net", tests, group_setup, NULL);
}
