# threatrec — top-level build. Plain GNU make, non-recursive.
# Every .c under common/ sniffer/ decoder/ vault/ webui/ that is not a
# program entry point goes into build/libtr.a; programs, unit tests and
# fuzz targets link against it. `make V=1` shows the full commands.

.DEFAULT_GOAL := all
include mk/flags.mk
include mk/deps.mk

B        ?= build
-include webui/module.mk
LIBDIRS  := common sniffer decoder vault webui
MAINS    := sniffer/main.c decoder/cli.c vault/main.c webui/main.c
LIB_SRCS := $(filter-out $(MAINS),$(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIB      := $(B)/libtr.a

PROGS    := $(B)/threatrec-sniffer $(B)/threatrec-decode $(B)/threatrec-vault \
            $(B)/threatrec-webui $(B)/threatrec-pcapgen
GEN_SRCS := $(wildcard pcaps/gen/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
EXTRA_SRCS := $(wildcard webui/assets/*.S)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps test check asan asan-check fuzz bench demo install clean unit golden corpus e2e browser fuzz-replay
# object files of tests and fuzz targets are intermediate: keep them, so a
# second make has nothing to do
.SECONDARY:
all: $(PROGS) $(UNIT_BINS) $(FUZZ_REPLAY)

deps:
	@packaging/deps.sh build test browser

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/threatrec-sniffer: $(B)/sniffer/main.o $(LIB)
$(B)/threatrec-decode: $(B)/decoder/cli.o $(LIB)
$(B)/threatrec-vault: $(B)/vault/main.o $(LIB)
$(B)/threatrec-webui: $(B)/webui/main.o $(LIB)
$(B)/threatrec-pcapgen: $(GEN_SRCS:%.c=$(B)/%.o) $(LIB)
$(PROGS):
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)

# Fuzz targets, gcc build: linked with the replay driver that runs a corpus.
$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)

# The one test command: installs what is missing, builds, runs every suite.
test check: deps
	$(MAKE) all
	tests/run.sh

# The whole suite again under ASan and UBSan, in its own build folder.
asan asan-check: deps
	$(MAKE) B=build-asan SANITIZER=address,undefined all
	B=build-asan tests/run.sh

# libFuzzer with clang: make fuzz FUZZ_SECONDS=60
FUZZ_SECONDS ?= 30
fuzz:
	tests/fuzz/run-libfuzzer.sh $(FUZZ_SECONDS)

bench: deps
	$(MAKE) all
	tests/bench/run.sh

demo:
	@packaging/deps.sh build
	$(MAKE) all
	packaging/demo.sh

install: all
	packaging/install.sh "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf build build-asan build-fuzz build-*

-include $(shell find $(B) -name '*.d' 2>/dev/null)
