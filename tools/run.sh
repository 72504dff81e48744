#!/usr/bin/env bash
# `make run`: boots the firmware in QEMU with its console on this terminal.
# Everything runs inside a private network namespace with only loopback
# (spec section 7): QEMU's user network, plus a DNS and a time server on the
# namespace's loopback, which the device reaches at 10.0.2.2.  QEMU runs in
# build/run/, its own scratch folder (semihosting reaches files there);
# tools/press drives the buttons over QMP at build/run/qmp.sock.
set -euo pipefail
elf=$(realpath "${1:?usage: run.sh <elf>}")
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${PB_NETNS:-}" != "1" ]; then
    exec "$root/tools/netns" bash "$0" "$elf"
fi
dir="$root/build/run"
mkdir -p "$dir"
qmp="$dir/qmp.sock"
rm -f "$qmp"
py=${PYTHON:-/usr/bin/python3}

# Local stand-ins for the Internet's DNS and NTP, inside the namespace.
"$py" "$root/tools/netservers.py" dns --port 5353 --quiet \
    --record dev.azure.com=10.0.2.2 --record pool.ntp.org=10.0.2.2 >"$dir/dns.log" 2>&1 &
dns=$!
"$py" "$root/tools/netservers.py" sntp --port 1123 --quiet >"$dir/sntp.log" 2>&1 &
sntp=$!
trap 'kill $dns $sntp 2>/dev/null || true' EXIT

cat <<EOT
pipebutton in QEMU (lm3s6965evb) -- scratch folder: build/run/, private network namespace
  The console is this terminal: type 'help' and Enter ('echo on' shows what you type).
  The device gets 10.0.2.15 by DHCP.  Local DNS and time servers answer at 10.0.2.2:
      config set dns 10.0.2.2:5353
      config set ntp 10.0.2.2:1123          (then: status shows time=synced)
  Press buttons from another terminal:
      tools/press select            (the primary button: runs the trigger action)
      tools/press up long           (select|up|down|left|right, short|long|double)
  or here: Ctrl-A c opens QEMU's monitor, 'sendkey ctrl 100' presses select,
  Ctrl-A c returns.  Ctrl-A x quits.
EOT

# QEMU holds the button lines low until each key is used once: arm them as
# soon as QMP answers (spec section 1).
(
    for _ in $(seq 100); do
        [ -S "$qmp" ] && break
        sleep 0.1
    done
    PB_QMP="$qmp" "$root/tools/press" --prime >/dev/null 2>&1 || true
) &

cd "$dir"
qemu-system-arm -M lm3s6965evb -kernel "$elf" -display none \
    -serial mon:stdio -qmp "unix:$qmp,server=on,wait=off" \
    -semihosting-config enable=on,target=native -nic user,model=stellaris,id=net0
