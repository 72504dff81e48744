#!/usr/bin/env bash
# `make run`: boots the firmware in QEMU with its console on this terminal.
# QEMU runs in build/run/, its own scratch folder (semihosting reaches files
# there); tools/press drives the buttons over QMP at build/run/qmp.sock.
set -euo pipefail
elf=$(realpath "${1:?usage: run.sh <elf>}")
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/run"
mkdir -p "$dir"
qmp="$dir/qmp.sock"
rm -f "$qmp"

cat <<EOT
pipebutton in QEMU (lm3s6965evb) -- scratch folder: build/run/
  The console is this terminal: type 'help' and Enter ('echo on' shows what you type).
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
exec qemu-system-arm -M lm3s6965evb -kernel "$elf" -display none \
    -serial mon:stdio -qmp "unix:$qmp,server=on,wait=off" \
    -semihosting-config enable=on,target=native -nic none
