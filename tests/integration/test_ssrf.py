"""Request forgery: addresses the server must never connect to.

These run only inside the private network namespace that run.py requires,
so an address check that failed would show as a connection failure (502)
instead of reaching any real host.
"""
import harness

DENIED_HOSTS = [
    "10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.1.1",
    "169.254.169.254", "169.254.0.1", "100.64.0.1", "0.0.0.0", "0.1.2.3",
    "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[ff02::1]", "[fec0::1]",
    "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "[64:ff9b::a00:1]",
    "[2002:a00:1::1]", "[2001:db8::1]", "[::]",
    "167772161", "0xa000001", "012.0.0.1", "10.1", "0251.0376.0251.0376",
    "169.254.169.254.",
]


class DeniedAddresses(harness.SiteTest):
    def test_private_and_special_addresses(self):
        for host in DENIED_HOSTS:
            with self.subTest(host=host):
                r = self.site.extract(f"http://{host}/")
                self.assertIn(r.status, (400, 403), r.body[:200])
                code = r.json()["error"]["code"]
                self.assertIn(code, ("invalid_url", "blocked_address"))

    def test_preview_of_metadata_address(self):
        r = self.site.preview("http://169.254.169.254/latest/meta-data/")
        self.assertError(r, 403, "blocked_address")

    def test_export_of_private_address(self):
        r = self.site.export(["http://10.0.0.1/x.png"])
        lines = r.lines()
        self.assertEqual(lines[0]["status"], "failed")
        self.assertIn("private", lines[0]["error"])

    def test_redirect_to_private_address(self):
        for code in (301, 302, 303, 307, 308):
            with self.subTest(code=code):
                r = self.site.extract(f"{self.origin}/redirect?code={code}&to=http://10.0.0.1/")
                self.assertError(r, 403, "blocked_address")

    def test_redirect_to_metadata_address(self):
        r = self.site.extract(f"{self.origin}/redirect?code=307&to=http://169.254.169.254/latest/")
        self.assertError(r, 403, "blocked_address")

    def test_redirect_to_ipv6_loopback_form(self):
        r = self.site.extract(f"{self.origin}/redirect?to=http://[::ffff:192.168.0.1]/")
        self.assertError(r, 403, "blocked_address")

    def test_public_address_is_attempted(self):
        # Inside the namespace nothing public is reachable: passing the check
        # shows as a failed connection, not as a refusal.
        r = self.site.extract("http://93.184.216.34/")
        self.assertError(r, 502, "fetch_failed")


class LoopbackWithoutExemption(harness.SiteTest):
    """A site with an empty allow_networks, as in production."""

    @classmethod
    def setUpClass(cls):
        cls.strict = harness.Site(allow_networks="")

    @classmethod
    def tearDownClass(cls):
        errors = cls.strict.errors()
        cls.strict.remove()
        assert not errors, errors

    def test_loopback_address(self):
        self.assertError(self.strict.extract(self.fixture("gallery.html")), 403, "blocked_address")

    def test_localhost_name(self):
        port = self.origin.rsplit(":", 1)[1]
        r = self.strict.extract(f"http://localhost:{port}/fixtures/gallery.html")
        self.assertError(r, 403, "blocked_address")

    def test_ipv6_loopback(self):
        r = self.strict.extract("http://[::1]/")
        self.assertError(r, 403, "blocked_address")

    def test_short_and_hex_loopback_forms(self):
        port = self.origin.rsplit(":", 1)[1]
        for host in ("127.1", "0x7f.1", "2130706433", "0177.0.0.1", "127.0.0.1."):
            with self.subTest(host=host):
                r = self.strict.extract(f"http://{host}:{port}/fixtures/gallery.html")
                self.assertIn(r.status, (400, 403), r.body[:200])

    def test_preview_loopback(self):
        self.assertError(self.strict.preview(self.fixture("img/red.png")), 403, "blocked_address")


class RedirectOutOfExemption(harness.SiteTest):
    """Only 127.0.0.1 is exempt; a redirect to 127.0.0.2 must be refused."""

    @classmethod
    def setUpClass(cls):
        cls.narrow = harness.Site(allow_networks="127.0.0.1/32")

    @classmethod
    def tearDownClass(cls):
        errors = cls.narrow.errors()
        cls.narrow.remove()
        assert not errors, errors

    def test_redirect_to_other_loopback_address(self):
        port = self.origin.rsplit(":", 1)[1]
        target = f"http://127.0.0.2:{port}/fixtures/gallery.html"
        for code in (302, 307, 308):
            with self.subTest(code=code):
                r = self.narrow.extract(f"{self.origin}/redirect?code={code}&to={target}")
                self.assertError(r, 403, "blocked_address")

    def test_exempt_address_still_works(self):
        self.assertEqual(self.narrow.extract(self.fixture("gallery.html")).status, 200)
