"""The hardware test kit's own plumbing (tests/hil/hil.py): `make hil` with
no board to test stops at once naming PORT or HOST_IP; the serial transport
works over a pseudo terminal as over a USB port; a port nobody answers on ends
in a failed console check and a report; the report never holds the secret.
The suite itself runs against QEMU in `make hil-qemu`."""
import importlib.util
import json
import os
import subprocess
import threading

import pytest

import pbdevice
from conftest import ROOT, assert_standard_library_only
from netrig import NetRig

HIL = os.path.join(ROOT, "tests", "hil", "hil.py")


def load_hil():
    spec = importlib.util.spec_from_file_location("hil", HIL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_hil(*variables):
    """`make hil VAR=...` as a person types it (nothing inherited from the
    make that runs these tests)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BOARD", "PORT", "HOST_IP", "REPORT")}
    return subprocess.run(["make", "--no-print-directory", "-C", ROOT, "hil", *variables],
                          capture_output=True, text=True, env=env, timeout=30)


@pytest.fixture
def pty_port():
    """A pseudo terminal: (the device side's fd, the port's path)."""
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(slave)
    os.close(master)


def test_without_port_it_stops_naming_port():
    r = make_hil()
    assert r.returncode == 2, r.stdout + r.stderr
    assert "make hil: PORT is not set" in r.stderr
    assert "make hil PORT=/dev/ttyACM0 HOST_IP=" in r.stderr


def test_a_port_that_does_not_exist_is_named(tmp_path):
    missing = str(tmp_path / "ttyACM9")
    r = make_hil(f"PORT={missing}", "HOST_IP=192.0.2.1")
    assert r.returncode == 2
    assert f"make hil: PORT={missing} does not exist" in r.stderr


@pytest.mark.parametrize("port", ["file", "/dev/null"])
def test_a_port_that_is_no_serial_device_is_named(tmp_path, port):
    if port == "file":
        port = str(tmp_path / "notes.txt")
        with open(port, "w") as f:
            f.write("hello\n")
    r = make_hil(f"PORT={port}", "HOST_IP=192.0.2.1")
    assert r.returncode == 2
    assert f"make hil: PORT={port} is not a serial device" in r.stderr


def test_host_ip_is_checked_before_anything_starts(pty_port):
    _, port = pty_port
    r = make_hil(f"PORT={port}")
    assert r.returncode == 2 and "make hil: HOST_IP is not set" in r.stderr
    for bad, why in (("nope", "HOST_IP=nope is not an IPv4 address"),
                     ("127.0.0.1", "HOST_IP=127.0.0.1: the board cannot reach that")):
        r = make_hil(f"PORT={port}", f"HOST_IP={bad}")
        assert r.returncode == 2 and f"make hil: {why}" in r.stderr, r.stderr
    if pbdevice.in_private_netns():  # only lo here: a documentation address is nobody's
        r = make_hil(f"PORT={port}", "HOST_IP=192.0.2.123")
        assert r.returncode == 2 and "HOST_IP=192.0.2.123 is not an address of this machine" in r.stderr


def test_an_unknown_board_is_refused_at_once(pty_port):
    """(A known BOARD is checked against the device's `version` once it answers.)"""
    _, port = pty_port
    r = make_hil(f"PORT={port}", "BOARD=no-such-board")
    assert r.returncode != 0 and "Unknown BOARD 'no-such-board'" in r.stderr


def test_serial_console_over_a_pseudo_terminal(pty_port):
    """pbdevice.Console over pyserial: lines both ways, events apart from the
    final line, a transcript, and EOF once detached."""
    master, port = pty_port
    con = pbdevice.Console(pbdevice.SerialPort(port))
    try:
        os.write(master, b"EVT boot version=9.9.9 board=fake reset=por\r\n")
        assert con.readline(5) == "EVT boot version=9.9.9 board=fake reset=por"

        def device():
            got = b""
            while b"\n" not in got:
                got += os.read(master, 100)
            assert got == b"version\r\n"
            os.write(master, b"EVT net up ip=10.0.2.15\r\nOK version=9.9.9 board=fake\r\n")

        t = threading.Thread(target=device)
        t.start()
        info, events, final = con.command("version", timeout=5)
        t.join(5)
        assert (info, events, final) == ([], ["EVT net up ip=10.0.2.15"], "OK version=9.9.9 board=fake")
        assert [(d, line) for _, d, line in con.transcript] == [
            ("rx", "EVT boot version=9.9.9 board=fake reset=por"), ("tx", "version"),
            ("rx", "EVT net up ip=10.0.2.15"), ("rx", "OK version=9.9.9 board=fake")]
    finally:
        con.detach()
    with pytest.raises(EOFError):
        con.readline(1)


def test_a_silent_port_fails_the_console_check_and_writes_a_report(tmp_path, pty_port, pki, monkeypatch):
    """Nobody answers on PORT: the console check fails saying so, nothing else
    runs, and the report (JSON and text) says what happened."""
    if not pbdevice.in_private_netns():
        pytest.skip("the servers are started: inside tools/netns only")
    hil = load_hil()
    # only lo in the namespace: the servers listen on loopback as HOST_IP
    monkeypatch.setattr(hil, "check_host_ip", lambda ip: None)
    _, port = pty_port
    report = tmp_path / "report.json"
    rc = hil.main(["--port", port, "--host-ip", "127.0.0.1", "--report", str(report), "--yes"])
    assert rc == 1
    data = json.loads(report.read_text())
    assert data["result"] == "fail" and data["port"] == port and data["mode"] == "board"
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["console"]["result"] == "fail"
    assert f"no answer on {port} within 5 s" in checks["console"]["detail"]
    assert {c["result"] for name, c in checks.items() if name != "console"} == {"skipped"}
    assert {"button", "tls-untrusted", "queue-reboot", "watchdog"} <= set(checks)
    assert ["tx", "echo off"] in [entry[1:] for entry in data["transcript"]]
    text = (tmp_path / "report.txt").read_text()
    assert "FAIL    console" in text and "< echo off" in text


def test_the_report_blanks_the_secret(tmp_path, pki):
    hil = load_hil()
    secret = "hil-Rep0rt-S3cret"
    con = pbdevice.Console()
    con.transcript = [(1.0, "tx", f'config import {{"secret":"{secret}"}}'), (1.2, "rx", "OK")]
    net = NetRig(pki, {("org", "hook"): secret})
    target = hil.Board("/dev/ttyACM0", "192.0.2.1", None)
    suite = hil.Suite(target, con, net, secret)
    suite.checks[0].result, suite.checks[0].detail = "fail", f"`config set secret {secret}` answered ERR"
    paths = hil.write_report(str(tmp_path / "r.json"), suite, target, hil.utc_now(), 1.0, False)
    for path in paths:
        with open(path) as f:
            text = f.read()
        assert secret not in text and "<secret>" in text


def test_primary_button_from_a_factory_fresh_config_show():
    assert pbdevice.primary_button({"button.user.short": "trigger", "org": ""}) == "user"
    assert pbdevice.primary_button({"button.select.short": "trigger", "button.up.long": "deploy"}) == "select"
    assert pbdevice.primary_button({"button.a.short": "trigger", "button.b.short": "trigger"}) is None
    assert pbdevice.primary_button({}) is None


@pytest.mark.parametrize("module", ["pbdevice", "netrig"])
def test_the_shared_tools_need_only_the_standard_library(module):
    """(pyserial is imported only when a serial port is opened.)"""
    assert_standard_library_only(module)
