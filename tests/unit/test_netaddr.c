#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "netaddr.h"

static void ipv4_accepts_dotted_quads(void **state)
{
    (void)state;
    uint32_t ip;
    assert_true(netaddr_parse_ipv4("10.0.2.2", &ip));
    assert_int_equal(ip, 0x0A000202u);
    assert_true(netaddr_parse_ipv4("255.255.255.255", &ip));
    assert_int_equal(ip, 0xFFFFFFFFu);
    assert_true(netaddr_parse_ipv4("0.0.0.0", &ip));
}

static void ipv4_refuses_everything_else(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
                                      "1..3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4/24", "99999999999.1.1.1"};
    uint32_t ip;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(netaddr_parse_ipv4(bad[i], &ip));
    }
}

static void hostnames(void **state)
{
    (void)state;
    assert_true(netaddr_is_hostname("dev.azure.com"));
    assert_true(netaddr_is_hostname("pool.ntp.org"));
    assert_true(netaddr_is_hostname("a-b.c1"));
    assert_true(netaddr_is_hostname("localhost"));
    assert_true(netaddr_is_hostname("3com.com"));
    char label64[80];
    memset(label64, 'a', 64);
    label64[64] = '\0';
    static const char *const bad[] = {"", "-a.com", "a-.com", "a..com", ".a.com", "a.com.", "a_b.com", "a b",
                                      "1.2.3", "10.0.2.2", "é.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(netaddr_is_hostname(bad[i]));
    }
    assert_false(netaddr_is_hostname(label64));
    label64[63] = '\0';
    assert_true(netaddr_is_hostname(label64));
}

static void host_and_port(void **state)
{
    (void)state;
    char host[64];
    uint16_t port;
    assert_true(netaddr_parse_host_port("10.0.2.2:5353", host, sizeof host, 53, &port));
    assert_string_equal(host, "10.0.2.2");
    assert_int_equal(port, 5353);
    assert_true(netaddr_parse_host_port("time.example", host, sizeof host, 123, &port));
    assert_string_equal(host, "time.example");
    assert_int_equal(port, 123);
    assert_true(netaddr_parse_host_port("x:65535", host, sizeof host, 1, &port));
    assert_int_equal(port, 65535);
    static const char *const bad[] = {"", ":53", "x:", "x:0", "x:65536", "x:053", "x:5a", "x:53:1", "bad host"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(netaddr_parse_host_port(bad[i], host, sizeof host, 1, &port));
    }
    assert_false(netaddr_parse_host_port("averylonghostname.example", host, 8, 1, &port));
}

static void ip_key(void **state)
{
    (void)state;
    netaddr_static_t st;
    const char *why = NULL;
    assert_true(netaddr_parse_ip_key("dhcp", &st, &why));
    assert_true(st.dhcp);
    assert_true(netaddr_parse_ip_key("192.168.7.20/24,192.168.7.1", &st, &why));
    assert_false(st.dhcp);
    assert_int_equal(st.ip, 0xC0A80714u);
    assert_int_equal(st.netmask, 0xFFFFFF00u);
    assert_int_equal(st.gateway, 0xC0A80701u);
    static const char *const bad[] = {"DHCP", "192.168.7.20", "192.168.7.20/24", "192.168.7.20/0,192.168.7.1",
                                      "192.168.7.20/31,192.168.7.21", "192.168.7.20/24,192.168.8.1",
                                      "192.168.7.0/24,192.168.7.1", "192.168.7.255/24,192.168.7.1",
                                      "192.168.7.20/24,192.168.7.20", "192.168.7.20/24,192.168.7.255",
                                      "192.168.7.20/24, 192.168.7.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_false(netaddr_parse_ip_key(bad[i], &st, &why));
        assert_non_null(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_accepts_dotted_quads), cmocka_unit_test(ipv4_refuses_everything_else),
        cmocka_unit_test(hostnames), cmocka_unit_test(host_and_port), cmocka_unit_test(ip_key),
    };
    return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
