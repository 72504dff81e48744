"""Reset causes across warm resets, and the fault handler."""
import re

from pbdevice import parse_pairs


def test_reboot_reports_sw(device):
    _, _, final = device.command("reboot")
    assert final == "OK"
    boot = device.readline()
    assert boot.startswith("EVT boot ")
    assert parse_pairs(boot)["reset"] == "sw"
    _, _, final = device.command("version")
    assert final.startswith("OK version=")


def test_fault_is_reported_then_reset(device):
    _, _, final = device.command("diag fault")
    assert final == "OK"
    fault = device.readline()
    m = re.match(r"^EVT fault pc=0x([0-9a-f]{8}) lr=0x([0-9a-f]{8}) cfsr=0x([0-9a-f]{8}) hfsr=0x([0-9a-f]{8})$", fault)
    assert m, fault
    cfsr = int(m.group(3), 16)
    assert cfsr & (1 << 16), "UNDEFINSTR expected in the UsageFault status"
    boot = device.readline()
    assert parse_pairs(boot)["reset"] == "fault"


def test_watchdog_resets_a_stuck_loop(device):
    _, _, final = device.command("diag watchdog")
    assert final == "OK"
    boot = device.readline(timeout=30)
    assert boot.startswith("EVT boot ")
    assert parse_pairs(boot)["reset"] == "wdt"


def test_an_idle_device_is_not_reset_by_the_watchdog(device):
    # The superloop feeds the watchdog while it sleeps: a whole watchdog
    # period (5 s of the device's own clock, which lags the host's a little
    # when QEMU is starved of CPU) alive, no reset.
    import time
    before = int(device.status()["uptime_ms"])
    seen = len(device.lines)
    time.sleep(6.5)
    info, _, final = device.command("status")
    assert final == "OK"
    assert not [line for line in device.lines[seen:] if line.startswith("EVT boot")]
    assert int(dict(line.split("=", 1) for line in info)["uptime_ms"]) - before > 5000


def test_a_stack_overflow_is_a_fault_and_a_reset(device):
    """`diag stack` recurses without end: the MPU guard below the stack turns
    the overflow into `EVT fault ... stack=overflow` and a reset, and the
    device comes back whole, its stack high-water mark measured afresh."""
    info, _, final = device.command("status")
    assert final == "OK"
    before = dict(line.split("=", 1) for line in info)
    assert int(before["stack_peak"]) < int(before["stack_size"])
    _, _, final = device.command("diag stack")
    assert final == "OK"
    fault = device.readline()
    m = re.match(r"^EVT fault pc=0x([0-9a-f]{8}) lr=0x([0-9a-f]{8}) cfsr=0x([0-9a-f]{8}) "
                 r"hfsr=0x([0-9a-f]{8}) stack=overflow$", fault)
    assert m, fault
    cfsr = int(m.group(3), 16)
    assert cfsr & ((1 << 4) | (1 << 1)), "a MemManage fault (MSTKERR or DACCVIOL) expected"
    boot = device.readline()
    assert boot.startswith("EVT boot ")
    assert parse_pairs(boot)["reset"] == "fault"
    info, _, final = device.command("status")
    assert final == "OK"
    after = dict(line.split("=", 1) for line in info)
    assert after["stack_size"] == before["stack_size"]
    assert 0 < int(after["stack_peak"]) < int(after["stack_size"])
    _, _, final = device.command("version")
    assert final.startswith("OK version=")


def test_the_guard_leaves_ordinary_faults_alone(device):
    """With room on the stack a fault is reported in place, with its pc."""
    _, _, final = device.command("diag fault")
    assert final == "OK"
    fault = device.readline()
    assert "stack=overflow" not in fault
    assert not fault.startswith("EVT fault pc=0x00000000"), fault
