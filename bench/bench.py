#!/usr/bin/env python3
"""Benchmarks for ImageGather; called by bench/run.sh inside a network namespace."""
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "integration"))
import harness  # noqa: E402

SPAWN = os.path.join(harness.TOP, "build", "bench", "spawn")
FLOOR = os.path.join(harness.TOP, "build", "bench", "floor")
STATIC_DIR = os.path.join(harness.TOP, "build", "static", "bin")
RUNS = 300


def startup(site):
    """Start-up: a GET without parameters, rejected before any fetch."""
    env = dict(os.environ, REQUEST_METHOD="GET", QUERY_STRING="", REMOTE_ADDR="127.0.0.1",
               IMAGEGATHER_CONFIG=os.path.join(site.data_dir, "imagegather.conf"))
    programs = [("floor", FLOOR)]
    programs += [(name, os.path.join(harness.CGI_DIR, name))
                 for name in ("extract.cgi", "preview.cgi", "export.cgi")]
    # The static musl build of "make static", when present.
    programs += [(f"{name} (static)", os.path.join(STATIC_DIR, name))
                 for name in ("extract.cgi", "preview.cgi", "export.cgi")
                 if os.access(os.path.join(STATIC_DIR, name), os.X_OK)]
    rows = []
    for name, program in programs:
        out = subprocess.run([SPAWN, str(RUNS), program], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        rows.append((name, float(out[0]), float(out[1])))
    return rows


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def extraction(site):
    corpus = os.path.join(harness.SHARED, "corpus")
    times = []
    for folder in ("pages", "pages2"):
        path = os.path.join(corpus, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith(".html"):
                continue
            url = f"{harness.Context.origin_url}/corpus/{folder}/{urllib.parse.quote(name)}"
            start = time.perf_counter()
            r = site.extract(url)
            times.append((time.perf_counter() - start) * 1000)
            if r.status != 200:
                print(f"warning: {folder}/{name} answered {r.status}", file=sys.stderr)
    return times


def export(site):
    names = ["red.png", "photo.jpg", "dot.gif", "logo.svg", "blue-640.png"]
    urls = [f"{harness.Context.origin_url}/fixtures/img/{names[i % 5]}?n={i}" for i in range(50)]
    start = time.perf_counter()
    r = site.export(urls)
    under_apache = (time.perf_counter() - start) * 1000
    assert r.lines()[-1]["count"] == 50, r.body[-300:]
    # Peak memory: the same export run directly as a CGI child of this process.
    body = urllib.parse.urlencode([("u", harness.b64url(u)) for u in urls]).encode()
    env = dict(os.environ, REQUEST_METHOD="POST", REMOTE_ADDR="127.0.0.2",
               CONTENT_TYPE="application/x-www-form-urlencoded",
               CONTENT_LENGTH=str(len(body)),
               IMAGEGATHER_CONFIG=os.path.join(site.data_dir, "imagegather.conf"))
    start = time.perf_counter()
    subprocess.run([os.path.join(harness.CGI_DIR, "export.cgi")], input=body, env=env,
                   capture_output=True, check=True)
    direct = (time.perf_counter() - start) * 1000
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return under_apache, direct, peak_kib


def main():
    harness.start_shared()
    site = harness.Context.site
    # The benchmark must not be cut short by the hourly limits.
    site.remove()
    site = harness.Site(config_extra="limit_extract_per_hour = 0\nlimit_preview_per_hour = 0\n"
                                     "limit_export_per_hour = 0\n")
    harness.Context.site = site
    try:
        print(f"# ImageGather benchmark, {time.strftime('%Y-%m-%d')}, "
              f"{platform.machine()}, {os.cpu_count()} cores\n")
        print(f"## Start-up: a rejected request, {RUNS} runs\n")
        print("| program | median ms | 90th percentile ms |\n|---|---:|---:|")
        for name, median, p90 in startup(site):
            print(f"| {name} | {median:.2f} | {p90:.2f} |")
        times = extraction(site)
        if times:
            print(f"\n## extract.cgi under Apache (event MPM, mod_cgid), {len(times)} corpus pages\n")
            print(f"median {statistics.median(times):.1f} ms, "
                  f"90th percentile {percentile(times, 0.9):.1f} ms, "
                  f"max {max(times):.1f} ms")
        under_apache, direct, peak = export(site)
        print("\n## Export of 50 images from the loopback origin\n")
        print(f"under Apache {under_apache:.1f} ms; run directly {direct:.1f} ms "
              f"with peak resident memory {peak / 1024:.1f} MiB")
    finally:
        harness.stop_shared()


if __name__ == "__main__":
    main()
