"""extract.cgi on pages built to exhaust the parser: rejected with 413 too_large, quickly."""
import time
import urllib.parse

import harness


class HostileHtml(harness.SiteTest):
    def extract_repeat(self, piece, count, tail="", head=""):
        query = urllib.parse.urlencode({"head": head, "piece": piece, "count": count,
                                        "tail": tail})
        started = time.monotonic()
        response = self.site.extract(f"{self.origin}/repeat?{query}")
        return response, time.monotonic() - started

    def test_open_tags_only(self):
        response, seconds = self.extract_repeat("<span>", 500000)
        self.assertError(response, 413, "too_large")
        self.assertIn("deep", response.json()["error"]["message"])
        self.assertLess(seconds, 10)

    def test_too_many_elements(self):
        response, seconds = self.extract_repeat("<br>", 1000000)
        self.assertError(response, 413, "too_large")
        self.assertIn("elements", response.json()["error"]["message"])
        self.assertLess(seconds, 10)

    def test_many_elements_below_limit(self):
        response, _ = self.extract_repeat("<br>", 100000, "<img src=/fixtures/img/red.png>")
        self.assertEqual(response.status, 200, response.body[:300])
        urls = [i["url"] for i in response.json()["images"]]
        self.assertEqual(urls, [self.fixture("img/red.png")])

    def test_attributes_past_limit_dropped(self):
        response, seconds = self.extract_repeat(" a=1", 100000, " src=/fixtures/img/red.png>",
                                                head="<img")
        self.assertEqual(response.status, 200, response.body[:300])
        self.assertEqual(response.json()["images"], [])
        self.assertLess(seconds, 10)
