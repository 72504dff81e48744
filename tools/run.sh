#!/usr/bin/env bash
# `make run`: the firmware in QEMU pressing its button.
#
# Offline (default): everything inside a private network namespace with only
# loopback (spec section 7): QEMU's user network, the Azure-compatible webhook
# emulator (HTTPS with a test PKI), and DNS and time servers, all on the
# namespace's loopback, which the device reaches at 10.0.2.2.  The device is
# provisioned (test root through `ca add`), the button is pressed through QMP,
# and the emulator prints the request it verified; the simulated pipeline run
# that call started is followed to its end (EVT run ... queued, running,
# completed result=succeeded).  Then this terminal is the device's console.
#
# Real Azure DevOps: with AZDO_ORG, AZDO_WEBHOOK and AZDO_SECRET set, the
# device is provisioned for dev.azure.com (AZDO_HOST/AZDO_PORT override) and
# uses the host's network; nothing else is started.  AZDO_PROJECT and AZDO_PAT
# (Build (Read)) set too make it follow the runs it starts.
set -euo pipefail
elf=$(realpath "${1:?usage: run.sh <elf>}")
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-/usr/bin/python3}
real=0
if [ -n "${AZDO_ORG:-}" ] && [ -n "${AZDO_WEBHOOK:-}" ] && [ -n "${AZDO_SECRET:-}" ]; then
    real=1
elif [ "${PB_NETNS:-}" != "1" ]; then
    exec "$root/tools/netns" bash "$0" "$elf"
fi

dir="$root/build/run"
mkdir -p "$dir"
qmp="$dir/qmp.sock"
con="$dir/console.sock"
rm -f "$qmp" "$con"
pids=()
# pids are the programs themselves (their output filters are process
# substitutions, which end when the program does), so the wait ends.
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT

if [ "$real" = 1 ]; then
    echo "pipebutton in QEMU -> https://${AZDO_HOST:-dev.azure.com}/$AZDO_ORG/... (real Azure DevOps, host network)"
    cat >"$dir/device.json" <<EOT
{"org": "$AZDO_ORG", "webhook": "$AZDO_WEBHOOK", "host": "${AZDO_HOST:-dev.azure.com}", "port": "${AZDO_PORT:-443}"${AZDO_PROJECT:+, "project": "$AZDO_PROJECT"}}
EOT
    export PB_SECRET="$AZDO_SECRET"
    export PB_PAT="${AZDO_PAT:-}"
    ca=()
else
    bash "$root/tools/testpki.sh" "$root/build/testpki" >/dev/null
    pki="$root/build/testpki"
    demo_secret="make-run-demo-secret"
    demo_pat="make-run-demo-pat"
    # Each accepted call also starts a simulated pipeline run in project
    # demo (queued 5 s, running 8 s, succeeded; tagged at once, so the
    # device sees it queued), whose Builds API answers a PAT of scope Build
    # (Read); the device polls it every 2 s.
    "$py" "$root/tools/webhook_emulator.py" --cert "$pki/chain.pem" --key "$pki/leaf.key" --port 8443 \
        --webhook "demo-org/port_trigger=$demo_secret" --project demo-org/demo \
        --pat "demo-org=$demo_pat" --runs succeeded,queued=5,running=8,appear=0 \
        > >(sed -u 's/^/  [azure emulator] /; s/$/\r/') 2>&1 &
    pids+=($!)
    "$py" "$root/tools/netservers.py" dns --port 5353 --quiet --record dev.azure.com=10.0.2.2 \
        --record pool.ntp.org=10.0.2.2 >"$dir/dns.log" 2>&1 &
    pids+=($!)
    "$py" "$root/tools/netservers.py" sntp --port 1123 --quiet >"$dir/sntp.log" 2>&1 &
    pids+=($!)
    cat >"$dir/device.json" <<'EOT'
{"org": "demo-org", "webhook": "port_trigger", "port": "8443",
 "dns": "10.0.2.2:5353", "ntp": "10.0.2.2:1123",
 "blueprint": "service", "action.trigger": {"environment": "demo", "reason": "button"},
 "project": "demo", "run.poll_s": "2"}
EOT
    export PB_SECRET="$demo_secret"
    export PB_PAT="$demo_pat"
    ca=(--ca "$pki/root.pem")
    echo "pipebutton in QEMU (lm3s6965evb), offline: a private network namespace with an Azure DevOps"
    echo "webhook emulator, DNS and time servers at 10.0.2.2 -- scratch folder build/run/"
fi

cd "$dir"
net=(-nic user,model=stellaris,id=net0)
# QEMU 7.2 prints "Timer with period zero, disabling" while it creates the
# lm3s6965evb machine, before any guest instruction runs (with no kernel
# too): a remark about its own timer model, not the firmware's doing.  That
# line and QEMU's note that this script's cleanup stopped it are kept out of
# the demo; every other QEMU message still shows.
qemu-system-arm -M lm3s6965evb -kernel "$elf" -display none -monitor none \
    -chardev "socket,id=con,path=$con,server=on,wait=off" -serial chardev:con \
    -qmp "unix:$qmp,server=on,wait=off" -semihosting-config enable=on,target=native "${net[@]}" \
    2> >(grep --line-buffered -vx -e 'Timer with period zero, disabling' \
              -e 'qemu-system-arm: terminating on signal 15 from pid [0-9]* (bash)' >&2) &
pids+=($!)
for _ in $(seq 100); do [ -S "$con" ] && [ -S "$qmp" ] && break; sleep 0.1; done

echo "== provisioning the device (tools/provision) =="
"$py" "$root/tools/provision" --socket "$con" --reset "${ca[@]}" "$dir/device.json" | sed 's/^/  /'
cat <<EOT
== the device's console: this terminal ==
  In a moment the primary button (select) is pressed through QMP: watch EVT press,
  queued, sending, delivered, and the emulator's line with the verified request;
  then the pipeline run it started: EVT run ... state=queued, running, and
  completed result=succeeded (about 15 s).
  Then type 'help' and Enter ('echo on' shows what you type); try 'status', 'queue',
  'run', 'trigger {"reason":"typed"}'.  From another terminal:
  tools/press select|up|down|left|right [short|long|double].  Ctrl-] quits.
EOT
(
    sleep 1
    PB_QMP="$qmp" "$root/tools/press" --prime
    sleep 0.3
    PB_QMP="$qmp" "$root/tools/press" select >/dev/null
) &
pids+=($!)
"$py" "$root/tools/console" "$con"
