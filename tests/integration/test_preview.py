"""preview.cgi under Apache: types from the bytes, safe headers, errors."""
import os

import harness

FIXTURE_IMAGES = os.path.join(harness.TOP, "tests", "fixtures", "img")


class Preview(harness.SiteTest):
    def check_image(self, name, mime):
        r = self.site.preview(self.fixture("img/" + name))
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(r.headers["Content-Type"], mime)
        with open(os.path.join(FIXTURE_IMAGES, name), "rb") as f:
            self.assertEqual(r.body, f.read())
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        return r

    def test_png(self):
        self.check_image("red.png", "image/png")

    def test_jpeg(self):
        self.check_image("photo.jpg", "image/jpeg")

    def test_gif(self):
        self.check_image("dot.gif", "image/gif")

    def test_svg_sandboxed(self):
        r = self.check_image("evil.svg", "image/svg+xml")
        self.assertIn("sandbox", r.headers["Content-Security-Policy"])
        self.assertIn("default-src 'none'", r.headers["Content-Security-Policy"])

    def test_cached_by_browser(self):
        r = self.check_image("red.png", "image/png")
        self.assertIn("max-age=", r.headers["Cache-Control"])

    def test_type_from_bytes_not_header(self):
        r = self.site.preview(f"{self.origin}/typed?file=img/red.png&type=text/html")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "image/png")

    def test_html_named_jpg_rejected(self):
        r = self.site.preview(self.fixture("img/not-an-image.jpg"))
        self.assertError(r, 415, "not_image")

    def test_html_claiming_image_type_rejected(self):
        r = self.site.preview(f"{self.origin}/typed?file=gallery.html&type=image/png")
        self.assertError(r, 415, "not_image")
        self.assertNotIn(b"<html", r.body)

    def test_upstream_error(self):
        self.assertError(self.site.preview(f"{self.origin}/status?code=500"), 502, "fetch_failed")

    def test_invalid_url(self):
        self.assertError(self.site.preview("data:image/png;base64,AAAA"), 400, "invalid_url")


class PreviewLimits(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.small = harness.Site(config_extra="max_image_bytes = 2000\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.small.errors()
        cls.small.remove()
        assert not errors, errors

    def test_image_over_limit(self):
        r = self.small.preview(f"{self.origin}/big?bytes=5000&type=image/png")
        self.assertError(r, 413, "too_large")

    def test_image_under_limit(self):
        self.assertEqual(self.small.preview(self.fixture("img/red.png")).status, 200)
