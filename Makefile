# confab: see README.md.  The two commands a user needs:
#	make run	build and start a complete local stack on 127.0.0.1:8080
#	make check	build with ASan+UBSan and run every test
#
# MODE=release (default) builds into build/release and bin/;
# MODE=check builds the same sources with sanitizers into build/check.

MODE	?= release
CC	?= cc
PKGS	 = libevent libevent_pthreads libevent_openssl hiredis libcjson openssl libsystemd libjwt
CPPFLAGS += -D_GNU_SOURCE -iquote common $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wno-unused-parameter -Wshadow
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng \
	   -lhttp_parser -lpthread -lm

ifeq ($(MODE),check)
OUT	 = build/check
BINDIR	 = build/check/bin
OPT	 = -O1 -g -fno-omit-frame-pointer \
	   -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
OUT	 = build/release
BINDIR	 = bin
OPT	 = -O2 -g
endif
CFLAGS	?=
CFLAGS	+= -std=c11 $(OPT) $(WARN)
LDFLAGS	+= $(OPT)

COMMON_SRC	= $(wildcard common/*.c)
GATEWAY_SRC	= $(wildcard gateway/*.c)
PRESENCE_SRC	= $(wildcard presence-svc/*.c)
QUEUE_SRC	= $(wildcard queue-svc/*.c)
AI_SRC		= $(wildcard ai-bridge/*.c)
CTL_SRC		= $(wildcard tools/confabctl*.c)
UNIT_SRC	= $(wildcard tests/unit/*.c)

obj = $(patsubst %.c,$(OUT)/%.o,$(1))
LIBCONFAB	= $(OUT)/libconfab.a
PROGRAMS	= confab-gateway confab-presence confab-queue confab-ai confabctl
BINS		= $(addprefix $(BINDIR)/,$(PROGRAMS))

.PHONY: all run check unit interop clean deps fuzz fuzz-build install lint-man soak
all: $(BINS)

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -Igateway -c -o $@ $<

$(LIBCONFAB): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

define link
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endef

$(BINDIR)/confab-gateway: $(call obj,$(GATEWAY_SRC)) $(LIBCONFAB) ; $(link)
$(BINDIR)/confab-presence: $(call obj,$(PRESENCE_SRC)) $(LIBCONFAB) ; $(link)
$(BINDIR)/confab-queue: $(call obj,$(QUEUE_SRC)) $(LIBCONFAB) ; $(link)
$(BINDIR)/confab-ai: $(call obj,$(AI_SRC)) $(LIBCONFAB) ; $(link)
$(BINDIR)/confabctl: $(call obj,$(CTL_SRC)) $(LIBCONFAB) ; $(link)

# Unit tests link the gateway's codec objects too (everything but main).
GATEWAY_LIB_SRC = $(filter-out gateway/main.c,$(GATEWAY_SRC))
$(OUT)/check_unit: $(call obj,$(UNIT_SRC) $(GATEWAY_LIB_SRC)) $(LIBCONFAB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $$(pkg-config --libs check) $(LDLIBS)

deps:
	scripts/deps.sh

run: deps
	$(MAKE) all
	scripts/run-local.sh

# The test command of the README.  Everything runs against the
# sanitizer build, with a private redis-server on a free port.
check: deps
	$(MAKE) MODE=check all build/check/check_unit fuzz-build
	scripts/fuzz.sh 3 $(FUZZ_TARGETS)
	$(MAKE) lint-man
	scripts/verify-units.sh build/check/bin
	$(MAKE) soak-run SOAK_SECONDS=15 SOAK_CUSTOMERS=6
	$(MAKE) MODE=check build/check/bin/confab-bench
	ASAN_OPTIONS=detect_leaks=0 node bench/run.mjs --smoke --bin build/check/bin
	scripts/test.sh build/check

unit: $(OUT)/check_unit
	$(OUT)/check_unit

# libFuzzer targets for every parser of outside bytes (tests/fuzz/).
# make fuzz FUZZ_SECONDS=N runs each for N seconds on a copy of its corpus.
FUZZ_TARGETS	= sio frame ws cfg http jwt rest sse ops sp
FUZZ_SECONDS	?= 60
FUZZ_FLAGS	= -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_BINS	= $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_SRC) $(GATEWAY_LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -Igateway $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The load generator and the side-by-side benchmark (issue 7, bench/).
# bin/confab-bench is not part of `all`.  `make bench` starts confab, the
# Socket.IO peer with Redis and without, drives each with the same
# generator and prints one table; `make bench-smoke` is a few seconds
# against confab alone and exits non-zero if the generator fails.
BENCH_SRC	= $(wildcard bench/*.c)
$(BINDIR)/confab-bench: $(call obj,$(BENCH_SRC)) $(LIBCONFAB) ; $(link)

.PHONY: bench bench-smoke
bench: deps
	$(MAKE) all $(BINDIR)/confab-bench
	node bench/run.mjs --bin $(BINDIR) $(BENCH_ARGS)

bench-smoke:
	$(MAKE) all $(BINDIR)/confab-bench
	node bench/run.mjs --smoke --bin $(BINDIR)

# make soak [SOAK_SECONDS=120] [SOAK_CUSTOMERS=16]: chat traffic under
# chaos (tests/soak/soak.mjs), on the sanitizer build.
SOAK_SECONDS	?= 120
SOAK_CUSTOMERS	?= 16
soak: deps
	$(MAKE) MODE=check all
	$(MAKE) soak-run

soak-run:
	cd tests/interop && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; }
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 CONFAB_BIN=$(CURDIR)/build/check/bin \
	    node tests/soak/soak.mjs $(SOAK_SECONDS) $(SOAK_CUSTOMERS)

# Man pages must lint clean (style notes about our own pages not being
# installed yet are expected; warnings and errors are not).
lint-man:
	mandoc -Tlint -Wwarning man/*.[578]
	@echo "man: $(words $(wildcard man/*.[578])) pages lint clean"

# make install [PREFIX=/usr/local] [DESTDIR=]: binaries, systemd units,
# sysusers entry, man pages, and /etc/confab/confab.conf when missing
# (the example is always installed under share/doc/confab).
PREFIX		?= /usr/local
sbindir		?= $(PREFIX)/sbin
bindir		?= $(PREFIX)/bin
mandir		?= $(PREFIX)/share/man
docdir		?= $(PREFIX)/share/doc/confab
sysconfdir	?= /etc
unitdir		?= $(PREFIX)/lib/systemd/system
sysusersdir	?= $(PREFIX)/lib/sysusers.d
DAEMONS		= confab-gateway confab-presence confab-queue confab-ai

install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) $(DESTDIR)$(unitdir) \
	    $(DESTDIR)$(sysusersdir) $(DESTDIR)$(docdir) $(DESTDIR)$(sysconfdir)/confab
	for d in $(DAEMONS); do install -m 0755 bin/$$d $(DESTDIR)$(sbindir)/$$d; done
	install -m 0755 bin/confabctl $(DESTDIR)$(bindir)/confabctl
	for u in deploy/*.service deploy/*.target; do \
	    sed -e 's|@SBINDIR@|$(sbindir)|g' -e 's|@SYSCONFDIR@|$(sysconfdir)|g' \
	    $$u > $(DESTDIR)$(unitdir)/$$(basename $$u) && \
	    chmod 0644 $(DESTDIR)$(unitdir)/$$(basename $$u); done
	install -m 0644 deploy/confab.sysusers $(DESTDIR)$(sysusersdir)/confab.conf
	for s in 5 7 8; do install -d $(DESTDIR)$(mandir)/man$$s; \
	    install -m 0644 man/*.$$s $(DESTDIR)$(mandir)/man$$s/; done
	install -m 0644 deploy/confab.conf.example $(DESTDIR)$(docdir)/confab.conf.example
	[ -e $(DESTDIR)$(sysconfdir)/confab/confab.conf ] || \
	    install -m 0644 deploy/confab.conf.example $(DESTDIR)$(sysconfdir)/confab/confab.conf

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
