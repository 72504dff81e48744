#!/usr/bin/env python3
"""An HTTPS stand-in for Azure DevOps incoming webhooks, for the device's tests
and for `make run`.  Standard library only.

It answers `POST [prefix]/{org}/_apis/public/distributedtask/webhooks/{name}
?api-version=6.0-preview` the way /work/shared/spec/azure-webhook.md says
Azure does, and is strict wherever Azure's behaviour is not known (see
"Answers" below).  It binds a loopback address only (spec section 7; with
`lan=True`, which only the hardware test kit passes, one unicast address of
this machine that a person names as HOST_IP for a real board), serves
from background threads and logs what it received for tests to assert on:

    with WebhookEmulator("build/testpki/chain.pem", "build/testpki/leaf.key",
                         webhooks={("myorg", "port_trigger"): "s3cret"}) as emu:
        ... point the device at 10.0.2.2:emu.port ...
        assert emu.wait_for_requests(1, timeout=30)
        r = emu.requests[0]
        assert r.verdict == "accepted" and r.json["port_context"]["action"] == "deploy"
        emu.fault = "503,times=1,retry-after=2"     # next request only

Answers (first rule that applies; `verdict` is what `.requests` records):

  request that does not parse as HTTP/1.x ......... 400 HTML            bad-request (closes)
  HTTP version other than 1.0/1.1 ................. 505                 bad-request (closes)
  request body sent chunked (not emulated) ........ 411                 length-required (closes)
  bad Content-Length / over 5 MiB ................. 400 / 413           bad-request / too-large (closes)
  no Host, two Hosts / not `expect_host` .......... 400 HTML            bad-request / bad-host
  path not the webhook route (exact, case too) .... 404 JSON envelope   not-found
  method other than POST .......................... 405 JSON envelope   bad-method
  api-version missing, repeated or not the
    configured value (exact) ...................... 400 JSON envelope   bad-api-version
  POST without Content-Length ..................... 411 JSON envelope   length-required (closes)
  (org, name) not configured (exact, case too) .... 500 WebHookException unknown-webhook
  signature header missing ........................ 500 WebHookException missing-signature
  empty body ...................................... 500 WebHookException empty-body
  signature wrong ................................. 500 WebHookException bad-signature
  Content-Type not application/json ............... 415 JSON envelope   bad-content-type
  body not one JSON object (RFC 8259) ............. 400 JSON envelope   bad-json
  otherwise ....................................... 200, empty body    accepted

The Builds API (GET/PATCH [prefix]/{org}/{project}/_apis/build/builds[/{id}])
is served too, for run following (spec section 8) and the pipeline's guard;
its rules, build objects and simulated runs are tools/azure_builds.py's doc:

    emu.add_project("contoso", "Fabrikam")
    emu.add_pat("contoso", pat)                   # Build (Read): Basic auth
    emu.add_job_token("contoso", token)           # System.AccessToken: Bearer
    emu.run_plan = RunPlan("failed", queued_s=2, running_s=5)
    emu.plan_runs(NO_RUN, "succeeded,queued=1,running=1")   # the next two calls
    emu.builds()                                  # [BuildInfo, ...] as of now
    emu.builds_fault = "429,times=1,retry-after=3"

An accepted webhook call starts its planned run (tagged with the payload's
port_context.runId) before it is answered; so does one whose answer a fault
loses (drop, reset, truncated, hang), as Azure queues the run before it
answers; one a fault refuses (429, 503, 500-..., 203-html, 401, 404,
status=non-2xx) starts none.  `fault` applies to every request except the
Builds API's, which has `builds_fault` (same modes; tls-alert is `fault`'s
alone, as it strikes before any request).  Builds API answers are written
in several TLS records (`builds_writes`: the sizes of the writes, cycled;
None: one write) and, with `builds_chunked`, with Transfer-Encoding: chunked
in chunks of varied sizes (`builds_chunk_sizes`, cycled), the size lines in
either case of hex, some with a chunk extension.

The 500s carry Azure's envelope ({"$id":"1","innerException":null,"message":
...,"typeName":"...WebHookException, ...","typeKey":"WebHookException",
"errorCode":0,"eventId":3000}); the unknown-webhook message is Azure's word
for word, the others are "-like" (Azure's texts are not published).  The
envelopes of the 4xx answers name no WebHook type, so the device classes them
as http-4xx.  The api-version, Content-Type, JSON and exact-case checks are
this emulator's strictness, not seen behaviour of Azure.

Signature (verify_signature): the configured header, matched
case-insensitively; a leading "sha1=" (any case) stripped; hex of either case;
HMAC-SHA1 keyed with the secret's UTF-8 bytes over the body decoded as UTF-8
with replacement, a leading BOM dropped, re-encoded; hmac.compare_digest.  A
webhook configured without a header name (sig_header=None) is not verified.

Fault modes (`.fault = "..."` or set_fault(), at run time; the request is still
read, checked and logged: its verdict is "fault:<mode>" and `.check` holds
what the answer would otherwise have been):

  status=CODE       CODE with an empty body            [,retry-after=V]
  429               Azure's rate-limit answer (RequestBlockedException
                    envelope, X-RateLimit-* headers), Retry-After 1 unless given
  503               HTML "Service Unavailable", Retry-After only when given
  500-plain         500 with IIS's HTML page (no envelope)
  500-json          500 with a JSON envelope that is not a WebHookException
  203-html          203 with an HTML sign-in page
  drop              reads the request, then closes TCP without a word (no close_notify)
  reset             reads the request, then resets the TCP connection (RST)
  truncated         sends the first half of the answer's head, then close_notify
  tls-alert         answers the ClientHello with a fatal handshake_failure alert
                    (no request is read or logged; counts towards times=)
  hang              reads the request and never answers
  slow-headers      the normal answer, status line and headers dribbled in
                    CHUNK-byte TLS records DELAY s apart  [,chunk=4][,delay=0.02]
  big-record        200 with a 16384-byte text body written in one TLS record
  chunked           200 with a chunked (Transfer-Encoding) JSON body
  401               Azure's 401 for an expired PAT (AccessCheckException envelope)
  404               Azure's 404 for an unknown project (TF200016 envelope)
  close-after       the normal answer without "Connection: close", then
                    close_notify and close
  stray             the normal answer (kept alive), then 1 s later an
                    unsolicited "HTTP/1.1 200 OK" on the idle connection, as
                    a confused server or proxy might: whatever comes next on
                    that connection must not take it for its answer
  408-idle          the normal answer (kept alive), then 1 s later an
                    unsolicited 408 Request Timeout with Connection: close,
                    close_notify and close, as proxies do to idle connections
  linger            the normal answer with "Connection: close", after which
                    the server never closes: the client's close_notify and
                    FIN are acknowledged (by the kernel) and left unanswered
                    until the emulator stops, as a half-dead peer or a
                    middlebox does, so the client's side stays in FIN_WAIT
  none              no fault

  Every mode takes `,times=N` (applies to the next N requests, then none).
  Retry-After V: seconds, "date+N" (an HTTP date N s after the answer), or
  any other text sent as it is (an HTTP date, or garbage); it must come last.

TLS: TLS 1.2 and 1.3, ECDHE suites with AES-GCM and CBC (Azure's list);
`tls_versions("1.2"|"1.3"|"both")` gives the min_version/max_version pair
that offers one or both.  A ClientHello without SNI is refused (Azure
requires SNI; `require_sni=False` turns that off, e.g. for a device told an
IP address, which sends none), and so is one that asks for
max_fragment_length, which Azure does not honour (`refuse_mfl=False`): a
device relying on it would pass here and fail there.

Records: OpenSSL writes plaintext records of up to 16384 bytes, so the
Certificate message goes out in one record, as Azure's does.  `max_record=N`
(512..16384; `--max-record 512`) caps every record the server sends at N
bytes of plaintext, as `openssl s_server -max_send_frag N` does, so a
Certificate message spans many records (the client must reassemble it).
Python's ssl has no API for it: the SSL_CTX is reached through ctypes and
SSL_CTX_set_max_send_fragment is called in the libssl that Python's _ssl
module loaded; the context is checked to be the one Python holds (their
options agree) and a handshake in memory checks that the cap took effect.
Anything missing raises (MaxRecordUnavailable) rather than serving
full-size records silently.

Resumption: `tickets=True` (default) issues session tickets (TLS 1.2
SessionTicket, two TLS 1.3 NewSessionTickets); `tickets=False` sets
OP_NO_TICKET and num_tickets=0, so TLS 1.3 cannot resume at all and TLS 1.2
resumes by session id (OpenSSL's server cache).  `resumption=False` makes
a fresh SSL context (new ticket keys, empty cache) for every connection, so
any session a client offers is declined and the handshake is a full one,
as behind a load balancer whose servers share no ticket keys.  Changing any
TLS setting (configure_tls, set_certificate) makes a new context too:
sessions issued before are declined.

Every TCP connection is recorded in `.connections` (ConnectionInfo: the
ClientHello seen, with the SNI and whether it offered a session, handshake
result, TLS version and suite, whether the session was resumed, bytes of
application data received), so a test can prove that no HTTP byte reached
the server after the device refused a certificate, or that a second
connection resumed.

Command line (foreground, Ctrl-C or SIGTERM stops it; one line per request):
    python3 tools/webhook_emulator.py --cert chain.pem --key leaf.key --port 8443 \\
        --webhook org/name=secret [--sig-header X-Port-Signature] [--fault 503] \\
        [--tls 1.2|1.3|both] [--max-record 512] [--no-tickets] [--no-resumption]
"""

import argparse
import ctypes
import dataclasses
import email.utils
import hashlib
import hmac
import http
import ipaddress
import json
import re
import selectors
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid

import azure_builds
from azure_builds import NO_RUN, RunPlan  # noqa: F401 (for the emulator's users)

LOOPBACK = "127.0.0.1"
API_VERSION = "6.0-preview"
SIG_HEADER = "X-Port-Signature"
ROUTE = "/_apis/public/distributedtask/webhooks/"
MAX_BODY = 5 * 1024 * 1024          # "Bodies up to 5 MiB are read."
MAX_HEAD = 16 * 1024                # HTTP.sys's default MaxRequestBytes
BIG_RECORD = 16384                  # the largest TLS plaintext record (2^14)
# Builds API answers: the sizes of the writes (one TLS record each), cycled,
# so that every answer of a few KB spans records of very different sizes;
# and the sizes of the chunks of a chunked answer.
BUILDS_WRITES = (1200, 3, 4096, 517, 16384)
BUILDS_CHUNK_SIZES = (1, 700, 4000, 13, 1500, 2)

# Azure's TLS 1.2 suites (ECDHE only, AES-GCM first, then CBC).  TLS 1.3
# suites are OpenSSL's defaults (Python cannot set them).
CIPHERS = ":".join([
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA256",
])

# Versions offered: tls_versions() turns a name into (minimum, maximum).
TLS_VERSIONS = {"1.2": (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2),
                "1.3": (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3),
                "both": (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)}


def tls_versions(name):
    """"1.2", "1.3" or "both" -> (min_version, max_version) for WebhookEmulator."""
    try:
        return TLS_VERSIONS[str(name)]
    except KeyError:
        raise ValueError(f"TLS versions {name!r}: say 1.2, 1.3 or both") from None


MAX_RECORD_MIN = 512                # OpenSSL's smallest max_send_fragment

WEBHOOK_EXCEPTION = ("Microsoft.TeamFoundation.DistributedTask.WebApi.WebHookException, "
                     "Microsoft.TeamFoundation.DistributedTask.WebApi")

VERDICTS = ("accepted", "bad-signature", "missing-signature", "empty-body", "unknown-webhook",
            "bad-request", "bad-host", "not-found", "bad-method", "bad-api-version",
            "length-required", "too-large", "bad-content-type", "bad-json",
            # the Builds API (tools/azure_builds.py)
            "builds-listed", "build-read", "build-cancelled", "unauthorized", "forbidden",
            "project-not-found", "build-not-found", "bad-query")


# ---------------------------------------------------------------------------
# The signature, as Azure checks it

def hmac_sha1_hex(key, message):
    """Lower-case hex HMAC-SHA1 of `message` (bytes) keyed with `key` (str:
    its UTF-8 bytes, or bytes)."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(bytes(key), bytes(message), hashlib.sha1).hexdigest()


def azure_signed_bytes(body):
    """The bytes Azure hashes: the body read as UTF-8 text (invalid sequences
    replaced by U+FFFD), a leading byte order mark dropped, re-encoded."""
    text = bytes(body).decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.encode("utf-8")


def azure_signature(secret, body):
    """The signature Azure expects for `body`, as 40 lower-case hex digits.
    Equal to hmac_sha1_hex(secret, body) for valid UTF-8 without a BOM."""
    return hmac_sha1_hex(secret, azure_signed_bytes(body))


_HEX = re.compile(r"[0-9A-Fa-f]*")


def parse_signature(value):
    """A signature header's value -> the digest bytes, or None when it is not
    hex: surrounding white space trimmed (HTTP does that), a leading "sha1="
    of any case stripped, the rest hex of either case."""
    v = value.strip(" \t")
    if v[:5].lower() == "sha1=":
        v = v[5:]
    if len(v) % 2 or not _HEX.fullmatch(v):
        return None
    return bytes.fromhex(v)


def verify_signature(secret, body, header_value):
    """True when `header_value` is a valid signature of `body` for `secret`,
    checked as Azure does (constant-time comparison)."""
    got = parse_signature(header_value)
    if got is None:
        return False
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    expected = hmac.new(bytes(secret), azure_signed_bytes(body), hashlib.sha1).digest()
    return hmac.compare_digest(expected, got)


# ---------------------------------------------------------------------------
# Error envelopes

def error_envelope(message, type_name, type_key, error_code=0, event_id=3000):
    """Azure DevOps's JSON error envelope, compact, in Azure's member order."""
    return json.dumps({"$id": "1", "innerException": None, "message": message,
                       "typeName": type_name, "typeKey": type_key,
                       "errorCode": error_code, "eventId": event_id},
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def webhook_envelope(message):
    return error_envelope(message, WEBHOOK_EXCEPTION, "WebHookException")


def unknown_webhook_body(name):
    """Azure's answer for an unknown webhook, word for word."""
    return webhook_envelope(f"Cannot find webhook for the given webHookId {name}. "
                            "Try enabling CD trigger for this artifact.")


def _vss(type_key, namespace="Microsoft.VisualStudio.Services.WebApi"):
    return f"{namespace}.{type_key}, {namespace}"


# ---------------------------------------------------------------------------
# Fault modes

FAULT_MODES = ("status", "429", "503", "500-plain", "500-json", "203-html", "drop", "reset", "truncated",
               "tls-alert", "hang", "slow-headers", "big-record", "chunked", "close-after", "linger", "stray", "408-idle", "401", "404")
# Faults after which Azure has still queued the run: the request reached it,
# only the answer was lost or slowed (or is a 2xx anyway).
_RUN_STARTS = ("drop", "reset", "truncated", "hang", "slow-headers", "big-record", "chunked",
               "close-after", "linger", "stray", "408-idle")


@dataclasses.dataclass(frozen=True)
class Fault:
    mode: str
    status: int = None
    retry_after: str = None
    times: int = None
    chunk: int = 4
    delay: float = 0.02
    spec: str = ""

    @property
    def name(self):
        return f"status={self.status}" if self.mode == "status" else self.mode


def parse_fault(spec):
    """"503,retry-after=5,times=1" -> Fault, "none"/""/None -> None.
    Raises ValueError with a readable message."""
    if spec is None or isinstance(spec, Fault):
        return spec
    text = str(spec).strip()
    if text in ("", "none"):
        return None
    retry_after = None
    head, sep, tail = text.partition(",retry-after=")
    if sep:
        retry_after = tail
        if not retry_after or any(c in retry_after for c in "\r\n"):
            raise ValueError(f"fault {text!r}: bad retry-after value")
    parts = head.split(",")
    mode, status = parts[0].strip(), None
    if mode.startswith("status="):
        try:
            status = int(mode[7:])
        except ValueError:
            raise ValueError(f"fault {text!r}: status=CODE needs a number") from None
        if not 200 <= status <= 599:
            raise ValueError(f"fault {text!r}: status must be 200..599")
        mode = "status"
    if mode not in FAULT_MODES:
        raise ValueError(f"fault {text!r}: unknown mode {mode!r} "
                         f"(known: status=CODE, {', '.join(FAULT_MODES[1:])}, none)")
    if retry_after is not None and mode not in ("status", "429", "503"):
        raise ValueError(f"fault {text!r}: retry-after goes with status=, 429 and 503 only")
    kw = {}
    for p in parts[1:]:
        k, sep, v = p.strip().partition("=")
        try:
            if k == "times" and sep:
                kw["times"] = int(v)
                if kw["times"] < 1:
                    raise ValueError
            elif k == "chunk" and sep and mode == "slow-headers":
                kw["chunk"] = int(v)
                if kw["chunk"] < 1:
                    raise ValueError
            elif k == "delay" and sep and mode == "slow-headers":
                kw["delay"] = float(v)
                if not 0 <= kw["delay"] <= 60:
                    raise ValueError
            else:
                raise KeyError
        except KeyError:
            raise ValueError(f"fault {text!r}: unknown option {p!r}") from None
        except ValueError:
            raise ValueError(f"fault {text!r}: bad value in {p!r}") from None
    if mode == "429" and retry_after is None:
        retry_after = "1"
    return Fault(mode=mode, status=status, retry_after=retry_after, spec=text, **kw)


def _retry_after_value(v):
    m = re.fullmatch(r"date([+-]\d+)", v)
    if m:
        return email.utils.formatdate(time.time() + int(m.group(1)), usegmt=True)
    return v


# ---------------------------------------------------------------------------
# Logs

@dataclasses.dataclass
class Request:
    """One HTTP request as received, and what was answered."""
    conn_id: int
    peer: tuple
    time: float
    method: str
    target: str                 # the request target as sent (path and query)
    path: str
    query: list                 # [(name, value), ...] as parsed (strict)
    version: str                # "HTTP/1.1"
    headers: list               # [(name, value), ...] in order, as sent
    body: bytes                 # raw body bytes
    verdict: str = None         # one of VERDICTS, or "fault:<mode>"
    check: str = None           # the verdict the checks gave (same as verdict without a fault)
    status: int = None          # the status answered; None: no answer (drop, hang)
    json: object = None         # the parsed body when check == "accepted"
    org: str = None
    webhook: str = None
    detail: str = ""            # why, in words
    route: str = None           # "builds" for the Builds API, else None
    project: str = None         # Builds API: the project as the path names it
    build_id: int = None        # Builds API: the build in the path; webhook: the run it started
    auth: str = None            # Builds API: the Authorization scheme ("basic", "bearer")

    def header(self, name, default=None):
        """The first value of header `name` (case-insensitive)."""
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_values(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclasses.dataclass
class ConnectionInfo:
    """One accepted TCP connection."""
    id: int
    peer: tuple
    accepted_at: float
    client_hello: bool = False      # a TLS ClientHello arrived (parsed from the raw bytes)
    sni: str = None                 # server_name the client sent
    mfl: int = None                 # max_fragment_length code the client asked for (1..4)
    offered_versions: tuple = ()    # TLS versions offered, e.g. ("TLSv1.2",)
    offered_session: str = None     # "psk" (TLS 1.3 pre_shared_key), "ticket" (TLS 1.2
                                    # SessionTicket with a ticket) or None; a TLS 1.2
                                    # session id cannot be told from a random one
    handshake: str = "pending"      # "pending", "ok" or "failed"
    tls_version: str = None
    resumed: bool = False           # the handshake resumed a session (no certificate was sent)
    cipher: str = None
    session_reused: bool = None     # after the handshake: a resumed session (no Certificate sent)
    tls_error: str = None
    app_bytes: int = 0              # application data (HTTP) bytes received after the handshake
    requests: int = 0
    closed_at: float = None
    close_reason: str = None

    @property
    def handshake_ok(self):
        return self.handshake == "ok"

    @property
    def http_bytes(self):
        return self.app_bytes

    @property
    def closed(self):
        return self.closed_at is not None


class _Webhook:
    __slots__ = ("org", "name", "secret", "sig_header")

    def __init__(self, org, name, secret, sig_header):
        self.org, self.name = org, name
        self.secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        self.sig_header = sig_header

    def __repr__(self):  # never the secret
        return f"<webhook {self.org}/{self.name} sig_header={self.sig_header!r}>"


_DEFAULT = object()


class _Closed(Exception):
    """The client went away in the middle of a request."""


class _BadRequest(Exception):
    def __init__(self, status, detail, verdict="bad-request"):
        super().__init__(detail)
        self.status, self.detail, self.verdict = status, detail, verdict


# ---------------------------------------------------------------------------
# Record size: OpenSSL's max_send_fragment, which Python's ssl does not expose

class MaxRecordUnavailable(RuntimeError):
    """max_record cannot be applied here: serving full-size records instead
    would make a test pass for the wrong reason."""


_SSL_CTRL_SET_MAX_SEND_FRAGMENT = 52     # openssl/ssl.h
_SSL_CTRL_SET_GROUPS_LIST = 92
_libssl = None


def _loaded_libssl():
    """The libssl that Python's _ssl module is linked with (already in this
    process: importing ssl loaded it), as a ctypes library."""
    global _libssl
    if _libssl is None:
        path = None
        try:
            with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
                for line in f:
                    m = re.search(r"\s(/\S*/libssl\.so[.\d]*)$", line.rstrip("\n"))
                    if m:
                        path = m.group(1)
                        break
        except OSError as e:
            raise MaxRecordUnavailable(f"cannot read /proc/self/maps to find libssl: {e}") from None
        if path is None:
            raise MaxRecordUnavailable("Python's ssl module has no libssl.so loaded in this process")
        try:
            lib = ctypes.CDLL(path)
            ctrl, get_options = lib.SSL_CTX_ctrl, lib.SSL_CTX_get_options
        except (OSError, AttributeError) as e:
            raise MaxRecordUnavailable(f"{path}: {e}") from None
        ctrl.restype, ctrl.argtypes = ctypes.c_long, [ctypes.c_void_p, ctypes.c_int, ctypes.c_long,
                                                      ctypes.c_void_p]
        get_options.restype, get_options.argtypes = ctypes.c_uint64, [ctypes.c_void_p]
        _libssl = lib
    return _libssl


def _ssl_ctx_pointer(ctx):
    """The SSL_CTX behind the ssl.SSLContext `ctx`.  CPython's PySSLContext
    is PyObject_HEAD followed by the SSL_CTX pointer; the pointer found there
    is used only once OpenSSL reads the same options from it as Python does.
    Raises MaxRecordUnavailable when any of that does not hold."""
    lib = _loaded_libssl()
    if not isinstance(ctx, ssl.SSLContext) or type(ctx).__basicsize__ < object.__basicsize__ + ctypes.sizeof(
            ctypes.c_void_p):
        raise MaxRecordUnavailable("not an ssl.SSLContext with an SSL_CTX pointer after its object header")
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not ptr:
        raise MaxRecordUnavailable("no SSL_CTX pointer where CPython keeps it")
    # Two distinct option sets, each read back through the pointer: a wrong
    # pointer cannot match both by chance.
    saved = ctx.options
    try:
        for flip in (ssl.OP_NO_COMPRESSION, 0):
            ctx.options = saved ^ flip
            if lib.SSL_CTX_get_options(ptr) != int(ctx.options):
                raise MaxRecordUnavailable("the pointer after the object header is not this context's SSL_CTX "
                                           "(CPython's PySSLContext layout changed?)")
    finally:
        ctx.options = saved
    return lib, ptr


def set_max_send_fragment(ctx, size):
    """Caps the plaintext of every record sent on connections made from the
    ssl.SSLContext `ctx` at `size` bytes (OpenSSL's
    SSL_CTX_set_max_send_fragment; 512..16384)."""
    if not MAX_RECORD_MIN <= int(size) <= BIG_RECORD:
        raise ValueError(f"max_record {size}: OpenSSL takes {MAX_RECORD_MIN}..{BIG_RECORD}")
    lib, ptr = _ssl_ctx_pointer(ctx)
    if lib.SSL_CTX_ctrl(ptr, _SSL_CTRL_SET_MAX_SEND_FRAGMENT, int(size), None) != 1:
        raise MaxRecordUnavailable(f"SSL_CTX_set_max_send_fragment({size}) refused")


def set_groups(ctx, groups):
    """The key exchange groups the server accepts, in its order of
    preference, as OpenSSL names them ("P-256:P-384" is Azure Front Door's
    pair; OpenSSL's default also has X25519).  A TLS 1.3 client whose key
    share is for another group then gets a HelloRetryRequest."""
    lib, ptr = _ssl_ctx_pointer(ctx)
    if lib.SSL_CTX_ctrl(ptr, _SSL_CTRL_SET_GROUPS_LIST, 0, ctypes.c_char_p(groups.encode())) != 1:
        raise MaxRecordUnavailable(f"SSL_CTX_set1_groups_list({groups!r}) refused")


def server_flight_records(ctx, server_hostname="dev.azure.com"):
    """Runs a handshake in memory against the server context `ctx` with an
    unverifying client and returns the records the server sent as
    [(content type, length)]: how a server built from `ctx` frames its
    first flight (ServerHello to Finished, tickets included)."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    cli = client.wrap_bio(c_in, c_out, server_hostname=server_hostname)
    srv = ctx.wrap_bio(s_in, s_out, server_side=True)
    raw = bytearray()
    done = [False, False]
    for _ in range(20):
        for i, (obj, out, peer_in) in enumerate(((cli, c_out, s_in), (srv, s_out, c_in))):
            if not done[i]:
                try:
                    obj.do_handshake()
                    done[i] = True
                except ssl.SSLWantReadError:
                    pass
            data = out.read()
            if obj is srv:
                raw += data
            peer_in.write(data)
        if all(done):
            break
    try:
        cli.read(1)                       # takes the TLS 1.3 tickets the server wrote
    except ssl.SSLWantReadError:
        pass
    raw += s_out.read()
    records, pos = [], 0
    while pos + 5 <= len(raw):
        n = int.from_bytes(raw[pos + 3:pos + 5], "big")
        records.append((raw[pos], n))
        pos += 5 + n
    return records


# ---------------------------------------------------------------------------
# ClientHello parsing (from the raw bytes, before OpenSSL sees them)

_TLS_NAMES = {0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}


def parse_client_hello(handshake):
    """A ClientHello handshake message (type, 3-byte length, body) -> dict
    with "sni", "mfl", "versions", "ciphers", "extensions", "session" (what
    it offers to resume: "psk", "ticket" or None).  Raises ValueError."""
    if len(handshake) < 4 or handshake[0] != 1:
        raise ValueError("not a ClientHello")
    body = handshake[4:4 + int.from_bytes(handshake[1:4], "big")]
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(body):
            raise ValueError("ClientHello truncated")
        pos += n
        return body[pos - n:pos]

    legacy = int.from_bytes(take(2), "big")
    take(32)
    take(take(1)[0])
    cs = take(int.from_bytes(take(2), "big"))
    take(take(1)[0])
    out = {"sni": None, "mfl": None, "versions": (legacy,), "extensions": [], "session": None,
           "ciphers": [int.from_bytes(cs[i:i + 2], "big") for i in range(0, len(cs) - 1, 2)]}
    if pos == len(body):
        return out
    exts = take(int.from_bytes(take(2), "big"))
    i = 0
    while i + 4 <= len(exts):
        etype, elen = struct.unpack_from("!HH", exts, i)
        data = exts[i + 4:i + 4 + elen]
        i += 4 + elen
        out["extensions"].append(etype)
        if etype == 0 and len(data) >= 5 and data[2] == 0:      # server_name, host_name
            n = int.from_bytes(data[3:5], "big")
            out["sni"] = data[5:5 + n].decode("ascii", "replace")
        elif etype == 1 and len(data) == 1:                      # max_fragment_length
            out["mfl"] = data[0]
        elif etype == 43 and data:                               # supported_versions
            out["versions"] = tuple(int.from_bytes(data[1 + j:3 + j], "big")
                                    for j in range(0, data[0] - 1, 2))
        elif etype == 35 and data and out["session"] is None:    # session_ticket, not empty
            out["session"] = "ticket"
        elif etype == 41:                                        # pre_shared_key (TLS 1.3)
            out["session"] = "psk"
    return out


# ---------------------------------------------------------------------------
# HTTP pieces

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^ ]+) HTTP/(\d)\.(\d)")
_ORG = re.compile(r"[A-Za-z0-9._-]{1,64}")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

_P3P = ('CP="CAO DSP COR ADMa DEV CONo TELo CUR PSA PSD TAI IVDo OUR SAMi BUS DEM NAV STA '
        'UNI COM INT PHY ONL FIN PUR LOC CNT"')

_SIGN_IN_PAGE = b"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>Azure DevOps Services | Sign In</title>
<link rel="stylesheet" href="https://cdn.vsassets.io/v/M230_20231012.1/_content/SignIn.css" />
</head>
<body class="signin">
<div class="container">
  <div class="header"><span class="logo">Azure DevOps</span></div>
  <div class="content">
    <h1>Sign in</h1>
    <p>You need to sign in to continue to Azure DevOps.</p>
    <form method="post" action="/_signin?realm=dev.azure.com&amp;reply_to=https%3A%2F%2Fdev.azure.com%2F">
      <input type="hidden" name="protocol" value="wsfederation" />
      <input type="hidden" name="force" value="1" />
      <button type="submit" id="signin-button">Sign in with a Microsoft account</button>
    </form>
    <p class="small">Emulated by pipebutton's webhook emulator: Azure DevOps answers some
    unauthenticated calls with 203 and this page.</p>
  </div>
</div>
</body>
</html>
"""

_IIS_500 = (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
            b'<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n'
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\r\n'
            b'<title>500 - Internal server error.</title>\r\n</head>\r\n<body>\r\n'
            b'<div id="header"><h1>Server Error</h1></div>\r\n<div id="content">\r\n'
            b' <div class="content-container"><fieldset>\r\n'
            b'  <h2>500 - Internal server error.</h2>\r\n'
            b'  <h3>There is a problem with the resource you are looking for, and it cannot be '
            b'displayed.</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n')

_HTTPSYS_503 = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
                b'<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n'
                b'<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
                b'<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is '
                b'unavailable.</p>\r\n</BODY></HTML>\r\n')


def _httpsys_400(text):
    return (f'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
            f'<HTML><HEAD><TITLE>{text}</TITLE>\r\n'
            f'<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
            f'<BODY><h2>{text}</h2>\r\n<hr><p>HTTP Error 400. The request is badly formed.</p>\r\n'
            f'</BODY></HTML>\r\n').encode("ascii")


def _big_record_body():
    line = b"pipebutton big-record filler: one full 16384-byte TLS record.\n"
    return (line * (BIG_RECORD // len(line) + 1))[:BIG_RECORD]


class _Answer:
    """A response to send: status, headers, body, and how to send it."""

    def __init__(self, status, body=b"", content_type=None, headers=(), reason=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers)
        self.reason = reason
        self.chunks = None          # body as chunked transfer-encoding pieces
        self.chunk_style = "pb"     # "pb": `%x;pb=1` size lines; "varied": see _encode_chunks
        self.writes = None          # sizes of the writes (TLS records), cycled; None: one write

    @classmethod
    def json(cls, status, body, headers=()):
        return cls(status, body, "application/json; charset=utf-8", headers)


class _Reader:
    """Buffered reads of HTTP from a TLS socket, counting application bytes."""

    def __init__(self, sock, count, idle_timeout, request_timeout):
        self.sock = sock
        self.buf = bytearray()
        self.count = count
        self.idle_timeout = idle_timeout
        self.request_timeout = request_timeout
        self.close_notify = False   # the client ended with a TLS close_notify

    def _fill(self):
        self.sock.settimeout(self.request_timeout if self.buf else self.idle_timeout)
        try:
            data = self.sock.recv(65536)
            # (ragged EOFs are not suppressed: b"" is a close_notify)
            self.close_notify = not data
        except ssl.SSLZeroReturnError:
            self.close_notify = True
            data = b""
        except ssl.SSLEOFError:
            data = b""
        if data:
            self.count(len(data))
            self.buf += data
        return data

    def read_head(self):
        """The request line and headers (up to the blank line), or None when
        the client closed cleanly between requests."""
        while True:
            while self.buf[:2] == b"\r\n":          # RFC 9112: empty lines before a request
                del self.buf[:2]
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                if end + 4 > MAX_HEAD:
                    raise _BadRequest(400, "request line and headers over 16 KB")
                head = bytes(self.buf[:end + 4])
                del self.buf[:end + 4]
                return head
            if len(self.buf) > MAX_HEAD:
                raise _BadRequest(400, "request line and headers over 16 KB")
            if not self._fill():
                if self.buf:
                    raise _Closed("connection closed inside the request headers")
                return None

    def read(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise _Closed(f"connection closed after {len(self.buf)} of {n} body bytes")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data


# ---------------------------------------------------------------------------
# The server

class WebhookEmulator:
    """Azure DevOps incoming webhooks over HTTPS on a loopback address.

    webhooks: {(org, name): secret} where secret is str (its UTF-8 bytes) or
    bytes, or {"secret": ..., "sig_header": ...} to give that webhook its own
    header name (None: no verification).  sig_header: the header name of
    webhooks that do not give one (None: no verification).  path_prefix:
    e.g. "/tfs" for Azure DevOps Server (then `org` is the collection).
    api_version, path_prefix, expect_host and fault may be changed while it
    runs; add_webhook/remove_webhook too; set_certificate() swaps the
    certificate for later connections.

    The Builds API (tools/azure_builds.py): projects [(org, name), ...],
    pats {org: pat or [pats]}, job_tokens {org: token}, run_plan (RunPlan
    or its text), clock (for the simulated runs; time.monotonic by default),
    on_run(BuildInfo) when a webhook call starts a run.  The methods below
    add and change them at run time; `builds_api` is the BuildsApi itself.

    start() binds in the caller's thread, so a busy port raises there and
    `.port` is known as soon as it returns."""

    name = "webhook"

    def __init__(self, certfile, keyfile=None, port=0, host=LOOPBACK, webhooks=None,
                 sig_header=SIG_HEADER, api_version=API_VERSION, path_prefix="", fault=None,
                 expect_host=None, require_sni=True, refuse_mfl=True, ciphers=CIPHERS,
                 min_version=ssl.TLSVersion.TLSv1_2, max_version=ssl.TLSVersion.TLSv1_3,
                 max_record=None, tickets=True, resumption=True, groups=None,
                 idle_timeout=120.0, request_timeout=30.0, handshake_timeout=30.0,
                 on_request=None, on_connection=None, verbose=False, lan=False,
                 projects=(), pats=None, job_tokens=None, run_plan=None, clock=None, on_run=None):
        addr = ipaddress.ip_address(host)
        lan_ok = lan and addr.version == 4 and not (addr.is_unspecified or addr.is_multicast or
                                                    addr == ipaddress.IPv4Address("255.255.255.255"))
        if not lan_ok and (addr.version != 4 or not addr.is_loopback):
            raise ValueError(f"{self.name} emulator: {host} is not a 127.0.0.0/8 address; "
                             "test servers listen on loopback only" +
                             (" (or one unicast IPv4 address with lan=True)" if lan else ""))
        self.host = str(addr)
        self.requested_port = int(port)
        self.port = None
        self.sig_header = sig_header
        self.api_version = api_version
        self.path_prefix = path_prefix
        self.expect_host = expect_host
        self.require_sni = require_sni
        self.refuse_mfl = refuse_mfl
        self.idle_timeout = idle_timeout
        self.request_timeout = request_timeout
        self.handshake_timeout = handshake_timeout
        self.on_request = on_request
        self.on_connection = on_connection
        self.verbose = verbose
        self.errors = []            # exceptions raised while serving (bugs)
        self._ciphers = ciphers
        self._tls = {"min_version": min_version, "max_version": max_version, "max_record": max_record,
                     "tickets": bool(tickets), "resumption": bool(resumption), "groups": groups}
        self._checked_caps = set()  # max_record values seen to take effect
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._hooks = {}
        for (org, name), value in (webhooks or {}).items():
            if isinstance(value, dict):
                self.add_webhook(org, name, value["secret"], value.get("sig_header", _DEFAULT))
            else:
                self.add_webhook(org, name, value)
        self._fault = None
        self._fault_left = None
        self.fault = fault
        self._bfault = None
        self._bfault_left = None
        self.builds_api = azure_builds.BuildsApi(clock=clock)
        self.builds_chunked = False
        self.builds_writes = BUILDS_WRITES
        self.builds_chunk_sizes = BUILDS_CHUNK_SIZES
        self.on_run = on_run
        for org, name in projects:
            self.add_project(org, name)
        for org, values in (pats or {}).items():
            for pat in [values] if isinstance(values, str) else values:
                self.add_pat(org, pat)
        for org, token in (job_tokens or {}).items():
            self.add_job_token(org, token)
        self.run_plan = run_plan
        self._cert = (certfile, keyfile)
        self._ctx = self._make_context(certfile, keyfile)
        self._requests = []
        self._conns = []
        self._live = {}             # conn id -> socket being served
        self._threads = set()
        self._next_id = 1
        self._sock = None
        self._thread = None
        self._wake_r = self._wake_w = None
        self._stop_evt = threading.Event()

    # -- configuration -------------------------------------------------------

    def _make_context(self, certfile, keyfile, tls=None):
        tls = tls or self._tls
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version, ctx.maximum_version = tls["min_version"], tls["max_version"]
        ctx.set_ciphers(self._ciphers)
        # The client's order of cipher suites and signature algorithms wins
        # (one switch covers both; Python turns it on by default).
        ctx.options |= ssl.OP_NO_COMPRESSION
        ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        ctx.options |= getattr(ssl, "OP_NO_RENEGOTIATION", 0)
        ctx.load_cert_chain(certfile, keyfile)
        if not tls["tickets"]:
            ctx.options |= ssl.OP_NO_TICKET
            ctx.num_tickets = 0
        # Record size: OpenSSL writes plaintext records of up to 16384 bytes
        # (its max_send_fragment default), so the Certificate handshake
        # message (leaf of 2.5 KB + issuing CA, about 4 KB) goes out in ONE
        # record, as Azure's does, unless max_record lowers it (then it
        # spans many, as behind some front ends).  A client asking for
        # max_fragment_length is refused before OpenSSL sees it
        # (refuse_mfl), because OpenSSL would honour it and Azure does not.
        if tls["groups"] is not None:
            set_groups(ctx, tls["groups"])
        cap = tls["max_record"]
        if cap is not None:
            set_max_send_fragment(ctx, cap)
            if cap not in self._checked_caps:
                self._check_max_record(ctx, cap)
                self._checked_caps.add(cap)
        ctx.sni_callback = self._on_sni
        return ctx

    @staticmethod
    def _check_max_record(ctx, cap):
        """A handshake in memory: every record the server sends holds at
        most `cap` bytes of plaintext (plus at most 24 of AEAD: TLS 1.2 GCM's
        nonce and tag; TLS 1.3's is 17), and the flight was big enough to
        show it."""
        records = server_flight_records(ctx)
        longest, total = max(n for _, n in records), sum(n for _, n in records)
        if longest > cap + 24 or total <= cap + 24:
            raise MaxRecordUnavailable(f"max_record={cap} did not take effect: the server's first flight was "
                                       f"{total} bytes in records of up to {longest}")

    def set_certificate(self, certfile, keyfile=None):
        """Serves another certificate chain from the next connection on."""
        ctx = self._make_context(certfile, keyfile)
        with self._lock:
            self._cert = (certfile, keyfile)
            self._ctx = ctx

    def configure_tls(self, **changes):
        """Changes TLS settings for the next connections: versions (a name of
        tls_versions()), min_version, max_version, max_record (None: 16384),
        tickets, resumption.  A new context: sessions issued before are
        declined from now on."""
        tls = dict(self._tls)
        if "versions" in changes:
            tls["min_version"], tls["max_version"] = tls_versions(changes.pop("versions"))
        for k, v in changes.items():
            if k not in tls:
                raise TypeError(f"configure_tls: unknown setting {k!r}")
            tls[k] = bool(v) if k in ("tickets", "resumption") else v
        ctx = self._make_context(*self._cert, tls=tls)
        with self._lock:
            self._tls = tls
            self._ctx = ctx

    @property
    def tls_settings(self):
        """The TLS settings in force: min_version, max_version, max_record,
        tickets, resumption."""
        with self._lock:
            return dict(self._tls)

    def add_webhook(self, org, name, secret, sig_header=_DEFAULT):
        if sig_header is _DEFAULT:
            sig_header = self.sig_header
        hook = _Webhook(org, name, secret, sig_header)
        with self._lock:
            self._hooks[(org, name)] = hook

    def remove_webhook(self, org, name):
        with self._lock:
            self._hooks.pop((org, name), None)

    @property
    def webhooks(self):
        """[(org, name, sig_header), ...]: the configured webhooks, no secrets."""
        with self._lock:
            return [(h.org, h.name, h.sig_header) for h in self._hooks.values()]

    @property
    def fault(self):
        """The current Fault (None: no fault).  Assign a spec string, a Fault or None."""
        with self._lock:
            return self._fault

    @fault.setter
    def fault(self, spec):
        self.set_fault(spec)

    def set_fault(self, spec, times=None):
        """Sets the fault mode (see the module's doc), for the next `times`
        requests (default: the spec's times=, else until changed)."""
        f = parse_fault(spec)
        if times is not None and f is not None:
            f = dataclasses.replace(f, times=int(times))
        with self._lock:
            self._fault = f
            self._fault_left = f.times if f is not None else None

    def _take_fault(self):
        with self._lock:
            f = self._fault
            if f is not None and self._fault_left is not None:
                self._fault_left -= 1
                if self._fault_left <= 0:
                    self._fault, self._fault_left = None, None
            return f

    @property
    def builds_fault(self):
        """The fault of Builds API requests (None: none).  Assign as `fault`."""
        with self._lock:
            return self._bfault

    @builds_fault.setter
    def builds_fault(self, spec):
        self.set_builds_fault(spec)

    def set_builds_fault(self, spec, times=None):
        """As set_fault, for the Builds API's requests only (tls-alert is
        refused: it strikes before a request shows where it goes)."""
        f = parse_fault(spec)
        if f is not None and f.mode == "tls-alert":
            raise ValueError("tls-alert strikes before any request: use `fault`")
        if times is not None and f is not None:
            f = dataclasses.replace(f, times=int(times))
        with self._lock:
            self._bfault = f
            self._bfault_left = f.times if f is not None else None

    def _take_builds_fault(self):
        with self._lock:
            f = self._bfault
            if f is not None and self._bfault_left is not None:
                self._bfault_left -= 1
                if self._bfault_left <= 0:
                    self._bfault, self._bfault_left = None, None
            return f

    # -- the Builds API (tools/azure_builds.py) ----------------------------------

    def add_project(self, org, name, project_id=None):
        """Adds a project; returns its id."""
        return self.builds_api.add_project(org, name, project_id)

    def project_id(self, org, name):
        return self.builds_api.project_id(org, name)

    def add_pat(self, org, pat):
        """A PAT of scope Build (Read) for `org` (Basic auth, GET only)."""
        self.builds_api.add_pat(org, pat)

    def revoke_pat(self, org, pat):
        """The PAT now gets Azure's 401 for an expired token."""
        self.builds_api.revoke_pat(org, pat)

    def add_job_token(self, org, token, stop_builds=False):
        """A job access token (Bearer); stop_builds: it may cancel builds."""
        self.builds_api.add_job_token(org, token, stop_builds)

    @property
    def run_plan(self):
        """The RunPlan of every accepted webhook call (None: no runs)."""
        return self.builds_api.run_plan

    @run_plan.setter
    def run_plan(self, plan):
        if plan is not None and not isinstance(plan, RunPlan):
            plan = RunPlan.parse(plan)
        self.builds_api.run_plan = plan

    def plan_runs(self, *plans):
        """Plans for the next accepted webhook calls, one each, before
        run_plan applies again."""
        self.builds_api.plan_runs(*plans)

    def add_build(self, org, project, tags=(), **kw):
        """A build that no webhook call started (azure_builds.BuildsApi.add_build)."""
        return self.builds_api.add_build(org, project, tags, **kw)

    def set_build(self, build_id, status=None, result=None):
        self.builds_api.set_build(build_id, status, result)

    def builds(self, org=None, project=None):
        """[BuildInfo, ...] as the API shows them now, oldest first."""
        return self.builds_api.builds(org, project)

    def build(self, build_id):
        return self.builds_api.build(build_id)

    @property
    def builds_order(self):
        """"shuffled" (members in a new order in every answer) or "azure"."""
        return self.builds_api.order

    @builds_order.setter
    def builds_order(self, order):
        if order not in ("shuffled", "azure"):
            raise ValueError('builds_order is "shuffled" or "azure"')
        self.builds_api.order = order

    @property
    def builds_requests(self):
        """The Builds API's part of the request log."""
        with self._lock:
            return [r for r in self._requests if r.route == "builds"]

    def wait_for_builds_requests(self, count=1, timeout=10.0):
        """True once at least `count` Builds API requests are logged."""
        return self._wait(lambda: sum(r.route == "builds" for r in self._requests) >= count, timeout)

    def builds_url(self, org, project, host=None, **query):
        """The list URL of a project's builds on this emulator."""
        q = urllib.parse.urlencode({"api-version": "7.1", **query}, safe="$,")
        return (f"https://{host or self.host}:{self.port}{self.path_prefix}/{org}/"
                f"{urllib.parse.quote(project)}/_apis/build/builds?{q}")

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        if self._thread is not None:
            raise RuntimeError(f"{self.name} emulator already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
            sock.listen(64)
        except OSError as e:
            sock.close()
            raise OSError(e.errno, f"{self.name} emulator: cannot listen on "
                                   f"{self.host}:{self.requested_port}: {e.strerror}") from None
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._stop_evt.clear()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"{self.name}-emulator-{self.port}")
        self._thread.start()
        return self

    def stop(self):
        """Stops accepting, closes every connection (a hung answer too) and
        waits for the threads.  Safe to call more than once."""
        thread = self._thread
        if thread is None:
            return
        self._stop_evt.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        thread.join(timeout=5)
        with self._lock:
            live = list(self._live.values())
            threads = list(self._threads)
        for s in live:
            _shutdown(s)
        for t in threads:
            t.join(timeout=5)
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
    def running(self):
        """Between start() and stop()."""
        return self._thread is not None

    @property
    def address(self):
        return (self.host, self.port)

    def url(self, org, name, host=None):
        """The webhook's URL on this emulator (host defaults to the address)."""
        return (f"https://{host or self.host}:{self.port}{self.path_prefix}/{org}{ROUTE}{name}"
                f"?api-version={self.api_version}")

    # -- logs --------------------------------------------------------------

    @property
    def requests(self):
        """A copy of the request log (Request objects, oldest first)."""
        with self._lock:
            return list(self._requests)

    @property
    def connections(self):
        """Snapshots of every accepted connection (ConnectionInfo, oldest first)."""
        with self._lock:
            return [dataclasses.replace(c) for c in self._conns]

    @property
    def tcp_accepts(self):
        with self._lock:
            return len(self._conns)

    @property
    def handshakes(self):
        """Completed TLS handshakes."""
        with self._lock:
            return sum(c.handshake == "ok" for c in self._conns)

    @property
    def connections_without_http_bytes(self):
        """Connections that carried not one byte of application data (the
        handshake failed, was refused by the client, or nothing was sent)."""
        with self._lock:
            return sum(c.app_bytes == 0 for c in self._conns)

    @property
    def http_bytes(self):
        """Application-data bytes received over all connections."""
        with self._lock:
            return sum(c.app_bytes for c in self._conns)

    def clear(self):
        """Forgets the logs (connections still open stay counted)."""
        with self._lock:
            self._requests.clear()
            self._conns[:] = [c for c in self._conns if c.closed_at is None]
            self.errors.clear()

    def _wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_for_requests(self, count=1, timeout=10.0):
        """True once at least `count` requests are logged, False on timeout."""
        return self._wait(lambda: len(self._requests) >= count, timeout)

    def wait_for_connections(self, count=1, timeout=10.0):
        """True once at least `count` TCP connections were accepted."""
        return self._wait(lambda: len(self._conns) >= count, timeout)

    def wait_handshakes_settled(self, timeout=10.0):
        """True once no accepted connection is still in its TLS handshake."""
        return self._wait(lambda: all(c.handshake != "pending" for c in self._conns), timeout)

    def wait_idle(self, timeout=10.0):
        """True once every accepted connection is closed."""
        return self._wait(lambda: all(c.closed_at is not None for c in self._conns), timeout)

    def _update(self, info, **kw):
        with self._cond:
            for k, v in kw.items():
                setattr(info, k, v)
            self._cond.notify_all()

    def _say(self, msg):
        if self.verbose:
            print(f"{self.name}: {msg}", flush=True)

    # -- accepting -----------------------------------------------------------

    def _accept_loop(self):
        sel = selectors.DefaultSelector()
        sel.register(self._sock, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stop_evt.is_set():
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        return
                    self._accept()
        finally:
            sel.close()

    def _accept(self):
        while True:
            try:
                conn, peer = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            conn.setblocking(True)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                info = ConnectionInfo(id=self._next_id, peer=peer, accepted_at=time.time())
                self._next_id += 1
                self._conns.append(info)
                self._live[info.id] = conn
                t = threading.Thread(target=self._serve_connection, args=(conn, info), daemon=True,
                                     name=f"{self.name}-conn-{info.id}")
                self._threads.add(t)
                self._cond.notify_all()
            t.start()

    def _serve_connection(self, conn, info):
        reason = "closed"
        try:
            tls = self._handshake(conn, info)
            if tls is None:
                reason = info.tls_error or "no TLS"
                return
            conn = tls
            reason = self._serve_http(tls, info)
        except Exception as e:  # a bug here must not kill the server
            with self._lock:
                self.errors.append(e)
            reason = f"error: {e!r}"
            self._say(f"connection {info.id}: {e!r}")
        finally:
            with self._lock:
                self._live.pop(info.id, None)
            try:
                conn.close()
            except OSError:
                pass
            self._update(info, closed_at=time.time(), close_reason=reason)
            cb = self.on_connection
            if cb is not None:
                try:
                    cb(dataclasses.replace(info))
                except Exception as e:
                    with self._lock:
                        self.errors.append(e)
            # last: stop() joins the threads it still sees, so a connection
            # is recorded closed before stop() can return without it
            with self._lock:
                self._threads.discard(threading.current_thread())

    # -- TLS -----------------------------------------------------------------

    def _peek_hello(self, conn, info):
        """Reads (without consuming) the ClientHello from the raw socket and
        records what it offers.  Returns the parsed hello or None."""
        deadline = time.monotonic() + self.handshake_timeout
        conn.settimeout(self.handshake_timeout)
        while True:
            data = conn.recv(65536, socket.MSG_PEEK)
            if not data:
                raise ConnectionError("closed before sending a ClientHello")
            if data[0] != 0x16:
                raise ssl.SSLError(f"not a TLS handshake record (first byte 0x{data[0]:02x})")
            # Gather handshake-record payloads until the ClientHello is complete.
            payload, pos = bytearray(), 0
            while pos + 5 <= len(data) and data[pos] == 0x16:
                n = int.from_bytes(data[pos + 3:pos + 5], "big")
                if pos + 5 + n > len(data):
                    break
                payload += data[pos + 5:pos + 5 + n]
                pos += 5 + n
            if len(payload) >= 4 and len(payload) >= 4 + int.from_bytes(payload[1:4], "big"):
                hello = parse_client_hello(bytes(payload))
                versions = tuple(_TLS_NAMES.get(v, hex(v)) for v in hello["versions"])
                self._update(info, client_hello=True, sni=hello["sni"], mfl=hello["mfl"],
                             offered_versions=versions, offered_session=hello["session"])
                return hello
            if len(data) >= 65536 or time.monotonic() > deadline:
                return None
            time.sleep(0.005)

    def _handshake(self, conn, info):
        try:
            hello = self._peek_hello(conn, info)
            with self._lock:
                alert = self._fault is not None and self._fault.mode == "tls-alert"
            if alert:
                self._take_fault()
                _refuse_hello(conn)
                raise ssl.SSLError("fault tls-alert: answered the ClientHello with handshake_failure")
            if hello is not None and hello["mfl"] and self.refuse_mfl:
                _refuse_hello(conn)
                raise ssl.SSLError(f"client asked for max_fragment_length code {hello['mfl']}: "
                                   "refused (Azure does not honour it; take 16 KB records)")
            with self._lock:
                ctx, fresh, cert = self._ctx, not self._tls["resumption"], self._cert
            if fresh:
                # nothing shared with earlier connections: no ticket key, no cache
                ctx = self._make_context(*cert)
            tls = ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False,
                                  suppress_ragged_eofs=False)
            with self._lock:
                self._live[info.id] = tls
            tls.pb_info = info
            tls.settimeout(self.handshake_timeout)
            tls.do_handshake()
        except (ssl.SSLError, OSError) as e:
            if isinstance(e, socket.timeout):
                msg = "timed out waiting for the TLS handshake"
            elif isinstance(e, ssl.SSLError):
                msg = str(getattr(e, "reason", None) or (e.args[1] if len(e.args) > 1 else e))
            else:
                msg = f"{type(e).__name__}: {e}"
            if not info.client_hello and not isinstance(e, ssl.SSLError):
                msg = f"no ClientHello: {msg}"
            self._update(info, handshake="failed", tls_error=info.tls_error or msg)
            self._say(f"connection {info.id} from {info.peer[0]}:{info.peer[1]}: TLS failed: "
                      f"{info.tls_error}")
            return None
        cipher = tls.cipher()
        self._update(info, handshake="ok", tls_version=tls.version(),
                     cipher=cipher[0] if cipher else None, session_reused=tls.session_reused)
        return tls

    def _on_sni(self, sslsock, server_name, ctx):
        info = getattr(sslsock, "pb_info", None)
        if info is not None:
            self._update(info, sni=server_name)
        if server_name is None and self.require_sni:
            if info is not None:
                self._update(info, tls_error="no SNI in the ClientHello: refused (Azure requires SNI)")
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
        return None

    # -- HTTP ----------------------------------------------------------------

    def _serve_http(self, tls, info):
        def count(n):
            with self._lock:
                info.app_bytes += n

        reader = _Reader(tls, count, self.idle_timeout, self.request_timeout)
        while not self._stop_evt.is_set():
            try:
                head = reader.read_head()
            except socket.timeout:
                return "idle timeout" if not reader.buf else "timed out inside a request"
            except _Closed as e:
                return str(e)
            except _BadRequest as e:
                # logged before the answer goes out, so a test that has read
                # the answer finds the entry
                self._log_bad(info, e, reader)
                self._send_answer(tls, self._bad_request_answer(e), close=True)
                return e.detail
            except (ssl.SSLError, OSError) as e:
                return f"read failed: {e}"
            if head is None:
                if reader.close_notify:
                    # answered in kind, as OpenSSL-based servers do; a
                    # connection that ends without one (truncation) loses
                    # its session from OpenSSL's cache, so TLS 1.2 session
                    # ids resume only after a clean close
                    _close_notify(tls)
                return "client closed"
            try:
                req, answer, keep = self._handle(head, reader, tls, info)
            except _Closed as e:
                return str(e)
            except socket.timeout:
                return "timed out inside a request"
            except (ssl.SSLError, OSError) as e:
                return f"read failed: {e}"
            with self._lock:
                info.requests += 1
            how = self._deliver(tls, req, answer, keep)
            if how is not None:
                return how
        return "emulator stopped"

    def _log_bad(self, info, e, reader):
        req = Request(conn_id=info.id, peer=info.peer, time=time.time(), method="", target="",
                      path="", query=[], version="", headers=[], body=b"", verdict=e.verdict,
                      check=e.verdict, status=e.status, detail=e.detail)
        self._log(req)

    def _log(self, req):
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()
        cb = self.on_request
        if cb is not None:
            try:
                cb(req)
            except Exception as e:
                with self._lock:
                    self.errors.append(e)

    def _bad_request_answer(self, e):
        if e.status == 400:
            return _Answer(400, _httpsys_400("Bad Request"), "text/html; charset=us-ascii")
        return _Answer(e.status, b"", None)

    def _handle(self, head, reader, tls, info):
        """Parses one request, reads its body and decides the answer.
        Returns (Request, _Answer, keep_alive)."""
        now = time.time()
        req = Request(conn_id=info.id, peer=info.peer, time=now, method="", target="", path="",
                      query=[], version="", headers=[], body=b"")
        try:
            self._parse_head(head, req)
            length = self._body_length(req)
            if length and any(v.strip().lower() == "100-continue"
                              for v in req.header_values("Expect")):
                tls.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            req.body = reader.read(length) if length else b""
            check, answer = self._check(req)
        except _BadRequest as e:
            req.verdict = req.check = e.verdict
            req.detail = e.detail
            answer = (self._bad_request_answer(e) if e.verdict == "bad-request"
                      else self._envelope_answer(e.status, e.verdict, e.detail, req))
            req.status = answer.status
            return req, answer, False
        req.check = req.verdict = check
        keep = req.version == "HTTP/1.1" and not any(
            "close" in [t.strip().lower() for t in v.split(",")]
            for v in req.header_values("Connection"))
        if check == "length-required":
            keep = False
        req.status = answer.status
        return req, answer, keep

    def _parse_head(self, head, req):
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:  # latin-1 decodes every byte; kept for clarity
            raise _BadRequest(400, "undecodable request head") from None
        lines = text[:-4].split("\r\n")
        if any("\n" in ln or "\r" in ln for ln in lines):
            raise _BadRequest(400, "bare CR or LF in the request head")
        m = _REQUEST_LINE.fullmatch(lines[0])
        if not m:
            raise _BadRequest(400, f"bad request line {lines[0][:80]!r}")
        req.method, req.target = m.group(1), m.group(2)
        req.version = f"HTTP/{m.group(3)}.{m.group(4)}"
        for ln in lines[1:]:
            if ln[:1] in (" ", "\t"):
                raise _BadRequest(400, "obsolete header line folding")
            name, sep, value = ln.partition(":")
            if not sep or not _TOKEN.fullmatch(name):
                raise _BadRequest(400, f"bad header line {ln[:80]!r}")
            req.headers.append((name, value.strip(" \t")))
        if req.version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _BadRequest(505, f"{req.version} is not supported")
        split = urllib.parse.urlsplit(req.target)
        if not req.target.startswith("/") or split.fragment:
            raise _BadRequest(400, f"bad request target {req.target[:80]!r}")
        req.path = split.path
        try:
            req.query = urllib.parse.parse_qsl(split.query, keep_blank_values=True,
                                               strict_parsing=bool(split.query))
        except ValueError:
            raise _BadRequest(400, f"bad query string {split.query[:80]!r}") from None

    def _body_length(self, req):
        if req.header_values("Transfer-Encoding"):
            raise _BadRequest(411, "chunked request bodies are not emulated: send Content-Length",
                              "length-required")
        lengths = req.header_values("Content-Length")
        if not lengths:
            return 0
        if len(set(lengths)) != 1 or not lengths[0].isdigit() or not lengths[0].isascii():
            raise _BadRequest(400, f"bad Content-Length {lengths!r}")
        n = int(lengths[0])
        if n > MAX_BODY:
            raise _BadRequest(413, f"body of {n} bytes is over 5 MiB", "too-large")
        return n

    def _envelope_answer(self, status, verdict, detail, req):
        keys = {404: "RouteNotFoundException", 405: "MethodNotAllowedException",
                411: "LengthRequiredException", 413: "RequestEntityTooLargeException",
                415: "UnsupportedMediaTypeException", 400: "InvalidRequestException"}
        key = keys.get(status, "VssServiceException")
        return _Answer.json(status, error_envelope(detail, _vss(key), key))

    def _check(self, req):
        """Applies Azure's checks in order.  Returns (verdict, _Answer)."""
        host = req.header_values("Host")
        if req.version == "HTTP/1.1" and len(host) != 1:
            return "bad-request", _Answer(400, _httpsys_400("Bad Request"),
                                          "text/html; charset=us-ascii")
        if self.expect_host is not None and (not host or host[0].lower() != self.expect_host.lower()):
            req.detail = f"Host {host[0] if host else None!r} is not {self.expect_host!r}"
            return "bad-host", _Answer(400, _httpsys_400("Bad Request - Invalid Hostname"),
                                       "text/html; charset=us-ascii")
        route = azure_builds.match_route(req.path, self.path_prefix or "")
        if route is not None:
            return self._check_builds(req, route, host[0] if host else self.host)
        # The route.
        prefix = self.path_prefix or ""
        rest = req.path[len(prefix):] if req.path.startswith(prefix + "/") else None
        org = name = None
        if rest is not None:
            org, sep, tail = rest[1:].partition("/")
            if sep and tail.startswith(ROUTE[1:]):
                name = tail[len(ROUTE) - 1:]
        if not (org and name and _ORG.fullmatch(org) and _NAME.fullmatch(name)):
            req.detail = f"no route for {req.path[:120]!r}"
            return "not-found", self._envelope_answer(
                404, "not-found", f"The resource {req.path[:200]} cannot be found.", req)
        req.org, req.webhook = org, name
        if req.method != "POST":
            req.detail = f"method {req.method}"
            a = self._envelope_answer(405, "bad-method",
                                      f"The requested resource does not support http method "
                                      f"'{req.method}'.", req)
            a.headers.append(("Allow", "POST"))
            return "bad-method", a
        versions = [v for k, v in req.query if k == "api-version"]
        if len(versions) != 1 or versions[0] != self.api_version:
            if not versions:
                msg = ('No api-version was supplied for the "POST" request. The version must be '
                       'supplied either as part of the Accept header (e.g. "application/json; '
                       'api-version=1.0") or as a query parameter (e.g. \'?api-version=1.0\').')
                key = "VssVersionNotSpecifiedException"
            else:
                msg = (f"The requested REST API version of {','.join(versions)} is not the one "
                       f"this server accepts for this route: {self.api_version}.")
                key = "VssVersionOutOfRangeException"
            req.detail = f"api-version {versions!r}, want {self.api_version!r}"
            return "bad-api-version", _Answer.json(400, error_envelope(msg, _vss(key), key))
        if not req.header_values("Content-Length"):
            req.detail = "POST without Content-Length"
            return "length-required", self._envelope_answer(
                411, "length-required", "A POST request needs a Content-Length header.", req)
        # The webhook and its signature.
        with self._lock:
            hook = self._hooks.get((org, name))
        if hook is None:
            req.detail = f"no webhook {org}/{name}"
            return "unknown-webhook", _Answer.json(500, unknown_webhook_body(name))
        if hook.sig_header is not None:
            values = req.header_values(hook.sig_header)
            if not values:
                req.detail = f"no {hook.sig_header} header"
                return "missing-signature", _Answer.json(500, webhook_envelope(
                    f"RequiredHeaderSignatureNotFound: the request has no '{hook.sig_header}' "
                    f"header with the payload signature that webhook {name} requires."))
        if not req.body:
            req.detail = "empty body"
            return "empty-body", _Answer.json(500, webhook_envelope(
                f"The payload of the request to webhook {name} is empty."))
        if hook.sig_header is not None:
            value = ", ".join(values)
            if not verify_signature(hook.secret, req.body, value):
                req.detail = f"{hook.sig_header}: {value[:60]!r} does not match the payload"
                return "bad-signature", _Answer.json(500, webhook_envelope(
                    f"PayloadSignatureMismatch: the signature in header '{hook.sig_header}' "
                    f"does not match the payload of webhook {name}."))
        else:
            req.detail = "signature not checked: the webhook has no header name"
        ctype = req.header("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            req.detail = f"Content-Type {ctype!r}"
            return "bad-content-type", self._envelope_answer(
                415, "bad-content-type",
                f"The request entity's media type '{ctype}' is not supported: "
                "send application/json.", req)
        try:
            doc = json.loads(azure_signed_bytes(req.body).decode("utf-8"),
                             parse_constant=_no_constants)
            if not isinstance(doc, dict):
                raise ValueError("the body is not a JSON object")
        except ValueError as e:
            req.detail = f"bad JSON: {e}"
            return "bad-json", self._envelope_answer(
                400, "bad-json", f"The payload is not a JSON object: {e}", req)
        req.json = doc
        return "accepted", _Answer(200)

    def _check_builds(self, req, route, host):
        req.route = "builds"
        a = self.builds_api.handle(req.method, route, req.query, req.headers, req.body, host=host)
        req.org, req.project = a.facts.get("org"), a.facts.get("project")
        req.build_id, req.auth = a.facts.get("build_id"), a.facts.get("auth")
        req.detail = a.detail
        answer = _Answer(a.status, a.body, "application/json; charset=utf-8; api-version=7.1", a.headers)
        if a.status == 200 and self.builds_chunked:
            sizes, body, pos, i = self.builds_chunk_sizes, a.body, 0, 0
            answer.chunks, answer.chunk_style = [], "varied"
            while pos < len(body):
                n = sizes[i % len(sizes)]
                answer.chunks.append(body[pos:pos + n])
                pos, i = pos + n, i + 1
        answer.writes = self.builds_writes
        return a.verdict, answer

    # -- answering -------------------------------------------------------------

    def _headers(self, answer, close):
        rid = uuid.uuid4()
        h = [("Cache-Control", "no-cache"), ("Pragma", "no-cache")]
        if answer.chunks is not None:
            h.append(("Transfer-Encoding", "chunked"))
        else:
            h.append(("Content-Length", str(len(answer.body))))
        if answer.content_type:
            h.append(("Content-Type", answer.content_type))
        h += [("Expires", "-1"), ("P3P", _P3P),
              ("X-TFS-ProcessId", str(uuid.uuid4())),
              ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
              ("ActivityId", str(rid)), ("X-TFS-Session", str(rid)), ("X-VSS-E2EID", str(rid)),
              ("X-VSS-SenderDeploymentId", "e8c4a8a6-5b3c-4f7e-9a1d-7c0b2f6d1e55"),
              ("X-Frame-Options", "SAMEORIGIN"),
              ("Request-Context", "appId=cid-v1:a1b2c3d4-0000-4000-8000-000000000000"),
              ("Access-Control-Expose-Headers", "Request-Context"),
              ("X-Content-Type-Options", "nosniff")]
        if answer.status >= 400 and answer.content_type and "json" in answer.content_type:
            try:
                msg = json.loads(answer.body)["message"]
                h.append(("X-TFS-ServiceError", urllib.parse.quote(msg[:256])))
            except (ValueError, KeyError, TypeError):
                pass
        h += answer.headers
        h += [("X-Cache", "CONFIG_NOCACHE"),
              ("X-MSEdge-Ref", f"Ref A: {uuid.uuid4().hex[:32].upper()} Ref B: PB1EDGE0101 "
                               f"Ref C: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}"),
              ("Date", email.utils.formatdate(usegmt=True))]
        if close:
            h.append(("Connection", "close"))
        return h

    def _head_bytes(self, answer, close):
        try:
            reason = answer.reason or http.HTTPStatus(answer.status).phrase
        except ValueError:
            reason = "Status"
        lines = [f"HTTP/1.1 {answer.status} {reason}"]
        lines += [f"{k}: {v}" for k, v in self._headers(answer, close)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send_answer(self, tls, answer, close):
        try:
            tls.sendall(self._head_bytes(answer, close) + answer.body)
        except (ssl.SSLError, OSError):
            pass

    def _fault_answer(self, fault, normal, req=None):
        ra = []
        if fault.retry_after is not None:
            ra = [("Retry-After", _retry_after_value(fault.retry_after))]
        if fault.mode == "status":
            return _Answer(fault.status, b"", None, ra)
        if fault.mode == "429":
            msg = ("TF400733: The request has been canceled: Request was blocked due to exceeding "
                   "usage of resource 'Concurrency' in namespace 'User'. For more information on "
                   "why your request was blocked, see the topic \"Rate limits\" on the Microsoft "
                   "Web site (https://go.microsoft.com/fwlink/?LinkId=823950).")
            key = "RequestBlockedException"
            return _Answer.json(429, error_envelope(
                msg, f"Microsoft.TeamFoundation.Framework.Server.{key}, "
                     "Microsoft.TeamFoundation.Framework.Server", key),
                ra + [("X-RateLimit-Resource", "Concurrency"), ("X-RateLimit-Delay", "1.5"),
                      ("X-RateLimit-Limit", "200"), ("X-RateLimit-Remaining", "0"),
                      ("X-RateLimit-Reset", str(int(time.time()) + 300))])
        if fault.mode == "503":
            return _Answer(503, _HTTPSYS_503, "text/html; charset=us-ascii", ra)
        if fault.mode == "500-plain":
            return _Answer(500, _IIS_500, "text/html")
        if fault.mode == "500-json":
            return _Answer.json(500, error_envelope(
                "VS800075: The deployment is unavailable. Please try again later.",
                _vss("VssServiceException", "Microsoft.VisualStudio.Services.Common"),
                "VssServiceException"))
        if fault.mode == "203-html":
            return _Answer(203, _SIGN_IN_PAGE, "text/html; charset=utf-8")
        if fault.mode == "401":
            return _Answer.json(401, azure_builds.expired_pat_body(), azure_builds.WWW_AUTHENTICATE)
        if fault.mode == "404":
            project = (req.project if req is not None and req.project else None) or "(none)"
            return _Answer.json(404, azure_builds.project_not_found_body(project))
        if fault.mode == "big-record":
            return _Answer(200, _big_record_body(), "text/plain; charset=utf-8")
        if fault.mode == "chunked":
            a = _Answer(200, b"", "application/json; charset=utf-8")
            a.chunks = [b'{"queued":', b'true,"note":"chunked ', b'answer from the emulator"}']
            return a
        return normal            # slow-headers, close-after, drop, hang

    def _deliver(self, tls, req, answer, keep):
        """Logs the request and sends its answer (as the fault says).
        Returns None to go on serving the connection, or why it ends."""
        fault = None
        if req.check not in ("bad-request", "too-large"):
            fault = self._take_builds_fault() if req.route == "builds" else self._take_fault()
        if fault is not None:
            req.verdict = f"fault:{fault.name}"
            answer = self._fault_answer(fault, answer, req)
            req.status = None if fault.mode in ("drop", "reset", "truncated", "hang") else answer.status
        run = None
        if req.check == "accepted" and (fault is None or fault.mode in _RUN_STARTS or
                                        (fault.mode == "status" and 200 <= fault.status < 300)):
            # before the answer: a device that got its 200 finds the build
            run = self.builds_api.start_run(req.org, req.webhook, req.json)
            req.build_id = run.id if run is not None else None
        self._log(req)
        if run is not None and self.on_run is not None:
            try:
                self.on_run(run)
            except Exception as e:
                with self._lock:
                    self.errors.append(e)
        self._say(f"{req.method} {req.target[:120]} -> {req.status} {req.verdict}"
                  f"{' (' + req.detail + ')' if req.detail else ''}")
        mode = fault.mode if fault is not None else None
        try:
            if mode == "drop":
                return "fault drop: closed without answering"
            if mode == "reset":
                _reset(tls)
                return "fault reset: connection reset"
            if mode == "truncated":
                head = self._head_bytes(answer, False)
                tls.sendall(head[:len(head) // 2])
                _close_notify(tls)
                return "fault truncated: closed half-way through the head"
            if mode == "hang":
                return self._hang(tls)
            close = not keep or mode == "linger"
            if mode == "slow-headers":
                head = self._head_bytes(answer, close)
                for i in range(0, len(head), fault.chunk):
                    if i and self._stop_evt.wait(fault.delay):
                        return "emulator stopped"
                    tls.sendall(head[i:i + fault.chunk])
                rest = (_encode_chunks(answer.chunks, answer.chunk_style) if answer.chunks is not None
                        else answer.body)
                if rest:
                    tls.sendall(rest)
            elif mode == "big-record":
                tls.sendall(self._head_bytes(answer, close))
                # One write of 16384 bytes: one full-size TLS record.
                tls.sendall(answer.body)
            elif answer.chunks is not None:
                data = _encode_chunks(answer.chunks, answer.chunk_style)
                _write(tls, self._head_bytes(answer, close) + data, answer.writes)
            else:
                _write(tls, self._head_bytes(answer, close) + answer.body, answer.writes)
            if mode == "close-after":
                _close_notify(tls)
                return "fault close-after: closed after answering"
            if mode == "linger":
                self._stop_evt.wait()
                return "fault linger: held open until the emulator stopped"
            if mode in ("stray", "408-idle") and keep:
                if self._stop_evt.wait(1.0):
                    return "emulator stopped"
                if mode == "stray":
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    return None
                tls.sendall(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                _close_notify(tls)
                return "fault 408-idle: closed the idle connection"
        except (ssl.SSLError, OSError) as e:
            return f"send failed: {e}"
        if not keep:
            _close_notify(tls)
            return "Connection: close"
        return None

    def _hang(self, tls):
        """Never answers: waits until the client closes or the emulator stops."""
        tls.settimeout(0.1)
        while not self._stop_evt.is_set():
            try:
                data = tls.recv(65536)
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError):
                return "fault hang: client went away"
            if not data:
                return "fault hang: client closed"
        return "fault hang: emulator stopped"


def _encode_chunks(chunks, style):
    """Chunked transfer coding of `chunks`, ending with the last chunk.
    "pb": every size line `%x;pb=1`; "varied": lower- and upper-case hex,
    every third size line with a chunk extension."""
    out = []
    for i, c in enumerate(chunks):
        if style == "pb":
            out.append(b"%x;pb=1\r\n%s\r\n" % (len(c), c))
        else:
            size = (b"%X" if i % 2 else b"%x") % len(c)
            ext = b';pb="chunk %d"' % i if i % 3 == 2 else b""
            out.append(size + ext + b"\r\n" + c + b"\r\n")
    return b"".join(out) + b"0\r\n\r\n"


def _write(tls, data, sizes):
    """Sends `data` in writes of `sizes` bytes (cycled), each a TLS record
    of its own; all at once when sizes is None."""
    if not sizes:
        tls.sendall(data)
        return
    pos = i = 0
    while pos < len(data):
        n = sizes[i % len(sizes)]
        tls.sendall(data[pos:pos + n])
        pos, i = pos + n, i + 1


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _refuse_hello(conn):
    """Answers the ClientHello (still unread) with a fatal handshake_failure
    alert and closes cleanly."""
    conn.recv(65536)            # consume the hello, so that closing sends FIN, not RST
    conn.sendall(b"\x15\x03\x03\x00\x02\x02\x28")
    conn.shutdown(socket.SHUT_WR)
    _drain_until_closed(conn)   # closing with unread bytes would send RST over the alert


def _drain_until_closed(sock, timeout=2.0):
    """Reads and drops what the peer still sends until it closes (or timeout)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            if not sock.recv(65536):
                return
    except OSError:
        pass


def _reset(sock):
    """Closes with an RST: SO_LINGER on with a zero timeout."""
    try:
        socket.socket.setsockopt(sock, socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        socket.socket.close(sock)
    except (OSError, ValueError):
        pass


def _shutdown(sock):
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


def _close_notify(tls):
    """Sends TLS close_notify without waiting for the peer's."""
    try:
        tls.setblocking(False)
        tls.unwrap()
    except (ssl.SSLError, OSError, ValueError):
        pass


# ---------------------------------------------------------------------------
# Command line

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(value, limit=200):
    """Text from the network, safe to print on a terminal, on one line."""
    s = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"),
                                                        ensure_ascii=False)
    s = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", s)
    return s if len(s) <= limit else s[:limit] + "..."


def describe_request(req):
    """One line for a request: its verdict and, when accepted, the payload
    fields a pipeline reads.  Never includes a secret."""
    t = time.strftime("%H:%M:%S", time.localtime(req.time))
    if req.route == "builds":
        what = f"builds/{req.build_id}" if req.build_id is not None else "builds"
        line = (f"{t} {req.method} {_clean(req.org or '?', 64)}/{_clean(req.project or '?', 64)} {what} "
                f"-> {req.status if req.status is not None else '-'} {req.verdict}")
        tags = [v for k, v in req.query if k == "tagFilters"]
        if tags:
            line += f" tagFilters={_clean(tags[0], 80)}"
        return line + (f" ({_clean(req.detail)})" if req.detail else "")
    where = f"{req.org}/{req.webhook}" if req.webhook else _clean(req.target or "?", 80)
    line = f"{t} {req.method or '?'} {where} -> {req.status if req.status is not None else '-'} {req.verdict}"
    doc = req.json if req.check == "accepted" else None
    if isinstance(doc, dict):
        pc = doc.get("port_context") if isinstance(doc.get("port_context"), dict) else {}
        trig = pc.get("trigger") if isinstance(pc.get("trigger"), dict) else {}
        props = {k: v for k, v in doc.items() if k not in ("port_context", "device")}
        line += (f" runId={_clean(pc.get('runId'), 80)} action={_clean(pc.get('action'), 40)}"
                 f" at={_clean(trig.get('at'), 40)} props={_clean(props)}")
        if req.build_id is not None:
            line += f" build={req.build_id}"
    elif req.detail:
        line += f" ({_clean(req.detail)})"
    return line


def describe_run(info):
    """One line for a run a webhook call started."""
    return (f"run: build {info.id} ({info.number}) in {info.org}/{info.project} for "
            f"runId={_clean(info.run_id or '-', 80)}: {info.plan.describe()}")


def describe_connection(info):
    """One line for a connection that carried no request (e.g. the client
    refused the certificate), else None."""
    if info.requests:
        return None
    who = f"{info.peer[0]}:{info.peer[1]}"
    if info.handshake == "failed":
        return f"tls: {who} handshake failed: {_clean(info.tls_error or '?')} (sni={_clean(info.sni or '-')})"
    if info.handshake == "ok":
        return (f"tls: {who} {info.tls_version} {info.cipher}{' resumed' if info.session_reused else ''}: "
                f"closed with no request "
                f"({info.app_bytes} HTTP bytes; {_clean(info.close_reason or '')})")
    return f"tcp: {who} closed before a TLS handshake"


def _parse_webhook(text):
    hook, sep, secret = text.partition("=")
    org, slash, name = hook.partition("/")
    if not sep or not slash or not _ORG.fullmatch(org) or not _NAME.fullmatch(name):
        raise argparse.ArgumentTypeError("expected ORG/NAME=SECRET")
    if not secret:
        raise argparse.ArgumentTypeError("the secret is empty")
    return (org, name), secret


def _parse_project(text):
    org, slash, name = text.partition("/")
    if not slash or not _ORG.fullmatch(org) or not name:
        raise argparse.ArgumentTypeError("expected ORG/PROJECT")
    return org, name


def _parse_pat(text):
    org, sep, pat = text.partition("=")
    if not sep or not _ORG.fullmatch(org) or not pat:
        raise argparse.ArgumentTypeError("expected ORG=PAT")
    return org, pat


def _parse_runs(text):
    try:
        RunPlan.parse(text)
    except (ValueError, TypeError) as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def _parse_fault_arg(text):
    try:
        parse_fault(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Azure DevOps incoming-webhook emulator over HTTPS on loopback (foreground).")
    p.add_argument("--cert", required=True, help="PEM certificate chain (leaf first)")
    p.add_argument("--key", help="PEM private key (default: in --cert)")
    p.add_argument("--host", default=LOOPBACK, help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one, printed)")
    p.add_argument("--webhook", type=_parse_webhook, action="append", default=[],
                   metavar="ORG/NAME=SECRET", help="a webhook to accept (repeatable)")
    p.add_argument("--sig-header", default=SIG_HEADER,
                   help=f"signature header name (default {SIG_HEADER})")
    p.add_argument("--no-sig-header", action="store_true",
                   help="no header name configured: verify nothing (as Azure then does)")
    p.add_argument("--api-version", default=API_VERSION)
    p.add_argument("--path-prefix", default="", help="e.g. /tfs for Azure DevOps Server")
    p.add_argument("--expect-host", help="refuse requests whose Host header is not this")
    p.add_argument("--allow-no-sni", action="store_true", help="accept ClientHellos without SNI")
    p.add_argument("--tls", choices=sorted(TLS_VERSIONS), default="both",
                   help="TLS versions offered (default both)")
    p.add_argument("--max-record", type=int, metavar="N",
                   help=f"send records of at most N bytes of plaintext ({MAX_RECORD_MIN}..{BIG_RECORD}), "
                        "as openssl s_server -max_send_frag N")
    p.add_argument("--no-tickets", action="store_true",
                   help="issue no session tickets (TLS 1.2 then resumes by session id, TLS 1.3 not at all)")
    p.add_argument("--no-resumption", action="store_true",
                   help="decline every session a client offers (a fresh context per connection)")
    p.add_argument("--fault", type=_parse_fault_arg, default=None, help="a fault mode (see the module doc)")
    p.add_argument("--project", type=_parse_project, action="append", default=[], metavar="ORG/PROJECT",
                   help="a project whose Builds API is served (repeatable)")
    p.add_argument("--pat", type=_parse_pat, action="append", default=[], metavar="ORG=PAT",
                   help="a PAT of scope Build (Read) for the Builds API (repeatable)")
    p.add_argument("--runs", type=_parse_runs, metavar="PLAN",
                   help="the run each accepted call starts, e.g. succeeded,queued=3,running=10 "
                        "or failed,... or none (default: no runs)")
    p.add_argument("--builds-chunked", action="store_true",
                   help="answer the Builds API with Transfer-Encoding: chunked")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the first line")
    a = p.parse_args(argv)
    if a.path_prefix and not re.fullmatch(r"(/[A-Za-z0-9._-]+)+", a.path_prefix):
        p.error("--path-prefix must look like /tfs or /tfs/x")
    if a.max_record is not None and not MAX_RECORD_MIN <= a.max_record <= BIG_RECORD:
        p.error(f"--max-record must be {MAX_RECORD_MIN}..{BIG_RECORD}")
    min_version, max_version = tls_versions(a.tls)

    def on_request(req):
        if not a.quiet:
            print(describe_request(req), flush=True)

    def on_connection(info):
        line = describe_connection(info)
        if line and not a.quiet:
            print(line, flush=True)

    def on_run(info):
        if not a.quiet:
            print(describe_run(info), flush=True)

    try:
        emu = WebhookEmulator(a.cert, a.key, port=a.port, host=a.host, webhooks=dict(a.webhook),
                              sig_header=None if a.no_sig_header else a.sig_header,
                              api_version=a.api_version, path_prefix=a.path_prefix,
                              expect_host=a.expect_host, require_sni=not a.allow_no_sni,
                              min_version=min_version, max_version=max_version, max_record=a.max_record,
                              tickets=not a.no_tickets, resumption=not a.no_resumption,
                              fault=a.fault, on_request=on_request, on_connection=on_connection,
                              projects=a.project, run_plan=a.runs, on_run=on_run)
        for org, pat in a.pat:
            emu.add_pat(org, pat)
        emu.builds_chunked = a.builds_chunked
        emu.start()
    except (OSError, ValueError, ssl.SSLError, MaxRecordUnavailable) as e:
        print(f"webhook_emulator: {e}", file=sys.stderr)
        return 1

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    hooks = ", ".join(f"{o}/{n}" for o, n, _ in emu.webhooks) or "none"
    header = "none (nothing verified)" if a.no_sig_header else a.sig_header
    print(f"webhook: listening on https://{emu.host}:{emu.port}", flush=True)
    if not a.quiet:
        print(f"webhook: POST {a.path_prefix}/<org>{ROUTE}<name>?api-version={a.api_version}; "
              f"webhooks: {hooks}; signature header: {header}"
              f"{'; fault: ' + a.fault if a.fault else ''}; TLS {a.tls}"
              f"{'; records of at most %d bytes' % a.max_record if a.max_record else ''}"
              f"{'; no tickets' if a.no_tickets else ''}{'; no resumption' if a.no_resumption else ''}",
              flush=True)
        if a.project:
            print(f"webhook: Builds API GET {a.path_prefix}/<org>/<project>/_apis/build/builds?api-version=7.1; "
                  f"projects: {', '.join(o + '/' + n for o, n in a.project)}; PATs: {len(a.pat)}; "
                  f"runs: {RunPlan.parse(a.runs).describe() if a.runs else 'none'}"
                  f"{' (chunked)' if a.builds_chunked else ''}", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
