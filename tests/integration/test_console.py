"""The serial console protocol of spec section 2, on the real image in QEMU."""
import re

from pbdevice import parse_pairs

VERSION_RE = r"^\d+\.\d+\.\d+$"


def test_boot_event_is_the_first_line(device):
    assert device.boot_line.startswith("EVT boot "), device.boot_line
    pairs = parse_pairs(device.boot_line)
    assert re.match(VERSION_RE, pairs["version"])
    assert pairs["board"] == "lm3s6965evb"
    assert pairs["reset"] == "por"


def test_help_lists_the_commands(device):
    info, events, final = device.command("help")
    assert final == "OK"
    names = {line.split()[0] for line in info}
    assert {"help", "version", "status", "echo", "reboot"} <= names
    assert events == []


def test_version(device):
    info, _, final = device.command("version")
    assert info == []
    pairs = parse_pairs(final)
    assert final.startswith("OK ")
    assert re.match(VERSION_RE, pairs["version"])
    assert pairs["board"] == "lm3s6965evb"
    assert pairs["lwip"] == "2.2.1"
    assert pairs["mbedtls"] == "3.6.6"
    assert pairs["version"] == parse_pairs(device.boot_line)["version"]


def test_status_reports_measured_values(device):
    info, _, final = device.command("status")
    assert final == "OK"
    status = dict(line.split("=", 1) for line in info)
    assert int(status["uptime_ms"]) > 0
    stack_peak = int(status["stack_peak"])
    assert 0 < stack_peak < int(status["stack_size"])
    assert int(status["heap_peak"]) >= 0
    assert status["led"] == "unconfigured"
    assert status["reset"] == "por"
    # uptime advances between two looks
    info2, _, _ = device.command("status")
    later = dict(line.split("=", 1) for line in info2)
    assert int(later["uptime_ms"]) > int(status["uptime_ms"])


def test_unknown_command_is_refused(device):
    info, events, final = device.command("launch-rockets now")
    assert info == [] and events == []
    assert final.startswith("ERR unknown-command: ")


def test_600_byte_line_is_refused_whole_and_not_run(device):
    # "reboot" followed by 594 bytes: if any of it ran, the device would reset.
    _, _, final = device.command("reboot" + "x" * 594)
    assert final.startswith("ERR line-too-long: ")
    info, _, final = device.command("status")
    assert final == "OK"
    assert "reset=por" in info


def test_512_byte_line_is_accepted(device):
    _, _, final = device.command("echo " + "o" * 507)
    assert final.startswith("ERR bad-argument: ")  # read whole, then judged


def test_line_endings_cr_lf_and_crlf(device):
    device.send("version\r")
    assert device.readline().startswith("OK version=")
    device.send("version\n")
    assert device.readline().startswith("OK version=")
    device.send("version\r\nversion\r\n")
    assert device.readline().startswith("OK version=")
    assert device.readline().startswith("OK version=")


def test_backspace_edits_the_line(device):
    device.send("verx\x08sion\r\n")
    assert device.readline().startswith("OK version=")
    info, _, final = device.command("statuz\x7fs")
    assert final == "OK"
    assert any(line.startswith("stack_peak=") for line in info)


def test_echo_on_shows_input_and_prompt(device):
    _, _, final = device.command("echo on")
    assert final == "OK"
    device.send("version\r")
    # echoed input, then the answer, each on its own line after the prompt
    m, skipped = device.expect(r"OK version=")
    assert any(line.endswith("version") for line in skipped + [m.string])
    _, _, final = device.command("echo off")
    assert final == "OK"
    _, _, final = device.command("version")
    assert final.startswith("OK version=")


def test_input_is_buffered_while_busy(device):
    # 40 commands in one write, ~500 bytes: every one is answered in order.
    device.send("version\r\n" * 40 + "status\r\n")
    for _ in range(40):
        assert device.readline().startswith("OK version=")
    _, _, final = device.command("help")
    assert final == "OK"
