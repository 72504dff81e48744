#!/usr/bin/env bash
# `make debug` for lm3s6965evb: QEMU halted at reset with its gdbstub, in a
# scratch folder, and GDB attached.  QEMU ends when GDB does.
# usage: debug-qemu.sh <elf> <gdb-port> [extra gdb arguments...]
set -euo pipefail
elf=$(realpath "${1:?usage: debug-qemu.sh <elf> <port> [gdb args]}")
port=${2:?port}
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/pb-debug.XXXXXX")
(cd "$dir" && exec qemu-system-arm -M lm3s6965evb -kernel "$elf" -display none -monitor none \
    -serial "file:$dir/console.log" -semihosting-config enable=on,target=native -nic none \
    -S -gdb "tcp:127.0.0.1:$port") &
qemu=$!
trap 'kill $qemu 2>/dev/null || true; wait $qemu 2>/dev/null || true; rm -rf "$dir"' EXIT
echo "debug: QEMU halted at reset, gdbstub on 127.0.0.1:$port, console in $dir/console.log"
gdb-multiarch -q "$elf" -ex "target remote 127.0.0.1:$port" "$@"
