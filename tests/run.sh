#!/bin/sh
# Runs ImageGather's whole test suite and ends with one line
# "N passed, N failed":
#   1. the C unit tests, built normally and with AddressSanitizer and
#      UndefinedBehaviorSanitizer;
#   2. the integration tests (real Apache, loopback origin, archive tools and
#      Chromium) against the normal programs and against the sanitizer
#      builds, inside a private network namespace with only loopback;
#   3. each libFuzzer harness of tests/fuzz for CHECK_FUZZ_SECONDS (default
#      60), counted as one check that passes when it finds nothing.
# Expects "make all asan tests" to have run (make check does that).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export IMAGEGATHER_SHARED=${IMAGEGATHER_SHARED:-$top/../shared}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0
log_dir=$(mktemp -d /tmp/imagegather-tests.XXXXXX)

# Adds the counts from a Check summary line "NN%: Checks: C, Failures: F, Errors: E".
run_unit() {
	name=$1
	out="$log_dir/$(echo "$name" | tr / _).log"
	"$name" > "$out" 2>&1
	status=$?
	summary=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok - $name ended with status $status and no summary:"
		tail -n 20 "$out"
		failed=$((failed + 1))
		return
	fi
	checks=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	failures=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	errors=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	bad=$((failures + errors))
	passed=$((passed + checks - bad))
	failed=$((failed + bad))
	if [ "$bad" -gt 0 ] || [ "$status" -ne 0 ]; then
		grep -E ':[EF]:' "$out" | head -n 20
		if [ "$bad" -eq 0 ]; then
			echo "not ok - $name exited with status $status:"
			tail -n 20 "$out"
			failed=$((failed + 1))
		fi
	fi
	echo "$name: $summary"
}

for t in build/tests/test_* build/asan/tests/test_*; do
	[ -x "$t" ] && run_unit "$t"
done

# The integration runner prints "integration: N passed, N failed" last.
run_integration() {
	label=$1
	shift
	out="$log_dir/integration-$label.log"
	if [ "$(id -u)" -eq 0 ]; then
		unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
			/usr/bin/python3 tests/integration/run.py "$@" > "$out" 2>&1
	else
		unshare --map-root-user --net sh -c 'ip link set lo up && exec "$@"' sh \
			/usr/bin/python3 tests/integration/run.py "$@" > "$out" 2>&1
	fi
	grep -E '(\.\.\. (FAIL|ERROR)|^not ok|^(FAIL|ERROR):|skipped)' "$out" | head -n 40
	summary=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok - integration tests ($label) ended without a summary:"
		tail -n 30 "$out"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$summary" | sed -E 's/integration: ([0-9]+) passed.*/\1/')
	f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	echo "integration ($label): $p passed, $f failed (log: $out)"
}

# The release archive's tests (test_dist.py, test_suexec.py) run once, with
# the normal programs; the variable is removed so the sanitizer run skips them.
dist=${IMAGEGATHER_DIST:-}
unset IMAGEGATHER_DIST
if [ -n "$dist" ]; then
	run_integration normal --cgi-dir cgi-bin --cleanup cron/imagegather-cleanup \
		--dist "$dist"
else
	run_integration normal --cgi-dir cgi-bin --cleanup cron/imagegather-cleanup
fi
run_integration sanitizers --cgi-dir build/asan/cgi-bin \
	--cleanup build/asan/cron/imagegather-cleanup --no-browser

# The fuzz runner prints "fuzz: N passed, N failed" last.
run_fuzz() {
	out="$log_dir/fuzz.log"
	tests/fuzz/run.sh "${CHECK_FUZZ_SECONDS:-60}" > "$out" 2>&1
	grep -E '^not ok' -A 10 "$out" | head -n 40
	summary=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok - fuzzing ended without a summary:"
		tail -n 30 "$out"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$summary" | sed -E 's/fuzz: ([0-9]+) passed.*/\1/')
	f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	echo "fuzz: $p passed, $f failed (log: $out)"
}

run_fuzz

echo "Logs are in $log_dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
