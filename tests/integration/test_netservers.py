"""The test DNS and SNTP servers of tools/netservers.py, checked with
hand-built packets over UDP on 127.0.0.1.  No QEMU, root or namespace needed."""
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, assert_standard_library_only
import netservers
from netservers import DnsServer, SntpServer, from_ntp, to_ntp

NTP_DELTA = 2208988800


# -- helpers -----------------------------------------------------------------

@pytest.fixture
def client():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2.0)
    yield s
    s.close()


def exchange(sock, server, packet, timeout=2.0):
    """Sends `packet` to `server`, returns the reply (checking it came from the
    server's own address, as lwIP does) or None if none came within `timeout`."""
    sock.settimeout(timeout)
    sock.sendto(packet, server.address)
    try:
        data, src = sock.recvfrom(4096)
    except socket.timeout:
        return None
    assert src == ("127.0.0.1", server.port)
    return data


def encode_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"


def dns_query(name, txid=0x1234, qtype=1, qclass=1, rd=True, opcode=0, extra=b"", arcount=0):
    flags = (opcode << 11) | (0x0100 if rd else 0)
    return (struct.pack("!HHHHHH", txid, flags, 1, 0, 0, arcount)
            + encode_name(name) + struct.pack("!HH", qtype, qclass) + extra)


def parse_header(reply):
    txid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", reply, 0)
    return {
        "id": txid, "qr": flags >> 15, "opcode": (flags >> 11) & 0xF, "aa": (flags >> 10) & 1,
        "tc": (flags >> 9) & 1, "rd": (flags >> 8) & 1, "ra": (flags >> 7) & 1,
        "z": (flags >> 4) & 7, "rcode": flags & 0xF, "qd": qd, "an": an, "ns": ns, "ar": ar,
    }


def sntp_request(version=4, mode=3, poll=6, tx=None, length=48):
    if tx is None:
        tx = random.getrandbits(64)
    pkt = struct.pack("!BBBb", (0 << 6) | (version << 3) | mode, 0, poll, 0) + bytes(36) + struct.pack("!Q", tx)
    return pkt + bytes(length - 48) if length >= 48 else pkt[:length], tx


def parse_sntp(reply):
    (lvm, stratum, poll, precision, root_delay, root_disp, refid,
     ref, orig, rx, tx) = struct.unpack("!BBBbII4sQQQQ", reply)
    return {
        "li": lvm >> 6, "vn": (lvm >> 3) & 7, "mode": lvm & 7, "stratum": stratum, "poll": poll,
        "precision": precision, "root_delay": root_delay, "root_disp": root_disp, "refid": refid,
        "ref": ref, "orig": orig, "rx": rx, "tx": tx,
    }


# -- DNS ---------------------------------------------------------------------

def test_dns_a_record_answer_every_field(client):
    with DnsServer({"dev.azure.com": "10.0.2.2"}) as dns:
        assert dns.port and dns.port != 0
        q = dns_query("dev.azure.com", txid=0xBEEF)
        reply = exchange(client, dns, q)
    assert reply is not None
    h = parse_header(reply)
    assert h == {"id": 0xBEEF, "qr": 1, "opcode": 0, "aa": 1, "tc": 0, "rd": 1, "ra": 1, "z": 0,
                 "rcode": 0, "qd": 1, "an": 1, "ns": 0, "ar": 0}
    question = q[12:]
    assert reply[12:12 + len(question)] == question
    answer = reply[12 + len(question):]
    # name as a pointer to the question, type A, class IN, TTL 60, 4 bytes of address
    assert answer == b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, 2, 2])
    assert len(reply) == 12 + len(question) + 16


def test_dns_rd_clear_is_copied(client):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        reply = exchange(client, dns, dns_query("a.example", rd=False))
    h = parse_header(reply)
    assert h["rd"] == 0 and h["qr"] == 1 and h["aa"] == 1 and h["rcode"] == 0 and h["an"] == 1


def test_dns_ttl_configurable_and_changeable_while_running(client):
    with DnsServer({"a.example": "192.168.1.200"}, ttl=3600) as dns:
        r1 = exchange(client, dns, dns_query("a.example"))
        dns.ttl = 5
        r2 = exchange(client, dns, dns_query("a.example"))
    q_len = len(dns_query("a.example")) - 12
    for reply, ttl in ((r1, 3600), (r2, 5)):
        ans = reply[12 + q_len:]
        assert struct.unpack("!HHIH", ans[2:12]) == (1, 1, ttl, 4)
        assert ans[12:] == bytes([192, 168, 1, 200])


def test_dns_uncompressed_answer_name(client):
    with DnsServer({"a.example": "1.2.3.4"}, compress=False) as dns:
        q = dns_query("a.example")
        reply = exchange(client, dns, q)
    ans = reply[len(q):]
    assert ans == encode_name("a.example") + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"


def test_dns_names_match_case_insensitively_and_question_echoed_as_sent(client):
    with DnsServer({"Dev.Azure.COM.": "5.6.7.8"}) as dns:
        q = dns_query("DEV.azure.com", txid=7)
        reply = exchange(client, dns, q)
        assert dns.queries[0].qname == "dev.azure.com"
    assert parse_header(reply)["rcode"] == 0
    assert reply[12:len(q)] == q[12:]
    assert reply[-4:] == b"\x05\x06\x07\x08"


def test_dns_unknown_name_is_nxdomain(client):
    with DnsServer({"known.example": "1.2.3.4"}) as dns:
        q = dns_query("unknown.example", txid=0x0102)
        reply = exchange(client, dns, q)
    h = parse_header(reply)
    assert h["id"] == 0x0102 and h["qr"] == 1 and h["aa"] == 1 and h["ra"] == 1
    assert h["rcode"] == 3
    assert (h["qd"], h["an"], h["ns"], h["ar"]) == (1, 0, 0, 0)
    assert reply[12:] == q[12:]


@pytest.mark.parametrize("qtype", [28, 5, 15, 16])  # AAAA, CNAME, MX, TXT
def test_dns_other_type_for_known_name_is_noerror_without_answers(client, qtype):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        q = dns_query("a.example", qtype=qtype)
        reply = exchange(client, dns, q)
        assert dns.queries[0].qtype == qtype
    h = parse_header(reply)
    assert h["rcode"] == 0 and h["an"] == 0 and h["qd"] == 1 and h["aa"] == 1
    assert reply[12:] == q[12:]


def test_dns_other_class_for_known_name_has_no_answers(client):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        reply = exchange(client, dns, dns_query("a.example", qclass=3))  # CHAOS
    h = parse_header(reply)
    assert h["rcode"] == 0 and h["an"] == 0


def test_dns_servfail(client):
    with DnsServer({"a.example": "1.2.3.4"}, servfail=True) as dns:
        q = dns_query("a.example", txid=99)
        reply = exchange(client, dns, q)
        dns.servfail = False
        ok = exchange(client, dns, dns_query("a.example", txid=100))
    h = parse_header(reply)
    assert h["id"] == 99 and h["qr"] == 1 and h["rcode"] == 2 and h["an"] == 0
    assert reply[12:] == q[12:]
    assert parse_header(ok)["rcode"] == 0 and parse_header(ok)["an"] == 1


def test_dns_drop_answers_nothing_but_logs(client):
    with DnsServer({"a.example": "1.2.3.4"}, drop=True) as dns:
        assert exchange(client, dns, dns_query("a.example", txid=5), timeout=0.3) is None
        assert dns.queries == [(client.getsockname(), "a.example", 1, 5)]
        dns.drop = False
        assert exchange(client, dns, dns_query("a.example", txid=6)) is not None


def test_dns_delay(client):
    with DnsServer({"a.example": "1.2.3.4"}, delay_s=0.4) as dns:
        t0 = time.monotonic()
        reply = exchange(client, dns, dns_query("a.example"))
        elapsed = time.monotonic() - t0
    assert reply is not None and parse_header(reply)["an"] == 1
    assert 0.35 <= elapsed < 1.5


def test_dns_delayed_replies_do_not_hold_up_each_other(client):
    with DnsServer({"a.example": "1.2.3.4"}, delay_s=0.5) as dns:
        t0 = time.monotonic()
        for txid in (1, 2, 3):
            client.sendto(dns_query("a.example", txid=txid), dns.address)
        ids = sorted(parse_header(client.recvfrom(512)[0])["id"] for _ in range(3))
        elapsed = time.monotonic() - t0
    assert ids == [1, 2, 3]
    assert elapsed < 1.2


def test_dns_stop_cancels_delayed_replies(client):
    dns = DnsServer({"a.example": "1.2.3.4"}, delay_s=0.3).start()
    client.sendto(dns_query("a.example"), dns.address)
    assert dns.wait_for_queries(1, timeout=2)
    dns.stop()
    client.settimeout(0.6)
    with pytest.raises(socket.timeout):
        client.recvfrom(512)


def test_dns_query_log(client):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        exchange(client, dns, dns_query("a.example", txid=0xAAAA))
        exchange(client, dns, dns_query("b.example", txid=0xBBBB, qtype=28))
        assert dns.wait_for_queries(2, timeout=1)
        log = dns.queries
        assert not dns.wait_for_queries(3, timeout=0.05)
        dns.clear()
        assert dns.queries == []
    addr = client.getsockname()
    assert log == [(addr, "a.example", 1, 0xAAAA), (addr, "b.example", 28, 0xBBBB)]
    assert log[0].addr == addr and log[0].qname == "a.example" and log[0].qtype == 1
    assert log[0].id == 0xAAAA


def test_dns_records_changed_while_running(client):
    with DnsServer() as dns:
        assert parse_header(exchange(client, dns, dns_query("late.example")))["rcode"] == 3
        dns.set_record("late.example", "9.9.9.9")
        reply = exchange(client, dns, dns_query("late.example"))
        assert parse_header(reply)["rcode"] == 0 and reply[-4:] == b"\x09\x09\x09\x09"
        dns.remove_record("LATE.example")
        assert parse_header(exchange(client, dns, dns_query("late.example")))["rcode"] == 3
        dns.records = {"Direct.Example": "8.8.4.4"}  # assigned directly, not normalised
        assert exchange(client, dns, dns_query("direct.example"))[-4:] == b"\x08\x08\x04\x04"


def test_dns_non_query_opcode_is_notimp(client):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        reply = exchange(client, dns, dns_query("a.example", opcode=2))  # STATUS
    h = parse_header(reply)
    assert h["qr"] == 1 and h["opcode"] == 2 and h["rcode"] == 4 and h["an"] == 0


def test_dns_edns_additional_record_is_tolerated(client):
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        q = dns_query("a.example", extra=opt, arcount=1)
        reply = exchange(client, dns, q)
    h = parse_header(reply)
    assert h["rcode"] == 0 and h["an"] == 1 and h["ar"] == 0
    assert reply[-4:] == b"\x01\x02\x03\x04"


MALFORMED = {
    "empty": b"",
    "short header": b"\x12\x34\x01\x00\x00\x01",
    "header only": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0),
    "a response": struct.pack("!HHHHHH", 1, 0x8180, 1, 0, 0, 0) + encode_name("a.example") + b"\0\1\0\1",
    "qdcount 0": struct.pack("!HHHHHH", 1, 0x0100, 0, 0, 0, 0),
    "qdcount 2": struct.pack("!HHHHHH", 1, 0x0100, 2, 0, 0, 0) + (encode_name("a.example") + b"\0\1\0\1") * 2,
    "label past end": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x3fabc",
    "no terminator": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x01a",
    "no qtype": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + encode_name("a.example") + b"\0",
    "pointer loop": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x01a\xc0\x0c\0\1\0\1",
    "forward pointer": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\xc0\x20\0\1\0\1" + bytes(40),
    "pointer into header": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\xc0\x02\0\1\0\1",
    "extended label": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x41a\0\0\1\0\1",
    "name too long": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + (b"\x3f" + b"a" * 63) * 5 + b"\0\0\1\0\1",
    "non-ascii label": struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x02\xff\xfe\0\0\1\0\1",
}


def test_dns_malformed_packets_are_ignored(client):
    with DnsServer({"a.example": "1.2.3.4"}) as dns:
        for name, pkt in MALFORMED.items():
            client.sendto(pkt, dns.address)
        # still serving, and nothing was answered before this reply
        reply = exchange(client, dns, dns_query("a.example", txid=0x4242))
        assert parse_header(reply)["id"] == 0x4242
        assert exchange(client, dns, b"", timeout=0.2) is None
        assert dns.queries == [(client.getsockname(), "a.example", 1, 0x4242)]
        assert len(dns.ignored) == len(MALFORMED) + 1
        assert dns.errors == []


def test_dns_concurrent_clients():
    with DnsServer({f"h{i}.example": f"10.0.0.{i}" for i in range(8)}) as dns:
        failures = []

        def worker(i):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            try:
                for n in range(25):
                    txid = i * 100 + n
                    reply = exchange(s, dns, dns_query(f"h{i}.example", txid=txid))
                    if reply is None or parse_header(reply)["id"] != txid or reply[-1] != i:
                        failures.append((i, n, reply))
            finally:
                s.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(dns.queries) == 200


# -- SNTP --------------------------------------------------------------------

def check_times(r, expected_unix, slack=1.0):
    for field in ("ref", "rx", "tx"):
        assert abs(from_ntp(r[field]) - expected_unix) < slack, field
    assert r["ref"] <= r["rx"] <= r["tx"]


def test_sntp_reply_every_field(client):
    with SntpServer() as ntp:
        req, tx = sntp_request(version=4, poll=6)
        reply = exchange(client, ntp, req)
        now = time.time()
    assert len(reply) == 48
    r = parse_sntp(reply)
    assert (r["li"], r["vn"], r["mode"], r["stratum"], r["poll"]) == (0, 4, 4, 1, 6)
    assert r["precision"] == -20 and reply[3] == 0xEC
    assert (r["root_delay"], r["root_disp"]) == (0, 0)
    assert r["refid"] == b"PBTS"
    assert r["orig"] == tx
    check_times(r, now)
    # raw NTP era arithmetic: seconds since 1900 in the high 32 bits
    assert abs((r["tx"] >> 32) - (int(now) + NTP_DELTA) % (1 << 32)) <= 1


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_sntp_version_and_poll_copied(client, version):
    with SntpServer() as ntp:
        req, tx = sntp_request(version=version, poll=10)
        r = parse_sntp(exchange(client, ntp, req))
    assert r["vn"] == version and r["mode"] == 4 and r["poll"] == 10 and r["orig"] == tx


def test_sntp_zero_transmit_timestamp_echoed(client):
    with SntpServer() as ntp:
        req, _ = sntp_request(tx=0)
        assert parse_sntp(exchange(client, ntp, req))["orig"] == 0


def test_sntp_offset_and_change_while_running(client):
    with SntpServer(offset_s=3600.0) as ntp:
        r1 = parse_sntp(exchange(client, ntp, sntp_request()[0]))
        t1 = time.time()
        ntp.offset_s = -86400.0 * 3
        r2 = parse_sntp(exchange(client, ntp, sntp_request()[0]))
        t2 = time.time()
    check_times(r1, t1 + 3600)
    check_times(r2, t2 - 86400 * 3)


def test_sntp_follow_client_answers_the_clients_clock_plus_offset(client):
    with SntpServer(offset_s=172800.0, follow_client=True) as ntp:
        client_clock = time.time() - 5 * 86400  # a client five days behind
        req, tx = sntp_request(tx=to_ntp(client_clock))
        r = parse_sntp(exchange(client, ntp, req))
        assert r["orig"] == tx
        check_times(r, client_clock + 172800)
        ntp.offset_s = -60.0  # changed while running
        r = parse_sntp(exchange(client, ntp, sntp_request(tx=to_ntp(client_clock))[0]))
        check_times(r, client_clock - 60)
        r = parse_sntp(exchange(client, ntp, sntp_request(tx=0)[0]))  # no clock: this machine's
        check_times(r, time.time() - 60)


def test_sntp_stratum_configurable(client):
    with SntpServer(stratum=2) as ntp:
        r = parse_sntp(exchange(client, ntp, sntp_request()[0]))
        ntp.stratum = 3
        r3 = parse_sntp(exchange(client, ntp, sntp_request()[0]))
    assert r["stratum"] == 2 and r3["stratum"] == 3 and r["li"] == 0 and r["refid"] == b"PBTS"


def test_sntp_kiss_o_death(client):
    with SntpServer(kod=True) as ntp:
        req, tx = sntp_request()
        r = parse_sntp(exchange(client, ntp, req))
        ntp.kod_code = b"DENY"
        r2 = parse_sntp(exchange(client, ntp, sntp_request()[0]))
        ntp.kod = False
        r3 = parse_sntp(exchange(client, ntp, sntp_request()[0]))
    assert r["stratum"] == 0 and r["refid"] == b"RATE" and r["li"] == 3
    assert r["mode"] == 4 and r["vn"] == 4 and r["orig"] == tx
    assert r2["stratum"] == 0 and r2["refid"] == b"DENY"
    assert r3["stratum"] == 1 and r3["refid"] == b"PBTS" and r3["li"] == 0


def test_sntp_drop_answers_nothing_but_logs(client):
    with SntpServer(drop=True) as ntp:
        req, tx = sntp_request(version=3)
        assert exchange(client, ntp, req, timeout=0.3) is None
        assert ntp.requests == [(client.getsockname(), 3, tx)]
        ntp.drop = False
        assert exchange(client, ntp, req) is not None


def test_sntp_request_log(client):
    with SntpServer() as ntp:
        req1, tx1 = sntp_request(version=4)
        req2, tx2 = sntp_request(version=3)
        exchange(client, ntp, req1)
        exchange(client, ntp, req2)
        assert ntp.wait_for_requests(2, timeout=1)
        log = ntp.requests
        ntp.clear()
        assert ntp.requests == []
    addr = client.getsockname()
    assert log == [(addr, 4, tx1), (addr, 3, tx2)]
    assert log[0].addr == addr and log[0].version == 4 and log[0].transmit_ts == tx1


def test_sntp_delay_makes_transmit_later_than_receive(client):
    with SntpServer(delay_s=0.5) as ntp:
        t0 = time.time()
        r = parse_sntp(exchange(client, ntp, sntp_request()[0]))
    rx, tx = from_ntp(r["rx"]), from_ntp(r["tx"])
    assert abs(rx - t0) < 0.3
    assert 0.4 < tx - rx < 1.0


def test_sntp_longer_request_is_answered_with_48_bytes(client):
    with SntpServer() as ntp:
        req, tx = sntp_request(length=68)  # with key id and digest
        reply = exchange(client, ntp, req)
    assert len(reply) == 48 and parse_sntp(reply)["orig"] == tx


@pytest.mark.parametrize("what", ["empty", "47 bytes", "mode 4", "mode 1", "mode 5", "mode 6", "mode 0"])
def test_sntp_ignores_anything_but_mode_3_requests(client, what):
    if what == "empty":
        pkt = b""
    elif what == "47 bytes":
        pkt = sntp_request(length=47)[0]
    else:
        pkt = sntp_request(mode=int(what.split()[1]))[0]
    with SntpServer() as ntp:
        assert exchange(client, ntp, pkt, timeout=0.3) is None
        assert ntp.requests == []
        assert len(ntp.ignored) == 1
        assert exchange(client, ntp, sntp_request()[0]) is not None
        assert ntp.errors == []


def test_ntp_timestamp_conversion():
    assert to_ntp(0.0) == NTP_DELTA << 32
    assert to_ntp(0.5) == (NTP_DELTA << 32) | 0x80000000
    # era 1 begins 2036-02-07T06:28:16Z (Unix 2085978496): wraps to 0
    assert to_ntp(2085978496.0) == 0
    assert from_ntp(0, pivot=2085978496.0) == 2085978496.0
    assert from_ntp(to_ntp(2085978500.25), pivot=2.09e9) == pytest.approx(2085978500.25, abs=1e-6)
    now = time.time()
    assert from_ntp(to_ntp(now)) == pytest.approx(now, abs=1e-6)


# -- both --------------------------------------------------------------------

@pytest.mark.parametrize("cls", [DnsServer, SntpServer])
def test_only_loopback_addresses(cls):
    for host in ("0.0.0.0", "10.0.2.2", "192.168.1.1", "::1"):
        with pytest.raises(ValueError):
            cls(host=host)
    with cls(host="127.0.0.1") as srv:
        assert srv.address == ("127.0.0.1", srv.port)


@pytest.mark.parametrize("cls", [DnsServer, SntpServer])
def test_lan_address_only_when_asked(cls):
    """The hardware test kit's HOST_IP: one unicast address, only with lan=True
    (constructed here, never bound)."""
    assert cls(host="192.168.1.20", lan=True).host == "192.168.1.20"
    assert cls(host="127.0.0.2", lan=True).host == "127.0.0.2"
    for host in ("0.0.0.0", "224.0.0.251", "255.255.255.255", "::1", "nope"):
        with pytest.raises(ValueError):
            cls(host=host, lan=True)


@pytest.mark.parametrize("cls", [DnsServer, SntpServer])
def test_fixed_port_busy_port_and_restart(cls):
    with cls() as first:
        port = first.port
        with pytest.raises(OSError):
            cls(port=port).start()
    # released on stop: the same port can be bound again, and stop is idempotent
    srv = cls(port=port)
    srv.start()
    assert srv.port == port
    srv.stop()
    srv.stop()
    assert srv.port == port


def _run_cli(args, client, query, check):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "netservers.py")] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert " listening on 127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() else "")
        port = int(line.rsplit(":", 1)[1])
        client.sendto(query, ("127.0.0.1", port))
        data, src = client.recvfrom(512)
        assert src == ("127.0.0.1", port)
        check(data)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_cli_dns(client):
    def check(reply):
        assert parse_header(reply)["id"] == 77 and reply[-4:] == b"\x01\x02\x03\x04"
    _run_cli(["dns", "--port", "0", "--record", "a.example=1.2.3.4", "--record", "b.example=5.6.7.8",
              "--ttl", "30"], client, dns_query("a.example", txid=77), check)


def test_cli_sntp(client):
    req, tx = sntp_request()

    def check(reply):
        r = parse_sntp(reply)
        assert r["orig"] == tx and r["mode"] == 4
        check_times(r, time.time() + 100)
    _run_cli(["sntp", "--offset", "100"], client, req, check)


def test_cli_rejects_bad_record():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "netservers.py"),
                           "dns", "--record", "a.example=1.2.3"], capture_output=True, text=True)
    assert proc.returncode == 2 and "not an IPv4 address" in proc.stderr


def test_module_is_standard_library_only():
    assert_standard_library_only("netservers")
    assert netservers.__file__.startswith(os.path.join(ROOT, "tools"))
