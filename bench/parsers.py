#!/usr/bin/env python3
"""Extraction throughput of ImageGather's discover_images (bench/extract.c)
compared with PHP's DOMDocument and DOMXPath (bench/extract.php) and
BeautifulSoup with lxml (bench/extract_bs4.py), on the shared corpus and on
synthetic pages of 1, 4, 16 and 64 MiB. Called by bench/run.sh; prints
Markdown."""
import os
import platform
import statistics
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SHARED = os.environ.get("IMAGEGATHER_SHARED", os.path.join(TOP, "..", "shared"))
OUT = os.path.join(TOP, "build", "bench")
DRIVER = os.path.join(OUT, "extract")
CORPUS_REPEAT = 3
SYNTHETIC_MIB = (1, 4, 16, 64)
BLOCK_BYTES = 1024

TOOLS = {
    "ImageGather (C)": [DRIVER],
    "PHP DOMDocument": ["php", os.path.join(TOP, "bench", "extract.php")],
    "BeautifulSoup + lxml": ["/usr/bin/python3", os.path.join(TOP, "bench", "extract_bs4.py")],
}

FILLER = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
          "incididunt ut labore et dolore magna aliqua. ") * 12


def synthetic_page(mib):
    """Write a page of mib MiB made of 1 KiB cards, each with an img, a
    srcset of two candidates and a paragraph, so that candidates grow in
    proportion to the size. Returns its path."""
    path = os.path.join(OUT, f"synthetic-{mib}mib.html")
    if os.path.exists(path):
        return path
    head = "<!DOCTYPE html><html><head><title>Synthetic gallery</title></head><body>\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(head)
        written = len(head)
        n = 0
        while written < mib * 1024 * 1024 - BLOCK_BYTES:
            card = (f'<div class="card"><img src="/photos/{n}.jpg" srcset="/photos/{n}-640.jpg 640w, '
                    f'/photos/{n}-1280.jpg 1280w" alt="Photo {n}" width="640" height="480"><p>')
            card += FILLER[:BLOCK_BYTES - len(card) - 11] + "</p></div>\n"
            f.write(card)
            written += len(card)
            n += 1
        f.write("</body></html>\n")
    return path


def run_tool(command, repeat, files):
    """Run one tool over files; return {file: (seconds, count, peak KiB or None)}."""
    out = subprocess.run(command + [str(repeat)] + files, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"warning: {command[0]} ended with {out.returncode}: {out.stderr[-500:]}",
              file=sys.stderr)
    results = {}
    for line in out.stdout.splitlines():
        fields = line.split("\t")
        peak = int(fields[3]) if len(fields) > 3 else None
        results[fields[0]] = (float(fields[1]), int(fields[2]), peak)
    return results


def corpus_files():
    files = []
    for folder in ("pages", "pages2"):
        path = os.path.join(SHARED, "corpus", folder)
        if os.path.isdir(path):
            files += [os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".html")]
    return files


def mib_per_second(files, results):
    done = [f for f in files if f in results]
    seconds = sum(results[f][0] for f in done)
    size = sum(os.path.getsize(f) for f in done)
    return size / 1048576 / seconds if seconds else 0.0, len(done)


def report_corpus(files):
    print(f"## Corpus: {len(files)} pages, "
          f"{sum(os.path.getsize(f) for f in files) / 1048576:.1f} MiB, fastest of {CORPUS_REPEAT} runs\n")
    results = {name: run_tool(cmd, CORPUS_REPEAT, files) for name, cmd in TOOLS.items()}
    ours = results["ImageGather (C)"]
    rates = {name: mib_per_second(files, r) for name, r in results.items()}
    print("| tool | pages | MiB/s | ImageGather's throughput, times |\n|---|---:|---:|---:|")
    for name, (rate, pages) in rates.items():
        ratio = rates["ImageGather (C)"][0] / rate if rate else float("nan")
        print(f"| {name} | {pages} | {rate:.1f} | {ratio:.2f} |")
    times = [ours[f][0] * 1000 for f in files if f in ours]
    peaks = [ours[f][2] / 1024 for f in files if f in ours]
    print(f"\nImageGather per page: median {statistics.median(times):.2f} ms, "
          f"max {max(times):.2f} ms; peak resident memory median {statistics.median(peaks):.1f} MiB, "
          f"max {max(peaks):.1f} MiB (the driver process, page bytes included)")
    slowest = sorted(files, key=lambda f: ours.get(f, (0,))[0], reverse=True)[:5]
    print("\n| slowest pages | KiB | ms | candidates | peak MiB |\n|---|---:|---:|---:|---:|")
    for f in slowest:
        seconds, count, peak = ours[f]
        print(f"| {os.path.basename(f)} | {os.path.getsize(f) / 1024:.0f} | {seconds * 1000:.2f} | "
              f"{count} | {peak / 1024:.1f} |")


def report_synthetic():
    files = [synthetic_page(mib) for mib in SYNTHETIC_MIB]
    print(f"\n## Synthetic pages: 1 KiB cards with 3 image URLs each, one run\n")
    results = {}
    for name, cmd in TOOLS.items():
        # One process per page, so that a slow or failing page does not hide the others.
        results[name] = {}
        for f in files:
            results[name].update(run_tool(cmd, 1, [f]))
    print("| MiB | tool | seconds | MiB/s | candidates or URLs | seconds per MiB | peak MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for mib, f in zip(SYNTHETIC_MIB, files):
        for name in TOOLS:
            if f not in results[name]:
                print(f"| {mib} | {name} | failed | | | | |")
                continue
            seconds, count, peak = results[name][f]
            peak_text = f"{peak / 1024:.0f}" if peak else ""
            print(f"| {mib} | {name} | {seconds:.3f} | {mib / seconds:.1f} | {count} | "
                  f"{seconds / mib:.4f} | {peak_text} |")


def main():
    if not os.access(DRIVER, os.X_OK):
        sys.exit(f"{DRIVER} is missing; bench/run.sh builds it")
    os.makedirs(OUT, exist_ok=True)
    print(f"# Extraction throughput, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores\n")
    files = corpus_files()
    if files:
        report_corpus(files)
    else:
        print(f"The shared corpus was not found at {SHARED}; corpus measurements skipped.")
    report_synthetic()


if __name__ == "__main__":
    main()
