# ST NUCLEO-F429ZI: STM32F429ZI (Cortex-M4F), flashed and debugged over the
# on-board ST-LINK/V2-1.
BOARD_CPU      := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BOARD_LDSCRIPT := linker/stm32f429zi.ld
BOARD_SRCS     := $(wildcard board/nucleo-f429zi/*.c)
BOARD_DEFS     :=

# `make flash` writes through OpenOCD (verify, then reset and run);
# `make flash FLASHER=st-flash` uses stlink-tools instead, for machines or
# ST-LINK firmware OpenOCD does not get along with.
FLASHER         ?= openocd
OPENOCD         ?= openocd
OPENOCD_BOARD   ?= board/st_nucleo_f4.cfg
ST_FLASH        ?= st-flash
ifeq ($(FLASHER),st-flash)
BOARD_FLASH_CMD = $(ST_FLASH) --reset write $(OUT)/pipebutton.bin 0x08000000
else
BOARD_FLASH_CMD = $(OPENOCD) -f $(OPENOCD_BOARD) -c "program $(ELF) verify reset exit"
endif

# `make erase-nvm`: erases the NVM sectors (configuration and queue), taken
# from the image's linker symbols.  `make protect`: read-out protection level
# 1, after a warning and a typed confirmation (CONFIRM=yes skips it).  Both
# through FLASHER, like `make flash`; see prod.sh and the README.
BOARD_PROD = env FLASHER=$(FLASHER) OPENOCD=$(OPENOCD) OPENOCD_BOARD=$(OPENOCD_BOARD) ST_FLASH=$(ST_FLASH) \
	NM=$(CROSS)nm CONFIRM=$(CONFIRM) bash board/nucleo-f429zi/prod.sh
BOARD_ERASE_NVM_CMD = @$(BOARD_PROD) erase-nvm $(ELF) $(OUT)
BOARD_PROTECT_CMD = @$(BOARD_PROD) protect $(ELF) $(OUT)

# `make debug`: OpenOCD in the background as the GDB server, GDB in the
# foreground, OpenOCD stopped when GDB exits (see debug.sh).  GDB_ARGS adds GDB
# options (e.g. -batch -ex ... for scripts).  `exec` hands make's Ctrl-C
# straight to bash, which outlives it, instead of to a sh that would die of it.
GDB       ?= gdb-multiarch
GDB_PORT  ?= 3333
BOARD_DEBUG_CMD = exec env OPENOCD=$(OPENOCD) GDB=$(GDB) bash board/nucleo-f429zi/debug.sh \
	$(ELF) $(GDB_PORT) $(OPENOCD_BOARD) $(OUT)/openocd.log $(GDB_ARGS)
