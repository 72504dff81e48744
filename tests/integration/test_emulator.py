"""The Azure DevOps webhook emulator (tools/webhook_emulator.py) and the test
PKI (tools/testpki.sh), checked with Python's own ssl and http.client on
127.0.0.1 with the test root as the trust anchor.  No QEMU, root or
namespace needed."""
import email.utils
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, assert_standard_library_only
import webhook_emulator
from webhook_emulator import (WebhookEmulator, azure_signature, azure_signed_bytes, hmac_sha1_hex,
                              parse_client_hello, parse_fault, parse_signature,
                              unknown_webhook_body, verify_signature)

ORG, HOOK, SECRET = "myorg", "port_trigger", "s3cret-Üñ"
ROUTE = "/_apis/public/distributedtask/webhooks/"
PATH = f"/{ORG}{ROUTE}{HOOK}?api-version=6.0-preview"
HOST = "dev.azure.com"
BODY = json.dumps({
    "env": "prod", "replicas": 3,
    "port_context": {"runId": "pb-525400123456-7-1", "blueprint": "", "entity": None,
                     "action": "deploy",
                     "trigger": {"by": {"orgId": ORG, "userId": "pb-525400123456"},
                                 "origin": "DEVICE", "at": "2026-03-01T10:00:00.123Z",
                                 "operation": "CREATE"}},
    "device": {"id": "pb-525400123456", "button": "select", "press": "short", "boot": 7,
               "seq": 1, "attempt": 1, "at_estimated": False},
}, separators=(",", ":")).encode()
UNKNOWN = ('{"$id":"1","innerException":null,"message":"Cannot find webhook for the given webHookId '
           '%s. Try enabling CD trigger for this artifact.","typeName":"Microsoft.TeamFoundation.'
           'DistributedTask.WebApi.WebHookException, Microsoft.TeamFoundation.DistributedTask.WebApi",'
           '"typeKey":"WebHookException","errorCode":0,"eventId":3000}')


# -- fixtures and helpers ------------------------------------------------------

@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI, made once and cached in build/testpki (a pytest temporary
    folder if build/ is not writable)."""
    out = os.path.join(ROOT, "build", "testpki")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError:
        out = str(tmp_path_factory.mktemp("testpki"))
    proc = subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), out],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return lambda name: os.path.join(out, name)


def client_ctx(pki, anchor="root.pem", tls12=False):
    ctx = ssl.create_default_context(cafile=pki(anchor))
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


@pytest.fixture
def emu(pki):
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET}) as e:
        yield e
        assert e.errors == []


class Conn(http.client.HTTPSConnection):
    """HTTPS to the emulator on 127.0.0.1, with `host` as SNI, name checked
    and Host header: what the device does, without any DNS."""

    def __init__(self, port, ctx, host=HOST, timeout=5, tls_session=None):
        super().__init__(host, port, context=ctx, timeout=timeout)
        self.tls_session = tls_session          # an ssl.SSLSession to offer

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host, session=self.tls_session)


def connect(emu, pki, **kw):
    return Conn(emu.port, client_ctx(pki, **{k: v for k, v in kw.items() if k in ("anchor", "tls12")}))


def post(conn, body=BODY, sig=None, path=PATH, headers=None, sig_header="X-Port-Signature",
         method="POST"):
    """Sends one request and returns (status, headers dict with lower-case
    names, body bytes)."""
    h = {"Content-Type": "application/json", "User-Agent": "pipebutton/test"}
    if sig_header:
        h[sig_header] = azure_signature(SECRET, body) if sig is None else sig
    h.update(headers or {})
    conn.request(method, path, body, {k: v for k, v in h.items() if v is not None})
    r = conn.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def one(emu, pki, **kw):
    conn = connect(emu, pki)
    try:
        return post(conn, **kw)
    finally:
        conn.close()


def assert_webhook_500(status, headers, body):
    assert status == 500
    assert headers["content-type"] == "application/json; charset=utf-8"
    doc = json.loads(body)
    assert list(doc) == ["$id", "innerException", "message", "typeName", "typeKey", "errorCode",
                         "eventId"]
    assert doc["typeKey"] == "WebHookException" and "WebHookException" in doc["typeName"]
    assert (doc["$id"], doc["innerException"], doc["errorCode"], doc["eventId"]) == ("1", None, 0, 3000)
    return doc


def assert_not_webhook(body):
    doc = json.loads(body)
    assert "webhook" not in (doc["typeName"] + doc["typeKey"]).lower()
    return doc


class RawTLS:
    """A TLS client over memory BIOs that keeps every byte the server sent,
    so tests can look at the TLS records themselves."""

    def __init__(self, port, ctx, server_hostname=HOST):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname=server_hostname)
        self.raw = bytearray()
        self.eof = False
        self._run(self.obj.do_handshake)

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _run(self, fn, *args):
        while True:
            try:
                result = fn(*args)
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                data = self.sock.recv(65536)
                if not data:
                    self.eof = True
                    self.inc.write_eof()
                else:
                    self.raw += data
                    self.inc.write(data)

    def send(self, data):
        self._run(self.obj.write, data)

    def read_response(self):
        """(status, headers, body) of one Content-Length response."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self._run(self.obj.read, 65536)
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        n = int(headers["content-length"])
        while len(body) < n:
            body += self._run(self.obj.read, 65536)
        return int(lines[0].split()[1]), headers, body

    def records(self):
        """[(content type, length, payload)] of the records received so far."""
        out, pos = [], 0
        while pos + 5 <= len(self.raw):
            n = int.from_bytes(self.raw[pos + 3:pos + 5], "big")
            out.append((self.raw[pos], n, bytes(self.raw[pos + 5:pos + 5 + n])))
            pos += 5 + n
        return out

    def close(self):
        self.sock.close()


def raw_request(body=BODY, sig=None, path=PATH, extra=b""):
    sig = azure_signature(SECRET, body) if sig is None else sig
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Port-Signature: {sig}\r\n").encode() + extra + b"\r\n" + body


# -- the signature, unit by unit --------------------------------------------------

@pytest.mark.parametrize("key,msg,mac", [
    ("secret", b'{"resource":{"message":{"title":"Hello, world!","subtitle":"I\'m using WebHooks!"}}}',
     "750d33212d3ad4932cc390819050734831a0a94f"),
    (b"\x0b" * 20, b"Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
    ("Jefe", b"what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
])
def test_hmac_test_vectors(key, msg, mac):
    if key == "secret":
        assert len(msg) == 83
    assert hmac_sha1_hex(key, msg) == mac
    assert azure_signature(key, msg) == mac
    for form in (mac, mac.upper(), "sha1=" + mac, "SHA1=" + mac.upper(), "Sha1=" + mac, f" {mac}\t"):
        assert verify_signature(key, msg, form), form
    for bad in ("", "sha1=", mac[:-2], mac + "00", "x" + mac[1:], mac[:10] + " " + mac[11:],
                "sha256=" + mac, "sha1=sha1=" + mac, ("0" if mac[0] != "0" else "1") + mac[1:]):
        assert not verify_signature(key, msg, bad), bad


def test_signature_normalisation():
    body = b'{"a":"\xc3\xa9"}'
    assert azure_signed_bytes(body) == body
    assert azure_signed_bytes(b"\xef\xbb\xbf" + body) == body           # a BOM is dropped
    assert azure_signed_bytes(b"\xef\xbb\xbf\xef\xbb\xbf{}") == b"\xef\xbb\xbf{}"   # only one
    assert azure_signed_bytes(b'{"a":"\xff"}') == b'{"a":"\xef\xbf\xbd"}'  # replaced by U+FFFD
    mine = hmac_sha1_hex(SECRET, b"\xef\xbb\xbf" + body)
    assert not verify_signature(SECRET, b"\xef\xbb\xbf" + body, mine)
    assert verify_signature(SECRET, b"\xef\xbb\xbf" + body, hmac_sha1_hex(SECRET, body))
    assert not verify_signature(SECRET, b"{\xff}", hmac_sha1_hex(SECRET, b"{\xff}"))
    # the key is the secret's UTF-8 bytes
    assert hmac_sha1_hex("Ü", b"x") == hmac_sha1_hex("Ü".encode("utf-8"), b"x")
    assert parse_signature("SHA1=AbCd") == b"\xab\xcd"
    assert parse_signature("abc") is None and parse_signature("zz") is None


def test_fault_specs():
    f = parse_fault("status=418")
    assert (f.mode, f.status, f.name, f.retry_after, f.times) == ("status", 418, "status=418", None, None)
    f = parse_fault("503,times=2,retry-after=Wed, 21 Oct 2015 07:28:00 GMT")
    assert (f.mode, f.times, f.retry_after) == ("503", 2, "Wed, 21 Oct 2015 07:28:00 GMT")
    assert parse_fault("429").retry_after == "1"
    f = parse_fault("slow-headers,chunk=64,delay=0.001")
    assert (f.chunk, f.delay) == (64, 0.001)
    assert parse_fault("none") is None and parse_fault("") is None and parse_fault(None) is None
    for bad in ("teapot", "status=99", "status=abc", "drop,retry-after=5", "hang,times=0",
                "big-record,chunk=3", "503,retry-after=", "429,bogus=1"):
        with pytest.raises(ValueError):
            parse_fault(bad)


def test_envelope_is_exactly_azures():
    assert unknown_webhook_body(HOOK).decode() == UNKNOWN % HOOK


# -- the PKI ---------------------------------------------------------------------

def test_pki_files_sizes_and_idempotence(pki):
    out = os.path.dirname(pki("root.pem"))
    t0 = time.monotonic()
    proc = subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), out],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.count("\n") == 1 and "up to date" in proc.stdout
    assert time.monotonic() - t0 < 2
    readme = open(pki("README.txt")).read()
    for name in ("root.pem", "intermediate.pem", "leaf.pem", "leaf.key", "chain.pem",
                 "expired-chain.pem", "notyet-chain.pem", "wronghost-chain.pem",
                 "untrusted-chain.pem", "untrusted-root.pem", "ec-root.pem", "ec-chain.pem",
                 "tfs.pem", "tfs.key", "nosan-chain.pem", "nosan-leaf.key", "ip-chain.pem", "ip-leaf.key"):
        assert os.path.getsize(pki(name)) > 0
        assert name.split("/")[0].replace(".key", "") in readme
    der = ssl.PEM_cert_to_DER_cert(open(pki("leaf.pem")).read())
    assert len(der) >= 2048
    for anchor in ("root.pem", "ec-root.pem", "tfs.pem"):   # fit the device's `ca add`
        assert len(ssl.PEM_cert_to_DER_cert(open(pki(anchor)).read())) <= 2048


@pytest.mark.parametrize("leaf,args,want", [
    ("leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem"], "OK"),
    ("ec-leaf.pem", ["-CAfile", "ec-root.pem", "-untrusted", "ec-intermediate.pem"], "OK"),
    ("tfs.pem", ["-CAfile", "tfs.pem"], "OK"),
    ("expired-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem"], "has expired"),
    ("notyet-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem"], "not yet valid"),
    ("untrusted-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "untrusted-intermediate.pem"],
     "unable to get"),
    ("wronghost-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem",
                            "-verify_hostname", "dev.azure.com"], "hostname mismatch"),
    ("leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem",
                  "-verify_hostname", "myorg.visualstudio.com"], "OK"),
    ("ip-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem", "-verify_ip", "10.0.2.2"], "OK"),
    ("leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem", "-verify_ip", "10.0.2.2"],
     "IP address mismatch"),
    # OpenSSL still matches the CN when there is no subjectAltName; the device does not (spec 5)
    ("nosan-leaf.pem", ["-CAfile", "root.pem", "-untrusted", "intermediate.pem",
                        "-verify_hostname", "dev.azure.com"], "OK"),
])
def test_pki_chains_verify_as_intended(pki, leaf, args, want):
    args = [pki(a) if a.endswith(".pem") else a for a in args]
    proc = subprocess.run(["openssl", "verify", "-purpose", "sslserver"] + args + [pki(leaf)],
                          capture_output=True, text=True)
    assert want in proc.stdout + proc.stderr


# -- accepted and rejected requests ----------------------------------------------

def test_accepted_request_is_200_with_empty_body_and_logged(emu, pki):
    status, headers, body = one(emu, pki)
    assert status == 200 and body == b"" and headers["content-length"] == "0"
    assert "content-type" not in headers and "date" in headers
    assert emu.wait_for_requests(1, timeout=2)
    r = emu.requests[0]
    assert (r.verdict, r.check, r.status, r.method, r.org, r.webhook) == \
        ("accepted", "accepted", 200, "POST", ORG, HOOK)
    assert r.target == PATH and r.path == f"/{ORG}{ROUTE}{HOOK}" and r.version == "HTTP/1.1"
    assert r.query == [("api-version", "6.0-preview")]
    assert r.body == BODY and r.json == json.loads(BODY)
    assert r.header("x-port-signature") == azure_signature(SECRET, BODY)
    assert r.header("HOST") == f"{HOST}:{emu.port}"
    assert ("User-Agent", "pipebutton/test") in r.headers


def test_wrong_signature(emu, pki):
    status, headers, body = one(emu, pki, sig=hmac_sha1_hex("other", BODY))
    doc = assert_webhook_500(status, headers, body)
    assert "X-Port-Signature" in doc["message"] and "secret" not in doc["message"].lower()
    assert emu.requests[0].verdict == "bad-signature" and emu.requests[0].json is None


def test_missing_signature(emu, pki):
    status, headers, body = one(emu, pki, sig_header=None)
    doc = assert_webhook_500(status, headers, body)
    assert "RequiredHeaderSignatureNotFound" in doc["message"]
    assert emu.requests[0].verdict == "missing-signature"


@pytest.mark.parametrize("form", ["lower", "upper", "sha1=", "SHA1=upper", "header-case"])
def test_signature_forms_accepted(emu, pki, form):
    sig = azure_signature(SECRET, BODY)
    sig_header = "X-Port-Signature"
    if "upper" in form:
        sig = sig.upper()
    if form.startswith("sha1="):
        sig = "sha1=" + sig
    elif form.startswith("SHA1="):
        sig = "SHA1=" + sig
    if form == "header-case":
        sig_header = "x-pORT-sIGNATURE"
    status, _, body = one(emu, pki, sig=sig, sig_header=sig_header)
    assert (status, body) == (200, b"")
    assert emu.requests[0].verdict == "accepted"


def test_bom_body_signed_over_its_own_bytes_is_rejected(emu, pki):
    body = b"\xef\xbb\xbf" + BODY
    status, headers, data = one(emu, pki, body=body, sig=hmac_sha1_hex(SECRET, body))
    assert_webhook_500(status, headers, data)
    assert emu.requests[0].verdict == "bad-signature" and emu.requests[0].body == body
    # Azure hashes the text without the BOM, so this one passes.
    status, _, _ = one(emu, pki, body=body, sig=hmac_sha1_hex(SECRET, BODY))
    assert status == 200 and emu.requests[1].json == json.loads(BODY)


def test_invalid_utf8_signed_over_its_own_bytes_is_rejected(emu, pki):
    body = BODY.replace(b'"prod"', b'"pr\xffd"')
    status, headers, data = one(emu, pki, body=body, sig=hmac_sha1_hex(SECRET, body))
    assert_webhook_500(status, headers, data)
    assert emu.requests[0].verdict == "bad-signature"


def test_empty_body_rejected(emu, pki):
    status, headers, data = one(emu, pki, body=b"", sig=hmac_sha1_hex(SECRET, b""))
    assert_webhook_500(status, headers, data)
    assert emu.requests[0].verdict == "empty-body"


@pytest.mark.parametrize("org,name", [(ORG, "port_triggers"), (ORG, "Port_Trigger"), ("otherorg", HOOK)])
def test_unknown_webhook_exact_envelope(emu, pki, org, name):
    status, headers, body = one(emu, pki, path=f"/{org}{ROUTE}{name}?api-version=6.0-preview")
    assert status == 500 and body.decode() == UNKNOWN % name
    assert_webhook_500(status, headers, body)
    assert emu.requests[0].verdict == "unknown-webhook"


@pytest.mark.parametrize("query", ["", "?api-version=7.1", "?api-version=6.0", "?api-version=6.0-PREVIEW",
                                   "?api-version=6.0-preview&api-version=6.0-preview",
                                   "?API-VERSION=6.0-preview"])
def test_wrong_api_version_is_400(emu, pki, query):
    status, headers, body = one(emu, pki, path=f"/{ORG}{ROUTE}{HOOK}{query}")
    assert status == 400 and headers["content-type"].startswith("application/json")
    doc = assert_not_webhook(body)
    assert doc["typeKey"].startswith("VssVersion")
    assert emu.requests[0].verdict == "bad-api-version"


def test_other_query_parameters_are_ignored(emu, pki):
    assert one(emu, pki, path=PATH + "&foo=bar")[0] == 200


@pytest.mark.parametrize("path", [f"/{ORG}{ROUTE}{HOOK}/?api-version=6.0-preview",
                                  f"/{ORG}/_apis/public/distributedtask/webhook/{HOOK}?api-version=6.0-preview",
                                  f"/{ORG}/_APIS/public/distributedtask/webhooks/{HOOK}?api-version=6.0-preview",
                                  f"/tfs/{ORG}{ROUTE}{HOOK}?api-version=6.0-preview",
                                  f"{ROUTE}{HOOK}?api-version=6.0-preview", "/"])
def test_other_paths_are_404(emu, pki, path):
    status, _, body = one(emu, pki, path=path)
    assert status == 404
    assert_not_webhook(body)
    assert emu.requests[0].verdict == "not-found"


def test_path_prefix_for_azure_devops_server(pki):
    with WebhookEmulator(pki("tfs.pem"), pki("tfs.key"), path_prefix="/tfs",
                         webhooks={("DefaultCollection", "button"): SECRET}) as e:
        conn = Conn(e.port, client_ctx(pki, anchor="tfs.pem"), host="tfs.example.test")
        ok = post(conn, path=f"/tfs/DefaultCollection{ROUTE}button?api-version=6.0-preview")
        bare = post(conn, path=f"/DefaultCollection{ROUTE}button?api-version=6.0-preview")
        conn.close()
        assert (ok[0], bare[0]) == (200, 404)
        assert e.url("DefaultCollection", "button", host="tfs.example.test") == \
            f"https://tfs.example.test:{e.port}/tfs/DefaultCollection{ROUTE}button?api-version=6.0-preview"


def test_get_is_405(emu, pki):
    status, headers, body = one(emu, pki, method="GET", body=None, sig_header=None)
    assert status == 405 and headers["allow"] == "POST"
    assert emu.requests[0].verdict == "bad-method"


def test_no_header_name_configured_verifies_nothing(pki):
    hooks = {(ORG, HOOK): SECRET, (ORG, "checked"): {"secret": SECRET, "sig_header": "X-Other"}}
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks=hooks, sig_header=None) as e:
        conn = Conn(e.port, client_ctx(pki))
        assert post(conn, sig="00" * 20)[0] == 200
        assert post(conn, sig_header=None)[0] == 200
        path = f"/{ORG}{ROUTE}checked?api-version=6.0-preview"
        assert post(conn, path=path, sig_header="X-Other")[0] == 200
        assert post(conn, path=path, sig_header="X-Other", sig="00" * 20)[0] == 500
        assert post(conn, path=path)[0] == 500          # X-Port-Signature is not its header
        conn.close()
        assert [r.verdict for r in e.requests] == ["accepted", "accepted", "accepted",
                                                   "bad-signature", "missing-signature"]


@pytest.mark.parametrize("headers,body,status,verdict", [
    ({"Content-Type": "text/plain"}, BODY, 415, "bad-content-type"),
    ({"Content-Type": None}, BODY, 415, "bad-content-type"),
    ({"Content-Type": "application/json; charset=utf-8"}, BODY, 200, "accepted"),
    ({}, b'{"a":1', 400, "bad-json"),
    ({}, b'[1,2]', 400, "bad-json"),
    ({}, b'{"a":NaN}', 400, "bad-json"),
])
def test_content_type_and_json(emu, pki, headers, body, status, verdict):
    got, _, data = one(emu, pki, body=body, headers=headers)
    assert got == status and emu.requests[0].verdict == verdict
    if status != 200:
        assert_not_webhook(data)


def test_bodies_up_to_5_mib(emu, pki):
    big = b'{"x":"' + b"a" * (5 * 1024 * 1024 - 8) + b'"}'
    assert len(big) == 5 * 1024 * 1024
    assert one(emu, pki, body=big)[0] == 200
    # One byte more: answered from the headers alone, and the connection closed.
    c = RawTLS(emu.port, client_ctx(pki))
    c.send(raw_request(body=b"")[:-2].replace(b"Content-Length: 0", b"Content-Length: 5242881")
           + b"\r\n")
    status, headers, _ = c.read_response()
    c.close()
    assert status == 413 and headers.get("connection") == "close"
    assert [r.verdict for r in emu.requests] == ["accepted", "too-large"]


def test_malformed_requests(emu, pki):
    cases = [
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400, "bad-request"),   # no Host
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 2\r\n\r\n{}", 400,
         "bad-request"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\n\r\n", 411, "length-required"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         411, "length-required"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "bad-request"),
        (b"POST  " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad-request"),
        (b"POST " + PATH.encode() + b" HTTP/2.0\r\nHost: a\r\n\r\n", 505, "bad-request"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "bad-request"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost : a\r\n\r\n", 400, "bad-request"),
        (b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 17000 + b"\r\n\r\n", 400,
         "bad-request"),
    ]
    for n, (raw, status, verdict) in enumerate(cases):
        c = RawTLS(emu.port, client_ctx(pki))
        c.send(raw)
        got, headers, _ = c.read_response()
        c.close()
        # the log entry is written by the server thread, possibly just after
        # the answer left
        assert emu.wait_for_requests(n + 1, timeout=5)
        assert (got, emu.requests[n].verdict) == (status, verdict), raw[:80]


def test_expect_host(pki):
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET},
                         expect_host="dev.azure.com") as e:
        conn = Conn(e.port, client_ctx(pki))
        assert post(conn, headers={"Host": "DEV.azure.com"})[0] == 200
        assert post(conn, headers={"Host": f"dev.azure.com:{e.port}"})[0] == 400
        conn.close()
        assert [r.verdict for r in e.requests] == ["accepted", "bad-host"]


# -- connections -----------------------------------------------------------------

def test_keep_alive_two_requests_on_one_connection(emu, pki):
    conn = connect(emu, pki)
    assert post(conn)[0] == 200
    assert post(conn, sig="00" * 20)[0] == 500          # an error answer keeps it open too
    assert post(conn)[0] == 200
    conn.close()
    assert emu.wait_idle(2)
    assert emu.tcp_accepts == 1 and emu.handshakes == 1
    assert {r.conn_id for r in emu.requests} == {emu.connections[0].id}
    c = emu.connections[0]
    assert c.requests == 3 and c.app_bytes > 3 * len(BODY) and c.close_reason == "client closed"


def test_connection_close_is_honoured(emu, pki):
    c = RawTLS(emu.port, client_ctx(pki))
    c.send(raw_request(extra=b"Connection: close\r\n"))
    status, headers, body = c.read_response()
    assert (status, headers["connection"]) == (200, "close")
    assert emu.wait_idle(2)             # the server closed it, the client did not
    assert emu.connections[0].close_reason == "Connection: close"
    c.close()


def test_pipelined_requests_and_leading_crlf(emu, pki):
    c = RawTLS(emu.port, client_ctx(pki))
    c.send(raw_request() + b"\r\n" + raw_request(sig="00" * 20))
    assert c.read_response()[0] == 200
    assert c.read_response()[0] == 500
    c.close()


def test_expect_100_continue(emu, pki):
    c = RawTLS(emu.port, client_ctx(pki))
    req = raw_request(extra=b"Expect: 100-continue\r\n")
    head, body = req[:-len(BODY)], BODY
    c.send(head)
    got = c._run(c.obj.read, 65536)
    assert got == b"HTTP/1.1 100 Continue\r\n\r\n"
    c.send(body)
    assert c.read_response()[0] == 200
    c.close()


# -- fault modes -------------------------------------------------------------------

def test_fault_status_with_retry_after_seconds_and_date(emu, pki):
    emu.fault = "status=418"
    status, headers, body = one(emu, pki)
    assert (status, body) == (418, b"") and "retry-after" not in headers
    emu.fault = "status=503,retry-after=7"
    status, headers, _ = one(emu, pki)
    assert (status, headers["retry-after"]) == (503, "7")
    emu.fault = "status=503,retry-after=date+30"
    status, headers, _ = one(emu, pki)
    when = email.utils.parsedate_to_datetime(headers["retry-after"]).timestamp()
    assert status == 503 and 25 < when - time.time() < 35
    emu.fault = "status=202,retry-after=Wed, 21 Oct 2015 07:28:00 GMT"
    status, headers, _ = one(emu, pki)
    assert (status, headers["retry-after"]) == (202, "Wed, 21 Oct 2015 07:28:00 GMT")
    r = emu.requests
    assert [x.verdict for x in r] == ["fault:status=418", "fault:status=503", "fault:status=503",
                                      "fault:status=202"]
    assert all(x.check == "accepted" and x.json is not None for x in r)


def test_fault_429_like_azure_rate_limits(emu, pki):
    emu.fault = "429"
    status, headers, body = one(emu, pki)
    assert status == 429 and headers["retry-after"] == "1"
    for h in ("x-ratelimit-resource", "x-ratelimit-delay", "x-ratelimit-limit",
              "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert h in headers
    assert assert_not_webhook(body)["typeKey"] == "RequestBlockedException"
    emu.fault = "429,retry-after=120"
    assert one(emu, pki)[1]["retry-after"] == "120"


def test_fault_503_500_plain_500_json_203(emu, pki):
    emu.fault = "503"
    status, headers, body = one(emu, pki)
    assert status == 503 and "retry-after" not in headers and b"Service Unavailable" in body
    emu.fault = "500-plain"
    status, headers, body = one(emu, pki)
    assert status == 500 and headers["content-type"] == "text/html" and b"WebHook" not in body
    emu.fault = "500-json"
    status, headers, body = one(emu, pki)
    assert status == 500 and assert_not_webhook(body)["typeKey"] == "VssServiceException"
    emu.fault = "203-html"
    status, headers, body = one(emu, pki)
    assert status == 203 and headers["content-type"].startswith("text/html") and b"Sign In" in body
    assert [r.verdict for r in emu.requests] == ["fault:503", "fault:500-plain", "fault:500-json",
                                                 "fault:203-html"]


def test_fault_times_then_back_to_normal(emu, pki):
    emu.set_fault("503", times=2)
    conn = connect(emu, pki)
    assert [post(conn)[0] for _ in range(3)] == [503, 503, 200]
    conn.close()
    assert emu.fault is None
    emu.fault = "status=500,times=1"
    assert [one(emu, pki)[0] for _ in range(2)] == [500, 200]


def test_fault_drop(emu, pki):
    emu.fault = "drop"
    with pytest.raises((http.client.RemoteDisconnected, ssl.SSLError, ConnectionError)):
        one(emu, pki)
    assert emu.wait_idle(2)
    r = emu.requests[0]
    assert (r.verdict, r.check, r.status, r.body) == ("fault:drop", "accepted", None, BODY)


def test_fault_reset(emu, pki):
    emu.fault = "reset,times=1"
    with pytest.raises((http.client.RemoteDisconnected, ssl.SSLError, ConnectionError)):
        one(emu, pki)
    assert emu.wait_idle(2)
    assert emu.requests[0].verdict == "fault:reset" and emu.requests[0].status is None
    assert one(emu, pki)[0] == 200


def test_fault_truncated_head(emu, pki):
    emu.fault = "truncated,times=1"
    c = RawTLS(emu.port, client_ctx(pki, tls12=True))
    c.send(raw_request())
    got = b""
    while True:
        try:
            chunk = c._run(c.obj.read, 65536)
        except ssl.SSLZeroReturnError:
            break
        if not chunk:
            break
        got += chunk
    c.close()
    assert got.startswith(b"HTTP/1.1 200 ") and b"\r\n\r\n" not in got  # the head never ends
    assert emu.wait_idle(2)
    assert emu.requests[0].verdict == "fault:truncated"
    assert one(emu, pki)[0] == 200


def test_fault_tls_alert_refuses_the_handshake(emu, pki):
    emu.fault = "tls-alert,times=1"
    with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE|handshake failure"):
        one(emu, pki)
    assert emu.wait_idle(2)
    assert emu.requests == [] and emu.fault is None
    assert one(emu, pki)[0] == 200


def test_fault_hang_and_stop_is_prompt(pki):
    e = WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET},
                        fault="hang").start()
    conn = Conn(e.port, client_ctx(pki), timeout=0.3)
    with pytest.raises(socket.timeout):
        post(conn)
    assert e.requests[0].verdict == "fault:hang" and e.requests[0].status is None
    t0 = time.monotonic()
    e.stop()
    assert time.monotonic() - t0 < 1.5
    assert e.connections[0].closed
    conn.close()


def test_fault_slow_headers(emu, pki):
    emu.fault = "slow-headers,chunk=64,delay=0.005"
    c = RawTLS(emu.port, client_ctx(pki, tls12=True))
    before = len(c.records())
    c.send(raw_request())
    t0 = time.monotonic()
    status, headers, body = c.read_response()
    took = time.monotonic() - t0
    c.close()
    assert (status, body) == (200, b"")
    records = [r for r in c.records()[before:] if r[0] == 23]
    assert len(records) >= 12           # about 1 KB of headers, 64 bytes per record
    assert took >= 0.05
    assert emu.requests[0].verdict == "fault:slow-headers"


@pytest.mark.parametrize("tls12", [False, True])
def test_fault_big_record_is_one_full_record(emu, pki, tls12):
    emu.fault = "big-record"
    c = RawTLS(emu.port, client_ctx(pki, tls12=tls12))
    c.send(raw_request())
    status, headers, body = c.read_response()
    c.close()
    assert status == 200 and len(body) == 16384 == int(headers["content-length"])
    sizes = [n for t, n, _ in c.records() if t == 23]
    # 16384 bytes of plaintext plus the AEAD overhead (TLS 1.3: +1 type +16 tag;
    # TLS 1.2 GCM: +8 nonce +16 tag): the body went in a single record.
    assert max(sizes) == 16384 + (24 if tls12 else 17)


def test_fault_chunked(emu, pki):
    emu.fault = "chunked"
    conn = connect(emu, pki)
    status, headers, body = post(conn)
    assert status == 200 and headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert json.loads(body) == {"queued": True, "note": "chunked answer from the emulator"}
    emu.fault = None
    assert post(conn)[0] == 200             # the connection is still in step
    conn.close()


def test_fault_close_after(emu, pki):
    emu.fault = "close-after"
    c = RawTLS(emu.port, client_ctx(pki))
    c.send(raw_request())
    status, headers, _ = c.read_response()
    assert status == 200 and "connection" not in headers       # not announced
    assert emu.wait_idle(2)
    assert c._run(c.obj.read, 100) == b""                      # close_notify, then EOF
    c.close()
    assert emu.connections[0].close_reason.startswith("fault close-after")


def test_fault_applies_to_rejected_requests_too(emu, pki):
    emu.fault = "503"
    assert one(emu, pki, sig="00" * 20)[0] == 503
    r = emu.requests[0]
    assert (r.verdict, r.check, r.json) == ("fault:503", "bad-signature", None)


# -- TLS ------------------------------------------------------------------------------

def test_certificate_message_in_one_record(emu, pki):
    c = RawTLS(emu.port, client_ctx(pki, tls12=True))      # TLS 1.2: handshake in the clear
    c.close()
    found = []
    for ctype, n, payload in c.records():
        if ctype == 20:                                      # ChangeCipherSpec: the rest is encrypted
            break
        if ctype != 22:
            continue
        pos = 0
        while pos + 4 <= n:
            mlen = int.from_bytes(payload[pos + 1:pos + 4], "big")
            assert pos + 4 + mlen <= n, f"handshake message type {payload[pos]} split across records"
            if payload[pos] == 11:
                found.append(mlen)
            pos += 4 + mlen
    leaf = len(ssl.PEM_cert_to_DER_cert(open(pki("leaf.pem")).read()))
    assert len(found) == 1 and found[0] > leaf + 1000 and leaf >= 2048


def handshake_messages(records):
    """The TLS 1.2 handshake messages before ChangeCipherSpec, reassembled
    from their records: [(type, length, records it spanned)]."""
    out, buf, spans = [], b"", 0
    for ctype, n, payload in records:
        if ctype == 20:
            break
        if ctype != 22:
            continue
        buf += payload
        spans += 1
        while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
            mlen = int.from_bytes(buf[1:4], "big")
            out.append((buf[0], mlen, spans))
            buf = buf[4 + mlen:]
            spans = 1 if buf else 0
    return out


@pytest.mark.parametrize("tls12", [False, True])
def test_max_record_512_caps_every_record_sent(pki, tls12):
    """max_record=512 as `openssl s_server -max_send_frag 512`: every record
    of the server's flight, read raw from the socket, holds at most 512
    bytes of plaintext (plus the AEAD's: TLS 1.3 +1 type +16 tag, TLS 1.2
    GCM +8 nonce +16 tag), answers included; the 3.9 KB Certificate
    message spans eight records."""
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET},
                         max_record=512) as e:
        c = RawTLS(e.port, client_ctx(pki, tls12=tls12))
        c.send(raw_request())
        status, _, _ = c.read_response()
        c.close()
        assert status == 200 and e.tls_settings["max_record"] == 512
    records = c.records()
    limit = 512 + (24 if tls12 else 17)
    assert max(n for _, n, _ in records) == limit          # full records, and none bigger
    assert len(records) > 10
    if tls12:                                               # the handshake is readable in TLS 1.2
        certificate = [m for m in handshake_messages(records) if m[0] == 11]
        assert len(certificate) == 1 and certificate[0][1] > 3000 and certificate[0][2] == 8


def test_max_record_default_is_full_size(emu, pki):
    assert emu.tls_settings["max_record"] is None
    c = RawTLS(emu.port, client_ctx(pki, tls12=True))
    c.close()
    certificate = [m for m in handshake_messages(c.records()) if m[0] == 11]
    assert len(certificate) == 1 and certificate[0][2] == 1


def test_max_record_fails_loudly(pki, monkeypatch):
    """Without the ctypes path to OpenSSL (or with a context that is not what
    it seems) the emulator refuses to start rather than serve 16 KB records."""
    for bad in (100, 16385):
        with pytest.raises(ValueError, match="512..16384"):
            WebhookEmulator(pki("chain.pem"), pki("leaf.key"), max_record=bad)

    class WrongLib:
        @staticmethod
        def SSL_CTX_get_options(ptr):
            return 0x1234                   # not the options Python reads

        @staticmethod
        def SSL_CTX_ctrl(*args):
            raise AssertionError("must not be called on an unchecked pointer")

    monkeypatch.setattr(webhook_emulator, "_libssl", WrongLib)
    with pytest.raises(webhook_emulator.MaxRecordUnavailable, match="not this context's SSL_CTX"):
        WebhookEmulator(pki("chain.pem"), pki("leaf.key"), max_record=512)

    def no_lib():
        raise webhook_emulator.MaxRecordUnavailable("no libssl here")

    monkeypatch.setattr(webhook_emulator, "_loaded_libssl", no_lib)
    with pytest.raises(webhook_emulator.MaxRecordUnavailable, match="no libssl"):
        WebhookEmulator(pki("chain.pem"), pki("leaf.key"), max_record=512)
    e = WebhookEmulator(pki("chain.pem"), pki("leaf.key"))
    with pytest.raises(webhook_emulator.MaxRecordUnavailable):
        e.configure_tls(max_record=512)
    assert e.tls_settings["max_record"] is None         # nothing changed


def test_max_record_that_does_not_take_effect_is_caught(pki, monkeypatch):
    monkeypatch.setattr(webhook_emulator, "set_max_send_fragment", lambda ctx, size: None)
    with pytest.raises(webhook_emulator.MaxRecordUnavailable, match="did not take effect"):
        WebhookEmulator(pki("chain.pem"), pki("leaf.key"), max_record=512)


def two_connections(e, pki, tls12):
    """Two requests on two connections, the second offering the first's
    session (as the device does after the server closed); what the emulator
    recorded of each: (version, session offered, session reused)."""
    ctx = client_ctx(pki, tls12=tls12)
    session = None
    for _ in range(2):
        c = Conn(e.port, ctx, tls_session=session)
        assert post(c)[0] == 200            # (TLS 1.3 tickets arrive with the answer)
        session = c.sock.session
        c.sock.unwrap()                     # close_notify both ways: the session stays resumable
        c.close()
    assert e.wait_idle(2)
    return [(i.tls_version, i.offered_session, i.session_reused) for i in e.connections]


@pytest.mark.parametrize("tls12,tickets,want", [
    (False, True, ("TLSv1.3", "psk", True)),
    (True, True, ("TLSv1.2", "ticket", True)),
    (True, False, ("TLSv1.2", None, True)),          # the session id, from OpenSSL's cache
    (False, False, ("TLSv1.3", None, False)),        # no ticket: nothing to resume with
])
def test_resumption_is_recorded(pki, tls12, tickets, want):
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET},
                         tickets=tickets) as e:
        first, second = two_connections(e, pki, tls12)
    assert first == (want[0], None, False)
    assert second == want


@pytest.mark.parametrize("tls12", [False, True])
def test_resumption_declined(pki, tls12):
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), webhooks={(ORG, HOOK): SECRET},
                         resumption=False) as e:
        first, second = two_connections(e, pki, tls12)
    assert second == ("TLSv1.2" if tls12 else "TLSv1.3", "ticket" if tls12 else "psk", False)


def test_configure_tls_versions_at_run_time(emu, pki):
    assert webhook_emulator.tls_versions("both") == (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)
    with pytest.raises(ValueError):
        webhook_emulator.tls_versions("1.1")
    with pytest.raises(TypeError):
        emu.configure_tls(colour="blue")
    emu.configure_tls(versions="1.2")
    conn = connect(emu, pki)                                   # the client offers both
    assert post(conn)[0] == 200 and conn.sock.version() == "TLSv1.2"
    conn.close()
    emu.configure_tls(versions="1.3")
    with pytest.raises(ssl.SSLError):
        post(connect(emu, pki, tls12=True))                    # a TLS 1.2-only client is refused
    conn = connect(emu, pki)
    assert post(conn)[0] == 200 and conn.sock.version() == "TLSv1.3"
    conn.close()
    assert emu.tls_settings["min_version"] == ssl.TLSVersion.TLSv1_3


@pytest.mark.parametrize("tls12", [False, True])
def test_tls_versions_and_suites(emu, pki, tls12):
    conn = connect(emu, pki, tls12=tls12)
    assert post(conn)[0] == 200
    version, cipher = conn.sock.version(), conn.sock.cipher()[0]
    conn.close()
    assert emu.wait_idle(2)
    info = emu.connections[0]
    assert (info.tls_version, info.cipher, info.sni) == (version, cipher, HOST)
    if tls12:
        assert version == "TLSv1.2" and cipher.startswith("ECDHE-RSA-AES") and "GCM" in cipher
    else:
        assert version == "TLSv1.3"


def test_ecdsa_chain(pki):
    with WebhookEmulator(pki("ec-chain.pem"), pki("ec-leaf.key"), webhooks={(ORG, HOOK): SECRET}) as e:
        for tls12 in (True, False):
            conn = Conn(e.port, client_ctx(pki, anchor="ec-root.pem", tls12=tls12))
            assert post(conn)[0] == 200
            if tls12:
                assert conn.sock.cipher()[0].startswith("ECDHE-ECDSA-AES")
            conn.close()
        # the RSA root does not vouch for it
        with pytest.raises(ssl.SSLCertVerificationError):
            post(Conn(e.port, client_ctx(pki)))


def test_only_ecdhe_suites_in_tls12(emu, pki):
    ctx = client_ctx(pki, tls12=True)
    ctx.set_ciphers("AES128-GCM-SHA256:AES256-SHA")       # RSA key exchange only
    with pytest.raises(ssl.SSLError):
        RawTLS(emu.port, ctx)
    assert emu.wait_idle(2) and emu.connections[0].handshake == "failed"


@pytest.mark.parametrize("chain,key,anchor,host,err", [
    ("untrusted-chain.pem", "untrusted-leaf.key", "root.pem", HOST, "certificate verify failed"),
    ("expired-chain.pem", "expired-leaf.key", "root.pem", HOST, "expired"),
    ("notyet-chain.pem", "notyet-leaf.key", "root.pem", HOST, "not yet valid"),
    ("wronghost-chain.pem", "wronghost-leaf.key", "root.pem", HOST, "mismatch"),
    ("chain.pem", "leaf.key", "root.pem", "other.example.com", "mismatch"),
])
def test_refused_certificate_means_no_http_byte(pki, chain, key, anchor, host, err):
    with WebhookEmulator(pki(chain), pki(key), webhooks={(ORG, HOOK): SECRET}) as e:
        with pytest.raises(ssl.SSLCertVerificationError, match=err):
            post(Conn(e.port, client_ctx(pki, anchor=anchor), host=host))
        assert e.wait_idle(2)
        (info,) = e.connections
        assert (e.tcp_accepts, e.handshakes, e.http_bytes, e.requests) == (1, 0, 0, [])
        assert info.client_hello and info.sni == host and info.handshake == "failed"
        # The client's alert, or a reset when its close overtook the alert.
        assert info.app_bytes == 0 and info.tls_error


def test_handshake_only_connection_counts_no_http_bytes(emu, pki):
    c = RawTLS(emu.port, client_ctx(pki))
    c.close()
    s = socket.create_connection(emu.address)               # TCP only, no ClientHello
    s.close()
    assert emu.wait_for_connections(2, timeout=2) and emu.wait_idle(2)
    hs, tcp = emu.connections
    assert (hs.handshake, hs.app_bytes, hs.requests, hs.http_bytes) == ("ok", 0, 0, 0)
    assert not tcp.client_hello and tcp.handshake == "failed" and tcp.app_bytes == 0
    assert (emu.tcp_accepts, emu.handshakes, emu.http_bytes) == (2, 1, 0)
    assert emu.connections_without_http_bytes == 2
    assert emu.requests == []


def test_client_hello_without_sni_is_refused(emu, pki):
    ctx = ssl.create_default_context(cafile=pki("root.pem"))
    ctx.check_hostname = False
    with pytest.raises(ssl.SSLError):
        RawTLS(emu.port, ctx, server_hostname=None)
    assert emu.wait_idle(2)
    info = emu.connections[0]
    assert info.client_hello and info.sni is None and info.handshake == "failed"
    assert "SNI" in info.tls_error


def test_no_sni_allowed_when_configured(pki):
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key"), require_sni=False) as e:
        ctx = ssl.create_default_context(cafile=pki("root.pem"))
        ctx.check_hostname = False
        RawTLS(e.port, ctx, server_hostname=None).close()
        assert e.wait_idle(2) and e.handshakes == 1


def _client_hello(pki):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx(pki, tls12=True).wrap_bio(inc, out, server_hostname=HOST)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def _with_mfl(record, code):
    """Adds a max_fragment_length extension to a one-record ClientHello."""
    hs = bytearray(record[5:])
    body = hs[4:]
    pos = 2 + 32
    pos += 1 + body[pos]
    pos += 2 + int.from_bytes(body[pos:pos + 2], "big")
    pos += 1 + body[pos]
    ext_len = int.from_bytes(body[pos:pos + 2], "big") + 5
    body[pos:pos + 2] = ext_len.to_bytes(2, "big")
    body += bytes([0, 1, 0, 1, code])
    hs = bytes([1]) + len(body).to_bytes(3, "big") + body
    return record[:3] + len(hs).to_bytes(2, "big") + hs


def test_parse_client_hello(pki):
    hello = _client_hello(pki)
    p = parse_client_hello(hello[5:])
    assert p["sni"] == HOST and p["mfl"] is None and 0 in p["extensions"]
    assert parse_client_hello(_with_mfl(hello, 2)[5:])["mfl"] == 2


def test_max_fragment_length_is_refused(emu, pki):
    s = socket.create_connection(emu.address, timeout=3)
    s.sendall(_with_mfl(_client_hello(pki), 2))
    data = b""
    while True:
        chunk = s.recv(100)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data == b"\x15\x03\x03\x00\x02\x02\x28"             # fatal handshake_failure
    assert emu.wait_idle(2)
    info = emu.connections[0]
    assert info.mfl == 2 and info.handshake == "failed" and "max_fragment_length" in info.tls_error


def test_set_certificate_at_run_time(emu, pki):
    assert one(emu, pki)[0] == 200
    emu.set_certificate(pki("ec-chain.pem"), pki("ec-leaf.key"))
    with pytest.raises(ssl.SSLCertVerificationError):
        one(emu, pki)
    conn = Conn(emu.port, client_ctx(pki, anchor="ec-root.pem"))
    assert post(conn)[0] == 200
    conn.close()


def test_concurrent_clients(emu, pki):
    failures = []

    def worker():
        try:
            conn = connect(emu, pki)
            for _ in range(5):
                if post(conn)[0] != 200:
                    failures.append("status")
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(emu.requests) == 30 and emu.tcp_accepts == 6


# -- server lifecycle, command line --------------------------------------------------

def test_only_loopback_and_busy_port(pki):
    for host in ("0.0.0.0", "10.0.2.2", "::1"):
        with pytest.raises(ValueError):
            WebhookEmulator(pki("chain.pem"), pki("leaf.key"), host=host)
    with WebhookEmulator(pki("chain.pem"), pki("leaf.key")) as first:
        with pytest.raises(OSError):
            WebhookEmulator(pki("chain.pem"), pki("leaf.key"), port=first.port).start()
    again = WebhookEmulator(pki("chain.pem"), pki("leaf.key"), port=first.port).start()
    assert again.address == ("127.0.0.1", first.port)
    assert again.running
    again.stop()
    again.stop()
    assert not again.running


def test_lan_address_only_when_asked(pki):
    """The hardware test kit's HOST_IP: one unicast address, only with lan=True
    (constructed here, never bound)."""
    with pytest.raises(ValueError):
        WebhookEmulator(pki("chain.pem"), pki("leaf.key"), host="192.168.1.20")
    assert WebhookEmulator(pki("chain.pem"), pki("leaf.key"), host="192.168.1.20", lan=True).host == "192.168.1.20"
    for host in ("0.0.0.0", "224.0.0.251", "255.255.255.255", "::1"):
        with pytest.raises(ValueError):
            WebhookEmulator(pki("chain.pem"), pki("leaf.key"), host=host, lan=True)


def test_clear_and_secrets_not_in_repr(emu, pki):
    one(emu, pki)
    assert SECRET not in repr(emu._hooks) and SECRET not in repr(emu.webhooks)
    emu.wait_idle(2)
    emu.clear()
    assert emu.requests == [] and emu.connections == []


def test_cli(pki):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "webhook_emulator.py"),
                             "--cert", pki("chain.pem"), "--key", pki("leaf.key"), "--port", "0",
                             "--webhook", f"{ORG}/{HOOK}={SECRET}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "listening on https://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() else "")
        port = int(line.rsplit(":", 1)[1])
        intro = proc.stdout.readline()
        assert f"{ORG}/{HOOK}" in intro and "X-Port-Signature" in intro
        conn = Conn(port, client_ctx(pki))
        assert post(conn)[0] == 200
        accepted = proc.stdout.readline()
        assert post(conn, sig="00" * 20)[0] == 500
        rejected = proc.stdout.readline()
        conn.close()
        with pytest.raises(ssl.SSLCertVerificationError):
            post(Conn(port, client_ctx(pki, anchor="ec-root.pem")))
        tls_line = proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        rest = proc.stdout.read() + proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert f"POST {ORG}/{HOOK} -> 200 accepted" in accepted
    assert "runId=pb-525400123456-7-1 action=deploy at=2026-03-01T10:00:00.123Z" in accepted
    assert 'props={"env":"prod","replicas":3}' in accepted
    assert "-> 500 bad-signature" in rejected
    assert tls_line.startswith("tls: 127.0.0.1:") and "handshake failed" in tls_line
    for text in (line, intro, accepted, rejected, tls_line, rest):
        assert SECRET not in text and "s3cret" not in text


def test_cli_tls_options(pki):
    """--tls 1.2 --max-record 512 --no-tickets: a TLS 1.2 server whose
    Certificate message arrives in 512-byte records and that gives no
    ticket."""
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "webhook_emulator.py"),
                             "--cert", pki("chain.pem"), "--key", pki("leaf.key"), "--port", "0",
                             "--webhook", f"{ORG}/{HOOK}={SECRET}", "--tls", "1.2", "--max-record", "512",
                             "--no-tickets"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "listening on https://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() else "")
        port = int(line.rsplit(":", 1)[1])
        intro = proc.stdout.readline()
        assert "TLS 1.2; records of at most 512 bytes; no tickets" in intro, intro
        c = RawTLS(port, client_ctx(pki))                      # offers 1.3 too
        c.send(raw_request())
        assert c.read_response()[0] == 200
        c.close()
        assert c.obj.version() == "TLSv1.2" and max(n for _, n, _ in c.records()) == 512 + 24
        messages = handshake_messages(c.records())
        assert 4 not in [t for t, _, _ in messages]             # no NewSessionTicket
        assert [m for m in messages if m[0] == 11][0][2] == 8   # Certificate: 8 records
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_cli_rejects_bad_arguments(pki):
    script = os.path.join(ROOT, "tools", "webhook_emulator.py")
    for args in (["--webhook", "noslash=x"], ["--webhook", "o/n="], ["--fault", "teapot"],
                 ["--max-record", "511"], ["--max-record", "16385"], ["--tls", "1.1"]):
        proc = subprocess.run([sys.executable, script, "--cert", pki("chain.pem")] + args,
                              capture_output=True, text=True)
        assert proc.returncode == 2, args
    proc = subprocess.run([sys.executable, script, "--cert", "/nonexistent.pem"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "webhook_emulator:" in proc.stderr


def test_module_is_standard_library_only():
    assert_standard_library_only("webhook_emulator")
    assert webhook_emulator.__file__.startswith(os.path.join(ROOT, "tools"))
