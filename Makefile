# trustline - GNU Makefile. See README.md.
#
#   make                 build ./trustline
#   make check           unit, golden, fuzz-corpus replay, quick accounting
#   make demo            run trustline on the bundled samples
#   make bench           throughput and peak RSS against cat and rg
#   make fuzz            libFuzzer builds of every fuzz target (clang)
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check
#   make WERROR=1        warnings are errors (CI)
#   make V=1             show the commands

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share
MANDIR    ?= $(DATADIR)/man
DOCDIR    ?= $(DATADIR)/doc/trustline
CC        ?= cc
B         := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DEFAULT_GOAL := all

UNAME_S := $(shell uname -s)

CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L
ifeq ($(UNAME_S),Darwin)
CSTD     += -D_DARWIN_C_SOURCE
endif
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough \
            -Wcast-qual -Wwrite-strings -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CFLAGS   ?=
LDFLAGS  ?=
# The input read-ahead thread (cli/input.c) uses POSIX threads.
LIBS     += -pthread
ALL_CFLAGS = -pthread $(CSTD) $(OPT) $(WARN) -MMD -MP -DTL_VERSION='"$(VERSION)"' \
             -DTL_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) $(CFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
B          := build-san
endif

# Library flags come from pkg-config, cached in $(B)/config.mk. Making
# that file checks the dependencies and installs them where it can
# (tests/deps.sh); GNU make then restarts with the flags.
NODEPS_GOALS := clean distclean help
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(B)/config.mk
endif
$(B)/config.mk: tests/deps.sh
	$(Q)mkdir -p $(B)
	$(Q)sh tests/deps.sh
	$(Q){ echo "PKG_CFLAGS := $$(pkg-config --cflags libpcre2-8 yaml-0.1)"; \
	      echo "PKG_LIBS := $$(pkg-config --libs libpcre2-8 yaml-0.1)"; \
	      echo "CHECK_CFLAGS := $$(pkg-config --cflags check)"; \
	      echo "CHECK_LIBS := $$(pkg-config --libs check)"; } > $@.tmp
	$(Q)mv $@.tmp $@

LIB_SRC  := $(sort $(wildcard util/*.c parser/*.c rules/*.c output/*.c cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
LIB      := $(B)/libtrustline.a
BIN      := trustline
ifneq ($(SANITIZE),)
BIN      := $(B)/trustline
endif

TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%) $(B)/tests/test_escape_novec \
            $(B)/tests/test_mlit_novec
TEST_COMMON_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(B)/%.o)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/replay_%)
FUZZ_LF  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all check unit golden fuzz-replay html-check demo bench fuzz \
        accounting valgrind install clean distclean help

all: $(BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(B)/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(B)/main.o $(LIB) $(PKG_LIBS) $(LIBS)

$(B)/tests/%: tests/unit/%.c $(TEST_COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -DSAMPLES_DIR='"$(CURDIR)/samples"' \
	    -DSRC_DIR='"$(CURDIR)"' -MF $@.d -o $@ $< \
	    $(TEST_COMMON_OBJ) $(LIB) $(LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS) $(LIBS)

# The escaping and literal-search tests once more without the vector
# extension (the path other compilers take).
$(B)/tests/test_%_novec: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -DTL_NO_VEC16 $(CHECK_CFLAGS) -MF $@.d -o $@ \
	    $< $(NOVEC_SRC_$*) $(LIB) $(LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS) $(LIBS)
NOVEC_SRC_escape := output/escape.c
NOVEC_SRC_mlit := rules/mlit.c
$(B)/tests/test_escape_novec: output/escape.c
$(B)/tests/test_mlit_novec: rules/mlit.c

$(B)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  REPLAY  $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MF $@.d -o $@ $< tests/fuzz/replay_main.c \
	    $(LIB) $(LDFLAGS) $(PKG_LIBS) $(LIBS)

$(B)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MF $@.d -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) $(LIBS)

# --- tests ---------------------------------------------------------------

# The accounting on small corpora (5 MB per style, ~25 s); `make
# accounting` runs it on 20 MB.
check: unit golden fuzz-replay html-check $(BIN) $(BENCH_BIN)
	$(Q)ACCOUNTING_MB=5 TRUSTLINE=./$(BIN) BUILD=$(B) sh tests/accounting.sh
	@echo "make check: all tests passed"

unit: $(TEST_BIN)
	$(Q)sh tests/run-unit.sh $(TEST_BIN)

golden: $(BIN) $(BENCH_BIN)
	$(Q)TRUSTLINE=./$(BIN) BUILD=$(B) sh tests/golden/run.sh

# The HTML report in headless Chromium (Debian's chromium package); skipped
# with a note where no browser is installed.
html-check: $(B)/tests/test_html $(BIN)
	$(Q)BUILD=$(B) sh tests/html/check.sh; rc=$$?; \
	if [ $$rc = 77 ]; then echo "html-check: skipped (no chromium)"; \
	elif [ $$rc != 0 ]; then exit $$rc; fi
	$(Q)./$(BIN) scan --batch -r rules/macos -f html -o $(B)/busy-hour.html \
	    samples/busy-hour.log && BUILD=$(B) sh tests/html/check.sh \
	    $(B)/busy-hour.html; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ] || exit $$rc

fuzz-replay: $(FUZZ_REPLAY)
	$(Q)sh tests/fuzz/replay.sh $(B)/fuzz

# Longer checks: every line and every planted incident of generated
# corpora accounted for (20 MB per style; `make check` runs it on 5 MB);
# the test suite under valgrind.
accounting: $(BIN) $(BENCH_BIN)
	$(Q)TRUSTLINE=./$(BIN) BUILD=$(B) sh tests/accounting.sh

valgrind: $(BIN) $(TEST_BIN)
	$(Q)TRUSTLINE=./$(BIN) BUILD=$(B) sh tests/valgrind.sh

# --- demo, bench ---------------------------------------------------------

demo: $(BIN)
	$(Q)sh tests/demo.sh ./$(BIN)

BENCH_MB ?= 300
bench: $(BIN) $(BENCH_BIN)
	$(Q)BENCH_MB=$(BENCH_MB) TRUSTLINE=./$(BIN) BUILD=$(B) sh bench/bench.sh

# --- fuzzing (clang + libFuzzer) ------------------------------------------

FUZZ_CC     ?= clang
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined $(CSTD) \
               -DTL_VERSION='"$(VERSION)"' -DTL_DATADIR='"$(DATADIR)"'
fuzz: $(FUZZ_LF)
	@echo "fuzzers built in build-fuzz/; run e.g. build-fuzz/fuzz_parser tests/fuzz/corpus/fuzz_parser"

build-fuzz/%: tests/fuzz/%.c tests/fuzz/ubsan_opts.c $(LIB_SRC) $(B)/config.mk
	@mkdir -p build-fuzz
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -pthread -o $@ $< \
	    tests/fuzz/ubsan_opts.c $(LIB_SRC) $(PKG_LIBS)

# --- install ---------------------------------------------------------------

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/trustline/rules \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/trustline
	for f in rules/macos/*.yml; do [ -f "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(DATADIR)/trustline/rules/; done
	for f in docs/*.1; do [ -f "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man1/; done
	for f in docs/*.5; do [ -f "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man5/; done
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	[ ! -f rules/README.md ] || \
	    install -m 644 rules/README.md $(DESTDIR)$(DOCDIR)/rules.md
	for f in docs/*.md; do [ -f "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(DOCDIR)/; done

clean:
	rm -rf build build-san build-fuzz trustline

distclean: clean

help:
	@sed -n '2,12p' Makefile

-include $(LIB_OBJ:.o=.d) $(B)/main.d $(wildcard $(B)/tests/*.d) \
         $(wildcard $(B)/fuzz/*.d) $(wildcard $(B)/bench/*.d)
