"""Real pages from the shared corpus through extract.cgi: every page answers
200 and the result holds every distinct img src that Python's html.parser
finds, resolved against the page URL (or its base element)."""
import html.parser
import os
import urllib.parse

import harness

CORPUS = os.path.join(harness.SHARED, "corpus")


class ImgCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.srcs = []
        self.base = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        if tag == "img" and values.get("src"):
            self.srcs.append(values["src"])


def browser_quote(url):
    """Percent-encodes what a browser encodes in a path or query: spaces,
    controls, non-ASCII and a few ASCII characters (WHATWG URL standard)."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.quote(parts.path, safe="/%:@!$&'()*+,;=-._~[]|\\")
    query = urllib.parse.quote(parts.query, safe="/%:@!$&()*+,;=-._~?[]|^`{}\\")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.lower(), path, query,
                                    parts.fragment))


def expected_srcs(text, page_url):
    collector = ImgCollector()
    collector.feed(text)
    base = urllib.parse.urljoin(page_url, collector.base.strip()) if collector.base else page_url
    wanted = set()
    for src in collector.srcs:
        src = src.strip(" \t\n\r\f")
        if not src or src.lower().startswith(("data:", "javascript:", "about:", "blob:")):
            continue
        url = urllib.parse.urljoin(base, src.replace("\\", "/"))
        if url.startswith(("http://", "https://")) and urllib.parse.urlsplit(url).hostname:
            wanted.add(browser_quote(url.split("#")[0]))
    return wanted


def normalize(url):
    return browser_quote(url.split("#")[0])


class CorpusPages(harness.SiteTest):
    def test_pages(self):
        folders = [f for f in ("pages", "pages2") if os.path.isdir(os.path.join(CORPUS, f))]
        if not folders:
            self.skipTest(f"shared corpus not found at {CORPUS}")
        count = 0
        for folder in folders:
            for name in sorted(os.listdir(os.path.join(CORPUS, folder))):
                if not name.endswith(".html"):
                    continue
                count += 1
                with self.subTest(page=f"{folder}/{name}"):
                    self.check_page(folder, name)
        self.assertGreater(count, 100)

    def check_page(self, folder, name):
        page_url = f"{self.origin}/corpus/{folder}/{urllib.parse.quote(name)}"
        r = self.site.extract(page_url)
        self.assertEqual(r.status, 200, r.body[:200])
        found = {normalize(i["url"]) for i in r.json()["images"]}
        with open(os.path.join(CORPUS, folder, name), encoding="utf-8", errors="replace") as f:
            wanted = expected_srcs(f.read(), page_url)
        missing = sorted(wanted - found)
        self.assertFalse(missing, f"{len(missing)} of {len(wanted)} img src missing, "
                                  f"first: {missing[:3]}")
