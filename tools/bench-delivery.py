#!/usr/bin/env python3
"""Delivery benchmark (`make bench`), inside tools/netns: the image in QEMU
with -icount shift=4 (16 ns per instruction; spec section 7) against the
webhook emulator with the test chain shaped like Azure's (RSA-4096 root,
RSA-2048 intermediate, 2.5 KB leaf with 53 names).  Reports, never asserts:
press-to-`EVT delivered` for the first press after boot (full handshake) and
for a press on the kept-alive connection, in emulated ms as the device
measures them, the longest single handshake step, the mbedTLS pool
high-water mark, stack and static RAM; then the drain rate of the durable
queue: BENCH_DRAIN (100) triggers queued while the link is down, delivered
once it is back, with the connection kept alive and with a new connection
(full handshake) for every trigger.""" 
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbdevice  # noqa: E402
from netservers import DnsServer, SntpServer  # noqa: E402
from webhook_emulator import WebhookEmulator  # noqa: E402

ROOT = pbdevice.ROOT
PKI = os.path.join(ROOT, "build", "testpki")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DRAIN = int(os.environ.get("BENCH_DRAIN", "100"))


def provision(dev, emu, dns, ntp):
    dev.readline()
    dev.prime()
    with open(os.path.join(PKI, "root.pem")) as f:  # before the secret: adding an anchor unsets it
        assert pbdevice.ca_add(dev, f.read(), timeout=30).startswith("OK ca=")
    dev.command('config import {"org":"bench","webhook":"hook","secret":"bench-secret",'
                f'"port":"{emu.port}","dns":"10.0.2.2:{dns.port}","ntp":"10.0.2.2:{ntp.port}",'
                '"retry.base_ms":"200","retry.max_ms":"1000"}')
    if not any(l.startswith("EVT time synced") for l in dev.lines):
        dev.expect(r"^EVT time synced ", timeout=30)


def servers():
    return (WebhookEmulator(os.path.join(PKI, "chain.pem"), os.path.join(PKI, "leaf.key"),
                            webhooks={("bench", "hook"): "bench-secret"}),
            DnsServer({"dev.azure.com": "10.0.2.2"}), SntpServer())


def one_run():
    emu, dns, ntp = servers()
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work, emu, dns, ntp:
        dev = pbdevice.Device(workdir=work, net=True, extra=["-icount", "shift=4"])
        try:
            provision(dev, emu, dns, ntp)
            times = []
            for _ in range(2):  # the first opens the connection, the second reuses it
                dev.press("select", "short")
                m, _ = dev.expect(r"^EVT delivered id=\S+ attempt=1 status=200 ms=(\d+)$", timeout=60)
                times.append(int(m.group(1)))
            st = dev.status()
            return times[0], times[1], int(st["tls_longest_step_ms"]), int(st["tls_pool_peak"]), \
                int(st["stack_peak"]), emu.handshakes
        finally:
            dev.close()


def drain(reuse):
    """Emulated ms from the link coming back to the last of DRAIN triggers
    delivered, and the handshakes the server saw for them."""
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
            before = emu.handshakes
            start = int(dev.status()["uptime_ms"])
            dev.set_link(True)
            dev.expect(rf"^EVT delivered id={last} ", timeout=1800)
            while int(dev.status()["queue"]) > 0:
                dev.drain(0.5)
            end = int(dev.status()["uptime_ms"])
            return end - start, emu.handshakes - before
        finally:
            dev.close()


def static_ram():
    out = subprocess.run(["arm-none-eabi-size", "-A", pbdevice.DEFAULT_ELF], capture_output=True, text=True).stdout
    sizes = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\w+)\s+(\d+)", out, re.M)}
    return sizes.get(".data", 0) + sizes.get(".bss", 0) + sizes.get(".noinit", 0)


def main():
    if not pbdevice.in_private_netns():
        sys.exit("bench-delivery: run me through tools/netns (make bench does)")
    subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), PKI], check=True, capture_output=True)
    rows = [one_run() for _ in range(RUNS)]
    med = lambda i: sorted(r[i] for r in rows)[len(rows) // 2]  # noqa: E731
    print(f"delivery, {RUNS} runs, emulated ms at -icount shift=4 (16 ns per instruction), Azure-shaped chain:")
    print(f"  first press -> EVT delivered (full handshake)  median {med(0):6d} ms  "
          f"(min {min(r[0] for r in rows)}, max {max(r[0] for r in rows)})")
    print(f"  press on the kept-alive connection            median {med(1):6d} ms  "
          f"(min {min(r[1] for r in rows)}, max {max(r[1] for r in rows)})")
    print(f"  longest single handshake step (CPU held)      {max(r[2] for r in rows):6d} ms "
          f"(at most {max(r[2] for r in rows) * 62500 / 1e6:.1f} M instructions)")
    print(f"  TLS handshakes at the server per run: {rows[0][5]} (the second press reused the connection)")
    print(f"  mbedTLS pool high-water {max(r[3] for r in rows)} B, stack high-water {max(r[4] for r in rows)} B, "
          f"static RAM {static_ram()} B")
    for reuse in (True, False):
        ms, handshakes = drain(reuse)
        print(f"drain of {DRAIN} triggers queued during an outage, {'kept-alive connection' if reuse else 'a new connection each'}:"
              f" {ms} emulated ms from the link coming back ({DRAIN * 1000 / max(ms, 1):.1f} triggers/s),"
              f" {handshakes} TLS handshakes")


if __name__ == "__main__":
    main()
