"""Request forgery: addresses the server must never connect to.

These run only inside the private network namespace that run.py requires,
so an address check that failed would show as a connection failure (502)
instead of reaching any real host.
"""
import os
import subprocess
import time
import urllib.parse

import harness
import origin

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


# Names that resolve_overrides points at chosen addresses, on port 80 unless
# written otherwise. 93.184.216.34 stands for any public address: inside the
# private network namespace it is unreachable, so a name or address that
# passes the check fails to connect (502) instead of being refused (403).
PUBLIC = "93.184.216.34"
STRICT_OVERRIDES = " ".join([
    "internal.test:80:10.0.0.1",
    "metadata.test:80:169.254.169.254",
    "metadata.test:443:169.254.169.254",
    "loop.test:80:127.0.0.1",
    "v6loop.test:80:[::1]",
    "mapped.test:80:[::ffff:10.0.0.1]",
    "ula.test:80:[fd00::1]",
    f"mixed.test:80:{PUBLIC},10.0.0.1",
    f"mixed-first.test:80:10.0.0.1,{PUBLIC}",
    f"dual.test:80:[fd00::1],{PUBLIC}",
    f"dual4.test:80:{PUBLIC},[fc00::1]",
    f"public.test:80:{PUBLIC}",
    f"public.test:8080:{PUBLIC}",
    f"public.test:443:{PUBLIC}",
])

# Each URL must be refused: 400 invalid_url when the URL itself is a trick,
# 403 blocked_address when the address or port it reaches is denied.
REFUSED = [
    # Loopback in every IPv4 spelling browsers accept.
    ("http://127.0.0.1/", 403),
    ("http://127.1/", 403),
    ("http://127.0.1/", 403),
    ("http://2130706433/", 403),
    ("http://0x7f000001/", 403),
    ("http://0x7f.0x0.0x0.0x1/", 403),
    ("http://0177.0.0.1/", 403),
    ("http://017700000001/", 403),
    ("http://0177.1/", 403),
    ("http://127.000.000.001/", 403),
    ("http://127.0.0.1./", 403),
    ("http://127.0.0.2:8080/", 403),
    ("http://localhost/", 403),
    ("http://LOCALHOST/", 403),
    ("http://0/", 403),
    ("http://0.0.0.0/", 403),
    # Loopback and "this host" in IPv6 forms.
    ("http://[::1]/", 403),
    ("http://[0:0:0:0:0:0:0:1]/", 403),
    ("http://[::]/", 403),
    ("http://[::ffff:127.0.0.1]/", 403),
    ("http://[::ffff:7f00:1]/", 403),
    ("http://[::127.0.0.1]/", 403),
    ("http://[::ffff:0:127.0.0.1]/", 403),
    ("http://[64:ff9b::127.0.0.1]/", 403),
    ("http://[2002:7f00:1::1]/", 403),
    # Cloud metadata services.
    ("http://169.254.169.254/latest/meta-data/", 403),
    ("http://2852039166/", 403),
    ("http://0xa9fea9fe/", 403),
    ("http://0xa9.0xfe.0xa9.0xfe/", 403),
    ("http://0251.0376.0251.0376/", 403),
    ("http://169.254.43518/", 403),
    ("http://169.254.169.254./", 403),
    ("http://[::ffff:169.254.169.254]/", 403),
    ("http://[::ffff:a9fe:a9fe]/", 403),
    ("http://[64:ff9b::a9fe:a9fe]/", 403),
    ("http://[2002:a9fe:a9fe::1]/", 403),
    ("http://[fd00:ec2::254]/", 403),
    ("http://100.100.100.200/", 403),
    ("http://192.0.0.192/", 403),
    ("http://metadata.test/", 403),
    ("https://metadata.test/", 403),
    # Private, shared and other ranges that are not globally reachable.
    ("http://10.0.0.1/", 403),
    ("http://10.255.255.254/", 403),
    ("http://167772161/", 403),
    ("http://012.0.0.1/", 403),
    ("http://10.1/", 403),
    ("http://172.16.0.1/", 403),
    ("http://172.31.255.254/", 403),
    ("http://192.168.0.1/", 403),
    ("http://0xc0.0xa8.1.1/", 403),
    ("http://100.64.0.1/", 403),
    ("http://100.127.255.254/", 403),
    ("http://169.254.0.1/", 403),
    ("http://192.0.0.8/", 403),
    ("http://192.0.2.1/", 403),
    ("http://192.88.99.1/", 403),
    ("http://198.18.0.1/", 403),
    ("http://198.19.255.254/", 403),
    ("http://198.51.100.7/", 403),
    ("http://203.0.113.9/", 403),
    ("http://224.0.0.1/", 403),
    ("http://239.255.255.250/", 403),
    ("http://240.0.0.1/", 403),
    ("http://255.255.255.255/", 403),
    ("http://[::ffff:10.0.0.1]/", 403),
    ("http://[::ffff:0:10.0.0.1]/", 403),
    ("http://[::10.0.0.1]/", 403),
    ("http://[64:ff9b::10.0.0.1]/", 403),
    ("http://[2002:a00:1::1]/", 403),
    ("http://[2002:c0a8:101::1]/", 403),
    ("http://[fe80::1]/", 403),
    ("http://[fc00::1]/", 403),
    ("http://[fd12:3456::1]/", 403),
    ("http://[fec0::1]/", 403),
    ("http://[ff02::1]/", 403),
    ("http://[2001:db8::1]/", 403),
    ("http://[3fff::1]/", 403),
    ("http://[100::1]/", 403),
    ("http://[2001::1]/", 403),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", 403),
    ("http://[5f00::1]/", 403),
    ("http://[64:ff9b:1::a00:1]/", 403),
    # Names that resolve to denied addresses, alone or among others.
    ("http://internal.test/", 403),
    ("http://loop.test/", 403),
    ("http://v6loop.test/", 403),
    ("http://mapped.test/", 403),
    ("http://ula.test/", 403),
    ("http://mixed.test/", 403),
    ("http://mixed-first.test/", 403),
    ("http://dual.test/", 403),
    ("http://dual4.test/", 403),
    # Ports other than allow_ports (80 443 8443 on this site).
    (f"http://{PUBLIC}:22/", 403),
    (f"http://{PUBLIC}:25/", 403),
    (f"http://{PUBLIC}:6379/", 403),
    (f"http://{PUBLIC}:11211/", 403),
    (f"https://{PUBLIC}:8080/", 403),
    ("http://public.test:8080/", 403),
    # URL tricks rejected before any lookup.
    ("http://%31%32%37.0.0.1/", 400),
    ("http://127.0.0.%31/", 400),
    ("http://%6c%6f%63%61%6c%68%6f%73%74/", 400),
    ("http://public.test\\@127.0.0.1/", 400),
    ("http://127.0.0.1\\@public.test/", 400),
    ("http://public.test\\.127.0.0.1/", 400),
    ("http://public.test@127.0.0.1/", 400),
    ("http://127.0.0.1@public.test/", 400),
    ("http://user:pass@127.0.0.1/", 400),
    ("http://127.0.0.1:80@public.test/", 400),
    ("http://127.0.0.1#@public.test/", 403),
    ("http:/\\127.0.0.1/", 400),
    ("http:\\\\127.0.0.1/", 400),
    ("http:127.0.0.1/", 400),
    ("http:///127.0.0.1/", 400),
    ("127.0.0.1/", 400),
    ("//127.0.0.1/", 400),
    ("localhost:80/", 400),
    ("gopher://127.0.0.1:6379/_INFO", 400),
    ("dict://127.0.0.1:11211/stats", 400),
    ("file:///etc/passwd", 400),
    ("ftp://127.0.0.1/", 400),
    ("ldap://127.0.0.1/", 400),
    ("http://[::1%25lo]/", 400),
    ("http://[fe80::1%25eth0]/", 400),
    ("http://127.0.0.1:0/", 400),
    ("http://4294967296/", 400),
    # International look-alikes that libidn2 maps to plain ASCII.
    ("http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3/", 400),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/", 400),
    ("http://127\u30020\u30020\u30021/", 400),
    ("http://\u2460\u2461\u2466.0.0.1/", 400),
    ("http://127.0.0.\u2460/", 400),
    ("http://\u24d8\u24dd\u24e3\u24d4\u24e1\u24dd\u24d0\u24db.test/", 400),
    ("http://loop\uff0etest/", 400),
]

# Public addresses and names pass the check, then fail to connect.
PASSING = [
    f"http://{PUBLIC}/",
    f"https://{PUBLIC}/",
    f"http://{PUBLIC}:8443/",
    f"http://{PUBLIC}:443/",
    "http://1.1.1.1/",
    "http://[2606:4700:4700::1111]/",
    f"http://[::ffff:{PUBLIC}]/",
    "http://[2002:5db8:d822::1]/",
    "http://public.test/",
    "https://public.test/",
    "http://1.0.0.0/",
    "http://126.255.255.255/",
    "http://100.128.0.0/",
    "http://172.32.0.0/",
    "http://192.169.0.0/",
]


class ForgeryTable(harness.SiteTest):
    """A production-like site: no exemption, the default ports plus 8443."""

    @classmethod
    def setUpClass(cls):
        cls.strict = harness.Site(
            allow_networks="",
            config_extra=(f"allow_ports = 80 443 8443\n"
                          f"resolve_overrides = {STRICT_OVERRIDES}\n"
                          "fetch_timeout_seconds = 5\n"))

    @classmethod
    def tearDownClass(cls):
        errors = cls.strict.errors()
        cls.strict.remove()
        assert not errors, errors

    def test_table_size(self):
        self.assertGreaterEqual(len(REFUSED), 80)

    def test_refused(self):
        for url, status in REFUSED:
            with self.subTest(url=url):
                r = self.strict.extract(url)
                self.assertEqual(r.status, status, r.body[:300])
                code = "invalid_url" if status == 400 else "blocked_address"
                self.assertEqual(r.json()["error"]["code"], code)

    def test_passing_addresses_are_attempted(self):
        for url in PASSING:
            with self.subTest(url=url):
                self.assertError(self.strict.extract(url), 502, "fetch_failed")

    def test_preview_refused(self):
        for url in ("http://metadata.test/latest/", "http://[::ffff:10.0.0.1]/x.png",
                    "http://mixed.test/x.png", f"http://{PUBLIC}:22/x.png"):
            with self.subTest(url=url):
                self.assertError(self.strict.preview(url), 403, "blocked_address")

    def test_export_refused(self):
        r = self.strict.export(["http://internal.test/a.png", "http://mixed-first.test/b.png",
                                f"http://{PUBLIC}:6379/c.png", "http://[fd00:ec2::254]/d.png"])
        images = [l for l in r.lines() if l.get("event") == "image" or "status" in l]
        self.assertEqual(len(images), 4, r.body[:500])
        for line in images:
            self.assertEqual(line["status"], "failed")
            self.assertIn("does not fetch", line["error"])

    def test_reason_names_denied_address(self):
        r = self.strict.extract("http://mixed.test/")
        self.assertIn("10.0.0.1", r.json()["error"]["message"])
        r = self.strict.extract(f"http://{PUBLIC}:22/")
        self.assertIn("port 22", r.json()["error"]["message"])


class RedirectTable(harness.SiteTest):
    """Only the origin's address is exempt; every redirect away from it must be refused."""

    @classmethod
    def setUpClass(cls):
        port = harness.Context.origin_url.rsplit(":", 1)[1]
        cls.port = port
        overrides = " ".join([
            f"origin.test:{port}:127.0.0.1",
            f"multi.test:{port}:127.0.0.2,127.0.0.1",
            f"multi6.test:{port}:[::1],127.0.0.1",
            f"first-good.test:{port}:127.0.0.1,127.0.0.2",
            "internal.test:80:10.0.0.1",
        ])
        cls.narrow = harness.Site(allow_networks="127.0.0.1/32",
                                  config_extra=f"resolve_overrides = {overrides}\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.narrow.errors()
        cls.narrow.remove()
        assert not errors, errors

    def redirect(self, code, target):
        query = urllib.parse.urlencode({"code": code, "to": target})
        return f"{self.origin}/redirect?{query}"

    def test_redirects_to_denied_addresses(self):
        targets = [
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            f"http://127.0.0.2:{self.port}/fixtures/gallery.html",
            f"http://0x7f.0.0.2:{self.port}/fixtures/gallery.html",
            f"http://[::1]:{self.port}/fixtures/gallery.html",
            f"http://[::ffff:127.0.0.2]:{self.port}/fixtures/gallery.html",
            "http://internal.test/",
            f"http://multi.test:{self.port}/fixtures/gallery.html",
            f"http://{PUBLIC}:22/",
            "gopher://127.0.0.1:6379/_INFO",
            "file:///etc/passwd",
            "dict://127.0.0.1:11211/stats",
        ]
        for code in (301, 302, 303, 307, 308):
            for target in targets:
                with self.subTest(code=code, target=target):
                    r = self.narrow.extract(self.redirect(code, target))
                    self.assertError(r, 403, "blocked_address")

    def test_redirect_chain_ends_denied(self):
        inner = self.redirect(302, "http://169.254.169.254/")
        r = self.narrow.extract(self.redirect(301, inner))
        self.assertError(r, 403, "blocked_address")

    def test_allowed_name_and_address(self):
        for host in ("127.0.0.1", "origin.test", "first-good.test"):
            with self.subTest(host=host):
                r = self.narrow.extract(f"http://{host}:{self.port}/fixtures/gallery.html")
                self.assertEqual(r.status, 200, r.body[:300])

    def test_name_with_one_denied_address(self):
        # libcurl tries 127.0.0.2 first, is refused, then connects to
        # 127.0.0.1; the refused attempt still decides the response.
        r = self.narrow.extract(f"http://multi.test:{self.port}/fixtures/gallery.html")
        self.assertError(r, 403, "blocked_address")

    def test_happy_eyeballs_denied_family(self):
        r = self.narrow.extract(f"http://multi6.test:{self.port}/fixtures/gallery.html")
        self.assertError(r, 403, "blocked_address")


class ProxyEnvironmentIgnored(harness.SiteTest):
    """Proxy variables in the CGI environment must not route fetches anywhere."""

    @classmethod
    def setUpClass(cls):
        cls.proxy, port = origin.start()
        proxy = f"http://127.0.0.1:{port}"
        names = ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY")
        cls.site_with_proxy = harness.Site(
            apache_extra="\n".join(f"SetEnv {name} {proxy}" for name in names))
        cls.proxy_url = proxy

    @classmethod
    def tearDownClass(cls):
        errors = cls.site_with_proxy.errors()
        cls.site_with_proxy.remove()
        cls.proxy.shutdown()
        assert not errors, errors

    def test_set_env_proxy_ignored(self):
        r = self.site_with_proxy.extract(self.fixture("gallery.html"))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(self.proxy.requests, [])

    def test_proxy_request_header_ignored(self):
        r = self.site_with_proxy.request(
            "cgi-bin/extract.cgi", {"u": harness.b64url(self.fixture("gallery.html"))},
            method="POST", headers={"Proxy": self.proxy_url})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(self.proxy.requests, [])


class OwnAddresses(harness.SiteTest):
    """The server's own addresses are denied although they look public."""

    OWN = "93.184.216.99"

    def run_preview(self, site, url, server_addr):
        env = dict(os.environ, REQUEST_METHOD="GET", REMOTE_ADDR="127.0.0.1",
                   QUERY_STRING="u=" + harness.b64url(url), SERVER_ADDR=server_addr,
                   IMAGEGATHER_CONFIG=os.path.join(site.data_dir, "imagegather.conf"))
        program = os.path.join(site.env["CGI_DIR"], "preview.cgi")
        out = subprocess.run([program], env=env, capture_output=True, timeout=60)
        return out.stdout.decode("utf-8", "replace")

    def test_server_addr_denied(self):
        site = harness.Site(allow_networks="", config_extra="fetch_timeout_seconds = 5\n")
        try:
            head = self.run_preview(site, "http://93.184.216.98/x.png", "93.184.216.98")
            self.assertIn("Status: 403", head)
            self.assertIn("server's own", head)
            head = self.run_preview(site, "http://93.184.216.98/x.png", "93.184.216.97")
            self.assertIn("Status: 502", head)
        finally:
            site.remove()

    def test_interface_address_denied(self):
        added = subprocess.run(["ip", "addr", "add", f"{self.OWN}/32", "dev", "lo"],
                               capture_output=True)
        if added.returncode != 0:
            self.skipTest("cannot add an address to lo: " + added.stderr.decode().strip())
        site = harness.Site(allow_networks="", config_extra="fetch_timeout_seconds = 5\n")
        try:
            r = site.extract(f"http://{self.OWN}/")
            self.assertError(r, 403, "blocked_address")
            self.assertIn("server's own", r.json()["error"]["message"])
        finally:
            site.remove()
            subprocess.run(["ip", "addr", "del", f"{self.OWN}/32", "dev", "lo"])

    def test_allow_networks_exempts_own_address(self):
        site = harness.Site(allow_networks="127.0.0.1/32")
        try:
            r = site.extract(self.fixture("gallery.html"))
            self.assertEqual(r.status, 200, r.body[:300])
        finally:
            site.remove()


class FetchBounds(harness.SiteTest):
    """Header size and stall limits end a fetch with the documented errors."""

    @classmethod
    def setUpClass(cls):
        cls.bounded = harness.Site(config_extra="stall_timeout_seconds = 2\n"
                                                "max_header_bytes = 8192\n"
                                                "fetch_timeout_seconds = 20\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.bounded.errors()
        cls.bounded.remove()
        assert not errors, errors

    def test_large_headers_refused(self):
        r = self.bounded.extract(f"{self.origin}/big-headers?bytes=20000")
        self.assertError(r, 502, "fetch_failed")
        self.assertIn("8192 bytes of response headers", r.json()["error"]["message"])

    def test_headers_under_limit(self):
        r = self.bounded.extract(f"{self.origin}/big-headers?bytes=3000")
        self.assertEqual(r.status, 200, r.body[:300])

    def test_stalled_body_times_out(self):
        started = time.monotonic()
        r = self.bounded.extract(f"{self.origin}/stall?seconds=15")
        self.assertError(r, 504, "timeout")
        self.assertIn("stopped sending", r.json()["error"]["message"])
        self.assertLess(time.monotonic() - started, 12)

    def test_silent_server_times_out(self):
        started = time.monotonic()
        r = self.bounded.extract(f"{self.origin}/slow?seconds=15")
        self.assertError(r, 504, "timeout")
        self.assertLess(time.monotonic() - started, 12)

    def test_bad_resolve_overrides_is_misconfiguration(self):
        site = harness.Site(config_extra="resolve_overrides = example.test:80\n")
        try:
            self.assertError(site.extract(self.fixture("gallery.html")), 500,
                             "server_misconfigured")
        finally:
            site.remove()

    def test_bad_allow_ports_is_misconfiguration(self):
        site = harness.Site(config_extra="allow_ports = 80 http\n")
        try:
            self.assertError(site.extract(self.fixture("gallery.html")), 500,
                             "server_misconfigured")
        finally:
            site.remove()
