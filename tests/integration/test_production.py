"""`make erase-nvm` and `make protect` for the NUCLEO-F429ZI, tested without a
board: fake `openocd` and `st-flash` first on PATH record what they were
asked to do.  What is checked is the exact commands (with the sector range
derived from the linker script), the warning and the confirmation; what the
real tools then do to a chip has not been tried here."""
import os
import subprocess

import pytest

from conftest import ROOT

NUCLEO_ELF = os.path.join(ROOT, "build", "nucleo-f429zi", "pipebutton.elf")
PROD = os.path.join(ROOT, "board", "nucleo-f429zi", "prod.sh")

# A fake tool: appends its arguments, one per line, then a blank line, to
# $FAKE_LOG; a st-flash write also records whether its file is all 0xFF.
FAKE = """#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(os.path.basename(sys.argv[0]) + "\\n" + "\\n".join(args) + "\\n")
    if "write" in args and args[-2].endswith(".bin"):
        data = open(args[-2], "rb").read()
        log.write("file %d bytes, all 0xff: %s\\n" % (len(data), set(data) == {0xFF}))
    log.write("\\n")
"""


@pytest.fixture
def fakes(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("openocd", "st-flash"):
        path = bindir / tool
        path.write_text(FAKE)
        path.chmod(0o755)
    log = tmp_path / "calls.log"
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", FAKE_LOG=str(log))
    env.pop("CONFIRM", None)

    def calls():
        if not log.exists():
            return []
        return [block.split("\n") for block in log.read_text().split("\n\n") if block]
    return env, calls


def make(env, *args, stdin=""):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_erase_nvm_erases_exactly_the_nvm_sectors_with_openocd(fakes):
    env, calls = fakes
    r = make(env, "BOARD=nucleo-f429zi", "erase-nvm")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "NVM_CONFIG 0x08100000,   64 KB: sectors 12-15" in r.stdout
    assert "NVM_QUEUE  0x08120000,  512 KB: sectors 17-20" in r.stdout
    assert calls() == [["openocd", "-f", "board/st_nucleo_f4.cfg", "-c", "init", "-c", "reset halt",
                        "-c", "flash erase_address 0x08100000 0x10000",
                        "-c", "flash erase_address 0x08120000 0x80000",
                        "-c", "reset run", "-c", "shutdown"]]


def test_erase_nvm_with_st_flash_writes_blank_regions(fakes):
    env, calls = fakes
    r = make(env, "BOARD=nucleo-f429zi", "FLASHER=st-flash", "erase-nvm")
    assert r.returncode == 0, r.stdout + r.stderr
    out = os.path.join("build", "nucleo-f429zi")
    assert calls() == [
        ["st-flash", "--reset", "write", f"{out}/blank-config.bin", "0x08100000",
         "file 65536 bytes, all 0xff: True"],
        ["st-flash", "--reset", "write", f"{out}/blank-queue.bin", "0x08120000",
         "file 524288 bytes, all 0xff: True"],
    ]


def fake_nm(tmp_path, symbols):
    nm = tmp_path / "nm"
    nm.write_text("#!/bin/sh\ncat <<'EOF'\n" +
                  "".join(f"{value:08x} A {name}\n" for name, value in symbols.items()) + "EOF\n")
    nm.chmod(0o755)
    return str(nm)


def test_the_sector_range_follows_the_linker_symbols(fakes, tmp_path):
    """Moved regions give other sectors; a region that is not whole sectors is
    refused before any tool runs."""
    env, calls = fakes
    env = dict(env, NM=fake_nm(tmp_path, {"_nvm_config_start": 0x08104000, "_nvm_config_size": 0x8000,
                                          "_nvm_queue_start": 0x081A0000, "_nvm_queue_size": 0x40000}))
    r = subprocess.run(["bash", PROD, "erase-nvm", NUCLEO_ELF, str(tmp_path)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sectors 13-14" in r.stdout and "sectors 21-22" in r.stdout
    assert calls()[0][7:11] == ["-c", "flash erase_address 0x08104000 0x8000",
                                "-c", "flash erase_address 0x081a0000 0x40000"]

    log_before = len(calls())
    env["NM"] = fake_nm(tmp_path, {"_nvm_config_start": 0x08100000, "_nvm_config_size": 0x18000,
                                   "_nvm_queue_start": 0x08120000, "_nvm_queue_size": 0x80000})
    r = subprocess.run(["bash", PROD, "erase-nvm", NUCLEO_ELF, str(tmp_path)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "NVM_CONFIG does not end on a sector" in r.stderr
    assert len(calls()) == log_before


def test_protect_warns_and_does_nothing_without_confirmation(fakes):
    env, calls = fakes
    for answer in ("", "yes\n", "protect\n"):
        r = make(env, "BOARD=nucleo-f429zi", "protect", stdin=answer)
        assert r.returncode != 0
        assert "READ-OUT PROTECTION LEVEL 1" in r.stderr
        assert "undone ONLY by going back to level 0, which MASS-ERASES" in r.stderr
        assert "not confirmed; nothing was done" in r.stderr
    assert calls() == []


def test_protect_sets_level_1_once_confirmed(fakes):
    env, calls = fakes
    r = make(env, "BOARD=nucleo-f429zi", "protect", stdin="PROTECT\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MASS-ERASES" in r.stderr
    assert calls() == [["openocd", "-f", "board/st_nucleo_f4.cfg", "-c", "init", "-c", "reset halt",
                        "-c", "stm32f2x lock 0", "-c", "shutdown"]]
    assert "unplug the board's USB cable" in r.stdout


def test_protect_with_st_flash_and_confirm_variable(fakes):
    env, calls = fakes
    r = make(env, "BOARD=nucleo-f429zi", "FLASHER=st-flash", "CONFIRM=yes", "protect")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MASS-ERASES" in r.stderr
    assert "factory values with RDP level 1" in r.stderr
    # RM0090 FLASH_OPTCR: ST's factory 0x0FFFAAED with RDP 0x00 (level 1).
    assert calls() == [["st-flash", "--area=option", "write", "0x0fff00ed"]]


def test_an_unknown_flasher_is_refused(fakes):
    env, calls = fakes
    r = make(env, "BOARD=nucleo-f429zi", "FLASHER=jlink", "CONFIRM=yes", "protect")
    assert r.returncode != 0
    assert "FLASHER must be openocd or st-flash" in r.stderr
    assert calls() == []


def test_the_qemu_board_has_nothing_to_erase_or_protect(fakes):
    env, calls = fakes
    r = make(env, "erase-nvm")
    assert r.returncode == 0, r.stderr
    assert "pipebutton-nvm.bin" in r.stdout
    r = make(env, "protect")
    assert r.returncode == 0, r.stderr
    assert "no flash to protect" in r.stdout
    assert calls() == []
