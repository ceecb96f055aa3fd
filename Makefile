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
#   bench      start-up, extraction and export measurements
#   clean      removes everything the build wrote
#
# Variables:
#   CC, CFLAGS, LDFLAGS  the usual meaning
#   PORT                 the port "serve" listens on (default 8080)

CC ?= cc
PKG_CONFIG ?= pkg-config
PORT ?= 8080

PKGS := libcurl tidy libcrypto zlib
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
CGIS := extract preview export
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

OBJS := $(LIB_SRCS:src/%.c=build/obj/%.o)
SAN_OBJS := $(LIB_SRCS:src/%.c=build/asan/obj/%.o)
PROGRAMS := $(CGIS:%=cgi-bin/%.cgi) cron/imagegather-cleanup
SAN_PROGRAMS := $(CGIS:%=build/asan/cgi-bin/%.cgi) build/asan/cron/imagegather-cleanup
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
SAN_UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

.PHONY: all asan deps serve stop check bench clean tests

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
	@$(MAKE) --no-print-directory all asan tests
	@tests/run.sh

bench:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all
	@bench/run.sh

clean:
	rm -rf build $(PROGRAMS) .run
