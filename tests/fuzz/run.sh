#!/bin/sh
# Runs each libFuzzer harness in build/fuzz for SECONDS (first argument,
# default 300), JOBS harnesses at a time (second argument, default the
# number of processors), after replaying its regression inputs. Prints one
# "ok - fuzz NAME" or "not ok - fuzz NAME" line per harness and ends with
# "fuzz: N passed, N failed". A harness passes when it finds nothing.
#
# Corpora grow in build/fuzz/corpus/NAME, starting from
# tests/fuzz/seeds/NAME (and tests/fixtures for discover). Findings are
# written to build/fuzz/findings/; a fixed one belongs in
# tests/fuzz/regressions/NAME/ so that every later run replays it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${1:-300}
jobs=${2:-$(nproc 2>/dev/null || echo 1)}
results=$(mktemp -d /tmp/imagegather-fuzz.XXXXXX)
mkdir -p build/fuzz/findings

# Runs one harness and writes "ok" or "not ok" to $results/NAME.
fuzz_one() {
	name=$1
	bin=build/fuzz/fuzz_$name
	log=$results/$name.log
	if [ ! -x "$bin" ]; then
		echo "missing $bin; run make fuzz-build" > "$log"
		echo "not ok" > "$results/$name"
		return
	fi
	regressions=tests/fuzz/regressions/$name
	if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
		if ! "$bin" "$regressions"/* > "$log" 2>&1; then
			echo "not ok" > "$results/$name"
			return
		fi
	fi
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	extra=""
	[ "$name" = discover ] && extra="tests/fixtures tests/fixtures/encodings"
	# -rss_limit_mb stays above ASan's own overhead; -timeout catches hangs.
	if "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/findings/$name-" \
		"$corpus" "tests/fuzz/seeds/$name" $extra >> "$log" 2>&1; then
		echo "ok" > "$results/$name"
	else
		echo "not ok" > "$results/$name"
	fi
}

names=$(ls tests/fuzz/fuzz_*.c | sed -E 's|.*/fuzz_(.*)\.c|\1|')
running=0
for name in $names; do
	fuzz_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

passed=0
failed=0
for name in $names; do
	if [ "$(cat "$results/$name" 2>/dev/null)" = ok ]; then
		passed=$((passed + 1))
		echo "ok - fuzz $name ($seconds s)"
	else
		failed=$((failed + 1))
		echo "not ok - fuzz $name (log: $results/$name.log):"
		grep -E 'ERROR|SUMMARY|Test unit written|runtime error|missing' \
			"$results/$name.log" | head -n 10
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
