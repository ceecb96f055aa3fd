#!/bin/sh
# Measures ImageGather on this machine: start-up of each program, extraction
# of the corpus pages under Apache, and an export of 50 images. Runs inside a
# private network namespace like the tests. Prints a Markdown report.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build/bench
cc -O2 -o build/bench/spawn bench/spawn.c
cc -O2 -o build/bench/floor bench/floor.c
export IMAGEGATHER_SHARED=${IMAGEGATHER_SHARED:-$top/../shared}
if [ "$(id -u)" -eq 0 ]; then
	exec unshare --net sh -c 'ip link set lo up && exec /usr/bin/python3 bench/bench.py'
fi
exec unshare --map-root-user --net sh -c 'ip link set lo up && exec /usr/bin/python3 bench/bench.py'
