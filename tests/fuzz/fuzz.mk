# libFuzzer targets: included by the top-level Makefile, or on its own with
#   make -f tests/fuzz/fuzz.mk [fuzz-smoke|fuzz|fuzz-clean]
#
#   make fuzz-smoke    every target briefly (FUZZ_SMOKE_RUNS inputs, at most
#                      FUZZ_SMOKE_SECONDS s each): part of `make test`
#   make fuzz          every target for FUZZ_SECONDS s (default 300)
#   make fuzz FUZZ_TARGETS=json FUZZ_SECONDS=3600 FUZZ_JOBS=4
#
# A target is tests/fuzz/fuzz_<name>.c (defining LLVMFuzzerTestOneInput) plus
# the firmware sources it needs in FUZZ_SRCS_<name>; seeds live in
# tests/fuzz/corpus/<name>/ (read only: what the fuzzer finds goes to
# build/fuzz/corpus/<name>/), an optional libFuzzer dictionary in
# tests/fuzz/<name>.dict, extra compiler flags in FUZZ_CFLAGS_<name>, extra
# libFuzzer options in FUZZ_OPTS_<name>, a longer input limit in
# FUZZ_MAX_LEN_<name>, other smoke limits in FUZZ_SMOKE_SECONDS_<name>.
# Crashes are written to build/fuzz/artifacts/<name>/; rerun one with
#   build/fuzz/fuzz_<name> build/fuzz/artifacts/<name>/crash-...

# --- the targets and their sources ------------------------------------------
FUZZ_SRCS_json := firmware/json.c
FUZZ_SRCS_http := firmware/http.c firmware/calendar.c firmware/grammar.c firmware/retry.c firmware/transport.c firmware/json.c
# the Builds API answer reader against a reference reader in the target
FUZZ_SRCS_builds := firmware/builds_reader.c
# ca.c with the real mbedTLS (mk/mbedtls.mk, built once into an archive
# with the library's own warnings, not ours)
FUZZ_SRCS_pem = firmware/ca.c firmware/calendar.c firmware/cmd_ca.c firmware/tlsport.c tests/fuzz/stub_hal.c $(FUZZ_MBEDTLS)
FUZZ_CFLAGS_pem = $(MBEDTLS_CFLAGS)
# the request body and its signature (payload.c with the real mbedTLS HMAC)
FUZZ_SRCS_payload = firmware/payload.c firmware/calendar.c firmware/json.c firmware/wallclock.c firmware/tlsport.c \
                    tests/fuzz/stub_hal.c $(FUZZ_MBEDTLS)
FUZZ_CFLAGS_payload = $(MBEDTLS_CFLAGS) -DPB_BUILD_EPOCH=0
# The device-level targets: the whole portable firmware (not main.c) over the
# fuzz hal (tests/fuzz/device_hal.c) and the unit tests' fakes of the medium,
# the MAC and the entropy source, with the real mbedTLS and lwIP.
FUZZ_DEVICE_SRCS = $(filter-out firmware/main.c,$(wildcard firmware/*.c)) hal/ringbuf.c \
                   tests/unit/fake_nvm.c tests/unit/fake_eth.c tests/unit/fake_entropy.c \
                   tests/fuzz/device_hal.c $(FUZZ_OUT)/gen/roots.c $(FUZZ_MBEDTLS_NOCOV) $(FUZZ_LWIP)
FUZZ_DEVICE_CFLAGS = $(MBEDTLS_CFLAGS) -DPB_BUILD_EPOCH=$(or $(BUILD_EPOCH),0) -Itests/unit -Itests/fuzz
# the console: every command line passes the oracle's cmd_dispatch wrapper;
# a passphrase hash of 4 PBKDF2 iterations in slices of 2, not 2048 in 16:
# an input that sets a passphrase and tries one took 32 ms with 2048, 1.6 ms
# with 4
FUZZ_SRCS_console = $(FUZZ_DEVICE_SRCS) tests/fuzz/ram_scan.c
FUZZ_CFLAGS_console = $(FUZZ_DEVICE_CFLAGS) -Wl,--wrap=cmd_dispatch -DLOCK_ITERATIONS=4u -DLOCK_SLICE_ITERATIONS=2u
# a hostile medium: an image of both regions (fuzz_nvm.c), 1 + 4096 + 8192
# bytes at most; its seeds are written by the target itself from the
# firmware's own writers (FUZZ_SEEDS_nvm)
FUZZ_SRCS_nvm = $(FUZZ_DEVICE_SRCS)
FUZZ_CFLAGS_nvm = $(FUZZ_DEVICE_CFLAGS)
FUZZ_MAX_LEN_nvm := 12289
FUZZ_SEEDS_nvm = $(FUZZ_OUT)/seeds/nvm
# their smoke runs: each input costs milliseconds (a device boots twice)
FUZZ_SMOKE_SECONDS_console := 15
FUZZ_SMOKE_SECONDS_nvm := 10

# ------------------------------------------------------------------------------
# Standalone, this file is the first makefile read: it then provides the
# defaults the top-level Makefile otherwise does, and fuzz-smoke is the default
# goal.  Included, it leaves the including Makefile's default goal alone.
FUZZ_STANDALONE := $(if $(filter %tests/fuzz/fuzz.mk,$(firstword $(MAKEFILE_LIST))),1,)
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD    ?= build
DEPS_DIR ?= $(BUILD)/deps
ifeq ($(FUZZ_STANDALONE),1)
MBEDTLS_DIR := $(DEPS_DIR)/mbedtls
LWIP_DIR := $(DEPS_DIR)/lwip
PYTHON ?= /usr/bin/python3
include mk/mbedtls.mk
include mk/lwip.mk
endif
ifeq ($(V),1)
FUZZ_Q :=
else
FUZZ_Q := @
endif

FUZZ_CC  ?= clang
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_MBEDTLS := $(FUZZ_OUT)/libmbedtls.a
FUZZ_MBEDTLS_NOCOV := $(FUZZ_OUT)/libmbedtls-nocov.a
FUZZ_LWIP := $(FUZZ_OUT)/liblwip.a
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)

# The unit build's include paths and warnings; any header there may matter.
FUZZ_INC := -Ifirmware -Ifirmware/port -Ihal -isystem $(DEPS_DIR)/lwip/src/include \
            -isystem $(DEPS_DIR)/mbedtls/include
FUZZ_HDRS := $(wildcard firmware/*.h firmware/port/*.h hal/*.h tests/unit/fake_*.h tests/fuzz/*.h)
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wundef -Wstrict-prototypes \
               -DPB_BOARD_NAME=\"host\"

FUZZ_SMOKE_RUNS    ?= 200000
FUZZ_SMOKE_SECONDS ?= 12
FUZZ_SECONDS       ?= 300
FUZZ_JOBS          ?= 1
FUZZ_MAX_LEN       ?= 4096
# Passed to every run, e.g. FUZZ_ARGS=-seed=1 to repeat a smoke run exactly.
FUZZ_ARGS          ?=

# $(call fuzz_run,<name>,<libFuzzer options>): one shell command; the log is
# build/fuzz/<name>.log, shown in part when the run fails.  The summary is
# the final stats plus the last status line (coverage "cov", features "ft").
fuzz_run = mkdir -p $(FUZZ_OUT)/corpus/$(1) $(FUZZ_OUT)/artifacts/$(1); \
	echo "  FUZZ    $(1) $(2)"; \
	if $(FUZZ_OUT)/fuzz_$(1) $(2) -max_len=$(or $(FUZZ_MAX_LEN_$(1)),$(FUZZ_MAX_LEN)) -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_OUT)/artifacts/$(1)/ \
	    $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) $(FUZZ_OPTS_$(1)) $(FUZZ_ARGS) \
	    $(FUZZ_OUT)/corpus/$(1) $(wildcard tests/fuzz/corpus/$(1)) $(FUZZ_SEEDS_$(1)) > $(FUZZ_OUT)/$(1).log 2>&1; then \
	    grep -E '^\#[0-9]+' $(FUZZ_OUT)/$(1).log | grep -E ' (cov|ft):' | tail -n 1 | sed 's/^/          /'; \
	    sed -n 's/^stat::\(number_of_executed_units\|average_exec_per_sec\|new_units_added\): */          \1 /p' \
	        $(FUZZ_OUT)/$(1).log; \
	else tail -n 60 $(FUZZ_OUT)/$(1).log; echo "fuzz: $(1) failed, log in $(FUZZ_OUT)/$(1).log"; exit 1; fi

# mbedTLS for the fuzzers: instrumented like them, compiled once.
FUZZ_MBEDTLS_OBJS := $(MBEDTLS_SRCS:$(DEPS_DIR)/mbedtls/library/%.c=$(FUZZ_OUT)/mbedtls/%.o)
$(FUZZ_OUT)/mbedtls/%.o: $(DEPS_DIR)/mbedtls/library/%.c $(MBEDTLS_CONFIG)
	@mkdir -p $(@D)
	$(FUZZ_Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -w $(MBEDTLS_CFLAGS) -Ifirmware/port -I$(DEPS_DIR)/mbedtls/include -c $< -o $@
$(FUZZ_MBEDTLS): $(FUZZ_MBEDTLS_OBJS)
	@$(if $(FUZZ_Q),echo "  AR      $@")
	$(FUZZ_Q)rm -f $@ && ar rcs $@ $^

# The device-level targets link mbedTLS without coverage: its big-number
# code, instrumented, made one ECDSA check of `ca add` take 400 ms, and its
# own parsing is the pem target's business.
FUZZ_MBEDTLS_NOCOV_OBJS := $(MBEDTLS_SRCS:$(DEPS_DIR)/mbedtls/library/%.c=$(FUZZ_OUT)/mbedtls-nocov/%.o)
$(FUZZ_OUT)/mbedtls-nocov/%.o: $(DEPS_DIR)/mbedtls/library/%.c $(MBEDTLS_CONFIG)
	@mkdir -p $(@D)
	$(FUZZ_Q)$(FUZZ_CC) -std=gnu11 -g -O2 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -w $(MBEDTLS_CFLAGS) -Ifirmware/port -I$(DEPS_DIR)/mbedtls/include -c $< -o $@
$(FUZZ_MBEDTLS_NOCOV): $(FUZZ_MBEDTLS_NOCOV_OBJS)
	@$(if $(FUZZ_Q),echo "  AR      $@")
	$(FUZZ_Q)rm -f $@ && ar rcs $@ $^

# lwIP likewise (the device-level targets link net.c).
FUZZ_LWIP_OBJS := $(LWIP_SRCS:$(DEPS_DIR)/lwip/%.c=$(FUZZ_OUT)/lwip/%.o)
$(FUZZ_OUT)/lwip/%.o: $(DEPS_DIR)/lwip/%.c firmware/port/lwipopts.h
	@mkdir -p $(@D)
	$(FUZZ_Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -w $(MBEDTLS_CFLAGS) -Ifirmware/port -I$(DEPS_DIR)/lwip/src/include -c $< -o $@
$(FUZZ_LWIP): $(FUZZ_LWIP_OBJS)
	@$(if $(FUZZ_Q),echo "  AR      $@")
	$(FUZZ_Q)rm -f $@ && ar rcs $@ $^

define FUZZ_TARGET_RULES
$(FUZZ_OUT)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $$(@D)
	@$$(if $$(FUZZ_Q),echo "  FUZZCC  $$@")
	$$(FUZZ_Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_CFLAGS_$(1)) $$(FUZZ_INC) tests/fuzz/fuzz_$(1).c \
	    $$(FUZZ_SRCS_$(1)) -o $$@

.PHONY: fuzz-smoke-$(1) fuzz-$(1)
fuzz-smoke-$(1): $(FUZZ_OUT)/fuzz_$(1) $$(if $$(FUZZ_SEEDS_$(1)),$$(FUZZ_SEEDS_$(1)).done)
	$$(FUZZ_Q)$$(call fuzz_run,$(1),-runs=$$(FUZZ_SMOKE_RUNS) \
	    -max_total_time=$$(or $$(FUZZ_SMOKE_SECONDS_$(1)),$$(FUZZ_SMOKE_SECONDS)))

fuzz-$(1): $(FUZZ_OUT)/fuzz_$(1) $$(if $$(FUZZ_SEEDS_$(1)),$$(FUZZ_SEEDS_$(1)).done)
	$$(FUZZ_Q)$$(call fuzz_run,$(1),-max_total_time=$$(FUZZ_SECONDS) $$(if $$(filter-out 1,$$(FUZZ_JOBS)),-fork=$$(FUZZ_JOBS)))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULES,$(t))))

# Seeds a target writes itself (PB_FUZZ_WRITE_SEEDS=<dir>: it writes them
# from LLVMFuzzerInitialize and exits), so they follow the firmware's formats.
$(FUZZ_OUT)/seeds/%.done: $(FUZZ_OUT)/fuzz_%
	@rm -rf $(FUZZ_OUT)/seeds/$* && mkdir -p $(FUZZ_OUT)/seeds/$*
	$(FUZZ_Q)PB_FUZZ_WRITE_SEEDS=$(FUZZ_OUT)/seeds/$* $< > $(FUZZ_OUT)/seeds/$*.log 2>&1 || \
	    { cat $(FUZZ_OUT)/seeds/$*.log; exit 1; }
	@touch $@

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clean

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_TARGETS:%=fuzz-smoke-%)

fuzz: $(FUZZ_TARGETS:%=fuzz-%)

fuzz-clean:
	rm -rf $(FUZZ_OUT)

ifeq ($(FUZZ_STANDALONE),1)
.DEFAULT_GOAL := fuzz-smoke
else
.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
endif
