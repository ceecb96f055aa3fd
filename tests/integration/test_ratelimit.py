"""Hourly limits per client address, counted in the shared store."""
import os

import harness


class RateLimits(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.limited = harness.Site(config_extra="limit_extract_per_hour = 2\n"
                                                "limit_preview_per_hour = 1\n"
                                                "limit_export_per_hour = 1\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.limited.errors()
        cls.limited.remove()
        assert not errors, errors

    def test_extract_limit(self):
        for _ in range(2):
            self.assertEqual(self.limited.extract(self.fixture("gallery.html")).status, 200)
        r = self.limited.extract(self.fixture("gallery.html"))
        self.assertError(r, 429, "rate_limited")
        retry = int(r.headers["Retry-After"])
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, 3600)
        self.assertIn("minute", r.json()["error"]["message"])

    def test_preview_limit(self):
        self.assertEqual(self.limited.preview(self.fixture("img/red.png")).status, 200)
        self.assertError(self.limited.preview(self.fixture("img/red.png")), 429, "rate_limited")

    def test_export_limit(self):
        self.assertEqual(self.limited.export([self.fixture("img/red.png")]).status, 200)
        self.assertError(self.limited.export([self.fixture("img/red.png")]), 429, "rate_limited")

    def test_raw_address_never_stored(self):
        self.limited.extract(self.fixture("gallery.html"))
        for name in os.listdir(self.limited.data_dir):
            path = os.path.join(self.limited.data_dir, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    self.assertNotIn(b"127.0.0.1", f.read(), name)

    def test_secret_key_private(self):
        path = os.path.join(self.limited.data_dir, "secret.key")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
