#!/usr/bin/env python3
"""Console lock benchmark (`make bench`): boots the image in QEMU with
-icount shift=4 (one instruction = 16 ns of emulated time, a 62.5 MHz
Cortex-M3; spec section 7) and reports how long one passphrase hash takes in
emulated milliseconds, as the device measures it (`status lock_hash_ms`,
from the check's start to its last slice, the superloop's other tasks
included), for `lock set` and for `unlock`.  The superloop does not sleep
while a hash runs, so the time is instructions at 16 ns each.  No network.
Reports, never asserts."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbdevice  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PASSPHRASE = "bench-passphrase-0123"


def one_run():
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as work:
        dev = pbdevice.Device(workdir=work, extra=["-icount", "shift=4"])
        try:
            dev.readline()  # EVT boot
            times = []
            for line in (f"lock set {PASSPHRASE}", f"unlock {PASSPHRASE}"):
                _, _, final = dev.command(line, timeout=60)
                assert final == "OK", final
                st = dev.status()
                times.append(int(st["lock_hash_ms"]))
            return times[0], times[1], int(st["lock_iterations"]), int(st["stack_peak"])
        finally:
            dev.close()


def main():
    pbdevice.SECRETS.add(PASSPHRASE)
    rows = [one_run() for _ in range(RUNS)]
    print(f"console lock, {RUNS} runs, emulated ms at -icount shift=4 (16 ns per instruction), "
          f"PBKDF2-HMAC-SHA256 with {rows[0][2]} iterations:")
    for name, i in (("lock set (hash)", 0), ("unlock (check)", 1)):
        med, text = pbdevice.bench_spread(rows, i)
        print(f"  {name:<18} {text}; {med * 62500 / 1e6:.1f} M instructions")
    print(f"  stack_peak {max(r[3] for r in rows)} B")


if __name__ == "__main__":
    main()
