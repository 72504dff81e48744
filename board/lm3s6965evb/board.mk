# Stellaris LM3S6965 evaluation board, as QEMU's lm3s6965evb machine.
BOARD_CPU      := -mcpu=cortex-m3 -mthumb
BOARD_LDSCRIPT := linker/lm3s6965.ld
BOARD_SRCS     := $(wildcard board/lm3s6965evb/*.c)
# Three receive frames instead of four: 600 B more TLS heap for a 2 KB
# smaller TCP window, which costs a handshake one round trip.
BOARD_DEFS     := -DPB_RX_FRAMES=3

# QEMU is this board's flasher: there is no silicon to write, so `make flash`
# says so and points at `make run`.
BOARD_FLASH_CMD = @echo "lm3s6965evb runs in QEMU: nothing to flash. Use 'make run' (or 'make debug')."
BOARD_ERASE_NVM_CMD = @echo "lm3s6965evb runs in QEMU: its NVM is the file pipebutton-nvm.bin in QEMU's folder (build/run/ for 'make run'); delete it for a factory reset."
BOARD_PROTECT_CMD = @echo "lm3s6965evb runs in QEMU: there is no flash to protect."

# GDB on QEMU's gdbstub.  QEMU starts halted in a scratch folder and ends when
# GDB does.  GDB_ARGS adds GDB options (e.g. -batch -ex ... for scripts).
GDB_PORT ?= 1234
BOARD_DEBUG_CMD = bash tools/debug-qemu.sh $(ELF) $(GDB_PORT) $(GDB_ARGS)
