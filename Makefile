# Makefile: builds libi3, the i3 programs, their tests and benchmarks.
#
#   make                  lib/libi3.a lib/libi3.so bin/*
#   make check            install missing Debian packages, build, run every test
#   make check SANITIZE=address,undefined
#   make bench            benchmarks, figures beside a reference
#   make fuzz             libFuzzer targets (clang), FUZZ_SECONDS each
#   make demo             the test router and two gateways on loopback
#   make install PREFIX=/usr/local DESTDIR=
#   make debcheck         build, lintian, install and use the Debian packages
#   make uninstall | clean | deps | lint-man

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
SYSCONFDIR	?= /etc
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
# Where the shells look for completions (Debian's zsh: vendor-completions,
# which debian/rules gives).
BASHCOMPDIR	?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR	?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR	?= $(DATADIR)/fish/vendor_completions.d
PKG_CONFIG	?= pkg-config
LDCONFIG	?= /sbin/ldconfig
SYSUSERS	?= systemd-sysusers
CC		?= cc
AR		?= ar
SANITIZE	?=
FUZZ_SECONDS	?= 30

SOVERSION	= 0
LIBVERSION	= 0.1.0

CFLAGS		?= -O2 -g
WARN		= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		  -Wmissing-prototypes -Wpointer-arith -Wno-unused-parameter
XCFLAGS		= -std=c11 $(WARN) -fvisibility=hidden -MMD -MP
XCPPFLAGS	= -D_GNU_SOURCE -Ilib -Ilib/common
XLDFLAGS	=
ifneq ($(SANITIZE),)
XCFLAGS		+= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
XLDFLAGS	+= -fsanitize=$(SANITIZE)
endif

# Dependencies through pkg-config; Debian 12's libjq-dev has no .pc (-ljq).
# Evaluated once, and only by the targets that build (see 'deps' below).
PC		= $(shell $(PKG_CONFIG) $(1) 2>/dev/null)
JANSSON_CFLAGS	:= $(call PC,--cflags jansson)
JANSSON_LIBS	:= $(or $(call PC,--libs jansson),-ljansson)
SSL_LIBS	:= $(or $(call PC,--libs openssl),-lssl -lcrypto)
CURL_LIBS	:= $(or $(call PC,--libs libcurl),-lcurl)
SQLITE_LIBS	:= $(or $(call PC,--libs sqlite3),-lsqlite3)
INIH_LIBS	:= $(or $(call PC,--libs inih),-linih)
MHD_LIBS	:= $(or $(call PC,--libs libmicrohttpd),-lmicrohttpd)
WSLAY_LIBS	:= $(or $(call PC,--libs libwslay),-lwslay)
EDIT_LIBS	:= $(or $(call PC,--libs libedit),-ledit)
JQ_CFLAGS	:= $(call PC,--cflags libjq)
JQ_LIBS		:= $(or $(call PC,--libs libjq),-ljq)

# Objects go to a directory per kind of build (plain, or each SANITIZE set)
# so that the two never mix; the linked outputs (lib/, bin/, build/tests,
# build/bench) are relinked from them whenever the kind of build changes.
comma		:= ,
TAG		:= $(if $(SANITIZE),san-$(subst $(comma),-,$(SANITIZE)),plain)
B		= build
O		= $(B)/obj-$(TAG)
ALL_CFLAGS	= $(XCFLAGS) $(CFLAGS) $(JANSSON_CFLAGS)
ALL_CPPFLAGS	= $(XCPPFLAGS) $(CPPFLAGS)
ALL_LDFLAGS	= $(XLDFLAGS) $(LDFLAGS)

# Stamps: $(O)/flags rebuilds that kind's objects when its flags change;
# $(B)/flags relinks the outputs when another kind of build made them.
FLAGS_NOW	:= $(CC) $(ALL_CFLAGS) $(ALL_CPPFLAGS) $(ALL_LDFLAGS)
ifneq ($(FLAGS_NOW),$(shell cat $(O)/flags 2>/dev/null))
$(shell mkdir -p $(O) && echo '$(FLAGS_NOW)' > $(O)/flags)
endif
ifneq ($(FLAGS_NOW),$(shell cat $(B)/flags 2>/dev/null))
$(shell mkdir -p $(B) && echo '$(FLAGS_NOW)' > $(B)/flags)
endif

# ---------------------------------------------------------------- libi3
LIB_SRCS	= $(wildcard lib/*.c)
LIB_OBJS	= $(LIB_SRCS:%.c=$(O)/%.o)
LIB_A		= $(O)/libi3.a
LIB_SO		= lib/libi3.so.$(LIBVERSION)

# Code shared by the programs, never installed.
COMMON_SRCS	= $(wildcard lib/common/*.c)
COMMON_OBJS	= $(COMMON_SRCS:%.c=$(O)/%.o)
COMMON_A	= $(O)/libcommon.a

# -------------------------------------------------------------- programs
I3CODEC_SRCS	= $(wildcard i3codec/*.c)
I3GW_SRCS	= $(wildcard i3gw/*.c)
I3CTL_SRCS	= $(wildcard i3ctl/*.c)
I3ROUTER_SRCS	= $(wildcard i3router/*.c)

PROGS		= bin/i3codec
PROGS		+= bin/i3gw bin/i3ctl
PROGS		+= bin/i3router

I3CODEC_LIBS	= $(JANSSON_LIBS)
# i3gw runs no jq: subscription filters are declarative (i3gw/filter.c).
I3GW_LIBS	= -Wl,--as-needed -pthread $(SQLITE_LIBS) $(INIH_LIBS) $(MHD_LIBS) $(WSLAY_LIBS) $(SSL_LIBS) \
		  $(JANSSON_LIBS) -lm
# i3ctl loads libcurl, OpenSSL and libjq when first used (i3ctl/lazy.c).
I3ROUTER_LIBS	= $(JANSSON_LIBS) -lm
I3CTL_LIBS	= $(EDIT_LIBS) $(INIH_LIBS) $(WSLAY_LIBS) $(JANSSON_LIBS) -ldl -lm

# Installed programs: the same objects linked against libi3.so.0 (the
# ones in bin/ hold libi3 statically, to run from the tree).
INST_PROGS	= $(PROGS:bin/%=$(B)/inst/%)

# $(call inst_prog,name,VAR): name's objects are $(VAR_SRCS), its libraries
# $(VAR_LIBS).
define inst_prog
$(B)/inst/$(1): $$($(2)_SRCS:%.c=$$(O)/%.o) $$(COMMON_A) $$(LIB_SO)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ \
	    $$(filter %.o %.a %.so.$$(LIBVERSION),$$^) $$($(2)_LIBS)
endef
$(eval $(call inst_prog,i3codec,I3CODEC))
$(eval $(call inst_prog,i3gw,I3GW))
$(eval $(call inst_prog,i3ctl,I3CTL))
$(eval $(call inst_prog,i3router,I3ROUTER))

# ----------------------------------------------------------------- tests
# Every tests/unit/*.c is one test program; tests/helpers/*.c are helper
# programs (the test router, ...); tests/bench/*.c benchmarks.
UNIT_SRCS	= $(wildcard tests/unit/*.c)
UNIT_BINS	= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS	= $(wildcard tests/helpers/*.c)
HELPER_BINS	= $(HELPER_SRCS:tests/helpers/%.c=$(B)/tests/%) $(B)/tests/i3router
BENCH_SRCS	= $(wildcard tests/bench/*.c)
BENCH_BINS	= $(BENCH_SRCS:tests/bench/%.c=$(B)/bench/%)
FUZZ_SRCS	= $(wildcard tests/fuzz/*.c)

MAN1		= $(wildcard docs/*.1)
MAN3		= $(wildcard docs/*.3)
MAN5		= $(wildcard docs/*.5)
MAN8		= $(wildcard docs/*.8)

.PHONY: all check test bench fuzz fuzz-build demo install uninstall clean deps \
	lint-man test-progs debcheck
.DEFAULT_GOAL := all

all: lib/libi3.a $(LIB_SO) lib/libi3.so lib/libi3.pc $(PROGS)

$(O)/%.o: %.c $(O)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

lib/libi3.a: $(LIB_A) $(B)/flags
	cp $(LIB_A) $@

$(LIB_SO): $(LIB_OBJS) $(B)/flags
	$(CC) -shared -Wl,-soname,libi3.so.$(SOVERSION) $(ALL_LDFLAGS) \
	    -o $@ $(LIB_OBJS) $(JANSSON_LIBS)

lib/libi3.so: $(LIB_SO)
	ln -sf libi3.so.$(LIBVERSION) lib/libi3.so.$(SOVERSION)
	ln -sf libi3.so.$(SOVERSION) $@

lib/libi3.pc: lib/libi3.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBVERSION)|' \
	    $< > $@

$(COMMON_A): $(COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

bin/i3codec: $(I3CODEC_SRCS:%.c=$(O)/%.o) $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(I3CODEC_LIBS)

bin/i3gw: $(I3GW_SRCS:%.c=$(O)/%.o) $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(I3GW_LIBS)

bin/i3ctl: $(I3CTL_SRCS:%.c=$(O)/%.o) $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(I3CTL_LIBS)

bin/i3router: $(I3ROUTER_SRCS:%.c=$(O)/%.o) $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(I3ROUTER_LIBS)

# The tests, benchmarks and the demo know the router by its old place.
$(B)/tests/i3router: bin/i3router
	@mkdir -p $(@D)
	cp bin/i3router $@

$(B)/tests/%: tests/unit/%.c $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(ALL_LDFLAGS) \
	    -o $@ $< $(COMMON_A) $(LIB_A) $(JANSSON_LIBS) -lm

$(B)/tests/%: tests/helpers/%.c $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) \
	    -o $@ $< $(COMMON_A) $(LIB_A) $(JANSSON_LIBS) -lm

$(B)/bench/%: tests/bench/%.c $(COMMON_A) $(LIB_A) $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) \
	    -o $@ $< $(COMMON_A) $(LIB_A) $(WSLAY_LIBS) $(JANSSON_LIBS) -lm

# ------------------------------------------------------------ top targets
# 'check', 'bench' and 'demo' first make sure the Debian packages are there,
# then run a fresh make so that pkg-config sees them.
deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory test

test-progs: all $(UNIT_BINS) $(HELPER_BINS)

test: test-progs
	@I3_SANITIZE="$(SANITIZE)" sh tests/run.sh $(UNIT_BINS)

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(BENCH_BINS) $(HELPER_BINS)
	@sh tests/bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all $(HELPER_BINS)
	@sh share/demo.sh

# libFuzzer targets (clang): tests/fuzz/fuzz-*.c, each with a seed corpus
# in tests/fuzz/corpus/NAME/.  fuzz-gw-*.c drive the gateway's own code
# (every i3gw/*.c, its main() renamed), the others libi3 only.
#   make fuzz [FUZZ_SECONDS=30] [FUZZ_TARGETS="fuzz-rpc ..."] [FUZZ_JOBS=1]
#   make fuzz-build		build them (build/fuzz/NAME)
FUZZ_CC		?= clang
FZ		= $(B)/fuzz
FUZZ_NAMES	= $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_TARGETS	?= $(FUZZ_NAMES)
FUZZ_CFLAGS	= -g -O1 -std=c11 -D_GNU_SOURCE -Ilib -Ilib/common \
		  $(JANSSON_CFLAGS) -fno-omit-frame-pointer \
		  -fsanitize=fuzzer-no-link,address,undefined \
		  -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS	= $(LIB_SRCS:%.c=$(FZ)/obj/%.o)
FUZZ_GW_OBJS	= $(I3GW_SRCS:%.c=$(FZ)/obj/%.o) $(COMMON_SRCS:%.c=$(FZ)/obj/%.o)

FUZZ_HDRS	= $(wildcard lib/*.h lib/common/*.h i3gw/*.h)

$(FZ)/obj/i3gw/%.o: i3gw/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Dmain=i3gw_main -c -o $@ $<

$(FZ)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FZ)/fuzz-gw-%: tests/fuzz/fuzz-gw-%.c tests/fuzz/fuzz-gw.h $(FUZZ_GW_OBJS) \
    $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ii3gw -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_GW_OBJS) $(FUZZ_LIB_OBJS) $(I3GW_LIBS)

# i3codec's tap: its analysis, with the tap's own file included.
FUZZ_TAP_OBJS	= $(FZ)/obj/lib/common/xmalloc.o $(FZ)/obj/lib/common/log.o
$(FZ)/fuzz-tap: tests/fuzz/fuzz-tap.c i3codec/tap.c $(FUZZ_LIB_OBJS) \
    $(FUZZ_TAP_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_TAP_OBJS) $(FUZZ_LIB_OBJS) $(JANSSON_LIBS) -lm

$(FZ)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIB_OBJS) $(JANSSON_LIBS) -lm

.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_GW_OBJS)

fuzz-build: $(FUZZ_NAMES:%=$(FZ)/%)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@for n in $(FUZZ_TARGETS); do \
	    echo "fuzz: $$n ($(FUZZ_SECONDS) s)"; \
	    mkdir -p $(FZ)/corpus-$$n; \
	    $(FZ)/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		-timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FZ)/$$n- \
		$(FZ)/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# Root: installs the packages on this machine for the test, then purges.
debcheck:
	@sh tests/deb.sh

lint-man:
	@for m in docs/*.[1358]; do mandoc -Tlint -Wwarning $$m || exit 1; done

install: all $(INST_PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/i3gw \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(INST_PROGS) $(DESTDIR)$(BINDIR)/
	install -m 644 lib/i3.h $(DESTDIR)$(INCLUDEDIR)/i3.h
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libi3.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libi3.so.$(LIBVERSION) $(DESTDIR)$(LIBDIR)/libi3.so.$(SOVERSION)
	ln -sf libi3.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libi3.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBVERSION)|' \
	    lib/libi3.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libi3.pc
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	cp -R share/. $(DESTDIR)$(DATADIR)/i3gw/
	rm -rf $(DESTDIR)$(DATADIR)/i3gw/demo.sh $(DESTDIR)$(DATADIR)/i3gw/systemd
	find $(DESTDIR)$(DATADIR)/i3gw -name __pycache__ -prune -exec rm -rf {} +
	for u in i3gw.service i3gw.socket; do \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		share/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u; \
	done
	install -m 644 share/systemd/i3gw.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/i3gw.conf
	@if [ -f completions/i3ctl.bash ]; then \
	    install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR); \
	    install -m 644 completions/i3ctl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/i3ctl; \
	    install -m 644 completions/_i3ctl $(DESTDIR)$(ZSHCOMPDIR)/_i3ctl; \
	    install -m 644 completions/i3ctl.fish \
		$(DESTDIR)$(FISHCOMPDIR)/i3ctl.fish; \
	fi
	@# Into the system (no DESTDIR): the dynamic linker's cache learns of
	@# libi3.so.0 now, not when someone thinks of running ldconfig.
	@# So does the system user of i3gw.service, where systemd is.
	@if [ -n "$(DESTDIR)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "$(LDCONFIG)"; $(LDCONFIG) || exit 1; \
	    if command -v $(SYSUSERS) >/dev/null 2>&1; then \
		echo "$(SYSUSERS) $(SYSUSERSDIR)/i3gw.conf"; \
		$(SYSUSERS) $(SYSUSERSDIR)/i3gw.conf || exit 1; fi; \
	else echo "install: not root, so no ldconfig: programs find" \
	    "libi3.so.0 in $(LIBDIR) once root runs ldconfig, or through" \
	    "LD_LIBRARY_PATH"; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,i3codec i3gw i3ctl i3router)
	rm -f $(DESTDIR)$(INCLUDEDIR)/i3.h $(DESTDIR)$(LIBDIR)/libi3.a \
	    $(DESTDIR)$(LIBDIR)/libi3.so $(DESTDIR)$(LIBDIR)/libi3.so.* \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/libi3.pc
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3))) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8)))
	rm -rf $(DESTDIR)$(DATADIR)/i3gw
	rm -f $(DESTDIR)$(UNITDIR)/i3gw.service $(DESTDIR)$(UNITDIR)/i3gw.socket \
	    $(DESTDIR)$(SYSUSERSDIR)/i3gw.conf
	rm -f $(DESTDIR)$(BASHCOMPDIR)/i3ctl $(DESTDIR)$(ZSHCOMPDIR)/_i3ctl \
	    $(DESTDIR)$(FISHCOMPDIR)/i3ctl.fish

clean:
	rm -rf $(B) bin/i3codec bin/i3gw bin/i3ctl bin/i3router lib/libi3.a \
	    lib/libi3.so* \
	    lib/libi3.pc

# Header dependencies (-MMD) of objects, tests and benchmarks.
-include $(shell find $(O) $(B)/tests $(B)/bench -name '*.d' 2>/dev/null)
