#!/usr/bin/env bash
# Production steps for a NUCLEO-F429ZI, behind `make erase-nvm` and
# `make protect` (board.mk), through OpenOCD or stlink-tools like `make flash`.
#
#   prod.sh erase-nvm <elf> <outdir>   erase the NVM regions (configuration,
#                                      secret, trust anchors, boot counter,
#                                      queue) and nothing else
#   prod.sh protect <elf> <outdir>     read-out protection level 1
#
# The NVM sectors come from the linked image: linker/stm32f429zi.ld exports
# its NVM_CONFIG and NVM_QUEUE regions as _nvm_{config,queue}_{start,size},
# and this maps them to sectors with RM0090's table of the 2 MB part (each
# region must be whole sectors).  Nothing about them is written down twice.
#
# Env: FLASHER (openocd | st-flash), OPENOCD, OPENOCD_BOARD, ST_FLASH, NM,
# CONFIRM (yes: `protect` asks nothing).  Every command is printed before it
# runs.
set -euo pipefail

usage() { echo "usage: prod.sh erase-nvm|protect <elf> <outdir>" >&2; exit 2; }
[ $# -eq 3 ] || usage
what=$1 elf=$2 outdir=$3
flasher=${FLASHER:-openocd}
openocd=${OPENOCD:-openocd}
board_cfg=${OPENOCD_BOARD:-board/st_nucleo_f4.cfg}
st_flash=${ST_FLASH:-st-flash}
nm=${NM:-arm-none-eabi-nm}

case $flasher in
openocd | st-flash) ;;
*) echo "prod.sh: FLASHER must be openocd or st-flash, not '$flasher'" >&2; exit 2 ;;
esac

run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

# ---------------------------------------------------------------- erase-nvm

KB=1024
FLASH_BASE=$((0x08000000))
BANK=$((1024 * KB))

symbol() {
    local v
    v=$("$nm" "$elf" | awk -v s="$1" '$3 == s {print $1}')
    [ -n "$v" ] || { echo "prod.sh: $elf has no symbol $1" >&2; exit 1; }
    echo $((16#$v))
}

# RM0090 table 6, 2 MB parts: each 1 MB bank is 4 x 16 KB, 1 x 64 KB and
# 7 x 128 KB sectors; bank 2 holds sectors 12-23.  Sets sec, sec_start,
# sec_size for the sector holding address $1.
sector_of() {
    local off=$(($1 - FLASH_BASE))
    if [ "$off" -lt 0 ] || [ "$off" -ge $((2 * BANK)) ]; then
        echo "prod.sh: $(printf 0x%08x "$1") is outside the 2 MB flash" >&2
        exit 1
    fi
    local bank=$((off / BANK)) in=$((off % BANK)) idx size first
    if [ "$in" -lt $((64 * KB)) ]; then
        idx=$((in / (16 * KB))) size=$((16 * KB)) first=$((idx * 16 * KB))
    elif [ "$in" -lt $((128 * KB)) ]; then
        idx=4 size=$((64 * KB)) first=$((64 * KB))
    else
        idx=$((5 + (in - 128 * KB) / (128 * KB))) size=$((128 * KB))
        first=$((128 * KB + (idx - 5) * 128 * KB))
    fi
    sec=$((bank * 12 + idx))
    sec_start=$((FLASH_BASE + bank * BANK + first))
    sec_size=$size
}

# Sets first and last to the sectors of region $1 (NVM_CONFIG: symbol stem
# config), checking it is whole sectors.
region_sectors() {
    local name=$1 stem=$2
    start=$(symbol "_nvm_${stem}_start")
    size=$(symbol "_nvm_${stem}_size")
    sector_of "$start"
    first=$sec
    if [ "$sec_start" -ne "$start" ]; then
        echo "prod.sh: $name does not start on a sector" >&2
        exit 1
    fi
    sector_of $((start + size - 1))
    last=$sec
    if [ $((sec_start + sec_size)) -ne $((start + size)) ]; then
        echo "prod.sh: $name does not end on a sector" >&2
        exit 1
    fi
}

erase_nvm() {
    local ocd_cmds=() blank
    mkdir -p "$outdir"
    for r in NVM_CONFIG:config NVM_QUEUE:queue; do
        local name=${r%%:*} stem=${r##*:}
        region_sectors "$name" "$stem"
        printf 'erase-nvm: %-10s 0x%08x, %4d KB: sectors %d-%d\n' "$name" "$start" $((size / KB)) "$first" "$last"
        if [ "$flasher" = openocd ]; then
            ocd_cmds+=(-c "$(printf 'flash erase_address 0x%08x 0x%x' "$start" "$size")")
        else
            # st-flash erases exactly the sectors a write covers, and a file
            # of nothing but 0xFF is written as an erase alone.
            blank="$outdir/blank-$stem.bin"
            head -c "$size" /dev/zero | tr '\0' '\377' >"$blank"
            run "$st_flash" --reset write "$blank" "$(printf 0x%08x "$start")"
        fi
    done
    if [ "$flasher" = openocd ]; then
        # Halted first, so the firmware writes nothing while its sectors go.
        run "$openocd" -f "$board_cfg" -c init -c "reset halt" "${ocd_cmds[@]}" -c "reset run" -c shutdown
    fi
    echo "erase-nvm: done; the board restarts with a factory configuration and an empty queue"
}

# ---------------------------------------------------------------- protect

# ST's factory option control word (RM0090 FLASH_OPTCR: RDP 0xAA, no write
# protection, BOR off, hardware watchdog off) with RDP set to 0x00, level 1
# (any value but 0xAA, level 0, and 0xCC, level 2, which is permanent).
OPTCR_FACTORY_RDP1=0x0fff00ed

protect() {
    cat >&2 <<'EOF'

  ################################################################
  #  READ-OUT PROTECTION LEVEL 1 for the connected NUCLEO-F429ZI  #
  ################################################################

  After this, no debugger (ST-LINK, OpenOCD, st-flash, GDB) can read or
  write the flash, which holds the image, the configuration, the secret and
  the queue.  `make flash` and `make debug` stop working on this board.

  Level 1 is undone ONLY by going back to level 0, which MASS-ERASES the
  whole flash: image, configuration, secret and queue are gone for good.
  (Level 2 is never set here: it would be permanent.)

EOF
    if [ "$flasher" = st-flash ]; then
        echo "  st-flash writes the whole option word: ST's factory values with RDP level 1." >&2
        echo "  Use FLASHER=openocd to keep option bytes that differ from the factory's." >&2
        echo >&2
    fi
    if [ "${CONFIRM:-}" != yes ]; then
        printf '  Type PROTECT to go on (CONFIRM=yes skips this): ' >&2
        local answer=""
        read -r answer || true
        [ -t 0 ] || echo >&2 # the answer was not echoed by a terminal
        if [ "$answer" != PROTECT ]; then
            echo "protect: not confirmed; nothing was done" >&2
            exit 1
        fi
    fi
    if [ "$flasher" = openocd ]; then
        run "$openocd" -f "$board_cfg" -c init -c "reset halt" -c "stm32f2x lock 0" -c shutdown
    else
        run "$st_flash" --area=option write "$OPTCR_FACTORY_RDP1"
    fi
    cat <<'EOF'
protect: RDP level 1 written.  Now unplug the board's USB cable and plug it back
in: the protection applies from that power-on, and the firmware runs normally
only once no debugger has touched the chip since power-on.
EOF
}

case $what in
erase-nvm) erase_nvm ;;
protect) protect ;;
*) usage ;;
esac
