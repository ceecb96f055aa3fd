# ImageGather: CGI programs for classic shared hosting.
#
# Targets:
#   all        the programs: cgi-bin/*.cgi and cron/imagegather-cleanup
#   asan       the same programs and the unit tests built with
#              AddressSanitizer and UndefinedBehaviorSanitizer, in build/asan
#   deps       installs the Debian packages the build and tests need (as root)
#   serve      builds, then starts Apache on 127.0.0.1 and prints the address
#   stop       stops the Apache that "serve" started
#   check      the whole test suite; ends with "N passed, N failed"
#   fuzz-build the libFuzzer harnesses of tests/fuzz, built with clang, in
#              build/fuzz
#   fuzz       builds them and runs each for FUZZ_SECONDS
#   bench      start-up, extraction and export measurements
#   static     the programs linked statically with musl, in build/static/bin
#              (scripts/static.sh; the libraries are built once and cached)
#   dist       dist/imagegather-VERSION.tar.gz and .zip from the static build
#   clean      removes everything the build wrote except the static
#              libraries in build/static (rm -rf build/static removes them)
#
# Variables:
#   CC, CFLAGS, LDFLAGS  the usual meaning
#   PORT                 the port "serve" listens on (default 8080)
#   FUZZ_SECONDS         how long "fuzz" runs each harness (default 300)

CC ?= cc
PKG_CONFIG ?= pkg-config
PORT ?= 8080
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300

PKGS := libcurl tidy libcrypto zlib libseccomp libidn2
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
CFLAGS ?= -O2 -g
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lgdbm
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

MAINS := $(wildcard src/main_*.c)
LIB_SRCS := $(filter-out $(MAINS),$(wildcard src/*.c))
HDRS := $(wildcard src/*.h)
CGIS := extract preview export stats
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

OBJS := $(LIB_SRCS:src/%.c=build/obj/%.o)
SAN_OBJS := $(LIB_SRCS:src/%.c=build/asan/obj/%.o)
PROGRAMS := $(CGIS:%=cgi-bin/%.cgi) cron/imagegather-cleanup
SAN_PROGRAMS := $(CGIS:%=build/asan/cgi-bin/%.cgi) build/asan/cron/imagegather-cleanup
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
SAN_UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJS := $(LIB_SRCS:src/%.c=build/fuzz/obj/%.o)
FUZZ_PROGRAMS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

VERSION ?= 0.1

.PHONY: all asan deps serve stop check bench clean tests static dist fuzz fuzz-build

all: $(PROGRAMS)

asan: $(SAN_PROGRAMS) $(SAN_UNIT_TESTS)

tests: $(UNIT_TESTS) $(SAN_UNIT_TESTS)

build/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/libimagegather.a: $(OBJS)
	rm -f $@
	ar rcs $@ $^

build/asan/libimagegather.a: $(SAN_OBJS)
	rm -f $@
	ar rcs $@ $^

cgi-bin/%.cgi: src/main_%.c build/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< build/libimagegather.a $(LIBS)
	chmod 0755 $@

cron/imagegather-cleanup: src/main_cleanup.c build/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< build/libimagegather.a $(LIBS)
	chmod 0755 $@

build/asan/cgi-bin/%.cgi: src/main_%.c build/asan/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -o $@ $< build/asan/libimagegather.a $(LIBS)

build/asan/cron/imagegather-cleanup: src/main_cleanup.c build/asan/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -o $@ $< build/asan/libimagegather.a $(LIBS)

build/tests/%: tests/unit/%.c build/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Isrc -o $@ $< build/libimagegather.a $(LIBS) $(CHECK_LIBS)

build/asan/tests/%: tests/unit/%.c build/asan/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -Isrc -o $@ $< build/asan/libimagegather.a $(LIBS) $(CHECK_LIBS)

build/fuzz/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libimagegather.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/libimagegather.a $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc -o $@ $< \
		build/fuzz/libimagegather.a $(LIBS)

fuzz-build: $(FUZZ_PROGRAMS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

deps:
	@scripts/deps.sh build

serve:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@scripts/serve.sh start $(PORT)

stop:
	@scripts/serve.sh stop

check:
	@scripts/deps.sh test
	@scripts/browser-deps.sh
	@$(MAKE) --no-print-directory all asan tests fuzz-build dist
	@IMAGEGATHER_DIST=dist/imagegather-$(VERSION).tar.gz tests/run.sh

static:
	@scripts/deps.sh static
	@scripts/static.sh all

dist: static
	@scripts/dist.sh $(VERSION)

bench:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all dist
	@bench/run.sh

# The static libraries in build/static take minutes to rebuild, so clean keeps them.
clean:
	rm -rf dist $(PROGRAMS) .run
	if [ -d build ]; then find build -mindepth 1 -maxdepth 1 ! -name static -exec rm -rf {} +; fi
