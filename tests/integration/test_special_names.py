"""Special-use host names (localhost, *.local, *.internal ...) are refused
before any DNS lookup, for the first request, redirects and the fetches a
page causes.

A stand-in DNS server listens on the address of the first nameserver in
/etc/resolv.conf, added to lo inside the test's private network namespace.
It replies NXDOMAIN to every query and records the names queried, so the
tests can show that no query left for a refused name, and that it does see
the query for an ordinary name.
"""
import socket
import subprocess
import threading
import time
import urllib.parse

import harness

SPECIAL = [
    "localhost",
    "LOCALHOST.",
    "app.localhost",
    "printer.local",
    "router.home.arpa",
    "db.internal",
    "abcdefghijklmnop.onion",
    "nothing.invalid",
    "lab.test",
    "xn--bcher-kva.test",
]


def first_nameserver():
    """Returns the address of the first nameserver in /etc/resolv.conf, or None."""
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    return fields[1]
    except OSError:
        pass
    return None


def question_name(packet):
    """Returns the name of the first question of a DNS query, lower case, or ""."""
    labels = []
    i = 12
    while i < len(packet) and packet[i] != 0:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower()


def nxdomain_answer(query):
    """Builds an NXDOMAIN answer that repeats the query's id and question."""
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    question = query[12:end + 5]
    recursion_desired = query[2] & 0x01
    flags = bytes([0x80 | recursion_desired, 0x83])  # QR, RD as asked; RA, RCODE 3
    return query[:2] + flags + b"\x00\x01\x00\x00\x00\x00\x00\x00" + question


class StandInResolver:
    """Records every DNS query that reaches address port 53 and answers NXDOMAIN."""

    def __init__(self, address):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))
        self.names = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                query, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.names.append(question_name(query))
            if len(query) > 12:
                self.sock.sendto(nxdomain_answer(query), peer)

    def close(self):
        self.sock.close()


class SpecialUseNames(harness.SiteTest):
    """Special-use names end with 403 blocked_address and no DNS query."""

    resolver = None
    added_address = None

    @classmethod
    def setUpClass(cls):
        cls.port = harness.Context.origin_url.rsplit(":", 1)[1]
        overrides = f"pinned.test:{cls.port}:127.0.0.1 pinned-loop.test:80:127.0.0.2"
        cls.narrow = harness.Site(allow_networks="127.0.0.1/32",
                                  config_extra=(f"resolve_overrides = {overrides}\n"
                                                "fetch_timeout_seconds = 5\n"))
        cls.start_resolver()

    @classmethod
    def start_resolver(cls):
        address = first_nameserver()
        if not address:
            return
        if not address.startswith("127."):
            prefix = "128" if ":" in address else "32"
            added = subprocess.run(["ip", "addr", "add", f"{address}/{prefix}", "dev", "lo"],
                                   capture_output=True)
            if added.returncode != 0:
                return
            cls.added_address = f"{address}/{prefix}"
        try:
            cls.resolver = StandInResolver(address)
        except OSError:
            cls.resolver = None

    @classmethod
    def tearDownClass(cls):
        if cls.resolver:
            cls.resolver.close()
        if cls.added_address:
            subprocess.run(["ip", "addr", "del", cls.added_address, "dev", "lo"],
                           capture_output=True)
        errors = cls.narrow.errors()
        cls.narrow.remove()
        assert not errors, errors

    def require_resolver(self):
        if not self.resolver:
            self.skipTest("no stand-in DNS server: /etc/resolv.conf names no nameserver, "
                          "or its address cannot be added to lo")

    def assertNotLookedUp(self, name):
        if self.resolver:
            asked = [n for n in self.resolver.names if n == name.lower().rstrip(".")]
            self.assertEqual(asked, [], f"DNS query sent for {name}")

    def assertSpecialRefusal(self, response):
        self.assertError(response, 403, "blocked_address")
        self.assertIn("special-use name", response.json()["error"]["message"])

    def redirect(self, code, target):
        query = urllib.parse.urlencode({"code": code, "to": target})
        return f"{self.origin}/redirect?{query}"

    def test_extract_refused(self):
        for name in SPECIAL:
            with self.subTest(name=name):
                self.assertSpecialRefusal(self.narrow.extract(f"http://{name}/"))
                self.assertNotLookedUp(name)

    def test_preview_refused(self):
        for name in SPECIAL:
            with self.subTest(name=name):
                self.assertSpecialRefusal(self.narrow.preview(f"http://{name}/x.png"))
                self.assertNotLookedUp(name)

    def test_export_refused(self):
        r = self.narrow.export([f"http://{name}/a.png" for name in SPECIAL])
        images = [l for l in r.lines() if "status" in l]
        self.assertEqual(len(images), len(SPECIAL), r.body[:500])
        for line in images:
            self.assertEqual(line["status"], "failed")
            self.assertIn("special-use name", line["error"])
        for name in SPECIAL:
            self.assertNotLookedUp(name)

    def test_redirect_refused(self):
        for code in (301, 302, 307, 308):
            for name in ("printer.local", "db.internal", "app.localhost", "lab.test"):
                with self.subTest(code=code, name=name):
                    target = f"http://{name}:{self.port}/fixtures/gallery.html"
                    self.assertSpecialRefusal(self.narrow.extract(self.redirect(code, target)))
                    self.assertNotLookedUp(name)

    def test_linked_resources_not_looked_up(self):
        html = ('<link rel="stylesheet" href="http://styles.local/a.css">'
                '<link rel="manifest" href="http://app.internal/manifest.json">'
                '<img src="http://img.home.arpa/x.png">'
                '<img src="/fixtures/img/red.png">')
        r = self.narrow.extract(f"{self.origin}/page?" + urllib.parse.urlencode({"html": html}),
                                probe="1")
        self.assertEqual(r.status, 200, r.body[:300])
        for name in ("styles.local", "app.internal", "img.home.arpa"):
            self.assertNotLookedUp(name)

    def test_ordinary_name_is_looked_up(self):
        """The stand-in server records the lookups that do happen."""
        self.require_resolver()
        self.assertError(self.narrow.extract("http://lookup-control.example/"),
                         502, "fetch_failed")
        deadline = time.monotonic() + 2
        while "lookup-control.example" not in self.resolver.names and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("lookup-control.example", self.resolver.names)

    def test_ordinary_linked_style_sheet_is_looked_up(self):
        self.require_resolver()
        html = '<link rel="stylesheet" href="http://styles-control.example/a.css">'
        r = self.narrow.extract(f"{self.origin}/page?" + urllib.parse.urlencode({"html": html}))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertIn("styles-control.example", self.resolver.names)

    def test_pinned_special_name_is_fetched(self):
        """A name in resolve_overrides is not looked up, so only the socket check applies."""
        url = f"http://pinned.test:{self.port}/fixtures/gallery.html"
        self.assertEqual(self.narrow.extract(url).status, 200)

    def test_pinned_name_meets_socket_check(self):
        r = self.narrow.extract("http://pinned-loop.test/")
        self.assertError(r, 403, "blocked_address")
        self.assertIn("127.0.0.2", r.json()["error"]["message"])

    def test_pinned_name_on_other_port_refused(self):
        self.assertSpecialRefusal(self.narrow.extract("http://pinned.test:81/"))
        self.assertNotLookedUp("pinned.test")
