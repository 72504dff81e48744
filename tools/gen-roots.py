#!/usr/bin/env python3
"""Generates the firmware's built-in trust anchors (spec section 2, slots
b0..b3) from the build machine's Debian ca-certificates package.

usage: gen-roots.py -o build/<board>/gen/roots.c [--dep FILE] [--dir DIR]...
                    [--now YYYY-MM-DD]

Writes a C file with each root as a `const` DER byte array (so it stays in
flash) and the table `ca_builtins[]` declared in firmware/ca.h, and a make
dependency file (default: the output with .d) naming the certificate files
used.  Prints which file each anchor came from.

Each root is identified by its SHA-256 fingerprint, pinned below, and looked
up first under its usual file name and then among all certificates in the
search directories (default /usr/share/ca-certificates/mozilla, then
/etc/ssl/certs).  The build FAILS, never skips, when a root is missing, has a
different fingerprint than the pin, has an unexpected subject, or is expired
or not yet valid at build time (--now overrides the date, for testing).

Python 3 standard library only: PEM is base64-decoded here and the DER walked
just far enough to read the subject's common name and the validity period.
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import os
import re
import sys

# Slot order is part of the device interface (spec section 2).  Fingerprints
# are the SHA-256 of the DER, as published by DigiCert and Microsoft (and
# shown by `openssl x509 -noout -fingerprint -sha256`).
ROOTS = (
    ("DigiCert Global Root G2",
     "cb3ccbb76031e5e0138f8dd39a23f9de47ffc35e43c1144cea27d46a5ab1cb5f"),
    ("DigiCert Global Root G3",
     "31ad6648f8104138c738f39ea4320133393e3a18cc02296ef97c2ac9ef6731d0"),
    ("Microsoft RSA Root Certificate Authority 2017",
     "c741f70f4b2a8d88bf2e71c14122ef53ef10eba0cfa5e64cfa20f418853073e0"),
    ("Microsoft ECC Root Certificate Authority 2017",
     "358df39d764af9e1b766e9c972df352ee15cfac227af6ad1d70e8e4a6edcba02"),
)
DEFAULT_DIRS = ("/usr/share/ca-certificates/mozilla", "/etc/ssl/certs")
MAX_DER = 2048  # what one anchor may take (the same limit as `ca add`)
WARN_DAYS = 365

PEM_RE = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)
OID_CN = bytes((0x55, 0x04, 0x03))


class Fail(Exception):
    pass


# ---------------------------------------------------------------- DER walking

def tlv(buf, pos, end):
    """One DER element at pos: (tag, value start, value end)."""
    if pos + 2 > end:
        raise ValueError("truncated element")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte tag")
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 3 or pos + k > end:
            raise ValueError("bad length")
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    if pos + n > end:
        raise ValueError("element runs past its container")
    return tag, pos, pos + n


def children(buf, start, end):
    pos = start
    while pos < end:
        tag, vs, ve = tlv(buf, pos, end)
        yield tag, vs, ve
        pos = ve


def decode_string(tag, raw):
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be")
    if tag in (0x0C, 0x13, 0x16, 0x14):  # UTF8, Printable, IA5, T61
        return raw.decode("utf-8" if tag == 0x0C else "latin-1")
    raise ValueError("unexpected string type 0x%02x" % tag)


def decode_time(tag, raw):
    s = raw.decode("ascii")
    if tag == 0x17 and re.fullmatch(r"\d{12}Z", s):  # UTCTime
        year = int(s[:2])
        s = ("19" if year >= 50 else "20") + s
    elif not (tag == 0x18 and re.fullmatch(r"\d{14}Z", s)):  # GeneralizedTime
        raise ValueError("unexpected time %r" % s)
    return datetime.datetime.strptime(s, "%Y%m%d%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)


def parse_cert(der):
    """(subject CN, notBefore, notAfter) of a DER certificate."""
    tag, cs, ce = tlv(der, 0, len(der))
    if tag != 0x30 or ce != len(der):
        raise ValueError("not one DER certificate")
    tag, ts, te = tlv(der, cs, ce)
    if tag != 0x30:
        raise ValueError("no tbsCertificate")
    fields = list(children(der, ts, te))
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    if len(fields) < 5:
        raise ValueError("short tbsCertificate")
    # serial, signature, issuer, validity, subject
    (vtag, vs, ve), (stag, ss, se) = fields[3], fields[4]
    if vtag != 0x30 or stag != 0x30:
        raise ValueError("bad validity or subject")
    times = list(children(der, vs, ve))
    if len(times) != 2:
        raise ValueError("bad validity")
    not_before = decode_time(times[0][0], der[times[0][1]:times[0][2]])
    not_after = decode_time(times[1][0], der[times[1][1]:times[1][2]])
    cn = None
    for rtag, rs, re_ in children(der, ss, se):  # SET OF AttributeTypeAndValue
        if rtag != 0x31:
            raise ValueError("bad RDN")
        for atag, as_, ae in children(der, rs, re_):
            if atag != 0x30:
                raise ValueError("bad attribute")
            (otag, os_, oe), (val_tag, val_s, val_e) = list(children(der, as_, ae))[:2]
            if otag == 0x06 and der[os_:oe] == OID_CN and cn is None:
                cn = decode_string(val_tag, der[val_s:val_e])
    if cn is None:
        raise ValueError("no common name")
    return cn, not_before, not_after


# ---------------------------------------------------------------- finding roots

def pem_certs(path):
    """DER of every certificate in a PEM file (a bundle may hold many)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read()
    except (OSError, UnicodeError):
        return []
    out = []
    for m in PEM_RE.finditer(text):
        try:
            out.append(base64.b64decode("".join(m.group(1).split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


def candidates(dirs, cn):
    """Files to look at for the root named cn: its usual names first, then
    every certificate file in the directories."""
    usual = cn.replace(" ", "_")
    seen = set()
    for d in dirs:
        for ext in (".crt", ".pem"):
            p = os.path.join(d, usual + ext)
            if os.path.isfile(p):
                seen.add(os.path.realpath(p))
                yield p
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            p = os.path.join(d, name)
            if not name.endswith((".crt", ".pem")) or not os.path.isfile(p):
                continue
            if os.path.realpath(p) in seen:
                continue
            seen.add(os.path.realpath(p))
            yield p


def find_root(dirs, cn, pin):
    lookalike = None
    for path in candidates(dirs, cn):
        for der in pem_certs(path):
            fp = hashlib.sha256(der).hexdigest()
            if fp == pin:
                return path, der
            if lookalike is None:
                try:
                    if parse_cert(der)[0] == cn:
                        lookalike = (path, fp)
                except ValueError:
                    pass
    if lookalike:
        raise Fail("%s: %s holds a certificate named '%s' whose SHA-256 is %s, not the "
                   "pinned %s; check where it came from before changing the pin in "
                   "tools/gen-roots.py" % (cn, lookalike[0], cn, lookalike[1], pin))
    raise Fail("'%s' (SHA-256 %s) was not found in %s; install Debian's ca-certificates "
               "package (tools/bootstrap.sh does)" % (cn, pin, ", ".join(dirs)))


# ---------------------------------------------------------------- output

def c_string(s):
    out = []
    for ch in s.encode("utf-8"):
        if ch in (0x22, 0x5C):
            out.append("\\" + chr(ch))
        elif 0x20 <= ch < 0x7F:
            out.append(chr(ch))
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def c_bytes(der):
    lines = []
    for i in range(0, len(der), 12):
        lines.append("    " + " ".join("0x%02x," % b for b in der[i:i + 12]))
    return "\n".join(lines)


def render(found):
    out = ["/* Generated by tools/gen-roots.py from the build machine's ca-certificates;",
           " * do not edit.  The built-in trust anchors of spec section 2, in slot order:",
           " *"]
    for slot, (cn, path, der, nb, na) in enumerate(found):
        out.append(" *   b%d %s" % (slot, cn))
        out.append(" *      from %s" % path)
        out.append(" *      SHA-256 %s, valid %s to %s" % (
            hashlib.sha256(der).hexdigest(), nb.strftime("%Y-%m-%d"), na.strftime("%Y-%m-%d")))
    out += [" */", '#include "ca.h"', "",
            "/* const: the arrays stay in flash and mbedTLS parses them in place. */"]
    for slot, (cn, path, der, nb, na) in enumerate(found):
        out.append("static const uint8_t s_b%d[%d] = {" % (slot, len(der)))
        out.append(c_bytes(der))
        out.append("};")
        out.append("")
    out.append("const ca_builtin_t ca_builtins[CA_BUILTIN_COUNT] = {")
    for slot, (cn, path, der, nb, na) in enumerate(found):
        out.append("    {%s, s_b%d, sizeof s_b%d}," % (c_string(cn), slot, slot))
    out.append("};")
    out.append("")
    out.append("_Static_assert(CA_BUILTIN_COUNT == %d, \"ca.h and tools/gen-roots.py disagree\");"
               % len(found))
    return "\n".join(out) + "\n"


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dep", help="make dependency file (default: output with .d)")
    ap.add_argument("--dir", action="append", dest="dirs",
                    help="where to look for certificates (repeatable)")
    ap.add_argument("--now", help="check validity at this date (YYYY-MM-DD) instead of today")
    args = ap.parse_args(argv)
    dirs = args.dirs or list(DEFAULT_DIRS)
    if args.now:
        now = datetime.datetime.strptime(args.now, "%Y-%m-%d").replace(
            tzinfo=datetime.timezone.utc)
    else:
        now = datetime.datetime.now(datetime.timezone.utc)

    found = []
    for slot, (cn, pin) in enumerate(ROOTS):
        path, der = find_root(dirs, cn, pin)
        try:
            got_cn, nb, na = parse_cert(der)
        except ValueError as e:
            raise Fail("%s: %s: cannot read the certificate: %s" % (cn, path, e))
        if got_cn != cn:
            raise Fail("%s: %s names itself '%s'" % (cn, path, got_cn))
        if len(der) > MAX_DER:
            raise Fail("%s: %d bytes of DER, more than %d" % (cn, len(der), MAX_DER))
        if na <= now:
            raise Fail("%s: %s expired on %s; the firmware must not ship it as a trust "
                       "anchor (update tools/gen-roots.py and the spec's slot list)"
                       % (cn, path, na.strftime("%Y-%m-%d %H:%M:%S UTC")))
        if nb > now:
            raise Fail("%s: %s is not valid before %s (is the build machine's clock right?)"
                       % (cn, path, nb.strftime("%Y-%m-%d %H:%M:%S UTC")))
        left = (na - now).days
        print("gen-roots: b%d %s <- %s (%d bytes, valid until %s)" % (
            slot, cn, path, len(der), na.strftime("%Y-%m-%d")))
        if left < WARN_DAYS:
            print("gen-roots: warning: b%d %s expires in %d days" % (slot, cn, left),
                  file=sys.stderr)
        found.append((cn, path, der, nb, na))

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    write(args.output, render(found))
    dep = args.dep or os.path.splitext(args.output)[0] + ".d"
    paths = sorted({os.path.realpath(p) for _, p, _, _, _ in found} |
                   {p for _, p, _, _, _ in found})
    lines = ["%s: %s" % (args.output, " ".join(paths))] + ["%s:" % p for p in paths]
    write(dep, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as e:
        print("gen-roots: error: %s" % e, file=sys.stderr)
        sys.exit(1)
