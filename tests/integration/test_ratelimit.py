"""Hourly limits per client address, counted in the shared store."""
import os

import harness


class IPv6Prefix(harness.SiteTest):
    """An IPv6 client gets one budget per /64, the prefix that one end site gets."""

    @classmethod
    def setUpClass(cls):
        cls.limited = harness.Site(config_extra="limit_preview_per_hour = 2\n"
                                                "trusted_proxies = 127.0.0.1 ::1\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.limited.errors()
        cls.limited.remove()
        assert not errors, errors

    def preview_from(self, client):
        return self.limited.request(
            "cgi-bin/preview.cgi", {"u": harness.b64url(self.fixture("img/red.png"))},
            headers={"X-Forwarded-For": client})

    def test_one_budget_per_64(self):
        self.assertEqual(self.preview_from("2001:db8:7:1::a").status, 200)
        self.assertEqual(self.preview_from("2001:db8:7:1:ffff::b").status, 200)

        r = self.preview_from("2001:db8:7:1:1234:5678:9abc:def0")

        self.assertError(r, 429, "rate_limited")

    def test_other_64_has_own_budget(self):
        self.assertEqual(self.preview_from("2001:db8:8:1::a").status, 200)
        self.assertEqual(self.preview_from("2001:db8:8:1::b").status, 200)

        self.assertEqual(self.preview_from("2001:db8:8:2::a").status, 200)


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
