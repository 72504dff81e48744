# Mbed TLS 3.6 and the built-in trust anchors.  Included by the top-level
# Makefile after MBEDTLS_DIR, OUT, BUILD and PYTHON, before DEP_SRCS, OBJS
# and UNIT_OBJS are computed, and after the bootstrap phase (so the library's
# sources are there to be listed).
#
# Provides:
#   MBEDTLS_SRCS       the library's files (target and host tests alike,
#                      through DEP_SRCS)
#   MBEDTLS_CFLAGS     selects firmware/port/mbedtls_pb_config.h; must reach
#                      every compile that can see an mbedTLS header (CFLAGS,
#                      DEP_CFLAGS, UNIT_CFLAGS, the host deps rule), or struct
#                      layouts differ between the library and its callers
#   CA_ROOTS_OBJ       the generated built-in anchors for the board, and
#   CA_ROOTS_HOST_OBJ  the same for the host tests: add to OBJS / UNIT_OBJS

MBEDTLS_CONFIG := firmware/port/mbedtls_pb_config.h
MBEDTLS_CFLAGS := -DMBEDTLS_CONFIG_FILE='"mbedtls_pb_config.h"'

# Every file of library/: what the configuration leaves off compiles to
# nothing, and --gc-sections drops what the firmware never calls (ECDSA
# signing, RSA private-key operations, ...).  Listing them all keeps the
# build right when a configuration change needs one more file.
MBEDTLS_SRCS := $(sort $(wildcard $(MBEDTLS_DIR)/library/*.c))

# Every mbedTLS object depends on the configuration (the .d files would say
# so too, but only after a first build).
$(MBEDTLS_SRCS:$(MBEDTLS_DIR)/%.c=$(OUT)/deps/mbedtls/%.o) \
$(MBEDTLS_SRCS:$(MBEDTLS_DIR)/%.c=$(BUILD)/host/deps/mbedtls/%.o): $(MBEDTLS_CONFIG)

# ---- built-in trust anchors (spec section 2: b0..b3) -------------------------
# tools/gen-roots.py takes them from Debian's ca-certificates and fails the
# build when one is missing, not the pinned certificate, or expired.  Its .d
# file names the certificate files, so an updated package regenerates them.
CA_ROOTS_OBJ := $(OUT)/obj/gen/roots.o
CA_ROOTS_HOST_OBJ := $(BUILD)/host/obj/gen/roots.o

$(BUILD)/%/gen/roots.c: tools/gen-roots.py
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PYTHON) tools/gen-roots.py -o $@

$(CA_ROOTS_OBJ): $(OUT)/gen/roots.c firmware/ca.h | $(BOOTSTRAP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -Ifirmware -Ifirmware/port -isystem $(MBEDTLS_DIR)/include -c $< -o $@

$(CA_ROOTS_HOST_OBJ): $(BUILD)/host/gen/roots.c firmware/ca.h | $(BOOTSTRAP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)gcc $(UNIT_CFLAGS) $(UNIT_INC) -c $< -o $@

-include $(wildcard $(OUT)/gen/roots.d $(BUILD)/host/gen/roots.d)
