"""The build's user-facing targets: both images, BOARD checking, flash and
debug commands (no board is connected here: what can be checked is that the
commands resolve, and that `make debug` really debugs the QEMU board)."""
import os
import shutil
import subprocess

from conftest import ROOT

BOARDS = ("lm3s6965evb", "nucleo-f429zi")


def make(*args, timeout=300):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_both_images_are_built_with_every_artifact():
    for board in BOARDS:
        r = make(f"BOARD={board}")
        assert r.returncode == 0, r.stdout + r.stderr
        for ext in ("elf", "bin", "hex", "map"):
            path = os.path.join(ROOT, "build", board, f"pipebutton.{ext}")
            assert os.path.getsize(path) > 0, path


def test_unknown_board_lists_the_valid_ones():
    r = make("BOARD=arduino-uno")
    assert r.returncode != 0
    assert "Unknown BOARD 'arduino-uno'" in r.stderr
    for board in BOARDS:
        assert board in r.stderr


def test_size_reports_every_board():
    r = make("size")
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines() if line.split()}
    for board in BOARDS:
        assert int(rows[board][1]) > 1000  # flash bytes


def test_nucleo_flash_commands_resolve():
    r = make("-n", "BOARD=nucleo-f429zi", "flash")
    assert r.returncode == 0, r.stderr
    assert "openocd" in r.stdout
    assert shutil.which("openocd") and shutil.which("st-flash")
    cfg = [line for line in r.stdout.split() if line.endswith(".cfg")]
    assert cfg, r.stdout
    scripts = "/usr/share/openocd/scripts"
    for name in cfg:
        assert os.path.exists(os.path.join(scripts, name.strip("'\""))), name
    r = make("-n", "BOARD=nucleo-f429zi", "FLASHER=st-flash", "flash")
    assert "st-flash" in r.stdout, r.stdout


def test_nucleo_debug_command_resolves():
    r = make("-n", "BOARD=nucleo-f429zi", "debug")
    assert r.returncode == 0, r.stderr
    assert "gdb-multiarch" in r.stdout or "debug.sh" in r.stdout
    assert shutil.which("gdb-multiarch")


def test_make_debug_stops_at_main_in_qemu():
    r = make("debug", "GDB_PORT=3341", "GDB_ARGS=-batch -ex 'break main' -ex continue -ex bt", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Breakpoint 1, main ()" in r.stdout, r.stdout
    assert "#0  main () at firmware/main.c" in r.stdout


def symbols(board):
    elf = os.path.join(ROOT, "build", board, "pipebutton.elf")
    out = subprocess.run(["arm-none-eabi-nm", "-S", elf], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            table[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
        elif len(parts) == 3:
            table[parts[2]] = (int(parts[0], 16), 0)
    return table


def test_nucleo_ethernet_dma_memory_is_in_sram_never_ccm():
    """The Ethernet DMA reaches SRAM (0x20000000, 192 KB) only, not the CCM at
    0x10000000: its descriptors and buffers live in .dma, which the linker
    script asserts is in SRAM."""
    r = make("BOARD=nucleo-f429zi")
    assert r.returncode == 0, r.stdout + r.stderr
    syms = symbols("nucleo-f429zi")
    start, end = syms["_sdma"][0], syms["_edma"][0]
    assert 0x20000000 <= start < end <= 0x20030000
    for name in ("s_rx_desc", "s_tx_desc", "s_rx_buf", "s_tx_buf"):
        addr, size = syms[name]
        assert size > 0 and start <= addr and addr + size <= end, name


def test_the_main_stack_sits_on_the_guard():
    """Both boards: the stack starts RAM (so it overflows out of RAM) and the
    MPU guard is the aligned range right below it."""
    for board in BOARDS:
        syms = symbols(board)
        sstack = syms["_sstack"][0]
        assert sstack in (0x20000000,), board
        guard, size = syms["_stack_guard_start"][0], syms["_stack_guard_size"][0]
        assert guard + size == sstack and guard % size == 0, board
