#!/usr/bin/env bash
# Test certificates for the webhook emulator (tools/webhook_emulator.py) and
# the device's TLS tests:
#
#   tools/testpki.sh OUTDIR          e.g. tools/testpki.sh build/testpki
#
# Makes, with openssl, a test root and issuing CA and under them a leaf for
# dev.azure.com shaped like Azure's (53 names, more than 2 KB of DER), the
# failure cases (expired, not yet valid, wrong host, untrusted root), an ECDSA
# chain and a self-signed on-premises server certificate.  OUTDIR/README.txt
# lists the files.  Nothing here is secret: the keys are test keys.
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
       untrusted-root.pem untrusted-intermediate.pem untrusted-leaf.pem untrusted-leaf.key
       untrusted-chain.pem
       ec-root.pem ec-root.key ec-intermediate.pem ec-intermediate.key ec-leaf.pem ec-leaf.key
       ec-chain.pem
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
ec_key ec-intermediate P-256
csr ec-intermediate "$O/CN=pipebutton Test ECC Issuing CA"
sign ec-intermediate ec-root issuing "-400 days" "+5 years" sha384
ec_key ec-leaf P-256
csr ec-leaf "$AZ"
sign ec-leaf ec-intermediate azure_ec "-1 day" "+1 year -1 day"

# --- a self-signed on-premises server ---------------------------------------
rsa_key tfs 2048
csr tfs "/O=Contoso/CN=tfs.example.test"
sign tfs self tfs "-1 day" "+2 years"

# --- chains (leaf then issuing CA, as a server sends them) -------------------
cat leaf.pem intermediate.pem > chain.pem
for n in expired notyet wronghost; do cat "$n-leaf.pem" intermediate.pem > "$n-chain.pem"; done
cat untrusted-leaf.pem untrusted-intermediate.pem > untrusted-chain.pem
cat ec-leaf.pem ec-intermediate.pem > ec-chain.pem

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
check OK -CAfile untrusted-root.pem -untrusted untrusted-intermediate.pem untrusted-leaf.pem
check "certificate has expired" -CAfile root.pem -untrusted intermediate.pem expired-leaf.pem
check "certificate is not yet valid" -CAfile root.pem -untrusted intermediate.pem notyet-leaf.pem
check "unable to get local issuer" -CAfile root.pem untrusted-chain.pem
for f in root.pem ec-root.pem tfs.pem; do
    s=$(der_size "$f")
    [ "$s" -le 2048 ] || die "$f is $s bytes of DER: too big for the device's 'ca add' (2048)"
done

sz() { printf '%5d' "$(der_size "$1")"; }
cat > README.txt <<EOF
Test PKI made by tools/testpki.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ).  Test keys only: nothing here is secret.
PEM files; "DER" is the certificate's DER size in bytes.  Chains are leaf then
issuing CA, as a server sends them (no root).  Trust anchors: root.pem (RSA),
ec-root.pem (ECDSA), tfs.pem (pinned self-signed).

  file                        DER  what
  root.pem / .key           $(sz root.pem)  "pipebutton Test Root", RSA-4096, self-signed, CA:true (the device's test anchor)
  intermediate.pem / .key   $(sz intermediate.pem)  "pipebutton Test Issuing CA", RSA-2048, CA:true pathlen:0, signed by root
  leaf.pem / leaf.key       $(sz leaf.pem)  dev.azure.com, RSA-2048, 53 DNS names like Azure's, serverAuth+clientAuth,
                                  valid from yesterday for a year, signed by intermediate
  chain.pem                        leaf + intermediate: what the emulator serves
  expired-leaf.pem / .key   $(sz expired-leaf.pem)  as leaf, valid 60 days ago until yesterday;     expired-chain.pem
  notyet-leaf.pem / .key    $(sz notyet-leaf.pem)  as leaf, valid from 180 days ahead;             notyet-chain.pem
  wronghost-leaf.pem / .key $(sz wronghost-leaf.pem)  CN and only SAN other.example.com;            wronghost-chain.pem
  untrusted-root.pem        $(sz untrusted-root.pem)  "Untrusted Root", RSA-2048 (the device must not trust it)
  untrusted-intermediate.pem$(sz untrusted-intermediate.pem)  "Untrusted Issuing CA", under untrusted-root
  untrusted-leaf.pem / .key $(sz untrusted-leaf.pem)  as leaf, under untrusted-intermediate;         untrusted-chain.pem
  ec-root.pem / .key        $(sz ec-root.pem)  "pipebutton Test ECC Root", P-384, ecdsa-with-SHA384
  ec-intermediate.pem / .key$(sz ec-intermediate.pem)  "pipebutton Test ECC Issuing CA", P-256, pathlen:0, signed by ec-root
  ec-leaf.pem / .key        $(sz ec-leaf.pem)  dev.azure.com, P-256, same names, for ECDHE-ECDSA;  ec-chain.pem
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
