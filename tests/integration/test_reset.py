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
    # The superloop feeds the watchdog while it sleeps: 6 s alive, no reset.
    import time
    seen = len(device.lines)
    time.sleep(6)
    info, _, final = device.command("status")
    assert final == "OK"
    assert not [line for line in device.lines[seen:] if line.startswith("EVT boot")]
    assert int(dict(line.split("=", 1) for line in info)["uptime_ms"]) > 6000
