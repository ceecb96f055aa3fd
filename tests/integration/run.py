#!/usr/bin/env python3
"""Runs the integration tests against real Apache sites and a loopback origin.

Must run inside a private network namespace (unshare --net with loopback up),
so a fault in the address checks can never send a packet off the machine.
Prints one line per test and ends with "integration: N passed, N failed".
"""
import argparse
import os
import subprocess
import sys
import unittest

import harness


class CountingResult(unittest.TextTestResult):
    """Counts each test method once, however many of its subtests failed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failed_ids = set()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failed_ids.add(test.id())

    def addError(self, test, err):
        super().addError(test, err)
        self.failed_ids.add(test.id())

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed_ids.add(test.id())


def run_browser_test(counts):
    script = os.path.join(harness.TOP, "tests", "browser", "e2e.mjs")
    if not os.path.exists(script) or os.environ.get("IMAGEGATHER_SKIP_BROWSER"):
        print("browser test skipped: tests/browser/e2e.mjs absent or IMAGEGATHER_SKIP_BROWSER set")
        return
    # A second site allows one extraction per hour, for the page's rate-limit message.
    limited = harness.Site(config_extra="limit_extract_per_hour = 1\n")
    env = dict(os.environ, IMAGEGATHER_APP_URL=harness.Context.site.url,
               IMAGEGATHER_LIMITED_APP_URL=limited.url,
               IMAGEGATHER_FIXTURE_URL=harness.Context.origin_url + "/fixtures/gallery.html")
    try:
        proc = subprocess.run(["node", script], env=env, capture_output=True, text=True,
                              timeout=600)
    finally:
        limited.remove()
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr[-4000:])
    passed = sum(1 for l in proc.stdout.splitlines() if l.startswith("ok - "))
    failed = sum(1 for l in proc.stdout.splitlines() if l.startswith("not ok - "))
    if proc.returncode != 0 and failed == 0:
        print(f"not ok - browser test exited with status {proc.returncode}")
        failed = 1
    counts[0] += passed
    counts[1] += failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cgi-dir", help="folder of the programs to test")
    parser.add_argument("--cleanup", help="the cleanup program to test")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--dist", help="the release archive (.tar.gz) for test_dist.py")
    parser.add_argument("pattern", nargs="?", default="test_*.py")
    args = parser.parse_args()
    if args.cgi_dir:
        harness.CGI_DIR = os.path.abspath(args.cgi_dir)
    if args.cleanup:
        os.environ["IMAGEGATHER_CLEANUP"] = os.path.abspath(args.cleanup)
    if args.dist:
        os.environ["IMAGEGATHER_DIST"] = os.path.abspath(args.dist)
    if not harness.in_private_network():
        print("integration tests must run in a private network namespace: "
              "unshare --net sh -c 'ip link set lo up && ...'", file=sys.stderr)
        print("integration: 0 passed, 1 failed")
        return 1

    counts = [0, 0]
    try:
        harness.start_shared()
        suite = unittest.defaultTestLoader.discover(harness.HERE, pattern=args.pattern,
                                                    top_level_dir=harness.HERE)
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                         resultclass=CountingResult)
        result = runner.run(suite)
        bad = len(result.failed_ids) + len(result.unexpectedSuccesses)
        counts[0] += max(0, result.testsRun - bad - len(result.skipped))
        counts[1] += bad
        if not args.no_browser:
            run_browser_test(counts)
        reports = harness.Context.site.errors()
        if reports:
            print("not ok - Apache error log shows crashes or sanitizer reports:\n" + reports)
            counts[1] += 1
    except Exception as e:  # the summary line must still come last
        print(f"not ok - the integration run failed: {e!r}")
        counts[1] += 1
    finally:
        harness.stop_shared()
    print(f"integration: {counts[0]} passed, {counts[1]} failed")
    return 1 if counts[1] else 0


if __name__ == "__main__":
    sys.exit(main())
