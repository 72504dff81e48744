#!/usr/bin/env python3
"""Flash and RAM per component of a linked image, from its GNU ld map file:
what `make size` shows under each board.  Only input sections the linker
kept are counted (after --gc-sections).

usage: mapsize.py build/<board>/pipebutton.map
"""
import re
import sys

COMPONENTS = (
    ("lwIP", re.compile(r"/deps/lwip/")),
    ("mbedTLS", re.compile(r"/deps/mbedtls/")),
    ("firmware", re.compile(r"/obj/firmware/")),
    ("hal", re.compile(r"/obj/hal/")),
    ("board", re.compile(r"/obj/board/")),
    ("ca roots", re.compile(r"/obj/gen/")),
    ("C library", re.compile(r"lib(c|g|m|gcc|nosys|c_nano|g_nano)\.a|crt")),
)
FLASH = re.compile(r"^\.(text|rodata|ARM\.exidx|isr_vector)")
RAM = re.compile(r"^\.(bss|dma|noinit|COMMON)|^COMMON")
BOTH = re.compile(r"^\.data")
LINE = re.compile(r"^\s*(\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$")


def main(path):
    flash, ram = {}, {}
    section = None
    in_memory_map = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            if raw.startswith("Linker script and memory map"):
                in_memory_map = True
                continue
            if not in_memory_map:
                continue
            line = raw.rstrip("\n")
            m = LINE.match(line)
            if m is None:
                # a section name alone on a line; its address comes next line
                stripped = line.strip()
                if stripped.startswith(".") or stripped.startswith("COMMON"):
                    section = stripped.split()[0]
                continue
            name, addr, size, obj = m.groups()
            if name:
                section = name
            size = int(size, 16)
            if size == 0 or section is None or int(addr, 16) == 0:
                continue
            comp = next((c for c, rx in COMPONENTS if rx.search(obj)), None)
            if comp is None:
                continue
            if FLASH.match(section):
                flash[comp] = flash.get(comp, 0) + size
            elif BOTH.match(section):
                flash[comp] = flash.get(comp, 0) + size
                ram[comp] = ram.get(comp, 0) + size
            elif RAM.match(section):
                ram[comp] = ram.get(comp, 0) + size
    print(f"  {'component':<12} {'flash':>8} {'static RAM':>11}")
    for comp, _ in COMPONENTS:
        if comp in flash or comp in ram:
            print(f"  {comp:<12} {flash.get(comp, 0):>8} {ram.get(comp, 0):>11}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1])
