#!/usr/bin/env python3
"""Delivery benchmark (`make bench`), inside tools/netns: the image in QEMU
with -icount shift=4 (16 ns per instruction; spec section 7) against the
webhook emulator with the test chain shaped like Azure's (RSA-4096 root,
RSA-2048 intermediate, 2.5 KB leaf with 53 names).  Reports, never asserts,
in emulated ms as the device measures them, separately for a server that
speaks only TLS 1.3 and one that speaks only TLS 1.2: press-to-`EVT
delivered` for the first press after boot (full handshake), for a press on
the kept-alive connection, and for a press after the server closed the
connection following its previous answer (a resumed handshake: TLS 1.3
ticket, TLS 1.2 ticket), and the longest single handshake step; then the
heap high-water mark of a full handshake with each chain of issue 10 (a:
the test chain, b: Azure's 2026 shape, c: a 150-name leaf sent with its
root) under each version; then the drain rate of the durable queue:
BENCH_DRAIN (100) triggers queued while the link is down, delivered once it
is back, with the connection kept alive and with a new connection (full
handshake) for every trigger."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbdevice  # noqa: E402
from netservers import DnsServer, SntpServer  # noqa: E402
from webhook_emulator import WebhookEmulator, tls_versions  # noqa: E402

ROOT = pbdevice.ROOT
PKI = os.path.join(ROOT, "build", "testpki")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DRAIN = int(os.environ.get("BENCH_DRAIN", "100"))
VERSIONS = ("1.3", "1.2")
# issue 10's chains: file, key, the anchor the device is given
CHAINS = {"a": ("chain.pem", "leaf.key", "root.pem"),
          "b": ("chain-2026.pem", "g2-leaf.key", "g2-root.pem"),
          "c": ("chain-150.pem", "leaf150.key", "root.pem")}
DELIVERED = r"^EVT delivered id=\S+ attempt=1 status=200 ms=(\d+)$"


def provision(dev, emu, dns, ntp, anchor="root.pem"):
    dev.readline()
    dev.prime()
    with open(os.path.join(PKI, anchor)) as f:  # before the secret: adding an anchor unsets it
        assert pbdevice.ca_add(dev, f.read(), timeout=30).startswith("OK ca=")
    dev.command('config import {"org":"bench","webhook":"hook","secret":"bench-secret",'
                f'"port":"{emu.port}","dns":"10.0.2.2:{dns.port}","ntp":"10.0.2.2:{ntp.port}",'
                '"retry.base_ms":"200","retry.max_ms":"1000"}')
    if not any(l.startswith("EVT time synced") for l in dev.lines):
        dev.expect(r"^EVT time synced ", timeout=30)


def servers(chain="a", versions="both"):
    name, key, _ = CHAINS[chain]
    low, high = tls_versions(versions)
    return (WebhookEmulator(os.path.join(PKI, name), os.path.join(PKI, key),
                            webhooks={("bench", "hook"): "bench-secret"}, min_version=low, max_version=high),
            DnsServer({"dev.azure.com": "10.0.2.2"}), SntpServer())


def press(dev):
    """A short press of select, once the last key is 150 ms released (a key
    pressed again at once is one bounce to the device); its ms=, which the
    device counts from the press it saw.  Held 300 ms and pressed again if
    the device saw none: on a loaded machine QEMU can be off the CPU for
    longer than a 100 ms press."""
    for _ in range(3):
        time.sleep(0.15)
        pbdevice.hold(dev.qmp, pbdevice.BUTTON_KEYS["select"], 0.3)
        try:
            dev.expect(r"^EVT press button=select ", timeout=5)
            break
        except TimeoutError:
            continue
    m, _ = dev.expect(DELIVERED, timeout=60)
    return int(m.group(1))


def one_run(version):
    """(full, kept-alive, resumed ms, longest step ms, heap peak, stack peak,
    handshakes at the server, whether the server resumed the last one)."""
    emu, dns, ntp = servers(versions=version)
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work, emu, dns, ntp:
        dev = pbdevice.Device(workdir=work, net=True, extra=["-icount", "shift=4"])
        try:
            provision(dev, emu, dns, ntp)
            full = press(dev)            # opens the connection: full handshake
            kept = press(dev)            # reuses it
            emu.fault = "close-after"    # the next answer is followed by close_notify and FIN
            press(dev)
            assert emu.wait_idle(10)
            emu.fault = None
            resumed = press(dev)         # a new connection, offering the session
            st = dev.status()
            last = emu.connections[-1]
            return (full, kept, resumed, int(st["tls_longest_step_ms"]), int(st["tls_pool_peak"]),
                    int(st["stack_peak"]), emu.handshakes, bool(last.session_reused))
        finally:
            dev.close()


def chain_peak(chain, version):
    """The outcome of one full handshake with `chain` and the heap figures
    after it: (outcome text, heap_peak, heap_size)."""
    emu, dns, ntp = servers(chain, version)
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work, emu, dns, ntp:
        dev = pbdevice.Device(workdir=work, net=True, extra=["-icount", "shift=4"])
        try:
            provision(dev, emu, dns, ntp, anchor=CHAINS[chain][2])
            _, _, final = dev.command("trigger")
            m, skipped = dev.expect(r"^EVT (delivered|retry|error) ", timeout=60)
            fail = [line.split("reason=")[1] for line in skipped if line.startswith("EVT tls-fail ")]
            st = dev.status()
            what = "delivered" if m.group(1) == "delivered" else f"tls-fail reason={fail[0] if fail else '?'}"
            return what, int(st["heap_peak"]), int(st["heap_size"])
        finally:
            dev.close()


def drain(reuse):
    """Emulated ms from the link coming back to the last of DRAIN triggers
    delivered, the handshakes the server saw for them and how many of those
    resumed a session."""
    emu, dns, ntp = servers()
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work, emu, dns, ntp:
        dev = pbdevice.Device(workdir=work, net=True, extra=["-icount", "shift=4"])
        try:
            provision(dev, emu, dns, ntp)
            dev.press("select", "short")  # DNS and connection warm, as on a device in use
            dev.expect(r"^EVT delivered ", timeout=60)
            if not reuse:
                emu.fault = "close-after"
            dev.set_link(False)
            for i in range(DRAIN):
                _, _, final = dev.command(f'trigger {{"n":{i}}}')
                assert final.startswith("OK id="), final
            last = final.split("=", 1)[1]
            dev.drain(2)
            before = len(emu.connections)
            start = int(dev.status()["uptime_ms"])
            dev.set_link(True)
            dev.expect(rf"^EVT delivered id={last} ", timeout=1800)
            while int(dev.status()["queue"]) > 0:
                dev.drain(0.5)
            end = int(dev.status()["uptime_ms"])
            conns = [c for c in emu.connections[before:] if c.handshake_ok]
            return end - start, len(conns), sum(bool(c.session_reused) for c in conns)
        finally:
            dev.close()


def static_ram():
    out = subprocess.run(["arm-none-eabi-size", "-A", pbdevice.DEFAULT_ELF], capture_output=True, text=True).stdout
    sizes = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\w+)\s+(\d+)", out, re.M)}
    return sizes.get(".data", 0) + sizes.get(".bss", 0) + sizes.get(".noinit", 0)


def spread(rows, i):
    return pbdevice.bench_spread(rows, i)[1]


def main():
    if not pbdevice.in_private_netns():
        sys.exit("bench-delivery: run me through tools/netns (make bench does)")
    subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), PKI], check=True, capture_output=True)
    print(f"delivery, {RUNS} runs per TLS version, emulated ms at -icount shift=4 (16 ns per instruction; "
          "ms x 62,500 = instructions at most), Azure-shaped chain:")
    for version in VERSIONS:
        rows = [one_run(version) for _ in range(RUNS)]
        step = max(r[3] for r in rows)
        print(f" server with TLS {version} only:")
        print(f"  first press -> EVT delivered (full handshake)          {spread(rows, 0)}")
        print(f"  press on the kept-alive connection                    {spread(rows, 1)}")
        print(f"  press after the server closed (resumed handshake)     {spread(rows, 2)}  "
              f"(server saw it resumed: {sum(r[7] for r in rows)} of {RUNS})")
        print(f"  longest single handshake step (CPU held)              {step:6d} ms "
              f"(at most {step * 62500 / 1e6:.1f} M instructions)")
        print(f"  TLS handshakes at the server per run: {rows[0][6]} (full, resumed; the second press reused "
              f"the first connection); heap high-water {max(r[4] for r in rows)} B, "
              f"stack high-water {max(r[5] for r in rows)} B")
    print(f"static RAM {static_ram()} B")
    print("heap high-water of one full handshake per chain (status after it; heap_peak = tls_pool_peak):")
    for chain in CHAINS:
        for version in VERSIONS:
            what, peak, size = chain_peak(chain, version)
            print(f"  chain {chain} ({CHAINS[chain][0]}), TLS {version}: heap_peak {peak} B of heap_size {size} B, "
                  f"{what}")
    for reuse in (True, False):
        ms, handshakes, resumed = drain(reuse)
        print(f"drain of {DRAIN} triggers queued during an outage, {'kept-alive connection' if reuse else 'a new connection each'}:"
              f" {ms} emulated ms from the link coming back ({DRAIN * 1000 / max(ms, 1):.1f} triggers/s),"
              f" {handshakes} TLS handshakes ({resumed} resumed)")


if __name__ == "__main__":
    main()
