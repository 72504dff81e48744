#!/usr/bin/env bash
# Test certificates for the webhook emulator (tools/webhook_emulator.py) and
# the device's TLS tests:
#
#   tools/testpki.sh OUTDIR          e.g. tools/testpki.sh build/testpki
#
# Makes, with openssl, a test root and issuing CA and under them a leaf for
# dev.azure.com shaped like Azure's (53 names, more than 2 KB of DER), the
# failure cases (expired, not yet valid, wrong host, no subjectAltName,
# untrusted root), a leaf for the IPv4 address 10.0.2.2 (an iPAddress SAN,
# as the device reaches the host through QEMU's user network), an ECDSA
# chain, a self-signed on-premises server certificate, and the chain shapes
# the device must hold in RAM: Azure's 2026 issuing-CA rotation (four
# certificates, two of them RSA-4096, a 60-name leaf), a 150-name leaf sent
# with its root, and one too big for any heap here (no-memory).
# OUTDIR/README.txt lists the files.  Nothing here is secret: the keys are
# test keys.
#
# Idempotent: nothing is done while OUTDIR/.done is newer than this script, is
# less than 30 days old (the leaves are valid from the day before they are
# made; `notyet` starts 180 days after) and every file is there.  Concurrent
# runs on one OUTDIR wait for each other (flock).  Prints one line.
set -euo pipefail

prog=testpki
die() { echo "$prog: $*" >&2; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
command -v openssl >/dev/null || die "openssl is not installed"
script=$(realpath "${BASH_SOURCE[0]}")
mkdir -p "$1"
out=$(cd "$1" && pwd)

FILES=(root.pem root.key intermediate.pem intermediate.key leaf.pem leaf.key chain.pem
       expired-leaf.pem expired-leaf.key expired-chain.pem
       notyet-leaf.pem notyet-leaf.key notyet-chain.pem
       wronghost-leaf.pem wronghost-leaf.key wronghost-chain.pem
       nosan-leaf.pem nosan-leaf.key nosan-chain.pem ip-leaf.pem ip-leaf.key ip-chain.pem
       untrusted-root.pem untrusted-intermediate.pem untrusted-leaf.pem untrusted-leaf.key
       untrusted-chain.pem
       ec-root.pem ec-root.key ec-intermediate.pem ec-intermediate.key ec-leaf.pem ec-leaf.key
       ec-chain.pem
       g2-root.pem g2-root.key g2-tls-root.pem g2-tls-root.key g2-ca.pem g2-ca.key
       g2-leaf.pem g2-leaf.key chain-2026.pem
       leaf150.pem leaf150.key chain-150.pem leaf300.pem leaf300.key chain-300.pem
       tfs.pem tfs.key README.txt)

exec 9>"$out/.lock"
flock 9

up_to_date() {
    [ -f "$out/.done" ] && [ "$out/.done" -nt "$script" ] || return 1
    [ -z "$(find "$out/.done" -mmin +$((30 * 24 * 60)))" ] || return 1
    local f
    for f in "${FILES[@]}"; do [ -s "$out/$f" ] || return 1; done
}

der_size() { openssl x509 -in "$1" -outform der | wc -c; }

if up_to_date; then
    echo "$prog: up to date in $out ($(der_size "$out/leaf.pem")-byte leaf for dev.azure.com)"
    exit 0
fi

work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/log
cd "$work"

# Runs a command with its chatter in the log; on failure shows the log's tail.
run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "$prog: failed: $*" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
}

# Dates for openssl ca: -startdate/-enddate (openssl 3.0's x509 has no
# -not_before/-not_after), as YYYYMMDDHHMMSSZ.
at() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

rsa_key() { run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1.key"; }
ec_key() { run openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" \
               -pkeyopt ec_param_enc:named_curve -out "$1.key"; }

cat > ca.cnf <<'EOF'
[ca]
default_ca = test_ca

[test_ca]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
default_md = sha256
policy = any_dn
unique_subject = no
copy_extensions = none
email_in_dn = no
name_opt = ca_default
cert_opt = ca_default

[any_dn]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
commonName = supplied

[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash

[issuing]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.pipebutton.test/root.crl
authorityInfoAccess = caIssuers;URI:http://crt.pki.pipebutton.test/root.crt, OCSP;URI:http://ocsp.pki.pipebutton.test

# Azure's front-end certificates: CA:FALSE, server and client auth, CRL and
# OCSP pointers, policies, and many names.
[azure]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 2.23.140.1.2.2, 1.3.6.1.4.1.311.42.1
crlDistributionPoints = URI:http://crl.pki.pipebutton.test/issuing-ca.crl
authorityInfoAccess = caIssuers;URI:http://crt.pki.pipebutton.test/issuing-ca.crt, OCSP;URI:http://ocsp.pki.pipebutton.test
subjectAltName = @azure_names

[azure_ec]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 2.23.140.1.2.2
crlDistributionPoints = URI:http://crl.pki.pipebutton.test/ec-issuing-ca.crl
authorityInfoAccess = caIssuers;URI:http://crt.pki.pipebutton.test/ec-issuing-ca.crt, OCSP;URI:http://ocsp.pki.pipebutton.test
subjectAltName = @azure_names

[wronghost]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:other.example.com

# The host name only in the CN, no subjectAltName at all: the device
# refuses it (spec section 5), though CN matching would let it through.
[nosan]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# A server known by its IPv4 address (`config set host 10.0.2.2`): the
# address as an iPAddress SAN and no DNS name.
[ipaddr]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:10.0.2.2

# A self-signed on-premises server (Azure DevOps Server behind IIS), as a
# person would pin it with `ca add`.
[tfs]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:tfs.example.test
EOF

# The names: the real service's first two, then made-up but plausible ones.
{
    echo "[azure_names]"
    n=0
    for name in dev.azure.com '*.dev.azure.com' '*.visualstudio.com' '*.vsassets.io' \
        '*.vssps.visualstudio.com' '*.vsrm.visualstudio.com' '*.vsblob.visualstudio.com' \
        '*.vsaex.visualstudio.com' '*.vstmr.visualstudio.com' '*.vsspsext.visualstudio.com' \
        '*.feeds.visualstudio.com' '*.pkgs.visualstudio.com' '*.vsrm.dev.azure.com' \
        '*.vssps.dev.azure.com' '*.vsblob.dev.azure.com' '*.vsaex.dev.azure.com' \
        '*.feeds.dev.azure.com' '*.pkgs.dev.azure.com' '*.vstmr.dev.azure.com' \
        vssps.dev.azure.com vsrm.dev.azure.com vsaex.dev.azure.com feeds.dev.azure.com \
        pkgs.dev.azure.com almsearch.dev.azure.com extmgmt.dev.azure.com status.dev.azure.com \
        advsec.dev.azure.com auditservice.dev.azure.com analytics.dev.azure.com \
        app.vssps.visualstudio.com app.vsaex.visualstudio.com aex.dev.azure.com \
        '*.gallery.vsassets.io' '*.gallerycdn.vsassets.io' '*.vstmrblob.vsassets.io' \
        '*.cdn.vsassets.io' '*.services.visualstudio.com' '*.tfsallin.net' \
        '*.azure-devops.pipebutton.test'; do
        n=$((n + 1)); echo "DNS.$n = $name"
    done
    for region in eus2 wus2 cus neu weu uks ase sea cin brs cc jpe eau; do
        n=$((n + 1)); echo "DNS.$n = *.$region.pipelines.visualstudio.com"
    done
} >> ca.cnf

# Leaves with more names: Azure's 53 above, then made-up regional ones.
names_section() {
    local count=$1 i
    echo "[names_$count]"
    sed -n '/^\[azure_names\]/,$p' ca.cnf | grep '^DNS\.'
    for ((i = 54; i <= count; i++)); do echo "DNS.$i = *.r$i.pipelines.pipebutton.test"; done
    echo "[azure_$count]"
    sed -n '/^\[azure\]/,/^$/p' ca.cnf | grep -v '^\[azure\]\|^subjectAltName\|^$'
    echo "subjectAltName = @names_$count"
}
{ names_section 60; names_section 150; names_section 300; } >> ca.cnf

# The 2026 rotation's cross-signed root (CA:TRUE, no pathlen).
cat >> ca.cnf <<'EOF'
[tls_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.pipebutton.test/g2-root.crl
authorityInfoAccess = caIssuers;URI:http://crt.pki.pipebutton.test/g2-root.crt, OCSP;URI:http://ocsp.pki.pipebutton.test
certificatePolicies = 2.5.29.32.0
EOF

# A CA database per issuer, so serials and index files never mix.
new_ca_dir() { mkdir -p "$1/issued"; : > "$1/index.txt"; }

# csr NAME SUBJECT: a request for NAME.key
csr() { run openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"; }

# sign NAME ISSUER SECTION START END [MD]: NAME.csr -> NAME.pem, signed by ISSUER
# (ISSUER=self: self-signed with NAME.key).  Each issuer has its own database
# folder, so serials and index files never mix.
sign() {
    local name=$1 issuer=$2 section=$3 start=$4 end=$5 md=${6:-sha256}
    local cadir extra
    if [ "$issuer" = self ]; then
        cadir=ca-$name; extra=(-selfsign -keyfile "$name.key")
    else
        cadir=ca-$issuer; extra=(-cert "$issuer.pem" -keyfile "$issuer.key")
    fi
    [ -d "$cadir" ] || new_ca_dir "$cadir"
    sed "s|^dir = .*|dir = $cadir|" ca.cnf > "$cadir/ca.cnf"
    run openssl ca -batch -config "$cadir/ca.cnf" -notext -rand_serial -preserveDN \
        "${extra[@]}" -md "$md" -startdate "$(at "$start")" -enddate "$(at "$end")" \
        -extensions "$section" -in "$name.csr" -out "$name.pem"
}

O="/O=pipebutton Test Fixtures"
AZ="/C=US/ST=WA/L=Redmond/O=pipebutton Test Fixtures/CN=dev.azure.com"

# --- RSA: root, issuing CA, the main leaf -----------------------------------
rsa_key root 4096
csr root "$O/CN=pipebutton Test Root"
sign root self root "-400 days" "+10 years"
rsa_key intermediate 2048
csr intermediate "$O/CN=pipebutton Test Issuing CA"
sign intermediate root issuing "-400 days" "+5 years"

rsa_key leaf 2048
csr leaf "$AZ"
sign leaf intermediate azure "-1 day" "+1 year -1 day"

# --- failure cases, same issuer and names -----------------------------------
rsa_key expired-leaf 2048
csr expired-leaf "$AZ"
sign expired-leaf intermediate azure "-60 days" "-1 day"
rsa_key notyet-leaf 2048
csr notyet-leaf "$AZ"
sign notyet-leaf intermediate azure "+180 days" "+545 days"
rsa_key wronghost-leaf 2048
csr wronghost-leaf "$O/CN=other.example.com"
sign wronghost-leaf intermediate wronghost "-1 day" "+1 year -1 day"
rsa_key nosan-leaf 2048
csr nosan-leaf "$AZ"
sign nosan-leaf intermediate nosan "-1 day" "+1 year -1 day"
rsa_key ip-leaf 2048
csr ip-leaf "$O/CN=10.0.2.2"
sign ip-leaf intermediate ipaddr "-1 day" "+1 year -1 day"

# --- a whole chain under a root the device does not trust --------------------
rsa_key untrusted-root 2048
csr untrusted-root "/O=Nobody You Know/CN=Untrusted Root"
sign untrusted-root self root "-400 days" "+10 years"
rsa_key untrusted-intermediate 2048
csr untrusted-intermediate "/O=Nobody You Know/CN=Untrusted Issuing CA"
sign untrusted-intermediate untrusted-root issuing "-400 days" "+5 years"
rsa_key untrusted-leaf 2048
csr untrusted-leaf "$AZ"
sign untrusted-leaf untrusted-intermediate azure "-1 day" "+1 year -1 day"

# --- ECDSA: P-384 root, P-256 issuing CA and leaf (ECDHE-ECDSA) --------------
ec_key ec-root P-384
csr ec-root "$O/CN=pipebutton Test ECC Root"
sign ec-root self root "-400 days" "+10 years" sha384
ec_key ec-intermediate P-384
csr ec-intermediate "$O/CN=pipebutton Test ECC Issuing CA"
sign ec-intermediate ec-root issuing "-400 days" "+5 years" sha384
ec_key ec-leaf P-256
csr ec-leaf "$AZ"
sign ec-leaf ec-intermediate azure_ec "-1 day" "+1 year -1 day"

# --- Azure's 2026 shape: RSA-2048 root (as DigiCert Global Root G2) -> RSA-4096
# "TLS RSA Root G2" -> RSA-4096 issuing CA -> RSA-2048 leaf with 60 names,
# valid about six months; the server sends all four ------------------------
rsa_key g2-root 2048
csr g2-root "/C=US/O=pipebutton Test Fixtures/OU=www.pipebutton.test/CN=pipebutton Test Global Root G2"
sign g2-root self root "-400 days" "+10 years"
rsa_key g2-tls-root 4096
csr g2-tls-root "/C=US/O=pipebutton Test Fixtures/CN=pipebutton Test TLS RSA Root G2"
sign g2-tls-root g2-root tls_root "-200 days" "+8 years" sha384
rsa_key g2-ca 4096
csr g2-ca "/C=US/O=pipebutton Test Fixtures/CN=pipebutton Test TLS G2 RSA CA OCSP 02"
sign g2-ca g2-tls-root issuing "-100 days" "+3 years" sha384
rsa_key g2-leaf 2048
csr g2-leaf "$AZ"
sign g2-leaf g2-ca azure_60 "-1 day" "+180 days" sha384

# --- a leaf with 150 names (sent with its root) and one with 300 ------------
rsa_key leaf150 2048
csr leaf150 "$AZ"
sign leaf150 intermediate azure_150 "-1 day" "+1 year -1 day"
rsa_key leaf300 2048
csr leaf300 "$AZ"
sign leaf300 intermediate azure_300 "-1 day" "+1 year -1 day"

# --- a self-signed on-premises server ---------------------------------------
rsa_key tfs 2048
csr tfs "/O=Contoso/CN=tfs.example.test"
sign tfs self tfs "-1 day" "+2 years"

# --- chains (leaf then issuing CA, as a server sends them) -------------------
cat leaf.pem intermediate.pem > chain.pem
for n in expired notyet wronghost nosan ip; do cat "$n-leaf.pem" intermediate.pem > "$n-chain.pem"; done
cat untrusted-leaf.pem untrusted-intermediate.pem > untrusted-chain.pem
cat ec-leaf.pem ec-intermediate.pem > ec-chain.pem
cat g2-leaf.pem g2-ca.pem g2-tls-root.pem g2-root.pem > chain-2026.pem
cat leaf150.pem intermediate.pem root.pem > chain-150.pem
cat leaf300.pem intermediate.pem > chain-300.pem

# --- checks -------------------------------------------------------------------
leaf_der=$(der_size leaf.pem)
[ "$leaf_der" -ge 2048 ] || die "leaf.pem is only $leaf_der bytes of DER (want >= 2048)"
check() {
    local want=$1; shift
    local got
    got=$(openssl verify "$@" 2>&1) || true
    case $got in *"$want"*) ;; *) die "openssl verify $*: ${got//$'\n'/ } (wanted $want)";; esac
}
check OK -CAfile root.pem -untrusted intermediate.pem leaf.pem
check OK -CAfile ec-root.pem -untrusted ec-intermediate.pem ec-leaf.pem
check OK -CAfile tfs.pem tfs.pem
check OK -CAfile g2-root.pem -untrusted g2-tls-root.pem -untrusted g2-ca.pem g2-leaf.pem
check OK -CAfile root.pem -untrusted intermediate.pem leaf150.pem
check OK -CAfile root.pem -untrusted intermediate.pem nosan-leaf.pem
check OK -CAfile root.pem -untrusted intermediate.pem -verify_ip 10.0.2.2 ip-leaf.pem
check "IP address mismatch" -CAfile root.pem -untrusted intermediate.pem -verify_ip 10.0.2.2 leaf.pem
openssl x509 -in nosan-leaf.pem -noout -ext subjectAltName 2>/dev/null | grep -q . &&
    die "nosan-leaf.pem has a subjectAltName"
check OK -CAfile untrusted-root.pem -untrusted untrusted-intermediate.pem untrusted-leaf.pem
check "certificate has expired" -CAfile root.pem -untrusted intermediate.pem expired-leaf.pem
check "certificate is not yet valid" -CAfile root.pem -untrusted intermediate.pem notyet-leaf.pem
check "unable to get local issuer" -CAfile root.pem untrusted-chain.pem
for f in root.pem ec-root.pem tfs.pem g2-root.pem; do
    s=$(der_size "$f")
    [ "$s" -le 2048 ] || die "$f is $s bytes of DER: too big for the device's 'ca add' (2048)"
done

sz() { printf '%5d' "$(der_size "$1")"; }
chain_sz() { local f t=0; for f in "$@"; do t=$((t + $(der_size "$f"))); done; printf '%5d' "$t"; }
cat > README.txt <<EOF
Test PKI made by tools/testpki.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ).  Test keys only: nothing here is secret.
PEM files; "DER" is the certificate's DER size in bytes (a chain's: the sum).
Chains are leaf then issuing CA, as a server sends them (no root, except
chain-2026 and chain-150).  Trust anchors: root.pem (RSA), ec-root.pem
(ECDSA), g2-root.pem (the 2026 shape), tfs.pem (pinned self-signed).

  file                        DER  what
  root.pem / .key           $(sz root.pem)  "pipebutton Test Root", RSA-4096, self-signed, CA:true (the device's test anchor)
  intermediate.pem / .key   $(sz intermediate.pem)  "pipebutton Test Issuing CA", RSA-2048, CA:true pathlen:0, signed by root
  leaf.pem / leaf.key       $(sz leaf.pem)  dev.azure.com, RSA-2048, 53 DNS names like Azure's, serverAuth+clientAuth,
                                  valid from yesterday for a year, signed by intermediate
  chain.pem                        leaf + intermediate: what the emulator serves
  expired-leaf.pem / .key   $(sz expired-leaf.pem)  as leaf, valid 60 days ago until yesterday;     expired-chain.pem
  notyet-leaf.pem / .key    $(sz notyet-leaf.pem)  as leaf, valid from 180 days ahead;             notyet-chain.pem
  wronghost-leaf.pem / .key $(sz wronghost-leaf.pem)  CN and only SAN other.example.com;            wronghost-chain.pem
  nosan-leaf.pem / .key     $(sz nosan-leaf.pem)  CN dev.azure.com, no subjectAltName at all;    nosan-chain.pem
  ip-leaf.pem / .key        $(sz ip-leaf.pem)  CN 10.0.2.2, only SAN IP:10.0.2.2 (a host given as an address); ip-chain.pem
  untrusted-root.pem        $(sz untrusted-root.pem)  "Untrusted Root", RSA-2048 (the device must not trust it)
  untrusted-intermediate.pem$(sz untrusted-intermediate.pem)  "Untrusted Issuing CA", under untrusted-root
  untrusted-leaf.pem / .key $(sz untrusted-leaf.pem)  as leaf, under untrusted-intermediate;         untrusted-chain.pem
  ec-root.pem / .key        $(sz ec-root.pem)  "pipebutton Test ECC Root", P-384, ecdsa-with-SHA384
  ec-intermediate.pem / .key$(sz ec-intermediate.pem)  "pipebutton Test ECC Issuing CA", P-384, pathlen:0, signed by ec-root
  ec-leaf.pem / .key        $(sz ec-leaf.pem)  dev.azure.com, P-256, same names, for ECDHE-ECDSA;  ec-chain.pem
  g2-root.pem / .key        $(sz g2-root.pem)  "pipebutton Test Global Root G2", RSA-2048 (as DigiCert Global Root G2)
  g2-tls-root.pem / .key    $(sz g2-tls-root.pem)  "pipebutton Test TLS RSA Root G2", RSA-4096, CA, SHA-384 by g2-root
  g2-ca.pem / .key          $(sz g2-ca.pem)  "pipebutton Test TLS G2 RSA CA OCSP 02", RSA-4096, pathlen:0, SHA-384
  g2-leaf.pem / .key        $(sz g2-leaf.pem)  dev.azure.com, RSA-2048, 60 names, valid about six months, SHA-384
  chain-2026.pem            $(chain_sz g2-leaf.pem g2-ca.pem g2-tls-root.pem g2-root.pem)  all four, root included (anchor: g2-root.pem)
  leaf150.pem / .key        $(sz leaf150.pem)  dev.azure.com, 150 names, under intermediate
  chain-150.pem             $(chain_sz leaf150.pem intermediate.pem root.pem)  leaf150 + intermediate + root
  leaf300.pem / .key        $(sz leaf300.pem)  dev.azure.com, 300 names, under intermediate
  chain-300.pem             $(chain_sz leaf300.pem intermediate.pem)  leaf300 + intermediate: more than the device's heap holds
  tfs.pem / tfs.key         $(sz tfs.pem)  tfs.example.test, RSA-2048, self-signed server certificate (CA:false),
                                  valid from yesterday for 2 years: pin it with 'ca add'

Serve one with:  python3 tools/webhook_emulator.py --cert chain.pem --key leaf.key --webhook org/name=secret
Check one with:  openssl verify -CAfile root.pem -untrusted intermediate.pem leaf.pem
EOF

for f in "${FILES[@]}"; do
    mv -f "$f" "$out/$f"
done
chmod 0644 "$out"/*.key
touch "$out/.done"
echo "$prog: made ${#FILES[@]} files in $out ($leaf_der-byte leaf for dev.azure.com)"
