# oshc - one Makefile for the whole tree.
#
#   make            build oshc (and the later binaries) into build/
#   make deps       install the Debian packages the build needs (when missing)
#   make test       deps, build, run every test (unit, golden, end to end)
#   make example    check and compile the example policy to a bundle, inspect it
#   make asan       build and test with AddressSanitizer and UBSan
#   make fuzz       build the libFuzzer targets (clang) and run each 60 s
#   make bench      build and run the benchmarks in bench/
#   make lint       clang-format --dry-run, cppcheck, warnings as errors
#   make install    install under PREFIX (/usr/local), DESTDIR; make uninstall

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2
CFLAGS_EXTRA ?=
LDFLAGS_EXTRA ?=
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
VERSION  := 0.1.0
CFLAGS   := -std=gnu11 $(OPT) -g $(WARN) -D_GNU_SOURCE -DOSH_VERSION='"$(VERSION)"' -I. -I$(BUILD) $(CFLAGS_EXTRA)
LDLIBS   := -lseccomp -lz3 -ljson-c -lyaml
# LLVM: the native egress matcher (backends/llvm_matcher.c) only; its
# include dir alone (llvm-config --cflags adds flags meant for C++ builds).
# oshc and the tests link it; osh-run and osh-proxy never do.
LLVM_INC := -I$(shell llvm-config --includedir)
LDLIBS   += $(shell llvm-config --ldflags --libs core native passes target analysis) \
            $(shell llvm-config --system-libs)
PKGS     := flex bison llvm-dev libseccomp-dev libz3-dev libcmocka-dev pkg-config clang \
            libclang-rt-14-dev libjson-c-dev libyaml-dev jq \
            git curl python3 nodejs

LANG_SRC := $(filter-out lang/main.c,$(wildcard lang/*.c))
COMP_SRC := $(filter-out compiler/oshc.c,$(wildcard compiler/*.c))
BACK_SRC := $(wildcard backends/*.c)
VERIF_SRC := $(wildcard verifier/*.c)
# the runtime: libc only.  Its library part also goes into libosh.a, so
# oshc (inspect) and the unit tests can use the same code.
RT_MAINS  := runtime/osh_run.c runtime/osh_proxy.c
RT_SHARED := $(filter-out $(RT_MAINS),$(wildcard runtime/*.c))
RT_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(RT_SHARED))
GEN_SRC  := $(BUILD)/lang/parser.c $(BUILD)/lang/lexer.c
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LANG_SRC) $(COMP_SRC) $(BACK_SRC) $(VERIF_SRC) $(RT_SHARED)) \
            $(GEN_SRC:.c=.o)
TEST_SRC := $(wildcard tests/*/test_*.c)
TEST_BIN := $(patsubst %.c,$(BUILD)/%,$(TEST_SRC))

.PHONY: all deps test unit golden e2e example asan fuzz bench lint clean
all: $(BUILD)/oshc $(if $(wildcard runtime/osh_run.c),$(BUILD)/osh-run) \
     $(if $(wildcard runtime/osh_proxy.c),$(BUILD)/osh-proxy)

deps:
	@missing=""; for p in $(PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(BUILD)/lang/parser.c $(BUILD)/lang/parser.h: lang/parser.y
	@mkdir -p $(dir $@)
	bison -Wall -Werror --defines=$(BUILD)/lang/parser.h -o $(BUILD)/lang/parser.c $<

$(BUILD)/lang/lexer.c $(BUILD)/lang/lexer.h: lang/lexer.l
	@mkdir -p $(dir $@)
	flex --header-file=$(BUILD)/lang/lexer.h -o $(BUILD)/lang/lexer.c $<

# generated code: the same warnings, minus the ones flex's skeleton trips
$(BUILD)/lang/lexer.o: $(BUILD)/lang/lexer.c $(BUILD)/lang/parser.h $(wildcard lang/*.h)
	$(CC) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -c -o $@ $<
$(BUILD)/lang/parser.o: $(BUILD)/lang/parser.c $(BUILD)/lang/lexer.h $(wildcard lang/*.h)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -c -o $@ $<

$(BUILD)/%.o: %.c $(wildcard lang/*.h compiler/*.h backends/*.h runtime/*.h verifier/*.h tests/*.h) $(BUILD)/lang/parser.h $(BUILD)/lang/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/backends/llvm_matcher.o: CFLAGS += $(LLVM_INC)

$(BUILD)/libosh.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/oshc: $(BUILD)/compiler/oshc.o $(BUILD)/libosh.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS_EXTRA)

# osh-run and osh-proxy link nothing but libc (DESIGN §1: no LLVM, no Z3,
# no libseccomp: the seccomp program comes compiled in the bundle).
# osh-run is static (no dynamic loading on every launch; it uses no NSS,
# runtime/ids.c), except under the sanitizers, which need the loader.
RT_STATIC = $(if $(findstring -fsanitize,$(CFLAGS_EXTRA) $(LDFLAGS_EXTRA)),,-static)
$(BUILD)/osh-run: $(BUILD)/runtime/osh_run.o $(RT_OBJ)
	$(CC) $(CFLAGS) $(RT_STATIC) -o $@ $^ $(LDFLAGS_EXTRA)
$(BUILD)/osh-proxy: $(BUILD)/runtime/osh_proxy.o $(RT_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lpthread $(LDFLAGS_EXTRA)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libosh.a $(wildcard tests/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libosh.a $(LDLIBS) -lcmocka $(LDFLAGS_EXTRA)

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; OSH_STDLIB=stdlib-policies ./$$t || fail=1; done; exit $$fail

golden: $(BUILD)/oshc
	@OSHC=$(BUILD)/oshc sh tests/run_golden.sh
	@OSHC=$(BUILD)/oshc sh tests/verifier/run_corpus.sh

e2e: all
	@for t in tests/e2e/*.sh; do echo "== $$t"; OSHC=$(BUILD)/oshc sh $$t || exit 1; done

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit golden e2e

example: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/oshc check stdlib-policies/examples/coding_agent.osh
	$(BUILD)/oshc compile stdlib-policies/examples/coding_agent.osh --policy coding_agent -o $(BUILD)/coding_agent.oshb
	$(BUILD)/oshc inspect $(BUILD)/coding_agent.oshb

# (the native matcher's 10,000-rule differential runs here too: about 3.5
# minutes of test_native under the sanitizers)
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  CFLAGS_EXTRA="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS_EXTRA="-fsanitize=address,undefined" all unit golden e2e

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz OPT=-O1 \
	  CFLAGS_EXTRA="$(FUZZ_FLAGS)" build-fuzz/libosh.a
	@for t in $(FUZZ_TARGETS); do \
	  clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -Ibuild-fuzz \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o build-fuzz/$$t tests/fuzz/$$t.c build-fuzz/libosh.a -lseccomp || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t; \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS)s"; \
	  ./build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	    -print_final_stats=1 build-fuzz/corpus-$$t tests/fuzz/corpus-$$t \
	    >build-fuzz/$$t.log 2>&1 || { tail -60 build-fuzz/$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|Done" build-fuzz/$$t.log | tail -2; \
	done

# make install: PREFIX (default /usr/local) and DESTDIR, as usual.  The
# installed oshc is relinked with OSH_STDLIB_DIR set to the stdlib it installs
# ($(PREFIX)/share/oshc/stdlib-policies), so it needs no OSH_STDLIB; a stamp
# holding PREFIX rebuilds it when PREFIX changes.  build/oshc is untouched (it
# finds ../stdlib-policies next to itself).  osh-proxy goes next to osh-run,
# which looks for it in its own directory.
PREFIX  ?= /usr/local
DESTDIR ?=
OSH_BIN := $(DESTDIR)$(PREFIX)/bin
OSH_SHR := $(DESTDIR)$(PREFIX)/share
.PHONY: install uninstall FORCE
FORCE:
$(BUILD)/install/prefix: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@
$(BUILD)/install/oshc.o: compiler/oshc.c $(BUILD)/install/prefix $(wildcard lang/*.h compiler/*.h)
	$(CC) $(CFLAGS) -DOSH_STDLIB_DIR='"$(PREFIX)/share/oshc/stdlib-policies"' -c -o $@ $<
$(BUILD)/install/oshc: $(BUILD)/install/oshc.o $(BUILD)/libosh.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS_EXTRA)

install: all $(BUILD)/install/oshc
	install -d $(OSH_BIN) $(OSH_SHR)/oshc/stdlib-policies $(OSH_SHR)/man/man1 $(OSH_SHR)/man/man5 \
	  $(OSH_SHR)/bash-completion/completions $(OSH_SHR)/vim/vimfiles/syntax $(OSH_SHR)/vim/vimfiles/ftdetect
	install -m 755 $(BUILD)/install/oshc $(OSH_BIN)/oshc
	install -m 755 $(BUILD)/osh-run $(BUILD)/osh-proxy $(OSH_BIN)/
	cp -R stdlib-policies/. $(OSH_SHR)/oshc/stdlib-policies/
	install -m 644 man/oshc.1 man/osh-run.1 man/osh-proxy.1 $(OSH_SHR)/man/man1/
	install -m 644 man/osh.5 $(OSH_SHR)/man/man5/
	install -m 644 contrib/bash-completion/oshc contrib/bash-completion/osh-run \
	  $(OSH_SHR)/bash-completion/completions/
	install -m 644 contrib/vim/syntax/osh.vim $(OSH_SHR)/vim/vimfiles/syntax/
	install -m 644 contrib/vim/ftdetect/osh.vim $(OSH_SHR)/vim/vimfiles/ftdetect/
	install -m 644 contrib/textmate/osh.tmLanguage.json $(OSH_SHR)/oshc/

uninstall:
	rm -f $(OSH_BIN)/oshc $(OSH_BIN)/osh-run $(OSH_BIN)/osh-proxy \
	  $(OSH_SHR)/man/man1/oshc.1 $(OSH_SHR)/man/man1/osh-run.1 $(OSH_SHR)/man/man1/osh-proxy.1 \
	  $(OSH_SHR)/man/man5/osh.5 $(OSH_SHR)/bash-completion/completions/oshc \
	  $(OSH_SHR)/bash-completion/completions/osh-run $(OSH_SHR)/vim/vimfiles/syntax/osh.vim \
	  $(OSH_SHR)/vim/vimfiles/ftdetect/osh.vim $(OSH_SHR)/oshc/osh.tmLanguage.json
	rm -rf $(OSH_SHR)/oshc/stdlib-policies
	rmdir $(OSH_SHR)/oshc 2>/dev/null || true

bench: all
	@for b in bench/*.sh; do sh $$b || exit 1; done

lint:
	clang-format --dry-run --Werror $(wildcard lang/*.[ch] compiler/*.[ch] backends/*.[ch] runtime/*.[ch] verifier/*.[ch])
	cppcheck --error-exitcode=1 --quiet --std=c11 --suppress=missingIncludeSystem \
	  --inline-suppr -I. lang compiler $(wildcard backends runtime verifier)

clean:
	rm -rf build build-asan build-fuzz
