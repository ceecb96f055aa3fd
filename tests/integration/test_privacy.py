"""Visitor addresses: X-Forwarded-For only behind trusted proxies, and never written anywhere."""
import fcntl
import os
import re
import subprocess
import unittest

import harness

FORWARDED = "198.51.100.23"

# Every form of the test addresses that a program could write: dotted,
# IPv4-mapped IPv6, and the 32-bit number in hex and decimal.
FORMS = [b"127.0.0.1", b"::ffff:127.0.0.1", b"::ffff:7f00:1", b"7f000001", b"2130706433",
         FORWARDED.encode(), b"::ffff:" + FORWARDED.encode(), b"::ffff:c633:6417",
         b"c6336417", b"3325256727"]

# Apache puts "[client ADDRESS:PORT]" before every line a CGI program writes
# to stderr; that prefix is the host's, like the access log.
CLIENT_PREFIX = re.compile(rb"\[client [^\]]*\] ")


def forwarded(address):
    return {"X-Forwarded-For": address}


class TrustedProxies(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.behind_proxy = harness.Site(config_extra="trusted_proxies = 127.0.0.0/8\n"
                                                     "limit_extract_per_hour = 2\n")
        cls.direct = harness.Site(config_extra="limit_extract_per_hour = 2\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.behind_proxy.errors() + cls.direct.errors()
        cls.behind_proxy.remove()
        cls.direct.remove()
        assert not errors, errors

    def extract(self, site, address):
        params = {"u": harness.b64url(self.fixture("gallery.html"))}
        return site.request("cgi-bin/extract.cgi", params, method="POST",
                            headers=forwarded(address))

    def test_forwarded_address_counted_behind_trusted_proxy(self):
        for _ in range(2):
            self.assertEqual(self.extract(self.behind_proxy, "203.0.113.1").status, 200)
        self.assertError(self.extract(self.behind_proxy, "203.0.113.1"), 429, "rate_limited")
        # Another visitor behind the same proxy has its own limit.
        self.assertEqual(self.extract(self.behind_proxy, "203.0.113.2").status, 200)
        # The right-most untrusted address counts, not a forged left-most one.
        r = self.extract(self.behind_proxy, "192.0.2.99, 203.0.113.1")
        self.assertError(r, 429, "rate_limited")

    def test_forwarded_for_ignored_without_trusted_proxy(self):
        for _ in range(2):
            self.assertEqual(self.extract(self.direct, "203.0.113.3").status, 200)
        self.assertError(self.extract(self.direct, "203.0.113.4"), 429, "rate_limited")


class NoAddressWritten(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.watched = harness.Site(config_extra="trusted_proxies = 127.0.0.1\n"
                                                "limit_extract_per_hour = 3\n"
                                                "limit_export_per_hour = 5\n")

    @classmethod
    def tearDownClass(cls):
        cls.watched.remove()

    def request(self, program, params, method="POST", address=FORWARDED):
        return self.watched.request(f"cgi-bin/{program}.cgi", params, method=method,
                                    headers=forwarded(address))

    def request_with_store_locked(self, page):
        """Makes extract.cgi log an error record: the store stays locked past its wait."""
        path = os.path.join(self.watched.data_dir, "imagegather.lock")
        with open(path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.assertEqual(self.request("extract", {"u": page}).status, 503)
            fcntl.flock(lock, fcntl.LOCK_UN)

    def visit_everything(self):
        """Sends successful, failing and limited requests of every kind."""
        gallery = harness.b64url(self.fixture("gallery.html"))
        self.request("extract", {"u": gallery})
        self.request("extract", {"u": harness.b64url(f"{self.origin}/status?code=500")})
        self.request("extract", {"u": "not base64!"})
        self.request("extract", {"u": gallery}, address=f"::ffff:{FORWARDED}")
        self.request("extract", {"u": gallery})          # over the limit
        self.request("preview", {"u": harness.b64url(self.fixture("img/red.png"))}, "GET")
        self.request("preview", {"u": harness.b64url(f"{self.origin}/reset")}, "GET")
        self.request("preview", {"u": harness.b64url("http://10.0.0.1/a.png")}, "GET")
        lines = self.request("export", [("u", harness.b64url(self.fixture("img/red.png"))),
                                        ("u", harness.b64url(f"{self.origin}/status?code=404"))]
                             ).lines()
        token = lines[-1]["token"]
        self.request("export", {"token": token}, "GET")
        self.request("export", {"token": "0" * 10}, "GET")
        self.request_with_store_locked(gallery)
        cleanup = subprocess.run([harness.CLEANUP], capture_output=True, timeout=60,
                                 env=dict(os.environ, IMAGEGATHER_CONFIG=os.path.join(
                                     self.watched.data_dir, "imagegather.conf")),
                                 check=False)
        return cleanup.stdout + cleanup.stderr

    def assertNoAddress(self, text, where):
        for form in FORMS:
            self.assertNotIn(form, text, f"{form!r} found in {where}")

    def test_no_address_in_files_or_logs(self):
        cleanup_output = self.visit_everything()
        self.assertNoAddress(cleanup_output, "the cleanup program's output")
        for folder, _, names in os.walk(self.watched.data_dir):
            for name in names:
                if name == "imagegather.conf":
                    continue     # the owner's configuration names the trusted proxy
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    self.assertNoAddress(f.read(), path)
        with open(self.watched.error_log, "rb") as f:
            log = f.read()
        self.assertIn(b"extract.cgi", log, "the programs wrote no records to check")
        for line in log.splitlines():
            self.assertNoAddress(CLIENT_PREFIX.sub(b"", line), "Apache's error log")


if __name__ == "__main__":
    unittest.main()
