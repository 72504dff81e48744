#!/usr/bin/python3
"""The hardware test kit: one suite of checks against a device on a serial
port, with this machine as its network (issue 14, items 7 and 8).

  make hil PORT=/dev/ttyACM0 HOST_IP=192.168.1.20 [BOARD=nucleo-f429zi] [REPORT=file.json]
      a real board: its console on PORT, its Ethernet on the LAN where this
      machine has HOST_IP; the webhook emulator, DNS and SNTP servers listen
      on HOST_IP; a person presses the button when asked.
  make hil-qemu
      the lm3s6965evb image in QEMU, its console a pseudo terminal
      (-serial pty) opened exactly as a USB serial port is; inside tools/netns
      the servers listen on 127.0.0.1 and the device reaches them at
      10.0.2.2; the button is pressed through QMP.

Checks, in order: console protocol, boot after `reboot`, provisioning (test
root through `ca add`, `host` a name this suite's DNS answers), DHCP/DNS/SNTP,
configuration across `reboot`, a signed delivery by `trigger`, one by the
button, four TLS refusals with zero HTTP bytes at the server, a queued trigger
across `reboot` while the emulator is down, the LED pattern in `status`, a
watchdog reset, and that the secret never appeared on the console.  Prints
each result; writes a JSON report (every check, its result and detail, what
the servers saw, the whole console transcript with the secret blanked) and a
text copy beside it.  Exit 0 only when every check passed.

Runs on Debian's /usr/bin/python3 with python3-serial; nothing else.
"""
import argparse
import datetime
import errno
import json
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import pbdevice  # noqa: E402

PKI = os.path.join(ROOT, "build", "testpki")
# A name under the test leaf's *.azure-devops.pipebutton.test, which only this
# suite's DNS answers: the device is sent to this machine by name, as it is to
# dev.azure.com in use.
HIL_HOST = "hil.azure-devops.pipebutton.test"
NO_SUCH_HOST = "no-such-host.pipebutton.test"
ORG, HOOK = "hil-org", "hil_hook"
# Fixed ports on a LAN, so that a firewall can let them through; under QEMU
# free ones are picked inside the namespace.
LAN_PORTS = (8443, 5053, 1123)
PRIMARY = {"lm3s6965evb": "select", "nucleo-f429zi": "user"}  # spec section 1
BUTTON_WORDS = {"nucleo-f429zi": "B1, the blue USER button", "lm3s6965evb": "SELECT"}
PRESS_WAIT_S = 30
# chain, key, the reason spec section 2 names, what it shows
REFUSALS = [
    ("untrusted", "untrusted-chain.pem", "untrusted-leaf.key", "cert-untrusted",
     "a chain under a root the device does not trust"),
    ("expired", "expired-chain.pem", "expired-leaf.key", "cert-expired", "an expired leaf"),
    ("not-yet-valid", "notyet-chain.pem", "notyet-leaf.key", "cert-not-yet-valid",
     "a leaf valid only from 180 days ahead"),
    ("wrong-host", "wronghost-chain.pem", "wronghost-leaf.key", "hostname-mismatch",
     f"a leaf for other.example.com, not {HIL_HOST}"),
]
STATUS_KEYS = ("net", "reach", "ip", "time", "queue", "delivered", "failed", "led", "heap_peak",
               "stack_peak", "uptime_ms")
HELP_COMMANDS = ("help", "version", "status", "echo", "config", "ca", "net", "time", "trigger",
                 "queue", "reboot", "diag")


class Usage(Exception):
    """A mistake in how the kit was started: reported in one line, exit 2."""


class Failed(Exception):
    pass


def run_id_of(req):
    """port_context.runId of an emulator Request, or None."""
    body = req.json
    if body is None:
        try:
            body = json.loads(bytes(req.body).decode("utf-8"))
        except ValueError:
            return None
    return body.get("port_context", {}).get("runId") if isinstance(body, dict) else None


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------------------
# Where the device is, and who presses its buttons

class Board:
    """A real board: a serial port, this machine's HOST_IP, a person."""

    mode = "board"
    press_again_s = None  # a person is asked once

    def __init__(self, port, host_ip, board):
        self.port, self.host_ip, self.board = port, host_ip, board
        self.listen = self.device_ip = host_ip
        self.lan = True
        self.ports = LAN_PORTS

    def start(self):
        return self.port

    def first_contact(self, con):
        pass  # the board has been running: nothing to wait for

    def after_boot(self):
        pass

    def press(self, button, words):
        say(f"\n  >>> PERSON: press {words} once, now.  Waiting up to {PRESS_WAIT_S} s ...\n")

    def stop(self):
        pass


class Qemu:
    """The lm3s6965evb image in QEMU with its UART on a pseudo terminal, its
    NVM file in a fresh folder, QMP standing in for the person."""

    mode = "qemu"
    press_again_s = 5.0

    def __init__(self, elf, workdir):
        self.elf, self.workdir = elf, workdir
        self.board = "lm3s6965evb"
        self.listen, self.device_ip = "127.0.0.1", "10.0.2.2"
        self.host_ip = None
        self.lan = False
        self.ports = (0, 0, 0)
        self.port = self.proc = self.qmp = None

    def start(self):
        if not os.path.exists(self.elf):
            raise Usage(f"{self.elf} is missing: run make first")
        if not pbdevice.in_private_netns():
            raise Usage("--qemu runs inside tools/netns (make hil-qemu does that)")
        if os.path.isdir(self.workdir):
            for name in os.listdir(self.workdir):  # a factory-new device: no NVM file
                os.unlink(os.path.join(self.workdir, name))
        os.makedirs(self.workdir, exist_ok=True)
        qmp_path = os.path.join(self.workdir, "qmp.sock")
        # -S: stopped until the port is open, so the first boot is in the transcript
        cmd = pbdevice.qemu_command(self.elf, self.workdir, ["-serial", "pty"], qmp_path, ["-S"], net=True)
        self.log = open(os.path.join(self.workdir, "qemu.log"), "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.qmp = pbdevice.Qmp(qmp_path)
        ptys = [c["filename"] for c in self.qmp.execute("query-chardev")
                if c["label"] == "serial0" and c["filename"].startswith("pty:")]
        if not ptys:
            raise RuntimeError("QEMU shows no pseudo terminal for serial0")
        self.port = ptys[0][len("pty:"):]
        return self.port

    def first_contact(self, con):
        self.qmp.execute("cont")
        con.expect(r"EVT boot ", timeout=10)
        self.after_boot()

    def after_boot(self):
        pbdevice.prime(self.qmp)  # spec section 1: QEMU's buttons read pressed until first released

    def press(self, button, words):
        say(f"  [qemu] pressing {button} through QMP (key {pbdevice.BUTTON_KEYS[button]})")
        pbdevice.press(self.qmp, button, "short")

    def stop(self):
        if self.qmp is not None:
            self.qmp.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()


def say(text=""):
    print(text, flush=True)


# ---------------------------------------------------------------------------
# Checking what was asked for before anything starts (seconds, not minutes)

def local_addresses():
    """This machine's IPv4 addresses other than loopback, for messages."""
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    addrs = re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/\d+", out)
    return [a for a in addrs if not a.startswith("127.")]


def check_port(port):
    if not port:
        raise Usage("PORT is not set: name the board's serial port, e.g. "
                    "make hil PORT=/dev/ttyACM0 HOST_IP=<this machine's LAN address> "
                    "(the NUCLEO's ST-LINK shows up as /dev/ttyACM<n>; ls /dev/ttyACM* /dev/ttyUSB*)")
    try:
        st = os.stat(port)
    except FileNotFoundError:
        raise Usage(f"PORT={port} does not exist: is the board's USB cable plugged in? "
                    "(ls /dev/ttyACM* /dev/ttyUSB*)") from None
    except OSError as e:
        raise Usage(f"PORT={port}: {e.strerror}") from None
    if not stat.S_ISCHR(st.st_mode):
        raise Usage(f"PORT={port} is not a serial device (not a character device)")
    if not os.access(port, os.R_OK | os.W_OK):
        raise Usage(f"PORT={port}: no permission to open it; add yourself to its group "
                    f"(sudo adduser $USER dialout, then log in again)")
    try:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as e:
        raise Usage(f"PORT={port}: cannot open it: {e.strerror}") from None
    try:
        if not os.isatty(fd):
            raise Usage(f"PORT={port} is not a serial device (not a terminal)")
    finally:
        os.close(fd)


def check_host_ip(host_ip):
    import ipaddress
    hint = ""
    addrs = local_addresses()
    if addrs:
        hint = f" (this machine has: {', '.join(addrs)})"
    if not host_ip:
        raise Usage("HOST_IP is not set: name this machine's address on the board's LAN, "
                    f"e.g. make hil PORT=/dev/ttyACM0 HOST_IP=192.168.1.20{hint}")
    try:
        addr = ipaddress.IPv4Address(host_ip)
    except ValueError:
        raise Usage(f"HOST_IP={host_ip} is not an IPv4 address{hint}") from None
    if addr.is_loopback or addr.is_unspecified or addr.is_multicast:
        raise Usage(f"HOST_IP={host_ip}: the board cannot reach that; name this machine's "
                    f"address on the board's LAN{hint}")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((host_ip, 0))
    except OSError as e:
        if e.errno == errno.EADDRNOTAVAIL:
            raise Usage(f"HOST_IP={host_ip} is not an address of this machine{hint}") from None
        raise Usage(f"HOST_IP={host_ip}: {e.strerror}") from None
    finally:
        s.close()


def check_pyserial():
    try:
        import serial  # noqa: F401
    except ImportError:
        raise Usage("python3-serial is not installed (tools/bootstrap.sh installs it)") from None


def make_pki():
    r = subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), PKI], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise Usage(f"could not make the test PKI: {r.stderr.strip()}")


def checkout_version():
    with open(os.path.join(ROOT, "firmware", "version.h"), encoding="ascii") as f:
        m = re.search(r'#define PB_VERSION "([^"]+)"', f.read())
    return m.group(1) if m else None


# ---------------------------------------------------------------------------
# The suite

class Check:
    def __init__(self, name, title, fn, needs=(), fatal=False):
        self.name, self.title, self.fn, self.needs, self.fatal = name, title, fn, needs, fatal
        self.result = "not-run"
        self.detail = ""
        self.notes = []
        self.seconds = 0.0
        self.transcript = (0, 0)


class Suite:
    def __init__(self, target, con, net, secret):
        self.target, self.con, self.net, self.secret = target, con, net, secret
        self.version = self.device_board = self.primary = None
        self.boot_counter = None
        self.config = None
        self.notes = None  # the current check's notes
        self.matched_at = None  # index in con.lines of await_line's last match
        self.final_status = None
        self.checks = [
            Check("console", "Console protocol: version, help, errors, line endings, status keys",
                  self.check_console, fatal=True),
            Check("boot", "`reboot` answers OK, then EVT boot ... reset=sw as the first line",
                  self.check_boot),
            Check("provision", "Provisioning: factory reset, test root through `ca add`, "
                  "configuration read back", self.check_provision, fatal=True),
            Check("network", "DHCP address, DNS and SNTP through this machine's servers",
                  self.check_network, needs=("provision",)),
            Check("persistence", "Configuration and added CA survive `reboot`",
                  self.check_persistence, needs=("provision",)),
            Check("trigger", "`trigger`: one signed delivery the emulator verifies",
                  self.check_trigger, needs=("network",)),
            Check("button", "The primary button: one signed delivery",
                  self.check_button, needs=("network",)),
        ]
        for case, chain, key, reason, what in REFUSALS:
            self.checks.append(Check(
                f"tls-{case}", f"TLS refusal, {what}: tls-fail reason={reason}, zero HTTP bytes",
                lambda c=chain, k=key, r=reason: self.check_refusal(c, k, r), needs=("network",)))
        self.checks += [
            Check("queue-reboot", "A trigger queued while the emulator is down survives `reboot` "
                  "and is delivered once it is back", self.check_queue_reboot, needs=("network",)),
            Check("led", "`status led=` follows the state: idle, unconfigured, pending",
                  self.check_led, needs=("network",)),
            Check("watchdog", "`diag watchdog` ends in EVT boot ... reset=wdt", self.check_watchdog),
            Check("secret", "The secret never appeared on the console", self.check_secret),
        ]

    # -- helpers -----------------------------------------------------------

    def note(self, text):
        self.notes.append(text)

    def cmd(self, line, timeout=10.0):
        return self.con.command(line, timeout=timeout)

    def ok(self, line, timeout=10.0):
        info, events, final = self.cmd(line, timeout)
        if not (final == "OK" or final.startswith("OK ")):
            raise Failed(f"`{line.split()[0] if 'secret' in line else line}` answered {final}")
        return info, events, final

    def status(self):
        info, _, _ = self.ok("status")
        return dict(line.split("=", 1) for line in info if "=" in line)

    def await_line(self, pattern, since, timeout, stop=None):
        """The first line matching pattern among those read from index
        `since` on, waiting for more up to timeout.  A line matching `stop`
        first ends the wait with Failed."""
        rx = re.compile(pattern)
        stop_rx = re.compile(stop) if stop else None
        deadline = time.monotonic() + timeout
        i = since
        while True:
            while i < len(self.con.lines):
                line = self.con.lines[i].lstrip("\x00\xff")
                i += 1
                m = rx.search(line)
                if m:
                    self.matched_at = i - 1
                    return m
                if stop_rx and stop_rx.search(line):
                    raise Failed(f"got `{line}`")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"no line matching /{pattern}/ within {timeout:g} s; "
                             f"last lines: {self.con.lines[-6:]}")
            try:
                self.con.readline(left)
            except TimeoutError:
                pass

    def poll_status(self, key, want, timeout, every=0.5):
        """Polls `status` until key has one of the wanted values; returns the
        values seen on the way."""
        want = (want,) if isinstance(want, str) else tuple(want)
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            value = self.status().get(key)
            if not seen or seen[-1] != value:
                seen.append(value)
            if value in want:
                return seen
            if time.monotonic() > deadline:
                raise Failed(f"status {key}={value}, not {'|'.join(want)} within {timeout:g} s "
                             f"(seen: {' -> '.join(map(str, seen))})")
            self.con.drain(every)

    def reboot(self, how="reboot", reset="sw", timeout=15.0):
        """Sends the command, then waits for EVT boot; returns its pairs."""
        since = len(self.con.lines)
        self.ok(how)
        m = self.await_line(r"^EVT boot .*", since, timeout)
        pairs = pbdevice.parse_pairs(m.group(0))
        self.target.after_boot()
        if pairs.get("reset") != reset:
            raise Failed(f"after `{how}`: {m.group(0)} (wanted reset={reset})")
        return pairs, since

    def wait_online(self, timeout=60.0):
        """net=up and time=synced (nothing is sent before the clock is set)."""
        self.poll_status("net", "up", timeout)
        self.poll_status("time", "synced", timeout)

    def trigger(self, props):
        _, events, final = self.ok(f"trigger hil {json.dumps(props, separators=(',', ':'))}")
        run_id = final.split("=", 1)[1]
        if f"EVT queued id={run_id} action=hil" not in events:
            raise Failed(f"no EVT queued id={run_id} before OK (events: {events})")
        return run_id

    def outcome(self, run_id, since, timeout=60.0):
        """The attempt's closing event (delivered, retry or error) and the
        tls-fail reason before it, if any."""
        m = self.await_line(rf"^EVT (delivered|retry|error) id={re.escape(run_id)} .*", since, timeout)
        tls = [line for line in self.con.lines[since:] if line.startswith(f"EVT tls-fail id={run_id} ")]
        return m.group(0), tls

    def delivered(self, run_id, since, timeout=60.0):
        line, tls = self.outcome(run_id, since, timeout)
        if not line.startswith(f"EVT delivered id={run_id} "):
            raise Failed(f"{line}" + (f" after {tls[-1]}" if tls else ""))
        status = pbdevice.parse_pairs(line).get("status")
        if status != "200":
            raise Failed(line)
        return line

    def request_for(self, run_id, timeout=10.0):
        """The emulator's record of the request that carried run_id, whatever
        its verdict (.json is parsed only for accepted ones)."""
        deadline = time.monotonic() + timeout
        while True:
            for req in self.net.emu.requests:
                if run_id_of(req) == run_id:
                    return req
            if time.monotonic() > deadline:
                raise Failed(f"the emulator logged no request for {run_id}")
            self.net.emu.wait_for_requests(len(self.net.emu.requests) + 1, 0.5)

    def drop(self, run_id, timeout=60.0):
        """queue drop, waiting out an attempt in flight (ERR busy)."""
        deadline = time.monotonic() + timeout
        while True:
            _, _, final = self.cmd(f"queue drop {run_id}")
            if final.startswith("OK"):
                return
            if not final.startswith("ERR busy") or time.monotonic() > deadline:
                raise Failed(f"queue drop {run_id}: {final}")
            self.con.drain(0.5)

    def queue_ids(self):
        info, _, _ = self.ok("queue")
        return [pbdevice.parse_pairs("x " + line).get("id") for line in info if line.startswith("id=")]

    # -- the checks ----------------------------------------------------------

    def check_console(self):
        self.target.first_contact(self.con)
        # a line a person left half typed, and their echo, out of the way
        self.con.send("\x15")
        try:
            _, _, final = self.cmd("echo off", timeout=5)
        except TimeoutError:
            raise Failed(f"no answer on {self.target.port} within 5 s: is the board powered and "
                         "flashed (make BOARD=... flash), is this its console port (115200 8N1)?") from None
        if final != "OK":
            raise Failed(f"`echo off` answered {final}")
        _, _, final = self.cmd("version")
        m = re.match(r"^OK version=(\d+\.\d+\.\d+\S*) board=(\S+) lwip=(\d+\.\d+\.\d+) "
                     r"mbedtls=(\d+\.\d+\.\d+)$", final)
        if not m:
            raise Failed(f"`version` answered {final}")
        self.version, self.device_board = m.group(1), m.group(2)
        self.note(final)
        if self.target.board and self.target.board != self.device_board:
            raise Failed(f"the device runs the {self.device_board} image, not BOARD={self.target.board}")
        want = checkout_version()
        if want and want != self.version:
            self.note(f"the device runs {self.version}, this checkout is {want}")
        info, events, final = self.cmd("help")
        if final != "OK" or not info:
            raise Failed(f"`help` answered {len(info)} lines and {final}")
        missing = [c for c in HELP_COMMANDS if not any(line.split()[:1] == [c] for line in info)]
        if missing:
            raise Failed(f"`help` does not list {missing}")
        _, _, final = self.cmd("frobnicate now")
        if not final.startswith("ERR unknown-command: "):
            raise Failed(f"an unknown command answered {final}")
        _, _, final = self.cmd("version " + "x" * 600)
        if not final.startswith("ERR line-too-long: "):
            raise Failed(f"a 609-byte line answered {final}")
        for ending in ("\r", "\n", "\r\n"):
            self.con.send("version" + ending)
            line = self.await_line(r"^(OK|ERR) .*", len(self.con.lines), 5).group(0)
            if not line.startswith("OK version="):
                raise Failed(f"`version` ended by {ending!r} answered {line}")
        st = self.status()
        missing = [k for k in STATUS_KEYS if k not in st]
        if missing:
            raise Failed(f"`status` lacks {missing}")
        self.boot_counter = int(st["boot"]) if st.get("boot", "").isdigit() else None
        self.note(f"status: net={st['net']} ip={st['ip']} time={st['time']} queue={st['queue']} "
                  f"led={st['led']} reset={st.get('reset')} boot={st.get('boot')}")

    def check_boot(self):
        before = self.status().get("boot")
        pairs, since = self.reboot()
        first = self.con.lines[since:]
        after_ok = first[first.index("OK") + 1:] if "OK" in first else []
        if not after_ok or not after_ok[0].lstrip("\x00\xff").startswith("EVT boot "):
            raise Failed(f"EVT boot is not the first line after OK: {after_ok[:3]}")
        if pairs.get("version") != self.version or pairs.get("board") != self.device_board:
            raise Failed(f"EVT boot says {pairs}, `version` said {self.version} {self.device_board}")
        st = self.status()
        if before and before.isdigit() and st.get("boot") != str(int(before) + 1):
            raise Failed(f"the boot counter went from {before} to {st.get('boot')}")
        self.note(f"{after_ok[0]}; boot counter {before} -> {st.get('boot')}")

    def check_provision(self):
        self.ok("config reset yes", timeout=30)
        shown = pbdevice.config_show(self.con)
        primary = pbdevice.primary_button(shown)
        expected = PRIMARY.get(self.device_board)
        if primary is None:
            raise Failed("a factory-reset `config show` maps no single button's short press to trigger")
        if expected and primary != expected:
            raise Failed(f"the primary button is {primary}, spec section 1 says {expected} "
                         f"on {self.device_board}")
        self.primary = primary
        self.note(f"primary button: {primary} (from button.{primary}.short=trigger)")
        old = self.queue_ids()
        for run_id in old:
            self.drop(run_id)
        if old:
            self.note(f"dropped {len(old)} trigger(s) queued before this run: {old}")
        tag = secrets.token_hex(4)
        self.config = {
            "org": ORG, "webhook": HOOK, "secret": self.secret, **self.net.device_config(),
            "blueprint": f"hil-{tag}", "action.hil": {"kit": "hil", "run": tag},
        }
        with open(os.path.join(PKI, "root.pem"), encoding="ascii") as f:
            root = "\n".join(pbdevice.pem_lines(f.read()))
        # endpoint and anchor first, the secret last (endpoint binding)
        for step, final in pbdevice.provision(self.con, self.config, [root]):
            if not final.startswith("OK"):
                raise Failed(f"{step} answered {final}")
            if step.startswith("ca add"):
                if not final.startswith("OK ca="):
                    raise Failed(f"ca add of the test root answered {final}")
                self.note(final)
        info, _, _ = self.ok("ca list")
        if not any(" added " in f" {line} " and "pipebutton_Test_Root" in line for line in info):
            raise Failed(f"`ca list` does not show the test root: {info}")
        problems = pbdevice.config_mismatches(pbdevice.config_show(self.con), self.config)
        if problems:
            raise Failed("; ".join(problems))
        self.note(f"host={HIL_HOST} " + " ".join(f"{k}={v}" for k, v in self.net.device_config().items()
                                                 if k != "host"))

    def check_network(self):
        seen = self.poll_status("net", "up", 60)
        st = self.status()
        ip = st.get("ip", "")
        if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", ip) or ip == "0.0.0.0":
            raise Failed(f"net=up but ip={ip}")
        if pbdevice.config_show(self.con).get("ip") != "dhcp":
            raise Failed("ip is not dhcp after the factory reset")
        self.note(f"DHCP: ip={ip} (net: {' -> '.join(seen)})")
        before = len(self.net.dns.queries)
        _, _, final = self.cmd(f"net resolve {HIL_HOST}", timeout=20)
        if final != f"OK addr={self.net.device_ip}":
            raise Failed(f"net resolve {HIL_HOST} answered {final}")
        asked = [q for q in self.net.dns.queries[before:] if q.qname == HIL_HOST]
        if not asked:
            raise Failed(f"the device resolved {HIL_HOST} without asking this suite's DNS server")
        self.note(f"DNS: {HIL_HOST} -> {self.net.device_ip} (query from {asked[0].addr[0]})")
        _, _, final = self.cmd(f"net resolve {NO_SUCH_HOST}", timeout=20)
        if not final.startswith("ERR dns-failed"):
            raise Failed(f"net resolve {NO_SUCH_HOST} (NXDOMAIN) answered {final}")
        if not self.net.ntp.wait_for_requests(1, timeout=30):
            raise Failed("no SNTP request reached this suite's server within 30 s")
        self.poll_status("time", "synced", 30)
        st = self.status()
        now = time.time()
        dev = datetime.datetime.strptime(st["utc"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z"
                                         if "." in st["utc"] else "%Y-%m-%dT%H:%M:%S%z").timestamp()
        if abs(dev - now) > 2.0:
            raise Failed(f"the device's clock is {dev - now:+.1f} s off this machine's "
                         f"(utc={st['utc']})")
        self.note(f"SNTP: {len(self.net.ntp.requests)} request(s); utc={st['utc']} "
                  f"({dev - now:+.2f} s from this machine)")

    def check_persistence(self):
        before = pbdevice.config_show(self.con)
        ca_before, _, _ = self.ok("ca list")
        self.reboot()
        after = pbdevice.config_show(self.con)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if changed:
            raise Failed("changed across reboot: " + ", ".join(
                f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in changed))
        ca_after, _, _ = self.ok("ca list")
        if ca_after != ca_before:
            raise Failed(f"`ca list` changed across reboot: {ca_before} -> {ca_after}")
        if after.get("secret") != "<set>":
            raise Failed("the secret did not survive reboot")
        self.note(f"{len(after)} keys and {len(ca_after)} anchors read back the same")
        self.wait_online()

    def check_trigger(self):
        self.wait_online()
        since = len(self.con.lines)
        run_id = self.trigger({"check": "trigger"})
        self.note(self.delivered(run_id, since))
        req = self.request_for(run_id)
        if req.verdict != "accepted":
            raise Failed(f"the emulator's verdict: {req.verdict} ({req.detail})")
        body = req.json
        if body.get("kit") != "hil" or body.get("check") != "trigger":
            raise Failed(f"the body lacks the action's and the trigger's properties: {body}")
        device = body.get("device", {})
        if (device.get("press"), device.get("button")) != ("cli", "serial"):
            raise Failed(f"device.press/button are {device.get('press')}/{device.get('button')}")
        self.note(f"signature verified; {len(req.body)}-byte body; runId {run_id}")

    def check_button(self):
        self.wait_online()
        words = BUTTON_WORDS.get(self.device_board, self.primary)
        since = len(self.con.lines)
        deadline = time.monotonic() + PRESS_WAIT_S
        self.target.press(self.primary, words)
        while True:
            left = deadline - time.monotonic()
            try:
                self.await_line(rf"^EVT press button={self.primary} kind=\S+", since,
                                min(left, self.target.press_again_s or left))
                break
            except Failed:
                if time.monotonic() >= deadline:
                    raise Failed(f"no EVT press button={self.primary} within {PRESS_WAIT_S} s (if it "
                                 "was pressed: the button's pin, polarity or the tick is wrong)") from None
            # QEMU on a busy host can run no tick while a 100 ms key is down
            self.note("no EVT press yet: pressed again")
            self.target.press(self.primary, words)
        m = self.await_line(r"^EVT queued id=(\S+) action=trigger$", since, 10)
        run_id = m.group(1)
        self.note(self.delivered(run_id, since))
        req = self.request_for(run_id)
        if req.verdict != "accepted":
            raise Failed(f"the emulator's verdict: {req.verdict} ({req.detail})")
        device = req.json.get("device", {})
        if device.get("button") != self.primary or device.get("press") != "short":
            raise Failed(f"device.button/press are {device.get('button')}/{device.get('press')}, "
                         f"wanted {self.primary}/short")
        self.note(f"signature verified; device.button={self.primary}")

    def check_refusal(self, chain, key, reason):
        self.wait_online()
        self.net.serve_chain(chain, key)
        run_id = None
        try:
            since = len(self.con.lines)
            run_id = self.trigger({"check": f"refusal:{reason}"})
            # An attempt may first go out on the kept-alive connection that the
            # server closed a moment ago (then a retry, as spec section 5
            # allows); the next one meets the new chain.
            m = self.await_line(rf"^EVT tls-fail id={re.escape(run_id)} reason=(\S+)$", since, 60,
                                stop=rf"^EVT (delivered|error) id={re.escape(run_id)} ")
            got, at = m.group(1), self.matched_at
            earlier = [line for line in self.con.lines[since:at] if line.startswith(f"EVT retry id={run_id} ")]
            if earlier:
                self.note(f"before it, on the connection the server had closed: {'; '.join(earlier)}")
            closing = self.await_line(rf"^EVT (delivered|retry|error) id={re.escape(run_id)} .*", at, 30)
            self.note(f"{m.group(0)}; {closing.group(0)}")
            if not closing.group(0).startswith(f"EVT retry id={run_id} "):
                raise Failed(f"after tls-fail: {closing.group(0)} (spec section 5: a TLS failure is retried)")
            if not self.net.emu.wait_for_connections(1, timeout=5):
                raise Failed("the emulator saw no connection: the refusal was not a TLS one")
            self.net.emu.wait_idle(timeout=5)
            conns = self.net.emu.connections
            sent = self.net.emu.http_bytes
            self.note(f"server: {len(conns)} connection(s), handshake "
                      f"{','.join(str(c.handshake) for c in conns)}, {sent} HTTP bytes, "
                      f"{len(self.net.emu.requests)} requests")
            if sent != 0 or self.net.emu.requests:
                raise Failed(f"{sent} HTTP bytes reached the server after a refused certificate")
            if got != reason:
                raise Failed(f"refused, but reason={got}, spec section 2 wants {reason}")
        finally:
            if run_id is not None:
                self.drop(run_id)
            self.net.serve_chain("chain.pem", "leaf.key")

    def check_queue_reboot(self):
        self.wait_online()
        self.net.emulator_down()
        try:
            since = len(self.con.lines)
            run_id = self.trigger({"check": "queue"})
            line, _ = self.outcome(run_id, since)
            if not line.startswith(f"EVT retry id={run_id} "):
                raise Failed(f"with the emulator down: {line}")
            self.note(line)
            if run_id not in self.queue_ids():
                raise Failed(f"`queue` does not list {run_id}")
            self.reboot()
            ids = self.queue_ids()
            if run_id not in ids:
                raise Failed(f"{run_id} is gone after reboot (queue: {ids})")
            self.note(f"after reboot `queue` lists {run_id}")
            self.wait_online()
        finally:
            self.net.emulator_up()
        since = len(self.con.lines)
        self.ok("queue retry all")
        self.note(self.delivered(run_id, since))
        req = self.request_for(run_id)
        if req.verdict != "accepted":
            raise Failed(f"the emulator's verdict: {req.verdict} ({req.detail})")
        if run_id in self.queue_ids():
            raise Failed(f"{run_id} is still queued after its delivery")

    def check_led(self):
        self.wait_online()
        self.note("idle: " + " -> ".join(self.poll_status("led", "idle", 10)))
        self.ok("config unset secret")
        try:
            self.note("secret unset: " + " -> ".join(self.poll_status("led", "unconfigured", 10)))
        finally:
            self.ok(f"config set secret {self.secret}")
        self.note("secret set: " + " -> ".join(self.poll_status("led", "idle", 10)))
        self.net.emulator_down()
        run_id = None
        try:
            since = len(self.con.lines)
            run_id = self.trigger({"check": "led"})
            self.outcome(run_id, since)
            self.note("a trigger waiting: " + " -> ".join(self.poll_status("led", "pending", 10)))
        finally:
            self.net.emulator_up()
        since = len(self.con.lines)
        self.ok("queue retry all")
        self.delivered(run_id, since)
        self.note("delivered: " + " -> ".join(self.poll_status("led", "idle", 10)))
        if self.target.mode == "board":
            self.note("on the board LD1 (green) now shows `idle`: a 100 ms blink every 2 s")

    def check_watchdog(self):
        start = time.monotonic()
        self.reboot("diag watchdog", reset="wdt", timeout=30)
        self.note(f"EVT boot reset=wdt {time.monotonic() - start:.1f} s after `diag watchdog`")
        self.status()

    def check_secret(self):
        if self.secret.encode() in self.con.raw:
            raise Failed("the secret appeared in the device's output")
        self.note(f"{len(self.con.raw)} bytes of output searched")

    # -- running -------------------------------------------------------------

    def run(self):
        results = {}
        stop = None
        for c in self.checks:
            if stop:
                c.result, c.detail = "skipped", stop
            elif any(results.get(n) != "pass" for n in c.needs):
                c.result = "skipped"
                c.detail = "needs " + ", ".join(n for n in c.needs if results.get(n) != "pass")
            else:
                self.run_one(c)
            results[c.name] = c.result
            mark = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP"}[c.result]
            say(f"{mark:4}  {c.name:17} {c.seconds:5.1f} s  {c.title}")
            for n in c.notes:
                say(f"{'':31}{n}")
            if c.result != "pass":
                say(f"{'':31}-> {c.detail}")
            if c.result == "fail" and c.fatal:
                stop = f"not run: {c.name} failed"
        if results.get("console") == "pass":
            try:  # peaks, overruns and dropped frames, for whoever reads the report
                self.final_status = self.status()
            except (Failed, TimeoutError, EOFError, OSError):
                pass
        return all(c.result == "pass" for c in self.checks)

    def run_one(self, c):
        self.notes = c.notes
        first = len(self.con.transcript)
        start = time.monotonic()
        try:
            c.fn()
            c.result = "pass"
        except (Failed, AssertionError, TimeoutError, EOFError, OSError, RuntimeError, ValueError, KeyError) as e:
            c.result = "fail"
            c.detail = str(e) or type(e).__name__
            if not isinstance(e, (Failed, TimeoutError)):
                c.detail += "\n" + traceback.format_exc()
        finally:
            c.seconds = time.monotonic() - start
            c.transcript = (first, len(self.con.transcript))


# ---------------------------------------------------------------------------
# The report

def write_report(path, suite, target, started, duration, interrupted):
    secret = suite.secret
    t0 = suite.con.transcript[0][0] if suite.con.transcript else time.time()

    def clean(text):
        return text.replace(secret, "<secret>") if secret else text

    transcript = [[round(t - t0, 3), d, clean(line)] for t, d, line in suite.con.transcript]
    net = suite.net
    report = {
        "kit": "pipebutton hardware test kit (tests/hil/hil.py)",
        "mode": target.mode,
        "port": target.port,
        "host_ip": target.host_ip,
        "servers_listen_on": target.listen,
        "device_reaches_them_at": target.device_ip,
        "ports": {"https": net.emu.port, "dns": net.dns.port, "ntp": net.ntp.port},
        "host_name": HIL_HOST,
        "device": {"version": suite.version, "board": suite.device_board, "primary_button": suite.primary},
        "checkout_version": checkout_version(),
        "started_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(duration, 1),
        "interrupted": interrupted,
        "result": "pass" if all(c.result == "pass" for c in suite.checks) else "fail",
        "checks": [{"name": c.name, "title": c.title, "result": c.result, "detail": clean(c.detail),
                    "notes": [clean(n) for n in c.notes], "seconds": round(c.seconds, 2),
                    "transcript_lines": list(c.transcript)} for c in suite.checks],
        "device_status_at_end": suite.final_status,
        "emulator_requests": [{"runId": run_id_of(r), "verdict": r.verdict, "detail": clean(r.detail or ""),
                               "path": r.path} for r in net.emu.requests],
        "transcript": transcript,
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    text = os.path.splitext(path)[0] + ".txt"
    with open(text, "w", encoding="utf-8") as f:
        f.write(f"{report['kit']}: {report['result'].upper()}\n")
        for k in ("mode", "port", "host_ip", "servers_listen_on", "device_reaches_them_at", "ports",
                  "device", "checkout_version", "started_utc", "duration_s", "interrupted",
                  "device_status_at_end"):
            f.write(f"{k}: {report[k]}\n")
        f.write("\n")
        for c in report["checks"]:
            f.write(f"{c['result'].upper():8}{c['name']:17}{c['seconds']:6.1f} s  {c['title']}\n")
            for n in c["notes"]:
                f.write(f"{'':33}{n}\n")
            if c["result"] != "pass":
                f.write(f"{'':33}-> {c['detail']}\n")
        f.write("\nconsole transcript (seconds, < to the device, > from it):\n")
        for t, d, line in transcript:
            f.write(f"{t:9.3f} {'<' if d == 'tx' else '>'} {line}\n")
    return path, text


# ---------------------------------------------------------------------------

def plan(target):
    if target.mode == "qemu":
        say(f"pipebutton hardware test kit, QEMU mode: the lm3s6965evb image, its console a pseudo"
            f" terminal; servers on {target.listen} inside tools/netns, reached by the device at"
            f" {target.device_ip}; QMP presses the button.")
        return
    https, dns, ntp = target.ports
    say(f"""pipebutton hardware test kit: the board on {target.port}, this machine at {target.host_ip}

Before it starts, make sure that:
  1. the board runs this checkout's image (make BOARD=<board> flash);
  2. its USB cable (the NUCLEO's ST-LINK, CN1) is in this machine and no terminal has {target.port} open;
  3. its Ethernet jack is on the LAN where this machine has {target.host_ip}, with a DHCP server,
     and this machine's firewall lets in TCP {https} and UDP {dns} and {ntp} on {target.host_ip}.
The suite factory-resets the board's configuration (`config reset yes`: keys, secret, added CAs)
and drops triggers left in its queue.  Once, it asks you to press the board's button
(on the NUCLEO B1, the blue USER button) and waits {PRESS_WAIT_S} s for it.""")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", help="the board's serial port (make hil PORT=)")
    ap.add_argument("--host-ip", help="this machine's address on the board's LAN (make hil HOST_IP=)")
    ap.add_argument("--board", help="the board the image is for (make hil BOARD=): checked against `version`")
    ap.add_argument("--qemu", metavar="ELF", help="run against this lm3s6965evb image in QEMU instead")
    ap.add_argument("--report", help="report file (.json; a .txt copy goes beside it)")
    ap.add_argument("--yes", action="store_true", help="do not wait for Enter before starting")
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    started = utc_now()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    try:
        if args.qemu:
            target = Qemu(args.qemu, os.path.join(ROOT, "build", "hil-qemu"))
        else:
            check_port(args.port)
            check_host_ip(args.host_ip)
            if args.board and args.board not in PRIMARY:
                raise Usage(f"BOARD={args.board} is not one of {', '.join(PRIMARY)}")
            target = Board(args.port, args.host_ip, args.board)
        check_pyserial()
        make_pki()
    except Usage as e:
        print(f"make hil: {e}", file=sys.stderr)
        return 2
    # a board's reports are kept, one per run; QEMU's (make test) is replaced
    name = f"report-board-{stamp}.json" if target.mode == "board" else "report-qemu.json"
    report_path = args.report or os.path.join(ROOT, "build", "hil", name)

    plan(target)
    if target.mode == "board" and not args.yes and sys.stdin.isatty():
        try:
            input("Press Enter to start (Ctrl-C to stop) ")
        except (KeyboardInterrupt, EOFError):
            say()
            return 130

    from netrig import NetRig
    secret = "hil-" + secrets.token_urlsafe(18)
    pbdevice.SECRETS.add(secret)
    net = NetRig(PKI, {(ORG, HOOK): secret}, host_name=HIL_HOST, listen=target.listen,
                 device_ip=target.device_ip, ports=target.ports, lan=target.lan)
    con = None
    suite = None
    interrupted = False
    ok = False
    start = time.monotonic()
    try:
        try:
            net.start()
        except OSError as e:
            print(f"make hil: cannot start the servers: {e}", file=sys.stderr)
            return 2
        try:
            port = target.start()
            con = pbdevice.Console(pbdevice.SerialPort(port))
            if target.mode == "qemu":
                say(f"console: {port}")
        except Usage as e:
            print(f"make hil: {e}", file=sys.stderr)
            return 2
        except Exception as e:  # noqa: BLE001 -- pyserial's own errors included
            print(f"make hil: cannot open PORT={target.port}: {e}", file=sys.stderr)
            return 2
        suite = Suite(target, con, net, secret)
        say()
        try:
            ok = suite.run()
        except KeyboardInterrupt:
            interrupted = True
            say("\ninterrupted")
    finally:
        if con is not None:
            con.detach()
        target.stop()
        net.stop()
    duration = time.monotonic() - start
    js, txt = write_report(report_path, suite, target, started, duration, interrupted)
    counts = {r: sum(c.result == r for c in suite.checks) for r in ("pass", "fail", "skipped", "not-run")}
    say(f"\n{counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped"
        + (f", {counts['not-run']} not run" if counts["not-run"] else "") + f" in {duration:.0f} s")
    say(f"report: {js} (and {os.path.basename(txt)} beside it): attach it to the bug")
    if interrupted:
        return 130
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
