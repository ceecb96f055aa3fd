#!/bin/sh
# Measures ImageGather on this machine: start-up of each program (the static
# build too), extraction of the corpus pages under Apache, an export of 50
# images, the cost of the CA certificates per HTTPS request, and extraction
# throughput against PHP and BeautifulSoup (bench/parsers.py). Runs inside a
# private network namespace like the tests. Prints a Markdown report.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build/bench
cc -O2 -o build/bench/spawn bench/spawn.c
cc -O2 -o build/bench/floor bench/floor.c
# The PHP and Python parsers that bench/parsers.py compares with.
scripts/deps.sh bench
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Isrc -o build/bench/extract \
	bench/extract.c build/libimagegather.a \
	$(pkg-config --libs libcurl tidy libcrypto zlib libseccomp libidn2) -lgdbm
export IMAGEGATHER_SHARED=${IMAGEGATHER_SHARED:-$top/../shared}
# The CA measurement (bench/ca.py) needs the release archive of make dist.
benches='ip link set lo up && /usr/bin/python3 bench/bench.py &&
	if ls dist/imagegather-*.tar.gz >/dev/null 2>&1; then /usr/bin/python3 bench/ca.py; fi &&
	/usr/bin/python3 bench/parsers.py'
if [ "$(id -u)" -eq 0 ]; then
	exec unshare --net sh -c "$benches"
fi
exec unshare --map-root-user --net sh -c "$benches"
