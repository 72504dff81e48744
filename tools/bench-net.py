#!/usr/bin/env python3
"""Network start-up benchmark (`make bench`), run inside tools/netns: boots the
image in QEMU with -icount shift=4 (one instruction = 16 ns of emulated time,
a 62.5 MHz Cortex-M3; spec section 7) and reports, in emulated milliseconds
from the device's own uptime, the time from reset to `EVT net up` and from
pointing SNTP at a server to `EVT time synced`.  Reports, never asserts."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbdevice  # noqa: E402
from netservers import SntpServer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def uptime(dev):
    return int(dev.status()["uptime_ms"])


def one_run():
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work, SntpServer() as ntp:
        dev = pbdevice.Device(workdir=work, net=True, extra=["-icount", "shift=4"])
        try:
            dev.readline()  # EVT boot
            dev.expect(r"^EVT net up ", timeout=60)
            net_up = uptime(dev)
            t0 = uptime(dev)
            dev.command(f"config set ntp 10.0.2.2:{ntp.port}")
            dev.expect(r"^EVT time synced ", timeout=60)
            synced = uptime(dev) - t0
            st = dev.status()
            return net_up, synced, int(st["stack_peak"]), int(st["heap_peak"])
        finally:
            dev.close()


def main():
    if not pbdevice.in_private_netns():
        sys.exit("bench-net: run me through tools/netns (make bench does)")
    rows = [one_run() for _ in range(RUNS)]
    print(f"network start-up, {RUNS} runs, emulated ms at -icount shift=4 (16 ns per instruction):")
    for name, i in (("reset -> EVT net up (DHCP)", 0), ("ntp set -> EVT time synced", 1)):
        med, text = pbdevice.bench_spread(rows, i)
        print(f"  {name:<30} {text}; at most {med * 62500 / 1e6:.1f} M instructions (time asleep in WFI runs none)")
    print(f"  stack_peak {max(r[2] for r in rows)} B, heap_peak {max(r[3] for r in rows)} B")


if __name__ == "__main__":
    main()
