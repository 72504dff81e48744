#!/usr/bin/env bash
# tools/bootstrap.sh - idempotent one-command dependency set-up for pipebutton.
#
# Called first by `make run` and `make test`; safe to run by hand at any time.
# Target: Debian 12 (bookworm).
#
#   1. Checks (dpkg-query) that the Debian packages in REQUIRED_PACKAGES, plus any
#      package names given as arguments, are installed.  As root it installs the
#      missing ones (one `apt-get update`, then `apt-get install`); as non-root it
#      prints the exact `sudo apt-get install -y ...` line and exits 1 (after
#      still doing step 2).
#   2. Fetches the Debian *source* packages of lwIP 2.2.1 and Mbed TLS 3.6.6
#      from Debian 13 (trixie: the supported Mbed TLS LTS branch; Debian 12's
#      2.28 is out of support) into $DEPS_DIR (default: <repo>/build/deps) and
#      extracts them with `dpkg-source -x` into $DEPS_DIR/lwip and
#      $DEPS_DIR/mbedtls, verifying the versions from the extracted headers.
#      Only sources are fetched from trixie; nothing is installed from it.
#      Works without root: the deb-src entries are derived at run time from
#      this machine's own apt sources (its Debian archive entries, with this
#      release's suite names turned into trixie's: bookworm-security becomes
#      trixie-security) and used through a private apt configuration under
#      $DEPS_DIR/apt; /etc/apt and /var/lib/apt are only read, never written.
#      $DEPS_DIR/.sources-stamp makes later runs a cheap check.
#   3. On success (exit 0) writes $DEPS_DIR/.bootstrap-done (the Makefile's
#      BOOTSTRAP_STAMP); on any failure removes it, so make runs this again.
#
# Usage:   tools/bootstrap.sh [--help] [EXTRA-DEBIAN-PACKAGE...]
# Env:     DEPS_DIR   where third-party sources go (default <repo>/build/deps)
# Exit:    0 everything in place; 1 packages missing (non-root) or any failure.

set -euo pipefail

REQUIRED_PACKAGES=(
    gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
    qemu-system-arm gdb-multiarch openocd stlink-tools
    libcmocka-dev libssl-dev python3-pytest python3-serial python3-yaml
    openssl ca-certificates dpkg-dev gcc make
    clang libclang-rt-14-dev cppcheck iproute2 util-linux
)

# Required upstream versions: matched against the Debian source version and
# against the extracted headers (verify_lwip / verify_mbedtls).
LWIP_UPSTREAM=2.2.1
MBEDTLS_UPSTREAM=3.6.6
# The Debian release whose source packages carry them.
SOURCE_SUITE=trixie

say() { printf 'bootstrap: %s\n' "$*"; }
warn() { printf 'bootstrap: warning: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

STAGE=  # temporary download/extract directory, removed on exit
DONE=   # $DEPS_DIR/.bootstrap-done, removed on failure
on_exit() {
    local rc=$?
    [[ -n $STAGE ]] && rm -rf -- "$STAGE"
    if ((rc != 0)) && [[ -n $DONE ]]; then rm -f -- "$DONE" 2>/dev/null || true; fi
    return "$rc"
}
trap on_exit EXIT

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
DEPS_DIR=${DEPS_DIR:-$repo_root/build/deps}
[[ $DEPS_DIR == /* ]] || DEPS_DIR=$PWD/$DEPS_DIR
STAMP=$DEPS_DIR/.sources-stamp

packages=("${REQUIRED_PACKAGES[@]}")
for arg in "$@"; do
    case $arg in
        -h | --help) usage; exit 0 ;;
        -*) die "unknown option '$arg' (see --help)" ;;
    esac
    [[ $arg =~ ^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$ ]] || die "'$arg' is not a Debian package name"
    packages+=("$arg")
done
DONE=$DEPS_DIR/.bootstrap-done

# ---------------------------------------------------------------------------
# Step 1: Debian packages
# ---------------------------------------------------------------------------

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script needs Debian 12 (bookworm)"

# Prints the names (one per line) of the packages in "$@" that are not installed.
missing_packages() {
    local -A installed=()
    local name status p
    # Unknown packages make dpkg-query exit 1 and complain on stderr; that is
    # the "missing" case, so both are ignored.  Multi-Arch packages may print
    # one line per architecture; any installed one counts.
    while read -r name status; do
        [[ ${status:1:1} == i ]] && installed[${name%%:*}]=1
    done < <(dpkg-query -W -f='${binary:Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
    for p in "$@"; do
        [[ -n ${installed[${p%%:*}]:-} ]] || printf '%s\n' "$p"
    done
}

mapfile -t missing < <(missing_packages "${packages[@]}")

if ((${#missing[@]} > 0)) && ((EUID == 0)); then
    say "installing ${#missing[@]} missing package(s): ${missing[*]}"
    apt-get update -q || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
        || die "apt-get install failed for: ${missing[*]}"
    mapfile -t missing < <(missing_packages "${packages[@]}")
    ((${#missing[@]} == 0)) || die "still not installed after apt-get install: ${missing[*]}"
fi

# ---------------------------------------------------------------------------
# Step 2: third-party sources (lwIP, mbedTLS) from Debian source packages
# ---------------------------------------------------------------------------

# Value of a simple '#define NAME value' in header $1 (first match; quotes kept).
c_define() {
    sed -n "s/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}$2[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p" "$1" | head -n 1
}

# verify_* print nothing and return 0 when the extracted tree at $1 is the
# required version; otherwise print the reason and return 1.
verify_lwip() {
    local h=$1/src/include/lwip/init.h major minor rev
    [[ -r $h ]] || { echo "$h not found"; return 1; }
    major=$(c_define "$h" LWIP_VERSION_MAJOR)
    minor=$(c_define "$h" LWIP_VERSION_MINOR)
    rev=$(c_define "$h" LWIP_VERSION_REVISION)
    [[ "$major.$minor.$rev" == "$LWIP_UPSTREAM" ]] \
        || { echo "$h defines lwIP $major.$minor.$rev, need $LWIP_UPSTREAM"; return 1; }
}

verify_mbedtls() {
    local h=$1/include/mbedtls/build_info.h ver
    [[ -r $h ]] || { echo "$h not found"; return 1; }
    ver=$(c_define "$h" MBEDTLS_VERSION_STRING)
    [[ $ver == "\"$MBEDTLS_UPSTREAM\"" ]] \
        || { echo "$h defines MBEDTLS_VERSION_STRING $ver, need \"$MBEDTLS_UPSTREAM\""; return 1; }
}

stamp_ok() {
    [[ -r $STAMP ]] || return 1
    local want have
    want=$(printf 'lwip %s\nmbedtls %s\n' "$LWIP_UPSTREAM" "$MBEDTLS_UPSTREAM")
    have=$(cut -d ' ' -f 1,2 "$STAMP")
    [[ $have == "$want" ]] || return 1
    verify_lwip "$DEPS_DIR/lwip" >/dev/null && verify_mbedtls "$DEPS_DIR/mbedtls" >/dev/null
}

# Debian version of $1 reduced to its upstream part without repack suffix:
# 1:2.1.3+dfsg1-2 -> 2.1.3
upstream_of() {
    local v=${1#*:}
    [[ $v == *-* ]] && v=${v%-*}
    v=${v%%+*}
    printf '%s\n' "${v%%~*}"
}

# Emits one record per (URI, suite) of the machine's apt sources:
#   types US uri US suite US components US signed-by US file:line
# (US = ASCII unit separator, so that empty fields survive `read`).
# Args: one-line .list files and deb822 .sources files (by extension).
parse_apt_sources() {
    local f lists=() deb822=()
    for f in "$@"; do
        [[ -r $f ]] || continue
        if [[ $f == *.sources ]]; then deb822+=("$f"); else lists+=("$f"); fi
    done
    if ((${#lists[@]})); then
        awk '
        { sub(/#.*/, "") }
        NF >= 3 && ($1 == "deb" || $1 == "deb-src") {
            i = 2; opts = ""
            if (substr($2, 1, 1) == "[") {
                for (; i <= NF; i++) { opts = opts " " $i; if (index($i, "]")) { i++; break } }
                gsub(/[][]/, "", opts)
            }
            uri = $i
            if (uri ~ /^cdrom:\[/)   # cdrom:[Debian GNU/Linux 12 ...]/ contains blanks
                while (uri !~ /\]/ && i < NF) uri = uri " " $(++i)
            suite = $(i + 1); comps = ""
            for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
            signed = ""
            n = split(opts, o, /[ \t]+/)
            for (k = 1; k <= n; k++)
                if (tolower(o[k]) ~ /^signed-by=/) signed = substr(o[k], 11)
            printf "%s\037%s\037%s\037%s\037%s\037%s:%d\n", $1, uri, suite, comps, signed, FILENAME, FNR
        }' "${lists[@]}"
    fi
    if ((${#deb822[@]})); then
        awk '
        function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
        function flush(   nu, ns, u, s, en, signed) {
            if (has) {
                en = tolower(trim(val["enabled"]))
                signed = trim(val["signed-by"])
                if (multi["signed-by"] || signed ~ /^-----BEGIN/) signed = "(embedded key)"
                nu = split(val["uris"], U, /[ \t]+/)
                ns = split(val["suites"], S, /[ \t]+/)
                if (en != "no")
                    for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
                        if (U[u] != "" && S[s] != "")
                            printf "%s\037%s\037%s\037%s\037%s\037%s:%d\n", trim(val["types"]), U[u], S[s],
                                trim(val["components"]), signed, pfile, start
            }
            has = 0; cur = ""; split("", val); split("", multi)
        }
        FNR == 1 { flush() }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (cur != "") { val[cur] = val[cur] " " $0; multi[cur] = 1 }; next }
        {
            p = index($0, ":"); if (!p) next
            if (!has) { start = FNR; pfile = FILENAME }
            cur = tolower(substr($0, 1, p - 1)); val[cur] = trim(substr($0, p + 1)); has = 1
        }
        END { flush() }' "${deb822[@]}"
    fi
}

# Accepts an empty signed-by (key from apt's trusted keyrings) or only keyring
# files named debian-archive-* (debian-archive-keyring.gpg etc.).
# Prints the comma-joined list to use, or fails.
debian_signed_by() {
    local item out=() items
    IFS=', ' read -r -a items <<<"$1"
    for item in "${items[@]}"; do
        [[ $item == /* && $(basename -- "$item") == debian-archive-* && -r $item ]] || return 1
        out+=("$item")
    done
    local IFS=,
    printf '%s\n' "${out[*]}"
}

fetch_sources() {
    command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source not found: lwip/mbedtls sources need dpkg-dev installed first"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found"

    local codename
    codename=$(sed -n 's/^VERSION_CODENAME=["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' /etc/os-release 2>/dev/null || true)
    [[ -n $codename ]] || die "VERSION_CODENAME missing from /etc/os-release"
    local want_suite=$SOURCE_SUITE

    local apt_dir=$DEPS_DIR/apt
    mkdir -p "$apt_dir"/{sources.list.d,preferences.d,state/lists/partial,cache/archives/partial}
    local log=$apt_dir/bootstrap.log
    : >"$log"

    # --- derive deb-src entries from the machine's apt sources -------------
    local sl sp main_conf
    eval "$(apt-config shell sl Dir::Etc::sourcelist/f sp Dir::Etc::sourceparts/d main_conf Dir::Etc::main/f)"
    local files=("${sl:-}")
    if [[ -n ${sp:-} && -d $sp ]]; then
        shopt -s nullglob
        files+=("$sp"*.list "$sp"*.sources)
        shopt -u nullglob
    fi

    # Entries for the same URI and suite are merged (apt rejects duplicates
    # with different options): components are united, the first explicit
    # Debian keyring wins.
    local -a order=() lines=()
    local -A comps_of=() keys_of=()
    local types uri suite comps signed where keys reason k c
    while IFS=$'\037' read -r types uri suite comps signed where; do
        reason=
        keys=
        if [[ " $types " != *" deb "* && " $types " != *" deb-src "* ]]; then
            reason="types '$types'"
        elif [[ $suite != "$codename" && $suite != "$codename"-* ]]; then
            reason="suite '$suite' is not $codename*"
        elif [[ -z $comps ]]; then
            reason="flat repository"
        elif [[ $uri == cdrom:* ]]; then
            reason="cdrom"
        elif ! keys=$(debian_signed_by "$signed"); then
            reason="signed-by '$signed' is not the Debian archive keyring"
        fi
        if [[ -n $reason ]]; then
            say "skipping apt source $where ($uri $suite): $reason"
            continue
        fi
        # The same archive, the source release's suite: bookworm-updates ->
        # trixie-updates.
        k="${uri%/} $want_suite${suite#"$codename"}"
        if [[ -z ${comps_of[$k]+set} ]]; then
            order+=("$k")
            comps_of[$k]=
            keys_of[$k]=
        fi
        for c in $comps; do
            [[ " ${comps_of[$k]} " == *" $c "* ]] || comps_of[$k]+=" $c"
        done
        [[ -n ${keys_of[$k]} ]] || keys_of[$k]=$keys
    done < <(parse_apt_sources "${files[@]}")
    for k in "${order[@]}"; do
        keys=${keys_of[$k]}
        lines+=("deb-src ${keys:+[signed-by=$keys] }$k${comps_of[$k]}")
    done
    ((${#lines[@]} > 0)) || die "no Debian archive entries for '$codename' found in ${files[*]}"

    local src_list=$apt_dir/sources.list
    printf '%s\n' "# generated by tools/bootstrap.sh from this machine's apt sources" "${lines[@]}" >"$src_list"

    # --- private apt configuration -----------------------------------------
    # APT_CONFIG is read before apt.conf.d and Dir::Etc::main after it; pointing
    # Dir::Etc::main back at this file lets it clear the system's update hooks
    # (they must not run for this private update).  The system's own main config
    # (and a caller's APT_CONFIG) are included so proxy settings still apply.
    local conf=$apt_dir/apt.conf inc text
    text=$(printf 'Dir::Etc::main "%s";' "$conf")
    for inc in "${main_conf:-}" "${APT_CONFIG:-}"; do
        [[ -n $inc && -r $inc && $inc != "$conf" ]] && text+=$'\n'"#include \"$inc\";"
    done
    text+=$'\n#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;'
    text+=$'\n#clear APT::Update::Post-Invoke-Success;'
    printf '%s\n' "$text" >"$conf"
    local -a apt_opts=(
        -o "Dir::Etc::sourcelist=$src_list"
        -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
        -o "Dir::Etc::preferences=$apt_dir/preferences"
        -o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
        -o "Dir::State=$apt_dir/state"
        -o "Dir::State::Lists=$apt_dir/state/lists"
        -o "Dir::Cache=$apt_dir/cache"
        -o "Dir::Cache::Archives=$apt_dir/cache/archives"
        -o Debug::NoLocking=1
        -o APT::Get::Only-Source=true
        -o APT::Cache::Only-Source=true
    )
    papt() { APT_CONFIG=$conf "$@"; }

    say "updating private source index (${#lines[@]} Debian archive entries, log: $log)"
    if ! papt apt-get "${apt_opts[@]}" update >>"$log" 2>&1; then
        warn "apt-get update reported errors (see $log); continuing with what was fetched"
    fi

    # Keep only entries whose signed Release file says Origin: Debian (or Debian
    # Backports) for this release; anything else, or an index that could not be
    # fetched, is dropped before package versions are looked up.
    local -A good=()
    local entry origin trusted rel_codename fmt
    # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
    fmt='$(SOURCESENTRY)|$(ORIGIN)|$(TRUSTED)|$(CODENAME)'
    while IFS='|' read -r entry origin trusted rel_codename; do
        [[ ($origin == Debian || $origin == 'Debian Backports') && $trusted == yes && ($rel_codename == "$want_suite" || $rel_codename == "$want_suite"-*) ]] \
            && good[${entry##*:}]=1
    done < <(papt apt-get "${apt_opts[@]}" indextargets --format "$fmt" \
        'Identifier: Sources' 2>>"$log" || true)
    local -a kept=()
    local n
    for n in "${!lines[@]}"; do
        if [[ -n ${good[$((n + 2))]:-} ]]; then # +1 header line, +1 one-based
            kept+=("${lines[n]}")
        else
            say "dropping '${lines[n]}': no trusted Debian ($want_suite) index"
        fi
    done
    ((${#kept[@]} > 0)) || die "could not fetch any trusted Debian source index (see $log)"
    printf '%s\n' "# generated by tools/bootstrap.sh from this machine's apt sources" "${kept[@]}" >"$src_list"

    # --- choose versions ---------------------------------------------------
    local -a want=()
    local pkg up best v
    for pkg in lwip mbedtls; do
        [[ $pkg == lwip ]] && up=$LWIP_UPSTREAM || up=$MBEDTLS_UPSTREAM
        best=
        local -a found=()
        while read -r v; do
            found+=("$v")
            if [[ $(upstream_of "$v") == "$up" ]] && { [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; }; then
                best=$v
            fi
        done < <(papt apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>>"$log" \
            | awk -v p="$pkg" '/^Package: /{n=$2} /^Version: /{if (n == p) print $2}')
        [[ -n $best ]] || die "source package '$pkg' $up not available in $want_suite (found: ${found[*]:-none})"
        want+=("$pkg=$best")
    done

    # --- download, extract, verify ----------------------------------------
    say "fetching source packages ${want[*]}"
    STAGE=$(mktemp -d "$DEPS_DIR/.fetch.XXXXXX")
    local stage=$STAGE
    chmod 755 "$stage"
    # As root apt downloads as the unprivileged _apt user when it can write here.
    ((EUID == 0)) && getent passwd _apt >/dev/null && chown _apt "$stage"
    (cd "$stage" && papt apt-get "${apt_opts[@]}" source --download-only "${want[@]}") >>"$log" 2>&1 \
        || die "apt-get source failed (see $log)"

    local spec dsc dest reason
    for spec in "${want[@]}"; do
        pkg=${spec%%=*}
        v=${spec#*=}
        dsc=$stage/${pkg}_${v#*:}.dsc
        [[ -r $dsc ]] || die "$dsc missing after download (see $log)"
        dest=$stage/$pkg
        dpkg-source -x "$dsc" "$dest" >>"$log" 2>&1 || die "dpkg-source -x $dsc failed (see $log)"
        if ! reason=$("verify_$pkg" "$dest"); then
            die "$pkg $v: $reason"
        fi
    done

    # All verified: swap into place and stamp.
    rm -f -- "$STAMP"
    for spec in "${want[@]}"; do
        pkg=${spec%%=*}
        rm -rf -- "${DEPS_DIR:?}/$pkg"
        mv -- "$stage/$pkg" "$DEPS_DIR/$pkg"
    done
    printf 'lwip %s %s\nmbedtls %s %s\n' \
        "$LWIP_UPSTREAM" "${want[0]#*=}" "$MBEDTLS_UPSTREAM" "${want[1]#*=}" >"$STAMP"
    rm -rf -- "$stage"
    STAGE=
    say "extracted and verified ${want[*]} in $DEPS_DIR"
}

# Makes sure $DEPS_DIR holds the verified sources (fast path: stamp + headers).
ensure_sources() {
    stamp_ok && return 0
    mkdir -p "$DEPS_DIR" || die "cannot create $DEPS_DIR"
    [[ -w $DEPS_DIR ]] || die "$DEPS_DIR is not writable by $(id -un)"
    # Serialise concurrent runs (e.g. make -j run test); re-check once locked.
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$DEPS_DIR/.bootstrap.lock"
        flock 9
    fi
    stamp_ok || fetch_sources
}

if ((${#missing[@]} > 0)); then
    # Non-root with packages missing: still try step 2 (in a subshell, so that
    # a failure there does not hide the install line), then fail.  Not written
    # as `(...) || true`, which would switch off `set -e` inside the subshell.
    set +e
    (set -e; trap on_exit EXIT; ensure_sources)
    set -e
    printf 'bootstrap: error: %d package(s) missing: %s\n' "${#missing[@]}" "${missing[*]}" >&2
    say "install them with:"
    printf 'sudo apt-get install -y %s\n' "${missing[*]}"
    exit 1
fi

ensure_sources
{ cp -- "$STAMP" "$DONE"; } 2>/dev/null || warn "cannot write $DONE"
say "ok: ${#packages[@]} packages installed; $(tr '\n' ' ' <"$STAMP" | awk '{print $1 " " $3 ", " $4 " " $6}') in $DEPS_DIR"
