# Compiler flags shared by every binary (see ../shared/STYLE.md).
CC        ?= cc
# base: C11 with GNU extensions (pthread, mremap, memfd), optimised with debug info
CSTD      := -std=c11 -D_GNU_SOURCE -O2 -g
# warnings: everything the style guide names, as errors
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wformat=2 -Wimplicit-fallthrough -Wvla
# hardening: fortify, stack protector, zeroed autos, PIE, full RELRO
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -ftrivial-auto-var-init=zero -fPIE
LDHARDEN  := -pie -Wl,-z,relro,-z,now
# SANITIZER=address,undefined builds everything instrumented (make asan)
ifneq ($(SANITIZER),)
HARDEN    := -fsanitize=$(SANITIZER) -fno-sanitize-recover=all -fno-omit-frame-pointer -fPIE
CSTD      := -std=c11 -D_GNU_SOURCE -O1 -g
LDHARDEN  := -pie -fsanitize=$(SANITIZER)
endif
ifeq ($(CC),clang)
# clang 14 does not know -ftrivial-auto-var-init=zero without an opt-in flag
HARDEN    := $(filter-out -ftrivial-auto-var-init=zero,$(HARDEN))
endif
CFLAGS_ALL = $(CSTD) $(WARN) $(HARDEN) -I. -Icommon -Isniffer -Idecoder -Ivault -Iwebui $(DEPS_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL = $(LDHARDEN) $(LDFLAGS)
