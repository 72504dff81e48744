#!/usr/bin/env bash
# GDB on a NUCLEO-F429ZI through OpenOCD: `make debug BOARD=nucleo-f429zi`.
#
#   debug.sh <elf> <gdb-port> <openocd-board-cfg> <openocd-log> [gdb options...]
#
# OpenOCD runs in the background, in a session of its own so that the Ctrl-C
# which interrupts the target in GDB does not also stop OpenOCD, and it is
# stopped when GDB exits, however GDB exits.  Env: OPENOCD, GDB (programs).
set -euo pipefail

elf=$1 port=$2 cfg=$3 log=$4
shift 4
openocd=${OPENOCD:-openocd}
gdb=${GDB:-gdb-multiarch}

setsid "$openocd" -f "$cfg" -c "gdb_port $port" >"$log" 2>&1 &
ocd=$!
trap 'kill "$ocd" 2>/dev/null || true; wait "$ocd" 2>/dev/null || true' EXIT
# The terminal's Ctrl-C reaches this shell too: outlive it, like GDB does, so OpenOCD
# is stopped only once GDB is done.
trap ':' INT

# Ready when OpenOCD says it listens; gone means no board, or a busy ST-LINK.
for _ in $(seq 100); do
    if grep -q "Listening on port $port for gdb connections" "$log" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$ocd" 2>/dev/null; then
        echo "debug: OpenOCD stopped (is the board connected over USB?):" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.1
done

# Debug what was just built: load it, then start from reset.
"$gdb" "$elf" -ex "target extended-remote :$port" -ex 'monitor reset halt' -ex load \
    -ex 'monitor reset halt' "$@"
