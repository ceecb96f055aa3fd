"""extract.cgi on pages in legacy encodings: detection order, UTF-8 output, query encoding."""
import urllib.parse

import harness


def quote(text, encoding="utf-8"):
    """Percent-encodes text the way the expected URLs are written."""
    return urllib.parse.quote(text.encode(encoding), safe="")


class Encodings(harness.SiteTest):
    def extract_typed(self, name, content_type="text/html"):
        query = urllib.parse.urlencode({"file": "encodings/" + name, "type": content_type})
        response = self.site.extract(f"{self.origin}/typed?{query}")
        self.assertEqual(response.status, 200, response.body[:300])
        return response.json()

    def assertPage(self, result, encoding, text, query_encoding):
        """Checks encoding, title, alt text and the image URL of a fixture page showing text."""
        self.assertEqual(result["page"]["encoding"], encoding)
        self.assertEqual(result["page"]["title"], text)
        self.assertEqual(len(result["images"]), 1, result["images"])
        image = result["images"][0]
        self.assertEqual(image["alt"], text)
        expected = (f"{self.origin}/fixtures/img/{quote(text + '.png')}"
                    f"?q={quote(text, query_encoding)}")
        self.assertEqual(image["url"], expected)

    def test_windows_1252_default(self):
        result = self.extract_typed("windows-1252.html")
        self.assertPage(result, "windows-1252", "Café “crème”", "cp1252")

    def test_meta_charset_iso_8859_2(self):
        result = self.extract_typed("iso-8859-2.html")
        self.assertPage(result, "ISO-8859-2", "Łódź żółw", "iso-8859-2")

    def test_meta_charset_shift_jis(self):
        result = self.extract_typed("shift_jis.html")
        self.assertPage(result, "Shift_JIS", "日本の写真", "cp932")

    def test_http_equiv_euc_jp(self):
        result = self.extract_typed("euc-jp.html")
        self.assertPage(result, "EUC-JP", "日本の写真", "euc_jp")

    def test_gb2312_read_as_gbk(self):
        result = self.extract_typed("gb2312.html")
        self.assertPage(result, "GBK", "中文图片", "gbk")

    def test_header_charset_big5(self):
        result = self.extract_typed("big5.html", "text/html; charset=big5")
        self.assertPage(result, "Big5", "中文圖片", "big5")

    def test_header_beats_meta(self):
        # The page is EUC-JP but declares Shift_JIS; the header wins.
        result = self.extract_typed("euc-jp-mislabeled.html", "text/html; charset=euc-jp")
        self.assertPage(result, "EUC-JP", "日本の写真", "euc_jp")

    def test_utf16le_bom(self):
        # Queries of UTF-16 pages use UTF-8 (WHATWG Encoding, "get an output encoding").
        result = self.extract_typed("utf-16le.html")
        self.assertPage(result, "UTF-16LE", "Ünïcödé 日本", "utf-8")

    def test_bom_beats_header(self):
        result = self.extract_typed("utf-16be.html", "text/html; charset=iso-8859-1")
        self.assertPage(result, "UTF-16BE", "Ünïcödé 日本", "utf-8")

    def test_invalid_utf8_replaced(self):
        result = self.extract_typed("utf-8-invalid.html")
        self.assertEqual(result["images"][0]["alt"], "o\ufffdk\ufffd")
