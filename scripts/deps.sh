#!/bin/sh
# Installs the Debian packages ImageGather needs, or prints the apt-get line
# to run when not root. "build" covers building and serving; "static" adds
# the static release build; "test" adds what the test suite and the
# benchmarks use; "bench" adds the PHP and Python parsers that
# bench/parsers.py compares with. Safe to run again: it installs only
# what is missing.
set -eu

build_pkgs="gcc make pkg-config libcurl4-openssl-dev libtidy-dev libgdbm-dev
libssl-dev zlib1g-dev libseccomp-dev libidn2-dev apache2 ca-certificates"
test_pkgs="check python3 unzip zip p7zip-full libarchive-tools
default-jdk-headless chromium nodejs npm iproute2 util-linux openssl
clang libclang-rt-14-dev apache2-suexec-custom file nginx fcgiwrap"
# The static build of "make static" and "make dist" (scripts/static.sh);
# make check builds it too.
static_pkgs="musl-tools dpkg-dev cmake perl gperf binutils zip ca-certificates"
# The extraction comparison of "make bench" (bench/parsers.py).
bench_pkgs="php-cli php-xml python3-bs4 python3-lxml"

case "${1:-build}" in
build) wanted=$build_pkgs ;;
test) wanted="$build_pkgs $test_pkgs $static_pkgs" ;;
static) wanted="$build_pkgs $static_pkgs" ;;
bench) wanted="$build_pkgs $test_pkgs $static_pkgs $bench_pkgs" ;;
*) echo "usage: $0 build|test|static|bench" >&2; exit 2 ;;
esac

missing=""
for pkg in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

# Node.js may come from outside Debian's packages; a working node and npm
# on PATH are enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "ImageGather needs these Debian packages. Install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

echo "Installing Debian packages: $missing"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
