"""The pages for browsers without JavaScript: extract.cgi and export.cgi with
format=html, parsed as a browser would, escaping hostile page text, and the
export form submitted back to the server."""
import base64
import html.parser
import io
import os
import urllib.parse
import zipfile

import harness

FIXTURE_IMAGES = os.path.join(harness.TOP, "tests", "fixtures", "img")
CSP = ("default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
       "object-src 'none'")

# Markup that must reach the visitor as text: it closes attributes and
# elements and opens script and event handlers.
HOSTILE_ALT = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
HOSTILE_TITLE = "</title><script>alert(3)</script>"
HOSTILE_PATH = "/fixtures/img/red.png?q=%22%3E%3Cscript%3Ealert(4)%3C/script%3E&x='y"


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")


class PageParser(html.parser.HTMLParser):
    """Collects the elements, forms and text of a page the way a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.forms = []
        self.inputs = []
        self.links = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "form":
            self.forms.append(attributes)
        elif tag == "input":
            self.inputs.append(attributes)
        elif tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])

    def handle_data(self, data):
        self.text.append(data)

    def all_text(self):
        return "".join(self.text)

    def event_handlers(self):
        return [(tag, name) for tag, attributes in self.tags
                for name in attributes if name.startswith("on")]


def parse(body):
    parser = PageParser()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser


class HtmlResults(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        site = harness.Context.site
        origin = harness.Context.origin_url
        cls.page_url = f"{origin}/fixtures/gallery.html"
        cls.json = site.extract(cls.page_url).json()
        cls.response = site.extract(cls.page_url, format="html")
        cls.page = parse(cls.response.body)

    def test_sends_html_with_csp(self):
        self.assertEqual(self.response.status, 200, self.response.body[:300])
        self.assertEqual(self.response.headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(self.response.headers["Content-Security-Policy"], CSP)
        self.assertEqual(self.response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(self.response.headers["Cache-Control"], "no-store")

    def test_one_check_box_per_image(self):
        boxes = [i for i in self.page.inputs if i.get("type") == "checkbox"]
        self.assertEqual([b.get("name") for b in boxes], ["u"] * len(boxes))
        self.assertEqual([unb64url(b["value"]) for b in boxes],
                         [image["url"] for image in self.json["images"]])

    def test_form_posts_to_export(self):
        self.assertEqual(len(self.page.forms), 1)
        form = self.page.forms[0]
        self.assertEqual(form.get("method"), "post")
        self.assertEqual(form.get("action"), "export.cgi")
        hidden = [i for i in self.page.inputs if i.get("type") == "hidden"]
        self.assertIn({"type": "hidden", "name": "format", "value": "html"}, hidden)

    def test_links_privacy_and_terms(self):
        self.assertIn("../privacy.html", self.page.links)
        self.assertIn("../terms.html", self.page.links)

    def test_previews_through_preview_cgi(self):
        sources = [a["src"] for tag, a in self.page.tags if tag == "img"]
        self.assertEqual(len(sources), len(self.json["images"]))
        for source, image in zip(sources, self.json["images"]):
            if image["url"].startswith("data:"):
                self.assertEqual(source, image["url"])
            else:
                self.assertTrue(source.startswith("preview.cgi?u="), source)
                self.assertEqual(unb64url(source.split("=", 1)[1]), image["url"])

    def test_alt_text_is_caption(self):
        self.assertIn("A red rectangle", self.page.all_text())

    def test_format_json_unchanged(self):
        response = self.site.extract(self.page_url, format="json")
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")


class HtmlEscaping(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        site = harness.Context.site
        origin = harness.Context.origin_url
        markup = (f"<title>{html_text(HOSTILE_TITLE)}</title>"
                  f"<img src=\"{html_text(HOSTILE_PATH)}\" alt=\"{html_text(HOSTILE_ALT)}\">")
        cls.page_url = f"{origin}/page?" + urllib.parse.urlencode({"html": markup})
        cls.json = site.extract(cls.page_url).json()
        cls.response = site.extract(cls.page_url, format="html")
        cls.body = cls.response.body.decode("utf-8")
        cls.page = parse(cls.response.body)

    def test_extracted_hostile_values(self):
        self.assertEqual(self.response.status, 200, self.response.body[:300])
        self.assertEqual(self.json["images"][0]["alt"], HOSTILE_ALT)
        self.assertEqual(self.json["page"]["title"], HOSTILE_TITLE)

    def test_no_script_element(self):
        self.assertNotIn("script", [tag for tag, _ in self.page.tags])
        self.assertNotIn("<script", self.body)

    def test_no_event_handler(self):
        self.assertEqual(self.page.event_handlers(), [])

    def test_alt_and_title_shown_as_text(self):
        text = self.page.all_text()
        self.assertIn(HOSTILE_ALT, text)
        self.assertIn(HOSTILE_TITLE, text)

    def test_image_url_attribute_intact(self):
        self.assertIn(self.json["images"][0]["url"], self.page.links)

    def test_page_address_escaped(self):
        self.assertIn(self.json["page"]["final_url"], self.page.all_text())

    def test_single_image_element(self):
        self.assertEqual([tag for tag, _ in self.page.tags].count("img"), 1)


def html_text(text):
    return (text.replace("&", "&amp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))


class HtmlPages(harness.SiteTest):
    def test_no_images_found(self):
        url = f"{self.origin}/page?" + urllib.parse.urlencode({"html": "<p>Only text</p>"})
        response = self.site.extract(url, format="html")
        self.assertEqual(response.status, 200)
        page = parse(response.body)
        self.assertIn("No images were found", page.all_text())
        self.assertEqual(page.forms, [])

    def test_error_as_html(self):
        response = self.site.request("cgi-bin/extract.cgi",
                                     {"url": "ftp://<b>example</b>/", "format": "html"},
                                     method="POST")
        self.assertEqual(response.status, 400)
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(response.headers["Content-Security-Policy"], CSP)
        page = parse(response.body)
        self.assertNotIn("b", [tag for tag, _ in page.tags])
        self.assertIn("../", page.links)

    def test_blocked_address_as_html(self):
        site = harness.Site(allow_networks="")
        try:
            response = site.extract(self.fixture("gallery.html"), format="html")
        finally:
            site.remove()
        self.assertEqual(response.status, 403, response.body[:300])
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")

    def test_rate_limit_as_html(self):
        site = harness.Site(config_extra="limit_extract_per_hour = 1\n")
        try:
            site.extract(self.fixture("gallery.html"), format="html")
            response = site.extract(self.fixture("gallery.html"), format="html")
        finally:
            site.remove()
        self.assertEqual(response.status, 429, response.body[:300])
        self.assertTrue(int(response.headers["Retry-After"]) > 0)
        self.assertRegex(parse(response.body).all_text(), r"Try again in \d+ minutes\.")

    def test_export_without_selection(self):
        response = self.site.request("cgi-bin/export.cgi", [("format", "html"), ("name", "")],
                                     method="POST")
        self.assertEqual(response.status, 400)
        self.assertIn("Select at least one image", parse(response.body).all_text())


class HtmlExportRoundTrip(harness.SiteTest):
    """Submits the form of the result page as a browser would, then follows the download link."""

    @classmethod
    def setUpClass(cls):
        site = harness.Context.site
        origin = harness.Context.origin_url
        cls.chosen = [f"{origin}/fixtures/img/red.png", f"{origin}/fixtures/img/photo.jpg",
                      f"{origin}/fixtures/img/not-an-image.jpg"]
        markup = "".join(f'<img src="{u}" alt="x">' for u in cls.chosen)
        markup += f'<img src="{origin}/fixtures/img/dot.gif" alt="not chosen">'
        page_url = f"{origin}/page?" + urllib.parse.urlencode({"html": markup})
        page = parse(site.extract(page_url, format="html").body)

        # The browser sends the hidden fields, the ticked boxes and the text field.
        fields = []
        for field in page.inputs:
            if field.get("type") == "hidden":
                fields.append((field["name"], field["value"]))
            elif field.get("type") == "checkbox" and unb64url(field["value"]) in cls.chosen:
                fields.append((field["name"], field["value"]))
            elif field.get("type") == "text":
                fields.append((field["name"], "Holiday <2026>"))
        cls.fields = fields
        cls.response = site.request("cgi-bin/" + page.forms[0]["action"], fields, method="POST")
        cls.page = parse(cls.response.body)
        downloads = [link for link in cls.page.links if link.startswith("export.cgi?token=")]
        cls.download = site.request("cgi-bin/" + downloads[0]) if downloads else None

    def test_form_sends_chosen_images(self):
        self.assertEqual(sum(1 for name, _ in self.fields if name == "u"), 3)

    def test_export_answers_html(self):
        self.assertEqual(self.response.status, 200, self.response.body[:300])
        self.assertEqual(self.response.headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(self.response.headers["Content-Security-Policy"], CSP)

    def test_page_lists_each_image(self):
        text = self.page.all_text()
        self.assertIn("red.png: added", text)
        self.assertIn("photo.jpg: added", text)
        self.assertIn("not-an-image.jpg: failed.", text)
        self.assertIn("Done: 2 images in the ZIP file", text)
        self.assertIn("1 failed", text)

    def test_download_link_keeps_name(self):
        self.assertIsNotNone(self.download, "no download link on the page")
        self.assertEqual(self.download.status, 200)
        self.assertEqual(self.download.headers["Content-Type"], "application/zip")
        self.assertIn('filename="Holiday 2026.zip"', self.download.headers["Content-Disposition"])

    def test_archive_holds_chosen_images(self):
        self.assertIsNotNone(self.download, "no download link on the page")
        with zipfile.ZipFile(io.BytesIO(self.download.body)) as archive:
            self.assertIsNone(archive.testzip())
            contents = sorted(archive.read(name) for name in archive.namelist())
        expected = []
        for name in ("red.png", "photo.jpg"):
            with open(os.path.join(FIXTURE_IMAGES, name), "rb") as f:
                expected.append(f.read())
        self.assertEqual(contents, sorted(expected))

    def test_links_privacy_and_terms(self):
        self.assertIn("../privacy.html", self.page.links)
        self.assertIn("../terms.html", self.page.links)
