"""Real pages from the shared corpus through extract.cgi, compared with an
independent reference extractor built on Python's html.parser.

The reference reads, by the HTML standard and the Open Graph and Twitter
card conventions: img src, the candidates of img srcset, picture > source
srcset, data-src and data-srcset (lazy loading), og:image and twitter:image
meta tags, link rel icons, video poster and input type=image. Every URL it
finds must be among extract.cgi's candidates, and every img, srcset,
source, poster and input candidate of extract.cgi must be among the
reference's URLs. Each difference is either fixed or listed in EXPLAINED
with its reason (docs/DISCOVERY.md has the same table). The test prints
how many candidates each side finds per kind over the whole corpus.
"""
import collections
import html.parser
import os
import re
import sys
import urllib.parse

import harness

CORPUS = os.path.join(harness.SHARED, "corpus")

# Reference kinds and the extract.cgi kinds that stand for the same source.
KINDS = {
    "img": ("img",),
    "srcset": ("srcset",),
    "source": ("source",),
    "lazy": ("lazy",),
    "meta": ("meta",),
    "icon": ("icon",),
    "poster": ("poster",),
    "input": ("input",),
}

# extract.cgi kinds whose every URL the reference must also find. The
# others (lazy, meta, icon, css, link...) read more sources than the
# reference does (data-original, JSON-LD, manifests, style sheets).
CHECKED_BOTH_WAYS = ("img", "srcset", "source", "poster", "input")

META_NAMES = {"og:image", "og:image:url", "og:image:secure_url",
              "twitter:image", "twitter:image:src"}

SPACE = " \t\n\r\f"

# Explained differences: (page, direction, kind, normalized URL or "*") -> reason.
# direction is "missing" (the reference finds it, extract.cgi does not) or
# "extra" (extract.cgi lists it, the reference does not).
EXPLAINED = {
    ("pages/msn.html", "missing", "lazy", "*"):
        "data-src holds a JSON object for the site's own loader, not a URL",
}


def parse_srcset(value):
    """Return the URLs of a srcset value (WHATWG HTML, "parse a srcset
    attribute"), keeping candidates whose descriptors are valid."""
    urls = []
    pos, n = 0, len(value)
    while pos < n:
        while pos < n and (value[pos] in SPACE or value[pos] == ","):
            pos += 1
        if pos >= n:
            break
        start = pos
        while pos < n and value[pos] not in SPACE:
            pos += 1
        url = value[start:pos]
        descriptors = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            descriptors, pos = read_descriptors(value, pos)
        if url and descriptors_valid(descriptors):
            urls.append(url)
    return urls


def read_descriptors(value, pos):
    """Collect the descriptor tokens after a srcset URL up to the comma that
    ends the candidate; a comma inside parentheses does not end it."""
    tokens, current, in_parens = [], "", False
    n = len(value)
    while pos < n:
        c = value[pos]
        pos += 1
        if in_parens:
            current += c
            in_parens = c != ")"
        elif c in SPACE:
            if current:
                tokens.append(current)
                current = ""
        elif c == ",":
            break
        else:
            current += c
            in_parens = c == "("
    if current:
        tokens.append(current)
    return tokens, pos


def descriptors_valid(tokens):
    """Apply the standard's descriptor rules: at most one w or x, h only with w."""
    seen = {}
    for token in tokens:
        kind, number = token[-1:].lower(), token[:-1]
        if kind in ("w", "h") and re.fullmatch("[0-9]+", number) and int(number) > 0 and kind not in seen:
            seen[kind] = number
        elif kind == "x" and kind not in seen and is_float(number) and float(number) >= 0:
            seen[kind] = number
        else:
            return False
    if "w" in seen and "x" in seen:
        return False
    return "h" not in seen or "w" in seen


def is_float(text):
    """Tell whether text is a valid floating-point number (WHATWG HTML)."""
    return re.fullmatch(r"-?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][+-]?[0-9]+)?", text) is not None


def is_icon_rel(rel):
    tokens = rel.lower().split()
    return any(t == "icon" or t.endswith("-icon") or t.endswith("-icon-precomposed")
               for t in tokens)


class Reference(html.parser.HTMLParser):
    """The reference extractor: URLs as written, per kind, in page order."""

    # Elements whose content the HTML tokenizer reads as text (RAWTEXT and
    # RCDATA states), so an <img> written inside them is no image.
    CDATA_CONTENT_ELEMENTS = ("script", "style", "textarea", "title", "xmp", "iframe",
                              "noembed", "noframes")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = collections.defaultdict(list)
        self.base = None
        self.pictures = 0

    def handle_starttag(self, tag, attrs):
        values = {}
        for name, value in attrs:
            values.setdefault(name, value)  # the first of repeated attributes wins
        get = lambda name: values.get(name) or ""  # noqa: E731
        if tag == "base" and self.base is None and get("href").strip(SPACE):
            self.base = get("href").strip(SPACE)
        if tag == "picture":
            self.pictures += 1
        if tag == "img":
            self.add("img", get("src"))
            for url in parse_srcset(get("srcset")):
                self.add("srcset", url)
        if tag == "source" and self.pictures:
            for url in parse_srcset(get("srcset")):
                self.add("source", url)
        if tag in ("img", "source"):
            self.add("lazy", get("data-src"))
            for url in parse_srcset(get("data-srcset")):
                self.add("lazy", url)
        if tag == "meta":
            name = (values.get("property") or values.get("name") or "").strip().lower()
            if name in META_NAMES:
                self.add("meta", get("content"))
        if tag == "link" and is_icon_rel(get("rel")):
            self.add("icon", get("href"))
        if tag == "video":
            self.add("poster", get("poster"))
        if tag == "input" and get("type").strip().lower() == "image":
            self.add("input", get("src"))

    def handle_endtag(self, tag):
        if tag == "picture" and self.pictures:
            self.pictures -= 1

    def add(self, kind, value):
        if value and value.strip(SPACE):
            self.found[kind].append(value.strip(SPACE))


def browser_quote(url):
    """Percent-encode what a browser encodes in a path or query: spaces,
    controls, non-ASCII and a few ASCII characters (WHATWG URL standard)."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.quote(parts.path, safe="/%:@!$&'()*+,;=-._~[]|\\")
    query = urllib.parse.quote(parts.query, safe="/%:@!$&()*+,;=-._~?[]|^`{}\\")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.lower(), path, query, ""))


def normalize(url):
    return browser_quote(url.split("#")[0])


def reference_urls(text, page_url):
    """Return {kind: set of normalized absolute http(s) URLs} for a page."""
    reference = Reference()
    reference.feed(text)
    reference.close()
    base = urllib.parse.urljoin(page_url, reference.base) if reference.base else page_url
    result = {}
    for kind, values in reference.found.items():
        urls = set()
        for value in values:
            if value.lower().startswith(("data:", "javascript:", "about:", "blob:")):
                continue
            # Tab and newline are removed from URLs (WHATWG URL, "basic URL parser").
            value = value.replace("\t", "").replace("\n", "").replace("\r", "")
            url = urllib.parse.urljoin(base, value.replace("\\", "/"))
            if url.startswith(("http://", "https://")) and urllib.parse.urlsplit(url).hostname:
                urls.add(normalize(url))
        result[kind] = urls
    return result


def corpus_pages():
    for folder in ("pages", "pages2"):
        path = os.path.join(CORPUS, folder)
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if name.endswith(".html"):
                    yield folder, name


class CorpusPages(harness.SiteTest):
    def test_reference_comparison(self):
        pages = list(corpus_pages())
        if not pages:
            self.skipTest(f"shared corpus not found at {CORPUS}")
        self.assertGreater(len(pages), 100)
        totals = {kind: [0, 0, 0] for kind in KINDS}
        unexplained = []
        used = set()
        for folder, name in pages:
            with self.subTest(page=f"{folder}/{name}"):
                self.compare_page(folder, name, totals, unexplained, used)
        print_totals(totals, len(pages))
        self.assertFalse(unexplained, f"{len(unexplained)} unexplained differences, first: "
                                      + "\n".join(unexplained[:20]))
        self.assertEqual(sorted(set(EXPLAINED) - used), [],
                         "explained differences that no longer occur")

    def compare_page(self, folder, name, totals, unexplained, used):
        page = f"{folder}/{name}"
        page_url = f"{self.origin}/corpus/{folder}/{urllib.parse.quote(name)}"
        r = self.site.extract(page_url)
        self.assertEqual(r.status, 200, r.body[:200])
        ours = collections.defaultdict(set)
        for image in r.json()["images"]:
            if not image["url"].startswith("data:"):
                ours[image["kind"]].add(normalize(image["url"]))
        ours_all = set().union(*ours.values()) if ours else set()
        with open(os.path.join(CORPUS, folder, name), encoding="utf-8", errors="replace") as f:
            reference = reference_urls(f.read(), page_url)
        reference_all = set().union(*reference.values()) if reference else set()

        differences = []
        for kind, our_kinds in KINDS.items():
            totals[kind][0] += len(reference.get(kind, ()))
            totals[kind][1] += sum(len(ours[k]) for k in our_kinds)
            totals[kind][2] += len(reference.get(kind, set()) & ours_all)
            differences += [("missing", kind, url)
                            for url in sorted(reference.get(kind, set()) - ours_all)]
        for kind in CHECKED_BOTH_WAYS:
            differences += [("extra", kind, url) for url in sorted(ours[kind] - reference_all)]
        for direction, kind, url in differences:
            key = next((k for k in ((page, direction, kind, url), (page, direction, kind, "*"))
                        if k in EXPLAINED), None)
            if key:
                used.add(key)
            else:
                unexplained.append(f"{page}: {direction} {kind} {url}")


def print_totals(totals, page_count):
    """Print per kind: distinct URLs the reference finds, URLs extract.cgi lists
    under that kind, and reference URLs that extract.cgi lists under any kind.
    extract.cgi lists each URL once, under the first kind it was found as,
    so its count for a kind can be lower than the matches."""
    lines = [f"\ncandidates per kind over {page_count} corpus pages:",
             "  kind      reference  extract.cgi  reference found by extract.cgi"]
    for kind, (theirs, ours, matched) in totals.items():
        lines.append(f"  {kind:8} {theirs:10} {ours:12} {matched:12}")
    print("\n".join(lines), file=sys.stderr)
