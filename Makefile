# relctl: `make` builds ./relctl; `make demo` installs only what building and
# running relctl needs, builds, and walks through a release on a throwaway
# repository; `make check` installs the test tools as well, builds, and runs
# every test twice (plain, then ASan+UBSan).  `make install` puts the binary,
# the man page and the bash, zsh and fish completions under $(PREFIX);
# `make dist` makes relctl-VERSION.tar.gz, which builds with this Makefile alone.

PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^#define RELCTL_VERSION "\(.*\)"/\1/p' include/relctl.h)
PKGS := libgit2 libcurl libcjson yaml-0.1 openssl libmicrohttpd libcmark
# Building and running relctl (and its demo, which also uses python3 and jq):
# the four libraries, OpenSSL, libmicrohttpd and cmark (relctl board), a compiler, make, pkg-config and git.
RUN_DEBS := libgit2-dev libcurl4-openssl-dev libcjson-dev libyaml-dev libssl-dev libmicrohttpd-dev libcmark-dev gcc libc6-dev make pkg-config \
	git ca-certificates openssl python3 jq
# The test tools, for `make check` only.
TEST_DEBS := libcmocka-dev bats python3-jsonschema python3-aiosmtpd nginx-light fcgiwrap openssh-server chromium chromium-driver python3-selenium \
	zsh fish tmux debhelper bsdutils cmark parallel
DEBS := $(RUN_DEBS) $(TEST_DEBS)

BUILD ?= build
SAN ?=
OPT ?= -O2 -g
CC ?= cc

# Linked: what every command needs.  Loaded on first use (library.h): libcurl
# (hooks, mail), libmicrohttpd and cmark (the board), by the soname of the
# library pkg-config names, with the Debian package that has it for the
# message when it is missing.
LINKED_PKGS := libgit2 libcjson yaml-0.1 openssl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(LINKED_PKGS) 2>/dev/null)
# soname PKG LIB -> e.g. libcurl.so.4, read from the .so the linker would use.
soname = $(shell objdump -p "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/$(2).so" 2>/dev/null | sed -n 's/^ *SONAME *//p')
# package SONAME -> the Debian package that has it (blank off Debian).
package = $(shell dpkg-query -S "*/$(1)" 2>/dev/null | sed -n '1s/:.*//p')
CURL_SONAME = $(call soname,libcurl,libcurl)
MICROHTTPD_SONAME = $(call soname,libmicrohttpd,libmicrohttpd)
CMARK_SONAME = $(call soname,libcmark,libcmark)
LAZY_DEFS = -DRELCTL_CURL_SONAME='"$(CURL_SONAME)"' -DRELCTL_CURL_PACKAGE='"$(or $(call package,$(CURL_SONAME)),libcurl)"' \
	-DRELCTL_MICROHTTPD_SONAME='"$(MICROHTTPD_SONAME)"' -DRELCTL_MICROHTTPD_PACKAGE='"$(or $(call package,$(MICROHTTPD_SONAME)),libmicrohttpd)"' \
	-DRELCTL_CMARK_SONAME='"$(CMARK_SONAME)"' -DRELCTL_CMARK_PACKAGE='"$(or $(call package,$(CMARK_SONAME)),cmark)"'
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
override CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Iinclude $(PKG_CFLAGS) $(SAN) $(EXTRA_CFLAGS)
override LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)

SRC := $(wildcard src/*.c)
CORE_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/main.c src/cmd%.c src/args.c,$(SRC)))
CLI_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(filter src/main.c src/cmd%.c src/args.c,$(SRC)))
# The starter playbooks of `relctl playbook new`, made into C.
TEMPLATES := minimal=playbooks/minimal.yaml library=playbooks/library.yaml tinypilot=playbooks/tinypilot.yaml \
	runtime=playbooks/runtime.yaml
TEMPLATE_OBJ := $(BUILD)/templates.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Programs the e2e tests drive (not suites of their own): the in-process
# signature verifier's verdicts, for the differential test against ssh-keygen.
TEST_TOOLS := $(BUILD)/tests/sshsig_verdicts

# The sanitizer runtimes linked in: each relctl process then neither loads
# libasan and libubsan nor has LeakSanitizer scan libubsan's 6 MB of globals
# at exit (about 25 ms a process).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -static-libasan -static-libubsan

.PHONY: loaded-packages all deps deps-run check check-plain check-asan unit e2e demo bench fuzz fuzz-sshsig install uninstall dist clean format

all: relctl

relctl: $(BUILD)/relctl
	cp --remove-destination $< $@

$(BUILD)/relctl: $(CORE_OBJ) $(CLI_OBJ) $(TEMPLATE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/templates.c: scripts/embed-playbooks.sh $(foreach t,$(TEMPLATES),$(lastword $(subst =, ,$(t)))) | $(BUILD)
	scripts/embed-playbooks.sh $(TEMPLATES) >$@.tmp && mv $@.tmp $@

$(TEMPLATE_OBJ): $(BUILD)/templates.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# The three files that load a library on first use learn its soname (library.h).
$(BUILD)/hook.o $(BUILD)/http-server.o $(BUILD)/markdown.o: override CFLAGS += $(LAZY_DEFS)

# The Debian packages of the libraries loaded on first use, for debian/rules' Depends.
loaded-packages:
	@echo "$(call package,$(CURL_SONAME)), $(call package,$(MICROHTTPD_SONAME)), $(call package,$(CMARK_SONAME))"

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP -Itests/unit -o $@ $< $(CORE_OBJ) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d)

# Install, with apt-get, only the Debian packages that are missing: deps-run
# what relctl and its demo need (without the packages they merely
# recommend), deps everything the tests need too.
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(2) $$missing; \
	fi
endef

deps-run:
	$(call install_debs,$(RUN_DEBS),--no-install-recommends)

deps:
	$(call install_debs,$(DEBS))

unit-bins: $(UNIT_BIN) $(TEST_TOOLS)

# Both passes side by side (each fills the cores while the other builds, runs
# its unit binaries or waits on its last long test), then one line summing
# every suite.  Each pass's output is kept in build/check-MODE.log and shown
# whole when it ends, plain's first.  A failing pass does not stop the
# other; the summary line comes last either way.  Each pass builds with every
# core (JOBS) and runs its tests side by side (tests/run.sh: bats --jobs,
# with GNU parallel).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

check: deps
	@mkdir -p build && rm -f build/results.txt
	@ok=0; start=$$(date +%s); \
	pass() { s=$$(date +%s); $(MAKE) --no-print-directory check-$$1 >build/check-$$1.log 2>&1; rc=$$?; \
		echo "make check-$$1: $$(($$(date +%s) - s)) s" >>build/check-$$1.log; return $$rc; }; \
	pass plain & plain=$$!; pass asan & asan=$$!; \
	wait $$plain || ok=1; cat build/check-plain.log; \
	wait $$asan || ok=1; cat build/check-asan.log; \
	echo "make check: both passes in $$(($$(date +%s) - start)) s"; \
	tests/summary.sh build/results.txt && exit $$ok

check-plain:
	@$(MAKE) --no-print-directory -j$(JOBS) relctl unit-bins
	@tests/run.sh plain $(BUILD) build/results.txt

# symbolize=0: every check stays, but a process no longer symbolizes
# libasan's malloc frame (libbacktrace reading its 3 MB of DWARF, about 0.2 s)
# to match each suppressed libgit2 leak against the suppressions, which name
# modules only; tests/run.sh symbolizes the reports of failed tests instead
# (and ssh.bash turns it back on for its function-name suppressions).
# intercept_strstr=0: libgit2's start parses the CA bundle with mbedTLS,
# whose PEM reader calls strstr once per certificate on the rest of the
# 200 KB file; ASan's wrapper measures that whole string each time (about
# 10 ms of every process).  What is lost: ASan no longer checks the
# arguments of strstr calls; every other interceptor and relctl's own
# instrumented code stay.
check-asan:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-asan SAN="$(SAN_FLAGS)" OPT="-O1 -g" build-asan/relctl unit-bins
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=0:intercept_strstr=0 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/e2e/lsan-libgit2.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh asan build-asan build/results.txt

demo: deps-run
	@$(MAKE) --no-print-directory relctl
	@scripts/demo.sh

bench: deps-run
	@$(MAKE) --no-print-directory relctl
	@bench/run.sh

fuzz:
	@mkdir -p build-fuzz/corpus
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude $(PKG_CFLAGS) \
		-o build-fuzz/fuzz_playbook fuzz/fuzz_playbook.c src/playbook.c src/template-grammar.c src/expr.c src/crypto.c src/util.c src/buf.c src/err.c src/file.c \
		$(PKG_LIBS)
	build-fuzz/fuzz_playbook -max_total_time=$${FUZZ_SECONDS:-120} -max_len=8192 \
		-dict=fuzz/yaml.dict build-fuzz/corpus fuzz/corpus tests/lint

# The SSH signature parser and verifier (src/sshsig.c); make check replays
# its corpus through tests/unit/test_sshsig.c.
fuzz-sshsig:
	@mkdir -p build-fuzz/corpus-sshsig
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude $(PKG_CFLAGS) \
		-o build-fuzz/fuzz_sshsig fuzz/fuzz_sshsig.c src/sshsig.c src/crypto.c src/buf.c $(PKG_LIBS)
	build-fuzz/fuzz_sshsig -max_total_time=$${FUZZ_SECONDS:-120} -max_len=4096 build-fuzz/corpus-sshsig fuzz/corpus-sshsig

BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
# Debian's zsh looks in vendor-completions under /usr, site-functions under /usr/local.
ZSH_COMPLETION_DIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
FISH_COMPLETION_DIR ?= $(PREFIX)/share/fish/vendor_completions.d

install: relctl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(BASH_COMPLETION_DIR) \
		$(DESTDIR)$(ZSH_COMPLETION_DIR) $(DESTDIR)$(FISH_COMPLETION_DIR)
	install -m 755 relctl $(DESTDIR)$(PREFIX)/bin/relctl
	install -m 644 docs/relctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/relctl.1
	./relctl completion bash >$(DESTDIR)$(BASH_COMPLETION_DIR)/relctl
	./relctl completion zsh >$(DESTDIR)$(ZSH_COMPLETION_DIR)/_relctl
	./relctl completion fish >$(DESTDIR)$(FISH_COMPLETION_DIR)/relctl.fish
	chmod 644 $(DESTDIR)$(BASH_COMPLETION_DIR)/relctl $(DESTDIR)$(ZSH_COMPLETION_DIR)/_relctl \
		$(DESTDIR)$(FISH_COMPLETION_DIR)/relctl.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/relctl $(DESTDIR)$(PREFIX)/share/man/man1/relctl.1 \
		$(DESTDIR)$(BASH_COMPLETION_DIR)/relctl $(DESTDIR)$(ZSH_COMPLETION_DIR)/_relctl \
		$(DESTDIR)$(FISH_COMPLETION_DIR)/relctl.fish

# The tracked files of this checkout as relctl-VERSION/, owned by root and
# dated by the last commit, so the same tree gives the same tarball.
DISTDIR ?= .
dist:
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "make dist needs the git checkout"; exit 1; }
	git ls-files -z | tar --null -T - --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$$(git log -1 --format=%ct)" --transform 's,^,relctl-$(VERSION)/,' \
		-czf $(DISTDIR)/relctl-$(VERSION).tar.gz
	@echo "wrote $(DISTDIR)/relctl-$(VERSION).tar.gz"

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c

clean:
	rm -rf build build-asan build-fuzz relctl relctl-*.tar.gz
