# pipebutton: `make` builds the default board, `make run` boots it in QEMU,
# `make test` runs every test.  `make help` lists the rest.

MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := all
# Objects built through pattern chains are kept, not deleted as intermediates.
.SECONDARY:
.SUFFIXES:

BOARDS := $(patsubst board/%/board.mk,%,$(wildcard board/*/board.mk))
BOARD ?= lm3s6965evb

ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Valid boards: $(BOARDS))
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

BUILD    := build
OUT      := $(BUILD)/$(BOARD)
DEPS_DIR ?= $(BUILD)/deps
LWIP_DIR    := $(DEPS_DIR)/lwip
MBEDTLS_DIR := $(DEPS_DIR)/mbedtls
# Fetching is a phase of its own: make reads $(BOOTSTRAP_STAMP) as a makefile
# and, when it is missing or older than tools/bootstrap.sh, runs the bootstrap
# to make it and then starts over, so every later rule and wildcard sees the
# fetched sources (a fresh clone builds with plain `make`, `make -j2`, `make
# unit`).  Goals that need nothing fetched skip it.
BOOTSTRAP_STAMP := $(DEPS_DIR)/bootstrap.mk
# Debian's python, where python3-pytest lives (another python3 may come first in PATH).
PYTHON   ?= /usr/bin/python3

CROSS   ?= arm-none-eabi-
CC      := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
SIZE    := $(CROSS)size

include board/$(BOARD)/board.mk

FW_SRCS := $(wildcard firmware/*.c)
HAL_SRCS := hal/ringbuf.c
CM_SRCS := $(wildcard board/cortex-m/*.c)
SRCS := $(FW_SRCS) $(HAL_SRCS) $(CM_SRCS) $(BOARD_SRCS)

# A trivial use of each third-party library proves the cross toolchain path;
# the networking and TLS issues grow these lists.
include mk/mbedtls.mk
include mk/lwip.mk
DEP_SRCS := $(MBEDTLS_SRCS) $(LWIP_SRCS)

OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(SRCS)) \
        $(patsubst $(DEPS_DIR)/%.c,$(OUT)/deps/%.o,$(DEP_SRCS)) $(CA_ROOTS_OBJ)

VERSION := $(shell sed -n 's/^\#define PB_VERSION "\(.*\)"/\1/p' firmware/version.h)

# The build date (spec section 5: no network time before it is accepted), in
# seconds since 1970: SOURCE_DATE_EPOCH when set, else the time of the latest
# commit, so rebuilding a commit gives the same image; outside git, now.  The
# firmware takes 00:00 UTC of that day.  A change rebuilds wallclock.c through
# $(BUILD_EPOCH_FILE).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
BUILD_EPOCH_FILE := $(BUILD)/build-epoch
$(shell mkdir -p $(BUILD) && echo $(BUILD_EPOCH) | cmp -s - $(BUILD_EPOCH_FILE) || echo $(BUILD_EPOCH) > $(BUILD_EPOCH_FILE))

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wundef -Wstrict-prototypes
# Link-time optimisation over the whole image: 11 % less flash than -Os
# alone (the libraries' generic paths are specialised to what the firmware
# calls).  tools/mapsize.py attributes the result to components by each
# symbol's source file.
LTO := -flto
CFLAGS := $(BOARD_CPU) -Os $(LTO) -g3 -std=c11 -ffunction-sections -fdata-sections \
          -fno-common -ffreestanding $(WARN) \
          -DPB_BOARD_NAME=\"$(BOARD)\" -DPB_BUILD_EPOCH=$(BUILD_EPOCH) $(BOARD_DEFS) $(MBEDTLS_CFLAGS) -MD -MP

# The layering, enforced by the include paths: portable code sees only hal/
# and the libraries; boards see hal/ and board code, never the application.
# The libraries' headers are system headers to our warnings (-Wundef...);
# -MD (not -MMD) still lists them, and the configuration headers they
# include, in the .d files.
$(OUT)/obj/firmware/%.o: INCLUDES = -Ifirmware -Ifirmware/port -Ihal \
                                    -isystem $(LWIP_DIR)/src/include -isystem $(MBEDTLS_DIR)/include
$(OUT)/obj/hal/%.o:      INCLUDES = -Ihal
$(OUT)/obj/board/%.o:    INCLUDES = -Ihal -Iboard/cortex-m -Iboard/$(BOARD)
# Third-party code is built with its own warnings, not ours.
DEP_CFLAGS := $(BOARD_CPU) -Os $(LTO) -g3 -ffunction-sections -fdata-sections $(BOARD_DEFS) \
          -Ifirmware/port -I$(LWIP_DIR)/src/include -I$(MBEDTLS_DIR)/include -w -MMD -MP \
          $(MBEDTLS_CFLAGS)
LDFLAGS := $(BOARD_CPU) -Os $(LTO) -flto-partition=none -nostartfiles --specs=nano.specs --specs=nosys.specs \
           -Wl,--gc-sections -Wl,-Map=$(OUT)/pipebutton.map -Wl,--print-memory-usage \
           -Llinker -T$(BOARD_LDSCRIPT)

ELF := $(OUT)/pipebutton.elf

# A board's compiler flags (its BOARD_DEFS size lwIP's pools, say) are part
# of every object: when they change, this file does, and everything rebuilds.
FLAGS_FILE := $(OUT)/flags
# (The build date is left out: it changes with every commit, and only
# wallclock.c uses it.)
FLAGS_TEXT := $(filter-out -DPB_BUILD_EPOCH=%,$(CFLAGS)) | $(DEP_CFLAGS)
$(shell mkdir -p $(OUT) && echo '$(FLAGS_TEXT)' | cmp -s - $(FLAGS_FILE) || echo '$(FLAGS_TEXT)' > $(FLAGS_FILE))

.PHONY: all bootstrap size run test unit coverage integration flash debug erase-nvm protect clean help boards check bench soak hil hil-qemu

all: $(ELF) $(OUT)/pipebutton.bin $(OUT)/pipebutton.hex

help:
	@echo "make [BOARD=<board>]   build build/<board>/pipebutton.{elf,bin,hex,map} (boards: $(BOARDS))"
	@echo "make run               boot the firmware in QEMU with the console on this terminal"
	@echo "make test              install what is missing, then run every test"
	@echo "make coverage          the unit tests with gcov: a table per file of firmware/; fails under"
	@echo "                       COV_MIN_LINES (90) % of lines or COV_MIN_BRANCHES (80) % of branches"
	@echo "make size              flash and RAM use of every board"
	@echo "make flash / debug     write the image to a connected board / open GDB on it"
	@echo "make erase-nvm         erase a connected board's configuration and queue (its NVM sectors)"
	@echo "make protect           read-out protection level 1 on a connected board (asks first)"
	@echo "make check             cppcheck over the project's own code"
	@echo "make bench             start-up, delivery, queue drain and passphrase check times in QEMU (emulated ms, -icount shift=4)"
	@echo "make soak              SOAK_TRIALS (500) power cuts of QEMU around presses and deliveries"
	@echo "make hil PORT=/dev/ttyACM0 HOST_IP=<LAN address> [BOARD=<board>]"
	@echo "                       hardware test kit: the suite against a real board on PORT and this LAN"
	@echo "make hil-qemu          the same suite against the lm3s6965evb image in QEMU (in make test)"
	@echo "make fuzz-smoke / fuzz libFuzzer targets briefly / FUZZ_SECONDS each (default 300)"
	@echo "make clean             remove build/ (keeps the fetched sources in build/deps)"
	@echo "V=1                    show full commands"

boards:
	@echo $(BOARDS)

bootstrap: $(BOOTSTRAP_STAMP)

$(BOOTSTRAP_STAMP): tools/bootstrap.sh
	$(Q)bash tools/bootstrap.sh
	$(Q)sed 's/^/# fetched: /' $(DEPS_DIR)/.bootstrap-done > $@

ifneq ($(filter-out clean help boards,$(or $(MAKECMDGOALS),all)),)
include $(BOOTSTRAP_STAMP)
endif

# Every object depends on the bootstrap stamp, which changes with the fetched
# libraries' versions: their unpacked files keep their release dates, older
# than objects built against the previous version.
$(OUT)/obj/%.o: %.c $(BOOTSTRAP_STAMP) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(OUT)/deps/%.o: $(DEPS_DIR)/%.c $(BOOTSTRAP_STAMP) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(DEP_CFLAGS) -c $< -o $@

$(ELF): $(OBJS) $(BOARD_LDSCRIPT) linker/sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(OBJS) -o $@ > $(OUT)/memory-usage.txt
	$(Q)cat $(OUT)/memory-usage.txt

$(OUT)/pipebutton.bin: $(ELF)
	$(Q)$(OBJCOPY) -O binary $< $@

$(OUT)/pipebutton.hex: $(ELF)
	$(Q)$(OBJCOPY) -O ihex $< $@

-include $(OBJS:.o=.d)

# Flash = .isr_vector + .text + .ARM.exidx + .data's load image; RAM = .data +
# .bss + .noinit static, then the heap and stack regions the linker reserves.
size:
	$(Q)for b in $(BOARDS); do $(MAKE) --no-print-directory BOARD=$$b all >/dev/null || exit 1; done
	$(Q)bash tools/size.sh $(BOARDS)
	$(Q)for b in $(BOARDS); do echo "$$b:"; $(PYTHON) tools/mapsize.py build/$$b/pipebutton.elf; done

flash: all
	$(BOARD_FLASH_CMD)

erase-nvm: all
	$(BOARD_ERASE_NVM_CMD)

protect:
	$(BOARD_PROTECT_CMD)

debug: all
	$(BOARD_DEBUG_CMD)

run: bootstrap all
	$(Q)bash tools/run.sh $(ELF)

UNIT_CFLAGS := -std=c11 -g -O1 $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -DPB_BOARD_NAME=\"host\" -DPB_BUILD_EPOCH=$(BUILD_EPOCH) $(MBEDTLS_CFLAGS) -MD -MP
UNIT_INC := -Ifirmware -Ifirmware/port -Ihal -Itests/unit -isystem $(LWIP_DIR)/src/include -isystem $(MBEDTLS_DIR)/include
HOST := $(BUILD)/host
UNIT_TESTS := $(patsubst tests/unit/test_%.c,$(HOST)/test_%,$(wildcard tests/unit/test_*.c))
# Everything a test may need, compiled once: the portable firmware (not
# main.c), the fakes of hal/, and the same third-party sources as the image.
UNIT_SRCS := $(filter-out firmware/main.c,$(FW_SRCS)) hal/ringbuf.c $(wildcard tests/unit/fake_*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(HOST)/obj/%.o) $(DEP_SRCS:$(DEPS_DIR)/%.c=$(HOST)/deps/%.o) $(CA_ROOTS_HOST_OBJ)

$(HOST)/obj/%.o: %.c $(BOOTSTRAP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)gcc $(UNIT_CFLAGS) $(UNIT_INC) -c $< -o $@

$(HOST)/deps/%.o: $(DEPS_DIR)/%.c $(BOOTSTRAP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -w -MMD -MP $(MBEDTLS_CFLAGS) \
	    -Ifirmware/port -I$(LWIP_DIR)/src/include -I$(MBEDTLS_DIR)/include -c $< -o $@

$(OUT)/obj/firmware/wallclock.o $(HOST)/obj/firmware/wallclock.o: $(BUILD_EPOCH_FILE)

# test_tls plays the server's side of TLS with OpenSSL (libssl-dev), on
# memory buffers inside the test process, and makes the heap run out under
# tlsport.c's allocator (--wrap=calloc).
$(HOST)/test_tls $(BUILD)/coverage/test_tls: UNIT_LIBS := -lssl -lcrypto -Wl,--wrap=calloc

$(HOST)/test_%: $(HOST)/obj/tests/unit/test_%.o $(UNIT_OBJS)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)gcc $(UNIT_CFLAGS) $^ -lcmocka $(UNIT_LIBS) -o $@

-include $(shell find $(HOST) -name '*.d' 2>/dev/null)

# The test PKI (tools/testpki.sh) that the trust tests and the emulator use.
TESTPKI := $(BUILD)/testpki
$(TESTPKI)/.done: tools/testpki.sh | $(BOOTSTRAP_STAMP)
	$(Q)bash tools/testpki.sh $(TESTPKI)

unit: $(UNIT_TESTS) $(TESTPKI)/.done
	$(Q)bash tools/run-unit.sh $(UNIT_TESTS)

# The unit tests again, the firmware's objects instrumented for gcov (the
# libraries' objects are the unit build's), then the table of line and branch
# coverage per file of firmware/ and the gate (tools/coverage.py).
COV := $(BUILD)/coverage
COV_MIN_LINES ?= 90
COV_MIN_BRANCHES ?= 80
COV_FW_SRCS := $(filter-out firmware/main.c,$(FW_SRCS))
COV_TESTS := $(patsubst tests/unit/test_%.c,$(COV)/test_%,$(wildcard tests/unit/test_*.c))
COV_OBJS := $(UNIT_SRCS:%.c=$(COV)/obj/%.o) $(DEP_SRCS:$(DEPS_DIR)/%.c=$(HOST)/deps/%.o) $(CA_ROOTS_HOST_OBJ)

$(COV)/obj/%.o: %.c $(BOOTSTRAP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  COVCC   $<")
	$(Q)gcc $(UNIT_CFLAGS) --coverage $(UNIT_INC) -c $< -o $@

$(COV)/test_%: $(COV)/obj/tests/unit/test_%.o $(COV_OBJS)
	@$(if $(Q),echo "  COVLD   $@")
	$(Q)gcc $(UNIT_CFLAGS) --coverage $^ -lcmocka $(UNIT_LIBS) -o $@

coverage: $(COV_TESTS) $(TESTPKI)/.done
	$(Q)find $(COV) -name '*.gcda' -delete
	$(Q)bash tools/run-unit.sh $(COV_TESTS) > $(COV)/unit.log 2>&1 || { tail -n 40 $(COV)/unit.log; exit 1; }
	$(Q)$(PYTHON) tools/coverage.py --objdir $(COV)/obj --min-lines $(COV_MIN_LINES) \
	    --min-branches $(COV_MIN_BRANCHES) $(COV_FW_SRCS)

integration: bootstrap
	$(Q)$(MAKE) --no-print-directory BOARD=lm3s6965evb all
	$(Q)cd tests/integration && ../../tools/netns $(PYTHON) -m pytest -q -rs

bench: bootstrap
	$(Q)$(MAKE) --no-print-directory BOARD=lm3s6965evb all
	$(Q)tools/netns $(PYTHON) tools/bench-net.py
	$(Q)tools/netns $(PYTHON) tools/bench-delivery.py
	$(Q)$(PYTHON) tools/bench-lock.py

# The power-cut trials of `make test`, many more of them (with SOAK_SEED to
# vary the moments): QEMU killed and restarted on its NVM file each time.
SOAK_TRIALS ?= 500
SOAK_SEED ?= 1
soak: bootstrap
	$(Q)$(MAKE) --no-print-directory BOARD=lm3s6965evb all
	$(Q)cd tests/integration && PB_POWER_CUT_TRIALS=$(SOAK_TRIALS) PB_POWER_CUT_SEED=$(SOAK_SEED) \
	    ../../tools/netns $(PYTHON) -m pytest -q -rs -s test_queue.py -k power_cut_trials

# The hardware test kit (tests/hil/hil.py; board/nucleo-f429zi/README.md,
# "Hardware test kit").  No prerequisites: without a usable PORT or HOST_IP
# it stops at once, naming them.  BOARD is passed only when given.
hil:
	$(Q)$(PYTHON) tests/hil/hil.py --port '$(PORT)' --host-ip '$(HOST_IP)' \
	    $(if $(filter command line environment,$(origin BOARD)),--board $(BOARD)) $(if $(REPORT),--report '$(REPORT)')

hil-qemu: bootstrap
	$(Q)$(MAKE) --no-print-directory BOARD=lm3s6965evb all
	$(Q)tools/netns $(PYTHON) tests/hil/hil.py --qemu build/lm3s6965evb/pipebutton.elf \
	    $(if $(REPORT),--report '$(REPORT)')

check:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem --std=c11 \
	    -Ifirmware -Ihal -Iboard/cortex-m firmware hal board

test: bootstrap
	$(Q)for b in $(BOARDS); do $(MAKE) --no-print-directory BOARD=$$b all || exit 1; done
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory coverage
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory hil-qemu

include tests/fuzz/fuzz.mk

clean:
	rm -rf $(filter-out $(DEPS_DIR),$(wildcard $(BUILD)/*))
