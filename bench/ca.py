#!/usr/bin/env python3
"""Cost of the CA certificates per HTTPS request: preview.cgi of the release
archive fetching one image from a loopback TLS origin, with the hashed
folder imagegather-data/certs/, with the whole bundle, and with a bundle of
only the origin's CA. Called by bench/run.sh inside a network namespace
when dist/imagegather-*.tar.gz exists; prints a Markdown section."""
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import test_dist  # noqa: E402

RUNS = 50


def timed_runs(program, env):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        r = subprocess.run([program], env=env, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
        if not r.stdout.startswith(b"Status: 200"):
            raise RuntimeError(f"preview failed: {r.stdout[:200]!r} {r.stderr[-300:]!r}")
    return statistics.median(times), sorted(times)[int(RUNS * 0.9)]


def main():
    archives = sorted(glob.glob(os.path.join(harness.TOP, "dist", "imagegather-*.tar.gz")))
    if not archives:
        print("no release archive in dist/; run make dist", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="imagegather-ca-bench-")
    server = None
    try:
        ca, cert, key = test_dist.make_test_ca(tmp)
        server, port = test_dist.start_tls_origin(cert, key)
        with tarfile.open(archives[-1]) as t:
            t.extractall(os.path.join(tmp, "unpacked"))
        top = test_dist.archive_root(os.path.join(tmp, "unpacked"))
        data = os.path.join(top, "imagegather-data")
        with open(os.path.join(data, "imagegather.conf"), "a") as f:
            f.write(harness.NO_LIMITS + "allow_networks = 127.0.0.0/8\n")
        certs, bundle = os.path.join(data, "certs"), os.path.join(data, "ca-certificates.crt")
        with open(ca) as f:
            ca_text = f.read()
        ca_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", ca],
                                 capture_output=True, text=True, check=True).stdout.strip()
        shutil.copy(ca, os.path.join(certs, f"{ca_hash}.0"))
        with open(bundle, "a") as f:
            f.write(ca_text)
        with open(bundle) as f:
            bundle_count = f.read().count("BEGIN CERTIFICATE")

        program = os.path.join(top, "public_html", "cgi-bin", "preview.cgi")
        image = f"https://127.0.0.1:{port}/fixtures/img/red.png"
        env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
               "REMOTE_ADDR": "127.0.0.1", "QUERY_STRING": "u=" + harness.b64url(image)}
        rows = [(f"hashed folder certs/ ({len(os.listdir(certs))} files)",
                 *timed_runs(program, env))]
        shutil.rmtree(certs)
        rows.append((f"bundle of {bundle_count} certificates", *timed_runs(program, env)))
        with open(bundle, "w") as f:
            f.write(ca_text)
        rows.append(("bundle of the origin's CA only", *timed_runs(program, env)))

        print(f"\n## HTTPS preview by the static preview.cgi, {RUNS} runs\n")
        print("| CA certificates | median ms | 90th percentile ms |\n|---|---:|---:|")
        for name, median, p90 in rows:
            print(f"| {name} | {median:.1f} | {p90:.1f} |")
    finally:
        if server:
            server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
