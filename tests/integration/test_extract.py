"""extract.cgi under Apache: discovery on fixture pages, redirects and errors."""
import harness


class ExtractGallery(harness.SiteTest):
    def setUp(self):
        super().setUp()
        self.response = self.site.extract(self.fixture("gallery.html"))
        self.assertEqual(self.response.status, 200, self.response.body[:300])
        self.result = self.response.json()
        self.by_url = {i["url"]: i for i in self.result["images"]}

    def test_content_type_is_json(self):
        self.assertEqual(self.response.headers["Content-Type"],
                         "application/json; charset=utf-8")
        self.assertEqual(self.response.headers["X-Content-Type-Options"], "nosniff")

    def test_page_fields(self):
        page = self.result["page"]
        self.assertEqual(page["url"], self.fixture("gallery.html"))
        self.assertEqual(page["final_url"], self.fixture("gallery.html"))
        self.assertEqual(page["title"], "Fixture gallery")
        self.assertEqual(self.result["count"], len(self.result["images"]))
        self.assertFalse(self.result["truncated"])

    def test_every_source_found_with_kind(self):
        expected = {
            "img/red.png": "img", "img/photo.jpg": "img", "img/blue-320.png": "img",
            "img/blue-640.png": "srcset", "img/tile.png": "css",
            "img/green.png": "meta", "img/dot.gif": "icon", "img/logo.svg": "link",
        }
        for name, kind in expected.items():
            with self.subTest(name=name):
                self.assertIn(self.fixture(name), self.by_url)
                self.assertEqual(self.by_url[self.fixture(name)]["kind"], kind)

    def test_declared_size_and_alt(self):
        red = self.by_url[self.fixture("img/red.png")]
        self.assertEqual(red["width"], 64)
        self.assertEqual(red["height"], 48)
        self.assertEqual(red["alt"], "A red rectangle")
        self.assertIsNone(self.by_url[self.fixture("img/photo.jpg")]["width"])

    def test_srcset_descriptor(self):
        self.assertEqual(self.by_url[self.fixture("img/blue-640.png")]["descriptor"], "640w")
        self.assertIsNone(self.by_url[self.fixture("img/red.png")]["descriptor"])

    def test_urls_once(self):
        urls = [i["url"] for i in self.result["images"]]
        self.assertEqual(len(urls), len(set(urls)))

    def test_markup_in_alt_is_escaped_in_json(self):
        raw = self.response.body.decode("utf-8")
        self.assertNotIn("<img src=x", raw)
        self.assertIn("\\u003cimg src=x onerror=alert(1)\\u003e", raw)
        photo = self.by_url[self.fixture("img/photo.jpg")]
        self.assertIn("<img src=x onerror=alert(1)>", photo["alt"])


class ExtractRequests(harness.SiteTest):
    def test_plain_url_parameter(self):
        r = self.site.request("cgi-bin/extract.cgi", {"url": self.fixture("gallery.html")})
        self.assertEqual(r.status, 200)
        self.assertGreater(r.json()["count"], 5)

    def test_base64url_with_padding(self):
        import base64
        u = base64.urlsafe_b64encode(self.fixture("gallery.html").encode()).decode()
        r = self.site.request("cgi-bin/extract.cgi", {"u": u})
        self.assertEqual(r.status, 200)

    def test_redirect_resolves_against_final_url(self):
        target = self.fixture("redirect-target.html")
        r = self.site.extract(f"{self.origin}/redirect?code=301&to={target}")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.json()["page"]["final_url"], target)
        self.assertEqual([i["url"] for i in r.json()["images"]], [self.fixture("img/red.png")])

    def test_five_redirects_followed(self):
        r = self.site.extract(f"{self.origin}/chain?n=5&final=/fixtures/gallery.html")
        self.assertEqual(r.status, 200, r.body[:300])

    def test_six_redirects_rejected(self):
        r = self.site.extract(f"{self.origin}/chain?n=6&final=/fixtures/gallery.html")
        self.assertError(r, 502, "fetch_failed")

    def test_redirect_to_file_scheme_rejected(self):
        r = self.site.extract(f"{self.origin}/redirect?to=file:///etc/passwd")
        self.assertError(r, 403, "blocked_address")

    def test_redirect_to_ftp_rejected(self):
        r = self.site.extract(f"{self.origin}/redirect?to=ftp://127.0.0.1/x.html")
        self.assertError(r, 403, "blocked_address")

    def test_missing_url(self):
        self.assertError(self.site.request("cgi-bin/extract.cgi", {}), 400, "invalid_url")

    def test_ftp_url(self):
        self.assertError(self.site.extract("ftp://127.0.0.1/x.html"), 400, "invalid_url")

    def test_file_url(self):
        self.assertError(self.site.extract("file:///etc/passwd"), 400, "invalid_url")

    def test_javascript_url(self):
        self.assertError(self.site.extract("javascript:alert(1)"), 400, "invalid_url")

    def test_url_over_2048_bytes(self):
        r = self.site.extract(self.fixture("gallery.html") + "?" + "a" * 2048)
        self.assertError(r, 400, "invalid_url")

    def test_userinfo_rejected(self):
        r = self.site.extract(f"http://user:pass@127.0.0.1:{self.origin.rsplit(':', 1)[1]}/")
        self.assertError(r, 400, "invalid_url")

    def test_bad_base64(self):
        r = self.site.request("cgi-bin/extract.cgi", {"u": "!!!notbase64"}, method="POST")
        self.assertError(r, 400, "invalid_url")

    def test_method_not_allowed(self):
        r = self.site.request("cgi-bin/extract.cgi", method="DELETE")
        self.assertEqual(r.status, 405)

    def test_invalid_page_label(self):
        r = self.site.extract(self.fixture("gallery.html"), page="<script>")
        self.assertError(r, 400, "invalid_request")

    def test_valid_page_label(self):
        r = self.site.extract(self.fixture("gallery.html"), page="blog_2026")
        self.assertEqual(r.status, 200)

    def test_image_is_not_html(self):
        self.assertError(self.site.extract(self.fixture("img/red.png")), 415, "not_html")

    def test_upstream_404(self):
        r = self.site.extract(f"{self.origin}/status?code=404")
        self.assertError(r, 502, "fetch_failed")
        self.assertIn("404", r.json()["error"]["message"])

    def test_connection_refused(self):
        r = self.site.extract(f"http://127.0.0.1:{harness.free_port()}/")
        self.assertError(r, 502, "fetch_failed")


class ExtractLimits(harness.SiteTest):
    """Caps on size and time, on a site configured with small limits."""

    @classmethod
    def setUpClass(cls):
        cls.small = harness.Site(config_extra="max_page_bytes = 100000\n"
                                              "fetch_timeout_seconds = 2\n"
                                              "max_candidates = 3\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.small.errors()
        cls.small.remove()
        assert not errors, errors

    def test_declared_length_over_limit(self):
        r = self.small.extract(f"{self.origin}/big?bytes=200000")
        self.assertError(r, 413, "too_large")

    def test_chunked_body_over_limit(self):
        r = self.small.extract(f"{self.origin}/chunked?bytes=300000")
        self.assertError(r, 413, "too_large")

    def test_endless_body(self):
        self.assertError(self.small.extract(f"{self.origin}/endless"), 413, "too_large")

    def test_gzip_bomb(self):
        r = self.small.extract(f"{self.origin}/gzip-bomb?bytes=50000000")
        self.assertError(r, 413, "too_large")

    def test_slow_site_times_out(self):
        self.assertError(self.small.extract(f"{self.origin}/slow?seconds=5"), 504, "timeout")

    def test_candidates_truncated(self):
        r = self.small.extract(self.fixture("gallery.html"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["count"], 3)
        self.assertTrue(r.json()["truncated"])
