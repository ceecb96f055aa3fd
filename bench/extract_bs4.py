#!/usr/bin/env python3
"""Extraction benchmark with BeautifulSoup and lxml, for comparison with
bench/extract.c: reads the same kinds of image URLs as bench/extract.php
and prints "FILE<TAB>SECONDS<TAB>URLS" per file, the fastest of REPEAT runs.
URLs are collected as written, not resolved.
Usage: extract_bs4.py REPEAT FILE..."""
import re
import sys
import time

from bs4 import BeautifulSoup

META_NAMES = {"og:image", "og:image:url", "og:image:secure_url",
              "twitter:image", "twitter:image:src"}


def srcset_urls(value):
    urls = []
    for candidate in re.split(r",(?=\s)|,$", value):
        parts = candidate.split()
        if parts:
            urls.append(parts[0].rstrip(","))
    return urls


def extract_urls(html):
    soup = BeautifulSoup(html, "lxml")
    seen = set()
    for img in soup.find_all("img"):
        seen.update((img.get("src", ""), img.get("data-src", "")))
        seen.update(srcset_urls(img.get("srcset", "")))
        seen.update(srcset_urls(img.get("data-srcset", "")))
    for source in soup.find_all("source"):
        seen.add(source.get("data-src", ""))
        seen.update(srcset_urls(source.get("data-srcset", "")))
        if source.parent is not None and source.parent.name == "picture":
            seen.update(srcset_urls(source.get("srcset", "")))
    for meta in soup.find_all("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in META_NAMES:
            seen.add(meta.get("content", ""))
    for link in soup.find_all("link"):
        if "icon" in [r.lower() for r in link.get("rel", [])]:
            seen.add(link.get("href", ""))
    for video in soup.find_all("video"):
        seen.add(video.get("poster", ""))
    for field in soup.find_all("input"):
        if field.get("type", "").lower() == "image":
            seen.add(field.get("src", ""))
    seen.discard("")
    return len({url.strip() for url in seen})


def main():
    repeat = max(1, int(sys.argv[1]))
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            html = f.read().decode("utf-8", errors="replace")
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            count = extract_urls(html)
            best = min(best, time.perf_counter() - start)
        print(f"{path}\t{best:.6f}\t{count}", flush=True)


if __name__ == "__main__":
    main()
