#!/usr/bin/env bash
# `make size`: flash and RAM of every board image, from the linked ELF.
# flash = vectors + code + constants + .data's initial values;
# static RAM = .data + .bss + .dma + .noinit; the stack is reserved at the
# bottom of RAM and the heap gets what is left above the static data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
printf '%-16s %10s %10s %12s %10s %10s\n' board flash "flash max" "static RAM" stack "RAM max"
for b in "$@"; do
    elf="$root/build/$b/pipebutton.elf"
    [ -f "$elf" ] || { echo "size: $elf missing (run make BOARD=$b)" >&2; exit 1; }
    read -r text data bss < <(arm-none-eabi-size -A "$elf" | awk '
        $1==".isr_vector"||$1==".text"||$1==".ARM.exidx" {t+=$2}
        $1==".data" {d+=$2}
        $1==".bss"||$1==".dma"||$1==".noinit" {b+=$2}
        END {print t+0, d+0, b+0}')
    sym() { echo $((16#$(arm-none-eabi-nm "$elf" | awk -v s="$1" '$3==s {print $1}'))); }
    stack=$(( $(sym _estack) - $(sym _sstack) ))
    flash_max=$(sed -n 's/.*FLASH.*LENGTH = \([0-9]*\)K.*/\1/p' "$root/$(sed -n 's/^BOARD_LDSCRIPT *:= *//p' "$root/board/$b/board.mk")")
    ram_max=$(sed -n 's/.*RAM .*LENGTH = \([0-9]*\)K.*/\1/p' "$root/$(sed -n 's/^BOARD_LDSCRIPT *:= *//p' "$root/board/$b/board.mk")")
    printf '%-16s %10d %9dK %12d %10d %9dK\n' "$b" $((text + data)) "$flash_max" $((data + bss)) "$stack" "$ram_max"
done
