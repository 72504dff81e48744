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
# tests/fuzz/<name>.dict, extra compiler flags in FUZZ_CFLAGS_<name>.
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
include mk/mbedtls.mk
endif
ifeq ($(V),1)
FUZZ_Q :=
else
FUZZ_Q := @
endif

FUZZ_CC  ?= clang
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_MBEDTLS := $(FUZZ_OUT)/libmbedtls.a
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)

# The unit build's include paths and warnings; any header there may matter.
FUZZ_INC := -Ifirmware -Ifirmware/port -Ihal -isystem $(DEPS_DIR)/lwip/src/include \
            -isystem $(DEPS_DIR)/mbedtls/include
FUZZ_HDRS := $(wildcard firmware/*.h firmware/port/*.h hal/*.h)
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
# build/fuzz/<name>.log, shown in part when the run fails.
fuzz_run = mkdir -p $(FUZZ_OUT)/corpus/$(1) $(FUZZ_OUT)/artifacts/$(1); \
	echo "  FUZZ    $(1) $(2)"; \
	if $(FUZZ_OUT)/fuzz_$(1) $(2) -max_len=$(FUZZ_MAX_LEN) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_OUT)/artifacts/$(1)/ \
	    $(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) $(FUZZ_ARGS) \
	    $(FUZZ_OUT)/corpus/$(1) $(wildcard tests/fuzz/corpus/$(1)) > $(FUZZ_OUT)/$(1).log 2>&1; then \
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

define FUZZ_TARGET_RULES
$(FUZZ_OUT)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $$(@D)
	@$$(if $$(FUZZ_Q),echo "  FUZZCC  $$@")
	$$(FUZZ_Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_CFLAGS_$(1)) $$(FUZZ_INC) tests/fuzz/fuzz_$(1).c \
	    $$(FUZZ_SRCS_$(1)) -o $$@

.PHONY: fuzz-smoke-$(1) fuzz-$(1)
fuzz-smoke-$(1): $(FUZZ_OUT)/fuzz_$(1)
	$$(FUZZ_Q)$$(call fuzz_run,$(1),-runs=$$(FUZZ_SMOKE_RUNS) -max_total_time=$$(FUZZ_SMOKE_SECONDS))

fuzz-$(1): $(FUZZ_OUT)/fuzz_$(1)
	$$(FUZZ_Q)$$(call fuzz_run,$(1),-max_total_time=$$(FUZZ_SECONDS) $$(if $$(filter-out 1,$$(FUZZ_JOBS)),-fork=$$(FUZZ_JOBS)))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULES,$(t))))

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
