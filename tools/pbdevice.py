"""Drive pipebutton firmware: its line console over any byte stream (QEMU's
Unix socket, or a real serial port through Debian's pyserial), the buttons of
QEMU over QMP, and the provisioning steps every runner shares.  Used by the
integration tests, the hardware test kit (tests/hil), `tools/provision`,
`tools/press` and `make run`'s helpers.  Standard library only (pyserial is
imported when a serial port is opened)."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ELF = os.path.join(ROOT, "build", "lm3s6965evb", "pipebutton.elf")

# Spec section 1: button name -> QEMU qcode.
BUTTON_KEYS = {"select": "ctrl", "up": "up", "down": "down", "left": "left", "right": "right"}


def in_private_netns():
    """True inside tools/netns: a namespace whose only interface is lo."""
    if os.environ.get("PB_NETNS") != "1":
        return False
    with open("/proc/self/net/dev", encoding="ascii") as f:
        names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    return names == ["lo"]


def qemu_command(elf, workdir, console, qmp=None, extra=(), net=False, semihosting=True):
    """The QEMU command line for the lm3s6965evb board, as every runner uses it.
    net=True gives the device QEMU's user network (host loopback at 10.0.2.2),
    which is allowed only inside a private namespace (spec section 7)."""
    if net and not in_private_netns():
        raise RuntimeError("the firmware's network runs only inside tools/netns (spec section 7)")
    cmd = [
        "qemu-system-arm", "-M", "lm3s6965evb", "-kernel", os.path.abspath(elf),
        "-display", "none", "-monitor", "none",
        "-nic", "user,model=stellaris,id=net0" if net else "none",
    ]
    if semihosting:
        cmd += ["-semihosting-config", "enable=on,target=native"]
    cmd += console
    if qmp:
        cmd += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    return cmd + list(extra)


# Secrets a test has given a device.  Every byte any device prints in the whole
# run is checked against them when it closes (spec section 2: secrets are never
# printed, echoed or logged).
SECRETS = set()


class SecretLeaked(AssertionError):
    pass


class Qmp:
    """Minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile("rw", encoding="utf-8", newline="\n")
        json.loads(self.file.readline())  # greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error']}")

    def key(self, qcode, down):
        self.execute("input-send-event", events=[
            {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}])

    def close(self):
        self.sock.close()


def press(qmp, button, kind="short"):
    """Presses a button the way spec section 3 says tests do: 100 ms for short,
    1500 ms for long, two 100 ms presses 150 ms apart for double."""
    key = BUTTON_KEYS[button]
    if kind == "short":
        hold(qmp, key, 0.100)
    elif kind == "long":
        hold(qmp, key, 1.500)
    elif kind == "double":
        hold(qmp, key, 0.100)
        time.sleep(0.150)
        hold(qmp, key, 0.100)
    else:
        raise ValueError(f"unknown press kind {kind!r}")


def hold(qmp, key, seconds):
    qmp.key(key, True)
    time.sleep(seconds)
    qmp.key(key, False)


def prime(qmp):
    """QEMU holds every button line low until its key is first pressed and
    released; one press and release of each arms them (spec section 1)."""
    for key in BUTTON_KEYS.values():
        qmp.key(key, True)
    time.sleep(0.05)
    for key in BUTTON_KEYS.values():
        qmp.key(key, False)
    time.sleep(0.05)


class Console:
    """A device's line console (spec section 2) over a byte stream: anything
    with recv(n) (b"" at the end), sendall(data), shutdown(how) and close(),
    like a socket or SerialPort.  A reader thread drains it all the time, as a
    terminal would.  Every line both ways is kept in .transcript as
    (time.time(), "rx" or "tx", text) for reports."""

    def __init__(self, transport=None, log=None):
        self.raw = bytearray()  # every byte the device printed
        self._cond = threading.Condition()
        self._reader = None
        self.con = None
        self.log = log          # a text file every received line is written to, or None
        self.lines = []         # everything read, for failure messages
        self.times = []         # time.time() when each line arrived
        self.transcript = []
        if transport is not None:
            self.attach(transport)

    def attach(self, transport):
        self.con = transport
        self.buf = b""
        self._eof = False
        self._reader = threading.Thread(target=self._read_console, args=(transport,), daemon=True)
        self._reader.start()

    def detach(self):
        """Stops reading and closes the transport (it can be attached again)."""
        try:
            self.con.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join(5)
        self.con.close()

    def _read_console(self, con):
        while True:
            try:
                chunk = con.recv(65536)
            except OSError:
                chunk = b""
            with self._cond:
                if chunk:
                    self.buf += chunk
                    self.raw += chunk
                else:
                    self._eof = True
                self._cond.notify_all()
            if not chunk:
                return

    def readline(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if self._eof:
                    raise EOFError(f"console closed; last lines: {self.lines[-10:]}")
                if left <= 0:
                    raise TimeoutError(f"no line within {timeout}s; last lines: {self.lines[-10:]}")
                self._cond.wait(left)
            line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("utf-8", errors="replace").rstrip("\r")
        now = time.time()
        self.lines.append(text)
        self.times.append(now)
        self.transcript.append((now, "rx", text))
        if self.log is not None:
            self.log.write(text + "\n")
            self.log.flush()
        return text

    def expect(self, pattern, timeout=10.0):
        """Reads lines until one matches pattern (a regex); returns the match
        and the lines read before it."""
        rx = re.compile(pattern)
        skipped = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(max(0.0, deadline - time.monotonic()))
            m = rx.search(line)
            if m:
                return m, skipped
            skipped.append(line)

    def drain(self, seconds):
        """Reads (and logs) whatever lines the device prints for this long."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self.readline(left)
            except TimeoutError:
                return

    def send(self, text):
        data = text.encode() if isinstance(text, str) else bytes(text)
        now = time.time()
        for line in data.decode("utf-8", errors="replace").splitlines():
            self.transcript.append((now, "tx", line))
        self.con.sendall(data)

    def command(self, line, timeout=10.0):
        """Sends one command line; returns (info lines, events, final line)."""
        self.send(line + "\r\n")
        info, events = [], []
        while True:
            text = self.readline(timeout)
            if text.startswith("EVT "):
                events.append(text)
            elif is_final(text):
                return info, events, text
            else:
                info.append(text)

    def status(self):
        """`status` as a dict."""
        info, _, final = self.command("status")
        assert final == "OK", final
        return dict(line.split("=", 1) for line in info if "=" in line)


def is_final(line):
    """A command's final line (spec section 2)."""
    return line == "OK" or line.startswith("OK ") or line.startswith("ERR ")


class SerialPort:
    """A serial port (pyserial, 8N1, no flow control) with the socket calls
    Console uses: recv() blocks until bytes arrive and returns b"" once the
    port is shut down or gone (a board unplugged)."""

    def __init__(self, path, baud=115200):
        import serial  # Debian's python3-serial
        self._error = serial.SerialException
        # exclusive: a terminal program left open on the port would take
        # half of the answers.
        self.port = serial.Serial(path, baud, timeout=0.1, exclusive=True)
        self._down = False

    def recv(self, n):
        while not self._down:
            try:
                data = self.port.read(max(1, min(n, self.port.in_waiting)))
            except (self._error, OSError, TypeError):
                return b""
            if data:
                return data
        return b""

    def sendall(self, data):
        try:
            self.port.write(data)
            self.port.flush()
        except self._error as e:
            raise OSError(str(e)) from None

    def shutdown(self, how=None):
        self._down = True

    def close(self):
        self._down = True
        self.port.close()


class Device(Console):
    """One firmware instance in QEMU, in a scratch directory of its own."""

    def __init__(self, elf=DEFAULT_ELF, workdir=None, extra=(), net=False, semihosting=True):
        self.workdir = workdir or tempfile.mkdtemp(prefix="pb-qemu-")
        os.makedirs(self.workdir, exist_ok=True)
        self.console_path = os.path.join(self.workdir, "console.sock")
        self.qmp_path = os.path.join(self.workdir, "qmp.sock")
        super().__init__(log=open(os.path.join(self.workdir, "console.log"), "w", encoding="utf-8"))
        cmd = qemu_command(elf, self.workdir,
                           ["-chardev", f"socket,id=con,path={self.console_path},server=on,wait=on",
                            "-serial", "chardev:con"],
                           self.qmp_path, extra, net, semihosting)
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # QEMU's UART blocks the whole emulated machine (and QMP with it) once
        # the socket is full, which no real UART does: the reader drains it.
        self.attach_console()
        self.qmp = Qmp(self.qmp_path)

    def _connect(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
                if self.proc.poll() is not None:
                    out = self.proc.stdout.read().decode(errors="replace")
                    raise RuntimeError(f"QEMU exited ({self.proc.returncode}): {out}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def set_link(self, up):
        self.qmp.execute("set_link", name="net0", up=up)

    # ---- buttons
    def press(self, button, kind="short"):
        press(self.qmp, button, kind)

    def prime(self):
        prime(self.qmp)

    def detach_console(self):
        """Lets another program (tools/provision) use the console socket."""
        self.detach()

    def attach_console(self):
        self.attach(self._connect(self.console_path))

    def close(self):
        try:
            self.qmp.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # QEMU is gone: the reader has everything it printed once it sees EOF
        self._reader.join(5)
        self.con.close()
        self.log.close()
        check_no_secret(self.raw)

    def kill(self):
        """A power cut: SIGKILL, then the same checks as close() on what was
        printed."""
        self.proc.kill()
        self.close()

    def remove(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def check_no_secret(raw):
    for secret in SECRETS:
        if secret.encode() in raw:
            raise SecretLeaked(f"the secret {secret[:2]}... appeared in the console output")


# ---- provisioning (tools/provision, the tests' rig, the hardware test kit)

LINE_MAX = 512  # spec section 2
IMPORT_CHUNK = 400  # bytes of JSON per continuation line of a multi-line import


def minified(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def chunks(text, limit):
    """Pieces of text of at most limit UTF-8 bytes, split between characters
    (the device concatenates the lines of a multi-line import)."""
    piece, size = [], 0
    for ch in text:
        n = len(ch.encode())
        if size + n > limit:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(ch)
        size += n
    if piece:
        yield "".join(piece)


def import_config(con, config, timeout=20.0):
    """`config import` of a dict (string values; action.* objects): one line
    when it fits, else begin ... commit.  Returns the final line."""
    text = minified(config)
    one_line = "config import " + text
    if len(one_line.encode()) <= LINE_MAX:
        return con.command(one_line, timeout=timeout)[2]
    final = con.command("config import begin", timeout=timeout)[2]
    if final != "OK":
        return final
    for chunk in chunks(text, IMPORT_CHUNK):
        con.send(chunk + "\r\n")  # continuation lines get no answer
    return con.command("config import commit", timeout=timeout)[2]


def pem_lines(text):
    """The lines of the first PEM certificate in text, BEGIN to END, or []."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "-----BEGIN CERTIFICATE-----" not in lines:
        return []
    lines = lines[lines.index("-----BEGIN CERTIFICATE-----"):]
    if "-----END CERTIFICATE-----" in lines:
        lines = lines[:lines.index("-----END CERTIFICATE-----") + 1]
    return lines


def ca_add(con, pem_text, timeout=20.0):
    """`ca add` followed by the lines of pem_text as they are (pem_lines()
    picks one certificate out of a file); returns the final line (the device
    answers after the END line)."""
    con.send("ca add\r\n")
    for line in pem_text.strip().splitlines():
        con.send(line.strip() + "\r\n")
    while True:
        line = con.readline(timeout)
        if is_final(line):
            return line


def parse_status(con, timeout=10.0):
    """`status` as a dict over any Console."""
    info, _, final = con.command("status", timeout=timeout)
    if final != "OK":
        raise RuntimeError(f"status: {final}")
    return dict(line.split("=", 1) for line in info if "=" in line)


def config_show(con, timeout=10.0):
    """`config show` as a dict; raises on an ERR."""
    info, _, final = con.command("config show", timeout=timeout)
    if final != "OK":
        raise RuntimeError(f"config show: {final}")
    return dict(line.split("=", 1) for line in info if "=" in line)


# The write-only keys (spec section 3): bound to the endpoint, so a change of
# org, webhook, host, port, path_prefix or the trust anchors unsets them
# (spec section 2, endpoint binding).  They are sent last.
CREDENTIALS = ("secret", "pat")


def provision(con, config, pems=(), timeout=20.0):
    """Sets a device up in the order endpoint binding needs: the
    configuration without its credentials, then the trust anchors (`ca add`
    of each PEM text), then the credentials in one last import.  Returns
    [(step, final line)], stopping after the first that is not OK."""
    steps = []
    plain = {k: v for k, v in config.items() if k not in CREDENTIALS}
    creds = {k: v for k, v in config.items() if k in CREDENTIALS}
    if plain:
        steps.append((f"config import <{len(plain)} keys>", import_config(con, plain, timeout)))
        if not steps[-1][1].startswith("OK"):
            return steps
    for i, text in enumerate(pems):
        steps.append((f"ca add #{i + 1}", ca_add(con, text, timeout)))
        if not steps[-1][1].startswith("OK"):
            return steps
    if creds:
        steps.append((f"config import <{', '.join(creds)}>", import_config(con, creds, timeout)))
    return steps


def config_mismatches(shown, config):
    """What of config (as sent) does not read back in shown (`config show`):
    a list of messages, never naming a write-only key's value."""
    out = []
    for key, value in config.items():
        want = "<set>" if key in CREDENTIALS else (minified(value) if key.startswith("action.") else value)
        got = shown.get(key)
        if got == want or (key.startswith("action.") and got is not None and json.loads(got) == value):
            continue
        out.append(f"{key} reads back {got!r}, expected {want!r}")
    return out


def primary_button(shown):
    """The primary button's name from a factory-fresh `config show`: the one
    whose short press runs `trigger` by default (spec section 3)."""
    names = [k.split(".")[1] for k, v in shown.items()
             if k.startswith("button.") and k.endswith(".short") and v == "trigger"]
    return names[0] if len(names) == 1 else None


def parse_pairs(line):
    """key=value pairs of an OK or EVT line."""
    return dict(tok.split("=", 1) for tok in line.split()[1:] if "=" in tok)


def bench_spread(rows, i):
    """Column i of a benchmark's runs: (median, "median N ms  (min A, max B)")."""
    values = sorted(r[i] for r in rows)
    med = values[len(values) // 2]
    return med, f"median {med:6d} ms  (min {values[0]}, max {values[-1]})"
