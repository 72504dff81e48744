#!/usr/bin/env python3
"""Small UDP servers for the network tests: DNS (RFC 1035, A records only) and
SNTP (RFC 4330).  Standard library only.

Each server binds a loopback address (127.0.0.1 unless told another 127.x
address; anything else is refused, spec section 7), serves from a background
thread, and logs what it received for the tests to assert on.  The one
exception is `lan=True`, which only the hardware test kit passes (`make hil`:
a real board on the LAN reaches the servers at HOST_IP, an address of this
machine that a person names); even then a wildcard or multicast address is
refused, so a server never listens on every interface.

    with DnsServer({"dev.azure.com": "10.0.2.2"}) as dns, SntpServer() as ntp:
        ... point the device at dns.port / ntp.port ...
        dns.wait_for_queries(1)
        assert dns.queries[0].qname == "dev.azure.com"

Fault injection: `drop`, `delay_s` (both servers), `servfail` (DNS), `kod`
(SNTP); these and `records`, `ttl`, `offset_s`, `follow_client`, `stratum` are
plain attributes that may be changed while the server runs.

Command line (foreground, Ctrl-C to stop):
    python3 tools/netservers.py dns --port 5353 --record name=1.2.3.4 ...
    python3 tools/netservers.py sntp --port 1123 [--offset 3600] [--follow-client]
"""

import argparse
import collections
import ipaddress
import selectors
import signal
import socket
import struct
import sys
import threading
import time

LOOPBACK = "127.0.0.1"


def check_listen_address(host, lan, what):
    """host as a normalised IPv4 string, or ValueError: a 127.0.0.0/8 address,
    or with lan=True one unicast address of any network."""
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{what}: {host!r} is not an IP address") from None
    if addr.version == 4 and addr.is_loopback:
        return str(addr)
    if not lan:
        raise ValueError(f"{what}: {host} is not a 127.0.0.0/8 address; "
                         "test servers listen on loopback only")
    if addr.version != 4 or addr.is_unspecified or addr.is_multicast or addr == ipaddress.IPv4Address(
            "255.255.255.255"):
        raise ValueError(f"{what}: {host} is not one unicast IPv4 address of this machine")
    return str(addr)


class UdpServer:
    """A UDP server on a loopback address, serving from a background thread.

    Subclasses implement handle(data, addr, rx_time) -> the reply or None; the
    reply is bytes, or an object whose __bytes__ is called when it is sent.
    A reply is sent after `delay_s` seconds (without holding up later
    requests) unless `drop` is set.  start() binds in the caller's thread, so
    a busy port raises there and `.port` is known as soon as it returns."""

    name = "udp"

    def __init__(self, port=0, host=LOOPBACK, delay_s=0.0, drop=False, verbose=False, lan=False):
        self.host = check_listen_address(host, lan, f"{self.name} server")
        self.requested_port = int(port)
        self.delay_s = delay_s
        self.drop = drop
        self.verbose = verbose
        self.port = None
        self.ignored = []     # (addr, reason, datagram) of packets not answered as malformed
        self.errors = []      # exceptions raised while handling a packet (bugs)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._sock = None
        self._thread = None
        self._wake_r = self._wake_w = None
        self._timers = set()
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        if self._thread is not None:
            raise RuntimeError(f"{self.name} server already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as e:
            sock.close()
            raise OSError(e.errno, f"{self.name} server: cannot bind "
                                   f"{self.host}:{self.requested_port}: {e.strerror}") from None
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name=f"{self.name}-server-{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving and closes the socket; replies still being delayed are
        dropped.  Safe to call more than once."""
        thread = self._thread
        if thread is None:
            return
        with self._lock:
            self._stopping = True
            timers, self._timers = self._timers, set()
        for t in timers:
            t.cancel()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        thread.join(timeout=5)
        for s in (self._sock, self._wake_r, self._wake_w):
            s.close()
        self._sock = self._wake_r = self._wake_w = None
        self._thread = None

    def __enter__(self):
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        return (self.host, self.port)

    # -- serving -----------------------------------------------------------

    def _serve(self):
        sel = selectors.DefaultSelector()
        sel.register(self._sock, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping:
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        return
                    self._drain()
        finally:
            sel.close()

    def _drain(self):
        while True:
            try:
                data, addr = self._sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # e.g. an ICMP error reported on the socket; keep serving
                continue
            rx_time = time.time()
            try:
                reply = self.handle(data, addr, rx_time)
            except Exception as e:  # a bug here must not kill the server
                with self._lock:
                    self.errors.append(e)
                self._say(f"error handling packet from {addr}: {e!r}")
                continue
            if reply is None or self.drop:
                continue
            delay = self.delay_s
            if delay and delay > 0:
                self._send_later(delay, reply, addr)
            else:
                self._send(reply, addr)

    def _send(self, reply, addr):
        sock = self._sock
        if sock is None:
            return
        try:
            sock.sendto(bytes(reply), addr)
        except OSError as e:
            self._say(f"send to {addr} failed: {e}")

    def _send_later(self, delay, reply, addr):
        def fire():
            with self._lock:
                self._timers.discard(timer)
                if self._stopping:
                    return
                # sent under the lock so that stop() cannot close the socket meanwhile
                self._send(reply, addr)
        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            if self._stopping:
                return
            self._timers.add(timer)
        timer.start()

    def _ignore(self, addr, reason, data):
        with self._lock:
            self.ignored.append((addr, reason, bytes(data)))
        self._say(f"ignored {len(data)} bytes from {addr[0]}:{addr[1]}: {reason}")

    def _log(self, lst, entry):
        with self._cond:
            lst.append(entry)
            self._cond.notify_all()

    def _snapshot(self, lst):
        with self._lock:
            return list(lst)

    def _wait_for(self, lst, count, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(lst) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def _say(self, msg):
        if self.verbose:
            print(f"{self.name}: {msg}", flush=True)

    def handle(self, data, addr, rx_time):
        raise NotImplementedError


# ---------------------------------------------------------------------------
# DNS

DNS_TYPE_A = 1
DNS_TYPE_ANY = 255
DNS_CLASS_IN = 1
DNS_CLASS_ANY = 255

RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_NOTIMP = 4

DnsQuery = collections.namedtuple("DnsQuery", "addr qname qtype id")


class DnsMalformed(ValueError):
    pass


def dns_encode_name(name):
    """"a.example" -> b"\\x01a\\x07example\\x00" (no compression)."""
    out = bytearray()
    name = name.rstrip(".")
    if name:
        for label in name.split("."):
            raw = label.encode("ascii")
            if not 1 <= len(raw) <= 63:
                raise ValueError(f"bad DNS label {label!r} in {name!r}")
            out += bytes([len(raw)]) + raw
    out += b"\x00"
    if len(out) > 255:
        raise ValueError(f"DNS name too long: {name!r}")
    return bytes(out)


def dns_decode_name(msg, offset):
    """Reads a name at `offset` of `msg`.  Returns (labels as bytes, offset
    just past the name as it appears at `offset`).  Follows compression
    pointers only backwards (so never loops); raises DnsMalformed."""
    labels = []
    end = None
    total = 1
    pos = offset
    for _ in range(128):
        if pos >= len(msg):
            raise DnsMalformed("name runs past the end of the packet")
        n = msg[pos]
        if n == 0:
            return labels, (pos + 1 if end is None else end)
        kind = n & 0xC0
        if kind == 0xC0:
            if pos + 1 >= len(msg):
                raise DnsMalformed("truncated compression pointer")
            target = ((n & 0x3F) << 8) | msg[pos + 1]
            if end is None:
                end = pos + 2
            if target >= pos or target < 12:
                raise DnsMalformed("compression pointer not pointing backwards into the message")
            pos = target
            continue
        if kind != 0:
            raise DnsMalformed("extended label type")
        if pos + 1 + n > len(msg):
            raise DnsMalformed("label runs past the end of the packet")
        total += n + 1
        if total > 255:
            raise DnsMalformed("name longer than 255 bytes")
        labels.append(bytes(msg[pos + 1:pos + 1 + n]))
        pos += 1 + n
    raise DnsMalformed("too many labels")


def _dns_key(name):
    return name.rstrip(".").lower()


class DnsServer(UdpServer):
    """Answers standard queries for A records from `records` ({name: "a.b.c.d"},
    names matched case-insensitively, a trailing dot ignored).

    Reply: ID copied; QR=1, opcode copied, AA=1, TC=0, RD copied, RA=1; the
    question echoed (as received, written uncompressed); then
      - known name, QTYPE A (or ANY), class IN (or ANY): NOERROR and one A
        answer (name as a pointer to the question, class IN, TTL `ttl`);
      - known name, any other type or class: NOERROR, no answers;
      - unknown name: NXDOMAIN, no answers;
      - `servfail`: SERVFAIL, no answers, whatever the name;
      - opcode other than QUERY: NOTIMP.
    Ignored (logged in `.ignored`): responses, packets shorter than a header,
    QDCOUNT other than 1, questions that do not parse.
    Every query that parses is logged in `.queries` as DnsQuery(addr, qname,
    qtype, id), also when dropped or delayed; qname is lower-case, no trailing dot."""

    name = "dns"

    def __init__(self, records=None, port=0, ttl=60, drop=False, servfail=False, delay_s=0.0,
                 compress=True, host=LOOPBACK, verbose=False, lan=False):
        super().__init__(port=port, host=host, delay_s=delay_s, drop=drop, verbose=verbose, lan=lan)
        self.records = {}
        for name, ip in (records or {}).items():
            self.set_record(name, ip)
        self.ttl = ttl
        self.servfail = servfail
        self.compress = compress
        self._queries = []

    def set_record(self, name, ip):
        packed = socket.inet_aton(str(ipaddress.IPv4Address(ip)))  # validates
        dns_encode_name(name)  # validates
        self.records[_dns_key(name)] = socket.inet_ntoa(packed)

    def remove_record(self, name):
        self.records.pop(_dns_key(name), None)

    def _lookup(self, qname):
        key = _dns_key(qname)
        ip = self.records.get(key)
        if ip is None:  # `records` replaced or edited directly, keys not normalised
            for name, value in list(self.records.items()):
                if _dns_key(name) == key:
                    return str(value)
        return ip

    @property
    def queries(self):
        """A copy of the query log: a list of DnsQuery(addr, qname, qtype, id)."""
        return self._snapshot(self._queries)

    def clear(self):
        with self._lock:
            self._queries.clear()
            self.ignored.clear()

    def wait_for_queries(self, count=1, timeout=10.0):
        """True once at least `count` queries have been logged, False on timeout."""
        return self._wait_for(self._queries, count, timeout)

    def handle(self, data, addr, rx_time):
        if len(data) < 12:
            self._ignore(addr, "shorter than a DNS header", data)
            return None
        txid, flags, qdcount = struct.unpack_from("!HHH", data, 0)
        if flags & 0x8000:
            self._ignore(addr, "QR=1 (a response, not a query)", data)
            return None
        if qdcount != 1:
            self._ignore(addr, f"QDCOUNT={qdcount}", data)
            return None
        try:
            labels, pos = dns_decode_name(data, 12)
            if pos + 4 > len(data):
                raise DnsMalformed("question runs past the end of the packet")
            qtype, qclass = struct.unpack_from("!HH", data, pos)
            qname_wire = b"".join(bytes([len(l)]) + l for l in labels) + b"\x00"
            qname = ".".join(l.decode("ascii") for l in labels)
        except (DnsMalformed, UnicodeDecodeError) as e:
            self._ignore(addr, f"bad question: {e}", data)
            return None

        self._log(self._queries, DnsQuery(addr, qname.lower(), qtype, txid))

        opcode = (flags >> 11) & 0xF
        rd = flags & 0x0100
        answer = b""
        ip = self._lookup(qname)
        if opcode != 0:
            rcode = RCODE_NOTIMP
        elif self.servfail:
            rcode = RCODE_SERVFAIL
        elif ip is None:
            rcode = RCODE_NXDOMAIN
        else:
            rcode = RCODE_NOERROR
            if qtype in (DNS_TYPE_A, DNS_TYPE_ANY) and qclass in (DNS_CLASS_IN, DNS_CLASS_ANY):
                owner = b"\xc0\x0c" if self.compress else qname_wire
                answer = owner + struct.pack("!HHIH", DNS_TYPE_A, DNS_CLASS_IN,
                                             int(self.ttl) & 0xFFFFFFFF, 4) + socket.inet_aton(ip)
        rflags = 0x8000 | (opcode << 11) | 0x0400 | rd | 0x0080 | rcode
        header = struct.pack("!HHHHHH", txid, rflags, 1, 1 if answer else 0, 0, 0)
        self._say(f"{addr[0]}:{addr[1]} id={txid} {qname} type={qtype} class={qclass} -> "
                  f"rcode={rcode}{' ' + ip if answer else ''}"
                  f"{' (dropped)' if self.drop else ''}")
        return header + qname_wire + struct.pack("!HH", qtype, qclass) + answer


# ---------------------------------------------------------------------------
# SNTP

NTP_UNIX_DELTA = 2208988800  # seconds from 1900-01-01 to 1970-01-01
NTP_MODE_CLIENT = 3
NTP_MODE_SERVER = 4

SntpRequest = collections.namedtuple("SntpRequest", "addr version transmit_ts")


def to_ntp(t):
    """Unix time (float seconds) -> 64-bit NTP timestamp (32.32 fixed point,
    seconds since 1900, wrapping into the next era in 2036)."""
    return int(round((t + NTP_UNIX_DELTA) * (1 << 32))) & 0xFFFFFFFFFFFFFFFF


def from_ntp(ts, pivot=None):
    """64-bit NTP timestamp -> Unix time, taking the era nearest `pivot`
    (Unix time, default now)."""
    if pivot is None:
        pivot = time.time()
    era_s = 1 << 32
    t = ts / (1 << 32) - NTP_UNIX_DELTA
    t += round((pivot - t) / era_s) * era_s
    return t


class SntpServer(UdpServer):
    """Answers SNTP client requests (RFC 4330): a datagram of 48 bytes or more
    with mode 3.  Anything else is ignored (and logged in `.ignored`).

    Reply (48 bytes): LI=0, VN copied, mode 4; stratum `stratum` (default 1);
    poll copied; precision -20; root delay and dispersion 0; reference id
    b"PBTS"; reference and receive timestamps = arrival time + `offset_s`,
    transmit timestamp = send time + `offset_s`; originate timestamp = the
    request's transmit timestamp.
    `follow_client=True` takes the client's own clock (its transmit
    timestamp) instead of this machine's as the time to add `offset_s` to: for
    a device whose clock runs on emulated time (QEMU -icount ...,sleep=off
    runs it many times faster than real time), answers then keep to a step
    the test chose, however fast its clock runs.  A request whose transmit
    timestamp is 0 gets this machine's time.
    `kod=True` sends a kiss-o'-death instead: LI=3 (unsynchronised), stratum 0,
    reference id = `kod_code` (default b"RATE").
    Requests are logged in `.requests` as SntpRequest(addr, version,
    transmit_ts), also when dropped or delayed."""

    name = "sntp"

    def __init__(self, port=0, offset_s=0.0, stratum=1, kod=False, kod_code=b"RATE",
                 drop=False, delay_s=0.0, refid=b"PBTS", host=LOOPBACK, verbose=False, lan=False,
                 follow_client=False):
        super().__init__(port=port, host=host, delay_s=delay_s, drop=drop, verbose=verbose, lan=lan)
        self.offset_s = offset_s
        self.follow_client = follow_client
        self.stratum = stratum
        self.kod = kod
        self.kod_code = kod_code
        self.refid = refid
        self._requests = []

    @property
    def requests(self):
        """A copy of the request log: a list of SntpRequest(addr, version, transmit_ts)."""
        return self._snapshot(self._requests)

    def clear(self):
        with self._lock:
            self._requests.clear()
            self.ignored.clear()

    def wait_for_requests(self, count=1, timeout=10.0):
        """True once at least `count` requests have been logged, False on timeout."""
        return self._wait_for(self._requests, count, timeout)

    def handle(self, data, addr, rx_time):
        if len(data) < 48:
            self._ignore(addr, f"{len(data)} bytes, shorter than an NTP header", data)
            return None
        mode = data[0] & 7
        if mode != NTP_MODE_CLIENT:
            self._ignore(addr, f"mode {mode}, not a client request", data)
            return None
        version = (data[0] >> 3) & 7
        poll = data[2]
        (client_tx,) = struct.unpack_from("!Q", data, 40)
        self._log(self._requests, SntpRequest(addr, version, client_tx))
        # Later requests see a changed offset_s; one reply uses one value.
        offset = self.offset_s
        if self.follow_client and client_tx != 0:
            offset += from_ntp(client_tx, pivot=rx_time) - rx_time
        if self.kod:
            li, stratum, refid = 3, 0, bytes(self.kod_code)
        else:
            li, stratum, refid = 0, int(self.stratum), bytes(self.refid)
        refid = (refid + b"\0\0\0\0")[:4]
        rx = to_ntp(rx_time + offset)
        self._say(f"{addr[0]}:{addr[1]} v{version} -> stratum {stratum}"
                  f"{' KoD ' + refid.decode('ascii', 'replace') if self.kod else ''}"
                  f" offset {offset:+.3f}s{' (dropped)' if self.drop else ''}")
        return _SntpReply(li, version, stratum, poll, refid, rx, client_tx, offset)


class _SntpReply:
    """Stands for the reply bytes until it is sent, so that the transmit
    timestamp is the time of sending (later than receive when delayed)."""

    def __init__(self, li, version, stratum, poll, refid, rx, origin, offset):
        self.args = (li, version, stratum, poll, refid, rx, origin, offset)

    def __bytes__(self):
        li, version, stratum, poll, refid, rx, origin, offset = self.args
        tx = to_ntp(time.time() + offset)
        return struct.pack("!BBBbII4sQQQQ",
                           (li << 6) | (version << 3) | NTP_MODE_SERVER,
                           stratum & 0xFF, poll, -20, 0, 0, refid,
                           rx,        # reference: when "the clock was last set"
                           origin, rx, tx)


# ---------------------------------------------------------------------------
# Command line

def _parse_record(text):
    name, sep, ip = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=A.B.C.D, got {text!r}")
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IPv4 address: {ip!r}") from None
    return name, ip


def main(argv=None):
    p = argparse.ArgumentParser(description="Test DNS/SNTP servers on loopback (foreground).")
    sub = p.add_subparsers(dest="server", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default=LOOPBACK, help="loopback address to bind (default 127.0.0.1)")
    common.add_argument("--port", type=int, default=0, help="UDP port (default: a free one, printed)")
    common.add_argument("--drop", action="store_true", help="answer nothing")
    common.add_argument("--delay", type=float, default=0.0, metavar="S", help="delay each answer by S seconds")
    common.add_argument("-q", "--quiet", action="store_true", help="do not print each packet")

    d = sub.add_parser("dns", parents=[common], help="DNS server (A records)")
    d.add_argument("--record", type=_parse_record, action="append", default=[], metavar="NAME=A.B.C.D")
    d.add_argument("--ttl", type=int, default=60)
    d.add_argument("--servfail", action="store_true", help="answer SERVFAIL to everything")

    s = sub.add_parser("sntp", parents=[common], help="SNTP server")
    s.add_argument("--offset", type=float, default=0.0, metavar="S", help="serve time.time() + S")
    s.add_argument("--follow-client", action="store_true",
                   help="serve the client's own transmit time + S instead")
    s.add_argument("--stratum", type=int, default=1)
    s.add_argument("--kod", action="store_true", help="answer kiss-o'-death (stratum 0, RATE)")

    a = p.parse_args(argv)
    try:
        if a.server == "dns":
            srv = DnsServer(dict(a.record), port=a.port, ttl=a.ttl, drop=a.drop, servfail=a.servfail,
                            delay_s=a.delay, host=a.host, verbose=not a.quiet)
        else:
            srv = SntpServer(port=a.port, offset_s=a.offset, stratum=a.stratum, kod=a.kod,
                             drop=a.drop, delay_s=a.delay, host=a.host, verbose=not a.quiet,
                             follow_client=a.follow_client)
        srv.start()
    except (OSError, ValueError) as e:
        print(f"netservers: {e}", file=sys.stderr)
        return 1

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"{srv.name}: listening on {srv.host}:{srv.port}", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
