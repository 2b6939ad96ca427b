# relctl: `make` builds ./relctl; `make check` installs what is missing,
# builds, and runs every test twice (plain, then ASan+UBSan); `make demo`
# walks through a release on a throwaway repository.

PREFIX ?= /usr/local
PKGS := libgit2 libcurl libcjson yaml-0.1 openssl
DEBS := libgit2-dev libcurl4-openssl-dev libcjson-dev libyaml-dev libcmocka-dev libssl-dev \
	bats jq pkg-config git python3 python3-jsonschema bsdutils ca-certificates openssl nginx-light fcgiwrap openssh-server chromium

BUILD ?= build
SAN ?=
OPT ?= -O2 -g
CC ?= cc

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
override CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Iinclude $(PKG_CFLAGS) $(SAN) $(EXTRA_CFLAGS)
override LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)

SRC := $(wildcard src/*.c)
CORE_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/main.c src/cmd%.c src/args.c,$(SRC)))
CLI_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(filter src/main.c src/cmd%.c src/args.c,$(SRC)))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps check check-plain check-asan unit e2e demo bench fuzz install clean format

all: relctl

relctl: $(BUILD)/relctl
	cp $< $@

$(BUILD)/relctl: $(CORE_OBJ) $(CLI_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(CORE_OBJ) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

-include $(wildcard $(BUILD)/*.d)

# Installs, with apt-get, only the Debian packages that are missing.
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

unit-bins: $(UNIT_BIN)

# Both passes, then one line summing every suite.
# A failing pass does not stop the other; the summary line comes last either way.
check: deps
	@rm -f build/results.txt
	@ok=0; \
	$(MAKE) --no-print-directory check-plain || ok=1; \
	$(MAKE) --no-print-directory check-asan || ok=1; \
	tests/summary.sh build/results.txt && exit $$ok

check-plain:
	@$(MAKE) --no-print-directory relctl unit-bins
	@tests/run.sh plain $(BUILD) build/results.txt

check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN="$(SAN_FLAGS)" OPT="-O1 -g" build-asan/relctl unit-bins
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/e2e/lsan-libgit2.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh asan build-asan build/results.txt

demo: deps
	@$(MAKE) --no-print-directory relctl
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory relctl
	@bench/run.sh

fuzz:
	@mkdir -p build-fuzz/corpus
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude $(PKG_CFLAGS) \
		-o build-fuzz/fuzz_playbook fuzz/fuzz_playbook.c src/playbook.c src/crypto.c src/util.c src/buf.c src/err.c src/file.c \
		$(PKG_LIBS)
	build-fuzz/fuzz_playbook -max_total_time=$${FUZZ_SECONDS:-120} -max_len=8192 \
		-dict=fuzz/yaml.dict build-fuzz/corpus fuzz/corpus tests/lint

install: relctl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 relctl $(DESTDIR)$(PREFIX)/bin/relctl
	install -m 644 docs/relctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/relctl.1

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c

clean:
	rm -rf build build-asan build-fuzz relctl
