"""extract.cgi with probe=1: the real type, pixel size and file size of each
candidate, read from its first 64 KiB."""
import base64
import os
import urllib.parse

import harness

FIXTURES = os.path.join(harness.TOP, "tests", "fixtures")


def file_size(rel):
    return os.path.getsize(os.path.join(FIXTURES, rel))


class Probe(harness.SiteTest):
    def page(self, body):
        return f"{self.origin}/page?" + urllib.parse.urlencode({"html": body})

    def probed(self, body, **extra):
        r = self.site.extract(self.page(body), probe="1", **extra)
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()["images"]

    def test_fixture_images(self):
        # Each row: fixture path, media type, width, height.
        rows = [
            ("img/blue-640.png", "image/png", 640, 360),
            ("img/photo.jpg", "image/jpeg", 200, 150),
            ("img/dot.gif", "image/gif", 2, 2),
            ("img/logo.svg", "image/svg+xml", 80, 40),
            ("imgsize/lossy-301x157.webp", "image/webp", 301, 157),
            ("imgsize/lossless-97x45.webp", "image/webp", 97, 45),
            ("imgsize/photo-123x77.avif", "image/avif", 123, 77),
            ("imgsize/v3-33x21.bmp", "image/bmp", 33, 21),
            ("imgsize/icon-16-48-256.ico", "image/x-icon", 256, 256),
        ]
        body = "".join(f'<img src="/fixtures/{rel}" width="10" height="5">' for rel, *_ in rows)
        images = {i["url"]: i for i in self.probed(body)}
        for rel, mime, width, height in rows:
            with self.subTest(image=rel):
                image = images[self.fixture(rel)]
                self.assertEqual(image["width"], 10, "the declared width stays")
                self.assertEqual(image["height"], 5, "the declared height stays")
                probe = image["probe"]
                self.assertTrue(probe["fetched"])
                self.assertEqual(probe["type"], mime)
                self.assertEqual(probe["width"], width)
                self.assertEqual(probe["height"], height)
                self.assertEqual(probe["bytes"], file_size(rel))

    def test_range_request_sent(self):
        Context = harness.Context
        before = len(Context.origin.ranges)
        images = self.probed('<img src="/ranged?file=img/photo.jpg&pad=300000">')
        probe = images[0]["probe"]
        self.assertEqual(probe["type"], "image/jpeg")
        self.assertEqual((probe["width"], probe["height"]), (200, 150))
        self.assertEqual(probe["bytes"], file_size("img/photo.jpg") + 300000,
                         "the size comes from Content-Range")
        self.assertEqual(Context.origin.ranges[before:], ["bytes=0-65535"])

    def test_range_ignored_long_body_cut(self):
        # /big ignores Range and sends 300000 bytes with Content-Length.
        images = self.probed('<img src="/big?bytes=300000&type=image/png">')
        probe = images[0]["probe"]
        self.assertTrue(probe["fetched"], "a body over 64 KiB is cut, not failed")
        self.assertIsNone(probe["type"], "the bytes are not an image")
        self.assertEqual(probe["bytes"], 300000)

    def test_chunked_long_body_size_unknown(self):
        images = self.probed('<img src="/chunked?bytes=300000&type=image/png">')
        probe = images[0]["probe"]
        self.assertTrue(probe["fetched"])
        self.assertIsNone(probe["bytes"])

    def test_failed_fetch(self):
        images = self.probed('<img src="/status?code=404"><img src="http://127.0.0.1:1/x.png">')
        for image in images:
            with self.subTest(url=image["url"]):
                probe = image["probe"]
                self.assertFalse(probe["fetched"])
                self.assertIsNone(probe["type"])
                self.assertIsNone(probe["width"])
                self.assertIsNone(probe["bytes"])

    def test_data_urls_read_in_place(self):
        def data_url(rel, wrap):
            with open(os.path.join(FIXTURES, rel), "rb") as f:
                encoded = base64.b64encode(f.read()).decode()
            # Browsers and the extractor drop line breaks inside URLs.
            return "data:image/png;base64," + wrap.join(
                encoded[i:i + 60] for i in range(0, len(encoded), 60))

        svg = ("data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20"
               "width='5'%20height='7'%3E%3Cdesc%3E" + "a%20small%20box%20" * 12 +
               "%3C/desc%3E%3Crect%20width='5'%20height='7'/%3E%3C/svg%3E")
        before = len(harness.Context.origin.requests)
        images = self.probed(f'<img src="{data_url("img/red.png", "")}">'
                             f'<img src="{data_url("img/green.png", chr(10))}">'
                             f'<img src="{svg}">')
        self.assertEqual(len(images), 3, [i["url"][:60] for i in images])
        for image, rel, size in ((images[0], "img/red.png", (64, 48)),
                                 (images[1], "img/green.png", (120, 80))):
            with self.subTest(image=rel):
                probe = image["probe"]
                self.assertEqual(probe["type"], "image/png")
                self.assertEqual((probe["width"], probe["height"]), size)
                self.assertEqual(probe["bytes"], file_size(rel))
        probe = images[2]["probe"]
        self.assertEqual(probe["type"], "image/svg+xml")
        self.assertEqual((probe["width"], probe["height"]), (5, 7))
        self.assertEqual(probe["bytes"], len(urllib.parse.unquote(svg.split(",", 1)[1])))
        self.assertEqual(len(harness.Context.origin.requests), before + 1,
                         "only the page itself is fetched")

    def test_at_most_200_fetches(self):
        # probe-many.html lists tile.png under 230 query strings.
        r = self.site.extract(self.fixture("probe-many.html"), probe="1")
        self.assertEqual(r.status, 200, r.body[:300])
        images = r.json()["images"]
        self.assertEqual(len(images), 230)
        probed = [i for i in images if i["probe"] is not None]
        self.assertEqual(len(probed), 200)
        self.assertEqual([i["url"] for i in probed], [i["url"] for i in images[:200]])
        self.assertTrue(all(i["probe"]["width"] == 16 for i in probed))

    def test_without_probe_no_field(self):
        r = self.site.extract(self.page('<img src="/fixtures/img/red.png">'))
        self.assertEqual(r.status, 200)
        self.assertNotIn("probe", r.json()["images"][0])
        r = self.site.extract(self.page('<img src="/fixtures/img/red.png">'), probe="0")
        self.assertNotIn("probe", r.json()["images"][0])

    def test_bad_probe_value(self):
        r = self.site.extract(self.page('<img src="/fixtures/img/red.png">'), probe="yes")
        self.assertError(r, 400, "invalid_request")


class ProbeRateLimit(harness.SiteTest):
    def test_probed_request_counts_once(self):
        limited = harness.Site(config_extra="limit_extract_per_hour = 2\n")
        try:
            page = f"{self.origin}/page?" + urllib.parse.urlencode(
                {"html": "".join(f'<img src="/fixtures/img/red.png?n={n}">' for n in range(5))})
            for _ in range(2):
                r = limited.extract(page, probe="1")
                self.assertEqual(r.status, 200, r.body[:300])
                self.assertEqual(r.json()["images"][4]["probe"]["width"], 64)
            self.assertError(limited.extract(page, probe="1"), 429, "rate_limited")
            self.assertEqual(limited.errors(), "")
        finally:
            limited.remove()
