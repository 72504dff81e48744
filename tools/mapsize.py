#!/usr/bin/env python3
"""Flash and RAM per component of a linked image: what `make size` shows
under each board.

The image is linked with link-time optimisation, so the map file no longer
says which object a byte came from (everything is in the LTO's own
partitions).  The debug information still does: `nm -l` gives a function's
source file, and for a variable the compile unit of its declaration
(DW_AT_abstract_origin in the LTO's units) names it.  The path names the
component.  The C library is not built with LTO: its bytes are found by
address in the map file.  What has no symbol of its own (string literals,
switch tables the compiler made) is shown on a line of its own.

usage: mapsize.py build/<board>/pipebutton.elf
"""
import os
import re
import subprocess
import sys

COMPONENTS = (
    ("lwIP", re.compile(r"/deps/lwip/")),
    ("mbedTLS", re.compile(r"/deps/mbedtls/")),
    ("firmware", re.compile(r"/firmware/")),
    ("hal", re.compile(r"/hal/")),
    ("board", re.compile(r"/board/")),
    ("ca roots", re.compile(r"/gen/roots\.c")),
)
LIBC = "C library"
OTHER = "unnamed"  # literals and tables without a symbol of their own
FLASH_TYPES, DATA_TYPES, BSS_TYPES = set("tTrR"), set("dD"), set("bB")
MAP_LINE = re.compile(r"^\s*(\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$")
LIBC_OBJ = re.compile(r"lib(c|g|m|gcc|nosys|c_nano|g_nano)\.a|crt")


def libc_ranges(map_path):
    """[(start, end)] of the C library's input sections, from the map."""
    ranges = []
    in_memory_map = False
    with open(map_path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            if raw.startswith("Linker script and memory map"):
                in_memory_map = True
                continue
            m = MAP_LINE.match(raw.rstrip("\n")) if in_memory_map else None
            if m and LIBC_OBJ.search(m.group(4)):
                start, size = int(m.group(2), 16), int(m.group(3), 16)
                if start and size:
                    ranges.append((start, start + size))
    return ranges


DIE = re.compile(r"^ <(\d+)><([0-9a-f]+)>: Abbrev Number: \d+ \((\w+)\)")
ATTR = re.compile(r"^\s+<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$")


def variable_files(elf):
    """{address: source file} of the image's variables, from DWARF."""
    out = subprocess.run(["arm-none-eabi-readelf", "--debug-dump=info", elf], capture_output=True,
                         text=True, check=True).stdout
    cu_of = {}       # DIE offset -> its compile unit's name
    located = []     # (address, origin offset or None, own compile unit)
    cu = None
    die = tag = None
    for line in out.splitlines():
        m = DIE.match(line)
        if m:
            die, tag = int(m.group(2), 16), m.group(3)
            cu_of[die] = cu
            continue
        m = ATTR.match(line)
        if not m or die is None:
            continue
        attr, value = m.groups()
        if tag == "DW_TAG_compile_unit" and attr == "DW_AT_name":
            cu = value.rsplit(": ", 1)[-1].strip()
            cu_of[die] = cu
        elif tag == "DW_TAG_variable" and attr == "DW_AT_abstract_origin":
            origin = int(value.strip("<> "), 16)
            located.append([None, origin, cu])
        elif tag == "DW_TAG_variable" and attr == "DW_AT_location" and re.search(r"\(DW_OP_addr: [0-9a-f]+\)$", value):
            addr = int(value.rsplit("DW_OP_addr:", 1)[1].strip(" )"), 16)
            if located and located[-1][0] is None and located[-1][2] == cu:
                located[-1][0] = addr
            else:
                located.append([addr, None, cu])
    files = {}
    for addr, origin, cu in located:
        if addr is not None:
            files[addr] = cu_of.get(origin, cu) if origin is not None else cu
    return files


def section_totals(elf):
    """(flash, ram) of the whole image from its section headers."""
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], capture_output=True, text=True,
                         check=True).stdout
    flash = ram = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        name, size = parts[0], int(parts[1])
        if name in (".isr_vector", ".text", ".ARM.exidx"):
            flash += size
        elif name == ".data":
            flash += size
            ram += size
        elif name in (".bss", ".dma", ".noinit"):
            ram += size
    return flash, ram


def main(elf):
    map_path = os.path.splitext(elf)[0] + ".map"
    libc = libc_ranges(map_path)
    out = subprocess.run(["arm-none-eabi-nm", "-S", "-l", "--defined-only", elf], capture_output=True,
                         text=True, check=True).stdout
    var_files = variable_files(elf)
    flash, ram = {}, {}
    for line in out.splitlines():
        parts = line.split(None, 4)
        if len(parts) < 4 or parts[2] not in FLASH_TYPES | DATA_TYPES | BSS_TYPES:
            continue
        addr, size, kind = int(parts[0], 16), int(parts[1], 16), parts[2]
        where = parts[4] if len(parts) > 4 else var_files.get(addr, "")
        where = "/" + where if where and not where.startswith("/") else where
        comp = next((c for c, rx in COMPONENTS if rx.search(where)), None)
        if comp is None:
            comp = LIBC if any(a <= addr < b for a, b in libc) else OTHER
        if kind in FLASH_TYPES or kind in DATA_TYPES:
            flash[comp] = flash.get(comp, 0) + size
        if kind in DATA_TYPES or kind in BSS_TYPES:
            ram[comp] = ram.get(comp, 0) + size
    total_flash, total_ram = section_totals(elf)
    flash[OTHER] = flash.get(OTHER, 0) + total_flash - sum(flash.values())
    ram[OTHER] = ram.get(OTHER, 0) + total_ram - sum(ram.values())
    print(f"  {'component':<12} {'flash':>8} {'static RAM':>11}")
    for comp in [c for c, _ in COMPONENTS] + [LIBC, OTHER]:
        if flash.get(comp) or ram.get(comp):
            print(f"  {comp:<12} {flash.get(comp, 0):>8} {ram.get(comp, 0):>11}")
    print(f"  {'total':<12} {total_flash:>8} {total_ram:>11}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1])
