"""extract.cgi follows linked style sheets, @import rules and the web app manifest."""
import harness


class LinkedStyles(harness.SiteTest):
    def setUp(self):
        super().setUp()
        response = self.site.extract(self.fixture("styles/page.html"))
        self.assertEqual(response.status, 200, response.body[:300])
        self.by_url = {i["url"]: i for i in response.json()["images"]}

    def assertFound(self, name, kind):
        url = self.fixture(name)
        self.assertIn(url, self.by_url, sorted(self.by_url))
        self.assertEqual(self.by_url[url]["kind"], kind)

    def test_linked_sheet_resolved_against_itself(self):
        self.assertFound("img/red.png", "css")

    def test_import_in_linked_sheet(self):
        self.assertFound("img/blue-320.png", "css")
        self.assertFound("img/blue-640.png", "css")

    def test_import_in_style_element(self):
        self.assertFound("img/tile.png", "css")

    def test_manifest_icons(self):
        self.assertFound("styles/app/icon-192.png", "icon")

    def test_fonts_and_sheets_not_listed(self):
        for name in ("styles/fixture.woff2", "styles/sub/more.css", "styles/inline-import.css"):
            self.assertNotIn(self.fixture(name), self.by_url)

    def test_alternate_and_mistyped_sheets_skipped(self):
        self.assertNotIn(self.fixture("styles/alternate-only.png"), self.by_url)
        self.assertNotIn(f"{self.origin}/alternate-only.png", self.by_url)
