"""The device on a network (spec sections 2, 3, 7): QEMU's user network in a
private namespace, with test DNS and SNTP servers on the namespace's loopback,
which the device reaches at 10.0.2.2."""
import calendar
import re
import time

from netservers import DnsServer, SntpServer

HOST = "10.0.2.2"  # the namespace's 127.0.0.1 as QEMU's user network shows it


def wait_for(dev, pattern, timeout=20):
    m, _ = dev.expect(pattern, timeout=timeout)
    return m


def wait_up(dev, timeout=20):
    """The first EVT net up, whether or not a command's reply swallowed it."""
    for line in dev.lines:
        if line.startswith("EVT net up "):
            return line
    return wait_for(dev, r"^EVT net up ", timeout).string


def iso_to_epoch(iso):
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$", iso)
    assert m, iso
    y, mo, d, h, mi, s, ms = (int(g) for g in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s)) + ms / 1000


def test_dhcp_lease_from_qemu(netdevice):
    m = re.match(r"^EVT net up ip=(\S+)$", wait_up(netdevice))
    assert m.group(1) == "10.0.2.15"  # QEMU's DHCP server hands out .15 first
    st = netdevice.status()
    assert st["net"] == "up"
    assert st["ip"] == "10.0.2.15"
    # QEMU's MAC comes up at the first try: one init, no EVT net down.
    assert st["eth_init_attempts"] == "1"
    assert not [line for line in netdevice.lines if line.startswith("EVT net down")]


def test_resolve_through_the_configured_dns_server_and_port(netdevice):
    with DnsServer({"pipeline.example.test": "192.0.2.44"}) as dns:
        wait_up(netdevice)
        _, _, final = netdevice.command(f"config set dns {HOST}:{dns.port}")
        assert final == "OK"
        _, _, final = netdevice.command("net resolve pipeline.example.test", timeout=20)
        assert final == "OK addr=192.0.2.44"
        assert [q[1] for q in dns.queries] == ["pipeline.example.test"]
        assert netdevice.status()["reach"] == "ok"
        _, _, final = netdevice.command("net resolve missing.example.test", timeout=30)
        assert final.startswith("ERR dns-failed: ")
        assert netdevice.status()["reach"] == "failing"


def test_resolve_needs_a_name(netdevice):
    wait_up(netdevice)
    _, _, final = netdevice.command("net resolve not_a_name!")
    assert final.startswith("ERR dns-failed: ")
    _, _, final = netdevice.command("net resolve")
    assert final.startswith("ERR bad-argument: ")
    _, _, final = netdevice.command("net resolve 10.1.2.3")
    assert final == "OK addr=10.1.2.3"


def test_clock_set_from_the_configured_sntp_server(netdevice):
    with SntpServer() as ntp:
        wait_up(netdevice)
        assert netdevice.status()["time"] == "unsynced"
        _, _, final = netdevice.command(f"config set ntp {HOST}:{ntp.port}")
        assert final == "OK"
        m = wait_for(netdevice, r"^EVT time synced utc=(\S+)$")
        assert abs(iso_to_epoch(m.group(1)) - time.time()) < 1.0
        st = netdevice.status()
        assert st["time"] == "synced"
        assert abs(iso_to_epoch(st["utc"]) - time.time()) < 1.0
        assert ntp.requests, "the server saw no request"


def test_sntp_correction_is_reported(netdevice):
    with SntpServer() as ntp:
        wait_up(netdevice)
        netdevice.command(f"config set ntp {HOST}:{ntp.port}")
        wait_for(netdevice, r"^EVT time synced ")
        ntp.offset_s = 600.0
        # a new server setting restarts SNTP: a 10-minute correction is
        # applied, and an event
        netdevice.command(f"config set ntp 127.0.0.1:{ntp.port}")
        netdevice.command(f"config set ntp {HOST}:{ntp.port}")
        m = wait_for(netdevice, r"^EVT time synced utc=(\S+)$")
        assert abs(iso_to_epoch(m.group(1)) - (time.time() + 600)) < 1.0
        # an hour's step waits for answers over 10 minutes (test_time.py)
        ntp.offset_s = 3600.0
        netdevice.command(f"config set ntp {HOST}:{ntp.port}")
        m = wait_for(netdevice, r"^EVT time suspect step_s=(-?\d+)$")
        assert abs(int(m.group(1)) - 3000) <= 1
        assert netdevice.status()["time"] == "suspect"


def test_time_set_by_hand(netdevice):
    _, _, final = netdevice.command("time set 2031-05-06T07:08:09.250Z")
    assert final == "OK"
    st = netdevice.status()
    assert st["time"] == "manual"
    assert abs(iso_to_epoch(st["utc"]) - iso_to_epoch("2031-05-06T07:08:09.250Z")) < 2.0
    for bad in ("2031-02-30T00:00:00Z", "yesterday", "2031-05-06 07:08:09Z", "2031-05-06T07:08:09+01:00"):
        _, _, final = netdevice.command(f"time set {bad}")
        assert final.startswith("ERR bad-value: "), bad


def test_link_cut_and_recovery(netdevice):
    with DnsServer({"up.example.test": "198.51.100.7"}) as dns, SntpServer() as ntp:
        wait_up(netdevice)
        netdevice.command(f"config set dns {HOST}:{dns.port}")
        netdevice.command(f"config set ntp {HOST}:{ntp.port}")
        wait_for(netdevice, r"^EVT time synced ")
        _, _, final = netdevice.command("net resolve up.example.test", timeout=20)
        assert final == "OK addr=198.51.100.7"

        netdevice.set_link(False)  # frames are lost; the model has no PHY to tell
        _, _, final = netdevice.command("net resolve gone.example.test", timeout=30)
        assert final.startswith("ERR dns-failed: ")
        st = netdevice.status()
        assert st["net"] == "up" and st["reach"] == "failing"
        # the device stays responsive during the outage
        _, _, final = netdevice.command("version")
        assert final.startswith("OK version=")

        netdevice.set_link(True)
        _, _, final = netdevice.command("net resolve gone.example.test", timeout=30)
        assert final.startswith("ERR dns-failed: ")  # NXDOMAIN: the server answered
        _, _, final = netdevice.command("net resolve up.example.test", timeout=20)
        assert final == "OK addr=198.51.100.7"
        assert netdevice.status()["reach"] == "ok"


def test_static_address(netdevice):
    wait_up(netdevice)
    _, events, final = netdevice.command("config set ip 10.0.2.77/24,10.0.2.2")
    assert final == "OK"
    # DHCP's lease is released first, then the static address comes up
    assert events == ["EVT net down", "EVT net up ip=10.0.2.77"]
    for bad in ("10.0.2.77", "10.0.2.77/24", "10.0.2.77/24,10.0.3.2", "10.0.2.0/24,10.0.2.2", "300.1.1.1/24,300.1.1.2"):
        _, _, final = netdevice.command(f"config set ip {bad}")
        assert final.startswith("ERR bad-value: ip: "), bad
    assert netdevice.status()["ip"] == "10.0.2.77"


def test_config_rejects_bad_network_values(netdevice):
    for key, bad in (("dns", "dns.example.com"), ("dns", "10.0.2.3:0"), ("dns", "10.0.2.3:70000"),
                     ("ntp", "-bad-.example"), ("ntp", "time.example:"), ("ntp", "1.2.3")):
        _, _, final = netdevice.command(f"config set {key} {bad}")
        assert final.startswith(f"ERR bad-value: {key}: "), (key, bad, final)
    _, _, final = netdevice.command("config set colour blue")
    assert final.startswith("ERR unknown-key: ")


def read_pcap(path):
    """(timestamp, frame) pairs of a classic little-endian pcap file."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), hex(magic)
    scale = 1e-6 if magic == 0xA1B2C3D4 else 1e-9
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from("<IIII", data, off)
        frames.append((sec + frac * scale, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return frames


def test_first_frame_is_a_well_formed_dhcp_discover_after_boot(tmp_path):
    """What the device puts on the wire, captured by QEMU itself: its first
    frame is a DHCP discover carrying its own address, so nothing went out
    before the MAC was set up (the host unit tests' fake MAC also refuses any
    frame before init)."""
    import pytest
    import pbdevice
    if not pbdevice.in_private_netns():
        pytest.skip("network tests run inside tools/netns")
    pcap = tmp_path / "wire.pcap"
    dev = pbdevice.Device(workdir=str(tmp_path / "dev"), net=True,
                          extra=["-object", f"filter-dump,id=wire,netdev=net0,file={pcap}"])
    try:
        boot = dev.readline()
        wait_up(dev)
        mac = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
    finally:
        dev.close()
    frames = read_pcap(pcap)
    sent = [(t, f) for t, f in frames if f[6:12] == mac]
    assert sent, "the device sent nothing"
    assert boot.startswith("EVT boot ")
    first = sent[0][1]
    assert first[:6] == b"\xff" * 6 and first[12:14] == b"\x08\x00"
    udp = first[14 + 20:]
    assert (udp[0] << 8 | udp[1], udp[2] << 8 | udp[3]) == (68, 67)
    assert udp[8] == 1 and udp[8 + 28:8 + 34] == mac  # BOOTREQUEST from our MAC
    for _, f in sent:  # every frame is a proper Ethernet II frame from us
        assert len(f) >= 42 and f[12:14] in (b"\x08\x00", b"\x08\x06")
